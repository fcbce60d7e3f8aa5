/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the visa services in src/app/visa*.c (not a public
 * interface): JSON forms of lists and fees, events (history row + audit
 * entry in the caller's transaction), counters, and the cascades from a
 * patient to their escorts.
 */
#ifndef UBUR_VISA_INTERNAL_H
#define UBUR_VISA_INTERNAL_H

#include <jansson.h>

#include "ubur/app.h"
#include "ubur/visa.h"
#include "ubur/visa_rules.h"

/* A comma-separated list as a JSON array of strings (new reference). */
json_t *ubur_visa_list_json(const char *list);
/* MRZ lines ("L1\nL2") as a JSON array. */
json_t *ubur_visa_lines_json(const char *text);
/* Minor units as "50.00". */
void ubur_visa_fee_format(int64_t minor, char out[32]);
/* Today as days since the epoch (UTC, honours UBUR_NOW). */
int64_t ubur_visa_today(void);

/*
 * Records a transition inside the caller's transaction: a visa_event row
 * and an audit entry "visa.<action>" on the application (or the visa when
 * visa_id is set). `system` marks an automatic transition (the actor is
 * still ctx's user, the role recorded as "system"). detail_json may be NULL;
 * when given it is a JSON object as text, kept as it is.
 */
int ubur_visa_event(struct ubur_ctx *ctx, const char *application_id, const char *visa_id,
                    const char *action, const char *from, const char *to, const char *reason,
                    bool system, const char *detail_json, struct ubur_error *err);

/* The same with the event's time given (`at`, ISO 8601 UTC; NULL = now), for a caller that
 * answers with the history it wrote. */
int ubur_visa_event_at(struct ubur_ctx *ctx, const char *application_id, const char *visa_id,
                       const char *action, const char *from, const char *to, const char *reason,
                       bool system, const char *detail_json, const char *at,
                       struct ubur_error *err);

/* Next value of counter `scope` (1, 2, ...), inside the caller's transaction. */
int ubur_visa_counter_next(struct ubur_store *store, const char *scope, int64_t *out,
                           struct ubur_error *err);

/*
 * Discontinues the open or approved escort applications of a patient's
 * application that ended without a visa, inside the caller's transaction.
 */
int ubur_visa_cascade_escort_applications(struct ubur_ctx *ctx, const char *patient_app_id,
                                          struct ubur_error *err);

/* Parses a visa/application state column; unknown states read as revoked (safest). */
enum ubur_visa_state ubur_visa_state_parse(const char *s);

#endif
