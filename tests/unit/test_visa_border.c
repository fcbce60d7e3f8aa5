/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the border's interface to visas (src/app/visa_border.c) on a
 * throwaway SQLite database: finding the usable visa among a passport's
 * visas, and noting entries and exits until entries and stay run out.
 */
#include "unit.h"

#include <unistd.h>

#include "ubur/store.h"
#include "ubur/visa.h"

#define T(y, m, d, h) (ubur_days_from_civil(y, m, d) * 86400 + (h)*3600)

static char dbpath[64];

static void
exec_ok(struct ubur_store *s, const char *sql)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_store_exec(s, sql, &err);
    if (rc)
        fail_msg("%s: %s", sql, err.message);
}

static int
setup(void **state)
{
    struct ubur_store *s;
    struct ubur_error err = UBUR_ERROR_INIT;
    snprintf(dbpath, sizeof(dbpath), "/tmp/ubur-visa-border-%d.db", (int)getpid());
    unlink(dbpath);
    if (ubur_store_open(&s, dbpath, &err) || ubur_store_migrate(s, &err))
        return -1;
    /* the purpose 'tourism' comes with migration 0041 */
    exec_ok(s, "INSERT INTO visa_person (id, surname, given_names, sex, nationality,"
               " created_at, updated_at) VALUES ('p1', 'AL-HASHIMI', 'ALI', 'M', 'IRQ', 'x', 'x')");
    const char *apps[] = {"a1", "a2", "a3"};
    for (int i = 0; i < 3; i++) {
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO visa_application (id, number, person_id, passport_mrz,"
                 " passport_number, passport_state, nationality, purpose, entry_date,"
                 " stay_days, entries, state, submitted_at, updated_at) VALUES ('%s', 'N%d',"
                 " 'p1', 'x', 'A1234567', 'IRQ', 'IRQ', 'tourism', '2024-05-10', 30, 2,"
                 " 'issued', 'x', 'x')",
                 apps[i], i);
        exec_ok(s, sql);
    }
#define VISA(id, app, num, state, from, until)                                                     \
    "INSERT INTO visa (id, visa_number, application_id, person_id, issuing_state, purpose,"        \
    " state, valid_from, valid_until, entries, stay_days, passport_number, nationality,"           \
    " mrz_format, mrz, issued_at, updated_at) VALUES ('" id "', '" num "', '" app "', 'p1',"       \
    " 'SYR', 'tourism', '" state "', '" from "', '" until "', 2, 30, 'A1234567', 'IRQ',"           \
    " 'A', 'x', 'x', 'x')"
    exec_ok(s, VISA("v-old", "a1", "V23000001", "issued", "2023-01-01", "2023-03-31"));
    exec_ok(s, VISA("v-rev", "a2", "V24000002", "revoked", "2024-05-01", "2024-12-31"));
    exec_ok(s, VISA("v-ok", "a3", "V24000003", "issued", "2024-05-10", "2024-08-07"));
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    ubur_store_close(*state);
    unlink(dbpath);
    char p[80];
    snprintf(p, sizeof(p), "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static void
test_find(void **state)
{
    struct ubur_store *s = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_visa_valid v;

    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "IRQ", NULL, T(2024, 5, 20, 9), &v, &err),
                     0);
    assert_string_equal(v.visa_number, "V24000003");
    assert_int_equal(v.usable, UBUR_VISA_USABLE);
    assert_string_equal(v.purpose, "tourism");
    assert_int_equal(v.entries_left, 2);
    assert_int_equal(v.stay_left, 30);
    assert_string_equal(v.stay_until, "2024-06-18");

    /* before the good visa is valid, the revoked one is not preferred over it */
    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "IRQ", NULL, T(2024, 5, 5, 9), &v, &err),
                     0);
    assert_string_equal(v.visa_number, "V24000003");
    assert_int_equal(v.usable, UBUR_VISA_USE_NOT_YET_VALID);
    assert_string_equal(v.stay_until, "");

    assert_int_equal(
        ubur_visa_find_valid(s, "A1234567", "IRQ", "V24000002", T(2024, 5, 20, 9), &v, &err), 0);
    assert_int_equal(v.usable, UBUR_VISA_USE_REVOKED);
    assert_string_equal(ubur_visa_usable_name(v.usable), "revoked");

    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "SYR", NULL, T(2024, 5, 20, 9), &v, &err),
                     UBUR_ENOTFOUND);
    assert_string_equal(err.field, "document_number");
    assert_int_equal(
        ubur_visa_find_valid(s, "A1234567", "IRQ", "V99999999", T(2024, 5, 20, 9), &v, &err),
        UBUR_ENOTFOUND);
    assert_string_equal(err.field, "visa_number");
    assert_int_equal(ubur_visa_find_valid(s, "", "IRQ", NULL, 0, &v, &err), UBUR_EINVAL);
}

static void
test_entries_and_stay(void **state)
{
    struct ubur_store *s = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_visa_valid v;

    assert_int_equal(ubur_store_begin(s, &err), 0);
    assert_int_equal(ubur_visa_note_entry(s, "v-ok", T(2024, 5, 20, 9), &err), 0);
    assert_int_equal(ubur_visa_note_entry(s, "v-ok", T(2024, 5, 21, 9), &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_store_commit(s, &err), 0);

    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "IRQ", NULL, T(2024, 5, 29, 9), &v, &err),
                     0);
    assert_true(v.in_country);
    assert_int_equal(v.entries_left, 1);
    assert_int_equal(v.stay_used, 10);
    assert_int_equal(v.stay_left, 20);
    assert_string_equal(v.stay_until, "2024-06-18");

    /* exit before entry is refused; the real exit uses 20 May..8 June = 20 days */
    assert_int_equal(ubur_visa_note_exit(s, "v-ok", T(2024, 5, 19, 9), &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_visa_note_exit(s, "v-ok", T(2024, 6, 8, 18), &err), 0);
    assert_int_equal(ubur_visa_note_exit(s, "v-ok", T(2024, 6, 9, 18), &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "IRQ", NULL, T(2024, 7, 1, 9), &v, &err),
                     0);
    assert_false(v.in_country);
    assert_int_equal(v.stay_left, 10);
    assert_string_equal(v.stay_until, "2024-07-10");

    /* second and last entry; then entries are exhausted */
    assert_int_equal(ubur_visa_note_entry(s, "v-ok", T(2024, 7, 1, 9), &err), 0);
    assert_int_equal(ubur_visa_note_exit(s, "v-ok", T(2024, 7, 3, 9), &err), 0);
    assert_int_equal(ubur_visa_note_entry(s, "v-ok", T(2024, 7, 5, 9), &err), UBUR_ECONFLICT);
    assert_string_equal(err.field, "visa");
    assert_non_null(strstr(err.message, "entries_exhausted"));
    assert_int_equal(ubur_visa_find_valid(s, "A1234567", "IRQ", NULL, T(2024, 7, 5, 9), &v, &err),
                     0);
    assert_int_equal(v.usable, UBUR_VISA_USE_ENTRIES_EXHAUSTED);

    assert_int_equal(ubur_visa_note_entry(s, "v-rev", T(2024, 7, 5, 9), &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_visa_note_entry(s, "nope", T(2024, 7, 5, 9), &err), UBUR_ENOTFOUND);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_entries_and_stay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
