/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post synchronisation services (include/ubur/sync.h, docs/internals/sync.md):
 * configuration, the audit observer that fills a post's outbox and central's
 * change log, the post's outbox batches and acknowledgements, central's
 * application of pushed events (exactly once, in order, conflicts to a
 * supervisor), the pull of changes and their application on a post, and the
 * status both sides show.
 *
 * Invariants. An outbox event is written in the transaction of the change
 * it describes, with seq = MAX + 1 under that transaction's write lock, so
 * the outbox order is the post's commit order and has no gaps. Central
 * applies event seq only when it has applied seq - 1 (sync_post.applied_seq)
 * and records it in sync_applied in the same transaction as its effects, so
 * a push can be repeated any number of times. The change log gets seq =
 * MAX + 1 the same way, so a pull cursor never skips a change that commits
 * late.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sync_impl.h"
#include "ubur/users.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

#define BACKOFF_BASE_SECONDS 5
#define BACKOFF_MAX_SECONDS 600

static __thread int applying_depth;

bool
sync_applying(void)
{
    return applying_depth > 0;
}

/* ---- small helpers ---- */

const char *
sync_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

const char *
sync_dump(struct ubur_ctx *ctx, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    const char *copy = ubur_arena_strdup(&ctx->arena, s ? s : "null");
    free(s);
    return copy;
}

static bool
in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

const struct sync_up_type *
sync_up_type_find(const char *name)
{
    for (const struct sync_up_type *t = sync_up_types; name && t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

const struct sync_down_type *
sync_down_type_find(const char *name)
{
    for (const struct sync_down_type *t = sync_down_types; name && t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

bool
sync_op_known(const struct sync_up_type *t, const char *op)
{
    return op && in_list(t->ops, op);
}

static bool
hex64(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void
now_text(char out[UBUR_TIME_LEN + 1])
{
    ubur_time_format(ubur_now(), out);
}

int
sync_shadow_get(struct ubur_ctx *ctx, const char *key, char hash[65], bool *found,
                struct ubur_error *err)
{
    char *h = NULL;
    int rc = ubur_store_query_text(ctx->store, err, &h,
                                   "SELECT hash FROM sync_shadow WHERE record_key = ?", "t", key);
    *found = rc == 0;
    hash[0] = '\0';
    if (rc == 0)
        snprintf(hash, 65, "%s", h);
    free(h);
    return rc == UBUR_ENOTFOUND ? 0 : rc;
}

int
sync_shadow_set(struct ubur_ctx *ctx, const char *key, const char *hash, struct ubur_error *err)
{
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO sync_shadow (record_key, hash) VALUES (?, ?)"
                               " ON CONFLICT (record_key) DO UPDATE SET hash = excluded.hash",
                               "tt", key, hash);
    return n < 0 ? (int)n : 0;
}

/* ---- configuration ---- */

static _Atomic uint64_t settings_written;

static int
setting_put(struct ubur_ctx *ctx, const char *key, const char *value, struct ubur_error *err)
{
    int64_t n;
    atomic_fetch_add(&settings_written, 1); /* ubur_sync_is_post reads it again */
    if (value)
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO settings (key, value) VALUES (?, ?)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           "tt", key, value);
    else
        n = ubur_store_run(ctx->store, err, "DELETE FROM settings WHERE key = ?", "t", key);
    return n < 0 ? (int)n : 0;
}

/*
 * sync.role as last read by this thread inside a write transaction: every audited change asks
 * (ubur_sync_observe), and the group-commit writer's batch of records would read it once each.
 * Valid while the transaction's epoch (ubur_store_tx_epoch: no other connection writes
 * meanwhile) and the process's count of sync settings written (setting_put) are unchanged.
 */
static __thread struct {
    uint64_t epoch, written;
    bool post;
} role_seen;

bool
ubur_sync_is_post(struct ubur_ctx *ctx)
{
    uint64_t epoch = ubur_store_tx_epoch(ctx->store);
    uint64_t written = atomic_load(&settings_written);
    if (epoch && role_seen.epoch == epoch && role_seen.written == written)
        return role_seen.post;
    const char *role = ubur_setting(ctx, "sync.role", NULL);
    bool post = role && !strcmp(role, "post");
    role_seen.epoch = epoch;
    role_seen.written = written;
    role_seen.post = post;
    return post;
}

/* Reads the first line of the token file: "USER PASSWORD" or a bearer token. */
static int
read_token_file(const char *path, char *user, size_t ulen, char *secret, size_t slen,
                struct ubur_error *err)
{
    FILE *f = fopen(path, "r");
    char line[512] = "";
    if (!f)
        return ubur_error_field(err, UBUR_EINVAL, "token_file", "cannot read '%s'", path);
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "ubur: warning: %s is readable by others; chmod 600 it\n", path);
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    char *sp = strchr(line, ' ');
    user[0] = secret[0] = '\0';
    if (ok && sp) {
        *sp = '\0';
        snprintf(user, ulen, "%s", line);
        snprintf(secret, slen, "%s", sp + 1);
    } else if (ok && strlen(line) == UBUR_TOKEN_LEN) {
        snprintf(secret, slen, "%s", line);
    } else {
        ok = false;
    }
    memset(line, 0, sizeof(line));
    if (!ok || !secret[0])
        return ubur_error_field(err, UBUR_EINVAL, "token_file",
                                "'%s' holds neither \"POST_ID PASSWORD\" nor a session token",
                                path);
    return 0;
}

int
ubur_sync_configure(struct ubur_ctx *ctx, const struct ubur_sync_config *cfg,
                    struct ubur_error *err)
{
    char user[128], secret[300];
    int rc;
    const char *url = cfg->central_url;
    if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) || strlen(url) > 500)
        return ubur_error_field(err, UBUR_EINVAL, "central",
                                "'%.100s' is not an http:// or https:// URL", url ? url : "");
    if (!cfg->token_file)
        return ubur_error_field(err, UBUR_EINVAL, "token_file", "is required");
    if ((rc = read_token_file(cfg->token_file, user, sizeof(user), secret, sizeof(secret), err)))
        return rc;
    memset(secret, 0, sizeof(secret));
    const char *post = cfg->post_id ? cfg->post_id : user;
    if (!ubur_sync_post_id_valid(post))
        return ubur_error_field(err, UBUR_EINVAL, "post",
                                "'%.40s' is not a post id (2-32 of a-z, 0-9, '-')",
                                post && *post ? post : "(none: give --post)");
    if (user[0] && strcmp(user, post) != 0)
        return ubur_error_field(err, UBUR_EINVAL, "post",
                                "the token file is the account of post '%.40s', not '%s'", user,
                                post);
    if (cfg->cacert) {
        FILE *f = fopen(cfg->cacert, "r");
        if (!f)
            return ubur_error_field(err, UBUR_EINVAL, "cacert", "cannot read '%s'", cfg->cacert);
        fclose(f);
    }
    /* Registry numbers made here carry the post in their scope ("SYR-QAIM-2024-000001"). */
    char prefix[UBUR_SYNC_POST_ID_MAX + 1];
    size_t i = 0;
    for (; post[i] && i < UBUR_SYNC_POST_ID_MAX; i++)
        prefix[i] = post[i] >= 'a' && post[i] <= 'z' ? (char)(post[i] - 'a' + 'A') : post[i];
    prefix[i] = '\0';
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = setting_put(ctx, "sync.role", "post", err)) ||
        (rc = setting_put(ctx, "sync.post_id", post, err)) ||
        (rc = setting_put(ctx, "sync.central_url", url, err)) ||
        (rc = setting_put(ctx, "sync.token_file", cfg->token_file, err)) ||
        (rc = setting_put(ctx, "sync.cacert", cfg->cacert, err)) ||
        (rc = setting_put(ctx, "registry.number_prefix", prefix, err)))
        goto fail;
    json_t *d = json_pack("{s:s, s:s, s:s?}", "post", post, "central", url, "cacert", cfg->cacert);
    rc = ubur_audit(ctx, "sync.config", "setting", "sync", sync_dump(ctx, d), err);
    json_decref(d);
    if (rc)
        goto fail;
    return ubur_store_commit(ctx->store, err);
