-- Border crossing operations (docs/internals/border.md): crossing points in
-- pairs with effective-dated schedules, travellers and their documents,
-- checks (proposed decisions), records of entries, exits and refusals as the
-- EU Entry/Exit System keeps them, stays, and traffic figures kept up to date
-- in the same transaction as each record.

-- A crossing point; `partner_id` is the point facing it across the border.
-- `id` is a short lowercase slug ("qaim") officers can type.
CREATE TABLE crossing_points (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_ar TEXT,
    state TEXT NOT NULL,
    governorate TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    partner_id TEXT REFERENCES crossing_points(id),
    utc_offset_minutes INTEGER NOT NULL DEFAULT 180,
    created_at TEXT NOT NULL
);

-- Operating modes over time. The row in force at time T is the one with the
-- latest effective_from <= T (among equals the latest id, i.e. the latest
-- created: ids are UUIDv7). Rows are never updated or deleted: the table is
-- the history.
CREATE TABLE crossing_schedules (
    id TEXT PRIMARY KEY,
    crossing_id TEXT NOT NULL REFERENCES crossing_points(id),
    effective_from TEXT NOT NULL,
    mode TEXT NOT NULL,
    hours TEXT,
    categories TEXT,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX crossing_schedules_in_force ON crossing_schedules(crossing_id, effective_from);

-- A person as the border knows them, and the documents they crossed with.
CREATE TABLE travellers (
    id TEXT PRIMARY KEY,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    nationality TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX travellers_facts ON travellers(nationality, birth_date);

CREATE TABLE traveller_documents (
    document_number TEXT NOT NULL,
    nationality TEXT NOT NULL,
    traveller_id TEXT NOT NULL REFERENCES travellers(id),
    birth_date TEXT NOT NULL,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    document_code TEXT,
    issuing_state TEXT,
    expiry_date TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_number, nationality, traveller_id)
);
CREATE INDEX traveller_documents_traveller ON traveller_documents(traveller_id);

-- A group or convoy checked in one request (pilgrims, a repatriation convoy).
CREATE TABLE border_groups (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT,
    crossing_id TEXT NOT NULL REFERENCES crossing_points(id),
    direction TEXT NOT NULL,
    at TEXT NOT NULL,
    size INTEGER NOT NULL,
    admitted INTEGER NOT NULL,
    referred INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    officer TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A traveller check: the proposed decision with its reasons, waiting for the
-- officer to confirm or override it (status pending), then recorded. `result`
-- is the check as it was answered (JSON), so it can be shown again as it was.
CREATE TABLE border_checks (
    id TEXT PRIMARY KEY,
    crossing_id TEXT NOT NULL REFERENCES crossing_points(id),
    state TEXT NOT NULL,
    direction TEXT NOT NULL,
    at TEXT NOT NULL,
    traveller_id TEXT REFERENCES travellers(id),
    group_id TEXT REFERENCES border_groups(id),
    document_number TEXT,
    nationality TEXT,
    basis TEXT,
    visa_id TEXT,
    visa_number TEXT,
    purpose TEXT,
    authorised_until TEXT,
    rule_days INTEGER,
    rule_window INTEGER,
    stay_id TEXT,
    cargo INTEGER NOT NULL DEFAULT 0,
    returnee INTEGER NOT NULL DEFAULT 0,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    result TEXT NOT NULL,
    status TEXT NOT NULL,
    record_id TEXT,
    officer_id TEXT,
    officer TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX border_checks_group ON border_checks(group_id) WHERE group_id IS NOT NULL;

-- Entries, exits and refusals: time, place, officer, document, visa,
-- decision and reasons. Append-only.
CREATE TABLE border_records (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    at TEXT NOT NULL,
    crossing_id TEXT NOT NULL REFERENCES crossing_points(id),
    state TEXT NOT NULL,
    traveller_id TEXT REFERENCES travellers(id),
    check_id TEXT UNIQUE REFERENCES border_checks(id),
    group_id TEXT,
    document_number TEXT,
    nationality TEXT,
    visa_id TEXT,
    visa_number TEXT,
    proposed TEXT,
    decision TEXT NOT NULL,
    reasons TEXT,
    override_reason TEXT,
    supervisor TEXT,
    stay_id TEXT,
    officer_id TEXT,
    officer TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX border_records_traveller ON border_records(traveller_id, at);
CREATE INDEX border_records_crossing ON border_records(crossing_id, at);
CREATE INDEX border_records_at ON border_records(at);

-- An officer's request to turn a refusal into an admission, waiting for a
-- supervisor: approved, the admission is recorded with both names; rejected,
-- the refusal is.
CREATE TABLE border_overrides (
    id TEXT PRIMARY KEY,
    check_id TEXT NOT NULL REFERENCES border_checks(id),
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_id TEXT,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    record_id TEXT
);
CREATE UNIQUE INDEX border_overrides_pending ON border_overrides(check_id) WHERE status = 'pending';
CREATE INDEX border_overrides_status ON border_overrides(status, requested_at);

-- A stay in a state, from an entry record to an exit record. Dates are
-- "YYYY-MM-DD" (UTC); authorised_until NULL means unlimited (nationals).
CREATE TABLE stays (
    id TEXT PRIMARY KEY,
    traveller_id TEXT NOT NULL REFERENCES travellers(id),
    state TEXT NOT NULL,
    basis TEXT NOT NULL,
    visa_id TEXT,
    visa_number TEXT,
    purpose TEXT,
    rule_days INTEGER,
    rule_window INTEGER,
    entry_record_id TEXT,
    entry_crossing_id TEXT,
    entry_date TEXT NOT NULL,
    authorised_until TEXT,
    exit_record_id TEXT,
    exit_crossing_id TEXT,
    exit_date TEXT,
    days_used INTEGER,
    overstay_days INTEGER
);
CREATE INDEX stays_traveller ON stays(traveller_id, state, entry_date);
CREATE INDEX stays_overstay ON stays(exit_date, authorised_until);
CREATE INDEX stays_visa ON stays(visa_id) WHERE visa_id IS NOT NULL;

-- Traffic figures per crossing point, UTC hour, direction, nationality and
-- decision (admit or refuse), incremented in the transaction of each record.
CREATE TABLE border_traffic (
    crossing_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    direction TEXT NOT NULL,
    nationality TEXT NOT NULL,
    decision TEXT NOT NULL,
    crossings INTEGER NOT NULL,
    PRIMARY KEY (crossing_id, hour, direction, nationality, decision)
);

-- Visa-free entry into `state` for nationals of `nationality`: max_days in
-- any window_days-day window, entry and exit days counted.
CREATE TABLE border_visa_free (
    state TEXT NOT NULL,
    nationality TEXT NOT NULL,
    max_days INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (state, nationality)
);
