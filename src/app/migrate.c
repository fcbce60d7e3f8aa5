/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copying a database between backends (migrate.h): reads the source's
 * tables, columns, primary keys and foreign keys from SQLite's catalogue,
 * orders the tables so a referenced table is copied before the tables that
 * reference it, then for each table walks the primary key in batches
 * (keyset pagination, never OFFSET): one multi-row INSERT ... ON CONFLICT
 * per batch in its own target transaction, then the same keys read back
 * from the target and compared row by row through a 128-bit BLAKE2b hash of
 * each row's values, encoded by the column's declared type so that both
 * backends' representations of a value hash alike. The per-table checksum
 * is the sum of the row hashes, so it does not depend on the order rows
 * come back in.
 *
 * Table and column names are used in SQL text, so they must be plain
 * lowercase identifiers (the common dialect's rule); anything else is
 * refused before a statement is built.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/alloc.h"
#include "ubur/migrate.h"
#include "ubur/banned.h"

#define BATCH_MAX 500
#define PARAMS_MAX 30000 /* below SQLite's 32766 and PostgreSQL's 65535 bind parameters */
#define HASH_LEN 16

/* Tables not copied: login sessions are secrets for one server, and schema_migrations is
 * written by the target's own migrations. */
static const char *const skipped_tables[] = {"sessions", NULL};

enum coltype { COL_INT, COL_REAL, COL_TEXT, COL_BLOB };

struct column {
    char *name;
    enum coltype type;
    bool rowid; /* INTEGER PRIMARY KEY: an identity column on PostgreSQL */
};

struct table {
    char *name;
    struct column *cols;
    int ncols;
    int *pk; /* indices into cols, in key order */
    int npk;
    char **deps; /* tables this one references */
    int ndeps;
    bool placed;
};

struct value {
    char kind; /* 'N' null, 'I', 'R', 'T', 'B' */
    int64_t i;
    double r;
    const char *p;
    size_t n;
};

struct row {
    struct value *v;
    unsigned char hash[HASH_LEN];
    struct ubur_buf key; /* canonical encoding of the primary key */
};

static bool
plain_identifier(const char *s)
{
    if (!s || !*s || strlen(s) > 63 || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* SQLite's type affinity rules, restricted to the common dialect's four types. */
static enum coltype
affinity(const char *decl)
{
    char up[64];
    size_t i = 0;
    for (; decl && decl[i] && i < sizeof(up) - 1; i++)
        up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
    up[i] = '\0';
    if (strstr(up, "INT"))
        return COL_INT;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
        return COL_TEXT;
    if (!up[0] || strstr(up, "BLOB"))
        return COL_BLOB;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
        return COL_REAL;
    return COL_TEXT;
}

static void
free_tables(struct table *t, int n)
{
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < t[i].ncols; c++)
            free(t[i].cols[c].name);
        for (int d = 0; d < t[i].ndeps; d++)
            free(t[i].deps[d]);
        free(t[i].cols);
        free(t[i].pk);
        free(t[i].deps);
        free(t[i].name);
    }
    free(t);
}

/* Reads one table's columns, key and references from SQLite's catalogue. */
static int
read_table(struct ubur_store *src, struct table *t, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(src, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, t->name);
    int pkmax = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *name = ubur_stmt_text(st, 0);
        if (!plain_identifier(name)) {
            ubur_stmt_done(st);
            return ubur_error_set(err, UBUR_EINVAL,
                                  "table %s: column name '%s' is not a plain lowercase identifier",
                                  t->name, name ? name : "");
        }
        t->cols = ubur_realloc(t->cols, sizeof(*t->cols) * (size_t)(t->ncols + 1));
        struct column *c = &t->cols[t->ncols++];
        const char *decl = ubur_stmt_text(st, 1);
        c->name = ubur_strdup(name);
        c->type = affinity(decl);
        int pk = (int)ubur_stmt_int(st, 2);
        c->rowid = pk == 1 && decl && !strcasecmp(decl, "INTEGER");
        if (pk > 0) {
            if (pk > pkmax) {
                t->pk = ubur_realloc(t->pk, sizeof(*t->pk) * (size_t)pk);
                for (int k = pkmax; k < pk; k++)
                    t->pk[k] = -1;
                pkmax = pk;
            }
            t->pk[pk - 1] = t->ncols - 1;
        }
    }
    ubur_stmt_done(st);
    if (rc)
        return rc;
    t->npk = pkmax;
    for (int k = 0; k < t->npk; k++)
        if (t->pk[k] < 0)
            return ubur_error_set(err, UBUR_EINTERNAL, "table %s: primary key has a gap", t->name);
    if (t->npk == 0)
        return ubur_error_set(err, UBUR_EINVAL,
                              "table %s has no primary key, so it cannot be copied idempotently",
                              t->name);
    if (t->npk > 1)
        for (int k = 0; k < t->npk; k++)
            t->cols[t->pk[k]].rowid = false;

    rc = ubur_store_prepare(src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", &st,
                            err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, t->name);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *dep = ubur_stmt_text(st, 0);
        if (!dep || !strcmp(dep, t->name))
            continue; /* a self-reference: rows come in key order */
        t->deps = ubur_realloc(t->deps, sizeof(*t->deps) * (size_t)(t->ndeps + 1));
        t->deps[t->ndeps++] = ubur_strdup(dep);
    }
    ubur_stmt_done(st);
    return rc;
}

