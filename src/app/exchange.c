/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exchange services: the instance's key, partners, agreements, and the
 * export and import of signed packages (see include/ubur/exchange.h).
 * Export takes, per allowed record type, the records changed since the
 * type's cursor, strips every field the agreement does not allow (data
 * minimisation), signs, and stores the package before handing it out.
 * Import verifies the signature against the signer's registered key, checks
 * the addressee and the sequence, and applies all records in one
 * transaction with the package's row, so a package is applied exactly once
 * or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ubur/exchange.h"
#include "ubur/banned.h"

static const char *
key_file(struct ubur_ctx *ctx)
{
    const char *f = getenv("UBUR_EXCHANGE_KEY");
    if (f && *f)
        return f;
    return ubur_setting(ctx, "exchange.key_file", "ubur-exchange.key");
}

static bool
valid_state(const char *s)
{
    return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

int
ubur_exchange_own_key(struct ubur_ctx *ctx, bool create, char pk_hex[UBUR_EXCHANGE_PK_HEX + 1],
                      char sk_hex[UBUR_EXCHANGE_SK_HEX + 1], struct ubur_error *err)
{
    const char *path = key_file(ctx);
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT || !create)
            return ubur_error_set(err, UBUR_EIO, "cannot read the exchange key '%s': %s", path,
                                  strerror(errno));
        ubur_exchange_keypair(pk_hex, sk_hex);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        if (fd < 0)
            return ubur_error_set(err, UBUR_EIO, "cannot create '%s': %s", path, strerror(errno));
        int n = snprintf(line, sizeof(line), "ubur-exchange-secret-key ed25519 %s %s\n", pk_hex,
                         sk_hex);
        bool ok = write(fd, line, (size_t)n) == n;
        close(fd);
        sodium_memzero(line, sizeof(line));
        if (!ok)
            return ubur_error_set(err, UBUR_EIO, "cannot write '%s'", path);
        return 0;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "ubur: warning: %s is readable by others; chmod 600 it\n", path);
    char pk[130] = "", sk[260] = "";
    bool ok = fgets(line, sizeof(line), f) &&
              sscanf(line, "ubur-exchange-secret-key ed25519 %129s %259s", pk, sk) == 2 &&
              strlen(pk) == UBUR_EXCHANGE_PK_HEX && strlen(sk) == UBUR_EXCHANGE_SK_HEX;
    fclose(f);
    sodium_memzero(line, sizeof(line));
    if (!ok)
        return ubur_error_set(err, UBUR_EINVAL, "'%s' is not an ubur exchange key file", path);
    memcpy(pk_hex, pk, UBUR_EXCHANGE_PK_HEX + 1);
    memcpy(sk_hex, sk, UBUR_EXCHANGE_SK_HEX + 1);
    sodium_memzero(sk, sizeof(sk));
    return 0;
}

int
ubur_exchange_partner_add(struct ubur_ctx *ctx, const char *state, const char *key_text,
                          struct ubur_error *err)
{
    char who[8] = "", pk[130] = "", now[UBUR_TIME_LEN + 1];
    int rc;
    if (!valid_state(state))
        return ubur_error_field(err, UBUR_EINVAL, "state", "'%s' is not an ISO 3166 alpha-3 code",
                                state ? state : "");
    if (ctx->state && !strcmp(state, ctx->state))
        return ubur_error_field(err, UBUR_EINVAL, "state", "%s is this instance's own state",
                                state);
    if (!key_text || sscanf(key_text, "ubur-exchange-public-key %7s ed25519 %129s", who, pk) != 2 ||
        strlen(pk) != UBUR_EXCHANGE_PK_HEX || strspn(pk, "0123456789abcdef") != strlen(pk))
        return ubur_error_field(err, UBUR_EINVAL, "key",
                                "not an ubur exchange public key (from `ubur exchange key`)");
    if (strcmp(who, state) != 0)
        return ubur_error_field(err, UBUR_EINVAL, "key", "the key file is %s's, not %s's", who,
                                state);
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t n =
        ubur_store_run(ctx->store, err,
                       "INSERT INTO exchange_partner (state, public_key, added_at, added_by)"
                       " VALUES (?, ?, ?, ?) ON CONFLICT (state) DO UPDATE SET"
                       " public_key = excluded.public_key, added_at = excluded.added_at,"
                       " added_by = excluded.added_by",
                       "tttt", state, pk, now, ctx->username);
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"public_key\":\"%s\"}", pk);
    rc = n < 0 ? (int)n
               : ubur_audit(ctx, "exchange.partner", "exchange_partner", state, detail, err);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

