/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Population statistics from the summary tables (ubur_registry_stats), the
 * same figures computed from every record (ubur_registry_stats_scan, the
 * check and the benchmark's peer) and the rebuild of the summary.
 *
 * A query for day D reads at most one checkpoint (or reg_stat_current when
 * D is on or after the last roll) plus the delta rows between it and D,
 * which checkpoint placement bounds; birthdays between the last roll and D
 * are added from the individuals whose band_next_on falls in that range
 * (nobody has written since the roll, so their cells have not changed).
 * Cells are then mapped to the requested dimensions in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_impl.h"
#include "ubur/banned.h"

struct cell_info {
    const char *v[UBUR_DIM_COUNT]; /* every dimension but the age band */
};

struct counts {
    int64_t *n; /* (ncells + 1) * UBUR_BAND_COUNT */
    int64_t ncells;
};

static void
counts_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta)
{
    struct counts *c = arg;
    (void)day;
    if ((int64_t)cell <= c->ncells)
        c->n[(size_t)cell * UBUR_BAND_COUNT + (size_t)band] += delta;
}

static int
load_cells(struct ubur_ctx *ctx, struct ubur_arena *a, struct cell_info **out, int64_t *ncells,
           struct ubur_error *err)
{
    int rc = ubur_store_query_int(ctx->store, err, ncells,
                                  "SELECT COALESCE(MAX(id), 0) FROM reg_stat_cell", "");
    if (rc)
        return rc;
    struct cell_info *cells = ubur_calloc((size_t)*ncells + 1, sizeof(*cells));
    struct ubur_stmt *st;
    rc = ubur_store_prepare(ctx->store,
                            "SELECT c.id, l.country, c.population_type, c.origin,"
                            " COALESCE(g.name_en, ''), l.name_en, l.location_type, c.sex"
                            " FROM reg_stat_cell c JOIN reg_location l ON l.id = c.location_id"
                            " LEFT JOIN reg_location g ON g.id = l.governorate_id",
                            &st, err);
    if (rc) {
        free(cells);
        return rc;
    }
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t id = ubur_stmt_int(st, 0);
        if (id < 1 || id > *ncells)
            continue;
        for (int d = 0; d < UBUR_DIM_AGE_BAND; d++)
            cells[id].v[d] = ubur_arena_strdup(a, ubur_stmt_text(st, d + 1));
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        free(cells);
        return rc;
    }
    *out = cells;
    return 0;
}

