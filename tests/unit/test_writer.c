/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the group-commit writer (src/app/writer.c) on a real
 * SQLite file: every acknowledged write is in the database, many callers
 * share few commits, a failing write is undone alone, the inline path (no
 * writer) behaves the same, and closing commits what is queued.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "ubur/writer.h"

static char dbpath[256];

static void
fresh_db(void)
{
    snprintf(dbpath, sizeof(dbpath), "/tmp/ubur-test-writer-%d.db", (int)getpid());
    unlink(dbpath);
    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", dbpath);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", dbpath);
    unlink(wal);
    struct ubur_store *s;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    assert_int_equal(ubur_store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)", NULL),
                     0);
    ubur_store_close(s);
}

static int64_t
count_rows(const char *where)
{
    struct ubur_store *s;
    int64_t n = -1;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    if (!where)
        assert_int_equal(ubur_store_query_int(s, NULL, &n, "SELECT COUNT(*) FROM t", ""), 0);
    else
        assert_int_equal(
            ubur_store_query_int(s, NULL, &n, "SELECT COUNT(*) FROM t WHERE who = ?", "t", where),
            0);
    ubur_store_close(s);
    return n;
}

struct row {
    int64_t id;
    const char *who;
    bool fail;
};

static int
insert_row(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct row *r = arg;
    int64_t n = ubur_store_run(ctx->store, err, "INSERT INTO t (id, who) VALUES (?, ?)", "it",
                               r->id, r->who);
    if (n < 0)
        return (int)n;
    if (r->fail) /* after writing: the savepoint must undo it */
        return ubur_error_set(err, UBUR_ECONFLICT, "row %lld refused", (long long)r->id);
    return 0;
}

#define EACH_ROWS 100 /* rows per worker in test_group_commit_many_callers */

struct worker {
    struct ubur_writer *w;
    int first, n;
    int failed;
};

static void *
worker_main(void *arg)
{
    struct worker *wk = arg;
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = wk->w;
    ctx.username = "test";
    for (int i = 0; i < wk->n; i++) {
        struct row r = {wk->first + i, "worker", (wk->first + i) % 10 == 7};
        struct ubur_error err = UBUR_ERROR_INIT;
        /* Half the callers write lazily: mixed batches commit durably, all commit. */
        int rc = wk->first / EACH_ROWS % 2 ? ubur_write_lazy(&ctx, insert_row, &r, &err)
                                           : ubur_write(&ctx, insert_row, &r, &err);
        if (r.fail) {
            if (rc != UBUR_ECONFLICT || strstr(err.message, "refused") == NULL)
                wk->failed++;
        } else if (rc != 0) {
            wk->failed++;
        }
    }
    ubur_arena_release(&ctx.arena);
    return NULL;
}

