/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL backend: being written (issue 10); until then it refuses clearly. */
#include "store_impl.h"

int
ubur_store_pg_open(struct ubur_store **out, const char *conninfo, struct ubur_error *err)
{
    (void)conninfo;
    *out = NULL;
    return ubur_error_set(err, UBUR_EINVAL, "this build has no PostgreSQL backend yet");
}
