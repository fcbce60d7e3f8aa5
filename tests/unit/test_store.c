/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store contract, run against every backend: SQLite always, PostgreSQL
 * when UBUR_TEST_PG names a server (tests/pg.sh starts a throwaway one; the
 * PostgreSQL group is skipped otherwise). Each test gets a fresh database: a
 * temporary file, or a database created on the server and dropped after.
 * A third group checks the dialect translation without a server, including
 * that every embedded migration translates.
 */
#include "unit.h"

#include <pthread.h>
#include <unistd.h>

#include "store/store_impl.h"
#include "store_fixture.h"
#include "ubur/alloc.h"
#include "ubur/store.h"

/* Runs SQL that must succeed. */
#define EXEC(s, sql)                                                                               \
    do {                                                                                           \
        struct ubur_error e_ = UBUR_ERROR_INIT;                                                    \
        int rc_ = ubur_store_exec((s), (sql), &e_);                                                \
        if (rc_)                                                                                   \
            fail_msg("exec failed: %s", e_.message);                                               \
    } while (0)

static int64_t
count_rows(struct ubur_store *s, const char *sql)
{
    int64_t n = -1;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_query_int(s, &err, &n, sql, ""))
        fail_msg("count failed: %s", err.message);
    return n;
}

/*
 * A migration numbered below one already applied (0032 after 0066: areas are
 * numbered apart) is still applied: the runner looks for each version's
 * row, not only at the highest.
 */
static void
test_migrate_fills_gap(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    EXEC(f->s, "DROP INDEX border_records_export");
    EXEC(f->s, "DELETE FROM schema_migrations WHERE version = 32");
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM schema_migrations"),
                     ubur_migrations_count - 1);
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM schema_migrations WHERE version = 32"),
                     1);
    if (!f->pg) {
        /* The exchange's movement export (exchange_types.c) reads through it. */
        struct ubur_stmt *st;
        bool used = false;
        assert_int_equal(ubur_store_prepare(f->s,
                                            "EXPLAIN QUERY PLAN SELECT r.id FROM border_records r"
                                            " WHERE r.nationality = ? AND (r.recorded_at > ? OR"
                                            " (r.recorded_at = ? AND r.id > ?))"
                                            " ORDER BY r.recorded_at, r.id LIMIT 100000",
                                            &st, &err),
                         0);
        ubur_stmt_bind_text(st, 1, "IRQ");
        ubur_stmt_bind_text(st, 2, "");
        ubur_stmt_bind_text(st, 3, "");
        ubur_stmt_bind_text(st, 4, "");
        while (ubur_stmt_step(st, &err) == 1)
            used |= strstr(ubur_stmt_text(st, 3), "border_records_export") != NULL;
        ubur_stmt_done(st);
        assert_true(used);
    }
    EXEC(f->s, "DROP INDEX border_records_export"); /* fails unless the index is back */
}

static void
test_kind(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ubur_store_kind(f->s), f->pg ? UBUR_STORE_PG : UBUR_STORE_SQLITE);
}

static int cache_releases;

static void
count_release(void *cache)
{
    (void)cache;
    cache_releases++;
}

/* The connection's cache slot: only its owner gets it back; replaced or closed, it is released. */
static void
test_cache_slot(void **state)
{
    struct fixture *f = *state;
    static const char owner = 0, other = 0;
    static int a, b;
    cache_releases = 0;
    assert_null(ubur_store_cache(f->s, &owner));
    ubur_store_cache_set(f->s, &owner, &a, count_release);
    assert_ptr_equal(ubur_store_cache(f->s, &owner), &a);
    assert_null(ubur_store_cache(f->s, &other));
    ubur_store_cache_set(f->s, &owner, &a, count_release); /* the same again: kept */
    assert_int_equal(cache_releases, 0);
    ubur_store_cache_set(f->s, &other, &b, count_release);
    assert_int_equal(cache_releases, 1);
    assert_null(ubur_store_cache(f->s, &owner));
    assert_ptr_equal(ubur_store_cache(f->s, &other), &b);
    /* the fixture's teardown closes the store: b is released then */
}

static void
test_migrate_idempotent(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    int v = -1;
    assert_int_equal(ubur_store_schema_version(f->s, &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(ubur_store_schema_version(f->s, &v, &err), 0);
    assert_int_equal(v, ubur_migrations[ubur_migrations_count - 1].version);
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(ubur_store_schema_version(f->s, &v, &err), 0);
    assert_int_equal(v, ubur_migrations[ubur_migrations_count - 1].version);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM schema_migrations"),
                     ubur_migrations_count);
    /* the foundation's tables work */
    assert_int_equal(ubur_store_run(f->s, &err,
                                    "INSERT INTO users (id, username, role, password_hash,"
                                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                                    "tttttt", "u1", "amira", "admin", "x", "2024-01-01T00:00:00Z",
                                    "2024-01-01T00:00:00Z"),
                     1);
    assert_int_equal(ubur_store_run(f->s, &err,
                                    "INSERT INTO audit_log (seq, id, at, username, role, action,"
                                    " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                    "itttttt"
                                    "t",
                                    (int64_t)1, "a1", "2024-01-01T00:00:00Z", "amira", "admin",
                                    "user.create", "0", "1"),
                     1);
}

static void
make_table(struct ubur_store *s)
{
    EXEC(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB);"
            " PRAGMA user_version = 1;");
}

static void
test_types(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_stmt *st;
    unsigned char blob[256];
    for (int i = 0; i < 256; i++)
        blob[i] = (unsigned char)i;
    const char *arabic = "\xd8\xb9\xd8\xa8\xd9\x88\xd8\xb1 'quoted' \"double\" ?";
    make_table(f->s);

    const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 4294967296LL};
    const double reals[] = {0.0, -2.5, 1e300, 33.4332, 0.1};
    for (int k = 0; k < 6; k++) {
        assert_int_equal(ubur_store_prepare(f->s,
                                            "INSERT INTO t (id, i, r, s, b)"
                                            " VALUES (?, ?, ?, ?, ?)",
                                            &st, &err),
                         0);
        ubur_stmt_bind_int(st, 1, k + 1);
        ubur_stmt_bind_int(st, 2, ints[k]);
        ubur_stmt_bind_double(st, 3, reals[k % 5]);
        ubur_stmt_bind_text(st, 4, arabic);
        ubur_stmt_bind_blob(st, 5, blob, (size_t)(k == 5 ? 0 : 256));
        assert_int_equal(ubur_stmt_step(st, &err), 0);
        assert_int_equal(ubur_stmt_changes(st), 1);
        ubur_stmt_done(st);
    }
    assert_int_equal(
        ubur_store_prepare(f->s, "SELECT id, i, r, s, b FROM t ORDER BY id", &st, &err), 0);
    assert_int_equal(ubur_stmt_columns(st), 5);
    for (int k = 0; k < 6; k++) {
        assert_int_equal(ubur_stmt_step(st, &err), 1);
        assert_string_equal(ubur_stmt_column_name(st, 3), "s");
        assert_int_equal(ubur_stmt_int(st, 0), k + 1);
        assert_true(ubur_stmt_int(st, 1) == ints[k]);
        assert_true(ubur_stmt_double(st, 2) == reals[k % 5]);
        assert_string_equal(ubur_stmt_text(st, 3), arabic);
        size_t n = 99;
        const void *b = ubur_stmt_blob(st, 4, &n);
        assert_false(ubur_stmt_is_null(st, 4));
        if (k == 5) {
            assert_int_equal(n, 0);
        } else {
            assert_int_equal(n, 256);
            assert_memory_equal(b, blob, 256);
        }
    }
    assert_int_equal(ubur_stmt_step(st, &err), 0);
    ubur_stmt_done(st);

    /* numbers read as text, text read as numbers */
    char *txt = NULL;
    assert_int_equal(
        ubur_store_query_text(f->s, &err, &txt, "SELECT i FROM t WHERE id = ?", "i", (int64_t)4),
        0);
    assert_string_equal(txt, "9223372036854775807");
    free(txt);
    int64_t v = 0;
    assert_int_equal(
        ubur_store_query_int(f->s, &err, &v, "SELECT CAST(? AS INTEGER) * 2", "t", "21"), 0);
    assert_int_equal(v, 42);
}

