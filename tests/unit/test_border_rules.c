/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure border rules (src/core/border_rules.c) and stay
 * arithmetic (src/core/stay_rules.c): every reason code, the decision
 * order, operating modes with hours and category lists, and the
 * "N days in any M-day window" rule at its boundaries.
 */
#include "unit.h"

#include "ubur/border_rules.h"
#include "ubur/util.h"

static int64_t
day(const char *s)
{
    int64_t d = 0;
    assert_int_equal(ubur_date_parse(s, &d, NULL), 0);
    return d;
}

static int64_t
at(const char *s)
{
    int64_t t = 0;
    assert_int_equal(ubur_time_parse(s, &t, NULL), 0);
    return t;
}

static void
test_names(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    enum ubur_border_direction d;
    assert_int_equal(ubur_border_direction_parse("exit", &d, NULL), 0);
    assert_int_equal(d, UBUR_BORDER_EXIT);
    assert_int_equal(ubur_border_direction_parse("out", &d, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "direction");
    enum ubur_border_mode m;
    assert_int_equal(ubur_border_mode_parse("restricted_hours", &m, NULL), 0);
    assert_int_equal(m, UBUR_MODE_RESTRICTED_HOURS);
    assert_int_equal(ubur_border_mode_parse("ajar", &m, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "mode");
    assert_string_equal(ubur_border_reason_name(UBUR_REASON_WATCHLIST_HIT), "watchlist_hit");
    assert_int_equal(ubur_border_reason_from_name("crossing_closed"), UBUR_REASON_CROSSING_CLOSED);
    assert_int_equal(ubur_border_reason_from_name("nope"), UBUR_REASON_NONE);
    enum ubur_border_decision dec;
    assert_int_equal(ubur_border_decision_parse("refer", "decision", &dec, NULL), 0);
    assert_int_equal(dec, UBUR_DECISION_REFER);
    assert_int_equal(ubur_border_decision_parse("maybe", "decision", &dec, &err), UBUR_EINVAL);
}

static void
test_decide_most_severe(void **state)
{
    (void)state;
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    assert_int_equal(ubur_border_decide(&rs), UBUR_DECISION_ADMIT);
    ubur_border_reason_add(&rs, UBUR_REASON_WATCHLIST_HIT, UBUR_DECISION_REFER, "hit");
    assert_int_equal(ubur_border_decide(&rs), UBUR_DECISION_REFER);
    ubur_border_reason_add(&rs, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE, "no visa");
    assert_int_equal(ubur_border_decide(&rs), UBUR_DECISION_REFUSE);
    assert_true(ubur_border_reasons_has(&rs, UBUR_REASON_NO_VALID_VISA));
    /* Past capacity a reason is counted and its severity is kept. */
    struct ubur_border_reasons many = UBUR_BORDER_REASONS_INIT;
    for (int i = 0; i < UBUR_BORDER_MAX_REASONS; i++)
        ubur_border_reason_add(&many, UBUR_REASON_WATCHLIST_HIT, UBUR_DECISION_REFER, "%d", i);
    ubur_border_reason_add(&many, UBUR_REASON_CROSSING_CLOSED, UBUR_DECISION_REFUSE, "x");
    assert_int_equal(many.n, UBUR_BORDER_MAX_REASONS);
    assert_int_equal(many.dropped, 1);
    assert_int_equal(ubur_border_decide(&many), UBUR_DECISION_REFUSE);
}

static void
test_categories(void **state)
{
    (void)state;
    char out[UBUR_BORDER_CATEGORIES_MAX];
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(
        ubur_border_categories_normalise(" National , nationality:irq+Purpose:Medical,returnee",
                                         out, sizeof(out), NULL),
        0);
    assert_string_equal(out, "national,nationality:IRQ+purpose:medical,returnee");
    assert_int_equal(ubur_border_categories_normalise("", out, sizeof(out), NULL), 0);
    assert_string_equal(out, "");
    const char *bad[] = {"nationality:IRAQ", "pilgrim",         "national,", "purpose:",
                         "cargo:x",          "nationality:I1Q", ",group",    "group++cargo"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ubur_error_clear(&err);
        assert_int_not_equal(ubur_border_categories_normalise(bad[i], out, sizeof(out), &err), 0);
        assert_string_equal(err.field, "categories");
    }

    struct ubur_border_category iraqi_medical = {"IRQ", "medical", false, false, false, false};
    struct ubur_border_category iraqi_tourist = {"IRQ", "tourism", false, false, false, false};
    struct ubur_border_category syrian = {"SYR", "", true, false, false, false};
    struct ubur_border_category returnee = {"SYR", "", false, true, false, false};
    const char *list = "national,nationality:IRQ+purpose:medical";
    assert_true(ubur_border_categories_match(list, &iraqi_medical));
    assert_false(ubur_border_categories_match(list, &iraqi_tourist));
    assert_true(ubur_border_categories_match(list, &syrian));
    assert_false(ubur_border_categories_match(list, &returnee));
    assert_true(ubur_border_categories_match(NULL, &iraqi_tourist));
    assert_false(ubur_border_categories_match("", &syrian));
}

static void
test_hours(void **state)
{
    (void)state;
    int o, c;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_border_hours_parse("08:00-16:30", &o, &c, NULL), 0);
    assert_int_equal(o, 480);
    assert_int_equal(c, 990);
    assert_int_equal(ubur_border_hours_parse("22:00-06:00", &o, &c, NULL), 0);
    const char *bad[] = {"8:00-16:00", "08:00-08:00", "25:00-01:00", "08:00/16:00",
                         "",           "00:00-24:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ubur_border_hours_parse(bad[i], &o, &c, &err), UBUR_EINVAL);
        assert_string_equal(err.field, "hours");
    }
    char s[12];
    ubur_border_hours_format(480, 990, s);
    assert_string_equal(s, "08:00-16:30");
}

static enum ubur_border_reason_code
mode_reason(const struct ubur_border_schedule *s, const struct ubur_border_category *c,
            const char *when)
{
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_mode(s, c, at(when), &rs);
    assert_true(rs.n <= 1);
    if (rs.n)
        assert_int_equal(rs.r[0].decision, UBUR_DECISION_REFUSE);
    return rs.n ? rs.r[0].code : UBUR_REASON_NONE;
}

/* "Refuse because the crossing is closed to this category." */
static void
test_mode_rules(void **state)
{
    (void)state;
    struct ubur_border_category tourist = {"IRQ", "tourism", false, false, false, false};
    struct ubur_border_category patient = {"IRQ", "medical", false, false, false, false};
    struct ubur_border_category returnee = {"SYR", "", false, true, false, false};
    struct ubur_border_category driver = {"IRQ", "", false, false, false, true};
    struct ubur_border_category pilgrim = {"IRQ", "religious", false, false, true, false};
    const char *noon = "2026-01-10T09:00:00Z"; /* 12:00 local (UTC+3) */

    struct ubur_border_schedule open = {UBUR_MODE_OPEN, -1, -1, NULL, 180};
    assert_int_equal(mode_reason(&open, &tourist, noon), UBUR_REASON_NONE);

    struct ubur_border_schedule closed = {UBUR_MODE_CLOSED, -1, -1, NULL, 180};
    assert_int_equal(mode_reason(&closed, &patient, noon), UBUR_REASON_CROSSING_CLOSED);

    struct ubur_border_schedule hum = {UBUR_MODE_HUMANITARIAN, -1, -1, NULL, 180};
    assert_int_equal(mode_reason(&hum, &tourist, noon), UBUR_REASON_CATEGORY_NOT_ALLOWED);
    assert_int_equal(mode_reason(&hum, &patient, noon), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&hum, &returnee, noon), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&hum, &driver, noon), UBUR_REASON_CATEGORY_NOT_ALLOWED);

    /* Al-Qaim after 8 Dec 2024: humanitarian movement and stranded trucks. */
    struct ubur_border_schedule hum_trucks = {UBUR_MODE_HUMANITARIAN, -1, -1,
                                              "purpose:medical,returnee,cargo", 180};
    assert_int_equal(mode_reason(&hum_trucks, &driver, noon), UBUR_REASON_NONE);

    struct ubur_border_schedule cargo = {UBUR_MODE_CARGO, -1, -1, NULL, 180};
    assert_int_equal(mode_reason(&cargo, &driver, noon), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&cargo, &patient, noon), UBUR_REASON_CATEGORY_NOT_ALLOWED);

    struct ubur_border_schedule groups = {UBUR_MODE_GROUPS, -1, -1, NULL, 180};
    assert_int_equal(mode_reason(&groups, &pilgrim, noon), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&groups, &tourist, noon), UBUR_REASON_CATEGORY_NOT_ALLOWED);

    /* Restricted hours 08:00-16:00 local: 04:59Z is 07:59 local, 05:00Z 08:00, 13:00Z 16:00. */
    struct ubur_border_schedule hours = {UBUR_MODE_RESTRICTED_HOURS, 480, 960, NULL, 180};
    assert_int_equal(mode_reason(&hours, &tourist, "2026-01-10T04:59:00Z"),
                     UBUR_REASON_CROSSING_CLOSED);
    assert_int_equal(mode_reason(&hours, &tourist, "2026-01-10T05:00:00Z"), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&hours, &tourist, "2026-01-10T12:59:59Z"), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&hours, &tourist, "2026-01-10T13:00:00Z"),
                     UBUR_REASON_CROSSING_CLOSED);
    /* Overnight hours 22:00-06:00 local. */
    struct ubur_border_schedule night = {UBUR_MODE_RESTRICTED_HOURS, 1320, 360, NULL, 180};
    assert_int_equal(mode_reason(&night, &tourist, "2026-01-10T20:00:00Z"), UBUR_REASON_NONE);
    assert_int_equal(mode_reason(&night, &tourist, "2026-01-10T09:00:00Z"),
                     UBUR_REASON_CROSSING_CLOSED);
    /* A category list on an open crossing narrows it. */
    struct ubur_border_schedule iraqis = {UBUR_MODE_OPEN, -1, -1, "nationality:IRQ", 180};
    assert_int_equal(mode_reason(&iraqis, &returnee, noon), UBUR_REASON_CATEGORY_NOT_ALLOWED);
    assert_int_equal(mode_reason(&iraqis, &tourist, noon), UBUR_REASON_NONE);
}

