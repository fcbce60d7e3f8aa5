-- Entry and exit notices the partner state sends about this state's
-- nationals, where the agreement allows (issue 11), with their provenance.
CREATE TABLE partner_movement (
    id TEXT PRIMARY KEY,
    contributed_by TEXT NOT NULL,
    kind TEXT,
    direction TEXT NOT NULL,
    at TEXT NOT NULL,
    crossing TEXT,
    document_number TEXT,
    nationality TEXT NOT NULL,
    surname TEXT,
    given_names TEXT,
    birth_date TEXT,
    decision TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX partner_movement_person ON partner_movement(nationality, document_number);