/* The source's tables in copy order (referenced tables first). */
static int
read_schema(struct ubur_store *src, struct table **out, int *nout, struct ubur_error *err)
{
    struct table *tabs = NULL;
    int n = 0, rc;
    struct ubur_stmt *st;
    *out = NULL;
    *nout = 0;
    rc = ubur_store_prepare(src,
                            "SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'"
                            " ORDER BY name",
                            &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *name = ubur_stmt_text(st, 0);
        if (!plain_identifier(name)) {
            rc = ubur_error_set(err, UBUR_EINVAL,
                                "table name '%s' is not a plain lowercase identifier",
                                name ? name : "");
            break;
        }
        tabs = ubur_realloc(tabs, sizeof(*tabs) * (size_t)(n + 1));
        memset(&tabs[n], 0, sizeof(tabs[n]));
        tabs[n++].name = ubur_strdup(name);
    }
    ubur_stmt_done(st);
    for (int i = 0; !rc && i < n; i++)
        rc = read_table(src, &tabs[i], err);
    if (rc) {
        free_tables(tabs, n);
        return rc;
    }
    /* Kahn's algorithm, stable by name. */
    struct table *ordered = ubur_calloc((size_t)(n > 0 ? n : 1), sizeof(*ordered));
    int placed = 0;
    while (placed < n) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (tabs[i].placed)
                continue;
            bool ready = true;
            for (int d = 0; d < tabs[i].ndeps && ready; d++)
                for (int j = 0; j < n; j++)
                    if (!tabs[j].placed && !strcmp(tabs[j].name, tabs[i].deps[d]))
                        ready = false;
            if (ready) {
                tabs[i].placed = true;
                ordered[placed++] = tabs[i];
                progress++;
            }
        }
        if (!progress) {
            for (int i = 0; i < n; i++)
                if (!tabs[i].placed) {
                    ordered[placed++] = tabs[i];
                    tabs[i].placed = true;
                }
            free(tabs);
            free_tables(ordered, n);
            return ubur_error_set(err, UBUR_EINVAL,
                                  "the source's tables reference each other in a cycle: no copy"
                                  " order exists");
        }
    }
    free(tabs);
    /* The audit log goes last (when nothing references it): until it is copied the target
     * counts as fresh, so an interrupted first copy resumes as a first copy. */
    for (int i = 0; i < n - 1; i++) {
        if (strcmp(ordered[i].name, "audit_log") != 0)
            continue;
        bool referenced = false;
        for (int j = 0; j < n; j++)
            for (int d = 0; d < ordered[j].ndeps; d++)
                referenced |= !strcmp(ordered[j].deps[d], "audit_log");
        if (!referenced) {
            struct table a = ordered[i];
            memmove(&ordered[i], &ordered[i + 1], sizeof(*ordered) * (size_t)(n - 1 - i));
            ordered[n - 1] = a;
        }
        break;
    }
    *out = ordered;
    *nout = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Rows
 */

