/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw SQLite durable-insert ceiling, the peer of the border benchmark:
 * how many rows shaped like border_records (same columns, same four
 * indexes) plain SQLite inserts per second on this disk when each insert
 * is its own durable transaction (WAL, synchronous=FULL: one fsync per
 * row), and, for comparison, when 100 rows share a transaction. ubur's
 * group commit sits between the two: it must beat the first.
 *
 *   sqlite_ceiling DIR [SECONDS]
 * prints "ceiling per_commit=N/s batch100=N/s fsync_ms=X".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "sqlite_ceiling: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void
exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die(db, sql);
}

/* Inserts rows for `seconds`, `per_tx` rows per transaction; returns rows per second. */
static double
run(sqlite3 *db, sqlite3_stmt *ins, double seconds, int per_tx, long *serial)
{
    double t0 = now_s(), t;
    long rows = 0;
    char id[48], doc[16], at[32];
    do {
        exec(db, "BEGIN IMMEDIATE");
        for (int i = 0; i < per_tx; i++, rows++) {
            long n = ++*serial;
            snprintf(id, sizeof(id), "00000009-0000-7000-8000-%012lx", n);
            snprintf(doc, sizeof(doc), "C%08ld", n);
            snprintf(at, sizeof(at), "2026-11-%02ldT%02ld:%02ld:00Z", 1 + n % 28, n % 24, n % 60);
            sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, n % 3 ? "entry" : "exit", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, at, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 4, n % 2 ? "semalka" : "tanf", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 6, doc, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die(db, "insert");
            sqlite3_reset(ins);
        }
        exec(db, "COMMIT");
        t = now_s();
    } while (t - t0 < seconds);
    return (double)rows / (t - t0);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sqlite_ceiling DIR [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 5;
    char path[4096];
    snprintf(path, sizeof(path), "%s/ceiling-%d.db", argv[1], (int)getpid());
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die(db, "open");
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    exec(db, "CREATE TABLE border_records (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
             " direction TEXT NOT NULL, at TEXT NOT NULL, crossing_id TEXT NOT NULL,"
             " state TEXT NOT NULL, traveller_id TEXT, check_id TEXT UNIQUE, group_id TEXT,"
             " document_number TEXT, nationality TEXT, visa_id TEXT, visa_number TEXT,"
             " proposed TEXT, decision TEXT NOT NULL, reasons TEXT, override_reason TEXT,"
             " supervisor TEXT, stay_id TEXT, officer_id TEXT, officer TEXT NOT NULL,"
             " recorded_at TEXT NOT NULL);"
             "CREATE INDEX r1 ON border_records(traveller_id, at);"
             "CREATE INDEX r2 ON border_records(crossing_id, at);"
             "CREATE INDEX r3 ON border_records(at);");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO border_records (id, kind, direction, at, crossing_id,"
                           " state, traveller_id, check_id, document_number, nationality,"
                           " proposed, decision, reasons, officer, recorded_at)"
                           " VALUES (?1, ?2, ?2, ?3, ?4, 'SYR', ?5, ?5, ?6, 'SYR', 'admit',"
                           " 'admit', '[]', 'bench', ?3)",
                           -1, &ins, NULL) != SQLITE_OK)
        die(db, "prepare");
    long serial = 0;
    double one = run(db, ins, seconds, 1, &serial);
    double hundred = run(db, ins, seconds, 100, &serial);
    printf("ceiling per_commit=%.0f/s batch100=%.0f/s fsync_ms=%.2f\n", one, hundred, 1000.0 / one);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    char extra[4200];
    unlink(path);
    snprintf(extra, sizeof(extra), "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof(extra), "%s-shm", path);
    unlink(extra);
    return 0;
}
