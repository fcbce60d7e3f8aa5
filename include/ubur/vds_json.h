/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON forms of seals, shared by the CLI (`ubur seal ... --json`) and the API,
 * so both answer with the same object. See docs/internals/vds.md for the
 * fields.
 */
#ifndef UBUR_VDS_JSON_H
#define UBUR_VDS_JSON_H

#include <jansson.h>

#include "ubur/vds.h"

/*
 * A decoded seal: header, messages, signature, and, for a visa seal, "visa"
 * (null when the profile is another; "visa_error" when its messages are
 * malformed). Returns a new reference.
 */
json_t *ubur_vds_json(const struct ubur_vds *seal);
/* The visa fields alone. Returns a new reference. */
json_t *ubur_vds_visa_json(const struct ubur_vds_visa *visa);

#endif
