/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command-line interface. Every command is one row in the table in
 * commands.c: a struct ubur_cmd defined in its own cmd_<name>.c. A command
 * returns the process exit status: 0 ok, 1 failure, 2 usage. Errors go to
 * stderr as "ubur: message" through ubur_cli_fail.
 *
 * The CLI acts on the database directly as a local administrator: its
 * writes are audited with the actor "cli:<login name>" and role admin.
 */
#ifndef UBUR_CLI_H
#define UBUR_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ubur/app.h"
#include "ubur/error.h"

struct ubur_cli {
    const char *db;           /* --db, UBUR_DB, or "ubur.db" */
    const char *pg;           /* --pg, UBUR_PG (PostgreSQL conninfo) or NULL */
    struct ubur_ctx ctx;      /* actor, request id and arena for this run */
    struct ubur_store *store; /* opened by ubur_cli_store() */
};

enum {
    UBUR_CMD_NODB = 1, /* does not touch the database */
};

struct ubur_cmd {
    const char *name;
    const char *summary; /* one line for `ubur help` */
    const char *usage;   /* full usage text for `ubur help NAME` and --help */
    int (*run)(struct ubur_cli *cli, int argc, char **argv);
    unsigned flags;
};

/* An option of a command: `--name VALUE` / `--name=VALUE` or a flag `--name`. */
struct ubur_opt {
    const char *name;
    const char **value; /* set for options taking a value */
    bool *flag;         /* set for flags */
};

/*
 * Parses argv (argv[0] is the command name). Options may appear anywhere
 * before "--"; --db, --pg and --help are understood by every command.
 * Positional arguments are left in (*pos)[0..*npos-1], an array from the
 * CLI's arena whose strings point into argv.
 * Returns 0, 2 after printing a usage error, or 3 when --help was printed
 * (the caller returns 0).
 */
int ubur_cli_parse(struct ubur_cli *cli, const struct ubur_cmd *cmd, int argc, char **argv,
                   const struct ubur_opt *opts, char ***pos, int *npos);

/* Opens (once) and migrates the database; prints the error and returns NULL on failure. */
struct ubur_store *ubur_cli_store(struct ubur_cli *cli);

/* Prints "ubur: <message>" for err and returns 1. */
int ubur_cli_fail(const struct ubur_error *err);
/* Prints "ubur: <fmt...>" and returns code. */
int ubur_cli_failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes text to path, a regular file owned by us, with mode 0600 (created so,
 * narrowed if wider), appending or replacing. 0, or -1 with errno (EPERM for a
 * device, FIFO, symlink or another user's file).
 */
int ubur_cli_write_secret(const char *path, const char *text, bool append);
/* Prints a usage error with the command's usage and returns 2. */
int ubur_cli_usage(const struct ubur_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * An option's number: *out = def when s is NULL, else s as a whole decimal number from lo to hi;
 * anything else is a usage error naming --name (returns 2).
 */
int ubur_cli_number(const struct ubur_cmd *cmd, const char *name, const char *s, long lo, long hi,
                    long def, long *out);

/* True when stderr is a terminal (progress bars go there). */
bool ubur_cli_tty(void);
/* Draws a progress bar on stderr when it is a terminal: "label [#####   ] 50% (n/total)". */
void ubur_cli_progress(const char *label, long done, long total);

/* Reads all of a stream into a NUL-terminated string (caller frees), at most cap bytes. */
char *ubur_cli_read_all(FILE *f, size_t cap, size_t *len);

extern const struct ubur_cmd *const ubur_commands[];
const struct ubur_cmd *ubur_cli_find(const char *name);

#endif
