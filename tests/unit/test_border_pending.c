/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the checks a process keeps in memory for their confirmation
 * (src/app/border_pending.c) on a real SQLite file and writer: a queued check
 * is found while its row is held and remembered once committed; a claim
 * withdraws the held insert, or (not held, as on PostgreSQL) makes the queued
 * one write nothing; a check too old is not remembered even when its hold ends;
 * a remembered check expires, leaves the full table oldest first, and is taken
 * once. The not-held cases run in a child process, since the hold is read from
 * the environment once.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "app/border_impl.h"
#include "store_fixture.h"
#include "ubur/writer.h"

#define HOLD_MS 300       /* UBUR_BORDER_CHECK_HOLD_MS here */
#define REMEMBER_MAX 4096 /* border_pending.c */

static char dbpath[64];
static struct ubur_writer *writer;
static struct ubur_ctx ctx; /* a request's: its own store, the writer */

static int
open_db(void **state)
{
    (void)state;
    struct ubur_store *s;
    snprintf(dbpath, sizeof(dbpath), "/tmp/ubur-border-pending-%d.db", (int)getpid());
    unlink_sqlite(dbpath);
    if (ubur_store_open(&s, dbpath, NULL) || ubur_store_migrate(s, NULL) ||
        ubur_store_exec(s,
                        "INSERT INTO crossing_points (id, name, state, governorate, created_at)"
                        " VALUES ('x1', 'X', 'SYR', 'Damascus', '2026-01-01T00:00:00Z')",
                        NULL))
        return -1;
    ubur_store_close(s);
    memset(&ctx, 0, sizeof(ctx));
    if (ubur_store_open(&ctx.store, dbpath, NULL) || ubur_writer_open(&writer, dbpath, 0, NULL))
        return -1;
    ctx.writer = writer;
    ctx.username = "officer";
    return 0;
}

static int
close_db(void **state)
{
    (void)state;
    ubur_writer_close(writer);
    ubur_store_close(ctx.store);
    unlink_sqlite(dbpath);
    return 0;
}

/* A single check's row, made age_s seconds ago. */
struct test_row {
    char id[UBUR_UUID_LEN + 1];
    char created[UBUR_TIME_LEN + 1];
    struct check_row row;
};

static void
make_row(struct test_row *t, const char *decision, int64_t age_s)
{
    ubur_uuid7(t->id);
    ubur_time_format(ubur_now() - age_s, t->created);
    t->row = (struct check_row){
        .id = t->id,
        .crossing_id = "x1",
        .state = "SYR",
        .direction = "entry",
        .at = t->created,
        .document_number = "N1234567",
        .nationality = "JOR",
        .basis = "visa_free",
        .decision = decision,
        .reasons = "[{\"code\":\"ok\"}]",
        .result = "{\"id\":\"x\"}",
        .officer = "officer",
        .created_at = t->created,
    };
}

/* The status of check id's row, "" when it has none. */
static void
row_status(const char *id, char out[16])
{
    char *st = NULL;
    out[0] = '\0';
    ubur_store_read_end(ctx.store);
    if (!ubur_store_query_text(ctx.store, NULL, &st,
                               "SELECT status FROM border_checks WHERE id = ?", "t", id))
        snprintf(out, 16, "%s", st);
    free(st);
}

/* Waits until check id is no longer queued (its hook has run); false after 3 s. */
static bool
wait_committed(const char *id)
{
    char state[4];
    for (int i = 0; i < 300; i++) {
        char *r = ubur_border_check_queued(id, state);
        free(r);
        if (!r)
            return true;
        usleep(10000);
    }
    return false;
}

static bool
take(const char *id, struct stored_check *c)
{
    bool found = ubur_border_check_take(id, c);
    if (found)
        free(c->reasons);
    return found;
}

static int
insert_recorded(struct ubur_ctx *c, void *arg, struct ubur_error *err)
{
    struct check_row row = *(const struct check_row *)arg;
    row.record_id = "r1";
    return ubur_border_check_insert(c->store, &row, err);
}

