/* SPDX-License-Identifier: Apache-2.0 */
/* `ubur user add|list|password|role|disable|enable`: local administration of accounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/users.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_user;

static char *
read_password_stdin(void)
{
    size_t len;
    char *pw = ubur_cli_read_all(stdin, UBUR_PASSWORD_MAX + 2, &len);
    if (!pw)
        return NULL;
    while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
        pw[--len] = '\0';
    return pw;
}

static int
run_user(struct ubur_cli *cli, int argc, char **argv)
{
    const char *role = NULL;
    bool from_stdin = false, json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"role", &role, NULL},
        {"password-stdin", NULL, &from_stdin},
        {"json", NULL, &json},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_user, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(&ubur_cmd_user, "missing subcommand");
    const char *sub = pos[0];

    if (!strcmp(sub, "list")) {
        if (npos != 1)
            return ubur_cli_usage(&ubur_cmd_user, "user list takes no arguments");
        json_t *arr;
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_user_list(&cli->ctx, &arr, &err))
            return ubur_cli_fail(&err);
        if (json) {
            json_dumpf(arr, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            size_t i;
            json_t *u;
            printf("%-24s %-22s %-5s %s\n", "USERNAME", "ROLE", "STATE", "CREATED");
            json_array_foreach(arr, i, u)
            {
                const char *st = json_string_value(json_object_get(u, "state"));
                printf("%-24s %-22s %-5s %s%s\n", json_string_value(json_object_get(u, "username")),
                       json_string_value(json_object_get(u, "role")), st ? st : "-",
                       json_string_value(json_object_get(u, "created_at")),
                       json_is_true(json_object_get(u, "disabled")) ? " (disabled)" : "");
            }
        }
        json_decref(arr);
        return 0;
    }
    if (!strcmp(sub, "add") || !strcmp(sub, "password")) {
        bool add = sub[0] == 'a';
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_user, "user %s needs exactly one NAME", sub);
        if (add && !role)
            return ubur_cli_usage(&ubur_cmd_user, "user add needs --role ROLE");
        char *pw = NULL, generated[UBUR_PASSWORD_MAX + 1];
        if (from_stdin && !(pw = read_password_stdin()))
            return ubur_cli_failf(1, "password on stdin is too long");
        if (!ubur_cli_store(cli)) {
            free(pw);
            return 1;
        }
        cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);
        rc = add ? ubur_user_add(&cli->ctx, pos[1], role, pw, generated, NULL, &err)
                 : ubur_user_set_password(&cli->ctx, pos[1], pw, generated, &err);
        free(pw);
        if (rc)
            return ubur_cli_fail(&err);
        if (!from_stdin)
            printf("%s\n", generated);
        else
            fprintf(stderr, "ubur: %s user '%s'\n", add ? "created" : "updated", pos[1]);
        return 0;
    }
    if (!strcmp(sub, "disable") || !strcmp(sub, "enable") || !strcmp(sub, "role")) {
        bool set_role = !strcmp(sub, "role");
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_user, "user %s needs exactly one NAME", sub);
        if (set_role != (role != NULL))
            return ubur_cli_usage(&ubur_cmd_user, set_role ? "user role needs --role ROLE"
                                                           : "--role goes with user role");
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_user_update(&cli->ctx, pos[1], role, set_role ? -1 : sub[0] == 'd', &err))
            return ubur_cli_fail(&err);
        fprintf(stderr, "ubur: user '%s' %s; their sessions are ended\n", pos[1],
                set_role        ? "has a new role"
                : sub[0] == 'd' ? "disabled"
                                : "enabled");
        return 0;
    }
    return ubur_cli_usage(&ubur_cmd_user, "unknown subcommand '%s'", sub);
}

const struct ubur_cmd ubur_cmd_user = {
    .name = "user",
    .summary = "add, list, disable and enable users; change roles, reset passwords",
    .usage = "usage: ubur user add NAME --role ROLE [--password-stdin]\n"
             "       ubur user password NAME [--password-stdin]\n"
             "       ubur user list [--json]\n"
             "       ubur user role NAME --role ROLE\n"
             "       ubur user disable|enable NAME\n"
             "  Roles: admin, supervisor, border_officer, consular_officer,\n"
             "  registration_officer, analyst. Without --password-stdin a password is\n"
             "  generated and printed on stdout.\n",
    .run = run_user,
};
