/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Users and sessions: see include/ubur/users.h. Lockout: after 5 failed
 * logins in a row an account is locked for 30 s, doubling with each further
 * failure up to an hour; a successful login resets the count. Sessions
 * expire 12 hours after login and after 30 minutes without use
 * (settings session.max_seconds, session.idle_seconds).
 *
 * Validated sessions are cached in memory for SESSION_CACHE_SECONDS, keyed
 * by the token's SHA-256, so a busy client is not looked up in the store on
 * every request. Invariant: a cached entry is used only while the cache's
 * epoch is the one read before that entry's store lookup began; logout, a
 * password change and a lockout bump the epoch after their commit, so no
 * session they end is honoured from the cache afterwards, even one a
 * concurrent request was reading meanwhile. Sessions ended by another
 * process (the CLI, a second server on the same PostgreSQL) are honoured at
 * most SESSION_CACHE_SECONDS longer.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/users.h"
#include "ubur/banned.h"

#define LOCK_AFTER 5
#define LOCK_BASE_SECONDS 30
#define LOCK_MAX_SECONDS 3600
#define SESSION_MAX_SECONDS (12 * 3600)
#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_CACHE_SECONDS 5
#define SESSION_CACHE_SLOTS 256 /* direct-mapped by the token hash */

struct cached_session {
    char th[65]; /* "" when the slot is empty */
    uint64_t epoch;
    int64_t checked; /* when the store confirmed the session */
    int64_t expires; /* the session's own expiry */
    struct ubur_session sess;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_session cache[SESSION_CACHE_SLOTS];
static uint64_t cache_epoch = 1;

static unsigned
cache_slot(const char th[65])
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (unsigned)(th[i] <= '9' ? th[i] - '0' : th[i] - 'a' + 10);
    return v % SESSION_CACHE_SLOTS;
}

static uint64_t
cache_epoch_now(void)
{
    pthread_mutex_lock(&cache_lock);
    uint64_t e = cache_epoch;
    pthread_mutex_unlock(&cache_lock);
    return e;
}

/* A fresh cached session for th at t, copied to *sess; false when none. */
static bool
cache_get(const char th[65], int64_t t, struct ubur_session *sess)
{
    bool hit = false;
    pthread_mutex_lock(&cache_lock);
    struct cached_session *c = &cache[cache_slot(th)];
    if (c->th[0] && c->epoch == cache_epoch && !strcmp(c->th, th) && t < c->expires &&
        t - c->checked < SESSION_CACHE_SECONDS && t >= c->checked) {
        *sess = c->sess;
        hit = true;
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void
cache_put(const char th[65], uint64_t epoch, int64_t t, const struct ubur_session *sess)
{
    int64_t expires;
    if (ubur_time_parse(sess->expires_at, &expires, NULL))
        return;
    pthread_mutex_lock(&cache_lock);
    if (epoch == cache_epoch) {
        struct cached_session *c = &cache[cache_slot(th)];
        memcpy(c->th, th, sizeof(c->th));
        c->epoch = epoch;
        c->checked = t;
        c->expires = expires;
        c->sess = *sess;
    }
    pthread_mutex_unlock(&cache_lock);
}

void
ubur_session_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    cache_epoch++;
    pthread_mutex_unlock(&cache_lock);
}

void
ubur_password_generate(char out[UBUR_PASSWORD_MAX + 1])
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[20] = '\0';
}

static void
token_hash(const char *token, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, d, sizeof(d));
}

static void
random_hex(char out[UBUR_TOKEN_LEN + 1])
{
    unsigned char raw[UBUR_TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, UBUR_TOKEN_LEN + 1, raw, sizeof(raw));
}

static int
check_username(const char *u, struct ubur_error *err)
{
    size_t n = u ? strlen(u) : 0;
    if (n < 2 || n > UBUR_USERNAME_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "username", "must be 2 to %d characters",
                                UBUR_USERNAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return ubur_error_field(err, UBUR_EINVAL, "username",
                                    "'%s' may hold only a-z, 0-9, '.', '_' and '-'", u);
    }
    return 0;
}

static int
hash_password(const char *password, char out[crypto_pwhash_STRBYTES], struct ubur_error *err)
{
    size_t n = strlen(password);
    if (n < UBUR_PASSWORD_MIN || n > UBUR_PASSWORD_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "password", "must be %d to %d characters",
                                UBUR_PASSWORD_MIN, UBUR_PASSWORD_MAX);
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return ubur_error_set(err, UBUR_ECRYPTO, "cannot hash password (out of memory?)");
    return 0;
}