fail:
    ubur_store_rollback(ctx->store);
    return rc;
}

/* ---- the observer ---- */

static int
outbox_write(struct ubur_ctx *ctx, const struct sync_up_type *t, struct sync_capture *cap,
             struct ubur_error *err)
{
    char key[128], base[65], after[65] = "", id[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
    bool have_base = false;
    int64_t seq = 0;
    int rc;
    snprintf(key, sizeof(key), "%s:%s", t->name, cap->record_id);
    if ((rc = sync_shadow_get(ctx, key, base, &have_base, err)))
        return rc;
    if (cap->after) {
        ubur_sync_fingerprint(cap->after, after);
        if ((rc = sync_shadow_set(ctx, key, after, err)))
            return rc;
    }
    if (!cap->op)
        return 0;
    if ((rc = ubur_store_query_int(ctx->store, err, &seq,
                                   "SELECT COALESCE(MAX(seq), 0) FROM sync_outbox", "")))
        return rc;
    ubur_uuid7(id);
    now_text(now);
    const char *payload = sync_dump(ctx, cap->payload ? cap->payload : json_object());
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO sync_outbox (seq, id, type, op, record_id, base_hash, after_hash, payload,"
        " touches, actor, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "itttttttttt"
        "t",
        seq + 1, id, t->name, cap->op, cap->record_id, have_base ? base : NULL,
        after[0] ? after : NULL, payload, cap->touches, ctx->username ? ctx->username : "unknown",
        ubur_role_name(ctx->role), now);
    return n < 0 ? (int)n : 0;
}

static int
changelog_write(struct ubur_ctx *ctx, const char *type, const char *id, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int64_t seq = 0;
    int rc = ubur_store_query_int(ctx->store, err, &seq,
                                  "SELECT COALESCE(MAX(seq), 0) FROM sync_changelog", "");
    if (rc)
        return rc;
    now_text(now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO sync_changelog (seq, type, record_id, at)"
                               " VALUES (?, ?, ?, ?)",
                               "ittt", seq + 1, type, id, now);
    return n < 0 ? (int)n : 0;
}

int
ubur_sync_changed(struct ubur_ctx *ctx, const char *type, const char *id, struct ubur_error *err)
{
    if (sync_applying() || !id || !sync_down_type_find(type) || ubur_sync_is_post(ctx))
        return 0;
    return changelog_write(ctx, type, id, err);
}

/* One captured event (or shadow refresh) for `action` on `object_id`. */
static int
capture_one(struct ubur_ctx *ctx, const struct sync_up_type *up, bool derived, const char *action,
            const char *object_id, const char *detail_json, struct ubur_error *err)
{
    struct sync_capture cap = {0};
    int rc = up->capture(ctx, action, object_id, detail_json, &cap, err);
    if (!rc && derived)
        cap.op = NULL;
    if (!rc && cap.record_id)
        rc = outbox_write(ctx, up, &cap, err);
    json_decref(cap.payload);
    json_decref(cap.after);
    return rc;
}

/* A bulk action on a post (an import): every record of the type not captured yet. */
static int
capture_bulk(struct ubur_ctx *ctx, const char *action, struct ubur_error *err)
{
    for (const struct sync_up_type *t = sync_up_types; t->name; t++) {
        if (!t->uncaptured || !in_list(t->bulk, action))
            continue;
        if (!ubur_sync_is_post(ctx))
            return 0;
        json_t *ids = NULL;
        int rc = t->uncaptured(ctx, &ids, err);
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
        {
            if (rc)
                break;
            rc = capture_one(ctx, t, false, t->actions[0], json_string_value(id), NULL, err);
        }
        json_decref(ids);
        if (rc)
            return rc;
    }
    return 0;
}

/* A bulk action on central (the demo): every record of a down type not in the log yet. */
static int
log_bulk(struct ubur_ctx *ctx, const char *action, struct ubur_error *err)
{
    for (const struct sync_down_type *t = sync_down_types; t->name; t++) {
        if (!t->unlogged || !in_list(t->bulk, action))
            continue;
        if (ubur_sync_is_post(ctx))
            return 0;
        json_t *ids = NULL;
        int rc = t->unlogged(ctx, &ids, err);
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
        {
            if (rc)
                break;
            rc = changelog_write(ctx, t->name, json_string_value(id), err);
        }
        json_decref(ids);
        if (rc)
            return rc;
    }
    return 0;
}

int
ubur_sync_observe(struct ubur_ctx *ctx, const char *action, const char *object_type,
                  const char *object_id, const char *detail_json, struct ubur_error *err)
{
    if (!action || sync_applying())
        return 0;
    if (!object_id) {
        int rc = capture_bulk(ctx, action, err);
        return rc ? rc : log_bulk(ctx, action, err);
    }
    const struct sync_up_type *up = NULL;
    bool derived = false;
    for (const struct sync_up_type *t = sync_up_types; t->name && !up; t++) {
        if (in_list(t->actions, action))
            up = t;
        else if (in_list(t->derived, action))
            up = t, derived = true;
    }
    const struct sync_down_type *down[8];
    bool via[8];
    int ndown = 0;
    for (const struct sync_down_type *t = sync_down_types; t->name && ndown < 8; t++) {
        bool direct = in_list(t->actions, action) ||
                      (t->object_type && object_type && !strcmp(t->object_type, object_type));
        if (direct || (t->via_id && in_list(t->via, action))) {
            via[ndown] = !direct;
            down[ndown++] = t;
        }
    }
    if (!up && !ndown)
        return 0;
    int rc = 0;
    if (ubur_sync_is_post(ctx)) {
        return up ? capture_one(ctx, up, derived, action, object_id, detail_json, err) : 0;
    }
    for (int i = 0; i < ndown && !rc; i++) {
        const char *id = object_id;
        if (via[i] && (rc = down[i]->via_id(ctx, action, object_id, &id, err)))
            break;
        if (id)
            rc = changelog_write(ctx, down[i]->name, id, err);
    }
    return rc;
}

/* ---- post: outbox ---- */

int
ubur_sync_outbox_batch(struct ubur_ctx *ctx, int max_events, size_t max_bytes, json_t **body,
                       int *count, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *body = NULL;
    *count = 0;
    const char *post = ubur_setting(ctx, "sync.post_id", NULL);
    if (!post)
        return ubur_error_set(err, UBUR_EINVAL, "this instance is not a post: `ubur sync config`");
    if (max_events < 1 || max_events > UBUR_SYNC_PUSH_MAX_EVENTS)
        max_events = UBUR_SYNC_PUSH_MAX_EVENTS;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT seq, id, type, op, record_id, base_hash, after_hash,"
                                " payload, actor, role, created_at FROM sync_outbox"
                                " WHERE acked_at IS NULL ORDER BY seq LIMIT ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_int(st, 1, max_events);
    json_t *events = json_array();
    size_t bytes = 0;
    int64_t first = 0, last = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *payload = ubur_stmt_text(st, 7);
        size_t plen = strlen(payload);
        if (json_array_size(events) && bytes + plen > max_bytes)
            break;
        json_t *p = json_loads(payload, 0, NULL);
        json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s, s:s, s:s}", "seq",
                               (json_int_t)ubur_stmt_int(st, 0), "id", ubur_stmt_text(st, 1),
                               "type", ubur_stmt_text(st, 2), "op", ubur_stmt_text(st, 3),
                               "record_id", ubur_stmt_text(st, 4), "base_hash",
                               ubur_stmt_text(st, 5), "after_hash", ubur_stmt_text(st, 6),
                               "payload", p ? p : json_object(), "actor", ubur_stmt_text(st, 8),
                               "role", ubur_stmt_text(st, 9), "created_at", ubur_stmt_text(st, 10));
        json_array_append_new(events, ev);
        bytes += plen + 400;
        if (!first)
            first = ubur_stmt_int(st, 0);
        last = ubur_stmt_int(st, 0);
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(events);
        return rc;
    }
    if (!json_array_size(events)) {
        json_decref(events);
        return 0;
    }
    char now[UBUR_TIME_LEN + 1];
    now_text(now);
    if ((rc = ubur_store_begin(ctx->store, err))) {
        json_decref(events);
        return rc;
    }
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE sync_outbox SET attempts = attempts + 1, sent_at = ?"
                               " WHERE seq >= ? AND seq <= ? AND acked_at IS NULL",
                               "tii", now, first, last);
    if (n < 0 || (rc = ubur_store_commit(ctx->store, err))) {
        ubur_store_rollback(ctx->store);
        json_decref(events);
        return n < 0 ? (int)n : rc;
    }
    *count = (int)json_array_size(events);
    *body = json_pack("{s:s, s:o}", "post", post, "events", events);
    return 0;
}

