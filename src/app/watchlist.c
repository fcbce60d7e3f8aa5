/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Watchlist store services: imports (all or nothing, one transaction, one
 * audit entry with the summary), single-entry edits of a list by a
 * supervisor, and read views. Every write bumps watchlist_state.seq and
 * stamps the changed entries with it, which is how the screening index in
 * every process learns what changed. An entry's content_hash covers what
 * screening uses and what an officer reads, so a re-import that changes
 * nothing writes nothing.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/watchlist.h"
#include "ubur/banned.h"

static bool
can_edit(const struct ubur_ctx *ctx)
{
    return ctx->role == UBUR_ROLE_ADMIN || ctx->role == UBUR_ROLE_SUPERVISOR;
}

/* Canonical JSON of an entry's content (its snapshot), caller frees. */
static char *
entry_snapshot(const struct ubur_wl_entry *e)
{
    json_t *o = json_object(), *names = json_array();
    json_object_set_new(o, "reference", json_string(e->reference));
    json_object_set_new(o, "kind", json_string(e->kind));
    json_object_set_new(o, "primary_name", json_string(e->primary_name));
    if (e->original_script_name)
        json_object_set_new(o, "original_script_name", json_string(e->original_script_name));
    for (int i = 0; i < e->nnames; i++) {
        json_t *n = json_object();
        json_object_set_new(n, "name", json_string(e->names[i].name));
        json_object_set_new(n, "quality", json_string(e->names[i].quality));
        json_array_append_new(names, n);
    }
    json_object_set_new(o, "names", names);
    if (e->sex)
        json_object_set_new(o, "sex", json_stringn(&e->sex, 1));
    json_object_set_new(o, "dobs", json_loads(e->dobs_json ? e->dobs_json : "[]", 0, NULL));
    json_object_set_new(o, "nationalities",
                        json_loads(e->nats_json ? e->nats_json : "[]", 0, NULL));
    json_object_set_new(o, "places_of_birth",
                        json_loads(e->pobs_json ? e->pobs_json : "[]", 0, NULL));
    json_object_set_new(o, "documents", json_loads(e->docs_json ? e->docs_json : "[]", 0, NULL));
    if (e->reason)
        json_object_set_new(o, "reason", json_string(e->reason));
    if (e->alert_category)
        json_object_set_new(o, "alert_category", json_string(e->alert_category));
    json_object_set_new(o, "action", json_string(e->action));
    if (e->contributing_state)
        json_object_set_new(o, "contributing_state", json_string(e->contributing_state));
    if (e->listed_on)
        json_object_set_new(o, "listed_on", json_string(e->listed_on));
    if (e->valid_until)
        json_object_set_new(o, "valid_until", json_string(e->valid_until));
    json_object_set_new(o, "details",
                        json_loads(e->details_json ? e->details_json : "{}", 0, NULL));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

static void
sha256_hex(const char *s, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, d, sizeof(d));
}

static int
bump_seq(struct ubur_ctx *ctx, int64_t *seq, struct ubur_error *err)
{
    int64_t n = ubur_store_run(ctx->store, err, "UPDATE watchlist_state SET seq = seq + 1", "");
    if (n < 0)
        return (int)n;
    return ubur_store_query_int(ctx->store, err, seq, "SELECT seq FROM watchlist_state", "");
}

/* Finds or creates a list; writes its id. */
static int
list_get(struct ubur_ctx *ctx, const char *name, const char *source, const char *generated,
         char id[UBUR_UUID_LEN + 1], struct ubur_error *err)
{
    char *have = NULL, now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    int rc = ubur_store_query_text(ctx->store, NULL, &have,
                                   "SELECT id FROM watchlists WHERE name = ?", "t", name);
    if (rc == 0) {
        snprintf(id, UBUR_UUID_LEN + 1, "%s", have);
        free(have);
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE watchlists SET updated_at = ?,"
                                   " source_generated_at = COALESCE(?, source_generated_at)"
                                   " WHERE id = ?",
                                   "ttt", now, generated, id);
        return n < 0 ? (int)n : 0;
    }
    if (rc != UBUR_ENOTFOUND)
        return ubur_error_set(err, rc, "cannot read watchlists");
    ubur_uuid7(id);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO watchlists (id, name, source, owner_state,"
                               " source_generated_at, created_at, updated_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)",
                               "ttttttt", id, name, source, ctx->state, generated, now, now);
    if (n < 0)
        return (int)n;
    return ubur_audit(ctx, "watchlist.create", "watchlist", id, NULL, err);
}

struct existing {
    char id[UBUR_UUID_LEN + 1];
    char hash[65];
    int64_t version;
    bool active;
    bool seen;
};

