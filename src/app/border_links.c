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
 * The registry offers no read of "registered, with origin X" yet, so the
 * `returnee` category of a check is what the officer declares; the record
 * hook flags registered people going home.
 */
#include <ctype.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/names.h"
#include "ubur/registry.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

/*
 * Screening runs twice only when it finds something: first without storing
 * (the common case, no hit: the check row itself records that the traveller
 * was screened and found clean, and is written with the group commit), then,
 * when there are alerts, again through the stored path so that the
 * screening and its cases exist for adjudication.
 */
int
ubur_border_screen(struct ubur_ctx *ctx, enum ubur_border_direction dir, const char *surname,
                   const char *given_names, const char *birth_date, const char *nationality,
                   const char *sex, const char *subject_ref, struct ubur_border_reasons *rs,
                   struct border_screening *out, struct ubur_error *err)
{
    struct ubur_screen_query q;
    struct ubur_screen_result r;
    char name[2 * 130 + 2];
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&q, 0, sizeof(q));
    snprintf(name, sizeof(name), "%s%s%s", given_names && *given_names ? given_names : "",
             given_names && *given_names ? " " : "", surname ? surname : "");
    q.name = name;
    q.dob = birth_date && *birth_date ? birth_date : NULL;
    q.nationality = nationality && *nationality ? nationality : NULL;
    q.sex = sex && (sex[0] == 'M' || sex[0] == 'F') ? sex : NULL;
    q.context = "border";
    q.subject_ref = subject_ref;
    q.no_record = true;
    if ((rc = ubur_screen(ctx, &q, &r, err))) {
        if (rc == UBUR_EINVAL && err && !strcmp(err->field, "name"))
            snprintf(err->field, sizeof(err->field), "document.surname");
        return rc;
    }
    out->screened = true;
    if (r.alerts == 0)
        return 0;
    q.no_record = false;
    if ((rc = ubur_screen(ctx, &q, &r, err)))
        return rc;
    snprintf(out->screening_id, sizeof(out->screening_id), "%s", r.screening_id);
    out->detail = json_array();
    for (int i = 0; i < r.nhits; i++) {
        const struct ubur_screen_hit *h = &r.hits[i];
        if (h->score < r.threshold || h->dismissed)
            continue;
        out->hits++;
        ubur_border_rule_screening(dir, h->list, h->reference, h->score,
                                   ubur_alert_action_from_name(h->action), rs);
        json_array_append_new(
            out->detail,
            json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:f, s:s?, s:s?, s:s?}", "entry_id",
                      h->entry_id, "list", h->list, "reference", h->reference, "name", h->name,
                      "matched_name", h->matched_name, "score", h->score, "action", h->action,
                      "case_id", h->case_id[0] ? h->case_id : NULL, "explanation",
                      h->explanation));
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