static void
test_nulls(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_stmt *st;
    make_table(f->s);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id, i, r, s) VALUES (?, ?, ?, ?)",
                                    "iint", (int64_t)1, (int64_t)0, (const char *)NULL),
                     1);
    assert_int_equal(ubur_store_prepare(
                         f->s, "INSERT INTO t (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)", &st, &err),
                     0);
    ubur_stmt_bind_int(st, 1, 2);
    ubur_stmt_bind_null(st, 2);
    ubur_stmt_bind_null(st, 3);
    ubur_stmt_bind_text(st, 4, NULL);
    ubur_stmt_bind_null(st, 5);
    assert_int_equal(ubur_stmt_step(st, &err), 0);
    ubur_stmt_done(st);

    assert_int_equal(ubur_store_prepare(f->s, "SELECT i, r, s, b FROM t ORDER BY id", &st, &err),
                     0);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(ubur_stmt_step(st, &err), 1);
        if (k == 0) {
            assert_false(ubur_stmt_is_null(st, 0));
            assert_int_equal(ubur_stmt_int(st, 0), 0);
        } else {
            assert_true(ubur_stmt_is_null(st, 0));
        }
        for (int c = 1; c < 4; c++)
            assert_true(ubur_stmt_is_null(st, c));
        assert_null(ubur_stmt_text(st, 2));
        assert_int_equal(ubur_stmt_int(st, 1), 0);
        assert_true(ubur_stmt_double(st, 1) == 0.0);
        size_t n = 5;
        assert_null(ubur_stmt_blob(st, 3, &n));
        assert_int_equal(n, 0);
    }
    ubur_stmt_done(st);
    /* a NULL parameter the server must type: the portable spelling and the bare one */
    int64_t v = -1;
    assert_int_equal(ubur_store_query_int(f->s, &err, &v,
                                          "SELECT COUNT(*) FROM t WHERE CAST(? AS TEXT) IS NULL"
                                          " OR s = ?",
                                          "nn"),
                     0);
    assert_int_equal(v, 2);
    assert_int_equal(ubur_store_query_int(f->s, &err, &v, "SELECT ? IS NULL", "n"), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ubur_store_query_int(f->s, &err, &v, "SELECT ? IS NULL", "i", (int64_t)3), 0);
    assert_int_equal(v, 0);
}

static void
test_identity(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    int64_t id = 0;
    assert_int_equal(ubur_store_query_int(f->s, &err, &id,
                                          "INSERT INTO t (s) VALUES (?) RETURNING id", "t", "a"),
                     0);
    assert_int_equal(id, 1);
    assert_int_equal(ubur_store_query_int(f->s, &err, &id,
                                          "INSERT INTO t (s) VALUES (?) RETURNING id", "t", "b"),
                     0);
    assert_int_equal(id, 2);
}

static void
test_transactions(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_true(ubur_store_in_tx(f->s));
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)1),
                     1);
    ubur_store_rollback(f->s);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 0);

    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)2),
                     1);
    /* reads inside see the transaction's writes */
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1);

    /* misuse */
    assert_int_equal(ubur_store_commit(f->s, &err), UBUR_EINTERNAL);
    ubur_store_rollback(f->s); /* harmless */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_begin(f->s, &err), UBUR_EINTERNAL);
    assert_true(ubur_store_in_tx(f->s));
    ubur_store_rollback(f->s);

    /* another connection does not see uncommitted writes */
    struct ubur_store *other = NULL;
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)3),
                     1);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t"), 2);
    ubur_store_close(other);
}

/*
 * A read snapshot (ubur_store_read_begin): on SQLite the reads inside it see
 * one state of the database, whatever others commit meanwhile; a write
 * transaction ends it first; read_end is harmless when none is open. On
 * PostgreSQL it is a no-op and every read sees the latest commit.
 */
static void
test_read_snapshot(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    struct ubur_store *other = NULL;
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(ubur_store_run(other, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)1),
                     1);

    ubur_store_read_end(f->s); /* none open: harmless */
    ubur_store_read_begin(f->s);
    ubur_store_read_begin(f->s); /* nested: no-op */
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(ubur_store_run(other, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)2),
                     1);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), f->pg ? 2 : 1);
    ubur_store_read_end(f->s);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 2);

    /* a write transaction inside a snapshot ends it, and sees and writes the latest state */
    ubur_store_read_begin(f->s);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 2);
    assert_int_equal(ubur_store_run(other, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)3),
                     1);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 3);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)4),
                     1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    ubur_store_read_end(f->s); /* already ended by begin: harmless */
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t"), 4);

    /* inside a write transaction a snapshot is not taken: the transaction's own reads stand */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    ubur_store_read_begin(f->s);
    assert_true(ubur_store_in_tx(f->s));
    ubur_store_read_end(f->s);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)5),
                     1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t"), 5);
    ubur_store_close(other);
}

