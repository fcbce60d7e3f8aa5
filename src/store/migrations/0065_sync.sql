-- Offline border posts (issue 11, docs/internals/sync.md). A post keeps an
-- outbox of domain events (a record created, a status changed) in the order
-- it made them; central applies each exactly once through the owning
-- module's code and remembers what it applied; conflicts wait for a
-- supervisor. Changes central hands down to posts are logged in order.
-- Settings used: sync.role ('post' or unset), sync.post_id,
-- sync.central_url, sync.token_file, sync.cacert.

-- Post: every domain event to send, in the post's order. seq is always
-- supplied (MAX + 1 inside the writing transaction), never generated.
CREATE TABLE sync_outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,          -- the event's UUIDv7
    type TEXT NOT NULL,               -- 'registration', 'movement'
    op TEXT NOT NULL,                 -- 'create', 'add_member', 'event', 'correct', 'judge'
    record_id TEXT NOT NULL,          -- the domain record the event is about
    base_hash TEXT,                   -- its fingerprint before the event, as last sent
    after_hash TEXT,                  -- its fingerprint after the event
    payload TEXT NOT NULL,            -- JSON: what central needs to apply the event
    touches TEXT,                     -- other records it changes, " visa:<id> ..."
    actor TEXT NOT NULL,              -- who did it on the post
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    acked_at TEXT,                    -- central answered for it
    result TEXT                       -- 'applied', 'duplicate', 'conflict'
);
CREATE INDEX sync_outbox_pending ON sync_outbox(acked_at, seq);

-- Post: the fingerprint of each record as central last saw it from this
-- post (record_key is "type:id"): the base of the post's next change.
CREATE TABLE sync_shadow (
    record_key TEXT PRIMARY KEY,
    hash TEXT NOT NULL
);

-- Post: one row per direction ('push', 'pull'): cursor, last success,
-- failures in a row and when to try again (exponential backoff).
CREATE TABLE sync_state (
    direction TEXT PRIMARY KEY CHECK (direction IN ('push', 'pull')),
    cursor TEXT,
    last_success_at TEXT,
    last_attempt_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    data_as_of TEXT,                  -- pull: central's clock when the data was current
    records INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (direction, failures, records) VALUES ('push', 0, 0);
INSERT INTO sync_state (direction, failures, records) VALUES ('pull', 0, 0);

-- Central: the posts and the highest event sequence applied from each.
CREATE TABLE sync_post (
    id TEXT PRIMARY KEY,              -- 'qaim-1': lowercase slug, also its account's username
    name TEXT,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    last_push_at TEXT,
    last_pull_at TEXT,
    pull_cursor TEXT,
    created_at TEXT NOT NULL
);

-- Central: every event applied, exactly once: (post, seq) and the event id.
CREATE TABLE sync_applied (
    post_id TEXT NOT NULL REFERENCES sync_post(id),
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    op TEXT NOT NULL,
    record_id TEXT NOT NULL,
    after_hash TEXT,
    result TEXT NOT NULL CHECK (result IN ('applied', 'duplicate', 'conflict')),
    applied_at TEXT NOT NULL,
    PRIMARY KEY (post_id, seq)
);
CREATE INDEX sync_applied_record ON sync_applied(type, record_id);

-- Central: events that could not be applied as they came, for a supervisor:
-- 'different_content' (the record exists with other content),
-- 'changed_centrally' (central changed the record since the post's base),
-- 'rejected' (the owning module refused it; detail says why).
CREATE TABLE sync_conflict (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    op TEXT NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('different_content', 'changed_centrally', 'rejected')),
    detail TEXT NOT NULL,
    event TEXT NOT NULL,              -- the event as the post sent it (JSON)
    central_version TEXT,             -- the record on central when detected (JSON)
    status TEXT NOT NULL CHECK (status IN ('open', 'applied', 'discarded')),
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_note TEXT
);
CREATE INDEX sync_conflict_status ON sync_conflict(status, opened_at);

-- Central: what changed for posts to pull, in commit order (seq supplied as
-- MAX + 1 under the write lock). A pull reads the current state of each
-- record named after its cursor.
CREATE TABLE sync_changelog (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX sync_changelog_record ON sync_changelog(type, record_id);

-- Records that existed before this migration are in the log once, so a
-- post's first pull gets them (parents before children for locations).
INSERT INTO sync_changelog (seq, type, record_id, at)
SELECT ROW_NUMBER() OVER (ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'governorate' THEN 1
                                               WHEN 'district' THEN 2 ELSE 3 END, id),
       'location', id, created_at
FROM reg_location;
INSERT INTO sync_changelog (seq, type, record_id, at)
SELECT (SELECT COUNT(*) FROM reg_location) + ROW_NUMBER() OVER (ORDER BY id), 'visa', id, updated_at
FROM visa;
INSERT INTO sync_changelog (seq, type, record_id, at)
SELECT (SELECT COUNT(*) FROM reg_location) + (SELECT COUNT(*) FROM visa)
       + ROW_NUMBER() OVER (ORDER BY id), 'revocation', id, received_at
FROM partner_revocation;
