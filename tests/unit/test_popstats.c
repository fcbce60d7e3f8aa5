/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure parts of the registry: age bands and their
 * boundaries, the contribution invariant (checked against brute force on
 * random histories), dimension lists, table rendering, the CSV reader, the
 * name skeleton and the dedup engine on a small known case.
 */
#include "unit.h"

#include "ubur/csv.h"
#include "ubur/popstats.h"
#include "ubur/reclink.h"
#include "ubur/synth.h"
#include "ubur/util.h"

static int64_t
day(int y, int m, int d)
{
    return ubur_days_from_civil(y, m, d);
}

static void
test_age_bands(void **state)
{
    (void)state;
    int64_t b = day(2000, 2, 29);
    assert_int_equal(ubur_age_band(b, day(2005, 2, 28)), UBUR_BAND_0_4);
    assert_int_equal(ubur_age_band(b, day(2005, 3, 1)), UBUR_BAND_5_11);
    assert_int_equal(ubur_age_band_next(b, day(2000, 3, 1)), day(2005, 3, 1));
    assert_int_equal(ubur_age_band_next(b, day(2005, 3, 1)), day(2012, 2, 29));
    assert_int_equal(ubur_age_band(UBUR_NO_DATE, day(2020, 1, 1)), UBUR_BAND_UNKNOWN);
    assert_int_equal(ubur_age_band_next(day(1950, 1, 1), day(2010, 1, 1)), UBUR_NO_DATE);
    assert_string_equal(ubur_age_band_name(UBUR_BAND_60_PLUS), "60+");
    assert_int_equal(ubur_age_band(day(1961, 6, 1), day(2021, 6, 1)), UBUR_BAND_60_PLUS);
    assert_int_equal(ubur_age_band(day(1961, 6, 1), day(2021, 5, 31)), UBUR_BAND_18_59);
}

struct grid {
    int64_t from;
    int64_t n[3][UBUR_BAND_COUNT]; /* per day offset later */
};

static int64_t acc[4000][3][UBUR_BAND_COUNT];

static void
grid_emit(void *arg, int64_t d, uint32_t cell, int band, int64_t delta)
{
    int64_t from = *(int64_t *)arg;
    assert_true(d >= from && d < from + 4000);
    acc[d - from][cell][band] += delta;
}

/* For random histories, the prefix sums of the deltas equal the person's state each day. */
static void
test_contribution_invariant(void **state)
{
    (void)state;
    struct ubur_rng r;
    ubur_rng_seed(&r, 7);
    int64_t from = day(2010, 1, 1), through = from + 3999;
    for (int trial = 0; trial < 300; trial++) {
        memset(acc, 0, sizeof(acc));
        int64_t birth = ubur_rng_below(&r, 10) == 0
                            ? UBUR_NO_DATE
                            : from - 365 * 70 + (int64_t)ubur_rng_below(&r, 365 * 75);
        struct ubur_popstat_segment seg[6];
        int n = 1 + (int)ubur_rng_below(&r, 6);
        int64_t t = from + (int64_t)ubur_rng_below(&r, 500);
        for (int i = 0; i < n; i++) {
            seg[i].from = t;
            seg[i].cell = ubur_rng_below(&r, 3);
            seg[i].counted = ubur_rng_below(&r, 3) != 0;
            t += ubur_rng_below(&r, 3) == 0 ? 0 : (int64_t)ubur_rng_below(&r, 900);
        }
        if (birth != UBUR_NO_DATE && birth > seg[0].from)
            birth = seg[0].from - 1;
        ubur_popstat_contribution(birth, seg, (size_t)n, through, 1, grid_emit, &from);
        int64_t run[3][UBUR_BAND_COUNT] = {{0}};
        for (int64_t d = from; d <= through; d++) {
            for (int c = 0; c < 3; c++)
                for (int b = 0; b < UBUR_BAND_COUNT; b++)
                    run[c][b] += acc[d - from][c][b];
            /* expected: the last segment started on or before d */
            int cur = -1;
            for (int i = 0; i < n; i++)
                if (seg[i].from <= d)
                    cur = i;
            for (int c = 0; c < 3; c++)
                for (int b = 0; b < UBUR_BAND_COUNT; b++) {
                    int want = cur >= 0 && seg[cur].counted && (int)seg[cur].cell == c &&
                               ubur_age_band(birth, d) == b;
                    if (run[c][b] != want)
                        fail_msg("trial %d day %lld cell %d band %d: %lld, want %d", trial,
                                 (long long)(d - from), c, b, (long long)run[c][b], want);
                }
        }
    }
}

