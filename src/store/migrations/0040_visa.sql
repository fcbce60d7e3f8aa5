-- Visas (issue 6): purposes with their rules, applicants, applications with
-- their documents and links, the event history, issued visas and counters.
-- Dates are 'YYYY-MM-DD' text, instants ISO 8601 UTC; see docs/internals/visa.md.

-- A purpose and its rules: data an admin edits, not code. `nationalities` is
-- '*' or a comma-separated list of ICAO codes the purpose is open to;
-- `required_documents` a comma-separated list of document kinds.
CREATE TABLE visa_purpose (
    code TEXT PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_ar TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    nationalities TEXT NOT NULL DEFAULT '*',
    validity_days INTEGER NOT NULL,
    max_entries INTEGER NOT NULL,
    max_stay_days INTEGER NOT NULL,
    fee_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'USD',
    required_documents TEXT NOT NULL DEFAULT '',
    needs_hospital INTEGER NOT NULL DEFAULT 0,
    needs_patient INTEGER NOT NULL DEFAULT 0,
    max_escorts INTEGER NOT NULL DEFAULT 0,
    extendable INTEGER NOT NULL DEFAULT 0,
    max_extension_days INTEGER NOT NULL DEFAULT 0,
    auto_approve INTEGER NOT NULL DEFAULT 0,
    auto_max_risk INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    mrz_format TEXT NOT NULL DEFAULT 'A' CHECK (mrz_format IN ('A', 'B')),
    passport_margin_days INTEGER NOT NULL DEFAULT 0,
    max_advance_days INTEGER NOT NULL DEFAULT 180,
    updated_at TEXT NOT NULL
);

-- The applicant: a person record, found again by passport or identity on
-- later applications.
CREATE TABLE visa_person (
    id TEXT PRIMARY KEY,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    name_ar TEXT,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    birth_date TEXT,
    nationality TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX visa_person_identity ON visa_person(nationality, birth_date, surname);

CREATE TABLE visa_application (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES visa_person(id),
    passport_mrz TEXT NOT NULL,
    passport_number TEXT NOT NULL,
    passport_state TEXT NOT NULL,
    nationality TEXT NOT NULL,
    passport_expiry TEXT,
    purpose TEXT NOT NULL REFERENCES visa_purpose(code),
    entry_date TEXT NOT NULL,
    stay_days INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    state TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    hospital TEXT,
    patient_application_id TEXT REFERENCES visa_application(id),
    group_ref TEXT,
    fee_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'USD',
    risk_score INTEGER,
    risk_level TEXT,
    screening TEXT,
    auto_decided INTEGER NOT NULL DEFAULT 0,
    refusal_reason TEXT,
    decision_note TEXT,
    decided_by TEXT,
    decided_at TEXT,
    submitted_by TEXT,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX visa_application_queue ON visa_application(state, priority, submitted_at);
CREATE INDEX visa_application_person ON visa_application(person_id);
CREATE INDEX visa_application_patient ON visa_application(patient_application_id);
CREATE INDEX visa_application_passport ON visa_application(nationality, passport_number);
CREATE INDEX visa_application_group ON visa_application(group_ref);

-- Supporting documents, by reference (the document itself lives elsewhere).
CREATE TABLE visa_application_document (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES visa_application(id),
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    description TEXT,
    added_at TEXT NOT NULL
);
CREATE INDEX visa_application_document_app ON visa_application_document(application_id);

-- Links from an application to others: family members, group members,
-- earlier applications of the same person, the patient an escort accompanies.
CREATE TABLE visa_application_link (
    application_id TEXT NOT NULL REFERENCES visa_application(id),
    linked_id TEXT NOT NULL REFERENCES visa_application(id),
    relation TEXT NOT NULL CHECK (relation IN ('family', 'group', 'previous', 'patient')),
    detail TEXT,
    PRIMARY KEY (application_id, linked_id, relation)
);
CREATE INDEX visa_application_link_linked ON visa_application_link(linked_id);

-- The history of each application and visa: every transition, who made it
-- and why (the audit log holds the same with its hash chain).
CREATE TABLE visa_event (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES visa_application(id),
    visa_id TEXT,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id TEXT,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    reason TEXT,
    detail TEXT
);
CREATE INDEX visa_event_application ON visa_event(application_id, at);

-- An issued visa. `seal` is the binary Visible Digital Seal of the current
-- MRZ and validity (an extension or shortening re-signs it); entries_used,
-- days_used and in_country_since are kept by the border through
-- ubur_visa_note_entry / ubur_visa_note_exit.
CREATE TABLE visa (
    id TEXT PRIMARY KEY,
    visa_number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL UNIQUE REFERENCES visa_application(id),
    person_id TEXT NOT NULL REFERENCES visa_person(id),
    issuing_state TEXT NOT NULL,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    entries INTEGER NOT NULL,
    stay_days INTEGER NOT NULL,
    passport_number TEXT NOT NULL,
    nationality TEXT NOT NULL,
    patient_visa_id TEXT REFERENCES visa(id),
    mrz_format TEXT NOT NULL,
    mrz TEXT NOT NULL,
    seal BLOB,
    seal_signer TEXT,
    seal_cert_ref TEXT,
    entries_used INTEGER NOT NULL DEFAULT 0,
    days_used INTEGER NOT NULL DEFAULT 0,
    in_country_since TEXT,
    issued_at TEXT NOT NULL,
    issued_by TEXT,
    ended_at TEXT,
    end_reason TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX visa_passport ON visa(passport_number, nationality);
CREATE INDEX visa_patient ON visa(patient_visa_id);
CREATE INDEX visa_ended ON visa(ended_at);

-- Counters for application and visa numbers, per scope ("visa:2024").
CREATE TABLE visa_counter (
    scope TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
