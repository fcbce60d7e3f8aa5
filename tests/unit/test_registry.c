/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the registry services on an in-memory SQLite store:
 * registration, validation that changes nothing, audited reads, events
 * and corrections, returnee flagging, roles, and above all that the
 * statistics summary equals the figures computed from every record, for
 * many dates, across changes, backdated changes and the passing of time.
 */
#include "unit.h"

#include <stdbool.h>

#include "ubur/registry.h"

static struct ubur_ctx ctx;
static struct ubur_store *store;

static int
setup(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(ubur_store_open(&store, ":memory:", &err), 0);
    assert_int_equal(ubur_store_migrate(store, &err), 0);
    ctx.store = store;
    ctx.username = "test";
    ctx.role = UBUR_ROLE_ADMIN;
    struct ubur_reg_location locs[] = {
        {.pcode = "SY",
         .level = "country",
         .country = "SYR",
         .name_en = "Syria",
         .name_ar = "سوريا"},
        {.pcode = "SY01",
         .parent = "SY",
         .level = "governorate",
         .name_en = "Damascus",
         .location_type = "U"},
        {.pcode = "SY08", .parent = "SY", .level = "governorate", .name_en = "Al-Hasakah"},
        {.pcode = "SY0803",
         .parent = "SY08",
         .level = "district",
         .name_en = "Qamishli",
         .location_type = "U",
         .accommodation_type = "I"},
        {.pcode = "SY0801-HOL",
         .parent = "SY08",
         .level = "site",
         .name_en = "Al-Hol",
         .location_type = "C",
         .accommodation_type = "P"},
    };
    for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++)
        assert_int_equal(ubur_registry_location_add(&ctx, &locs[i], &err), 0);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    ubur_store_close(store);
    ubur_arena_release(&ctx.arena);
    unsetenv("UBUR_NOW");
    return 0;
}

static struct ubur_reg_individual
person(const char *rel, const char *given, const char *family, const char *sex, const char *dob,
       const char *type)
{
    struct ubur_reg_individual p = {
        .relationship = rel,
        .given_name = given,
        .family_name = family,
        .sex = sex,
        .birth_date = dob,
        .origin = "IRQ",
        .citizenship = "IRQ",
        .population_type = type,
    };
    return p;
}

static int64_t
count_audit(const char *action)
{
    int64_t n = -1;
    assert_int_equal(ubur_store_query_int(store, NULL, &n,
                                          "SELECT COUNT(*) FROM audit_log WHERE action = ?", "t",
                                          action),
                     0);
    return n;
}

static int64_t
count_individuals(void)
{
    int64_t n = -1;
    assert_int_equal(
        ubur_store_query_int(store, NULL, &n, "SELECT COUNT(*) FROM reg_individual", ""), 0);
    return n;
}

/* The summary and the scan agree on `as_of` for every dimension at once. */
static void
assert_stats_match(const char *as_of)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_popstat_query q = {.as_of = as_of};
    assert_int_equal(ubur_popdims_parse("country,type,origin,governorate,site,location_type,sex,"
                                        "age_band",
                                        "by", q.dims, &q.ndims, &err),
                     0);
    struct ubur_poptable a, b;
    int rc = ubur_registry_stats(&ctx, &q, &a, &err);
    if (rc)
        fail_msg("stats: %s", err.message);
    assert_int_equal(ubur_registry_stats_scan(&ctx, &q, &b, &err), 0);
    if (a.nrows != b.nrows || a.total != b.total)
        fail_msg("as of %s: summary %zu rows / %lld, scan %zu rows / %lld", as_of ? as_of : "today",
                 a.nrows, (long long)a.total, b.nrows, (long long)b.total);
    for (size_t r = 0; r < a.nrows; r++) {
        for (int d = 0; d < q.ndims; d++)
            assert_string_equal(a.row[r].value[d], b.row[r].value[d]);
        assert_int_equal(a.row[r].count, b.row[r].count);
    }
    ubur_poptable_release(&a);
    ubur_poptable_release(&b);
}

static int64_t
total_of(const char *as_of, const char *by, const char *match0)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_popstat_query q = {.as_of = as_of};
    assert_int_equal(ubur_popdims_parse(by, "by", q.dims, &q.ndims, &err), 0);
    struct ubur_poptable t;
    assert_int_equal(ubur_registry_stats(&ctx, &q, &t, &err), 0);
    int64_t n = 0;
    for (size_t r = 0; r < t.nrows; r++)
        if (!match0 || !strcmp(t.row[r].value[0], match0))
            n += t.row[r].count;
    ubur_poptable_release(&t);
    return n;
}

