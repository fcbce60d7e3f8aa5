/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The screening service: one entry point (ubur_screen) for border checks,
 * visa applications, registrations, the CLI and the API.
 *
 * The name index is process-wide: one struct ubur_name_index plus, per
 * record, the entry's identity and facts, guarded by a pthread rwlock.
 * Screenings hold the read lock while searching; ubur_screening_sync takes
 * the write lock only when watchlist_state.seq moved, and then reads only
 * the entries whose change_seq is newer than what it holds (the whole store
 * on first use). Records are never reused: an entry keeps its record for
 * the life of the process, so a hit's record stays meaningful.
 *
 * Cases: a hit at or above the threshold opens a case unless the same
 * (subject, entry) pair was dismissed while both fingerprints (the subject's
 * screened data, the entry's content hash) were what they are now; an open
 * case for the same pair and fingerprints is reused rather than duplicated.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ubur/name_index.h"
#include "ubur/util.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

struct record {
    char id[UBUR_UUID_LEN + 1];
    char *list, *reference, *primary, *action, *hash;
    struct ubur_person_facts facts;
    bool active;
};

static struct {
    pthread_rwlock_t lock;
    pthread_mutex_t sync_lock;
    struct ubur_name_index *ix;
    struct record *recs;
    uint32_t nrecs, cap;
    /* entry id -> record + 1, open addressing */
    uint32_t *map;
    uint32_t mapcap;
    int64_t seq;
    bool loaded;
} g = {PTHREAD_RWLOCK_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0, NULL, 0, 0, false};

static uint32_t
hash_id(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t *
map_slot(const char *id)
{
    uint32_t mask = g.mapcap - 1, i = hash_id(id) & mask;
    while (g.map[i] && strcmp(g.recs[g.map[i] - 1].id, id))
        i = (i + 1) & mask;
    return &g.map[i];
}

static void
map_grow(void)
{
    uint32_t ncap = g.mapcap ? g.mapcap * 2 : 4096;
    uint32_t *old = g.map, oldcap = g.mapcap;
    g.map = ubur_calloc(ncap, sizeof(uint32_t));
    g.mapcap = ncap;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i])
            *map_slot(g.recs[old[i] - 1].id) = old[i];
    free(old);
}

static void
record_clear(struct record *r)
{
    free(r->list);
    free(r->reference);
    free(r->primary);
    free(r->action);
    free(r->hash);
    r->list = r->reference = r->primary = r->action = r->hash = NULL;
}

void
ubur_screening_shutdown(void)
{
    pthread_rwlock_wrlock(&g.lock);
    for (uint32_t i = 0; i < g.nrecs; i++)
        record_clear(&g.recs[i]);
    free(g.recs);
    free(g.map);
    ubur_name_index_free(g.ix);
    g.recs = NULL;
    g.map = NULL;
    g.ix = NULL;
    g.nrecs = g.cap = g.mapcap = 0;
    g.seq = 0;
    g.loaded = false;
    pthread_rwlock_unlock(&g.lock);
}

