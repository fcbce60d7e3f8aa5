/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend-independent half of the store: dispatch through the ops
 * table, the per-connection statement cache, the one-shot helpers and the
 * migration runner. Migrations are the files src/store/migrations/NNNN_*.sql,
 * embedded at build time and applied in version order, each in its own
 * transaction together with its row in schema_migrations. A migration is
 * applied when its own version has no row, not merely when it is above the
 * highest applied: areas are numbered apart, so one numbered 0032 may be
 * written after 0066 was applied.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store_impl.h"
#include "ubur/alloc.h"
#include "ubur/util.h"
#include "ubur/banned.h"

int
ubur_store_open(struct ubur_store **out, const char *uri, struct ubur_error *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return ubur_error_set(err, UBUR_EINVAL, "no database given");
    if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11) ||
        strchr(uri, '=') != NULL)
        return ubur_store_pg_open(out, uri, err);
    if (!strncmp(uri, "sqlite:", 7))
        uri += 7;
    return ubur_store_sqlite_open(out, uri, err);
}

void
ubur_store_close(struct ubur_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        ubur_store_rollback(s);
    for (int i = 0; i < UBUR_STMT_CACHE; i++)
        if (s->cache[i])
            s->ops->finalize(s->cache[i]);
    for (int i = 0; i < s->nbulk_sql; i++)
        free(s->bulk_sql[i].sql);
    ubur_store_cache_set(s, NULL, NULL, NULL);
    s->ops->close(s);
}

void *
ubur_store_cache(const struct ubur_store *s, const void *owner)
{
    return s->cache_owner == owner ? s->app_cache : NULL;
}

void
ubur_store_cache_set(struct ubur_store *s, const void *owner, void *cache,
                     void (*release)(void *cache))
{
    if (s->app_cache && s->app_cache != cache && s->app_cache_release)
        s->app_cache_release(s->app_cache);
    s->cache_owner = owner;
    s->app_cache = cache;
    s->app_cache_release = release;
}

enum ubur_store_kind
ubur_store_kind(const struct ubur_store *s)
{
    return s->ops->kind;
}

int
ubur_store_checkpoint(struct ubur_store *s, enum ubur_checkpoint_mode mode, int wait_ms,
                      int *log_frames, int *copied_frames, struct ubur_error *err)
{
    if (log_frames)
        *log_frames = 0;
    if (copied_frames)
        *copied_frames = 0;
    if (!s->ops->checkpoint)
        return 0;
    if (s->in_tx || s->in_read)
        return ubur_error_set(err, UBUR_EINTERNAL, "checkpoint inside a transaction");
    return s->ops->checkpoint(s, mode, wait_ms, log_frames, copied_frames, err);
}

int
ubur_store_checkpointer_start(struct ubur_store *s, const struct ubur_checkpointer_policy *p,
                              struct ubur_error *err)
{
    return s->ops->checkpointer_start ? s->ops->checkpointer_start(s, p, err) : 0;
}

void
ubur_store_checkpointer_stop(struct ubur_store *s)
{
    if (s->ops->checkpointer_stop)
        s->ops->checkpointer_stop(s);
}

bool
ubur_store_log_restart_due(struct ubur_store *s)
{
    return s->ops->log_restart_due && s->ops->log_restart_due(s);
}

int
ubur_store_defer_sync(struct ubur_store *s, struct ubur_error *err)
{
    if (!s->ops->defer_sync)
        return ubur_error_set(err, UBUR_EINVAL, "the %s store commits synchronously", s->ops->name);
    if (s->in_tx || s->in_read)
        return ubur_error_set(err, UBUR_EINTERNAL, "defer_sync inside a transaction");
    return s->ops->defer_sync(s, err);
}

int
ubur_store_sync_log(struct ubur_store *s, struct ubur_error *err)
{
    /* s->in_tx is the owner's: not read here, the owner may be using s on its thread */
    if (!s->ops->sync_log)
        return 0;
    return s->ops->sync_log(s, err);
}

void
ubur_store_bulk_load(struct ubur_store *s, bool on)
{
    if (s->ops->bulk_load)
        s->ops->bulk_load(s, on);
}

