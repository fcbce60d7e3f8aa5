/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL backend (libpq). The only file that includes libpq-fe.h. It
 * makes SQL written once in the common dialect (docs/internals/store.md) run
 * unchanged: a tokenizer that knows string literals, quoted identifiers and
 * comments renumbers "?" to $1..$n and maps SQLite's type names to
 * PostgreSQL's (INTEGER is 64-bit in SQLite, so BIGINT; REAL is a double, so
 * DOUBLE PRECISION; BLOB is BYTEA); in DDL (ubur_store_exec, migrations) it
 * also turns "INTEGER PRIMARY KEY" into an identity column, drops PRAGMAs and
 * SQLite table options, and honours "-- ubur:postgresql" / "-- ubur:sqlite"
 * blocks.
 *
 * Statements are prepared lazily: a cached statement is prepared under a
 * per-connection name ("u1", "u2"...) the first time it runs and then only
 * executed (one round trip); a dynamic one runs through PQexecParams (one
 * round trip, nothing to deallocate). Parameter types are left to the server
 * to infer; where it cannot ("? IS NULL"), the statement is prepared again
 * with the types of the values bound. Parameters and results travel as text
 * (blobs as binary parameters and hex bytea results), parsed here.
 * Results are read whole, so a statement may be stepped while others run on
 * the same connection (nested queries), at the price of memory for big
 * results: page them with LIMIT. Writes queued with ubur_store_queue are
 * sent in libpq's pipeline mode without waiting for their results, up to
 * PG_QUEUE_MAX at a time; any other use of the connection first reads them
 * back (the first failure aborts the transaction, as any failure does).
 * Deferred bulk inserts (ubur_store_bulk_*) arrive here as COPY text and go
 * out in one COPY ... FROM STDIN each (pg_copy).
 *
 * Transactions keep SQLite's semantics: begin takes ubur's write lock at
 * once (a transaction-scoped advisory lock), so write transactions are
 * serialised exactly as BEGIN IMMEDIATE serialises them, and code that
 * reads then writes inside a transaction is as safe on both backends.
 * synchronous_commit is on for every session; commit returns 0 only when
 * the server answered COMMIT. A lost connection is reported as UBUR_EBUSY
 * with a clear message; the next use outside a transaction reconnects and
 * prepares statements again. Errors map by SQLSTATE: integrity violations to
 * UBUR_ECONFLICT, disk full to UBUR_EFULL, lock and resource trouble to
 * UBUR_EBUSY, data exceptions to UBUR_EINVAL.
 */
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "ubur/alloc.h"
#include "ubur/banned.h"

/* Type OIDs from catalog/pg_type.h (a server header). */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_TEXTOID 25
#define PG_FLOAT8OID 701

/* Advisory lock keys (two int4 form): 'ubur' and which lock. */
#define PG_LOCK_NS 0x75627572
#define PG_LOCK_WRITE 1
#define PG_LOCK_SCHEMA 2

#define PG_MIN_SERVER 120000 /* PostgreSQL 12 */
#define PG_QUEUE_MAX 256     /* queued statements in flight: bounds what the socket buffers hold */

struct pg_store {
    struct ubur_store base;
    PGconn *conn;
    unsigned generation; /* bumped on every reconnect: prepared statements are gone */
    unsigned next_name;
    bool tx;            /* a transaction is open (or was, when the connection died in it) */
    bool begin_pending; /* tx, but BEGIN and the write lock not sent yet: they go with the
                           transaction's first statement */
    bool broken;        /* the connection was lost; reconnect at next use outside a tx */
    int queued;         /* statements sent in pipeline mode and not read back yet */
};

struct pg_param {
    char *val; /* NULL binds NULL; points at num or an owned copy */
    int len;
    int format; /* 0 text, 1 binary (blobs) */
    Oid type;   /* the bound value's type, used only when the server cannot infer one */
    bool owned;
    char num[32];
};

struct pg_stmt {
    struct ubur_stmt base;
    char *sql; /* translated */
    int nparams;
    struct pg_param *params;
    Oid *types; /* set once the server needed explicit parameter types */
    char name[24];
    unsigned prepared_gen; /* connection generation of the server-side statement, 0 = none */
    int bind_error;        /* an out-of-range index was bound */
    PGresult *res;         /* result of the current execution, NULL before */
    PGresult *desc;        /* statement description, for columns before a step */
    int row, nrows;
    bool done;
    int64_t changes;
    char **decoded; /* per column: bytea decoded for the current row */
    size_t *decoded_len;
    int ndecoded;
};

static const struct ubur_store_ops pg_ops;

static struct pg_store *
pg_store(struct ubur_store *s)
{
    if (s->ops != &pg_ops)
        abort();
    return (struct pg_store *)s;
}

static struct pg_stmt *
pg_stmt(struct ubur_stmt *st)
{
    pg_store(st->store);
    return (struct pg_stmt *)st;
}

/* ---------------------------------------------------------------------------------------
 * Dialect translation
 */

