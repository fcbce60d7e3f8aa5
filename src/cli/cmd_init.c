/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur init`: creates or upgrades the database, records this instance's
 * state, and creates the first admin with a generated password written to a
 * file readable only by its owner (never a fixed default password).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/users.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_init;

/*
 * Secrets go only into regular files we own: a path naming a device, FIFO or
 * socket (/dev/null, /dev/stdout) or another user's file is refused before
 * anything is written or its mode touched, since fchmod on /dev/null would
 * change the device for the whole machine.
 */
int
ubur_cli_write_secret(const char *path, const char *text, bool append)
{
    int fd = open(
        path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (append ? O_APPEND : 0),
        0600);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    size_t n = strlen(text), done = 0;
    int rc = fchmod(fd, 0600) == 0 && (append || ftruncate(fd, 0) == 0) ? 0 : -1;
    while (rc == 0 && done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w > 0)
            done += (size_t)w;
        else if (!(w < 0 && errno == EINTR))
            rc = -1;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static bool
valid_state(const char *s)
{
    if (!s || strlen(s) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return true;
}

int ubur_cli_init_db(struct ubur_cli *cli, const char *state, const char *password_file,
                     bool quiet);

int
ubur_cli_init_db(struct ubur_cli *cli, const char *state, const char *password_file, bool quiet)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_store *store = ubur_cli_store(cli);
    if (!store)
        return 1;
    if (state) {
        if (ubur_store_run(store, &err,
                           "INSERT INTO settings (key, value) VALUES ('state', ?)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           "t", state) < 0)
            return ubur_cli_fail(&err);
    }
    cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);
    int64_t users = 0;
    if (ubur_user_count(&cli->ctx, &users, &err))
        return ubur_cli_fail(&err);
    if (users == 0) {
        char pw[UBUR_PASSWORD_MAX + 1], line[400];
        if (ubur_user_add(&cli->ctx, "admin", "admin", NULL, pw, NULL, &err))
            return ubur_cli_fail(&err);
        snprintf(line, sizeof(line), "admin %s\n", pw);
        if (ubur_cli_write_secret(password_file, line, false))
            return ubur_cli_failf(1, "cannot write '%s': %s (admin password: %s)", password_file,
                                  strerror(errno), pw);
        if (!quiet)
            fprintf(stderr, "ubur: created user 'admin'; its password is in %s (mode 0600)\n",
                    password_file);
    }
    return 0;
}

static int
run_init(struct ubur_cli *cli, int argc, char **argv)
{
    const char *state = NULL, *password_file = "ubur-admin-password.txt";
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"state", &state, NULL},
        {"password-file", &password_file, NULL},
        {0},
    };
    int rc = ubur_cli_parse(cli, &ubur_cmd_init, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_init, "unexpected argument '%s'", pos[0]);
    if (state && !valid_state(state))
        return ubur_cli_usage(&ubur_cmd_init,
                              "--state must be an ISO 3166 alpha-3 code such "
                              "as SYR or IRQ, not '%s'",
                              state);
    if ((rc = ubur_cli_init_db(cli, state, password_file, false)))
        return rc;
    int version = 0;
    ubur_store_schema_version(cli->store, &version, NULL);
    printf("database %s ready (schema version %d)\n", cli->pg ? "(postgresql)" : cli->db, version);
    return 0;
}

const struct ubur_cmd ubur_cmd_init = {
    .name = "init",
    .summary = "create or upgrade the database and the first admin",
    .usage = "usage: ubur init [--db PATH | --pg CONNINFO] [--state ISO3] [--password-file F]\n"
             "  Creates the database (or applies new migrations), records this instance's\n"
             "  state (e.g. SYR, IRQ), and on an empty database creates the user 'admin' with\n"
             "  a generated password written to F (default ubur-admin-password.txt, mode 0600).\n",
    .run = run_init,
};