/*
 * An import's inserts (ubur_store_bulk_*, deferred: on PostgreSQL one COPY per table when the
 * import ends, entries before their names), or NULL where a function takes one: each row is
 * written at once. An import reads nothing it writes until it ends, so deferring is safe.
 */
struct wl_bulk {
    struct ubur_bulk *entries, *names, *history;
};

static int
wl_bulk_open(struct ubur_ctx *ctx, struct wl_bulk *bk, struct ubur_error *err)
{
    memset(bk, 0, sizeof(*bk));
    int rc = ubur_store_bulk_open(ctx->store, "watchlist_entries",
                                  "id, list_id, reference, kind, primary_name,"
                                  " original_script_name, sex, dobs, nationalities,"
                                  " places_of_birth, documents, reason, alert_category, action,"
                                  " contributing_state, listed_on, valid_from, valid_until, status,"
                                  " details, content_hash, version, change_seq, created_at,"
                                  " updated_at",
                                  UBUR_BULK_DEFER, &bk->entries, err);
    if (!rc)
        rc = ubur_store_bulk_open(ctx->store, "watchlist_names",
                                  "id, entry_id, name, quality, position", UBUR_BULK_DEFER,
                                  &bk->names, err);
    if (!rc)
        rc = ubur_store_bulk_open(ctx->store, "watchlist_entry_history",
                                  "id, entry_id, version, change, at, import_id, by_user,"
                                  " snapshot",
                                  UBUR_BULK_DEFER, &bk->history, err);
    return rc;
}

/* Sends what bk holds so far, parents first: imports do so every few thousand entries, so a
 * large list is not held in memory whole. */
static int
wl_bulk_flush(struct wl_bulk *bk, struct ubur_error *err)
{
    int rc = ubur_bulk_flush(bk->entries, err);
    if (!rc)
        rc = ubur_bulk_flush(bk->names, err);
    if (!rc)
        rc = ubur_bulk_flush(bk->history, err);
    return rc;
}

/* Sends what bk holds, parents first, and frees it; after a failure (rc) it only frees. */
static int
wl_bulk_close(struct wl_bulk *bk, int rc, struct ubur_error *err)
{
    struct ubur_bulk *order[] = {bk->entries, bk->names, bk->history};
    for (int i = 0; i < 3; i++) {
        if (!rc)
            rc = ubur_bulk_close(order[i], err);
        else
            ubur_bulk_discard(order[i]);
    }
    memset(bk, 0, sizeof(*bk));
    return rc;
}

/* An entry's names: replaced, or, for a new entry (`fresh`), added. */
static int
write_names(struct ubur_ctx *ctx, struct wl_bulk *bk, const char *entry_id,
            const struct ubur_wl_entry *e, bool fresh, struct ubur_error *err)
{
    int64_t n = 0;
    if (!fresh)
        n = ubur_store_run(ctx->store, err, "DELETE FROM watchlist_names WHERE entry_id = ?", "t",
                           entry_id);
    if (n < 0)
        return (int)n;
    for (int i = 0; i < e->nnames; i++) {
        char id[UBUR_UUID_LEN + 1];
        ubur_uuid7(id);
        if (bk)
            n = ubur_bulk_row(bk->names, err, "tttti", id, entry_id, e->names[i].name,
                              e->names[i].quality, (int64_t)i);
        else
            n = ubur_store_run(ctx->store, err,
                               "INSERT INTO watchlist_names (id, entry_id, name, quality, position)"
                               " VALUES (?, ?, ?, ?, ?)",
                               "tttti", id, entry_id, e->names[i].name, e->names[i].quality,
                               (int64_t)i);
        if (n < 0)
            return (int)n;
    }
    return 0;
}