static bool
is_word_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool
is_word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Skips whitespace and comments. */
static const char *
skip_blank(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/* If p starts with the word w (case-insensitive, whole word), returns its end, else NULL. */
static const char *
match_word(const char *p, const char *w)
{
    size_t n = strlen(w);
    if (strncasecmp(p, w, n) != 0 || is_word_char((unsigned char)p[n]))
        return NULL;
    return p + n;
}

/* End of a dollar-quote opening tag at p ("$$" or "$tag$"), or NULL. */
static const char *
dollar_tag_end(const char *p)
{
    const char *q = p + 1;
    if (*q != '$' && !(isalpha((unsigned char)*q) || *q == '_'))
        return NULL;
    while (isalnum((unsigned char)*q) || *q == '_')
        q++;
    return *q == '$' ? q + 1 : NULL;
}

/*
 * Applies "-- ubur:postgresql" (uncomment the lines up to "-- ubur:end") and
 * "-- ubur:sqlite" (drop them) blocks. Returns a malloc'd copy or NULL after
 * setting err.
 */
static char *
apply_blocks(const char *sql, struct ubur_error *err)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    enum { NONE, PG_ONLY, SQLITE_ONLY } mode = NONE;
    int line = 0, block_line = 0;
    const char *p = sql;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *t = p;
        line++;
        while (t < p + len && (*t == ' ' || *t == '\t'))
            t++;
        size_t tlen = len - (size_t)(t - p);
        bool marker = tlen >= 7 && !strncmp(t, "-- ubur:", 8);
        if (marker) {
            const char *m = t + 8;
            if (!strncmp(m, "postgresql", 10) || !strncmp(m, "sqlite", 6)) {
                if (mode != NONE) {
                    ubur_buf_release(&b);
                    ubur_error_set(err, UBUR_EINTERNAL,
                                   "line %d: block opened inside the block of line %d", line,
                                   block_line);
                    return NULL;
                }
                mode = m[0] == 'p' ? PG_ONLY : SQLITE_ONLY;
                block_line = line;
            } else if (!strncmp(m, "end", 3)) {
                if (mode == NONE) {
                    ubur_buf_release(&b);
                    ubur_error_set(err, UBUR_EINTERNAL, "line %d: '-- ubur:end' without a block",
                                   line);
                    return NULL;
                }
                mode = NONE;
            } else {
                ubur_buf_release(&b);
                ubur_error_set(err, UBUR_EINTERNAL, "line %d: unknown marker '%.*s'", line,
                               (int)tlen, t);
                return NULL;
            }
        } else if (mode == PG_ONLY) {
            if (tlen > 0 && strncmp(t, "--", 2) != 0) {
                ubur_buf_release(&b);
                ubur_error_set(err, UBUR_EINTERNAL,
                               "line %d: lines of a '-- ubur:postgresql' block must be commented"
                               " out (SQLite runs the file as it is)",
                               line);
                return NULL;
            }
            if (tlen > 0) {
                t += 2;
                if (*t == ' ')
                    t++;
                ubur_buf_add(&b, t, len - (size_t)(t - p));
            }
        } else if (mode == NONE) {
            ubur_buf_add(&b, p, len);
        }
        ubur_buf_addch(&b, '\n');
        p = eol ? eol + 1 : p + len;
    }
    if (mode != NONE) {
        ubur_buf_release(&b);
        ubur_error_set(err, UBUR_EINTERNAL, "line %d: block not closed by '-- ubur:end'",
                       block_line);
        return NULL;
    }
    return ubur_buf_detach(&b, NULL);
}

char *
ubur_store_pg_translate(const char *sql, bool ddl, int *nparams, struct ubur_error *err)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    char *blocks = NULL;
    int n = 0, depth = 0;
    char prev = 0;          /* last significant character emitted ('w' after a word) */
    bool stmt_start = true; /* at the beginning of a statement */

    if (ddl) {
        blocks = apply_blocks(sql, err);
        if (!blocks)
            return NULL;
        sql = blocks;
    }
    const char *p = sql;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        const char *q;
        if (c == '\'' || c == '"') {
            q = p + 1;
            for (;;) {
                if (!*q)
                    break;
                if (*q == (char)c) {
                    if (q[1] == (char)c) {
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                q++;
            }
            ubur_buf_add(&b, p, (size_t)(q - p));
            p = q;
            prev = 'w';
            stmt_start = false;
        } else if ((c == '-' && p[1] == '-') || (c == '/' && p[1] == '*')) {
            q = skip_blank(p);
            ubur_buf_add(&b, p, (size_t)(q - p));
            p = q;
        } else if (c == '$' && ddl && (q = dollar_tag_end(p)) != NULL) {
            size_t tag = (size_t)(q - p);
            const char *e = q;
            while (*e && strncmp(e, p, tag) != 0)
                e++;
            e = *e ? e + tag : e;
            ubur_buf_add(&b, p, (size_t)(e - p));
            p = e;
            prev = 'w';
            stmt_start = false;
        } else if (c == '?' && !ddl) {
            if (isdigit((unsigned char)p[1])) {
                ubur_buf_release(&b);
                ubur_error_set(err, UBUR_EINTERNAL,
                               "numbered placeholder '?%c...' is not in the common dialect: use ?",
                               p[1]);
                return NULL;
            }
            ubur_buf_addf(&b, "$%d", ++n);
            p++;
            prev = 'w';
            stmt_start = false;
        } else if (is_word_start(c)) {
            q = p;
            while (is_word_char((unsigned char)*q))
                q++;
            bool qualified = prev == '.';
            const char *e;
            if (ddl && stmt_start && match_word(p, "PRAGMA")) {
                /* SQLite-only: drop the statement with its semicolon */
                while (*q && *q != ';')
                    q++;
                p = *q ? q + 1 : q;
                continue;
            }
            stmt_start = false;
            if (qualified) {
                ubur_buf_add(&b, p, (size_t)(q - p));
            } else if (ddl && match_word(p, "INTEGER") &&
                       (e = match_word(skip_blank(q), "PRIMARY")) &&
                       (e = match_word(skip_blank(e), "KEY"))) {
                ubur_buf_adds(&b, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
                const char *a = match_word(skip_blank(e), "AUTOINCREMENT");
                q = a ? a : e;
            } else if (ddl && match_word(p, "AUTOINCREMENT")) {
                /* identity columns never reuse values anyway */
            } else if (ddl && depth == 0 && prev == ')' &&
                       (match_word(p, "STRICT") || match_word(p, "WITHOUT"))) {
                /* SQLite table options: drop the run "STRICT, WITHOUT ROWID" */
                for (;;) {
                    const char *r = skip_blank(q);
                    if (*r == ',')
                        r = skip_blank(r + 1);
                    if ((e = match_word(r, "STRICT")) || (e = match_word(r, "WITHOUT")) ||
                        (e = match_word(r, "ROWID")))
                        q = e;
                    else
                        break;
                }
            } else if (match_word(p, "INTEGER")) {
                ubur_buf_adds(&b, "BIGINT");
            } else if (match_word(p, "REAL")) {
                ubur_buf_adds(&b, "DOUBLE PRECISION");
            } else if (match_word(p, "BLOB")) {
                ubur_buf_adds(&b, "BYTEA");
            } else {
                ubur_buf_add(&b, p, (size_t)(q - p));
            }
            p = q;
            prev = 'w';
        } else {
            if (c == '(')
                depth++;
            else if (c == ')' && depth > 0)
                depth--;
            if (c == ';' && depth == 0)
                stmt_start = true;
            if (!isspace(c))
                prev = (char)c;
            ubur_buf_addch(&b, (char)c);
            p++;
        }
    }
    free(blocks);
    if (nparams)
        *nparams = n;
    return ubur_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------------------------------
 * Connection and errors
 */

static void
pg_ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void
trim_message(char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        m[--n] = '\0';
}

/* Sets up a fresh session; 0 or a code. */
static int
pg_session_setup(struct pg_store *s, struct ubur_error *err)
{
    PQsetNoticeProcessor(s->conn, pg_ignore_notice, NULL);
    if (PQserverVersion(s->conn) < PG_MIN_SERVER)
        return ubur_error_set(
            err, UBUR_ESTORE, "PostgreSQL %d.%d is too old: ubur needs 12 or later",
            PQserverVersion(s->conn) / 10000, PQserverVersion(s->conn) % 10000 / 100);
    PGresult *r = PQexec(s->conn, "SET synchronous_commit TO on; SET bytea_output TO hex;"
                                  " SET standard_conforming_strings TO on;"
                                  " SET client_min_messages TO warning; SET TimeZone TO 'UTC';"
                                  " SET DateStyle TO ISO");
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(s->conn));
        trim_message(msg);
        rc = ubur_error_set(err, UBUR_ESTORE, "cannot set up the PostgreSQL session: %s", msg);
    }
    PQclear(r);
    return rc;
}