static void
encode_value(struct ubur_buf *b, const struct value *v)
{
    unsigned char le[8];
    uint64_t u;
    ubur_buf_addch(b, v->kind);
    switch (v->kind) {
    case 'I':
        u = (uint64_t)v->i;
        break;
    case 'R':
        memcpy(&u, &v->r, sizeof(u));
        break;
    case 'T':
    case 'B':
        u = (uint64_t)v->n;
        break;
    default:
        return;
    }
    for (int k = 0; k < 8; k++)
        le[k] = (unsigned char)(u >> (8 * k));
    ubur_buf_add(b, le, 8);
    if (v->kind == 'T' || v->kind == 'B')
        ubur_buf_add(b, v->p, v->n);
}

/* Human form of a row's key for messages: "id=0190..., seq=3". */
static void
describe_key(const struct table *t, const struct row *r, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < t->npk && used < n; k++) {
        const struct value *v = &r->v[t->pk[k]];
        const char *name = t->cols[t->pk[k]].name;
        const char *sep = k ? ", " : "";
        int w;
        if (v->kind == 'I')
            w = snprintf(out + used, n - used, "%s%s=%lld", sep, name, (long long)v->i);
        else if (v->kind == 'T')
            w = snprintf(out + used, n - used, "%s%s=%.*s", sep, name, (int)(v->n > 60 ? 60 : v->n),
                         v->p);
        else
            w = snprintf(out + used, n - used, "%s%s=(%c)", sep, name, v->kind);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/*
 * Reads the current row of st into r, each column by its declared type.
 * `strict` (the source) refuses values the type cannot hold.
 */
static int
read_row(struct ubur_stmt *st, const struct table *t, struct row *r, struct ubur_arena *a,
         bool strict, struct ubur_error *err)
{
    r->v = ubur_arena_alloc(a, sizeof(*r->v) * (size_t)t->ncols);
    for (int c = 0; c < t->ncols; c++) {
        struct value *v = &r->v[c];
        memset(v, 0, sizeof(*v));
        if (ubur_stmt_is_null(st, c)) {
            v->kind = 'N';
            continue;
        }
        const char *txt;
        char *end;
        switch (t->cols[c].type) {
        case COL_INT:
            v->kind = 'I';
            if (strict) {
                txt = ubur_stmt_text(st, c);
                long long x = strtoll(txt, &end, 10);
                if (end == txt || *end)
                    return ubur_error_field(err, UBUR_EINVAL, t->cols[c].name,
                                            "table %s: '%.40s' is not an integer", t->name, txt);
                v->i = x;
            } else {
                v->i = ubur_stmt_int(st, c);
            }
            break;
        case COL_REAL:
            v->kind = 'R';
            if (strict) {
                txt = ubur_stmt_text(st, c);
                (void)strtod(txt, &end);
                if (end == txt || *end)
                    return ubur_error_field(err, UBUR_EINVAL, t->cols[c].name,
                                            "table %s: '%.40s' is not a number", t->name, txt);
            }
            v->r = ubur_stmt_double(st, c);
            break;
        case COL_TEXT:
            v->kind = 'T';
            txt = ubur_stmt_text(st, c);
            v->n = strlen(txt);
            v->p = ubur_arena_strndup(a, txt, v->n);
            break;
        case COL_BLOB: {
            v->kind = 'B';
            const void *p = ubur_stmt_blob(st, c, &v->n);
            char *copy = ubur_arena_alloc(a, v->n + 1);
            if (v->n)
                memcpy(copy, p, v->n);
            v->p = copy;
            break;
        }
        }
    }
    struct ubur_buf b = UBUR_BUF_INIT;
    for (int c = 0; c < t->ncols; c++)
        encode_value(&b, &r->v[c]);
    crypto_generichash(r->hash, HASH_LEN, (const unsigned char *)b.s, b.len, NULL, 0);
    ubur_buf_release(&b);
    r->key = (struct ubur_buf)UBUR_BUF_INIT;
    for (int k = 0; k < t->npk; k++)
        encode_value(&r->key, &r->v[t->pk[k]]);
    return 0;
}

static void
bind_value(struct ubur_stmt *st, int idx, const struct value *v)
{
    switch (v->kind) {
    case 'I':
        ubur_stmt_bind_int(st, idx, v->i);
        break;
    case 'R':
        ubur_stmt_bind_double(st, idx, v->r);
        break;
    case 'T':
        ubur_stmt_bind_text(st, idx, v->p);
        break;
    case 'B':
        ubur_stmt_bind_blob(st, idx, v->p, v->n);
        break;
    default:
        ubur_stmt_bind_null(st, idx);
    }
}

static void
release_rows(struct row *rows, int n)
{
    for (int i = 0; i < n; i++)
        ubur_buf_release(&rows[i].key);
}

/* ---------------------------------------------------------------------------------------
 * SQL built from the catalogue (names already checked to be plain identifiers)
 */

static void
add_columns(struct ubur_buf *b, const struct table *t)
{
    for (int c = 0; c < t->ncols; c++)
        ubur_buf_addf(b, "%s%s", c ? ", " : "", t->cols[c].name);
}

static void
add_key_list(struct ubur_buf *b, const struct table *t)
{
    for (int k = 0; k < t->npk; k++)
        ubur_buf_addf(b, "%s%s", k ? ", " : "", t->cols[t->pk[k]].name);
}

/* SELECT ... FROM t [WHERE (key) > (?...)] ORDER BY key LIMIT ? */
static char *
page_sql(const struct table *t, bool after)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_buf_adds(&b, "SELECT ");
    add_columns(&b, t);
    ubur_buf_addf(&b, " FROM %s", t->name);
    if (after) {
        ubur_buf_adds(&b, t->npk > 1 ? " WHERE (" : " WHERE ");
        add_key_list(&b, t);
        ubur_buf_adds(&b, t->npk > 1 ? ") > (" : " > ");
        for (int k = 0; k < t->npk; k++)
            ubur_buf_adds(&b, k ? ", ?" : "?");
        if (t->npk > 1)
            ubur_buf_addch(&b, ')');
    }
    ubur_buf_adds(&b, " ORDER BY ");
    add_key_list(&b, t);
    ubur_buf_adds(&b, " LIMIT ?");
    return ubur_buf_detach(&b, NULL);
}