static void
test_group_commit_many_callers(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    enum { THREADS = 16, EACH = EACH_ROWS };
    pthread_t th[THREADS];
    struct worker wk[THREADS];
    for (int i = 0; i < THREADS; i++) {
        wk[i] = (struct worker){w, 1 + i * EACH, EACH, 0};
        pthread_create(&th[i], NULL, worker_main, &wk[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(wk[i].failed, 0);
    }
    struct ubur_writer_stats st;
    ubur_writer_stats(w, &st);
    ubur_writer_close(w);
    /* Every acknowledged row is there; every refused one is not. */
    assert_int_equal(count_rows(NULL), THREADS * EACH - THREADS * EACH / 10);
    assert_int_equal(st.jobs, THREADS * EACH);
    assert_int_equal(st.failed, THREADS * EACH / 10);
    /* Callers shared commits: fewer transactions than writes. */
    assert_true(st.batches < st.jobs);
    assert_true(st.largest_batch > 1);
    /* pipelined (SQLite): every durable batch's sync was apart from its commit, one sync
     * covering one or more batches */
    assert_true(st.syncs > 0 && st.syncs <= st.batches);
    unlink(dbpath);
}

static void
test_inline_without_writer(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(ubur_store_open(&ctx.store, dbpath, NULL), 0);
    struct row ok = {1, "inline", false}, bad = {2, "inline", true};
    assert_int_equal(ubur_write(&ctx, insert_row, &ok, NULL), 0);
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_write(&ctx, insert_row, &bad, &err), UBUR_ECONFLICT);
    assert_false(ubur_store_in_tx(ctx.store));
    /* Inside an open transaction ubur_write refuses: it could not promise durability. */
    assert_int_equal(ubur_store_begin(ctx.store, NULL), 0);
    assert_int_equal(ubur_write(&ctx, insert_row, &ok, NULL), UBUR_EINTERNAL);
    ubur_store_rollback(ctx.store);
    ubur_store_close(ctx.store);
    assert_int_equal(count_rows("inline"), 1);
    unlink(dbpath);
}

/*
 * A lazy write is committed when it returns (another connection sees it);
 * a durable write after it commits with synchronous=FULL again, and both
 * are there after the writer closes. Without a writer it commits inline.
 */
static void
test_lazy_writes(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    struct row a = {20, "lazy", false}, b = {21, "durable", false}, c = {22, "lazy", true};
    assert_int_equal(ubur_write_lazy(&ctx, insert_row, &a, NULL), 0);
    assert_int_equal(count_rows("lazy"), 1);
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_write_lazy(&ctx, insert_row, &c, &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_write(&ctx, insert_row, &b, NULL), 0);
    assert_int_equal(count_rows("durable"), 1);
    ubur_writer_close(w);
    assert_int_equal(count_rows(NULL), 2);
    ctx.writer = NULL;
    struct ubur_store *s;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    ctx.store = s;
    struct row d = {23, "inline", false};
    assert_int_equal(ubur_write_lazy(&ctx, insert_row, &d, NULL), 0);
    ubur_store_close(s);
    assert_int_equal(count_rows("inline"), 1);
    unlink(dbpath);
}

static void
test_constraint_failure_is_isolated(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 4, NULL), 0);
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    struct row a = {10, "dup", false};
    assert_int_equal(ubur_write(&ctx, insert_row, &a, NULL), 0);
    /* A duplicate key is a store error inside the job: only that job fails. */
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_write(&ctx, insert_row, &a, &err), UBUR_ECONFLICT);
    struct row b = {11, "dup", false};
    assert_int_equal(ubur_write(&ctx, insert_row, &b, NULL), 0);
    ubur_writer_close(w);
    assert_int_equal(count_rows("dup"), 2);
    unlink(dbpath);
}

/* A detached write's done hook: counts calls and keeps the last code. */
struct detached {
    struct row row; /* first: the job's arg is also insert_row's */
    struct ubur_ctx ctx;
    pthread_mutex_t *lock;
    int *calls, rc;
};

static void
detached_done(void *arg, int rc, const struct ubur_error *err)
{
    struct detached *d = arg;
    (void)err;
    usleep(20000); /* a slow hook: the batch's waiting callers must still wait for it */
    pthread_mutex_lock(d->lock);
    (*d->calls)++;
    d->rc = rc;
    pthread_mutex_unlock(d->lock);
}

/* n detached writes of rows first, first+1, ... tagged tag, their hooks counting under lock. */
static void
detached_init(struct detached *d, int n, int first, const char *tag, pthread_mutex_t *lock,
              int *calls)
{
    memset(d, 0, sizeof(*d) * (size_t)n);
    for (int i = 0; i < n; i++) {
        d[i].row = (struct row){first + i, tag, false};
        d[i].lock = lock;
        d[i].calls = calls;
        d[i].rc = 1;
    }
}

/*
 * A detached write returns at once; a write queued after it (waited for)
 * sees it, since jobs run in queue order; its hook reports success or the
 * job's failure once its batch is done, before that write's caller wakes;
 * closing applies what is queued.
 */