int
ubur_user_add(struct ubur_ctx *ctx, const char *username, const char *role_name,
              const char *password, char *generated, char *id_out, struct ubur_error *err)
{
    char hash[crypto_pwhash_STRBYTES], id[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
    int rc;

    if ((rc = check_username(username, err)))
        return rc;
    if (!ubur_role_from_name(role_name))
        return ubur_error_field(err, UBUR_EINVAL, "role",
                                "unknown role '%s' (admin, supervisor, border_officer, "
                                "consular_officer, registration_officer, analyst, sync_post)",
                                role_name ? role_name : "");
    if (!password) {
        ubur_password_generate(generated);
        password = generated;
    }
    if ((rc = hash_password(password, hash, err)))
        return rc;
    ubur_uuid7(id);
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO users (id, username, role, password_hash, state,"
                               " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT (username) DO NOTHING",
                               "ttttttt", id, username, role_name, hash, ctx->state, now, now);
    if (n == 0)
        rc =
            ubur_error_field(err, UBUR_ECONFLICT, "username", "user '%s' already exists", username);
    else if (n < 0)
        rc = (int)n;
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof(detail), "{\"username\":\"%s\",\"role\":\"%s\"}", username,
                 role_name);
        rc = ubur_audit(ctx, "user.create", "user", id, detail, err);
    }
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    if (id_out)
        memcpy(id_out, id, sizeof(id));
    return 0;
}

/*
 * The end of a change that ends sessions, inside its open transaction (rc:
 * how the change went so far): deletes the sessions `delete_sql` selects by
 * `key`, audits `action` on user `user_id`, commits and empties the session
 * cache, so no ended session is served from memory either; rolls back
 * instead when anything failed. A password or role change ends all of a
 * user's sessions, a logout one.
 */
static int
sessions_end(struct ubur_ctx *ctx, int rc, const char *delete_sql, const char *key,
             const char *action, const char *user_id, const char *detail, struct ubur_error *err)
{
    if (!rc) {
        int64_t n = ubur_store_run(ctx->store, err, delete_sql, "t", key);
        if (n < 0)
            rc = (int)n;
    }
    if (!rc)
        rc = ubur_audit(ctx, action, "user", user_id, detail, err);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    rc = ubur_store_commit(ctx->store, err);
    ubur_session_cache_clear();
    return rc;
}

/* The end of a change to a user's account: all the user's sessions end. */
static int
user_change_end(struct ubur_ctx *ctx, int rc, const char *id, const char *action,
                const char *detail, struct ubur_error *err)
{
    return sessions_end(ctx, rc, "DELETE FROM sessions WHERE user_id = ?", id, action, id, detail,
                        err);
}

int
ubur_user_set_password(struct ubur_ctx *ctx, const char *username, const char *password,
                       char *generated, struct ubur_error *err)
{
    char hash[crypto_pwhash_STRBYTES], now[UBUR_TIME_LEN + 1];
    char *id = NULL;
    int rc;

    if (!password) {
        ubur_password_generate(generated);
        password = generated;
    }
    if ((rc = hash_password(password, hash, err)))
        return rc;
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    rc = ubur_store_query_text(ctx->store, err, &id, "SELECT id FROM users WHERE username = ?", "t",
                               username);
    if (rc == UBUR_ENOTFOUND)
        rc = ubur_error_field(err, UBUR_ENOTFOUND, "username", "no user '%s'", username);
    int64_t n = 0;
    if (!rc)
        n = ubur_store_run(ctx->store, err,
                           "UPDATE users SET password_hash = ?, failed_logins = 0,"
                           " locked_until = NULL, updated_at = ? WHERE id = ?",
                           "ttt", hash, now, id);
    if (!rc && n < 0)
        rc = (int)n;
    rc = user_change_end(ctx, rc, id, "user.password", NULL, err);
    free(id);
    return rc;
}

int
ubur_user_update(struct ubur_ctx *ctx, const char *username, const char *role_name, int disabled,
                 struct ubur_error *err)
{
    struct ubur_stmt *st;
    char id[UBUR_UUID_LEN + 1] = "", old_role[32] = "", now[UBUR_TIME_LEN + 1];
    int64_t old_disabled = 0, admins = 0;
    int rc;