static char *
insert_sql(const struct table *t, int nrows, bool update)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_buf_addf(&b, "INSERT INTO %s (", t->name);
    add_columns(&b, t);
    ubur_buf_adds(&b, ") VALUES ");
    for (int r = 0; r < nrows; r++) {
        ubur_buf_adds(&b, r ? ", (" : "(");
        for (int c = 0; c < t->ncols; c++)
            ubur_buf_adds(&b, c ? ", ?" : "?");
        ubur_buf_addch(&b, ')');
    }
    ubur_buf_adds(&b, " ON CONFLICT (");
    add_key_list(&b, t);
    ubur_buf_adds(&b, ") DO ");
    int set = 0;
    if (update) {
        for (int c = 0; c < t->ncols; c++) {
            bool key = false;
            for (int k = 0; k < t->npk; k++)
                key |= t->pk[k] == c;
            if (key)
                continue;
            ubur_buf_addf(&b, "%s%s = excluded.%s", set++ ? ", " : "UPDATE SET ", t->cols[c].name,
                          t->cols[c].name);
        }
    }
    if (!set)
        ubur_buf_adds(&b, "NOTHING");
    return ubur_buf_detach(&b, NULL);
}

/* SELECT ... FROM t WHERE key IN (...) for nrows keys. */
static char *
lookup_sql(const struct table *t, int nrows)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_buf_adds(&b, "SELECT ");
    add_columns(&b, t);
    ubur_buf_addf(&b, " FROM %s WHERE ", t->name);
    if (t->npk == 1) {
        ubur_buf_addf(&b, "%s IN (", t->cols[t->pk[0]].name);
        for (int r = 0; r < nrows; r++)
            ubur_buf_adds(&b, r ? ", ?" : "?");
        ubur_buf_addch(&b, ')');
    } else {
        /* (a, b) IN (VALUES (...), ...): one index probe per key on both backends (500 ORs
         * make PostgreSQL plan a bitmap of 500 scans). The casts give PostgreSQL the types a
         * VALUES list cannot infer. */
        static const char *const cast[] = {"INTEGER", "REAL", "TEXT", "BLOB"};
        ubur_buf_addch(&b, '(');
        add_key_list(&b, t);
        ubur_buf_adds(&b, ") IN (VALUES ");
        for (int r = 0; r < nrows; r++) {
            ubur_buf_adds(&b, r ? ", (" : "(");
            for (int k = 0; k < t->npk; k++)
                ubur_buf_addf(&b, "%sCAST(? AS %s)", k ? ", " : "", cast[t->cols[t->pk[k]].type]);
            ubur_buf_addch(&b, ')');
        }
        ubur_buf_addch(&b, ')');
    }
    return ubur_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------------------------------
 * Copy and verify
 */