static const struct ubur_exchange_type *
find_type(const char *name, size_t len)
{
    for (const struct ubur_exchange_type *t = ubur_exchange_types; t->name; t++)
        if (strlen(t->name) == len && !strncmp(t->name, name, len))
            return t;
    return NULL;
}

static bool
type_has_field(const struct ubur_exchange_type *t, const char *f, size_t len)
{
    for (const char *const *p = t->fields; *p; p++)
        if (strlen(*p) == len && !strncmp(*p, f, len))
            return true;
    return false;
}

int
ubur_exchange_agreement_set(struct ubur_ctx *ctx, const char *state, const char *allow,
                            const char *fields, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int64_t known = 0;
    int rc;
    if ((rc = ubur_store_query_int(ctx->store, err, &known,
                                   "SELECT COUNT(*) FROM exchange_partner WHERE state = ?", "t",
                                   state ? state : "")))
        return rc;
    if (!known)
        return ubur_error_field(err, UBUR_ENOTFOUND, "state",
                                "no partner %s: register its key first", state ? state : "");
    /* Validate everything before writing anything. */
    for (const char *p = allow ? allow : ""; *p;) {
        size_t len = strcspn(p, ",");
        if (len && !find_type(p, len))
            return ubur_error_field(err, UBUR_EINVAL, "allow",
                                    "unknown record type '%.*s' (watchlist, revocations, "
                                    "movements)",
                                    (int)len, p);
        p += len + (p[len] == ',');
    }
    for (const char *p = fields ? fields : ""; *p;) {
        size_t len = strcspn(p, ","), tl = strcspn(p, ":");
        if (tl >= len)
            return ubur_error_field(err, UBUR_EINVAL, "fields", "'%.*s' is not TYPE:FIELD+FIELD",
                                    (int)len, p);
        const struct ubur_exchange_type *t = find_type(p, tl);
        if (!t)
            return ubur_error_field(err, UBUR_EINVAL, "fields", "unknown record type '%.*s'",
                                    (int)tl, p);
        for (const char *f = p + tl + 1; f < p + len;) {
            size_t fl = strcspn(f, "+,");
            if (f + fl > p + len)
                fl = (size_t)(p + len - f);
            if (!type_has_field(t, f, fl))
                return ubur_error_field(err, UBUR_EINVAL, "fields",
                                        "%s records have no shareable field '%.*s'", t->name,
                                        (int)fl, f);
            f += fl + (f[fl] == '+');
        }
        p += len + (p[len] == ',');
    }
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t n = ubur_store_run(ctx->store, err, "DELETE FROM exchange_agreement WHERE state = ?",
                               "t", state);
    for (const char *p = allow ? allow : ""; n >= 0 && *p;) {
        size_t len = strcspn(p, ",");
        char type[32] = "", *flist = NULL;
        snprintf(type, sizeof(type), "%.*s", (int)len, p);
        for (const char *q = fields ? fields : ""; *q;) {
            size_t ql = strcspn(q, ","), tl = strcspn(q, ":");
            if (tl == strlen(type) && !strncmp(q, type, tl))
                flist = ubur_arena_strndup(&ctx->arena, q + tl + 1, ql - tl - 1);
            q += ql + (q[ql] == ',');
        }
        if (len)
            n = ubur_store_run(ctx->store, err,
                               "INSERT INTO exchange_agreement (state, record_type, fields,"
                               " updated_at) VALUES (?, ?, ?, ?)",
                               "tttt", state, type, flist, now);
        p += len + (p[len] == ',');
    }
    char *detail = ubur_arena_printf(&ctx->arena, "{\"allow\":\"%s\"}", allow ? allow : "");
    rc = n < 0 ? (int)n
               : ubur_audit(ctx, "exchange.agreement", "exchange_partner", state, detail, err);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

int
ubur_exchange_partners(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT p.state, p.public_key, p.added_at,"
        " (SELECT COALESCE(MAX(seq), 0) FROM exchange_package WHERE direction = 'out'"
        "  AND state = p.state),"
        " (SELECT COALESCE(MAX(seq), 0) FROM exchange_package WHERE direction = 'in'"
        "  AND state = p.state)"
        " FROM exchange_partner p ORDER BY p.state",
        &st, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "state", ubur_stmt_text(st, 0),
                           "public_key", ubur_stmt_text(st, 1), "added_at", ubur_stmt_text(st, 2),
                           "sent_seq", (json_int_t)ubur_stmt_int(st, 3), "received_seq",
                           (json_int_t)ubur_stmt_int(st, 4), "agreement", json_object()));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        rc = ubur_store_prepare(ctx->store,
                                "SELECT record_type, fields FROM exchange_agreement"
                                " WHERE state = ? ORDER BY record_type",
                                &st, err);
        if (rc)
            goto fail;
        ubur_stmt_bind_text(st, 1, json_string_value(json_object_get(p, "state")));
        json_t *ag = json_object_get(p, "agreement");
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            const char *f = ubur_stmt_text(st, 1);
            json_object_set_new(ag, ubur_stmt_text(st, 0), f ? json_string(f) : json_string("*"));
        }
        ubur_stmt_done(st);
        if (rc < 0)
            goto fail;
    }
    *out = arr;
    return 0;