int
ubur_sync_outbox_ack(struct ubur_ctx *ctx, json_t *answer, int *acked, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    json_t *through = json_object_get(answer, "applied_through");
    json_t *results = json_object_get(answer, "results");
    *acked = 0;
    if (!json_is_integer(through) || !json_is_array(results))
        return ubur_error_set(err, UBUR_EUNPROC, "central's answer to the push is malformed");
    int64_t upto = json_integer_value(through);
    now_text(now);
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r)
    {
        json_t *seq = json_object_get(r, "seq");
        const char *res = sync_str(r, "result");
        if (!json_is_integer(seq) || !res || json_integer_value(seq) > upto)
            continue;
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE sync_outbox SET acked_at = ?, result = ?"
                                   " WHERE seq = ? AND acked_at IS NULL",
                                   "tti", now, res, (int64_t)json_integer_value(seq));
        if (n < 0) {
            ubur_store_rollback(ctx->store);
            return (int)n;
        }
        *acked += (int)n;
    }
    /* Central restored from a backup has lost what it had applied after the backup: it
     * expects an earlier sequence than this post has acknowledged. Send those again. */
    json_t *expected = json_object_get(answer, "expected");
    if (json_is_integer(expected)) {
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE sync_outbox SET acked_at = NULL, result = NULL"
                                   " WHERE seq >= ? AND acked_at IS NOT NULL",
                                   "i", (int64_t)json_integer_value(expected));
        if (n < 0) {
            ubur_store_rollback(ctx->store);
            return (int)n;
        }
        if (n > 0)
            fprintf(stderr, "ubur: sync: central expects event %lld again: resending %lld\n",
                    (long long)json_integer_value(expected), (long long)n);
    }
    /* Anything at or below applied_through that the results did not name was applied before. */
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE sync_outbox SET acked_at = ?, result = 'duplicate'"
                               " WHERE seq <= ? AND acked_at IS NULL",
                               "ti", now, upto);
    if (n < 0) {
        ubur_store_rollback(ctx->store);
        return (int)n;
    }
    *acked += (int)n;
    return ubur_store_commit(ctx->store, err);
}

/* ---- post: attempts, pull cursor, applying changes ---- */

int
ubur_sync_note_attempt(struct ubur_ctx *ctx, const char *direction, bool ok, const char *error,
                       struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1], next[UBUR_TIME_LEN + 1];
    int64_t failures = 0;
    int rc;
    now_text(now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    ubur_store_query_int(ctx->store, NULL, &failures,
                         "SELECT failures FROM sync_state WHERE direction = ?", "t", direction);
    int64_t n;
    if (ok) {
        n = ubur_store_run(ctx->store, err,
                           "UPDATE sync_state SET last_success_at = ?, last_attempt_at = ?,"
                           " failures = 0, next_attempt_at = NULL, last_error = NULL"
                           " WHERE direction = ?",
                           "ttt", now, now, direction);
    } else {
        char rnd[UBUR_UUID_LEN + 1];
        ubur_uuid7(rnd); /* 74 random bits: borrow 32 of them for the jitter */
        uint32_t jitter = (uint32_t)strtoul(rnd + 28, NULL, 16);
        int64_t wait =
            ubur_sync_backoff((int)failures + 1, BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS, jitter);
        ubur_time_format(ubur_now() + wait, next);
        n = ubur_store_run(ctx->store, err,
                           "UPDATE sync_state SET last_attempt_at = ?, failures = failures + 1,"
                           " next_attempt_at = ?, last_error = ? WHERE direction = ?",
                           "tttt", now, next, error ? error : "failed", direction);
    }
    if (n < 0) {
        ubur_store_rollback(ctx->store);
        return (int)n;
    }
    return ubur_store_commit(ctx->store, err);
}

const char *
ubur_sync_pull_cursor(struct ubur_ctx *ctx)
{
    char *c = NULL;
    if (ubur_store_query_text(ctx->store, NULL, &c,
                              "SELECT COALESCE(cursor, '') FROM sync_state"
                              " WHERE direction = 'pull'",
                              "") != 0)
        return "";
    const char *copy = ubur_arena_strdup(&ctx->arena, c);
    free(c);
    return copy;
}

int
ubur_sync_apply_changes(struct ubur_ctx *ctx, json_t *page, int *applied, struct ubur_error *err)
{
    json_t *changes = json_object_get(page, "changes");
    const char *cursor = sync_str(page, "cursor");
    const char *as_of = sync_str(page, "as_of");
    bool more = json_is_true(json_object_get(page, "more"));
    int64_t t;
    *applied = 0;
    if (!json_is_array(changes) || !cursor || strlen(cursor) > 1000 || !as_of ||
        ubur_time_parse(as_of, &t, NULL))
        return ubur_error_set(err, UBUR_EUNPROC, "central's page of changes is malformed");
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    applying_depth++;
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        const struct sync_down_type *dt = sync_down_type_find(sync_str(c, "type"));
        json_t *rec = json_object_get(c, "record");
        bool changed = false;
        if (!dt) {
            rc = ubur_error_set(err, UBUR_EUNPROC,
                                "central sent a change of unknown type '%.32s': upgrade this post",
                                sync_str(c, "type") ? sync_str(c, "type") : "");
            break;
        }
        if (!json_is_object(rec))
            continue; /* gone on central: posts keep reference data they already hold */
        if ((rc = dt->apply(ctx, rec, &changed, err))) {
            char inner[sizeof(err->message)] = "";
            if (err)
                memcpy(inner, err->message, sizeof(inner));
            rc = ubur_error_set(err, rc, "%s %.40s from central: %s", dt->name,
                                sync_str(c, "id") ? sync_str(c, "id") : "?", inner);
            break;
        }
        *applied += changed;
    }
    if (!rc && *applied) {
        /* One audit entry per page that changed something: what came from central, when. */
        json_t *d =
            json_pack("{s:i, s:s, s:s}", "applied", *applied, "cursor", cursor, "as_of", as_of);
        rc = ubur_audit(ctx, "sync.pull", "sync_state", "pull", sync_dump(ctx, d), err);
        json_decref(d);
    }
    applying_depth--;
    if (!rc) {
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE sync_state SET cursor = ?, records = records + ?,"
                                   " data_as_of = CASE WHEN ? = 0 THEN ? ELSE data_as_of END"
                                   " WHERE direction = 'pull'",
                                   "tiit", cursor, (int64_t)*applied, (int64_t)more, as_of);
        rc = n < 0 ? (int)n : 0;
    }
    if (rc) {
        ubur_store_rollback(ctx->store);
        *applied = 0;
        return rc;
    }
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    return *applied ? ubur_screening_sync(ctx->store, err) : 0;
}

