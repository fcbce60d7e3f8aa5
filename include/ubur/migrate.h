/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving a database from one backend to another: a border post's SQLite
 * file into PostgreSQL (`ubur migrate --from sqlite:PATH --to CONNINFO`).
 *
 * The target is brought to the same schema version as the source by the
 * ordinary migrations, then every table is copied in foreign-key order, in
 * primary-key order, in batches: one transaction per batch, each row
 * inserted with ON CONFLICT (primary key) DO NOTHING (or DO UPDATE with
 * `update`). Running it again is harmless and finishes an interrupted copy.
 * Each batch is then read back from the target by primary key and compared
 * with the source, value by value (integers as integers, reals as their
 * exact bits, text and blobs as bytes): per table, the counts and a
 * checksum of the source rows and of the matching target rows must agree.
 *
 * The target must be empty or an earlier copy of the same source: when both
 * have an audit log, their first entries must be the same. A target without
 * audit entries is fresh: the rows its own migrations seeded (visa purposes,
 * state rows) take the source's values, as with `update`. The audit log is
 * copied last, so an interrupted first copy is still fresh when resumed. Merging several
 * posts into one database is data exchange (exchange.h), not this.
 * Login sessions are not copied. The copy is not a snapshot: stop the
 * source's server first, or run the command again until it verifies.
 */
#ifndef UBUR_MIGRATE_H
#define UBUR_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ubur/error.h"
#include "ubur/store.h"

struct ubur_migrate_table {
    char name[64];
    bool skipped;         /* not copied by design (login sessions) */
    int64_t source_rows;  /* rows in the source */
    int64_t inserted;     /* rows this run wrote (new, or overwritten with `update`) */
    int64_t matched;      /* source rows found in the target with the same values */
    int64_t target_rows;  /* rows in the target table after the copy (may hold more) */
    char source_sum[33];  /* checksum of the source rows */
    char target_sum[33];  /* checksum of the target rows with the source's keys */
    char first_diff[128]; /* primary key of the first row that differs, or "" */
};

struct ubur_migrate_opts {
    bool update;      /* overwrite rows already in the target with the source's values */
    bool verify_only; /* copy nothing, only compare */
    int batch;        /* rows per batch (0: up to 500) */
    /* Called after each batch; may be NULL. */
    void (*progress)(void *arg, const char *table, int64_t done, int64_t total);
    void *arg;
};

struct ubur_migrate_report {
    struct ubur_migrate_table *tables; /* in copy order; freed by ubur_migrate_report_release */
    int ntables;
    int schema_version;
    bool verified;     /* every copied table matched */
    bool fresh_target; /* the target had no audit entry: its seeded rows took the source's values */
};
#define UBUR_MIGRATE_REPORT_INIT                                                                   \
    {                                                                                              \
        NULL, 0, 0, false, false                                                                   \
    }

/*
 * Copies (unless opts->verify_only) and verifies src into dst. `src` must be
 * SQLite; dst may be either backend. Both are migrated to the current schema
 * first. Returns 0 when the work ran (then rep->verified says whether every
 * table matched) or a negative code: a row the target refuses names its
 * table, key and the reason, and leaves earlier batches committed.
 */
int ubur_migrate_copy(struct ubur_store *src, struct ubur_store *dst,
                      const struct ubur_migrate_opts *opts, struct ubur_migrate_report *rep,
                      struct ubur_error *err);
void ubur_migrate_report_release(struct ubur_migrate_report *rep);

#endif