struct sum {
    uint64_t lo, hi;
};

static void
sum_add(struct sum *s, const unsigned char h[HASH_LEN])
{
    uint64_t lo = 0, hi = 0;
    for (int k = 0; k < 8; k++) {
        lo |= (uint64_t)h[k] << (8 * k);
        hi |= (uint64_t)h[8 + k] << (8 * k);
    }
    s->lo += lo;
    s->hi += hi;
}

static int
cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = memcmp(x->key.s, y->key.s, n);
    return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

/* Inserts rows[0..n) in one statement; 0 or a code; *written gets the changed rows. */
static int
insert_rows(struct ubur_store *dst, const struct table *t, struct row *rows, int n, bool update,
            int64_t *written, struct ubur_error *err)
{
    char *sql = insert_sql(t, n, update);
    struct ubur_stmt *st;
    int rc = ubur_store_prepare_dynamic(dst, sql, &st, err);
    free(sql);
    if (rc)
        return rc;
    int idx = 1;
    for (int r = 0; r < n; r++)
        for (int c = 0; c < t->ncols; c++)
            bind_value(st, idx++, &rows[r].v[c]);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        ;
    if (!rc)
        *written = ubur_stmt_changes(st);
    ubur_stmt_done(st);
    return rc;
}

/* Writes a batch in one transaction; when it fails, finds the row the target refuses. */
static int
copy_batch(struct ubur_store *dst, const struct table *t, struct row *rows, int n, bool update,
           int64_t *written, struct ubur_error *err)
{
    int rc = ubur_store_begin(dst, err);
    if (rc)
        return rc;
    rc = insert_rows(dst, t, rows, n, update, written, err);
    if (!rc)
        return ubur_store_commit(dst, err);
    ubur_store_rollback(dst);
    if (rc == UBUR_EBUSY || rc == UBUR_EFULL)
        return rc;
    for (int r = 0; r < n; r++) {
        struct ubur_error one = UBUR_ERROR_INIT;
        int64_t w;
        if (ubur_store_begin(dst, &one))
            break;
        int rc1 = insert_rows(dst, t, &rows[r], 1, update, &w, &one);
        ubur_store_rollback(dst);
        if (rc1) {
            char key[128];
            describe_key(t, &rows[r], key, sizeof(key));
            return ubur_error_set(err, rc1, "table %s, row %s: %s", t->name, key, one.message);
        }
    }
    return rc;
}

