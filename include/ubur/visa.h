/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visas: applications, decisions, issuance with a Visible Digital Seal, and
 * what a border post asks of an issued visa. docs/internals/visa.md has the
 * design; include/ubur/visa_rules.h has the pure rules (state machine,
 * purpose rules, risk, validity) these services apply.
 *
 * This part is the border's interface, which must stay small and fast: a
 * border check finds the visa a traveller may use with
 * ubur_visa_find_valid, and records the use with ubur_visa_note_entry and
 * ubur_visa_note_exit inside its own transaction.
 *
 * Entries and stay used are tracked on the visa row itself (chosen over
 * recomputing them from the border's movement records so that the visa module
 * never reads another module's tables and a check costs one indexed read):
 * the border calls ubur_visa_note_entry when it records an admission on a
 * visa and ubur_visa_note_exit when it records the exit, in the same
 * transaction as its movement record, so both commit or vanish together.
 * Days are counted as the EU Entry/Exit System counts them: the day of
 * entry and the day of exit both count, whole UTC days.
 */
#ifndef UBUR_VISA_H
#define UBUR_VISA_H

#include <stdbool.h>
#include <stdint.h>

#include "ubur/error.h"
#include "ubur/store.h"
#include "ubur/util.h"

#define UBUR_VISA_NUMBER_MAX 9  /* the visa number is the MRZ document number */
#define UBUR_VISA_PURPOSE_MAX 32

/* Why a visa found for a traveller can or cannot be used at a given time. */
enum ubur_visa_usable {
    UBUR_VISA_USABLE = 0,            /* valid now, entries and stay left */
    UBUR_VISA_USE_NOT_YET_VALID = 1,     /* valid_from is after the day asked about */
    UBUR_VISA_USE_EXPIRED = 2,           /* valid_until is before the day asked about */
    UBUR_VISA_USE_REVOKED = 3,          /* annulled or revoked */
    UBUR_VISA_USE_ENTRIES_EXHAUSTED = 4, /* every entry used (not in the country now) */
    UBUR_VISA_USE_STAY_EXCEEDED = 5,     /* no day of stay left */
};
/* "usable", "not_yet_valid", "expired", "revoked", "entries_exhausted", "stay_exceeded". */
const char *ubur_visa_usable_name(enum ubur_visa_usable u);

/* What the border needs to know about a visa at a time `at`. */
struct ubur_visa_valid {
    char visa_id[UBUR_UUID_LEN + 1];
    char visa_number[UBUR_VISA_NUMBER_MAX + 1];
    char issuing_state[4];
    char purpose[UBUR_VISA_PURPOSE_MAX + 1]; /* "tourism", "medical", ... (visa_purpose.code) */
    char state[16];            /* issued, extended, shortened, annulled, revoked */
    enum ubur_visa_usable usable;
    char valid_from[UBUR_DATE_LEN + 1]; /* "YYYY-MM-DD", both days included */
    char valid_until[UBUR_DATE_LEN + 1];
    int entries;       /* entries allowed; 0 = multiple */
    int entries_used;
    int entries_left;  /* -1 = unlimited */
    int stay_days;     /* longest total stay the visa allows */
    int stay_used;     /* days used by closed stays, plus the open stay up to `at` */
    int stay_left;     /* stay_days - stay_used, never below 0 */
    bool in_country;   /* an entry was noted and no exit yet */
    char in_country_since[UBUR_TIME_LEN + 1]; /* "" when not in the country */
    /*
     * Last day the holder may stay when entering (or being) in the country at
     * `at`: the earlier of valid_until and the day the stay left runs out.
     * "" when the visa is not usable.
     */
    char stay_until[UBUR_DATE_LEN + 1];
};

/*
 * Finds the visa a traveller holding passport `document_number` of
 * `nationality` (ICAO alpha-3) may use at time `at` (seconds since the
 * epoch, UTC). When `visa_number` is not NULL only that visa is considered
 * (and it must belong to that passport).
 *
 * Among the traveller's visas the best one is returned: a usable one if
 * any (the one with the latest valid_until), else the one that came closest
 * (out->usable then says why it cannot be used). Returns 0 when a visa was
 * found (usable or not), UBUR_ENOTFOUND when the passport holds no visa at
 * all, or a store error. Reads only; safe inside or outside a transaction.
 */
int ubur_visa_find_valid(struct ubur_store *store, const char *document_number,
                         const char *nationality, const char *visa_number, int64_t at,
                         struct ubur_visa_valid *out, struct ubur_error *err);

/*
 * Records an entry on visa `visa_id` at time `at`, inside the caller's open
 * transaction (it neither begins, commits nor audits: the border's movement
 * record and its audit entry are the record of the event). Fails with
 * UBUR_ECONFLICT, changing nothing, when the visa is not usable at `at`
 * (err->field "visa" and a message naming the reason) or when an entry is
 * already open; UBUR_ENOTFOUND for an unknown visa.
 */
int ubur_visa_note_entry(struct ubur_store *store, const char *visa_id, int64_t at,
                         struct ubur_error *err);
/*
 * Records the exit that closes the open entry on visa `visa_id`: adds the
 * days from the entry day to the exit day, both included, to the stay used.
 * Inside the caller's transaction, like ubur_visa_note_entry. UBUR_ECONFLICT
 * when no entry is open or `at` is before it.
 */
int ubur_visa_note_exit(struct ubur_store *store, const char *visa_id, int64_t at,
                        struct ubur_error *err);

#endif