static void
test_conflicts(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE p (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
               " n INTEGER CHECK (n >= 0));"
               "CREATE TABLE c (id TEXT PRIMARY KEY, p_id TEXT NOT NULL REFERENCES p(id));");
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id, code, n) VALUES (?, ?, ?)",
                                    "tti", "p1", "IRQ", (int64_t)1),
                     1);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id, code, n) VALUES (?, ?, ?)",
                                    "tti", "p2", "IRQ", (int64_t)1),
                     UBUR_ECONFLICT);
    assert_int_equal(err.code, UBUR_ECONFLICT);
    assert_non_null(strstr(err.message, "code") ? err.message : strstr(err.message, "uniq"));
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id, code, n) VALUES (?, ?, ?)",
                                    "tti", "p1", "SYR", (int64_t)1),
                     UBUR_ECONFLICT);
    assert_int_equal(
        ubur_store_run(f->s, &err, "INSERT INTO p (id, code) VALUES (?, ?)", "tn", "p3"),
        UBUR_ECONFLICT);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id, code, n) VALUES (?, ?, ?)",
                                    "tti", "p4", "SYR", (int64_t)-1),
                     UBUR_ECONFLICT);
    assert_int_equal(
        ubur_store_run(f->s, &err, "INSERT INTO c (id, p_id) VALUES (?, ?)", "tt", "c1", "nope"),
        UBUR_ECONFLICT);
    /* the portable way to ignore a duplicate */
    assert_int_equal(ubur_store_run(f->s, &err,
                                    "INSERT INTO p (id, code, n) VALUES (?, ?, ?)"
                                    " ON CONFLICT (id) DO NOTHING",
                                    "tti", "p1", "XXX", (int64_t)1),
                     0);
    assert_int_equal(ubur_store_run(f->s, &err,
                                    "INSERT INTO p (id, code, n) VALUES (?, ?, ?)"
                                    " ON CONFLICT (id) DO UPDATE SET n = excluded.n",
                                    "tti", "p1", "IRQ", (int64_t)7),
                     1);
    int64_t n = 0;
    assert_int_equal(
        ubur_store_query_int(f->s, &err, &n, "SELECT n FROM p WHERE id = ?", "t", "p1"), 0);
    assert_int_equal(n, 7);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM p"), 1);
}

static void
test_failed_statement_aborts_tx(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE p (id TEXT PRIMARY KEY)");
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "a"), 1);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "b"), 1);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "a"),
                     UBUR_ECONFLICT);
    assert_true(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "c") < 0);
    assert_int_equal(ubur_store_commit(f->s, &err), UBUR_ECONFLICT);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM p"), 1);
    /* and the connection works afterwards */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "d"), 1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM p"), 2);
}

/* A savepoint undoes a failure, on both backends (the group-commit writer relies on it). */
static void
test_savepoint_recovers(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE p (id TEXT PRIMARY KEY)");
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    for (int job = 0; job < 3; job++) {
        assert_int_equal(ubur_store_exec(f->s, "SAVEPOINT ubur_job", &err), 0);
        /* job 1 writes, then fails: only its own write goes */
        const char *id = job == 1 ? "one" : job == 0 ? "zero" : "two";
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", id), 1);
        bool fail = job == 1;
        if (fail)
            assert_int_equal(
                ubur_store_run(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "zero"),
                UBUR_ECONFLICT);
        if (fail)
            assert_int_equal(
                ubur_store_queue(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "x"),
                UBUR_EINTERNAL); /* aborted until the savepoint is undone */
        assert_int_equal(
            ubur_store_exec(
                f->s, fail ? "ROLLBACK TO ubur_job; RELEASE ubur_job" : "RELEASE ubur_job", &err),
            0);
    }
    /* a queued failure undone the same way */
    assert_int_equal(ubur_store_exec(f->s, "SAVEPOINT q", &err), 0);
    ubur_store_queue(f->s, &err, "INSERT INTO p (id) VALUES (?)", "t", "two");
    assert_int_equal(ubur_store_exec(f->s, "ROLLBACK TO q; RELEASE q", &err), 0);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM p"), 2);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM p WHERE id = 'one'"), 0);
}

static void
test_deferred_constraint_fails_commit(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE p (id TEXT PRIMARY KEY);"
               "CREATE TABLE c (id TEXT PRIMARY KEY,"
               " p_id TEXT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)");
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(
        ubur_store_run(f->s, &err, "INSERT INTO c (id, p_id) VALUES (?, ?)", "tt", "c1", "missing"),
        1);
    assert_int_equal(ubur_store_commit(f->s, &err), UBUR_ECONFLICT);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM c"), 0);
}

static void
test_cache_reuse(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    static const char *sql = "SELECT ? + 1";
    struct ubur_stmt *a, *b;
    int64_t v = 0;
    assert_int_equal(ubur_store_prepare(f->s, sql, &a, &err), 0);
    ubur_stmt_bind_int(a, 1, 1);
    assert_int_equal(ubur_stmt_step(a, &err), 1);
    assert_int_equal(ubur_stmt_int(a, 0), 2);
    ubur_stmt_done(a);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(ubur_store_prepare(f->s, sql, &b, &err), 0);
        assert_ptr_equal(a, b);
        ubur_stmt_bind_int(b, 1, i);
        assert_int_equal(ubur_stmt_step(b, &err), 1);
        assert_int_equal(ubur_stmt_int(b, 0), i + 1);
        ubur_stmt_done(b);
    }
    /* reset: a statement left half-read starts afresh, unbound */
    assert_int_equal(ubur_store_query_int(f->s, &err, &v, sql, "i", (int64_t)41), 0);
    assert_int_equal(v, 42);
}

static void
test_nested_same_statement(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id, i) VALUES (?, ?)", "ii",
                                        (int64_t)i, (int64_t)i * 10),
                         1);
    static const char *sql = "SELECT id, i FROM t WHERE id >= ? ORDER BY id";
    struct ubur_stmt *outer, *inner;
    assert_int_equal(ubur_store_prepare(f->s, sql, &outer, &err), 0);
    ubur_stmt_bind_int(outer, 1, 1);
    int rows = 0, inner_rows = 0;
    while (ubur_stmt_step(outer, &err) == 1) {
        int64_t id = ubur_stmt_int(outer, 0);
        assert_int_equal(ubur_store_prepare(f->s, sql, &inner, &err), 0);
        assert_ptr_not_equal(inner, outer);
        ubur_stmt_bind_int(inner, 1, id);
        while (ubur_stmt_step(inner, &err) == 1)
            inner_rows++;
        ubur_stmt_done(inner);
        /* a write between steps of the outer statement */
        assert_int_equal(
            ubur_store_run(f->s, &err, "UPDATE t SET r = ? WHERE id = ?", "di", 1.5, id), 1);
        assert_int_equal(ubur_stmt_int(outer, 1), id * 10);
        rows++;
    }
    ubur_stmt_done(outer);
    assert_int_equal(rows, 3);
    assert_int_equal(inner_rows, 3 + 2 + 1);
    assert_int_equal(ubur_store_prepare(f->s, sql, &inner, &err), 0);
    assert_ptr_equal(inner, outer); /* the cached one is free again */
    ubur_stmt_done(inner);
}