int
ubur_store_pg_open(struct ubur_store **out, const char *conninfo, struct ubur_error *err)
{
    *out = NULL;
    /* Our defaults come first so the caller's conninfo (expanded from dbname) overrides
     * them; client_encoding comes last because ubur speaks UTF-8 only. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"10", "ubur", conninfo, "UTF8", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn)
        return ubur_error_set(err, UBUR_ESTORE, "cannot connect to PostgreSQL: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
        trim_message(msg);
        PQfinish(conn);
        /* not the conninfo itself: it may hold a password */
        return ubur_error_set(err, UBUR_EBUSY, "cannot connect to PostgreSQL: %s", msg);
    }
    struct pg_store *s = ubur_calloc(1, sizeof(*s));
    s->base.ops = &pg_ops;
    s->conn = conn;
    s->generation = 1;
    int rc = pg_session_setup(s, err);
    if (rc) {
        PQfinish(conn);
        free(s);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static void
pg_close(struct ubur_store *base)
{
    struct pg_store *s = pg_store(base);
    PQfinish(s->conn);
    free(s);
}

static int pg_drain(struct pg_store *s, struct ubur_error *err);
static int pg_begin_now(struct pg_store *s, struct ubur_error *err);
static int pg_exec_raw(struct pg_store *s, const char *sql, struct ubur_error *err,
                       const char *what);

/* Reads back queued statements; reconnects when the connection was lost outside a transaction. */
static int
pg_ensure(struct pg_store *s, struct ubur_error *err)
{
    if (!s->broken && PQstatus(s->conn) == CONNECTION_OK) {
        if (s->queued || PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
            return pg_drain(s, err);
        return s->begin_pending ? pg_begin_now(s, err) : 0;
    }
    if (s->tx && !s->begin_pending) /* nothing was sent in a pending transaction: reconnect */
        return ubur_error_set(err, UBUR_EBUSY,
                              "connection to PostgreSQL lost inside a transaction, which was"
                              " rolled back: roll back and retry");
    PQreset(s->conn);
    s->queued = 0;
    if (PQstatus(s->conn) == CONNECTION_OK && PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(s->conn));
        trim_message(msg);
        s->broken = true;
        return ubur_error_set(err, UBUR_EBUSY, "cannot reconnect to PostgreSQL: %s", msg);
    }
    s->generation++;
    s->broken = false;
    int rc = pg_session_setup(s, err);
    if (!rc && s->begin_pending)
        rc = pg_begin_now(s, err);
    return rc;
}

static int
code_for_sqlstate(const char *st)
{
    if (!st || strlen(st) != 5)
        return UBUR_ESTORE;
    if (!strncmp(st, "23", 2)) /* integrity constraint violation */
        return UBUR_ECONFLICT;
    if (!strcmp(st, "53100")) /* disk_full */
        return UBUR_EFULL;
    if (!strncmp(st, "53", 2) || !strncmp(st, "08", 2) || !strncmp(st, "57P", 3) ||
        !strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03") ||
        !strcmp(st, "57014"))
        return UBUR_EBUSY;     /* resources, connection, shutdown, serialization, locks, timeout */
    if (!strncmp(st, "22", 2)) /* data exception: a value the column cannot hold */
        return UBUR_EINVAL;
    return UBUR_ESTORE;
}

/*
 * Sets err from a failed result (or the connection when res is NULL) and
 * returns the code. Notices a lost connection.
 */
static int
pg_fail(struct pg_store *s, const PGresult *res, struct ubur_error *err, const char *what)
{
    char msg[200];
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(msg, sizeof(msg), "%s", primary ? primary : PQerrorMessage(s->conn));
    trim_message(msg);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        s->broken = true;
        return ubur_error_set(err, UBUR_EBUSY, "%s: connection to PostgreSQL lost%s: %s", what,
                              s->tx ? " (the transaction was rolled back)" : "", msg);
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = code_for_sqlstate(state);
    if (state && !strcmp(state, "25P02"))
        return ubur_error_set(err, UBUR_ESTORE,
                              "%s: transaction aborted by an earlier failed statement", what);
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (code == UBUR_ECONFLICT && constraint && !strstr(msg, constraint))
        return ubur_error_set(err, code, "%s: %s (%s)", what, msg, constraint);
    return ubur_error_set(err, code, "%s: %s", what, msg);
}

/*
 * Ends the pipeline with a sync, reads every result back and leaves pipeline
 * mode: one round trip for everything sent since the last one. Returns 0 or
 * the first failure among the statements sent (later ones were skipped by the
 * server). With `last`, the result of the last statement sent (one that wants
 * its answer: a query or COMMIT, named by `what`) is kept there; it is NULL
 * after a failure.
 */
static int
pg_sync(struct pg_store *s, PGresult **last, struct ubur_error *err, const char *what)
{
    if (last)
        *last = NULL;
    if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF) {
        s->queued = 0;
        return 0;
    }
    int rc = 0, idx = 0, want = last ? s->queued - 1 : -1;
    if (!PQpipelineSync(s->conn)) {
        rc = pg_fail(s, NULL, err, "queued statements");
    } else {
        int nulls = 0;
        for (;;) {
            PGresult *r = PQgetResult(s->conn);
            if (!r) { /* one NULL ends each statement's results; two mean nothing more comes */
                if (++nulls > 1 || PQstatus(s->conn) != CONNECTION_OK)
                    break;
                idx++;
                continue;
            }
            nulls = 0;
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (st == PGRES_FATAL_ERROR && !rc)
                rc = pg_fail(s, r, err, idx == want ? what : "queued statement");
            if (idx == want && !rc && !*last) {
                *last = r;
                continue;
            }
            PQclear(r);
        }
    }
    if (!PQexitPipelineMode(s->conn) && !rc)
        rc = pg_fail(s, NULL, err, "queued statements");
    s->queued = 0;
    if (PQstatus(s->conn) != CONNECTION_OK) /* a failure read before libpq saw the loss */
        rc = pg_fail(s, NULL, err, last ? what : "queued statements");
    if (!rc && last && !*last)
        rc = ubur_error_set(err, UBUR_ESTORE, "%s: no result from PostgreSQL", what);
    if (rc && last && *last) {
        PQclear(*last);
        *last = NULL;
    }
    return rc;
}