static void
test_register_and_read(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_group g = {.location = "SY0803", .registered_on = "2020-05-10"};
    struct ubur_reg_individual m[3] = {
        person("focal_point", "Ahmad", "Al-Tikriti", "M", "1980-02-29", "ASY"),
        person("spouse", "Fatima", "Al-Tikriti", "F", "1985-07-01", "ASY"),
        person("child", "Ali", "Al-Tikriti", "M", "2017-03-01", "ASY"),
    };
    m[0].given_name_ar = "أحمد";
    struct ubur_reg_document doc = {
        .doc_type = "passport", .number = "A1234567", .issuing_country = "IRQ"};
    m[0].documents = &doc;
    m[0].ndocuments = 1;
    struct ubur_reg_need need = {.code = "SM", .detail = "diabetes"};
    m[2].needs = &need;
    m[2].nneeds = 1;
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 3, false, &err), 0);
    assert_non_null(g.group_number);
    assert_string_equal(g.group_number, "SYR-2020-000001");
    assert_string_equal(m[0].individual_number, "SYR-2020-000001-01");
    assert_string_equal(m[2].individual_number, "SYR-2020-000001-03");
    assert_int_equal(count_audit("registry.group.register"), 1);

    struct ubur_reg_individual r;
    int64_t reads = count_audit("registry.individual.read");
    assert_int_equal(ubur_registry_get(&ctx, "SYR-2020-000001-01", &r, &err), 0);
    assert_int_equal(count_audit("registry.individual.read"), reads + 1);
    assert_string_equal(r.given_name_ar, "أحمد");
    assert_string_equal(r.location, "SY0803");
    assert_int_equal(r.ndocuments, 1);
    assert_string_equal(r.documents[0].number, "A1234567");
    assert_int_equal(r.nhistory, 1);
    assert_string_equal(r.history[0].status, "active");

    /* analysts see aggregates only */
    ctx.role = UBUR_ROLE_ANALYST;
    assert_int_equal(ubur_registry_get(&ctx, "SYR-2020-000001-01", &r, &err), UBUR_EPERM);
    assert_int_equal(total_of(NULL, "type", "ASY"), 3);
    ctx.role = UBUR_ROLE_ADMIN;
    assert_stats_match(NULL);
    assert_stats_match("2020-05-09");
    assert_stats_match("2020-05-10");
    assert_int_equal(total_of("2020-05-09", "type", NULL), 0);
}

static void
test_bad_input_changes_nothing(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    int64_t before = count_individuals();
    struct ubur_reg_group g = {.location = "SY01"};
    struct ubur_reg_individual m[2] = {
        person("focal_point", "Omar", "Al-Mosuli", "M", "1970-01-01", "REF"),
        person("child", "Zaid", "Al-Mosuli", "M", "1999-02-30", "REF"),
    };
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "birth_date");
    assert_non_null(strstr(err.message, "1999-02-30"));
    m[1].birth_date = "1999-02-03";
    m[1].given_name_ar = "Zaid";
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "given_name_ar");
    m[1].given_name_ar = NULL;
    m[1].population_type = "XYZ";
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "population_type");
    m[1].population_type = "REF";
    m[1].relationship = "focal_point";
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "relationship");
    g.location = "NOWHERE";
    m[1].relationship = "child";
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "location");
    assert_int_equal(count_individuals(), before);
}