static void
test_changes(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id, i) VALUES (?, ?)", "ii",
                                        (int64_t)i, (int64_t)(i % 2)),
                         1);
    assert_int_equal(
        ubur_store_run(f->s, &err, "UPDATE t SET s = ? WHERE i = ?", "ti", "odd", (int64_t)1), 3);
    assert_int_equal(
        ubur_store_run(f->s, &err, "UPDATE t SET s = ? WHERE i = ?", "ti", "none", (int64_t)7), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "DELETE FROM t WHERE i = ?", "i", (int64_t)0), 2);
    struct ubur_stmt *st;
    assert_int_equal(ubur_store_prepare(f->s, "DELETE FROM t WHERE id = ? RETURNING id", &st, &err),
                     0);
    ubur_stmt_bind_int(st, 1, 1);
    assert_int_equal(ubur_stmt_step(st, &err), 1);
    assert_int_equal(ubur_stmt_int(st, 0), 1);
    assert_int_equal(ubur_stmt_step(st, &err), 0);
    assert_int_equal(ubur_stmt_changes(st), 1);
    ubur_stmt_done(st);
}

static void
test_dialect_values(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    char *txt = NULL;
    /* "?" inside literals, identifiers and comments is not a placeholder */
    assert_int_equal(ubur_store_query_text(f->s, &err, &txt,
                                           "SELECT '?''?' || ? AS \"a?\" -- what?\n", "t", "x"),
                     0);
    assert_string_equal(txt, "?'?x");
    free(txt);
    /* comparisons read as 0/1 on both backends */
    int64_t v = -1;
    assert_int_equal(
        ubur_store_query_int(f->s, &err, &v, "SELECT ? = ?", "ii", (int64_t)2, (int64_t)2), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ubur_store_query_text(f->s, &err, &txt, "SELECT 1 > 2", ""), 0);
    assert_string_equal(txt, "0");
    free(txt);
    /* aggregates */
    assert_int_equal(ubur_store_query_int(f->s, &err, &v,
                                          "SELECT COALESCE(SUM(x), 0) FROM (SELECT 3 AS x"
                                          " UNION ALL SELECT 4) AS s",
                                          ""),
                     0);
    assert_int_equal(v, 7);
    double d = 0;
    struct ubur_stmt *st;
    assert_int_equal(ubur_store_prepare(f->s, "SELECT ? / 4.0", &st, &err), 0);
    ubur_stmt_bind_double(st, 1, 10.0);
    assert_int_equal(ubur_stmt_step(st, &err), 1);
    d = ubur_stmt_double(st, 0);
    ubur_stmt_done(st);
    assert_true(d == 2.5);
}

static void
test_errors(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_stmt *st = NULL;
    /* bad SQL fails at prepare (SQLite) or at the first step (PostgreSQL prepares lazily) */
    int rc = ubur_store_prepare(f->s, "SELEC nonsense", &st, &err);
    if (rc == 0) {
        rc = ubur_stmt_step(st, &err);
        ubur_stmt_done(st);
    }
    assert_int_equal(rc, UBUR_ESTORE);
    assert_true(err.message[0] != '\0');
    assert_int_equal(ubur_store_exec(f->s, "CREATE TABLE", &err), UBUR_ESTORE);
    assert_int_equal(ubur_store_run(f->s, &err, "SELECT * FROM no_such_table", ""), UBUR_ESTORE);
    int64_t v;
    char *txt;
    make_table(f->s);
    assert_int_equal(ubur_store_query_int(f->s, &err, &v, "SELECT i FROM t", ""), UBUR_ENOTFOUND);
    assert_int_equal(ubur_store_query_text(f->s, &err, &txt, "SELECT s FROM t", ""),
                     UBUR_ENOTFOUND);
}

static void
test_columns_before_step(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_stmt *st;
    make_table(f->s);
    assert_int_equal(
        ubur_store_prepare(f->s, "SELECT id, s AS name FROM t WHERE id = ?", &st, &err), 0);
    assert_int_equal(ubur_stmt_columns(st), 2);
    assert_string_equal(ubur_stmt_column_name(st, 1), "name");
    ubur_stmt_bind_int(st, 1, 1);
    assert_int_equal(ubur_stmt_step(st, &err), 0);
    ubur_stmt_done(st);
    assert_int_equal(ubur_store_prepare_dynamic(f->s, "SELECT s AS x, i AS y FROM t", &st, &err),
                     0);
    assert_int_equal(ubur_stmt_columns(st), 2);
    assert_string_equal(ubur_stmt_column_name(st, 0), "x");
    ubur_stmt_done(st);
}

static void
test_queue(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    static const char *ins = "INSERT INTO t (id, i, s) VALUES (?, ?, ?)";
    make_table(f->s);
    assert_int_equal(ubur_store_queue(f->s, &err, ins, "iit", (int64_t)1, (int64_t)1, "x"),
                     UBUR_EINTERNAL);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    for (int i = 1; i <= 1000; i++)
        assert_int_equal(
            ubur_store_queue(f->s, &err, ins, "iit", (int64_t)i, (int64_t)i * 2, "queued"), 0);
    /* a statement that is not queued sees the queued writes */
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1000);
    for (int i = 1001; i <= 1500; i++)
        assert_int_equal(ubur_store_queue(f->s, &err, ins, "iit", (int64_t)i, (int64_t)i * 2, NULL),
                         0);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1500);
    assert_int_equal(count_rows(f->s, "SELECT SUM(i) FROM t"), 1500 * 1501);

    /* a failure, wherever it is reported, aborts the whole transaction */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    int rc = 0;
    for (int i = 1; i <= 20 && !rc; i++)
        rc = ubur_store_queue(f->s, &err, ins, "iit", (int64_t)(i == 10 ? 5 : 2000 + i), (int64_t)0,
                              "dup");
    if (rc)
        assert_int_equal(rc, UBUR_ECONFLICT);
    assert_int_equal(ubur_store_commit(f->s, &err), UBUR_ECONFLICT);
    assert_false(ubur_store_in_tx(f->s));
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1500);
    /* and the connection works afterwards */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_queue(f->s, &err, ins, "iit", (int64_t)3000, (int64_t)0, "ok"), 0);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1501);
    /* rollback discards what was queued */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_queue(f->s, &err, ins, "iit", (int64_t)3001, (int64_t)0, "no"), 0);
    ubur_store_rollback(f->s);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1501);
}

/* Bulk inserts, immediate and deferred (COPY on PostgreSQL): values that need escaping, NULLs,
 * a failure that names the row, and the transaction aborted by it. */