/* Reads back the results of the queued statements and leaves pipeline mode. */
static int
pg_drain(struct pg_store *s, struct ubur_error *err)
{
    return pg_sync(s, NULL, err, NULL);
}

/* The SQL that opens a transaction and takes ubur's write lock. */
static void
begin_sql(char *out, size_t cap, bool with_begin)
{
    snprintf(out, cap, "%sSELECT pg_advisory_xact_lock(%d, %d)", with_begin ? "BEGIN; " : "",
             PG_LOCK_NS, PG_LOCK_WRITE);
}

/* Sends a pending BEGIN and the write lock now, in one round trip. */
static int
pg_begin_now(struct pg_store *s, struct ubur_error *err)
{
    char sql[128];
    begin_sql(sql, sizeof(sql), true);
    s->begin_pending = false;
    return pg_exec_raw(s, sql, err, "begin");
}

/*
 * Enters pipeline mode (when not in it) and sends a pending BEGIN and the
 * write lock first, so they travel with the statement that follows.
 */
static int
pg_pipeline_on(struct pg_store *s, struct ubur_error *err)
{
    if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(s->conn))
        return pg_fail(s, NULL, err, "pipeline");
    if (s->begin_pending) {
        char lock[96];
        begin_sql(lock, sizeof(lock), false);
        if (!PQsendQueryParams(s->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) ||
            !PQsendQueryParams(s->conn, lock, 0, NULL, NULL, NULL, NULL, 0))
            return pg_fail(s, NULL, err, "begin");
        s->queued += 2;
        s->begin_pending = false;
    }
    return 0;
}

static int
pg_exec_raw(struct pg_store *s, const char *sql, struct ubur_error *err, const char *what)
{
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = pg_fail(s, r, err, what);
    PQclear(r);
    return rc;
}

/*
 * True for one SAVEPOINT, RELEASE or SET LOCAL statement: transaction
 * control whose only answer is success, queued inside a transaction.
 */
static bool
queueable_control(const char *sql)
{
    const char *t = skip_blank(sql), *e;
    if (!match_word(t, "SAVEPOINT") && !match_word(t, "RELEASE") &&
        !((e = match_word(t, "SET")) && match_word(skip_blank(e), "LOCAL")))
        return false;
    const char *semi = strchr(t, ';'); /* one statement only (a ';' in a literal: not queued) */
    return !semi || !*skip_blank(semi + 1);
}