static void
test_dims(void **state)
{
    (void)state;
    int dims[UBUR_DIM_COUNT], n;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_popdims_parse("type, governorate ,sex", "by", dims, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(dims[1], UBUR_DIM_GOVERNORATE);
    assert_int_equal(ubur_popdims_parse("", "by", dims, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ubur_popdims_parse("type,type", "by", dims, &n, &err), UBUR_EINVAL);
    assert_int_equal(ubur_popdims_parse("type,planet", "by", dims, &n, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "planet"));
    assert_string_equal(err.field, "by");
    assert_int_equal(ubur_popdims_parse("type,,sex", "by", dims, &n, &err), UBUR_EINVAL);
}

static void
test_table_formats(void **state)
{
    (void)state;
    int dims[] = {UBUR_DIM_TYPE, UBUR_DIM_AGE_BAND};
    struct ubur_poptable t;
    ubur_poptable_init(&t, dims, 2);
    snprintf(t.as_of, sizeof(t.as_of), "2021-12-24");
    const char *a[] = {"REF", "60+"}, *b[] = {"REF", "5-11"}, *c[] = {"ASY", "0-4"},
               *d[] = {"OOC, \"x\"", "unknown"};
    ubur_poptable_add(&t, a, 3);
    ubur_poptable_add(&t, b, 10);
    ubur_poptable_add(&t, a, 2);
    ubur_poptable_add(&t, c, 7);
    ubur_poptable_add(&t, d, 1);
    ubur_poptable_finish(&t);
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_popformat_opts o = {.withhold_max = 4};
    assert_int_equal(ubur_poptable_write(&t, UBUR_POPFORMAT_CSV, &o, &out), 0);
    assert_string_equal(out.s, "type,age_band,count\n"
                               "ASY,0-4,7\n"
                               "\"OOC, \"\"x\"\"\",unknown,*\n"
                               "REF,5-11,10\n"
                               "REF,60+,5\n");
    ubur_buf_reset(&out);
    assert_int_equal(ubur_poptable_write(&t, UBUR_POPFORMAT_JSON, NULL, &out), 0);
    assert_non_null(strstr(out.s, "{\"type\":\"REF\",\"age_band\":\"60+\",\"count\":5}"));
    assert_non_null(strstr(out.s, "\"total\":23"));
    ubur_buf_reset(&out);
    assert_int_equal(ubur_poptable_write(&t, UBUR_POPFORMAT_SVG, &o, &out), 0);
    assert_non_null(strstr(out.s, "OOC, &quot;x&quot; / unknown"));
    ubur_buf_release(&out);
    ubur_poptable_release(&t);
}

static void
test_csv_reader(void **state)
{
    (void)state;
    const char *text = "\xef\xbb\xbf"
                       "a, b,c\r\n"
                       "1, \"x, y\",\"he said \"\"hi\"\"\"\n"
                       "\n"
                       "2,\"multi\nline\",z\n";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    struct ubur_csv c;
    struct ubur_error err = UBUR_ERROR_INIT;
    ubur_csv_init(&c, f, 0);
    assert_int_equal(ubur_csv_next(&c, &err), 1);
    assert_int_equal(c.nfields, 3);
    assert_string_equal(c.field[1], "b");
    assert_int_equal(ubur_csv_next(&c, &err), 1);
    assert_string_equal(c.field[1], "x, y");
    assert_string_equal(c.field[2], "he said \"hi\"");
    assert_int_equal(ubur_csv_next(&c, &err), 1);
    assert_int_equal(c.line, 4);
    assert_string_equal(c.field[1], "multi\nline");
    assert_int_equal(ubur_csv_next(&c, &err), 0);
    ubur_csv_release(&c);
    fclose(f);

    const char *bad = "a,b\n1,x\"y\n";
    f = fmemopen((void *)bad, strlen(bad), "r");
    ubur_csv_init(&c, f, 0);
    assert_int_equal(ubur_csv_next(&c, &err), 1);
    assert_int_equal(ubur_csv_next(&c, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "line 2"));
    ubur_csv_release(&c);
    fclose(f);
}

static void
test_skeleton(void **state)
{
    (void)state;
    char a[64], b[64];
    const char *same[][2] = {
        {"Muhammad", "محمد"},
        {"Mohammed", "Mohamad"},
        {"Abd al-Rahman", "Abdulrahman"},
        {"عبد الرحمن", "Abdelrahman"},
        {"Al-Hashimi", "Al Hashemi"},
        {"Fatimah", "فاطمة"},
        {"Abdullah", "عبد الله"},
        {"Youssef", "Yusuf"},
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        ubur_reclink_skeleton(same[i][0], a, sizeof(a));
        ubur_reclink_skeleton(same[i][1], b, sizeof(b));
        if (strcmp(a, b))
            fail_msg("'%s' -> '%s' but '%s' -> '%s'", same[i][0], a, same[i][1], b);
    }
    ubur_reclink_skeleton("Al-Tikriti", a, sizeof(a));
    ubur_reclink_skeleton("Al-Mosuli", b, sizeof(b));
    assert_string_not_equal(a, b);
    assert_true(ubur_reclink_jaro_winkler("martha", "marhta") > 0.96);
}

/* One common name and origin: another birthday in the same year is evidence against (it
 * was scored 0.99, as likely as the same birthday); an estimated date only by its year. */
static void
test_score_birth_dates(void **state)
{
    (void)state;
    struct ubur_reclink_config cfg = {.nextra = 1};
    struct ubur_reclink_record a = {.given = "Muhammad", .family = "Al-Jubouri", .extra = {"IRQ"}},
                               b = a;
    int64_t d1, d2, d3;
    assert_int_equal(ubur_date_parse("1982-01-15", &d1, NULL), 0);
    assert_int_equal(ubur_date_parse("1982-08-13", &d2, NULL), 0);
    assert_int_equal(ubur_date_parse("1982-01-16", &d3, NULL), 0);
    a.dob = d1;
    b.dob = d1;
    double same = ubur_reclink_score(&a, &b, &cfg);
    b.dob = d3; /* a typo in the day */
    double typo = ubur_reclink_score(&a, &b, &cfg);
    b.dob = d2;
    double other = ubur_reclink_score(&a, &b, &cfg);
    b.dob = INT64_MIN;
    double missing = ubur_reclink_score(&a, &b, &cfg);
    assert_true(same > 0.99);
    assert_true(typo > 0.95);
    assert_true(other < 0.9);
    assert_true(other < missing);
    b.dob = d2;
    b.dob_estimated = true; /* 1982, month and day unknown: neither for nor against */
    assert_true(ubur_reclink_score(&a, &b, &cfg) == missing);
    assert_int_equal(ubur_date_parse("1990-01-01", &d2, NULL), 0);
    b.dob = d2;
    assert_true(ubur_reclink_score(&a, &b, &cfg) < 0.5); /* another decade: not flagged */
}

static void
test_dedup_small(void **state)
{
    (void)state;
    /* generated data with known truth: the engine must beat a floor */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ubur_reclink_generate(f, true, 1500, 3), 0);
    fclose(f);
    f = fmemopen(buf, len, "r");
    struct ubur_csv c;
    struct ubur_error err = UBUR_ERROR_INIT;
    ubur_csv_init(&c, f, 0);
    assert_int_equal(ubur_csv_next(&c, &err), 1);
    struct ubur_reclink_record *rec = calloc(4000, sizeof(*rec));
    struct ubur_arena a = UBUR_ARENA_INIT;
    size_t n = 0;
    while (ubur_csv_next(&c, &err) == 1 && n < 4000) {
        struct ubur_reclink_record *r = &rec[n++];
        /* rec_id, given_name, father_name, family_name, dob, origin, region, entity */
        r->id = ubur_arena_strdup(&a, c.field[0]);
        r->given = ubur_arena_strdup(&a, c.field[1]);
        r->family = ubur_arena_strdup(&a, c.field[3]);
        r->dob = INT64_MIN;
        if (c.field[4][0])
            ubur_date_parse(c.field[4], &r->dob, NULL);
        r->extra[0] = ubur_arena_strdup(&a, c.field[5]);
        r->extra[1] = ubur_arena_strdup(&a, c.field[2]);
        r->entity = ubur_arena_strdup(&a, c.field[7]);
    }
    ubur_csv_release(&c);
    fclose(f);
    struct ubur_reclink_config cfg = {.nextra = 2, .threads = 2};
    struct ubur_reclink_pair *pairs;
    size_t np;
    struct ubur_reclink_stats st;
    assert_int_equal(ubur_reclink_dedup(rec, n, &cfg, &pairs, &np, &st, &err), 0);
    assert_true(st.true_pairs > 500);
    assert_true(st.precision > 0.93);
    assert_true(st.recall > 0.93);
    assert_true(st.blocking_recall > 0.95);
    free(pairs);
    free(rec);
    free(buf);
    ubur_arena_release(&a);
}

/* A record with one name lost and the other in the wrong column still meets its original:
 * "" + "Jelfrey" against Jeffrey Wilson compares Jelfrey with Jeffrey, not with Wilson. */
static void
test_score_swapped_missing(void **state)
{
    (void)state;
    struct ubur_reclink_config cfg = {.nextra = 1};
    struct ubur_reclink_record a = {.given = "Jeffrey", .family = "Wilson", .extra = {"NT"}},
                               b = {.given = "", .family = "Jelfrey", .extra = {"NT"}};
    assert_int_equal(ubur_date_parse("1968-03-13", &a.dob, NULL), 0);
    b.dob = a.dob;
    assert_true(ubur_reclink_score(&a, &b, &cfg) > 0.9);
    b.family = "Jelfrey Smith"; /* another name: no longer a match */
    assert_true(ubur_reclink_score(&a, &b, &cfg) < 0.5);
}

/* A block far above the cap (120 records of one name) is split by the birth year, and a
 * record without a birth date meets every record of it: sorted neighbourhood alone put it
 * beside the first few only. */
static void
test_dedup_large_block(void **state)
{
    (void)state;
    enum { N = 121 };
    struct ubur_reclink_record rec[N];
    char ids[N][16], dates[N][11];
    memset(rec, 0, sizeof(rec));
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "r%d", i);
        rec[i].id = ids[i];
        rec[i].given = "Muhammad";
        rec[i].family = "Al-Jubouri";
        rec[i].entity = ids[i];
        int y = 1940 + i % 60, m = 1 + (i * 7) % 12, d = 1 + (i * 13) % 28;
        snprintf(dates[i], sizeof(dates[i]), "%04d-%02d-%02d", y, m, d);
        assert_int_equal(ubur_date_parse(dates[i], &rec[i].dob, NULL), 0);
    }
    rec[N - 1].dob = INT64_MIN; /* the last record: record 100 again, without a birth date */
    rec[N - 1].entity = ids[100];
    struct ubur_reclink_config cfg = {.threads = 1};
    struct ubur_reclink_pair *pairs;
    size_t np;
    struct ubur_reclink_stats st;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_reclink_dedup(rec, N, &cfg, &pairs, &np, &st, &err), 0);
    assert_int_equal(st.true_pairs, 1);
    assert_int_equal(st.true_in_blocks, 1);
    assert_true(st.candidate_pairs < (long)N * 20); /* not all N^2/2 */
    free(pairs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_bands),
        cmocka_unit_test(test_contribution_invariant),
        cmocka_unit_test(test_dims),
        cmocka_unit_test(test_table_formats),
        cmocka_unit_test(test_csv_reader),
        cmocka_unit_test(test_skeleton),
        cmocka_unit_test(test_dedup_small),
        cmocka_unit_test(test_score_birth_dates),
        cmocka_unit_test(test_score_swapped_missing),
        cmocka_unit_test(test_dedup_large_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