static void
test_document_rule(void **state)
{
    (void)state;
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_document(UBUR_BORDER_ENTRY, false, NULL, day("2030-01-01"), day("2026-01-01"),
                              &rs);
    assert_int_equal(rs.n, 0);
    ubur_border_rule_document(UBUR_BORDER_ENTRY, false, NULL, day("2025-12-31"), day("2026-01-01"),
                              &rs);
    assert_int_equal(rs.r[0].code, UBUR_REASON_DOCUMENT_EXPIRED);
    assert_int_equal(rs.r[0].decision, UBUR_DECISION_REFUSE);
    assert_non_null(strstr(rs.r[0].message, "2025-12-31"));
    /* The expiry day itself is still valid. */
    struct ubur_border_reasons same = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_document(UBUR_BORDER_ENTRY, false, NULL, day("2026-01-01"), day("2026-01-01"),
                              &same);
    assert_int_equal(same.n, 0);
    struct ubur_border_reasons exit = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_document(UBUR_BORDER_EXIT, false, "check digit of document_number", INT64_MIN,
                              day("2026-01-01"), &exit);
    assert_int_equal(exit.r[0].code, UBUR_REASON_DOCUMENT_INVALID);
    assert_int_equal(exit.r[0].decision, UBUR_DECISION_REFER);
    /* A national entering is referred, never refused, for an expired or invalid document. */
    struct ubur_border_reasons home = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_document(UBUR_BORDER_ENTRY, true, NULL, day("2025-12-31"), day("2026-01-01"),
                              &home);
    assert_int_equal(home.r[0].code, UBUR_REASON_DOCUMENT_EXPIRED);
    assert_int_equal(home.r[0].decision, UBUR_DECISION_REFER);
    struct ubur_border_reasons home_bad = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_document(UBUR_BORDER_ENTRY, true, "check digit of document_number", INT64_MIN,
                              day("2026-01-01"), &home_bad);
    assert_int_equal(home_bad.r[0].code, UBUR_REASON_DOCUMENT_INVALID);
    assert_int_equal(home_bad.r[0].decision, UBUR_DECISION_REFER);
}