/* ---- central: posts ---- */

int
ubur_sync_post_add(struct ubur_ctx *ctx, const char *id, const char *name, char *password,
                   struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int64_t have = 0;
    int rc;
    if (!ubur_sync_post_id_valid(id))
        return ubur_error_field(err, UBUR_EINVAL, "id",
                                "'%.40s' is not a post id (2-32 of a-z, 0-9, '-', a letter first)",
                                id ? id : "");
    if (name && (strlen(name) > 200 || !ubur_utf8_valid(name, strlen(name))))
        return ubur_error_field(err, UBUR_EINVAL, "name", "is not a text of at most 200 bytes");
    if (ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only admins register posts");
    if ((rc = ubur_store_query_int(ctx->store, err, &have,
                                   "SELECT COUNT(*) FROM sync_post WHERE id = ?", "t", id)))
        return rc;
    if (have)
        return ubur_error_field(err, UBUR_ECONFLICT, "id", "post '%s' is registered already", id);
    if ((rc = ubur_user_add(ctx, id, "sync_post", NULL, password, NULL, err)))
        return rc;
    now_text(now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO sync_post (id, name, applied_seq, created_at)"
                               " VALUES (?, ?, 0, ?)",
                               "ttt", id, name, now);
    rc = n < 0 ? (int)n : ubur_audit(ctx, "sync.post.create", "sync_post", id, NULL, err);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

/* A sync_post account acts only as its own post; supervisors and admins for any. */
static int
check_post_caller(struct ubur_ctx *ctx, const char *post_id, struct ubur_error *err)
{
    if (!ubur_sync_post_id_valid(post_id))
        return ubur_error_field(err, UBUR_EINVAL, "post", "'%.40s' is not a post id",
                                post_id ? post_id : "");
    if (ctx->role == UBUR_ROLE_SYNC_POST && (!ctx->username || strcmp(ctx->username, post_id)))
        return ubur_error_set(err, UBUR_EPERM, "this account speaks for post '%.40s' only",
                              ctx->username ? ctx->username : "");
    if (ctx->role != UBUR_ROLE_SYNC_POST && ctx->role != UBUR_ROLE_ADMIN &&
        ctx->role != UBUR_ROLE_SUPERVISOR)
        return ubur_error_set(err, UBUR_EPERM, "only posts, supervisors and admins sync");
    return 0;
}

/* ---- central: applying a push ---- */

static bool
domain_error(int rc)
{
    return rc == UBUR_EINVAL || rc == UBUR_ECONFLICT || rc == UBUR_EUNPROC ||
           rc == UBUR_ENOTFOUND || rc == UBUR_EPERM;
}

static int
parse_event(json_t *j, size_t i, struct sync_event *ev, struct ubur_error *err)
{
    char field[32];
    memset(ev, 0, sizeof(*ev));
    snprintf(field, sizeof(field), "events[%zu]", i);
    if (!json_is_object(j))
        return ubur_error_field(err, UBUR_EINVAL, field, "is not an object");
    json_t *seq = json_object_get(j, "seq");
    ev->raw = j;
    ev->id = sync_str(j, "id");
    ev->type = sync_str(j, "type");
    ev->op = sync_str(j, "op");
    ev->record_id = sync_str(j, "record_id");
    ev->base_hash = sync_str(j, "base_hash");
    ev->after_hash = sync_str(j, "after_hash");
    ev->actor = sync_str(j, "actor");
    ev->role = sync_str(j, "role");
    ev->created_at = sync_str(j, "created_at");
    ev->payload = json_object_get(j, "payload");
    const struct sync_up_type *t = sync_up_type_find(ev->type);
    int64_t when;
    if (!json_is_integer(seq) || json_integer_value(seq) < 1)
        return ubur_error_field(err, UBUR_EINVAL, field, "seq must be a positive integer");
    ev->seq = json_integer_value(seq);
    if (!ubur_uuid_valid(ev->id) || !ubur_uuid_valid(ev->record_id))
        return ubur_error_field(err, UBUR_EINVAL, field, "id and record_id must be UUIDs");
    if (!t)
        return ubur_error_field(err, UBUR_EINVAL, field, "unknown type '%.32s'",
                                ev->type ? ev->type : "");
    if (!sync_op_known(t, ev->op))
        return ubur_error_field(err, UBUR_EINVAL, field, "%s events have no op '%.32s'", t->name,
                                ev->op ? ev->op : "");
    if ((ev->base_hash && !hex64(ev->base_hash)) || (ev->after_hash && !hex64(ev->after_hash)) ||
        (json_object_get(j, "base_hash") && !json_is_null(json_object_get(j, "base_hash")) &&
         !ev->base_hash) ||
        (json_object_get(j, "after_hash") && !json_is_null(json_object_get(j, "after_hash")) &&
         !ev->after_hash))
        return ubur_error_field(err, UBUR_EINVAL, field, "hashes must be 64 hex digits");
    if (!ev->actor || !*ev->actor || strlen(ev->actor) > 64 ||
        !ubur_utf8_valid(ev->actor, strlen(ev->actor)))
        return ubur_error_field(err, UBUR_EINVAL, field, "actor must be 1 to 64 bytes");
    if (!ubur_role_from_name(ev->role) || !strcmp(ev->role, "sync_post"))
        return ubur_error_field(err, UBUR_EINVAL, field, "unknown role '%.32s'",
                                ev->role ? ev->role : "");
    if (!ev->created_at || ubur_time_parse(ev->created_at, &when, NULL))
        return ubur_error_field(err, UBUR_EINVAL, field, "created_at is not a time");
    if (!json_is_object(ev->payload))
        return ubur_error_field(err, UBUR_EINVAL, field, "payload must be an object");
    return 0;
}

static int
open_conflict(struct ubur_ctx *ctx, const struct sync_event *ev, const char *kind,
              const char *detail, json_t *central, char id[UBUR_UUID_LEN + 1],
              struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    ubur_uuid7(id);
    now_text(now);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO sync_conflict (id, post_id, seq, event_id, type, op, record_id, kind, detail,"
        " event, central_version, status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " 'open', ?)",
        "ttitttttttt"
        "t",
        id, ev->post_id, ev->seq, ev->id, ev->type, ev->op, ev->record_id, kind, detail,
        sync_dump(ctx, ev->raw), central ? sync_dump(ctx, central) : NULL, now);
    if (n < 0)
        return (int)n;
    json_t *d =
        json_pack("{s:s, s:I, s:s, s:s, s:s}", "post", ev->post_id, "seq", (json_int_t)ev->seq,
                  "kind", kind, "type", ev->type, "record_id", ev->record_id);
    int rc = ubur_audit(ctx, "sync.conflict.open", "sync_conflict", id, sync_dump(ctx, d), err);
    json_decref(d);
    return rc;
}

/* Runs the owning module's apply as the post's officer: "<actor>@<post>" with their role. */
static int
apply_as_actor(struct ubur_ctx *ctx, const struct sync_up_type *t, const struct sync_event *ev,
               struct ubur_error *err)
{
    const char *username = ctx->username;
    unsigned role = ctx->role;
    ctx->username = ubur_arena_printf(&ctx->arena, "%.64s@%s", ev->actor, ev->post_id);
    ctx->role = ubur_role_from_name(ev->role);
    int rc = t->apply(ctx, ev, err);
    ctx->username = username;
    ctx->role = role;
    return rc;
}

/*
 * Decides and applies one event. *result is "applied", "duplicate" or
 * "conflict" (conflict_id set). `reject` set: record a 'rejected' conflict
 * with that message instead of applying (a retry after the module refused).
 * A domain refusal returns UBUR_EUNPROC with *refused set so the caller
 * can roll back and retry with reject.
 */
static int
apply_event(struct ubur_ctx *ctx, const struct sync_event *ev, const char *reject,
            const char **result, char conflict_id[UBUR_UUID_LEN + 1], bool *refused,
            struct ubur_error *err)
{
    const struct sync_up_type *t = sync_up_type_find(ev->type);
    json_t *snap = NULL;
    char now_fp[65] = "";
    int rc;
    *refused = false;
    conflict_id[0] = '\0';
    if (reject) {
        *result = "conflict";
        return open_conflict(ctx, ev, "rejected", reject, NULL, conflict_id, err);
    }
    if ((rc = t->snapshot(ctx, ev->record_id, &snap, err)))
        return rc;
    if (snap)
        ubur_sync_fingerprint(snap, now_fp);
    bool creating = !strcmp(ev->op, t->ops[0]);
    const char *kind = NULL, *detail = NULL;
    if (creating && snap) {
        if (ev->after_hash && !strcmp(now_fp, ev->after_hash)) {
            *result = "duplicate";
        } else {
            kind = "different_content";
            detail = ubur_arena_printf(&ctx->arena, "%s %s exists on central with other content",
                                       t->name, ev->record_id);
        }
    } else if (!creating && !snap) {
        kind = "rejected";
        detail = ubur_arena_printf(&ctx->arena, "%s %s is not on central", t->name, ev->record_id);
    } else if (!creating && ev->base_hash && strcmp(now_fp, ev->base_hash)) {
        if (ev->after_hash && !strcmp(now_fp, ev->after_hash)) {
            *result = "duplicate";
        } else {
            kind = "changed_centrally";
            detail = ubur_arena_printf(&ctx->arena,
                                       "%s %s changed on central since the post's version "
                                       "(%.12s, central has %.12s)",
                                       t->name, ev->record_id, ev->base_hash, now_fp);
        }
    } else {
        rc = apply_as_actor(ctx, t, ev, err);
        if (rc && domain_error(rc)) {
            *refused = true;
            json_decref(snap);
            return UBUR_EUNPROC;
        }
        if (!rc)
            *result = "applied";
    }
    if (!rc && kind) {
        *result = "conflict";
        rc = open_conflict(ctx, ev, kind, detail, snap, conflict_id, err);
    }
    json_decref(snap);
    return rc;
}

struct rejection {
    int64_t seq;
    char message[300];
};

/* One attempt at a push in one transaction; *refused_at set (> 0) when an event was refused. */
static int
push_attempt(struct ubur_ctx *ctx, const char *post_id, struct sync_event *evs, size_t n,
             const struct rejection *rej, size_t nrej, json_t **answer, int64_t *refused_at,
             struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int64_t applied_seq = 0;
    int conflicts = 0, applied = 0;
    json_t *results = json_array();
    *refused_at = 0;
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        goto out;
    rc = ubur_store_query_int(ctx->store, err, &applied_seq,
                              "SELECT applied_seq FROM sync_post WHERE id = ?", "t", post_id);
    if (rc == UBUR_ENOTFOUND) {
        rc = ubur_error_field(err, UBUR_ENOTFOUND, "post",
                              "post '%s' is not registered: `ubur sync post add %s` on central",
                              post_id, post_id);
        goto out;
    }
    if (rc)
        goto out;
    int64_t first_seq = applied_seq;
    for (size_t i = 0; i < n; i++) {
        struct sync_event *ev = &evs[i];
        ev->post_id = post_id;
        if (ev->seq <= applied_seq) {
            char *was = NULL;
            rc = ubur_store_query_text(ctx->store, err, &was,
                                       "SELECT event_id FROM sync_applied WHERE post_id = ?"
                                       " AND seq = ?",
                                       "ti", post_id, ev->seq);
            if (rc == 0 && strcmp(was, ev->id) != 0) {
                free(was);
                rc = ubur_error_set(err, UBUR_ECONFLICT,
                                    "post %s's event %lld is not the one applied as %lld: the "
                                    "post's outbox was reset; restore its database or register "
                                    "it anew",
                                    post_id, (long long)ev->seq, (long long)ev->seq);
                goto out;
            }
            free(was);
            if (rc && rc != UBUR_ENOTFOUND)
                goto out;
            rc = 0;
            json_array_append_new(results, json_pack("{s:I, s:s}", "seq", (json_int_t)ev->seq,
                                                     "result", "duplicate"));
            continue;
        }
        if (ev->seq != applied_seq + 1)
            break; /* a gap: the post sends from `expected` again */
        const char *reject = NULL;
        for (size_t k = 0; k < nrej; k++)
            if (rej[k].seq == ev->seq)
                reject = rej[k].message;
        const char *result = NULL;
        char cid[UBUR_UUID_LEN + 1];
        bool refused;
        rc = apply_event(ctx, ev, reject, &result, cid, &refused, err);
        if (refused) {
            *refused_at = ev->seq;
            goto out;
        }
        if (rc)
            goto out;
        now_text(now);
        int64_t w = ubur_store_run(ctx->store, err,
                                   "INSERT INTO sync_applied (post_id, seq, event_id, type, op,"
                                   " record_id, after_hash, result, applied_at)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   "tittttttt", post_id, ev->seq, ev->id, ev->type, ev->op,
                                   ev->record_id, ev->after_hash, result, now);
        if (w < 0) {
            rc = (int)w;
            if (rc == UBUR_ECONFLICT)
                rc = ubur_error_set(err, UBUR_ECONFLICT,
                                    "event %s (seq %lld) was applied before under another "
                                    "sequence number",
                                    ev->id, (long long)ev->seq);
            goto out;
        }
        applied_seq = ev->seq;
        conflicts += !strcmp(result, "conflict");
        applied += !strcmp(result, "applied");
        json_t *r = json_pack("{s:I, s:s}", "seq", (json_int_t)ev->seq, "result", result);
        if (cid[0])
            json_object_set_new(r, "conflict_id", json_string(cid));
        json_array_append_new(results, r);
    }
    now_text(now);
    int64_t w = ubur_store_run(
        ctx->store, err, "UPDATE sync_post SET applied_seq = ?, last_push_at = ? WHERE id = ?",
        "itt", applied_seq, now, post_id);
    if (w < 0) {
        rc = (int)w;
        goto out;
    }
    if (applied_seq > first_seq) {
        json_t *d = json_pack("{s:s, s:I, s:I, s:i, s:i}", "post", post_id, "from",
                              (json_int_t)first_seq + 1, "to", (json_int_t)applied_seq, "applied",
                              applied, "conflicts", conflicts);
        rc = ubur_audit(ctx, "sync.push", "sync_post", post_id, sync_dump(ctx, d), err);
        json_decref(d);
        if (rc)
            goto out;
    }
    if ((rc = ubur_store_commit(ctx->store, err)))
        goto out;
    *answer = json_pack("{s:s, s:I, s:I, s:O}", "post", post_id, "applied_through",
                        (json_int_t)applied_seq, "expected", (json_int_t)applied_seq + 1, "results",
                        results);
out:
    if (rc && ubur_store_in_tx(ctx->store))
        ubur_store_rollback(ctx->store);
    if (*refused_at && err && !err->message[0])
        ubur_error_set(err, UBUR_EUNPROC, "refused");
    json_decref(results);
    return *refused_at ? UBUR_EUNPROC : rc;
}

int
ubur_sync_push(struct ubur_ctx *ctx, const char *post_id, json_t *events, json_t **answer,
               struct ubur_error *err)
{
    int rc;
    *answer = NULL;
    if ((rc = check_post_caller(ctx, post_id, err)))
        return rc;
    if (!json_is_array(events) || json_array_size(events) > UBUR_SYNC_PUSH_MAX_EVENTS)
        return ubur_error_field(err, UBUR_EINVAL, "events", "must be an array of at most %d",
                                UBUR_SYNC_PUSH_MAX_EVENTS);
    size_t n = json_array_size(events);
    struct sync_event *evs = ubur_calloc(n ? n : 1, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_event(json_array_get(events, i), i, &evs[i], err)))
            goto out;
        if (i && evs[i].seq <= evs[i - 1].seq) {
            rc = ubur_error_field(err, UBUR_EINVAL, "events", "sequence numbers must increase");
            goto out;
        }
    }
    struct rejection *rej = NULL;
    size_t nrej = 0;
    for (;;) {
        int64_t refused_at = 0;
        struct ubur_error e2 = UBUR_ERROR_INIT;
        rc = push_attempt(ctx, post_id, evs, n, rej, nrej, answer, &refused_at, &e2);
        if (!refused_at) {
            if (rc && err)
                *err = e2;
            break;
        }
        /* The module refused event refused_at: everything is rolled back; record it as a
         * conflict and apply the rest again. Each round adds one rejection, so this ends. */
        rej = ubur_realloc(rej, sizeof(*rej) * (nrej + 1));
        rej[nrej].seq = refused_at;
        snprintf(rej[nrej].message, sizeof(rej[nrej].message), "%s%s%s: %s",
                 e2.field[0] ? "field " : "", e2.field, e2.field[0] ? "" : "refused",
                 e2.message[0] ? e2.message : ubur_strerror(e2.code));
        nrej++;
    }
    free(rej);
