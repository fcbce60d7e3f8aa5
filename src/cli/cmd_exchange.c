/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur exchange`: keys, partners, agreements, and signed packages between
 * the two states' systems, by file or pushed over HTTPS to the partner's
 * server (libcurl).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/exchange.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_exchange;

static int
write_text(const char *path, const char *text)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        return ubur_cli_failf(1, "cannot write '%s'", path);
    fputs(text, f);
    if (f != stdout && fclose(f) != 0)
        return ubur_cli_failf(1, "cannot write '%s'", path);
    return 0;
}

static char *
read_text(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    char *t = ubur_cli_read_all(f, UBUR_EXCHANGE_MAX, len);
    if (f != stdin)
        fclose(f);
    return t;
}

static void
print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
}

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
    ubur_buf_add(ud, p, size * n);
    return size * n;
}

/* POSTs a package to the partner's /api/v1/exchange/packages. */
static int
push(const char *url, const char *token, const char *cacert, const char *env)
{
    struct ubur_buf resp = UBUR_BUF_INIT;
    char full[1024], auth[300];
    long status = 0;
    resp.cap = 1 << 20;
    snprintf(full, sizeof(full), "%s/api/v1/exchange/packages", url);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, env);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    if (cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    int ret = 0;
    if (rc != CURLE_OK)
        ret = ubur_cli_failf(1, "cannot reach %s: %s", full, curl_easy_strerror(rc));
    else if (status != 200 && status != 201)
        ret = ubur_cli_failf(1, "partner refused the package (%ld): %s", status, resp.s);
    else
        printf("%s\n", resp.s);
    ubur_buf_release(&resp);
    return ret;
}

static int
run_exchange(struct ubur_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *key = NULL, *allow = NULL, *fields = NULL, *to = NULL;
    const char *since = NULL, *resend_s = NULL, *url = NULL, *token = NULL, *cacert = NULL;
    bool json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"out", &out, NULL},         {"key", &key, NULL},   {"allow", &allow, NULL},
        {"fields", &fields, NULL},   {"to", &to, NULL},     {"since", &since, NULL},
        {"resend", &resend_s, NULL}, {"url", &url, NULL},   {"token", &token, NULL},
        {"cacert", &cacert, NULL},   {"json", NULL, &json}, {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    const struct ubur_cmd *cmd = &ubur_cmd_exchange;
    int rc = ubur_cli_parse(cli, cmd, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(cmd, "missing subcommand");
    if (!ubur_cli_store(cli))
        return 1;
    cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);
    const char *sub = pos[0];

    if (!strcmp(sub, "key")) {
        char pk[UBUR_EXCHANGE_PK_HEX + 1], sk[UBUR_EXCHANGE_SK_HEX + 1];
        if (!out || npos != 1)
            return ubur_cli_usage(cmd, "exchange key needs --out FILE");
        if (!cli->ctx.state)
            return ubur_cli_failf(1, "this instance has no state; run `ubur init --state ISO3`");
        if (ubur_exchange_own_key(&cli->ctx, true, pk, sk, &err))
            return ubur_cli_fail(&err);
        char *line = ubur_arena_printf(&cli->ctx.arena, "ubur-exchange-public-key %s ed25519 %s\n",
                                       cli->ctx.state, pk);
        memset(sk, 0, sizeof(sk));
        return write_text(out, line);
    }
    if (!strcmp(sub, "partner")) {
        if (npos >= 2 && !strcmp(pos[1], "list")) {
            json_t *arr;
            if (ubur_exchange_partners(&cli->ctx, &arr, &err))
                return ubur_cli_fail(&err);
            print_json(arr);
            json_decref(arr);
            return 0;
        }
        if (npos != 3 || strcmp(pos[1], "add") || !key)
            return ubur_cli_usage(cmd, "exchange partner add STATE --key FILE");
        size_t len;
        char *text = read_text(key, &len);
        if (!text)
            return ubur_cli_failf(1, "cannot read '%s'", key);
        rc = ubur_exchange_partner_add(&cli->ctx, pos[2], text, &err);
        free(text);
        if (rc)
            return ubur_cli_fail(&err);
        printf("partner %s registered\n", pos[2]);
        return 0;
    }
    if (!strcmp(sub, "agreement")) {
        if (npos != 3 || strcmp(pos[1], "set") || !allow)
            return ubur_cli_usage(cmd, "exchange agreement set STATE --allow TYPE,...");
        if (ubur_exchange_agreement_set(&cli->ctx, pos[2], allow, fields, &err))
            return ubur_cli_fail(&err);
        printf("agreement with %s: %s\n", pos[2], allow);
        return 0;
    }
    if (!strcmp(sub, "export") || !strcmp(sub, "push")) {
        bool is_push = sub[0] == 'p';
        if (npos != 1 || !to || (!is_push && !out) || (is_push && (!url || !token)))
            return ubur_cli_usage(cmd, is_push ? "exchange push --to STATE --url URL --token T"
                                               : "exchange export --to STATE --out FILE");
        int64_t resend = 0;
        if (resend_s) {
            char *end;
            resend = strtoll(resend_s, &end, 10);
            if (*end || resend < 1)
                return ubur_cli_usage(cmd, "--resend takes a package number");
        }
        char *env;
        json_t *summary;
        if (ubur_exchange_export(&cli->ctx, to, since, resend, &env, &summary, &err))
            return ubur_cli_fail(&err);
        rc = is_push ? push(url, token, cacert, env) : write_text(out, env);
        if (!rc && !is_push) {
            if (json)
                print_json(summary);
            else
                fprintf(stderr, "ubur: package %lld for %s: %lld records\n",
                        (long long)json_integer_value(json_object_get(summary, "seq")), to,
                        (long long)json_integer_value(json_object_get(summary, "records")));
        }
        json_decref(summary);
        free(env);
        return rc;
    }
    if (!strcmp(sub, "import")) {
        if (npos != 2)
            return ubur_cli_usage(cmd, "exchange import FILE");
        size_t len;
        char *text = read_text(pos[1], &len);
        if (!text)
            return ubur_cli_failf(1, "cannot read '%s' (or larger than %u bytes)", pos[1],
                                  UBUR_EXCHANGE_MAX);
        json_t *summary;
        rc = ubur_exchange_import(&cli->ctx, text, len, &summary, &err);
        free(text);
        if (rc)
            return ubur_cli_fail(&err);
        print_json(summary);
        json_decref(summary);
        return 0;
    }
    return ubur_cli_usage(cmd, "unknown subcommand '%s'", sub);
}

const struct ubur_cmd ubur_cmd_exchange = {
    .name = "exchange",
    .summary = "signed data exchange with the partner state",
    .usage = "usage: ubur exchange key --out FILE\n"
             "       ubur exchange partner add STATE --key FILE | partner list\n"
             "       ubur exchange agreement set STATE --allow TYPE,... [--fields TYPE:F+F,...]\n"
             "       ubur exchange export --to STATE [--since CURSOR] [--resend N] --out FILE\n"
             "       ubur exchange push --to STATE --url URL --token TOKEN [--cacert PEM]\n"
             "       ubur exchange import FILE\n"
             "  Record types: revocations (watchlist and movements as their modules land).\n"
             "  The instance's secret key is in UBUR_EXCHANGE_KEY or ubur-exchange.key (0600).\n",
    .run = run_exchange,
};