static int
history(struct ubur_ctx *ctx, struct wl_bulk *bk, const char *entry_id, int64_t version,
        const char *change, const char *import_id, const char *snapshot, struct ubur_error *err)
{
    char id[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
    ubur_uuid7(id);
    ubur_time_format(ubur_now(), now);
    if (bk)
        return ubur_bulk_row(bk->history, err, "ttittttt", id, entry_id, version, change, now,
                             import_id, ctx->username, snapshot);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO watchlist_entry_history (id, entry_id, version, change,"
                               " at, import_id, by_user, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               "ttittttt", id, entry_id, version, change, now, import_id,
                               ctx->username, snapshot);
    return n < 0 ? (int)n : 0;
}

/*
 * Writes one entry (insert, update or reinstate) given what exists. Returns
 * the change made: 0 none, 1 added, 2 updated, 3 reinstated; or < 0.
 */
static int
entry_write(struct ubur_ctx *ctx, struct wl_bulk *bk, const char *list_id,
            const struct ubur_wl_entry *e, struct existing *ex, int64_t seq, const char *import_id,
            char id_out[], struct ubur_error *err)
{
    char *snap = entry_snapshot(e), hash[65], now[UBUR_TIME_LEN + 1];
    char sex[2] = {e->sex, 0};
    int rc = 0;
    sha256_hex(snap, hash);
    ubur_time_format(ubur_now(), now);
    if (ex && ex->active && !strcmp(ex->hash, hash)) {
        if (id_out)
            snprintf(id_out, UBUR_UUID_LEN + 1, "%s", ex->id);
        free(snap);
        return 0;
    }
    if (!ex) {
        char id[UBUR_UUID_LEN + 1];
        ubur_uuid7(id);
        int64_t n =
            bk ? ubur_bulk_row(bk->entries, err, "tttttttttttttttttttttiitt", id, list_id,
                               e->reference, e->kind, e->primary_name, e->original_script_name,
                               e->sex ? sex : NULL, e->dobs_json, e->nats_json, e->pobs_json,
                               e->docs_json, e->reason, e->alert_category, e->action,
                               e->contributing_state, e->listed_on, now, e->valid_until, "active",
                               e->details_json, hash, (int64_t)1, seq, now, now)
               : ubur_store_run(
                     ctx->store, err,
                     "INSERT INTO watchlist_entries (id, list_id, reference, kind, primary_name,"
                     " original_script_name, sex, dobs, nationalities, places_of_birth, documents, "
                     "reason,"
                     " alert_category, action, contributing_state, listed_on, valid_from, "
                     "valid_until,"
                     " status, details, content_hash, version, change_seq, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, "
                     "?, 1, ?,"
                     " ?, ?)",
                     "ttttttttttttttttttttitt", id, list_id, e->reference, e->kind, e->primary_name,
                     e->original_script_name, e->sex ? sex : NULL, e->dobs_json, e->nats_json,
                     e->pobs_json, e->docs_json, e->reason, e->alert_category, e->action,
                     e->contributing_state, e->listed_on, now, e->valid_until, e->details_json,
                     hash, seq, now, now);
        if (n < 0 || (rc = write_names(ctx, bk, id, e, true, err)) ||
            (rc = history(ctx, bk, id, 1, "added", import_id, snap, err))) {
            free(snap);
            return n < 0 ? (int)n : rc;
        }
        if (id_out)
            snprintf(id_out, UBUR_UUID_LEN + 1, "%s", id);
        free(snap);
        return 1;
    }
    int change = ex->active ? 2 : 3;
    int64_t n = ubur_store_run(
        ctx->store, err,
        "UPDATE watchlist_entries SET kind = ?, primary_name = ?, original_script_name = ?,"
        " sex = ?, dobs = ?, nationalities = ?, places_of_birth = ?, documents = ?, reason = ?,"
        " alert_category = ?, action = ?, contributing_state = ?, listed_on = ?, valid_until = ?,"
        " status = 'active', ended_at = NULL, details = ?, content_hash = ?,"
        " version = version + 1, change_seq = ?, updated_at = ? WHERE id = ?",
        "ttttttttttttttttitt", e->kind, e->primary_name, e->original_script_name,
        e->sex ? sex : NULL, e->dobs_json, e->nats_json, e->pobs_json, e->docs_json, e->reason,
        e->alert_category, e->action, e->contributing_state, e->listed_on, e->valid_until,
        e->details_json, hash, seq, now, ex->id);
    if (n < 0 || (rc = write_names(ctx, bk, ex->id, e, false, err)) ||
        (rc = history(ctx, bk, ex->id, ex->version + 1, change == 2 ? "updated" : "reinstated",
                      import_id, snap, err))) {
        free(snap);
        return n < 0 ? (int)n : rc;
    }
    if (id_out)
        snprintf(id_out, UBUR_UUID_LEN + 1, "%s", ex->id);
    free(snap);
    return change;
}

static int
entry_end(struct ubur_ctx *ctx, struct wl_bulk *bk, const struct existing *ex, int64_t seq,
          const char *import_id, const char *reason, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE watchlist_entries SET status = 'ended', ended_at = ?,"
                               " version = version + 1, change_seq = ?, updated_at = ?"
                               " WHERE id = ?",
                               "tit"
                               "t",
                               now, seq, now, ex->id);
    if (n < 0)
        return (int)n;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ended"));
    if (reason)
        json_object_set_new(o, "reason", json_string(reason));
    char *snap = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    int rc = history(ctx, bk, ex->id, ex->version + 1, "ended", import_id, snap, err);
    free(snap);
    return rc;
}