fail:
    json_decref(arr);
    return rc;
}

/* Keeps only "id" and the allowed fields ("+"-separated, NULL = every shareable field). */
static void
minimise(const struct ubur_exchange_type *t, const char *allowed, json_t *rec)
{
    const char *key;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(rec, tmp, key, val)
    {
        bool keep = !strcmp(key, "id");
        if (!keep && type_has_field(t, key, strlen(key))) {
            keep = !allowed;
            for (const char *p = allowed; p && *p && !keep;) {
                size_t l = strcspn(p, "+");
                keep = l == strlen(key) && !strncmp(p, key, l);
                p += l + (p[l] == '+');
            }
        }
        if (!keep)
            json_object_del(rec, key);
    }
}

/* The cursor is "type=value;type=value"; returns the value for type (arena) or NULL. */
static const char *
cursor_get(struct ubur_ctx *ctx, const char *cursor, const char *type)
{
    size_t tl = strlen(type);
    for (const char *p = cursor ? cursor : ""; *p;) {
        size_t l = strcspn(p, ";");
        if (l > tl && p[tl] == '=' && !strncmp(p, type, tl))
            return ubur_arena_strndup(&ctx->arena, p + tl + 1, l - tl - 1);
        p += l + (p[l] == ';');
    }
    return NULL;
}

static void
sha256_hex(const char *data, size_t n, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)data, n);
    sodium_bin2hex(out, 65, d, sizeof(d));
}

