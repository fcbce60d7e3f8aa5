/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry's write transaction (struct reg_writer, registry_impl.h) and
 * the upkeep of the statistics summary. The summary (docs/internals/
 * registry.md) is: a daily delta log reg_stat_delta (day, cell, band) ->
 * net change; reg_stat_current, the sum of every delta; and checkpoints,
 * the sum of the deltas up to a day, placed so that no more than about
 * CHECKPOINT_ROWS delta rows lie between two of them. Invariants kept here,
 * inside every write transaction:
 *   - every delta is dated on or before reg_stat_state.rolled_through;
 *   - every counted individual's age-band changes up to rolled_through are
 *     in the log, and band_next_on is the next one after it;
 *   - each checkpoint equals the sum of the deltas up to its day.
 * A writer first rolls the summary forward to today (the birthdays since
 * the last write), then batches the deltas of its changes in memory and
 * writes them, aggregated, just before it commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_impl.h"
#include "ubur/banned.h"

#define CHECKPOINT_ROWS 20000        /* delta rows between checkpoints, at least */
#define EAGER_CHECKPOINT_LIMIT 20000 /* checkpoint upserts a batch may do before rebuilding */

/* ---- string map ---- */

static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

void *
reg_map_get(const struct reg_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slot[i].key)
            return NULL;
        if (!strcmp(m->slot[i].key, key))
            return m->slot[i].value;
    }
}

void
reg_map_put(struct reg_map *m, const char *key, void *value)
{
    if ((m->used + 1) * 2 > m->cap) {
        struct reg_map old = *m;
        m->cap = old.cap ? old.cap * 2 : 64;
        m->slot = ubur_calloc(m->cap, sizeof(*m->slot));
        m->used = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i].key) {
                size_t j = str_hash(old.slot[i].key) & (m->cap - 1);
                while (m->slot[j].key)
                    j = (j + 1) & (m->cap - 1);
                m->slot[j] = old.slot[i];
                m->used++;
            }
        free(old.slot);
    }
    size_t i = str_hash(key) & (m->cap - 1);
    for (; m->slot[i].key; i = (i + 1) & (m->cap - 1))
        if (!strcmp(m->slot[i].key, key)) {
            m->slot[i].value = value;
            return;
        }
    m->slot[i].key = ubur_strdup(key);
    m->slot[i].value = value;
    m->used++;
}

void
reg_map_release(struct reg_map *m, void (*free_value)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i].key) {
            free(m->slot[i].key);
            if (free_value)
                free_value(m->slot[i].value);
        }
    free(m->slot);
    memset(m, 0, sizeof(*m));
}

/* ---- dates and roles ---- */