static void
test_events_and_time(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_group g = {.location = "SY0801-HOL", .registered_on = "2019-01-15"};
    struct ubur_reg_individual m[2] = {
        person("focal_point", "Khalid", "Al-Jubouri", "M", "1990-06-15", "ASY"),
        person("child", "Huda", "Al-Jubouri", "F", "2015-01-20", "ASY"),
    };
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), 0);
    /* recognised as refugee, then moved to Damascus */
    struct ubur_reg_event ev = {.effective_on = "2020-02-01", .population_type = "REF"};
    assert_int_equal(ubur_registry_event(&ctx, m[1].individual_number, &ev, &err), 0);
    struct ubur_reg_event mv = {.effective_on = "2021-06-30", .location = "SY01"};
    assert_int_equal(ubur_registry_event(&ctx, m[1].individual_number, &mv, &err), 0);
    /* not before the latest change */
    struct ubur_reg_event late = {.effective_on = "2021-01-01", .status = "inactive"};
    assert_int_equal(ubur_registry_event(&ctx, m[1].individual_number, &late, &err),
                     UBUR_ECONFLICT);
    /* a correction of the birth date is retroactive */
    struct ubur_reg_individual fix = {.birth_date = "2014-12-20"};
    assert_int_equal(ubur_registry_correct(&ctx, m[1].individual_number, &fix, &err), 0);
    const char *days[] = {"2019-01-14", "2019-01-15", "2019-12-31", "2020-01-20", "2020-02-01",
                          "2021-06-29", "2021-06-30", "2022-01-01", NULL};
    for (int i = 0; days[i]; i++)
        assert_stats_match(days[i]);
    assert_stats_match(NULL);

    /* time passes without writes: the query adds the birthdays itself */
    setenv("UBUR_NOW", "2027-03-01T10:00:00Z", 1);
    assert_stats_match(NULL);
    assert_stats_match("2025-01-01");
    /* a write rolls the summary forward */
    struct ubur_reg_event close = {.status = "closed", .reason = "resettled"};
    assert_int_equal(ubur_registry_event(&ctx, m[0].individual_number, &close, &err), 0);
    assert_stats_match(NULL);
    assert_stats_match("2026-12-31");
    assert_stats_match("2020-01-01");
    /* rebuild gives the same */
    assert_int_equal(ubur_registry_stats_rebuild(&ctx, &err), 0);
    assert_stats_match(NULL);
    assert_stats_match("2021-07-01");
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
}

/*
 * The clock set back (test_events_and_time leaves it at 2022 after a write in 2027): people
 * registered then must still have the birthdays up to the day already rolled through counted,
 * else the next roll, which starts from that day, never adds them.
 */
static void
test_clock_set_back(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
    struct ubur_reg_group g = {.location = "SY0801-HOL"};
    struct ubur_reg_individual m[2] = {
        /* 5 on 2022-06-01 and 12 on 2029-06-01; 18 on 2024-09-10 and 60 in 2066 */
        person("focal_point", "Salim", "Al-Tai", "M", "2006-09-10", "ASY"),
        person("child", "Rana", "Al-Tai", "F", "2017-06-01", "ASY"),
    };
    assert_int_equal(ubur_registry_register(&ctx, &g, m, 2, false, &err), 0);
    assert_stats_match(NULL);
    /* time passes to after the day rolled through; a write rolls forward from that day */
    setenv("UBUR_NOW", "2028-01-10T10:00:00Z", 1);
    struct ubur_reg_event mv = {.location = "SY01"};
    assert_int_equal(ubur_registry_event(&ctx, m[0].individual_number, &mv, &err), 0);
    assert_stats_match(NULL);
    assert_stats_match("2027-06-01");
    assert_stats_match("2024-12-31");
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
}

static void
test_returnee(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    bool flagged = true;
    /* unknown document: nothing happens */
    assert_int_equal(ubur_registry_note_crossing(&ctx, "ZZ999", "IRQ", NULL, "IRQ", "2022-02-01",
                                                 &flagged, &err),
                     0);
    assert_false(flagged);
    /* entering a third country is not a return */
    assert_int_equal(ubur_registry_note_crossing(&ctx, "A1234567", "IRQ", NULL, "TUR", "2022-02-01",
                                                 &flagged, &err),
                     0);
    assert_false(flagged);
    int64_t before = total_of("2022-02-01", "type", NULL);
    assert_int_equal(ubur_registry_note_crossing(&ctx, "A1234567", "IRQ", NULL, "IRQ", "2022-02-01",
                                                 &flagged, &err),
                     0);
    assert_true(flagged);
    struct ubur_reg_individual r;
    assert_int_equal(ubur_registry_get(&ctx, "SYR-2020-000001-01", &r, &err), 0);
    assert_string_equal(r.returnee_on, "2022-02-01");
    assert_string_equal(r.status, "inactive");
    assert_int_equal(total_of("2022-02-01", "type", NULL), before - 1);
    assert_stats_match("2022-01-31");
    assert_stats_match(NULL);
}

