/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur sync`: border posts that work offline and sync with central
 * (docs/internals/sync.md). On a post: config, run (one round: push then
 * pull), status. On central: post add (register a post and write its token
 * file), conflicts, resolve.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/sync.h"
#include "ubur/users.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_sync;

static void
print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
}

static const char *
s_or(json_t *o, const char *k, const char *def)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : def;
}

static void
print_age(json_t *age)
{
    if (!json_is_integer(age)) {
        printf("never synced");
        return;
    }
    long long s = json_integer_value(age);
    if (s < 120)
        printf("%llds old", s);
    else if (s < 7200)
        printf("%lldm old", s / 60);
    else if (s < 172800)
        printf("%lldh %lldm old", s / 3600, s % 3600 / 60);
    else
        printf("%lld days old", s / 86400);
}

static void
print_direction(const char *name, json_t *d)
{
    printf("  %s: last ok %s", name, s_or(d, "last_success_at", "never"));
    long long f = json_integer_value(json_object_get(d, "failures"));
    if (f)
        printf(", %lld failure%s in a row, next try %s\n    error: %s", f, f == 1 ? "" : "s",
               s_or(d, "next_attempt_at", "now"), s_or(d, "last_error", "?"));
    putchar('\n');
}

static void
print_status(json_t *st)
{
    if (!strcmp(s_or(st, "role", ""), "post")) {
        json_t *ob = json_object_get(st, "outbox");
        printf("post %s -> %s\n", s_or(st, "post_id", "?"), s_or(st, "central_url", "?"));
        printf("  data from central: as of %s (",
               s_or(json_object_get(st, "pull"), "data_as_of", "never"));
        print_age(json_object_get(st, "data_age_seconds"));
        printf(")\n");
        print_direction("push", json_object_get(st, "push"));
        print_direction("pull", json_object_get(st, "pull"));
        printf("  outbox: %lld waiting",
               (long long)json_integer_value(json_object_get(ob, "pending")));
        if (json_is_string(json_object_get(ob, "oldest_pending_at")))
            printf(" (oldest %s)", s_or(ob, "oldest_pending_at", ""));
        printf(", %lld acknowledged, %lld answered as conflicts\n",
               (long long)json_integer_value(json_object_get(ob, "acknowledged")),
               (long long)json_integer_value(json_object_get(ob, "conflicts")));
        return;
    }
    json_t *posts = json_object_get(st, "posts");
    printf("central: %zu post%s, %lld open conflict%s\n", json_array_size(posts),
           json_array_size(posts) == 1 ? "" : "s",
           (long long)json_integer_value(json_object_get(st, "open_conflicts")),
           json_integer_value(json_object_get(st, "open_conflicts")) == 1 ? "" : "s");
    size_t i;
    json_t *p;
    json_array_foreach(posts, i, p)
    {
        printf("  %-20s applied %-8lld last push %-20s last pull %-20s conflicts %lld\n",
               s_or(p, "id", "?"), (long long)json_integer_value(json_object_get(p, "applied_seq")),
               s_or(p, "last_push_at", "never"), s_or(p, "last_pull_at", "never"),
               (long long)json_integer_value(json_object_get(p, "open_conflicts")));
    }
}

/* Writes "ID PASSWORD" to a new 0600 file (never over an existing one). */
static int
write_token_file(const char *path, const char *id, const char *password)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0)
        return ubur_cli_failf(1, "cannot create '%s' (it must not exist yet)", path);
    char line[UBUR_PASSWORD_MAX + 64];
    int n = snprintf(line, sizeof(line), "%s %s\n", id, password);
    bool ok = write(fd, line, (size_t)n) == n;
    close(fd);
    memset(line, 0, sizeof(line));
    return ok ? 0 : ubur_cli_failf(1, "cannot write '%s'", path);
}

static int
run_sync(struct ubur_cli *cli, int argc, char **argv)
{
    const char *central = NULL, *token_file = NULL, *post = NULL, *cacert = NULL;
    const char *name = NULL, *token_out = NULL, *status = NULL, *action = NULL, *note = NULL;
    bool json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"central", &central, NULL},
        {"token-file", &token_file, NULL},
        {"post", &post, NULL},
        {"cacert", &cacert, NULL},
        {"name", &name, NULL},
        {"token-out", &token_out, NULL},
        {"status", &status, NULL},
        {"action", &action, NULL},
        {"note", &note, NULL},
        {"json", NULL, &json},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    const struct ubur_cmd *cmd = &ubur_cmd_sync;
    int rc = ubur_cli_parse(cli, cmd, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(cmd, "missing subcommand");
    if (!ubur_cli_store(cli))
        return 1;
    cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);
    const char *sub = pos[0];

    if (!strcmp(sub, "config")) {
        if (npos != 1 || !central || !token_file)
            return ubur_cli_usage(cmd, "sync config needs --central URL --token-file FILE");
        struct ubur_sync_config cfg = {central, token_file, post, cacert};
        if (ubur_sync_configure(&cli->ctx, &cfg, &err))
            return ubur_cli_fail(&err);
        printf("this instance is post %s of %s\n", ubur_setting(&cli->ctx, "sync.post_id", "?"),
               central);
        return 0;
    }
    if (!strcmp(sub, "run")) {
        struct ubur_sync_round_result r;
        rc = ubur_sync_round(&cli->ctx, &r, &err);
        if (json) {
            json_t *st = NULL;
            struct ubur_error e2 = UBUR_ERROR_INIT;
            ubur_sync_status(&cli->ctx, &st, &e2);
            json_t *o = json_pack("{s:b, s:b, s:i, s:i, s:i, s:s?, s:o}", "push_ok", r.push_ok,
                                  "pull_ok", r.pull_ok, "pushed", r.pushed, "pulled", r.pulled,
                                  "conflicts", r.conflicts, "error", rc ? err.message : NULL,
                                  "status", st ? st : json_null());
            print_json(o);
            json_decref(o);
        } else if (!rc) {
            printf("pushed %d event%s (%d conflict%s), pulled %d change%s\n", r.pushed,
                   r.pushed == 1 ? "" : "s", r.conflicts, r.conflicts == 1 ? "" : "s", r.pulled,
                   r.pulled == 1 ? "" : "s");
        }
        return rc ? ubur_cli_fail(&err) : 0;
    }
    if (!strcmp(sub, "status")) {
        json_t *st;
        if (ubur_sync_status(&cli->ctx, &st, &err))
            return ubur_cli_fail(&err);
        if (json)
            print_json(st);
        else
            print_status(st);
        json_decref(st);
        return 0;
    }
    if (!strcmp(sub, "post")) {
        if (npos != 3 || strcmp(pos[1], "add"))
            return ubur_cli_usage(cmd, "sync post add ID [--name NAME] [--token-out FILE]");
        char password[UBUR_PASSWORD_MAX + 1];
        if (ubur_sync_post_add(&cli->ctx, pos[2], name, password, &err))
            return ubur_cli_fail(&err);
        if (token_out) {
            rc = write_token_file(token_out, pos[2], password);
            if (!rc)
                printf("post %s registered; its token file is %s (give it to the post, 0600)\n",
                       pos[2], token_out);
        } else {
            printf("post %s registered; token file line (shown once):\n%s %s\n", pos[2], pos[2],
                   password);
        }
        memset(password, 0, sizeof(password));
        return rc;
    }
    if (!strcmp(sub, "conflicts")) {
        json_t *arr;
        if (ubur_sync_conflicts(&cli->ctx, status, 1000, &arr, &err))
            return ubur_cli_fail(&err);
        if (json) {
            print_json(arr);
        } else {
            size_t i;
            json_t *c;
            json_array_foreach(arr, i, c)
            {
                printf("%s %-9s %-17s post %s seq %lld %s %s %s\n    %s\n", s_or(c, "id", "?"),
                       s_or(c, "status", "?"), s_or(c, "kind", "?"), s_or(c, "post", "?"),
                       (long long)json_integer_value(json_object_get(c, "seq")),
                       s_or(c, "type", "?"), s_or(c, "op", "?"), s_or(c, "record_id", "?"),
                       s_or(c, "detail", ""));
            }
            if (!json_array_size(arr))
                printf("no conflicts\n");
        }
        json_decref(arr);
        return 0;
    }
    if (!strcmp(sub, "resolve")) {
        if (npos != 2 || !action || !note)
            return ubur_cli_usage(cmd, "sync resolve ID --action apply|discard --note TEXT");
        cli->ctx.role = UBUR_ROLE_ADMIN;
        if (ubur_sync_conflict_resolve(&cli->ctx, pos[1], action, note, &err))
            return ubur_cli_fail(&err);
        printf("conflict %s: %s\n", pos[1], !strcmp(action, "apply") ? "applied" : "discarded");
        return 0;
    }
    return ubur_cli_usage(cmd, "unknown subcommand '%s'", sub);
}

const struct ubur_cmd ubur_cmd_sync = {
    .name = "sync",
    .summary = "border posts that work offline and sync with central",
    .usage =
        "usage: ubur sync config --central URL --token-file FILE [--post ID] [--cacert PEM]\n"
        "       ubur sync run [--json]          one round: push the outbox, pull changes\n"
        "       ubur sync status [--json]       last sync per direction, data age, outbox\n"
        "       ubur sync post add ID [--name NAME] [--token-out FILE]   (central)\n"
        "       ubur sync conflicts [--status open|applied|discarded] [--json]  (central)\n"
        "       ubur sync resolve ID --action apply|discard --note TEXT     (central)\n"
        "  A post's token file holds \"POST_ID PASSWORD\" (from `sync post add --token-out`).\n"
        "  `ubur serve --sync-interval SECONDS` runs rounds in the background on a post.\n",
    .run = run_sync,
};