static void
facts_from_json(struct ubur_person_facts *f, const char *dobs, const char *nats, const char *sex)
{
    memset(f, 0, sizeof(*f));
    json_t *d = json_loads(dobs ? dobs : "[]", 0, NULL),
           *n = json_loads(nats ? nats : "[]", 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(d, i, v)
    {
        if (f->ndob < UBUR_FACTS_MAX && json_is_string(v) &&
            !ubur_dob_parse(json_string_value(v), &f->dob[f->ndob], NULL) && f->dob[f->ndob].kind)
            f->ndob++;
    }
    json_array_foreach(n, i, v)
    {
        if (f->nnat < UBUR_FACTS_MAX && json_is_string(v) && strlen(json_string_value(v)) <= 3)
            snprintf(f->nat[f->nnat++], 4, "%s", json_string_value(v));
    }
    json_decref(d);
    json_decref(n);
    f->sex = sex && (sex[0] == 'M' || sex[0] == 'F') ? sex[0] : 0;
}

static char *
dup_or_null(const char *s)
{
    return s ? ubur_strdup(s) : NULL;
}

/* Applies entries changed after g.seq. Caller holds the write lock. */
static int
load_changes(struct ubur_store *s, int64_t upto, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        s,
        "SELECT e.id, w.name, e.reference, e.primary_name, e.action, e.content_hash, e.dobs,"
        " e.nationalities, e.sex, e.status"
        " FROM watchlist_entries e JOIN watchlists w ON w.id = e.list_id"
        " WHERE e.change_seq > ? AND e.change_seq <= ? ORDER BY e.change_seq",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_int(st, 1, g.seq);
    ubur_stmt_bind_int(st, 2, upto);
    uint32_t first_new = g.nrecs;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *id = ubur_stmt_text(st, 0);
        if ((g.nrecs + 1) * 2 >= g.mapcap)
            map_grow();
        uint32_t *slot = map_slot(id);
        struct record *r;
        if (*slot) {
            r = &g.recs[*slot - 1];
            ubur_name_index_remove(g.ix, *slot - 1);
            record_clear(r);
        } else {
            if (g.nrecs == g.cap) {
                g.cap = g.cap ? g.cap * 2 : 1024;
                g.recs = ubur_realloc(g.recs, g.cap * sizeof(struct record));
            }
            r = &g.recs[g.nrecs++];
            memset(r, 0, sizeof(*r));
            snprintf(r->id, sizeof(r->id), "%s", id);
            *slot = g.nrecs;
        }
        r->list = dup_or_null(ubur_stmt_text(st, 1));
        r->reference = dup_or_null(ubur_stmt_text(st, 2));
        r->primary = dup_or_null(ubur_stmt_text(st, 3));
        r->action = dup_or_null(ubur_stmt_text(st, 4));
        r->hash = dup_or_null(ubur_stmt_text(st, 5));
        facts_from_json(&r->facts, ubur_stmt_text(st, 6), ubur_stmt_text(st, 7),
                        ubur_stmt_text(st, 8));
        r->active = !strcmp(ubur_stmt_text(st, 9), "active");
        r->active = r->active; /* names are added below, in one pass */
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    (void)first_new;
    /* Names of the entries just changed that are active. */
    rc = ubur_store_prepare(s,
                            "SELECT n.entry_id, n.name FROM watchlist_names n"
                            " JOIN watchlist_entries e ON e.id = n.entry_id"
                            " WHERE e.change_seq > ? AND e.change_seq <= ?"
                            " AND e.status = 'active' ORDER BY n.entry_id, n.position",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_int(st, 1, g.seq);
    ubur_stmt_bind_int(st, 2, upto);
    ubur_name_index_bulk_begin(g.ix); /* postings placed once, at the end */
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        uint32_t *slot = map_slot(ubur_stmt_text(st, 0));
        if (!*slot)
            continue;
        ubur_name_index_add(g.ix, *slot - 1, ubur_stmt_text(st, 1), NULL);
    }
    ubur_name_index_bulk_end(g.ix);
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    g.seq = upto;
    return 0;
}

int
ubur_screening_sync(struct ubur_store *s, struct ubur_error *err)
{
    int64_t seq = 0;
    int rc = ubur_store_query_int(s, err, &seq, "SELECT seq FROM watchlist_state", "");
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&g.lock);
    bool fresh = g.loaded && g.seq == seq;
    pthread_rwlock_unlock(&g.lock);
    if (fresh)
        return 0;
    pthread_mutex_lock(&g.sync_lock);
    pthread_rwlock_wrlock(&g.lock);
    rc = 0;
    if (!g.loaded || g.seq != seq) {
        if (!g.ix)
            g.ix = ubur_name_index_new();
        rc = load_changes(s, seq, err);
        if (!rc)
            g.loaded = true;
    }
    pthread_rwlock_unlock(&g.lock);
    pthread_mutex_unlock(&g.sync_lock);
    return rc;
}

/* ---------------------------------------------------------------- screen */

struct found {
    uint32_t record;
    uint32_t name_id;
    double score;
};

static int
found_cmp(const void *a, const void *b)
{
    const struct found *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->record < y->record ? -1 : x->record > y->record;
}

static void
hex_hash(const char *s, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, d, sizeof(d));
}

