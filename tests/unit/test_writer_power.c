/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power loss, simulated, under the group-commit writer's pipeline
 * (src/app/writer.c): every write it acknowledged must survive a power cut
 * at any moment, checkpoints and log restarts included.
 *
 * A VFS of the test's own ("shadow", registered as SQLite's default before
 * any store opens, so the store's "ubur" VFS wraps it) passes every call to
 * the real one and keeps, per file (the database and its log), the image
 * the disk is known to hold: a write is recorded as pending; a sync, when it
 * returns, applies to the image the writes recorded before it BEGAN (writes
 * during a sync may or may not reach the disk: counted as lost). A power
 * cut is a copy of those images, optionally with a random subset of the
 * pending writes applied (a disk writes back what it likes, in any order),
 * written to new files and opened with plain SQLite: recovery runs, and the
 * test checks the integrity of the database and that every row whose write
 * was acknowledged before the cut is there. A control shows the shadow does
 * drop what was never synced (a commit with synchronous=OFF is lost).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "ubur/store.h"
#include "ubur/writer.h"

/* ---- the shadow VFS ---- */

struct pending {
    int64_t seq;
    int64_t off; /* a truncation to `off` when data is NULL */
    int n;
    unsigned char *data;
    struct pending *next;
};

struct tracked { /* one file by name: its durable image and the writes not yet synced */
    char name[512];
    unsigned char *img;
    size_t len, cap;
    struct pending *head, **tail;
    int64_t last; /* seq of its last pending write */
    struct tracked *next;
};

struct shadow_file {
    sqlite3_file base;
    struct tracked *t; /* NULL: not the database or its log (not tracked) */
    sqlite3_file *real;
};

static pthread_mutex_t sh_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tracked *tracked_files;
static int64_t sh_seq;
static sqlite3_vfs *sh_real;
static sqlite3_vfs sh_vfs;
static sqlite3_io_methods sh_io;
static volatile bool fail_log_syncs; /* every sync of a -wal file fails (test_sync_failure) */

static struct tracked *
tracked_get(const char *name)
{
    for (struct tracked *t = tracked_files; t; t = t->next)
        if (!strcmp(t->name, name))
            return t;
    struct tracked *t = calloc(1, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->tail = &t->head;
    t->next = tracked_files;
    tracked_files = t;
    return t;
}

static void
img_apply(unsigned char **img, size_t *len, size_t *cap, const struct pending *p)
{
    if (!p->data) {
        if ((size_t)p->off < *len)
            *len = (size_t)p->off;
        return;
    }
    size_t end = (size_t)p->off + (size_t)p->n;
    if (end > *cap) {
        size_t c = *cap ? *cap : 65536;
        while (c < end)
            c *= 2;
        *img = realloc(*img, c);
        *cap = c;
    }
    if ((size_t)p->off > *len) /* a hole reads as zeros */
        memset(*img + *len, 0, (size_t)p->off - *len);
    memcpy(*img + p->off, p->data, (size_t)p->n);
    if (end > *len)
        *len = end;
}

static void
record(struct tracked *t, int64_t off, const void *data, int n)
{
    struct pending *p = calloc(1, sizeof(*p));
    p->seq = ++sh_seq;
    p->off = off;
    p->n = n;
    if (data) {
        p->data = malloc((size_t)n);
        memcpy(p->data, data, (size_t)n);
    }
    *t->tail = p;
    t->tail = &p->next;
    t->last = p->seq;
}

static sqlite3_file *
sh_real_file(sqlite3_file *f)
{
    return ((struct shadow_file *)f)->real;
}

static int
sh_close(sqlite3_file *f)
{
    return sh_real_file(f)->pMethods->xClose(sh_real_file(f));
}

static int
sh_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return sh_real_file(f)->pMethods->xRead(sh_real_file(f), buf, n, off);
}

static int
sh_write(sqlite3_file *base, const void *buf, int n, sqlite3_int64 off)
{
    struct shadow_file *f = (struct shadow_file *)base;
    pthread_mutex_lock(&sh_lock);
    int rc = f->real->pMethods->xWrite(f->real, buf, n, off);
    if (rc == SQLITE_OK && f->t)
        record(f->t, off, buf, n);
    pthread_mutex_unlock(&sh_lock);
    return rc;
}

