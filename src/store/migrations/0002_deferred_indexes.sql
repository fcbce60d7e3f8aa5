-- Secondary indexes a bulk load has set aside to build once at its end
-- (ubur_store_index_defer, include/ubur/store.h). A row is written in the
-- same transaction that drops its index and deleted in the one that builds
-- it again, so the table always lists exactly the missing indexes. When the
-- owner process is gone (an import killed between two batches), the next
-- open of the database (ubur_store_migrate) builds them from create_sql.
CREATE TABLE store_deferred_index (
    name TEXT PRIMARY KEY,
    create_sql TEXT NOT NULL,
    owner_pid INTEGER NOT NULL,
    deferred_at TEXT NOT NULL
);