static void
test_candidates(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_individual q =
        person("focal_point", "Ahmed", "Al Tikriti", "M", "1980-02-29", "ASY");
    struct ubur_reg_candidate c[4];
    size_t n = 0;
    /* Ahmad Al-Tikriti is inactive now (returnee); Fatima and Ali are active */
    q.given_name = "Fatma";
    q.birth_date = "1985-07-01";
    assert_int_equal(ubur_registry_candidates(&ctx, &q, 0.5, c, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].person.given_name, "Fatima");
    assert_true(c[0].score > 0.8);
    struct ubur_reg_group g = {.location = "SY0803"};
    assert_int_equal(ubur_registry_register(&ctx, &g, &q, 1, true, &err), UBUR_ECONFLICT);
    assert_int_equal(ubur_registry_register(&ctx, &g, &q, 1, false, &err), 0);
    assert_int_equal(ubur_registry_judge(&ctx, c[0].person.individual_number, q.individual_number,
                                         "merge", &err),
                     0);
    struct ubur_reg_individual r;
    assert_int_equal(ubur_registry_get(&ctx, q.individual_number, &r, &err), 0);
    assert_string_equal(r.status, "closed");
    assert_string_equal(r.merged_into, c[0].person.id);
    assert_stats_match(NULL);
}

static int
note_candidates(void *arg, size_t member, const struct ubur_reg_candidate *c, size_t nc)
{
    size_t *per = arg;
    per[member] = nc;
    (void)c;
    return 0;
}

/* A household as JSON: bad input names the field and writes nothing; the duplicate check
 * shows each member's candidates before commit; the whole group commits in one go. */
