/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the visa rules (src/core/visa_rules.c): the whole lifecycle
 * table against an independent statement of it, purpose rules and their
 * check, validity and escort clipping, risk levels, auto-approval, priority
 * and the use of a visa on a day.
 */
#include "unit.h"

#include <limits.h>

#include "ubur/app.h"
#include "ubur/visa_rules.h"

#define D(y, m, d) ubur_days_from_civil(y, m, d)

/* The lifecycle written out independently: "action from1,from2 -> to : roles". */
static const struct {
    const char *action;
    const char *from[3];
    const char *to;
    unsigned roles;
} expected[] = {
    {"review",
     {"submitted"},
     "under_review",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN},
    {"approve",
     {"submitted", "under_review"},
     "approved",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
    {"refuse",
     {"submitted", "under_review"},
     "refused",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN},
    {"withdraw",
     {"submitted", "under_review", "approved"},
     "withdrawn",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN},
    {"discontinue",
     {"submitted", "under_review", "approved"},
     "discontinued",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
    {"issue",
     {"approved"},
     "issued",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN},
    {"extend",
     {"issued", "extended", "shortened"},
     "extended",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN},
    {"shorten",
     {"issued", "extended", "shortened"},
     "shortened",
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
    {"annul",
     {"issued", "extended", "shortened"},
     "annulled",
     UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
    {"revoke",
     {"issued", "extended", "shortened"},
     "revoked",
     UBUR_ROLE_SUPERVISOR | UBUR_ROLE_BORDER_OFFICER | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
};

static bool
listed(const char *const from[3], const char *state)
{
    for (int i = 0; i < 3 && from[i]; i++)
        if (!strcmp(from[i], state))
            return true;
    return false;
}

static void
test_lifecycle_table(void **unused)
{
    (void)unused;
    const unsigned roles[] = {UBUR_ROLE_ADMIN,
                              UBUR_ROLE_SUPERVISOR,
                              UBUR_ROLE_BORDER_OFFICER,
                              UBUR_ROLE_CONSULAR_OFFICER,
                              UBUR_ROLE_REGISTRATION_OFFICER,
                              UBUR_ROLE_ANALYST,
                              UBUR_VISA_ROLE_SYSTEM,
                              0};
    assert_int_equal(sizeof(expected) / sizeof(expected[0]), UBUR_VISA_ACTION_COUNT);
    for (size_t a = 0; a < sizeof(expected) / sizeof(expected[0]); a++) {
        int action = ubur_visa_action_from_name(expected[a].action);
        assert_true(action >= 0);
        for (int s = 0; s < UBUR_VISA_STATE_COUNT; s++) {
            const char *sname = ubur_visa_state_name(s);
            for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
                struct ubur_error err = UBUR_ERROR_INIT;
                enum ubur_visa_state to = UBUR_VISA_STATE_COUNT;
                int rc = ubur_visa_transition(s, action, roles[r], &to, &err);
                if (!listed(expected[a].from, sname)) {
                    assert_int_equal(rc, UBUR_ECONFLICT);
                    assert_string_equal(err.field, "state");
                    assert_non_null(strstr(err.message, sname));
                } else if (!(expected[a].roles & roles[r])) {
                    assert_int_equal(rc, UBUR_EPERM);
                    assert_string_equal(err.field, "role");
                } else {
                    assert_int_equal(rc, 0);
                    assert_string_equal(ubur_visa_state_name(to), expected[a].to);
                }
            }
        }
    }
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_visa_transition(UBUR_VISA_SUBMITTED, UBUR_VISA_ACTION_COUNT,
                                          UBUR_ROLE_ADMIN, NULL, &err),
                     UBUR_EINVAL);
}

static void
test_names(void **unused)
{
    (void)unused;
    for (int s = 0; s < UBUR_VISA_STATE_COUNT; s++)
        assert_int_equal(ubur_visa_state_from_name(ubur_visa_state_name(s)), s);
    for (int a = 0; a < UBUR_VISA_ACTION_COUNT; a++)
        assert_int_equal(ubur_visa_action_from_name(ubur_visa_action_name(a)), a);
    assert_int_equal(ubur_visa_state_from_name("granted"), -1);
    assert_int_equal(ubur_visa_state_from_name(NULL), -1);
    assert_true(ubur_visa_action_needs_reason(UBUR_VISA_REFUSE));
    assert_false(ubur_visa_action_needs_reason(UBUR_VISA_APPROVE));
    assert_true(ubur_visa_state_is_visa(UBUR_VISA_REVOKED));
    assert_false(ubur_visa_state_is_visa(UBUR_VISA_APPROVED));
    assert_true(ubur_visa_state_in_force(UBUR_VISA_SHORTENED));
    assert_false(ubur_visa_state_in_force(UBUR_VISA_ANNULLED));
    assert_true(ubur_visa_state_closed(UBUR_VISA_WITHDRAWN));
    assert_true(ubur_visa_refusal_known("watchlist_alert"));
    assert_false(ubur_visa_refusal_known("bad_hair_day"));
    assert_non_null(strstr(ubur_visa_refusal_list(), "patient_not_approved"));
}

static struct ubur_visa_rules
tourism(void)
{
    struct ubur_visa_rules r = {
        .code = "tourism",
        .active = true,
        .nationalities = "IRQ",
        .validity_days = 90,
        .max_entries = 1,
        .max_stay_days = 30,
        .fee_minor = 5000,
        .currency = "USD",
        .required_documents = "",
        .auto_approve = true,
        .auto_max_risk = 20,
        .mrz_format = 'A',
        .max_advance_days = 180,
    };
    return r;
}

static struct ubur_visa_rules
medical(void)
{
    struct ubur_visa_rules r = tourism();
    snprintf(r.code, sizeof(r.code), "medical");
    snprintf(r.required_documents, sizeof(r.required_documents), "medical_letter");
    r.needs_hospital = true;
    r.max_escorts = 2;
    r.extendable = true;
    r.max_extension_days = 30;
    r.auto_approve = false;
    r.priority = 10;
    return r;
}

static void
test_rules_validate(void **unused)
{
    (void)unused;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_visa_rules r = medical();
    assert_int_equal(ubur_visa_rules_validate(&r, &err), 0);
#define BAD(mut, fname)                                                                            \
    do {                                                                                           \
        struct ubur_visa_rules b = medical();                                                      \
        mut;                                                                                       \
        ubur_error_clear(&err);                                                                    \
        assert_int_equal(ubur_visa_rules_validate(&b, &err), UBUR_EINVAL);                         \
        assert_string_equal(err.field, fname);                                                     \
    } while (0)
    BAD(snprintf(b.code, sizeof(b.code), "Bad Code"), "code");
    BAD(snprintf(b.nationalities, sizeof(b.nationalities), "IRQ,sy"), "nationalities");
    BAD(b.nationalities[0] = '\0', "nationalities");
    BAD(b.validity_days = 0, "validity_days");
    BAD(b.max_stay_days = 91, "max_stay_days");
    BAD(b.max_entries = -1, "max_entries");
    BAD(b.fee_minor = -5, "fee");
    BAD(snprintf(b.currency, sizeof(b.currency), "us"), "currency");
    BAD(snprintf(b.required_documents, sizeof(b.required_documents), "medical_letter,selfie"),
        "required_documents");
    BAD(b.needs_patient = true, "needs_patient");
    BAD(b.max_extension_days = 0, "max_extension_days");
    BAD(b.auto_max_risk = 101, "auto_max_risk");
    BAD(b.mrz_format = 'C', "mrz_format");
#undef BAD
    snprintf(r.nationalities, sizeof(r.nationalities), "*");
    assert_int_equal(ubur_visa_rules_validate(&r, &err), 0);
}

static void
test_rules_check(void **unused)
{
    (void)unused;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_visa_rules r = medical();
    const char *docs[] = {"medical_letter"};
    struct ubur_visa_request q = {
        .nationality = "IRQ",
        .today = D(2024, 5, 1),
        .entry_day = D(2024, 5, 10),
        .stay_days = 30,
        .entries = 1,
        .hospital = "Al-Mouwasat University Hospital",
        .documents = docs,
        .ndocuments = 1,
    };
    assert_int_equal(ubur_visa_rules_check(&r, &q, &err), 0);
#define BAD(mut, fname)                                                                            \
    do {                                                                                           \
        struct ubur_visa_request b = q;                                                            \
        mut;                                                                                       \
        ubur_error_clear(&err);                                                                    \
        assert_int_equal(ubur_visa_rules_check(&r, &b, &err), UBUR_EINVAL);                        \
        assert_string_equal(err.field, fname);                                                     \
    } while (0)
    BAD(b.nationality = "SYR", "nationality");
    BAD(b.entry_day = D(2024, 4, 30), "entry_date");
    BAD(b.entry_day = D(2024, 12, 1), "entry_date");
    BAD(b.stay_days = 31, "days");
    BAD(b.stay_days = 0, "days");
    BAD(b.entries = 2, "entries");
    BAD(b.entries = 0, "entries");
    BAD(b.hospital = "", "hospital");
    BAD(b.ndocuments = 0, "documents");
    BAD(b.has_patient = true, "patient_application_id");
#undef BAD
    r.active = false;
    assert_int_equal(ubur_visa_rules_check(&r, &q, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "purpose");

    struct ubur_visa_rules e = tourism();
    snprintf(e.code, sizeof(e.code), "medical_escort");
    e.needs_patient = true;
    q.hospital = NULL;
    q.ndocuments = 0;
    assert_int_equal(ubur_visa_rules_check(&e, &q, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "patient_application_id");
    q.has_patient = true;
    assert_int_equal(ubur_visa_rules_check(&e, &q, &err), 0);
    e.max_entries = 0; /* multiple allowed: 0 and any count pass */
    q.entries = 0;
    assert_int_equal(ubur_visa_rules_check(&e, &q, &err), 0);
    q.entries = 7;
    assert_int_equal(ubur_visa_rules_check(&e, &q, &err), 0);
}

static void
test_validity_and_escorts(void **unused)
{
    (void)unused;
    struct ubur_visa_rules r = tourism();
    int64_t from, until;
    ubur_visa_validity(&r, D(2024, 5, 10), 30, &from, &until);
    assert_int_equal(from, D(2024, 5, 10));
    assert_int_equal(until, D(2024, 8, 7)); /* 90 days, both ends included */
    r.validity_days = 10;
    ubur_visa_validity(&r, D(2024, 5, 10), 30, &from, &until);
    assert_int_equal(until, D(2024, 6, 8)); /* never shorter than the stay */

    int stay = 30;
    from = D(2024, 5, 10);
    until = D(2024, 8, 7);
    assert_false(ubur_visa_clip_to_patient(D(2024, 9, 1), &from, &until, &stay));
    assert_true(ubur_visa_clip_to_patient(D(2024, 5, 29), &from, &until, &stay));
    assert_int_equal(until, D(2024, 5, 29));
    assert_int_equal(stay, 20);
    assert_true(ubur_visa_clip_to_patient(D(2024, 5, 1), &from, &until, &stay));
    assert_true(until < from);
    assert_int_equal(stay, 0);
}

static void
test_risk(void **unused)
{
    (void)unused;
    struct ubur_visa_rules r = tourism();
    struct ubur_visa_risk k;
    struct ubur_visa_risk_input in = {
        .passport_expiry = D(2030, 1, 1),
        .stay_end = D(2024, 6, 8),
        .mrz_valid = true,
    };
    ubur_visa_risk_assess(&in, &k);
    assert_int_equal(k.score, 0);
    assert_int_equal(k.level, UBUR_VISA_RISK_LOW);
    assert_false(k.blocking);
    assert_true(ubur_visa_may_auto_approve(&r, &k, false));
    assert_string_equal(ubur_visa_risk_level_name(k.level), "low");

    struct ubur_visa_risk_input w = in;
    w.watchlist_hits = 1;
    w.watchlist_best = 0.93;
    ubur_visa_risk_assess(&w, &k);
    assert_int_equal(k.level, UBUR_VISA_RISK_HIGH);
    assert_true(k.blocking);
    assert_string_equal(k.reasons[0].code, "watchlist_hit");
    assert_false(ubur_visa_may_auto_approve(&r, &k, true));

    struct ubur_visa_risk_input p = in;
    p.passport_expiry = D(2024, 6, 1);
    ubur_visa_risk_assess(&p, &k);
    assert_true(k.blocking);
    assert_string_equal(k.reasons[0].code, "passport_expires");
    p.passport_expiry = INT64_MIN;
    ubur_visa_risk_assess(&p, &k);
    assert_string_equal(k.reasons[0].code, "passport_expiry_unknown");
    /* a margin after the stay counts */
    p.passport_expiry = D(2024, 7, 1);
    p.passport_margin_days = 90;
    ubur_visa_risk_assess(&p, &k);
    assert_true(k.blocking);

    struct ubur_visa_risk_input h = in;
    h.earlier_refusals = 1;
    ubur_visa_risk_assess(&h, &k);
    assert_int_equal(k.score, 15);
    assert_int_equal(k.level, UBUR_VISA_RISK_LOW);
    assert_true(ubur_visa_may_auto_approve(&r, &k, false));
    h.earlier_refusals = 2;
    ubur_visa_risk_assess(&h, &k);
    assert_int_equal(k.level, UBUR_VISA_RISK_MEDIUM);
    assert_false(ubur_visa_may_auto_approve(&r, &k, false));
    h.earlier_refusals = 9;
    h.overstays = 5;
    ubur_visa_risk_assess(&h, &k);
    assert_int_equal(k.score, 100);
    assert_int_equal(k.level, UBUR_VISA_RISK_HIGH);

    struct ubur_visa_risk_input g = in;
    g.earlier_visas = 3;
    ubur_visa_risk_assess(&g, &k);
    assert_int_equal(k.score, 0); /* never below zero */

    /* rules that forbid auto-approval, and escorts waiting for their patient */
    ubur_visa_risk_assess(&in, &k);
    r.auto_approve = false;
    assert_false(ubur_visa_may_auto_approve(&r, &k, true));
    r.auto_approve = true;
    r.needs_patient = true;
    assert_false(ubur_visa_may_auto_approve(&r, &k, false));
    assert_true(ubur_visa_may_auto_approve(&r, &k, true));
    r.auto_max_risk = 0;
    h = in;
    h.earlier_refusals = 1;
    ubur_visa_risk_assess(&h, &k);
    assert_false(ubur_visa_may_auto_approve(&r, &k, true));

    struct ubur_visa_risk_input s = in;
    s.screening_unavailable = true;
    ubur_visa_risk_assess(&s, &k);
    assert_true(k.blocking);
}

static void
test_priority(void **unused)
{
    (void)unused;
    struct ubur_visa_rules r = medical();
    assert_int_equal(ubur_visa_priority(&r, false), 10);
    assert_int_equal(ubur_visa_priority(&r, true), 10 + UBUR_VISA_URGENT_PRIORITY);
}

static void
test_usage(void **unused)
{
    (void)unused;
    struct ubur_visa_usage u = {
        .state = UBUR_VISA_ISSUED,
        .valid_from = D(2024, 5, 10),
        .valid_until = D(2024, 8, 7),
        .entries = 2,
        .entries_used = 0,
        .stay_days = 30,
        .days_used = 0,
        .in_country_since = -1,
    };
    int el, su, sl;
    int64_t until;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 5, 9), &el, &su, &sl, &until),
                     UBUR_VISA_USE_NOT_YET_VALID);
    assert_int_equal(until, -1);
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 5, 10), &el, &su, &sl, &until),
                     UBUR_VISA_USABLE);
    assert_int_equal(el, 2);
    assert_int_equal(sl, 30);
    assert_int_equal(until, D(2024, 6, 8));
    /* entering near the end of validity: the validity bounds the stay */
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 8, 1), NULL, NULL, NULL, &until),
                     UBUR_VISA_USABLE);
    assert_int_equal(until, D(2024, 8, 7));
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 8, 8), NULL, NULL, NULL, NULL),
                     UBUR_VISA_USE_EXPIRED);

    /* in the country since 10 May: on 19 May 10 days are used, 20 left */
    u.entries_used = 1;
    u.in_country_since = D(2024, 5, 10);
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 5, 19), &el, &su, &sl, &until),
                     UBUR_VISA_USABLE);
    assert_int_equal(su, 10);
    assert_int_equal(sl, 20);
    assert_int_equal(el, 1);
    assert_int_equal(until, D(2024, 6, 8));
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 6, 8), NULL, &su, &sl, NULL), UBUR_VISA_USABLE);
    assert_int_equal(su, 30);
    assert_int_equal(sl, 0);
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 6, 9), NULL, NULL, NULL, NULL),
                     UBUR_VISA_USE_STAY_EXCEEDED);

    /* after an exit with 25 days used: 5 left, one entry left */
    u.in_country_since = -1;
    u.days_used = 25;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), &el, NULL, &sl, &until),
                     UBUR_VISA_USABLE);
    assert_int_equal(sl, 5);
    assert_int_equal(until, D(2024, 7, 5));
    u.entries_used = 2;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), &el, NULL, NULL, NULL),
                     UBUR_VISA_USE_ENTRIES_EXHAUSTED);
    assert_int_equal(el, 0);
    u.entries = 0; /* multiple */
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), &el, NULL, NULL, NULL),
                     UBUR_VISA_USABLE);
    assert_int_equal(el, -1);
    u.days_used = 30;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), NULL, NULL, NULL, NULL),
                     UBUR_VISA_USE_STAY_EXCEEDED);
    u.days_used = 0;
    u.state = UBUR_VISA_REVOKED;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), NULL, NULL, NULL, NULL),
                     UBUR_VISA_USE_REVOKED);
    u.state = UBUR_VISA_EXTENDED;
    assert_int_equal(ubur_visa_usage_at(&u, D(2024, 7, 1), NULL, NULL, NULL, NULL),
                     UBUR_VISA_USABLE);
}

static void
test_lists(void **unused)
{
    (void)unused;
    assert_true(ubur_visa_list_has("IRQ,SYR", "SYR"));
    assert_true(ubur_visa_list_has("*", "JOR"));
    assert_false(ubur_visa_list_has("IRQ,SYR", "SY"));
    assert_false(ubur_visa_list_has("IRQ", ""));
    assert_false(ubur_visa_list_has("", "IRQ"));
    assert_true(ubur_visa_document_kind_known("hospital_request"));
    assert_false(ubur_visa_document_kind_known("selfie"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_table),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_rules_validate),
        cmocka_unit_test(test_rules_check),
        cmocka_unit_test(test_validity_and_escorts),
        cmocka_unit_test(test_risk),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
