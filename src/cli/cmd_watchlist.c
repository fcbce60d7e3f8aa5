/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur watchlist import FILE [--format un-xml|csv] [--list NAME]`,
 * `ubur watchlist list`, `ubur watchlist show ID`. Imports are all or
 * nothing; a progress bar is drawn on a terminal and a summary printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_watchlist;

static void
progress(long done, long total, void *arg)
{
    (void)arg;
    ubur_cli_progress("importing", done, total);
}

static int
do_import(struct ubur_cli *cli, const char *file, const char *format, const char *list)
{
    enum ubur_wl_format f = UBUR_WL_AUTO;
    if (format) {
        if (!strcmp(format, "un-xml"))
            f = UBUR_WL_UN_XML;
        else if (!strcmp(format, "csv"))
            f = UBUR_WL_CSV;
        else
            return ubur_cli_usage(&ubur_cmd_watchlist, "--format must be un-xml or csv, not '%s'",
                                  format);
    }
    FILE *fp = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    if (!fp)
        return ubur_cli_failf(1, "cannot open '%s': %m", file);
    size_t len = 0;
    char *data = ubur_cli_read_all(fp, UBUR_WL_MAX_FILE, &len);
    if (fp != stdin)
        fclose(fp);
    if (!data)
        return ubur_cli_failf(1, "'%s' is larger than %u bytes", file, UBUR_WL_MAX_FILE);
    if (!ubur_cli_store(cli)) {
        free(data);
        return 1;
    }
    struct ubur_wl_summary s;
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_watchlist_import(&cli->ctx, list, file, data, len, f, progress, NULL, &s, &err);
    free(data);
    if (rc) {
        fprintf(stderr, "ubur: %s: nothing imported\n", file);
        return ubur_cli_fail(&err);
    }
    printf("imported %ld entries into list %s: %ld added, %ld updated, %ld ended, %ld unchanged,"
           " %ld reinstated (import %s)\n",
           s.total, s.list_id, s.added, s.updated, s.ended, s.unchanged, s.reinstated, s.import_id);
    return 0;
}

static int
run_watchlist(struct ubur_cli *cli, int argc, char **argv)
{
    const char *format = NULL, *list = NULL;
    const struct ubur_opt opts[] = {{"format", &format, NULL}, {"list", &list, NULL}, {0}};
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &ubur_cmd_watchlist, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(&ubur_cmd_watchlist, "a subcommand is required");
    struct ubur_error err = UBUR_ERROR_INIT;
    if (!strcmp(pos[0], "import")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_watchlist, "import takes one FILE");
        return do_import(cli, pos[1], format, list);
    }
    if (format || list)
        return ubur_cli_usage(&ubur_cmd_watchlist, "--format and --list go with import");
    if (!strcmp(pos[0], "list")) {
        if (npos != 1)
            return ubur_cli_usage(&ubur_cmd_watchlist, "list takes no argument");
        if (!ubur_cli_store(cli))
            return 1;
        char *json = NULL;
        if (ubur_watchlist_lists_json(&cli->ctx, &json, &err))
            return ubur_cli_fail(&err);
        puts(json);
        free(json);
        return 0;
    }
    if (!strcmp(pos[0], "show")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_watchlist, "show takes one ID");
        if (!ubur_cli_store(cli))
            return 1;
        char *json = NULL;
        if (ubur_watchlist_entry_json(&cli->ctx, pos[1], &json, &err))
            return ubur_cli_fail(&err);
        puts(json);
        free(json);
        return 0;
    }
    return ubur_cli_usage(&ubur_cmd_watchlist, "unknown subcommand '%s'", pos[0]);
}

const struct ubur_cmd ubur_cmd_watchlist = {
    .name = "watchlist",
    .summary = "import, list and show security watchlists",
    .usage = "usage: ubur watchlist import FILE [--format un-xml|csv] [--list NAME]\n"
             "       ubur watchlist list\n"
             "       ubur watchlist show ID|REFERENCE\n"
             "\n"
             "import reads the UN Security Council Consolidated List XML or a CSV with the\n"
             "header reference,name,aliases,dob,nationality,sex,action (aliases separated by\n"
             "';', dob YYYY, YYYY-MM or YYYY-MM-DD, nationality ISO alpha-2 or alpha-3).\n"
             "A re-import adds, updates and ends entries; all or nothing.\n",
    .run = run_watchlist,
};
