/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The group-commit writer (include/ubur/writer.h has the picture). One
 * mutex guards the queue; `wake` tells the writer thread there is work or
 * that it must stop; each waited job has its own semaphore, posted when it
 * is done, so finishing a batch wakes only that batch's callers (a
 * broadcast woke every waiting request thread, most of them to go back to
 * sleep), and a caller woken need not take the writer's mutex back (a
 * condition on it did, while the writer or syncer still held it).
 * Jobs live on their callers' stacks: a caller never returns before its
 * job is marked done, and the writer never touches a job after marking it.
 * A detached job (ubur_write_detached) has no caller waiting: the writer
 * allocated it, calls its done hook after the batch, outside the lock, and
 * frees it. A held job (ubur_write_held) is a detached job kept in a list of
 * its own, by due time, until it is due (the writer's waits end at the
 * first due time) or the writer closes; then it joins the queue's end. A
 * held job withdrawn first (ubur_write_withdraw) is freed and never runs.
 *
 * Invariant: a job is marked done with rc == 0 only after the COMMIT that
 * contains it has returned success and, for a durable job, only once the
 * batch is on disk, so an acknowledged write is durable, exactly as when
 * every commit synced its log itself (synchronous=FULL); a lazy job
 * (ubur_write_lazy) is committed, and durable with the next durable commit.
 *
 * The pipeline (SQLite). A commit is two things in a row: the statements
 * and the log's writes (CPU), then the fdatasync of the log (the disk).
 * Done one after the other by one thread, the writer sat idle in the sync
 * while requests queued, and the machine was 30% idle flat out. So the
 * writer's connection defers its syncs (ubur_store_defer_sync: its COMMIT
 * returns once the frames are written and visible, not synced) and a second
 * thread, the syncer, syncs the log (ubur_store_sync_log) while the writer
 * runs the next batch. Batches are numbered; `committed` is the last batch
 * whose COMMIT has returned. The syncer reads `committed` before it starts
 * an fdatasync and, when that returns, marks done every durable job of the
 * batches up to that number: a durable job is marked done only after an
 * fdatasync of the log that BEGAN after its batch's COMMIT returned. One
 * sync covers every batch committed before it began (the log is written in
 * order), so while a sync runs the next batches commit and the next sync
 * covers them all. Lazy and detached jobs are done at their COMMIT, as
 * before. A commit is visible to readers before its sync: a power cut can
 * lose it only with every commit after it, none of them acknowledged yet;
 * an answer built on reading such a commit rather than writing it (a
 * confirmation replayed) waits for it with ubur_write_barrier.
 * docs/internals/store.md says why this is as safe as synchronous=FULL,
 * checkpoints and log restarts included. A sync that fails is sticky: the
 * pages it was to write may be lost and marked clean by the kernel, so no
 * later sync could prove them written; every job waiting for it, and every
 * job after it, fails (nothing more is acknowledged; restart the server).
 * PostgreSQL (synchronous_commit on) has no deferred sync: its COMMIT
 * returns durable and the syncer is not started.
 *
 * On SQLite the writer's connection does not checkpoint the WAL itself: a
 * checkpoint copies pages into the database file and syncs it, which inside
 * a commit would hold every waiting caller for as long. The store's
 * checkpointer (ubur_store_checkpointer_start: a thread with its own
 * connection) runs passive checkpoints every CHECKPOINT_MS instead; they do
 * not block the writer. This file only chooses its policy.
 *
 * A passive checkpoint never restarts the log: SQLite starts writing it
 * from its first frame again only when a write begins with every frame
 * copied back and no reader left on the log, which under steady reads and
 * writes never happens (the log grew by 47 MB/s during the border
 * benchmark, and every append then allocated file blocks). So once a
 * passive checkpoint has left a long log, the writer thread itself, between
 * two batches (it is the only writer, so nothing else is appended
 * meanwhile), runs a restarting checkpoint: it copies the few frames
 * committed since the passive one, syncs the database file, waits at most
 * RESTART_WAIT_MS for readers to leave the log, and its next commit writes
 * the log from its start. Waiting records wait for it; when readers do not
 * leave in time it gives up and the next passive checkpoint tries again
 * (ubur_store_log_restart_due says when).
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ubur/alloc.h"
#include "ubur/util.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

