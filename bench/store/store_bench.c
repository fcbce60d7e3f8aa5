/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store benchmark: the same workloads through include/ubur/store.h on SQLite
 * and on PostgreSQL, side by side, in one run, in alternating rounds so both
 * see the same machine load. Workloads:
 *
 *   insert-1    one durable transaction per row (a border crossing recorded
 *               and acknowledged): begin, INSERT, commit
 *   insert-100  100 rows per transaction, one INSERT each (a batch import)
 *   values-100  100 rows per transaction in one multi-row INSERT ... VALUES
 *               (one round trip: how bulk imports should write)
 *   queued-100  100 rows per transaction, one INSERT each through
 *               ubur_store_queue (pipelined on PostgreSQL)
 *   audit-rmw   begin, read the highest sequence number, insert the next,
 *               commit: the audit log's pattern under the write lock
 *   read        a point read by primary key (a random existing UUIDv7 text
 *               id), outside any transaction: a border check's lookup
 *
 * each with 1 and 4 threads (one connection per thread). Reports the median
 * over rounds of operations per second and of the per-operation p50/p99
 * latency in microseconds.
 *
 * Usage: store_bench SQLITE_PATH [PG_CONNINFO|-] [SECONDS_PER_ROUND] [ROUNDS] [PRELOAD]
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ubur/store.h"
#include "ubur/util.h"

#define MAX_THREADS 4
#define MAX_ROUNDS 15

enum workload { W_INSERT1, W_INSERT100, W_VALUES100, W_QUEUED100, W_AUDIT, W_READ, W_COUNT };
static const char *const workload_name[] = {"insert-1",   "insert-100", "values-100",
                                            "queued-100", "audit-rmw",  "read"};

struct backend {
    const char *label;
    const char *uri;
    char (*ids)[UBUR_UUID_LEN + 1]; /* preloaded ids for point reads */
    int nids;
};

