/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICAO Doc 9303 machine readable zones: input normalisation, the five
 * layouts, check digits with OCR repair, two-digit years, and the ICAO state
 * codes. Generation and transliteration live in mrz_make.c.
 *
 * Design: a parse copies the normalised lines into a small working area and
 * describes every field by (line, column, length) in one layout table per
 * format, so TD1..MRV-B share one code path. Check-digited fields are lists of
 * character positions (a long TD1/TD2 document number continues in the
 * optional data), which lets the OCR repair try each single substitution in
 * place and re-verify. Nothing is allocated and no message is formatted on
 * the path of a valid document, which keeps a TD3 parse well under a
 * microsecond. Invariants: every read of the input is bounded by `len`; every
 * read of a line is bounded by its layout, which is only chosen after the
 * line lengths have been checked.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/mrz.h"
#include "ubur/util.h"

#include "ubur/banned.h"

/* ---------------------------------------------------------------- formats */

static const struct {
    const char *name;
    int lines, width;
} formats[] = {
    [UBUR_MRZ_NONE] = {NULL, 0, 0},    [UBUR_MRZ_TD1] = {"TD1", 3, 30},
    [UBUR_MRZ_TD2] = {"TD2", 2, 36},   [UBUR_MRZ_TD3] = {"TD3", 2, 44},
    [UBUR_MRZ_MRVA] = {"MRVA", 2, 44}, [UBUR_MRZ_MRVB] = {"MRVB", 2, 36},
};

const char *
ubur_mrz_format_name(enum ubur_mrz_format f)
{
    return (unsigned)f <= UBUR_MRZ_MRVB ? formats[f].name : NULL;
}

enum ubur_mrz_format
ubur_mrz_format_from_name(const char *name)
{
    if (!name)
        return UBUR_MRZ_NONE;
    if (!strcasecmp(name, "MRV-A"))
        return UBUR_MRZ_MRVA;
    if (!strcasecmp(name, "MRV-B"))
        return UBUR_MRZ_MRVB;
    for (int f = UBUR_MRZ_TD1; f <= UBUR_MRZ_MRVB; f++)
        if (!strcasecmp(name, formats[f].name))
            return (enum ubur_mrz_format)f;
    return UBUR_MRZ_NONE;
}

int
ubur_mrz_format_lines(enum ubur_mrz_format f)
{
    return (unsigned)f <= UBUR_MRZ_MRVB ? formats[f].lines : 0;
}

int
ubur_mrz_format_width(enum ubur_mrz_format f)
{
    return (unsigned)f <= UBUR_MRZ_MRVB ? formats[f].width : 0;
}

/* ------------------------------------------------------------ check digit */

/*
 * Value + 1 of each byte for the 7-3-1 check digit (0-9, A-Z = 10..35,
 * '<' = 0), so that 0 marks a byte outside the MRZ alphabet. A table,
 * because check digits are a good part of a parse's cost.
 */
#define V10(b) b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10
static const signed char mrz_values[256] = {
    ['0'] = V10(0), ['A'] = V10(10), ['K'] = V10(20), ['U'] = 31, 32, 33, 34, 35, 36, ['<'] = 1,
};
#undef V10

/* Value of an MRZ character for the check digit, -1 outside the alphabet. */
static inline int
mrz_value(char c)
{
    return mrz_values[(unsigned char)c] - 1;
}

int
ubur_mrz_check_digit(const char *s, size_t n)
{
    int sum = 0, bad = 0;
    size_t i = 0;
    /* Three at a time so the weights are constants, not i % 3. */
    for (; i + 3 <= n; i += 3) {
        int a = mrz_value(s[i]), b = mrz_value(s[i + 1]), c = mrz_value(s[i + 2]);
        bad |= a | b | c;
        sum += 7 * a + 3 * b + c;
    }
    if (i < n) {
        int a = mrz_value(s[i]);
        bad |= a;
        sum += 7 * a;
        if (i + 1 < n) {
            int b = mrz_value(s[i + 1]);
            bad |= b;
            sum += 3 * b;
        }
    }
    return bad < 0 ? -1 : sum % 10;
}

/* ------------------------------------------------------------ state codes */

/*
 * ISO 3166-1 alpha-3 codes, the ICAO Doc 9303 Part 3 codes for other
 * issuing authorities (D for Germany, GBD..GBS, UNO/UNA/UNK, EUE, the XB*..
 * XP* organisations, XXA/XXB/XXC/XXX for stateless persons, refugees and
 * unspecified nationality), RKS (Kosovo), the retired ANT and NTZ still seen
 * on old documents, and UTO (Utopia) of the ICAO specimens. Sorted for
 * bsearch.
 */
static const char state_codes[][4] = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ANT", "ARE", "ARG", "ARM", "ASM", "ATA",
    "ATF", "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR",
    "BHS", "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA",
    "CAF", "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM",
    "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "D",   "DEU", "DJI", "DMA", "DNK",
    "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "EUE", "FIN", "FJI", "FLK",
    "FRA", "FRO", "FSM", "GAB", "GBD", "GBN", "GBO", "GBP", "GBR", "GBS", "GEO", "GGY", "GHA",
    "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM", "GUF", "GUM", "GUY",
    "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND", "IOT", "IRL", "IRN", "IRQ",
    "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA",
    "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA",
    "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR",
    "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL",
    "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NTZ", "NZL", "OMN", "PAK",
    "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK", "PRT", "PRY", "PSE", "PYF",
    "QAT", "REU", "RKS", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM",
    "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE",
    "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON",
    "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "UNA", "UNK", "UNO", "URY",
    "USA", "UTO", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "XBA",
    "XCC", "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
    "YEM", "ZAF", "ZMB", "ZWE",
};

/*
 * The codes of three letters as bits: state_bits[first * 26 + second] has
 * bit `third` set. Filled from state_codes once, before main(), so lookups
 * are one load; a binary search showed in the parser's profile.
 */
static uint32_t state_bits[26 * 26];

static void __attribute__((constructor)) state_bits_init(void)
{
    for (size_t i = 0; i < sizeof(state_codes) / sizeof(state_codes[0]); i++) {
        const char *c = state_codes[i];
        if (c[1] && c[2])
            state_bits[(c[0] - 'A') * 26 + (c[1] - 'A')] |= 1u << (c[2] - 'A');
    }
}

