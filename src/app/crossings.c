/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crossing points and their operating schedules. A crossing point is one
 * side of a pair (its partner faces it across the border). Its operating
 * mode is never stored on the point: it is the row of crossing_schedules in
 * force at the time asked about (latest effective_from not after it, ties
 * to the latest created), so "rearranging" a crossing is scheduling a row
 * for a later date, a check is judged by the row in force at its own time,
 * and the table is the history. Rows are only ever added.
 *
 * Every check reads its crossing, so each connection keeps the crossings it
 * has read, with all their schedule rows (not a mode: the row in force is
 * chosen for each check's own time), in its store's cache slot. A counter
 * row (crossing_generation, migration 0035) that every writer of the two
 * tables increments in its transaction (ubur_crossings_changed) is read in
 * the caller's snapshot first: when it differs from the one the cache was
 * filled at, the cache is emptied and the crossing read again. One small
 * read instead of a join and a sorted search per check.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/banned.h"

int64_t
ubur_border_day(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static int
check_slug(const char *id, const char *field, struct ubur_error *err)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 2 || n > UBUR_CROSSING_ID_MAX || !islower((unsigned char)id[0]))
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%.40s' is not a crossing id (2 to %d of a-z, 0-9 and '-', "
                                "starting with a letter)",
                                id ? id : "", UBUR_CROSSING_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)id[i]) && !isdigit((unsigned char)id[i]) && id[i] != '-')
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "'%.40s' may hold only a-z, 0-9 and '-'", id);
    return 0;
}

static int
check_state(const char *s, const char *field, struct ubur_error *err)
{
    if (!s || strlen(s) != 3 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]) ||
        !isupper((unsigned char)s[2]))
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%.16s' is not a state code (ISO 3166 alpha-3, e.g. IRQ)",
                                s ? s : "");
    return 0;
}

static int
check_text(const char *s, const char *field, size_t max, bool required, struct ubur_error *err)
{
    if (!s || !*s) {
        if (required)
            return ubur_error_field(err, UBUR_EINVAL, field, "is required");
        return 0;
    }
    if (strlen(s) > max)
        return ubur_error_field(err, UBUR_EINVAL, field, "longer than %zu bytes", max);
    if (!ubur_utf8_valid(s, strlen(s)))
        return ubur_error_field(err, UBUR_EINVAL, field, "is not valid UTF-8 text");
    return 0;
}

int
ubur_border_may_act(const struct ubur_ctx *ctx, const struct border_crossing *c,
                    struct ubur_error *err)
{
    if (ctx->role == UBUR_ROLE_ADMIN || !ctx->state || !*ctx->state)
        return 0;
    if (strcmp(ctx->state, c->state) != 0)
        return ubur_error_set(err, UBUR_EPERM,
                              "crossing point '%s' belongs to %s; your account acts for %s", c->id,
                              c->state, ctx->state);
    return 0;
}

/* The schedule part of c: none in force (the crossing is not in operation). */
static void
schedule_clear(struct border_crossing *c)
{
    c->has_schedule = false;
    c->mode = UBUR_MODE_CLOSED;
    c->hours[0] = c->categories[0] = c->mode_since[0] = c->schedule_id[0] = '\0';
    c->open_minute = c->close_minute = -1;
    c->has_categories = false;
}

/* The schedule part of c from a crossing_schedules row (id, mode, hours, categories,
 * effective_from) as the current statement row of st. */
static void
schedule_fill(struct border_crossing *c, struct ubur_stmt *st)
{
    schedule_clear(c);
    c->has_schedule = true;
    snprintf(c->schedule_id, sizeof(c->schedule_id), "%s", ubur_stmt_text(st, 0));
    if (ubur_border_mode_parse(ubur_stmt_text(st, 1), &c->mode, NULL))
        c->mode = UBUR_MODE_CLOSED; /* an unknown mode in the store fails closed */
    if (!ubur_stmt_is_null(st, 2) &&
        !ubur_border_hours_parse(ubur_stmt_text(st, 2), &c->open_minute, &c->close_minute, NULL))
        snprintf(c->hours, sizeof(c->hours), "%s", ubur_stmt_text(st, 2));
    if (!ubur_stmt_is_null(st, 3)) {
        c->has_categories = true;
        snprintf(c->categories, sizeof(c->categories), "%s", ubur_stmt_text(st, 3));
    }
    snprintf(c->mode_since, sizeof(c->mode_since), "%s", ubur_stmt_text(st, 4));
}