static int
pg_exec(struct ubur_store *base, const char *sql, struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    const char *t0 = skip_blank(sql);
    int rc = 0;
    if (s->tx && s->queued && !strncasecmp(t0, "ROLLBACK", 8))
        pg_drain(s, NULL); /* what was queued since the savepoint is being undone */
    char *pgsql = ubur_store_pg_translate(sql, true, NULL, err);
    if (!pgsql)
        return err ? err->code : UBUR_EINTERNAL;
    const char *t = skip_blank(pgsql);
    if (s->tx && !s->broken && PQstatus(s->conn) == CONNECTION_OK && queueable_control(t)) {
        /* a savepoint or SET LOCAL goes in the pipeline with the statements around it; a
         * failure shows at the next sync, as a queued write's does */
        if (s->queued >= PG_QUEUE_MAX)
            rc = pg_drain(s, err);
        if (!rc)
            rc = pg_pipeline_on(s, err);
        if (!rc && !PQsendQueryParams(s->conn, t, 0, NULL, NULL, NULL, NULL, 0))
            rc = pg_fail(s, NULL, err, "exec");
        if (!rc)
            s->queued++;
        free(pgsql);
        return rc;
    }
    /* A pending BEGIN goes in front of the SQL, in the same round trip. */
    bool with_begin = s->begin_pending && !s->broken && PQstatus(s->conn) == CONNECTION_OK &&
                      PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF;
    if (with_begin)
        s->begin_pending = false;
    if ((rc = pg_ensure(s, err))) {
        free(pgsql);
        return rc;
    }
    if (with_begin) {
        char begin[128];
        begin_sql(begin, sizeof(begin), true);
        struct ubur_buf b = UBUR_BUF_INIT;
        ubur_buf_addf(&b, "%s;\n%s", begin, pgsql);
        rc = pg_exec_raw(s, b.s, err, "exec");
        ubur_buf_release(&b);
    } else if (*t) { /* an empty query (only PRAGMAs, say) has nothing to send */
        rc = pg_exec_raw(s, pgsql, err, "exec");
    }
    free(pgsql);
    return rc;
}

static int
pg_begin(struct ubur_store *base, struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    int rc = pg_ensure(s, err);
    if (rc)
        return rc;
    /* Nothing is sent yet: BEGIN and the lock go with the first statement (pg_pipeline_on,
     * pg_exec, pg_ensure), so they cost no round trip of their own. */
    s->tx = true;
    s->begin_pending = true;
    return 0;
}

static int
pg_commit(struct ubur_store *base, struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    if (s->begin_pending) { /* nothing was sent: nothing to commit */
        s->begin_pending = false;
        s->tx = false;
        return 0;
    }
    if (s->broken || PQstatus(s->conn) != CONNECTION_OK) {
        s->broken = true;
        return ubur_error_set(err, UBUR_EBUSY,
                              "commit: connection to PostgreSQL lost inside the transaction,"
                              " which was rolled back");
    }
    PGresult *r;
    int rc = 0;
    if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF) {
        /* COMMIT travels with the queued writes: one round trip for both */
        if (PQsendQueryParams(s->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            s->queued++;
        else
            rc = pg_fail(s, NULL, err, "commit");
        int src = pg_sync(s, rc ? NULL : &r, rc ? NULL : err, "commit");
        if (!rc && src && PQstatus(s->conn) != CONNECTION_OK)
            src = ubur_error_set(err, UBUR_ESTORE,
                                 "commit: connection to PostgreSQL lost during commit: the"
                                 " transaction may or may not have been committed");
        if (!rc)
            rc = src;
        if (rc) {
            s->tx = false;
            return rc; /* ubur_store_commit rolls back */
        }
    } else {
        r = PQexec(s->conn, "COMMIT");
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (PQstatus(s->conn) != CONNECTION_OK) {
            s->broken = true;
            rc = ubur_error_set(err, UBUR_ESTORE,
                                "commit: connection to PostgreSQL lost during commit: the"
                                " transaction may or may not have been committed");
        } else {
            rc = pg_fail(s, r, err, "commit");
        }
    } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        /* the server answers ROLLBACK to COMMIT when the transaction had failed */
        rc = ubur_error_set(err, UBUR_ESTORE,
                            "commit: the server rolled the transaction back (a statement in it"
                            " had failed)");
    }
    PQclear(r);
    s->tx = false;
    return rc;
}

static void
pg_rollback(struct ubur_store *base)
{
    struct pg_store *s = pg_store(base);
    s->tx = false;
    if (s->begin_pending) { /* nothing was sent */
        s->begin_pending = false;
        return;
    }
    if (s->broken || PQstatus(s->conn) != CONNECTION_OK)
        return; /* the server rolled it back when the connection died */
    pg_drain(s, NULL);
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
        PQclear(PQexec(s->conn, "ROLLBACK"));
}

static int
pg_lock_schema(struct ubur_store *base, bool lock, struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    int rc = pg_ensure(s, err);
    if (rc)
        return rc;
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT %s(%d, %d)",
             lock ? "pg_advisory_lock" : "pg_advisory_unlock", PG_LOCK_NS, PG_LOCK_SCHEMA);
    return pg_exec_raw(s, sql, err, lock ? "lock the schema" : "unlock the schema");
}

/* ---------------------------------------------------------------------------------------
 * Statements
 */

static int
pg_prepare(struct ubur_store *base, const char *sql, struct ubur_stmt **out, struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    int n = 0;
    char *pgsql = ubur_store_pg_translate(sql, false, &n, err);
    if (!pgsql)
        return err ? err->code : UBUR_EINTERNAL;
    struct pg_stmt *st = ubur_calloc(1, sizeof(*st));
    st->base.store = base;
    st->sql = pgsql;
    st->nparams = n;
    st->params = ubur_calloc((size_t)(n > 0 ? n : 1), sizeof(*st->params));
    snprintf(st->name, sizeof(st->name), "u%u", ++s->next_name);
    st->row = -1;
    *out = &st->base;
    return 0;
}

static void
clear_param(struct pg_param *p)
{
    if (p->owned)
        free(p->val);
    p->val = NULL;
    p->owned = false;
    p->len = 0;
    p->format = 0;
    p->type = 0;
}

static void
clear_decoded(struct pg_stmt *st)
{
    for (int i = 0; i < st->ndecoded; i++) {
        free(st->decoded[i]);
        st->decoded[i] = NULL;
    }
}

static void
pg_reset(struct ubur_stmt *b)
{
    struct pg_stmt *st = pg_stmt(b);
    PQclear(st->res);
    st->res = NULL;
    clear_decoded(st);
    for (int i = 0; i < st->nparams; i++)
        clear_param(&st->params[i]);
    st->bind_error = 0;
    st->row = -1;
    st->nrows = 0;
    st->done = false;
}