/*
 * A failed statement ends a transaction on PostgreSQL (every later statement
 * fails until rollback). The same rule is enforced here for every backend,
 * so code that would break on PostgreSQL breaks on SQLite too, in its tests.
 */
static int
tx_failed(struct ubur_error *err)
{
    return ubur_error_set(err, UBUR_EINTERNAL,
                          "transaction aborted by an earlier failed statement: roll it back");
}

static int
tx_note(struct ubur_store *s, int rc)
{
    if (rc < 0 && s->in_tx && !s->tx_error)
        s->tx_error = rc;
    return rc;
}

/* True when sql starts with ROLLBACK TO: undoing a savepoint is how a failure is recovered. */
static bool
is_rollback_to(const char *sql)
{
    while (*sql == ' ' || *sql == '\t' || *sql == '\n')
        sql++;
    if (strncasecmp(sql, "ROLLBACK", 8) != 0)
        return false;
    sql += 8;
    while (*sql == ' ' || *sql == '\t' || *sql == '\n')
        sql++;
    return strncasecmp(sql, "TO", 2) == 0 && (sql[2] == ' ' || sql[2] == '\t' || sql[2] == '\n');
}

/* A new epoch for s's transaction (ubur_store_tx_epoch); unique in the process. */
static void
new_epoch(struct ubur_store *s)
{
    static _Atomic uint64_t epochs;
    s->tx_epoch = s->in_tx ? atomic_fetch_add(&epochs, 1) + 1 : 0;
}

int
ubur_store_exec(struct ubur_store *s, const char *sql, struct ubur_error *err)
{
    if (s->in_tx && is_rollback_to(sql)) {
        /* back to a savepoint taken before the failure: the transaction is usable again */
        new_epoch(s);
        int rc = s->ops->exec(s, sql, err);
        if (!rc)
            s->tx_error = 0;
        return tx_note(s, rc);
    }
    if (s->in_tx && s->tx_error)
        return tx_failed(err);
    return tx_note(s, s->ops->exec(s, sql, err));
}

void
ubur_store_read_begin(struct ubur_store *s)
{
    if (s->in_tx || s->in_read || !s->ops->read_begin)
        return;
    struct ubur_error err = UBUR_ERROR_INIT;
    s->in_read = s->ops->read_begin(s, &err) == 0;
}

void
ubur_store_read_end(struct ubur_store *s)
{
    if (!s->in_read)
        return;
    s->ops->read_end(s);
    s->in_read = false;
}

int
ubur_store_begin(struct ubur_store *s, struct ubur_error *err)
{
    if (s->in_tx)
        return ubur_error_set(err, UBUR_EINTERNAL, "transaction already open");
    ubur_store_read_end(s);
    int rc = s->ops->begin(s, err);
    if (!rc)
        s->in_tx = true;
    s->tx_error = 0;
    new_epoch(s);
    return rc;
}

int
ubur_store_commit(struct ubur_store *s, struct ubur_error *err)
{
    if (!s->in_tx)
        return ubur_error_set(err, UBUR_EINTERNAL, "commit without a transaction");
    int rc;
    if (s->tx_error)
        rc = ubur_error_set(err, s->tx_error,
                            "transaction not committed: a statement in it had failed");
    else
        rc = s->ops->commit(s, err);
    if (rc)
        s->ops->rollback(s);
    s->in_tx = false;
    s->tx_error = 0;
    new_epoch(s);
    return rc;
}

void
ubur_store_rollback(struct ubur_store *s)
{
    if (!s->in_tx)
        return;
    s->ops->rollback(s);
    s->in_tx = false;
    s->tx_error = 0;
    new_epoch(s);
}

bool
ubur_store_in_tx(const struct ubur_store *s)
{
    return s->in_tx;
}

uint64_t
ubur_store_tx_epoch(const struct ubur_store *s)
{
    return s->tx_epoch;
}

static size_t
cache_slot(const char *key)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 7) % UBUR_STMT_CACHE;
}

