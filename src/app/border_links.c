/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The border's boundaries to other modules, in one file so that wiring a
 * module in (or out) touches only this file:
 *   - watchlist screening (src/app/screening.c, ubur/watchlist.h): every
 *     traveller is screened; a hit becomes a watchlist_hit reason;
 *   - the name engine (ubur/names.h): whether two renderings of a name are
 *     the same person's, to link a new passport to a known traveller;
 *   - the refugee registry (ubur/registry.h): a recorded crossing into a
 *     registered person's state of origin flags them as a returnee.
 * A check entering a state asks the registry whether the traveller is a
 * registered refugee from that state (ubur_registry_returnee_lookup, a read):
 * then the check carries the `returnee` category (which humanitarian-only
 * crossings admit) without the officer declaring it; the record hook then
 * flags the person as a returnee in the record's transaction.
 */
#include <ctype.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/names.h"
#include "ubur/registry.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

/*
 * Screening is split so that no check takes the write lock of its own: the
 * matching (the costly part, in memory) runs while the check reads, beside
 * other checks; the screening row and any case are written in the check's
 * transaction through the group-commit writer, so a screening is stored
 * exactly when its check is, and hits open their cases atomically with it.
 */
int
ubur_border_screen_match(struct ubur_ctx *ctx, const char *surname, const char *given_names,
                         const char *birth_date, const char *nationality, const char *sex,
                         const char *subject_ref, struct border_screening *out,
                         struct ubur_error *err)
{
    int rc;
    json_t *keep = out->detail;
    memset(out, 0, sizeof(*out));
    json_decref(keep);
    snprintf(out->name, sizeof(out->name), "%s%s%s", given_names && *given_names ? given_names : "",
             given_names && *given_names ? " " : "", surname ? surname : "");
    out->q.name = out->name;
    out->q.dob = birth_date && *birth_date ? birth_date : NULL;
    out->q.nationality = nationality && *nationality ? nationality : NULL;
    out->q.sex = sex && (sex[0] == 'M' || sex[0] == 'F') ? sex : NULL;
    out->q.context = "border";
    out->q.subject_ref = subject_ref;
    if ((rc = ubur_screen_match(ctx, &out->q, &out->r, err))) {
        if (rc == UBUR_EINVAL && err && !strcmp(err->field, "name"))
            snprintf(err->field, sizeof(err->field), "document.surname");
        return rc;
    }
    out->matched = true;
    return 0;
}

int
ubur_border_screen_record(struct ubur_ctx *ctx, enum ubur_border_direction dir,
                          struct border_screening *s, struct ubur_border_reasons *rs,
                          struct ubur_error *err)
{
    /*
     * A screening without alerts (nearly every traveller) is not stored on its
     * own: the check row, written in the same transaction, records that the
     * traveller was screened and found nothing. That saves a row and an audit
     * entry per check on the hot path; screenings with alerts are stored with
     * their cases for adjudication.
     */
    if (!s->matched || s->r.alerts == 0)
        return 0;
    int rc = ubur_screen_record(ctx, &s->q, &s->r, err);
    if (rc)
        return rc;
    s->hits = 0;
    json_decref(s->detail);
    s->detail = NULL;
    for (int i = 0; i < s->r.nhits; i++) {
        const struct ubur_screen_hit *h = &s->r.hits[i];
        if (h->score < s->r.threshold || h->dismissed)
            continue;
        if (!s->detail)
            s->detail = json_array();
        s->hits++;
        ubur_border_rule_screening(dir, h->list, h->reference, h->score,
                                   ubur_alert_action_from_name(h->action), rs);
        json_array_append_new(
            s->detail,
            json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:f, s:s?, s:s?, s:s?}", "entry_id",
                      h->entry_id, "list", h->list, "reference", h->reference, "name", h->name,
                      "matched_name", h->matched_name, "score", h->score, "action", h->action,
                      "case_id", h->case_id[0] ? h->case_id : NULL, "explanation", h->explanation));
    }
    return 0;
}

/* Letters only, uppercase: "Al-Hashimi" and "AL HASHIMI" fold alike. */
static void
fold_letters(const char *a, const char *b, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = a ? a : ""; *p && o + 1 < n; p++)
        if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
            out[o++] = (char)toupper((unsigned char)*p);
    if (o + 1 < n)
        out[o++] = '|';
    for (const char *p = b ? b : ""; *p && o + 1 < n; p++)
        if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
            out[o++] = (char)toupper((unsigned char)*p);
    out[o] = '\0';
}

/*
 * Same nationality and birth date are already given, so a high name score
 * suffices; the name engine keeps "SALMAN BIN MUHAMMAD" and "MUHAMMAD BIN
 * SALMAN" apart and scores spellings of one name (Mohammed, Muhammad) alike.
 */
#define SAME_PERSON_SCORE 0.90

bool
ubur_border_same_name(const char *surname_a, const char *given_a, const char *surname_b,
                      const char *given_b)
{
    char a[300], b[300];
    struct ubur_name na, nb;
    fold_letters(surname_a, given_a, a, sizeof(a));
    fold_letters(surname_b, given_b, b, sizeof(b));
    if (!strcmp(a, b))
        return true;
    snprintf(a, sizeof(a), "%s %s", given_a ? given_a : "", surname_a ? surname_a : "");
    snprintf(b, sizeof(b), "%s %s", given_b ? given_b : "", surname_b ? surname_b : "");
    if (ubur_name_parse(&na, a, NULL) || ubur_name_parse(&nb, b, NULL))
        return false;
    return ubur_names_compare(&na, &nb, NULL) >= SAME_PERSON_SCORE;
}

int
ubur_border_note_returnee(struct ubur_ctx *ctx, const char *document_number,
                          const char *nationality, const char *to_state, const char *date,
                          bool *flagged, struct ubur_error *err)
{
    *flagged = false;
    return ubur_registry_note_crossing(ctx, document_number, nationality, NULL, to_state, date,
                                       flagged, err);
}

int
ubur_border_find_returnee(struct ubur_ctx *ctx, const char *document_number,
                          const char *nationality, const char *to_state, char individual_number[64],
                          struct ubur_error *err)
{
    char num[UBUR_REG_NUMBER_MAX + 1];
    int rc = ubur_registry_returnee_lookup(ctx, document_number, nationality, to_state, num, err);
    snprintf(individual_number, 64, "%s", rc ? "" : num);
    return rc;
}