struct ubur_write_job {
    ubur_write_fn fn;
    void *arg;
    struct ubur_ctx *ctx;
    struct ubur_error err;
    int rc;
    bool durable;               /* false: ubur_write_lazy */
    sem_t done;                 /* posted once done (not for a detached job) */
    ubur_write_done_fn on_done; /* set: a detached job, nobody waits on done */
    struct timespec hold_until; /* a detached job: commit it alone no later than this */
    struct timespec due;        /* a held job (ubur_write_held): when it joins the queue */
    bool held;                  /* in the writer's held list (prev/next link it there) */
    struct ubur_write_job *prev;
    struct timespec queued_at; /* a waited job: when it was queued (CLOCK_MONOTONIC) */
    int64_t batch;             /* its batch's number, once committed (the pipeline) */
    struct ubur_write_job *next;
};

/*
 * How often to checkpoint was measured, not derived (docs/BENCHMARKS.md,
 * border, session 4): every 250 ms, one recorded check in a hundred waited
 * 30 to 280 ms at 500 checks/s (each checkpoint ends in an fsync of the
 * database file, which commits' WAL syncs likely queue behind); once a
 * second the p99 was 6 to 13 ms; every 3 s, 14 to 23 ms (the WAL grows
 * longer between checkpoints, and every read looks through it).
 */
#define CHECKPOINT_MS 1000
/*
 * How long detached jobs with nobody waiting on them may wait for a job
 * that somebody waits for, to share its commit (a border check's row, for
 * its confirmation's record): committing them alone costs a commit and
 * writes their pages twice. Nothing waits on them, so this delays only when
 * other connections see them.
 */
#define DETACHED_HOLD_MS 10
/*
 * How long the writer's restarting checkpoint waits for the write lock (it
 * holds it: only the checkpointer competes, and only for its own lock) and
 * for readers to leave the log; a request's reads last well under 1 ms.
 */
#define RESTART_WAIT_MS 5
/*
 * The checkpointer repeats its passive checkpoint (at most CHECKPOINT_PASSES
 * in a row) while the last one copied 256 frames or more, so the writer's
 * restart is left only a few.
 */
#define CHECKPOINT_PASSES 4
/*
 * The writer restarts the log once it holds RESTART_FRAMES frames (4 KB
 * pages: 128 MB) or more, not after every checkpoint: each restart holds
 * the writer for the last frames' copy and a sync of the database file,
 * measured at 5 to 140 ms on the loaded 2-core machine; restarting after
 * every checkpoint (once a second) held it 4% of the time and the paced
 * p99 got worse (docs/BENCHMARKS.md, border, session 5). At 128 MB the
 * border benchmark restarts every 3 to 10 s, and the log file stops growing
 * after its first round, so appends no longer allocate blocks (a commit's
 * sync was 25% shorter). UBUR_WAL_RESTART_FRAMES overrides it (tests, and
 * measuring other thresholds). Most of a restart's time was the sync of
 * every page the passive checkpoints had written since the last one (SQLite
 * syncs the database file only at a complete checkpoint); the store now
 * syncs a checkpointing connection's writes every 32 pages (store_sqlite.c,
 * trickle_sync), and the longest restart fell from 55-276 ms to 20-35 ms on
 * the loaded machine (docs/BENCHMARKS.md, border, session 6).
 */
#define RESTART_FRAMES 32768

struct ubur_writer {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a job was queued, or stop was asked */
    struct ubur_write_job *head, **tail;
    int queued, waited; /* jobs in the queue, and those of them a caller waits for */
    /* held jobs (ubur_write_held), by due time; not in the queue, not counted in `queued` */
    struct ubur_write_job *held_head, *held_tail;
    bool stop;
    pthread_t thread;
    struct ubur_store *store;
    int max_batch;
    int64_t slow_us; /* UBUR_WRITER_SLOW_MS: batches and restarts that long are logged; 0: none */
    struct ubur_writer_stats stats;
    bool sync_normal; /* SQLite: the connection's synchronous is NORMAL (a lazy batch) */
    /* The pipeline (the file comment): all under `lock` */
    bool pipelined; /* the connection defers its syncs to the syncer thread */
    pthread_t syncer;
    pthread_cond_t sync_wake; /* to the syncer: a batch wants its sync, or stop */
    int64_t committed;        /* the last batch whose COMMIT has returned */
    int64_t sync_wanted;      /* the last batch with durable jobs waiting for a sync */
    int64_t synced;           /* every batch up to this one is covered by a finished sync */
    struct ubur_write_job *unsynced, **unsynced_tail; /* durable jobs awaiting it, batch order */
    bool sync_stop;
    int sync_rc; /* a failed sync (sticky): every later durable job fails with sync_err */
    struct ubur_error sync_err;
};