static void
test_bulk(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_bulk *b;
    int rc;
    static const char *const odd[] = {"tab\there", "new\nline\r", "back\\slash \\N",
                                      "\\.",       "عبور",        ""};
    make_table(f->s);
    for (int flags = 0; flags <= UBUR_BULK_DEFER; flags++) {
        int64_t base = flags * 10000;
        EXEC(f->s, "DELETE FROM t");
        assert_int_equal(ubur_store_begin(f->s, &err), 0);
        assert_int_equal(ubur_store_bulk_open(f->s, "t", "id, i, s", flags, &b, &err), 0);
        assert_int_equal(ubur_bulk_deferred(b), flags && ubur_store_kind(f->s) == UBUR_STORE_PG);
        for (int i = 0; i < 3000; i++) {
            ubur_bulk_int(b, base + i);
            if (i % 7 == 0)
                ubur_bulk_null(b);
            else
                ubur_bulk_int(b, -i);
            ubur_bulk_text(b, i < 6 ? odd[i] : i % 5 == 0 ? NULL : "plain");
            assert_int_equal(ubur_bulk_row_end(b, &err), 0);
        }
        /* a row with too few values is refused and fails the transaction */
        assert_int_equal(ubur_bulk_row(b, &err, "it", base + 5000, "short"), UBUR_EINTERNAL);
        assert_int_equal(ubur_bulk_close(b, &err), 0); /* the transaction failed: only frees */
        ubur_store_rollback(f->s);
        assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 0);

        assert_int_equal(ubur_store_begin(f->s, &err), 0);
        assert_int_equal(ubur_store_bulk_open(f->s, "t", "id, i, s", flags, &b, &err), 0);
        for (int i = 0; i < 3000; i++) {
            const char *v = i < 6 ? odd[i] : "plain";
            rc = i % 7 ? ubur_bulk_row(b, &err, "iit", base + i, (int64_t)-i, v)
                       : ubur_bulk_row(b, &err, "int", base + i, v);
            assert_int_equal(rc, 0);
        }
        assert_int_equal(ubur_bulk_close(b, &err), 0);
        assert_int_equal(ubur_store_commit(f->s, &err), 0);
        assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 3000);
        assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t WHERE i IS NULL"), 429);
        assert_int_equal(count_rows(f->s, "SELECT SUM(i) FROM t"),
                         -(2999 * 3000 / 2) + 7 * (428 * 429 / 2));
        for (int i = 1; i < 6; i++) {
            char *v = NULL;
            assert_int_equal(ubur_store_query_text(f->s, &err, &v, "SELECT s FROM t WHERE id = ?",
                                                   "i", base + i),
                             0);
            assert_string_equal(v, odd[i]);
            free(v);
        }

        /* a duplicate key: the row's failure, or the send's naming the row */
        assert_int_equal(ubur_store_begin(f->s, &err), 0);
        assert_int_equal(ubur_store_bulk_open(f->s, "t", "id, i, s", flags, &b, &err), 0);
        rc = 0;
        for (int i = 0; i < 5 && !rc; i++)
            rc = ubur_bulk_row(b, &err, "iit", i == 3 ? base + 7 : base + 5000 + i, (int64_t)0,
                               "dup");
        if (!rc) {
            assert_true(ubur_bulk_deferred(b));
            rc = ubur_bulk_flush(b, &err);
            assert_non_null(strstr(err.message, "row 4"));
        }
        assert_int_equal(rc, UBUR_ECONFLICT);
        ubur_bulk_discard(b);
        assert_int_equal(ubur_store_commit(f->s, &err), UBUR_ECONFLICT);
        assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 3000);
    }
}

/* Threads: each opens its own connection; results are checked by the main thread. */
struct worker {
    const char *uri;
    int ok, failed;
    char message[256];
};

static void *
audit_like_writer(void *arg)
{
    struct worker *w = arg;
    struct ubur_store *s = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&s, w->uri, &err)) {
        snprintf(w->message, sizeof(w->message), "%s", err.message);
        w->failed++;
        return NULL;
    }
    for (int i = 0; i < 25; i++) {
        /* read the last sequence number, write the next: safe only under the write lock */
        int64_t seq = 0;
        int rc = ubur_store_begin(s, &err);
        if (!rc)
            rc = ubur_store_query_int(s, &err, &seq, "SELECT COALESCE(MAX(id), 0) FROM t", "");
        if (!rc &&
            ubur_store_run(s, &err, "INSERT INTO t (id, s) VALUES (?, ?)", "it", seq + 1, "w") != 1)
            rc = err.code ? err.code : -1;
        if (!rc)
            rc = ubur_store_commit(s, &err);
        if (rc) {
            ubur_store_rollback(s);
            snprintf(w->message, sizeof(w->message), "%s", err.message);
            w->failed++;
        } else {
            w->ok++;
        }
    }
    ubur_store_close(s);
    return NULL;
}

static void
test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    make_table(f->s);
    pthread_t th[3];
    struct worker w[3];
    for (int i = 0; i < 3; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].uri = f->uri;
        assert_int_equal(pthread_create(&th[i], NULL, audit_like_writer, &w[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failed)
            fail_msg("writer %d: %d failed: %s", i, w[i].failed, w[i].message);
        assert_int_equal(w[i].ok, 25);
    }
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 75);
    assert_int_equal(count_rows(f->s, "SELECT MAX(id) FROM t"), 75);
}

static void *
migrator(void *arg)
{
    struct worker *w = arg;
    struct ubur_store *s = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&s, w->uri, &err) || ubur_store_migrate(s, &err)) {
        snprintf(w->message, sizeof(w->message), "%s", err.message);
        w->failed++;
    } else {
        w->ok++;
    }
    ubur_store_close(s);
    return NULL;
}

static void
test_concurrent_migrate(void **state)
{
    struct fixture *f = *state;
    pthread_t th[3];
    struct worker w[3];
    for (int i = 0; i < 3; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].uri = f->uri;
        assert_int_equal(pthread_create(&th[i], NULL, migrator, &w[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failed)
            fail_msg("migrator %d: %s", i, w[i].message);
    }
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM schema_migrations"),
                     ubur_migrations_count);
}

