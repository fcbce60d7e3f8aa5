/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for ICAO 9303 machine readable zones (src/core/mrz*.c and the
 * JSON form in src/app/mrz_json.c).
 *
 * Golden files: tests/data/mrz/parse/NAME.mrz is raw scanner input, NAME.json
 * the object `ubur mrz parse --json` must print for it, with "today" fixed at
 * 2025-06-01. Names starting with "lenient-" parse in lenient mode,
 * "norepair-" without OCR repairs. tests/data/mrz/make.json lists generation
 * cases (fields -> lines, or fields -> the field at fault). Run with
 * UBUR_GOLDEN_UPDATE=1 to rewrite the expected files after a deliberate
 * change, then review the diff.
 *
 * The ICAO specimens in ../shared/data/mrz are used when present and skipped
 * otherwise.
 */
#include "unit.h"

#include <dirent.h>

#include "ubur/alloc.h"
#include "ubur/mrz.h"
#include "ubur/mrz_json.h"
#include "ubur/util.h"

#define TODAY_Y 2025
#define TODAY_M 6
#define TODAY_D 1

static struct ubur_mrz_opts
opts(bool lenient)
{
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.today = ubur_days_from_civil(TODAY_Y, TODAY_M, TODAY_D);
    o.lenient = lenient;
    return o;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    fclose(f);
    s[got] = '\0';
    *len = got;
    return s;
}

static int
parse_str(const char *s, bool lenient, struct ubur_mrz *m)
{
    struct ubur_mrz_opts o = opts(lenient);
    return ubur_mrz_parse(s, strlen(s), &o, m, NULL);
}

static void
test_check_digit(void **state)
{
    (void)state;
    assert_int_equal(ubur_mrz_check_digit("L898902C3", 9), 6);
    assert_int_equal(ubur_mrz_check_digit("740812", 6), 2);
    assert_int_equal(ubur_mrz_check_digit("120415", 6), 9);
    assert_int_equal(ubur_mrz_check_digit("ZE184226B<<<<<", 14), 1);
    assert_int_equal(ubur_mrz_check_digit("<<<<<<", 6), 0);
    assert_int_equal(ubur_mrz_check_digit("", 0), 0);
    assert_int_equal(ubur_mrz_check_digit("ab", 2), -1);
    assert_int_equal(ubur_mrz_check_digit("A-1", 3), -1);
}