struct worker {
    const struct backend *b;
    enum workload w;
    double seconds;
    unsigned seed;
    long ops;
    double *lat; /* microseconds per operation */
    long nlat, cap;
    char error[256];
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
insert_row(struct ubur_store *s, struct ubur_error *err, bool queued)
{
    char id[UBUR_UUID_LEN + 1];
    ubur_uuid7(id);
    if (queued)
        return ubur_store_queue(s, err,
                                "INSERT INTO bench_crossing (id, person, crossing_point, direction,"
                                " at, stay_days, photo_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                "tttttit", id, "MUHAMMAD BIN SALMAN AL-TIKRITI", "Al-Qaim", "entry",
                                "2024-03-01T08:00:00Z", (int64_t)30,
                                "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
    return ubur_store_run(s, err,
                          "INSERT INTO bench_crossing (id, person, crossing_point, direction, at,"
                          " stay_days, photo_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          "tttttit", id, "MUHAMMAD BIN SALMAN AL-TIKRITI", "Al-Qaim", "entry",
                          "2024-03-01T08:00:00Z", (int64_t)30,
                          "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0") == 1
               ? 0
               : (err->code ? err->code : -1);
}

static char values_sql[16384];

/* One INSERT of 100 rows, prepared once per connection (a literal-like, stable address). */
static int
insert_values(struct ubur_store *s, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, values_sql, &st, err);
    if (rc)
        return rc;
    for (int r = 0; r < 100; r++) {
        char id[UBUR_UUID_LEN + 1];
        ubur_uuid7(id);
        ubur_stmt_bind_text(st, r * 4 + 1, id);
        ubur_stmt_bind_text(st, r * 4 + 2, "MUHAMMAD BIN SALMAN AL-TIKRITI");
        ubur_stmt_bind_text(st, r * 4 + 3, "Al-Qaim");
        ubur_stmt_bind_text(st, r * 4 + 4, "2024-03-01T08:00:00Z");
    }
    rc = ubur_stmt_step(st, err);
    if (rc == 0 && ubur_stmt_changes(st) != 100)
        rc = -1;
    ubur_stmt_done(st);
    return rc;
}

static void
build_values_sql(void)
{
    size_t n = (size_t)snprintf(values_sql, sizeof(values_sql),
                                "INSERT INTO bench_crossing (id, person, crossing_point, at,"
                                " direction) VALUES ");
    for (int r = 0; r < 100; r++)
        n += (size_t)snprintf(values_sql + n, sizeof(values_sql) - n, "%s(?, ?, ?, ?, 'entry')",
                              r ? ", " : "");
}

static int
one_op(struct ubur_store *s, struct worker *wk, struct ubur_error *err)
{
    int rc = 0;
    switch (wk->w) {
    case W_INSERT1:
        if ((rc = ubur_store_begin(s, err)))
            return rc;
        rc = insert_row(s, err, false);
        break;
    case W_INSERT100:
    case W_QUEUED100:
        if ((rc = ubur_store_begin(s, err)))
            return rc;
        for (int i = 0; i < 100 && !rc; i++)
            rc = insert_row(s, err, wk->w == W_QUEUED100);
        break;
    case W_VALUES100:
        if ((rc = ubur_store_begin(s, err)))
            return rc;
        rc = insert_values(s, err);
        break;
    case W_AUDIT: {
        int64_t seq = 0;
        if ((rc = ubur_store_begin(s, err)))
            return rc;
        rc =
            ubur_store_query_int(s, err, &seq, "SELECT COALESCE(MAX(seq), 0) FROM bench_audit", "");
        if (!rc && ubur_store_run(s, err, "INSERT INTO bench_audit (seq, what) VALUES (?, ?)", "it",
                                  seq + 1, "crossing.record") != 1)
            rc = err->code ? err->code : -1;
        break;
    }
    case W_READ: {
        const char *id = wk->b->ids[rand_r(&wk->seed) % (unsigned)wk->b->nids];
        char *person = NULL;
        rc = ubur_store_query_text(s, err, &person,
                                   "SELECT person FROM bench_crossing WHERE id = ?", "t", id);
        free(person);
        return rc;
    }
    default:
        return -1;
    }
    if (rc) {
        ubur_store_rollback(s);
        return rc;
    }
    return ubur_store_commit(s, err);
}

static void *
run_worker(void *arg)
{
    struct worker *wk = arg;
    struct ubur_store *s = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&s, wk->b->uri, &err)) {
        snprintf(wk->error, sizeof(wk->error), "%s", err.message);
        return NULL;
    }
    double end = now_s() + wk->seconds;
    for (;;) {
        double t0 = now_s();
        if (t0 >= end)
            break;
        if (one_op(s, wk, &err)) {
            snprintf(wk->error, sizeof(wk->error), "%s", err.message);
            break;
        }
        double t1 = now_s();
        if (wk->nlat == wk->cap) {
            wk->cap = wk->cap ? wk->cap * 2 : 4096;
            wk->lat = realloc(wk->lat, sizeof(*wk->lat) * (size_t)wk->cap);
            if (!wk->lat)
                abort();
        }
        wk->lat[wk->nlat++] = (t1 - t0) * 1e6;
        wk->ops += wk->w == W_INSERT100 || wk->w == W_VALUES100 || wk->w == W_QUEUED100 ? 100 : 1;
    }
    ubur_store_close(s);
    return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct result {
    double ops_per_s, p50, p99;
};

static int
measure(const struct backend *b, enum workload w, int threads, double seconds, struct result *r)
{
    pthread_t th[MAX_THREADS];
    struct worker wk[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        memset(&wk[i], 0, sizeof(wk[i]));
        wk[i].b = b;
        wk[i].w = w;
        wk[i].seconds = seconds;
        wk[i].seed = (unsigned)(i * 7919 + 1);
        pthread_create(&th[i], NULL, run_worker, &wk[i]);
    }
    long ops = 0, n = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        ops += wk[i].ops;
        n += wk[i].nlat;
    }
    double *all = malloc(sizeof(*all) * (size_t)(n ? n : 1));
    long k = 0;
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        if (wk[i].error[0]) {
            fprintf(stderr, "store_bench: %s %s: %s\n", b->label, workload_name[w], wk[i].error);
            failed = 1;
        }
        if (wk[i].nlat)
            memcpy(all + k, wk[i].lat, sizeof(*all) * (size_t)wk[i].nlat);
        k += wk[i].nlat;
        free(wk[i].lat);
    }
    qsort(all, (size_t)n, sizeof(*all), cmp_double);
    r->ops_per_s = (double)ops / seconds;
    r->p50 = n ? all[n / 2] : 0;
    r->p99 = n ? all[(long)((double)n * 0.99)] : 0;
    free(all);
    return failed;
}