/* A code of exactly three letters, or 'D' followed by '<' or nothing. */
static inline bool
state_lookup(const char *c, size_t n)
{
    if (n == 1)
        return c[0] == 'D'; /* the only one-letter code */
    if (n != 3)
        return false;
    return state_bits[(c[0] - 'A') * 26 + (c[1] - 'A')] >> (c[2] - 'A') & 1;
}

bool
ubur_mrz_state_known(const char *code)
{
    char key[4] = {0, 0, 0, 0};
    size_t n = 0;
    if (!code)
        return false;
    /* Up to three letters, then only '<' padding up to the third position. */
    for (size_t i = 0; code[i]; i++) {
        if (i >= 3)
            return false;
        if (code[i] >= 'A' && code[i] <= 'Z') {
            if (n != i)
                return false; /* a letter after padding */
            key[n++] = code[i];
        } else if (code[i] != '<') {
            return false;
        }
    }
    return state_lookup(key, n);
}

/* ------------------------------------------------------------------ dates */

bool
ubur_mrz_date_complete(const struct ubur_mrz_date *d)
{
    return d->year > 0 && d->month > 0 && d->day > 0;
}

bool
ubur_mrz_date_iso(const struct ubur_mrz_date *d, char out[11])
{
    if (!ubur_mrz_date_complete(d)) {
        out[0] = '\0';
        return false;
    }
    /* Hand-rolled: snprintf would dominate the cost of a parse. */
    int y = d->year % 10000;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + d->month / 10);
    out[6] = (char)('0' + d->month % 10);
    out[7] = '-';
    out[8] = (char)('0' + d->day / 10);
    out[9] = (char)('0' + d->day % 10);
    out[10] = '\0';
    return true;
}

static int
days_in_month(int y, int m)
{
    static const int dm[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y > 0)
        return ubur_date_valid(y, 2, 29) ? 29 : 28;
    return dm[m];
}

/* ----------------------------------------------------------------- issues */

struct parse {
    struct ubur_mrz *m;
    bool lenient, repair;
    int today_y, today_m, today_d;
    char (*L)[45];       /* the lines being parsed (m->lines); repairs are applied here */
    uint64_t guarded[3]; /* per line, bit c: a composite repair may not touch column c */
    bool repair_refuted; /* a field repair was contradicted by the composite check digit */
};

static void
issue_v(struct ubur_mrz_issue *is, const char *field, const char *code, const char *fmt, va_list ap)
{
    snprintf(is->field, sizeof(is->field), "%s", field);
    snprintf(is->code, sizeof(is->code), "%s", code);
    vsnprintf(is->message, sizeof(is->message), fmt, ap);
}