/* PostgreSQL only: the server drops the connection; the store says so, then reconnects. */
static void
test_reconnect(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    struct ubur_store *killer = NULL;
    assert_int_equal(ubur_store_open(&killer, f->uri, &err), 0);
    for (int round = 0; round < 2; round++) {
        bool in_tx = round == 1;
        int64_t pid = 0, one = 0;
        assert_int_equal(ubur_store_query_int(f->s, &err, &pid, "SELECT pg_backend_pid()", ""), 0);
        /* warm a cached statement so it must be prepared again after the reconnect */
        assert_int_equal(ubur_store_query_int(f->s, &err, &one, "SELECT ? + 0", "i", (int64_t)1),
                         0);
        if (in_tx)
            assert_int_equal(ubur_store_begin(f->s, &err), 0);
        assert_int_equal(
            ubur_store_query_int(killer, &err, &one,
                                 "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid)"
                                 " FROM pg_stat_activity WHERE pid = ?) AS k",
                                 "i", pid),
            0);
        usleep(100 * 1000);
        int rc = ubur_store_query_int(f->s, &err, &one, "SELECT ? + 0", "i", (int64_t)2);
        assert_int_equal(rc, UBUR_EBUSY);
        assert_non_null(strstr(err.message, "connection to PostgreSQL lost"));
        if (in_tx) {
            /* still inside the dead transaction: no silent reconnect */
            assert_int_equal(ubur_store_query_int(f->s, &err, &one, "SELECT 1", ""),
                             UBUR_EINTERNAL);
            assert_int_equal(ubur_store_commit(f->s, &err), UBUR_EBUSY);
        }
        assert_int_equal(ubur_store_query_int(f->s, &err, &one, "SELECT ? + 0", "i", (int64_t)3),
                         0);
        assert_int_equal(one, 3);
        int64_t pid2 = 0;
        assert_int_equal(ubur_store_query_int(f->s, &err, &pid2, "SELECT pg_backend_pid()", ""), 0);
        assert_true(pid2 != pid);
    }
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)9),
                     1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);

    /* the connection dies with queued statements in flight: commit fails, then it recovers */
    int64_t pid = 0, one = 0;
    assert_int_equal(ubur_store_query_int(f->s, &err, &pid, "SELECT pg_backend_pid()", ""), 0);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(
        ubur_store_queue(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)10), 0);
    assert_int_equal(ubur_store_query_int(killer, &err, &one,
                                          "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid)"
                                          " FROM pg_stat_activity WHERE pid = ?) AS k",
                                          "i", pid),
                     0);
    usleep(100 * 1000);
    for (int i = 11; i < 20; i++)
        if (ubur_store_queue(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)i))
            break;
    assert_true(ubur_store_commit(f->s, &err) < 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM t"), 1);
    ubur_store_close(killer);
}

/*
 * PostgreSQL with a hot standby (tests/pg.sh with UBUR_PG_STANDBY=1): an up-to-date replica
 * migrates without writing, answers reads, and refuses writes with an error.
 */
static void
test_standby(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    const char *standby = getenv("UBUR_TEST_PG_STANDBY");
    if (!standby || !*standby)
        skip();
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    make_table(f->s);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id, s) VALUES (?, ?)", "it",
                                    (int64_t)1, "replicated"),
                     1);
    char uri[512];
    pg_uri_for(uri, sizeof(uri), standby, pg_db, f->dbname);
    struct ubur_store *r = NULL;
    assert_int_equal(ubur_store_open(&r, uri, &err), 0);
    char *txt = NULL;
    for (int i = 0; i < 200; i++) { /* wait for the replay, up to 10 s */
        if (!ubur_store_query_text(r, NULL, &txt, "SELECT s FROM t WHERE id = ?", "i", (int64_t)1))
            break;
        usleep(50 * 1000);
    }
    assert_non_null(txt);
    assert_string_equal(txt, "replicated");
    free(txt);
    assert_int_equal(ubur_store_migrate(r, &err), 0);
    assert_int_equal(ubur_store_begin(r, &err), 0);
    assert_true(ubur_store_run(r, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)2) < 0);
    assert_non_null(strstr(err.message, "read-only"));
    ubur_store_rollback(r);
    ubur_store_close(r);
}

/* ---------------------------------------------------------------------------------------
 * Dialect translation, no server needed
 */

static char *
xlate(const char *sql, bool ddl, int *n)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    char *out = ubur_store_pg_translate(sql, ddl, n, &err);
    if (!out)
        fail_msg("translate failed: %s", err.message);
    return out;
}

static void
test_translate_placeholders(void **state)
{
    (void)state;
    int n = -1;
    char *s = xlate("SELECT a FROM t WHERE b = ? AND c = '?' AND \"?\" = ? /* ? */ -- ?\n"
                    " AND d IN (?, ?)",
                    false, &n);
    assert_string_equal(s, "SELECT a FROM t WHERE b = $1 AND c = '?' AND \"?\" = $2 /* ? */ -- ?\n"
                           " AND d IN ($3, $4)");
    assert_int_equal(n, 4);
    free(s);
    s = xlate("SELECT 'it''s ?', CAST(? AS INTEGER), CAST(? AS REAL), t.real FROM t", false, &n);
    assert_string_equal(s, "SELECT 'it''s ?', CAST($1 AS BIGINT), CAST($2 AS DOUBLE PRECISION),"
                           " t.real FROM t");
    assert_int_equal(n, 2);
    free(s);
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_null(ubur_store_pg_translate("SELECT ?1", false, &n, &err));
    assert_int_equal(err.code, UBUR_EINTERNAL);
}

static void
test_translate_ddl(void **state)
{
    (void)state;
    char *s = xlate("PRAGMA foreign_keys = ON;\n"
                    "CREATE TABLE a (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL,"
                    " x REAL, b BLOB, note TEXT DEFAULT 'INTEGER?') STRICT, WITHOUT ROWID;\n"
                    "CREATE TABLE b (id integer  primary\n key, t TEXT);",
                    true, NULL);
    assert_string_equal(s, "\nCREATE TABLE a (seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY"
                           " KEY, n BIGINT NOT NULL, x DOUBLE PRECISION, b BYTEA, note TEXT"
                           " DEFAULT 'INTEGER?') ;\n"
                           "CREATE TABLE b (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY"
                           " KEY, t TEXT);\n");
    free(s);
    s = xlate("CREATE TABLE c (id TEXT PRIMARY KEY);\n"
              "-- ubur:postgresql\n"
              "-- CREATE INDEX c_trgm ON c USING gin (id gin_trgm_ops);\n"
              "\n"
              "-- ubur:end\n"
              "-- ubur:sqlite\n"
              "CREATE INDEX c_nocase ON c (id COLLATE NOCASE);\n"
              "-- ubur:end\n",
              true, NULL);
    assert_string_equal(s, "CREATE TABLE c (id TEXT PRIMARY KEY);\n\n"
                           "CREATE INDEX c_trgm ON c USING gin (id gin_trgm_ops);\n\n\n\n\n\n");
    free(s);
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_null(ubur_store_pg_translate(
        "-- ubur:postgresql\nCREATE INDEX x ON y (z);\n-- ubur:end\n", true, NULL, &err));
    assert_non_null(strstr(err.message, "commented out"));
    assert_null(ubur_store_pg_translate("-- ubur:sqlite\nSELECT 1;\n", true, NULL, &err));
    assert_non_null(strstr(err.message, "not closed"));
}

static void
test_translate_migrations(void **state)
{
    (void)state;
    for (int i = 0; i < ubur_migrations_count; i++) {
        struct ubur_error err = UBUR_ERROR_INIT;
        char *s = ubur_store_pg_translate(ubur_migrations[i].sql, true, NULL, &err);
        if (!s)
            fail_msg("migration %04d_%s: %s", ubur_migrations[i].version, ubur_migrations[i].name,
                     err.message);
        free(s);
    }
}

