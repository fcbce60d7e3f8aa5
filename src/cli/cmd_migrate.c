/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur migrate --from sqlite:PATH --to CONNINFO`: moves a border post's
 * SQLite database into PostgreSQL (migrate.h), prints one line per table
 * with its counts and checksums, and exits 0 only when every table verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/migrate.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_migrate;

static void
progress(void *arg, const char *table, int64_t done, int64_t total)
{
    (void)arg;
    ubur_cli_progress(table, (long)done, (long)(total > done ? total : done));
}

static int
run_migrate(struct ubur_cli *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *batch = NULL;
    bool update = false, verify_only = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"from", &from, NULL},          {"to", &to, NULL},
        {"batch", &batch, NULL},        {"update", NULL, &update},
        {"verify", NULL, &verify_only}, {0},
    };
    int rc = ubur_cli_parse(cli, &ubur_cmd_migrate, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_migrate, "unexpected argument '%s'", pos[0]);
    if (!to)
        to = cli->pg;
    if (!from)
        return ubur_cli_usage(&ubur_cmd_migrate, "--from sqlite:PATH is required");
    if (!to)
        return ubur_cli_usage(&ubur_cmd_migrate, "--to CONNINFO (or --pg) is required");
    if (strncmp(from, "sqlite:", 7) != 0)
        return ubur_cli_usage(&ubur_cmd_migrate, "--from must be sqlite:PATH, not '%s'", from);
    struct ubur_migrate_opts mo = {
        .update = update, .verify_only = verify_only, .progress = progress};
    if (batch) {
        char *end;
        long b = strtol(batch, &end, 10);
        if (end == batch || *end || b < 1 || b > 10000)
            return ubur_cli_usage(&ubur_cmd_migrate, "--batch must be 1..10000, not '%s'", batch);
        mo.batch = (int)b;
    }
    if (update && verify_only)
        return ubur_cli_usage(&ubur_cmd_migrate, "--update and --verify exclude each other");

    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_store *src = NULL, *dst = NULL;
    struct ubur_migrate_report rep = UBUR_MIGRATE_REPORT_INIT;
    int status = 1;
    if (ubur_store_open(&src, from, &err) || ubur_store_open(&dst, to, &err)) {
        ubur_cli_fail(&err);
        goto out;
    }
    rc = ubur_migrate_copy(src, dst, &mo, &rep, &err);
    for (int i = 0; i < rep.ntables; i++) {
        const struct ubur_migrate_table *t = &rep.tables[i];
        if (t->skipped) {
            printf("%-26s skipped (not moved by design)\n", t->name);
            continue;
        }
        if (!t->source_sum[0])
            continue; /* not reached */
        bool ok = t->matched == t->source_rows && !strcmp(t->source_sum, t->target_sum);
        printf("%-26s %8lld rows, %8lld written, %8lld in target  %s %s%s%s\n", t->name,
               (long long)t->source_rows, (long long)t->inserted, (long long)t->target_rows,
               t->source_sum, ok ? "verified" : "DIFFERS", t->first_diff[0] ? ": first at " : "",
               t->first_diff);
    }
    if (rc) {
        ubur_cli_fail(&err);
        goto out;
    }
    if (!rep.verified) {
        fprintf(stderr, "ubur: some tables differ between source and target%s\n",
                update ? "" : " (rows changed since an earlier copy: --update overwrites them)");
        goto out;
    }
    if (rep.fresh_target)
        printf("the target was fresh: rows its migrations had seeded took the source's values\n");
    printf("%s %d tables at schema version %d\n", verify_only ? "verified" : "copied and verified",
           rep.ntables, rep.schema_version);
    status = 0;
out:
    ubur_migrate_report_release(&rep);
    ubur_store_close(src);
    ubur_store_close(dst);
    return status;
}

const struct ubur_cmd ubur_cmd_migrate = {
    .name = "migrate",
    .summary = "copy a SQLite database into PostgreSQL, verified",
    .usage =
        "usage: ubur migrate --from sqlite:PATH --to CONNINFO [--update] [--verify] [--batch N]\n"
        "  Copies every table of a border post's SQLite database into PostgreSQL (or another\n"
        "  SQLite file), referenced tables first, in batches of N rows (default 500), each\n"
        "  batch in one transaction; rows already in the target are kept (--update overwrites\n"
        "  them). Every batch is read back and compared: per table, the row counts and the\n"
        "  checksums of source and target must agree. Safe to run again: an interrupted copy\n"
        "  resumes, and a finished one only verifies. --verify copies nothing. The target\n"
        "  must be empty or an earlier copy of the same database; login sessions are not\n"
        "  copied. --to defaults to --pg / UBUR_PG. Exit status 0 only when all verified.\n",
    .run = run_migrate,
    .flags = UBUR_CMD_NODB,
};
