/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Likely duplicates of a person about to be registered
 * (ubur_registry_candidates): the registry's name_key index gives the
 * block (the same skeleton of given and family name, tried for each script
 * the person has), and the record-linkage scorer ranks it by names, date of
 * birth and origin. Returning candidates is a read of individuals, audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_impl.h"
#include "ubur/reclink.h"
#include "ubur/banned.h"

static bool
empty(const char *s)
{
    return !s || !*s;
}

static void
to_record(const struct ubur_reg_individual *p, bool arabic, struct ubur_reclink_record *r)
{
    memset(r, 0, sizeof(*r));
    r->id = p->id;
    if (arabic) {
        r->given = p->given_name_ar;
        r->family = !empty(p->family_name_ar) ? p->family_name_ar : p->father_name_ar;
    } else {
        r->given = p->given_name;
        r->family = !empty(p->family_name) ? p->family_name : p->father_name;
    }
    r->dob = INT64_MIN;
    if (!empty(p->birth_date)) {
        int64_t d;
        if (!ubur_date_parse(p->birth_date, &d, NULL))
            r->dob = d;
    }
    r->dob_estimated = p->birth_date_estimated;
    r->extra[0] = p->origin ? p->origin : "";
}

static double
best_score(const struct ubur_reg_individual *a, const struct ubur_reg_individual *b)
{
    struct ubur_reclink_config cfg = {.nextra = 1};
    double best = 0;
    for (int sa = 0; sa < 2; sa++)
        for (int sb = 0; sb < 2; sb++) {
            struct ubur_reclink_record ra, rb;
            to_record(a, sa, &ra);
            to_record(b, sb, &rb);
            if (empty(ra.given) || empty(rb.given))
                continue;
            double s = ubur_reclink_score(&ra, &rb, &cfg);
            if (s > best)
                best = s;
        }
    return best;
}

static int
cand_cmp(const void *x, const void *y)
{
    const struct ubur_reg_candidate *a = x, *b = y;
    return (a->score < b->score) - (a->score > b->score);
}

int
ubur_registry_candidates(struct ubur_ctx *ctx, const struct ubur_reg_individual *p,
                         double min_score, struct ubur_reg_candidate *out, size_t max, size_t *n,
                         struct ubur_error *err)
{
    struct ubur_reg_candidate *all = NULL;
    size_t nall = 0, alloc = 0;
    int rc;
    *n = 0;
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM,
                              "individual records are for registration officers"
                              " and supervisors");
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    for (int script = 0; script < 2; script++) {
        const char *given = script ? p->given_name_ar : p->given_name;
        const char *family =
            script ? (!empty(p->family_name_ar) ? p->family_name_ar : p->father_name_ar)
                   : (!empty(p->family_name) ? p->family_name : p->father_name);
        if (empty(given))
            continue;
        char key[160];
        ubur_reclink_name_key(given, family, key, sizeof(key));
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT " REG_INDIVIDUAL_COLUMNS " FROM reg_individual i"
                                     " JOIN reg_group g ON g.id = i.group_id"
                                     " JOIN reg_location l ON l.id = i.location_id"
                                     " WHERE i.name_key = ? AND i.status = 'active' LIMIT 500",
                                     &st, err)))
            goto fail;
        ubur_stmt_bind_text(st, 1, key);
        while ((rc = ubur_stmt_step(st, err)) == 1) {
            struct ubur_reg_individual q;
            reg_individual_from_row(ctx, st, &q);
            bool seen = false;
            for (size_t i = 0; i < nall && !seen; i++)
                seen = !strcmp(all[i].person.id, q.id);
            if (seen || (p->id && !strcmp(p->id, q.id)))
                continue;
            double s = best_score(p, &q);
            if (s < min_score)
                continue;
            if (nall == alloc) {
                alloc = alloc ? alloc * 2 : 16;
                all = ubur_realloc(all, alloc * sizeof(*all));
            }
            all[nall].person = q;
            all[nall++].score = s;
        }
        ubur_stmt_done(st);
        if (rc < 0)
            goto fail;
    }
    if (nall) /* qsort of NULL is undefined even for no elements */
        qsort(all, nall, sizeof(*all), cand_cmp);
    *n = nall < max ? nall : max;
    if (*n) {
        memcpy(out, all, *n * sizeof(*out));
        char detail[64];
        snprintf(detail, sizeof(detail), "{\"candidates\":%zu}", *n);
        for (size_t i = 0; i < *n; i++)
            if ((rc = ubur_audit(ctx, "registry.individual.candidate", "individual",
                                 out[i].person.id, detail, err)))
                goto fail;
    }
    free(all);
    return ubur_store_commit(ctx->store, err);
fail:
    free(all);
    *n = 0;
    ubur_store_rollback(ctx->store);
    return rc < 0 ? rc : UBUR_ESTORE;
}
