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

/* ---- checks and their rows (border_check.c, border_record.c, border_pending.c) ---- */

/* A stored check, as confirming it needs it (read_check's columns, truncated as they are read). */
struct stored_check {
    char id[UBUR_UUID_LEN + 1];
    char crossing_id[UBUR_CROSSING_ID_MAX + 1];
    char state[4];
    char direction[8];
    char at[UBUR_TIME_LEN + 1];
    char traveller_id[UBUR_UUID_LEN + 1];
    char group_id[UBUR_UUID_LEN + 1];
    char document_number[32];
    char nationality[4];
    char basis[16];
    char visa_id[UBUR_UUID_LEN + 1];
    char visa_number[16];
    char purpose[40];
    char authorised_until[UBUR_DATE_LEN + 1];
    int rule_days, rule_window;
    char stay_id[UBUR_UUID_LEN + 1];
    char decision[8];
    char *reasons; /* JSON text, malloc'd */
    char status[12];
    char record_id[UBUR_UUID_LEN + 1];
    char created_at[UBUR_TIME_LEN + 1];
    /* a supervisor's decision this check awaits (load_check only; "" when none) */
    char pending_override[UBUR_UUID_LEN + 1];
    /* read from the queue of checks not yet written (border_pending.c), not the store */
    bool queued;
    /* a committed check remembered by this process (border_pending.c), not read from the store */
    bool remembered;
};

/*
 * The values of one border_checks row as inserted (NULL: SQL NULL; rule_* 0: NULL). A row with
 * a record_id is inserted as recorded (the record's own write, border_record.c), else pending.
 */
struct check_row {
    const char *id, *crossing_id, *state, *direction, *at, *traveller_id, *group_id;
    const char *document_number, *nationality, *basis, *visa_id, *visa_number, *purpose;
    const char *authorised_until, *stay_id, *decision, *reasons, *result, *officer_id;
    const char *officer, *created_at, *record_id;
    int rule_days, rule_window;
    bool cargo, returnee;
};

/* Inserts a check, pending or (r->record_id set) recorded, inside the caller's transaction. */
int ubur_border_check_insert(struct ubur_store *s, const struct check_row *r,
                             struct ubur_error *err);

/*
 * Checks this process answered, in memory for their confirmation (border_pending.c): a known
 * traveller's single check, whose row cannot change its answer, is answered before its row is
 * written and found here until the row has committed (ubur_border_check_queue); a single check
 * committed moments ago is remembered a little longer (ubur_border_check_remember), and its
 * confirmation takes it from here instead of reading it (ubur_border_check_take). Any thread.
 */
/*
 * Queues the insert of `row` (copied) on ctx's writer without waiting; 0, or UBUR_EBUSY when the
 * writer is shutting down (nothing queued).
 */
int ubur_border_check_queue(struct ubur_ctx *ctx, const struct check_row *row,
                            struct ubur_error *err);
/*
 * Remembers a single check whose row has just committed (`row` copied): not a group's, a recorded
 * one or a refusal (border_pending.c says why).
 */
void ubur_border_check_remember(const struct check_row *row);
/*
 * The answer of check `id` as its row will store it (malloc'd) and its state, while the row is
 * queued; NULL when it is not (written already, or never queued here).
 */
char *ubur_border_check_queued(const char *id, char state[4]);
/*
 * For a confirmation: the check `id` while queued (out->queued), else when remembered, taken out
 * (out->remembered; a later call reads the store). false when neither. out->reasons is malloc'd.
 */
bool ubur_border_check_take(const char *id, struct stored_check *out);
/*
 * Claims the row of a queued check whose insert has not begun, just before the claimant queues
 * its own write: the insert then writes nothing, and the claimant's job inserts the row (a
 * record's, already recorded: one write of the row, committed with the record). NULL when the
 * check is not queued, or its insert has begun, or it is claimed. The check stays visible to
 * readers until released.
 */
const struct check_row *ubur_border_check_claim(const char *id);
/*
 * Releases a claimed row once the claimant's write has returned. `written` false (the job failed
 * and rolled the row back with it): the row is written as pending through ctx's writer first, so
 * the check stays confirmable, as when its own insert had run.
 */
void ubur_border_check_release(struct ubur_ctx *ctx, const struct check_row *claimed, bool written);

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