static int
existing_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct ref_slot {
    const char *ref; /* arena copy */
    struct existing ex;
};

int
ubur_watchlist_import(struct ubur_ctx *ctx, const char *list_name, const char *file_name,
                      const char *data, size_t len, enum ubur_wl_format format,
                      void (*progress)(long, long, void *), void *arg, struct ubur_wl_summary *out,
                      struct ubur_error *err)
{
    struct ubur_wl_parsed p;
    struct ubur_arena *a = &ctx->arena;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!can_edit(ctx))
        return ubur_error_set(err, UBUR_EPERM, "only supervisors and admins import watchlists");
    if (format == UBUR_WL_AUTO) {
        size_t i = 0;
        if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
            i = 3;
        while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
            i++;
        format = i < len && data[i] == '<' ? UBUR_WL_UN_XML : UBUR_WL_CSV;
    }
    rc = format == UBUR_WL_UN_XML ? ubur_wl_parse_un_xml(data, len, a, &p, err)
                                  : ubur_wl_parse_csv(data, len, a, &p, err);
    if (rc)
        return rc;
    /* Duplicate references in one file are an error, not a silent overwrite. */
    const char **refs = ubur_arena_alloc(a, sizeof(char *) * (p.n + 1));
    for (size_t i = 0; i < p.n; i++)
        refs[i] = p.entries[i].reference;
    qsort(refs, p.n, sizeof(char *), existing_cmp);
    for (size_t i = 1; i < p.n; i++)
        if (!strcmp(refs[i], refs[i - 1]))
            return ubur_error_field(err, UBUR_EINVAL, "reference",
                                    "reference '%.64s' appears twice in the file", refs[i]);

    if (!list_name || !*list_name) {
        if (format == UBUR_WL_UN_XML) {
            list_name = "UN SC Consolidated List";
        } else {
            const char *b = strrchr(file_name, '/');
            list_name = b ? b + 1 : file_name;
        }
    }
    char file_hash[65];
    {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(d, (const unsigned char *)data, len);
        sodium_bin2hex(file_hash, sizeof(file_hash), d, sizeof(d));
    }

    struct wl_bulk bk = {0};
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t seq;
    char list_id[UBUR_UUID_LEN + 1], import_id[UBUR_UUID_LEN + 1];
    ubur_uuid7(import_id);
    if ((rc = list_get(ctx, list_name, format == UBUR_WL_UN_XML ? "un-xml" : "csv", p.generated_at,
                       list_id, err)) ||
        (rc = bump_seq(ctx, &seq, err)) || (rc = wl_bulk_open(ctx, &bk, err)))
        goto fail;

    /* What the list holds now, by reference. */
    size_t nex = 0, capx = 1024;
    struct ref_slot *ex = ubur_malloc(capx * sizeof(*ex));
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT reference, id, content_hash, version, status"
                                 " FROM watchlist_entries WHERE list_id = ?",
                                 &st, err))) {
        free(ex);
        goto fail;
    }
    ubur_stmt_bind_text(st, 1, list_id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (nex == capx) {
            capx *= 2;
            ex = ubur_realloc(ex, capx * sizeof(*ex));
        }
        struct ref_slot *r = &ex[nex++];
        r->ref = ubur_arena_strdup(a, ubur_stmt_text(st, 0));
        snprintf(r->ex.id, sizeof(r->ex.id), "%s", ubur_stmt_text(st, 1));
        snprintf(r->ex.hash, sizeof(r->ex.hash), "%s", ubur_stmt_text(st, 2));
        r->ex.version = ubur_stmt_int(st, 3);
        r->ex.active = !strcmp(ubur_stmt_text(st, 4), "active");
        r->ex.seen = false;
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        free(ex);
        goto fail;
    }
    qsort(ex, nex, sizeof(*ex), existing_cmp);

    out->total = (long)p.n;
    for (size_t i = 0; i < p.n; i++) {
        const struct ubur_wl_entry *e = &p.entries[i];
        struct ref_slot key = {.ref = e->reference};
        struct ref_slot *r = bsearch(&key, ex, nex, sizeof(*ex), existing_cmp);
        if (r)
            r->ex.seen = true;
        int ch = entry_write(ctx, &bk, list_id, e, r ? &r->ex : NULL, seq, import_id, NULL, err);
        if (ch < 0) {
            rc = ch;
            free(ex);
            goto fail;
        }
        if (i % 4096 == 4095 && (rc = wl_bulk_flush(&bk, err))) {
            free(ex);
            goto fail;
        }
        switch (ch) {
        case 0:
            out->unchanged++;
            break;
        case 1:
            out->added++;
            break;
        case 2:
            out->updated++;
            break;
        default:
            out->reinstated++;
            break;
        }
        if (progress && (i % 64 == 0 || i + 1 == p.n))
            progress((long)i + 1, (long)p.n, arg);
    }
    for (size_t i = 0; i < nex; i++) {
        if (ex[i].ex.seen || !ex[i].ex.active)
            continue;
        if ((rc =
                 entry_end(ctx, &bk, &ex[i].ex, seq, import_id, "not in the imported file", err))) {
            free(ex);
            goto fail;
        }
        out->ended++;
    }
    free(ex);
    if ((rc = wl_bulk_close(&bk, 0, err)))
        goto fail;

    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO watchlist_imports (id, list_id, file_name, file_sha256, format, at, by_user,"
        " added, updated, ended, unchanged, reinstated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)",
        "tttttttiiiii", import_id, list_id, file_name, file_hash,
        format == UBUR_WL_UN_XML ? "un-xml" : "csv", now, ctx->username, (int64_t)out->added,
        (int64_t)out->updated, (int64_t)out->ended, (int64_t)out->unchanged,
        (int64_t)out->reinstated);
    if (n < 0) {
        rc = (int)n;
        goto fail;
    }
    char *detail = ubur_arena_printf(
        a,
        "{\"list\":\"%s\",\"file_sha256\":\"%s\",\"total\":%ld,\"added\":%ld,\"updated\":%ld,"
        "\"ended\":%ld,\"unchanged\":%ld,\"reinstated\":%ld}",
        list_id, file_hash, out->total, out->added, out->updated, out->ended, out->unchanged,
        out->reinstated);
    if ((rc = ubur_audit(ctx, "watchlist.import", "watchlist_import", import_id, detail, err)))
        goto fail;
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    snprintf(out->list_id, sizeof(out->list_id), "%s", list_id);
    snprintf(out->import_id, sizeof(out->import_id), "%s", import_id);
    return 0;
