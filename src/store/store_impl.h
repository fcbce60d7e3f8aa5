/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a store backend implements. store.c holds the common part (the
 * statement cache, one-shot helpers, migrations) and calls through `ops`.
 * A backend embeds struct ubur_store as its first member and downcasts with
 * its own checked helper, as git's refs backends do.
 */
#ifndef UBUR_STORE_IMPL_H
#define UBUR_STORE_IMPL_H

#include "ubur/store.h"

struct ubur_store_ops {
    const char *name;
    enum ubur_store_kind kind;
    void (*close)(struct ubur_store *s);
    int (*exec)(struct ubur_store *s, const char *sql, struct ubur_error *err);
    int (*begin)(struct ubur_store *s, struct ubur_error *err);
    int (*commit)(struct ubur_store *s, struct ubur_error *err);
    void (*rollback)(struct ubur_store *s);
    /* Optional: takes (lock) or releases the lock that serialises migrations across
     * processes, held around ubur_store_migrate. NULL when begin's lock suffices. */
    int (*lock_schema)(struct ubur_store *s, bool lock, struct ubur_error *err);
    int (*prepare)(struct ubur_store *s, const char *sql, struct ubur_stmt **out,
                   struct ubur_error *err);
    void (*finalize)(struct ubur_stmt *st);
    void (*reset)(struct ubur_stmt *st);
    void (*bind_text)(struct ubur_stmt *st, int idx, const char *v);
    /* Optional: binds text the caller keeps unchanged until the statement is reset (the
     * one-shot helpers' arguments), so the backend need not copy it. NULL: bind_text. */
    void (*bind_text_borrowed)(struct ubur_stmt *st, int idx, const char *v);
    void (*bind_int)(struct ubur_stmt *st, int idx, int64_t v);
    void (*bind_double)(struct ubur_stmt *st, int idx, double v);
    void (*bind_blob)(struct ubur_stmt *st, int idx, const void *v, size_t n);
    void (*bind_null)(struct ubur_stmt *st, int idx);
    int (*step)(struct ubur_stmt *st, struct ubur_error *err);
    int (*columns)(struct ubur_stmt *st);
    const char *(*column_name)(struct ubur_stmt *st, int col);
    bool (*is_null)(struct ubur_stmt *st, int col);
    const char *(*text)(struct ubur_stmt *st, int col);
    int64_t (*int64)(struct ubur_stmt *st, int col);
    double (*dbl)(struct ubur_stmt *st, int col);
    const void *(*blob)(struct ubur_stmt *st, int col, size_t *n);
    int64_t (*changes)(struct ubur_stmt *st);
    /* Optional: sends the bound statement without waiting for its result (pipelining);
     * a failure may come back from a later call. NULL: ubur_store_queue steps it at once. */
    int (*queue)(struct ubur_stmt *st, struct ubur_error *err);
    /* Optional: appends rows to `target` ("table (columns)") from `data` in PostgreSQL's COPY
     * text format (tab-separated, \N for NULL, backslash escapes, one line per row).
     * NULL: ubur_store_bulk_* inserts row by row. */
    int (*copy)(struct ubur_store *s, const char *target, const char *data, size_t len,
                struct ubur_error *err);
    /* Optional: the statement that creates the index `name` (malloc'd into *sql), or
     * UBUR_ENOTFOUND; without it ubur_store_index_defer sets nothing aside. */
    int (*index_sql)(struct ubur_store *s, const char *name, char **sql, struct ubur_error *err);
    /* Optional: a bulk load starts (on) or ends on this connection (ubur_store_bulk_load). */
    void (*bulk_load)(struct ubur_store *s, bool on);
    /* Optional: indexes are about to be built (on) or have been (off) inside the open
     * transaction (ubur_store_index_restore): settings for large sorts. Failures ignored. */
    void (*index_build)(struct ubur_store *s, bool on);
    /* Optional: opens and closes a read-only snapshot (ubur_store_read_begin). NULL: the
     * backend gains nothing from one and each statement reads on its own. */
    int (*read_begin)(struct ubur_store *s, struct ubur_error *err);
    void (*read_end)(struct ubur_store *s);
    /* Optional: checkpoints the write-ahead log (ubur_store_checkpoint). NULL: no WAL to fold. */
    int (*checkpoint)(struct ubur_store *s, enum ubur_checkpoint_mode mode, int wait_ms,
                      int *log_frames, int *copied_frames, struct ubur_error *err);
    /* Optional, together: the checkpointer (ubur_store_checkpointer_start). NULL: none needed. */
    int (*checkpointer_start)(struct ubur_store *s, const struct ubur_checkpointer_policy *p,
                              struct ubur_error *err);
    void (*checkpointer_stop)(struct ubur_store *s);
    bool (*log_restart_due)(struct ubur_store *s);
    /* Optional, together: commits whose sync is deferred (ubur_store_defer_sync). NULL: commits
     * stay synchronous. sync_log may run on another thread than the connection's owner. */
    int (*defer_sync)(struct ubur_store *s, struct ubur_error *err);
    int (*sync_log)(struct ubur_store *s, struct ubur_error *err);
};

#define UBUR_STMT_CACHE 256
#define UBUR_BULK_SQL_CACHE 32

struct ubur_stmt {
    struct ubur_store *store;
    const char *key; /* SQL address for cached statements, NULL for dynamic ones */
    bool busy;
};

struct ubur_store {
    const struct ubur_store_ops *ops;
    bool in_tx;
    bool in_read;      /* a read snapshot of ubur_store_read_begin is open */
    int tx_error;      /* code of the first failed statement in the open transaction, or 0 */
    uint64_t tx_epoch; /* ubur_store_tx_epoch: 0 outside a transaction */
    struct ubur_stmt *cache[UBUR_STMT_CACHE]; /* open addressing on the SQL address */
    /* INSERTs built for ubur_store_bulk_open, kept for the connection's life so their
     * statements are cached like literals' (keyed by the caller's literal table and columns). */
    struct {
        const char *table, *columns;
        char *sql;
    } bulk_sql[UBUR_BULK_SQL_CACHE];
    int nbulk_sql;
    /* ubur_store_cache: one module's cache of reads through this connection */
    const void *cache_owner;
    void *app_cache;
    void (*app_cache_release)(void *cache);
};

int ubur_store_sqlite_open(struct ubur_store **out, const char *path, struct ubur_error *err);
int ubur_store_pg_open(struct ubur_store **out, const char *conninfo, struct ubur_error *err);
/*
 * Translates common-dialect SQL for PostgreSQL (see store_pg.c and
 * docs/internals/store.md): "?" to $n unless `ddl`, type names, and for DDL
 * identity columns, PRAGMAs, table options and "-- ubur:" blocks. Returns a
 * malloc'd string and the number of parameters, or NULL after setting err.
 * Exposed for the unit tests, which check every migration translates.
 */
char *ubur_store_pg_translate(const char *sql, bool ddl, int *nparams, struct ubur_error *err);

struct ubur_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct ubur_migration ubur_migrations[];
extern const int ubur_migrations_count;

#endif