static int
validate(const struct ubur_screen_query *q, struct ubur_name *qn, struct ubur_person_facts *qf,
         struct ubur_screen_result *out, struct ubur_error *err)
{
    memset(qf, 0, sizeof(*qf));
    if (!q->name || !*q->name)
        return ubur_error_field(err, UBUR_EINVAL, "name", "name is required");
    int rc = ubur_name_parse(qn, q->name, err);
    if (rc)
        return rc;
    out->dob[0] = '\0';
    if (q->dob && *q->dob) {
        if ((rc = ubur_dob_parse(q->dob, &qf->dob[0], err)))
            return rc;
        if (qf->dob[0].kind) {
            qf->ndob = 1;
            ubur_dob_format(&qf->dob[0], out->dob);
        }
    }
    out->nationality[0] = '\0';
    if (q->nationality && *q->nationality) {
        if (!ubur_country_alpha3(q->nationality, qf->nat[0]) || strlen(q->nationality) > 3)
            return ubur_error_field(err, UBUR_EINVAL, "nationality",
                                    "'%.20s' is not an ISO 3166 alpha-2 or alpha-3 code",
                                    q->nationality);
        qf->nnat = 1;
        snprintf(out->nationality, sizeof(out->nationality), "%s", qf->nat[0]);
    }
    out->sex = 0;
    if (q->sex && *q->sex) {
        if ((q->sex[0] != 'M' && q->sex[0] != 'F') || q->sex[1])
            return ubur_error_field(err, UBUR_EINVAL, "sex", "sex '%.10s' is not M or F", q->sex);
        qf->sex = q->sex[0];
        out->sex = q->sex[0];
    }
    out->threshold = q->threshold > 0 ? q->threshold : UBUR_SCREEN_THRESHOLD;
    if (q->threshold < 0 || out->threshold > 1)
        return ubur_error_field(err, UBUR_EINVAL, "threshold",
                                "threshold %.3f is not between 0 and 1", q->threshold);
    out->limit = q->limit > 0 ? q->limit : UBUR_SCREEN_LIMIT;
    if (q->limit < 0 || out->limit > UBUR_SCREEN_MAX_LIMIT)
        return ubur_error_field(err, UBUR_EINVAL, "limit", "limit %d is not between 1 and %d",
                                q->limit, UBUR_SCREEN_MAX_LIMIT);
    return 0;
}

/*
 * Stores the screening and opens cases (one transaction, audited). Inside a
 * caller's open transaction (a visa application) it writes there instead, so
 * the screening commits or vanishes with what it was made for.
 */
static int
record_screening(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                 struct ubur_screen_result *out, const char *subject_key, const char *subject_hash,
                 const char **entry_hashes, struct ubur_error *err)
{
    bool own = !ubur_store_in_tx(ctx->store);
    int rc = own ? ubur_store_begin(ctx->store, err) : 0;
    if (rc)
        return rc;
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    ubur_uuid7(out->screening_id);
    out->alerts = 0;
    for (int i = 0; i < out->nhits; i++) {
        struct ubur_screen_hit *h = &out->hits[i];
        h->case_id[0] = '\0';
        h->dismissed = false;
        if (h->score < out->threshold)
            continue;
        char *cid = NULL;
        rc = ubur_store_query_text(ctx->store, NULL, &cid,
                                   "SELECT id FROM screening_cases WHERE subject_key = ?"
                                   " AND entry_id = ? AND subject_hash = ? AND entry_hash = ?"
                                   " AND status = 'dismissed' LIMIT 1",
                                   "tttt", subject_key, h->entry_id, subject_hash, entry_hashes[i]);
        if (rc == 0) {
            h->dismissed = true;
            free(cid);
            continue;
        }
        out->alerts++;
    }
    char sex[2] = {out->sex, 0};
    char *hits_json = ubur_screen_result_json(q, out);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO screenings (id, at, user_id, username, context, subject_ref, subject_key,"
        " subject_hash, query_name, dob, nationality, sex, threshold, hit_count, alert_count,"
        " max_score, elapsed_us, hits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?)",
        "ttttttttttttdiidit", out->screening_id, now, ctx->user_id, ctx->username,
        q->context ? q->context : "api", q->subject_ref, subject_key, subject_hash, q->name,
        out->dob[0] ? out->dob : NULL, out->nationality[0] ? out->nationality : NULL,
        out->sex ? sex : NULL, out->threshold, (int64_t)out->nhits, (int64_t)out->alerts,
        out->nhits ? out->hits[0].score : 0.0, (int64_t)out->elapsed_us, hits_json);
    free(hits_json);
    if (n < 0) {
        rc = (int)n;
        goto fail;
    }
    for (int i = 0; i < out->nhits; i++) {
        struct ubur_screen_hit *h = &out->hits[i];
        if (h->score < out->threshold || h->dismissed)
            continue;
        char *cid = NULL;
        rc = ubur_store_query_text(ctx->store, NULL, &cid,
                                   "SELECT id FROM screening_cases WHERE subject_key = ?"
                                   " AND entry_id = ? AND subject_hash = ? AND entry_hash = ?"
                                   " AND status = 'open' LIMIT 1",
                                   "tttt", subject_key, h->entry_id, subject_hash, entry_hashes[i]);
        if (rc == 0) {
            snprintf(h->case_id, sizeof(h->case_id), "%s", cid);
            free(cid);
            continue;
        }
        ubur_uuid7(h->case_id);
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO screening_cases (id, screening_id, entry_id, subject_key,"
                           " subject_hash, entry_hash, score, status, opened_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                           "ttttttdt", h->case_id, out->screening_id, h->entry_id, subject_key,
                           subject_hash, entry_hashes[i], h->score, now);
        if (n < 0) {
            rc = (int)n;
            goto fail;
        }
        if ((rc = ubur_audit(ctx, "case.open", "screening_case", h->case_id, NULL, err)))
            goto fail;
    }
    char *detail =
        ubur_arena_printf(&ctx->arena, "{\"hits\":%d,\"alerts\":%d}", out->nhits, out->alerts);
    if ((rc = ubur_audit(ctx, "screening.create", "screening", out->screening_id, detail, err)))
        goto fail;
    return own ? ubur_store_commit(ctx->store, err) : 0;
fail:
    if (own)
        ubur_store_rollback(ctx->store);
    return rc;
}