static void
pg_finalize(struct ubur_stmt *b)
{
    struct pg_stmt *st = pg_stmt(b);
    /* A named statement lives until the connection closes: cached ones are finalized only
     * then, and dynamic ones are never prepared under a name. */
    pg_reset(b);
    PQclear(st->desc);
    free(st->decoded);
    free(st->decoded_len);
    free(st->params);
    free(st->types);
    free(st->sql);
    free(st);
}

static struct pg_param *
param(struct pg_stmt *st, int idx)
{
    if (idx < 1 || idx > st->nparams) {
        if (!st->bind_error)
            st->bind_error = idx;
        return NULL;
    }
    struct pg_param *p = &st->params[idx - 1];
    clear_param(p);
    return p;
}

static void
pg_bind_text(struct ubur_stmt *b, int i, const char *v)
{
    struct pg_param *p = param(pg_stmt(b), i);
    if (!p)
        return;
    p->val = ubur_strdup(v);
    p->owned = true;
    p->len = (int)strlen(v);
    p->type = PG_TEXTOID;
}

static void
pg_bind_int(struct ubur_stmt *b, int i, int64_t v)
{
    struct pg_param *p = param(pg_stmt(b), i);
    if (!p)
        return;
    p->len = snprintf(p->num, sizeof(p->num), "%lld", (long long)v);
    p->val = p->num;
    p->type = PG_INT8OID;
}

static void
pg_bind_double(struct ubur_stmt *b, int i, double v)
{
    struct pg_param *p = param(pg_stmt(b), i);
    if (!p)
        return;
    if (isnan(v))
        p->len = snprintf(p->num, sizeof(p->num), "NaN");
    else if (isinf(v))
        p->len = snprintf(p->num, sizeof(p->num), "%sInfinity", v < 0 ? "-" : "");
    else
        p->len = snprintf(p->num, sizeof(p->num), "%.17g", v);
    p->val = p->num;
    p->type = PG_FLOAT8OID;
}

static void
pg_bind_blob(struct ubur_stmt *b, int i, const void *v, size_t n)
{
    struct pg_param *p = param(pg_stmt(b), i);
    if (!p)
        return;
    p->val = ubur_malloc(n ? n : 1);
    if (n)
        memcpy(p->val, v, n);
    p->owned = true;
    p->len = (int)n;
    p->format = 1; /* binary bytea: the bytes as they are */
    p->type = PG_BYTEAOID;
}

static void
pg_bind_null(struct ubur_stmt *b, int i)
{
    param(pg_stmt(b), i);
}

static bool
is_sqlstate(const PGresult *r, const char *state)
{
    const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return s && !strcmp(s, state);
}

/* The types of the values bound, for statements whose parameter types the server cannot infer. */
static void
take_bound_types(struct pg_stmt *st)
{
    if (!st->types)
        st->types = ubur_calloc((size_t)(st->nparams > 0 ? st->nparams : 1), sizeof(Oid));
    for (int i = 0; i < st->nparams; i++)
        st->types[i] = st->params[i].type ? st->params[i].type : PG_TEXTOID;
}

/* Prepares the statement under its name on this connection; 0 or a code. */
static int
prepare_named(struct pg_store *s, struct pg_stmt *st, struct ubur_error *err)
{
    if (st->prepared_gen == s->generation)
        return 0;
    PGresult *r = PQprepare(s->conn, st->name, st->sql, st->nparams, st->types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && !st->types && is_sqlstate(r, "42P18")) {
        /* "could not determine data type of parameter": use the bound values' types */
        PQclear(r);
        take_bound_types(st);
        r = PQprepare(s->conn, st->name, st->sql, st->nparams, st->types);
    }
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pg_fail(s, r, err, "prepare");
    else
        st->prepared_gen = s->generation;
    PQclear(r);
    return rc;
}

/*
 * A statement's bound parameters as the three arrays libpq takes, in one
 * allocation (NULLs when it has none); free with free(a->values).
 */
struct pg_args {
    const char **values;
    int *lengths;
    int *formats;
};

static void
pg_args_take(const struct pg_stmt *st, struct pg_args *a)
{
    *a = (struct pg_args){0};
    if (st->nparams <= 0)
        return;
    size_t n = (size_t)st->nparams;
    a->values = ubur_malloc(n * (sizeof(*a->values) + 2 * sizeof(int)));
    a->lengths = (int *)(a->values + n);
    a->formats = a->lengths + n;
    for (size_t i = 0; i < n; i++) {
        a->values[i] = st->params[i].val;
        a->lengths[i] = st->params[i].len;
        a->formats[i] = st->params[i].format;
    }
}

static PGresult *
execute(struct pg_store *s, struct pg_stmt *st, const char *const *values, const int *lengths,
        const int *formats, struct ubur_error *err, int *rc)
{
    *rc = 0;
    if (st->base.key) {
        if ((*rc = prepare_named(s, st, err)))
            return NULL;
        return PQexecPrepared(s->conn, st->name, st->nparams, values, lengths, formats, 0);
    }
    PGresult *r =
        PQexecParams(s->conn, st->sql, st->nparams, st->types, values, lengths, formats, 0);
    if (PQresultStatus(r) == PGRES_FATAL_ERROR && !st->types && is_sqlstate(r, "42P18")) {
        PQclear(r);
        take_bound_types(st);
        r = PQexecParams(s->conn, st->sql, st->nparams, st->types, values, lengths, formats, 0);
    }
    return r;
}

/*
 * Runs a cached statement behind what is already in the pipeline (queued
 * writes, a pending BEGIN and lock) and syncs: one round trip for all of
 * them instead of one to read them back and one for the statement. Returns 1
 * when that does not apply (the caller runs it on its own), else 0 with *out
 * set, or a failure (a queued statement's or this one's).
 */
