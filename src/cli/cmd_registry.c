/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur registry SUBCOMMAND ...`: the refugee and asylum-seeker registry
 * from the command line (services in include/ubur/registry.h). One row per
 * subcommand in the table at the bottom. The CLI acts as an administrator;
 * every read of an individual is audited like the API's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ubur/registry.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_registry;

static int
usage(const char *fmt, const char *arg)
{
    return ubur_cli_usage(&ubur_cmd_registry, fmt, arg);
}

static int
parse(struct ubur_cli *cli, int argc, char **argv, const struct ubur_opt *opts, char ***pos,
      int *npos, int want_pos)
{
    int rc = ubur_cli_parse(cli, &ubur_cmd_registry, argc, argv, opts, pos, npos);
    if (rc)
        return rc;
    if (*npos != want_pos)
        return ubur_cli_usage(&ubur_cmd_registry, "%s takes %d argument(s)", argv[0], want_pos);
    return ubur_cli_store(cli) ? 0 : 1;
}

static void
print_person(const struct ubur_reg_individual *p)
{
    printf("%s  %s\n", p->individual_number, p->id);
    printf("  group           %s (%s)\n", p->group_number, p->relationship);
    printf("  name            %s %s %s %s\n", p->given_name ? p->given_name : "",
           p->father_name ? p->father_name : "", p->grandfather_name ? p->grandfather_name : "",
           p->family_name ? p->family_name : "");
    printf("  name (Arabic)   %s %s %s %s\n", p->given_name_ar ? p->given_name_ar : "",
           p->father_name_ar ? p->father_name_ar : "",
           p->grandfather_name_ar ? p->grandfather_name_ar : "",
           p->family_name_ar ? p->family_name_ar : "");
    printf("  sex, born       %s, %s%s\n", p->sex, p->birth_date ? p->birth_date : "unknown",
           p->birth_date_estimated ? " (estimated)" : "");
    printf("  origin          %s (citizenship %s)\n", p->origin, p->citizenship);
    printf("  type, status    %s, %s\n", p->population_type, p->status);
    printf("  location        %s\n", p->location);
    printf("  registered on   %s\n", p->registered_on);
    if (p->returnee_on)
        printf("  returnee        since %s\n", p->returnee_on);
    if (p->merged_into)
        printf("  merged into     %s\n", p->merged_into);
    for (size_t i = 0; i < p->ndocuments; i++)
        printf("  document        %s %s %s\n", p->documents[i].doc_type, p->documents[i].number,
               p->documents[i].issuing_country ? p->documents[i].issuing_country : "");
    for (size_t i = 0; i < p->nneeds; i++)
        printf("  specific need   %s %s\n", p->needs[i].code,
               p->needs[i].detail ? p->needs[i].detail : "");
    for (size_t i = 0; i < p->nhistory; i++)
        printf("  history         %s %s %s %s %s\n", p->history[i].effective_on,
               p->history[i].status, p->history[i].population_type, p->history[i].location,
               p->history[i].reason ? p->history[i].reason : "");
}

static int
cmd_add(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_reg_individual p = {.relationship = "focal_point"};
    const char *group = NULL, *kind = NULL, *doc = NULL, *doc_country = NULL, *est = NULL;
    bool confirm = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"group", &group, NULL},
        {"kind", &kind, NULL},
        {"relationship", &p.relationship, NULL},
        {"given", &p.given_name, NULL},
        {"father", &p.father_name, NULL},
        {"grandfather", &p.grandfather_name, NULL},
        {"family", &p.family_name, NULL},
        {"given-ar", &p.given_name_ar, NULL},
        {"father-ar", &p.father_name_ar, NULL},
        {"grandfather-ar", &p.grandfather_name_ar, NULL},
        {"family-ar", &p.family_name_ar, NULL},
        {"sex", &p.sex, NULL},
        {"dob", &p.birth_date, NULL},
        {"dob-estimated", &est, NULL},
        {"origin", &p.origin, NULL},
        {"citizenship", &p.citizenship, NULL},
        {"type", &p.population_type, NULL},
        {"location", &p.location, NULL},
        {"registered-on", &p.registered_on, NULL},
        {"passport", &doc, NULL},
        {"document-country", &doc_country, NULL},
        {"confirm-new", NULL, &confirm},
        {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_document d = {.doc_type = "passport",
                                  .number = doc,
                                  .issuing_country = doc_country ? doc_country : p.origin};
    if (doc) {
        p.documents = &d;
        p.ndocuments = 1;
    }
    if (!p.citizenship)
        p.citizenship = p.origin;
    p.birth_date_estimated = est && !strcmp(est, "yes");
    if (!confirm && !group) {
        struct ubur_reg_candidate c[10];
        size_t n = 0;
        if (ubur_registry_candidates(&cli->ctx, &p, 0.5, c, 10, &n, &err))
            return ubur_cli_fail(&err);
        if (n) {
            fprintf(stderr, "ubur: possible duplicates; check them, then add --confirm-new or"
                            " use `ubur registry judge`:\n");
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, "  %.2f  %s  %s %s / %s %s  born %s  %s\n", c[i].score,
                        c[i].person.individual_number,
                        c[i].person.given_name ? c[i].person.given_name : "",
                        c[i].person.family_name ? c[i].person.family_name : "",
                        c[i].person.given_name_ar ? c[i].person.given_name_ar : "",
                        c[i].person.family_name_ar ? c[i].person.family_name_ar : "",
                        c[i].person.birth_date ? c[i].person.birth_date : "?", c[i].person.origin);
            return 1;
        }
    }
    if (group) {
        if (!strcmp(p.relationship, "focal_point"))
            return usage("%s: give --relationship for a new member of a group", "add");
        rc = ubur_registry_add_member(&cli->ctx, group, &p, &err);
    } else {
        struct ubur_reg_group g = {
            .kind = kind, .location = p.location, .registered_on = p.registered_on};
        rc = ubur_registry_register(&cli->ctx, &g, &p, 1, false, &err);
    }
    if (rc)
        return ubur_cli_fail(&err);
    printf("%s %s\n", p.individual_number, p.id);
    return 0;
}

static int
print_candidates(void *arg, size_t member, const struct ubur_reg_candidate *c, size_t nc)
{
    const struct ubur_reg_individual *m = arg;
    if (!nc)
        return 0;
    fprintf(stderr, "  member %zu (%s %s, born %s):\n", member + 1,
            m[member].given_name ? m[member].given_name : "",
            m[member].family_name ? m[member].family_name : "",
            m[member].birth_date ? m[member].birth_date : "?");
    for (size_t i = 0; i < nc; i++)
        fprintf(stderr, "    %.2f  %s  %s %s / %s %s  born %s  %s  %s\n", c[i].score,
                c[i].person.individual_number, c[i].person.given_name ? c[i].person.given_name : "",
                c[i].person.family_name ? c[i].person.family_name : "",
                c[i].person.given_name_ar ? c[i].person.given_name_ar : "",
                c[i].person.family_name_ar ? c[i].person.family_name_ar : "",
                c[i].person.birth_date ? c[i].person.birth_date : "?", c[i].person.origin,
                c[i].person.group_number ? c[i].person.group_number : "");
    return 0;
}

/* `registry add-group FILE.json|-`: a household or case with all its members in one
 * transaction, after the duplicate check (ubur_registry_group_from_json has the format). */
static int
cmd_add_group(struct ubur_cli *cli, int argc, char **argv)
{
    bool confirm = false, check_only = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"confirm-new", NULL, &confirm},
        {"check", NULL, &check_only},
        {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 1);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    json_error_t jerr;
    FILE *f = strcmp(pos[0], "-") ? fopen(pos[0], "rb") : stdin;
    if (!f)
        return ubur_cli_failf(1, "cannot open '%s'", pos[0]);
    struct ubur_buf text = UBUR_BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && text.len <= 1 << 20)
        ubur_buf_add(&text, chunk, got);
    if (f != stdin)
        fclose(f);
    if (text.len > 1 << 20) {
        ubur_buf_release(&text);
        return ubur_cli_failf(1, "'%s': a group's JSON is at most 1 MB", pos[0]);
    }
    json_t *body = json_loadb(text.s ? text.s : "", text.len, 0, &jerr);
    ubur_buf_release(&text);
    if (!body)
        return ubur_cli_failf(1, "'%s' line %d: %s", pos[0], jerr.line, jerr.text);
    struct ubur_reg_group g;
    struct ubur_reg_individual *m;
    size_t n, flagged = 0;
    bool json_confirm = false;
    rc = ubur_registry_group_from_json(&cli->ctx, body, &g, &m, &n, &json_confirm, &err);
    confirm = confirm || json_confirm;
    if (!rc && (!confirm || check_only)) {
        rc = ubur_registry_group_check(&cli->ctx, m, n, 5, NULL, NULL, &flagged, &err);
        if (!rc && flagged) {
            fprintf(stderr,
                    "ubur: possible duplicates of %zu member(s); check them, then add"
                    " --confirm-new or use `ubur registry judge`:\n",
                    flagged);
            ubur_registry_group_check(&cli->ctx, m, n, 5, print_candidates, m, NULL, &err);
            json_decref(body);
            return 1;
        }
    }
    if (!rc && check_only) {
        printf("no likely duplicates among %zu member(s)\n", n);
        json_decref(body);
        return 0;
    }
    if (!rc)
        rc = ubur_registry_register(&cli->ctx, &g, m, n, !confirm, &err);
    if (rc) {
        json_decref(body);
        return ubur_cli_fail(&err);
    }
    printf("%s %s\n", g.group_number, g.id);
    for (size_t i = 0; i < n; i++)
        printf("  %s %s %s\n", m[i].individual_number, m[i].id, m[i].relationship);
    json_decref(body);
    return 0;
}

static int
cmd_show(struct ubur_cli *cli, int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = parse(cli, argc, argv, NULL, &pos, &npos, 1);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_individual p;
    if (ubur_registry_get(&cli->ctx, pos[0], &p, &err))
        return ubur_cli_fail(&err);
    print_person(&p);
    return 0;
}

static int
list_row(void *arg, const struct ubur_reg_individual *p)
{
    (void)arg;
    printf("%-20s %-3s %-3s %-8s %-1s %-10s %-10s %s %s / %s %s\n", p->individual_number,
           p->population_type, p->origin, p->status, p->sex, p->birth_date ? p->birth_date : "-",
           p->location, p->given_name ? p->given_name : "", p->family_name ? p->family_name : "",
           p->given_name_ar ? p->given_name_ar : "", p->family_name_ar ? p->family_name_ar : "");
    return 0;
}

static int
cmd_list(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_reg_filter f = {0};
    const char *limit = NULL, *offset = NULL;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"group", &f.group, NULL},          {"location", &f.location, NULL},
        {"type", &f.population_type, NULL}, {"status", &f.status, NULL},
        {"origin", &f.origin, NULL},        {"limit", &limit, NULL},
        {"offset", &offset, NULL},          {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    f.limit = limit ? strtol(limit, NULL, 10) : 50;
    f.offset = offset ? strtol(offset, NULL, 10) : 0;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_registry_list(&cli->ctx, &f, list_row, NULL, &err))
        return ubur_cli_fail(&err);
    return 0;
}

static int
cmd_search(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_reg_individual p = {0};
    const char *min = NULL;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"given", &p.given_name, NULL},
        {"family", &p.family_name, NULL},
        {"given-ar", &p.given_name_ar, NULL},
        {"family-ar", &p.family_name_ar, NULL},
        {"father", &p.father_name, NULL},
        {"dob", &p.birth_date, NULL},
        {"origin", &p.origin, NULL},
        {"min-score", &min, NULL},
        {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (!p.given_name && !p.given_name_ar)
        return usage("%s: give --given or --given-ar", "search");
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_candidate c[50];
    size_t n = 0;
    if (ubur_registry_candidates(&cli->ctx, &p, min ? strtod(min, NULL) : 0.3, c, 50, &n, &err))
        return ubur_cli_fail(&err);
    for (size_t i = 0; i < n; i++) {
        printf("%.3f  ", c[i].score);
        list_row(NULL, &c[i].person);
    }
    if (!n)
        fprintf(stderr, "ubur: no match\n");
    return n ? 0 : 1;
}

static int
cmd_event(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_reg_event ev = {0};
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"status", &ev.status, NULL},     {"type", &ev.population_type, NULL},
        {"location", &ev.location, NULL}, {"on", &ev.effective_on, NULL},
        {"reason", &ev.reason, NULL},     {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 1);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_registry_event(&cli->ctx, pos[0], &ev, &err))
        return ubur_cli_fail(&err);
    return 0;
}

static int
cmd_judge(struct ubur_cli *cli, int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = parse(cli, argc, argv, NULL, &pos, &npos, 3);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_registry_judge(&cli->ctx, pos[0], pos[1], pos[2], &err))
        return ubur_cli_fail(&err);
    return 0;
}

struct import_ui {
    long total;
    long errors_shown;
};

static void
import_progress(void *arg, long bytes)
{
    struct import_ui *u = arg;
    static long last;
    if (bytes - last >= (1 << 20) || bytes >= u->total) {
        ubur_cli_progress("import", bytes, u->total);
        last = bytes;
    }
}

static int
import_error(void *arg, long line, const char *field, const char *message)
{
    struct import_ui *u = arg;
    if (u->errors_shown++ < 1000) {
        if (ubur_cli_tty())
            fputc('\n', stderr);
        if (field && *field)
            fprintf(stderr, "line %ld: %s: %s\n", line, field, message);
        else
            fprintf(stderr, "line %ld: %s\n", line, message);
    } else if (u->errors_shown == 1001) {
        fprintf(stderr, "(more errors not shown)\n");
    }
    return 0;
}

static int
cmd_import(struct ubur_cli *cli, int argc, char **argv)
{
    const char *batch = NULL;
    bool dry = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {{"batch", &batch, NULL}, {"dry-run", NULL, &dry}, {0}};
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 1);
    if (rc)
        return rc == 3 ? 0 : rc;
    FILE *f = strcmp(pos[0], "-") ? fopen(pos[0], "rb") : stdin;
    if (!f)
        return ubur_cli_failf(1, "cannot open '%s'", pos[0]);
    struct stat st;
    struct import_ui ui = {0, 0};
    if (!fstat(fileno(f), &st))
        ui.total = (long)st.st_size;
    struct ubur_registry_import_opts o = {
        .batch_rows = batch ? strtol(batch, NULL, 10) : 0,
        .dry_run = dry,
        .source = pos[0],
        .progress = ui.total > 0 ? import_progress : NULL,
        .on_error = import_error,
        .arg = &ui,
    };
    struct ubur_registry_import_result res;
    struct ubur_error err = UBUR_ERROR_INIT;
    int64_t t0 = ubur_now_ms();
    rc = ubur_registry_import_csv(&cli->ctx, f, &o, &res, &err);
    if (f != stdin)
        fclose(f);
    if (rc)
        return ubur_cli_fail(&err);
    fprintf(stderr,
            "ubur: %ld rows read, %ld individuals %s, %ld errors, %ld batches failed"
            " (%.1f s)\n",
            res.rows, res.imported, dry ? "checked" : "imported", res.errors, res.failed_batches,
            (double)(ubur_now_ms() - t0) / 1000.0);
    return res.errors ? 1 : 0;
}

static int
cmd_export(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_reg_filter f = {0};
    const char *output = NULL;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"output", &output, NULL},          {"location", &f.location, NULL},
        {"type", &f.population_type, NULL}, {"status", &f.status, NULL},
        {"origin", &f.origin, NULL},        {0},
    };
    int rc = parse(cli, argc, argv, opts, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    FILE *out = output ? fopen(output, "wb") : stdout;
    if (!out)
        return ubur_cli_failf(1, "cannot write '%s'", output);
    struct ubur_error err = UBUR_ERROR_INIT;
    long n = 0;
    rc = ubur_registry_export_csv(&cli->ctx, &f, out, &n, &err);
    if (output && fclose(out) && !rc)
        return ubur_cli_failf(1, "cannot write '%s'", output);
    if (rc)
        return ubur_cli_fail(&err);
    fprintf(stderr, "ubur: %ld individuals exported\n", n);
    return 0;
}

static int
loc_row(void *arg, const struct ubur_reg_location *l)
{
    (void)arg;
    printf("%-10s %-11s %-3s %s %s  %-14s %s\n", l->pcode, l->level, l->country, l->location_type,
           l->accommodation_type, l->parent ? l->parent : "-", l->name_en);
    return 0;
}

static int
cmd_locations(struct ubur_cli *cli, int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = parse(cli, argc, argv, NULL, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_registry_locations(&cli->ctx, loc_row, NULL, &err))
        return ubur_cli_fail(&err);
    return 0;
}

static int
cmd_rebuild(struct ubur_cli *cli, int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = parse(cli, argc, argv, NULL, &pos, &npos, 0);
    if (rc)
        return rc == 3 ? 0 : rc;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_registry_stats_rebuild(&cli->ctx, &err))
        return ubur_cli_fail(&err);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(struct ubur_cli *cli, int argc, char **argv);
} subs[] = {
    {"add", cmd_add},
    {"add-group", cmd_add_group},
    {"show", cmd_show},
    {"list", cmd_list},
    {"search", cmd_search},
    {"event", cmd_event},
    {"judge", cmd_judge},
    {"import", cmd_import},
    {"export", cmd_export},
    {"locations", cmd_locations},
    {"rebuild-stats", cmd_rebuild},
    {NULL, NULL},
};

static int
run_registry(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ubur_cmd_registry.usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 0; subs[i].name; i++)
        if (!strcmp(subs[i].name, argv[1]))
            return subs[i].run(cli, argc - 1, argv + 1);
    return usage("unknown registry subcommand '%s'", argv[1]);
}

const struct ubur_cmd ubur_cmd_registry = {
    .name = "registry",
    .summary = "refugee and asylum-seeker registry: add, show, list, search, import, export",
    .usage =
        "usage: ubur registry add --location PCODE --type T --origin CCC --sex F|M|X\n"
        "                         --given NAME [--family NAME] [--father NAME] [--given-ar NAME]\n"
        "                         [--family-ar NAME] [--dob DATE] [--passport NO]\n"
        "                         [--group G --relationship R] [--confirm-new]\n"
        "       ubur registry add-group FILE.json|- [--check] [--confirm-new]\n"
        "         a household or case with all its members, in one transaction, after the\n"
        "         duplicate check (candidates per member; exit 1 unless --confirm-new).\n"
        "         JSON: {\"location\", \"kind\", \"registered_on\", \"members\": "
        "[{\"relationship\",\n"
        "         \"given_name\", \"family_name\", \"sex\", \"birth_date\", \"origin\",\n"
        "         \"population_type\", ...}]} as POST /api/v1/registry/groups\n"
        "       ubur registry show INDIVIDUAL\n"
        "       ubur registry list [--group G] [--location PCODE] [--type T] [--status S]\n"
        "                          [--origin CCC] [--limit N] [--offset N]\n"
        "       ubur registry search --given NAME [--family NAME] [--given-ar NAME] [--dob D]\n"
        "       ubur registry event INDIVIDUAL [--status S] [--type T] [--location PCODE]\n"
        "                           [--on DATE] [--reason TEXT]\n"
        "       ubur registry judge KEEP OTHER merge|link|distinct\n"
        "       ubur registry import FILE.csv [--batch N] [--dry-run]\n"
        "       ubur registry export [--output FILE] [--location PCODE] [--type T] ...\n"
        "       ubur registry locations\n"
        "       ubur registry rebuild-stats\n"
        "  INDIVIDUAL is an id or an individual number (SYR-2021-000123-01). Reads are audited.\n"
        "  CSV columns: docs/registry-csv.md. Statistics: ubur stats population.\n",
    .run = run_registry,
};