static void
test_state_codes(void **state)
{
    (void)state;
    const char *yes[] = {"IRQ", "SYR", "D",   "D<<", "UTO", "XXA", "XXB", "XXC",
                         "XXX", "UNO", "EUE", "GBD", "RKS", "ZWE", "ABW"};
    const char *no[] = {"", "<<<", "QQQ", "DE", "IRQQ", "I<Q", "irq", "123", "<IR", "ZZZ"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
        assert_true(ubur_mrz_state_known(yes[i]));
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
        assert_false(ubur_mrz_state_known(no[i]));
    assert_false(ubur_mrz_state_known(NULL));
}

static void
test_formats(void **state)
{
    (void)state;
    assert_string_equal(ubur_mrz_format_name(UBUR_MRZ_MRVA), "MRVA");
    assert_null(ubur_mrz_format_name(UBUR_MRZ_NONE));
    assert_int_equal(ubur_mrz_format_from_name("mrv-b"), UBUR_MRZ_MRVB);
    assert_int_equal(ubur_mrz_format_from_name("td1"), UBUR_MRZ_TD1);
    assert_int_equal(ubur_mrz_format_from_name("TD4"), UBUR_MRZ_NONE);
    assert_int_equal(ubur_mrz_format_lines(UBUR_MRZ_TD1), 3);
    assert_int_equal(ubur_mrz_format_width(UBUR_MRZ_MRVB), 36);
}

/* Two-digit years: a birth date lies in the past, an expiry within 50 years. */
static void
test_two_digit_years(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        bool birth;
        int year;
    } cases[] = {
        {"250601", true, 2025},  {"250602", true, 1925},  {"991231", true, 1999},
        {"000101", true, 2000},  {"750601", false, 2075}, {"750602", false, 1975},
        {"120415", false, 2012}, {"940623", false, 1994}, {"25<<<<", true, 2025},
        {"2506<<", true, 2025},  {"2507<<", true, 1925},  {"75<<<<", false, 2075},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct ubur_mrz_fields f = {.format = UBUR_MRZ_TD3,
                                    .issuing_state = "UTO",
                                    .nationality = "UTO",
                                    .surname = "X",
                                    .document_number = "1",
                                    .sex = 'M',
                                    .birth_date = "1970-01-01",
                                    .expiry_date = "2030-01-01"};
        struct ubur_mrz_lines l;
        assert_int_equal(ubur_mrz_make(&f, &l, NULL), 0);
        /* Put the date in place and fix its check digit and the composite. */
        char *l2 = l.line[1];
        int at = cases[i].birth ? 13 : 21;
        memcpy(l2 + at, cases[i].date, 6);
        l2[at + 6] = (char)('0' + ubur_mrz_check_digit(l2 + at, 6));
        char comp[40];
        memcpy(comp, l2, 10);
        memcpy(comp + 10, l2 + 13, 7);
        memcpy(comp + 17, l2 + 21, 22);
        l2[43] = (char)('0' + ubur_mrz_check_digit(comp, 39));
        char text[100];
        ubur_mrz_lines_join(&l, text, sizeof(text));
        struct ubur_mrz m;
        assert_int_equal(parse_str(text, false, &m), 0);
        const struct ubur_mrz_date *d = cases[i].birth ? &m.birth_date : &m.expiry_date;
        if (d->year != cases[i].year)
            fail_msg("%s (%s): year %d, want %d", cases[i].date,
                     cases[i].birth ? "birth" : "expiry", d->year, cases[i].year);
    }
}

static void
test_transliterate(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"محمود", "MXHMWD"},
        {"عبدالرحيم", "EBDALRXHYM"},
        {"عبد الرحيم", "EBD<ALRXHYM"},
        {"فاطمة", "FAXTTMXAH"},       /* teh marbuta at the end of a component */
        {"فاطمةعلي", "FAXTTMXTAELY"}, /* and inside one */
        {"مُحَمَّد", "MUXHAMAD"},         /* harakat transliterated, shadda dropped */
        {"أحمد", "XAEXHMD"},
        {"مصطفى", "MXSSXTTFXAY"},
        {"Müller", "MUELLER"},
        {"Ærøskøbing", "AEROESKOEBING"},
        {"Åsa-Britt Öberg", "AASA<BRITT<OEBERG"},
        {"José María", "JOSE<MARIA"},
        {"Straße", "STRASSE"},
        {"Łódź", "LODZ"},
        {"Þór", "THOR"},
        {"O'Brien", "OBRIEN"},
        {"  van  der  Berg ", "VAN<DER<BERG"},
        {"Çelik Şahin", "CELIK<SAHIN"},
        {"", ""},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        struct ubur_error err = UBUR_ERROR_INIT;
        int n = ubur_mrz_transliterate(ok[i].in, buf, sizeof(buf), &err);
        if (n < 0 || strcmp(buf, ok[i].out))
            fail_msg("'%s' -> '%s' (%d %s), want '%s'", ok[i].in, buf, n, err.message, ok[i].out);
        assert_int_equal(n, (int)strlen(ok[i].out));
    }
    const char *bad[] = {"Иван", "张伟", "R2D2", "a\xff", "name@home", "Ϊ"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct ubur_error err = UBUR_ERROR_INIT;
        assert_int_equal(ubur_mrz_transliterate(bad[i], buf, sizeof(buf), &err), UBUR_EINVAL);
        assert_string_equal(err.field, "name");
    }
    assert_int_equal(ubur_mrz_transliterate("ABCDEFGH", buf, 4, NULL), UBUR_ETOOBIG);
}

