/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fresh database per test, on either backend, for unit tests that run
 * against both: a temporary SQLite file, or a schema of its own in a
 * database this test process creates on the server named by UBUR_TEST_PG
 * (creating a database takes half a second, a schema almost nothing).
 * Use setup_sqlite / setup_pg / teardown as cmocka fixtures; *state is a
 * struct fixture whose store is open and not migrated. Call
 * fixture_drop_pg_db() once at the end of main.
 */
#ifndef UBUR_STORE_FIXTURE_H
#define UBUR_STORE_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ubur/alloc.h"
#include "ubur/store.h"

struct fixture {
    bool pg;
    char uri[512];
    char dbname[64];
    struct ubur_store *s;
};

static inline const char *
pg_base(void)
{
    const char *u = getenv("UBUR_TEST_PG");
    return u && *u ? u : NULL;
}

/*
 * The base conninfo with another database name and, when `schema` is not
 * NULL, that schema first in the search path.
 */
static inline void
pg_uri_for(char *out, size_t n, const char *base, const char *db, const char *schema)
{
    const char *scheme = strstr(base, "://");
    if (!scheme) { /* key=value form: later keys win */
        if (schema)
            snprintf(out, n, "%s dbname=%s options='-csearch_path=%s'", base, db, schema);
        else
            snprintf(out, n, "%s dbname=%s", base, db);
        return;
    }
    const char *slash = strchr(scheme + 3, '/');
    const char *query = strchr(scheme + 3, '?');
    if (query && slash && slash > query)
        slash = NULL;
    size_t head = slash ? (size_t)(slash - base) : query ? (size_t)(query - base) : strlen(base);
    if (schema)
        snprintf(out, n, "%.*s/%s%s%soptions=-csearch_path%%3D%s", (int)head, base, db,
                 query ? query : "?", query ? "&" : "", schema);
    else
        snprintf(out, n, "%.*s/%s%s", (int)head, base, db, query ? query : "");
}

/* One database per test process, one schema per test: creating a database takes 0.5 s. */
static char pg_db[64];

static inline int
admin_exec(const char *uri, const char *sql)
{
    struct ubur_store *a = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_store_open(&a, uri, &err);
    if (!rc)
        rc = ubur_store_exec(a, sql, &err);
    if (rc)
        fprintf(stderr, "# admin: %s\n", err.message);
    ubur_store_close(a);
    return rc;
}

static inline int
fresh_db(struct fixture *f, bool pg)
{
    static int counter;
    f->pg = pg;
    if (pg) {
        char sql[128], db_uri[512];
        if (!pg_db[0]) {
            snprintf(pg_db, sizeof(pg_db), "ubur_t%ld", (long)getpid());
            snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
            if (admin_exec(pg_base(), sql))
                return -1;
        }
        snprintf(f->dbname, sizeof(f->dbname), "t%d", ++counter);
        pg_uri_for(db_uri, sizeof(db_uri), pg_base(), pg_db, NULL);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->dbname);
        if (admin_exec(db_uri, sql))
            return -1;
        pg_uri_for(f->uri, sizeof(f->uri), pg_base(), pg_db, f->dbname);
    } else {
        snprintf(f->uri, sizeof(f->uri), "%s/ubur-store-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        int fd = mkstemp(f->uri);
        if (fd < 0)
            return -1;
        close(fd);
    }
    return 0;
}

/* Removes a SQLite database file with its WAL and shared-memory files. */
static inline void
unlink_sqlite(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static inline void
drop_db(struct fixture *f)
{
    if (f->pg) {
        char sql[128], db_uri[512];
        pg_uri_for(db_uri, sizeof(db_uri), pg_base(), pg_db, NULL);
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->dbname);
        admin_exec(db_uri, sql);
    } else {
        unlink_sqlite(f->uri);
    }
}

static inline int
setup(void **state, bool pg)
{
    struct fixture *f = ubur_calloc(1, sizeof(*f));
    struct ubur_error err = UBUR_ERROR_INIT;
    if (fresh_db(f, pg) || ubur_store_open(&f->s, f->uri, &err)) {
        fprintf(stderr, "# setup: %s\n", err.message);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int
setup_sqlite(void **state)
{
    return setup(state, false);
}

static inline int
setup_pg(void **state)
{
    return setup(state, true);
}

static inline int
teardown(void **state)
{
    struct fixture *f = *state;
    ubur_store_close(f->s);
    drop_db(f);
    free(f);
    return 0;
}

static inline void
fixture_drop_pg_db(void)
{
    if (pg_db[0]) {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_db);
        admin_exec(pg_base(), sql);
    }
}

#endif