static int
sh_truncate(sqlite3_file *base, sqlite3_int64 size)
{
    struct shadow_file *f = (struct shadow_file *)base;
    pthread_mutex_lock(&sh_lock);
    int rc = f->real->pMethods->xTruncate(f->real, size);
    if (rc == SQLITE_OK && f->t)
        record(f->t, size, NULL, 0);
    pthread_mutex_unlock(&sh_lock);
    return rc;
}

static int
sh_sync(sqlite3_file *base, int flags)
{
    struct shadow_file *f = (struct shadow_file *)base;
    size_t len = f->t ? strlen(f->t->name) : 0;
    if (fail_log_syncs && len > 4 && !strcmp(f->t->name + len - 4, "-wal"))
        return SQLITE_IOERR_FSYNC;
    pthread_mutex_lock(&sh_lock);
    int64_t upto = f->t ? f->t->last : 0; /* what was written before the sync began */
    pthread_mutex_unlock(&sh_lock);
    int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc != SQLITE_OK || !f->t)
        return rc;
    pthread_mutex_lock(&sh_lock);
    struct tracked *t = f->t;
    while (t->head && t->head->seq <= upto) {
        struct pending *p = t->head;
        img_apply(&t->img, &t->len, &t->cap, p);
        t->head = p->next;
        free(p->data);
        free(p);
    }
    if (!t->head)
        t->tail = &t->head;
    pthread_mutex_unlock(&sh_lock);
    return rc;
}

#define SH_PASS(ret, name, params, args)                                                           \
    static ret sh_##name params                                                                    \
    {                                                                                              \
        return sh_real_file(f)->pMethods->x##name args;                                            \
    }
SH_PASS(int, FileSize, (sqlite3_file * f, sqlite3_int64 *s), (sh_real_file(f), s))
SH_PASS(int, Lock, (sqlite3_file * f, int l), (sh_real_file(f), l))
SH_PASS(int, Unlock, (sqlite3_file * f, int l), (sh_real_file(f), l))
SH_PASS(int, CheckReservedLock, (sqlite3_file * f, int *o), (sh_real_file(f), o))
SH_PASS(int, FileControl, (sqlite3_file * f, int op, void *a), (sh_real_file(f), op, a))
SH_PASS(int, SectorSize, (sqlite3_file * f), (sh_real_file(f)))
SH_PASS(int, DeviceCharacteristics, (sqlite3_file * f), (sh_real_file(f)))
SH_PASS(int, ShmMap, (sqlite3_file * f, int r, int s, int e, void volatile **o),
        (sh_real_file(f), r, s, e, o))
SH_PASS(int, ShmLock, (sqlite3_file * f, int o, int n, int fl), (sh_real_file(f), o, n, fl))
SH_PASS(int, ShmUnmap, (sqlite3_file * f, int d), (sh_real_file(f), d))
SH_PASS(int, Fetch, (sqlite3_file * f, sqlite3_int64 o, int n, void **p),
        (sh_real_file(f), o, n, p))
SH_PASS(int, Unfetch, (sqlite3_file * f, sqlite3_int64 o, void *p), (sh_real_file(f), o, p))

static void
sh_ShmBarrier(sqlite3_file *f)
{
    sh_real_file(f)->pMethods->xShmBarrier(sh_real_file(f));
}

static int
sh_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *base, int flags, int *out)
{
    (void)vfs;
    struct shadow_file *f = (struct shadow_file *)base;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    int rc = sh_real->xOpen(sh_real, name, f->real, flags, out);
    if (f->real->pMethods) {
        f->base.pMethods = &sh_io;
        if (rc == SQLITE_OK && name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
            pthread_mutex_lock(&sh_lock);
            f->t = tracked_get(name);
            pthread_mutex_unlock(&sh_lock);
        }
    }
    return rc;
}