static void
test_name_field(void **state)
{
    (void)state;
    static const struct {
        const char *surname, *given;
        int width;
        const char *out;
    } cases[] = {
        {"Eriksson", "Anna Maria", 39, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"},
        /* secondary truncated, field full to the last letter */
        {"Eriksson", "Anna Maria Elisabeth", 24, "ERIKSSON<<ANNA<MARIA<ELI"},
        /* the cut falls on a separator: the next component keeps its initial */
        {"Eriksson", "Anna Maria Elisabeth", 21, "ERIKSSON<<ANNA<MARI<E"},
        /* no room for any secondary identifier */
        {"Eriksson", "Anna", 10, "ERIKSSON<<"},
        {"Eriksson", "Anna", 9, "ERIKSSON<"},
        /* primary identifier alone too long */
        {"Nilavadhanananda Phraya", "Chayapa", 12, "NILAVADHANAN"},
        {"محمود", "عبدالرحيم", 30, "MXHMWD<<EBDALRXHYM<<<<<<<<<<<<"},
        {"Bin Salman", NULL, 15, "BIN<SALMAN<<<<<"},
    };
    char out[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct ubur_error err = UBUR_ERROR_INIT;
        int rc = ubur_mrz_name_field(cases[i].surname, cases[i].given, cases[i].width, out, &err);
        if (rc || strcmp(out, cases[i].out))
            fail_msg("%s / %s in %d: '%s' (%s), want '%s'", cases[i].surname,
                     cases[i].given ? cases[i].given : "-", cases[i].width, out, err.message,
                     cases[i].out);
    }
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_mrz_name_field("", "Anna", 30, out, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "surname");
    assert_int_equal(ubur_mrz_name_field("Ok", "Пётр", 30, out, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "given_names");
}

/* ------------------------------------------------------------ golden parse */

static int
golden_one(const char *dir, const char *name, bool update)
{
    char in_path[512], json_path[512];
    size_t len = 0;
    snprintf(in_path, sizeof(in_path), "%s/%s.mrz", dir, name);
    snprintf(json_path, sizeof(json_path), "%s/%s.json", dir, name);
    char *text = slurp(in_path, &len);
    assert_non_null(text);

    struct ubur_mrz_opts o = opts(!strncmp(name, "lenient-", 8));
    o.no_repair = !strncmp(name, "norepair-", 9);
    struct ubur_mrz m;
    int rc = ubur_mrz_parse(text, len, &o, &m, NULL);
    free(text);
    json_t *got = ubur_mrz_json(&m);
    /* Exit-code contract: 0 exactly when valid. */
    assert_int_equal(rc == 0, m.valid);
    if (!m.valid)
        assert_true(m.nerrors > 0);

    int bad = 0;
    if (update) {
        json_dump_file(got, json_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        FILE *f = fopen(json_path, "a");
        fputc('\n', f);
        fclose(f);
    } else {
        json_error_t jerr;
        json_t *want = json_load_file(json_path, 0, &jerr);
        if (!want) {
            print_error("%s: %s\n", json_path, jerr.text);
            bad = 1;
        } else if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            print_error("%s: got\n%s\n", json_path, g);
            free(g);
            bad = 1;
        }
        json_decref(want);
    }
    json_decref(got);
    return bad;
}

static void
test_golden_parse(void **state)
{
    (void)state;
    const char *dir = UNIT_DATA("mrz/parse");
    bool update = getenv("UBUR_GOLDEN_UPDATE") != NULL;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0, bad = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".mrz"))
            continue;
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(l - 4), e->d_name);
        bad += golden_one(dir, name, update);
        n++;
    }
    closedir(d);
    assert_true(n >= 60);
    if (bad)
        fail_msg("%d of %d golden files differ", bad, n);
}

/* ------------------------------------------------------------ golden make */

