/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Border crossing operations: the services behind `ubur crossing`,
 * `ubur check`, `ubur overstays`, `ubur stats crossings` and the
 * /api/v1/crossings, /api/v1/border and /api/v1/travellers routes. The
 * decision logic is pure and lives in ubur/border_rules.h; these services
 * gather the facts (crossing schedule, traveller, visa, stays, watchlists),
 * call the rules, and write through the group-commit writer (ubur/writer.h)
 * so a check or a record is acknowledged only once it is durable.
 *
 * Results are JSON objects (jansson) the caller owns (json_decref), the same
 * for the CLI and the API. Every function returns 0 or a negative UBUR_E*
 * code with err filled; input errors name the field.
 *
 * docs/internals/border.md has the design: steps of a check, reason codes
 * and decisions, override rules, stays, traffic figures, durability.
 */
#ifndef UBUR_BORDER_H
#define UBUR_BORDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ubur/app.h"
#include "ubur/border_rules.h"

/* ---- crossing points ---- */

#define UBUR_CROSSING_ID_MAX 32

/* A new crossing point. Strings are UTF-8; latitude/longitude NAN when unknown. */
struct ubur_crossing_input {
    const char *id; /* lowercase slug: a-z, 0-9, '-', 2..32 characters */
    const char *name;
    const char *name_ar; /* may be NULL */
    const char *state;   /* ISO 3166 alpha-3 */
    const char *governorate;
    double latitude, longitude;
    const char *partner_id; /* the point facing it, may be NULL; paired both ways */
    int utc_offset_minutes; /* local time, -720..840 */
};

/* Adds a crossing point (admin). Audited; commits. UBUR_ECONFLICT when the id exists. */
int ubur_crossing_add(struct ubur_ctx *ctx, const struct ubur_crossing_input *in,
                      struct ubur_error *err);

/*
 * Every crossing point with the mode in force at `at` (seconds):
 * [{id, name, name_ar, state, governorate, latitude, longitude, partner_id,
 *   mode, hours, categories, mode_since, note, next_change}], ordered by state
 * then id; next_change is the next scheduled row or null.
 */
int ubur_crossing_list(struct ubur_ctx *ctx, int64_t at, json_t **out, struct ubur_error *err);
/* One crossing point as in the list, plus `partner` (its id and name) and `schedule`: every row,
 * oldest first, each with in_force and upcoming flags. */
int ubur_crossing_show(struct ubur_ctx *ctx, const char *id, int64_t at, json_t **out,
                       struct ubur_error *err);

/*
 * Notes, inside the caller's write transaction, that crossing_points or crossing_schedules
 * changed (migration 0035): every writer of those tables calls it, so that processes keeping
 * crossings in memory (ubur_border_crossing_load's cache) read them again.
 */
int ubur_crossings_changed(struct ubur_store *s, struct ubur_error *err);

/* A change of operating mode taking effect at `from`. */
struct ubur_schedule_input {
    const char *crossing_id;
    const char *mode;       /* open, closed, humanitarian, cargo, groups, restricted_hours */
    int64_t from;           /* seconds; before now only for admins (recording history) */
    const char *hours;      /* "HH:MM-HH:MM" local, required for restricted_hours; may be NULL */
    const char *categories; /* category list (ubur/border_rules.h), NULL for the mode's default */
    const char *note;       /* why, may be NULL */
};
/* Schedules a mode (supervisor, admin). Audited; commits. *out is the new row. */
int ubur_crossing_schedule(struct ubur_ctx *ctx, const struct ubur_schedule_input *in, json_t **out,
                           struct ubur_error *err);

/* ---- traveller checks ---- */

/* Document fields typed by an officer when there is no MRZ to scan. */
struct ubur_document_input {
    const char *document_number;
    const char *nationality; /* ISO 3166 alpha-3 (ICAO) */
    const char *birth_date;  /* "YYYY-MM-DD" */
    const char *expiry_date; /* "YYYY-MM-DD", may be NULL */
    const char *surname;
    const char *given_names;   /* may be NULL */
    const char *sex;           /* "M", "F", "X", may be NULL */
    const char *document_code; /* "P", "ID", ..., may be NULL (P) */
    const char *issuing_state; /* may be NULL (the nationality) */
};

/* One traveller to check: either `mrz` (as the scanner delivers it) or `document`. */
struct ubur_check_input {
    const char *mrz;
    struct ubur_document_input document;
    const char *visa_number; /* the visa presented, may be NULL (found by passport) */
    const char *seal;        /* a visa's digital seal as scanned, may be NULL */
    bool cargo;              /* crew of a cargo vehicle */
    bool returnee;           /* declared returnee (e.g. a facilitated voluntary return) */
};