out:
    free(evs);
    return rc;
}

/* ---- central: changes for posts ---- */

int
ubur_sync_changes(struct ubur_ctx *ctx, const char *post_id, const char *cursor, int limit,
                  json_t **page, struct ubur_error *err)
{
    char wl[80], logv[32], wid[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
    int64_t wseq, lseq, dummy;
    char did[UBUR_UUID_LEN + 1];
    struct ubur_buf next = UBUR_BUF_INIT, tmp = UBUR_BUF_INIT;
    int rc;
    *page = NULL;
    if ((rc = check_post_caller(ctx, post_id, err)))
        return rc;
    if (cursor && (strlen(cursor) > 1000 || !ubur_utf8_valid(cursor, strlen(cursor))))
        return ubur_error_field(err, UBUR_EINVAL, "cursor", "is not a cursor");
    if (limit < 1 || limit > UBUR_SYNC_PULL_MAX)
        limit = UBUR_SYNC_PULL_MAX;
    ubur_sync_cursor_get(cursor, "wl", wl, sizeof(wl));
    ubur_sync_cursor_get(cursor, "log", logv, sizeof(logv));
    if (ubur_sync_keyset_parse(wl, &wseq, wid, NULL) ||
        ubur_sync_keyset_parse(logv, &lseq, did, NULL))
        return ubur_error_field(err, UBUR_EINVAL, "cursor", "'%.60s' is not a sync cursor", cursor);
    (void)dummy;
    int64_t known = 0;
    if ((rc = ubur_store_query_int(ctx->store, err, &known,
                                   "SELECT COUNT(*) FROM sync_post WHERE id = ?", "t", post_id)))
        return rc;
    if (!known)
        return ubur_error_field(err, UBUR_ENOTFOUND, "post", "post '%s' is not registered",
                                post_id);
    now_text(now); /* before reading: the data is at least this fresh */
    json_t *changes = json_array();
    int64_t nseq = wseq;
    char nid[UBUR_UUID_LEN + 1];
    snprintf(nid, sizeof(nid), "%s", wid);
    if ((rc = sync_watchlist_changes(ctx, wseq, wid, limit, changes, &nseq, nid, err)))
        goto fail;
    bool more = (int)json_array_size(changes) >= limit;
    int room = limit - (int)json_array_size(changes);
    int64_t last_log = lseq;
    if (room > 0) {
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT seq, type, record_id FROM sync_changelog"
                                     " WHERE seq > ? ORDER BY seq LIMIT ?",
                                     &st, err)))
            goto fail;
        ubur_stmt_bind_int(st, 1, lseq);
        ubur_stmt_bind_int(st, 2, room);
        json_t *seen = json_object();
        json_t *todo = json_array();
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            const char *key = ubur_arena_printf(&ctx->arena, "%s:%s", ubur_stmt_text(st, 1),
                                                ubur_stmt_text(st, 2));
            last_log = ubur_stmt_int(st, 0);
            if (json_object_get(seen, key))
                continue;
            json_object_set_new(seen, key, json_true());
            json_array_append_new(todo, json_pack("{s:s, s:s}", "type", ubur_stmt_text(st, 1), "id",
                                                  ubur_stmt_text(st, 2)));
        }
        ubur_stmt_done(st);
        json_decref(seen);
        if ((int)json_array_size(todo) + (int)0 >= room)
            more = true;
        size_t i;
        json_t *c;
        json_array_foreach(todo, i, c)
        {
            if (rc < 0)
                break;
            const struct sync_down_type *dt = sync_down_type_find(sync_str(c, "type"));
            json_t *rec = NULL;
            if (!dt)
                continue;
            if ((rc = dt->snapshot(ctx, sync_str(c, "id"), &rec, err)))
                break;
            json_array_append_new(changes,
                                  json_pack("{s:s, s:s, s:o}", "type", dt->name, "id",
                                            sync_str(c, "id"), "record", rec ? rec : json_null()));
        }
        json_decref(todo);
        if (rc < 0)
            goto fail;
        rc = 0;
    }
    /* The next cursor. */
    char v[96];
    snprintf(v, sizeof(v), "%lld:%s", (long long)nseq, nid);
    if ((rc = ubur_sync_cursor_set(cursor, "wl", v, &tmp, err)))
        goto fail;
    snprintf(v, sizeof(v), "%lld", (long long)last_log);
    if ((rc = ubur_sync_cursor_set(tmp.s, "log", v, &next, err)))
        goto fail;
    *page = json_pack("{s:o, s:s, s:b, s:s}", "changes", changes, "cursor", next.s, "more", more,
                      "as_of", now);
    changes = NULL;
    /* Remember where the post is, for the status central shows. */
    if (!ubur_store_begin(ctx->store, NULL)) {
        if (ubur_store_run(ctx->store, NULL,
                           "UPDATE sync_post SET last_pull_at = ?, pull_cursor = ? WHERE id = ?",
                           "ttt", now, next.s, post_id) < 0 ||
            ubur_store_commit(ctx->store, NULL))
            ubur_store_rollback(ctx->store);
    }
    ubur_buf_release(&next);
    ubur_buf_release(&tmp);
    return 0;