/*
 * Indexes set aside for a bulk load: the drop and its record commit together or not at all,
 * restore builds them again, and migrate (every open) builds those whose owner is gone. On a
 * backend that does not set indexes aside (PostgreSQL) nothing changes.
 */
static int64_t
index_present(struct ubur_store *s)
{
    return ubur_store_kind(s) == UBUR_STORE_SQLITE
               ? count_rows(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
                               " AND name = 'reg_individual_name_key'")
               : 1;
}

static void
test_index_defer(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    bool deferred = true, sqlite = ubur_store_kind(f->s) == UBUR_STORE_SQLITE;
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(index_present(f->s), 1);
    /* outside a transaction, and a name that is not an identifier: refused */
    assert_int_equal(ubur_store_index_defer(f->s, "reg_individual_name_key", &deferred, &err),
                     UBUR_EINTERNAL);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_index_defer(f->s, "x; DROP TABLE users", &deferred, &err),
                     UBUR_EINTERNAL);
    ubur_store_rollback(f->s);
    /* rolled back with its transaction */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_index_defer(f->s, "reg_individual_name_key", &deferred, &err), 0);
    assert_int_equal(deferred, sqlite);
    ubur_store_rollback(f->s);
    assert_int_equal(index_present(f->s), 1);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM store_deferred_index"), 0);
    /* committed: gone and recorded; a second defer finds nothing to set aside */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_index_defer(f->s, "reg_individual_name_key", &deferred, &err), 0);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(index_present(f->s), !sqlite);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM store_deferred_index"), sqlite);
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_index_defer(f->s, "reg_individual_name_key", &deferred, &err), 0);
    assert_false(deferred);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    /* the owner (this process) is alive: migrate leaves it to the owner */
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(index_present(f->s), !sqlite);
    /* the owner restores, in a transaction of its own */
    assert_int_equal(ubur_store_index_restore(f->s, false, &err), 0);
    assert_int_equal(index_present(f->s), 1);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM store_deferred_index"), 0);
    if (!sqlite)
        return;
    /* an owner that is gone (a killed import): the next migrate builds it */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_index_defer(f->s, "reg_individual_name_key", &deferred, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "UPDATE store_deferred_index SET owner_pid = ?",
                                    "i", (int64_t)0x7ffffff0),
                     1);
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    assert_int_equal(index_present(f->s), 0);
    assert_int_equal(ubur_store_index_restore(f->s, false, &err), 0); /* not ours: left */
    assert_int_equal(index_present(f->s), 0);
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(index_present(f->s), 1);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM store_deferred_index"), 0);
    /* an index that exists again is not built twice: only its record goes */
    assert_int_equal(ubur_store_run(f->s, &err,
                                    "INSERT INTO store_deferred_index (name, create_sql,"
                                    " owner_pid, deferred_at) VALUES (?, ?, ?, ?)",
                                    "ttit", "reg_individual_name_key", "CREATE INDEX broken",
                                    (int64_t)0x7ffffff0, "2024-01-01T00:00:00Z"),
                     1);
    assert_int_equal(ubur_store_migrate(f->s, &err), 0);
    assert_int_equal(count_rows(f->s, "SELECT COUNT(*) FROM store_deferred_index"), 0);
}

/*
 * ubur_store_checkpoint: on SQLite a restarting checkpoint gives up (UBUR_EBUSY, within its wait)
 * while a reader's snapshot is on the log, and once none is, the next write starts the log from
 * its first frame instead of growing it; on PostgreSQL it does nothing and says so.
 */
static void
test_checkpoint(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    for (int64_t i = 1; i <= 50; i++)
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", i), 1);
    int log = -1, copied = -1;
    if (f->pg) {
        assert_int_equal(
            ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_PASSIVE, 0, &log, &copied, &err), 0);
        assert_int_equal(log, 0);
        assert_int_equal(copied, 0);
        assert_int_equal(
            ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 5, &log, &copied, &err), 0);
        return;
    }

    /* a reader on the log (its snapshot is in the log's 50-odd frames): the restart waits at
     * most its 20 ms, then gives up */
    struct ubur_store *reader = NULL;
    assert_int_equal(ubur_store_open(&reader, f->uri, &err), 0);
    ubur_store_read_begin(reader);
    assert_int_equal(count_rows(reader, "SELECT COUNT(*) FROM t"), 50);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)51),
                     1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 20, NULL, NULL, &err),
                     UBUR_EBUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
    /* ... the log is intact and the reader still reads its snapshot */
    assert_int_equal(count_rows(reader, "SELECT COUNT(*) FROM t"), 50);
    ubur_store_read_end(reader);

    /* no reader left: the restart succeeds and the next write starts the log again */
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 20, &log, &copied, &err),
                     0);
    assert_true(log >= 51);
    assert_int_equal(copied, log);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)52),
                     1);
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_PASSIVE, 0, &log, &copied, &err),
                     0);
    assert_true(log > 0 && log < 10);
    assert_int_equal(count_rows(reader, "SELECT COUNT(*) FROM t"), 52);

    /* not inside a transaction */
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 0, NULL, NULL, &err),
                     UBUR_EINTERNAL);
    ubur_store_rollback(f->s);
    ubur_store_close(reader);
}

/*
 * A checkpoint of many pages (more than the 32 after which a checkpointing connection syncs the
 * database file, store_sqlite.c's trickle_sync): every frame is copied, and a connection opened
 * afterwards reads every row back whole; on PostgreSQL, nothing to fold.
 */
static void
test_checkpoint_many_pages(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    char text[2001];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(ubur_store_begin(f->s, &err), 0);
    for (int64_t i = 1; i <= 300; i++) {
        text[0] = (char)('a' + i % 26);
        assert_int_equal(
            ubur_store_run(f->s, &err, "INSERT INTO t (id, s) VALUES (?, ?)", "it", i, text), 1);
    }
    assert_int_equal(ubur_store_commit(f->s, &err), 0);
    int log = -1, copied = -1;
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_PASSIVE, 0, &log, &copied, &err),
                     0);
    if (f->pg) {
        assert_int_equal(log, 0);
        return;
    }
    assert_true(log > 150);
    assert_int_equal(copied, log);
    struct ubur_store *other = NULL;
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t WHERE length(s) = 2000"), 300);
    assert_int_equal(count_rows(other, "SELECT COUNT(*) FROM t WHERE substr(s, 1, 1) = 'c'"), 12);
    ubur_store_close(other);
}