int
ubur_store_prepare(struct ubur_store *s, const char *sql, struct ubur_stmt **out,
                   struct ubur_error *err)
{
    size_t slot = cache_slot(sql);
    for (size_t i = 0; i < UBUR_STMT_CACHE; i++) {
        size_t k = (slot + i) % UBUR_STMT_CACHE;
        struct ubur_stmt *st = s->cache[k];
        if (!st) {
            int rc = s->ops->prepare(s, sql, &st, err);
            if (rc)
                return rc;
            st->key = sql;
            s->cache[k] = st;
            st->busy = true;
            *out = st;
            return 0;
        }
        if (st->key == sql) {
            if (st->busy) /* nested use of the same statement: fall back to a fresh one */
                break;
            st->busy = true;
            *out = st;
            return 0;
        }
    }
    return ubur_store_prepare_dynamic(s, sql, out, err);
}

int
ubur_store_prepare_dynamic(struct ubur_store *s, const char *sql, struct ubur_stmt **out,
                           struct ubur_error *err)
{
    int rc = s->ops->prepare(s, sql, out, err);
    if (!rc) {
        (*out)->key = NULL;
        (*out)->busy = true;
    }
    return rc;
}

void
ubur_stmt_done(struct ubur_stmt *st)
{
    if (!st)
        return;
    if (!st->key) {
        st->store->ops->finalize(st);
        return;
    }
    st->store->ops->reset(st);
    st->busy = false;
}

void
ubur_stmt_bind_text(struct ubur_stmt *st, int idx, const char *v)
{
    if (v)
        st->store->ops->bind_text(st, idx, v);
    else
        st->store->ops->bind_null(st, idx);
}

void
ubur_stmt_bind_text_borrowed(struct ubur_stmt *st, int idx, const char *v)
{
    if (!v)
        st->store->ops->bind_null(st, idx);
    else if (st->store->ops->bind_text_borrowed)
        st->store->ops->bind_text_borrowed(st, idx, v);
    else
        st->store->ops->bind_text(st, idx, v);
}

void
ubur_stmt_bind_int(struct ubur_stmt *st, int idx, int64_t v)
{
    st->store->ops->bind_int(st, idx, v);
}

void
ubur_stmt_bind_double(struct ubur_stmt *st, int idx, double v)
{
    st->store->ops->bind_double(st, idx, v);
}

void
ubur_stmt_bind_blob(struct ubur_stmt *st, int idx, const void *v, size_t n)
{
    st->store->ops->bind_blob(st, idx, v, n);
}

void
ubur_stmt_bind_null(struct ubur_stmt *st, int idx)
{
    st->store->ops->bind_null(st, idx);
}

int
ubur_stmt_step(struct ubur_stmt *st, struct ubur_error *err)
{
    struct ubur_store *s = st->store;
    if (s->in_tx && s->tx_error)
        return tx_failed(err);
    return tx_note(s, s->ops->step(st, err));
}

int
ubur_stmt_columns(struct ubur_stmt *st)
{
    return st->store->ops->columns(st);
}

const char *
ubur_stmt_column_name(struct ubur_stmt *st, int col)
{
    return st->store->ops->column_name(st, col);
}

bool
ubur_stmt_is_null(struct ubur_stmt *st, int col)
{
    return st->store->ops->is_null(st, col);
}

const char *
ubur_stmt_text(struct ubur_stmt *st, int col)
{
    return st->store->ops->text(st, col);
}

int64_t
ubur_stmt_int(struct ubur_stmt *st, int col)
{
    return st->store->ops->int64(st, col);
}

double
ubur_stmt_double(struct ubur_stmt *st, int col)
{
    return st->store->ops->dbl(st, col);
}

const void *
ubur_stmt_blob(struct ubur_stmt *st, int col, size_t *n)
{
    return st->store->ops->blob(st, col, n);
}

int64_t
ubur_stmt_changes(struct ubur_stmt *st)
{
    return st->store->ops->changes(st);
}

/*
 * Binds from a va_list. borrowed: the strings stay valid and unchanged until the statement
 * is reset, as a one-shot helper's arguments do (it steps and resets before returning), so
 * a backend that can bind without copying does.
 */