int64_t
reg_today(void)
{
    int64_t t = ubur_now();
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

int
reg_day_parse(const char *s, const char *field, int64_t *out, struct ubur_error *err)
{
    *out = UBUR_NO_DATE;
    if (!s || !*s)
        return 0;
    if (strlen(s) != 10 || ubur_date_parse(s, out, NULL))
        return ubur_error_field(err, UBUR_EINVAL, field, "'%.40s' is not a date (YYYY-MM-DD)", s);
    return 0;
}

static void
day_text(int64_t day, char out[UBUR_DATE_LEN + 1])
{
    ubur_date_format(day, out);
}

const char *
reg_day_text(struct ubur_ctx *ctx, int64_t day)
{
    char b[UBUR_DATE_LEN + 1];
    if (day == UBUR_NO_DATE)
        return NULL;
    day_text(day, b);
    return ubur_arena_strdup(&ctx->arena, b);
}

bool
reg_role_individuals(const struct ubur_ctx *ctx)
{
    return ctx->role & (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_REGISTRATION_OFFICER);
}

/* ---- locations ---- */

void
reg_loc_free(void *p)
{
    struct reg_loc *l = p;
    if (!l)
        return;
    free(l->id);
    free(l->pcode);
    free(l->parent_id);
    free(l->level);
    free(l->country);
    free(l->governorate_id);
    free(l->name_en);
    free(l->name_ar);
    free(l->location_type);
    free(l->accommodation_type);
    free(l);
}

static char *
dup_col(struct ubur_stmt *st, int col)
{
    const char *s = ubur_stmt_text(st, col);
    return s ? ubur_strdup(s) : NULL;
}

/* Fills by_key with every location under both its id and its pcode (the
 * same struct twice; free with reg_locations_release). */
int
reg_locations_load(struct ubur_ctx *ctx, struct reg_map *by_key, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, pcode, parent_id, level, country, governorate_id,"
                                " name_en, name_ar, location_type, accommodation_type"
                                " FROM reg_location",
                                &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        struct reg_loc *l = ubur_calloc(1, sizeof(*l));
        l->id = dup_col(st, 0);
        l->pcode = dup_col(st, 1);
        l->parent_id = dup_col(st, 2);
        l->level = dup_col(st, 3);
        l->country = dup_col(st, 4);
        l->governorate_id = dup_col(st, 5);
        l->name_en = dup_col(st, 6);
        l->name_ar = dup_col(st, 7);
        l->location_type = dup_col(st, 8);
        l->accommodation_type = dup_col(st, 9);
        reg_map_put(by_key, l->id, l);
        reg_map_put(by_key, l->pcode, l);
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* ---- the writer ---- */

void
reg_writer_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta)
{
    struct reg_writer *w = arg;
    ubur_popstat_deltas_add(&w->deltas, day, cell, band, delta);
    ubur_popstat_deltas_add(&w->current, 0, cell, band, delta);
}

void
reg_writer_new_id(struct reg_writer *w, char out[UBUR_UUID_LEN + 1])
{
    if (w->new_id)
        w->new_id(w->id_arg, out);
    else
        ubur_uuid7(out);
}

/* Each location is in the map twice (id and pcode): free it once, by id. */
void
reg_locations_release(struct reg_map *m)
{
    struct reg_loc **uniq = ubur_malloc((m->used + 1) * sizeof(*uniq));
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++) {
        struct reg_loc *l = m->slot[i].value;
        if (m->slot[i].key && l && !strcmp(m->slot[i].key, l->id))
            uniq[n++] = l;
    }
    reg_map_release(m, NULL);
    for (size_t i = 0; i < n; i++)
        reg_loc_free(uniq[i]);
    free(uniq);
}

int
reg_writer_loc(struct reg_writer *w, const char *key, const char *field, const struct reg_loc **out,
               struct ubur_error *err)
{
    if (!w->locs_loaded) {
        int rc = reg_locations_load(w->ctx, &w->locs, err);
        if (rc)
            return rc;
        w->locs_loaded = true;
    }
    *out = key ? reg_map_get(&w->locs, key) : NULL;
    if (!*out)
        return ubur_error_field(err, UBUR_EINVAL, field, "unknown location '%.60s'",
                                key ? key : "");
    return 0;
}

static void
writer_release(struct reg_writer *w)
{
    ubur_popstat_deltas_release(&w->deltas);
    ubur_popstat_deltas_release(&w->current);
    reg_map_release(&w->cells, NULL);
    reg_map_release(&w->counters, free);
    reg_locations_release(&w->locs);
    w->locs_loaded = false;
    free(w->ckpt);
    w->ckpt = NULL;
    w->nckpt = 0;
    w->open = false;
}