fail:
    wl_bulk_close(&bk, rc, NULL);
    ubur_store_rollback(ctx->store);
    if (err && !err->message[0])
        ubur_error_set(err, rc, "import failed");
    memset(out, 0, sizeof(*out));
    return rc;
}

static int
load_existing(struct ubur_ctx *ctx, const char *list_id, const char *reference, struct existing *ex,
              struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, content_hash, version, status FROM watchlist_entries"
                                " WHERE list_id = ? AND reference = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, list_id);
    ubur_stmt_bind_text(st, 2, reference);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(ex->id, sizeof(ex->id), "%s", ubur_stmt_text(st, 0));
        snprintf(ex->hash, sizeof(ex->hash), "%s", ubur_stmt_text(st, 1));
        ex->version = ubur_stmt_int(st, 2);
        ex->active = !strcmp(ubur_stmt_text(st, 3), "active");
        rc = 0;
    } else if (rc == 0) {
        rc = UBUR_ENOTFOUND;
    }
    ubur_stmt_done(st);
    return rc;
}

int
ubur_watchlist_entry_put(struct ubur_ctx *ctx, const char *list_name, const struct ubur_wl_entry *e,
                         char id_out[UBUR_UUID_LEN + 1], struct ubur_error *err)
{
    if (!can_edit(ctx))
        return ubur_error_set(err, UBUR_EPERM, "only supervisors and admins edit watchlists");
    if (!e->reference || !*e->reference || strlen(e->reference) > 64)
        return ubur_error_field(err, UBUR_EINVAL, "reference", "reference must be 1 to 64 bytes");
    if (!e->primary_name || !*e->primary_name)
        return ubur_error_field(err, UBUR_EINVAL, "name", "name is required");
    struct ubur_name p;
    int rc = ubur_name_parse(&p, e->primary_name, err);
    if (rc)
        return rc;
    for (int i = 0; i < e->nnames; i++)
        if ((rc = ubur_name_parse(&p, e->names[i].name, err)))
            return ubur_error_field(err, rc, "aliases", "alias '%.60s' is not a name",
                                    e->names[i].name);
    if (!e->action || !ubur_wl_action(e->action))
        return ubur_error_field(err, UBUR_EINVAL, "action",
                                "action must be refuse_entry, arrest, discreet_check or "
                                "inform_issuing_state");
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    char list_id[UBUR_UUID_LEN + 1], id[UBUR_UUID_LEN + 1];
    int64_t seq;
    struct existing ex;
    if ((rc = list_get(ctx, list_name, "national", NULL, list_id, err)) ||
        (rc = bump_seq(ctx, &seq, err)))
        goto fail;
    rc = load_existing(ctx, list_id, e->reference, &ex, err);
    if (rc && rc != UBUR_ENOTFOUND)
        goto fail;
    int ch = entry_write(ctx, NULL, list_id, e, rc == 0 ? &ex : NULL, seq, NULL, id, err);
    if (ch < 0) {
        rc = ch;
        goto fail;
    }
    if ((rc = ubur_audit(ctx, ch == 1 ? "watchlist.entry.create" : "watchlist.entry.update",
                         "watchlist_entry", id, NULL, err)))
        goto fail;
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    if (id_out)
        snprintf(id_out, UBUR_UUID_LEN + 1, "%s", id);
    return 0;
fail:
    ubur_store_rollback(ctx->store);
    return rc;
}

