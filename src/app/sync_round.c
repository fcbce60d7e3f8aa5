/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync rounds over HTTP(S) with libcurl: a post logs in to central with its
 * account (the token file), pushes its outbox in batches until it is empty,
 * pulls pages of changes until there are no more, and logs out. Each
 * direction's outcome is recorded (ubur_sync_note_attempt) so the status
 * shows the last success and the backoff schedules the next try.
 *
 * One round at a time per process (a mutex): the background thread of
 * `ubur serve --sync-interval` and a "sync now" request never interleave.
 * Were two processes to push the same batch, central would answer the
 * second with 'duplicate': exactly once does not depend on this lock.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync_impl.h"
#include "ubur/users.h"
#include "ubur/banned.h"

#define HTTP_TIMEOUT_SECONDS 60L
#define CONNECT_TIMEOUT_SECONDS 10L
#define RESPONSE_MAX (64u << 20)

static pthread_mutex_t round_lock = PTHREAD_MUTEX_INITIALIZER;
/* The session a server keeps between rounds (under round_lock): for which central and token
 * file, and its bearer token. */
static bool keep_session;
static struct {
    char key[1100];
    char token[UBUR_TOKEN_LEN + 1];
} session;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct central {
    const char *url;    /* base, no trailing slash */
    const char *cacert; /* may be NULL */
    char token[UBUR_TOKEN_LEN + 1];
    bool logged_in; /* we opened the session (and close it) */
};

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
    if (ubur_buf_add(ud, p, size * n))
        return 0; /* too large: abort the transfer */
    return size * n;
}

/*
 * One request. *answer is the parsed JSON body of a 2xx answer (caller
 * decrefs). Any other outcome is an error naming the URL and what central
 * said.
 */
static int
call(struct central *c, const char *method, const char *path, json_t *body, json_t **answer,
     struct ubur_error *err)
{
    struct ubur_buf resp = UBUR_BUF_INIT;
    char url[2048], auth[128];
    long status = 0;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    *answer = NULL;
    resp.cap = RESPONSE_MAX;
    snprintf(url, sizeof(url), "%s%s", c->url, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    if (c->token[0]) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
        hdr = curl_slist_append(hdr, auth);
    }
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (text)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, HTTP_TIMEOUT_SECONDS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    memset(auth, 0, sizeof(auth));
    free(text);
    int rc = 0;
    if (cc != CURLE_OK) {
        rc = ubur_error_set(err, UBUR_EIO, "cannot reach central at %s: %s", c->url,
                            curl_easy_strerror(cc));
    } else if (status < 200 || status > 299) {
        json_t *j = json_loadb(resp.s, resp.len, 0, NULL);
        const char *msg =
            json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        const char *field =
            json_string_value(json_object_get(json_object_get(j, "error"), "field"));
        int code = status == 401   ? UBUR_EAUTH
                   : status == 403 ? UBUR_EPERM
                   : status == 404 ? UBUR_ENOTFOUND
                   : status == 409 ? UBUR_ECONFLICT
                   : status >= 500 ? UBUR_EBUSY
                                   : UBUR_EUNPROC;
        rc =
            ubur_error_set(err, code, "central answered %ld to %s %s: %s%s%s", status, method, path,
                           field ? field : "", field ? ": " : "", msg ? msg : "(no message)");
        json_decref(j);
    } else {
        *answer = json_loadb(resp.s, resp.len, 0, NULL);
        if (!*answer)
            rc = ubur_error_set(err, UBUR_EUNPROC, "central's answer to %s %s is not JSON", method,
                                path);
    }
    ubur_buf_release(&resp);
    return rc;
}