/* The birthdays between the last roll and today become deltas. */
static int
roll_forward(struct reg_writer *w, struct ubur_error *err)
{
    struct ubur_store *s = w->ctx->store;
    char *rolled = NULL, today[UBUR_DATE_LEN + 1];
    int64_t from;
    int rc = ubur_store_query_text(s, err, &rolled,
                                   "SELECT rolled_through FROM reg_stat_state WHERE id = 1", "");
    if (rc)
        return rc;
    rc = reg_day_parse(rolled, "rolled_through", &from, err);
    free(rolled);
    /* A clock set back must not date contributions before birthdays already rolled: those
     * would be counted through a day earlier than the summary claims, and missed for good. */
    w->stats_day = rc == 0 && from > w->today ? from : w->today;
    if (rc || from >= w->today)
        return rc;
    day_text(w->today, today);

    struct due {
        char id[UBUR_UUID_LEN + 1];
        int64_t birth;
    } *due = NULL;
    size_t ndue = 0, adue = 0;
    struct ubur_stmt *st;
    rc = ubur_store_prepare(s,
                            "SELECT id, birth_date, stat_cell FROM reg_individual"
                            " WHERE band_next_on IS NOT NULL AND band_next_on <= ?",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, today);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t birth;
        if (reg_day_parse(ubur_stmt_text(st, 1), "birth_date", &birth, err) ||
            birth == UBUR_NO_DATE) {
            rc = ubur_error_set(err, UBUR_EINTERNAL, "individual %s: bad birth date for roll",
                                ubur_stmt_text(st, 0));
            break;
        }
        ubur_popstat_transitions(birth, (uint32_t)ubur_stmt_int(st, 2), from, w->today,
                                 reg_writer_emit, w);
        if (ndue == adue) {
            adue = adue ? adue * 2 : 256;
            due = ubur_realloc(due, adue * sizeof(*due));
        }
        snprintf(due[ndue].id, sizeof(due[ndue].id), "%s", ubur_stmt_text(st, 0));
        due[ndue++].birth = birth;
    }
    ubur_stmt_done(st);
    for (size_t i = 0; rc >= 0 && i < ndue; i++) {
        char next[UBUR_DATE_LEN + 1];
        int64_t n = ubur_age_band_next(due[i].birth, w->today);
        if (n != UBUR_NO_DATE)
            day_text(n, next);
        int64_t ch =
            ubur_store_run(s, err, "UPDATE reg_individual SET band_next_on = ? WHERE id = ?", "tt",
                           n == UBUR_NO_DATE ? NULL : next, due[i].id);
        if (ch < 0)
            rc = (int)ch;
    }
    free(due);
    if (rc < 0)
        return rc;
    int64_t ch = ubur_store_run(s, err, "UPDATE reg_stat_state SET rolled_through = ? WHERE id = 1",
                                "t", today);
    return ch < 0 ? (int)ch : 0;
}