fail:
    json_decref(changes);
    ubur_buf_release(&next);
    ubur_buf_release(&tmp);
    return rc;
}

/* ---- central: conflicts ---- */

static json_t *
conflict_row_json(struct ubur_stmt *st)
{
    json_t *ev = json_loads(ubur_stmt_text(st, 9), 0, NULL);
    json_t *central =
        ubur_stmt_is_null(st, 10) ? NULL : json_loads(ubur_stmt_text(st, 10), 0, NULL);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s?,"
                     " s:s?, s:s?}",
                     "id", ubur_stmt_text(st, 0), "post", ubur_stmt_text(st, 1), "seq",
                     (json_int_t)ubur_stmt_int(st, 2), "event_id", ubur_stmt_text(st, 3), "type",
                     ubur_stmt_text(st, 4), "op", ubur_stmt_text(st, 5), "record_id",
                     ubur_stmt_text(st, 6), "kind", ubur_stmt_text(st, 7), "detail",
                     ubur_stmt_text(st, 8), "event", ev ? ev : json_null(), "central_version",
                     central ? central : json_null(), "status", ubur_stmt_text(st, 11), "opened_at",
                     ubur_stmt_text(st, 12), "resolved_at", ubur_stmt_text(st, 13), "resolved_by",
                     ubur_stmt_text(st, 14), "resolution_note", ubur_stmt_text(st, 15));
}

