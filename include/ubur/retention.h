/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retention: personal data is kept only as long as the rules say. Each rule
 * names the records it erases and a period in years, configurable through
 * the settings table (key retention.<rule>.years). Erasure deletes the
 * records and leaves one audit entry per rule with the counts and the
 * cutoff, never the data. Aggregates (traffic figures, population
 * statistics) hold no personal data and are kept.
 */
#ifndef UBUR_RETENTION_H
#define UBUR_RETENTION_H

#include <jansson.h>

#include "ubur/app.h"

/*
 * Applies every rule as of ctx's now (ubur_now), or only counts with
 * dry_run. Each rule runs in its own transaction. *report is a JSON array
 * of {rule, years, cutoff, records} objects; caller decrefs.
 */
int ubur_retention_run(struct ubur_ctx *ctx, bool dry_run, json_t **report, struct ubur_error *err);

#endif