/* Marks every job of a batch that has not failed as failed with rc and err. */
static void
fail_batch(struct ubur_write_job *batch, int rc, const struct ubur_error *err)
{
    for (struct ubur_write_job *j = batch; j; j = j->next) {
        if (j->rc == 0) {
            j->rc = rc;
            j->err = *err;
            if (!j->err.code)
                j->err.code = rc;
        }
    }
}

/*
 * A savepoint statement. SQLite runs it as a cached prepared statement (two
 * per job: parsing them each time was a measurable share of the writer's
 * time); PostgreSQL cannot prepare SAVEPOINT server-side, so it goes as text.
 */
static int
savepoint(struct ubur_writer *w, const char *sql, struct ubur_error *err)
{
    /* ROLLBACK TO goes through ubur_store_exec, the one call that makes a transaction aborted by
     * a failed statement usable again (a prepared one would fail with it, and every other job of
     * the batch too); it runs only after a job failed. */
    if (ubur_store_kind(w->store) != UBUR_STORE_SQLITE || !strncmp(sql, "ROLLBACK TO", 11))
        return ubur_store_exec(w->store, sql, err);
    int64_t n = ubur_store_run(w->store, err, sql, "");
    return n < 0 ? (int)n : 0;
}

/*
 * A batch of lazy jobs only commits without syncing; any durable job makes
 * the whole batch durable. On SQLite synchronous is switched between
 * transactions (a prepared PRAGMA, only when it changes); on PostgreSQL
 * synchronous_commit is turned off for the one transaction.
 */
static int
set_durability(struct ubur_writer *w, bool durable, struct ubur_error *err)
{
    if (ubur_store_kind(w->store) == UBUR_STORE_SQLITE) {
        if (w->sync_normal == !durable)
            return 0;
        int64_t n = ubur_store_run(
            w->store, err, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "");
        if (n < 0)
            return (int)n;
        w->sync_normal = !durable;
        return 0;
    }
    return durable ? 0 : ubur_store_exec(w->store, "SET LOCAL synchronous_commit TO OFF", err);
}

/*
 * One transaction of the writer: the jobs it holds (in queue order), whether it is open, and
 * whether it died (its BEGIN or a savepoint failed: rolled back, every job of it failed).
 */
struct tx {
    struct ubur_write_job *head, **tail;
    int n;
    bool open, dead;
};

/*
 * Runs jobs (the tail of t's list, from `jobs`) inside t's transaction, opening it first. Sets
 * each job's rc; marks nothing done. Pipelined, a transaction takes jobs in several rounds (the
 * writer's loop says when); otherwise in one.
 */
static void
run_jobs(struct ubur_writer *w, struct tx *t, struct ubur_write_job *jobs)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = 0;
    if (t->dead) {
        /* fail_batch left the first failure's code on every earlier job: reuse it */
        fail_batch(jobs, t->head->rc ? t->head->rc : UBUR_ESTORE, &t->head->err);
        return;
    }
    if (!t->open) {
        bool durable = false;
        for (struct ubur_write_job *j = jobs; j; j = j->next)
            durable |= j->durable;
        /* Pipelined, the connection stays at synchronous=NORMAL: its commits never sync. */
        rc = ubur_store_kind(w->store) == UBUR_STORE_SQLITE && !w->pipelined
                 ? set_durability(w, durable, &err)
                 : 0;
        if (!rc)
            rc = ubur_store_begin(w->store, &err);
        if (!rc && ubur_store_kind(w->store) != UBUR_STORE_SQLITE &&
            (rc = set_durability(w, durable, &err)))
            ubur_store_rollback(w->store);
        if (rc) {
            fail_batch(t->head, rc, &err);
            t->dead = true;
            return;
        }
        t->open = true;
    }
    for (struct ubur_write_job *j = jobs; j; j = j->next) {
        if ((rc = savepoint(w, "SAVEPOINT ubur_job", &err)))
            break;
        struct ubur_store *own = j->ctx->store;
        struct ubur_writer *own_writer = j->ctx->writer;
        j->ctx->store = w->store;
        j->ctx->writer = NULL;
        j->rc = j->fn(j->ctx, j->arg, &j->err);
        j->ctx->store = own;
        j->ctx->writer = own_writer;
        if (j->rc && !j->err.code)
            j->err.code = j->rc;
        rc = j->rc ? savepoint(w, "ROLLBACK TO ubur_job", &err) : 0;
        if (!rc)
            rc = savepoint(w, "RELEASE ubur_job", &err);
        if (rc)
            break;
    }
    if (rc) {
        /* The transaction itself is gone (disk full, I/O error): nothing of it survives. */
        for (struct ubur_write_job *j = t->head; j; j = j->next)
            if (j->rc == 0) {
                j->rc = rc;
                j->err = err;
                if (!j->err.code)
                    j->err.code = rc;
            }
        ubur_store_rollback(w->store);
        t->dead = true;
        t->open = false;
    }
}