/* Fills the schedule part of c from the row in force at `at`. */
static int
load_schedule(struct ubur_store *s, struct border_crossing *c, int64_t at, struct ubur_error *err)
{
    char when[UBUR_TIME_LEN + 1];
    struct ubur_stmt *st;
    ubur_time_format(at, when);
    int rc = ubur_store_prepare(s,
                                "SELECT id, mode, hours, categories, effective_from"
                                " FROM crossing_schedules WHERE crossing_id = ?"
                                " AND effective_from <= ? ORDER BY effective_from DESC, id DESC"
                                " LIMIT 1",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, c->id);
    ubur_stmt_bind_text(st, 2, when);
    schedule_clear(c);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        schedule_fill(c, st);
        rc = 0;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* The crossing point's own columns into out (zeroed first); 0 when there is no such point. */
static int
load_point(struct ubur_store *s, const char *id, struct border_crossing *out,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    memset(out, 0, sizeof(*out));
    int rc = ubur_store_prepare(s,
                                "SELECT c.id, c.name, c.state, c.partner_id,"
                                " c.utc_offset_minutes, p.state FROM crossing_points c"
                                " LEFT JOIN crossing_points p ON p.id = c.partner_id"
                                " WHERE c.id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(out->id, sizeof(out->id), "%s", ubur_stmt_text(st, 0));
        snprintf(out->name, sizeof(out->name), "%s", ubur_stmt_text(st, 1));
        snprintf(out->state, sizeof(out->state), "%s", ubur_stmt_text(st, 2));
        if (!ubur_stmt_is_null(st, 3))
            snprintf(out->partner_id, sizeof(out->partner_id), "%s", ubur_stmt_text(st, 3));
        out->utc_offset_minutes = (int)ubur_stmt_int(st, 4);
        if (!ubur_stmt_is_null(st, 5))
            snprintf(out->partner_state, sizeof(out->partner_state), "%s", ubur_stmt_text(st, 5));
    }
    ubur_stmt_done(st);
    return rc;
}

/* ---- the connection's cache of crossings (the file's comment) ---- */

#define CACHE_CROSSINGS 16  /* more distinct crossings read: the cache starts again */
#define CACHE_SCHEDULES 128 /* rows kept per crossing, the latest; older times read the store */

struct cached_schedule {
    char effective_from[UBUR_TIME_LEN + 1];
    char id[UBUR_UUID_LEN + 1];
    struct border_crossing c; /* the crossing with this row in force */
};

struct cached_crossing {
    struct border_crossing point; /* no schedule in force */
    struct cached_schedule *rows; /* latest first: effective_from, then id, descending */
    int n;
    bool complete; /* every row of the crossing is in rows */
};

struct crossing_cache {
    int64_t generation;
    struct cached_crossing x[CACHE_CROSSINGS];
    int n;
};

static const char cache_owner = 0; /* the store cache slot's owner tag */

static void
cache_empty(struct crossing_cache *cc)
{
    for (int i = 0; i < cc->n; i++)
        free(cc->x[i].rows);
    cc->n = 0;
}

static void
cache_release(void *p)
{
    cache_empty(p);
    free(p);
}

static int
row_order(const void *a, const void *b)
{
    const struct cached_schedule *x = a, *y = b;
    int d = strcmp(y->effective_from, x->effective_from);
    return d ? d : strcmp(y->id, x->id);
}

/* Reads crossing `id` and its latest schedule rows into a new cache entry; 0 when no point. */
static int
cache_fill(struct ubur_store *s, struct crossing_cache *cc, const char *id,
           struct cached_crossing **out, struct ubur_error *err)
{
    struct border_crossing point;
    struct ubur_stmt *st;
    int rc = load_point(s, id, &point, err);
    if (rc <= 0)
        return rc;
    schedule_clear(&point);
    if ((rc = ubur_store_prepare(s,
                                 "SELECT id, mode, hours, categories, effective_from"
                                 " FROM crossing_schedules WHERE crossing_id = ?"
                                 " ORDER BY effective_from DESC, id DESC LIMIT ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, point.id);
    ubur_stmt_bind_int(st, 2, CACHE_SCHEDULES + 1);
    struct cached_schedule *rows = ubur_calloc(CACHE_SCHEDULES + 1, sizeof(*rows));
    int n = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1 && n <= CACHE_SCHEDULES) {
        struct cached_schedule *r = &rows[n++];
        snprintf(r->id, sizeof(r->id), "%s", ubur_stmt_text(st, 0));
        snprintf(r->effective_from, sizeof(r->effective_from), "%s", ubur_stmt_text(st, 4));
        r->c = point;
        schedule_fill(&r->c, st);
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    if (cc->n == CACHE_CROSSINGS)
        cache_empty(cc);
    struct cached_crossing *x = &cc->x[cc->n++];
    x->point = point;
    x->complete = n <= CACHE_SCHEDULES;
    x->n = x->complete ? n : CACHE_SCHEDULES;
    /* the order compared as the cache looks rows up (bytes), whatever the store's collation */
    qsort(rows, (size_t)x->n, sizeof(*rows), row_order);
    x->rows = rows;
    *out = x;
    return 1;
}

/*
 * The crossing from the connection's cache, filled or refreshed as needed: 1 found (out
 * filled), 0 no such point, < 0 a store error; UBUR_ENOTFOUND (err untouched) when the cache
 * cannot answer (no counter row; a time before the rows kept): the caller reads the store.
 */
static int
cache_load(struct ubur_store *s, const char *id, int64_t at, struct border_crossing *out,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    int64_t generation;
    int rc = ubur_store_prepare(s,
                                "SELECT generation FROM crossing_generation"
                                " WHERE name = 'crossings'",
                                &st, NULL);
    if (rc)
        return UBUR_ENOTFOUND;
    rc = ubur_stmt_step(st, NULL);
    generation = rc == 1 ? ubur_stmt_int(st, 0) : 0;
    ubur_stmt_done(st);
    if (rc != 1)
        return UBUR_ENOTFOUND;

    struct crossing_cache *cc = ubur_store_cache(s, &cache_owner);
    if (!cc) {
        cc = ubur_calloc(1, sizeof(*cc));
        ubur_store_cache_set(s, &cache_owner, cc, cache_release);
        cc->generation = generation;
    }
    if (cc->generation != generation) {
        cache_empty(cc);
        cc->generation = generation;
    }
    struct cached_crossing *x = NULL;
    for (int i = 0; i < cc->n && !x; i++)
        if (!strcmp(cc->x[i].point.id, id))
            x = &cc->x[i];
    if (!x && (rc = cache_fill(s, cc, id, &x, err)) <= 0)
        return rc;

    char when[UBUR_TIME_LEN + 1];
    ubur_time_format(at, when);
    for (int i = 0; i < x->n; i++) {
        if (strcmp(x->rows[i].effective_from, when) <= 0) {
            *out = x->rows[i].c;
            return 1;
        }
    }
    if (!x->complete)
        return UBUR_ENOTFOUND;
    *out = x->point;
    return 1;
}

int
ubur_border_crossing_load(struct ubur_store *s, const char *id, int64_t at, const char *field,
                          struct border_crossing *out, struct ubur_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!id || !*id)
        return ubur_error_field(err, UBUR_EINVAL, field, "is required");
    int rc = cache_load(s, id, at, out, err);
#ifdef __SANITIZE_ADDRESS__
    /* the tests' builds: what the cache answers is what the store says, field for field */
    if (rc == 1) {
        struct border_crossing read;
        if (load_point(s, id, &read, NULL) != 1 || load_schedule(s, &read, at, NULL) ||
            memcmp(&read, out, sizeof(read)) != 0) {
            fprintf(stderr, "ubur: crossing %s at %lld: the cache differs from the store\n", id,
                    (long long)at);
            abort();
        }
    }
#endif
    if (rc == UBUR_ENOTFOUND && (rc = load_point(s, id, out, err)) == 1) {
        int sr = load_schedule(s, out, at, err);
        if (sr)
            return sr;
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ubur_error_field(err, UBUR_EINVAL, field, "no crossing point '%.40s'", id);
    return 0;
}

int
ubur_crossings_changed(struct ubur_store *s, struct ubur_error *err)
{
    int64_t n = ubur_store_run(s, err,
                               "UPDATE crossing_generation SET generation = generation + 1"
                               " WHERE name = 'crossings'",
                               "");
    return n < 0 ? (int)n : 0;
}

void
ubur_border_crossing_schedule(const struct border_crossing *c, struct ubur_border_schedule *out)
{
    out->mode = c->has_schedule ? c->mode : UBUR_MODE_CLOSED;
    out->open_minute = c->hours[0] ? c->open_minute : -1;
    out->close_minute = c->hours[0] ? c->close_minute : -1;
    out->categories = c->has_categories ? c->categories : NULL;
    out->utc_offset_minutes = c->utc_offset_minutes;
}

/* ---- adding ---- */

int
ubur_crossing_add(struct ubur_ctx *ctx, const struct ubur_crossing_input *in,
                  struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    int rc;

    if (ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only an admin adds crossing points");
    if ((rc = check_slug(in->id, "id", err)) ||
        (rc = check_text(in->name, "name", 120, true, err)) ||
        (rc = check_text(in->name_ar, "name_ar", 240, false, err)) ||
        (rc = check_state(in->state, "state", err)) ||
        (rc = check_text(in->governorate, "governorate", 120, true, err)))
        return rc;
    if (!isnan(in->latitude) && (in->latitude < -90 || in->latitude > 90))
        return ubur_error_field(err, UBUR_EINVAL, "latitude", "%.4f is not from -90 to 90",
                                in->latitude);
    if (!isnan(in->longitude) && (in->longitude < -180 || in->longitude > 180))
        return ubur_error_field(err, UBUR_EINVAL, "longitude", "%.4f is not from -180 to 180",
                                in->longitude);
    if (in->utc_offset_minutes < -720 || in->utc_offset_minutes > 840)
        return ubur_error_field(err, UBUR_EINVAL, "utc_offset_minutes",
                                "%d is not from -720 to 840", in->utc_offset_minutes);
    if (in->partner_id && (rc = check_slug(in->partner_id, "partner_id", err)))
        return rc;

    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if (in->partner_id) {
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT state, partner_id FROM crossing_points WHERE id = ?",
                                     &st, err)))
            goto fail;
        ubur_stmt_bind_text(st, 1, in->partner_id);
        rc = ubur_stmt_step(st, err);
        if (rc == 0)
            rc = ubur_error_field(err, UBUR_EINVAL, "partner_id", "no crossing point '%s'",
                                  in->partner_id);
        else if (rc == 1 && !strcmp(ubur_stmt_text(st, 0), in->state))
            rc = ubur_error_field(err, UBUR_EINVAL, "partner_id",
                                  "'%s' is in %s too; a pair has one point on each side",
                                  in->partner_id, in->state);
        else if (rc == 1 && !ubur_stmt_is_null(st, 1))
            rc = ubur_error_field(err, UBUR_ECONFLICT, "partner_id",
                                  "'%s' is already paired with '%s'", in->partner_id,
                                  ubur_stmt_text(st, 1));
        else if (rc == 1)
            rc = 0;
        ubur_stmt_done(st);
        if (rc)
            goto fail;
    }
    struct ubur_stmt *ins;
    if ((rc = ubur_store_prepare(
             ctx->store,
             "INSERT INTO crossing_points (id, name, name_ar, state, governorate,"
             " latitude, longitude, partner_id, utc_offset_minutes, created_at)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
             &ins, err)))
        goto fail;
    ubur_stmt_bind_text(ins, 1, in->id);
    ubur_stmt_bind_text(ins, 2, in->name);
    ubur_stmt_bind_text(ins, 3, in->name_ar && *in->name_ar ? in->name_ar : NULL);
    ubur_stmt_bind_text(ins, 4, in->state);
    ubur_stmt_bind_text(ins, 5, in->governorate);
    if (isnan(in->latitude))
        ubur_stmt_bind_null(ins, 6);
    else
        ubur_stmt_bind_double(ins, 6, in->latitude);
    if (isnan(in->longitude))
        ubur_stmt_bind_null(ins, 7);
    else
        ubur_stmt_bind_double(ins, 7, in->longitude);
    ubur_stmt_bind_text(ins, 8, in->partner_id);
    ubur_stmt_bind_int(ins, 9, in->utc_offset_minutes);
    ubur_stmt_bind_text(ins, 10, now);
    rc = ubur_stmt_step(ins, err);
    int64_t n = rc < 0 ? 0 : ubur_stmt_changes(ins);
    ubur_stmt_done(ins);
    if (rc < 0)
        goto fail;
    if (n == 0) {
        rc = ubur_error_field(err, UBUR_ECONFLICT, "id", "crossing point '%s' already exists",
                              in->id);
        goto fail;
    }
    if (in->partner_id) {
        n = ubur_store_run(ctx->store, err,
                           "UPDATE crossing_points SET partner_id = ? WHERE id = ?", "tt", in->id,
                           in->partner_id);
        if (n < 0) {
            rc = (int)n;
            goto fail;
        }
    }
    if ((rc = ubur_crossings_changed(ctx->store, err)))
        goto fail;
    json_t *detail = json_pack("{s:s, s:s, s:s?}", "name", in->name, "state", in->state,
                               "partner_id", in->partner_id);
    char *d = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    rc = ubur_audit(ctx, "crossing.create", "crossing_point", in->id, d, err);
    free(d);
    if (rc)
        goto fail;
    return ubur_store_commit(ctx->store, err);
fail:
    ubur_store_rollback(ctx->store);
    return rc;
}

/* ---- reading ---- */

static json_t *
schedule_json(struct ubur_stmt *st)
{
    /* columns: id, effective_from, mode, hours, categories, note, created_by, created_at */
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "id", ubur_stmt_text(st, 0),
                     "effective_from", ubur_stmt_text(st, 1), "mode", ubur_stmt_text(st, 2),
                     "hours", ubur_stmt_text(st, 3), "categories", ubur_stmt_text(st, 4), "note",
                     ubur_stmt_text(st, 5), "created_by", ubur_stmt_text(st, 6), "created_at",
                     ubur_stmt_text(st, 7));
}

#define SCHEDULE_COLUMNS "id, effective_from, mode, hours, categories, note, created_by, created_at"

/* The row of a point for lists: identity, mode in force at `at`, next change. */
static int
crossing_json(struct ubur_store *s, struct ubur_stmt *row, int64_t at, json_t **out,
              struct ubur_error *err)
{
    /* row columns: id, name, name_ar, state, governorate, latitude, longitude, partner_id,
     * utc_offset_minutes */
    struct border_crossing c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", ubur_stmt_text(row, 0));
    c.utc_offset_minutes = (int)ubur_stmt_int(row, 8);
    int rc = load_schedule(s, &c, at, err);
    if (rc)
        return rc;
    json_t *o = json_pack(
        "{s:s, s:s, s:s?, s:s, s:s, s:o, s:o, s:s?, s:i}", "id", c.id, "name",
        ubur_stmt_text(row, 1), "name_ar", ubur_stmt_text(row, 2), "state", ubur_stmt_text(row, 3),
        "governorate", ubur_stmt_text(row, 4), "latitude",
        ubur_stmt_is_null(row, 5) ? json_null() : json_real(ubur_stmt_double(row, 5)), "longitude",
        ubur_stmt_is_null(row, 6) ? json_null() : json_real(ubur_stmt_double(row, 6)), "partner_id",
        ubur_stmt_text(row, 7), "utc_offset_minutes", c.utc_offset_minutes);
    json_object_set_new(o, "mode", json_string(ubur_border_mode_name(c.mode)));
    json_object_set_new(o, "mode_description",
                        json_string(c.has_schedule ? ubur_border_mode_description(c.mode)
                                                   : "not in operation (no schedule in force)"));
    json_object_set_new(o, "hours", c.hours[0] ? json_string(c.hours) : json_null());
    const char *cats =
        c.has_categories ? c.categories : ubur_border_mode_default_categories(c.mode);
    json_object_set_new(o, "categories", cats ? json_string(cats) : json_null());
    json_object_set_new(o, "mode_since", c.mode_since[0] ? json_string(c.mode_since) : json_null());
    json_object_set_new(o, "schedule_id",
                        c.schedule_id[0] ? json_string(c.schedule_id) : json_null());

    char when[UBUR_TIME_LEN + 1];
    struct ubur_stmt *st;
    ubur_time_format(at, when);
    if ((rc = ubur_store_prepare(s,
                                 "SELECT " SCHEDULE_COLUMNS " FROM crossing_schedules"
                                 " WHERE crossing_id = ? AND effective_from > ?"
                                 " ORDER BY effective_from, id DESC LIMIT 1",
                                 &st, err))) {
        json_decref(o);
        return rc;
    }
    ubur_stmt_bind_text(st, 1, c.id);
    ubur_stmt_bind_text(st, 2, when);
    rc = ubur_stmt_step(st, err);
    json_object_set_new(o, "next_change", rc == 1 ? schedule_json(st) : json_null());
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

#define POINT_COLUMNS                                                                              \
    "id, name, name_ar, state, governorate, latitude, longitude, partner_id, utc_offset_minutes"

int
ubur_crossing_list(struct ubur_ctx *ctx, int64_t at, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store, "SELECT " POINT_COLUMNS " FROM crossing_points ORDER BY state, id", &st, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *o;
        if ((rc = crossing_json(ctx->store, st, at, &o, err)))
            break;
        json_array_append_new(arr, o);
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
ubur_crossing_show(struct ubur_ctx *ctx, const char *id, int64_t at, json_t **out,
                   struct ubur_error *err)
{
    struct ubur_stmt *st;
    json_t *o = NULL;
    int rc = ubur_store_prepare(
        ctx->store, "SELECT " POINT_COLUMNS " FROM crossing_points WHERE id = ?", &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        rc = crossing_json(ctx->store, st, at, &o, err);
    else if (rc == 0)
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no crossing point '%.40s'", id ? id : "");
    ubur_stmt_done(st);
    if (rc)
        return rc;

    const char *partner = json_string_value(json_object_get(o, "partner_id"));
    if (partner) {
        char *pname = NULL, *pstate = NULL;
        if (!ubur_store_query_text(ctx->store, NULL, &pname,
                                   "SELECT name FROM crossing_points WHERE id = ?", "t", partner) &&
            !ubur_store_query_text(ctx->store, NULL, &pstate,
                                   "SELECT state FROM crossing_points WHERE id = ?", "t", partner))
            json_object_set_new(
                o, "partner",
                json_pack("{s:s, s:s, s:s}", "id", partner, "name", pname, "state", pstate));
        free(pname);
        free(pstate);
    }
    const char *in_force = json_string_value(json_object_get(o, "schedule_id"));
    char when[UBUR_TIME_LEN + 1];
    ubur_time_format(at, when);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT " SCHEDULE_COLUMNS " FROM crossing_schedules"
                                 " WHERE crossing_id = ? ORDER BY effective_from, id",
                                 &st, err))) {
        json_decref(o);
        return rc;
    }
    ubur_stmt_bind_text(st, 1, id);
    json_t *hist = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *r = schedule_json(st);
        json_object_set_new(r, "in_force",
                            json_boolean(in_force && !strcmp(in_force, ubur_stmt_text(st, 0))));
        json_object_set_new(r, "upcoming", json_boolean(strcmp(ubur_stmt_text(st, 1), when) > 0));
        json_array_append_new(hist, r);
    }
    ubur_stmt_done(st);
    /* A row followed by one with the same effective_from never takes effect. */
    for (size_t i = 0; i + 1 < json_array_size(hist); i++) {
        json_t *a = json_array_get(hist, i), *b = json_array_get(hist, i + 1);
        bool superseded = !strcmp(json_string_value(json_object_get(a, "effective_from")),
                                  json_string_value(json_object_get(b, "effective_from")));
        json_object_set_new(a, "superseded", json_boolean(superseded));
    }
    if (json_array_size(hist))
        json_object_set_new(json_array_get(hist, json_array_size(hist) - 1), "superseded",
                            json_false());
    json_object_set_new(o, "schedule", hist);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- scheduling ---- */

int
ubur_crossing_schedule(struct ubur_ctx *ctx, const struct ubur_schedule_input *in, json_t **out,
                       struct ubur_error *err)
{
    struct border_crossing c;
    enum ubur_border_mode mode;
    char cats[UBUR_BORDER_CATEGORIES_MAX], from[UBUR_TIME_LEN + 1], now[UBUR_TIME_LEN + 1];
    char id[UBUR_UUID_LEN + 1];
    int open_minute, close_minute, rc;
    int64_t t = ubur_now();

    if (ctx->role != UBUR_ROLE_ADMIN && ctx->role != UBUR_ROLE_SUPERVISOR)
        return ubur_error_set(err, UBUR_EPERM, "only a supervisor or an admin schedules modes");
    if ((rc = ubur_border_crossing_load(ctx->store, in->crossing_id, t, "crossing_id", &c, err))) {
        /* the crossing is the one named (the API's path, the CLI's ID), as for crossing show */
        if (rc == UBUR_EINVAL && in->crossing_id && *in->crossing_id) {
            rc = ubur_error_set(err, UBUR_ENOTFOUND, "no crossing point '%.40s'", in->crossing_id);
        }
        return rc;
    }
    if ((rc = ubur_border_may_act(ctx, &c, err)))
        return rc;
    if ((rc = ubur_border_mode_parse(in->mode, &mode, err)))
        return rc;
    if (mode == UBUR_MODE_RESTRICTED_HOURS && (!in->hours || !*in->hours))
        return ubur_error_field(err, UBUR_EINVAL, "hours",
                                "mode restricted_hours needs opening hours 'HH:MM-HH:MM'");
    if (mode == UBUR_MODE_CLOSED && in->hours && *in->hours)
        return ubur_error_field(err, UBUR_EINVAL, "hours", "a closed crossing has no hours");
    if (in->hours && *in->hours &&
        (rc = ubur_border_hours_parse(in->hours, &open_minute, &close_minute, err)))
        return rc;
    if (in->categories && mode == UBUR_MODE_CLOSED)
        return ubur_error_field(err, UBUR_EINVAL, "categories",
                                "a closed crossing lets no category through");
    if (in->categories &&
        (rc = ubur_border_categories_normalise(in->categories, cats, sizeof(cats), err)))
        return rc;
    if (in->categories && !cats[0])
        return ubur_error_field(err, UBUR_EINVAL, "categories",
                                "an empty list lets no one through: schedule mode closed, or "
                                "leave categories out for the mode's own list");
    if ((rc = check_text(in->note, "note", 500, false, err)))
        return rc;
    if (in->from < t - 60 && ctx->role != UBUR_ROLE_ADMIN) {
        ubur_time_format(in->from, from);
        return ubur_error_field(err, UBUR_EINVAL, "from",
                                "'%s' is in the past: changes are scheduled ahead (only an admin "
                                "records past changes)",
                                from);
    }
    ubur_time_format(in->from, from);
    ubur_time_format(t, now);
    ubur_uuid7(id);
    const char *hours = in->hours && *in->hours ? in->hours : NULL;
    const char *categories = in->categories ? cats : NULL;
    const char *note = in->note && *in->note ? in->note : NULL;

    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO crossing_schedules (id, crossing_id, effective_from,"
                               " mode, hours, categories, note, created_by, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               "ttttttttt", id, c.id, from, ubur_border_mode_name(mode), hours,
                               categories, note, ctx->username ? ctx->username : "?", now);
    if (n < 0) {
        rc = (int)n;
        goto fail;
    }
    if ((rc = ubur_crossings_changed(ctx->store, err)))
        goto fail;
    json_t *row =
        json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "id", id, "crossing_id", c.id,
                  "effective_from", from, "mode", ubur_border_mode_name(mode), "hours", hours,
                  "categories", categories, "note", note, "created_by",
                  ctx->username ? ctx->username : "?", "created_at", now);
    char *d = json_dumps(row, JSON_COMPACT);
    rc = ubur_audit(ctx, "crossing.schedule", "crossing_point", c.id, d, err);
    free(d);
    if (rc || (rc = ubur_store_commit(ctx->store, err))) {
        json_decref(row);
        goto fail;
    }
    *out = row;
    return 0;
fail:
    ubur_store_rollback(ctx->store);
    return rc;
}
