/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generating machine readable zones: the ICAO Doc 9303 Part 3
 * transliteration of names (Latin diacritics, Arabic script), the
 * truncation of names too long for the field, and the five line layouts
 * with their check digits.
 *
 * Transliteration: Latin letters with diacritics follow Part 3 Table A's
 * first recommendation (Ä -> AE, Å -> AA, Ö/Ø -> OE, Ü -> UE, ß -> SS,
 * Þ -> TH, Æ -> AE, Œ -> OE, other accented letters -> the base letter
 * through ICU's canonical decomposition). Arabic script follows the Part 3
 * Arabic table, where letters without a close Latin match are escaped with X
 * (ح -> XH, خ -> XKH, ش -> XSH...), so the MRZ can be read back into the
 * original script; ة is XTA inside a name component and XAH at its end.
 * Shadda and tatweel carry no letter and are dropped. Spaces, hyphens and
 * commas separate components ('<'); apostrophes and full stops vanish.
 *
 * Truncation (Part 3, 4.6): the secondary identifier is truncated first;
 * a truncated field is filled to its last position with a letter (when the
 * cut falls on a separator, the component before it gives up its last letter
 * so the next component keeps its initial); the primary identifier is cut
 * only when it alone does not fit.
 */
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>

#include "ubur/mrz.h"
#include "ubur/util.h"

#include "ubur/banned.h"

/* ------------------------------------------------------- transliteration */

struct out {
    char *s;
    size_t n, cap;
    bool overflow;
};

static void
put(struct out *o, const char *t)
{
    for (; *t; t++) {
        if (*t == '<' && (o->n == 0 || o->s[o->n - 1] == '<'))
            continue; /* no leading or doubled separators */
        if (o->n + 1 >= o->cap) {
            o->overflow = true;
            return;
        }
        o->s[o->n++] = *t;
    }
}

/* A code point and its MRZ letters; tables sorted by code point. */
struct translit {
    UChar32 cp;
    const char *mrz;
};

static const char *
translit_find(const struct translit *t, size_t n, UChar32 c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t[mid].cp == c)
            return t[mid].mrz;
        if (t[mid].cp < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Latin letters whose Doc 9303 Part 3 transliteration is not their base letter. */
static const struct translit latin_table[] = {
    {0x00C4, "AE"}, /* Ä */
    {0x00C5, "AA"}, /* Å */
    {0x00C6, "AE"}, /* Æ */
    {0x00D0, "D"},  /* Ð */
    {0x00D6, "OE"}, /* Ö */
    {0x00D8, "OE"}, /* Ø */
    {0x00DC, "UE"}, /* Ü */
    {0x00DE, "TH"}, /* Þ */
    {0x00DF, "SS"}, /* ß */
    {0x0110, "D"},  /* Đ */
    {0x0126, "H"},  /* Ħ */
    {0x0131, "I"},  /* ı */
    {0x0132, "IJ"}, /* Ĳ */
    {0x0138, "K"},  /* ĸ */
    {0x013F, "L"},  /* Ŀ */
    {0x0141, "L"},  /* Ł */
    {0x0149, "N"},  /* ŉ */
    {0x014A, "N"},  /* Ŋ */
    {0x0152, "OE"}, /* Œ */
    {0x0166, "T"},  /* Ŧ */
    {0x017F, "S"},  /* ſ */
    {0x1E9E, "SS"}, /* ẞ */
};

static const char *
latin_special(UChar32 c)
{
    return translit_find(latin_table, sizeof(latin_table) / sizeof(latin_table[0]), c);
}

/* Doc 9303 Part 3, transliteration of Arabic script (U+0621..U+0652, U+0670..). */
static const struct translit arabic_table[] = {
    {0x0621, "XE"},  /* hamza */
    {0x0622, "XAA"}, /* alef with madda above */
    {0x0623, "XAE"}, /* alef with hamza above */
    {0x0624, "U"},   /* waw with hamza above */
    {0x0625, "I"},   /* alef with hamza below */
    {0x0626, "XI"},  /* yeh with hamza above */
    {0x0627, "A"},   /* alef */
    {0x0628, "B"},
    {0x062A, "T"},
    {0x062B, "XTH"},
    {0x062C, "J"},
    {0x062D, "XH"},
    {0x062E, "XKH"},
    {0x062F, "D"},
    {0x0630, "XDH"},
    {0x0631, "R"},
    {0x0632, "Z"},
    {0x0633, "S"},
    {0x0634, "XSH"},
    {0x0635, "XSS"},
    {0x0636, "XDZ"},
    {0x0637, "XTT"},
    {0x0638, "XZZ"},
    {0x0639, "E"}, /* ain */
    {0x063A, "G"}, /* ghain */
    {0x0640, ""},  /* tatweel */
    {0x0641, "F"},
    {0x0642, "Q"},
    {0x0643, "K"},
    {0x0644, "L"},
    {0x0645, "M"},
    {0x0646, "N"},
    {0x0647, "H"},
    {0x0648, "W"},
    {0x0649, "XAY"}, /* alef maksura */
    {0x064A, "Y"},
    {0x064B, "F"},   /* fathatan */
    {0x064C, "N"},   /* dammatan */
    {0x064D, "K"},   /* kasratan */
    {0x064E, "A"},   /* fatha */
    {0x064F, "U"},   /* damma */
    {0x0650, "I"},   /* kasra */
    {0x0651, ""},    /* shadda */
    {0x0652, "O"},   /* sukun */
    {0x0670, ""},    /* superscript alef */
    {0x0671, "XXA"}, /* alef wasla */
    /* Letters of other languages written in Arabic script (Persian, Urdu, Pashto...). */
    {0x0679, "XXT"},
    {0x067C, "XRT"},
    {0x067E, "P"},
    {0x0681, "XKE"},
    {0x0685, "XXH"},
    {0x0686, "XC"},
    {0x0688, "XXD"},
    {0x0689, "XDR"},
    {0x0691, "XXR"},
    {0x0693, "XRR"},
    {0x0696, "XRX"},
    {0x0698, "XJ"},
    {0x069A, "XXS"},
    {0x06A9, "XKK"},
    {0x06AB, "XXK"},
    {0x06AD, "XNG"},
    {0x06AF, "XGG"},
    {0x06BA, "XNN"},
    {0x06BC, "XXN"},
    {0x06BE, "XDO"},
    {0x06C0, "XYH"},
    {0x06C1, "XXG"},
    {0x06C2, "XGE"},
    {0x06C3, "XTG"},
    {0x06CC, "XYA"},
    {0x06CD, "XXY"},
    {0x06D0, "Y"},
    {0x06D2, "XYB"},
    {0x06D3, "XBE"},
};

static const char *
arabic(UChar32 c)
{
    return translit_find(arabic_table, sizeof(arabic_table) / sizeof(arabic_table[0]), c);
}

/* True for code points that end a name component. */
static bool
is_separator(UChar32 c)
{
    return c == ' ' || c == '-' || c == ',' || c == '\t' || c == 0x00A0 || c == 0x2010 ||
           c == 0x2011 || c == 0x060C /* Arabic comma */;
}

static bool
is_dropped(UChar32 c)
{
    return c == '\'' || c == '.' || c == '`' || c == 0x2019 || c == 0x2018 || c == 0x02BC ||
           c == 0x02BB || c == 0x200C || c == 0x200D || c == 0x200E || c == 0x200F;
}

static UChar32
next_cp(const unsigned char *s, size_t *i)
{
    UChar32 c = s[*i];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (n > 1)
        c &= 0x7f >> n;
    for (size_t k = 1; k < n; k++)
        c = c << 6 | (s[*i + k] & 0x3f);
    *i += n;
    return c;
}

/* Does a name component end after position i (ignoring Arabic marks)? */
static bool
component_ends(const unsigned char *s, size_t i)
{
    while (s[i]) {
        size_t j = i;
        UChar32 c = next_cp(s, &j);
        if (is_separator(c))
            return true;
        if (!(c >= 0x064B && c <= 0x0652) && c != 0x0640 && c != 0x0670 && !is_dropped(c))
            return false;
        i = j;
    }
    return true;
}

int
ubur_mrz_transliterate(const char *utf8, char *buf, size_t bufsz, struct ubur_error *err)
{
    struct out o = {buf, 0, bufsz, false};
    const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
    size_t len = strlen((const char *)s);

    if (bufsz == 0)
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "no room for the name");
    buf[0] = '\0';
    if (!ubur_utf8_valid((const char *)s, len))
        return ubur_error_field(err, UBUR_EINVAL, "name", "the name is not valid UTF-8");

    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st))
        return ubur_error_field(err, UBUR_EINTERNAL, "name", "icu: %s", u_errorName(st));

    for (size_t i = 0; i < len;) {
        size_t at = i;
        UChar32 c = next_cp(s, &i);
        const char *t;
        char one[2] = {0, 0};

        if (c < 0x80) {
            if (c >= 'a' && c <= 'z')
                c -= 'a' - 'A';
            if (c >= 'A' && c <= 'Z') {
                one[0] = (char)c;
                put(&o, one);
            } else if (is_separator(c) || c == '<') {
                put(&o, "<");
            } else if (!is_dropped(c)) {
                return ubur_error_field(err, UBUR_EINVAL, "name",
                                        "'%c' at byte %zu of '%s' cannot be written in an MRZ",
                                        (char)c, at + 1, utf8);
            }
            continue;
        }
        if (is_separator(c)) {
            put(&o, "<");
            continue;
        }
        if (is_dropped(c))
            continue;
        if (c == 0x0629) { /* teh marbuta */
            put(&o, component_ends(s, i) ? "XAH" : "XTA");
            continue;
        }
        if ((t = arabic(c)) != NULL) {
            put(&o, t);
            continue;
        }
        UChar32 up = u_toupper(c);
        if ((t = latin_special(up)) != NULL || (t = latin_special(c)) != NULL) {
            put(&o, t);
            continue;
        }
        /* Other Latin letters: the base letter of the canonical decomposition. */
        UChar d[16];
        int32_t dn = unorm2_getDecomposition(nfd, up, d, 16, &st);
        bool wrote = false, bad = dn <= 0 || U_FAILURE(st);
        st = U_ZERO_ERROR;
        for (int32_t k = 0; !bad && k < dn; k++) {
            if (d[k] >= 'A' && d[k] <= 'Z') {
                one[0] = (char)d[k];
                put(&o, one);
                wrote = true;
            } else if (u_charType(d[k]) != U_NON_SPACING_MARK) {
                bad = true;
            }
        }
        if (bad || !wrote)
            return ubur_error_field(err, UBUR_EINVAL, "name",
                                    "U+%04X in '%s' has no ICAO 9303 transliteration", (unsigned)c,
                                    utf8);
    }
    while (o.n > 0 && o.s[o.n - 1] == '<')
        o.n--;
    o.s[o.n] = '\0';
    if (o.overflow)
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "the name '%s' is too long", utf8);
    return (int)o.n;
}