/* Where and when: shared by every traveller of one request. */
struct ubur_check_place {
    const char *crossing_id;
    const char *direction; /* "entry" or "exit" */
    int64_t at;            /* seconds, UTC */
};

#define UBUR_GROUP_MAX 500 /* travellers in one group request */

/*
 * Checks one traveller: validates the document, finds or creates the
 * traveller, finds the visa or visa-free entitlement (entries) or the open
 * stay (exits), screens against watchlists, applies the crossing's mode in
 * force at `at`, and decides admit, refer or refuse with coded reasons.
 * The check is stored (status pending) before this returns, so it can be
 * confirmed by id. Roles: border_officer, supervisor, admin; an officer
 * whose account belongs to a state checks only at that state's crossings.
 * *out: {id, decision, reasons: [{code, decision, message}], traveller_id,
 * record_id (null), crossing_id, direction, at, status, document,
 * entitlement, mode, screening, notes}.
 */
int ubur_border_check(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                      const struct ubur_check_input *in, json_t **out, struct ubur_error *err);
/* The same, the answer as JSON text (malloc'd, the bytes json_dumps(JSON_COMPACT) gives of
 * ubur_border_check's object, as stored with the check): the API's hot path. */
int ubur_border_check_text(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                           const struct ubur_check_input *in, char **text, struct ubur_error *err);

/* A group or convoy: one request, per-person results and a summary. */
struct ubur_group_input {
    const char *kind; /* "pilgrims", "convoy", "delegation", "family", "other" */
    const char *name; /* e.g. "Al-Hol convoy 12", may be NULL */
};
/*
 * Checks n travellers as one group (1..UBUR_GROUP_MAX), stored in one
 * transaction. *out: {group_id, kind, name, crossing_id, direction, at,
 * results: [check as above], summary: {total, admit, refer, refuse}}.
 */
int ubur_border_check_group(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                            const struct ubur_group_input *group,
                            const struct ubur_check_input *people, int n, json_t **out,
                            struct ubur_error *err);

/* The stored check, as ubur_border_check returned it, with its current status and record_id. */
int ubur_border_check_get(struct ubur_ctx *ctx, const char *check_id, json_t **out,
                          struct ubur_error *err);

/*
 * The officer's answer to a check. `decision` NULL confirms the proposed
 * decision; a different one overrides it and needs `reason`; turning a
 * refusal into an admission needs the supervisor or admin role. A referred
 * check is resolved with admit or refuse (and a reason).
 */
struct ubur_confirm_input {
    const char *check_id;
    const char *decision; /* "admit" or "refuse", or NULL */
    const char *reason;
};
/*
 * Records the outcome as an entry, exit or refusal (EES style: time, place,
 * officer, document, visa, decision, reasons), opens or closes the stay,
 * notes the entry or exit on the visa, updates the traffic figures and the
 * audit log, all in one transaction, and returns once it is durable.
 * Confirming an already recorded check with the same outcome returns the
 * existing record (`replayed`: true); a different outcome is UBUR_ECONFLICT.
 * *out: {id, kind, check_id, traveller_id, crossing_id, direction, at,
 * decision, proposed, override_reason, supervisor, stay, officer,
 * recorded_at, replayed}.
 */
int ubur_border_confirm(struct ubur_ctx *ctx, const struct ubur_confirm_input *in, json_t **out,
                        struct ubur_error *err);
/*
 * The same, for the API's hot path: a new record's answer comes as JSON text in *text (malloc'd,
 * the bytes json_dumps(JSON_COMPACT) would give of ubur_border_confirm's object) and *out is
 * NULL; any other answer (a replay, an override awaiting a supervisor) comes as *out, *text
 * NULL. Both NULL on error.
 */
int ubur_border_confirm_text(struct ubur_ctx *ctx, const struct ubur_confirm_input *in,
                             json_t **out, char **text, struct ubur_error *err);
/*
 * Confirms every pending check of a group with its proposed decision in one
 * transaction; referred travellers stay pending (resolve each with
 * ubur_border_confirm). *out: {group_id, records: [...], pending: [check
 * ids], summary: {recorded, entries, exits, refusals, pending}}.
 */
int ubur_border_confirm_group(struct ubur_ctx *ctx, const char *group_id, json_t **out,
                              struct ubur_error *err);

/*
 * An officer who asks to admit over a refusal gets, instead of a record, a
 * request for a supervisor: {state: "pending_approval", pending_approval:
 * true, override_id, check_id, decision, reason, requested_by,
 * requested_at} (the API answers 202). Until it is decided the check cannot
 * be confirmed otherwise.
 *
 * Override requests, newest first, of one status ("pending", "approved",
 * "rejected"; NULL all): [{id, check_id, decision, reason, status,
 * requested_by, requested_at, decided_by, decided_at, decision_reason,
 * record_id, check: {crossing_id, direction, at, document_number,
 * nationality, proposed, reasons}}].
 */
