/* SPDX-License-Identifier: Apache-2.0 */
/* The command table: one row per command, each defined in its cmd_<name>.c. */
#include "cli.h"

extern const struct ubur_cmd ubur_cmd_init, ubur_cmd_serve, ubur_cmd_demo, ubur_cmd_user,
    ubur_cmd_audit, ubur_cmd_exchange, ubur_cmd_retention, ubur_cmd_version, ubur_cmd_help;
extern const struct ubur_cmd ubur_cmd_seal, ubur_cmd_keys;
extern const struct ubur_cmd ubur_cmd_stats;
extern const struct ubur_cmd ubur_cmd_watchlist, ubur_cmd_screen, ubur_cmd_cases;
extern const struct ubur_cmd ubur_cmd_migrate;
extern const struct ubur_cmd ubur_cmd_sync;

const struct ubur_cmd *const ubur_commands[] = {
    &ubur_cmd_init,
    &ubur_cmd_serve,
    &ubur_cmd_demo,
    &ubur_cmd_user,
    &ubur_cmd_audit,
    &ubur_cmd_exchange,
    &ubur_cmd_retention,
    &ubur_cmd_stats,
    &ubur_cmd_version,
    &ubur_cmd_help,
    &ubur_cmd_seal,
    &ubur_cmd_keys,
    &ubur_cmd_watchlist,
    &ubur_cmd_screen,
    &ubur_cmd_cases,
    &ubur_cmd_migrate,
    &ubur_cmd_sync,
    NULL,
};
