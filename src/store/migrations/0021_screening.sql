-- Screenings and cases. Every screening is kept (who, when, what was asked,
-- which hits); a hit at or above the threshold opens a case that a
-- supervisor confirms or dismisses. A dismissal remembers the subject's
-- and the entry's fingerprints at that moment: the same pair does not alert
-- again until either changes.
CREATE TABLE screenings (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    user_id TEXT,
    username TEXT NOT NULL,
    context TEXT NOT NULL,           -- 'cli', 'api', 'border', 'visa', 'registration', ...
    subject_ref TEXT,                -- the caller's id of the person (traveller, applicant), if any
    subject_key TEXT NOT NULL,       -- subject_ref, or a fingerprint of name+dob+nationality+sex
    subject_hash TEXT NOT NULL,      -- fingerprint of the data screened
    query_name TEXT NOT NULL,
    dob TEXT,
    nationality TEXT,
    sex TEXT,
    threshold REAL NOT NULL,
    hit_count INTEGER NOT NULL,
    alert_count INTEGER NOT NULL,
    max_score REAL NOT NULL,
    elapsed_us INTEGER NOT NULL,
    hits TEXT NOT NULL               -- JSON array as returned to the caller
);
CREATE INDEX screenings_at ON screenings(at);
CREATE INDEX screenings_subject ON screenings(subject_key);

CREATE TABLE screening_cases (
    id TEXT PRIMARY KEY,
    screening_id TEXT NOT NULL REFERENCES screenings(id),
    entry_id TEXT NOT NULL REFERENCES watchlist_entries(id),
    subject_key TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    score REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'dismissed')),
    opened_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT
);
CREATE INDEX screening_cases_status ON screening_cases(status, opened_at);
CREATE INDEX screening_cases_pair ON screening_cases(subject_key, entry_id);