int
ubur_screen_match(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                  struct ubur_screen_result *out, struct ubur_error *err)
{
    struct ubur_name qn;
    struct ubur_person_facts qf;
    struct timespec t0;
    memset(out, 0, sizeof(*out));
    int rc = validate(q, &qn, &qf, out, err);
    if (rc)
        return rc;
    if ((rc = ubur_screening_sync(ctx->store, err)))
        return rc;
    /* elapsed_us is the matching itself; loading the index on first use is not counted */
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* Facts can raise a name score by at most 0.11: search that far below. */
    int want = out->limit * 4 + 16;
    struct ubur_name_hit *nh = ubur_arena_alloc(&ctx->arena, sizeof(*nh) * (size_t)want);
    struct found *fd = ubur_arena_alloc(&ctx->arena, sizeof(*fd) * (size_t)want);
    const char **hashes = ubur_arena_alloc(&ctx->arena, sizeof(char *) * (size_t)want);
    int nf = 0;
    pthread_rwlock_rdlock(&g.lock);
    int n = g.ix ? ubur_name_index_search(g.ix, &qn, out->threshold - 0.11, nh, want, NULL) : 0;
    for (int i = 0; i < n; i++) {
        const struct record *r = &g.recs[nh[i].record];
        double s = nh[i].score + ubur_facts_adjust(&qf, &r->facts, NULL);
        s = s < 0 ? 0 : s > 1 ? 1 : s;
        if (s < out->threshold)
            continue;
        int k = 0;
        for (; k < nf; k++)
            if (fd[k].record == nh[i].record)
                break;
        if (k < nf) {
            if (s > fd[k].score)
                fd[k] = (struct found){nh[i].record, nh[i].name_id, s};
            continue;
        }
        fd[nf++] = (struct found){nh[i].record, nh[i].name_id, s};
    }
    qsort(fd, (size_t)nf, sizeof(*fd), found_cmp);
    if (nf > out->limit)
        nf = out->limit;
    out->hits = ubur_arena_alloc(&ctx->arena, sizeof(*out->hits) * (size_t)(nf ? nf : 1));
    struct ubur_person_facts *cf =
        ubur_arena_alloc(&ctx->arena, sizeof(*cf) * (size_t)(nf ? nf : 1));
    for (int i = 0; i < nf; i++) {
        const struct record *r = &g.recs[fd[i].record];
        struct ubur_screen_hit *h = &out->hits[i];
        snprintf(h->entry_id, sizeof(h->entry_id), "%s", r->id);
        h->list = ubur_arena_strdup(&ctx->arena, r->list);
        h->reference = ubur_arena_strdup(&ctx->arena, r->reference);
        h->name = ubur_arena_strdup(&ctx->arena, r->primary);
        h->action = ubur_arena_strdup(&ctx->arena, r->action);
        h->matched_name = ubur_arena_strdup(&ctx->arena, ubur_name_index_text(g.ix, fd[i].name_id));
        h->score = fd[i].score;
        hashes[i] = ubur_arena_strdup(&ctx->arena, r->hash);
        cf[i] = r->facts;
    }
    pthread_rwlock_unlock(&g.lock);
    out->nhits = nf;

    /* Explanations outside the lock: re-parse the matched name and score with reasons. */
    for (int i = 0; i < nf; i++) {
        struct ubur_name cn;
        struct ubur_buf ex = UBUR_BUF_INIT;
        struct ubur_screen_hit *h = &out->hits[i];
        if (ubur_name_parse(&cn, h->matched_name, NULL) == 0) {
            double s = ubur_person_score(&qn, &qf, &cn, &cf[i], &ex);
            h->score = s;
        }
        h->explanation = ubur_arena_strdup(&ctx->arena, ex.s);
        ubur_buf_release(&ex);
    }
    /* keep the order by the (identical) final score */
    for (int i = 1; i < nf; i++) {
        struct ubur_screen_hit x = out->hits[i];
        const char *hx = hashes[i];
        int j = i - 1;
        while (j >= 0 && out->hits[j].score < x.score) {
            out->hits[j + 1] = out->hits[j];
            hashes[j + 1] = hashes[j];
            j--;
        }
        out->hits[j + 1] = x;
        hashes[j + 1] = hx;
    }
    out->alerts = 0;
    for (int i = 0; i < nf; i++)
        if (out->hits[i].score >= out->threshold)
            out->alerts++;
    out->elapsed_us = (long)ubur_elapsed_us(&t0);
    out->entry_hashes = hashes;
    return 0;
}