/* Commits t (when open and alive); a failed commit fails every job. Returns the commit's time in
 * microseconds (0 when there was none). */
static int64_t
commit_tx(struct ubur_writer *w, struct tx *t)
{
    if (!t->open || t->dead)
        return 0;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = ubur_store_commit(w->store, &err);
    if (rc)
        fail_batch(t->head, rc, &err);
    t->open = false;
    return ubur_elapsed_us(&t0);
}

/* Counts a waited job's time in the writer into its bucket and returns it (microseconds).
 * Called with w->lock held. */
static int64_t
count_waited(struct ubur_writer *w, const struct ubur_write_job *j)
{
    static const int64_t bounds_ms[] = {1, 2, 5, 10, 20, 50, 100}; /* writer.h */
    int64_t us = ubur_elapsed_us(&j->queued_at);
    size_t b = 0;
    while (b < sizeof(bounds_ms) / sizeof(bounds_ms[0]) && us >= bounds_ms[b] * 1000)
        b++;
    w->stats.waited[b]++;
    return us;
}

/*
 * Marks a waited job done and wakes its caller (j belongs to the caller from then on); a durable
 * job whose sync failed fails with it. Called with w->lock held. Returns its time in the writer.
 */
static int64_t
finish_job(struct ubur_writer *w, struct ubur_write_job *j)
{
    if (w->sync_rc && j->rc == 0 && j->durable && w->pipelined) {
        j->rc = w->sync_rc;
        j->err = w->sync_err;
    }
    int64_t us = count_waited(w, j);
    /* A semaphore, not a condition on the writer's lock: woken, the caller need not take that
     * lock back while this thread still holds it (a lock wait and a wake per job). The post
     * is the last touch of j: its caller destroys the semaphore once its wait returns. */
    sem_post(&j->done);
    return us;
}

/*
 * The slow-write log (UBUR_WRITER_SLOW_MS): one line on stderr for each batch that held a waited
 * write or ran that long, and each restart, with the wall-clock time, to set beside a benchmark's
 * phases or another trace.
 */
static void
log_slow(int n, int64_t waited_us, int64_t batch_us, int64_t commit_us, int restart_rc,
         int64_t sync_batches)
{
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    char at[16];
    snprintf(at, sizeof(at), "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
             now.tv_nsec / 1000000);
    if (sync_batches > 0)
        fprintf(stderr,
                "ubur: writer: slow sync at %s: %.1f ms, %d writes of %lld batches, oldest waited"
                " %.1f ms\n",
                at, batch_us / 1000.0, n, (long long)sync_batches, waited_us / 1000.0);
    else if (n == 0)
        fprintf(stderr, "ubur: writer: slow restart at %s: %.1f ms%s\n", at, batch_us / 1000.0,
                restart_rc ? ", given up" : "");
    else
        fprintf(stderr,
                "ubur: writer: slow batch at %s: %d writes, oldest waited %.1f ms, batch %.1f ms,"
                " commit %.1f ms\n",
                at, n, waited_us / 1000.0, batch_us / 1000.0, commit_us / 1000.0);
}

/*
 * The restarting checkpoint between batches (the file comment says why). Called and returns with
 * w->lock held; runs the checkpoint without it, so callers keep queueing meanwhile.
 */
static void
restart_log(struct ubur_writer *w)
{
    pthread_mutex_unlock(&w->lock);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc =
        ubur_store_checkpoint(w->store, UBUR_CHECKPOINT_RESTART, RESTART_WAIT_MS, NULL, NULL, NULL);
    int64_t us = ubur_elapsed_us(&t0);
    if (w->slow_us && us >= w->slow_us)
        log_slow(0, 0, us, 0, rc, 0);
    pthread_mutex_lock(&w->lock);
    if (rc)
        w->stats.restarts_busy++;
    else
        w->stats.restarts++;
    w->stats.restart_us += us;
    if (us > w->stats.restart_us_max)
        w->stats.restart_us_max = us;
}