/* Adds (cell_id, band, n) rows of a query with one optional text parameter... */
static int
add_rows(struct ubur_store *s, const char *sql, const char *p1, const char *p2, struct counts *c,
         struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    if (p1)
        ubur_stmt_bind_text(st, 1, p1);
    if (p2)
        ubur_stmt_bind_text(st, 2, p2);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t band = ubur_stmt_int(st, 1);
        if (band >= 0 && band < UBUR_BAND_COUNT)
            counts_emit(c, 0, (uint32_t)ubur_stmt_int(st, 0), (int)band, ubur_stmt_int(st, 2));
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
query_day(struct ubur_ctx *ctx, const char *as_of, int64_t *day, struct ubur_error *err)
{
    int64_t today = reg_today();
    int rc = reg_day_parse(as_of, "as_of", day, err);
    if (rc)
        return rc;
    if (*day == UBUR_NO_DATE)
        *day = today;
    if (*day > today)
        return ubur_error_field(err, UBUR_EINVAL, "as_of", "'%s' is in the future", as_of);
    (void)ctx;
    return 0;
}

static void
table_from_counts(struct ubur_poptable *out, const struct ubur_popstat_query *q,
                  const struct cell_info *cells, const struct counts *c)
{
    const char *v[UBUR_DIM_COUNT];
    for (int64_t id = 1; id <= c->ncells; id++) {
        if (!cells[id].v[0])
            continue;
        for (int b = 0; b < UBUR_BAND_COUNT; b++) {
            int64_t n = c->n[(size_t)id * UBUR_BAND_COUNT + (size_t)b];
            if (!n)
                continue;
            for (int d = 0; d < q->ndims; d++)
                v[d] = q->dims[d] == UBUR_DIM_AGE_BAND ? ubur_age_band_name(b)
                                                       : cells[id].v[q->dims[d]];
            ubur_poptable_add(out, v, n);
        }
    }
}

int
ubur_registry_stats(struct ubur_ctx *ctx, const struct ubur_popstat_query *q,
                    struct ubur_poptable *out, struct ubur_error *err)
{
    struct ubur_store *s = ctx->store;
    struct ubur_arena a = UBUR_ARENA_INIT;
    struct cell_info *cells = NULL;
    struct counts c = {NULL, 0};
    char dtext[UBUR_DATE_LEN + 1], *rolled_text = NULL, *ckpt = NULL;
    int64_t day, rolled;
    int rc;

    ubur_poptable_init(out, q->dims, q->ndims);
    if (!ctx->role)
        return ubur_error_set(err, UBUR_EAUTH, "statistics need a signed-in user");
    if ((rc = query_day(ctx, q->as_of, &day, err)))
        return rc;
    ubur_date_format(day, dtext);
    snprintf(out->as_of, sizeof(out->as_of), "%s", dtext);
    /* The summary is consistent at every commit; the reads below see one
     * snapshot only inside a transaction. A deferred (read) transaction:
     * ubur_store_begin would take the write lock. */
    bool own = !ubur_store_in_tx(s);
    if (own && (rc = ubur_store_exec(s, "BEGIN", err)))
        return rc;
    if ((rc = load_cells(ctx, &a, &cells, &c.ncells, err)))
        goto out;
    c.n = ubur_calloc((size_t)(c.ncells + 1) * UBUR_BAND_COUNT, sizeof(int64_t));
    if ((rc = ubur_store_query_text(
             s, err, &rolled_text, "SELECT rolled_through FROM reg_stat_state WHERE id = 1", "")) ||
        (rc = reg_day_parse(rolled_text, "rolled_through", &rolled, err)))
        goto out;
    if (day >= rolled) {
        rc = add_rows(s, "SELECT cell_id, band, count FROM reg_stat_current", NULL, NULL, &c, err);
        if (rc || day == rolled)
            goto done;
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(s,
                                     "SELECT birth_date, stat_cell FROM reg_individual"
                                     " WHERE band_next_on IS NOT NULL AND band_next_on <= ?",
                                     &st, err)))
            goto out;
        ubur_stmt_bind_text(st, 1, dtext);
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            int64_t birth;
            if (reg_day_parse(ubur_stmt_text(st, 0), "birth_date", &birth, NULL) ||
                birth == UBUR_NO_DATE)
                continue;
            ubur_popstat_transitions(birth, (uint32_t)ubur_stmt_int(st, 1), rolled, day,
                                     counts_emit, &c);
        }
        ubur_stmt_done(st);
        if (rc < 0)
            goto out;
        rc = 0;
        goto done;
    }
    rc = ubur_store_query_text(
        s, err, &ckpt, "SELECT MAX(day) FROM reg_stat_checkpoint_day WHERE day <= ?", "t", dtext);
    if (rc)
        goto out;
    if (ckpt && (rc = add_rows(s,
                               "SELECT cell_id, band, count FROM reg_stat_checkpoint"
                               " WHERE day = ?",
                               ckpt, NULL, &c, err)))
        goto out;
    rc = add_rows(s, "SELECT cell_id, band, delta FROM reg_stat_delta WHERE day > ? AND day <= ?",
                  ckpt ? ckpt : "", dtext, &c, err);
done:
    if (!rc)
        table_from_counts(out, q, cells, &c);
out:
    if (own)
        ubur_store_exec(s, "COMMIT", NULL); /* read-only: nothing to lose */
    ubur_poptable_finish(out);
    free(rolled_text);
    free(ckpt);
    free(c.n);
    free(cells);
    ubur_arena_release(&a);
    return rc;
}

/* ---- the slow way ---- */

int
ubur_registry_stats_scan(struct ubur_ctx *ctx, const struct ubur_popstat_query *q,
                         struct ubur_poptable *out, struct ubur_error *err)
{
    struct reg_map locs = {0};
    char dtext[UBUR_DATE_LEN + 1];
    int64_t day;
    int rc;

