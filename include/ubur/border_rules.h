/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Border rules: the pure decision logic of a traveller check, with no store
 * and no I/O, so every rule is unit-tested on its own and the services in
 * src/app/border_*.c only gather facts and call these functions.
 *
 * A check collects reasons. Each reason has a stable snake_case code (the
 * API's `reasons[].code`), a readable message, and the decision it implies;
 * the check's decision is the most severe one: refuse > refer > admit, and
 * admit when there is no reason at all.
 *
 * Where each rule lives:
 *   - the document (unreadable, bad check digits, expired): ubur_border_rule_document
 *   - visa or entitlement (no valid visa, entries exhausted, stay used up):
 *     ubur_border_rule_visa, ubur_border_rule_visa_free, ubur_border_rule_exit_stay
 *   - watchlist hits: ubur_border_rule_screening
 *   - the crossing's operating mode ("refuse because the crossing is closed,
 *     or closed to this category"): ubur_border_rule_mode
 * Stay arithmetic (N days per visa, N days in any M-day window) is in
 * src/core/stay_rules.c, declared at the end of this header.
 *
 * Days are counted in days since 1970-01-01 (UTC), instants in seconds.
 */
#ifndef UBUR_BORDER_RULES_H
#define UBUR_BORDER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/error.h"

/* ---- directions and decisions ---- */

enum ubur_border_direction {
    UBUR_BORDER_ENTRY = 1,
    UBUR_BORDER_EXIT = 2,
};
/* "entry" / "exit". */
const char *ubur_border_direction_name(enum ubur_border_direction d);
/* Parses "entry" or "exit"; anything else is UBUR_EINVAL naming field "direction". */
int ubur_border_direction_parse(const char *s, enum ubur_border_direction *out,
                                struct ubur_error *err);

/* Ordered by severity, so the decision of a check is the maximum of its reasons'. */
enum ubur_border_decision {
    UBUR_DECISION_ADMIT = 0,
    UBUR_DECISION_REFER = 1, /* secondary inspection */
    UBUR_DECISION_REFUSE = 2,
};
/* "admit", "refer", "refuse". */
const char *ubur_border_decision_name(enum ubur_border_decision d);
/* Parses one of the three names; else UBUR_EINVAL naming `field`. */
int ubur_border_decision_parse(const char *s, const char *field, enum ubur_border_decision *out,
                               struct ubur_error *err);

/* ---- reasons ---- */

/* X(enumerator, code) */
#define UBUR_BORDER_REASON_MAP(X)                                                                  \
    X(UBUR_REASON_DOCUMENT_INVALID, "document_invalid")                                            \
    X(UBUR_REASON_DOCUMENT_EXPIRED, "document_expired")                                            \
    X(UBUR_REASON_IDENTITY_MISMATCH, "identity_mismatch")                                          \
    X(UBUR_REASON_NO_VALID_VISA, "no_valid_visa")                                                  \
    X(UBUR_REASON_ENTRIES_EXHAUSTED, "entries_exhausted")                                          \
    X(UBUR_REASON_STAY_EXCEEDED, "stay_exceeded")                                                  \
    X(UBUR_REASON_WATCHLIST_HIT, "watchlist_hit")                                                  \
    X(UBUR_REASON_CROSSING_CLOSED, "crossing_closed")                                              \
    X(UBUR_REASON_CATEGORY_NOT_ALLOWED, "category_not_allowed")

enum ubur_border_reason_code {
    UBUR_REASON_NONE = 0,
#define UBUR_X_REASON(e, n) e,
    UBUR_BORDER_REASON_MAP(UBUR_X_REASON)
#undef UBUR_X_REASON
};
/* The stable code ("watchlist_hit"), or NULL for UBUR_REASON_NONE. */
const char *ubur_border_reason_name(enum ubur_border_reason_code c);
/* The enumerator for a code, UBUR_REASON_NONE when unknown. */
enum ubur_border_reason_code ubur_border_reason_from_name(const char *name);

#define UBUR_BORDER_MAX_REASONS 12
#define UBUR_BORDER_REASON_MSG 200

struct ubur_border_reason {
    enum ubur_border_reason_code code;
    enum ubur_border_decision decision; /* what this reason alone implies */
    char message[UBUR_BORDER_REASON_MSG];
};

/* The reasons of one check; caller-allocated, UBUR_BORDER_REASONS_INIT. */
struct ubur_border_reasons {
    int n;
    int dropped; /* reasons beyond UBUR_BORDER_MAX_REASONS, counted only */
    struct ubur_border_reason r[UBUR_BORDER_MAX_REASONS];
};
#define UBUR_BORDER_REASONS_INIT                                                                   \
    {                                                                                              \
        0, 0,                                                                                      \
        {                                                                                          \
            {                                                                                      \
                0, 0, ""                                                                           \
            }                                                                                      \
        }                                                                                          \
    }

/* Appends a reason (formatted message). Past the capacity it is counted in `dropped`. */
void ubur_border_reason_add(struct ubur_border_reasons *rs, enum ubur_border_reason_code code,
                            enum ubur_border_decision decision, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True when a reason with this code is present. */
bool ubur_border_reasons_has(const struct ubur_border_reasons *rs,
                             enum ubur_border_reason_code code);
/* The decision of a check: the most severe decision among its reasons; admit when none. */
enum ubur_border_decision ubur_border_decide(const struct ubur_border_reasons *rs);

/* ---- operating modes and traveller categories ---- */

/* X(enumerator, name, description) */
#define UBUR_BORDER_MODE_MAP(X)                                                                    \
    X(UBUR_MODE_OPEN, "open", "open to all travellers")                                            \
    X(UBUR_MODE_CLOSED, "closed", "closed to all movement")                                        \
    X(UBUR_MODE_HUMANITARIAN, "humanitarian", "humanitarian movement only")                        \
    X(UBUR_MODE_CARGO, "cargo", "cargo vehicles and their crews only")                             \
    X(UBUR_MODE_GROUPS, "groups", "organised groups, pilgrims and convoys only")                   \
    X(UBUR_MODE_RESTRICTED_HOURS, "restricted_hours", "open at set hours only")

enum ubur_border_mode {
    UBUR_MODE_NONE = 0,
#define UBUR_X_MODE(e, n, d) e,
    UBUR_BORDER_MODE_MAP(UBUR_X_MODE)
#undef UBUR_X_MODE
};
const char *ubur_border_mode_name(enum ubur_border_mode m);
const char *ubur_border_mode_description(enum ubur_border_mode m);
/* Parses a mode name; else UBUR_EINVAL naming field "mode" and listing the modes. */
int ubur_border_mode_parse(const char *s, enum ubur_border_mode *out, struct ubur_error *err);
/*
 * The categories a mode lets through when its schedule names none:
 * open and restricted_hours: everyone (NULL); closed: no one ("");
 * humanitarian: "purpose:medical,returnee"; cargo: "cargo"; groups: "group".
 */
const char *ubur_border_mode_default_categories(enum ubur_border_mode m);

/*
 * What a traveller is, for a crossing's category rules. A category list is
 * clauses separated by ',', each clause atoms joined by '+' (all must
 * hold); a traveller passes when any clause holds. Atoms:
 *   national           a national of the state the crossing belongs to
 *   returnee           a registered refugee going back to the state of origin
 *   group              part of a group or convoy check
 *   cargo              the crew of a cargo vehicle
 *   nationality:AAA    of this nationality (ISO 3166 alpha-3)
 *   purpose:NAME       holding a visa for this purpose (tourism, medical, ...)
 * Example: "national,returnee,nationality:IRQ+purpose:medical".
 */
struct ubur_border_category {
    char nationality[4];
    char purpose[24]; /* visa purpose, "" when none */
    bool national, returnee, group, cargo;
};

#define UBUR_BORDER_CATEGORIES_MAX 512
/*
 * Validates and normalises a category list into out[outsz] (keywords
 * lowercase, nationalities uppercase, no spaces). An empty list is valid
 * (no one). UBUR_EINVAL names field "categories" and quotes the bad atom.
 */
int ubur_border_categories_normalise(const char *s, char *out, size_t outsz,
                                     struct ubur_error *err);
/* True when c passes the (normalised or not) category list; NULL lets everyone pass. */
bool ubur_border_categories_match(const char *list, const struct ubur_border_category *c);

/* A crossing's schedule row in force at the time of a check. */
struct ubur_border_schedule {
    enum ubur_border_mode mode;
    int open_minute;        /* local minute of the day the crossing opens, -1: no hours */
    int close_minute;       /* local minute it closes (exclusive); may be < open_minute */
    const char *categories; /* normalised list, or NULL for the mode's default */
    int utc_offset_minutes; /* the crossing's local time, e.g. 180 for UTC+3 */
};

/*
 * Parses "HH:MM-HH:MM" (local time; the range may wrap midnight, as in
 * "22:00-06:00"). Equal ends are refused. UBUR_EINVAL names field "hours".
 */
int ubur_border_hours_parse(const char *s, int *open_minute, int *close_minute,
                            struct ubur_error *err);
/* Writes "HH:MM-HH:MM" into out[12]. */
void ubur_border_hours_format(int open_minute, int close_minute, char out[12]);

/*
 * The crossing rule: refuse because the crossing is closed (mode closed, or
 * outside its hours: crossing_closed) or closed to this category of
 * traveller (category_not_allowed). Adds at most one reason to rs.
 * `at` is the time of the crossing (seconds, UTC).
 */
void ubur_border_rule_mode(const struct ubur_border_schedule *s,
                           const struct ubur_border_category *c, int64_t at,
                           struct ubur_border_reasons *rs);

/* ---- the document ---- */

/*
 * The document rule. `problem` is NULL when the document was read and
 * checks (MRZ check digits, fields), else why it does not. `expiry_day` is
 * the expiry date in days, or INT64_MIN when the document shows none. On
 * entry an invalid or expired document is a refusal, except for a
 * `national` of the state entered (the document's nationality is the
 * crossing's state): a referral, since a state may not refuse its own
 * nationals. On exit, a referral (nobody is kept in a country for a bad
 * passport; the officer looks).
 */
void ubur_border_rule_document(enum ubur_border_direction dir, bool national, const char *problem,
                               int64_t expiry_day, int64_t at_day, struct ubur_border_reasons *rs);

/* ---- visas and entitlements (entries) ---- */

/*
 * What the visa module (ubur_visa_find_valid) says about the visa presented
 * or found, reduced for the rules. `usable` is its verdict by name, as
 * ubur_visa_usable_name gives it: "usable", "not_yet_valid", "expired",
 * "revoked", "entries_exhausted" or "stay_exceeded".
 */
struct ubur_border_visa_facts {
    char number[32];
    char purpose[33];
    char usable[24];
    int64_t valid_from;  /* days, for messages */
    int64_t valid_until; /* days, inclusive */
    int entries;         /* entries allowed; 0 = multiple */
    int stay_days;       /* total days of stay the visa grants */
    int64_t stay_until;  /* last day of authorised stay when usable */
};

/*
 * The visa rule on entry at day `at_day`: a visa not valid that day,
 * annulled or revoked is no_valid_visa; every entry used is
 * entries_exhausted; no day of stay left is stay_exceeded; each a refusal.
 * Returns the last day of authorised stay when the visa is usable, else
 * at_day - 1 with the reason added.
 */
int64_t ubur_border_rule_visa(const struct ubur_border_visa_facts *v, int64_t at_day,
                              struct ubur_border_reasons *rs);

/*
 * The visa-free rule on entry: `max_days` in any `window_days`-day window,
 * counting entry and exit days; `past` are the traveller's earlier stays in
 * this state. stay_exceeded (refusal) when the window is already used up.
 * Returns the last day of authorised stay, or at_day - 1 with the reason.
 */
struct ubur_stay_span;
int64_t ubur_border_rule_visa_free(const struct ubur_stay_span *past, int npast, int64_t at_day,
                                   int max_days, int window_days, struct ubur_border_reasons *rs);

/*
 * The exit rule: an exit after the authorised stay (`authorised_until`,
 * INT64_MAX when unlimited) is stay_exceeded, referred so the officer can
 * act on the overstay; the exit itself is not refused.
 */
void ubur_border_rule_exit_stay(int64_t authorised_until, int64_t at_day,
                                struct ubur_border_reasons *rs);

/* ---- watchlists ---- */

/* The action an alert asks for, as the Schengen Information System has them. */
enum ubur_alert_action {
    UBUR_ALERT_NONE = 0,
    UBUR_ALERT_REFUSE_ENTRY, /* refuse entry */
    UBUR_ALERT_ARREST,       /* arrest: secondary inspection at once */
    UBUR_ALERT_CHECK,        /* discreet or specific check */
    UBUR_ALERT_INFORM,       /* inform the issuing state; let pass */
};
/* Parses "refuse_entry", "arrest", "discreet_check"/"specific_check"/"check", "inform". */
enum ubur_alert_action ubur_alert_action_from_name(const char *s);

/*
 * The screening rule for one hit: `list` and `entry` name the watchlist
 * entry, `score` its match score in [0,1], `action` the alert's action.
 * A hit is referred for secondary inspection, except that refuse_entry on
 * entry refuses; an alert that only asks to inform adds no reason.
 */
void ubur_border_rule_screening(enum ubur_border_direction dir, const char *list, const char *entry,
                                double score, enum ubur_alert_action action,
                                struct ubur_border_reasons *rs);

/* ---- stays (src/core/stay_rules.c) ---- */

/* One stay: present from entry_day to exit_day, both included. */
struct ubur_stay_span {
    int64_t entry_day;
    int64_t exit_day; /* UBUR_STAY_OPEN when the traveller has not left */
};
#define UBUR_STAY_OPEN INT64_MAX
#define UBUR_STAY_MAX_WINDOW 3660 /* longest window (and stay) the rules accept, in days */

/*
 * Days on which the traveller was present in [from, to] (both included),
 * counting entry and exit days and each day once even when stays overlap
 * or touch (exit and re-entry on the same day).
 */
int64_t ubur_stay_days_in(const struct ubur_stay_span *s, int n, int64_t from, int64_t to);

/*
 * "max_days in any window_days-day window": the last day t >= entry_day
 * such that staying from entry_day to t keeps every window ending on a day
 * in [entry_day, t] within max_days. Returns entry_day - 1 when even the
 * entry day would break the rule. max_days and window_days must be in
 * 1..UBUR_STAY_MAX_WINDOW with max_days <= window_days.
 */
int64_t ubur_stay_window_until(const struct ubur_stay_span *past, int n, int64_t entry_day,
                               int max_days, int window_days);

/*
 * Per visa: `stay_days` in total on the visa, of which `days_used` are
 * spent; the stay ends at the earlier of entry_day + days left - 1 and the
 * visa's last valid day. Returns entry_day - 1 when no day is left.
 */
int64_t ubur_stay_visa_until(int64_t entry_day, int stay_days, int days_used, int64_t valid_until);

/* Days of a stay from entry to exit, both included (0 when exit is before entry). */
int64_t ubur_stay_length(int64_t entry_day, int64_t exit_day);
/* Days overstayed on `day` (or at exit) for a stay authorised until `until`; 0 when within. */
int64_t ubur_stay_overstay_days(int64_t until, int64_t day);

#endif