#define CONFLICT_COLUMNS                                                                           \
    "id, post_id, seq, event_id, type, op, record_id, kind, detail, event, central_version,"       \
    " status, opened_at, resolved_at, resolved_by, resolution_note"

int
ubur_sync_conflicts(struct ubur_ctx *ctx, const char *status, int64_t limit, json_t **out,
                    struct ubur_error *err)
{
    struct ubur_stmt *st;
    if (status && strcmp(status, "open") && strcmp(status, "applied") &&
        strcmp(status, "discarded"))
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "'%.20s' is not open, applied or discarded", status);
    if (limit < 1 || limit > 1000)
        limit = 100;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT " CONFLICT_COLUMNS " FROM sync_conflict"
                                " WHERE (CAST(? AS TEXT) IS NULL OR status = ?)"
                                " ORDER BY opened_at DESC, id DESC LIMIT ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, status);
    ubur_stmt_bind_text(st, 2, status);
    ubur_stmt_bind_int(st, 3, limit);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(arr, conflict_row_json(st));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ubur_sync_conflict_resolve(struct ubur_ctx *ctx, const char *id, const char *action,
                           const char *note, struct ubur_error *err)
{
    struct ubur_stmt *st;
    char now[UBUR_TIME_LEN + 1];
    json_t *row = NULL;
    int rc;
    if (ctx->role != UBUR_ROLE_SUPERVISOR && ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only supervisors resolve sync conflicts");
    if (!action || (strcmp(action, "apply") && strcmp(action, "discard")))
        return ubur_error_field(err, UBUR_EINVAL, "action", "'%.20s' is not apply or discard",
                                action ? action : "");
    if (!note || !*note || strlen(note) > 500 || !ubur_utf8_valid(note, strlen(note)))
        return ubur_error_field(err, UBUR_EINVAL, "note",
                                "a note of 1 to 500 bytes saying why is required");
    if (!ubur_uuid_valid(id))
        return ubur_error_set(err, UBUR_ENOTFOUND, "no conflict '%.40s'", id ? id : "");
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = ubur_store_prepare(
             ctx->store, "SELECT " CONFLICT_COLUMNS " FROM sync_conflict WHERE id = ?", &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        row = conflict_row_json(st);
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    if (!row) {
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no conflict '%.40s'", id);
        goto out;
    }
    rc = 0;
    if (strcmp(sync_str(row, "status"), "open") != 0) {
        rc = ubur_error_set(err, UBUR_ECONFLICT, "conflict %s is %s already", id,
                            sync_str(row, "status"));
        goto out;
    }
    if (!strcmp(action, "apply")) {
        struct sync_event ev;
        json_t *raw = json_object_get(row, "event");
        if ((rc = parse_event(raw, 0, &ev, err)))
            goto out;
        ev.post_id = sync_str(row, "post");
        const struct sync_up_type *t = sync_up_type_find(ev.type);
        json_t *snap = NULL;
        if (!strcmp(ev.op, t->ops[0])) {
            if ((rc = t->snapshot(ctx, ev.record_id, &snap, err)))
                goto out;
            if (snap) {
                json_decref(snap);
                rc = ubur_error_set(err, UBUR_EUNPROC,
                                    "%s %s exists on central: it cannot be created again;"
                                    " correct it on central and discard this conflict",
                                    t->name, ev.record_id);
                goto out;
            }
        }
        if ((rc = apply_as_actor(ctx, t, &ev, err)))
            goto out;
    }
    now_text(now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE sync_conflict SET status = ?, resolved_at = ?,"
                               " resolved_by = ?, resolution_note = ? WHERE id = ?",
                               "ttttt", !strcmp(action, "apply") ? "applied" : "discarded", now,
                               ctx->username, note, id);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    json_t *d = json_pack("{s:s, s:s}", "action", action, "note", note);
    rc = ubur_audit(ctx, "sync.conflict.resolve", "sync_conflict", id, sync_dump(ctx, d), err);
    json_decref(d);
    if (!rc)
        rc = ubur_store_commit(ctx->store, err);
out:
    if (rc && ubur_store_in_tx(ctx->store))
        ubur_store_rollback(ctx->store);
    json_decref(row);
    return rc;
}

/* ---- status ---- */

static json_t *
direction_json(struct ubur_ctx *ctx, const char *direction, struct ubur_error *err, int *rc)
{
    struct ubur_stmt *st;
    *rc = ubur_store_prepare(ctx->store,
                             "SELECT last_success_at, last_attempt_at, failures, next_attempt_at,"
                             " last_error, data_as_of, records, cursor FROM sync_state"
                             " WHERE direction = ?",
                             &st, err);
    if (*rc)
        return NULL;
    ubur_stmt_bind_text(st, 1, direction);
    json_t *o = NULL;
    if ((*rc = ubur_stmt_step(st, err)) == 1) {
        o = json_pack("{s:s?, s:s?, s:I, s:s?, s:s?}", "last_success_at", ubur_stmt_text(st, 0),
                      "last_attempt_at", ubur_stmt_text(st, 1), "failures",
                      (json_int_t)ubur_stmt_int(st, 2), "next_attempt_at", ubur_stmt_text(st, 3),
                      "last_error", ubur_stmt_text(st, 4));
        if (!strcmp(direction, "pull")) {
            json_object_set_new(o, "data_as_of",
                                ubur_stmt_is_null(st, 5) ? json_null()
                                                         : json_string(ubur_stmt_text(st, 5)));
            json_object_set_new(o, "records", json_integer(ubur_stmt_int(st, 6)));
            json_object_set_new(o, "cursor",
                                ubur_stmt_is_null(st, 7) ? json_null()
                                                         : json_string(ubur_stmt_text(st, 7)));
        }
        *rc = 0;
    }
    ubur_stmt_done(st);
    return o;
}

int
ubur_sync_status(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int rc = 0;
    now_text(now);
    *out = NULL;
    if (ubur_sync_is_post(ctx)) {
        json_t *push = direction_json(ctx, "push", err, &rc);
        json_t *pull = rc ? NULL : direction_json(ctx, "pull", err, &rc);
        int64_t pending = 0, sent = 0, conflicts = 0;
        char *oldest = NULL;
        if (!rc)
            rc =
                ubur_store_query_int(ctx->store, err, &pending,
                                     "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL", "");
        if (!rc)
            rc = ubur_store_query_int(ctx->store, err, &sent,
                                      "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NOT NULL",
                                      "");
        if (!rc)
            rc = ubur_store_query_int(ctx->store, err, &conflicts,
                                      "SELECT COUNT(*) FROM sync_outbox WHERE result = 'conflict'",
                                      "");
        if (!rc) {
            int q = ubur_store_query_text(ctx->store, NULL, &oldest,
                                          "SELECT MIN(created_at) FROM sync_outbox"
                                          " WHERE acked_at IS NULL",
                                          "");
            if (q)
                oldest = NULL;
        }
        if (rc) {
            json_decref(push);
            json_decref(pull);
            free(oldest);
            return rc;
        }
        json_t *age = json_null();
        const char *as_of = sync_str(pull, "data_as_of");
        int64_t t;
        if (as_of && !ubur_time_parse(as_of, &t, NULL))
            age = json_integer((json_int_t)(ubur_now() - t));
        *out = json_pack("{s:s, s:s?, s:s?, s:s, s:o, s:o, s:o, s:{s:I, s:I, s:s?, s:I}}", "role",
                         "post", "post_id", ubur_setting(ctx, "sync.post_id", NULL), "central_url",
                         ubur_setting(ctx, "sync.central_url", NULL), "now", now, "push", push,
                         "pull", pull, "data_age_seconds", age, "outbox", "pending",
                         (json_int_t)pending, "acknowledged", (json_int_t)sent, "oldest_pending_at",
                         oldest, "conflicts", (json_int_t)conflicts);
        free(oldest);
        return 0;
    }
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, name, applied_seq, last_push_at, last_pull_at,"
                                 " (SELECT COUNT(*) FROM sync_conflict c WHERE c.post_id = p.id"
                                 "  AND c.status = 'open') AS open_conflicts"
                                 " FROM sync_post p ORDER BY id",
                                 &st, err)))
        return rc;
    json_t *posts = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *p =
            json_pack("{s:s, s:s?, s:I, s:s?, s:s?, s:I}", "id", ubur_stmt_text(st, 0), "name",
                      ubur_stmt_text(st, 1), "applied_seq", (json_int_t)ubur_stmt_int(st, 2),
                      "last_push_at", ubur_stmt_text(st, 3), "last_pull_at", ubur_stmt_text(st, 4),
                      "open_conflicts", (json_int_t)ubur_stmt_int(st, 5));
        const char *seen = ubur_stmt_text(st, 3), *pulled = ubur_stmt_text(st, 4);
        const char *last = !seen                      ? pulled
                           : !pulled                  ? seen
                           : strcmp(seen, pulled) > 0 ? seen
                                                      : pulled;
        int64_t t;
        json_object_set_new(p, "last_seen_seconds",
                            last && !ubur_time_parse(last, &t, NULL)
                                ? json_integer((json_int_t)(ubur_now() - t))
                                : json_null());
        json_array_append_new(posts, p);
    }
    ubur_stmt_done(st);
    int64_t open = 0, logseq = 0;
    if (rc >= 0)
        rc = ubur_store_query_int(ctx->store, err, &open,
                                  "SELECT COUNT(*) FROM sync_conflict WHERE status = 'open'", "");
    if (rc >= 0)
        rc = ubur_store_query_int(ctx->store, err, &logseq,
                                  "SELECT COALESCE(MAX(seq), 0) FROM sync_changelog", "");
    if (rc < 0) {
        json_decref(posts);
        return rc;
    }
    *out = json_pack("{s:s, s:s, s:o, s:I, s:I}", "role", "central", "now", now, "posts", posts,
                     "open_conflicts", (json_int_t)open, "change_log_seq", (json_int_t)logseq);
    return 0;
}

