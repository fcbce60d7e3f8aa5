/* SPDX-License-Identifier: Apache-2.0 */
/* Common includes for cmocka unit tests (cmocka needs these before it). */
#ifndef UBUR_UNIT_H
#define UBUR_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Path of tests/data/<rel>, relative to the repository root (tests run from there). */
#define UNIT_DATA(rel) ("tests/data/" rel)
/* ../shared/data, which a user's clone does not have: tests using it skip without it. */
#define UNIT_SHARED(rel) ("../shared/data/" rel)
#endif