/* Polls ubur_store_log_restart_due for at most two seconds. */
static bool
restart_due_within(struct ubur_store *s)
{
    for (int i = 0; i < 400; i++) {
        if (ubur_store_log_restart_due(s))
            return true;
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
    return false;
}

/*
 * ubur_store_checkpointer_start: on SQLite the thread's passive checkpoints run on the frames
 * trigger and on the timer, and a pass that leaves a log of restart_frames or more makes
 * ubur_store_log_restart_due true once; the owner's restart then succeeds. A bulk load on the
 * same connection keeps the checkpointer it found (its end does not stop it). One checkpointer a
 * connection. On PostgreSQL there is nothing to start and no restart is ever due.
 */
static void
test_checkpointer(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    make_table(f->s);
    struct ubur_checkpointer_policy frames = {
        .every_frames = 20, .passes = 1, .restart_frames = 20};
    if (f->pg) {
        assert_int_equal(ubur_store_checkpointer_start(f->s, &frames, &err), 0);
        assert_false(ubur_store_log_restart_due(f->s));
        ubur_store_checkpointer_stop(f->s);
        return;
    }
    struct ubur_store *reader = NULL;
    assert_int_equal(ubur_store_open(&reader, f->uri, &err), 0);
    assert_int_equal(ubur_store_checkpointer_start(f->s, &frames, &err), 0);
    assert_int_equal(ubur_store_checkpointer_start(f->s, &frames, &err), UBUR_EINTERNAL);
    /* a reader keeps the log from being restarted: after 20 frames a pass leaves a long log */
    ubur_store_read_begin(reader);
    assert_int_equal(count_rows(reader, "SELECT COUNT(*) FROM t"), 0);
    for (int64_t i = 1; i <= 40; i++)
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", i), 1);
    assert_true(restart_due_within(f->s));
    assert_false(ubur_store_log_restart_due(f->s)); /* once */
    assert_int_equal(ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 20, NULL, NULL, &err),
                     UBUR_EBUSY);
    ubur_store_read_end(reader);
    /* the checkpointer's own pass may be running: the owner's restart then gives up at once, and
     * the writer retries it at the next request; here, a few times */
    int log = -1, copied = -1, rc = UBUR_EBUSY;
    for (int i = 0; i < 100 && rc == UBUR_EBUSY; i++) {
        if ((rc = ubur_store_checkpoint(f->s, UBUR_CHECKPOINT_RESTART, 20, &log, &copied, &err)))
            nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    assert_int_equal(rc, 0);
    assert_true(log >= 40);
    assert_int_equal(copied, log);
    /* a bulk load neither replaces nor, at its end, stops the connection's checkpointer */
    ubur_store_bulk_load(f->s, true);
    ubur_store_bulk_load(f->s, false);
    ubur_store_read_begin(reader);
    assert_int_equal(count_rows(reader, "SELECT COUNT(*) FROM t"), 40);
    for (int64_t i = 41; i <= 80; i++)
        assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", i), 1);
    assert_true(restart_due_within(f->s));
    ubur_store_read_end(reader);
    ubur_store_checkpointer_stop(f->s);
    ubur_store_checkpointer_stop(f->s); /* a no-op without one */

    /* the timer alone (no frames trigger): one commit, and within the period a pass runs */
    struct ubur_checkpointer_policy timed = {.every_ms = 20, .passes = 4, .restart_frames = 1};
    assert_int_equal(ubur_store_checkpointer_start(f->s, &timed, &err), 0);
    assert_int_equal(ubur_store_run(f->s, &err, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)81),
                     1);
    assert_true(restart_due_within(f->s));
    ubur_store_close(reader);
    /* closing the connection stops it (the fixture's teardown) */
}

#define CONTRACT(setup_fn)                                                                         \
    cmocka_unit_test_setup_teardown(test_kind, setup_fn, teardown),                                \
        cmocka_unit_test_setup_teardown(test_cache_slot, setup_fn, teardown),                      \
        cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup_fn, teardown),              \
        cmocka_unit_test_setup_teardown(test_migrate_fills_gap, setup_fn, teardown),               \
        cmocka_unit_test_setup_teardown(test_types, setup_fn, teardown),                           \
        cmocka_unit_test_setup_teardown(test_nulls, setup_fn, teardown),                           \
        cmocka_unit_test_setup_teardown(test_identity, setup_fn, teardown),                        \
        cmocka_unit_test_setup_teardown(test_transactions, setup_fn, teardown),                    \
        cmocka_unit_test_setup_teardown(test_read_snapshot, setup_fn, teardown),                   \
        cmocka_unit_test_setup_teardown(test_checkpoint, setup_fn, teardown),                      \
        cmocka_unit_test_setup_teardown(test_checkpoint_many_pages, setup_fn, teardown),           \
        cmocka_unit_test_setup_teardown(test_checkpointer, setup_fn, teardown),                    \
        cmocka_unit_test_setup_teardown(test_conflicts, setup_fn, teardown),                       \
        cmocka_unit_test_setup_teardown(test_failed_statement_aborts_tx, setup_fn, teardown),      \
        cmocka_unit_test_setup_teardown(test_savepoint_recovers, setup_fn, teardown),              \
        cmocka_unit_test_setup_teardown(test_deferred_constraint_fails_commit, setup_fn,           \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_cache_reuse, setup_fn, teardown),                     \
        cmocka_unit_test_setup_teardown(test_nested_same_statement, setup_fn, teardown),           \
        cmocka_unit_test_setup_teardown(test_changes, setup_fn, teardown),                         \
        cmocka_unit_test_setup_teardown(test_dialect_values, setup_fn, teardown),                  \
        cmocka_unit_test_setup_teardown(test_errors, setup_fn, teardown),                          \
        cmocka_unit_test_setup_teardown(test_columns_before_step, setup_fn, teardown),             \
        cmocka_unit_test_setup_teardown(test_queue, setup_fn, teardown),                           \
        cmocka_unit_test_setup_teardown(test_bulk, setup_fn, teardown),                            \
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup_fn, teardown),              \
        cmocka_unit_test_setup_teardown(test_concurrent_migrate, setup_fn, teardown),              \
        cmocka_unit_test_setup_teardown(test_index_defer, setup_fn, teardown)

int
main(void)
{
    const struct CMUnitTest dialect[] = {
        cmocka_unit_test(test_translate_placeholders),
        cmocka_unit_test(test_translate_ddl),
        cmocka_unit_test(test_translate_migrations),
    };
    const struct CMUnitTest sqlite[] = {CONTRACT(setup_sqlite)};
    const struct CMUnitTest pg[] = {
        CONTRACT(setup_pg),
        cmocka_unit_test_setup_teardown(test_reconnect, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_standby, setup_pg, teardown),
    };
    int failed = 0;
    /* tests/run.sh's PostgreSQL pass has run the other groups already */
    const char *only = getenv("UBUR_TEST_PG_ONLY");
    if (!only || strcmp(only, "1") != 0 || !pg_base()) {
        failed += cmocka_run_group_tests_name("dialect", dialect, NULL, NULL);
        failed += cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
    }
    if (pg_base()) {
        failed += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
        fixture_drop_pg_db();
    } else {
        printf("1..1\nok 1 - postgresql # SKIP UBUR_TEST_PG is not set (see tests/pg.sh)\n");
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