/* ---- generic replica rows ---- */

int
sync_row_json(struct ubur_ctx *ctx, const char *table, const char *key_col, const char *key,
              json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    char *sql = ubur_arena_printf(&ctx->arena, "SELECT * FROM %s WHERE %s = ?", table, key_col);
    *out = NULL;
    int rc = ubur_store_prepare_dynamic(ctx->store, sql, &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, key);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        json_t *o = json_object();
        for (int i = 0; i < ubur_stmt_columns(st); i++)
            json_object_set_new(o, ubur_stmt_column_name(st, i),
                                ubur_stmt_is_null(st, i) ? json_null()
                                                         : json_string(ubur_stmt_text(st, i)));
        *out = o;
        rc = 0;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* Compares a stored row (as sync_row_json reads it) with an incoming one on the incoming keys. */
static bool
row_same(json_t *have, json_t *want)
{
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v)
    {
        json_t *h = json_object_get(have, k);
        if (!h)
            continue; /* a column this post's schema does not have */
        if (json_is_null(v) != json_is_null(h))
            return false;
        if (!json_is_null(v) && strcmp(json_string_value(h) ? json_string_value(h) : "",
                                       json_string_value(v) ? json_string_value(v) : ""))
            return false;
    }
    return true;
}

int
sync_row_upsert(struct ubur_ctx *ctx, const char *table, const char *key_col, json_t *row,
                bool *changed, struct ubur_error *err)
{
    const char *key = sync_str(row, key_col);
    json_t *have = NULL;
    *changed = false;
    if (!key)
        return ubur_error_set(err, UBUR_EUNPROC, "%s row without %s", table, key_col);
    int rc = sync_row_json(ctx, table, key_col, key, &have, err);
    if (rc)
        return rc;
    bool update = have != NULL;
    bool same = have && row_same(have, row);
    json_decref(have);
    if (same)
        return 0;
    /* The local table's columns: only those are written (names never come from the network). */
    struct ubur_stmt *st;
    char *probe = ubur_arena_printf(&ctx->arena, "SELECT * FROM %s WHERE 1 = 0", table);
    if ((rc = ubur_store_prepare_dynamic(ctx->store, probe, &st, err)))
        return rc;
    int ncols = ubur_stmt_columns(st);
    const char **cols = ubur_arena_alloc(&ctx->arena, sizeof(char *) * (size_t)(ncols + 1));
    int nc = 0;
    for (int i = 0; i < ncols; i++) {
        const char *c = ubur_stmt_column_name(st, i);
        json_t *v = json_object_get(row, c);
        if (v && (json_is_null(v) || json_is_string(v)) && (!update || strcmp(c, key_col)))
            cols[nc++] = ubur_arena_strdup(&ctx->arena, c);
    }
    ubur_stmt_done(st);
    struct ubur_buf sql = UBUR_BUF_INIT;
    if (update) {
        ubur_buf_addf(&sql, "UPDATE %s SET ", table);
        for (int i = 0; i < nc; i++)
            ubur_buf_addf(&sql, "%s%s = ?", i ? ", " : "", cols[i]);
        ubur_buf_addf(&sql, " WHERE %s = ?", key_col);
    } else {
        ubur_buf_addf(&sql, "INSERT INTO %s (", table);
        for (int i = 0; i < nc; i++)
            ubur_buf_addf(&sql, "%s%s", i ? ", " : "", cols[i]);
        ubur_buf_adds(&sql, ") VALUES (");
        for (int i = 0; i < nc; i++)
            ubur_buf_adds(&sql, i ? ", ?" : "?");
        ubur_buf_adds(&sql, ")");
    }
    if (update && nc == 0) {
        ubur_buf_release(&sql);
        return 0;
    }
    rc = ubur_store_prepare_dynamic(ctx->store, sql.s, &st, err);
    ubur_buf_release(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < nc; i++)
        ubur_stmt_bind_text(st, i + 1, json_string_value(json_object_get(row, cols[i])));
    if (update)
        ubur_stmt_bind_text(st, nc + 1, key);
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    *changed = true;
    return 0;
}