int
ubur_screen_record(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                   struct ubur_screen_result *out, struct ubur_error *err)
{
    /* Who is screened: the caller's id, or a fingerprint of what was screened. */
    char fold[UBUR_NAME_MAX_BYTES * 2], subject_hash[65], subject_key[80];
    ubur_name_fold(q->name, fold, sizeof(fold), NULL);
    char *basis = ubur_arena_printf(&ctx->arena, "%s|%s|%s|%c", fold, out->dob, out->nationality,
                                    out->sex ? out->sex : '-');
    hex_hash(basis, subject_hash);
    if (q->subject_ref && *q->subject_ref)
        snprintf(subject_key, sizeof(subject_key), "ref:%.70s", q->subject_ref);
    else
        snprintf(subject_key, sizeof(subject_key), "h:%.64s", subject_hash);
    return record_screening(ctx, q, out, subject_key, subject_hash, out->entry_hashes, err);
}

int
ubur_screen(struct ubur_ctx *ctx, const struct ubur_screen_query *q, struct ubur_screen_result *out,
            struct ubur_error *err)
{
    int rc = ubur_screen_match(ctx, q, out, err);
    if (rc || q->no_record)
        return rc;
    return ubur_screen_record(ctx, q, out, err);
}

char *
ubur_screen_result_json(const struct ubur_screen_query *q, const struct ubur_screen_result *r)
{
    json_t *o = json_object(), *query = json_object(), *hits = json_array();
    json_object_set_new(query, "name", json_string(q->name ? q->name : ""));
    json_object_set_new(query, "dob", r->dob[0] ? json_string(r->dob) : json_null());
    json_object_set_new(query, "nationality",
                        r->nationality[0] ? json_string(r->nationality) : json_null());
    json_object_set_new(query, "sex", r->sex ? json_stringn(&r->sex, 1) : json_null());
    json_object_set_new(query, "threshold", json_real(r->threshold));
    json_object_set_new(query, "limit", json_integer(r->limit));
    json_object_set_new(o, "query", query);
    for (int i = 0; i < r->nhits; i++) {
        const struct ubur_screen_hit *h = &r->hits[i];
        json_t *x = json_object();
        json_object_set_new(x, "entry_id", json_string(h->entry_id));
        json_object_set_new(x, "list", json_string(h->list ? h->list : ""));
        json_object_set_new(x, "reference", json_string(h->reference ? h->reference : ""));
        json_object_set_new(x, "name", json_string(h->name ? h->name : ""));
        json_object_set_new(x, "matched_name", json_string(h->matched_name ? h->matched_name : ""));
        json_object_set_new(x, "score", json_real((double)(long)(h->score * 1000 + 0.5) / 1000));
        json_object_set_new(x, "explanation", json_string(h->explanation ? h->explanation : ""));
        if (h->action)
            json_object_set_new(x, "action", json_string(h->action));
        if (h->case_id[0])
            json_object_set_new(x, "case_id", json_string(h->case_id));
        if (h->dismissed)
            json_object_set_new(x, "dismissed", json_true());
        json_array_append_new(hits, x);
    }
    json_object_set_new(o, "hits", hits);
    json_object_set_new(o, "elapsed_us", json_integer(r->elapsed_us));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    return s;
}