/* Reads the token file: "POST PASSWORD" logs in, a bare token is used as it is. */
static int
authenticate(struct ubur_ctx *ctx, struct central *c, struct ubur_error *err)
{
    const char *path = ubur_setting(ctx, "sync.token_file", NULL);
    char line[512] = "";
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return ubur_error_set(err, UBUR_EAUTH, "cannot read the sync token file '%s'",
                              path ? path : "(not configured)");
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    char *sp = strchr(line, ' ');
    int rc = 0;
    if (ok && !sp && strlen(line) == UBUR_TOKEN_LEN) {
        snprintf(c->token, sizeof(c->token), "%s", line);
    } else if (ok && sp) {
        *sp = '\0';
        json_t *body = json_pack("{s:s, s:s}", "username", line, "password", sp + 1);
        json_t *answer = NULL;
        rc = call(c, "POST", "/api/v1/session", body, &answer, err);
        json_object_set_new(body, "password", json_string(""));
        json_decref(body);
        const char *tok = json_string_value(json_object_get(answer, "token"));
        if (!rc && (!tok || strlen(tok) != UBUR_TOKEN_LEN))
            rc = ubur_error_set(err, UBUR_EUNPROC, "central's login answer has no token");
        if (!rc) {
            snprintf(c->token, sizeof(c->token), "%s", tok);
            c->logged_in = true;
        }
        json_decref(answer);
    } else {
        rc = ubur_error_set(err, UBUR_EAUTH, "'%s' holds neither \"POST PASSWORD\" nor a token",
                            path);
    }
    memset(line, 0, sizeof(line));
    return rc;
}

static void
logout(struct central *c)
{
    if (c->logged_in) {
        json_t *answer = NULL;
        call(c, "DELETE", "/api/v1/session", NULL, &answer, NULL);
        json_decref(answer);
    }
    memset(c->token, 0, sizeof(c->token));
}

/* Each batch and page works in a scratch arena of its own: a first pull of a million
 * watchlist entries must not grow the caller's arena without bound. */
static int
push_all(struct ubur_ctx *caller, struct central *c, struct ubur_sync_round_result *out,
         struct ubur_error *err)
{
    struct ubur_ctx scratch = *caller, *ctx = &scratch;
    struct ubur_arena empty = UBUR_ARENA_INIT;
    scratch.arena = empty;
    for (;;) {
        ubur_arena_release(&scratch.arena);
        json_t *body = NULL, *answer = NULL;
        int count = 0, acked = 0;
        int rc = ubur_sync_outbox_batch(ctx, 500, 4u << 20, &body, &count, err);
        if (rc || !count) {
            ubur_arena_release(&scratch.arena);
            return rc;
        }
        rc = call(c, "POST", "/api/v1/sync/push", body, &answer, err);
        json_decref(body);
        if (!rc)
            rc = ubur_sync_outbox_ack(ctx, answer, &acked, err);
        if (!rc) {
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(answer, "results"), i, r)
            {
                const char *res = sync_str(r, "result");
                out->conflicts += res && !strcmp(res, "conflict");
            }
        }
        json_decref(answer);
        if (!rc && !acked)
            rc = ubur_error_set(err, UBUR_ECONFLICT,
                                "central acknowledged none of %d events: its sequence for this "
                                "post is ahead or behind; see `ubur sync status` on central",
                                count);
        if (rc) {
            ubur_arena_release(&scratch.arena);
            return rc;
        }
        out->pushed += acked;
    }
}

static int
pull_all(struct ubur_ctx *caller, struct central *c, const char *post,
         struct ubur_sync_round_result *out, struct ubur_error *err)
{
    struct ubur_ctx scratch = *caller, *ctx = &scratch;
    struct ubur_arena empty = UBUR_ARENA_INIT;
    scratch.arena = empty;
    for (int pages = 0; pages < 100000; pages++) {
        const char *cursor = ubur_sync_pull_cursor(ctx);
        CURL *h = curl_easy_init();
        char *enc = curl_easy_escape(h, cursor, 0);
        char path[1400];
        snprintf(path, sizeof(path), "/api/v1/sync/changes?post=%s&limit=%d&cursor=%s", post,
                 UBUR_SYNC_PULL_MAX, enc ? enc : "");
        curl_free(enc);
        curl_easy_cleanup(h);
        json_t *page = NULL;
        int applied = 0;
        int rc = call(c, "GET", path, NULL, &page, err);
        if (!rc)
            rc = ubur_sync_apply_changes(ctx, page, &applied, err);
        bool more = json_is_true(json_object_get(page, "more"));
        json_decref(page);
        ubur_arena_release(&ctx->arena);
        if (rc)
            return rc;
        out->pulled += applied;
        if (!more)
            return 0;
    }
    return 0;
}

