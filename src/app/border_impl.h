/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the border services (src/app/crossings.c, border_check.c,
 * border_record.c, border_query.c, border_demo.c) share and nobody else
 * needs: a crossing point with the schedule row in force, and the
 * boundaries to other modules (screening, registry, names) kept in one
 * place, border_links.c, so wiring a module in touches one file.
 */
#ifndef UBUR_BORDER_IMPL_H
#define UBUR_BORDER_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "ubur/border.h"
#include "ubur/watchlist.h"

/* A crossing point and the schedule row in force at some time. */
struct border_crossing {
    char id[UBUR_CROSSING_ID_MAX + 1];
    char name[128];
    char state[4];
    char partner_id[UBUR_CROSSING_ID_MAX + 1];
    char partner_state[4];
    int utc_offset_minutes;
    bool has_schedule; /* false: no row in force yet, the crossing is not in operation */
    char schedule_id[UBUR_UUID_LEN + 1];
    enum ubur_border_mode mode;
    char hours[12]; /* "" when none */
    int open_minute, close_minute;
    bool has_categories;
    char categories[UBUR_BORDER_CATEGORIES_MAX];
    char mode_since[UBUR_TIME_LEN + 1];
};

/*
 * Loads crossing `id` with the schedule row in force at `at`. UBUR_EINVAL
 * naming `field` when there is no such crossing point.
 */
int ubur_border_crossing_load(struct ubur_store *s, const char *id, int64_t at, const char *field,
                              struct border_crossing *out, struct ubur_error *err);
/* The rules' view of the schedule in force (mode closed when none is). */
void ubur_border_crossing_schedule(const struct border_crossing *c,
                                   struct ubur_border_schedule *out);

/* Officers act only at their own state's crossing points; admins anywhere. */
int ubur_border_may_act(const struct ubur_ctx *ctx, const struct border_crossing *c,
                        struct ubur_error *err);

/* Seconds a pending check stays confirmable (setting border.check_ttl_seconds, default 6 h). */
int ubur_border_check_ttl(struct ubur_ctx *ctx);

/* An EES record as JSON, by id; UBUR_ENOTFOUND when there is none. */
int ubur_border_record_json(struct ubur_store *s, const char *record_id, json_t **out,
                            struct ubur_error *err);

/* A traveller's records, newest first, at most `limit`: a JSON array. */
int ubur_border_records_of(struct ubur_store *s, const char *traveller_id, int64_t limit,
                           json_t **out, struct ubur_error *err);

/* Records newest first, optionally of one crossing, kind and state (NULLs: all). */
int ubur_border_records_list(struct ubur_store *s, const char *crossing_id, const char *kind,
                             const char *state, int64_t limit, json_t **out,
                             struct ubur_error *err);

/*
 * Steps a prepared statement to its end, appending row(st) for each row to a
 * new JSON array in *out, and finishes the statement. On a store error
 * nothing is returned.
 */
int ubur_border_rows_json(struct ubur_stmt *st, json_t *(*row)(struct ubur_stmt *st), json_t **out,
                          struct ubur_error *err);

/* Days since 1970-01-01 of an instant (floor). */
int64_t ubur_border_day(int64_t t);

/* ---- boundaries to other modules (border_links.c) ---- */

/* One traveller's screening: matched while the check reads, stored with the check. */
struct border_screening {
    bool matched; /* the watchlists were searched (false: nothing readable to screen) */
    char name[2 * 130 + 2];
    struct ubur_screen_query q;
    struct ubur_screen_result r; /* hits in ctx->arena */
    int hits;       /* alerts: at or above the threshold and not dismissed (after recording) */
    json_t *detail; /* those alerts with their cases, or NULL; owned */
};

/*
 * Searches the watchlists for a traveller (name in any script, birth date,
 * nationality, sex): ubur_screen_match, no writes, so it runs while the
 * check reads, in parallel with other checks. A screening failure is an
 * error: a check is never decided unscreened by accident.
 */
int ubur_border_screen_match(struct ubur_ctx *ctx, const char *surname, const char *given_names,
                             const char *birth_date, const char *nationality, const char *sex,
                             const char *subject_ref, struct border_screening *out,
                             struct ubur_error *err);
/*
 * Stores the screening inside the check's transaction (ubur_screen_record:
 * the screening row and a case per new alert; alerts a supervisor dismissed
 * drop out) and adds a watchlist_hit reason per remaining alert.
 */
int ubur_border_screen_record(struct ubur_ctx *ctx, enum ubur_border_direction dir,
                              struct border_screening *s, struct ubur_border_reasons *rs,
                              struct ubur_error *err);

/*
 * Whether two renderings of a name are the same person's, for linking a new
 * document to a traveller already known with the same nationality and birth
 * date.
 */
bool ubur_border_same_name(const char *surname_a, const char *given_a, const char *surname_b,
                           const char *given_b);

/*
 * Tells the refugee registry about a recorded crossing into `to_state`
 * (inside the record's transaction) so a registered person going back to
 * their state of origin is flagged as a returnee. *flagged says whether.
 */
int ubur_border_note_returnee(struct ubur_ctx *ctx, const char *document_number,
                              const char *nationality, const char *to_state, const char *date,
                              bool *flagged, struct ubur_error *err);

/*
 * Whether a traveller entering `to_state` is a registered refugee from it
 * (a read, for the check): the registry's individual number, or "".
 */
int ubur_border_find_returnee(struct ubur_ctx *ctx, const char *document_number,
                              const char *nationality, const char *to_state,
                              char individual_number[64], struct ubur_error *err);

#endif
