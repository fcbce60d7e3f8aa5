-- The registry's history and statistics log keyed by their primary keys
-- alone (SQLite: WITHOUT ROWID; PostgreSQL drops the clause and the tables
-- are copied unchanged). Both are only ever read and written by their keys,
-- (individual_id, seq) and (day, cell_id, band); as rowid tables each row
-- was stored twice, once in the table and once in the key's index, so an
-- insert or upsert walked and wrote two B-trees. A bulk import of 1,000,000
-- people writes a million history rows and about 2.5 million log upserts:
-- measured 12 % less CPU for the import (docs/BENCHMARKS.md, issue 7,
-- session 5). The columns, keys and meaning are unchanged.
CREATE TABLE reg_history_by_key (
    individual_id TEXT NOT NULL REFERENCES reg_individual(id),
    seq INTEGER NOT NULL,
    effective_on TEXT NOT NULL,
    status TEXT NOT NULL,
    population_type TEXT NOT NULL,
    location_id TEXT NOT NULL,
    reason TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (individual_id, seq)
) WITHOUT ROWID;
INSERT INTO reg_history_by_key (individual_id, seq, effective_on, status, population_type,
                                location_id, reason, recorded_at, recorded_by)
    SELECT individual_id, seq, effective_on, status, population_type, location_id, reason,
           recorded_at, recorded_by
    FROM reg_history ORDER BY individual_id, seq;
DROP TABLE reg_history;
ALTER TABLE reg_history_by_key RENAME TO reg_history;

CREATE TABLE reg_stat_delta_by_key (
    day TEXT NOT NULL,
    cell_id INTEGER NOT NULL,
    band INTEGER NOT NULL,
    delta INTEGER NOT NULL,
    PRIMARY KEY (day, cell_id, band)
) WITHOUT ROWID;
INSERT INTO reg_stat_delta_by_key (day, cell_id, band, delta)
    SELECT day, cell_id, band, delta FROM reg_stat_delta ORDER BY day, cell_id, band;
DROP TABLE reg_stat_delta;
ALTER TABLE reg_stat_delta_by_key RENAME TO reg_stat_delta;
