/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helper for the MRZ benchmark and the differential test against the npm
 * `mrz` package. Three modes, all reading or writing JSON lines:
 *
 *   mrztool gen N SEED      N generated documents of every format, one
 *                           {"id","format","lines":[...]} per line, made by
 *                           ubur_mrz_make from random fields (Latin, diacritic
 *                           and Arabic names, long TD1/TD2 numbers, unknown
 *                           birth parts, sex X, real and specimen states).
 *   mrztool parse FILE      ubur's JSON object (ubur_mrz_json) plus "id" for
 *                           each document of FILE, "today" 2025-06-01.
 *   mrztool bench FILE R    parses every document of FILE R times and prints
 *                           the median over the R runs of ns per parse, all
 *                           formats and TD3 only, as one JSON object.
 *
 * Not part of libubur: built by bench/mrz/run.sh and
 * tests/suite_mrz_differential.sh against build/libubur.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ubur/alloc.h"
#include "ubur/mrz.h"
#include "ubur/mrz_json.h"
#include "ubur/util.h"

static uint64_t rng;

static unsigned
rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int
gen(long n, unsigned long seed)
{
    static const char *const surnames[] = {"Al-Hashimi",
                                           "Al-Dulaimi",
                                           "Abd al-Rahman",
                                           "Haddad",
                                           "Kadhim",
                                           "Jabbar",
                                           "Ibrahim",
                                           "Müller",
                                           "Ærøskøbing",
                                           "O'Neill",
                                           "Nilavadhanananda Phraya Wongsakul",
                                           "Ng",
                                           "محمود",
                                           "الهاشمي",
                                           "عبدالرحيم",
                                           "فاطمة",
                                           "الدليمي",
                                           "حسين",
                                           "Çelik",
                                           "Łukasz"};
    static const char *const given[] = {"Ahmed",
                                        "Ahmed Ali",
                                        "Zainab",
                                        "Rania",
                                        "Mohammed Abdulkarim Hassan Ali",
                                        "",
                                        "عبدالرحيم",
                                        "فاطمة الزهراء",
                                        "علي",
                                        "Zoë",
                                        "José María",
                                        "Anna Maria Elisabeth"};
    static const char *const states[] = {"IRQ", "SYR", "IRQ", "SYR", "D",   "GBR", "FRA",
                                         "TUR", "JOR", "LBN", "XXA", "XXB", "UTO"};
    static const char *const td_codes[] = {"I", "ID", "IR", "AC", "C", "A"};
    static const char *const p_codes[] = {"P", "PP", "PD", "PS"};
    static const char *const v_codes[] = {"V", "VM", "VT"};
    static const char sexes[] = {'M', 'F', 'X'};
    rng = 0x9e3779b97f4a7c15ull ^ (seed * 0x2545f4914f6cdd1dull);

    for (long id = 0; id < n;) {
        enum ubur_mrz_format fmt = (enum ubur_mrz_format)(1 + rnd(5));
        char number[24], birth[11], expiry[11], opt[20], opt2[12];
        int nlen = 6 + (int)rnd(4);
        if ((fmt == UBUR_MRZ_TD1 || fmt == UBUR_MRZ_TD2) && rnd(5) == 0)
            nlen = 10 + (int)rnd(fmt == UBUR_MRZ_TD1 ? 10 : 5);
        for (int i = 0; i < nlen; i++)
            number[i] = i == 0 ? "ABCDEFGHKLMNPRSTVXZ"[rnd(19)] : "0123456789"[rnd(10)];
        number[nlen] = '\0';
        int by = 1935 + (int)rnd(89), ey = 2025 + (int)rnd(15);
        switch (rnd(20)) {
        case 0:
            snprintf(birth, sizeof(birth), "%04d", by);
            break;
        case 1:
            snprintf(birth, sizeof(birth), "%04d-%02d", by, 1 + rnd(12));
            break;
        default:
            snprintf(birth, sizeof(birth), "%04d-%02d-%02d", by, 1 + rnd(12), 1 + rnd(28));
        }
        snprintf(expiry, sizeof(expiry), "%04d-%02d-%02d", ey, 1 + rnd(12), 1 + rnd(28));
        int olen = (int)rnd(8);
        for (int i = 0; i < olen; i++)
            opt[i] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[rnd(34)];
        opt[olen] = '\0';
        int o2len = (int)rnd(6);
        for (int i = 0; i < o2len; i++)
            opt2[i] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[rnd(34)];
        opt2[o2len] = '\0';
        const char *code = fmt == UBUR_MRZ_TD3                            ? p_codes[rnd(4)]
                           : fmt == UBUR_MRZ_MRVA || fmt == UBUR_MRZ_MRVB ? v_codes[rnd(3)]
                                                                          : td_codes[rnd(6)];
        struct ubur_mrz_fields f = {
            .format = fmt,
            .document_code = code,
            .issuing_state = states[rnd(13)],
            .nationality = states[rnd(13)],
            .surname = surnames[rnd(20)],
            .given_names = given[rnd(12)],
            .document_number = number,
            .birth_date = birth,
            .expiry_date = expiry,
            .sex = sexes[rnd(3)],
            .optional_data = nlen > 9 ? "" : opt,
            .optional_data_2 = fmt == UBUR_MRZ_TD1 ? opt2 : NULL,
        };
        /* The pre-2021 French card shares "IDFRA" with nothing ICAO: keep TD2 out of it. */
        if (fmt == UBUR_MRZ_TD2 && !strcmp(f.issuing_state, "FRA") && code[0] == 'I' &&
            code[1] == 'D')
            f.issuing_state = "IRQ";
        struct ubur_mrz_lines l;
        struct ubur_error err = UBUR_ERROR_INIT;
        if (ubur_mrz_make(&f, &l, &err)) {
            fprintf(stderr, "mrztool: make: %s: %s\n", err.field, err.message);
            return 1;
        }
        printf("{\"id\":%ld,\"format\":\"%s\",\"lines\":[", id, ubur_mrz_format_name(fmt));
        for (int i = 0; i < l.n; i++)
            printf("%s\"%s\"", i ? "," : "", l.line[i]);
        printf("]}\n");
        id++;
    }
    return 0;
}