int ubur_border_overrides(struct ubur_ctx *ctx, const char *status, int64_t limit, json_t **out,
                          struct ubur_error *err);
/*
 * A supervisor (or admin) decides a request: "approve" records the
 * admission (the requesting officer as officer, the supervisor named),
 * "reject" records the refusal. `reason` (may be NULL) is the supervisor's
 * note. *out: {override, record}.
 */
int ubur_border_override_decide(struct ubur_ctx *ctx, const char *override_id, const char *decision,
                                const char *reason, json_t **out, struct ubur_error *err);

/* ---- travellers, stays, overstays ---- */

/*
 * Recent records (entries, exits, refusals), newest first by time of
 * crossing: of one crossing point (NULL all) and kind (NULL all), at most
 * `limit`. Officers see their own state's records.
 */
int ubur_border_movements(struct ubur_ctx *ctx, const char *crossing_id, const char *kind,
                          int64_t limit, json_t **out, struct ubur_error *err);

/*
 * A traveller's identity, documents, records (newest first, at most
 * `limit`) and stays: {traveller, documents, movements, stays}. Every read
 * is audited ("border.traveller.read", object the traveller); when the
 * audit entry cannot be written the read fails and nothing is returned.
 * Call outside a transaction.
 */
int ubur_traveller_movements(struct ubur_ctx *ctx, const char *traveller_id, int64_t limit,
                             json_t **out, struct ubur_error *err);

/*
 * Overstayers on day `as_of` (days since 1970-01-01): stays entered on or
 * before as_of, not left by then, authorised until before as_of. At most
 * `limit`, longest overstay first: [{traveller_id, surname, given_names,
 * nationality, document_number, state, basis, visa_id, entry_date,
 * entry_crossing_id, authorised_until, overstay_days, stay_id}].
 */
int ubur_border_overstays(struct ubur_ctx *ctx, int64_t as_of, int64_t limit, json_t **out,
                          struct ubur_error *err);

/* ---- traffic figures ---- */

/*
 * Traffic between days `from` and `to` (both included; UTC), grouped by a
 * comma-separated list of crossing, state, day, hour, direction,
 * nationality, decision (NULL: "crossing,direction,decision"). *out:
 * {from, to, by: [...], rows: [{<by columns>..., crossings}], total}.
 * UBUR_EINVAL names field "by" or "from"/"to".
 */
int ubur_border_traffic(struct ubur_ctx *ctx, int64_t from, int64_t to, const char *by,
                        json_t **out, struct ubur_error *err);

/* Writes traffic figures (as ubur_border_traffic gives them) as CSV: a header, then rows. */
void ubur_border_traffic_csv(json_t *traffic, struct ubur_buf *b);
/* The same as an aligned text table with a total line. */
void ubur_border_traffic_table(json_t *traffic, struct ubur_buf *b);

/* Today (UTC, ubur_now) in days since 1970-01-01. */
int64_t ubur_border_day_now(void);

/* ---- stay rules ---- */

/* Sets (or with max_days 0 removes) visa-free entry into `state` for `nationality`. Audited. */
int ubur_border_visa_free_set(struct ubur_ctx *ctx, const char *state, const char *nationality,
                              int max_days, int window_days, struct ubur_error *err);
/* The visa-free rules: [{state, nationality, max_days, window_days}]. */
int ubur_border_visa_free_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err);

/* ---- movements recorded on offline border posts (sync) ---- */

/*
 * Applies on central a record made on a border post while it was offline
 * (ubur/sync.h), inside the caller's transaction: `movement` is
 * {record, check, traveller, documents, group} as the post holds them. The
 * traveller is the post's, or the one central already knows with the same
 * document; the check and the record keep the post's ids, time and
 * officer; the stay is central's (the post may not have seen the entry an
 * exit closes). Then everything a confirmation does here follows: stay,
 * visa use, traffic figures, the registry's returnee flag, the audit entry.
 * UBUR_EINVAL naming the part at fault; UBUR_ECONFLICT when the check is on
 * central already.
 */
int ubur_border_apply_movement(struct ubur_ctx *ctx, json_t *movement, struct ubur_error *err);

/* ---- demo ---- */

/*
 * The demonstration data: the four crossing pairs of ../shared/CONTEXT.md
 * with their schedule history and one scheduled change, visa-free rules,
 * travellers with entries, exits and refusals, an overstayer, a pilgrim
 * group and a repatriation convoy from Al-Hol. Deterministic for a seed.
 */
int ubur_border_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);

#endif