int
ubur_watchlist_entry_end(struct ubur_ctx *ctx, const char *entry_id, const char *reason,
                         struct ubur_error *err)
{
    if (!can_edit(ctx))
        return ubur_error_set(err, UBUR_EPERM, "only supervisors and admins edit watchlists");
    if (!reason || !*reason)
        return ubur_error_field(err, UBUR_EINVAL, "reason", "a reason is required");
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    struct existing ex;
    int64_t seq;
    char *status = NULL;
    rc = ubur_store_query_text(ctx->store, err, &status,
                               "SELECT status FROM watchlist_entries WHERE id = ?", "t", entry_id);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc == UBUR_ENOTFOUND
                   ? ubur_error_set(err, rc, "watchlist entry '%.40s' not found", entry_id)
                   : rc;
    }
    bool active = !strcmp(status, "active");
    free(status);
    if (!active) {
        ubur_store_rollback(ctx->store);
        return ubur_error_set(err, UBUR_ECONFLICT, "watchlist entry already ended");
    }
    snprintf(ex.id, sizeof(ex.id), "%s", entry_id);
    rc = ubur_store_query_int(ctx->store, err, &ex.version,
                              "SELECT version FROM watchlist_entries WHERE id = ?", "t", entry_id);
    if (!rc)
        rc = bump_seq(ctx, &seq, err);
    if (!rc)
        rc = entry_end(ctx, NULL, &ex, seq, NULL, reason, err);
    if (!rc)
        rc = ubur_audit(ctx, "watchlist.entry.end", "watchlist_entry", entry_id, NULL, err);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

int
ubur_watchlist_lists_json(struct ubur_ctx *ctx, char **json, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT w.id, w.name, w.source, w.owner_state, w.updated_at, w.source_generated_at,"
        " (SELECT COUNT(*) FROM watchlist_entries e WHERE e.list_id = w.id"
        "  AND e.status = 'active'),"
        " (SELECT COUNT(*) FROM watchlist_entries e WHERE e.list_id = w.id"
        "  AND e.status = 'ended')"
        " FROM watchlists w ORDER BY w.name",
        &st, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *o = json_object();
        static const char *const k[] = {"id",          "name",       "source",
                                        "owner_state", "updated_at", "source_generated_at"};
        for (int i = 0; i < 6; i++)
            json_object_set_new(o, k[i],
                                ubur_stmt_is_null(st, i) ? json_null()
                                                         : json_string(ubur_stmt_text(st, i)));
        json_object_set_new(o, "active_entries", json_integer(ubur_stmt_int(st, 6)));
        json_object_set_new(o, "ended_entries", json_integer(ubur_stmt_int(st, 7)));
        json_array_append_new(arr, o);
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *json = json_dumps(arr, JSON_INDENT(2));
    json_decref(arr);
    return 0;
}