struct doc {
    long id;
    enum ubur_mrz_format format;
    bool lenient;
    char *text; /* malloc'd */
    size_t len;
};

static struct doc *
load(const char *path, long *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1024, cnt = 0;
    struct doc *docs = malloc(cap * sizeof(*docs));
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        if (!o)
            continue;
        if (cnt == cap)
            docs = realloc(docs, (cap *= 2) * sizeof(*docs));
        struct doc *d = &docs[cnt++];
        d->id = (long)json_integer_value(json_object_get(o, "id"));
        d->format = ubur_mrz_format_from_name(json_string_value(json_object_get(o, "format")));
        d->lenient = json_is_true(json_object_get(o, "lenient"));
        json_t *text = json_object_get(o, "text");
        if (json_is_string(text)) { /* raw scanner input, as is */
            d->len = json_string_length(text);
            d->text = malloc(d->len + 1);
            memcpy(d->text, json_string_value(text), d->len + 1);
        } else {
            struct ubur_buf b = UBUR_BUF_INIT;
            size_t i;
            json_t *l;
            json_array_foreach(json_object_get(o, "lines"), i, l)
            {
                ubur_buf_adds(&b, json_string_value(l));
                ubur_buf_addch(&b, '\n');
            }
            d->text = ubur_buf_detach(&b, &d->len);
        }
        json_decref(o);
    }
    fclose(f);
    *n = (long)cnt;
    return docs;
}

static void
free_docs(struct doc *docs, long n)
{
    for (long i = 0; i < n; i++)
        free(docs[i].text);
    free(docs);
}

static int
parse_file(const char *path)
{
    long n;
    struct doc *docs = load(path, &n);
    if (!docs)
        return 1;
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.today = ubur_days_from_civil(2025, 6, 1);
    for (long i = 0; i < n; i++) {
        struct ubur_mrz m;
        o.lenient = docs[i].lenient;
        ubur_mrz_parse(docs[i].text, docs[i].len, &o, &m, NULL);
        json_t *j = ubur_mrz_json(&m);
        json_object_set_new(j, "id", json_integer(docs[i].id));
        char *s = json_dumps(j, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(j);
    }
    free_docs(docs, n);
    return 0;
}

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int
bench(const char *path, int runs)
{
    long n, ntd3 = 0, nvalid = 0;
    struct doc *docs = load(path, &n);
    if (!docs || n == 0)
        return 1;
    struct doc *td3 = malloc((size_t)n * sizeof(*td3));
    for (long i = 0; i < n; i++)
        if (docs[i].format == UBUR_MRZ_TD3)
            td3[ntd3++] = docs[i];
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.today = ubur_days_from_civil(2025, 6, 1);
    double *all = malloc((size_t)runs * sizeof(double)),
           *one = malloc((size_t)runs * sizeof(double));
    static struct ubur_mrz m;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
            nvalid += ubur_mrz_parse(docs[i].text, docs[i].len, &o, &m, NULL) == 0;
        double t1 = now_ns();
        for (long i = 0; i < ntd3; i++)
            nvalid += ubur_mrz_parse(td3[i].text, td3[i].len, &o, &m, NULL) == 0;
        double t2 = now_ns();
        all[r] = (t1 - t0) / (double)n;
        one[r] = ntd3 ? (t2 - t1) / (double)ntd3 : 0;
    }
    qsort(all, (size_t)runs, sizeof(double), cmp_double);
    qsort(one, (size_t)runs, sizeof(double), cmp_double);
    printf("{\"parser\":\"ubur\",\"documents\":%ld,\"td3_documents\":%ld,\"runs\":%d,"
           "\"ns_per_parse\":%.1f,\"ns_per_td3_parse\":%.1f,\"valid\":%ld}\n",
           n, ntd3, runs, all[runs / 2], one[runs / 2], nvalid / runs);
    free(all);
    free(one);
    free(td3);
    free_docs(docs, n);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gen"))
        return gen(strtol(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "parse"))
        return parse_file(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "bench"))
        return bench(argv[2], (int)strtol(argv[3], NULL, 10));
    fprintf(stderr, "usage: mrztool gen N SEED | parse FILE | bench FILE RUNS\n");
    return 2;
}
