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
 * Until a module is present in the build, its boundary answers
 * conservatively: not screened (the check says so in `screening`), names
 * equal only when they fold to the same letters, nobody flagged.
 */
#include <ctype.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/banned.h"

int
ubur_border_screen(struct ubur_ctx *ctx, enum ubur_border_direction dir, const char *surname,
                   const char *given_names, const char *birth_date, const char *nationality,
                   const char *sex, const char *subject_ref, struct ubur_border_reasons *rs,
                   struct border_screening *out, struct ubur_error *err)
{
    (void)ctx;
    (void)dir;
    (void)surname;
    (void)given_names;
    (void)birth_date;
    (void)nationality;
    (void)sex;
    (void)subject_ref;
    (void)rs;
    (void)err;
    memset(out, 0, sizeof(*out));
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

bool
ubur_border_same_name(const char *surname_a, const char *given_a, const char *surname_b,
                      const char *given_b)
{
    char a[256], b[256];
    fold_letters(surname_a, given_a, a, sizeof(a));
    fold_letters(surname_b, given_b, b, sizeof(b));
    return !strcmp(a, b);
}

int
ubur_border_note_returnee(struct ubur_ctx *ctx, const char *document_number,
                          const char *nationality, const char *to_state, const char *date,
                          bool *flagged, struct ubur_error *err)
{
    (void)ctx;
    (void)document_number;
    (void)nationality;
    (void)to_state;
    (void)date;
    (void)err;
    *flagged = false;
    return 0;
}