int
ubur_watchlist_entry_json(struct ubur_ctx *ctx, const char *entry_id, char **json,
                          struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT e.id, w.name, e.reference, e.kind, e.primary_name, e.original_script_name, e.sex,"
        " e.dobs, e.nationalities, e.places_of_birth, e.documents, e.reason, e.alert_category,"
        " e.action, e.contributing_state, e.listed_on, e.valid_until, e.status, e.ended_at,"
        " e.details, e.version, e.updated_at"
        " FROM watchlist_entries e JOIN watchlists w ON w.id = e.list_id"
        " WHERE e.id = ? OR (e.reference = ? AND e.id = (SELECT MIN(id) FROM watchlist_entries"
        " WHERE reference = ?))",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, entry_id);
    ubur_stmt_bind_text(st, 2, entry_id);
    ubur_stmt_bind_text(st, 3, entry_id);
    rc = ubur_stmt_step(st, err);
    if (rc <= 0) {
        ubur_stmt_done(st);
        return rc < 0 ? rc
                      : ubur_error_set(err, UBUR_ENOTFOUND, "watchlist entry '%.40s' not found",
                                       entry_id);
    }
    static const char *const k[] = {
        "id", "list", "reference", "kind", "primary_name", "original_script_name", "sex"};
    static const char *const kj[] = {"dobs", "nationalities", "places_of_birth", "documents"};
    static const char *const k2[] = {"reason",    "alert_category", "action", "contributing_state",
                                     "listed_on", "valid_until",    "status", "ended_at"};
    json_t *o = json_object();
    for (int i = 0; i < 7; i++)
        json_object_set_new(
            o, k[i], ubur_stmt_is_null(st, i) ? json_null() : json_string(ubur_stmt_text(st, i)));
    for (int i = 0; i < 4; i++)
        json_object_set_new(o, kj[i], json_loads(ubur_stmt_text(st, 7 + i), 0, NULL));
    for (int i = 0; i < 8; i++)
        json_object_set_new(
            o, k2[i],
            ubur_stmt_is_null(st, 11 + i) ? json_null() : json_string(ubur_stmt_text(st, 11 + i)));
    json_object_set_new(o, "details", json_loads(ubur_stmt_text(st, 19), 0, NULL));
    json_object_set_new(o, "version", json_integer(ubur_stmt_int(st, 20)));
    json_object_set_new(o, "updated_at", json_string(ubur_stmt_text(st, 21)));
    char id[UBUR_UUID_LEN + 1];
    snprintf(id, sizeof(id), "%s", ubur_stmt_text(st, 0));
    ubur_stmt_done(st);

    json_t *names = json_array();
    rc = ubur_store_prepare(ctx->store,
                            "SELECT name, quality FROM watchlist_names WHERE entry_id = ?"
                            " ORDER BY position",
                            &st, err);
    if (!rc) {
        ubur_stmt_bind_text(st, 1, id);
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            json_t *n = json_object();
            json_object_set_new(n, "name", json_string(ubur_stmt_text(st, 0)));
            json_object_set_new(n, "quality", json_string(ubur_stmt_text(st, 1)));
            json_array_append_new(names, n);
        }
        ubur_stmt_done(st);
    }
    json_object_set_new(o, "names", names);
    json_t *hist = json_array();
    if (rc >= 0)
        rc = ubur_store_prepare(ctx->store,
                                "SELECT version, change, at, by_user, import_id"
                                " FROM watchlist_entry_history WHERE entry_id = ? ORDER BY version",
                                &st, err);
    if (rc >= 0) {
        ubur_stmt_bind_text(st, 1, id);
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            json_t *h = json_object();
            json_object_set_new(h, "version", json_integer(ubur_stmt_int(st, 0)));
            json_object_set_new(h, "change", json_string(ubur_stmt_text(st, 1)));
            json_object_set_new(h, "at", json_string(ubur_stmt_text(st, 2)));
            json_object_set_new(h, "by",
                                ubur_stmt_is_null(st, 3) ? json_null()
                                                         : json_string(ubur_stmt_text(st, 3)));
            json_array_append_new(hist, h);
        }
        ubur_stmt_done(st);
    }
    json_object_set_new(o, "history", hist);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *json = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    return 0;
}

int
ubur_watchlist_apply_partner(struct ubur_ctx *ctx, const char *from, const struct ubur_wl_entry *e,
                             bool ended, struct ubur_error *err)
{
    char list_id[UBUR_UUID_LEN + 1], id[UBUR_UUID_LEN + 1], *name;
    struct existing ex;
    int64_t seq;
    int rc;

    if (!e->reference || !*e->reference || strlen(e->reference) > 64 || !e->primary_name ||
        !*e->primary_name || !e->action || !ubur_wl_action(e->action))
        return ubur_error_set(err, UBUR_EINVAL,
                              "a watchlist record needs reference, primary_name and action");
    name = ubur_arena_printf(&ctx->arena, "Partner alert list (%s)", from);
    if ((rc = list_get(ctx, name, "partner", NULL, list_id, err)))
        return rc;
    if (ubur_store_run(ctx->store, err, "UPDATE watchlists SET owner_state = ? WHERE id = ?", "tt",
                       from, list_id) < 0)
        return err ? err->code : UBUR_ESTORE;
    if ((rc = bump_seq(ctx, &seq, err)))
        return rc;
    rc = load_existing(ctx, list_id, e->reference, &ex, err);
    if (rc && rc != UBUR_ENOTFOUND)
        return rc;
    bool found = rc == 0;
    if (ended)
        return found && ex.active
                   ? entry_end(ctx, NULL, &ex, seq, NULL, "ended by the contributing state", err)
                   : 0;
    int ch = entry_write(ctx, NULL, list_id, e, found ? &ex : NULL, seq, NULL, id, err);
    return ch < 0 ? ch : 0;
}