/* ------------------------------------------------------------ name field */

static int
rename_field(struct ubur_error *err, const char *field, int rc)
{
    if (err)
        snprintf(err->field, sizeof(err->field), "%s", field);
    return rc;
}

int
ubur_mrz_name_field(const char *surname, const char *given_names, int width, char *out,
                    struct ubur_error *err)
{
    char p[256], g[256], full[520];
    int rc, np, ng;

    if (width <= 0 || width > 64)
        return ubur_error_set(err, UBUR_EINVAL, "name field width %d out of range", width);
    if ((rc = ubur_mrz_transliterate(surname, p, sizeof(p), err)) < 0)
        return rename_field(err, "surname", rc);
    np = rc;
    if ((rc = ubur_mrz_transliterate(given_names, g, sizeof(g), err)) < 0)
        return rename_field(err, "given_names", rc);
    ng = rc;
    if (np == 0)
        return ubur_error_field(err, UBUR_EINVAL, "surname",
                                "the surname is empty (a person with one name has it as the "
                                "surname)");

    memset(out, '<', (size_t)width);
    out[width] = '\0';
    if (np >= width) {
        memcpy(out, p, (size_t)width); /* only the primary identifier, cut */
        return 0;
    }
    memcpy(out, p, (size_t)np);
    int room = width - np - 2;
    if (ng == 0 || room <= 0)
        return 0; /* no secondary, or no room for one */
    memcpy(full, g, (size_t)ng + 1);
    if (ng > room && full[room - 1] == '<') {
        /* The cut falls on a separator: take a letter from the component before. */
        int j = room - 2;
        if (j >= 1 && full[j] != '<' && full[j - 1] != '<') {
            memmove(full + j, full + j + 1, (size_t)(ng - j));
            ng--;
        }
    }
    int take = ng < room ? ng : room;
    while (take > 0 && full[take - 1] == '<')
        take--;
    out[np] = '<';
    out[np + 1] = '<';
    memcpy(out + np + 2, full, (size_t)take);
    return 0;
}