    if (role_name && !ubur_role_from_name(role_name))
        return ubur_error_field(err, UBUR_EINVAL, "role",
                                "unknown role '%s' (admin, supervisor, border_officer, "
                                "consular_officer, registration_officer, analyst, sync_post)",
                                role_name);
    if (!role_name && disabled < 0)
        return ubur_error_set(err, UBUR_EINVAL, "nothing to change: give a role or disabled");
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    rc = ubur_store_prepare(ctx->store, "SELECT id, role, disabled FROM users WHERE username = ?",
                            &st, err);
    if (!rc) {
        ubur_stmt_bind_text(st, 1, username);
        int r = ubur_stmt_step(st, err);
        if (r == 1) {
            snprintf(id, sizeof(id), "%s", ubur_stmt_text(st, 0));
            snprintf(old_role, sizeof(old_role), "%s", ubur_stmt_text(st, 1));
            old_disabled = ubur_stmt_int(st, 2);
        } else if (r < 0)
            rc = r;
        ubur_stmt_done(st);
    }
    if (!rc && !id[0])
        rc = ubur_error_field(err, UBUR_ENOTFOUND, "username", "no user '%s'", username);
    if (!role_name)
        role_name = old_role;
    if (disabled < 0)
        disabled = (int)old_disabled;
    bool loses_admin = !strcmp(old_role, "admin") && !old_disabled &&
                       (strcmp(role_name, "admin") != 0 || disabled);
    if (!rc && loses_admin) {
        rc = ubur_store_query_int(ctx->store, err, &admins,
                                  "SELECT count(*) FROM users WHERE role = 'admin'"
                                  " AND disabled = 0",
                                  "");
        if (!rc && admins <= 1)
            rc = ubur_error_field(err, UBUR_ECONFLICT, disabled ? "disabled" : "role",
                                  "'%s' is the last enabled admin", username);
    }
    int64_t n = 0;
    if (!rc)
        n = ubur_store_run(ctx->store, err,
                           "UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?",
                           "titt", role_name, (int64_t)disabled, now, id);
    if (!rc && n < 0)
        rc = (int)n;
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"role\":[\"%s\",\"%s\"],\"disabled\":[%s,%s]}", old_role,
             role_name, old_disabled ? "true" : "false", disabled ? "true" : "false");
    return user_change_end(ctx, rc, id, "user.update", detail, err);
}

int
ubur_user_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, username, role, state, disabled, created_at"
                                " FROM users ORDER BY username",
                                &st, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s}", "id", ubur_stmt_text(st, 0),
                           "username", ubur_stmt_text(st, 1), "role", ubur_stmt_text(st, 2),
                           "state", ubur_stmt_text(st, 3), "disabled", (int)ubur_stmt_int(st, 4),
                           "created_at", ubur_stmt_text(st, 5)));
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ubur_user_count(struct ubur_ctx *ctx, int64_t *n, struct ubur_error *err)
{
    return ubur_store_query_int(ctx->store, err, n, "SELECT COUNT(*) FROM users", "");
}

/* Records a failed login and locks the account when the backoff says so; commits. */
static void
login_failed(struct ubur_ctx *ctx, const char *user_id, int64_t failures)
{
    char until[UBUR_TIME_LEN + 1], *lock = NULL;
    if (user_id && failures >= LOCK_AFTER) {
        int64_t secs = LOCK_BASE_SECONDS;
        for (int64_t i = LOCK_AFTER; i < failures && secs < LOCK_MAX_SECONDS; i++)
            secs *= 2;
        if (secs > LOCK_MAX_SECONDS)
            secs = LOCK_MAX_SECONDS;
        ubur_time_format(ubur_now() + secs, until);
        lock = until;
    }
    if (user_id)
        ubur_store_run(ctx->store, NULL,
                       "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", "itt",
                       failures, lock, user_id);
    ubur_audit(ctx, "session.login_failed", "user", user_id, NULL, NULL);
    ubur_store_commit(ctx->store, NULL);
    if (lock)
        ubur_session_cache_clear(); /* a locked account's sessions are looked up afresh */
}

int
ubur_session_login(struct ubur_ctx *ctx, const char *username, const char *password,
                   char token[UBUR_TOKEN_LEN + 1], struct ubur_session *sess,
                   struct ubur_error *err)
{
    struct ubur_stmt *st = NULL;
    char hash[crypto_pwhash_STRBYTES] = "", id[UBUR_UUID_LEN + 1] = "", th[65];
    char now[UBUR_TIME_LEN + 1], expires[UBUR_TIME_LEN + 1];
    char locked_until[UBUR_TIME_LEN + 1] = "";
    int64_t failures = 0, disabled = 0, t = ubur_now();
    int rc;

    if (!username || !password || strlen(username) > UBUR_USERNAME_MAX ||
        strlen(password) > UBUR_PASSWORD_MAX)
        return ubur_error_set(err, UBUR_EAUTH, "wrong username or password");
    memset(sess, 0, sizeof(*sess));
    rc = ubur_store_prepare(ctx->store,
                            "SELECT id, password_hash, role, state, disabled, failed_logins,"
                            " locked_until FROM users WHERE username = ?",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, username);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(id, sizeof(id), "%s", ubur_stmt_text(st, 0));
        snprintf(hash, sizeof(hash), "%s", ubur_stmt_text(st, 1));
        sess->role = ubur_role_from_name(ubur_stmt_text(st, 2));
        snprintf(sess->state, sizeof(sess->state), "%s",
                 ubur_stmt_is_null(st, 3) ? "" : ubur_stmt_text(st, 3));
        disabled = ubur_stmt_int(st, 4);
        failures = ubur_stmt_int(st, 5);
        if (!ubur_stmt_is_null(st, 6))
            snprintf(locked_until, sizeof(locked_until), "%s", ubur_stmt_text(st, 6));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;

