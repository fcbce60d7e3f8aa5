/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: errors, buffers, arenas, UUIDv7, dates and UTF-8 validation. */
#include "unit.h"

#include <jansson.h>

#include "ubur/alloc.h"
#include "ubur/util.h"

static void
test_error_set(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_error_field(&err, UBUR_EINVAL, "birth_date", "bad '%s'", "x"),
                     UBUR_EINVAL);
    assert_string_equal(err.field, "birth_date");
    assert_string_equal(err.message, "bad 'x'");
    assert_string_equal(ubur_error_name(UBUR_ENOTFOUND), "not_found");
    assert_int_equal(ubur_error_http_status(UBUR_ETOOBIG), 413);
    assert_int_equal(ubur_error_set(NULL, UBUR_EPERM, "x"), UBUR_EPERM);
}

static void
test_buf_cap(void **state)
{
    (void)state;
    struct ubur_buf b = UBUR_BUF_INIT;
    b.cap = 8;
    assert_int_equal(ubur_buf_adds(&b, "12345678"), 0);
    assert_int_equal(ubur_buf_addch(&b, '9'), UBUR_ETOOBIG);
    assert_string_equal(b.s, "12345678");
    ubur_buf_release(&b);
    assert_string_equal(b.s, "");
    assert_int_equal(ubur_buf_addf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.s, "42-x");
    ubur_buf_release(&b);
}

static void
test_buf_xml(void **state)
{
    (void)state;
    struct ubur_buf b = UBUR_BUF_INIT;
    assert_int_equal(ubur_buf_add_xml(&b, "a<b> & \"c\" 'd' عبور"), 0);
    assert_string_equal(b.s, "a&lt;b&gt; &amp; &quot;c&quot; 'd' عبور");
    assert_int_equal(ubur_buf_add_xml(&b, NULL), 0); /* adds nothing */
    ubur_buf_reset(&b);
    b.cap = 4;
    assert_int_equal(ubur_buf_add_xml(&b, "&"), UBUR_ETOOBIG);
    ubur_buf_release(&b);
}

/* JSON string literals exactly as jansson's compact dump writes them (the answers built as text
 * must not differ from the ones built as objects). */
static void
test_buf_json(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "plain",
        "q\"uote",
        "back\\slash",
        "a/b",
        "tab\tnl\ncr\rbs\bff\f",
        "\x01\x1f\x7f",
        "عبور ABD AL-RAHMAN",
        "\xe2\x80\xa8 line separator",
        "end\\",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ubur_buf b = UBUR_BUF_INIT;
        json_t *j = json_string(cases[i]);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        assert_int_equal(ubur_buf_add_json(&b, cases[i]), 0);
        assert_string_equal(b.s, want);
        free(want);
        json_decref(j);
        ubur_buf_release(&b);
    }
    struct ubur_buf b = UBUR_BUF_INIT;
    assert_int_equal(ubur_buf_add_json(&b, NULL), 0);
    assert_string_equal(b.s, "null");
    ubur_buf_reset(&b);
    b.cap = 5;
    assert_int_equal(ubur_buf_add_json(&b, "abcdef"), UBUR_ETOOBIG);
    ubur_buf_release(&b);
}

static void
test_arena(void **state)
{
    (void)state;
    struct ubur_arena a = UBUR_ARENA_INIT;
    for (int i = 0; i < 1000; i++) {
        char *s = ubur_arena_printf(&a, "row %d", i);
        assert_non_null(s);
    }
    char *big = ubur_arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    assert_string_equal(ubur_arena_strdup(&a, "after"), "after");
    ubur_arena_release(&a);
    assert_null(a.head);
}

static void
test_uuid7(void **state)
{
    (void)state;
    char a[37], b[37];
    ubur_uuid7(a);
    ubur_uuid7(b);
    assert_true(ubur_uuid_valid(a));
    assert_int_equal(a[14], '7');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b);
    assert_false(ubur_uuid_valid("not-a-uuid"));
    /* the random part comes from a pool refilled every few hundred ids: all differ */
    enum { N = 3000 };
    char(*ids)[37] = malloc(N * sizeof(*ids));
    for (int i = 0; i < N; i++) {
        ubur_uuid7(ids[i]);
        assert_true(ubur_uuid_valid(ids[i]));
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (!memcmp(ids[i] + 14, ids[j] + 14, 22))
                fail_msg("ids %d and %d share their random part: %s %s", i, j, ids[i], ids[j]);
    free(ids);
}