static int
run_pipelined(struct pg_store *s, struct pg_stmt *st, const struct pg_args *a, PGresult **out,
              struct ubur_error *err)
{
    int rc;
    bool piped = PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF;
    if (!st->base.key || s->broken || PQstatus(s->conn) != CONNECTION_OK ||
        !(s->begin_pending || piped) || (piped && st->prepared_gen != s->generation))
        return 1;
    if (!piped && (rc = prepare_named(s, st, err))) /* once per connection, outside the pipeline */
        return rc;
    if ((rc = pg_pipeline_on(s, err)))
        return rc;
    if (!PQsendQueryPrepared(s->conn, st->name, st->nparams, a->values, a->lengths, a->formats, 0))
        return pg_fail(s, NULL, err, "query");
    s->queued++;
    return pg_sync(s, out, err, "query");
}

static int
run(struct pg_stmt *st, struct ubur_error *err)
{
    struct pg_store *s = pg_store(st->base.store);
    int rc;
    if (st->bind_error)
        return ubur_error_set(err, UBUR_EINTERNAL, "parameter %d bound but the statement has %d",
                              st->bind_error, st->nparams);
    struct pg_args a;
    pg_args_take(st, &a);
    const char **values = a.values;
    int *lengths = a.lengths, *formats = a.formats;
    PGresult *r = NULL;
    rc = run_pipelined(s, st, &a, &r, err);
    if (rc <= 0) {
        free(a.values);
        if (rc)
            return rc;
        goto result;
    }
    if ((rc = pg_ensure(s, err))) {
        free(a.values);
        return rc;
    }
    r = execute(s, st, values, lengths, formats, err, &rc);
    if (!rc && !s->tx && PQresultStatus(r) == PGRES_FATAL_ERROR &&
        PQstatus(s->conn) == CONNECTION_OK &&
        (is_sqlstate(r, "26000") || is_sqlstate(r, "0A000")) && st->base.key) {
        /* The server forgot the statement (DISCARD ALL) or a migration changed its result
         * type: prepare it again once. Outside a transaction nothing was aborted. */
        PQclear(r);
        PGresult *d = PQexec(s->conn, "DEALLOCATE ALL");
        PQclear(d);
        s->generation++;
        r = execute(s, st, values, lengths, formats, err, &rc);
    }
    free(a.values);
    if (rc)
        return rc;
result:;
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        rc = pg_fail(s, r, err, "query");
        PQclear(r);
        return rc;
    }
    st->res = r;
    st->nrows = status == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    st->row = -1;
    const char *ct = PQcmdTuples(r);
    st->changes = *ct ? strtoll(ct, NULL, 10) : 0;
    int nf = PQnfields(r);
    if (nf > st->ndecoded) {
        clear_decoded(st);
        st->decoded = ubur_realloc(st->decoded, sizeof(*st->decoded) * (size_t)nf);
        st->decoded_len = ubur_realloc(st->decoded_len, sizeof(*st->decoded_len) * (size_t)nf);
        for (int i = st->ndecoded; i < nf; i++)
            st->decoded[i] = NULL;
        st->ndecoded = nf;
    }
    return 0;
}

static int
pg_step(struct ubur_stmt *b, struct ubur_error *err)
{
    struct pg_stmt *st = pg_stmt(b);
    if (st->done)
        return 0;
    if (!st->res) {
        int rc = run(st, err);
        if (rc)
            return rc;
    }
    clear_decoded(st);
    if (++st->row < st->nrows)
        return 1;
    st->done = true;
    return 0;
}

/*
 * Sends a bound statement in pipeline mode without reading its result. A cached statement is
 * prepared first, outside the pipeline, so parameter types are settled as for any other use.
 */
static int
pg_queue(struct ubur_stmt *b, struct ubur_error *err)
{
    struct pg_stmt *st = pg_stmt(b);
    struct pg_store *s = pg_store(b->store);
    int rc;
    if (!s->tx || st->bind_error)
        return pg_step(b, err); /* runs it now, or reports the binding error */
    if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF &&
        (s->queued >= PG_QUEUE_MAX || (b->key && st->prepared_gen != s->generation)))
        if ((rc = pg_drain(s, err)))
            return rc;
    if ((s->broken || PQstatus(s->conn) != CONNECTION_OK) && (rc = pg_ensure(s, err)))
        return rc;
    if (b->key && (rc = prepare_named(s, st, err)))
        return rc;
    if ((rc = pg_pipeline_on(s, err)))
        return rc;
    struct pg_args a;
    pg_args_take(st, &a);
    const char **values = a.values;
    int *lengths = a.lengths, *formats = a.formats;
    int sent =
        b->key ? PQsendQueryPrepared(s->conn, st->name, st->nparams, values, lengths, formats, 0)
               : PQsendQueryParams(s->conn, st->sql, st->nparams, st->types, values, lengths,
                                   formats, 0);
    free(a.values);
    if (!sent)
        return pg_fail(s, NULL, err, "queue");
    s->queued++;
    st->done = true; /* nothing to step through */
    st->changes = 0;
    return 0;
}

/*
 * COPY target FROM STDIN with data already in COPY text format: one round trip for any number of
 * rows (the data goes out in 64 KiB messages). A failure names the row, counted from 1 within
 * this data, from the server's context line ("COPY reg_individual, line 3").
 */
