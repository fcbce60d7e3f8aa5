/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small shared values: UUIDv7 identifiers, UTC times in ISO 8601, and
 * calendar dates. All times in ubur are UTC; text forms are
 * "YYYY-MM-DDTHH:MM:SSZ" for instants and "YYYY-MM-DD" for dates.
 */
#ifndef UBUR_UTIL_H
#define UBUR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ubur/error.h"

#define UBUR_UUID_LEN 36
/* Writes a new UUIDv7 (time-ordered, 74 random bits) into out[37]. */
void ubur_uuid7(char out[UBUR_UUID_LEN + 1]);
/* True when s is a canonical lowercase UUID (any version). */
bool ubur_uuid_valid(const char *s);

/* Seconds since the epoch, UTC; overridable in tests with UBUR_NOW. */
int64_t ubur_now(void);
/* Milliseconds since the epoch, wall clock (never overridden). */
int64_t ubur_now_ms(void);
/* The time `ms` from now on `clock`: CLOCK_REALTIME for pthread_cond_timedwait, CLOCK_MONOTONIC
 * for a deadline polled with ubur_deadline_passed. */
struct timespec ubur_deadline(clockid_t clock, int64_t ms);
/* Whether `clock` has reached `at`. */
bool ubur_deadline_passed(clockid_t clock, const struct timespec *at);
/* Microseconds on CLOCK_MONOTONIC since t0 (taken with clock_gettime(CLOCK_MONOTONIC)). */
int64_t ubur_elapsed_us(const struct timespec *t0);

#define UBUR_TIME_LEN 20 /* "YYYY-MM-DDTHH:MM:SSZ" */
#define UBUR_DATE_LEN 10 /* "YYYY-MM-DD" */
void ubur_time_format(int64_t t, char out[UBUR_TIME_LEN + 1]);
void ubur_date_format(int64_t days, char out[UBUR_DATE_LEN + 1]);
/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with an
 * optional "Z" or "+00:00" (a space may stand for the T). Anything else,
 * including impossible dates (2023-02-29), is UBUR_EINVAL.
 */
int ubur_time_parse(const char *s, int64_t *out, struct ubur_error *err);
/* Parses "YYYY-MM-DD" into days since 1970-01-01. */
int ubur_date_parse(const char *s, int64_t *days, struct ubur_error *err);

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
int64_t ubur_days_from_civil(int y, int m, int d);
void ubur_civil_from_days(int64_t days, int *y, int *m, int *d);
bool ubur_date_valid(int y, int m, int d);

/* Whole years between a birth date and a day (both days since epoch). */
int ubur_age_years(int64_t birth, int64_t on);

/* True when s is valid UTF-8 with no NUL and no C0 control other than \t\n\r. */
bool ubur_utf8_valid(const char *s, size_t n);

#endif
