-- Watchlists: lists, their entries (people or entities), every name of an
-- entry (primary, aliases, original script), the history of each entry and
-- a record of each import. watchlist_state.seq grows on every change; each
-- entry carries the seq of its last change so a process can bring its
-- in-memory name index up to date by reading only what changed.
CREATE TABLE watchlists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,            -- 'un-xml', 'csv', 'national'
    owner_state TEXT,                -- ISO 3166 alpha-3 of the state that keeps it
    description TEXT,
    source_generated_at TEXT,        -- e.g. the UN list's dateGenerated
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE watchlist_entries (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES watchlists(id),
    reference TEXT NOT NULL,         -- the list's own reference number (QDi.001)
    kind TEXT NOT NULL CHECK (kind IN ('person', 'entity')),
    primary_name TEXT NOT NULL,
    original_script_name TEXT,
    sex TEXT CHECK (sex IN ('M', 'F')),
    dobs TEXT NOT NULL DEFAULT '[]',          -- JSON array of "YYYY", "~YYYY", "YYYY..YYYY", "YYYY-MM-DD"
    nationalities TEXT NOT NULL DEFAULT '[]', -- JSON array of ISO alpha-3 codes
    places_of_birth TEXT NOT NULL DEFAULT '[]',
    documents TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    alert_category TEXT,
    action TEXT NOT NULL CHECK (action IN ('refuse_entry', 'arrest', 'discreet_check',
                                           'inform_issuing_state')),
    contributing_state TEXT,
    listed_on TEXT,
    valid_from TEXT,
    valid_until TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    ended_at TEXT,
    details TEXT NOT NULL DEFAULT '{}',       -- everything else the source says, as JSON
    content_hash TEXT NOT NULL,               -- of the fields above: a change is a new version
    version INTEGER NOT NULL DEFAULT 1,
    change_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (list_id, reference)
);
CREATE INDEX watchlist_entries_seq ON watchlist_entries(change_seq);

CREATE TABLE watchlist_names (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    quality TEXT NOT NULL CHECK (quality IN ('primary', 'good', 'low', 'original')),
    position INTEGER NOT NULL
);
CREATE INDEX watchlist_names_entry ON watchlist_names(entry_id);

CREATE TABLE watchlist_entry_history (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES watchlist_entries(id),
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('added', 'updated', 'ended', 'reinstated')),
    at TEXT NOT NULL,
    import_id TEXT,
    by_user TEXT,
    snapshot TEXT NOT NULL                    -- the entry as it was after the change (JSON)
);
CREATE INDEX watchlist_entry_history_entry ON watchlist_entry_history(entry_id, version);

CREATE TABLE watchlist_imports (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES watchlists(id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    ended INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    reinstated INTEGER NOT NULL
);

CREATE TABLE watchlist_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO watchlist_state (id, seq) VALUES (1, 0);