    ubur_poptable_init(out, q->dims, q->ndims);
    if ((rc = query_day(ctx, q->as_of, &day, err)))
        return rc;
    ubur_date_format(day, dtext);
    snprintf(out->as_of, sizeof(out->as_of), "%s", dtext);
    if ((rc = reg_locations_load(ctx, &locs, err)))
        goto out;
    /* For each individual, the latest history entry in effect on the day. */
    struct ubur_stmt *st;
    rc = ubur_store_prepare(ctx->store,
                            "SELECT h.individual_id, h.status, h.population_type, h.location_id,"
                            " i.origin, i.sex, i.birth_date"
                            " FROM reg_history h JOIN reg_individual i ON i.id = h.individual_id"
                            " WHERE h.effective_on <= ?"
                            " ORDER BY h.individual_id, h.seq",
                            &st, err);
    if (rc)
        goto out;
    ubur_stmt_bind_text(st, 1, dtext);
    char prev[UBUR_UUID_LEN + 1] = "";
    struct {
        bool active;
        char type[8], loc[UBUR_UUID_LEN + 1], origin[8], sex[4], birth[12];
    } cur = {0};
    for (;;) {
        rc = ubur_stmt_step(st, err);
        const char *id = rc == 1 ? ubur_stmt_text(st, 0) : NULL;
        if (prev[0] && (!id || strcmp(id, prev))) {
            /* close the previous individual */
            struct reg_loc *l = reg_map_get(&locs, cur.loc);
            if (cur.active && l) {
                struct reg_loc *g =
                    l->governorate_id ? reg_map_get(&locs, l->governorate_id) : NULL;
                int64_t birth = UBUR_NO_DATE;
                reg_day_parse(cur.birth, "birth_date", &birth, NULL);
                const char *all[UBUR_DIM_COUNT] = {
                    l->country, cur.type,
                    cur.origin, g ? g->name_en : "",
                    l->name_en, l->location_type,
                    cur.sex,    ubur_age_band_name(ubur_age_band(birth, day))};
                const char *v[UBUR_DIM_COUNT];
                for (int d = 0; d < q->ndims; d++)
                    v[d] = all[q->dims[d]];
                ubur_poptable_add(out, v, 1);
            }
        }
        if (!id)
            break;
        snprintf(prev, sizeof(prev), "%s", id);
        cur.active = !strcmp(ubur_stmt_text(st, 1), "active");
        snprintf(cur.type, sizeof(cur.type), "%s", ubur_stmt_text(st, 2));
        snprintf(cur.loc, sizeof(cur.loc), "%s", ubur_stmt_text(st, 3));
        snprintf(cur.origin, sizeof(cur.origin), "%s", ubur_stmt_text(st, 4));
        snprintf(cur.sex, sizeof(cur.sex), "%s", ubur_stmt_text(st, 5));
        const char *b = ubur_stmt_text(st, 6);
        snprintf(cur.birth, sizeof(cur.birth), "%s", b ? b : "");
    }
    ubur_stmt_done(st);
    rc = rc < 0 ? rc : 0;
out:
    ubur_poptable_finish(out);
    reg_locations_release(&locs);
    return rc;
}

/* ---- rebuild ---- */

struct person_hist {
    char id[UBUR_UUID_LEN + 1];
    int64_t birth;
    char origin[8], sex[4];
    struct ubur_popstat_segment *seg;
    size_t nseg, aseg;
};

