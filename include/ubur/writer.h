/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The group-commit writer: one thread with its own store connection that
 * applies queued writes in batches, one transaction (one fsync) per batch,
 * and releases each waiting caller only after its batch has committed. It
 * is how the hot path (border checks and records) gets past one fsync per
 * record without ever acknowledging a write that is not durable.
 *
 *   caller thread                      writer thread
 *   ubur_write(ctx, fn, arg) --queue-->  BEGIN
 *     waits on its job's condition       for each queued job (at most max_batch):
 *                                          SAVEPOINT; fn(ctx, arg); RELEASE
 *                                          (or ROLLBACK TO on failure: only that job fails)
 *                                        COMMIT   <- committed, visible, not yet synced
 *                                        next batch...      syncer thread:
 *                                                           fdatasync of the log (covers
 *                                                           every batch committed before it
 *                                                           began, this one included)
 *     <--------- signal, per job ------------------------- marks their durable jobs done
 *   returns 0: acknowledge
 *
 * That is SQLite (the pipeline, writer.c): the writer runs the next batch's
 * statements while the previous batches' sync runs, keeping that transaction
 * open until the syncer is free, then commits it (one commit per sync). A
 * sync that fails fails its jobs and every later one (restart the server);
 * UBUR_WRITER_SLOW_MS also logs slow syncs. Where the store cannot
 * defer its syncs (PostgreSQL) COMMIT itself is durable and marks the batch
 * done, as does UBUR_WRITER_PIPELINE=0. Lazy and detached jobs are done at
 * their COMMIT either way.
 *
 * While one batch commits, new jobs queue up and form the next batch, so
 * the batch size follows the load: one job per commit when idle, hundreds
 * at peak. A job that fails is rolled back to its savepoint and only its
 * caller gets the error; a commit that fails fails every job of the batch
 * (nothing of it is durable, nothing is acknowledged).
 *
 * A job's fn runs on the writer thread with ctx->store temporarily set to
 * the writer's connection; the caller is blocked meanwhile, so fn may use
 * ctx (its identity for the audit log, its arena) freely. fn must not
 * begin or commit a transaction, must not wait on anything, and must leave
 * no statement in progress.
 *
 * On SQLite a second thread checkpoints the WAL passively once a second, and
 * the writer restarts the log between batches once it is long (writer.c
 * says why), so it does not grow without bound under steady reads.
 *
 * UBUR_WRITER_SLOW_MS=N in the environment logs, on stderr, every batch that
 * held a waited write or ran N ms or more, and every restart that long, with
 * the time of day: where a latency tail comes from.
 *
 * Without a writer (ctx->writer NULL: the CLI, unit tests) ubur_write runs
 * fn in its own transaction on ctx->store and commits before returning, so
 * the same service code serves both paths.
 */
#ifndef UBUR_WRITER_H
#define UBUR_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "ubur/app.h"

struct ubur_writer;

/* A write: runs inside an open transaction; returns 0 or a negative UBUR_E* code. */
typedef int (*ubur_write_fn)(struct ubur_ctx *ctx, void *arg, struct ubur_error *err);

#define UBUR_WRITER_MAX_BATCH 512 /* default jobs per transaction */

/*
 * Opens a connection to db_uri and starts the writer thread. max_batch <= 0
 * takes UBUR_WRITER_MAX_BATCH. Returns 0 or a negative code (the database
 * cannot be opened).
 */
int ubur_writer_open(struct ubur_writer **out, const char *db_uri, int max_batch,
                     struct ubur_error *err);
/*
 * Stops taking new jobs, commits every job already queued, joins the thread
 * and closes the connection. NULL is a no-op.
 */
void ubur_writer_close(struct ubur_writer *w);

/*
 * Runs fn(ctx, arg, err) in a transaction and returns once it is durable:
 * through ctx->writer when set (batched with other callers), else inline on
 * ctx->store. Returns 0 when committed; fn's own code when fn failed (its
 * changes undone); the commit's code when the commit failed; UBUR_EBUSY
 * when the writer is shutting down. ctx->store must not be inside a
 * transaction; a read snapshot open on it (ubur_store_read_begin) is ended
 * first, so none is held across the wait.
 */
int ubur_write(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err);

/*
 * As ubur_write, but returns once the write is committed (visible to every
 * reader, in commit order) without waiting for it to reach the disk: a batch
 * of such writes alone commits with synchronous=NORMAL on SQLite
 * (synchronous_commit off on PostgreSQL), and the next durable commit (or
 * WAL checkpoint) makes it durable with everything before it. A crash of
 * the process loses nothing; a crash of the machine may lose such writes,
 * never a durable write that follows them. For provisional state that a
 * durable write later builds on (a border check, which its record makes
 * durable); never for anything acknowledged as recorded.
 */