int
ubur_exchange_export(struct ubur_ctx *ctx, const char *to, const char *since, int64_t resend,
                     char **out, json_t **summary, struct ubur_error *err)
{
    char pk[UBUR_EXCHANGE_PK_HEX + 1], sk[UBUR_EXCHANGE_SK_HEX + 1], now[UBUR_TIME_LEN + 1];
    char id[UBUR_UUID_LEN + 1], hash[65];
    struct ubur_buf cursor = UBUR_BUF_INIT;
    struct ubur_stmt *st;
    json_t *records = NULL, *body = NULL;
    char *payload = NULL, *env = NULL, *last_cursor = NULL;
    int64_t seq = 0, count = 0;
    int rc;

    *out = NULL;
    *summary = NULL;
    if (!ctx->state)
        return ubur_error_set(err, UBUR_EINVAL, "this instance has no state: `ubur init --state`");
    if (resend > 0) {
        rc = ubur_store_query_text(ctx->store, err, out,
                                   "SELECT envelope FROM exchange_package WHERE direction = 'out'"
                                   " AND state = ? AND seq = ?",
                                   "ti", to ? to : "", resend);
        if (rc == UBUR_ENOTFOUND)
            return ubur_error_field(err, UBUR_ENOTFOUND, "resend", "no package %lld was sent to %s",
                                    (long long)resend, to ? to : "");
        if (!rc)
            *summary =
                json_pack("{s:s, s:I, s:b}", "to", to, "seq", (json_int_t)resend, "resent", 1);
        return rc;
    }
    if (!valid_state(to))
        return ubur_error_field(err, UBUR_EINVAL, "to", "'%s' is not an ISO 3166 alpha-3 code",
                                to ? to : "");
    if ((rc = ubur_exchange_own_key(ctx, false, pk, sk, err)))
        return rc == UBUR_EIO ? ubur_error_set(err, UBUR_ECONFLICT,
                                               "this instance has no exchange key yet: run "
                                               "`ubur exchange key --out FILE` first")
                              : rc;
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t known = 0;
    if ((rc = ubur_store_query_int(ctx->store, err, &known,
                                   "SELECT COUNT(*) FROM exchange_partner WHERE state = ?", "t",
                                   to ? to : "")))
        goto out;
    if (!known) {
        rc = ubur_error_field(err, UBUR_ENOTFOUND, "to", "no partner %s", to ? to : "");
        goto out;
    }
    ubur_store_query_int(ctx->store, NULL, &seq,
                         "SELECT COALESCE(MAX(seq), 0) FROM exchange_package WHERE direction ="
                         " 'out' AND state = ?",
                         "t", to);
    seq++;
    if (!since) {
        rc = ubur_store_query_text(ctx->store, err, &last_cursor,
                                   "SELECT cursor FROM exchange_package WHERE direction = 'out'"
                                   " AND state = ? AND seq = ?",
                                   "ti", to, seq - 1);
        if (rc == UBUR_ENOTFOUND)
            rc = 0;
        if (rc)
            goto out;
        since = last_cursor;
    }
    records = json_object();
    rc = ubur_store_prepare(ctx->store,
                            "SELECT record_type, fields FROM exchange_agreement WHERE state = ?"
                            " ORDER BY record_type",
                            &st, err);
    if (rc)
        goto out;
    ubur_stmt_bind_text(st, 1, to);
    struct {
        const struct ubur_exchange_type *t;
        const char *fields;
    } allowed[16];
    int nallowed = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1 && nallowed < 16) {
        const char *name = ubur_stmt_text(st, 0);
        allowed[nallowed].t = find_type(name, strlen(name));
        allowed[nallowed].fields = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 1));
        if (allowed[nallowed].t)
            nallowed++;
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    for (int i = 0; i < nallowed; i++) {
        const struct ubur_exchange_type *t = allowed[i].t;
        const char *from = cursor_get(ctx, since, t->name), *next = from;
        json_t *arr = json_array();
        rc = t->export_records(ctx, to, from, arr, &next, err);
        if (rc) {
            json_decref(arr);
            goto out;
        }
        size_t k;
        json_t *rec;
        json_array_foreach(arr, k, rec) minimise(t, allowed[i].fields, rec);
        count += (int64_t)json_array_size(arr);
        json_object_set_new(records, t->name, arr);
        if (next)
            ubur_buf_addf(&cursor, "%s%s=%s", cursor.len ? ";" : "", t->name, next);
    }
    ubur_time_format(ubur_now(), now);
    body = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s?, s:s, s:O}", "format", UBUR_EXCHANGE_FORMAT,
                     "from", ctx->state, "to", to, "seq", (json_int_t)seq, "created_at", now,
                     "since", since, "cursor", cursor.s, "records", records);
    payload = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    env = ubur_exchange_seal(ctx->state, payload, strlen(payload), sk, err);
    if (!env) {
        rc = err ? err->code : UBUR_ECRYPTO;
        goto out;
    }
    ubur_uuid7(id);
    sha256_hex(payload, strlen(payload), hash);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO exchange_package (id, direction, state, seq, cursor,"
                               " records, sha256, envelope, at) VALUES (?, 'out', ?, ?, ?, ?, ?,"
                               " ?, ?)",
                               "ttititt"
                               "t",
                               id, to, seq, cursor.s, count, hash, env, now);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"to\":\"%s\",\"seq\":%lld,\"records\":%lld}", to,
             (long long)seq, (long long)count);
    if ((rc = ubur_audit(ctx, "exchange.export", "exchange_package", id, detail, err)))
        goto out;
    if ((rc = ubur_store_commit(ctx->store, err)))
        goto out;
    *summary = json_pack("{s:s, s:I, s:I, s:s}", "to", to, "seq", (json_int_t)seq, "records",
                         (json_int_t)count, "cursor", cursor.s);
    *out = env;
    env = NULL;
out:
    if (rc)
        ubur_store_rollback(ctx->store);
    sodium_memzero(sk, sizeof(sk));
    free(env);
    free(payload);
    free(last_cursor);
    json_decref(body);
    json_decref(records);
    ubur_buf_release(&cursor);
    return rc;
}

int
ubur_exchange_import(struct ubur_ctx *ctx, const char *text, size_t len, json_t **summary,
                     struct ubur_error *err)
{
    char signer[4], *pk = NULL, *payload = NULL, hash[65], id[UBUR_UUID_LEN + 1];
    char now[UBUR_TIME_LEN + 1];
    size_t plen;
    json_t *env = NULL, *body = NULL, *counts = json_object();
    int64_t last = 0, total = 0;
    int rc;

