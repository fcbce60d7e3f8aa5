/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur stats SUBJECT ...`: statistics straight from the records. Each
 * subject is one row of the table below; another module adds its own row
 * (for instance the border module's `crossings`) and defines its function
 * in its own file.
 *
 *   ubur stats population [--as-of DATE] [--by DIMS] [--format F] [--public]
 *                         [--output FILE] [--scan]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ubur/registry.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_stats;

struct stats_subject {
    const char *name;
    const char *summary;
    int (*run)(struct ubur_cli *cli, int argc, char **argv);
};

static int run_population(struct ubur_cli *cli, int argc, char **argv);
/* `ubur stats crossings` (src/cli/stats_crossings.c). */
int ubur_cli_stats_crossings(struct ubur_cli *cli, int argc, char **argv);

static const struct stats_subject subjects[] = {
    {"population", "refugees, asylum-seekers and others by type, origin, place, sex, age",
     run_population},
    {"crossings", "traffic per crossing point, day, hour, direction, nationality, decision",
     ubur_cli_stats_crossings},
    {NULL, NULL, NULL},
};

/* Writes buf to --output FILE or stdout. */
int ubur_cli_write_output(const char *path, const char *data, size_t len);

int
ubur_cli_write_output(const char *path, const char *data, size_t len)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f)
        return ubur_cli_failf(1, "cannot write '%s'", path);
    size_t n = fwrite(data, 1, len, f);
    int bad = n != len || fflush(f) != 0;
    if (path)
        bad |= fclose(f) != 0;
    if (bad)
        return ubur_cli_failf(1, "cannot write '%s'", path ? path : "standard output");
    return 0;
}

static int
run_population(struct ubur_cli *cli, int argc, char **argv)
{
    const char *as_of = NULL, *by = "type", *format = "table", *output = NULL;
    bool public = false, scan = false, timing = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"as-of", &as_of, NULL},   {"by", &by, NULL},
        {"format", &format, NULL}, {"output", &output, NULL},
        {"public", NULL, &public}, {"scan", NULL, &scan},
        {"time", NULL, &timing},   {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_stats, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_stats, "unexpected argument '%s'", pos[0]);
    struct ubur_popstat_query q = {.as_of = as_of};
    enum ubur_popformat f;
    if (ubur_popdims_parse(by, "by", q.dims, &q.ndims, &err) ||
        ubur_popformat_parse(format, &f, &err))
        return ubur_cli_usage(&ubur_cmd_stats, "%s", err.message);
    if (!ubur_cli_store(cli))
        return 1;
    struct ubur_poptable t;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = scan ? ubur_registry_stats_scan(&cli->ctx, &q, &t, &err)
              : ubur_registry_stats(&cli->ctx, &q, &t, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (timing) /* the table alone, without start-up and output: for benchmarks */
        fprintf(stderr, "ubur: table computed in %.2f ms\n",
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    if (rc) {
        ubur_poptable_release(&t);
        return ubur_cli_fail(&err);
    }
    struct ubur_popformat_opts o = {0};
    if (public) {
        const char *w = ubur_setting(&cli->ctx, "stats.withhold_max", "4");
        o.withhold_max = (int)strtol(w, NULL, 10);
    }
    struct ubur_buf out = UBUR_BUF_INIT;
    ubur_poptable_write(&t, f, &o, &out);
    rc = ubur_cli_write_output(output, out.s, out.len);
    ubur_buf_release(&out);
    ubur_poptable_release(&t);
    return rc;
}

static int
run_stats(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ubur_cmd_stats.usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (const struct stats_subject *s = subjects; s->name; s++)
        if (!strcmp(s->name, argv[1]))
            return s->run(cli, argc - 1, argv + 1);
    return ubur_cli_usage(&ubur_cmd_stats, "unknown statistics '%s'", argv[1]);
}

const struct ubur_cmd ubur_cmd_stats = {
    .name = "stats",
    .summary = "statistics from the records (population, ...)",
    .usage =
        "usage: ubur stats population [--as-of DATE] [--by DIMS] [--format table|csv|json|svg]\n"
        "                             [--public] [--output FILE] [--scan] [--time]\n"
        "  Counts of the registry's active individuals on DATE (default today).\n"
        "  DIMS: comma-separated, in output order, from country (of asylum), type, origin,\n"
        "  governorate, site, location_type, sex, age_band (default: type; \"\" for the total).\n"
        "  CSV has one column per dimension in the order given, then count.\n"
        "  --public withholds figures from 1 to 4 (setting stats.withhold_max) as '*'.\n"
        "  --scan computes from every record instead of the summary tables (slow; a check).\n"
        "  --time prints the time the table took (without start-up and output) on stderr.\n"
        "       ubur stats crossings [--from D] [--to D] [--by LIST] [--format table|csv|json]\n"
        "  Recorded crossings per crossing point, day, hour, direction, nationality and\n"
        "  decision (ubur stats crossings --help).\n",
    .run = run_stats,
};