/* Reads back the batch's keys from the target and compares. */
static int
verify_batch(struct ubur_store *dst, const struct table *t, struct row *rows, int n,
             struct ubur_migrate_table *rep, struct sum *tsum, struct ubur_error *err)
{
    struct ubur_arena a = UBUR_ARENA_INIT;
    struct row *got = ubur_calloc((size_t)n, sizeof(*got));
    int ngot = 0;
    char *sql = lookup_sql(t, n);
    struct ubur_stmt *st;
    int rc = ubur_store_prepare_dynamic(dst, sql, &st, err);
    free(sql);
    if (rc)
        goto out;
    int idx = 1;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < t->npk; k++)
            bind_value(st, idx++, &rows[r].v[t->pk[k]]);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (ngot == n)
            continue; /* cannot happen with a primary key */
        if ((rc = read_row(st, t, &got[ngot], &a, false, err)))
            break;
        ngot++;
    }
    ubur_stmt_done(st);
    if (rc)
        goto out;
    qsort(got, (size_t)ngot, sizeof(*got), cmp_rows);
    for (int r = 0; r < n; r++) {
        struct row *m = bsearch(&rows[r], got, (size_t)ngot, sizeof(*got), cmp_rows);
        if (m)
            sum_add(tsum, m->hash);
        if (m && !memcmp(m->hash, rows[r].hash, HASH_LEN)) {
            rep->matched++;
        } else if (!rep->first_diff[0]) {
            describe_key(t, &rows[r], rep->first_diff, sizeof(rep->first_diff));
        }
    }
out:
    release_rows(got, ngot);
    free(got);
    ubur_arena_release(&a);
    return rc;
}

static int
count_table(struct ubur_store *s, const char *table, int64_t *n, struct ubur_error *err)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    struct ubur_stmt *st;
    int rc = ubur_store_prepare_dynamic(s, sql, &st, err);
    if (rc)
        return rc;
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        *n = ubur_stmt_int(st, 0);
        rc = 0;
    }
    ubur_stmt_done(st);
    return rc;
}

static int
copy_table(struct ubur_store *src, struct ubur_store *dst, const struct table *t,
           const struct ubur_migrate_opts *opts, struct ubur_migrate_table *rep,
           struct ubur_error *err)
{
    int per = opts->batch > 0 ? opts->batch : BATCH_MAX;
    if (per > PARAMS_MAX / t->ncols)
        per = PARAMS_MAX / t->ncols;
    if (per < 1)
        per = 1;
    char *first_sql = page_sql(t, false), *next_sql = page_sql(t, true);
    struct row *rows = ubur_calloc((size_t)per, sizeof(*rows));
    struct ubur_arena a = UBUR_ARENA_INIT, keep = UBUR_ARENA_INIT;
    struct sum ssum = {0, 0}, tsum = {0, 0};
    struct value *last = NULL;
    int n = 0, rc;
    int64_t done = 0;

