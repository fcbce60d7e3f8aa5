/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UUIDv7, UTC time formatting and parsing, civil-date arithmetic, UTF-8
 * validation. Dates use Howard Hinnant's days_from_civil algorithm so no
 * timezone database or mktime is involved.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ubur/util.h"

/*
 * Random bytes for identifiers, drawn from the kernel a page at a time instead of one
 * getrandom call per identifier (a bulk import makes millions). The pool is per thread and
 * emptied in a child after fork, so two processes never hand out the same bytes.
 */
static __thread unsigned char pool[4096];
static __thread size_t pool_left;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void
pool_forget(void)
{
    pool_left = 0;
}

static void
pool_init(void)
{
    pthread_atfork(NULL, NULL, pool_forget);
}

static void
random_bytes(unsigned char *out, size_t n)
{
    pthread_once(&pool_once, pool_init);
    if (pool_left < n) {
        if (getrandom(pool, sizeof(pool), 0) == (ssize_t)sizeof(pool)) {
            pool_left = sizeof(pool);
        } else if (getrandom(out, n, 0) == (ssize_t)n) {
            return;
        } else {
            /* getrandom on Linux >= 3.17 does not fail for small sizes; be safe anyway. */
            for (size_t i = 0; i < n; i++)
                out[i] = (unsigned char)rand();
            return;
        }
    }
    memcpy(out, pool + sizeof(pool) - pool_left, n);
    memset(pool + sizeof(pool) - pool_left, 0, n);
    pool_left -= n;
}

void
ubur_uuid7(char out[UBUR_UUID_LEN + 1])
{
    unsigned char b[16];
    uint64_t ms = (uint64_t)ubur_now_ms();

    random_bytes(b + 6, 10);
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p = '\0';
}

bool
ubur_uuid_valid(const char *s)
{
    if (!s || strlen(s) != UBUR_UUID_LEN)
        return false;
    for (int i = 0; i < UBUR_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

int64_t
ubur_now(void)
{
    const char *fixed = getenv("UBUR_NOW");
    if (fixed && *fixed) {
        int64_t t;
        if (ubur_time_parse(fixed, &t, NULL) == 0)
            return t;
    }
    return (int64_t)time(NULL);
}

int64_t
ubur_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec
ubur_deadline(clockid_t clock, int64_t ms)
{
    struct timespec at;
    clock_gettime(clock, &at);
    at.tv_sec += (time_t)(ms / 1000);
    at.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

bool
ubur_deadline_passed(clockid_t clock, const struct timespec *at)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return now.tv_sec > at->tv_sec || (now.tv_sec == at->tv_sec && now.tv_nsec >= at->tv_nsec);
}

int64_t
ubur_elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

int64_t
ubur_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void
ubur_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

bool
ubur_date_valid(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int
ubur_age_years(int64_t birth, int64_t on)
{
    int by, bm, bd, y, m, d;
    ubur_civil_from_days(birth, &by, &bm, &bd);
    ubur_civil_from_days(on, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

/* Writes v (0 to 99) as two digits at at: the dates and times formatted by hand below. */
static void
put2(char *at, int v)
{
    at[0] = (char)('0' + v / 10);
    at[1] = (char)('0' + v % 10);
}

void
ubur_time_format(int64_t t, char out[UBUR_TIME_LEN + 1])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sec = t - days * 86400;
    int y, m, d;
    ubur_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, UBUR_TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
        return;
    }
    /* by hand, as ubur_date_format: every request formats a few (snprintf was 1% of a check) */
    ubur_date_format(days, out);
    out[10] = 'T';
    put2(out + 11, (int)(sec / 3600));
    out[13] = ':';
    put2(out + 14, (int)(sec / 60 % 60));
    out[16] = ':';
    put2(out + 17, (int)(sec % 60));
    out[19] = 'Z';
    out[20] = '\0';
}

void
ubur_date_format(int64_t days, char out[UBUR_DATE_LEN + 1])
{
    int y, m, d;
    ubur_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, UBUR_DATE_LEN + 1, "%04d-%02d-%02d", y, m, d);
        return;
    }
    /* by hand: a bulk import formats a few million dates */
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = '\0';
}

static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
ubur_date_parse(const char *s, int64_t *days, struct ubur_error *err)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return ubur_error_set(err, UBUR_EINVAL, "'%.40s' is not a date (YYYY-MM-DD)", s ? s : "");
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !ubur_date_valid(y, m, d))
        return ubur_error_set(err, UBUR_EINVAL, "'%.40s' is not a valid date", s);
    *days = ubur_days_from_civil(y, m, d);
    return 0;
}

int
ubur_time_parse(const char *s, int64_t *out, struct ubur_error *err)
{
    int64_t days;
    int hh = 0, mm = 0, ss = 0;
    char date[11];
    size_t n = s ? strlen(s) : 0;

    if (n < 10 || n > 32)
        goto bad;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (ubur_date_parse(date, &days, NULL))
        goto bad;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        p++;
        if ((hh = digits(p, 2)) < 0 || p[2] != ':' || (mm = digits(p + 3, 2)) < 0)
            goto bad;
        p += 5;
        if (*p == ':') {
            if ((ss = digits(p + 1, 2)) < 0)
                goto bad;
            p += 3;
            if (*p == '.') /* fractions of a second are accepted and dropped */
                for (p++; *p >= '0' && *p <= '9'; p++)
                    ;
        }
        if (hh > 23 || mm > 59 || ss > 60)
            goto bad;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (!strcmp(p, "+00:00") || !strcmp(p, "+0000"))
        p += strlen(p);
    if (*p)
        goto bad;
    *out = days * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
bad:
    return ubur_error_set(err, UBUR_EINVAL,
                          "'%.40s' is not a UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
                          s ? s : "");
}

bool
ubur_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        int len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + (size_t)len > n)
            return false;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += (size_t)len;
    }
    return true;
}