    ubur_time_format(t, now);
    if (locked_until[0] && strcmp(locked_until, now) > 0)
        return ubur_error_set(err, UBUR_ELIMIT, "too many failed logins; account locked until %s",
                              locked_until);
    /* Verify even for unknown users so timing does not reveal which names exist. */
    static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                                "9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
    bool ok = crypto_pwhash_str_verify(id[0] ? hash : dummy, password, strlen(password)) == 0;
    ctx->user_id = id[0] ? ubur_arena_strdup(&ctx->arena, id) : NULL;
    if (!ctx->username)
        ctx->username = ubur_arena_strdup(&ctx->arena, username);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if (!ok || disabled || !id[0]) {
        login_failed(ctx, id[0] ? id : NULL, failures + 1);
        return ubur_error_set(err, UBUR_EAUTH, "wrong username or password");
    }
    random_hex(token);
    random_hex(sess->csrf);
    token_hash(token, th);
    ubur_time_format(t + SESSION_MAX_SECONDS, expires);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE users SET failed_logins = 0, locked_until = NULL"
                               " WHERE id = ?",
                               "t", id);
    if (n >= 0)
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO sessions (token_hash, user_id, csrf, created_at,"
                           " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                           "tttttt", th, id, sess->csrf, now, now, expires);
    if (n >= 0)
        n = ubur_store_run(ctx->store, err, "DELETE FROM sessions WHERE expires_at < ?", "t", now);
    if (n < 0) {
        ubur_store_rollback(ctx->store);
        return (int)n;
    }
    ctx->role = sess->role;
    if ((rc = ubur_audit(ctx, "session.login", "user", id, NULL, err))) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    snprintf(sess->user_id, sizeof(sess->user_id), "%s", id);
    snprintf(sess->username, sizeof(sess->username), "%s", username);
    snprintf(sess->expires_at, sizeof(sess->expires_at), "%s", expires);
    return 0;
}

int
ubur_session_check(struct ubur_store *store, const char *token, struct ubur_session *sess,
                   struct ubur_error *err)
{
    char th[65], now[UBUR_TIME_LEN + 1], idle[UBUR_TIME_LEN + 1], touch[UBUR_TIME_LEN + 1];
    struct ubur_stmt *st;
    int64_t t = ubur_now();
    int rc;

    if (!token || strlen(token) != UBUR_TOKEN_LEN)
        return ubur_error_set(err, UBUR_EAUTH, "invalid or expired session");
    token_hash(token, th);
    if (cache_get(th, t, sess))
        return 0;
    uint64_t epoch = cache_epoch_now();
    ubur_time_format(t, now);
    ubur_time_format(t - SESSION_IDLE_SECONDS, idle);
    rc = ubur_store_prepare(store,
                            "SELECT u.id, u.username, u.role, u.state, s.csrf, s.expires_at,"
                            " s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id"
                            " WHERE s.token_hash = ? AND s.expires_at > ? AND"
                            " s.last_seen_at > ? AND u.disabled = 0",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, th);
    ubur_stmt_bind_text(st, 2, now);
    ubur_stmt_bind_text(st, 3, idle);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(sess->user_id, sizeof(sess->user_id), "%s", ubur_stmt_text(st, 0));
        snprintf(sess->username, sizeof(sess->username), "%s", ubur_stmt_text(st, 1));
        sess->role = ubur_role_from_name(ubur_stmt_text(st, 2));
        snprintf(sess->state, sizeof(sess->state), "%s",
                 ubur_stmt_is_null(st, 3) ? "" : ubur_stmt_text(st, 3));
        snprintf(sess->csrf, sizeof(sess->csrf), "%s", ubur_stmt_text(st, 4));
        snprintf(sess->expires_at, sizeof(sess->expires_at), "%s", ubur_stmt_text(st, 5));
        snprintf(touch, sizeof(touch), "%s", ubur_stmt_text(st, 6));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ubur_error_set(err, UBUR_EAUTH, "invalid or expired session");
    /* Record use at most once a minute: a write per request would serialise readers. */
    ubur_time_format(t - 60, idle);
    if (strcmp(touch, idle) < 0)
        ubur_store_run(store, NULL, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                       "tt", now, th);
    cache_put(th, epoch, t, sess);
    return 0;
}

int
ubur_session_logout(struct ubur_ctx *ctx, const char *token, struct ubur_error *err)
{
    char th[65];
    int rc;
    token_hash(token ? token : "", th);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    return sessions_end(ctx, 0, "DELETE FROM sessions WHERE token_hash = ?", th, "session.logout",
                        ctx->user_id, NULL, err);
}