    if ((rc = count_table(src, t->name, &rep->source_rows, err)))
        goto out;
    for (;;) {
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare_dynamic(src, last ? next_sql : first_sql, &st, err)))
            goto out;
        int idx = 1;
        for (int k = 0; last && k < t->npk; k++)
            bind_value(st, idx++, &last[k]);
        ubur_stmt_bind_int(st, idx, per);
        n = 0;
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            if ((rc = read_row(st, t, &rows[n], &a, true, err))) {
                if (err && n > 0) {
                    char key[128];
                    describe_key(t, &rows[n - 1], key, sizeof(key));
                    snprintf(err->message + strlen(err->message),
                             sizeof(err->message) - strlen(err->message), " (the row after %s)",
                             key);
                }
                break;
            }
            n++;
        }
        ubur_stmt_done(st);
        if (rc)
            goto out;
        if (n == 0)
            break;
        for (int r = 0; r < n; r++)
            sum_add(&ssum, rows[r].hash);
        if (!opts->verify_only) {
            int64_t w = 0;
            if ((rc = copy_batch(dst, t, rows, n, opts->update, &w, err)))
                goto out;
            rep->inserted += w;
        }
        if ((rc = verify_batch(dst, t, rows, n, rep, &tsum, err)))
            goto out;
        done += n;
        if (opts->progress)
            opts->progress(opts->arg, t->name, done, rep->source_rows);
        /* the last key survives the batch's arena */
        ubur_arena_release(&keep);
        last = ubur_arena_alloc(&keep, sizeof(*last) * (size_t)t->npk);
        for (int k = 0; k < t->npk; k++) {
            last[k] = rows[n - 1].v[t->pk[k]];
            if (last[k].p)
                last[k].p = ubur_arena_strndup(&keep, last[k].p, last[k].n);
        }
        release_rows(rows, n);
        n = 0;
        ubur_arena_release(&a);
        if (done > rep->source_rows + 1000000)
            break; /* the source keeps growing under us: stop, the report says so */
    }
    snprintf(rep->source_sum, sizeof(rep->source_sum), "%016llx%016llx",
             (unsigned long long)ssum.hi, (unsigned long long)ssum.lo);
    snprintf(rep->target_sum, sizeof(rep->target_sum), "%016llx%016llx",
             (unsigned long long)tsum.hi, (unsigned long long)tsum.lo);
    if (done != rep->source_rows && !rep->first_diff[0])
        snprintf(rep->first_diff, sizeof(rep->first_diff),
                 "the source changed during the copy (%lld rows counted, %lld read)",
                 (long long)rep->source_rows, (long long)done);
    rep->source_rows = done;
    rc = count_table(dst, t->name, &rep->target_rows, err);
out:
    release_rows(rows, n);
    free(rows);
    free(first_sql);
    free(next_sql);
    ubur_arena_release(&a);
    ubur_arena_release(&keep);
    return rc;
}

/* After explicit values went into identity columns, the next generated one must follow them. */
static int
advance_identities(struct ubur_store *dst, const struct table *t, struct ubur_error *err)
{
    if (ubur_store_kind(dst) != UBUR_STORE_PG)
        return 0;
    for (int c = 0; c < t->ncols; c++) {
        if (!t->cols[c].rowid)
            continue;
        char sql[400];
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                 " (SELECT COALESCE(MAX(%s), 0) + 1 FROM %s), false)",
                 t->name, t->cols[c].name, t->cols[c].name, t->name);
        struct ubur_stmt *st;
        int rc = ubur_store_prepare_dynamic(dst, sql, &st, err);
        if (rc)
            return rc;
        while ((rc = ubur_stmt_step(st, err)) == 1)
            ;
        ubur_stmt_done(st);
        if (rc)
            return rc;
    }
    return 0;
}

/* Checks the target has the table with every column, before anything is written. */
static int
check_target_table(struct ubur_store *dst, const struct table *t, struct ubur_error *err)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_buf_adds(&b, "SELECT ");
    add_columns(&b, t);
    ubur_buf_addf(&b, " FROM %s WHERE 1 = 0", t->name);
    struct ubur_stmt *st;
    struct ubur_error inner = UBUR_ERROR_INIT;
    int rc = ubur_store_prepare_dynamic(dst, b.s, &st, &inner);
    ubur_buf_release(&b);
    if (!rc) {
        while ((rc = ubur_stmt_step(st, &inner)) == 1)
            ;
        ubur_stmt_done(st);
    }
    if (rc == UBUR_EBUSY)
        return ubur_error_set(err, rc, "%s", inner.message);
    if (rc)
        return ubur_error_set(err, UBUR_EUNPROC,
                              "table %s: the target lacks the table or one of its columns (%s)",
                              t->name, inner.message);
    return 0;
}

/*
 * Refuses a target that holds another installation's data. Sets *fresh when the target has no
 * audit entry yet: nothing in it comes from a copy (the audit log is copied last), only what
 * its own migrations seeded.
 */
