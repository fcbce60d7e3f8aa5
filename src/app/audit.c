/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log: append-only and hash-chained. Each entry's hash is
 * SHA-256 (libsodium) over its fields and the previous entry's hash, so
 * altering, deleting or reordering an entry breaks the chain at that entry.
 * Entries are appended inside the caller's transaction, so an audited change
 * and its audit entry commit or vanish together; the write lock the
 * transaction holds serialises appends.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/app.h"
#include "ubur/sync.h"
#include "ubur/banned.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

void ubur_audit_hash(const char *fields[], int n, char out[65]);

/*
 * The last entry this thread appended inside a write transaction, valid while the store's
 * transaction epoch is unchanged (ubur_store_tx_epoch): the write lock keeps every other
 * connection from appending meanwhile, and ubur_audit is the only code that appends. Epochs
 * are unique across the process's stores, so a stale entry never matches another store.
 */
static __thread struct {
    uint64_t epoch;
    int64_t seq;
    char hash[65];
} last_link;

void
ubur_audit_hash(const char *fields[], int n, char out[65])
{
    crypto_hash_sha256_state h;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    for (int i = 0; i < n; i++) {
        const char *f = fields[i] ? fields[i] : "";
        /* length-prefix each field so ("ab","c") and ("a","bc") differ: "<decimal length>:" */
        size_t flen = strlen(f);
        char len[24], *p = len + sizeof(len);
        *--p = ':';
        do
            *--p = (char)('0' + flen % 10);
        while ((flen /= 10) > 0);
        crypto_hash_sha256_update(&h, (const unsigned char *)p,
                                  (unsigned long long)(len + sizeof(len) - p));
        crypto_hash_sha256_update(&h, (const unsigned char *)f, strlen(f));
    }
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int
ubur_audit(struct ubur_ctx *ctx, const char *action, const char *object_type, const char *object_id,
           const char *detail_json, struct ubur_error *err)
{
    char id[UBUR_UUID_LEN + 1], at[UBUR_TIME_LEN + 1], hash[65], seqs[24];
    char *owned = NULL;
    const char *prev = NULL; /* the last link's hash: the cache's, or `owned` */
    int64_t seq = 0;
    int rc;

    /* The chain's last link: the entry this thread appended last, when that was in the same
     * transaction (the group-commit writer's batch) and nothing was rolled back since; else one
     * read (the hot path audits every record). */
    uint64_t epoch = ubur_store_tx_epoch(ctx->store);
    if (epoch && last_link.epoch == epoch) {
        seq = last_link.seq;
        prev = last_link.hash; /* unchanged until after the insert below */
    } else {
        struct ubur_stmt *st;
        rc = ubur_store_prepare(
            ctx->store, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &st, err);
        if (rc)
            return rc;
        rc = ubur_stmt_step(st, err);
        if (rc == 1) {
            seq = ubur_stmt_int(st, 0);
            prev = owned = ubur_strdup(ubur_stmt_text(st, 1));
        }
        ubur_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    seq++;
    ubur_uuid7(id);
    ubur_time_format(ubur_now(), at);
    snprintf(seqs, sizeof(seqs), "%lld", (long long)seq);
    const char *role = ubur_role_name(ctx->role);
    const char *fields[] = {seqs,
                            id,
                            at,
                            ctx->user_id,
                            ctx->username,
                            role,
                            action,
                            object_type,
                            object_id,
                            ctx->purpose,
                            ctx->request_id,
                            detail_json,
                            prev ? prev : GENESIS_HASH};
    ubur_audit_hash(fields, (int)(sizeof(fields) / sizeof(fields[0])), hash);
#define INSERT_AUDIT                                                                               \
    "INSERT INTO audit_log (seq, id, at, user_id, username, role, action, object_type, object_id," \
    " purpose, request_id, detail, prev_hash, hash)"                                               \
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    /* Inside a transaction it is queued: nothing is read back, so on PostgreSQL the entry
     * travels with the transaction's next statement or its COMMIT instead of costing a round
     * trip of its own (a failure still aborts the transaction, reported there). */
    int64_t n;
    if (ubur_store_in_tx(ctx->store))
        n = ubur_store_queue(ctx->store, err, INSERT_AUDIT, "ittttttttttttt", seq, id, at,
                             ctx->user_id, ctx->username, role, action, object_type, object_id,
                             ctx->purpose, ctx->request_id, detail_json, prev ? prev : GENESIS_HASH,
                             hash);
    else
        n = ubur_store_run(ctx->store, err, INSERT_AUDIT, "ittttttttttttt", seq, id, at,
                           ctx->user_id, ctx->username, role, action, object_type, object_id,
                           ctx->purpose, ctx->request_id, detail_json, prev ? prev : GENESIS_HASH,
                           hash);
#undef INSERT_AUDIT
    last_link.epoch = 0;
    if (n < 0) {
        free(owned);
        return (int)n;
    }
    if (epoch) {
        /* A queued insert that fails later aborts the transaction, which ends the epoch. */
        last_link.epoch = epoch;
        last_link.seq = seq;
        memcpy(last_link.hash, hash, sizeof(hash));
    }
    free(owned);
    /* Border post sync: the outbox event or change-log row commits with the change. */
    return ubur_sync_observe(ctx, action, object_type, object_id, detail_json, err);
}

unsigned
ubur_role_from_name(const char *name)
{
#define UBUR_X_ROLE(e, v, n)                                                                       \
    if (name && !strcmp(name, n))                                                                  \
        return v;
    UBUR_ROLE_MAP(UBUR_X_ROLE)
#undef UBUR_X_ROLE
    return 0;
}

const char *
ubur_role_name(unsigned role)
{
#define UBUR_X_ROLE(e, v, n)                                                                       \
    if (role == v)                                                                                 \
        return n;
    UBUR_ROLE_MAP(UBUR_X_ROLE)
#undef UBUR_X_ROLE
    return "none";
}

const char *
ubur_setting(struct ubur_ctx *ctx, const char *key, const char *def)
{
    char *v = NULL;
    if (ubur_store_query_text(ctx->store, NULL, &v, "SELECT value FROM settings WHERE key = ?", "t",
                              key))
        return def;
    char *copy = ubur_arena_strdup(&ctx->arena, v);
    free(v);
    return copy;
}

int
ubur_audit_verify(struct ubur_store *store, int64_t *checked, int64_t *bad_seq,
                  struct ubur_error *err)
{
    struct ubur_stmt *st;
    char prev[65] = GENESIS_HASH, hash[65];
    int64_t expect = 1;
    int rc = ubur_store_prepare(store,
                                "SELECT seq, id, at, user_id, username, role, action,"
                                " object_type, object_id, purpose, request_id, detail,"
                                " prev_hash, hash FROM audit_log ORDER BY seq",
                                &st, err);
    if (rc)
        return rc;
    *checked = 0;
    *bad_seq = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t seq = ubur_stmt_int(st, 0);
        const char *fields[13];
        fields[0] = ubur_stmt_text(st, 0);
        for (int i = 1; i < 12; i++)
            fields[i] = ubur_stmt_text(st, i);
        fields[12] = ubur_stmt_text(st, 12);
        if (seq != expect) {
            *bad_seq = expect;
            rc = ubur_error_set(err, UBUR_ECONFLICT,
                                "audit entry %lld is missing (next is %lld): deleted",
                                (long long)expect, (long long)seq);
            break;
        }
        if (strcmp(fields[12] ? fields[12] : "", prev) != 0) {
            *bad_seq = seq;
            rc = ubur_error_set(err, UBUR_ECONFLICT,
                                "audit entry %lld does not follow entry %lld: reordered, or an "
                                "entry before it was deleted",
                                (long long)seq, (long long)seq - 1);
            break;
        }
        ubur_audit_hash(fields, 13, hash);
        if (strcmp(hash, ubur_stmt_text(st, 13) ? ubur_stmt_text(st, 13) : "") != 0) {
            *bad_seq = seq;
            rc = ubur_error_set(err, UBUR_ECONFLICT, "audit entry %lld was altered (hash mismatch)",
                                (long long)seq);
            break;
        }
        memcpy(prev, hash, sizeof(prev));
        expect++;
        (*checked)++;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

int
ubur_audit_list(struct ubur_store *store, int64_t before, int64_t limit, const char *object_id,
                json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(store,
                                "SELECT seq, id, at, user_id, username, role, action,"
                                " object_type, object_id, purpose, request_id, detail"
                                " FROM audit_log WHERE (? = 0 OR seq < ?)"
                                " AND (? IS NULL OR object_id = ?) ORDER BY seq DESC LIMIT ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_int(st, 1, before);
    ubur_stmt_bind_int(st, 2, before);
    ubur_stmt_bind_text(st, 3, object_id);
    ubur_stmt_bind_text(st, 4, object_id);
    ubur_stmt_bind_int(st, 5, limit);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *detail = NULL;
        const char *d = ubur_stmt_text(st, 11);
        if (d)
            detail = json_loads(d, 0, NULL);
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:o?}",
                           "seq", (json_int_t)ubur_stmt_int(st, 0), "id", ubur_stmt_text(st, 1),
                           "at", ubur_stmt_text(st, 2), "user_id", ubur_stmt_text(st, 3),
                           "username", ubur_stmt_text(st, 4), "role", ubur_stmt_text(st, 5),
                           "action", ubur_stmt_text(st, 6), "object_type", ubur_stmt_text(st, 7),
                           "object_id", ubur_stmt_text(st, 8), "purpose", ubur_stmt_text(st, 9),
                           "request_id", ubur_stmt_text(st, 10), "detail", detail));
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}