static bool
before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Moves held jobs that are due (all of them when closing) to the queue's end, each then held
 * like any detached job (DETACHED_HOLD_MS) for a waited job to share its commit. Called with
 * w->lock held.
 */
static void
release_held(struct ubur_writer *w, bool all)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    while (w->held_head && (all || !before(&now, &w->held_head->due))) {
        struct ubur_write_job *j = w->held_head;
        w->held_head = j->next;
        if (w->held_head)
            w->held_head->prev = NULL;
        else
            w->held_tail = NULL;
        j->held = false;
        j->next = j->prev = NULL;
        j->hold_until = ubur_deadline(CLOCK_REALTIME, DETACHED_HOLD_MS);
        *w->tail = j;
        w->tail = &j->next;
        w->queued++;
    }
}

/*
 * The syncer (the file comment): syncs the log once a batch with durable jobs has committed, and
 * marks done every durable job of the batches committed before that sync began.
 */
static void *
syncer_main(void *arg)
{
    struct ubur_writer *w = arg;
    pthread_setname_np(pthread_self(), "ubur-sync");
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->sync_wanted <= w->synced && !w->sync_stop)
            pthread_cond_wait(&w->sync_wake, &w->lock);
        if (w->sync_wanted <= w->synced)
            break; /* stopping, and every committed batch is covered */
        /* Every batch up to `covers` has returned from its COMMIT before this sync begins. */
        int64_t covers = w->committed;
        int rc = w->sync_rc;
        pthread_mutex_unlock(&w->lock);

        struct ubur_error err = UBUR_ERROR_INIT;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (!rc)
            rc = ubur_store_sync_log(w->store, &err);
        int64_t us = ubur_elapsed_us(&t0);

        pthread_mutex_lock(&w->lock);
        if (rc && !w->sync_rc) {
            w->sync_rc = rc;
            w->sync_err = err;
            fprintf(stderr, "ubur: writer: %s; nothing more is recorded until a restart\n",
                    err.message);
        }
        int64_t batches = covers - w->synced;
        w->synced = covers;
        pthread_cond_signal(&w->wake); /* a transaction held open for the syncer commits now */
        w->stats.syncs++;
        if (us > w->stats.sync_us_max)
            w->stats.sync_us_max = us;
        int n = 0;
        int64_t waited_us = 0;
        while (w->unsynced && w->unsynced->batch <= covers) {
            struct ubur_write_job *j = w->unsynced;
            w->unsynced = j->next;
            int64_t jus = finish_job(w, j);
            if (jus > waited_us)
                waited_us = jus;
            n++;
        }
        if (!w->unsynced)
            w->unsynced_tail = &w->unsynced;
        if (w->slow_us && (us >= w->slow_us || waited_us >= w->slow_us)) {
            pthread_mutex_unlock(&w->lock);
            log_slow(n, waited_us, us, 0, 0, batches > 0 ? batches : 1);
            pthread_mutex_lock(&w->lock);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void *
writer_main(void *arg)
{
    struct ubur_writer *w = arg;
    pthread_setname_np(pthread_self(), "ubur-writer"); /* for top -H, perf and gdb */

    pthread_mutex_lock(&w->lock);
    for (;;) {
        if (!w->stop && ubur_store_log_restart_due(w->store))
            restart_log(w);
        while (!w->stop) {
            if (w->held_head)
                release_held(w, false);
            if (!w->head) {
                if (w->held_head)
                    pthread_cond_timedwait(&w->wake, &w->lock, &w->held_head->due);
                else
                    pthread_cond_wait(&w->wake, &w->lock);
                continue;
            }
            if (w->waited > 0 || w->queued >= w->max_batch)
                break;
            /* Only detached jobs: held a little for a waited one to share their commit. */
            if (ubur_deadline_passed(CLOCK_REALTIME, &w->head->hold_until))
                break;
            const struct timespec *until = &w->head->hold_until;
            if (w->held_head && before(&w->held_head->due, until))
                until = &w->held_head->due;
            pthread_cond_timedwait(&w->wake, &w->lock, until);
        }
        if (w->stop)
            release_held(w, true); /* closing: every held job is written now */
        if (!w->head)
            break; /* stopping, and nothing left to write */
        struct tx tx = {.tail = &tx.head};
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            /* Take up to max_batch jobs in all off the queue, and run them. */
            struct ubur_write_job *first = w->head, *last = first;
            int n = 1, waited = !first->on_done;
            while (last->next && tx.n + n < w->max_batch) {
                last = last->next;
                n++;
                waited += !last->on_done;
            }
            w->queued -= n;
            w->waited -= waited;
            w->head = last->next;
            if (!w->head)
                w->tail = &w->head;
            last->next = NULL;
            *tx.tail = first;
            tx.tail = &last->next;
            tx.n += n;
            int sync_rc = w->sync_rc; /* the syncer writes it, under the lock */
            struct ubur_error sync_err = w->sync_err;
            pthread_mutex_unlock(&w->lock);
            if (sync_rc) { /* the log could not be synced: nothing more is written */
                fail_batch(first, sync_rc, &sync_err);
                tx.dead = !tx.open;
            } else {
                run_jobs(w, &tx, first);
            }
            pthread_mutex_lock(&w->lock);
            /*
             * Pipelined, the transaction stays open while the syncer is busy with the batches
             * before it: jobs that arrive meanwhile join it (their statements run while the
             * disk syncs), and it commits as soon as the syncer is free to sync it. Its jobs
             * would wait for that sync anyway (a sync covers only commits made before it
             * began), so waiting to commit costs them nothing, and one commit instead of
             * several writes the B-trees' last pages to the log once.
             */
            if (!w->pipelined || tx.dead || tx.n >= w->max_batch)
                break;
            /* busy: a committed batch waits for its sync (in flight, or about to start) */
            while (w->sync_wanted > w->synced && !w->head && !w->stop)
                pthread_cond_wait(&w->wake, &w->lock);
            if (w->sync_wanted <= w->synced || !w->head)
                break; /* the syncer is free: commit; or stopping */
        }
        struct ubur_write_job *batch = tx.head;
        int n = tx.n;
        pthread_mutex_unlock(&w->lock);
        int64_t commit_us = commit_tx(w, &tx);
        int64_t batch_us = ubur_elapsed_us(&t0);

        pthread_mutex_lock(&w->lock);
        int64_t number = ++w->committed;
        if (w->pipelined) {
            /* The syncer starts at once: its sync begins after this COMMIT returned. */
            for (struct ubur_write_job *j = batch; j; j = j->next) {
                if (!j->on_done && j->durable && j->rc == 0) {
                    w->sync_wanted = number;
                    pthread_cond_signal(&w->sync_wake);
                    break;
                }
            }
        }
        if (commit_us > w->stats.commit_us_max)
            w->stats.commit_us_max = commit_us;
        if (batch_us > w->stats.batch_us_max)
            w->stats.batch_us_max = batch_us;
        w->stats.batches++;
        w->stats.jobs += n;
        if (n > w->stats.largest_batch)
            w->stats.largest_batch = n;
        struct ubur_write_job *detached = NULL, *waiting = NULL;
        int64_t waited_us = 0;
        for (struct ubur_write_job *j = batch, *next; j; j = next) {
            next = j->next;
            if (j->rc)
                w->stats.failed++;
            struct ubur_write_job **list = j->on_done ? &detached : &waiting;
            j->next = *list;
            *list = j;
        }
        if (detached) {
            /*
             * Hooks first, without the lock (they may take their own locks), and
             * only then wake the callers: a border check is no longer queued in
             * memory (border_pending.c) when its record's caller answers, so a retry
             * of that confirmation finds the committed row (or its remembered copy,
             * which then reruns from the store) and replays.
             */
            pthread_mutex_unlock(&w->lock);
            for (struct ubur_write_job *j = detached, *next; j; j = next) {
                next = j->next;
                j->on_done(j->arg, j->rc, &j->err);
                free(j);
            }
            pthread_mutex_lock(&w->lock);
        }
        for (struct ubur_write_job *j = waiting, *next; j; j = next) {
            next = j->next; /* j belongs to its caller once done is set */
            if (w->pipelined && j->durable && j->rc == 0 && w->synced < number) {
                j->batch = number; /* the syncer marks it done */
                j->next = NULL;
                *w->unsynced_tail = j;
                w->unsynced_tail = &j->next;
                continue;
            }
            int64_t us = finish_job(w, j);
            if (us > waited_us)
                waited_us = us;
        }
        if (w->slow_us && (waited_us >= w->slow_us || batch_us >= w->slow_us)) {
            pthread_mutex_unlock(&w->lock);
            log_slow(n, waited_us, batch_us, commit_us, 0, 0);
            pthread_mutex_lock(&w->lock);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int
ubur_writer_open(struct ubur_writer **out, const char *db_uri, int max_batch,
                 struct ubur_error *err)
{
    struct ubur_writer *w = ubur_calloc(1, sizeof(*w));
    int rc = ubur_store_open(&w->store, db_uri, err);
    if (rc) {
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_cond_init(&w->sync_wake, NULL);
    w->tail = &w->head;
    w->unsynced_tail = &w->unsynced;
    w->max_batch = max_batch > 0 ? max_batch : UBUR_WRITER_MAX_BATCH;
    const char *slow = getenv("UBUR_WRITER_SLOW_MS");
    w->slow_us = slow ? strtol(slow, NULL, 10) * 1000 : 0;
    const char *frames = getenv("UBUR_WAL_RESTART_FRAMES");
    const char *every = getenv("UBUR_WRITER_CHECKPOINT_MS"); /* tests: checkpoint more often */
    struct ubur_checkpointer_policy policy = {
        .every_ms =
            every && strtol(every, NULL, 10) > 0 ? (int)strtol(every, NULL, 10) : CHECKPOINT_MS,
        .passes = CHECKPOINT_PASSES,
        .restart_frames = frames ? (int)strtol(frames, NULL, 10) : RESTART_FRAMES,
        .trickle = true,
    };
    if (policy.restart_frames < 1)
        policy.restart_frames = 1;
    /* Without it (PostgreSQL; or no thread to be had) the connection checkpoints as usual. */
    ubur_store_checkpointer_start(w->store, &policy, NULL);
    /* The pipeline where the store can defer its syncs (SQLite); UBUR_WRITER_PIPELINE=0 turns
     * it off (every COMMIT syncs, as before: for measuring one against the other). */
    const char *pipe = getenv("UBUR_WRITER_PIPELINE");
    if (!(pipe && !strcmp(pipe, "0")))
        w->pipelined = ubur_store_defer_sync(w->store, NULL) == 0;
    if (w->pipelined && pthread_create(&w->syncer, NULL, syncer_main, w) != 0) {
        ubur_store_close(w->store);
        free(w);
        return ubur_error_set(err, UBUR_EINTERNAL, "cannot start the writer's sync thread");
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        if (w->pipelined) {
            pthread_mutex_lock(&w->lock);
            w->sync_stop = true;
            pthread_cond_signal(&w->sync_wake);
            pthread_mutex_unlock(&w->lock);
            pthread_join(w->syncer, NULL);
        }
        ubur_store_close(w->store);
        free(w);
        return ubur_error_set(err, UBUR_EINTERNAL, "cannot start the writer thread");
    }
    *out = w;
    return 0;
}

void
ubur_writer_close(struct ubur_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    if (w->pipelined) { /* the syncer covers every batch committed, then stops */
        pthread_mutex_lock(&w->lock);
        w->sync_stop = true;
        pthread_cond_signal(&w->sync_wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->syncer, NULL);
    }
    /* Stops the checkpointer; the last connection to close checkpoints what is left. */
    ubur_store_close(w->store);
    pthread_cond_destroy(&w->sync_wake);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void
ubur_writer_stats(struct ubur_writer *w, struct ubur_writer_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

static int
write_inline(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err)
{
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    if ((rc = fn(ctx, arg, err))) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

static int
write_job(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, bool durable, struct ubur_error *err)
{
    struct ubur_writer *w = ctx->writer;
    /* A read snapshot is never held across the wait, and later reads see this write. */
    if (ctx->store)
        ubur_store_read_end(ctx->store);
    if (ctx->store && ubur_store_in_tx(ctx->store))
        return ubur_error_set(err, UBUR_EINTERNAL, "ubur_write inside an open transaction");
    if (!w)
        return write_inline(ctx, fn, arg, err);

    struct ubur_write_job job;
    memset(&job, 0, sizeof(job));
    job.fn = fn;
    job.arg = arg;
    job.ctx = ctx;
    job.durable = durable;
    clock_gettime(CLOCK_MONOTONIC, &job.queued_at);
    sem_init(&job.done, 0, 0);
    pthread_mutex_lock(&w->lock);
    if (w->stop) {
        pthread_mutex_unlock(&w->lock);
        sem_destroy(&job.done);
        return ubur_error_set(err, UBUR_EBUSY, "the server is shutting down");
    }
    *w->tail = &job;
    w->tail = &job.next;
    w->queued++;
    w->waited++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    while (sem_wait(&job.done) != 0) /* only EINTR */
        ;
    sem_destroy(&job.done);
    if (job.rc && err)
        *err = job.err;
    return job.rc;
}

int
ubur_write(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err)
{
    return write_job(ctx, fn, arg, true, err);
}

int
ubur_write_lazy(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err)
{
    return write_job(ctx, fn, arg, false, err);
}

static int
write_nothing(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    (void)ctx;
    (void)arg;
    (void)err;
    return 0;
}

int
ubur_write_barrier(struct ubur_ctx *ctx, struct ubur_error *err)
{
    /* A durable job that writes nothing: its batch is taken after every batch whose commit a
     * reader could have seen before this call, and it is done only after a sync that began once
     * its own (empty) COMMIT had returned, so after theirs. Without a writer every commit was
     * synced before it returned: nothing to wait for. */
    if (!ctx->writer)
        return 0;
    return write_job(ctx, write_nothing, NULL, true, err);
}

int
ubur_write_detached(struct ubur_writer *w, struct ubur_ctx *ctx, ubur_write_fn fn, void *arg,
                    ubur_write_done_fn done, struct ubur_error *err)
{
    struct ubur_write_job *job = ubur_calloc(1, sizeof(*job));
    job->fn = fn;
    job->arg = arg;
    job->ctx = ctx;
    job->on_done = done;
    pthread_mutex_lock(&w->lock);
    if (w->stop) {
        pthread_mutex_unlock(&w->lock);
        free(job);
        return ubur_error_set(err, UBUR_EBUSY, "the server is shutting down");
    }
    job->hold_until = ubur_deadline(CLOCK_REALTIME, DETACHED_HOLD_MS);
    /* A queue that was not empty has the writer busy or holding it already: no wake-up. */
    bool was_empty = !w->head;
    *w->tail = job;
    w->tail = &job->next;
    w->queued++;
    if (was_empty || w->queued >= w->max_batch)
        pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

int
ubur_write_held(struct ubur_writer *w, struct ubur_ctx *ctx, ubur_write_fn fn, void *arg,
                ubur_write_done_fn done, int hold_ms, struct ubur_write_job **out,
                struct ubur_error *err)
{
    if (hold_ms <= 0) {
        if (out)
            *out = NULL;
        return ubur_write_detached(w, ctx, fn, arg, done, err);
    }
    struct ubur_write_job *job = ubur_calloc(1, sizeof(*job));
    job->fn = fn;
    job->arg = arg;
    job->ctx = ctx;
    job->on_done = done;
    job->held = true;
    job->due = ubur_deadline(CLOCK_REALTIME, hold_ms);
    pthread_mutex_lock(&w->lock);
    if (w->stop) {
        pthread_mutex_unlock(&w->lock);
        free(job);
        return ubur_error_set(err, UBUR_EBUSY, "the server is shutting down");
    }
    /* By due time: usually the last (one hold for every caller), so found from the end. */
    struct ubur_write_job *after = w->held_tail;
    while (after && before(&job->due, &after->due))
        after = after->prev;
    job->prev = after;
    job->next = after ? after->next : w->held_head;
    if (job->next)
        job->next->prev = job;
    else
        w->held_tail = job;
    if (after)
        after->next = job;
    else
        w->held_head = job;
    /* The writer may sleep with no deadline, or a later one: it must wait for this one. */
    if (w->held_head == job)
        pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (out)
        *out = job;
    return 0;
}

bool
ubur_write_withdraw(struct ubur_writer *w, struct ubur_write_job *job)
{
    if (!w || !job)
        return false;
    pthread_mutex_lock(&w->lock);
    bool held = job->held;
    if (held) {
        if (job->prev)
            job->prev->next = job->next;
        else
            w->held_head = job->next;
        if (job->next)
            job->next->prev = job->prev;
        else
            w->held_tail = job->prev;
    }
    pthread_mutex_unlock(&w->lock);
    if (held)
        free(job);
    return held;
}