static void __attribute__((format(printf, 4, 5)))
add_error(struct ubur_mrz *m, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (m->nerrors >= UBUR_MRZ_MAX_ISSUES) {
        m->nerrors_dropped++;
        return;
    }
    va_start(ap, fmt);
    issue_v(&m->errors[m->nerrors++], field, code, fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
add_warning(struct ubur_mrz *m, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (m->nwarnings >= UBUR_MRZ_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    issue_v(&m->warnings[m->nwarnings++], field, code, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------ input normalising */

/* Describes byte(s) at s for an error message: "'#'", "U+00E9" or "byte 0xff". */
static void
describe_char(const unsigned char *s, size_t avail, char *out, size_t outsz)
{
    if (s[0] >= 0x20 && s[0] < 0x7f) {
        snprintf(out, outsz, "character '%c'", s[0]);
        return;
    }
    if (s[0] < 0x80) {
        snprintf(out, outsz, "control character 0x%02x", s[0]);
        return;
    }
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (n && n <= avail && ubur_utf8_valid((const char *)s, n)) {
        unsigned cp = s[0] & (0x7f >> n);
        for (size_t i = 1; i < n; i++)
            cp = cp << 6 | (s[i] & 0x3f);
        snprintf(out, outsz, "character U+%04X", cp);
        return;
    }
    snprintf(out, outsz, "byte 0x%02x", s[0]);
}

static void
set_format(struct ubur_mrz *m, int nl, int w)
{
    if (nl == 3)
        m->format = UBUR_MRZ_TD1;
    else if (w == 36)
        m->format = m->lines[0][0] == 'V' ? UBUR_MRZ_MRVB : UBUR_MRZ_TD2;
    else
        m->format = m->lines[0][0] == 'V' ? UBUR_MRZ_MRVA : UBUR_MRZ_TD3;
}

/*
 * The common case, checked without branching per character: lines already
 * in the MRZ alphabet, separated by single "\n", with an optional final
 * "\n". Returns false (having written nothing that matters) otherwise.
 */
static bool
normalise_canonical(struct parse *p, const char *text, size_t len)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    int w = len == 30 * 3 + 2 ? 30 : len == 36 * 2 + 1 ? 36 : len == 44 * 2 + 1 ? 44 : 0;
    if (!w)
        return false;
    int nl = w == 30 ? 3 : 2;
    int bad = 0;
    for (int l = 0; l < nl; l++) {
        const char *s = text + (size_t)l * (size_t)(w + 1);
        if (l + 1 < nl && s[w] != '\n')
            return false;
        for (int i = 0; i < w; i++)
            bad |= mrz_values[(unsigned char)s[i]] - 1; /* -1 outside the alphabet */
        memcpy(p->L[l], s, (size_t)w);
        p->L[l][w] = '\0'; /* written even when the input proves not canonical: harmless */
    }
    if (bad < 0)
        return false;
    p->m->nlines = nl;
    set_format(p->m, nl, w);
    return true;
}

/*
 * Turns scanner output into lines of the MRZ alphabet in m->lines and sets
 * m->format. On failure adds one error (field "mrz") and returns -1. Kept
 * out of line: its 9 KiB of stack would otherwise be set up (and probed) on
 * every parse, even those the canonical path handles.
 */
static __attribute__((noinline)) int
normalise_scanner(struct parse *p, const char *text, size_t len)
{
    struct ubur_mrz *m = p->m;
    char buf[UBUR_MRZ_INPUT_MAX];
    size_t n = 0, start[UBUR_MRZ_INPUT_MAX / 2 + 2], llen[UBUR_MRZ_INPUT_MAX / 2 + 2];
    int nl = 0, line = 1, col = 0;
    bool in_line = false;

    if (len > UBUR_MRZ_INPUT_MAX) {
        add_error(m, "mrz", "too_long",
                  "input of %zu bytes is longer than any MRZ (at most %d bytes are read)", len,
                  UBUR_MRZ_INPUT_MAX);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
                i++;
            i++;
            line++;
            col = 0;
            in_line = false;
            continue;
        }
        col++;
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        char out;
        size_t step = 1;
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')
            out = (char)c;
        else if (c >= 'a' && c <= 'z')
            out = (char)(c - 'a' + 'A');
        else if (c == 0xc2 && i + 1 < len && s[i + 1] == 0xab) {
            out = '<'; /* « */
            step = 2;
        } else {
            char what[48];
            describe_char(s + i, len - i, what, sizeof(what));
            add_error(m, "mrz", "character",
                      "line %d column %d: %s is not in the MRZ alphabet (A-Z, 0-9, <)", line, col,
                      what);
            return -1;
        }
        if (!in_line) {
            start[nl] = n;
            llen[nl] = 0;
            nl++;
            in_line = true;
        }
        buf[n++] = out;
        llen[nl - 1]++;
        i += step;
    }

    if (nl == 0) {
        add_error(m, "mrz", "empty", "empty input: an MRZ has 2 or 3 lines");
        return -1;
    }
    if (nl == 1) {
        size_t w = llen[0];
        int lines = w == 90 ? 3 : (w == 72 || w == 88) ? 2 : 0;
        if (!lines) {
            add_error(m, "mrz", "length",
                      "one line of %zu characters: expected 2 or 3 lines, or one run of 88 "
                      "(TD3, MRV-A), 72 (TD2, MRV-B) or 90 (TD1) characters",
                      w);
            return -1;
        }
        for (int i = 0; i < lines; i++) {
            start[i] = start[0] + (size_t)i * (w / (size_t)lines);
            llen[i] = w / (size_t)lines;
        }
        nl = lines;
    }
    if (nl > 3) {
        add_error(m, "mrz", "length", "%d lines: an MRZ has 2 (TD2, TD3, MRV) or 3 (TD1)", nl);
        return -1;
    }
    size_t w = llen[0];
    if (nl == 3 && w != 30) {
        add_error(m, "mrz", "length", "line 1 has %zu characters: a 3-line MRZ (TD1) has 30", w);
        return -1;
    }
    if (nl == 2 && w != 36 && w != 44) {
        add_error(m, "mrz", "length",
                  "line 1 has %zu characters: a 2-line MRZ has 36 (TD2, MRV-B) or 44 "
                  "(TD3, MRV-A)",
                  w);
        return -1;
    }
    for (int i = 1; i < nl; i++) {
        if (llen[i] != w) {
            add_error(m, "mrz", "length", "line %d has %zu characters, line 1 has %zu", i + 1,
                      llen[i], w);
            return -1;
        }
    }
    m->nlines = nl;
    for (int i = 0; i < nl; i++) {
        memcpy(m->lines[i], buf + start[i], w);
        m->lines[i][w] = '\0';
    }
    set_format(m, nl, (int)w);
    return 0;
}

static int
normalise(struct parse *p, const char *text, size_t len)
{
    if (normalise_canonical(p, text, len))
        return 0;
    return normalise_scanner(p, text, len);
}

/* ---------------------------------------------------------------- layouts */

struct span {
    signed char line, col, len; /* line < 0: absent */
};

struct layout {
    struct span code, state, name, number, number_cd, nationality, birth, birth_cd, sex, expiry,
        expiry_cd, opt1, opt1_cd, opt2, composite;
    struct span comp[4]; /* the ranges the composite check digit covers */
    int ncomp;
};

#define NO                                                                                         \
    {                                                                                              \
        -1, 0, 0                                                                                   \
    }
#define CK_MAX 72 /* the longest checked run: the French card's composite, 36 + 35 */

static const struct layout layouts[] =
    {
        [UBUR_MRZ_TD1] =
            {
                .code = {0, 0, 2},
                .state = {0, 2, 3},
                .number = {0, 5, 9},
                .number_cd = {0, 14, 1},
                .opt1 = {0, 15, 15},
                .opt1_cd = NO,
                .birth = {1, 0, 6},
                .birth_cd = {1, 6, 1},
                .sex = {1, 7, 1},
                .expiry = {1, 8, 6},
                .expiry_cd = {1, 14, 1},
                .nationality = {1, 15, 3},
                .opt2 = {1, 18, 11},
                .composite = {1, 29, 1},
                .name = {2, 0, 30},
                .comp = {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}},
                .ncomp = 4,
            },
        [UBUR_MRZ_TD2] =
            {
                .code = {0, 0, 2},
                .state = {0, 2, 3},
                .name = {0, 5, 31},
                .number = {1, 0, 9},
                .number_cd = {1, 9, 1},
                .nationality = {1, 10, 3},
                .birth = {1, 13, 6},
                .birth_cd = {1, 19, 1},
                .sex = {1, 20, 1},
                .expiry = {1, 21, 6},
                .expiry_cd = {1, 27, 1},
                .opt1 = {1, 28, 7},
                .opt1_cd = NO,
                .opt2 = NO,
                .composite = {1, 35, 1},
                .comp = {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}},
                .ncomp = 3,
            },
        [UBUR_MRZ_TD3] =
            {
                .code = {0, 0, 2},
                .state = {0, 2, 3},
                .name = {0, 5, 39},
                .number = {1, 0, 9},
                .number_cd = {1, 9, 1},
                .nationality = {1, 10, 3},
                .birth = {1, 13, 6},
                .birth_cd = {1, 19, 1},
                .sex = {1, 20, 1},
                .expiry = {1, 21, 6},
                .expiry_cd = {1, 27, 1},
                .opt1 = {1, 28, 14}, /* the personal number */
                .opt1_cd = {1, 42, 1},
                .opt2 = NO,
                .composite = {1, 43, 1},
                .comp = {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}},
                .ncomp = 3,
            },
        [UBUR_MRZ_MRVA] =
            {
                .code = {0, 0, 2},
                .state = {0, 2, 3},
                .name = {0, 5, 39},
                .number = {1, 0, 9},
                .number_cd = {1, 9, 1},
                .nationality = {1, 10, 3},
                .birth = {1, 13, 6},
                .birth_cd = {1, 19, 1},
                .sex = {1, 20, 1},
                .expiry = {1, 21, 6},
                .expiry_cd = {1, 27, 1},
                .opt1 = {1, 28, 16},
                .opt1_cd = NO,
                .opt2 = NO,
                .composite = NO,
                .ncomp = 0, /* visas have no composite check digit */
            },
        [UBUR_MRZ_MRVB] =
            {
                .code = {0, 0, 2},
                .state = {0, 2, 3},
                .name = {0, 5, 31},
                .number = {1, 0, 9},
                .number_cd = {1, 9, 1},
                .nationality = {1, 10, 3},
                .birth = {1, 13, 6},
                .birth_cd = {1, 19, 1},
                .sex = {1, 20, 1},
                .expiry = {1, 21, 6},
                .expiry_cd = {1, 27, 1},
                .opt1 = {1, 28, 8},
                .opt1_cd = NO,
                .opt2 = NO,
                .composite = NO,
                .ncomp = 0,
            },
};