static void
bind_va(struct ubur_stmt *st, const char *types, va_list *ap, bool borrowed)
{
    void (*text)(struct ubur_stmt *, int, const char *) =
        borrowed && st->store->ops->bind_text_borrowed ? st->store->ops->bind_text_borrowed
                                                       : st->store->ops->bind_text;
    for (int i = 0; types && types[i]; i++) {
        switch (types[i]) {
        case 't': {
            const char *v = va_arg(*ap, const char *);
            if (v)
                text(st, i + 1, v);
            else
                ubur_stmt_bind_null(st, i + 1);
            break;
        }
        case 'i':
            ubur_stmt_bind_int(st, i + 1, va_arg(*ap, int64_t));
            break;
        case 'd':
            ubur_stmt_bind_double(st, i + 1, va_arg(*ap, double));
            break;
        case 'n':
            ubur_stmt_bind_null(st, i + 1);
            break;
        default:
            abort(); /* a programming error, not input */
        }
    }
}

void
ubur_stmt_bind_va(struct ubur_stmt *st, const char *types, va_list *ap)
{
    bind_va(st, types, ap, false);
}

int64_t
ubur_store_run(struct ubur_store *s, struct ubur_error *err, const char *sql, const char *types,
               ...)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, &ap, true);
    va_end(ap);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        ;
    int64_t changes = rc ? rc : ubur_stmt_changes(st);
    ubur_stmt_done(st);
    return changes;
}

int
ubur_store_queue(struct ubur_store *s, struct ubur_error *err, const char *sql, const char *types,
                 ...)
{
    if (!s->in_tx)
        return ubur_error_set(err, UBUR_EINTERNAL, "ubur_store_queue outside a transaction");
    if (s->tx_error)
        return tx_failed(err);
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, sql, &st, err);
    if (rc)
        return tx_note(s, rc);
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, &ap, true);
    va_end(ap);
    if (s->ops->queue)
        rc = s->ops->queue(st, err);
    else
        while ((rc = s->ops->step(st, err)) == 1)
            ;
    ubur_stmt_done(st);
    return tx_note(s, rc < 0 ? rc : 0);
}

int
ubur_store_query_int(struct ubur_store *s, struct ubur_error *err, int64_t *out, const char *sql,
                     const char *types, ...)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, &ap, true);
    va_end(ap);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        *out = ubur_stmt_int(st, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no row");
    }
    ubur_stmt_done(st);
    return rc;
}

int
ubur_store_query_text(struct ubur_store *s, struct ubur_error *err, char **out, const char *sql,
                      const char *types, ...)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, &ap, true);
    va_end(ap);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        *out = ubur_strdup(ubur_stmt_text(st, 0));
        rc = 0;
    } else if (rc == 0) {
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no row");
    }
    ubur_stmt_done(st);
    return rc;
}

