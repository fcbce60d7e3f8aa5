/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON form of a parsed MRZ, shared by `ubur mrz parse --json` and
 * POST /api/v1/documents/mrz so both print the identical object:
 *   format, document_code, issuing_state, surname, given_names,
 *   document_number, nationality, birth_date, expiry_date ("YYYY-MM-DD" or
 *   null when any part is unknown), sex ("M", "F", "X"), optional_data,
 *   optional_data_2 (TD1 only, else null), valid, corrected
 *   [{field, read, value, line, column}], errors [{field, message}],
 *   warnings [{code, field, message}].
 * Lives in src/app (not src/core) because the core does not link jansson.
 */
#ifndef UBUR_MRZ_JSON_H
#define UBUR_MRZ_JSON_H

#include <jansson.h>

#include "ubur/mrz.h"

/* A new reference to the object for m (never NULL: allocation failure aborts). */
json_t *ubur_mrz_json(const struct ubur_mrz *m);

#endif