int ubur_write_lazy(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err);

/* Called once a detached write's batch has committed (rc 0) or failed (rc, err). */
typedef void (*ubur_write_done_fn)(void *arg, int rc, const struct ubur_error *err);

/*
 * Queues fn(ctx, arg) as a lazy write (as ubur_write_lazy) and returns at
 * once, without waiting for it to be applied. Jobs are applied in the order
 * they were queued, so a write any thread queues after this one (ubur_write
 * included) runs after it, in the same batch or a later one, and sees it;
 * until then other connections do not. When only detached jobs are queued
 * the writer holds them up to 10 ms for a waited write to share their
 * commit (nothing waits on them, so only their visibility is delayed). ctx is the write's own
 * (usually inside arg: the caller's request may end first) and must stay valid until done; the
 * writer sets its store for the write as for any job. done(arg, rc, err) runs on the writer thread
 * after the batch, outside the writer's lock, before the batch's waiting callers are woken, and
 * owns arg from then on (it frees it); it must not
 * wait on the writer. Returns 0 when queued; UBUR_EBUSY when the writer is shutting down (then done
 * is never called and arg stays the caller's). For work whose answer does not depend on the write
 * succeeding (a border check whose row only repeats what was decided); never for anything
 * acknowledged as recorded.
 */
int ubur_write_detached(struct ubur_writer *w, struct ubur_ctx *ctx, ubur_write_fn fn, void *arg,
                        ubur_write_done_fn done, struct ubur_error *err);

/* A held write (ubur_write_held), named for ubur_write_withdraw. */
struct ubur_write_job;

/*
 * As ubur_write_detached, but the job is held for hold_ms before it joins the queue's end (or
 * until the writer closes, which writes every held job at once); hold_ms <= 0 is
 * ubur_write_detached. Unlike every other write it does NOT keep queue order: jobs queued
 * while it is held run before it. So it is only for a write that nothing queued meanwhile
 * depends on, unless that write withdraws it first and writes its rows itself (a border
 * check's row, which its confirmation's record writes: border_pending.c). *job (when not NULL)
 * names it for ubur_write_withdraw; it is valid until the job's done hook has returned (the
 * caller must know, under its own lock, that the hook has not run yet). 0 when held;
 * UBUR_EBUSY when the writer is shutting down (then done is never called).
 */
int ubur_write_held(struct ubur_writer *w, struct ubur_ctx *ctx, ubur_write_fn fn, void *arg,
                    ubur_write_done_fn done, int hold_ms, struct ubur_write_job **job,
                    struct ubur_error *err);

/*
 * Withdraws a held job that has not joined the queue yet: true, and it never runs and its done
 * hook is never called (arg is the caller's again). false when it has joined the queue already
 * (it then runs before any write queued after this call) or when job is NULL.
 */
bool ubur_write_withdraw(struct ubur_writer *w, struct ubur_write_job *job);

/*
 * Returns once every write committed through ctx->writer before the call (whoever queued it)
 * is durable: for an answer built on reading a write rather than making it (a confirmation
 * replayed from the record it finds), since a commit is visible before its sync. 0, or the
 * code of a failed sync. Without a writer, 0 at once (every commit was synced).
 */
int ubur_write_barrier(struct ubur_ctx *ctx, struct ubur_error *err);

/*
 * Counters since open: jobs applied, batches committed, failed jobs, largest batch; on SQLite the
 * restarting checkpoints the writer ran between batches (done, given up because readers stayed
 * on the log), and the time they held the writer (total and longest, microseconds); how long
 * waited jobs spent in the writer (queue, batch and commit: what a write adds to a request's
 * latency), and the longest commit and batch.
 */
struct ubur_writer_stats {
    int64_t jobs;
    int64_t batches;
    int64_t failed;
    int largest_batch;
    int64_t restarts;
    int64_t restarts_busy;
    int64_t restart_us;
    int64_t restart_us_max;
    /* waited jobs by their time from queueing to done, under 1, 2, 5, 10, 20, 50, 100 ms, and
     * longer; the longest commit and the longest batch (its
     * statements and commit), microseconds */
    int64_t waited[8];
    int64_t commit_us_max;
    int64_t batch_us_max;
    /* the pipeline's syncs of the log (0 when not pipelined) and the longest, microseconds */
    int64_t syncs;
    int64_t sync_us_max;
};
void ubur_writer_stats(struct ubur_writer *w, struct ubur_writer_stats *out);

#endif