static const char *
jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
test_golden_make(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *cases = json_load_file(UNIT_DATA("mrz/make.json"), 0, &jerr);
    if (!cases)
        fail_msg("make.json: %s line %d", jerr.text, jerr.line);
    size_t i;
    json_t *c;
    int bad = 0;
    json_array_foreach(cases, i, c)
    {
        const char *sex = jstr(c, "sex");
        struct ubur_mrz_fields f = {
            .format = ubur_mrz_format_from_name(jstr(c, "format")),
            .document_code = jstr(c, "document_code"),
            .issuing_state = jstr(c, "issuing_state"),
            .surname = jstr(c, "surname"),
            .given_names = jstr(c, "given_names"),
            .document_number = jstr(c, "document_number"),
            .nationality = jstr(c, "nationality"),
            .birth_date = jstr(c, "birth_date"),
            .sex = sex && *sex ? sex[0] : 0,
            .expiry_date = jstr(c, "expiry_date"),
            .optional_data = jstr(c, "optional_data"),
            .optional_data_2 = jstr(c, "optional_data_2"),
        };
        struct ubur_mrz_lines l;
        struct ubur_error err = UBUR_ERROR_INIT;
        int rc = ubur_mrz_make(&f, &l, &err);
        const char *want_err = jstr(c, "error_field");
        const char *what = jstr(c, "case");
        if (want_err) {
            if (rc != UBUR_EINVAL || strcmp(err.field, want_err)) {
                print_error("make '%s': rc %d field '%s' (%s), want error on '%s'\n", what, rc,
                            err.field, err.message, want_err);
                bad++;
            }
            continue;
        }
        json_t *lines = json_object_get(c, "lines");
        if (rc) {
            print_error("make '%s': %s: %s\n", what, err.field, err.message);
            bad++;
            continue;
        }
        bool same = (int)json_array_size(lines) == l.n;
        for (int k = 0; same && k < l.n; k++)
            same = !strcmp(json_string_value(json_array_get(lines, (size_t)k)), l.line[k]);
        if (!same) {
            print_error("make '%s': got\n", what);
            for (int k = 0; k < l.n; k++)
                print_error("  %s\n", l.line[k]);
            bad++;
            continue;
        }
        /* Every generated MRZ parses back as valid. */
        char text[160];
        ubur_mrz_lines_join(&l, text, sizeof(text));
        struct ubur_mrz m;
        if (parse_str(text, false, &m)) {
            print_error("make '%s': does not parse back: %s\n", what, m.errors[0].message);
            bad++;
        }
    }
    json_decref(cases);
    if (bad)
        fail_msg("%d make cases failed", bad);
}

/* ---------------------------------------------------------------- specimens */

static void
test_icao_specimens(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *root = json_load_file(UNIT_SHARED("mrz/icao_specimens.json"), 0, &jerr);
    if (!root)
        skip(); /* ../shared/data is absent in a user's clone */
    json_t *specs = json_object_get(root, "specimens");
    size_t i;
    json_t *s;
    assert_true(json_array_size(specs) > 0);
    json_array_foreach(specs, i, s)
    {
        struct ubur_buf b = UBUR_BUF_INIT;
        size_t k;
        json_t *line;
        json_array_foreach(json_object_get(s, "lines"), k, line)
        {
            ubur_buf_adds(&b, json_string_value(line));
            ubur_buf_addch(&b, '\n');
        }
        struct ubur_mrz m;
        struct ubur_mrz_opts o = opts(false);
        int rc = ubur_mrz_parse(b.s, b.len, &o, &m, NULL);
        const char *what = jstr(s, "description");
        if (rc)
            fail_msg("%s: %s: %s", what, m.errors[0].field, m.errors[0].message);
        assert_string_equal(m.document_number, jstr(s, "document_number"));
        assert_string_equal(m.surname, jstr(s, "primary_identifier"));
        assert_string_equal(m.given_names, jstr(s, "secondary_identifier"));
        assert_int_equal(m.ncorrected, 0);
        assert_int_equal(m.nwarnings, 0);
        ubur_buf_release(&b);
    }
    json_decref(root);
}

