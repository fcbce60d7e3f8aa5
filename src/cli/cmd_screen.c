/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur screen [--json] [--dob D] [--nationality C] [--sex M|F] [--threshold T]
 * [--limit N] NAME`, `ubur screen --json --batch FILE`, and `ubur cases` to
 * list and decide the cases screenings open. screen exits 0 when no hit
 * reaches the threshold, 1 when one does, 2 on a usage error (or, in a
 * batch without a hit, an invalid row), 3 when screening could not run (the
 * store unreachable, a row that failed for a reason other than its input):
 * a script must never read "not screened" as "no hit".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

/* screening could not run: distinct from 1 (a hit) and 2 (usage) */
#define SCREEN_EXIT_RUNTIME 3

extern const struct ubur_cmd ubur_cmd_screen, ubur_cmd_cases;

static int
parse_number(const char *s, double *out)
{
    char *end;
    if (!s)
        return 0;
    *out = strtod(s, &end);
    return (*s && !*end) ? 0 : -1;
}

static void
print_text(const struct ubur_screen_query *q, const struct ubur_screen_result *r)
{
    if (r->nhits == 0) {
        printf("no hit at or above %.2f for '%s' (%ld us)\n", r->threshold, q->name, r->elapsed_us);
        return;
    }
    for (int i = 0; i < r->nhits; i++) {
        const struct ubur_screen_hit *h = &r->hits[i];
        printf("%.3f  %s  %s  %s\n       matched '%s'%s%s%s\n       %s\n", h->score, h->list,
               h->reference, h->name, h->matched_name, h->dismissed ? " (dismissed before)" : "",
               h->case_id[0] ? ", case " : "", h->case_id, h->explanation);
    }
    printf("%d hit(s), %d alert(s), %ld us\n", r->nhits, r->alerts, r->elapsed_us);
}

static void
print_error_json(long line, const struct ubur_error *err)
{
    printf("{\"line\":%ld,\"error\":{\"code\":\"%s\",\"message\":\"", line,
           ubur_error_name(err->code));
    for (const char *p = err->message; *p; p++) {
        if (*p == '"' || *p == '\\')
            putchar('\\');
        putchar(*p);
    }
    printf("\",\"field\":\"%s\"}}\n", err->field);
}

/* Reads a CSV field from *p (simple quoting); returns a malloc'd string. */
static char *
csv_field(const char **p)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    const char *s = *p;
    if (*s == '"') {
        s++;
        while (*s) {
            if (*s == '"' && s[1] == '"') {
                ubur_buf_addch(&b, '"');
                s += 2;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                ubur_buf_addch(&b, *s++);
            }
        }
    }
    while (*s && *s != ',')
        ubur_buf_addch(&b, *s++);
    if (*s == ',')
        s++;
    *p = s;
    return ubur_buf_detach(&b, NULL);
}

static int
run_batch(struct ubur_cli *cli, const char *file, double threshold, int limit)
{
    FILE *fp = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!fp)
        return ubur_cli_failf(2, "cannot open '%s': %m", file);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);
    if (n <= 0 || (strncmp(line, "name,dob,nationality,sex", 24) != 0) ||
        (line[24] != '\n' && line[24] != '\r' && line[24] != '\0')) {
        free(line);
        if (fp != stdin)
            fclose(fp);
        return ubur_cli_failf(2, "%s: the header must be name,dob,nationality,sex", file);
    }
    if (!ubur_cli_store(cli)) {
        free(line);
        if (fp != stdin)
            fclose(fp);
        return SCREEN_EXIT_RUNTIME;
    }
    bool hit = false, invalid = false, failed = false;
    long lineno = 1;
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        const char *p = line;
        char *f[4];
        for (int i = 0; i < 4; i++)
            f[i] = csv_field(&p);
        struct ubur_screen_query q = {.name = f[0],
                                      .dob = f[1],
                                      .nationality = f[2],
                                      .sex = f[3],
                                      .threshold = threshold,
                                      .limit = limit,
                                      .context = "cli"};
        struct ubur_screen_result r;
        struct ubur_error err = UBUR_ERROR_INIT;
        /* each row in an arena of its own, freed after it; the command's arena (it holds
         * the actor's name) stays */
        struct ubur_arena keep = cli->ctx.arena;
        cli->ctx.arena = (struct ubur_arena)UBUR_ARENA_INIT;
        if (*p) {
            ubur_error_set(&err, UBUR_EINVAL, "more than 4 fields");
            print_error_json(lineno, &err);
            invalid = true;
        } else if (ubur_screen(&cli->ctx, &q, &r, &err)) {
            print_error_json(lineno, &err);
            if (err.code == UBUR_EINVAL)
                invalid = true;
            else
                failed = true;
        } else {
            char *json = ubur_screen_result_json(&q, &r);
            puts(json);
            free(json);
            if (r.alerts > 0)
                hit = true;
        }
        fflush(stdout);
        for (int i = 0; i < 4; i++)
            free(f[i]);
        ubur_arena_release(&cli->ctx.arena);
        cli->ctx.arena = keep;
    }
    free(line);
    if (fp != stdin)
        fclose(fp);
    ubur_screening_shutdown();
    /* a row not screened outweighs a hit elsewhere, and a hit an invalid row */
    return failed ? SCREEN_EXIT_RUNTIME : hit ? 1 : invalid ? 2 : 0;
}

static int
run_screen(struct ubur_cli *cli, int argc, char **argv)
{
    const char *dob = NULL, *nat = NULL, *sex = NULL, *thr = NULL, *lim = NULL, *batch = NULL;
    const char *subject = NULL;
    bool json = false;
    const struct ubur_opt opts[] = {
        {"dob", &dob, NULL},         {"nationality", &nat, NULL}, {"sex", &sex, NULL},
        {"threshold", &thr, NULL},   {"limit", &lim, NULL},       {"batch", &batch, NULL},
        {"subject", &subject, NULL}, {"json", NULL, &json},       {0}};
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &ubur_cmd_screen, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    double threshold = 0, limd = 0;
    if (parse_number(thr, &threshold) || (thr && (threshold <= 0 || threshold > 1)))
        return ubur_cli_usage(&ubur_cmd_screen, "--threshold must be a number in (0,1], not '%s'",
                              thr);
    if (parse_number(lim, &limd) ||
        (lim && (limd < 1 || limd > UBUR_SCREEN_MAX_LIMIT || limd != (int)limd)))
        return ubur_cli_usage(&ubur_cmd_screen, "--limit must be an integer from 1 to %d",
                              UBUR_SCREEN_MAX_LIMIT);
    if (sex && strcmp(sex, "M") && strcmp(sex, "F"))
        return ubur_cli_usage(&ubur_cmd_screen, "--sex must be M or F, not '%s'", sex);
    if (batch) {
        if (!json)
            return ubur_cli_usage(&ubur_cmd_screen, "--batch needs --json");
        if (npos || dob || nat || sex)
            return ubur_cli_usage(&ubur_cmd_screen, "--batch takes no NAME, --dob, "
                                                    "--nationality or --sex");
        return run_batch(cli, batch, threshold, (int)limd);
    }
    if (npos < 1)
        return ubur_cli_usage(&ubur_cmd_screen, "NAME is required");
    /* Several words without quotes are one name. */
    struct ubur_buf name = UBUR_BUF_INIT;
    for (int i = 0; i < npos; i++) {
        if (i)
            ubur_buf_addch(&name, ' ');
        ubur_buf_adds(&name, pos[i]);
    }
    struct ubur_screen_query q = {.name = name.s,
                                  .dob = dob,
                                  .nationality = nat,
                                  .sex = sex,
                                  .threshold = threshold,
                                  .limit = (int)limd,
                                  .context = "cli",
                                  .subject_ref = subject};
    struct ubur_screen_result r;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (!ubur_cli_store(cli)) {
        ubur_buf_release(&name);
        return SCREEN_EXIT_RUNTIME;
    }
    rc = ubur_screen(&cli->ctx, &q, &r, &err);
    if (rc) {
        ubur_buf_release(&name);
        ubur_screening_shutdown();
        if (rc == UBUR_EINVAL)
            return ubur_cli_usage(&ubur_cmd_screen, "%s%s%s", err.field, err.field[0] ? ": " : "",
                                  err.message);
        ubur_cli_fail(&err);
        return SCREEN_EXIT_RUNTIME;
    }
    if (json) {
        char *s = ubur_screen_result_json(&q, &r);
        puts(s);
        free(s);
    } else {
        print_text(&q, &r);
    }
    ubur_buf_release(&name);
    ubur_screening_shutdown();
    return r.alerts > 0 ? 1 : 0;
}

static int
run_cases(struct ubur_cli *cli, int argc, char **argv)
{
    const char *status = NULL, *reason = NULL;
    const struct ubur_opt opts[] = {{"status", &status, NULL}, {"reason", &reason, NULL}, {0}};
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &ubur_cmd_cases, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (npos == 0 || !strcmp(pos[0], "list")) {
        if (!ubur_cli_store(cli))
            return 1;
        char *json = NULL;
        if (ubur_cases_json(&cli->ctx, status, 100, &json, &err))
            return ubur_cli_fail(&err);
        puts(json);
        free(json);
        return 0;
    }
    if ((!strcmp(pos[0], "confirm") || !strcmp(pos[0], "dismiss")) && npos == 2) {
        if (!reason)
            return ubur_cli_usage(&ubur_cmd_cases, "--reason is required");
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_case_decide(&cli->ctx, pos[1], pos[0], reason, &err))
            return ubur_cli_fail(&err);
        printf("case %s %s\n", pos[1], pos[0][0] == 'c' ? "confirmed" : "dismissed");
        return 0;
    }
    return ubur_cli_usage(&ubur_cmd_cases, "unknown subcommand '%s'", pos[0]);
}

const struct ubur_cmd ubur_cmd_screen = {
    .name = "screen",
    .summary = "screen a name against the watchlists",
    .usage = "usage: ubur screen [--json] [--dob D] [--nationality C] [--sex M|F]\n"
             "                   [--threshold T] [--limit N] [--subject ID] NAME\n"
             "       ubur screen --json --batch FILE\n"
             "\n"
             "NAME in any script. FILE is a CSV with the header name,dob,nationality,sex;\n"
             "one JSON object per row, in order. Exit 0: no hit reaches the threshold\n"
             "(default 0.80); 1: one does; 2: usage error (or, in a batch without a hit,\n"
             "an invalid row); 3: screening could not run (the store unreachable, or a\n"
             "batch row that failed for a reason other than its input).\n",
    .run = run_screen,
};

const struct ubur_cmd ubur_cmd_cases = {
    .name = "cases",
    .summary = "list screening cases; confirm or dismiss one",
    .usage = "usage: ubur cases [list] [--status open|confirmed|dismissed]\n"
             "       ubur cases confirm|dismiss CASE_ID --reason TEXT\n",
    .run = run_cases,
};
