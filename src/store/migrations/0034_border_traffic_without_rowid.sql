-- The traffic figures keyed by their primary key alone (SQLite: WITHOUT
-- ROWID; PostgreSQL drops the clause and the table is copied unchanged).
-- Every border record upserts one row by (crossing_id, hour, direction,
-- nationality, decision) inside the group-commit writer's transaction, and
-- the figures are only ever read by a range scan of the whole table: as a
-- rowid table each upsert looked the key up in its index, then the row up in
-- the table, and wrote both B-trees (two dirty pages per commit instead of
-- one). The columns, key and meaning are unchanged, so an older build runs
-- on the migrated database. The table is small (one row per crossing, hour,
-- direction, nationality and decision): the copy takes milliseconds.
CREATE TABLE border_traffic_by_key (
    crossing_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    direction TEXT NOT NULL,
    nationality TEXT NOT NULL,
    decision TEXT NOT NULL,
    crossings INTEGER NOT NULL,
    PRIMARY KEY (crossing_id, hour, direction, nationality, decision)
) WITHOUT ROWID;
INSERT INTO border_traffic_by_key (crossing_id, hour, direction, nationality, decision, crossings)
    SELECT crossing_id, hour, direction, nationality, decision, crossings
    FROM border_traffic ORDER BY crossing_id, hour, direction, nationality, decision;
DROP TABLE border_traffic;
ALTER TABLE border_traffic_by_key RENAME TO border_traffic;