static int
check_same_installation(struct ubur_store *src, struct ubur_store *dst, const struct table *tabs,
                        int n, bool *fresh, struct ubur_error *err)
{
    bool has_audit = false;
    *fresh = false;
    for (int i = 0; i < n; i++)
        has_audit |= !strcmp(tabs[i].name, "audit_log");
    if (!has_audit)
        return 0;
    int64_t entries = 0;
    int rc0 = ubur_store_query_int(dst, err, &entries, "SELECT COUNT(*) FROM audit_log", "");
    if (rc0)
        return rc0;
    *fresh = entries == 0;
    char *a = NULL, *b = NULL;
    static const char *first = "SELECT id FROM audit_log ORDER BY seq LIMIT 1";
    int rc = ubur_store_query_text(src, err, &a, first, "");
    if (rc == UBUR_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    rc = ubur_store_query_text(dst, err, &b, first, "");
    if (rc == UBUR_ENOTFOUND)
        rc = 0;
    else if (!rc && strcmp(a, b) != 0)
        rc = ubur_error_set(err, UBUR_ECONFLICT,
                            "the target holds another installation's data (its first audit entry"
                            " is %s, the source's is %s): copy into an empty database",
                            b, a);
    free(a);
    free(b);
    return rc;
}

int
ubur_migrate_copy(struct ubur_store *src, struct ubur_store *dst,
                  const struct ubur_migrate_opts *opts, struct ubur_migrate_report *rep,
                  struct ubur_error *err)
{
    struct ubur_migrate_opts none = {0};
    struct table *tabs = NULL;
    int n = 0, rc, sv = 0, dv = 0;
    if (!opts)
        opts = &none;
    memset(rep, 0, sizeof(*rep));
    if (ubur_store_kind(src) != UBUR_STORE_SQLITE)
        return ubur_error_set(err, UBUR_EINVAL, "the source must be a SQLite database");
    if (sodium_init() < 0)
        return ubur_error_set(err, UBUR_ECRYPTO, "libsodium failed to initialise");
    if ((rc = ubur_store_migrate(src, err)) || (rc = ubur_store_schema_version(src, &sv, err)))
        return rc;
    if (!opts->verify_only && (rc = ubur_store_migrate(dst, err)))
        return rc;
    if ((rc = ubur_store_schema_version(dst, &dv, err)))
        return rc;
    if (sv != dv)
        return ubur_error_set(err, UBUR_EUNPROC,
                              "schema versions differ: source %d, target %d (a newer ubur wrote"
                              " one of them: upgrade this one)",
                              sv, dv);
    rep->schema_version = sv;
    if ((rc = read_schema(src, &tabs, &n, err)))
        return rc;
    for (int i = 0; i < n; i++)
        if ((rc = check_target_table(dst, &tabs[i], err)))
            goto out;
    bool fresh = false;
    if ((rc = check_same_installation(src, dst, tabs, n, &fresh, err)))
        goto out;
    /* Rows a fresh target's own migrations seeded (visa purposes, state rows) take the
     * source's values; after the first complete copy, rows already there are kept. */
    struct ubur_migrate_opts eff = *opts;
    if (fresh && !opts->verify_only)
        eff.update = true;
    rep->fresh_target = fresh;
    rep->tables = ubur_calloc((size_t)(n > 0 ? n : 1), sizeof(*rep->tables));
    rep->ntables = n;
    rep->verified = true;
    for (int i = 0; i < n; i++) {
        struct ubur_migrate_table *r = &rep->tables[i];
        snprintf(r->name, sizeof(r->name), "%s", tabs[i].name);
        for (int s = 0; skipped_tables[s]; s++)
            r->skipped |= !strcmp(skipped_tables[s], tabs[i].name);
        if (r->skipped)
            continue;
        if ((rc = copy_table(src, dst, &tabs[i], &eff, r, err)))
            goto out;
        if (!opts->verify_only && (rc = advance_identities(dst, &tabs[i], err)))
            goto out;
        if (r->matched != r->source_rows || strcmp(r->source_sum, r->target_sum) != 0)
            rep->verified = false;
    }
out:
    free_tables(tabs, n);
    return rc;
}

void
ubur_migrate_report_release(struct ubur_migrate_report *rep)
{
    free(rep->tables);
    rep->tables = NULL;
    rep->ntables = 0;
}