/*
 * ---- replicas on border posts (sync, include/ubur/sync.h) ----
 *
 * A post holds central's lists as they are on central: same list and entry
 * ids (so a case opened offline names the entry central knows), same
 * content. Every change bumps watchlist_state.seq like any other write, so
 * the screening index of every process on the post picks it up.
 */
int
ubur_watchlist_apply_replica(struct ubur_ctx *ctx, const struct ubur_wl_replica_list *list,
                             const char *entry_id, const struct ubur_wl_entry *e, bool ended,
                             bool *changed, struct ubur_error *err)
{
    char *have = NULL, hash[65], now[UBUR_TIME_LEN + 1];
    int64_t seq;
    int rc;
    *changed = false;
    if (!list->id || !ubur_uuid_valid(list->id) || !list->name || !*list->name ||
        !ubur_uuid_valid(entry_id) || !e->reference || !e->primary_name || !e->kind || !e->action ||
        !ubur_wl_action(e->action))
        return ubur_error_set(err, UBUR_EINVAL,
                              "a replica entry needs list id and name, entry "
                              "id, reference, kind, primary_name and action");
    ubur_time_format(ubur_now(), now);
    rc = ubur_store_query_text(ctx->store, NULL, &have, "SELECT id FROM watchlists WHERE name = ?",
                               "t", list->name);
    if (rc == 0 && strcmp(have, list->id) != 0) {
        free(have);
        return ubur_error_set(err, UBUR_ECONFLICT,
                              "this post has a list of its own named '%.60s'; a post takes its "
                              "watchlists from central",
                              list->name);
    }
    free(have);
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO watchlists (id, name, source, owner_state,"
                               " source_generated_at, created_at, updated_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                               "ttttttt", list->id, list->name, list->source ? list->source : "csv",
                               list->owner_state, list->generated_at, now, now);
    if (n < 0)
        return (int)n;

    struct existing ex;
    bool found = false;
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, content_hash, version, status, list_id"
                                 " FROM watchlist_entries WHERE id = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, entry_id);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        found = true;
        snprintf(ex.id, sizeof(ex.id), "%s", ubur_stmt_text(st, 0));
        snprintf(ex.hash, sizeof(ex.hash), "%s", ubur_stmt_text(st, 1));
        ex.version = ubur_stmt_int(st, 2);
        ex.active = !strcmp(ubur_stmt_text(st, 3), "active");
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    char *snap = entry_snapshot(e);
    sha256_hex(snap, hash);
    if (found && !strcmp(ex.hash, hash) && ex.active == !ended) {
        free(snap);
        return 0;
    }
    if ((rc = bump_seq(ctx, &seq, err))) {
        free(snap);
        return rc;
    }
    if (!found) {
        char sex[2] = {e->sex, 0};
        n = ubur_store_run(
            ctx->store, err,
            "INSERT INTO watchlist_entries (id, list_id, reference, kind, primary_name,"
            " original_script_name, sex, dobs, nationalities, places_of_birth, documents, reason,"
            " alert_category, action, contributing_state, listed_on, valid_from, valid_until,"
            " status, details, content_hash, version, change_seq, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1, ?,"
            " ?, ?)",
            "ttttttttttttttttttttitt", entry_id, list->id, e->reference, e->kind, e->primary_name,
            e->original_script_name, e->sex ? sex : NULL, e->dobs_json, e->nats_json, e->pobs_json,
            e->docs_json, e->reason, e->alert_category, e->action, e->contributing_state,
            e->listed_on, now, e->valid_until, e->details_json, hash, seq, now, now);
        if (n < 0 || (rc = write_names(ctx, NULL, entry_id, e, true, err)) ||
            (rc = history(ctx, NULL, entry_id, 1, "added", NULL, snap, err))) {
            free(snap);
            return n < 0 ? (int)n : rc;
        }
        snprintf(ex.id, sizeof(ex.id), "%s", entry_id);
        ex.version = 1;
        ex.active = true;
    } else if (strcmp(ex.hash, hash) != 0 || (!ex.active && !ended)) {
        int ch = entry_write(ctx, NULL, list->id, e, &ex, seq, NULL, NULL, err);
        if (ch < 0) {
            free(snap);
            return ch;
        }
        ex.version++;
        ex.active = true;
    }
    free(snap);
    if (ended && ex.active && (rc = entry_end(ctx, NULL, &ex, seq, NULL, "ended on central", err)))
        return rc;
    *changed = true;
    return 0;
}