int
ubur_store_schema_version(struct ubur_store *s, int *version, struct ubur_error *err)
{
    int64_t v = 0;
    int rc;
    /* Read first, so an up-to-date read-only database (a PostgreSQL hot standby) answers
     * without a write; create the table only when that read fails, outside a transaction. */
    if (!s->in_tx &&
        !ubur_store_query_int(s, NULL, &v,
                              "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "")) {
        *version = (int)v;
        return 0;
    }
    rc = ubur_store_exec(s,
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                         " applied_at TEXT NOT NULL)",
                         err);
    if (rc)
        return rc;
    rc = ubur_store_query_int(s, err, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                              "");
    *version = (int)v;
    return rc;
}

static int migrate_locked(struct ubur_store *s, struct ubur_error *err);

/* Indexes a bulk load set aside and whose process is gone are built again (one small read
 * when there are none; nothing at all on backends that never set any aside). */
static int
restore_orphans(struct ubur_store *s, struct ubur_error *err)
{
    int64_t n = 0;
    if (!s->ops->index_sql ||
        ubur_store_query_int(s, NULL, &n, "SELECT COUNT(*) FROM store_deferred_index", "") ||
        n == 0)
        return 0;
    return ubur_store_index_restore(s, true, err);
}

/* Backends shared by several processes (PostgreSQL) hold a schema lock throughout. */
int
ubur_store_migrate(struct ubur_store *s, struct ubur_error *err)
{
    if (s->in_tx)
        return ubur_error_set(err, UBUR_EINTERNAL, "migrate inside a transaction");
    int have = 0;
    int64_t applied = -1;
    /*
     * Up to date when every embedded migration has its row: a migration may be
     * numbered below one already applied (areas are numbered apart, so a later
     * 0032 can land after 0066), so the highest version alone does not tell.
     */
    if (ubur_migrations_count > 0 && !ubur_store_schema_version(s, &have, NULL) &&
        have >= ubur_migrations[ubur_migrations_count - 1].version &&
        !ubur_store_query_int(s, NULL, &applied,
                              "SELECT COUNT(*) FROM schema_migrations WHERE version <= ?", "i",
                              (int64_t)ubur_migrations[ubur_migrations_count - 1].version) &&
        applied >= ubur_migrations_count)
        return restore_orphans(s, err); /* up to date: no lock, no write (a read-only replica) */
    int rc;
    if (!s->ops->lock_schema) {
        rc = migrate_locked(s, err);
    } else {
        if ((rc = s->ops->lock_schema(s, true, err)))
            return rc;
        rc = migrate_locked(s, err);
        s->ops->lock_schema(s, false, NULL);
    }
    return rc ? rc : restore_orphans(s, err);
}

static int
migrate_locked(struct ubur_store *s, struct ubur_error *err)
{
    int have, rc;
    char now[UBUR_TIME_LEN + 1];

    if ((rc = ubur_store_schema_version(s, &have, err)))
        return rc;
    for (int i = 0; i < ubur_migrations_count; i++) {
        const struct ubur_migration *m = &ubur_migrations[i];
        int64_t present = 0;
        if (m->version <= have &&
            (rc = ubur_store_query_int(s, err, &present,
                                       "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                                       "i", (int64_t)m->version)))
            return rc;
        if (m->version <= have && present)
            continue;
        if ((rc = ubur_store_begin(s, err)))
            return rc;
        /* Re-check under the write lock: another process may have migrated meanwhile. */
        int64_t done = 0;
        rc = ubur_store_query_int(s, err, &done,
                                  "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i",
                                  (int64_t)m->version);
        if (!rc && !done) {
            rc = ubur_store_exec(s, m->sql, err);
            if (rc) {
                char inner[sizeof(err->message)] = "";
                if (err)
                    memcpy(inner, err->message, sizeof(inner));
                ubur_error_set(err, rc, "migration %04d_%s: %s", m->version, m->name, inner);
            }
            ubur_time_format(ubur_now(), now);
            if (!rc && ubur_store_run(s, err,
                                      "INSERT INTO schema_migrations (version, name, applied_at)"
                                      " VALUES (?, ?, ?)",
                                      "itt", (int64_t)m->version, m->name, now) < 0)
                rc = err ? err->code : UBUR_ESTORE;
        }
        if (rc) {
            ubur_store_rollback(s);
            return rc;
        }
        if ((rc = ubur_store_commit(s, err)))
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Indexes set aside during a bulk load (store_deferred_index, migration 0002).
 */

/* A plain SQL identifier: it is pasted into DROP INDEX. */
static bool
identifier(const char *name)
{
    if (!*name || strlen(name) > 63)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

int
ubur_store_index_defer(struct ubur_store *s, const char *name, bool *deferred,
                       struct ubur_error *err)
{
    char *sql = NULL, now[UBUR_TIME_LEN + 1], drop[96];
    *deferred = false;
    if (!s->in_tx)
        return ubur_error_set(err, UBUR_EINTERNAL, "index_defer outside a transaction");
    if (!identifier(name))
        return ubur_error_set(err, UBUR_EINTERNAL, "'%.40s' is not an index name", name);
    if (!s->ops->index_sql)
        return 0;
    if (s->tx_error)
        return tx_failed(err);
    int rc = s->ops->index_sql(s, name, &sql, err);
    if (rc == UBUR_ENOTFOUND)
        return 0; /* set aside already (a load running beside this one), or never made */
    if (rc)
        return tx_note(s, rc);
    ubur_time_format(ubur_now(), now);
    int64_t ch = ubur_store_run(s, err,
                                "INSERT INTO store_deferred_index (name, create_sql, owner_pid,"
                                " deferred_at) VALUES (?, ?, ?, ?)",
                                "ttit", name, sql, (int64_t)getpid(), now);
    free(sql);
    if (ch < 0)
        return (int)ch;
    snprintf(drop, sizeof(drop), "DROP INDEX %s", name);
    if ((rc = ubur_store_exec(s, drop, err)))
        return rc;
    *deferred = true;
    return 0;
}

/* True when process pid may still be running (on this machine: SQLite files are local). */
static bool
process_alive(int64_t pid)
{
    if (pid <= 0 || pid != (pid_t)pid)
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
ubur_store_index_restore(struct ubur_store *s, bool orphans, struct ubur_error *err)
{
    struct deferred {
        char *name, *sql;
    } *d = NULL;
    size_t n = 0, alloc = 0;
    bool own_tx = !s->in_tx;
    int rc;
    if (!s->ops->index_sql)
        return 0;
    if (own_tx && (rc = ubur_store_begin(s, err)))
        return rc;
    /* Read under the write lock: another process may have restored them meanwhile. */
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(s,
                                 "SELECT name, create_sql, owner_pid FROM store_deferred_index"
                                 " ORDER BY name",
                                 &st, err)))
        goto out;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t pid = ubur_stmt_int(st, 2);
        if (orphans ? process_alive(pid) : pid != getpid())
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 4;
            d = ubur_realloc(d, alloc * sizeof(*d));
        }
        d[n].name = ubur_strdup(ubur_stmt_text(st, 0));
        d[n++].sql = ubur_strdup(ubur_stmt_text(st, 1));
    }
    ubur_stmt_done(st);
    if (n && s->ops->index_build)
        s->ops->index_build(s, true);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *have = NULL;
        int found = s->ops->index_sql(s, d[i].name, &have, NULL);
        free(have);
        if (found != 0 && (rc = ubur_store_exec(s, d[i].sql, err)))
            break;
        int64_t ch = ubur_store_run(s, err, "DELETE FROM store_deferred_index WHERE name = ?", "t",
                                    d[i].name);
        if (ch < 0)
            rc = (int)ch;
    }
    if (n && s->ops->index_build)
        s->ops->index_build(s, false);
out:
    for (size_t i = 0; i < n; i++) {
        free(d[i].name);
        free(d[i].sql);
    }
    free(d);
    if (own_tx) {
        if (rc)
            ubur_store_rollback(s);
        else
            rc = ubur_store_commit(s, err);
    }
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------------------------------
 * Bulk inserts. Deferred rows are kept as COPY text (the format ops->copy takes); otherwise
 * each row runs one prepared INSERT, bound value by value.
 */

struct ubur_bulk {
    struct ubur_store *store;
    char *target;             /* "table (columns)" */
    int ncols, col;           /* columns per row; values given in the current row */
    struct ubur_stmt *insert; /* when not deferred */
    struct ubur_buf data;     /* when deferred: rows not sent yet */
    long rows;                /* rows in data */
};

int
ubur_store_bulk_open(struct ubur_store *s, const char *table, const char *columns, int flags,
                     struct ubur_bulk **out, struct ubur_error *err)
{
    struct ubur_bulk *b = ubur_calloc(1, sizeof(*b));
    struct ubur_buf sql = UBUR_BUF_INIT;
    b->store = s;
    b->ncols = 1;
    for (const char *p = columns; *p; p++)
        b->ncols += *p == ',';
    ubur_buf_addf(&sql, "%s (%s)", table, columns);
    b->target = ubur_buf_detach(&sql, NULL);
    b->data = (struct ubur_buf)UBUR_BUF_INIT;
    if (!(flags & UBUR_BULK_DEFER) || !s->ops->copy) {
        /* The INSERT is built once per connection and kept, so its statement is cached (on
         * PostgreSQL: prepared once) as a literal's would be. */
        int k = 0;
        while (k < s->nbulk_sql &&
               (s->bulk_sql[k].table != table || s->bulk_sql[k].columns != columns))
            k++;
        if (k == s->nbulk_sql) {
            ubur_buf_addf(&sql, "INSERT INTO %s VALUES (", b->target);
            for (int i = 0; i < b->ncols; i++)
                ubur_buf_adds(&sql, i ? ", ?" : "?");
            ubur_buf_addch(&sql, ')');
            if (k < UBUR_BULK_SQL_CACHE) {
                s->bulk_sql[k].table = table;
                s->bulk_sql[k].columns = columns;
                s->bulk_sql[k].sql = ubur_buf_detach(&sql, NULL);
                s->nbulk_sql++;
            }
        }
        int rc = k < s->nbulk_sql ? ubur_store_prepare(s, s->bulk_sql[k].sql, &b->insert, err)
                                  : ubur_store_prepare_dynamic(s, sql.s, &b->insert, err);
        ubur_buf_release(&sql);
        if (rc) {
            ubur_bulk_discard(b);
            return tx_note(s, rc);
        }
    }
    *out = b;
    return 0;
}

bool
ubur_bulk_deferred(const struct ubur_bulk *b)
{
    return !b->insert;
}

/* The COPY text form of one value: backslash escapes for the separators and backslash. */
static void
bulk_add_copy_text(struct ubur_buf *out, const char *v)
{
    const char *run = v;
    for (const char *p = v;; p++) {
        char c = *p, esc = 0;
        switch (c) {
        case '\\':
            esc = '\\';
            break;
        case '\t':
            esc = 't';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\0':
            break;
        default:
            continue;
        }
        ubur_buf_add(out, run, (size_t)(p - run));
        if (!c)
            return;
        ubur_buf_addch(out, '\\');
        ubur_buf_addch(out, esc);
        run = p + 1;
    }
}

void
ubur_bulk_text(struct ubur_bulk *b, const char *v)
{
    int col = b->col++;
    if (b->insert) {
        if (col < b->ncols)
            ubur_stmt_bind_text(b->insert, col + 1, v);
        return;
    }
    if (col)
        ubur_buf_addch(&b->data, '\t');
    if (v)
        bulk_add_copy_text(&b->data, v);
    else
        ubur_buf_add(&b->data, "\\N", 2);
}

void
ubur_bulk_int(struct ubur_bulk *b, int64_t v)
{
    if (b->insert) {
        if (b->col < b->ncols)
            ubur_stmt_bind_int(b->insert, b->col + 1, v);
        b->col++;
        return;
    }
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    ubur_bulk_text(b, num);
}

void
ubur_bulk_null(struct ubur_bulk *b)
{
    ubur_bulk_text(b, NULL);
}

int
ubur_bulk_row_end(struct ubur_bulk *b, struct ubur_error *err)
{
    struct ubur_store *s = b->store;
    int col = b->col;
    b->col = 0;
    if (col != b->ncols)
        return tx_note(s, ubur_error_set(err, UBUR_EINTERNAL,
                                         "bulk insert into %s: %d values"
                                         " for %d columns",
                                         b->target, col, b->ncols));
    if (!b->insert) {
        ubur_buf_addch(&b->data, '\n');
        b->rows++;
        return 0;
    }
    int rc;
    while ((rc = ubur_stmt_step(b->insert, err)) == 1)
        ;
    s->ops->reset(b->insert);
    return rc < 0 ? rc : 0;
}

int
ubur_bulk_row(struct ubur_bulk *b, struct ubur_error *err, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 't':
            ubur_bulk_text(b, va_arg(ap, const char *));
            break;
        case 'i':
            ubur_bulk_int(b, va_arg(ap, int64_t));
            break;
        case 'n':
            ubur_bulk_null(b);
            break;
        default:
            abort(); /* a programming error, not input */
        }
    }
    va_end(ap);
    return ubur_bulk_row_end(b, err);
}

int
ubur_bulk_flush(struct ubur_bulk *b, struct ubur_error *err)
{
    struct ubur_store *s = b->store;
    if (b->insert || !b->rows)
        return 0;
    if (s->in_tx && s->tx_error)
        return tx_failed(err);
    int rc = s->ops->copy(s, b->target, b->data.s, b->data.len, err);
    ubur_buf_reset(&b->data);
    b->rows = 0;
    return tx_note(s, rc);
}

int
ubur_bulk_close(struct ubur_bulk *b, struct ubur_error *err)
{
    if (!b)
        return 0;
    int rc = 0;
    if (!b->store->in_tx || !b->store->tx_error)
        rc = ubur_bulk_flush(b, err);
    ubur_bulk_discard(b);
    return rc;
}

void
ubur_bulk_discard(struct ubur_bulk *b)
{
    if (!b)
        return;
    ubur_stmt_done(b->insert);
    ubur_buf_release(&b->data);
    free(b->target);
    free(b);
}
