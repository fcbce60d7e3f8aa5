/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The group-commit writer (include/ubur/writer.h has the picture). One
 * mutex guards the queue and every job's `done` flag; `wake` tells the
 * writer thread there is work or that it must stop; `done` is broadcast
 * when a batch is finished, and each waiting caller re-checks its own flag.
 * Jobs live on their callers' stacks: a caller never returns before its
 * job is marked done, and the writer never touches a job after marking it.
 *
 * Invariant: a job is marked done with rc == 0 only after the COMMIT that
 * contains it has returned success, so an acknowledged write is durable.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/alloc.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

struct write_job {
    ubur_write_fn fn;
    void *arg;
    struct ubur_ctx *ctx;
    struct ubur_error err;
    int rc;
    bool done;
    struct write_job *next;
};

struct ubur_writer {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a job was queued, or stop was asked */
    pthread_cond_t done; /* a batch finished */
    struct write_job *head, **tail;
    bool stop;
    pthread_t thread;
    struct ubur_store *store;
    int max_batch;
    struct ubur_writer_stats stats;
};

/* Marks every job of a batch that has not failed as failed with rc and err. */
static void
fail_batch(struct write_job *batch, int rc, const struct ubur_error *err)
{
    for (struct write_job *j = batch; j; j = j->next) {
        if (j->rc == 0) {
            j->rc = rc;
            j->err = *err;
            if (!j->err.code)
                j->err.code = rc;
        }
    }
}

/* Applies one batch in one transaction. Sets each job's rc; marks nothing done. */
static void
run_batch(struct ubur_writer *w, struct write_job *batch)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_store_begin(w->store, &err);
    if (rc) {
        fail_batch(batch, rc, &err);
        return;
    }
    for (struct write_job *j = batch; j; j = j->next) {
        if ((rc = ubur_store_exec(w->store, "SAVEPOINT ubur_job", &err))) {
            fail_batch(batch, rc, &err);
            ubur_store_rollback(w->store);
            return;
        }
        struct ubur_store *own = j->ctx->store;
        struct ubur_writer *own_writer = j->ctx->writer;
        j->ctx->store = w->store;
        j->ctx->writer = NULL;
        j->rc = j->fn(j->ctx, j->arg, &j->err);
        j->ctx->store = own;
        j->ctx->writer = own_writer;
        if (j->rc && !j->err.code)
            j->err.code = j->rc;
        const char *end = j->rc ? "ROLLBACK TO ubur_job; RELEASE ubur_job" : "RELEASE ubur_job";
        if ((rc = ubur_store_exec(w->store, end, &err))) {
            /* The transaction itself is gone (disk full, I/O error): nothing of it survives. */
            fail_batch(batch, rc, &err);
            ubur_store_rollback(w->store);
            return;
        }
    }
    if ((rc = ubur_store_commit(w->store, &err)))
        fail_batch(batch, rc, &err);
}

static void *
writer_main(void *arg)
{
    struct ubur_writer *w = arg;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head)
            break; /* stopping, and nothing left to write */
        /* Take up to max_batch jobs off the queue. */
        struct write_job *batch = w->head, *last = batch;
        int n = 1;
        while (last->next && n < w->max_batch) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head)
            w->tail = &w->head;
        last->next = NULL;
        pthread_mutex_unlock(&w->lock);

        run_batch(w, batch);

        pthread_mutex_lock(&w->lock);
        w->stats.batches++;
        w->stats.jobs += n;
        if (n > w->stats.largest_batch)
            w->stats.largest_batch = n;
        for (struct write_job *j = batch, *next; j; j = next) {
            next = j->next; /* j belongs to its caller once done is set */
            if (j->rc)
                w->stats.failed++;
            j->done = true;
        }
        pthread_cond_broadcast(&w->done);
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
    pthread_cond_init(&w->done, NULL);
    w->tail = &w->head;
    w->max_batch = max_batch > 0 ? max_batch : UBUR_WRITER_MAX_BATCH;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
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
    ubur_store_close(w->store);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->done);
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

int
ubur_write(struct ubur_ctx *ctx, ubur_write_fn fn, void *arg, struct ubur_error *err)
{
    struct ubur_writer *w = ctx->writer;
    if (ctx->store && ubur_store_in_tx(ctx->store))
        return ubur_error_set(err, UBUR_EINTERNAL, "ubur_write inside an open transaction");
    if (!w)
        return write_inline(ctx, fn, arg, err);

    struct write_job job;
    memset(&job, 0, sizeof(job));
    job.fn = fn;
    job.arg = arg;
    job.ctx = ctx;
    pthread_mutex_lock(&w->lock);
    if (w->stop) {
        pthread_mutex_unlock(&w->lock);
        return ubur_error_set(err, UBUR_EBUSY, "the server is shutting down");
    }
    *w->tail = &job;
    w->tail = &job.next;
    pthread_cond_signal(&w->wake);
    while (!job.done)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
    if (job.rc && err)
        *err = job.err;
    return job.rc;
}