    *summary = NULL;
    if (!ctx->state) {
        rc = ubur_error_set(err, UBUR_EINVAL, "this instance has no state: `ubur init --state`");
        goto out;
    }
    if ((rc = ubur_exchange_open_envelope(text, len, signer, &env, err)))
        goto out;
    rc = ubur_store_query_text(ctx->store, err, &pk,
                               "SELECT public_key FROM exchange_partner WHERE state = ?", "t",
                               signer);
    if (rc == UBUR_ENOTFOUND)
        rc = ubur_error_set(err, UBUR_EUNPROC,
                            "package signed by %s, which is not a registered "
                            "partner",
                            signer);
    if (rc || (rc = ubur_exchange_verify(env, pk, &payload, &plen, err)))
        goto out;
    json_error_t jerr;
    body = json_loadb(payload, plen, JSON_REJECT_DUPLICATES, &jerr);
    const char *from = json_string_value(json_object_get(body, "from"));
    const char *to = json_string_value(json_object_get(body, "to"));
    json_t *jseq = json_object_get(body, "seq"), *records = json_object_get(body, "records");
    if (!json_is_object(body) || !from || !to || !json_is_integer(jseq) ||
        !json_is_object(records)) {
        rc = ubur_error_set(err, UBUR_EINVAL, "the package body is malformed");
        goto out;
    }
    if (strcmp(from, signer) != 0) {
        rc = ubur_error_set(err, UBUR_EUNPROC, "package claims to come from %s but %s signed it",
                            from, signer);
        goto out;
    }
    if (strcmp(to, ctx->state) != 0) {
        rc = ubur_error_set(err, UBUR_EUNPROC, "package is addressed to %s, not to this state %s",
                            to, ctx->state);
        goto out;
    }
    int64_t seq = json_integer_value(jseq);
    if ((rc = ubur_store_begin(ctx->store, err)))
        goto out;
    ubur_store_query_int(ctx->store, NULL, &last,
                         "SELECT COALESCE(MAX(seq), 0) FROM exchange_package WHERE direction ="
                         " 'in' AND state = ?",
                         "t", from);
    if (seq <= last) {
        rc = ubur_error_set(err, UBUR_ECONFLICT,
                            "replayed package: %s's package %lld was already applied (last %lld)",
                            from, (long long)seq, (long long)last);
        goto out;
    }
    if (seq != last + 1) {
        rc = ubur_error_set(err, UBUR_ECONFLICT,
                            "out-of-order package: %s's package %lld arrived before %lld", from,
                            (long long)seq, (long long)last + 1);
        goto out;
    }
    const char *type;
    json_t *arr;
    json_object_foreach(records, type, arr)
    {
        const struct ubur_exchange_type *t = find_type(type, strlen(type));
        if (!t || !json_is_array(arr)) {
            rc = ubur_error_set(err, UBUR_EINVAL, "unknown record type '%.32s' in the package",
                                type);
            goto out;
        }
        size_t i;
        json_t *rec;
        json_array_foreach(arr, i, rec)
        {
            if (!json_is_object(rec) ||
                !ubur_uuid_valid(json_string_value(json_object_get(rec, "id")))) {
                rc = ubur_error_set(err, UBUR_EINVAL, "%s record %zu has no valid id", type, i);
                goto out;
            }
            if ((rc = t->apply(ctx, from, rec, err)))
                goto out;
        }
        json_object_set_new(counts, type, json_integer((json_int_t)json_array_size(arr)));
        total += (int64_t)json_array_size(arr);
    }
    ubur_uuid7(id);
    ubur_time_format(ubur_now(), now);
    sha256_hex(payload, plen, hash);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO exchange_package (id, direction, state, seq, cursor,"
                               " records, sha256, envelope, at) VALUES (?, 'in', ?, ?, ?, ?, ?,"
                               " NULL, ?)",
                               "ttitit"
                               "t",
                               id, from, seq, json_string_value(json_object_get(body, "cursor")),
                               total, hash, now);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"seq\":%lld,\"records\":%lld}", from,
             (long long)seq, (long long)total);
    if ((rc = ubur_audit(ctx, "exchange.import", "exchange_package", id, detail, err)) ||
        (rc = ubur_store_commit(ctx->store, err)))
        goto out;
    *summary = json_pack("{s:s, s:I, s:I, s:O}", "from", from, "seq", (json_int_t)seq, "records",
                         (json_int_t)total, "applied", counts);
out:
    if (rc && ubur_store_in_tx(ctx->store))
        ubur_store_rollback(ctx->store);
    free(pk);
    free(payload);
    json_decref(env);
    json_decref(body);
    json_decref(counts);
    return rc;
}