static int
pg_copy(struct ubur_store *base, const char *target, const char *data, size_t len,
        struct ubur_error *err)
{
    struct pg_store *s = pg_store(base);
    int rc = pg_ensure(s, err);
    if (rc)
        return rc;
    struct ubur_buf sql = UBUR_BUF_INIT;
    ubur_buf_addf(&sql, "COPY %s FROM STDIN", target);
    PGresult *r = PQexec(s->conn, sql.s);
    ubur_buf_release(&sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = pg_fail(s, r, err, "copy");
        PQclear(r);
        while ((r = PQgetResult(s->conn)))
            PQclear(r);
        return rc;
    }
    PQclear(r);
    for (size_t off = 0; off < len;) {
        size_t n = len - off < 65536 ? len - off : 65536;
        if (PQputCopyData(s->conn, data + off, (int)n) != 1)
            break; /* the connection failed: PQputCopyEnd and PQgetResult report it */
        off += n;
    }
    if (PQputCopyEnd(s->conn, NULL) != 1)
        return pg_fail(s, NULL, err, "copy");
    while ((r = PQgetResult(s->conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc) {
            const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
            const char *line = ctx ? strstr(ctx, ", line ") : NULL;
            char what[160];
            const char *paren = strchr(target, ' ');
            int tlen = paren ? (int)(paren - target) : (int)strlen(target);
            if (line)
                snprintf(what, sizeof(what), "copy into %.*s, row %ld", tlen, target,
                         strtol(line + 7, NULL, 10));
            else
                snprintf(what, sizeof(what), "copy into %.*s", tlen, target);
            rc = pg_fail(s, r, err, what);
        }
        PQclear(r);
    }
    return rc;
}

/* The result that describes the columns: the current one, or a description of the statement. */
static const PGresult *
shape(struct pg_stmt *st)
{
    if (st->res)
        return st->res;
    if (st->desc)
        return st->desc;
    struct pg_store *s = pg_store(st->base.store);
    if (pg_ensure(s, NULL))
        return NULL;
    const char *name = st->name;
    if (st->base.key) {
        if (prepare_named(s, st, NULL))
            return NULL;
    } else {
        name = ""; /* the unnamed statement: replaced by the next one, nothing to free */
        PGresult *r = PQprepare(s->conn, name, st->sql, st->nparams, st->types);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            return NULL;
    }
    PGresult *d = PQdescribePrepared(s->conn, name);
    if (PQresultStatus(d) != PGRES_COMMAND_OK) {
        PQclear(d);
        return NULL;
    }
    st->desc = d;
    return d;
}

static int
pg_columns(struct ubur_stmt *b)
{
    const PGresult *r = shape(pg_stmt(b));
    return r ? PQnfields(r) : 0;
}

static const char *
pg_column_name(struct ubur_stmt *b, int col)
{
    const PGresult *r = shape(pg_stmt(b));
    return r && col >= 0 && col < PQnfields(r) ? PQfname(r, col) : NULL;
}

/* True when the statement is on a row and col is one of its columns. */
static bool
on_row(struct pg_stmt *st, int col)
{
    return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 && col < PQnfields(st->res);
}

static bool
pg_is_null(struct ubur_stmt *b, int col)
{
    struct pg_stmt *st = pg_stmt(b);
    return !on_row(st, col) || PQgetisnull(st->res, st->row, col);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The bytes of a bytea value of the current row ("\x..." hex), NUL-terminated. */
static const char *
decoded(struct pg_stmt *st, int col, size_t *n)
{
    if (!st->decoded[col]) {
        const char *v = PQgetvalue(st->res, st->row, col);
        size_t len = (size_t)PQgetlength(st->res, st->row, col);
        char *out = ubur_malloc(len / 2 + 1);
        size_t k = 0;
        if (len >= 2 && v[0] == '\\' && v[1] == 'x') {
            for (size_t i = 2; i + 1 < len; i += 2) {
                int hi = hexval(v[i]), lo = hexval(v[i + 1]);
                if (hi < 0 || lo < 0)
                    break;
                out[k++] = (char)(hi << 4 | lo);
            }
        }
        out[k] = '\0';
        st->decoded[col] = out;
        st->decoded_len[col] = k;
    }
    *n = st->decoded_len[col];
    return st->decoded[col];
}

static const char *
pg_text(struct ubur_stmt *b, int col)
{
    struct pg_stmt *st = pg_stmt(b);
    if (pg_is_null(b, col))
        return NULL;
    const char *v = PQgetvalue(st->res, st->row, col);
    switch (PQftype(st->res, col)) {
    case PG_BOOLOID: /* as SQLite shows a comparison's result */
        return v[0] == 't' ? "1" : "0";
    case PG_BYTEAOID: {
        size_t n;
        return decoded(st, col, &n);
    }
    default:
        return v;
    }
}

static int64_t
pg_int(struct ubur_stmt *b, int col)
{
    struct pg_stmt *st = pg_stmt(b);
    if (pg_is_null(b, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == PG_BOOLOID)
        return v[0] == 't';
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end == '\0' && end != v && errno == 0)
        return x;
    double d = strtod(v, &end); /* numeric or float text: truncate, as SQLite does */
    if (end == v || isnan(d))
        return 0;
    if (d >= 9.2233720368547758e18)
        return INT64_MAX;
    if (d <= -9.2233720368547758e18)
        return INT64_MIN;
    return (int64_t)d;
}

static double
pg_double(struct ubur_stmt *b, int col)
{
    struct pg_stmt *st = pg_stmt(b);
    if (pg_is_null(b, col))
        return 0.0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == PG_BOOLOID)
        return v[0] == 't' ? 1.0 : 0.0;
    char *end;
    double d = strtod(v, &end);
    return end == v ? 0.0 : d;
}

static const void *
pg_blob(struct ubur_stmt *b, int col, size_t *n)
{
    struct pg_stmt *st = pg_stmt(b);
    *n = 0;
    if (pg_is_null(b, col))
        return NULL;
    if (PQftype(st->res, col) == PG_BYTEAOID)
        return decoded(st, col, n);
    *n = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}

static int64_t
pg_changes(struct ubur_stmt *b)
{
    return pg_stmt(b)->changes;
}

static const struct ubur_store_ops pg_ops = {
    .name = "postgresql",
    .kind = UBUR_STORE_PG,
    .close = pg_close,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock_schema = pg_lock_schema,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .columns = pg_columns,
    .column_name = pg_column_name,
    .is_null = pg_is_null,
    .text = pg_text,
    .int64 = pg_int,
    .dbl = pg_double,
    .blob = pg_blob,
    .changes = pg_changes,
    .queue = pg_queue,
    .copy = pg_copy,
};