/* ------------------------------------------------------------- round trips */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void
test_roundtrip(void **state)
{
    (void)state;
    static const char *const surnames[] = {"Al-Hashimi",    "محمود",   "Müller", "O'Neill",
                                           "Abd al-Rahman", "الدليمي", "Nguyen", "Øster"};
    static const char *const given[] = {"Ahmed",
                                        "عبدالرحيم",
                                        "Zoë Anne",
                                        "",
                                        "Ali Hassan",
                                        "فاطمة",
                                        "Mary-Jane Louise Catherine Elizabeth"};
    static const char *const states[] = {"IRQ", "SYR", "D", "UTO", "XXA", "GBR", "EUE"};
    static const char sexes[] = {'M', 'F', 'X'};
    for (int iter = 0; iter < 2000; iter++) {
        enum ubur_mrz_format fmt = (enum ubur_mrz_format)(1 + rnd(5));
        char number[24], birth[11], expiry[11], opt[20];
        int nlen = 1 + (int)rnd(9);
        if ((fmt == UBUR_MRZ_TD1 || fmt == UBUR_MRZ_TD2) && rnd(3) == 0)
            nlen = 10 + (int)rnd(fmt == UBUR_MRZ_TD1 ? 13 : 5);
        for (int i = 0; i < nlen; i++)
            number[i] = "0123456789ABCDEFGHJKLMNPRTUVWXYZ"[rnd(32)];
        number[nlen] = '\0';
        int by = 1930 + (int)rnd(95), ey = 2026 + (int)rnd(20);
        snprintf(birth, sizeof(birth), "%04d-%02d-%02d", by, 1 + rnd(12), 1 + rnd(28));
        snprintf(expiry, sizeof(expiry), "%04d-%02d-%02d", ey, 1 + rnd(12), 1 + rnd(28));
        int olen = (int)rnd(5);
        for (int i = 0; i < olen; i++)
            opt[i] = "0123456789ABCXYZ"[rnd(16)];
        opt[olen] = '\0';
        struct ubur_mrz_fields f = {
            .format = fmt,
            .issuing_state = states[rnd(7)],
            .nationality = states[rnd(7)],
            .surname = surnames[rnd(8)],
            .given_names = given[rnd(7)],
            .document_number = number,
            .birth_date = birth,
            .expiry_date = expiry,
            .sex = sexes[rnd(3)],
            .optional_data = nlen > 9 ? "" : opt,
            .optional_data_2 = fmt == UBUR_MRZ_TD1 ? opt : NULL,
        };
        struct ubur_mrz_lines l;
        struct ubur_error err = UBUR_ERROR_INIT;
        if (ubur_mrz_make(&f, &l, &err))
            fail_msg("make %s %s: %s: %s", ubur_mrz_format_name(fmt), number, err.field,
                     err.message);
        char text[160];
        ubur_mrz_lines_join(&l, text, sizeof(text));
        struct ubur_mrz m;
        if (parse_str(text, false, &m))
            fail_msg("parse of generated\n%s\n%s: %s", text, m.errors[0].field,
                     m.errors[0].message);
        assert_int_equal(m.format, fmt);
        assert_string_equal(m.document_number, number);
        char iso[11];
        assert_true(ubur_mrz_date_iso(&m.birth_date, iso));
        assert_string_equal(iso, birth);
        assert_true(ubur_mrz_date_iso(&m.expiry_date, iso));
        assert_string_equal(iso, expiry);
        assert_int_equal(m.sex, f.sex);
        assert_int_equal(m.ncorrected, 0);
        if (fmt != UBUR_MRZ_TD3 && nlen <= 9)
            assert_string_equal(m.optional_data, opt);
        char surname[64];
        ubur_mrz_transliterate(f.surname, surname, sizeof(surname), NULL);
        for (char *p = surname; *p; p++)
            if (*p == '<')
                *p = ' ';
        assert_string_equal(m.surname, surname);
    }
}

/* ------------------------------------------------------------- robustness */