static void
test_detached_writes(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int calls = 0;
    struct detached d[3];
    detached_init(d, 3, 30, "detached", &lock, &calls);
    d[1].row.id = 30; /* a duplicate: fails alone */
    for (int i = 0; i < 3; i++)
        assert_int_equal(ubur_write_detached(w, &d[i].ctx, insert_row, &d[i], detached_done, NULL),
                         0);
    /* Queued behind them: when it is acknowledged, they have been applied. */
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    struct row after = {40, "after", false};
    assert_int_equal(ubur_write(&ctx, insert_row, &after, NULL), 0);
    assert_int_equal(count_rows("detached"), 2);
    pthread_mutex_lock(&lock);
    int hooks_run = calls;
    pthread_mutex_unlock(&lock);
    assert_int_equal(hooks_run, 3);
    /* Alone, a detached job is held a little for company, then committed all the same. */
    struct detached alone;
    memset(&alone, 0, sizeof(alone));
    alone.row = (struct row){50, "alone", false};
    alone.lock = &lock;
    alone.calls = &calls;
    assert_int_equal(ubur_write_detached(w, &alone.ctx, insert_row, &alone, detached_done, NULL),
                     0);
    for (int i = 0; i < 200 && count_rows("alone") == 0; i++)
        usleep(5000);
    assert_int_equal(count_rows("alone"), 1);
    ubur_writer_close(w);
    assert_int_equal(calls, 4);
    assert_int_equal(d[0].rc, 0);
    assert_int_equal(d[1].rc, UBUR_ECONFLICT);
    assert_int_equal(d[2].rc, 0);
    unlink(dbpath);
}

/*
 * A held write joins the queue only when due: a write queued after it runs first; one withdrawn
 * in time never runs (no hook); one still held when the writer closes is written then.
 */
static void
test_held_writes(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int calls = 0;
    struct detached d[3];
    struct ubur_write_job *job[3];
    detached_init(d, 3, 60, "held", &lock, &calls);
    assert_int_equal(
        ubur_write_held(w, &d[0].ctx, insert_row, &d[0], detached_done, 150, &job[0], NULL), 0);
    assert_int_equal(
        ubur_write_held(w, &d[1].ctx, insert_row, &d[1], detached_done, 100, &job[1], NULL), 0);
    assert_int_equal(
        ubur_write_held(w, &d[2].ctx, insert_row, &d[2], detached_done, 60000, &job[2], NULL), 0);
    /* Queued after them, written before them: they are held. */
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    struct row after = {70, "after", false};
    assert_int_equal(ubur_write(&ctx, insert_row, &after, NULL), 0);
    assert_int_equal(count_rows("held"), 0);
    /* Withdrawn in time: never runs. */
    assert_true(ubur_write_withdraw(w, job[0]));
    for (int i = 0; i < 200 && count_rows("held") == 0; i++)
        usleep(5000);
    assert_int_equal(count_rows("held"), 1); /* d[1], due after 100 ms */
    assert_false(ubur_write_withdraw(w, NULL));
    int hooks_run = 0;
    for (int i = 0; i < 200 && hooks_run == 0; i++) { /* the hook runs after the commit */
        usleep(5000);
        pthread_mutex_lock(&lock);
        hooks_run = calls;
        pthread_mutex_unlock(&lock);
    }
    assert_int_equal(hooks_run, 1);
    /* d[2] is due in a minute: closing writes it now. */
    ubur_writer_close(w);
    assert_int_equal(calls, 2);
    assert_int_equal(d[0].rc, 1); /* its hook never ran */
    assert_int_equal(d[1].rc, 0);
    assert_int_equal(d[2].rc, 0);
    assert_int_equal(count_rows("held"), 2);
    unlink(dbpath);
}

struct reader {
    volatile bool stop;
    int64_t reads;
};

/* Reads t in short snapshots, one after another, until told to stop: a server's readers. */
static void *
reader_main(void *arg)
{
    struct reader *rd = arg;
    struct ubur_store *s;
    if (ubur_store_open(&s, dbpath, NULL))
        return NULL;
    while (!rd->stop) {
        int64_t n = 0;
        ubur_store_read_begin(s);
        ubur_store_query_int(s, NULL, &n, "SELECT COUNT(*) FROM t", "");
        ubur_store_read_end(s);
        rd->reads++;
        struct timespec pause = {0, 200000}; /* the next request */
        nanosleep(&pause, NULL);
    }
    ubur_store_close(s);
    return NULL;
}

