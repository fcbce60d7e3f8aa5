/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur demo`: fills a database with the demonstration data of the article
 * (see ../shared/CONTEXT.md): one user per role, and each module's demo
 * data through its step in `demo_steps` below. Deterministic for a seed.
 * Refuses to run twice on the same database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/border.h"
#include "ubur/registry.h"
#include "ubur/users.h"
#include "ubur/visa.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_demo;
int ubur_cli_init_db(struct ubur_cli *cli, const char *state, const char *password_file,
                     bool quiet);

int ubur_watchlist_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);

struct demo_step {
    const char *name;
    int (*run)(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);
};

/* Each module adds its demo data here, in dependency order. */
static const struct demo_step demo_steps[] = {
    {"watchlists", ubur_watchlist_demo},
    {"crossings", ubur_border_demo},
    {"registry", ubur_registry_demo},
    {"visas", ubur_visa_demo},
    {NULL, NULL},
};

static const char *const demo_users[][2] = {
    {"supervisor", "supervisor"},   {"officer", "border_officer"},
    {"consul", "consular_officer"}, {"registrar", "registration_officer"},
    {"analyst", "analyst"},
};

static int
run_demo(struct ubur_cli *cli, int argc, char **argv)
{
    const char *seed_s = NULL, *password_file = "ubur-admin-password.txt";
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"seed", &seed_s, NULL},
        {"password-file", &password_file, NULL},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_demo, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_demo, "unexpected argument '%s'", pos[0]);
    unsigned seed = 2021;
    if (seed_s) {
        char *end;
        unsigned long v = strtoul(seed_s, &end, 10);
        if (*end || !*seed_s || v > 0xffffffffUL)
            return ubur_cli_usage(&ubur_cmd_demo, "--seed must be a non-negative integer");
        seed = (unsigned)v;
    }
    if (!ubur_cli_store(cli))
        return 1;
    const char *state = ubur_setting(&cli->ctx, "state", NULL);
    if ((rc = ubur_cli_init_db(cli, state ? NULL : "SYR", password_file, false)))
        return rc;
    if (ubur_setting(&cli->ctx, "demo.loaded", NULL))
        return ubur_cli_failf(1, "this database already holds the demo data");

    for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
        char pw[UBUR_PASSWORD_MAX + 1], line[400];
        if (ubur_user_add(&cli->ctx, demo_users[i][0], demo_users[i][1], NULL, pw, NULL, &err)) {
            if (err.code == UBUR_ECONFLICT)
                continue;
            return ubur_cli_fail(&err);
        }
        snprintf(line, sizeof(line), "%s %s\n", demo_users[i][0], pw);
        if (ubur_cli_write_secret(password_file, line, true))
            return ubur_cli_failf(1, "cannot write '%s': %s", password_file, strerror(errno));
    }
    for (const struct demo_step *s = demo_steps; s->name; s++) {
        fprintf(stderr, "ubur: demo: %s\n", s->name);
        if (s->run(&cli->ctx, seed, &err))
            return ubur_cli_fail(&err);
    }
    if (ubur_store_run(cli->store, &err,
                       "INSERT INTO settings (key, value) VALUES ('demo.loaded', ?)", "t",
                       seed_s ? seed_s : "2021") < 0)
        return ubur_cli_fail(&err);
    fprintf(stderr, "ubur: demo data loaded; users and passwords are in %s\n", password_file);
    return 0;
}

const struct ubur_cmd ubur_cmd_demo = {
    .name = "demo",
    .summary = "load the demonstration data (users, crossings, visas, registry)",
    .usage = "usage: ubur demo [--seed N] [--password-file F]\n"
             "  Initialises the database if needed (state SYR), creates one user per role\n"
             "  (passwords appended to F, mode 0600) and each module's demo data.\n",
    .run = run_demo,
};