/* ------------------------------------------------- check-digited fields */

enum ckind { CK_ALNUM, CK_DATE };

/* A field protected by a check digit: up to 4 runs of characters (a long number, a composite). */
struct ckfield {
    const char *name; /* JSON field name */
    enum ckind kind;
    int n; /* characters in all runs */
    int nspans;
    struct span spans[4];
    signed char cline, ccol; /* the check digit */
};

static inline void
ck_init(struct ckfield *f, const char *name, enum ckind kind)
{
    f->name = name;
    f->kind = kind;
    f->n = 0;
    f->nspans = 0;
    f->cline = f->ccol = 0;
}

static void
ck_add_span(struct ckfield *f, struct span s)
{
    assert(f->nspans < 4 && f->n + s.len <= CK_MAX);
    if (s.len > 0) {
        f->spans[f->nspans++] = s;
        f->n += s.len;
    }
}

/* Line and column of the i-th character of f. */
static void
ck_pos(const struct ckfield *f, int i, int *line, int *col)
{
    for (int k = 0; k < f->nspans; k++) {
        if (i < f->spans[k].len) {
            *line = f->spans[k].line;
            *col = f->spans[k].col + i;
            return;
        }
        i -= f->spans[k].len;
    }
    assert(!"ck_pos out of range");
}

static void
ck_text(const struct parse *p, const struct ckfield *f, char *out)
{
    size_t o = 0;
    for (int k = 0; k < f->nspans; k++) {
        memcpy(out + o, &p->L[(int)f->spans[k].line][(int)f->spans[k].col],
               (size_t)f->spans[k].len);
        o += (size_t)f->spans[k].len;
    }
    out[o] = '\0';
}

/* Syntax of a date: pairs of digits or "<<", month 1..12, day 1..31. */
static bool
date_syntax_ok(const char *s)
{
    int v[3];
    for (int i = 0; i < 3; i++) {
        char a = s[2 * i], b = s[2 * i + 1];
        if (a == '<' && b == '<')
            v[i] = -1;
        else if (a >= '0' && a <= '9' && b >= '0' && b <= '9')
            v[i] = (a - '0') * 10 + (b - '0');
        else
            return false;
    }
    if (v[1] != -1 && (v[1] < 1 || v[1] > 12))
        return false;
    if (v[2] != -1 && (v[2] < 1 || v[2] > 31))
        return false;
    return true;
}

static bool
ck_passes(const struct parse *p, const struct ckfield *f)
{
    char c = p->L[(int)f->cline][(int)f->ccol];
    if (c < '0' || c > '9')
        return false;
    if (f->kind == CK_DATE && !date_syntax_ok(&p->L[(int)f->spans[0].line][(int)f->spans[0].col]))
        return false; /* a date is one run of 6 */
    int sum = 0, bad = 0, k = 0;
    for (int r = 0; r < f->nspans; r++) {
        const char *s = &p->L[(int)f->spans[r].line][(int)f->spans[r].col];
        int len = f->spans[r].len, i = 0;
        /* Weights 7,3,1 continue across runs: rotate them to where this run starts. */
        int w0 = k % 3 == 0 ? 7 : k % 3 == 1 ? 3 : 1;
        int w1 = w0 == 7 ? 3 : w0 == 3 ? 1 : 7;
        int w2 = w1 == 7 ? 3 : w1 == 3 ? 1 : 7;
        for (; i + 3 <= len; i += 3) {
            int a = mrz_value(s[i]), b = mrz_value(s[i + 1]), d = mrz_value(s[i + 2]);
            bad |= a | b | d;
            sum += w0 * a + w1 * b + w2 * d;
        }
        for (int w = w0; i < len; i++, w = w == 7 ? 3 : w == 3 ? 1 : 7) {
            int v = mrz_value(s[i]);
            bad |= v;
            sum += v * w;
        }
        k += len;
    }
    return bad >= 0 && sum % 10 == c - '0';
}

/* The other half of a commonly confused OCR pair, or 0. */
static char
ocr_partner(char c)
{
    static const char pairs[] = "0O1I2Z5S8B6G"; /* partners at 2k and 2k+1 */
    const char *at = c ? memchr(pairs, c, sizeof(pairs) - 1) : NULL;
    return at ? pairs[(at - pairs) ^ 1] : 0;
}

struct ocr_candidate {
    int line, col;
    char from, to;
};

/*
 * Verifies f; on failure tries every single OCR substitution in its
 * characters and in its check digit. Exactly one passing substitution is
 * applied and recorded; none or several leave an error. Returns true when
 * the field (possibly repaired) passes.
 */
