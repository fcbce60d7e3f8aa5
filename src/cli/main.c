/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ubur's entry point: global options, then one command from the table in
 * commands.c. `ubur [--db PATH] [--pg CONNINFO] COMMAND [ARGS]`.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/banned.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: ubur [--db PATH] [--pg CONNINFO] COMMAND [ARGS]\n\ncommands:\n");
    for (int i = 0; ubur_commands[i]; i++)
        fprintf(f, "  %-12s %s\n", ubur_commands[i]->name, ubur_commands[i]->summary);
    fprintf(f, "\n`ubur help COMMAND` or `ubur COMMAND --help` for a command's usage.\n"
               "Environment: UBUR_DB (default ubur.db), UBUR_PG, UBUR_LISTEN.\n");
}

/*
 * The audit actor of CLI writes: the account the process runs as, from the
 * password database rather than $USER, which anyone can set. Under sudo the
 * invoking login is added, as sudo records it, for the reader of the trail.
 */
static const char *
cli_actor(struct ubur_arena *arena)
{
    uid_t uid = geteuid();
    struct passwd *pw = getpwuid(uid);
    const char *sudo = uid == 0 ? getenv("SUDO_USER") : NULL;
    char name[64];
    if (pw && pw->pw_name && strlen(pw->pw_name) < sizeof(name))
        snprintf(name, sizeof(name), "%s", pw->pw_name);
    else
        snprintf(name, sizeof(name), "uid%lu", (unsigned long)uid);
    if (sudo && (!*sudo || strlen(sudo) > 32 ||
                 strspn(sudo, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789._-") != strlen(sudo)))
        sudo = NULL; /* not a login name sudo would have set */
    if (sudo && strcmp(sudo, name) != 0)
        return ubur_arena_printf(arena, "cli:%s(sudo:%s)", name, sudo);
    return ubur_arena_printf(arena, "cli:%s", name);
}

int
main(int argc, char **argv)
{
    struct ubur_cli cli = {0};
    int i = 1;

    cli.db = getenv("UBUR_DB");
    if (!cli.db || !*cli.db)
        cli.db = "ubur.db";
    cli.pg = getenv("UBUR_PG");
    if (cli.pg && !*cli.pg)
        cli.pg = NULL;

    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--db") || !strcmp(a, "--pg")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ubur: %s needs a value\n", a);
                return 2;
            }
            if (a[2] == 'd') {
                cli.db = argv[++i];
                cli.pg = NULL; /* an explicit --db beats UBUR_PG */
            } else {
                cli.pg = argv[++i];
            }
        } else if (!strncmp(a, "--db=", 5)) {
            cli.db = a + 5;
            cli.pg = NULL;
        } else if (!strncmp(a, "--pg=", 5)) {
            cli.pg = a + 5;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            argv[i] = "version";
            break;
        } else {
            fprintf(stderr, "ubur: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const struct ubur_cmd *cmd = ubur_cli_find(argv[i]);
    if (!cmd) {
        fprintf(stderr, "ubur: unknown command '%s' (see `ubur help`)\n", argv[i]);
        return 2;
    }

    cli.ctx.username = cli_actor(&cli.ctx.arena);
    cli.ctx.role = UBUR_ROLE_ADMIN;
    ubur_uuid7(cli.ctx.request_id);

    int rc = cmd->run(&cli, argc - i, argv + i);
    if (cli.store)
        ubur_store_close(cli.store);
    ubur_arena_release(&cli.ctx.arena);
    return rc;
}