static void
test_dates(void **state)
{
    (void)state;
    int64_t d, t;
    char out[21];
    assert_int_equal(ubur_date_parse("1970-01-01", &d, NULL), 0);
    assert_int_equal(d, 0);
    assert_int_equal(ubur_date_parse("2024-02-29", &d, NULL), 0);
    assert_int_equal(ubur_date_parse("2023-02-29", &d, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_date_parse("2023-13-01", &d, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_time_parse("2021-12-24T10:30:00Z", &t, NULL), 0);
    ubur_time_format(t, out);
    assert_string_equal(out, "2021-12-24T10:30:00Z");
    assert_int_equal(ubur_time_parse("2021-12-24 10:30", &t, NULL), 0);
    assert_int_equal(ubur_time_parse("2021-12-24T25:00Z", &t, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_time_parse("2021-12-24Tjunk", &t, NULL), UBUR_EINVAL);
    int64_t b = ubur_days_from_civil(1980, 6, 15), on = ubur_days_from_civil(2021, 6, 14);
    assert_int_equal(ubur_age_years(b, on), 40);
    assert_int_equal(ubur_age_years(b, on + 1), 41);
    ubur_date_format(ubur_days_from_civil(1900, 3, 1), out);
    assert_string_equal(out, "1900-03-01");
    /* formatted by hand: the same text as printf gives, every day from year 1 to 9999 */
    for (int64_t day = ubur_days_from_civil(1, 1, 1); day <= ubur_days_from_civil(9999, 12, 31);
         day += 7) {
        int y, m, dd;
        char want[21];
        ubur_civil_from_days(day, &y, &m, &dd);
        snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, dd);
        ubur_date_format(day, out);
        if (strcmp(out, want))
            fail_msg("day %lld: '%s', not '%s'", (long long)day, out, want);
    }
    /* instants too, by hand the same as printf, every second's digits and years out of range */
    const int64_t instants[] = {0,  59,     3599,         86399,       1640341800, 253402300799,
                                -1, -86401, 253402300800, -62135596801};
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        for (int64_t k = 0; k < 86400 * 2; k += 3607) {
            int64_t at = instants[i] + k, days = at >= 0 ? at / 86400 : -((-at + 86399) / 86400);
            int64_t sec = at - days * 86400;
            int y, m, dd;
            char want[21];
            ubur_civil_from_days(days, &y, &m, &dd);
            snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, dd,
                     (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
            ubur_time_format(at, out);
            if (strcmp(out, want))
                fail_msg("instant %lld: '%s', not '%s'", (long long)at, out, want);
        }
    }
}

static void
test_utf8(void **state)
{
    (void)state;
    const char *ok = "محمود Müller";
    assert_true(ubur_utf8_valid(ok, strlen(ok)));
    assert_false(ubur_utf8_valid("\xc3\x28", 2));
    assert_false(ubur_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(ubur_utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_false(ubur_utf8_valid("a\0b", 3));
}

/* A deadline carries milliseconds into seconds, is not passed at once, and is passed later. */
static void
test_deadline(void **state)
{
    (void)state;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec at = ubur_deadline(CLOCK_MONOTONIC, 1999);
    assert_true(at.tv_nsec >= 0 && at.tv_nsec < 1000000000L);
    int64_t ahead = (int64_t)(at.tv_sec - t0.tv_sec) * 1000000 + (at.tv_nsec - t0.tv_nsec) / 1000;
    assert_true(ahead >= 1999000 && ahead < 2100000);
    assert_false(ubur_deadline_passed(CLOCK_MONOTONIC, &at));
    struct timespec soon = ubur_deadline(CLOCK_MONOTONIC, 2);
    struct timespec pause = {0, 5000000};
    nanosleep(&pause, NULL);
    assert_true(ubur_deadline_passed(CLOCK_MONOTONIC, &soon));
    assert_true(ubur_elapsed_us(&t0) >= 5000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_set), cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_xml),   cmocka_unit_test(test_buf_json),
        cmocka_unit_test(test_arena),     cmocka_unit_test(test_uuid7),
        cmocka_unit_test(test_dates),     cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