int
ubur_registry_stats_rebuild(struct ubur_ctx *ctx, struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct ubur_stmt *st;
    int rc;

    if (!(ctx->role & (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR)))
        return ubur_error_set(err, UBUR_EPERM, "rebuilding statistics needs a supervisor");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    /* The roll's deltas are discarded with everything else: start empty. */
    ubur_popstat_deltas_reset(&w.deltas);
    ubur_popstat_deltas_reset(&w.current);
    free(w.ckpt);
    w.ckpt = NULL;
    w.nckpt = 0;
    if ((rc = ubur_store_exec(ctx->store,
                              "DELETE FROM reg_stat_delta; DELETE FROM reg_stat_current;"
                              " DELETE FROM reg_stat_checkpoint;"
                              " DELETE FROM reg_stat_checkpoint_day;"
                              " UPDATE reg_stat_state SET rows_since_checkpoint = 0;"
                              " UPDATE reg_individual SET stat_cell = NULL, band_next_on = NULL",
                              err)))
        goto fail;
    rc = ubur_store_prepare(ctx->store,
                            "SELECT h.individual_id, i.birth_date, i.origin, i.sex,"
                            " h.effective_on, h.status, h.population_type, h.location_id"
                            " FROM reg_history h JOIN reg_individual i ON i.id = h.individual_id"
                            " ORDER BY h.individual_id, h.seq",
                            &st, err);
    if (rc)
        goto fail;
    struct person_hist p = {0};
    struct pending {
        char id[UBUR_UUID_LEN + 1];
        uint32_t cell;
        int64_t next;
    } *pend = NULL;
    size_t npend = 0, apend = 0;
    for (;;) {
        rc = ubur_stmt_step(st, err);
        const char *id = rc == 1 ? ubur_stmt_text(st, 0) : NULL;
        if (p.id[0] && (!id || strcmp(id, p.id))) {
            ubur_popstat_contribution(p.birth, p.seg, p.nseg, w.stats_day, 1, reg_writer_emit, &w);
            const struct ubur_popstat_segment *last = &p.seg[p.nseg - 1];
            if (npend == apend) {
                apend = apend ? apend * 2 : 1024;
                pend = ubur_realloc(pend, apend * sizeof(*pend));
            }
            snprintf(pend[npend].id, sizeof(pend->id), "%s", p.id);
            pend[npend].cell = last->counted ? last->cell : 0;
            pend[npend].next =
                last->counted ? ubur_age_band_next(p.birth, w.stats_day) : UBUR_NO_DATE;
            npend++;
            p.nseg = 0;
        }
        if (!id)
            break;
        if (strcmp(id, p.id)) {
            snprintf(p.id, sizeof(p.id), "%s", id);
            reg_day_parse(ubur_stmt_text(st, 1), "birth_date", &p.birth, NULL);
            snprintf(p.origin, sizeof(p.origin), "%s", ubur_stmt_text(st, 2));
            snprintf(p.sex, sizeof(p.sex), "%s", ubur_stmt_text(st, 3));
        }
        if (p.nseg == p.aseg) {
            p.aseg = p.aseg ? p.aseg * 2 : 8;
            p.seg = ubur_realloc(p.seg, p.aseg * sizeof(*p.seg));
        }
        struct ubur_popstat_segment *sg = &p.seg[p.nseg++];
        int64_t from;
        reg_day_parse(ubur_stmt_text(st, 4), "effective_on", &from, NULL);
        sg->from = from;
        sg->counted = !strcmp(ubur_stmt_text(st, 5), "active");
        sg->cell = 0;
        if ((rc = reg_writer_cell(&w, ubur_stmt_text(st, 6), p.origin, ubur_stmt_text(st, 7), p.sex,
                                  &sg->cell, err)))
            break;
    }
    ubur_stmt_done(st);
    free(p.seg);
    for (size_t i = 0; rc >= 0 && i < npend; i++) {
        char next[UBUR_DATE_LEN + 1];
        if (pend[i].next != UBUR_NO_DATE)
            ubur_date_format(pend[i].next, next);
        int64_t ch =
            pend[i].cell
                ? ubur_store_run(ctx->store, err,
                                 "UPDATE reg_individual SET stat_cell = ?, band_next_on = ?"
                                 " WHERE id = ?",
                                 "itt", (int64_t)pend[i].cell,
                                 pend[i].next == UBUR_NO_DATE ? NULL : next, pend[i].id)
                : 0;
        if (ch < 0)
            rc = (int)ch;
    }
    free(pend);
    if (rc < 0)
        goto fail;
    if ((rc = ubur_audit(ctx, "registry.stats.rebuild", "registry", NULL, NULL, err)))
        goto fail;
    return reg_writer_commit(&w, err);
fail:
    reg_writer_abort(&w);
    return rc;
}
