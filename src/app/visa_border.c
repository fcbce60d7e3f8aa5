/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a border check asks of the visa module (include/ubur/visa.h): find
 * the visa a passport may use at a time, and note entries and exits on it.
 * One indexed read per check (visa_passport); the note functions write the
 * visa row inside the border's own transaction and never commit or audit.
 * Whether a visa is usable is decided by ubur_visa_usage_at in the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/visa.h"
#include "ubur/visa_rules.h"
#include "ubur/banned.h"

#define DAY 86400

const char *
ubur_visa_usable_name(enum ubur_visa_usable u)
{
    switch (u) {
    case UBUR_VISA_USABLE:
        return "usable";
    case UBUR_VISA_USE_NOT_YET_VALID:
        return "not_yet_valid";
    case UBUR_VISA_USE_EXPIRED:
        return "expired";
    case UBUR_VISA_USE_REVOKED:
        return "revoked";
    case UBUR_VISA_USE_ENTRIES_EXHAUSTED:
        return "entries_exhausted";
    case UBUR_VISA_USE_STAY_EXCEEDED:
        return "stay_exceeded";
    }
    return "unknown";
}

static int64_t
day_of(int64_t t)
{
    return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/* The columns every reader below selects, in this order. */
#define VISA_USE_COLUMNS                                                                           \
    "id, visa_number, issuing_state, purpose, state, valid_from, valid_until, entries,"            \
    " entries_used, stay_days, days_used, in_country_since"

/* Reads the current row of a VISA_USE_COLUMNS statement into out and u. */
static int
read_row(struct ubur_stmt *st, int64_t at, struct ubur_visa_valid *out, struct ubur_visa_usage *u)
{
    int64_t d;
    memset(out, 0, sizeof(*out));
    snprintf(out->visa_id, sizeof(out->visa_id), "%s", ubur_stmt_text(st, 0));
    snprintf(out->visa_number, sizeof(out->visa_number), "%s", ubur_stmt_text(st, 1));
    snprintf(out->issuing_state, sizeof(out->issuing_state), "%s", ubur_stmt_text(st, 2));
    snprintf(out->purpose, sizeof(out->purpose), "%s", ubur_stmt_text(st, 3));
    snprintf(out->state, sizeof(out->state), "%s", ubur_stmt_text(st, 4));
    snprintf(out->valid_from, sizeof(out->valid_from), "%s", ubur_stmt_text(st, 5));
    snprintf(out->valid_until, sizeof(out->valid_until), "%s", ubur_stmt_text(st, 6));
    int s = ubur_visa_state_from_name(out->state);
    u->state = s < 0 ? UBUR_VISA_REVOKED : (enum ubur_visa_state)s;
    u->valid_from = ubur_date_parse(out->valid_from, &d, NULL) ? INT64_MAX : d;
    u->valid_until = ubur_date_parse(out->valid_until, &d, NULL) ? INT64_MIN : d;
    u->entries = out->entries = (int)ubur_stmt_int(st, 7);
    u->entries_used = out->entries_used = (int)ubur_stmt_int(st, 8);
    u->stay_days = out->stay_days = (int)ubur_stmt_int(st, 9);
    u->days_used = (int)ubur_stmt_int(st, 10);
    u->in_country_since = -1;
    const char *since = ubur_stmt_text(st, 11);
    if (since) {
        int64_t t;
        if (ubur_time_parse(since, &t, NULL) == 0) {
            u->in_country_since = day_of(t);
            out->in_country = true;
            snprintf(out->in_country_since, sizeof(out->in_country_since), "%s", since);
        }
    }
    int64_t until;
    out->usable = ubur_visa_usage_at(u, day_of(at), &out->entries_left, &out->stay_used,
                                     &out->stay_left, &until);
    if (out->usable == UBUR_VISA_USABLE)
        ubur_date_format(until, out->stay_until);
    return 0;
}

/* Lower is closer to usable. */
static int
rank(enum ubur_visa_usable u)
{
    static const int r[] = {
        [UBUR_VISA_USABLE] = 0,
        [UBUR_VISA_USE_STAY_EXCEEDED] = 1,
        [UBUR_VISA_USE_ENTRIES_EXHAUSTED] = 2,
        [UBUR_VISA_USE_NOT_YET_VALID] = 3,
        [UBUR_VISA_USE_EXPIRED] = 4,
        [UBUR_VISA_USE_REVOKED] = 5,
    };
    return (unsigned)u < sizeof(r) / sizeof(r[0]) ? r[u] : 9;
}

int
ubur_visa_find_valid(struct ubur_store *store, const char *document_number, const char *nationality,
                     const char *visa_number, int64_t at, struct ubur_visa_valid *out,
                     struct ubur_error *err)
{
    struct ubur_stmt *st;
    struct ubur_visa_valid cand;
    struct ubur_visa_usage u;
    bool found = false;
    int rc;

    if (!document_number || !*document_number)
        return ubur_error_field(err, UBUR_EINVAL, "document_number", "is required");
    if (!nationality || !*nationality)
        return ubur_error_field(err, UBUR_EINVAL, "nationality", "is required");
    rc = ubur_store_prepare(store,
                            "SELECT " VISA_USE_COLUMNS " FROM visa"
                            " WHERE passport_number = ? AND nationality = ?"
                            " AND (? IS NULL OR visa_number = ?)",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, document_number);
    ubur_stmt_bind_text(st, 2, nationality);
    ubur_stmt_bind_text(st, 3, visa_number);
    ubur_stmt_bind_text(st, 4, visa_number);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        read_row(st, at, &cand, &u);
        if (!found || rank(cand.usable) < rank(out->usable) ||
            (rank(cand.usable) == rank(out->usable) &&
             strcmp(cand.valid_until, out->valid_until) > 0)) {
            *out = cand;
            found = true;
        }
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (!found) {
        if (visa_number)
            return ubur_error_field(err, UBUR_ENOTFOUND, "visa_number",
                                    "no visa '%s' for passport '%s' of %s", visa_number,
                                    document_number, nationality);
        return ubur_error_field(err, UBUR_ENOTFOUND, "document_number",
                                "no visa for passport '%s' of %s", document_number, nationality);
    }
    return 0;
}

static int
load_one(struct ubur_store *store, const char *visa_id, int64_t at, struct ubur_visa_valid *out,
         struct ubur_visa_usage *u, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc =
        ubur_store_prepare(store, "SELECT " VISA_USE_COLUMNS " FROM visa WHERE id = ?", &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, visa_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        read_row(st, at, out, u);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "visa", "no visa '%s'",
                                visa_id ? visa_id : "");
    return rc < 0 ? rc : 0;
}

int
ubur_visa_note_entry(struct ubur_store *store, const char *visa_id, int64_t at,
                     struct ubur_error *err)
{
    struct ubur_visa_valid v;
    struct ubur_visa_usage u;
    char now[UBUR_TIME_LEN + 1], when[UBUR_TIME_LEN + 1];
    int rc = load_one(store, visa_id, at, &v, &u, err);
    if (rc)
        return rc;
    if (v.in_country)
        return ubur_error_field(err, UBUR_ECONFLICT, "visa",
                                "visa %s already has an open entry since %s", v.visa_number,
                                v.in_country_since);
    if (v.usable != UBUR_VISA_USABLE)
        return ubur_error_field(err, UBUR_ECONFLICT, "visa", "visa %s cannot be used: %s",
                                v.visa_number, ubur_visa_usable_name(v.usable));
    ubur_time_format(at, when);
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(store, err,
                               "UPDATE visa SET entries_used = entries_used + 1,"
                               " in_country_since = ?, updated_at = ?"
                               " WHERE id = ? AND in_country_since IS NULL",
                               "ttt", when, now, visa_id);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return ubur_error_field(err, UBUR_ECONFLICT, "visa", "visa %s already has an open entry",
                                v.visa_number);
    return 0;
}

int
ubur_visa_note_exit(struct ubur_store *store, const char *visa_id, int64_t at,
                    struct ubur_error *err)
{
    struct ubur_visa_valid v;
    struct ubur_visa_usage u;
    char now[UBUR_TIME_LEN + 1];
    int rc = load_one(store, visa_id, at, &v, &u, err);
    if (rc)
        return rc;
    if (!v.in_country)
        return ubur_error_field(err, UBUR_ECONFLICT, "visa", "visa %s has no open entry",
                                v.visa_number);
    int64_t day = day_of(at);
    if (day < u.in_country_since)
        return ubur_error_field(err, UBUR_ECONFLICT, "at", "the exit is before the entry of %s",
                                v.in_country_since);
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(store, err,
                               "UPDATE visa SET days_used = days_used + ?,"
                               " in_country_since = NULL, updated_at = ?"
                               " WHERE id = ? AND in_country_since IS NOT NULL",
                               "itt", (int64_t)(day - u.in_country_since + 1), now, visa_id);
    return n < 0 ? (int)n : 0;
}