/*
 * Under reads that never stop, SQLite alone never starts the log again (a write restarts it
 * only when no reader is on it), so it grows with every commit. The writer restarts it between
 * batches after the checkpointer's passive checkpoints (here once the log has 64 frames): it
 * happens within seconds of commits, the log then holds fewer frames than there were commits,
 * and every row is there.
 */
static void
test_log_restarted_under_reads(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_writer *w;
    setenv("UBUR_WAL_RESTART_FRAMES", "64", 1); /* this test's log is short */
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    unsetenv("UBUR_WAL_RESTART_FRAMES");
    struct reader rd = {false, 0};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, reader_main, &rd);
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    ctx.username = "test";
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t id = 0, ms = 0;
    struct ubur_writer_stats st;
    do { /* until the log was restarted, at most 20 s (a loaded machine) */
        struct row r = {++id, "restart", false};
        assert_int_equal(ubur_write(&ctx, insert_row, &r, NULL), 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        ubur_writer_stats(w, &st);
    } while (st.restarts < 1 && ms < 20000);
    /* a few more commits after the restart: the log starts again, not grows */
    for (int i = 0; i < 5; i++) {
        struct row r = {++id, "restart", false};
        assert_int_equal(ubur_write(&ctx, insert_row, &r, NULL), 0);
    }
    ubur_writer_stats(w, &st);
    rd.stop = true;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_true(rd.reads > 0);
    assert_true(st.restarts >= 1);
    assert_true(st.restart_us_max >= 0 && st.restart_us >= st.restart_us_max);
    /* the log's frames now, while the writer still has it open */
    struct ubur_store *s;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    int log = 0;
    assert_int_equal(ubur_store_checkpoint(s, UBUR_CHECKPOINT_PASSIVE, 0, &log, NULL, NULL), 0);
    ubur_store_close(s);
    assert_true(log < st.batches);
    ubur_writer_close(w);
    ubur_arena_release(&ctx.arena);
    assert_int_equal(count_rows("restart"), id);
    unlink(dbpath);
}

/*
 * The barrier (an answer built on reading a write): returns once what was committed before it
 * is synced; pipelined, that takes a sync of its own after a lazy write (which has none).
 */
static void
test_barrier(void **state)
{
    (void)state;
    fresh_db();
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.username = "test";
    assert_int_equal(ubur_write_barrier(&ctx, NULL), 0); /* no writer: nothing to wait for */
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    ctx.writer = w;
    struct row r = {1, "lazy", false};
    assert_int_equal(ubur_write_lazy(&ctx, insert_row, &r, NULL), 0);
    struct ubur_writer_stats before, after;
    ubur_writer_stats(w, &before);
    assert_int_equal(ubur_write_barrier(&ctx, NULL), 0);
    ubur_writer_stats(w, &after);
    assert_true(after.jobs == before.jobs + 1);
    assert_true(after.syncs > before.syncs);
    ubur_writer_close(w);
    ubur_arena_release(&ctx.arena);
    assert_int_equal(count_rows("lazy"), 1);
    unlink(dbpath);
}

static void
test_open_fails_cleanly(void **state)
{
    (void)state;
    struct ubur_writer *w = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_not_equal(ubur_writer_open(&w, "/nonexistent-dir/x/y.db", 0, &err), 0);
    assert_null(w);
    ubur_writer_close(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_commit_many_callers),
        cmocka_unit_test(test_inline_without_writer),
        cmocka_unit_test(test_lazy_writes),
        cmocka_unit_test(test_constraint_failure_is_isolated),
        cmocka_unit_test(test_detached_writes),
        cmocka_unit_test(test_held_writes),
        cmocka_unit_test(test_log_restarted_under_reads),
        cmocka_unit_test(test_barrier),
        cmocka_unit_test(test_open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
