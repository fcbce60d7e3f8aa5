/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo registry reproduces the article exactly: 45,418 people; 18,817
 * REF; 18,664 ASY outside camps, mostly in urban Qamishli; 7,879 Iraqi ASY
 * in Al-Hol, Roj and Newroz; 58 OOC. Also: deterministic for a seed (golden
 * CSV files in tests/data/registry/), the summary tables agree with a scan
 * of every record on several dates, and a second run is refused.
 */
#include "unit.h"

#include <time.h>

#include "ubur/registry.h"

static struct ubur_ctx ctx;
static struct ubur_store *store;

static int
setup(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    setenv("UBUR_NOW", "2024-06-30T12:00:00Z", 1);
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(ubur_store_open(&store, ":memory:", &err), 0);
    assert_int_equal(ubur_store_migrate(store, &err), 0);
    ctx.store = store;
    ctx.username = "test";
    ctx.role = UBUR_ROLE_ADMIN;
    clock_t t0 = clock();
    if (ubur_registry_demo(&ctx, 2021, &err))
        fail_msg("demo: %s", err.message);
    fprintf(stderr, "# demo loaded in %.2f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
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

static void
table(const char *as_of, const char *by, struct ubur_poptable *t)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_popstat_query q = {.as_of = as_of};
    assert_int_equal(ubur_popdims_parse(by, "by", q.dims, &q.ndims, &err), 0);
    if (ubur_registry_stats(&ctx, &q, t, &err))
        fail_msg("stats: %s", err.message);
}

/* Sum of the rows whose first values match (NULL matches anything). */
static int64_t
sum(const struct ubur_poptable *t, const char *v0, const char *v1, const char *v2)
{
    int64_t n = 0;
    const char *want[3] = {v0, v1, v2};
    for (size_t r = 0; r < t->nrows; r++) {
        bool ok = true;
        for (int d = 0; d < 3 && d < t->ndims; d++)
            ok = ok && (!want[d] || !strcmp(want[d], t->row[r].value[d]));
        if (ok)
            n += t->row[r].count;
    }
    return n;
}

static void
test_article_figures(void **state)
{
    (void)state;
    struct ubur_poptable t;
    table("2021-12-24", "type,location_type,origin", &t);
    assert_int_equal(t.total, 45418);
    assert_int_equal(sum(&t, "REF", NULL, NULL), 18817);
    assert_int_equal(sum(&t, "ASY", "U", NULL), 18664);
    assert_int_equal(sum(&t, "ASY", "C", NULL), 7879);
    assert_int_equal(sum(&t, "ASY", "C", "IRQ"), 7879);
    assert_int_equal(sum(&t, "OOC", NULL, NULL), 58);
    /* 45,418 - (18,817 + 18,664 + 7,879) = 58: the gap is visible */
    assert_int_equal(t.total - 18817 - 18664 - 7879, sum(&t, "OOC", NULL, NULL));
    /* refugees predominantly from Iraq */
    assert_true(sum(&t, "REF", NULL, "IRQ") * 2 > 18817);
    ubur_poptable_release(&t);

    table("2021-12-24", "type,site", &t);
    assert_int_equal(sum(&t, "ASY", "Al-Hol camp", NULL) + sum(&t, "ASY", "Roj camp", NULL) +
                         sum(&t, "ASY", "Newroz camp", NULL),
                     7879);
    /* asylum-seekers mostly in urban Qamishli */
    assert_true(sum(&t, "ASY", "Qamishli", NULL) * 2 > 18664);
    ubur_poptable_release(&t);

    table("2021-12-24", "type,governorate", &t);
    /* refugees mostly in Damascus and Al-Hasakah */
    assert_true((sum(&t, "REF", "Damascus", NULL) + sum(&t, "REF", "Al-Hasakah", NULL)) * 2 >
                18817);
    assert_int_equal(sum(&t, "ASY", "Al-Hasakah", NULL), 12900 + 2400 + 7879);
    ubur_poptable_release(&t);

    /* nobody has left since: the same totals today */
    table(NULL, "type", &t);
    assert_int_equal(t.total, 45418);
    assert_int_equal(sum(&t, "REF", NULL, NULL), 18817);
    ubur_poptable_release(&t);
}

/* The summary and a scan of every record agree, row by row. */
static void
assert_same(const char *as_of, const char *by)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_popstat_query q = {.as_of = as_of};
    assert_int_equal(ubur_popdims_parse(by, "by", q.dims, &q.ndims, &err), 0);
    struct ubur_poptable a, b;
    assert_int_equal(ubur_registry_stats(&ctx, &q, &a, &err), 0);
    assert_int_equal(ubur_registry_stats_scan(&ctx, &q, &b, &err), 0);
    assert_int_equal(a.nrows, b.nrows);
    assert_int_equal(a.total, b.total);
    for (size_t r = 0; r < a.nrows; r++) {
        for (int d = 0; d < q.ndims; d++)
            assert_string_equal(a.row[r].value[d], b.row[r].value[d]);
        assert_int_equal(a.row[r].count, b.row[r].count);
    }
    ubur_poptable_release(&a);
    ubur_poptable_release(&b);
}