static int
sh_delete(sqlite3_vfs *v, const char *n, int d)
{
    (void)v;
    return sh_real->xDelete(sh_real, n, d);
}
static int
sh_access(sqlite3_vfs *v, const char *n, int fl, int *o)
{
    (void)v;
    return sh_real->xAccess(sh_real, n, fl, o);
}
static int
sh_full(sqlite3_vfs *v, const char *n, int k, char *o)
{
    (void)v;
    return sh_real->xFullPathname(sh_real, n, k, o);
}
static int
sh_random(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return sh_real->xRandomness(sh_real, n, o);
}
static int
sh_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return sh_real->xSleep(sh_real, us);
}
static int
sh_time(sqlite3_vfs *v, double *o)
{
    (void)v;
    return sh_real->xCurrentTime(sh_real, o);
}
static int
sh_time64(sqlite3_vfs *v, sqlite3_int64 *o)
{
    (void)v;
    return sh_real->xCurrentTimeInt64(sh_real, o);
}
static int
sh_last_error(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return sh_real->xGetLastError(sh_real, n, o);
}

static void
shadow_register(void)
{
    sh_real = sqlite3_vfs_find(NULL);
    assert_non_null(sh_real);
    sh_io = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = sh_close,
        .xRead = sh_read,
        .xWrite = sh_write,
        .xTruncate = sh_truncate,
        .xSync = sh_sync,
        .xFileSize = sh_FileSize,
        .xLock = sh_Lock,
        .xUnlock = sh_Unlock,
        .xCheckReservedLock = sh_CheckReservedLock,
        .xFileControl = sh_FileControl,
        .xSectorSize = sh_SectorSize,
        .xDeviceCharacteristics = sh_DeviceCharacteristics,
        .xShmMap = sh_ShmMap,
        .xShmLock = sh_ShmLock,
        .xShmBarrier = sh_ShmBarrier,
        .xShmUnmap = sh_ShmUnmap,
        .xFetch = sh_Fetch,
        .xUnfetch = sh_Unfetch,
    };
    sh_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct shadow_file) + sh_real->szOsFile,
        .mxPathname = sh_real->mxPathname,
        .zName = "shadow",
        .xOpen = sh_open,
        .xDelete = sh_delete,
        .xAccess = sh_access,
        .xFullPathname = sh_full,
        .xRandomness = sh_random,
        .xSleep = sh_sleep,
        .xCurrentTime = sh_time,
        .xGetLastError = sh_last_error,
        .xCurrentTimeInt64 = sh_time64,
    };
    assert_int_equal(sqlite3_vfs_register(&sh_vfs, 1), SQLITE_OK);
}

/* Writes what the disk holds after a power cut now: the durable images of `db` and its log,
 * with each pending write also applied when `torn` and a coin says so, as dst and dst-wal. */