static bool
ck_verify(struct parse *p, const struct ckfield *f)
{
    struct ubur_mrz *m = p->m;
    char read[CK_MAX + 1];

    if (ck_passes(p, f))
        return true;
    ck_text(p, f, read);
    char cd = p->L[(int)f->cline][(int)f->ccol];
    int npass = 0;
    struct ocr_candidate cand[2] = {{0, 0, 0, 0}};
    if (p->repair) {
        for (int i = 0; i <= f->n; i++) {
            int ln = f->cline, cl = f->ccol;
            if (i < f->n)
                ck_pos(f, i, &ln, &cl);
            char orig = p->L[ln][cl];
            char to = ocr_partner(orig);
            if (!to || (p->guarded[ln] >> cl & 1))
                continue;
            /* Dates and check digits are numeric: only letters become digits there. */
            if ((i == f->n || f->kind == CK_DATE) && !(to >= '0' && to <= '9'))
                continue;
            p->L[ln][cl] = to;
            if (ck_passes(p, f)) {
                if (npass < 2)
                    cand[npass] = (struct ocr_candidate){ln, cl, orig, to};
                npass++;
            }
            p->L[ln][cl] = orig;
        }
    }
    bool composite = f->name[0] == 'c';
    if (npass == 1) {
        p->L[cand[0].line][cand[0].col] = cand[0].to;
        if (m->ncorrected < UBUR_MRZ_MAX_CORRECTIONS) {
            struct ubur_mrz_correction *c = &m->corrected[m->ncorrected++];
            snprintf(c->field, sizeof(c->field), "%s", f->name);
            if (composite || (cand[0].line == f->cline && cand[0].col == f->ccol)) {
                /* The check digit itself (or unprotected data) was misread: show the character. */
                snprintf(c->read, sizeof(c->read), "%c", cand[0].from);
                snprintf(c->value, sizeof(c->value), "%c", cand[0].to);
            } else {
                char now[CK_MAX + 1];
                ck_text(p, f, now);
                snprintf(c->read, sizeof(c->read), "%s", read);
                snprintf(c->value, sizeof(c->value), "%s", now);
            }
            c->line = cand[0].line + 1;
            c->column = cand[0].col + 1;
        }
        return true;
    }
    if (f->kind == CK_DATE && !date_syntax_ok(read) && npass == 0) {
        add_error(m, f->name, "date", "'%s' is not a date (YYMMDD, '<' for unknown parts)", read);
        return false;
    }
    char subject[96];
    if (composite)
        snprintf(subject, sizeof(subject), "composite check digit '%c'", cd);
    else
        snprintf(subject, sizeof(subject), "check digit '%c' of '%s'", cd, read);
    char why[64];
    if (cd < '0' || cd > '9')
        snprintf(why, sizeof(why), "is not a digit");
    else
        snprintf(why, sizeof(why), "does not match (computed %d)",
                 ubur_mrz_check_digit(read, (size_t)f->n));
    if (npass > 1)
        add_error(m, f->name, "ambiguous_repair",
                  "%s %s; %d single-character OCR repairs would pass (line %d column %d "
                  "'%c'->'%c', line %d column %d '%c'->'%c'%s), refusing to guess",
                  subject, why, npass, cand[0].line + 1, cand[0].col + 1, cand[0].from, cand[0].to,
                  cand[1].line + 1, cand[1].col + 1, cand[1].from, cand[1].to,
                  npass > 2 ? ", ..." : "");
    else
        add_error(m, f->name, "check_digit", "%s %s", subject, why);
    return false;
}

static void
guard_span(struct parse *p, struct span s)
{
    p->guarded[(int)s.line] |= (((uint64_t)1 << s.len) - 1) << s.col;
}

/* Marks f's characters and check digit as protected from later (composite) repairs. */
static void
ck_guard(struct parse *p, const struct ckfield *f)
{
    for (int k = 0; k < f->nspans; k++)
        guard_span(p, f->spans[k]);
    p->guarded[(int)f->cline] |= (uint64_t)1 << f->ccol;
}

/* ------------------------------------------------------------ field reads */

static void
span_copy(const struct parse *p, struct span s, char *out)
{
    memcpy(out, &p->L[(int)s.line][(int)s.col], (size_t)s.len);
    out[s.len] = '\0';
}

/* Copies s[0..n) dropping trailing fillers. */
static void
copy_trim(char *out, size_t outsz, const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '<')
        n--;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static bool
all_fillers(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '<')
            return false;
    return true;
}

static bool
is_alnum_or_filler(const char *s, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (mrz_value(s[i]) < 0) {
            *bad = i;
            return false;
        }
    return true;
}

static void
read_document_code(struct parse *p, struct span s)
{
    struct ubur_mrz *m = p->m;
    char raw[3];
    span_copy(p, s, raw);
    copy_trim(m->document_code, sizeof(m->document_code), raw, 2);
    if (raw[0] < 'A' || raw[0] > 'Z' || !((raw[1] >= 'A' && raw[1] <= 'Z') || raw[1] == '<')) {
        add_error(m, "document_code", "document_code",
                  "'%s' is not a document code (a letter, then a letter or '<')", raw);
        return;
    }
    switch (m->format) {
    case UBUR_MRZ_TD3:
        if (raw[0] != 'P')
            add_error(m, "document_code", "document_code",
                      "'%s' is not a passport code: a 2x44 MRZ starts with P (passport) or V "
                      "(visa)",
                      raw);
        break;
    case UBUR_MRZ_TD1:
    case UBUR_MRZ_TD2:
        if (raw[0] != 'A' && raw[0] != 'C' && raw[0] != 'I')
            add_error(m, "document_code", "document_code",
                      "'%s' is not an official travel document code: %s starts with A, C or I%s",
                      raw, m->format == UBUR_MRZ_TD1 ? "TD1" : "TD2",
                      m->format == UBUR_MRZ_TD2 ? " (or V for a visa)" : "");
        else if (raw[1] == 'V')
            add_error(m, "document_code", "document_code",
                      "'%s': Doc 9303 does not allow V as the second character of an identity "
                      "document code",
                      raw);
        break;
    default:
        break; /* visas: 'V' was what chose the format */
    }
}

static void
read_state(struct parse *p, struct span s, const char *field, char *out, size_t outsz)
{
    char raw[4];
    span_copy(p, s, raw);
    copy_trim(out, outsz, raw, 3);
    if (!ubur_mrz_state_known(raw)) {
        if (all_fillers(raw, 3))
            add_error(p->m, field, "state", "the %s is missing ('<<<')",
                      field[0] == 'i' ? "issuing state" : "nationality");
        else
            add_error(p->m, field, "state", "'%s' is not an ICAO 9303 state or organisation code",
                      raw);
    }
}

/* Replaces runs of '<' by one space, trims both ends. */
static void
name_part(char *out, size_t outsz, const char *s, size_t n)
{
    size_t o = 0;
    bool pending = false;
    for (size_t i = 0; i < n && o + 1 < outsz; i++) {
        if (s[i] == '<') {
            pending = o > 0;
            continue;
        }
        if (pending && o + 2 < outsz)
            out[o++] = ' ';
        pending = false;
        out[o++] = s[i];
    }
    out[o] = '\0';
}

