/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command table: one row per command, each defined in its cmd_<name>.c.
 * `ubur help` lists them in this order. One declaration and one row per
 * command, so concurrent additions merge line by line.
 */
#include "cli.h"

extern const struct ubur_cmd ubur_cmd_init;
extern const struct ubur_cmd ubur_cmd_serve;
extern const struct ubur_cmd ubur_cmd_demo;
extern const struct ubur_cmd ubur_cmd_user;
extern const struct ubur_cmd ubur_cmd_mrz;
extern const struct ubur_cmd ubur_cmd_seal;
extern const struct ubur_cmd ubur_cmd_keys;
extern const struct ubur_cmd ubur_cmd_watchlist;
extern const struct ubur_cmd ubur_cmd_screen;
extern const struct ubur_cmd ubur_cmd_cases;
extern const struct ubur_cmd ubur_cmd_registry;
extern const struct ubur_cmd ubur_cmd_crossing;
extern const struct ubur_cmd ubur_cmd_check;
extern const struct ubur_cmd ubur_cmd_overstays;
extern const struct ubur_cmd ubur_cmd_stats;
extern const struct ubur_cmd ubur_cmd_dedup;
extern const struct ubur_cmd ubur_cmd_exchange;
extern const struct ubur_cmd ubur_cmd_audit;
extern const struct ubur_cmd ubur_cmd_retention;
extern const struct ubur_cmd ubur_cmd_migrate;
extern const struct ubur_cmd ubur_cmd_sync;
extern const struct ubur_cmd ubur_cmd_version;
extern const struct ubur_cmd ubur_cmd_visa;
extern const struct ubur_cmd ubur_cmd_help;

const struct ubur_cmd *const ubur_commands[] = {
    &ubur_cmd_init,
    &ubur_cmd_serve,
    &ubur_cmd_demo,
    &ubur_cmd_user,
    &ubur_cmd_crossing,
    &ubur_cmd_check,
    &ubur_cmd_overstays,
    &ubur_cmd_mrz,
    &ubur_cmd_seal,
    &ubur_cmd_keys,
    &ubur_cmd_watchlist,
    &ubur_cmd_screen,
    &ubur_cmd_cases,
    &ubur_cmd_visa,
    &ubur_cmd_registry,
    &ubur_cmd_stats,
    &ubur_cmd_dedup,
    &ubur_cmd_exchange,
    &ubur_cmd_audit,
    &ubur_cmd_retention,
    &ubur_cmd_migrate,
    &ubur_cmd_sync,
    &ubur_cmd_version,
    &ubur_cmd_help,
    NULL,
};