static void
power_cut(const char *db, const char *dst, bool torn, unsigned *seed)
{
    char wal[600], dwal[600];
    snprintf(wal, sizeof(wal), "%s-wal", db);
    snprintf(dwal, sizeof(dwal), "%s-wal", dst);
    const char *src[2] = {db, wal}, *out[2] = {dst, dwal};
    unlink(dst);
    unlink(dwal);
    char shm[600];
    snprintf(shm, sizeof(shm), "%s-shm", dst);
    unlink(shm);
    pthread_mutex_lock(&sh_lock);
    for (int i = 0; i < 2; i++) {
        struct tracked *t = NULL;
        for (struct tracked *x = tracked_files; x; x = x->next)
            if (!strcmp(x->name, src[i]))
                t = x;
        if (!t)
            continue;
        size_t len = t->len, cap = t->len;
        unsigned char *img = malloc(cap ? cap : 1);
        memcpy(img, t->img, len);
        for (struct pending *p = t->head; torn && p; p = p->next)
            if (rand_r(seed) % 2)
                img_apply(&img, &len, &cap, p);
        FILE *fp = fopen(out[i], "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(img, 1, len, fp), len);
        fclose(fp);
        free(img);
    }
    pthread_mutex_unlock(&sh_lock);
}

/* ---- the test ---- */

static char dbpath[256], cutpath[256];

/* Forgets what the shadow knew of a file (removed: the next one of that name starts empty). */
static void
tracked_forget(const char *name)
{
    pthread_mutex_lock(&sh_lock);
    for (struct tracked **pt = &tracked_files; *pt; pt = &(*pt)->next) {
        struct tracked *t = *pt;
        if (strcmp(t->name, name))
            continue;
        *pt = t->next;
        for (struct pending *p = t->head, *next; p; p = next) {
            next = p->next;
            free(p->data);
            free(p);
        }
        free(t->img);
        free(t);
        break;
    }
    pthread_mutex_unlock(&sh_lock);
}

static void
remove_db(const char *path)
{
    char p[300];
    unlink(path);
    tracked_forget(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    tracked_forget(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

enum { CLIENTS = 8, MAX_ROWS = 200000 };

static pthread_mutex_t acked_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t acked[MAX_ROWS];
static int nacked;
static int64_t next_id;
static volatile bool stop_clients;
static char client_error[256]; /* a client's failure, reported by the main thread */

struct row {
    int64_t id;
    bool lazy;
};

static int
insert_row(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct row *r = arg;
    char pad[400];
    memset(pad, 'a' + (int)(r->id % 26), sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = 0;
    int64_t n = ubur_store_run(ctx->store, err, "INSERT INTO t (id, k, pad) VALUES (?, ?, ?)",
                               "iit", r->id, (r->id * 7919) % 100003, pad);
    return n < 0 ? (int)n : 0;
}

static void *
client_main(void *arg)
{
    struct ubur_writer *w = arg;
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    ctx.username = "test";
    while (!stop_clients) {
        pthread_mutex_lock(&acked_lock);
        struct row r = {++next_id, false};
        pthread_mutex_unlock(&acked_lock);
        r.lazy = r.id % 5 == 0; /* lazy writes mixed in: not checked, they may be lost */
        struct ubur_error err = UBUR_ERROR_INIT;
        int rc = r.lazy ? ubur_write_lazy(&ctx, insert_row, &r, &err)
                        : ubur_write(&ctx, insert_row, &r, &err);
        if (rc) {
            pthread_mutex_lock(&acked_lock);
            snprintf(client_error, sizeof(client_error), "write %lld: %s", (long long)r.id,
                     err.message);
            pthread_mutex_unlock(&acked_lock);
            break;
        }
        if (!r.lazy) {
            pthread_mutex_lock(&acked_lock);
            if (nacked < MAX_ROWS)
                acked[nacked++] = r.id;
            pthread_mutex_unlock(&acked_lock);
        }
    }
    ubur_arena_release(&ctx.arena);
    return NULL;
}

/* Opens the files a power cut left with plain SQLite and checks them; returns the rows. */
static int64_t
check_cut(int want, const int64_t *ids)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(cutpath, &db, SQLITE_OPEN_READWRITE, "unix"), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM t WHERE id = ?", -1, &st, NULL),
                     SQLITE_OK);
    for (int i = 0; i < want; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int64(st, 0) != 1)
            fail_msg("acknowledged row %lld lost in the power cut (%d acknowledged before it)",
                     (long long)ids[i], want);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    int64_t rows = 0;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM t", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

/*
 * Clients write through the pipelined writer while the checkpointer copies the log back every
 * 50 ms and the writer restarts the log once it holds 32 frames; meanwhile the power is cut again
 * and again. Every cut keeps every row acknowledged before it.
 */
static void
test_power_cut_keeps_acknowledged(void **state)
{
    (void)state;
    remove_db(dbpath);
    struct ubur_store *s;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    assert_int_equal(ubur_store_exec(s,
                                     "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, pad TEXT);"
                                     " CREATE INDEX t_k ON t (k)",
                                     NULL),
                     0);
    ubur_store_close(s);
    setenv("UBUR_WAL_RESTART_FRAMES", "32", 1);
    setenv("UBUR_WRITER_CHECKPOINT_MS", "50", 1);
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    unsetenv("UBUR_WAL_RESTART_FRAMES");
    unsetenv("UBUR_WRITER_CHECKPOINT_MS");
    stop_clients = false;
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client_main, w);
    unsigned seed = 12345;
    int cuts = 0;
    int64_t *ids = malloc(sizeof(int64_t) * MAX_ROWS);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t ms = 0;
    struct ubur_writer_stats st;
    do {
        struct timespec pause = {0, (long)(rand_r(&seed) % 3000) * 1000};
        nanosleep(&pause, NULL);
        /* the rows acknowledged before the cut: read first, then the disk's images */
        pthread_mutex_lock(&acked_lock);
        int want = nacked;
        memcpy(ids, acked, sizeof(int64_t) * (size_t)want);
        pthread_mutex_unlock(&acked_lock);
        power_cut(dbpath, cutpath, cuts % 2 == 1, &seed);
        check_cut(want, ids);
        cuts++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        ubur_writer_stats(w, &st);
    } while (ms < 2500 || ((st.restarts < 2 || st.syncs < 10) && ms < 30000));
    stop_clients = true;
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    if (client_error[0])
        fail_msg("%s", client_error);
    ubur_writer_stats(w, &st);
    /* the pipeline ran: syncs apart from commits, shared by several batches; the log restarted */
    assert_true(st.syncs > 0);
    assert_true(st.syncs <= st.batches);
    assert_true(st.restarts >= 2);
    /* once the writer is closed, everything acknowledged survives a cut */
    ubur_writer_close(w);
    power_cut(dbpath, cutpath, false, &seed);
    assert_true(check_cut(nacked, acked) >= nacked);
    print_message(
        "%d power cuts, %d acknowledged writes, %lld batches, %lld syncs, %lld restarts\n", cuts,
        nacked, (long long)st.batches, (long long)st.syncs, (long long)st.restarts);
    free(ids);
    remove_db(dbpath);
    remove_db(cutpath);
}

/* The control: a commit that was never synced (synchronous=OFF) is lost in a cut, so the shadow
 * does drop unsynced writes and the test above could fail. */
static void
test_power_cut_drops_unsynced(void **state)
{
    (void)state;
    remove_db(dbpath);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK); /* the shadow: the default VFS */
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  " CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, pad TEXT);"
                                  " INSERT INTO t (id) VALUES (1); PRAGMA synchronous=OFF;"
                                  " INSERT INTO t (id) VALUES (2);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    unsigned seed = 1;
    power_cut(dbpath, cutpath, false, &seed);
    int64_t one = 1;
    assert_int_equal(check_cut(1, &one), 1); /* row 1 synced, row 2 not */
    sqlite3_close(db);
    remove_db(dbpath);
    remove_db(cutpath);
}

/*
 * A sync of the log that fails is sticky: the write waiting for it fails, and so does every
 * write after it, even once syncs work again (the pages that failed may be lost for good).
 */
static void
test_sync_failure_is_sticky(void **state)
{
    (void)state;
    remove_db(dbpath);
    struct ubur_store *s;
    assert_int_equal(ubur_store_open(&s, dbpath, NULL), 0);
    assert_int_equal(
        ubur_store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, pad TEXT)", NULL),
        0);
    ubur_store_close(s);
    struct ubur_writer *w;
    assert_int_equal(ubur_writer_open(&w, dbpath, 0, NULL), 0);
    struct ubur_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.writer = w;
    ctx.username = "test";
    struct ubur_error err = UBUR_ERROR_INIT;
    struct row r = {1, false};
    assert_int_equal(ubur_write(&ctx, insert_row, &r, &err), 0);
    fail_log_syncs = true;
    r.id = 2;
    assert_int_equal(ubur_write(&ctx, insert_row, &r, &err), UBUR_ESTORE);
    assert_non_null(strstr(err.message, "sync"));
    fail_log_syncs = false;
    r.id = 3;
    err = (struct ubur_error)UBUR_ERROR_INIT;
    assert_int_equal(ubur_write(&ctx, insert_row, &r, &err), UBUR_ESTORE);
    r.id = 4;
    assert_int_equal(ubur_write_lazy(&ctx, insert_row, &r, &err), UBUR_ESTORE);
    ubur_writer_close(w);
    ubur_arena_release(&ctx.arena);
    remove_db(dbpath);
}

int
main(void)
{
    shadow_register(); /* before any store opens: the "ubur" VFS wraps the default it finds */
    snprintf(dbpath, sizeof(dbpath), "/tmp/ubur-test-power-%d.db", (int)getpid());
    snprintf(cutpath, sizeof(cutpath), "/tmp/ubur-test-power-%d-cut.db", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_cut_drops_unsynced),
        cmocka_unit_test(test_power_cut_keeps_acknowledged),
        cmocka_unit_test(test_sync_failure_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