/* Held: found while held, written when its hold ends, then remembered and taken once. */
static void
test_held_then_remembered(void **state)
{
    (void)state;
    struct test_row t;
    struct stored_check c;
    char status[16], st[4];
    make_row(&t, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &t.row, NULL), 0);
    char *result = ubur_border_check_queued(t.id, st);
    assert_non_null(result);
    assert_string_equal(result, "{\"id\":\"x\"}");
    assert_string_equal(st, "SYR");
    free(result);
    assert_true(ubur_border_check_take(t.id, &c));
    assert_true(c.queued && !c.remembered);
    assert_string_equal(c.decision, "admit");
    assert_string_equal(c.status, "pending");
    assert_string_equal(c.reasons, "[{\"code\":\"ok\"}]");
    free(c.reasons);
    row_status(t.id, status);
    assert_string_equal(status, ""); /* held */
    assert_true(take(t.id, &c));     /* still queued: a take leaves it */
    assert_true(wait_committed(t.id));
    row_status(t.id, status);
    assert_string_equal(status, "pending");
    assert_true(ubur_border_check_take(t.id, &c));
    assert_true(c.remembered && !c.queued);
    assert_string_equal(c.created_at, t.created);
    free(c.reasons);
    assert_false(take(t.id, &c)); /* once */
}

/* Claimed while held: the held insert is withdrawn, the claimant's job writes the row. */
static void
test_held_claimed(void **state)
{
    (void)state;
    struct test_row t, u;
    struct stored_check c;
    char status[16];
    make_row(&t, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &t.row, NULL), 0);
    const struct check_row *row = ubur_border_check_claim(t.id);
    assert_non_null(row);
    assert_null(ubur_border_check_claim(t.id));
    assert_true(ubur_border_check_take(t.id, &c)); /* visible until released */
    assert_true(c.queued);
    free(c.reasons);
    assert_int_equal(ubur_write(&ctx, insert_recorded, (void *)row, NULL), 0);
    ubur_border_check_release(&ctx, row, true);
    assert_false(take(t.id, &c));
    usleep((HOLD_MS + 200) * 1000);
    row_status(t.id, status);
    assert_string_equal(status, "recorded"); /* and not inserted again */
    /* A claimant that failed: the release writes the row pending; not remembered. */
    make_row(&u, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &u.row, NULL), 0);
    row = ubur_border_check_claim(u.id);
    assert_non_null(row);
    ubur_border_check_release(&ctx, row, false);
    row_status(u.id, status);
    assert_string_equal(status, "pending");
    assert_false(take(u.id, &c));
}

/* A queued check is found however old; once committed, one too old is not remembered. */
static void
test_expiry_while_held(void **state)
{
    (void)state;
    struct test_row t;
    struct stored_check c;
    char status[16];
    make_row(&t, "admit", 61); /* past the shortest time to live */
    assert_int_equal(ubur_border_check_queue(&ctx, &t.row, NULL), 0);
    usleep(HOLD_MS / 2 * 1000);
    assert_true(take(t.id, &c));
    assert_true(wait_committed(t.id));
    row_status(t.id, status);
    assert_string_equal(status, "pending");
    assert_false(take(t.id, &c));
}

/* Remembered until the shortest time to live is near: taken fresh, not after. */
static void
test_take_after_expiry(void **state)
{
    (void)state;
    struct test_row a, b;
    struct stored_check c;
    make_row(&a, "admit", 57); /* one or two seconds left */
    make_row(&b, "admit", 57);
    ubur_border_check_remember(&a.row);
    ubur_border_check_remember(&b.row);
    assert_true(take(a.id, &c));
    usleep(2100 * 1000);
    assert_false(take(b.id, &c));
    assert_false(take(b.id, &c));
}

/* Never a refusal, a group's check or a recorded one. */
static void
test_not_remembered(void **state)
{
    (void)state;
    struct test_row t;
    struct stored_check c;
    make_row(&t, "refuse", 0);
    ubur_border_check_remember(&t.row);
    assert_false(take(t.id, &c));
    make_row(&t, "admit", 0);
    t.row.group_id = "g1";
    ubur_border_check_remember(&t.row);
    assert_false(take(t.id, &c));
    make_row(&t, "admit", 0);
    t.row.record_id = "r1";
    ubur_border_check_remember(&t.row);
    assert_false(take(t.id, &c));
    make_row(&t, "refer", 0);
    ubur_border_check_remember(&t.row);
    assert_true(take(t.id, &c));
}