int
ubur_sync_round(struct ubur_ctx *ctx, struct ubur_sync_round_result *out, struct ubur_error *err)
{
    struct central c = {0};
    struct ubur_error perr = UBUR_ERROR_INIT, qerr = UBUR_ERROR_INIT;
    memset(out, 0, sizeof(*out));
    if (!ubur_sync_is_post(ctx))
        return ubur_error_set(err, UBUR_EINVAL,
                              "this instance is not a post: `ubur sync config --central URL "
                              "--token-file F` first");
    pthread_once(&curl_once, curl_init_once);
    pthread_mutex_lock(&round_lock);
    /* Settings are copied out of the arena: push and pull release it between batches. */
    char *url = ubur_strdup(ubur_setting(ctx, "sync.central_url", ""));
    const char *ca = ubur_setting(ctx, "sync.cacert", NULL);
    char *cacert = ca ? ubur_strdup(ca) : NULL;
    char *post = ubur_strdup(ubur_setting(ctx, "sync.post_id", ""));
    size_t ul = strlen(url);
    while (ul && url[ul - 1] == '/')
        url[--ul] = '\0';
    c.url = url;
    c.cacert = cacert;
    /* A server (the background thread, "sync now") keeps its session between rounds: a login
     * costs central an Argon2id hash, and posts sync every minute. A CLI run logs out. */
    const char *tf = ubur_setting(ctx, "sync.token_file", "");
    char *key = ubur_arena_printf(&ctx->arena, "%s\n%s", url, tf);
    bool reuse = keep_session && session.token[0] && !strcmp(session.key, key);
    int prc = 0, qrc;
    if (reuse) {
        snprintf(c.token, sizeof(c.token), "%s", session.token);
        c.logged_in = true;
    } else {
        prc = authenticate(ctx, &c, &perr);
    }
    for (int attempt = 0;; attempt++) {
        if (prc) {
            qerr = perr;
            qrc = prc;
            break;
        }
        prc = push_all(ctx, &c, out, &perr);
        qrc = prc == UBUR_EAUTH ? prc : pull_all(ctx, &c, post, out, &qerr);
        if ((prc == UBUR_EAUTH || qrc == UBUR_EAUTH) && reuse && !attempt) {
            /* The kept session expired on central: log in again, once. */
            memset(&c.token, 0, sizeof(c.token));
            c.logged_in = false;
            ubur_error_clear(&perr);
            ubur_error_clear(&qerr);
            prc = authenticate(ctx, &c, &perr);
            continue;
        }
        break;
    }
    if (keep_session && c.logged_in && prc != UBUR_EAUTH && qrc != UBUR_EAUTH) {
        snprintf(session.token, sizeof(session.token), "%s", c.token);
        snprintf(session.key, sizeof(session.key), "%s", key);
        memset(c.token, 0, sizeof(c.token));
    } else {
        memset(&session, 0, sizeof(session));
        if (c.logged_in)
            logout(&c);
    }
    out->push_ok = !prc;
    out->pull_ok = !qrc;
    ubur_sync_note_attempt(ctx, "push", !prc, prc ? perr.message : NULL, NULL);
    ubur_sync_note_attempt(ctx, "pull", !qrc, qrc ? qerr.message : NULL, NULL);
    pthread_mutex_unlock(&round_lock);
    free(url);
    free(cacert);
    free(post);
    if (prc) {
        if (err)
            *err = perr;
        return prc;
    }
    if (qrc) {
        if (err)
            *err = qerr;
        return qrc;
    }
    return 0;
}