static void
read_name(struct parse *p, struct span s)
{
    struct ubur_mrz *m = p->m;
    const char *f = &p->L[(int)s.line][(int)s.col];
    size_t n = (size_t)s.len;
    size_t end = n, sep; /* past the last letter; the first "<<" */

    while (end > 0 && f[end - 1] == '<')
        end--; /* the trailing fillers need no further look */
    if (end == 0) {
        add_error(m, "surname", "name", "the name field is empty");
        return;
    }
    for (sep = 0; sep + 1 < end; sep++)
        if (f[sep] == '<' && f[sep + 1] == '<')
            break;
    if (sep + 1 >= end)
        sep = n;
    name_part(m->surname, sizeof(m->surname), f, sep < end ? sep : end);
    if (sep < end)
        name_part(m->given_names, sizeof(m->given_names), f + sep + 2, end - sep - 2);
    for (size_t i = 0; i < end; i++) {
        if (f[i] != '<' && (f[i] < 'A' || f[i] > 'Z')) {
            add_error(m, i < sep ? "surname" : "given_names", "name",
                      "line %d column %zu: '%c' in the name field (names have only A-Z and '<')",
                      s.line + 1, s.col + i + 1, f[i]);
            return;
        }
    }
    if (f[0] == '<') {
        if (sep != 0) {
            add_error(m, "surname", "name", "the name field starts with a single filler");
        } else if (p->lenient) {
            add_warning(m, "surname", UBUR_MRZ_W_EMPTY_PRIMARY,
                        "the primary identifier is empty; '%s' is read as given names",
                        m->given_names);
        } else {
            add_error(m, "surname", "name",
                      "the primary identifier is empty (the name field starts with '<<'); "
                      "lenient mode accepts this");
        }
    }
}

static void
read_sex(struct parse *p, struct span s)
{
    char c = p->L[(int)s.line][(int)s.col];
    if (c == 'M' || c == 'F' || c == 'X')
        p->m->sex = c;
    else if (c == '<')
        p->m->sex = 'X';
    else
        add_error(p->m, "sex", "sex", "'%c' is not a sex (M, F, X or '<')", c);
}

/*
 * Resolves a two-digit year: the latest year ending in yy whose earliest
 * consistent date (unknown month/day count as 1) is not after the limit.
 */
static int
resolve_year(int yy, int mm, int dd, int ly, int lm, int ld)
{
    int y = ly - (((ly - yy) % 100) + 100) % 100;
    int m = mm > 0 ? mm : 1, d = dd > 0 ? dd : 1;
    if (y == ly && (m > lm || (m == lm && d > ld)))
        y -= 100;
    return y;
}

/* Fills d from the six characters (already syntax-checked by its check field). */
static void
read_date(struct parse *p, struct span s, bool birth, struct ubur_mrz_date *d, const char *field)
{
    const char *r = &p->L[(int)s.line][(int)s.col];
    memcpy(d->raw, r, 6);
    d->raw[6] = '\0';
    if (!date_syntax_ok(r))
        return; /* reported by the check digit field */
    int v[3];
    for (int i = 0; i < 3; i++)
        v[i] = r[2 * i] == '<' ? 0 : (r[2 * i] - '0') * 10 + (r[2 * i + 1] - '0');
    bool yknown = r[0] != '<';
    d->month = v[1];
    d->day = v[2];
    d->year = 0;
    if (yknown) {
        if (birth)
            d->year = resolve_year(v[0], v[1], v[2], p->today_y, p->today_m, p->today_d);
        else
            d->year = resolve_year(v[0], v[1], v[2], p->today_y + 50, p->today_m, p->today_d);
    }
    if (d->day && d->month && d->day > days_in_month(d->year, d->month)) {
        char iso[16];
        if (d->year)
            snprintf(iso, sizeof(iso), "%04d-%02d-%02d", d->year, d->month, d->day);
        else
            snprintf(iso, sizeof(iso), "%02d-%02d", d->month, d->day);
        add_error(p->m, field, "date", "'%s' is not a date (%s)", d->raw, iso);
        d->year = d->month = d->day = 0;
    }
}

static void
read_optional(struct parse *p, const char *s, size_t n, const char *field, char *out, size_t outsz)
{
    size_t bad;
    copy_trim(out, outsz, s, n);
    if (!is_alnum_or_filler(s, n, &bad))
        add_error(p->m, field, "character", "'%c' is not allowed in optional data", s[bad]);
}

/* ------------------------------------------------------------ the parser */

/* Does a long document number check when the filler after its first 9 characters counts? */
static bool
belgian_passes(const struct parse *p, const struct layout *lo, const struct ckfield *num)
{
    struct ckfield bel;
    ck_init(&bel, num->name, CK_ALNUM);
    ck_add_span(&bel, lo->number);
    ck_add_span(&bel, lo->number_cd);
    if (num->nspans > 1)
        ck_add_span(&bel, num->spans[1]);
    bel.cline = num->cline;
    bel.ccol = num->ccol;
    return ck_passes(p, &bel);
}

