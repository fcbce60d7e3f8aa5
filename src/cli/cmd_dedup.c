/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur dedup`: duplicate pairs in any CSV file with the record-linkage
 * engine (include/ubur/reclink.h), and the FEBRL-style test data generator.
 *
 *   ubur dedup --csv FILE --id COL --given COL --family COL [--dob COL
 *              --dob-format FMT] [--extra COL,...] [--threshold T] [--json]
 *              [--truth COL] [--engine skeleton|names] [--threads N]
 *   ubur dedup --generate arabic|english --records N [--seed S]
 *
 * Output: CSV `id1,id2,score` (or JSON lines) on stdout; progress on a
 * terminal; with --truth, precision, recall, F1 and blocking recall on
 * stderr. Does not touch the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ubur/csv.h"
#include "ubur/names.h"
#include "ubur/reclink.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_dedup;

/* Column index by name (spaces around names ignored), or -1. */
static int
find_col(const struct ubur_csv *h, const char *name, size_t len)
{
    while (len && *name == ' ')
        name++, len--;
    while (len && name[len - 1] == ' ')
        len--;
    for (int i = 0; i < h->nfields; i++)
        if (strlen(h->field[i]) == len && !strncmp(h->field[i], name, len))
            return i;
    return -1;
}

/* Parses a date with a format of %Y %m %d and literal characters; INT64_MIN when it fails. */
static int64_t
parse_dob(const char *s, const char *fmt)
{
    int y = 0, m = 0, d = 0;
    for (; *fmt; fmt++) {
        if (*fmt == '%' && fmt[1]) {
            int width = fmt[1] == 'Y' ? 4 : 2, v = 0, got = 0;
            while (got < width && *s >= '0' && *s <= '9')
                v = v * 10 + (*s++ - '0'), got++;
            if (!got)
                return INT64_MIN;
            if (fmt[1] == 'Y')
                y = v;
            else if (fmt[1] == 'm')
                m = v;
            else if (fmt[1] == 'd')
                d = v;
            else
                return INT64_MIN;
            fmt++;
        } else if (*s++ != *fmt) {
            return INT64_MIN;
        }
    }
    if (*s || !ubur_date_valid(y, m, d))
        return INT64_MIN;
    return ubur_days_from_civil(y, m, d);
}

static void
progress(void *arg, const char *phase, long done, long total)
{
    (void)arg;
    ubur_cli_progress(phase, done, total);
}

/* The name engine as a similarity plug, with a per-thread cache of parsed names
 * keyed by the string's address (records' strings do not move during a run). */
#define NCACHE 4096
static _Thread_local struct {
    const char *key;
    struct ubur_name name;
    bool ok;
} name_cache[NCACHE];

static const struct ubur_name *
cached(const char *s)
{
    size_t h = ((uintptr_t)s >> 3) % NCACHE;
    if (name_cache[h].key != s) {
        name_cache[h].key = s;
        name_cache[h].ok = ubur_name_parse(&name_cache[h].name, s, NULL) == 0;
    }
    return name_cache[h].ok ? &name_cache[h].name : NULL;
}

static double
names_engine_sim(void *arg, const char *a, const char *b)
{
    (void)arg;
    const struct ubur_name *x = cached(a), *y = cached(b);
    if (!x || !y)
        return 0.0;
    return ubur_names_compare(x, y, NULL);
}

static int
run_generate(const char *lang, const char *records, const char *seed)
{
    bool arabic = !strcmp(lang, "arabic");
    if (!arabic && strcmp(lang, "english"))
        return ubur_cli_usage(&ubur_cmd_dedup, "--generate takes arabic or english, not '%s'",
                              lang);
    long n = records ? strtol(records, NULL, 10) : 5000;
    if (n <= 0 || n > 50000000)
        return ubur_cli_usage(&ubur_cmd_dedup, "--records must be 1 to 50000000");
    uint64_t s = seed ? strtoull(seed, NULL, 10) : 42;
    if (ubur_reclink_generate(stdout, arabic, n, s))
        return ubur_cli_failf(1, "cannot write the data");
    return 0;
}

static int
run_dedup(struct ubur_cli *cli, int argc, char **argv)
{
    const char *file = NULL, *id_col = NULL, *given_col = NULL, *family_col = NULL;
    const char *dob_col = NULL, *dob_fmt = "%Y-%m-%d", *extra = NULL, *threshold = NULL;
    const char *truth = NULL, *engine = "skeleton", *threads = NULL, *gen = NULL;
    const char *records = NULL, *seed = NULL;
    bool json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"csv", &file, NULL},        {"id", &id_col, NULL},
        {"given", &given_col, NULL}, {"family", &family_col, NULL},
        {"dob", &dob_col, NULL},     {"dob-format", &dob_fmt, NULL},
        {"extra", &extra, NULL},     {"threshold", &threshold, NULL},
        {"json", NULL, &json},       {"truth", &truth, NULL},
        {"engine", &engine, NULL},   {"threads", &threads, NULL},
        {"generate", &gen, NULL},    {"records", &records, NULL},
        {"seed", &seed, NULL},       {0},
    };
    int rc = ubur_cli_parse(cli, &ubur_cmd_dedup, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_dedup, "unexpected argument '%s'", pos[0]);
    if (gen)
        return run_generate(gen, records, seed);
    if (!file || !id_col || !given_col || !family_col)
        return ubur_cli_usage(&ubur_cmd_dedup, "--csv, --id, --given and --family are required");
    struct ubur_reclink_config cfg = {0};
    if (threshold) {
        char *end;
        cfg.threshold = strtod(threshold, &end);
        if (*end || cfg.threshold <= 0 || cfg.threshold > 1)
            return ubur_cli_usage(&ubur_cmd_dedup, "--threshold must be in (0, 1], not '%s'",
                                  threshold);
    }
    if (!strcmp(engine, "names"))
        cfg.name_sim = names_engine_sim;
    else if (strcmp(engine, "skeleton"))
        return ubur_cli_usage(&ubur_cmd_dedup, "--engine is skeleton or names, not '%s'", engine);
    cfg.threads = threads ? (int)strtol(threads, NULL, 10) : 0;

    FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    if (!f)
        return ubur_cli_failf(1, "cannot open '%s'", file);
    struct stat st;
    long size = !fstat(fileno(f), &st) ? (long)st.st_size : 0;
    struct ubur_csv csv;
    struct ubur_error err = UBUR_ERROR_INIT;
    ubur_csv_init(&csv, f, 64 * 1024);
    if (ubur_csv_next(&csv, &err) <= 0) {
        ubur_csv_release(&csv);
        fclose(f);
        return err.code ? ubur_cli_fail(&err) : ubur_cli_failf(1, "'%s' is empty", file);
    }
    int ci = find_col(&csv, id_col, strlen(id_col)),
        cg = find_col(&csv, given_col, strlen(given_col));
    int cf = find_col(&csv, family_col, strlen(family_col));
    int cd = dob_col ? find_col(&csv, dob_col, strlen(dob_col)) : -1;
    int ct = truth ? find_col(&csv, truth, strlen(truth)) : -1;
    int cx[UBUR_RECLINK_MAX_EXTRA];
    const char *bad = ci < 0                ? id_col
                      : cg < 0              ? given_col
                      : cf < 0              ? family_col
                      : (dob_col && cd < 0) ? dob_col
                      : (truth && ct < 0)   ? truth
                                            : NULL;
    for (const char *p = extra; !bad && p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (cfg.nextra == UBUR_RECLINK_MAX_EXTRA)
            return ubur_cli_usage(&ubur_cmd_dedup, "at most %d --extra columns",
                                  UBUR_RECLINK_MAX_EXTRA);
        if ((cx[cfg.nextra] = find_col(&csv, p, len)) < 0)
            bad = p;
        cfg.nextra++;
        p = e ? e + 1 : p + len;
    }
    if (bad) {
        ubur_csv_release(&csv);
        fclose(f);
        return ubur_cli_failf(1, "'%s': no column '%s' in the header", file, bad);
    }
    int ncols = csv.nfields;

    /* Records: strings in one growing arena. */
    struct ubur_arena a = UBUR_ARENA_INIT;
    struct ubur_reclink_record *rec = NULL;
    size_t n = 0, alloc = 0;
    long bad_dob = 0;
    while ((rc = ubur_csv_next(&csv, &err)) == 1) {
        if (csv.nfields != ncols) {
            rc = ubur_error_set(&err, UBUR_EINVAL, "line %ld: %d fields where the header has %d",
                                csv.line, csv.nfields, ncols);
            break;
        }
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 4096;
            rec = ubur_realloc(rec, alloc * sizeof(*rec));
        }
        struct ubur_reclink_record *r = &rec[n++];
        memset(r, 0, sizeof(*r));
        r->id = ubur_arena_strdup(&a, csv.field[ci]);
        r->given = ubur_arena_strdup(&a, csv.field[cg]);
        r->family = ubur_arena_strdup(&a, csv.field[cf]);
        r->dob = INT64_MIN;
        if (cd >= 0 && csv.field[cd][0]) {
            r->dob = parse_dob(csv.field[cd], dob_fmt);
            bad_dob += r->dob == INT64_MIN;
        }
        for (int k = 0; k < cfg.nextra; k++)
            r->extra[k] = ubur_arena_strdup(&a, csv.field[cx[k]]);
        r->entity = ct >= 0 ? ubur_arena_strdup(&a, csv.field[ct]) : NULL;
        if ((n & 0xffff) == 0 && size > 0)
            ubur_cli_progress("reading", csv.bytes, size);
    }
    if (size > 0)
        ubur_cli_progress("reading", size, size);
    ubur_csv_release(&csv);
    if (f != stdin)
        fclose(f);
    if (rc < 0) {
        free(rec);
        ubur_arena_release(&a);
        return ubur_cli_fail(&err);
    }
    if (bad_dob)
        fprintf(stderr, "ubur: %ld birth dates do not match '%s' and are treated as missing\n",
                bad_dob, dob_fmt);
    cfg.progress = ubur_cli_tty() ? progress : NULL;
    struct ubur_reclink_pair *pairs = NULL;
    size_t npairs = 0;
    struct ubur_reclink_stats stats;
    int64_t t0 = ubur_now_ms();
    rc = ubur_reclink_dedup(rec, n, &cfg, &pairs, &npairs, &stats, &err);
    int64_t ms = ubur_now_ms() - t0;
    if (!rc) {
        struct ubur_buf out = UBUR_BUF_INIT;
        if (!json)
            ubur_buf_adds(&out, "id1,id2,score\n");
        for (size_t i = 0; i < npairs; i++) {
            const char *x = rec[pairs[i].a].id, *y = rec[pairs[i].b].id;
            if (json) {
                ubur_buf_adds(&out, "{\"id1\":");
                ubur_buf_addf(&out, "\"%s\",\"id2\":\"%s\",\"score\":%.4f}\n", x, y,
                              pairs[i].score);
            } else {
                ubur_csv_field(&out, x, false);
                ubur_buf_addch(&out, ',');
                ubur_csv_field(&out, y, false);
                ubur_buf_addf(&out, ",%.4f\n", pairs[i].score);
            }
            if (out.len > (1 << 20)) {
                fwrite(out.s, 1, out.len, stdout);
                ubur_buf_reset(&out);
            }
        }
        fwrite(out.s, 1, out.len, stdout);
        ubur_buf_release(&out);
        fprintf(stderr, "ubur: %zu records, %ld candidate pairs, %zu pairs reported (%.1f s)\n", n,
                stats.candidate_pairs, npairs, (double)ms / 1000.0);
        if (ct >= 0)
            fprintf(stderr,
                    "ubur: truth: %ld true pairs; precision %.4f recall %.4f F1 %.4f"
                    " blocking recall %.4f\n",
                    stats.true_pairs, stats.precision, stats.recall, stats.f1,
                    stats.blocking_recall);
    }
    free(pairs);
    free(rec);
    ubur_arena_release(&a);
    return rc ? ubur_cli_fail(&err) : 0;
}

const struct ubur_cmd ubur_cmd_dedup = {
    .name = "dedup",
    .summary = "find duplicate people in a CSV file (blocking + probabilistic scoring)",
    .usage =
        "usage: ubur dedup --csv FILE --id COL --given COL --family COL [--dob COL\n"
        "                  [--dob-format FMT]] [--extra COL,...] [--threshold T] [--json]\n"
        "                  [--truth COL] [--engine skeleton|names] [--threads N]\n"
        "       ubur dedup --generate arabic|english [--records N] [--seed S]\n"
        "  Writes CSV id1,id2,score (or JSON lines with --json) of the pairs scoring at least\n"
        "  T (default 0.5). FMT uses %Y %m %d (default %Y-%m-%d). --truth COL names a column\n"
        "  holding the true entity: precision, recall, F1 and blocking recall go to stderr.\n"
        "  --generate writes FEBRL-style test data with known truth (column entity).\n",
    .run = run_dedup,
    .flags = UBUR_CMD_NODB,
};