static void
test_summary_matches_records(void **state)
{
    (void)state;
    const char *all = "country,type,origin,governorate,site,location_type,sex,age_band";
    const char *days[] = {"2008-06-30", "2013-01-01", "2016-12-31", "2019-06-30",
                          "2020-12-31", "2021-12-24", NULL};
    for (int i = 0; days[i]; i++)
        assert_same(days[i], all);
    assert_same(NULL, all);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ubur_buf b = UBUR_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ubur_buf_add(&b, chunk, n);
    fclose(f);
    return ubur_buf_detach(&b, NULL);
}

static void
check_golden(const char *as_of, const char *by, const char *file)
{
    struct ubur_poptable t;
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_popformat_opts o = {.withhold_max = 4};
    table(as_of, by, &t);
    assert_int_equal(ubur_poptable_write(&t, UBUR_POPFORMAT_CSV, &o, &out), 0);
    char *want = slurp(file);
    if (!want || strcmp(want, out.s)) {
        if (getenv("UBUR_UPDATE_GOLDEN")) {
            FILE *f = fopen(file, "wb");
            fputs(out.s, f);
            fclose(f);
        } else {
            fail_msg("%s differs (UBUR_UPDATE_GOLDEN=1 rewrites it); got:\n%s", file, out.s);
        }
    }
    free(want);
    ubur_buf_release(&out);
    ubur_poptable_release(&t);
}

static void
test_golden(void **state)
{
    (void)state;
    check_golden("2021-12-24", "type,governorate,site",
                 UNIT_DATA("registry/demo_type_governorate_site.csv"));
    check_golden("2021-12-24", "type,sex,age_band", UNIT_DATA("registry/demo_type_sex_age.csv"));
    check_golden("2016-12-31", "origin, type", UNIT_DATA("registry/demo_2016_origin_type.csv"));
}

static void
test_second_run_refused(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_registry_demo(&ctx, 7, &err), UBUR_ECONFLICT);
    /* and the first individual is the same for the same seed */
    char *name = NULL;
    assert_int_equal(ubur_store_query_text(store, &err, &name,
                                           "SELECT given_name || ' ' || family_name || ' / ' ||"
                                           " given_name_ar || ' ' || family_name_ar"
                                           " FROM reg_individual ORDER BY individual_number"
                                           " LIMIT 1",
                                           ""),
                     0);
    char *want = slurp(UNIT_DATA("registry/demo_first_name.txt"));
    if (!want || strncmp(want, name, strlen(name))) {
        if (getenv("UBUR_UPDATE_GOLDEN")) {
            FILE *f = fopen(UNIT_DATA("registry/demo_first_name.txt"), "wb");
            fprintf(f, "%s\n", name);
            fclose(f);
        } else {
            fail_msg("first individual '%s', expected '%s'", name, want ? want : "");
        }
    }
    free(want);
    free(name);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_article_figures),
        cmocka_unit_test(test_summary_matches_records),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_second_run_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
