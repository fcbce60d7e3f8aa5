/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared CLI plumbing: option parsing for commands, opening the store,
 * error printing, progress bars.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/banned.h"

const struct ubur_cmd *
ubur_cli_find(const char *name)
{
    for (int i = 0; ubur_commands[i]; i++)
        if (!strcmp(ubur_commands[i]->name, name))
            return ubur_commands[i];
    return NULL;
}

int
ubur_cli_usage(const struct ubur_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("ubur: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", cmd->usage);
    return 2;
}

int
ubur_cli_number(const struct ubur_cmd *cmd, const char *name, const char *s, long lo, long hi,
                long def, long *out)
{
    if (!s) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    if (!*s || *end || errno || *out < lo || *out > hi)
        return ubur_cli_usage(cmd, "--%s must be a number from %ld to %ld", name, lo, hi);
    return 0;
}

int
ubur_cli_fail(const struct ubur_error *err)
{
    if (err->field[0])
        fprintf(stderr, "ubur: %s: %s\n", err->field, err->message);
    else
        fprintf(stderr, "ubur: %s\n", err->message[0] ? err->message : ubur_strerror(err->code));
    return 1;
}

int
ubur_cli_failf(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("ubur: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int
ubur_cli_parse(struct ubur_cli *cli, const struct ubur_cmd *cmd, int argc, char **argv,
               const struct ubur_opt *opts, char ***posp, int *npos)
{
    bool opts_done = false;
    char **pos = ubur_arena_alloc(&cli->ctx.arena, sizeof(*pos) * (size_t)(argc + 1));
    *posp = pos;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (opts_done || a[0] != '-' || a[1] != '-' || (a[1] == '\0')) {
            if (!opts_done && a[0] == '-' && a[1] != '\0' && a[1] != '-' && strcmp(a, "-h") != 0)
                return ubur_cli_usage(cmd, "unknown option '%s'", a);
            if (!strcmp(a, "-h")) {
                fputs(cmd->usage, stdout);
                return 3;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            opts_done = true;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const char *val = eq ? eq + 1 : NULL;

        if (nlen == 4 && !strncmp(name, "help", 4)) {
            fputs(cmd->usage, stdout);
            return 3;
        }
        if ((nlen == 2 && (!strncmp(name, "db", 2) || !strncmp(name, "pg", 2)))) {
            if (!val) {
                if (i + 1 >= argc)
                    return ubur_cli_usage(cmd, "--%.*s needs a value", (int)nlen, name);
                val = argv[++i];
            }
            if (name[0] == 'd') {
                cli->db = val;
                cli->pg = NULL; /* an explicit --db beats UBUR_PG */
            } else {
                cli->pg = val;
            }
            continue;
        }
        const struct ubur_opt *o = opts;
        for (; o && o->name; o++)
            if (strlen(o->name) == nlen && !strncmp(o->name, name, nlen))
                break;
        if (!o || !o->name)
            return ubur_cli_usage(cmd, "unknown option '--%.*s'", (int)nlen, name);
        if (o->flag) {
            if (val)
                return ubur_cli_usage(cmd, "--%s takes no value", o->name);
            *o->flag = true;
        } else {
            if (!val) {
                if (i + 1 >= argc)
                    return ubur_cli_usage(cmd, "--%s needs a value", o->name);
                val = argv[++i];
            }
            *o->value = val;
        }
    }
    return 0;
}

struct ubur_store *
ubur_cli_store(struct ubur_cli *cli)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    if (cli->store)
        return cli->store;
    const char *uri = cli->pg ? cli->pg : cli->db;
    if (ubur_store_open(&cli->store, uri, &err) || ubur_store_migrate(cli->store, &err)) {
        ubur_cli_fail(&err);
        ubur_store_close(cli->store);
        cli->store = NULL;
        return NULL;
    }
    cli->ctx.store = cli->store;
    return cli->store;
}

bool
ubur_cli_tty(void)
{
    return isatty(STDERR_FILENO);
}

void
ubur_cli_progress(const char *label, long done, long total)
{
    if (!ubur_cli_tty())
        return;
    int width = 30, pct = total > 0 ? (int)(done * 100 / total) : 0;
    int fill = total > 0 ? (int)(done * width / total) : 0;
    fprintf(stderr, "\r%s [", label);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : ' ', stderr);
    fprintf(stderr, "] %3d%% (%ld/%ld)", pct, done, total);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

char *
ubur_cli_read_all(FILE *f, size_t cap, size_t *len)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    char chunk[65536];
    size_t n;
    b.cap = cap;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (ubur_buf_add(&b, chunk, n)) {
            ubur_buf_release(&b);
            return NULL;
        }
    }
    return ubur_buf_detach(&b, len);
}