static void
parse_icao(struct parse *p)
{
    struct ubur_mrz *m = p->m;
    const struct layout *lo = &layouts[m->format];
    bool ok_fields = true;

    read_document_code(p, lo->code);
    read_state(p, lo->state, "issuing_state", m->issuing_state, sizeof(m->issuing_state));
    read_state(p, lo->nationality, "nationality", m->nationality, sizeof(m->nationality));

    /* Document number, continued in the optional data when longer than 9 (TD1, TD2). */
    struct ckfield num;
    ck_init(&num, "document_number", CK_ALNUM);
    struct span opt = lo->opt1; /* what remains optional data after a long number */
    bool long_number = false, belgian = false;
    char cdc = p->L[(int)lo->number_cd.line][(int)lo->number_cd.col];
    ck_add_span(&num, lo->number);
    if (cdc == '<' && (m->format == UBUR_MRZ_TD1 || m->format == UBUR_MRZ_TD2)) {
        const char *o = &p->L[(int)opt.line][(int)opt.col];
        int k = 0;
        while (k < opt.len && o[k] != '<')
            k++;
        if (k >= 2) { /* at least one continued character and the check digit */
            long_number = true;
            struct span cont = {opt.line, opt.col, (signed char)(k - 1)};
            ck_add_span(&num, cont);
            num.cline = opt.line;
            num.ccol = (signed char)(opt.col + k - 1);
            int used = k < opt.len ? k + 1 : k;
            opt.col = (signed char)(opt.col + used);
            opt.len = (signed char)(opt.len - used);
        }
    }
    if (!long_number) {
        num.cline = lo->number_cd.line;
        num.ccol = lo->number_cd.col;
    }
    {
        char raw[CK_MAX + 1];
        size_t bad;
        ck_text(p, &num, raw);
        if (!is_alnum_or_filler(raw, (size_t)num.n, &bad)) {
            add_error(m, "document_number", "character", "'%c' is not allowed in '%s'", raw[bad],
                      raw);
            ok_fields = false;
        } else if (all_fillers(raw, (size_t)num.n)) {
            add_error(m, "document_number", "empty", "the document number is empty");
            ok_fields = false;
        } else if (long_number && p->lenient && !ck_passes(p, &num) &&
                   belgian_passes(p, lo, &num)) {
            belgian = true;
            add_warning(m, "document_number", UBUR_MRZ_W_BELGIAN_NUMBER,
                        "the check digit of the long document number counts the filler after "
                        "its first 9 characters (Belgian practice, not Doc 9303)");
        }
        if (ok_fields && !belgian && !ck_verify(p, &num)) {
            ok_fields = false;
            if (long_number && !p->lenient && belgian_passes(p, lo, &num))
                add_error(m, "document_number", "not_icao",
                          "the check digit passes when the filler after the first 9 characters "
                          "is counted (Belgian practice); lenient mode accepts this");
        }
        ck_text(p, &num, raw);
        copy_trim(m->document_number, sizeof(m->document_number), raw, 9);
        if (long_number) {
            size_t l = strlen(m->document_number);
            snprintf(m->document_number + l, sizeof(m->document_number) - l, "%s", raw + 9);
        }
    }

    /* Dates. */
    struct ckfield birth;
    ck_init(&birth, "birth_date", CK_DATE);
    ck_add_span(&birth, lo->birth);
    birth.cline = lo->birth_cd.line;
    birth.ccol = lo->birth_cd.col;
    if (!ck_verify(p, &birth))
        ok_fields = false;
    read_date(p, lo->birth, true, &m->birth_date, "birth_date");

    struct ckfield expiry;
    ck_init(&expiry, "expiry_date", CK_DATE);
    ck_add_span(&expiry, lo->expiry);
    expiry.cline = lo->expiry_cd.line;
    expiry.ccol = lo->expiry_cd.col;
    if (!ck_verify(p, &expiry))
        ok_fields = false;
    read_date(p, lo->expiry, false, &m->expiry_date, "expiry_date");

    read_sex(p, lo->sex);
    read_name(p, lo->name);

    /* Optional data; TD3's personal number has its own check digit. */
    struct ckfield pnum;
    bool has_pnum = false;
    if (opt.len > 0 && lo->opt1_cd.line < 0)
        read_optional(p, &p->L[(int)opt.line][(int)opt.col], (size_t)opt.len, "optional_data",
                      m->optional_data, sizeof(m->optional_data));
    if (lo->opt1_cd.line >= 0) {
        const char *pn = &p->L[(int)lo->opt1.line][(int)lo->opt1.col];
        char c = p->L[(int)lo->opt1_cd.line][(int)lo->opt1_cd.col];
        if (all_fillers(pn, (size_t)lo->opt1.len)) {
            if (c != '<' && c != '0') {
                add_error(m, "optional_data", "check_digit",
                          "check digit '%c' of an empty personal number must be '<' or '0'", c);
                ok_fields = false;
            }
        } else {
            has_pnum = true;
            ck_init(&pnum, "optional_data", CK_ALNUM);
            ck_add_span(&pnum, lo->opt1);
            pnum.cline = lo->opt1_cd.line;
            pnum.ccol = lo->opt1_cd.col;
            if (!ck_verify(p, &pnum))
                ok_fields = false;
            copy_trim(m->optional_data, sizeof(m->optional_data), pn, (size_t)lo->opt1.len);
        }
    }
    if (lo->opt2.line >= 0) {
        m->has_optional_data_2 = true;
        read_optional(p, &p->L[(int)lo->opt2.line][(int)lo->opt2.col], (size_t)lo->opt2.len,
                      "optional_data_2", m->optional_data_2, sizeof(m->optional_data_2));
    }

    /*
     * Composite check digit over the (possibly repaired) fields. Only when
     * every field passed is a repair tried, and then only in what no other
     * check digit covers (optional data) or the composite digit itself.
     */
    if (lo->ncomp > 0) {
        struct ckfield comp;
        ck_init(&comp, "composite", CK_ALNUM);
        for (int i = 0; i < lo->ncomp; i++)
            ck_add_span(&comp, lo->comp[i]);
        comp.cline = lo->composite.line;
        comp.ccol = lo->composite.col;
        if (m->ncorrected > 0 && !ck_passes(p, &comp)) {
            /* A field repair the composite does not confirm was a guess: undo them all. */
            p->repair_refuted = true;
            return;
        }
        if (ok_fields) {
            if (!ck_passes(p, &comp)) {
                /* What has its own check digit is not repaired through the composite. */
                ck_guard(p, &num);
                ck_guard(p, &birth);
                ck_guard(p, &expiry);
                if (has_pnum)
                    ck_guard(p, &pnum);
                ck_verify(p, &comp);
            }
        } else if (!ck_passes(p, &comp)) {
            char raw[CK_MAX + 1];
            ck_text(p, &comp, raw);
            char c = p->L[(int)comp.cline][(int)comp.ccol];
            if (c >= '0' && c <= '9')
                add_error(m, "composite", "check_digit",
                          "composite check digit '%c' does not match (computed %d)", c,
                          ubur_mrz_check_digit(raw, (size_t)comp.n));
            else
                add_error(m, "composite", "check_digit",
                          "composite check digit '%c' is not a digit", c);
        }
    }
}

/* The pre-2021 French identity card: 2x36, not ICAO TD2. */
static bool
looks_french(const struct parse *p)
{
    return p->m->format == UBUR_MRZ_TD2 && !strncmp(p->L[0], "IDFRA", 5);
}