static void
test_group_json(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    json_error_t jerr;
    struct ubur_reg_group g;
    struct ubur_reg_individual *m;
    size_t n, flagged = 9, per[3] = {9, 9, 9};
    bool confirm = true;
    int64_t before = count_individuals();

    json_t *bad =
        json_loads("{\"location\": \"SY0803\", \"members\": [{\"given_name\": 7}]}", 0, &jerr);
    assert_int_equal(ubur_registry_group_from_json(&ctx, bad, &g, &m, &n, &confirm, &err),
                     UBUR_EINVAL);
    assert_string_equal(err.field, "given_name");
    json_decref(bad);
    bad = json_loads("{\"location\": \"SY0803\", \"members\": [], \"colour\": 1}", 0, &jerr);
    assert_int_equal(ubur_registry_group_from_json(&ctx, bad, &g, &m, &n, NULL, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "colour");
    json_decref(bad);

    json_t *body = json_loads(
        "{\"location\": \"SY0801-HOL\", \"kind\": \"household\", \"registered_on\": \"2021-02-01\","
        " \"members\": ["
        "  {\"relationship\": \"focal_point\", \"given_name\": \"Yusuf\","
        "   \"family_name\": \"Al-Obaidi\", \"sex\": \"M\", \"birth_date\": \"1975-04-02\","
        "   \"origin\": \"IRQ\", \"population_type\": \"ASY\", \"passport\": \"B7654321\"},"
        "  {\"relationship\": \"spouse\", \"given_name\": \"Layla\", \"family_name\": "
        "\"Al-Obaidi\","
        "   \"sex\": \"F\", \"birth_date\": \"1979-11-30\", \"origin\": \"IRQ\","
        "   \"population_type\": \"ASY\", \"birth_date_estimated\": true},"
        "  {\"relationship\": \"child\", \"given_name\": \"Omar\", \"family_name\": \"Al-Obaidi\","
        "   \"sex\": \"X\", \"birth_date\": \"2031-01-01\", \"origin\": \"IRQ\","
        "   \"population_type\": \"ASY\"}]}",
        0, &jerr);
    assert_non_null(body);
    assert_int_equal(ubur_registry_group_from_json(&ctx, body, &g, &m, &n, &confirm, &err), 0);
    assert_int_equal(n, 3);
    assert_false(confirm);
    assert_true(m[1].birth_date_estimated);
    assert_int_equal(m[0].ndocuments, 1);
    /* a child born in the future: the whole group is refused, nothing written */
    assert_int_equal(ubur_registry_register(&ctx, &g, m, n, true, &err), UBUR_EINVAL);
    assert_int_equal(count_individuals(), before);
    m[2].birth_date = "2012-06-15";
    assert_int_equal(ubur_registry_group_check(&ctx, m, n, 5, note_candidates, per, &flagged, &err),
                     0);
    assert_int_equal(flagged, 0);
    assert_int_equal(per[0] + per[1] + per[2], 0);
    assert_int_equal(ubur_registry_register(&ctx, &g, m, n, true, &err), 0);
    assert_int_equal(count_individuals(), before + 3);
    assert_string_equal(m[2].group_number, g.group_number);

    /* the same household again: every member has a candidate, shown before commit */
    struct ubur_reg_group g2;
    struct ubur_reg_individual *m2;
    assert_int_equal(ubur_registry_group_from_json(&ctx, body, &g2, &m2, &n, NULL, &err), 0);
    m2[2].birth_date = "2012-06-15";
    assert_int_equal(
        ubur_registry_group_check(&ctx, m2, n, 5, note_candidates, per, &flagged, &err), 0);
    assert_int_equal(flagged, 3);
    assert_true(per[0] >= 1 && per[1] >= 1 && per[2] >= 1);
    assert_int_equal(ubur_registry_register(&ctx, &g2, m2, n, true, &err), UBUR_ECONFLICT);
    assert_int_equal(count_individuals(), before + 3);
    json_decref(body);
    assert_stats_match(NULL);
}

/* After the first group is written, the clock moves on a day (UBUR_NOW): the import's later
 * batches are written on a day after the one their reader computed statistics for. */
static void
next_day_after_first(void *arg, long bytes)
{
    (void)bytes;
    int *calls = arg;
    if ((*calls)++ == 0)
        setenv("UBUR_NOW", "2022-03-02T10:00:00Z", 1);
}

/*
 * A CSV import in batches: the reader thread computes each batch's statistics (cells numbered
 * per batch, contributions summed) and the writer maps its cells and writes them; when the day
 * has changed since the reader's, the writer computes them itself. Either way the summary
 * equals the scan of the records, on every date, with cells new in a batch and cells shared
 * between batches, inactive people, and birthdays across the bands before and on the day.
 */
static void
test_import_statistics(void **state)
{
    (void)state;
    /* a registry of its own: the earlier tests moved the clock forward and back */
    teardown(NULL);
    setup(NULL);
    static const char csv[] =
        "group,relationship,given_name,family_name,sex,birth_date,origin,population_type,"
        "location,registered_on,status\n"
        "a1,focal_point,Salim,Al-Obeidi,M,1962-03-01,IRQ,REF,SY01,2015-05-01,\n"
        "a1,child,Rana,Al-Obeidi,F,2010-03-02,IRQ,REF,SY01,2015-05-01,\n"
        "a2,focal_point,Nour,Haddad,F,1985-07-09,SYR,ASY,SY0803,2018-01-10,inactive\n"
        "a2,child,Sami,Haddad,M,2017-03-02,SYR,ASY,SY0803,2018-01-10,\n"
        "a3,focal_point,Yusuf,Al-Tai,M,1999-12-31,IRQ,ASY,SY0801-HOL,2020-02-29,\n"
        "a4,focal_point,Layla,Al-Tai,F,2004-03-02,IRQ,REF,SY01,2021-08-15,\n"
        "a4,child,Omar,Al-Tai,M,2021-01-01,IRQ,REF,SY01,2021-08-15,\n"
        "a5,focal_point,Huda,Saleh,F,1962-03-02,IRQ,ASY,SY0801-HOL,2016-06-06,\n"
        "a6,focal_point,Karim,Saleh,M,1990-01-01,TUR,OOC,SY0803,2019-09-09,\n";
    for (int pass = 0; pass < 2; pass++) {
        struct ubur_error err = UBUR_ERROR_INIT;
        char *copy = strdup(csv);
        if (pass) /* other group names: the second import adds the same people again */
            for (char *p = copy; (p = strstr(p, "\na")); p += 2)
                p[1] = 'b';
        FILE *in = fmemopen(copy, strlen(copy), "r");
        assert_non_null(in);
        int calls = 0;
        struct ubur_registry_import_opts o = {.batch_rows = 3, .source = "test"};
        if (pass) {
            o.progress = next_day_after_first;
            o.arg = &calls;
        }
        struct ubur_registry_import_result res;
        int64_t before = count_individuals();
        int rc = ubur_registry_import_csv(&ctx, in, &o, &res, &err);
        if (rc)
            fail_msg("import: %s", err.message);
        fclose(in);
        free(copy);
        assert_int_equal(res.imported, 9);
        assert_int_equal(res.errors, 0);
        assert_int_equal(count_individuals(), before + 9);
        const char *days[] = {"2015-04-30", "2015-05-01", "2017-03-02", "2018-01-10",
                              "2020-03-01", "2021-08-15", "2022-03-01", NULL};
        for (int i = 0; days[i]; i++)
            assert_stats_match(days[i]);
        assert_stats_match(NULL);
    }
    setenv("UBUR_NOW", "2027-03-02T10:00:00Z", 1); /* and their birthdays after */
    assert_stats_match(NULL);
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_read), cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_events_and_time),   cmocka_unit_test(test_clock_set_back),
        cmocka_unit_test(test_returnee),          cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_group_json),        cmocka_unit_test(test_import_statistics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