/* ------------------------------------------------------------ generation */

/* Copies s (upper-cased, '<' for spaces) into dst[n] padded with '<'. */
static int
field_text(const char *s, char *dst, int n, const char *field, bool letters_only,
           struct ubur_error *err)
{
    int k = 0;
    memset(dst, '<', (size_t)n);
    for (const char *c = s ? s : ""; *c; c++) {
        char ch = *c;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch == ' ')
            ch = '<';
        bool ok =
            (ch >= 'A' && ch <= 'Z') || ch == '<' || (!letters_only && ch >= '0' && ch <= '9');
        if (!ok)
            return ubur_error_field(err, UBUR_EINVAL, field, "'%c' is not allowed in '%s'", *c, s);
        if (k >= n)
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "'%s' is longer than the %d characters this format has", s, n);
        dst[k++] = ch;
    }
    return k;
}

/* "YYYY-MM-DD", "YYYY-MM", "YYYY" or empty -> YYMMDD with '<' for unknown parts. */
static int
date_field(const char *s, char dst[6], const char *field, struct ubur_error *err)
{
    int y = 0, m = 0, d = 0;
    size_t n = s ? strlen(s) : 0;
    memset(dst, '<', 6);
    if (n == 0)
        return 0;
    bool shape = (n == 4 || n == 7 || n == 10);
    for (size_t i = 0; shape && i < n; i++)
        shape = (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
    if (!shape)
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%s' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", s);
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (n >= 7)
        m = (s[5] - '0') * 10 + (s[6] - '0');
    if (n == 10)
        d = (s[8] - '0') * 10 + (s[9] - '0');
    if ((n >= 7 && (m < 1 || m > 12)) || (n == 10 && !ubur_date_valid(y, m, d)) || y < 1)
        return ubur_error_field(err, UBUR_EINVAL, field, "'%s' is not a date", s);
    dst[0] = (char)('0' + y / 10 % 10);
    dst[1] = (char)('0' + y % 10);
    if (n >= 7) {
        dst[2] = (char)('0' + m / 10);
        dst[3] = (char)('0' + m % 10);
    }
    if (n == 10) {
        dst[4] = (char)('0' + d / 10);
        dst[5] = (char)('0' + d % 10);
    }
    return 0;
}

static char
digit(const char *s, size_t n)
{
    return (char)('0' + ubur_mrz_check_digit(s, n));
}

static int
state_field(const char *s, char dst[3], const char *field, struct ubur_error *err)
{
    char code[4] = "<<<";
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return ubur_error_field(err, UBUR_EINVAL, field, "the %s is required",
                                field[0] == 'i' ? "issuing state" : "nationality");
    for (size_t i = 0; i < n && i < 3; i++)
        code[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
    if (n > 3 || !ubur_mrz_state_known(code))
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%s' is not an ICAO 9303 state or organisation code", s);
    memcpy(dst, code, 3);
    return 0;
}

int
ubur_mrz_make(const struct ubur_mrz_fields *f, struct ubur_mrz_lines *out, struct ubur_error *err)
{
    enum ubur_mrz_format fmt = f->format;
    int width = ubur_mrz_format_width(fmt), rc;
    char code[2], state[3], nat[3], birth[6], expiry[6], number[40], sex;

    memset(out, 0, sizeof(*out));
    if (!width)
        return ubur_error_field(err, UBUR_EINVAL, "format",
                                "unknown format (TD1, TD2, TD3, MRVA or MRVB)");

    /* Document code: 1 or 2 letters, first one fixed by the format. */
    const char *dc = f->document_code && *f->document_code          ? f->document_code
                     : fmt == UBUR_MRZ_TD3                          ? "P"
                     : fmt == UBUR_MRZ_MRVA || fmt == UBUR_MRZ_MRVB ? "V"
                                                                    : "I";
    if ((rc = field_text(dc, code, 2, "document_code", true, err)) < 0)
        return rc;
    if (code[0] == '<' || (fmt == UBUR_MRZ_TD3 && code[0] != 'P') ||
        ((fmt == UBUR_MRZ_MRVA || fmt == UBUR_MRZ_MRVB) && code[0] != 'V') ||
        ((fmt == UBUR_MRZ_TD1 || fmt == UBUR_MRZ_TD2) &&
         ((code[0] != 'A' && code[0] != 'C' && code[0] != 'I') || code[1] == 'V')))
        return ubur_error_field(err, UBUR_EINVAL, "document_code",
                                "'%s' is not a document code for %s (%s)", dc,
                                ubur_mrz_format_name(fmt),
                                fmt == UBUR_MRZ_TD3 ? "P, then a letter or nothing"
                                : (fmt == UBUR_MRZ_MRVA || fmt == UBUR_MRZ_MRVB)
                                    ? "V, then a letter or nothing"
                                    : "A, C or I, then a letter other than V or nothing");

    if ((rc = state_field(f->issuing_state, state, "issuing_state", err)) < 0 ||
        (rc = state_field(f->nationality, nat, "nationality", err)) < 0)
        return rc;
    if ((rc = date_field(f->birth_date, birth, "birth_date", err)) < 0 ||
        (rc = date_field(f->expiry_date, expiry, "expiry_date", err)) < 0)
        return rc;
    switch (f->sex) {
    case 'M':
    case 'm':
        sex = 'M';
        break;
    case 'F':
    case 'f':
        sex = 'F';
        break;
    case 'X':
    case 'x':
    case '<':
        sex = '<';
        break;
    default:
        return ubur_error_field(err, UBUR_EINVAL, "sex", "'%c' is not a sex (M, F or X)",
                                f->sex ? f->sex : '?');
    }

    /* Document number: up to 9 characters, longer ones continue on TD1/TD2. */
    int nlen = field_text(f->document_number, number, 39, "document_number", false, err);
    if (nlen < 0)
        return nlen;
    number[nlen] = '\0';
    for (int i = 0; i < nlen; i++)
        if (number[i] == '<')
            return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                    "'%s': a document number has only letters and digits",
                                    f->document_number);
    if (nlen == 0)
        return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                "the document number is required");

    /* The optional data field, after a long number's continuation. */
    int optw = fmt == UBUR_MRZ_TD1    ? 15
               : fmt == UBUR_MRZ_TD2  ? 7
               : fmt == UBUR_MRZ_TD3  ? 14
               : fmt == UBUR_MRZ_MRVA ? 16
                                      : 8;
    char opt[20];
    int olen;
    int cont = nlen > 9 ? nlen - 9 + 1 : 0; /* continued characters and their check digit */
    if (cont && fmt != UBUR_MRZ_TD1 && fmt != UBUR_MRZ_TD2)
        return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                "'%s' has %d characters: %s allows 9", f->document_number, nlen,
                                ubur_mrz_format_name(fmt));
    int avail = optw - cont - (cont && cont < optw ? 1 : 0);
    if (avail < 0)
        return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                "'%s' has %d characters: %s allows at most %d", f->document_number,
                                nlen, ubur_mrz_format_name(fmt), 9 + optw - 1);
    if ((olen = field_text(f->optional_data, opt, avail, "optional_data", false, err)) < 0) {
        if (cont && err && strstr(err->message, "longer"))
            snprintf(err->message, sizeof(err->message),
                     "'%s' does not fit beside the long document number (%d characters left)",
                     f->optional_data, avail);
        return olen;
    }
    char optfield[20];
    memset(optfield, '<', sizeof(optfield));
    char numfield[10], numcd;
    memset(numfield, '<', sizeof(numfield));
    memcpy(numfield, number, (size_t)(nlen < 9 ? nlen : 9));
    if (cont) {
        memcpy(optfield, number + 9, (size_t)(nlen - 9));
        optfield[nlen - 9] = digit(number, (size_t)nlen);
        memcpy(optfield + cont + (cont < optw ? 1 : 0), opt, (size_t)avail);
        numcd = '<';
    } else {
        memcpy(optfield, opt, (size_t)optw);
        numcd = digit(numfield, 9);
    }
    (void)olen;

    char name[64];
    int namew = fmt == UBUR_MRZ_TD1 ? 30 : (fmt == UBUR_MRZ_TD2 || fmt == UBUR_MRZ_MRVB) ? 31 : 39;
    if ((rc = ubur_mrz_name_field(f->surname, f->given_names, namew, name, err)) < 0)
        return rc;

    char opt2[11];
    if (fmt == UBUR_MRZ_TD1) {
        if ((rc = field_text(f->optional_data_2, opt2, 11, "optional_data_2", false, err)) < 0)
            return rc;
    } else if (f->optional_data_2 && *f->optional_data_2) {
        return ubur_error_field(err, UBUR_EINVAL, "optional_data_2",
                                "only TD1 has a second optional data field");
    }

    out->width = width;
    out->n = ubur_mrz_format_lines(fmt);
    char *l1 = out->line[0], *l2 = out->line[1], *l3 = out->line[2];
    memset(out->line, '<', sizeof(out->line));
    for (int i = 0; i < 3; i++)
        out->line[i][i < out->n ? width : 0] = '\0';
    memcpy(l1, code, 2);
    memcpy(l1 + 2, state, 3);

    if (fmt == UBUR_MRZ_TD1) {
        memcpy(l1 + 5, numfield, 9);
        l1[14] = numcd;
        memcpy(l1 + 15, optfield, 15);
        memcpy(l2, birth, 6);
        l2[6] = digit(birth, 6);
        l2[7] = sex;
        memcpy(l2 + 8, expiry, 6);
        l2[14] = digit(expiry, 6);
        memcpy(l2 + 15, nat, 3);
        memcpy(l2 + 18, opt2, 11);
        char comp[64];
        memcpy(comp, l1 + 5, 25);
        memcpy(comp + 25, l2, 7);
        memcpy(comp + 32, l2 + 8, 7);
        memcpy(comp + 39, l2 + 18, 11);
        l2[29] = digit(comp, 50);
        memcpy(l3, name, 30);
        return 0;
    }

    memcpy(l1 + 5, name, (size_t)namew);
    memcpy(l2, numfield, 9);
    l2[9] = numcd;
    memcpy(l2 + 10, nat, 3);
    memcpy(l2 + 13, birth, 6);
    l2[19] = digit(birth, 6);
    l2[20] = sex;
    memcpy(l2 + 21, expiry, 6);
    l2[27] = digit(expiry, 6);
    memcpy(l2 + 28, optfield, (size_t)optw);
    if (fmt == UBUR_MRZ_TD3) {
        bool empty = true;
        for (int i = 0; i < 14; i++)
            empty = empty && optfield[i] == '<';
        l2[42] = empty ? '<' : digit(optfield, 14);
    }
    if (fmt == UBUR_MRZ_TD2 || fmt == UBUR_MRZ_TD3) {
        char comp[64];
        int last = width - 1;
        memcpy(comp, l2, 10);
        memcpy(comp + 10, l2 + 13, 7);
        memcpy(comp + 17, l2 + 21, (size_t)(last - 21));
        l2[last] = digit(comp, (size_t)(17 + last - 21));
    }
    return 0;
}

size_t
ubur_mrz_lines_join(const struct ubur_mrz_lines *l, char *out, size_t outsz)
{
    size_t n = 0;
    if (outsz == 0)
        return 0;
    out[0] = '\0';
    for (int i = 0; i < l->n; i++) {
        int w = snprintf(out + n, outsz - n, "%s%s", i ? "\n" : "", l->line[i]);
        if (w < 0 || (size_t)w >= outsz - n)
            return n;
        n += (size_t)w;
    }
    return n;
}