/* ------------------------------------------------------------------ cases */

int
ubur_cases_json(struct ubur_ctx *ctx, const char *status, int limit, char **json,
                struct ubur_error *err)
{
    if (status && strcmp(status, "open") && strcmp(status, "confirmed") &&
        strcmp(status, "dismissed"))
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "status '%.20s' is not open, confirmed or dismissed", status);
    if (limit <= 0 || limit > 1000)
        limit = 100;
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT c.id, c.status, c.score, c.opened_at, c.decided_at, c.decided_by, c.reason,"
        " s.query_name, s.dob, s.nationality, e.id, e.reference, e.primary_name, w.name, e.action"
        " FROM screening_cases c JOIN screenings s ON s.id = c.screening_id"
        " JOIN watchlist_entries e ON e.id = c.entry_id JOIN watchlists w ON w.id = e.list_id"
        " WHERE (? IS NULL OR c.status = ?) ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, status);
    ubur_stmt_bind_text(st, 2, status);
    ubur_stmt_bind_int(st, 3, limit);
    json_t *arr = json_array();
    static const char *const k[] = {"id",         "status",      NULL,       "opened_at",
                                    "decided_at", "decided_by",  "reason",   "query_name",
                                    "dob",        "nationality", "entry_id", "reference",
                                    "entry_name", "list",        "action"};
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *o = json_object();
        for (int i = 0; i < 15; i++) {
            if (i == 2) {
                json_object_set_new(o, "score", json_real(ubur_stmt_double(st, 2)));
                continue;
            }
            json_object_set_new(o, k[i],
                                ubur_stmt_is_null(st, i) ? json_null()
                                                         : json_string(ubur_stmt_text(st, i)));
        }
        json_array_append_new(arr, o);
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *json = json_dumps(arr, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_decref(arr);
    return 0;
}

int
ubur_case_decide(struct ubur_ctx *ctx, const char *case_id, const char *decision,
                 const char *reason, struct ubur_error *err)
{
    if (ctx->role != UBUR_ROLE_SUPERVISOR && ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only supervisors decide screening cases");
    const char *status = decision && !strcmp(decision, "confirm")   ? "confirmed"
                         : decision && !strcmp(decision, "dismiss") ? "dismissed"
                                                                    : NULL;
    if (!status)
        return ubur_error_field(err, UBUR_EINVAL, "decision",
                                "decision '%.20s' is not confirm or dismiss",
                                decision ? decision : "");
    if (!reason || !*reason || strlen(reason) > 2000)
        return ubur_error_field(err, UBUR_EINVAL, "reason",
                                "a reason (1 to 2000 bytes) is required");
    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    char *cur = NULL;
    rc = ubur_store_query_text(ctx->store, err, &cur,
                               "SELECT status FROM screening_cases WHERE id = ?", "t", case_id);
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc == UBUR_ENOTFOUND ? ubur_error_set(err, rc, "case '%.40s' not found", case_id)
                                    : rc;
    }
    bool open = !strcmp(cur, "open");
    free(cur);
    if (!open) {
        ubur_store_rollback(ctx->store);
        return ubur_error_set(err, UBUR_ECONFLICT, "case '%.40s' is already decided", case_id);
    }
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE screening_cases SET status = ?, decided_at = ?,"
                               " decided_by = ?, reason = ? WHERE id = ?",
                               "ttttt", status, now, ctx->username, reason, case_id);
    if (n < 0)
        rc = (int)n;
    if (!rc) {
        json_t *d = json_object();
        json_object_set_new(d, "reason", json_string(reason));
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = ubur_audit(ctx, status[0] == 'c' ? "case.confirm" : "case.dismiss", "screening_case",
                        case_id, detail, err);
        free(detail);
    }
    if (rc) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}