static int
load_checkpoints(struct reg_writer *w, struct ubur_error *err)
{
    struct ubur_stmt *st;
    size_t alloc = 0;
    int rc = ubur_store_prepare(w->ctx->store,
                                "SELECT day FROM reg_stat_checkpoint_day ORDER BY day", &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t d;
        if ((rc = reg_day_parse(ubur_stmt_text(st, 0), "checkpoint", &d, err)))
            break;
        if (w->nckpt == alloc) {
            alloc = alloc ? alloc * 2 : 32;
            w->ckpt = ubur_realloc(w->ckpt, alloc * sizeof(*w->ckpt));
        }
        w->ckpt[w->nckpt++] = d;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

int
reg_writer_begin(struct reg_writer *w, struct ubur_ctx *ctx, struct ubur_error *err)
{
    void (*new_id)(void *, char *) = w->new_id;
    void *id_arg = w->id_arg;
    memset(w, 0, sizeof(*w));
    w->new_id = new_id;
    w->id_arg = id_arg;
    w->ctx = ctx;
    w->today = reg_today();
    ubur_time_format(ubur_now(), w->now);
    int rc = 0;
    w->borrowed = ubur_store_in_tx(ctx->store);
    if (!w->borrowed && (rc = ubur_store_begin(ctx->store, err)))
        return rc;
    w->open = true;
    if ((rc = roll_forward(w, err)) || (rc = load_checkpoints(w, err))) {
        reg_writer_abort(w);
        return rc;
    }
    return 0;
}

void
reg_writer_abort(struct reg_writer *w)
{
    if (w->open && !w->borrowed)
        ubur_store_rollback(w->ctx->store);
    writer_release(w);
}

int
reg_writer_cell(struct reg_writer *w, const char *type, const char *origin, const char *loc_id,
                const char *sex, uint32_t *cell, struct ubur_error *err)
{
    char key[256];
    snprintf(key, sizeof(key), "%s|%s|%s|%s", type, origin, loc_id, sex);
    void *v = reg_map_get(&w->cells, key);
    if (v) {
        *cell = (uint32_t)(uintptr_t)v;
        return 0;
    }
    int64_t id = 0;
    int rc = ubur_store_query_int(w->ctx->store, err, &id,
                                  "SELECT id FROM reg_stat_cell WHERE population_type = ?"
                                  " AND origin = ? AND location_id = ? AND sex = ?",
                                  "tttt", type, origin, loc_id, sex);
    if (rc == UBUR_ENOTFOUND) {
        if (!w->cell_max &&
            (rc = ubur_store_query_int(w->ctx->store, err, &w->cell_max,
                                       "SELECT COALESCE(MAX(id), 0) FROM reg_stat_cell", "")))
            return rc;
        id = ++w->cell_max;
        int64_t ch = ubur_store_run(w->ctx->store, err,
                                    "INSERT INTO reg_stat_cell (id, population_type, origin,"
                                    " location_id, sex) VALUES (?, ?, ?, ?, ?)",
                                    "itttt", id, type, origin, loc_id, sex);
        rc = ch < 0 ? (int)ch : 0;
    }
    if (rc)
        return rc;
    reg_map_put(&w->cells, key, (void *)(uintptr_t)id);
    *cell = (uint32_t)id;
    return 0;
}

int
reg_writer_counter(struct reg_writer *w, const char *scope, int64_t *value, struct ubur_error *err)
{
    int64_t *v = reg_map_get(&w->counters, scope);
    if (!v) {
        v = ubur_malloc(sizeof(*v));
        int rc = ubur_store_query_int(w->ctx->store, err, v,
                                      "SELECT value FROM reg_counter WHERE scope = ?", "t", scope);
        if (rc == UBUR_ENOTFOUND) {
            *v = 0;
            rc = 0;
        }
        if (rc) {
            free(v);
            return rc;
        }
        reg_map_put(&w->counters, scope, v);
    }
    *value = ++*v;
    return 0;
}

/* Number of checkpoints on or after day (the ones a delta on that day changes). */
static size_t
checkpoints_from(const struct reg_writer *w, int64_t day)
{
    size_t lo = 0, hi = w->nckpt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->ckpt[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return w->nckpt - lo;
}

/* Adds checkpoints so that fewer than `target` delta rows follow the last one. */
static int
place_checkpoints(struct ubur_store *s, struct ubur_error *err)
{
    int64_t pairs = 0, target;
    char last[UBUR_DATE_LEN + 1] = "";
    char *t = NULL;
    int rc = ubur_store_query_int(s, err, &pairs, "SELECT COUNT(*) FROM reg_stat_current", "");
    if (rc)
        return rc;
    target = pairs > CHECKPOINT_ROWS ? pairs : CHECKPOINT_ROWS;
    rc = ubur_store_query_text(s, err, &t, "SELECT MAX(day) FROM reg_stat_checkpoint_day", "");
    if (rc)
        return rc;
    if (t)
        snprintf(last, sizeof(last), "%s", t);
    free(t);

    struct ubur_stmt *st;
    struct place {
        char day[UBUR_DATE_LEN + 1];
    } *at = NULL;
    size_t nat = 0, aat = 0;
    int64_t acc = 0;
    rc = ubur_store_prepare(s,
                            "SELECT day, COUNT(*) FROM reg_stat_delta WHERE day > ?"
                            " GROUP BY day ORDER BY day",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, last);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        acc += ubur_stmt_int(st, 1);
        if (acc >= target) {
            if (nat == aat) {
                aat = aat ? aat * 2 : 16;
                at = ubur_realloc(at, aat * sizeof(*at));
            }
            snprintf(at[nat++].day, sizeof(at->day), "%s", ubur_stmt_text(st, 0));
            acc = 0;
        }
    }
    ubur_stmt_done(st);
    for (size_t i = 0; rc >= 0 && i < nat; i++) {
        const char *prev = i ? at[i - 1].day : last;
        int64_t ch = ubur_store_run(s, err, "INSERT INTO reg_stat_checkpoint_day (day) VALUES (?)",
                                    "t", at[i].day);
        if (ch >= 0)
            ch = ubur_store_run(
                s, err,
                "INSERT INTO reg_stat_checkpoint (day, cell_id, band, count)"
                " SELECT ?, cell_id, band, SUM(n) FROM ("
                "  SELECT cell_id, band, count AS n FROM reg_stat_checkpoint WHERE day = ?"
                "  UNION ALL"
                "  SELECT cell_id, band, delta AS n FROM reg_stat_delta WHERE day > ? AND day <= ?"
                " ) AS x GROUP BY cell_id, band HAVING SUM(n) <> 0",
                "tttt", at[i].day, prev, prev, at[i].day);
        if (ch < 0)
            rc = (int)ch;
    }
    free(at);
    if (rc < 0)
        return rc;
    int64_t ch = ubur_store_run(
        s, err, "UPDATE reg_stat_state SET rows_since_checkpoint = ? WHERE id = 1", "i", acc);
    return ch < 0 ? (int)ch : 0;
}

int
reg_delta_order(const void *a, const void *b)
{
    const struct ubur_popstat_delta *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return (x->band > y->band) - (x->band < y->band);
}

static int
delta_cmp(const void *a, const void *b)
{
    return reg_delta_order(*(const struct ubur_popstat_delta *const *)a,
                           *(const struct ubur_popstat_delta *const *)b);
}

/* What a transaction's delta upserts change for the checkpoints (flush_stats). */
struct delta_tally {
    size_t affected_total; /* checkpoint rows the deltas change */
    int64_t min_affected;  /* the earliest day of a delta that changes one */
    int64_t new_rows;      /* upserts after the last checkpoint */
    int64_t last_ckpt;     /* the last checkpoint's day */
    int64_t day;           /* the day formatted in text (deltas come in day order) */
    char text[UBUR_DATE_LEN + 1];
};

/* Upserts one delta into the daily log and counts what it does to the checkpoints. */
static int
upsert_delta(struct reg_writer *w, const struct ubur_popstat_delta *e, struct delta_tally *t,
             struct ubur_error *err)
{
    if (e->day != t->day) { /* in day order: formatted once a day */
        t->day = e->day;
        day_text(e->day, t->text);
    }
    int rc = ubur_store_queue(w->ctx->store, err,
                              "INSERT INTO reg_stat_delta (day, cell_id, band, delta)"
                              " VALUES (?, ?, ?, ?) ON CONFLICT (day, cell_id, band)"
                              " DO UPDATE SET delta = reg_stat_delta.delta + excluded.delta",
                              "tiii", t->text, (int64_t)e->cell, (int64_t)e->band, e->delta);
    if (rc < 0)
        return rc;
    size_t a = checkpoints_from(w, e->day);
    t->affected_total += a;
    if (a && e->day < t->min_affected)
        t->min_affected = e->day;
    if (e->day > t->last_ckpt)
        t->new_rows++;
    return 0;
}

/* Adds a delta to every checkpoint on or after its day. */
static int
update_checkpoints(struct reg_writer *w, const struct ubur_popstat_delta *e, struct ubur_error *err)
{
    char day[UBUR_DATE_LEN + 1];
    if (!e->delta || !checkpoints_from(w, e->day))
        return 0;
    day_text(e->day, day);
    return ubur_store_queue(w->ctx->store, err,
                            "INSERT INTO reg_stat_checkpoint (day, cell_id, band, count)"
                            " SELECT day, ?, ?, ? FROM reg_stat_checkpoint_day WHERE day >= ?"
                            " ON CONFLICT (day, cell_id, band)"
                            " DO UPDATE SET count = reg_stat_checkpoint.count + excluded.count",
                            "iiit", (int64_t)e->cell, (int64_t)e->band, e->delta, day);
}

static int
upsert_current(struct reg_writer *w, const struct ubur_popstat_delta *e, struct ubur_error *err)
{
    if (!e->delta)
        return 0;
    return ubur_store_queue(w->ctx->store, err,
                            "INSERT INTO reg_stat_current (cell_id, band, count)"
                            " VALUES (?, ?, ?) ON CONFLICT (cell_id, band)"
                            " DO UPDATE SET count = reg_stat_current.count + excluded.count",
                            "iii", (int64_t)e->cell, (int64_t)e->band, e->delta);
}

/*
 * Writes the transaction's statistics: the deltas emitted into w->deltas and w->current, and
 * those the caller computed (w->given, w->given_current). The two may share keys; every
 * write adds, so that is the same as writing their sum.
 */
static int
flush_stats(struct reg_writer *w, struct ubur_error *err)
{
    struct ubur_store *s = w->ctx->store;
    const struct ubur_popstat_delta *e;
    size_t pos = 0;
    struct delta_tally t = {.min_affected = INT64_MAX,
                            .last_ckpt = w->nckpt ? w->ckpt[w->nckpt - 1] : INT64_MIN,
                            .day = INT64_MIN};
    char day[UBUR_DATE_LEN + 1];
    int rc = 0;

    /* In key order: neighbouring upserts touch the same pages of the log's index (a large
     * import writes a delta row per person and birthday; in hash order each was a random
     * B-tree descent). */
    const struct ubur_popstat_delta **sorted = ubur_malloc((w->deltas.used + 1) * sizeof(*sorted));
    size_t nsorted = 0;
    while ((e = ubur_popstat_deltas_next(&w->deltas, &pos)))
        sorted[nsorted++] = e;
    qsort(sorted, nsorted, sizeof(*sorted), delta_cmp);
    for (size_t k = 0; rc == 0 && k < nsorted; k++)
        rc = upsert_delta(w, sorted[k], &t, err);
    free(sorted);
    t.day = INT64_MIN;
    for (size_t k = 0; rc == 0 && k < w->ngiven; k++)
        if (w->given[k].delta)
            rc = upsert_delta(w, &w->given[k], &t, err);
    pos = 0;
    while (rc == 0 && (e = ubur_popstat_deltas_next(&w->current, &pos)))
        rc = upsert_current(w, e, err);
    for (size_t k = 0; rc == 0 && k < w->ngiven_current; k++)
        rc = upsert_current(w, &w->given_current[k], err);
    if (rc)
        return rc;
    if (t.affected_total > EAGER_CHECKPOINT_LIMIT) {
        /* A large backdated batch: drop the checkpoints it touches and place them anew. */
        day_text(t.min_affected, day);
        if (ubur_store_run(s, err, "DELETE FROM reg_stat_checkpoint WHERE day >= ?", "t", day) <
                0 ||
            ubur_store_run(s, err, "DELETE FROM reg_stat_checkpoint_day WHERE day >= ?", "t", day) <
                0)
            return err ? err->code : UBUR_ESTORE;
        t.new_rows += CHECKPOINT_ROWS;
    } else if (t.affected_total) {
        pos = 0;
        while (rc == 0 && (e = ubur_popstat_deltas_next(&w->deltas, &pos)))
            rc = update_checkpoints(w, e, err);
        for (size_t k = 0; rc == 0 && k < w->ngiven; k++)
            rc = update_checkpoints(w, &w->given[k], err);
        if (rc)
            return rc;
    }
    int64_t since = 0;
    rc = ubur_store_query_int(s, err, &since,
                              "UPDATE reg_stat_state SET rows_since_checkpoint ="
                              " rows_since_checkpoint + ? WHERE id = 1"
                              " RETURNING rows_since_checkpoint",
                              "i", t.new_rows);
    if (rc)
        return rc;
    if (since >= CHECKPOINT_ROWS && !w->defer_checkpoints)
        return place_checkpoints(s, err);
    return 0;
}

static int
flush_counters(struct reg_writer *w, struct ubur_error *err)
{
    for (size_t i = 0; i < w->counters.cap; i++) {
        struct reg_map_entry *e = &w->counters.slot[i];
        if (!e->key)
            continue;
        int64_t ch = ubur_store_run(w->ctx->store, err,
                                    "INSERT INTO reg_counter (scope, value) VALUES (?, ?)"
                                    " ON CONFLICT (scope) DO UPDATE SET value = excluded.value",
                                    "ti", e->key, *(int64_t *)e->value);
        if (ch < 0)
            return (int)ch;
    }
    return 0;
}

int
reg_writer_commit(struct reg_writer *w, struct ubur_error *err)
{
    int rc = flush_stats(w, err);
    if (!rc)
        rc = flush_counters(w, err);
    if (!rc && !w->borrowed) {
        rc = ubur_store_commit(w->ctx->store, err);
        w->open = false; /* commit rolls back by itself on failure */
    }
    if (rc)
        reg_writer_abort(w);
    else
        writer_release(w);
    return rc;
}

__thread bool reg_keep_ids;