static int
prepare_db(struct backend *b, int preload)
{
    struct ubur_store *s = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&s, b->uri, &err) ||
        ubur_store_exec(s,
                        "DROP TABLE IF EXISTS bench_crossing; DROP TABLE IF EXISTS bench_audit;"
                        "CREATE TABLE bench_crossing (id TEXT PRIMARY KEY, person TEXT NOT NULL,"
                        " crossing_point TEXT NOT NULL, direction TEXT NOT NULL, at TEXT NOT NULL,"
                        " stay_days INTEGER, photo_hash TEXT);"
                        "CREATE INDEX bench_crossing_at ON bench_crossing (crossing_point, at);"
                        "CREATE TABLE bench_audit (seq INTEGER PRIMARY KEY, what TEXT NOT NULL);",
                        &err)) {
        fprintf(stderr, "store_bench: %s: %s\n", b->label, err.message);
        ubur_store_close(s);
        return 1;
    }
    b->ids = malloc(sizeof(*b->ids) * (size_t)preload);
    b->nids = preload;
    for (int i = 0; i < preload; i += 1000) {
        if (ubur_store_begin(s, &err))
            break;
        for (int j = i; j < i + 1000 && j < preload; j++) {
            ubur_uuid7(b->ids[j]);
            if (ubur_store_run(s, &err,
                               "INSERT INTO bench_crossing (id, person, crossing_point, direction,"
                               " at, stay_days) VALUES (?, ?, ?, ?, ?, ?)",
                               "ttttti", b->ids[j], "ALI HASAN", "Rabia", "exit",
                               "2024-03-01T09:00:00Z", (int64_t)0) != 1)
                break;
        }
        if (ubur_store_commit(s, &err))
            break;
    }
    ubur_store_close(s);
    if (err.code) {
        fprintf(stderr, "store_bench: %s preload: %s\n", b->label, err.message);
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_bench SQLITE_PATH [PG_CONNINFO|-] [SECONDS] [ROUNDS]"
                        " [PRELOAD]\n");
        return 2;
    }
    struct backend b[2] = {{"sqlite", argv[1], NULL, 0}, {"postgresql", NULL, NULL, 0}};
    int nb = 1;
    if (argc > 2 && strcmp(argv[2], "-") != 0) {
        b[1].uri = argv[2];
        nb = 2;
    }
    double seconds = argc > 3 ? strtod(argv[3], NULL) : 2.0;
    int rounds = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 3;
    int preload = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 100000;
    if (seconds <= 0 || rounds < 1 || rounds > MAX_ROUNDS || preload < 1) {
        fprintf(stderr, "store_bench: bad arguments\n");
        return 2;
    }
    build_values_sql();
    for (int i = 0; i < nb; i++)
        if (prepare_db(&b[i], preload))
            return 1;

    const int thread_counts[] = {1, MAX_THREADS};
    printf("| workload | threads | backend | ops/s | p50 µs | p99 µs |\n");
    printf("|---|---:|---|---:|---:|---:|\n");
    int failed = 0;
    for (int w = 0; w < W_COUNT; w++) {
        for (int t = 0; t < 2; t++) {
            struct result res[2][MAX_ROUNDS];
            for (int r = 0; r < rounds; r++) /* alternate backends within each round */
                for (int i = 0; i < nb; i++)
                    failed |= measure(&b[(i + r) % nb], (enum workload)w, thread_counts[t], seconds,
                                      &res[(i + r) % nb][r]);
            for (int i = 0; i < nb; i++) {
                double ops[MAX_ROUNDS], p50[MAX_ROUNDS], p99[MAX_ROUNDS];
                for (int r = 0; r < rounds; r++) {
                    ops[r] = res[i][r].ops_per_s;
                    p50[r] = res[i][r].p50;
                    p99[r] = res[i][r].p99;
                }
                qsort(ops, (size_t)rounds, sizeof(double), cmp_double);
                qsort(p50, (size_t)rounds, sizeof(double), cmp_double);
                qsort(p99, (size_t)rounds, sizeof(double), cmp_double);
                printf("| %s | %d | %s | %.0f | %.0f | %.0f |\n", workload_name[w],
                       thread_counts[t], b[i].label, ops[rounds / 2], p50[rounds / 2],
                       p99[rounds / 2]);
                fflush(stdout);
            }
        }
    }
    free(b[0].ids);
    free(b[1].ids);
    return failed;
}
