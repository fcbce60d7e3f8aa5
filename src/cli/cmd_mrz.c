/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur mrz parse` and `ubur mrz make`: the ICAO 9303 machine readable zone
 * from the command line. Other tools and tests rely on this contract:
 * parse prints the object of ubur_mrz_json() with --json (the same as the
 * API's) or a readable summary, and exits 0 valid, 1 invalid, 2 usage; make
 * prints the lines, one per line, and exits 0, 1 on bad input (the message
 * names the field), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/mrz.h"
#include "ubur/mrz_json.h"

#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_mrz;

static const struct ubur_cmd cmd_parse = {
    .name = "mrz parse",
    .usage = "usage: ubur mrz parse [--json] [--lenient] [--no-repair] [--today YYYY-MM-DD] "
             "[LINE...]\n"
             "  Parses and validates a TD1, TD2, TD3, MRV-A or MRV-B machine readable zone\n"
             "  from the LINEs, or from stdin when there are none (newline-separated lines\n"
             "  or one run of 90/72/88 characters; lowercase, spaces and '«' are accepted).\n"
             "  --json       print one JSON object (the API's)\n"
             "  --lenient    accept documented real-world deviations, each named as a warning\n"
             "  --no-repair  do not repair single OCR confusions (0/O, 1/I, 2/Z, 5/S, 8/B, 6/G)\n"
             "  --today      the day two-digit years are resolved against (default: today)\n"
             "  Exit status: 0 valid, 1 invalid, 2 usage.\n",
};

static const struct ubur_cmd cmd_make = {
    .name = "mrz make",
    .usage = "usage: ubur mrz make --format TD1|TD2|TD3|MRVA|MRVB [--code C] --state S\n"
             "                     --surname X [--given Y] --number N --nationality S\n"
             "                     --birth YYYY-MM-DD --sex M|F|X --expiry YYYY-MM-DD\n"
             "                     [--optional D] [--optional2 D]\n"
             "  Prints the machine readable zone, one line per line. Names may be in Latin\n"
             "  script with diacritics or in Arabic script (ICAO Doc 9303 Part 3\n"
             "  transliteration); long names are truncated as ICAO prescribes. Dates may be\n"
             "  YYYY-MM or YYYY when a part is unknown. --optional2 is TD1's line-2 field.\n"
             "  Exit status: 0 ok, 1 invalid input, 2 usage.\n",
};

static void
print_date(const char *label, const struct ubur_mrz_date *d)
{
    char iso[11];
    if (ubur_mrz_date_iso(d, iso))
        printf("%-15s %s\n", label, iso);
    else if (d->raw[0])
        printf("%-15s unknown or partly unknown (%s)\n", label, d->raw);
}

static void
print_summary(const struct ubur_mrz *m)
{
    static const char *const kind[] = {"",         "identity card", "identity card",
                                       "passport", "visa",          "visa"};
    const char *fmt = ubur_mrz_format_name(m->format);
    if (fmt)
        printf("%-15s %s (%s)\n", "format", fmt, kind[m->format]);
    if (m->document_code[0])
        printf("%-15s %s\n", "document code", m->document_code);
    if (m->issuing_state[0])
        printf("%-15s %s\n", "issuing state", m->issuing_state);
    if (m->surname[0])
        printf("%-15s %s\n", "surname", m->surname);
    if (m->given_names[0])
        printf("%-15s %s\n", "given names", m->given_names);
    if (m->document_number[0])
        printf("%-15s %s\n", "number", m->document_number);
    if (m->nationality[0])
        printf("%-15s %s\n", "nationality", m->nationality);
    print_date("birth date", &m->birth_date);
    print_date("expiry date", &m->expiry_date);
    if (m->sex)
        printf("%-15s %c\n", "sex", m->sex);
    if (m->optional_data[0])
        printf("%-15s %s\n", "optional data", m->optional_data);
    if (m->optional_data_2[0])
        printf("%-15s %s\n", "optional data 2", m->optional_data_2);
    printf("%-15s %s\n", "valid", m->valid ? "yes" : "no");
    for (int i = 0; i < m->ncorrected; i++) {
        const struct ubur_mrz_correction *c = &m->corrected[i];
        printf("%-15s %s: read '%s', repaired to '%s' (line %d column %d)\n", "corrected", c->field,
               c->read, c->value, c->line, c->column);
    }
    for (int i = 0; i < m->nerrors; i++)
        printf("%-15s %s: %s\n", "error", m->errors[i].field, m->errors[i].message);
    if (m->nerrors_dropped)
        printf("%-15s %d more not listed\n", "error", m->nerrors_dropped);
    for (int i = 0; i < m->nwarnings; i++)
        printf("%-15s %s (%s): %s\n", "warning", m->warnings[i].code, m->warnings[i].field,
               m->warnings[i].message);
}

static int
run_parse(struct ubur_cli *cli, int argc, char **argv)
{
    bool json = false, lenient = false, no_repair = false;
    const char *today = NULL;
    const struct ubur_opt opts[] = {
        {"json", NULL, &json},   {"lenient", NULL, &lenient}, {"no-repair", NULL, &no_repair},
        {"today", &today, NULL}, {NULL, NULL, NULL},
    };
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &cmd_parse, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;

    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.lenient = lenient;
    o.no_repair = no_repair;
    if (today) {
        struct ubur_error err = UBUR_ERROR_INIT;
        if (ubur_date_parse(today, &o.today, &err))
            return ubur_cli_usage(&cmd_parse, "--today: '%s' is not a date (YYYY-MM-DD)", today);
    }

    char *text;
    size_t len = 0;
    if (npos > 0) {
        struct ubur_buf b = UBUR_BUF_INIT;
        for (int i = 0; i < npos; i++) {
            if (i)
                ubur_buf_addch(&b, '\n');
            ubur_buf_adds(&b, pos[i]);
        }
        text = ubur_buf_detach(&b, &len);
    } else {
        /* Read a little past the cap so an oversized input is reported as such. */
        text = ubur_cli_read_all(stdin, 1 << 20, &len);
        if (!text)
            return ubur_cli_failf(1, "mrz: standard input is larger than 1 MiB");
    }

    struct ubur_mrz m;
    rc = ubur_mrz_parse(text, len, &o, &m, NULL);
    free(text);
    if (json) {
        json_t *j = ubur_mrz_json(&m);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(j);
    } else {
        print_summary(&m);
    }
    return rc == 0 ? 0 : 1;
}

static int
run_make(struct ubur_cli *cli, int argc, char **argv)
{
    const char *format = NULL, *code = NULL, *state = NULL, *surname = NULL, *given = NULL,
               *number = NULL, *nationality = NULL, *birth = NULL, *sex = NULL, *expiry = NULL,
               *optional = NULL, *optional2 = NULL;
    const struct ubur_opt opts[] = {
        {"format", &format, NULL},
        {"code", &code, NULL},
        {"state", &state, NULL},
        {"surname", &surname, NULL},
        {"given", &given, NULL},
        {"number", &number, NULL},
        {"nationality", &nationality, NULL},
        {"birth", &birth, NULL},
        {"sex", &sex, NULL},
        {"expiry", &expiry, NULL},
        {"optional", &optional, NULL},
        {"optional2", &optional2, NULL},
        {NULL, NULL, NULL},
    };
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &cmd_make, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos > 0)
        return ubur_cli_usage(&cmd_make, "unexpected argument '%s'", pos[0]);

    static const char *const required[] = {"format",      "state", "surname", "number",
                                           "nationality", "birth", "sex",     "expiry"};
    const char *const values[] = {format, state, surname, number, nationality, birth, sex, expiry};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!values[i])
            return ubur_cli_usage(&cmd_make, "--%s is required", required[i]);

    struct ubur_mrz_fields f = {
        .format = ubur_mrz_format_from_name(format),
        .document_code = code,
        .issuing_state = state,
        .surname = surname,
        .given_names = given,
        .document_number = number,
        .nationality = nationality,
        .birth_date = birth,
        .sex = strlen(sex) == 1 ? sex[0] : '?',
        .expiry_date = expiry,
        .optional_data = optional,
        .optional_data_2 = optional2,
    };
    if (f.format == UBUR_MRZ_NONE)
        return ubur_cli_usage(&cmd_make, "--format: '%s' is not TD1, TD2, TD3, MRVA or MRVB",
                              format);
    struct ubur_mrz_lines lines;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_mrz_make(&f, &lines, &err))
        return ubur_cli_fail(&err);
    for (int i = 0; i < lines.n; i++)
        puts(lines.line[i]);
    return 0;
}

static int
run_mrz(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "parse"))
        return run_parse(cli, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "make"))
        return run_make(cli, argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(ubur_cmd_mrz.usage, stdout);
        return 0;
    }
    if (argc < 2)
        return ubur_cli_usage(&ubur_cmd_mrz, "missing subcommand");
    return ubur_cli_usage(&ubur_cmd_mrz, "unknown subcommand '%s'", argv[1]);
}

const struct ubur_cmd ubur_cmd_mrz = {
    .name = "mrz",
    .summary = "parse, validate and generate ICAO 9303 machine readable zones",
    .usage = "usage: ubur mrz parse [--json] [--lenient] [--no-repair] [--today DATE] [LINE...]\n"
             "       ubur mrz make --format F [--code C] --state S --surname X [--given Y]\n"
             "                     --number N --nationality S --birth DATE --sex M|F|X\n"
             "                     --expiry DATE [--optional D] [--optional2 D]\n"
             "  `ubur mrz parse --help` and `ubur mrz make --help` for details.\n",
    .run = run_mrz,
    .flags = UBUR_CMD_NODB,
};