/* ---- the background thread of `ubur serve --sync-interval` ---- */

static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool running, stop;
    char *db_uri, *state;
    int interval;
} bg = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* True when either direction may be tried now (no backoff pending). */
static bool
due(struct ubur_ctx *ctx)
{
    char *next = NULL;
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    if (ubur_store_query_text(ctx->store, NULL, &next,
                              "SELECT MIN(COALESCE(next_attempt_at, '')) FROM sync_state", "") != 0)
        return true;
    bool yes = !next || !*next || strcmp(next, now) <= 0;
    free(next);
    return yes;
}

static void *
background(void *arg)
{
    (void)arg;
    struct ubur_store *store = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&store, bg.db_uri, &err)) {
        fprintf(stderr, "ubur: sync: %s\n", err.message);
        return NULL;
    }
    pthread_mutex_lock(&bg.lock);
    while (!bg.stop) {
        pthread_mutex_unlock(&bg.lock);
        struct ubur_ctx ctx = {
            .store = store, .username = "sync", .role = UBUR_ROLE_ADMIN, .state = bg.state};
        ubur_uuid7(ctx.request_id);
        if (ubur_sync_is_post(&ctx) && due(&ctx)) {
            struct ubur_sync_round_result r;
            ubur_error_clear(&err);
            if (ubur_sync_round(&ctx, &r, &err))
                fprintf(stderr, "ubur: sync: %s\n", err.message);
            else if (r.pushed || r.pulled)
                fprintf(stderr, "ubur: sync: pushed %d, pulled %d, conflicts %d\n", r.pushed,
                        r.pulled, r.conflicts);
        }
        ubur_arena_release(&ctx.arena);
        pthread_mutex_lock(&bg.lock);
        if (bg.stop)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += bg.interval;
        pthread_cond_timedwait(&bg.wake, &bg.lock, &until);
    }
    pthread_mutex_unlock(&bg.lock);
    ubur_store_close(store);
    return NULL;
}

int
ubur_sync_thread_start(const char *db_uri, const char *state, int interval, struct ubur_error *err)
{
    if (interval < 1 || interval > 86400)
        return ubur_error_field(err, UBUR_EINVAL, "sync_interval", "must be 1 to 86400 seconds");
    pthread_once(&curl_once, curl_init_once);
    pthread_mutex_lock(&bg.lock);
    if (bg.running) {
        pthread_mutex_unlock(&bg.lock);
        return ubur_error_set(err, UBUR_ECONFLICT, "the sync thread is running already");
    }
    bg.db_uri = ubur_strdup(db_uri);
    bg.state = state ? ubur_strdup(state) : NULL;
    bg.interval = interval;
    bg.stop = false;
    keep_session = true;
    /* The thread takes no signals: the server's main thread waits for SIGINT/SIGTERM. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&bg.thread, NULL, background, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    bg.running = e == 0;
    pthread_mutex_unlock(&bg.lock);
    if (e)
        return ubur_error_set(err, UBUR_EINTERNAL, "cannot start the sync thread");
    return 0;
}

void
ubur_sync_thread_stop(void)
{
    pthread_mutex_lock(&bg.lock);
    if (!bg.running) {
        pthread_mutex_unlock(&bg.lock);
        return;
    }
    bg.stop = true;
    pthread_cond_signal(&bg.wake);
    pthread_mutex_unlock(&bg.lock);
    pthread_join(bg.thread, NULL);
    bg.running = false;
    pthread_mutex_lock(&round_lock);
    memset(&session, 0, sizeof(session)); /* it expires on central by itself */
    pthread_mutex_unlock(&round_lock);
    free(bg.db_uri);
    free(bg.state);
    bg.db_uri = bg.state = NULL;
}