/* A full table: each new check pushes the oldest out. */
static void
test_full_table_eviction(void **state)
{
    (void)state;
    enum { N = REMEMBER_MAX + 1 };
    struct test_row *t = calloc(N, sizeof(*t));
    struct stored_check c;
    for (int i = 0; i < N; i++) {
        make_row(&t[i], "admit", 0);
        ubur_border_check_remember(&t[i].row);
    }
    assert_false(take(t[0].id, &c));
    assert_true(take(t[1].id, &c));
    assert_true(take(t[N - 1].id, &c));
    free(t);
}

/* ---- not held (as on PostgreSQL), in a child process ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate; /* 1: the writer is inside block_writer; 2: let it go */

static int
block_writer(struct ubur_ctx *c, void *arg, struct ubur_error *err)
{
    (void)c, (void)arg, (void)err;
    pthread_mutex_lock(&gate_lock);
    gate = 1;
    pthread_cond_broadcast(&gate_cond);
    while (gate != 2)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    return 0;
}

static void *
blocker_main(void *arg)
{
    (void)arg;
    struct ubur_ctx own;
    memset(&own, 0, sizeof(own));
    own.writer = writer;
    ubur_write(&own, block_writer, NULL, NULL);
    return NULL;
}

/* Holds the writer busy until writer_go, so that what is queued meanwhile has not begun. */
static pthread_t
writer_stop(void)
{
    pthread_t th;
    gate = 0;
    pthread_create(&th, NULL, blocker_main, NULL);
    pthread_mutex_lock(&gate_lock);
    while (gate != 1)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    return th;
}

static void
writer_go(pthread_t th)
{
    pthread_mutex_lock(&gate_lock);
    gate = 2;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    pthread_join(th, NULL);
}

/* Claimed while queued: the queued insert writes nothing, whether released before or after it. */
static void
test_queued_claimed(void **state)
{
    (void)state;
    struct test_row t, u;
    struct stored_check c;
    char status[16];
    pthread_t th = writer_stop();
    make_row(&t, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &t.row, NULL), 0);
    const struct check_row *row = ubur_border_check_claim(t.id);
    assert_non_null(row);
    ubur_border_check_release(&ctx, row, true); /* before the insert has run */
    assert_false(take(t.id, &c));
    writer_go(th);
    assert_int_equal(ubur_write_barrier(&ctx, NULL), 0);
    row_status(t.id, status);
    assert_string_equal(status, ""); /* its claimant wrote nothing either, here */

    th = writer_stop();
    make_row(&u, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &u.row, NULL), 0);
    row = ubur_border_check_claim(u.id);
    assert_non_null(row);
    writer_go(th);
    assert_int_equal(ubur_write_barrier(&ctx, NULL), 0); /* the insert's hook has run */
    ubur_border_check_release(&ctx, row, false);         /* after it: written pending now */
    row_status(u.id, status);
    assert_string_equal(status, "pending");
    assert_false(take(u.id, &c));
}

/* Not held: committed with the next batch, then remembered. */
static void
test_queued_then_remembered(void **state)
{
    (void)state;
    struct test_row t;
    struct stored_check c;
    make_row(&t, "admit", 0);
    assert_int_equal(ubur_border_check_queue(&ctx, &t.row, NULL), 0);
    assert_true(wait_committed(t.id));
    assert_true(ubur_border_check_take(t.id, &c));
    assert_true(c.remembered);
    free(c.reasons);
}

int
main(void)
{
    const struct CMUnitTest unheld[] = {
        cmocka_unit_test(test_queued_claimed),
        cmocka_unit_test(test_queued_then_remembered),
    };
    const struct CMUnitTest held[] = {
        cmocka_unit_test(test_held_then_remembered), cmocka_unit_test(test_held_claimed),
        cmocka_unit_test(test_expiry_while_held),    cmocka_unit_test(test_take_after_expiry),
        cmocka_unit_test(test_not_remembered),       cmocka_unit_test(test_full_table_eviction),
    };
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("UBUR_BORDER_CHECK_HOLD_MS", "0", 1);
        return cmocka_run_group_tests_name("border_pending, not held", unheld, open_db, close_db);
    }
    int status = 1;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    char ms[16];
    snprintf(ms, sizeof(ms), "%d", HOLD_MS);
    setenv("UBUR_BORDER_CHECK_HOLD_MS", ms, 1);
    int failed = cmocka_run_group_tests_name("border_pending, held", held, open_db, close_db);
    return failed || !WIFEXITED(status) || WEXITSTATUS(status) ? 1 : 0;
}