static void
expect_invalid(const char *s, size_t len)
{
    struct ubur_mrz m;
    struct ubur_mrz_opts o = opts(rnd(2));
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_mrz_parse(s, len, &o, &m, &err);
    if (rc == 0)
        return; /* random input can, rarely, be a valid MRZ */
    assert_int_equal(rc, UBUR_EINVAL);
    assert_false(m.valid);
    assert_true(m.nerrors > 0);
    assert_true(err.field[0] != '\0');
    assert_true(err.message[0] != '\0');
    for (int i = 0; i < m.nerrors; i++) {
        assert_true(m.errors[i].field[0] != '\0');
        assert_true(ubur_utf8_valid(m.errors[i].message, strlen(m.errors[i].message)));
    }
    json_t *j = ubur_mrz_json(&m);
    assert_non_null(j);
    char *d = json_dumps(j, 0);
    assert_non_null(d); /* every string was valid UTF-8 */
    free(d);
    json_decref(j);
}

/* Garbage of every length from 0 to past the input cap: bytes, and the MRZ alphabet. */
static void
test_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<\n";
    for (size_t len = 0; len <= UBUR_MRZ_INPUT_MAX + 8; len++) {
        char *b = calloc(1, len ? len : 1); /* exact size: ASan sees any overread */
        for (size_t i = 0; i < len; i++)
            b[i] = (char)rnd(256);
        expect_invalid(b, len);
        for (size_t i = 0; i < len; i++)
            b[i] = alphabet[rnd(sizeof(alphabet) - 1)];
        expect_invalid(b, len);
        memset(b, '<', len);
        expect_invalid(b, len);
        free(b);
    }
    /* Right shapes, random content: every field path with nonsense. */
    static const int shapes[][2] = {{3, 30}, {2, 36}, {2, 44}};
    for (int iter = 0; iter < 3000; iter++) {
        int s = (int)rnd(3), lines = shapes[s][0], w = shapes[s][1];
        char b[3 * 45];
        size_t n = 0;
        for (int l = 0; l < lines; l++) {
            for (int i = 0; i < w; i++)
                b[n++] = alphabet[rnd(sizeof(alphabet) - 2)];
            if (l + 1 < lines)
                b[n++] = '\n';
        }
        if (rnd(4) == 0)
            b[0] = "PVIAC"[rnd(5)];
        expect_invalid(b, n);
    }
    expect_invalid(NULL, 0);
    struct ubur_mrz m;
    assert_int_equal(ubur_mrz_parse(NULL, 5, NULL, &m, NULL), UBUR_EINVAL);
    assert_string_equal(m.errors[0].field, "mrz");
}

/* A parse of a valid TD3 touches no allocation and leaves no errors. */
static void
test_ambiguity_rule(void **state)
{
    (void)state;
    /* L898902C3 misread as L89B902C3: both B->8 and 8->B elsewhere would pass. */
    struct ubur_mrz m;
    int rc = parse_str("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                       "L89B902C36UTO7408122F1204159ZE184226B<<<<<10",
                       false, &m);
    assert_int_equal(rc, UBUR_EINVAL);
    assert_int_equal(m.ncorrected, 0);
    assert_string_equal(m.errors[0].field, "document_number");
    assert_string_equal(m.errors[0].code, "ambiguous_repair");
    /* Unambiguous: a date with O for 0. */
    rc = parse_str("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                   "L898902C36UTO74O8122F1204159ZE184226B<<<<<10",
                   false, &m);
    assert_int_equal(rc, 0);
    assert_int_equal(m.ncorrected, 1);
    assert_string_equal(m.corrected[0].field, "birth_date");
    assert_string_equal(m.corrected[0].value, "740812");
    assert_string_equal(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit),    cmocka_unit_test(test_state_codes),
        cmocka_unit_test(test_formats),        cmocka_unit_test(test_two_digit_years),
        cmocka_unit_test(test_transliterate),  cmocka_unit_test(test_name_field),
        cmocka_unit_test(test_golden_parse),   cmocka_unit_test(test_golden_make),
        cmocka_unit_test(test_icao_specimens), cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_garbage),        cmocka_unit_test(test_ambiguity_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