static void
parse_french(struct parse *p)
{
    struct ubur_mrz *m = p->m;
    const char *l1 = p->L[0], *l2 = p->L[1];

    snprintf(m->document_code, sizeof(m->document_code), "ID");
    snprintf(m->issuing_state, sizeof(m->issuing_state), "FRA");
    snprintf(m->nationality, sizeof(m->nationality), "FRA");
    m->sex = 'X';

    struct ckfield num;
    ck_init(&num, "document_number", CK_ALNUM);
    ck_add_span(&num, (struct span){1, 0, 12});
    num.cline = 1;
    num.ccol = 12;
    bool ok = ck_verify(p, &num);
    copy_trim(m->document_number, sizeof(m->document_number), l2, 12);

    for (int i = 5; i < 30; i++)
        if (l1[i] != '<' && (l1[i] < 'A' || l1[i] > 'Z')) {
            add_error(m, "surname", "name", "line 1 column %d: '%c' in the surname", i + 1, l1[i]);
            break;
        }
    name_part(m->surname, sizeof(m->surname), l1 + 5, 25);
    for (int i = 13; i < 27; i++)
        if (l2[i] != '<' && (l2[i] < 'A' || l2[i] > 'Z')) {
            add_error(m, "given_names", "name", "line 2 column %d: '%c' in the given names", i + 1,
                      l2[i]);
            break;
        }
    name_part(m->given_names, sizeof(m->given_names), l2 + 13, 14);
    if (!m->surname[0])
        add_error(m, "surname", "name", "the surname is empty");
    read_optional(p, l1 + 30, 6, "optional_data", m->optional_data, sizeof(m->optional_data));

    struct ckfield birth;
    ck_init(&birth, "birth_date", CK_DATE);
    ck_add_span(&birth, (struct span){1, 27, 6});
    birth.cline = 1;
    birth.ccol = 33;
    ok = ck_verify(p, &birth) && ok;
    read_date(p, (struct span){1, 27, 6}, true, &m->birth_date, "birth_date");
    memcpy(m->expiry_date.raw, "<<<<<<", 7); /* not in this MRZ */
    read_sex(p, (struct span){1, 34, 1});

    struct ckfield comp;
    ck_init(&comp, "composite", CK_ALNUM);
    ck_add_span(&comp, (struct span){0, 0, 36});
    ck_add_span(&comp, (struct span){1, 0, 35});
    comp.cline = 1;
    comp.ccol = 35;
    /* Letters-only and fixed parts are never repaired through the composite. */
    guard_span(p, (struct span){0, 0, 30});
    guard_span(p, (struct span){1, 13, 14});
    guard_span(p, (struct span){1, 34, 1});
    ck_guard(p, &num);
    ck_guard(p, &birth);
    if (m->ncorrected > 0 && !ck_passes(p, &comp)) {
        p->repair_refuted = true;
        return;
    }
    if (ok)
        ck_verify(p, &comp);
    else if (!ck_passes(p, &comp))
        add_error(m, "composite", "check_digit", "composite check digit does not match");
}

static void
parse_today(struct parse *p, const struct ubur_mrz_opts *o)
{
    /* Batches parse against one day: remember its civil date per thread. */
    static _Thread_local int64_t cached = -1;
    static _Thread_local int cy, cm, cd;
    int64_t today = o && o->today >= 0 ? o->today : ubur_now() / 86400;
    if (today != cached) {
        ubur_civil_from_days(today, &cy, &cm, &cd);
        cached = today;
    }
    p->today_y = cy;
    p->today_m = cm;
    p->today_d = cd;
}

/*
 * Empties every field of out. Strings are cut at their first byte rather
 * than cleared whole: a memset of the struct was a visible share of a parse.
 */
static void
reset(struct ubur_mrz *m)
{
    m->format = UBUR_MRZ_NONE;
    m->nlines = 0;
    m->lines[0][0] = m->lines[1][0] = m->lines[2][0] = '\0';
    m->document_code[0] = m->issuing_state[0] = m->surname[0] = m->given_names[0] = '\0';
    m->document_number[0] = m->nationality[0] = '\0';
    memset(&m->birth_date, 0, sizeof(m->birth_date));
    memset(&m->expiry_date, 0, sizeof(m->expiry_date));
    m->sex = 0;
    m->optional_data[0] = m->optional_data_2[0] = '\0';
    m->has_optional_data_2 = false;
    m->valid = false;
    m->nerrors = m->nwarnings = m->ncorrected = m->nerrors_dropped = 0;
}

int
ubur_mrz_parse(const char *text, size_t len, const struct ubur_mrz_opts *opts, struct ubur_mrz *out,
               struct ubur_error *err)
{
    struct parse p;

    reset(out);
    memset(p.guarded, 0, sizeof(p.guarded));
    p.repair_refuted = false;
    p.m = out;
    p.L = out->lines;
    p.lenient = opts && opts->lenient;
    p.repair = !(opts && opts->no_repair);
    parse_today(&p, opts);

    if (!text)
        len = 0;
again:
    if (normalise(&p, text ? text : "", len) == 0) {
        if (looks_french(&p)) {
            /* Its own layout; strict mode still reads it, to say exactly what it is. */
            parse_french(&p);
            if (p.lenient)
                add_warning(out, "mrz", UBUR_MRZ_W_FRENCH_ID,
                            "pre-2021 French identity card layout (2x36, not ICAO TD2): no "
                            "expiry date, given names on line 2");
            else
                add_error(out, "mrz", "not_icao",
                          "this is the pre-2021 French identity card layout, not ICAO TD2; "
                          "lenient mode accepts it");
        } else {
            parse_icao(&p);
        }
        if (p.repair_refuted) {
            /* Start over without repairs: the errors then say what is really wrong. */
            reset(out);
            memset(p.guarded, 0, sizeof(p.guarded));
            p.repair = false;
            p.repair_refuted = false;
            goto again;
        }
    }
    out->valid = out->nerrors == 0 && out->nerrors_dropped == 0;
    if (out->valid)
        return 0;
    if (err) {
        err->code = UBUR_EINVAL;
        snprintf(err->field, sizeof(err->field), "%s", out->errors[0].field);
        snprintf(err->message, sizeof(err->message), "%s", out->errors[0].message);
    }
    return UBUR_EINVAL;
}