static void
test_visa_rule(void **state)
{
    (void)state;
    struct ubur_border_visa_facts v = {"SYR123", "medical", "usable", 0, 0, 1, 30, 0};
    v.valid_from = day("2026-01-01");
    v.valid_until = day("2026-03-31");
    v.stay_until = day("2026-02-08");
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    assert_int_equal(ubur_border_rule_visa(&v, day("2026-01-10"), &rs), day("2026-02-08"));
    assert_int_equal(rs.n, 0);
    static const struct {
        const char *usable;
        enum ubur_border_reason_code code;
        const char *says;
    } cases[] = {
        {"entries_exhausted", UBUR_REASON_ENTRIES_EXHAUSTED, "allows 1 entry, all used"},
        {"stay_exceeded", UBUR_REASON_STAY_EXCEEDED, "30 days of stay"},
        {"not_yet_valid", UBUR_REASON_NO_VALID_VISA, "valid from 2026-01-01 to 2026-03-31"},
        {"expired", UBUR_REASON_NO_VALID_VISA, "valid from"},
        {"revoked", UBUR_REASON_NO_VALID_VISA, "cannot be used (revoked)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ubur_border_reasons r = UBUR_BORDER_REASONS_INIT;
        snprintf(v.usable, sizeof(v.usable), "%s", cases[i].usable);
        assert_int_equal(ubur_border_rule_visa(&v, day("2026-01-10"), &r), day("2026-01-09"));
        assert_int_equal(r.n, 1);
        assert_int_equal(r.r[0].code, cases[i].code);
        assert_int_equal(r.r[0].decision, UBUR_DECISION_REFUSE);
        assert_non_null(strstr(r.r[0].message, cases[i].says));
    }
}

static void
test_window_rule(void **state)
{
    (void)state;
    int64_t d0 = day("2026-01-01");
    /* No past stays: 90 days from the entry day, both ends included. */
    assert_int_equal(ubur_stay_window_until(NULL, 0, d0, 90, 180), d0 + 89);
    /* 60 days spent just before (ending yesterday): 30 left at first, but the old days slide out.
     */
    struct ubur_stay_span past[] = {{d0 - 60, d0 - 1}};
    int64_t until = ubur_stay_window_until(past, 1, d0, 90, 180);
    assert_int_equal(until, d0 + 29);
    assert_true(ubur_stay_days_in(past, 1, until - 179, until) + (until - d0 + 1) == 90);
    /* 90 days spent in the window ending yesterday: refused today... */
    struct ubur_stay_span full[] = {{d0 - 90, d0 - 1}};
    assert_int_equal(ubur_stay_window_until(full, 1, d0, 90, 180), d0 - 1);
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_visa_free(full, 1, d0, 90, 180, &rs);
    assert_int_equal(rs.r[0].code, UBUR_REASON_STAY_EXCEEDED);
    assert_int_equal(rs.r[0].decision, UBUR_DECISION_REFUSE);
    /* ...but allowed once the first of those days has left the window (180 days later). */
    assert_true(ubur_stay_window_until(full, 1, d0 + 90, 90, 180) >= d0 + 90);
    /* Exit and re-entry on the same day count that day once. */
    struct ubur_stay_span touch[] = {{d0 - 10, d0}};
    assert_int_equal(ubur_stay_window_until(touch, 1, d0, 11, 180), d0);
    /* 10 days before (entry and exit days counted) plus a new entry day. */
    struct ubur_stay_span ten[] = {{d0 - 20, d0 - 11}};
    assert_int_equal(ubur_stay_days_in(ten, 1, d0 - 179, d0), 10);
    assert_int_equal(ubur_stay_window_until(ten, 1, d0, 11, 180), d0);
    assert_int_equal(ubur_stay_window_until(ten, 1, d0, 10, 180), d0 - 1);
    /* Bad parameters grant nothing. */
    assert_int_equal(ubur_stay_window_until(NULL, 0, d0, 0, 180), d0 - 1);
    assert_int_equal(ubur_stay_window_until(NULL, 0, d0, 200, 180), d0 - 1);
}

static void
test_days_in_merges(void **state)
{
    (void)state;
    struct ubur_stay_span s[] = {{10, 20}, {15, 25}, {25, 25}, {40, 41}, {100, UBUR_STAY_OPEN}};
    assert_int_equal(ubur_stay_days_in(s, 5, 0, 50), 16 + 2);
    assert_int_equal(ubur_stay_days_in(s, 5, 21, 40), 5 + 1);
    assert_int_equal(ubur_stay_days_in(s, 5, 100, 109), 10);
    assert_int_equal(ubur_stay_days_in(s, 5, 50, 40), 0);
    /* Many stays take the allocation path. */
    struct ubur_stay_span many[200];
    for (int i = 0; i < 200; i++) {
        many[i].entry_day = 1000 - i * 3;
        many[i].exit_day = 1000 - i * 3;
    }
    assert_int_equal(ubur_stay_days_in(many, 200, 0, 2000), 200);
}

static void
test_visa_until_and_overstay(void **state)
{
    (void)state;
    assert_int_equal(ubur_stay_visa_until(100, 30, 0, 1000), 129);
    assert_int_equal(ubur_stay_visa_until(100, 30, 20, 1000), 109);
    assert_int_equal(ubur_stay_visa_until(100, 30, 30, 1000), 99);
    assert_int_equal(ubur_stay_visa_until(100, 30, 0, 110), 110);
    assert_int_equal(ubur_stay_visa_until(100, 30, 0, 99), 99);
    assert_int_equal(ubur_stay_length(100, 100), 1);
    assert_int_equal(ubur_stay_length(100, 129), 30);
    assert_int_equal(ubur_stay_overstay_days(129, 129), 0);
    assert_int_equal(ubur_stay_overstay_days(129, 131), 2);
    assert_int_equal(ubur_stay_overstay_days(UBUR_STAY_OPEN, 10000), 0);
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_exit_stay(129, 131, &rs);
    assert_int_equal(rs.r[0].code, UBUR_REASON_STAY_EXCEEDED);
    assert_int_equal(rs.r[0].decision, UBUR_DECISION_REFER);
    assert_non_null(strstr(rs.r[0].message, "overstayed by 2 days"));
}

static void
test_screening_rule(void **state)
{
    (void)state;
    struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
    ubur_border_rule_screening(UBUR_BORDER_ENTRY, "UN", "QDi.001", 0.93, UBUR_ALERT_CHECK, &rs);
    assert_int_equal(rs.r[0].code, UBUR_REASON_WATCHLIST_HIT);
    assert_int_equal(rs.r[0].decision, UBUR_DECISION_REFER);
    ubur_border_rule_screening(UBUR_BORDER_ENTRY, "national", "N1", 0.99, UBUR_ALERT_REFUSE_ENTRY,
                               &rs);
    assert_int_equal(rs.r[1].decision, UBUR_DECISION_REFUSE);
    ubur_border_rule_screening(UBUR_BORDER_EXIT, "national", "N1", 0.99, UBUR_ALERT_REFUSE_ENTRY,
                               &rs);
    assert_int_equal(rs.r[2].decision, UBUR_DECISION_REFER);
    ubur_border_rule_screening(UBUR_BORDER_ENTRY, "national", "N2", 0.99, UBUR_ALERT_INFORM, &rs);
    assert_int_equal(rs.n, 3);
    assert_int_equal(ubur_alert_action_from_name("discreet_check"), UBUR_ALERT_CHECK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_decide_most_severe),
        cmocka_unit_test(test_categories),     cmocka_unit_test(test_hours),
        cmocka_unit_test(test_mode_rules),     cmocka_unit_test(test_document_rule),
        cmocka_unit_test(test_visa_rule),      cmocka_unit_test(test_window_rule),
        cmocka_unit_test(test_days_in_merges), cmocka_unit_test(test_visa_until_and_overstay),
        cmocka_unit_test(test_screening_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
