/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name engine (include/ubur/names.h; design in docs/internals/names.md).
 * Folding uses ICU (NFKC_Casefold, NFD to strip marks, Any-Latin for scripts
 * other than Latin and Arabic); structure and sound are hand-written rules
 * over the folded tokens. Invariants: every output string is bounded by the
 * fixed sizes in names.h (long input is cut, never overflows); every score is
 * in [0,1]; comparisons are symmetric. The ICU transliterator is shared
 * behind a mutex: it is needed only for scripts other than Latin and Arabic.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "ubur/names.h"
#include "ubur/util.h"
#include "ubur/banned.h"

#define MAX_TOKENS 32
#define MAX_U16 (UBUR_NAME_MAX_BYTES * 2 + 16)

/* ---------------------------------------------------------------- folding */

static pthread_mutex_t translit_lock = PTHREAD_MUTEX_INITIALIZER;
static UTransliterator *translit;
static bool translit_failed;

/* Transliterates scripts other than Arabic to Latin, in place (ICU). */
static int32_t
any_latin(UChar *buf, int32_t len, int32_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    pthread_mutex_lock(&translit_lock);
    if (!translit && !translit_failed) {
        static const char id[] = "[:^Arabic:] Any-Latin; Latin-ASCII";
        UChar uid[64];
        u_uastrcpy(uid, id);
        translit = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
        if (U_FAILURE(st)) {
            translit = NULL;
            translit_failed = true;
        }
        st = U_ZERO_ERROR;
    }
    if (translit) {
        int32_t limit = len;
        utrans_transUChars(translit, buf, &len, cap, 0, &limit, &st);
        if (U_FAILURE(st))
            len = -1;
    }
    pthread_mutex_unlock(&translit_lock);
    return len;
}

static bool
is_arabic_cp(UChar32 c)
{
    return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
           (c >= 0x08A0 && c <= 0x08FF);
}

/* Latin letters NFD does not decompose. */
static const char *
latin_special(UChar32 c)
{
    switch (c) {
    case 0x00F8:
        return "o"; /* ø */
    case 0x0142:
        return "l"; /* ł */
    case 0x0111:
        return "d"; /* đ */
    case 0x00E6:
        return "ae"; /* æ */
    case 0x0153:
        return "oe"; /* œ */
    case 0x00FE:
        return "th"; /* þ */
    case 0x00F0:
        return "d"; /* ð */
    case 0x0131:
        return "i"; /* dotless i */
    case 0x0127:
        return "h"; /* ħ */
    case 0x02BF:
    case 0x02BE:
    case 0x2018:
    case 0x2019:
    case 0x0060:
    case 0x00B4:
    case 0x02BB:
    case 0x02BC:
    case 0x0027:
        return ""; /* ʿ ʾ ' ’: ayn and hamza marks inside Latin words */
    default:
        return NULL;
    }
}

/*
 * Maps an Arabic-script code point (after NFD and mark removal) to the
 * internal Arabic form: Persian/Urdu variants to their Arabic letters,
 * tatweel and digits to nothing. Returns 0 to drop, -1 for a separator.
 * Keeps taa marbuta and alef maqsura distinct (they carry sound); the
 * public fold unifies them afterwards.
 */
static UChar32
arabic_internal(UChar32 c)
{
    switch (c) {
    case 0x0640:
        return 0; /* tatweel */
    case 0x0671:
        return 0x0627; /* alef wasla */
    case 0x06A9:
    case 0x06AA:
        return 0x0643; /* keheh -> kaf */
    case 0x06CC:
    case 0x06D0:
    case 0x06D2:
    case 0x06CD:
        return 0x064A; /* Farsi yeh etc. */
    case 0x06C0:
    case 0x06C1:
    case 0x06C2:
    case 0x06BE:
        return 0x0647; /* heh forms */
    case 0x06C3:
        return 0x0629;
    case 0x0621:
        return 0; /* lone hamza */
    case 0x060C:
    case 0x061B:
    case 0x061F:
    case 0x066B:
    case 0x066C:
    case 0x066D:
    case 0x06D4:
        return -1; /* Arabic punctuation */
    default:
        break;
    }
    if (c >= 0x0660 && c <= 0x0669)
        return 0; /* digits */
    if (c >= 0x06F0 && c <= 0x06F9)
        return 0;
    if (c >= 0x0610 && c <= 0x061A)
        return 0; /* honorific signs */
    return c;
}

static int
fold_internal(const char *in, char *out, size_t cap, bool unify, struct ubur_error *err)
{
    UChar a[MAX_U16], b[MAX_U16];
    int32_t alen = 0, blen = 0;
    UErrorCode st = U_ZERO_ERROR;
    size_t inlen = strlen(in);

    if (cap == 0)
        return ubur_error_set(err, UBUR_EINTERNAL, "no room to fold a name");
    out[0] = '\0';
    if (inlen > UBUR_NAME_MAX_BYTES)
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "name is longer than %d bytes",
                                UBUR_NAME_MAX_BYTES);
    if (!ubur_utf8_valid(in, inlen))
        return ubur_error_field(err, UBUR_EINVAL, "name", "name is not valid UTF-8 text");

    /* ASCII needs no Unicode machinery: lowercase, letters kept, the rest a space. */
    bool ascii = true;
    for (size_t i = 0; i < inlen && ascii; i++)
        ascii = (unsigned char)in[i] < 0x80;
    if (ascii) {
        size_t o = 0;
        bool space = true;
        for (size_t i = 0; i < inlen && o + 2 < cap; i++) {
            char c = in[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            if (c >= 'a' && c <= 'z') {
                out[o++] = c;
                space = false;
            } else if (c == '\'' || c == '`' || (c >= '0' && c <= '9')) {
                continue;
            } else if (!space) {
                out[o++] = ' ';
                space = true;
            }
        }
        while (o > 0 && out[o - 1] == ' ')
            o--;
        out[o] = '\0';
        return 0;
    }
    u_strFromUTF8(a, MAX_U16, &alen, in, (int32_t)inlen, &st);
    if (U_FAILURE(st))
        return ubur_error_field(err, UBUR_EINVAL, "name", "name is not valid UTF-8 text");
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&st);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st))
        return ubur_error_set(err, UBUR_EINTERNAL, "icu normalizer unavailable: %s",
                              u_errorName(st));
    blen = unorm2_normalize(nfkc, a, alen, b, MAX_U16, &st);
    if (U_FAILURE(st))
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "name too long after normalisation");

    /* Other scripts (Cyrillic, Greek, CJK...) go to Latin through ICU. */
    bool other = false;
    for (int32_t i = 0; i < blen; i++) {
        UChar32 c = b[i];
        if (c >= 0x80 && !is_arabic_cp(c) && u_isalpha(c) &&
            uscript_getScript(c, &st) != USCRIPT_LATIN) {
            other = true;
            break;
        }
    }
    if (other) {
        int32_t n = any_latin(b, blen, MAX_U16 - 1);
        if (n >= 0)
            blen = n;
        st = U_ZERO_ERROR;
        blen = unorm2_normalize(nfkc, b, blen, a, MAX_U16, &st);
        if (U_FAILURE(st))
            return ubur_error_field(err, UBUR_ETOOBIG, "name", "name too long");
        memcpy(b, a, (size_t)blen * sizeof(UChar));
    }
    alen = unorm2_normalize(nfd, b, blen, a, MAX_U16, &st);
    if (U_FAILURE(st))
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "name too long after normalisation");

    /* Walk code points: drop marks, map Arabic, punctuation to one space. */
    size_t o = 0;
    bool space = true; /* suppress leading and repeated spaces */
    int32_t i = 0;
    while (i < alen) {
        UChar32 c;
        U16_NEXT(a, i, alen, c);
        int8_t cat = (int8_t)u_charType(c);
        if (cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK || cat == U_FORMAT_CHAR)
            continue;
        const char *lit = NULL;
        char tmp[8];
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z')) {
                tmp[0] = (char)c;
                tmp[1] = '\0';
                lit = tmp;
            } else if (c == '\'' || c == '`') {
                lit = "";
            } else if (c >= '0' && c <= '9') {
                lit = ""; /* digits are not part of names */
            } else {
                lit = " ";
            }
        } else if ((lit = latin_special(c)) != NULL) {
            /* mapped */
        } else if (is_arabic_cp(c)) {
            UChar32 m = arabic_internal(c);
            if (m == 0)
                continue;
            if (m < 0) {
                lit = " ";
            } else {
                if (unify) {
                    if (m == 0x0629)
                        m = 0x0647; /* taa marbuta -> heh */
                    else if (m == 0x0649)
                        m = 0x064A; /* alef maqsura -> yeh */
                }
                int32_t k = 0;
                UBool bad = false;
                U8_APPEND((uint8_t *)tmp, k, (int32_t)sizeof(tmp), m, bad);
                (void)bad;
                tmp[k] = '\0';
                lit = tmp;
            }
        } else if (u_isalpha(c)) {
            /* A letter ICU did not turn into ASCII: keep it so it still matches itself. */
            int32_t k = 0;
            UBool bad = false;
            U8_APPEND((uint8_t *)tmp, k, (int32_t)sizeof(tmp), c, bad);
            (void)bad;
            tmp[k] = '\0';
            lit = tmp;
        } else {
            lit = " ";
        }
        if (lit[0] == ' ') {
            if (space)
                continue;
            space = true;
        } else if (lit[0]) {
            space = false;
        }
        size_t l = strlen(lit);
        if (o + l + 1 > cap)
            break;
        memcpy(out + o, lit, l);
        o += l;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return 0;
}

int
ubur_name_fold(const char *in, char *out, size_t cap, struct ubur_error *err)
{
    return fold_internal(in, out, cap, true, err);
}

/* ------------------------------------------------------- Arabic letters */

struct arabic_letter {
    UChar32 cp;
    char phon;         /* class in the phonetic alphabet; 0 = silent */
    const char *latin; /* readable transliteration */
    const char *icao;  /* ICAO 9303 X-scheme */
};

/* One table for the three uses, so they cannot drift apart. */
static const struct arabic_letter arabic_letters[] = {
    {0x0627, 'A', "a", "A"},    {0x0628, 'B', "b", "B"},   {0x062A, 'T', "t", "T"},
    {0x062B, 'T', "th", "XTH"}, {0x062C, 'J', "j", "J"},   {0x062D, 'H', "h", "XH"},
    {0x062E, 'K', "kh", "XKH"}, {0x062F, 'D', "d", "D"},   {0x0630, 'C', "dh", "XDH"},
    {0x0631, 'R', "r", "R"},    {0x0632, 'Z', "z", "Z"},   {0x0633, 'S', "s", "S"},
    {0x0634, 'X', "sh", "XSH"}, {0x0635, 'S', "s", "XSS"}, {0x0636, 'Q', "d", "XDZ"},
    {0x0637, 'T', "t", "XTT"},  {0x0638, 'V', "z", "XZZ"}, {0x0639, 0, "'", "E"},
    {0x063A, 'J', "gh", "XG"},  {0x0641, 'F', "f", "F"},   {0x0642, 'K', "q", "Q"},
    {0x0643, 'K', "k", "K"},    {0x0644, 'L', "l", "L"},   {0x0645, 'M', "m", "M"},
    {0x0646, 'N', "n", "N"},    {0x0647, 'H', "h", "H"},   {0x0648, 'W', "w", "W"},
    {0x064A, 'Y', "y", "Y"},    {0x0649, 'A', "a", "XAY"}, {0x0629, 0, "a", "XTA"},
    {0x0621, 0, "'", "XE"},     {0x067E, 'B', "p", "P"},   {0x0686, 'X', "ch", "XC"},
    {0x06AF, 'J', "g", "XGG"},  {0x0698, 'J', "zh", "XJ"}, {0x06A4, 'F', "v", "XV"},
    {0x0623, 'A', "a", "XAE"},  {0x0625, 'A', "i", "I"},   {0x0622, 'A', "a", "XAA"},
    {0x0624, 'W', "u", "U"},    {0x0626, 'Y', "i", "XI"},
};

static const struct arabic_letter *
arabic_letter(UChar32 c)
{
    for (size_t i = 0; i < sizeof(arabic_letters) / sizeof(arabic_letters[0]); i++)
        if (arabic_letters[i].cp == c)
            return &arabic_letters[i];
    return NULL;
}

int
ubur_name_icao(const char *in, char *out, size_t cap, struct ubur_error *err)
{
    char folded[UBUR_NAME_MAX_BYTES * 2];
    size_t o = 0;
    int rc;

    /* ICAO keeps hamza seats, so fold without NFD mark stripping of Arabic:
     * use NFKC only and walk code points ourselves. */
    size_t inlen = strlen(in);
    if (inlen > UBUR_NAME_MAX_BYTES)
        return ubur_error_field(err, UBUR_ETOOBIG, "name", "name is longer than %d bytes",
                                UBUR_NAME_MAX_BYTES);
    if (!ubur_utf8_valid(in, inlen))
        return ubur_error_field(err, UBUR_EINVAL, "name", "name is not valid UTF-8 text");
    UChar a[MAX_U16], b[MAX_U16];
    int32_t alen = 0, blen;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(a, MAX_U16, &alen, in, (int32_t)inlen, &st);
    const UNormalizer2 *nfc = unorm2_getNFKCInstance(&st);
    blen = unorm2_normalize(nfc, a, alen, b, MAX_U16, &st);
    if (U_FAILURE(st))
        return ubur_error_field(err, UBUR_EINVAL, "name", "cannot normalise name");
    (void)folded;
    (void)rc;
    int32_t i = 0;
    while (i < blen) {
        UChar32 c;
        U16_NEXT(b, i, blen, c);
        const char *lit = NULL;
        char tmp[2] = {0, 0};
        if (c == ' ' || c == '-' || c == 0x060C) {
            lit = "<";
        } else if (c < 0x80 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            tmp[0] = (char)(c >= 'a' ? c - 32 : c);
            lit = tmp;
        } else {
            const struct arabic_letter *l = arabic_letter(c);
            if (l) {
                /* taa marbuta ending a name component is XAH (Doc 9303-3 App. B) */
                if (c == 0x0629) {
                    bool end = i >= blen || b[i] == ' ' || b[i] == '-';
                    lit = end ? "XAH" : "XTA";
                } else {
                    lit = l->icao;
                }
            } else {
                continue; /* harakat, tatweel, punctuation */
            }
        }
        size_t l = strlen(lit);
        if (lit[0] == '<' && (o == 0 || out[o - 1] == '<'))
            continue;
        if (o + l + 1 > cap)
            return ubur_error_set(err, UBUR_ETOOBIG, "transliteration longer than %zu bytes", cap);
        memcpy(out + o, lit, l);
        o += l;
    }
    while (o > 0 && out[o - 1] == '<')
        o--;
    out[o] = '\0';
    return 0;
}

/* ------------------------------------------------------------ phonetics */

/*
 * Symbols of Latin phonetic forms beyond consonants and vowels. A vowel after a
 * consonant written twice (a shadda: Mohammed, Hammadi, Husseini) is *kept*: it
 * sounds as the vowel (Mohamed is Mohammed) but no spelling of the same name drops
 * it, since the long consonant needs a syllable after it (Hammadi حمادي and Hamdi
 * حمدي, Ammar عمار and Amr عمرو, Husseini حسيني and Hosni حسني are two names).
 * latin_phon marks the doubling with GEMINATE while it works, then writes the
 * vowel after it as its kept form (the digits 1-9 for a e i u A W Y E O:
 * kept_vowel), so forms grow no longer for it. ELIDED stands for the short vowel
 * Maghrebi spelling drops between two initial consonants (Mhamed). None of them
 * is in skeletons.
 */
#define GEMINATE '_'
#define ELIDED '@'
static const char kept_from[] = "aeiuAWYEO", kept_to[] = "123456789";

/* The kept form of vowel v (v itself when not a vowel). */
static char
kept_vowel(char v)
{
    const char *p = v ? strchr(kept_from, v) : NULL;
    return p ? kept_to[p - kept_from] : v;
}

/* The vowel a kept form stands for (c itself otherwise). */
static char
plain_sym(char c)
{
    return c >= '1' && c <= '9' ? kept_from[c - '1'] : c;
}

static bool
lvowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static void
phon_push(char *out, size_t *o, char c)
{
    if (*o > 0 && out[*o - 1] == c)
        return; /* doubled letters and shadda: one sound */
    if (*o + 1 < UBUR_NAME_PHON)
        out[(*o)++] = c;
}

/*
 * Phonetic form of a folded Latin token. Consonants map to classes that
 * transliterations of one Arabic letter share (q/k/c/ck -> K, g/j/dj -> J,
 * sh -> X, th -> T, ph -> F, p -> B; dh, gh, ch and v have a symbol each, see
 * emphatic_class). A single vowel is a
 * short vowel (a -> a, i -> i, o/u -> u, and e -> e, which Latin writes for
 * a fatha as often as for a kasra: Ahmed, Mohamed; Essam, Reza, Adel; so e is
 * half way between a and i); a run of two (ou, ee, ei, ai, aa) is long (W, Y,
 * A), like the Arabic letters waw, yeh and alef, but u, o or i before an a is
 * two syllables (Muath, Ziad), and French "eu" is e (Naceur).
 * w/y before a vowel are consonants; after one, part of the vowel. A final
 * h after a vowel is silent (Fatimah = Fatima, Abdallah = Abdalla).
 */
static void
latin_phon(const char *s, char *out)
{
    size_t n = strlen(s), o = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
        bool initial = i == 0;
        /* w and y: consonant at the start or before a vowel */
        if ((c == 'w' || c == 'y') && (initial || (d && lvowel(d) && d != 'y'))) {
            phon_push(out, &o, c == 'w' ? 'W' : 'Y');
            i++;
            continue;
        }
        if (initial && c == 'o' && d == 'u' && n > 2 && !lvowel(s[2]) && s[2] != 'w') {
            /* initial "ou" before a consonant is French spelling of u: Oumar (عمر),
             * Ousmane (عثمان), Oussama (أسامة) */
            phon_push(out, &o, 'u');
            i = 2;
            continue;
        }
        if (lvowel(c) || c == 'w') {
            size_t j = i;
            bool hi = false, hu = false, ha = false;
            while (j < n && (lvowel(s[j]) || s[j] == 'w')) {
                /* a y or w followed by a vowel starts the next syllable */
                if (j > i && (s[j] == 'y' || s[j] == 'w') && j + 1 < n && lvowel(s[j + 1]) &&
                    s[j + 1] != 'y')
                    break;
                /* u, o or i before an a is two syllables, an ayn or hamza or a glide
                 * between them (Muath معاذ, Fuad فؤاد, Ziad زياد, Safia صفية): not one
                 * long vowel */
                if (j > i && s[j] == 'a' && strchr("uoi", s[j - 1]))
                    break;
                char v = s[j];
                if (v == 'i' || v == 'y' || (v == 'e' && j > i))
                    hi = true; /* "ae", "aee": a hamza or ayn and a long i (Ismael, Saeed) */
                else if (v == 'o' || v == 'u' || v == 'w')
                    hu = true;
                else
                    ha = true;
                j++;
            }
            size_t run = j - i;
            char v;
            if (run >= 2) {
                /* "ee", "ie", "ei", "ai", "ay": long i; "ou", "oo", "aw": long u */
                if (s[i] == 'e' && s[i + 1] == 'e')
                    v = 'Y';
                else if (run == 2 && s[i] == 'e' && s[i + 1] == 'u')
                    v = 'e'; /* French "eu" is a short vowel: Naceur = Nasser */
                else if (hi)
                    v = 'Y';
                else if (hu)
                    v = 'W';
                else
                    v = 'A';
            } else {
                char x = s[i];
                v = x == 'a' ? 'a' : x == 'e' ? 'e' : (x == 'i' || x == 'y') ? 'i' : 'u';
                (void)ha;
            }
            bool after_consonant = o > 0 && !strchr("aeiuAWYEO", out[o - 1]);
            if (j == n && after_consonant && run == 1 && s[i] == 'e' && n >= 4 && s[i - 1] == 'n') {
                /* a final e after n is French spelling: Ramdane, Ousmane, Amine; after
                 * another consonant it is a vowel, the feminine ending as Levantine and
                 * Turkish spelling write it (Rahme = Rahma, Safiye) */
                i = j;
                continue;
            }
            /* A final long i after a consonant is the nisba ending, a letter in Arabic:
             * Jafar and Jafari, Muhammad and Muhammadi are different names. */
            if (j == n && after_consonant && (v == 'Y' || v == 'i'))
                v = 'E';
            /* A final a (or ah) is the feminine ending, taa marbuta, or a final alef:
             * Latin never drops it, and Hammoud and Hammouda, Jamil and Jamila are two
             * names. */
            if ((j == n || (j + 1 == n && s[j] == 'h')) && run == 1 && s[i] == 'a' && o > 0)
                v = 'O';
            /* A name never begins with a consonant y or w before a consonant: an initial
             * "ai", "ei", "ay", "aw" there is a vowel and a long vowel, the hamza or ayn
             * before them unwritten (Aisha عائشة, Ayesha; Eisa عيسى; Ayman أيمن; Awni عوني),
             * so the y or w does not begin the skeleton, as in Arabic script. */
            if (i == 0 && run >= 2 && (v == 'Y' || v == 'W') && j < n && !lvowel(s[j]) &&
                s[j] != 'w')
                phon_push(out, &o, s[i] == 'a' ? 'a' : ELIDED);
            /* Before a vowel, an initial "aou" is a and the consonant w, as French
             * spelling writes it inside a name too (Aouad, Aouatef عواطف; Merouane) */
            else if (i == 0 && run >= 2 && s[i] == 'a' && v == 'W' && j < n && lvowel(s[j]))
                phon_push(out, &o, 'a');
            /* A vowel run ending in a doubled w or y before a vowel is a vowel and the glide
             * with a shadda (Awwad عواد, Ayyad عياد, Sayyid سيد) */
            if (run >= 2 && j + 1 < n && (s[j - 1] == 'w' || s[j - 1] == 'y') && s[j] == s[j - 1] &&
                lvowel(s[j + 1]) && s[j + 1] != 'y') {
                char x = s[i];
                if (run == 2)
                    phon_push(out, &o,
                              x == 'a'                 ? 'a'
                              : x == 'e'               ? 'e'
                              : (x == 'i' || x == 'y') ? 'i'
                                                       : 'u');
                else
                    phon_push(out, &o, v);
                phon_push(out, &o, s[j] == 'w' ? 'W' : 'Y');
                phon_push(out, &o, GEMINATE);
                i = j + 1;
                continue;
            }
            phon_push(out, &o, v);
            i = j;
            continue;
        }
        char cls = 0;
        size_t adv = 1;
        if (c == 's' && d == 'c' && i + 2 < n && s[i + 2] == 'h') {
            cls = 'X';
            adv = 3;
        } else if (d == 'h' && (c == 'k' || c == 'g' || c == 's' || c == 'c' || c == 't' ||
                                c == 'd' || c == 'p' || c == 'z')) {
            cls = c == 'k'   ? 'K'
                  : c == 'g' ? 'G' /* غ, or ق as Persian says it (Sadegh) */
                  : c == 's' ? 'X'
                  : c == 'c' ? 'U' /* ش in French, خ ح in German and Hebrew */
                  : c == 't' ? 'T'
                  : c == 'd' ? 'C' /* ذ ظ ض, never د: near z too */
                  : c == 'p' ? 'F'
                             : 'J';
            adv = 2;
        } else if (c == 'c' && d == 'k') {
            cls = 'K';
            adv = 2;
        } else if (c == 'd' && d == 'j') {
            cls = 'J';
            adv = 2;
        } else {
            switch (c) {
            case 'b':
            case 'p':
                cls = 'B';
                break;
            case 't':
                cls = 'T';
                break;
            case 'd':
                cls = 'D';
                break;
            case 'j':
            case 'g':
                cls = 'J';
                break;
            case 'h':
                /* final h after a vowel is silent */
                if (i + 1 == n && o > 0 && strchr("aeiuAWYEO", out[o - 1]))
                    cls = 0;
                else
                    cls = 'H';
                break;
            case 'k':
            case 'q':
                cls = 'K';
                break;
            case 'c':
                cls = (d == 'e' || d == 'i' || d == 'y') ? 'S' : 'K';
                break;
            case 's':
                cls = 'S';
                break;
            case 'z':
                cls = 'Z';
                break;
            case 'f':
                cls = 'F';
                break;
            case 'v':
                cls = 'P'; /* ف, or و as Persian and Turkish say it: Vahid = وحيد */
                break;
            case 'l':
                cls = 'L';
                break;
            case 'm':
                cls = 'M';
                break;
            case 'n':
                cls = 'N';
                break;
            case 'r':
                cls = 'R';
                break;
            case 'x':
                phon_push(out, &o, 'K');
                cls = 'S';
                break;
            default:
                cls = 0;
                break;
            }
        }
        if (cls && adv == 1 && i > 0 && s[i - 1] == c && c != 'h' && d && lvowel(d) && o > 0 &&
            out[o - 1] == cls) {
            /* A doubled consonant before a vowel: a shadda, written (Mohammed) or not
             * (Mohamed). The vowel after it is never dropped (GEMINATE, below). */
            phon_push(out, &o, GEMINATE);
            i += adv;
            continue;
        }
        if (cls)
            phon_push(out, &o, cls);
        if (cls && i == 0 && adv == 1 && n > 2 && c != 's' && c != 'x' && d &&
            strchr("bcdfghjkmnpqstvz", d) && !(d == 'h' && strchr("kgsctdpz", c))) {
            /* Arabic names never begin with two consonants: Maghrebi spelling drops the
             * first short vowel (M'hamed, Mhamed = Muhammad, Mbarek = Mubarak, Hmida,
             * Mshari): an elided vowel. Not before r or l, nor after s (Brahim, Fred,
             * Stephan: European onsets). */
            phon_push(out, &o, ELIDED);
        }
        i += adv;
    }
    /* each GEMINATE gives its place to the kept form of the vowel after it */
    size_t w = 0;
    for (size_t r = 0; r < o; r++) {
        if (out[r] == GEMINATE) {
            if (r + 1 < o)
                out[r + 1] = kept_vowel(out[r + 1]);
            continue;
        }
        out[w++] = out[r];
    }
    out[w] = '\0';
}

/* Decodes one UTF-8 code point; returns its length (1 on bad bytes). */
static int
utf8_next(const char *s, UChar32 *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xe0) == 0xc0 && u[1]) {
        *cp = ((u[0] & 0x1f) << 6) | (u[1] & 0x3f);
        return 2;
    }
    if ((u[0] & 0xf0) == 0xe0 && u[1] && u[2]) {
        *cp = ((u[0] & 0x0f) << 12) | ((u[1] & 0x3f) << 6) | (u[2] & 0x3f);
        return 3;
    }
    if ((u[0] & 0xf8) == 0xf0 && u[1] && u[2] && u[3]) {
        *cp = ((u[0] & 0x07) << 18) | ((u[1] & 0x3f) << 12) | ((u[2] & 0x3f) << 6) | (u[3] & 0x3f);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

static int
utf8_count(const char *s)
{
    int n = 0;
    UChar32 c;
    while (*s) {
        s += utf8_next(s, &c);
        n++;
    }
    return n;
}

/* The first code point of s. */
static UChar32
utf8_first(const char *s)
{
    UChar32 c = 0;
    if (*s)
        utf8_next(s, &c);
    return c;
}

/*
 * Phonetic form and readable text of an Arabic token. Short vowels are not
 * written, so the form is consonants plus A/W/Y for alef, waw and yeh.
 * Ayn and hamza are silent (Latin writes them as ' or not at all); a final
 * taa marbuta is silent; a final heh after two letters is silent (Allah,
 * Abdullah spelt with or without the h).
 */
static void
arabic_phon(const char *s, char *phon, char *text, size_t textcap)
{
    size_t o = 0, t = 0;
    int n = utf8_count(s), k = 0;
    while (*s) {
        UChar32 c;
        s += utf8_next(s, &c);
        k++;
        const struct arabic_letter *l = arabic_letter(c);
        if (!l)
            continue;
        char p = l->phon;
        if (c == 0x0647 && k == n && n >= 2)
            p = 0;
        if (c == 0x0629)
            p = k == n ? 'O' : 0; /* the feminine ending, as Latin writes its final a */
        if (c == 0x0639 && k == 1 && (*s == '\xd9' || *s == '\xdb')) {
            /* An initial ayn before waw or yeh is a vowel in Latin (Awad, Isa, Eid for
             * عوض عيسى عيد): the waw or yeh then does not begin the name's consonants. */
            UChar32 nx;
            utf8_next(s, &nx);
            if (nx == 0x0648 || nx == 0x064A)
                p = 'a';
        }
        /* a final yeh after a consonant: the nisba ending (see latin_phon) */
        if (c == 0x064A && k == n && n >= 3 && o > 0 && !strchr("AWYEO", phon[o - 1]))
            p = 'E';
        /* Two written consonants are two sounds, a vowel unwritten between them (ممدوح,
         * Mamduh): a doubled consonant is one letter with a shadda, and harakat are gone. */
        if (p && !strchr("AWYEO", p) && o + 1 < UBUR_NAME_PHON)
            phon[o++] = p;
        else if (p)
            phon_push(phon, &o, p);
        size_t ll = strlen(l->latin);
        if (t + ll + 1 < textcap) {
            memcpy(text + t, l->latin, ll);
            t += ll;
        }
    }
    phon[o] = '\0';
    text[t] = '\0';
}

/*
 * ذ ض ظ have a symbol each in phonetic forms (C, Q, V) and the class of their Arabic
 * sound in skeletons (D, D, Z): Persian, Urdu, Pashto and Turkish say all three as z
 * (Nazir نذير, Ramazan رمضان, Fazlullah فضل الله, Zahir ظاهر), and Latin spellings follow
 * either reading (Ramadan, Dhahir, Dahir), so each is close to both d and z.
 * Latin letters with two readings have a symbol of their own too, in the skeleton class
 * of the first: gh (G: غ, or ق in Persian), v (P: ف, or و in Persian and Turkish) and
 * ch (U: ش in French spelling, خ or ح in German, Dutch and Hebrew).
 */
static char
emphatic_class(char c)
{
    switch (c) {
    case 'C':
    case 'Q':
        return 'D';
    case 'V':
        return 'Z';
    case 'G':
        return 'J';
    case 'P':
        return 'F';
    case 'U':
        return 'X';
    default:
        return c;
    }
}

/*
 * Skeleton: consonant classes only; W/Y count only at the start. The same
 * consonant twice with a vowel between stays twice (Mahmood without its h,
 * "Mamood", is MMD: one consonant from MHMD, where merging the two M would
 * put it two away); a doubled letter is one already in the phonetic form.
 */
static void
skeleton(const char *phon, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; phon[i]; i++) {
        char c = emphatic_class(phon[i]);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'u' || c == 'A' || c == 'E' || c == 'O' ||
            c == ELIDED || (c >= '1' && c <= '9'))
            continue;
        if ((c == 'W' || c == 'Y') && i > 0)
            continue;
        if (o + 1 < cap)
            out[o++] = c;
    }
    if (o == 0 && phon[0]) {
        /* a name of vowels only ("Aya", "Eya"): key on the phonetic form */
        out[o++] = '~';
        for (size_t i = 0; phon[i] && o + 1 < cap && i < 4; i++)
            out[o++] = phon[i];
    }
    out[o] = '\0';
}

/* ----------------------------------------------------- weighted distance */

static bool
short_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'u';
}

static bool
long_vowel(char c)
{
    return c == 'A' || c == 'W' || c == 'Y' || c == 'E';
}

/* Deleting or inserting one symbol. `cross`: comparing with Arabic script. */
static double
indel_cost(char c, bool cross)
{
    c = plain_sym(c); /* a kept vowel weighs as the vowel */
    if (c == ELIDED)
        return 0.1;
    if (short_vowel(c))
        return cross ? 0.1 : 0.35;
    if (c == 'O') /* the feminine ending: another name, but Arabic script may leave it */
        return cross ? 0.1 : 0.8;
    if (c == 'A')
        return 0.35;
    if (c == 'W' || c == 'Y')
        return 0.45;
    if (c == 'E')
        return 0.8; /* the nisba ending makes another name */
    if (c == 'H')
        return 0.6;
    return 1.0;
}

static bool
close_pair(char a, char b)
{
    static const char *pairs[] = {"TD", "SX", "SZ", "ZD", "TS", "KJ", "KH",
                                  "DT", "XS", "ZS", "DZ", "ST", "JK", "HK"};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (pairs[i][0] == a && pairs[i][1] == b)
            return true;
    return false;
}

static double
sub_cost(char a, char b)
{
    a = plain_sym(a), b = plain_sym(b); /* a kept vowel sounds as the vowel */
    if (a == b)
        return 0;
    if (a == ELIDED || b == ELIDED) {
        char o = a == ELIDED ? b : a;
        return short_vowel(o) ? 0.05 : o == 'A' || o == 'W' || o == 'Y' ? 0.2 : 1.0;
    }
    if (a == 'O' || b == 'O') {
        /* the feminine ending: Latin final a or alef (Rida = رضا), Persian final e
         * (Fatemeh), a t where Persian and Turkish write it (Ismat = عصمة) */
        char o = a == 'O' ? b : a;
        if (o == 'a' || o == 'A')
            return 0.05;
        if (o == 'e')
            return 0.15;
        if (o == 'T')
            return 0.45;
        if (o == 'E')
            return 0.6;
        return short_vowel(o) || long_vowel(o) ? 0.45 : 1.0;
    }
    bool ea = a != emphatic_class(a), eb = b != emphatic_class(b);
    if (ea || eb) {
        char ca = emphatic_class(a), cb = emphatic_class(b);
        if (ca == cb)
            return 0; /* ض and d, ظ and z */
        if ((ca == 'D' || ca == 'Z') && (cb == 'D' || cb == 'Z'))
            return 0.2; /* ض and z (Ramazan), ظ and d (Dahir), ذ and z (Nazir) */
        if ((ca == 'J' || ca == 'K') && (cb == 'J' || cb == 'K') && (a == 'G' || b == 'G'))
            return 0.2; /* Latin gh and ق (Sadegh صادق, Ghasem قاسم, Bagher باقر) */
        if ((a == 'P' && cb == 'W') || (b == 'P' && ca == 'W'))
            return 0.2; /* Latin v and و (Vahid, Javad) */
        if ((a == 'U' && (cb == 'H' || cb == 'K')) || (b == 'U' && (ca == 'H' || ca == 'K')))
            return 0.3; /* Latin ch and ح خ (Achmed, Chaim) */
        return sub_cost(ca, cb);
    }
    bool va = short_vowel(a) || long_vowel(a), vb = short_vowel(b) || long_vowel(b);
    if (va != vb)
        return 1.0;
    if (va) {
        if (short_vowel(a) && short_vowel(b)) {
            if (a == 'e' || b == 'e') /* between a and i: Ahmed, Mohamed; Essam, Reza */
                return a == 'a' || b == 'a' || a == 'i' || b == 'i' ? 0.15 : 0.3;
            return 0.3;
        }
        if (short_vowel(b)) { /* make a the short one */
            char t = a;
            a = b;
            b = t;
        }
        if (a == 'e')
            return b == 'A' || b == 'Y' ? 0.15 : b == 'E' ? 0.3 : 0.45;
        if (short_vowel(a)) {
            if (b == 'A')
                return a == 'a' ? 0.05 : 0.2;
            if (b == 'W')
                return a == 'u' ? 0.05 : 0.45;
            if (b == 'E')
                return a == 'i' ? 0.2 : 0.6;
            return a == 'i' ? 0.05 : 0.45; /* Y */
        }
        if ((a == 'E' && b == 'Y') || (a == 'Y' && b == 'E'))
            return 0.05;
        return 0.45; /* two different long vowels */
    }
    return close_pair(a, b) ? 0.45 : 1.0;
}

/*
 * The costs above as tables, filled once: the distance below runs for every
 * candidate unit of every search, so it must not call or search per cell.
 * Symbols outside 7-bit ASCII cannot occur in phonetic forms (they are built
 * from the phonetic alphabet only) but are mapped to 0 and cost 1 anyway.
 */
static double sub_tab[128][128];
/* The same for skeletons, where D and Z may stand for ض or ظ (emphatic_class): no more
 * than what any two phonetic forms with those skeletons can cost, so bounds hold. */
static double skel_sub_tab[128][128];
static double indel_tab[2][128]; /* [cross][symbol] */
/* What dropping a symbol costs in the distance: its weight, and VOWEL_KEPT more for a
 * kept vowel between two Latin spellings ([cross][symbol]). */
#define VOWEL_KEPT 0.65
static double drop_tab[2][128];
/* sub_tab with a Latin d and z as two readings of one letter (see DZ_READING) */
#define DZ_READING 0.3
#define DZ_WORTH 0.6 /* under UNIT_MATCH: no unit pair this far apart matches */
static double sub_tab_dz[128][128];
static pthread_once_t cost_once = PTHREAD_ONCE_INIT;

static void
cost_init(void)
{
    for (int a = 0; a < 128; a++) {
        indel_tab[0][a] = indel_cost((char)a, false);
        indel_tab[1][a] = indel_cost((char)a, true);
        drop_tab[0][a] = indel_tab[0][a] + (a >= '1' && a <= '9' ? VOWEL_KEPT : 0);
        drop_tab[1][a] = indel_tab[1][a];
        for (int b = 0; b < 128; b++)
            sub_tab[a][b] = sub_tab_dz[a][b] = skel_sub_tab[a][b] = sub_cost((char)a, (char)b);
    }
    sub_tab_dz['D']['Z'] = sub_tab_dz['Z']['D'] = DZ_READING;
    skel_sub_tab['D']['Z'] = skel_sub_tab['Z']['D'] = sub_cost('Q', 'Z');
    skel_sub_tab['J']['K'] = skel_sub_tab['K']['J'] = sub_cost('G', 'K');
    skel_sub_tab['F']['W'] = skel_sub_tab['W']['F'] = sub_cost('P', 'W');
    skel_sub_tab['X']['H'] = skel_sub_tab['H']['X'] = sub_cost('U', 'H');
    skel_sub_tab['X']['K'] = skel_sub_tab['K']['X'] = sub_cost('U', 'K');
}

/* The weighted edit distance of x (n symbols) and y (m), dropping each symbol at
 * drop[symbol], substituting at sub_of[symbol][symbol]. With `cap` >= 0, a distance over cap
 * may come back as any value over cap (HUGE_VAL): once two neighbouring rows are over it, so
 * is the distance, since costs are not negative and every alignment passes through one of
 * any two neighbouring rows (a transposition steps over one row, never two). */
static double
phon_distance(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
              const double *drop, double (*sub_of)[128], double cap)
{
    /* three rows: i-2 (transpositions), i-1, i */
    double rows[3][UBUR_NAME_PHON + 1];
    double *r2 = rows[0], *r1 = rows[1], *r0 = rows[2];
    bool prev_over = false;
    r1[0] = 0;
    for (size_t j = 1; j <= m; j++)
        r1[j] = r1[j - 1] + drop[y[j - 1]];
    for (size_t i = 1; i <= n; i++) {
        double ci = drop[x[i - 1]];
        const double *sub = sub_of[x[i - 1]];
        double row_min = r0[0] = r1[0] + ci;
        for (size_t j = 1; j <= m; j++) {
            double best = r1[j - 1] + sub[y[j - 1]];
            double del = r1[j] + ci;
            double ins = r0[j - 1] + drop[y[j - 1]];
            if (del < best)
                best = del;
            if (ins < best)
                best = ins;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                x[i - 1] != x[i - 2]) {
                double tr = r2[j - 2] + 0.6;
                if (tr < best)
                    best = tr;
            }
            r0[j] = best;
            if (best < row_min)
                row_min = best;
        }
        if (cap >= 0) {
            bool over = row_min > cap;
            if (over && prev_over)
                return HUGE_VAL;
            prev_over = over;
        }
        double *t = r2;
        r2 = r1;
        r1 = r0;
        r0 = t;
    }
    return r1[m];
}

/*
 * ubur_name_phon_similarity, computed exactly when it is at least `floor`; under it, any
 * value under floor (0 when the distance passed its cap). floor <= 0: always exact.
 */
static double
phon_similarity_floor(const char *a, const char *b, bool a_arabic, bool b_arabic, double floor)
{
    size_t n = strlen(a), m = strlen(b);
    const double *indel, *drop;
    double na = 0, nb = 0;
    unsigned char x[UBUR_NAME_PHON], y[UBUR_NAME_PHON];
    bool latin = !a_arabic && !b_arabic, xd = false, yd = false;
    int xdz = 0, ydz = 0;

    if (n == 0 || m == 0)
        return n == m ? 1.0 : 0.0;
    pthread_once(&cost_once, cost_init);
    indel = indel_tab[a_arabic != b_arabic];
    drop = drop_tab[a_arabic != b_arabic];
    if (n > UBUR_NAME_PHON)
        n = UBUR_NAME_PHON;
    if (m > UBUR_NAME_PHON)
        m = UBUR_NAME_PHON;
    for (size_t i = 0; i < n; i++) {
        x[i] = (unsigned char)a[i] & 0x7f;
        na += indel[x[i]];
        xd |= x[i] == 'D';
        xdz += x[i] == 'D' || x[i] == 'Z';
    }
    for (size_t j = 0; j < m; j++) {
        y[j] = (unsigned char)b[j] & 0x7f;
        nb += indel[y[j]];
        yd |= y[j] == 'D';
        ydz += y[j] == 'D' || y[j] == 'Z';
    }
    double norm = na > nb ? na : nb;
    /* The most the distance may be for the similarity to reach floor, and a little more
     * against rounding; the d/z reading below saves at most one close pair's cost less
     * DZ_READING (one d or z on each side: one such substitution in any alignment). */
    double cap = -1, dz_saving = sub_tab['D']['Z'] - DZ_READING;
    bool dz = latin && xdz == 1 && ydz == 1 && xd != yd;
    if (floor > 0 && norm > 0)
        cap = (1.0 - floor) * norm * (1 + 1e-9) + 1e-9 + (dz ? dz_saving : 0);
    double d = phon_distance(x, n, y, m, drop, sub_tab, cap);
    if (d == HUGE_VAL)
        return 0; /* under floor */
    if (norm <= 0)
        return 1.0;
    if (dz && 1.0 - (d - dz_saving) / norm >= DZ_WORTH)
        /* A Latin d against a Latin z may be one of ض ظ ذ read two ways (Rida, Raza; Fadl,
         * Fazal): DZ_READING instead of a close pair's cost, when each name has no other
         * d or z (a name rarely has two of those letters: Aziz and Adid stay apart). Not
         * computed when even that saving leaves the units too far apart to match (most
         * such pairs: Hamza and Ahmad), which only lowers a similarity under it. */
        d = phon_distance(x, n, y, m, drop, sub_tab_dz, cap < 0 ? -1 : cap - dz_saving);
    if (d == HUGE_VAL)
        return 0; /* under floor */
    double s = 1.0 - d / norm;
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

double
ubur_name_phon_similarity(const char *a, const char *b, bool a_arabic, bool b_arabic)
{
    return phon_similarity_floor(a, b, a_arabic, b_arabic, 0);
}

/* Whether a and b (lengths n, m) are exactly one edit apart in typo_edits' sense (one
 * letter inserted, dropped, changed, or two neighbours swapped): what is left once their
 * longest common start and end are cut off tells, without the table. */
static bool
one_edit(const char *a, size_t n, const char *b, size_t m)
{
    if ((n > m ? n - m : m - n) > 1)
        return false;
    size_t p = 0, lim = n < m ? n : m;
    while (p < lim && a[p] == b[p])
        p++;
    size_t e = 0;
    while (e < lim - p && a[n - 1 - e] == b[m - 1 - e])
        e++;
    size_t ra = n - p - e, rb = m - p - e;
    if (ra + rb == 1 || (ra == 1 && rb == 1))
        return true;
    return ra == 2 && rb == 2 && a[p] == b[p + 1] && a[p + 1] == b[p];
}

/* Edits (optimal string alignment: insert, delete, change, swap) between two strings of at
 * most TYPO_MAX letters, or 3 when more than 2. */
#define TYPO_MAX 96
static int
typo_edits(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > TYPO_MAX || m > TYPO_MAX || (n > m ? n - m : m - n) > 2)
        return 3;
    /* Without the table when the answer shows sooner (most pairs compared are different
     * names): the same strings; one edit (one_edit); or letters that differ too much for
     * two edits: each edit adds or removes at most two letters of the set of letters used,
     * a swap none, so sets differing in five letters or more are three edits apart or more. */
    if (n == m && !memcmp(a, b, n))
        return 0;
    if (one_edit(a, n, b, m))
        return 1;
    uint32_t sa = 0, sb = 0;
    for (size_t i = 0; i < n; i++)
        sa |= 1u << ((unsigned char)a[i] & 31);
    for (size_t j = 0; j < m; j++)
        sb |= 1u << ((unsigned char)b[j] & 31);
    uint32_t dx = sa ^ sb; /* its bits counted (no popcnt instruction in the baseline ISA) */
    dx = dx - ((dx >> 1) & 0x55555555u);
    dx = (dx & 0x33333333u) + ((dx >> 2) & 0x33333333u);
    if ((((dx + (dx >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24 > 4)
        return 3;
    unsigned char d[TYPO_MAX + 1][TYPO_MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= n; i++) {
        unsigned char row_min = 255;
        for (size_t j = 1; j <= m; j++) {
            unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1u < c)
                c = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < c)
                c = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < c)
                c = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)(c > 250 ? 250 : c);
            if (d[i][j] < row_min)
                row_min = d[i][j];
        }
        if (row_min > 2)
            return 3;
    }
    return d[n][m] > 3 ? 3 : d[n][m];
}

bool
ubur_name_one_edit(const char *a, size_t n, const char *b, size_t m)
{
    return one_edit(a, n, b, m);
}

/*
 * ubur_name_typing_similarity, exact when it is at least `floor` (0: always); under floor,
 * 0 or the exact value. Two edits reach floor only in long words: in shorter ones the same
 * letters or one edit (one_edit, without the table) is all that can.
 */
static double
typing_similarity_floor(const char *a, const char *b, double floor)
{
    if (!a || !b || !a[0] || !b[0])
        return 0;
    size_t la = strlen(a), lb = strlen(b), l = la > lb ? la : lb;
    if (l < 5)
        return 0;
    if (floor > 0 && 1.0 - 1.5 * 2 / (double)l < floor) {
        if (la == lb && !memcmp(a, b, la))
            return 1.0 - 1.5 * 0 / (double)l;
        if (1.0 - 1.5 * 1 / (double)l >= floor && one_edit(a, la, b, lb))
            return 1.0 - 1.5 * 1 / (double)l;
        return 0; /* two edits or more: under floor */
    }
    int e = typo_edits(a, b);
    return e > 2 ? 0 : 1.0 - 1.5 * e / (double)l;
}

double
ubur_name_typing_similarity(const char *a, const char *b)
{
    return typing_similarity_floor(a, b, 0);
}

static bool abd_name_known(const char *skel_body);
static void skeleton(const char *phon, char *out, size_t cap);

/*
 * The typing similarity of two units' letters, with two readings of what was
 * written: a glued article left on one side ("Altai" for "al-Tai", "Alabsi"
 * for "al-Absi") is tried as letters, and two different names after "abd"
 * are not a typo of each other.
 */
static double
unit_typing(const struct ubur_name_unit *a, const char *b_phon, const char *b_letters,
            unsigned b_kind, unsigned b_flags, double floor)
{
    if (!a->letters[0] || !b_letters || !b_letters[0])
        return 0;
    if (a->kind == UBUR_UNIT_ABD && b_kind == UBUR_UNIT_ABD) {
        char bs[UBUR_NAME_PHON];
        skeleton(b_phon, bs, sizeof(bs));
        const char *as = strchr(a->skel, ':');
        as = as ? as + 1 : a->skel;
        if (strcmp(as, bs) && abd_name_known(as) && abd_name_known(bs))
            return 0;
    }
    double t = typing_similarity_floor(a->letters, b_letters, floor);
    if (a->kind == UBUR_UNIT_PLAIN && b_kind == UBUR_UNIT_PLAIN &&
        ((a->flags ^ b_flags) & UBUR_UNIT_ARTICLE)) {
        char al[UBUR_NAME_PHON + 2];
        bool a_art = a->flags & UBUR_UNIT_ARTICLE;
        const char *art = a_art ? a->letters : b_letters;
        size_t al_n = strnlen(art, sizeof(al) - 3);
        al[0] = 'a';
        al[1] = 'l';
        memcpy(al + 2, art, al_n);
        al[2 + al_n] = '\0';
        double t2 = typing_similarity_floor(al, a_art ? b_letters : a->letters, floor);
        if (t2 > t)
            t = t2;
    }
    return t;
}

/*
 * Latin "sh", "zh", "th", "dh" between vowels may be two letters, the first closing a
 * syllable and the h opening the next (Is-haq اسحاق, Az-har الأزهر, Fat-hi فتحي, Ad-ham
 * أدهم): the phonetic form of that reading, or false when the letters have no such pair.
 */
static bool
split_digraph_phon(const char *letters, char out[UBUR_NAME_PHON])
{
    size_t n = strlen(letters);
    if (n < 4 || n + 2 > UBUR_NAME_PHON)
        return false;
    for (size_t p = 1; p + 2 < n; p++) {
        if (letters[p + 1] != 'h' || !strchr("sztd", letters[p]) || !lvowel(letters[p - 1]) ||
            !lvowel(letters[p + 2]))
            continue;
        char buf[UBUR_NAME_PHON + 2];
        memcpy(buf, letters, p + 1);
        buf[p + 1] = '-'; /* latin_phon reads no digraph across it */
        memcpy(buf + p + 2, letters + p + 1, n - p);
        latin_phon(buf, out);
        return true;
    }
    return false;
}

/* Whether an Arabic phonetic form has a consonant that Latin may write with an h after it
 * as one digraph (S, Z, T, D and ذ ض ظ before H). */
static bool
arabic_h_pair(const char *phon)
{
    for (size_t i = 1; phon[i]; i++)
        if (phon[i] == 'H' && strchr("SZTDCQV", phon[i - 1]))
            return true;
    return false;
}

bool
ubur_name_unit_split_reading(const struct ubur_name_unit *u, char skel[UBUR_NAME_PHON])
{
    char alt[UBUR_NAME_PHON];
    if (u->kind != UBUR_UNIT_PLAIN || (u->flags & (UBUR_UNIT_ARABIC | UBUR_UNIT_DIN)) ||
        !split_digraph_phon(u->letters, alt))
        return false;
    skeleton(alt, skel, UBUR_NAME_PHON);
    return true;
}

/*
 * ubur_name_unit_similarity_to, exact when it is at least `floor` (0: always). Under
 * floor it may be any value under floor: the sound is left uncomputed once it cannot reach
 * floor (the multipliers below only lower it; the digraph reading and the typing similarity
 * replace it only when higher, and are themselves exact from floor up).
 */
static double
unit_similarity_floor(const struct ubur_name_unit *a, const char *b_phon, const char *b_letters,
                      unsigned b_kind, unsigned b_flags, double floor)
{
    bool aa = a->flags & UBUR_UNIT_ARABIC, ba = b_flags & UBUR_UNIT_ARABIC;
    double s = phon_similarity_floor(a->phon, b_phon, aa, ba, floor);
    if (aa != ba && s < 0.95 && a->kind == UBUR_UNIT_PLAIN && b_kind == UBUR_UNIT_PLAIN &&
        !((a->flags | b_flags) & UBUR_UNIT_DIN)) {
        /* Is-haq: the Latin digraph read as two letters, against Arabic script only */
        const char *lat = aa ? b_letters : a->letters, *arp = aa ? a->phon : b_phon;
        char alt[UBUR_NAME_PHON];
        if (lat && lat[0] && arabic_h_pair(arp) && split_digraph_phon(lat, alt)) {
            double s2 = phon_similarity_floor(alt, arp, false, true, floor);
            if (s2 > s)
                s = s2;
        }
    }
    double t = s < 0.999 || a->kind != b_kind
                   ? unit_typing(a, b_phon, b_letters, b_kind, b_flags, floor)
                   : 0;
    /* "abd al-karim" is not "karim", "abu bakr" is not "bakr"; but the letters of an abd,
     * abu or umm unit are written with the particle, so "abulhai" one typo from "abdulhai"
     * or "absullah" from "abdullah" is the particle mistyped */
    if (a->kind != b_kind)
        s *= 0.5;
    /* "X al-Din" against a name that is not one sounds less alike; but letters one typo
     * apart ("Sadudin", "Shamsudddn" for Saduddin, Shamsuddin) are the compound mistyped */
    if ((a->flags & UBUR_UNIT_DIN) != (b_flags & UBUR_UNIT_DIN))
        s *= 0.9;
    if (t > s)
        s = t;
    return s;
}

double
ubur_name_unit_similarity_to(const struct ubur_name_unit *a, const char *b_phon,
                             const char *b_letters, unsigned b_kind, unsigned b_flags)
{
    return unit_similarity_floor(a, b_phon, b_letters, b_kind, b_flags, 0);
}

double
ubur_name_unit_match_similarity(const struct ubur_name_unit *a, const char *b_phon,
                                const char *b_letters, unsigned b_kind, unsigned b_flags)
{
    return unit_similarity_floor(a, b_phon, b_letters, b_kind, b_flags, UBUR_NAME_UNIT_MATCH);
}

double
ubur_name_unit_similarity(const struct ubur_name_unit *a, const struct ubur_name_unit *b)
{
    return ubur_name_unit_similarity_to(a, b->phon, b->letters, b->kind, b->flags);
}

/* --------------------------------------------------------- baselines */

double
ubur_jaro_winkler(const char *s, const char *t)
{
    size_t n = strlen(s), m = strlen(t);
    if (n == 0 && m == 0)
        return 1.0;
    if (n == 0 || m == 0)
        return 0.0;
    if (n > 256)
        n = 256;
    if (m > 256)
        m = 256;
    size_t win = (n > m ? n : m) / 2;
    win = win > 0 ? win - 1 : 0;
    bool ms[256] = {0}, mt[256] = {0};
    size_t matches = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = i > win ? i - win : 0, hi = i + win + 1 < m ? i + win + 1 : m;
        for (size_t j = lo; j < hi; j++) {
            if (!mt[j] && s[i] == t[j]) {
                ms[i] = mt[j] = true;
                matches++;
                break;
            }
        }
    }
    if (!matches)
        return 0.0;
    size_t k = 0, trans = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ms[i])
            continue;
        while (!mt[k])
            k++;
        if (s[i] != t[k])
            trans++;
        k++;
    }
    double mm = (double)matches;
    double jaro = (mm / (double)n + mm / (double)m + (mm - (double)trans / 2.0) / mm) / 3.0;
    size_t pre = 0;
    while (pre < 4 && pre < n && pre < m && s[pre] == t[pre])
        pre++;
    return jaro + (double)pre * 0.1 * (1.0 - jaro);
}

double
ubur_levenshtein_similarity(const char *s, const char *t)
{
    size_t n = strlen(s), m = strlen(t);
    if (n > 512)
        n = 512;
    if (m > 512)
        m = 512;
    if (n == 0 && m == 0)
        return 1.0;
    unsigned prev[513], cur[513];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned c = prev[j - 1] + (s[i - 1] != t[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, (m + 1) * sizeof(unsigned));
    }
    return 1.0 - (double)prev[m] / (double)(n > m ? n : m);
}

/* -------------------------------------------------------- common names */

/*
 * How much evidence a name carries. Spellings are parsed at first use and
 * keyed by skeleton, so every spelling and script of a name shares its
 * weight. Values are rough shares of Arab given names: the most common
 * (Muhammad) weighs least. Unlisted names weigh 1.
 */
static const struct {
    const char *spelling;
    float weight;
} common_names[] = {
    {"muhammad", 0.30f},
    {"ahmad", 0.42f},
    {"ali", 0.42f},
    {"mahmud", 0.55f},
    {"hassan", 0.50f},
    {"husayn", 0.50f},
    {"umar", 0.55f},
    {"abdullah", 0.50f},
    {"abd al-rahman", 0.60f},
    {"khalid", 0.58f},
    {"ibrahim", 0.55f},
    {"mustafa", 0.60f},
    {"yusuf", 0.60f},
    {"said", 0.62f},
    {"salim", 0.65f},
    {"jamal", 0.68f},
    {"karim", 0.68f},
    {"ismail", 0.65f},
    {"abu bakr", 0.60f},
    {"fatima", 0.52f},
    {"aisha", 0.60f},
    {"zaynab", 0.60f},
    {"maryam", 0.60f},
    {"khadija", 0.62f},
    {"amina", 0.62f},
    {"nur", 0.62f},
    {"hamid", 0.65f},
    {"rashid", 0.68f},
    {"majid", 0.68f},
    {"tariq", 0.70f},
    {"walid", 0.70f},
    {"salih", 0.62f},
    {"sulayman", 0.65f},
    {"musa", 0.65f},
    {"isa", 0.70f},
    {"yahya", 0.68f},
    {"adil", 0.70f},
    {"nasir", 0.65f},
    {"faysal", 0.70f},
    {"hamza", 0.68f},
    {"abbas", 0.65f},
    {"jafar", 0.72f},
    {"abd al-aziz", 0.62f},
    {"qasim", 0.70f},
    {"kamal", 0.70f},
    {"samir", 0.72f},
    {"jasim", 0.70f},
    {"uthman", 0.68f},
    {"abd al-karim", 0.65f},
    {"abd al-rahim", 0.68f},
    {"abd al-qadir", 0.68f},
    {"abd al-latif", 0.72f},
    {"abd al-salam", 0.70f},
    {"abd al-hamid", 0.70f},
    {"abd al-majid", 0.72f},
    {"abd al-wahab", 0.72f},
    {"abd al-jabbar", 0.74f},
    {"abd al-razzaq", 0.74f},
    {"abd al-ghani", 0.75f},
    {"abd al-hadi", 0.75f},
    {"abd al-hakim", 0.75f},
    {"abd al-malik", 0.72f},
    {"abd al-nasir", 0.74f},
    {"abd al-sattar", 0.75f},
    {"abd al-hussein", 0.72f},
    {"abd al-amir", 0.75f},
    {"mahdi", 0.68f},
    {"hadi", 0.72f},
    {"zayd", 0.72f},
    {"ziyad", 0.72f},
    {"anwar", 0.72f},
    {"haydar", 0.68f},
    {"abu", 0.60f},
    {"bakr", 0.70f},
    {"amir", 0.68f},
    {"munir", 0.74f},
    {"nabil", 0.72f},
    {"raid", 0.74f},
    {"imad", 0.72f},
    {"iyad", 0.74f},
    {"mazin", 0.74f},
    {"mansur", 0.70f},
    {"abd", 0.60f},
    {"saad", 0.70f},
    {"sami", 0.72f},
    {"layla", 0.68f},
    {"hana", 0.70f},
    {"sara", 0.66f},
    {"rana", 0.72f},
    {"huda", 0.70f},
    {"salma", 0.70f},
    {"iman", 0.68f},
    {"ahmadi", 0.80f},
    {"hashimi", 0.80f},
    {"tamimi", 0.78f},
    {"dulaymi", 0.78f},
    {"jubburi", 0.78f},
    {"ubaydi", 0.80f},
    {"shammari", 0.78f},
    {"azzawi", 0.82f},
};

/*
 * The names that follow "abd" (the divine names and the few others given so): two of them
 * one letter apart (Abd al-Aziz, Abd al-Azim; Abd al-Hadi, Abd al-Hayy) are two names, not
 * a typo, so the typing similarity is not used between them. Keyed by skeleton at first use.
 */
static const char *const abd_names[] = {
    "allah",  "rahman",   "rahim",      "malik",   "quddus", "salam",    "mumin",    "muhaymin",
    "aziz",   "jabbar",   "mutakabbir", "khaliq",  "bari",   "musawwir", "ghaffar",  "qahhar",
    "wahhab", "razzaq",   "fattah",     "alim",    "qabid",  "basit",    "khafid",   "rafi",
    "muizz",  "mudhill",  "sami",       "basir",   "hakam",  "adl",      "latif",    "khabir",
    "halim",  "azim",     "ghafur",     "shakur",  "ali",    "kabir",    "hafiz",    "muqit",
    "hasib",  "jalil",    "karim",      "raqib",   "mujib",  "wasi",     "hakim",    "wadud",
    "majid",  "baith",    "shahid",     "haqq",    "wakil",  "qawi",     "matin",    "wali",
    "hamid",  "muhsi",    "mubdi",      "muid",    "muhyi",  "mumit",    "hayy",     "qayyum",
    "wajid",  "wahid",    "ahad",       "samad",   "qadir",  "muqtadir", "muqaddim", "awwal",
    "akhir",  "zahir",    "batin",      "mutaali", "barr",   "tawwab",   "muntaqim", "afuw",
    "rauf",   "muqsit",   "jami",       "ghani",   "mughni", "mani",     "nafi",     "nur",
    "hadi",   "badi",     "baqi",       "warith",  "rashid", "sabur",    "sattar",   "nasir",
    "jalal",  "muttalib", "nabi",       "rasul",   "husayn", "hasan",    "amir",     "zahra",
    "mahdi",  "masih",    "ilah",       "manaf",   "wahab",  "mannan",   "qawiy",    "rabb",
    "razaq",  "muhsin",   "mun'im",     "aal",
};
#define NABD (sizeof(abd_names) / sizeof(abd_names[0]))
static char abd_skels[NABD][UBUR_NAME_PHON];

static bool
abd_name_known(const char *skel_body)
{
    for (size_t i = 0; i < NABD; i++)
        if (!strcmp(abd_skels[i], skel_body))
            return true;
    return false;
}

struct weight_key {
    char skel[UBUR_NAME_PHON];
    float weight;
};
#define WEIGHT_KEYS_MAX 4096
static struct weight_key weight_keys[WEIGHT_KEYS_MAX];
static int nweight_keys;
static pthread_once_t weights_once = PTHREAD_ONCE_INIT;
static bool weights_ready;

static int
weight_cmp(const void *a, const void *b)
{
    return strcmp(((const struct weight_key *)a)->skel, ((const struct weight_key *)b)->skel);
}

/* weight_keys by hash of the skeleton: index + 1, 0 empty (a quarter full at most) */
#define WEIGHT_SLOTS (WEIGHT_KEYS_MAX * 4)
static uint16_t weight_slot[WEIGHT_SLOTS];

static uint32_t
weight_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h ^ (h >> 15);
}

static void parse_units(struct ubur_name *out, char *folded);

static void particles_init(void);

static void
weights_init(void)
{
    particles_init();
    for (size_t i = 0; i < NABD; i++) {
        char ph[UBUR_NAME_PHON] = "";
        latin_phon(abd_names[i], ph);
        skeleton(ph, abd_skels[i], UBUR_NAME_PHON);
    }
    for (size_t i = 0; i < sizeof(common_names) / sizeof(common_names[0]); i++) {
        struct ubur_name n = UBUR_NAME_INIT;
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", common_names[i].spelling);
        for (char *p = buf; *p; p++)
            if (*p == '-')
                *p = ' ';
        parse_units(&n, buf);
        if (n.n < 1)
            continue;
        const char *sk = n.u[n.n - 1].skel;
        bool dup = false;
        for (int k = 0; k < nweight_keys; k++) {
            if (!strcmp(weight_keys[k].skel, sk)) {
                if (common_names[i].weight < weight_keys[k].weight)
                    weight_keys[k].weight = common_names[i].weight;
                dup = true;
            }
        }
        if (dup)
            continue;
        snprintf(weight_keys[nweight_keys].skel, UBUR_NAME_PHON, "%s", sk);
        weight_keys[nweight_keys++].weight = common_names[i].weight;
    }
    /* Spellings whose skeleton is one voicing or sibilant apart (Turkish Ahmet, Mehmet;
     * Mohammet) are the same common names: each skeleton of two consonants or more with
     * one such consonant changed weighs as the name, unless it is a listed name itself. */
    static const char *const swaps[] = {"TD", "DT", "SX", "XS", "SZ", "ZS", "ZD", "DZ", "KJ", "JK"};
    int base = nweight_keys;
    for (int k = 0; k < base; k++) {
        const char *sk = weight_keys[k].skel, *body = strchr(sk, ':');
        size_t b = body ? (size_t)(body - sk + 1) : 0, l = strlen(sk);
        if (l - b < 2)
            continue;
        for (size_t i = b; i < l; i++)
            for (size_t w = 0; w < sizeof(swaps) / sizeof(swaps[0]); w++) {
                if (sk[i] != swaps[w][0] || nweight_keys >= WEIGHT_KEYS_MAX)
                    continue;
                char v[UBUR_NAME_PHON];
                snprintf(v, sizeof(v), "%s", sk);
                v[i] = swaps[w][1];
                int at = -1;
                for (int j = 0; j < nweight_keys && at < 0; j++)
                    if (!strcmp(weight_keys[j].skel, v))
                        at = j;
                if (at < 0) {
                    snprintf(weight_keys[nweight_keys].skel, UBUR_NAME_PHON, "%s", v);
                    weight_keys[nweight_keys++].weight = weight_keys[k].weight;
                } else if (at >= base && weight_keys[k].weight < weight_keys[at].weight) {
                    weight_keys[at].weight = weight_keys[k].weight;
                }
            }
    }
    qsort(weight_keys, (size_t)nweight_keys, sizeof(weight_keys[0]), weight_cmp);
    for (int k = 0; k < nweight_keys; k++) {
        uint32_t j = weight_hash(weight_keys[k].skel) & (WEIGHT_SLOTS - 1);
        while (weight_slot[j])
            j = (j + 1) & (WEIGHT_SLOTS - 1);
        weight_slot[j] = (uint16_t)(k + 1);
    }
    weights_ready = true;
}

float
ubur_name_common_weight(const char *skel)
{
    pthread_once(&weights_once, weights_init);
    /* a hash probe, not a binary search: this runs for every unit of every name indexed,
     * and most skeletons are not in the table (one probe, no string compared) */
    for (uint32_t j = weight_hash(skel) & (WEIGHT_SLOTS - 1); weight_slot[j];
         j = (j + 1) & (WEIGHT_SLOTS - 1))
        if (!strcmp(weight_keys[weight_slot[j] - 1].skel, skel))
            return weight_keys[weight_slot[j] - 1].weight;
    /* very short skeletons ("L", "B") are weak evidence whatever the name */
    size_t l = strlen(skel);
    return l <= 1 ? 0.6f : 1.0f;
}

/* ------------------------------------------------------------ structure */

struct token {
    char *s;
    bool arabic;
};

static bool
in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static const char *const latin_titles[] = {
    "haji",    "hajji",   "hadji",   "alhaj",   "alhajj", "mullah", "mulla", "maulavi",
    "maulvi",  "mawlawi", "moulavi", "mawlavi", "sheikh", "shaikh", "sheik", "shaykh",
    "cheikh",  "dr",      "mr",      "mrs",     "ms",     "prof",   "qari",  "maulana",
    "mawlana", "imam",    "emir",    "sayyed",  NULL};
static const char *const arabic_titles[] = {"الحاج",  "حاج",    "حاجي",    "الشيخ", "شيخ",
                                            "ملا",    "مولوي",  "الدكتور", "د",     "المولوي",
                                            "مولانا", "الامام", "امام",    "السيد", NULL};
static const char *const latin_articles[] = {"al", "el", "ul", "il", "ol", NULL};
static const char *const latin_nasab[] = {"bin",  "ibn",  "ben", "bint", "binti",
                                          "ould", "wuld", "ebn", "bn",   NULL};
static const char *const latin_abu[] = {"abu", "abou", "abo",  "abul", "aboul",
                                        "abi", "bou",  "abou", "abol", NULL};
static const char *const latin_umm[] = {"umm", "um", "oum", "om", "omm", NULL};
static const char *const latin_abd[] = {"abd",   "abdul", "abdel",  "abdal", "abdol", "abdil",
                                        "abdu",  "abdou", "abdoul", "abdur", "abdus", "abdar",
                                        "abdas", "abed",  "abdelh", NULL};
static const char *const latin_din[] = {"din",   "deen",  "dine",   "ddin",  "ddine",
                                        "edin",  "eddin", "eddine", "uddin", "addin",
                                        "aldin", "udin",  "iddin",  NULL};
static const char *const muhammad_forms[] = {"mehmet",  "mehmed", "mahomet", "mahomed",
                                             "mamadou", "mamadu", "mahamat", NULL};
/* "Ullah" after a name, written apart: "Saif Ullah", "Aman Ullah" (Saifullah). Not "Allah":
 * in Latin "Allah" begins names too (Allah Dad, Allah Noor: "Matin Allah Dad"). */
static const char *const latin_allah[] = {"ullah", "ollah", "illah", NULL};
/* Persian and Pashto name elements that end a compound name: -jan (dear: Walijan), -khel
 * (clan: Shahidkhel), -zada (son of: Akhundzada), -zai (tribe: Ishakzai). Arabic script
 * writes them apart or glued (a space or a zero-width non-joiner), Latin mostly glued:
 * joined to the name before them on both sides, so every writing is one unit. */
static const char *const latin_suffixes[] = {"jan",   "jaan", "khel",  "khail", "khil",
                                             "kheil", "zada", "zadah", "zadeh", "zade",
                                             "zaada", "zai",  "zay",   NULL};
static const char *const arabic_suffixes[] = {"جان", "خيل", "زاده", "زادة", "زاد",
                                              "زي",  "زيي", "زى",   NULL};

/* Connectors between a glued "abd" and the divine name, longest first. */
static const char *const abd_connectors[] = {
    "oul", "ul", "el", "al", "ol", "il", "ur", "ar", "er",  "us",  "as", "es", "ud", "ad",
    "ed",  "un", "an", "en", "ut", "at", "uz", "az", "ush", "ash", "u",  "o",  "",   NULL};

/*
 * The Latin particle lists as one hash table, built once: parsing asks it
 * once per token instead of scanning each list with strcmp (a million names
 * are parsed when an index is built).
 */
enum {
    P_TITLE = 1,
    P_ARTICLE = 2,
    P_NASAB = 4,
    P_ABU = 8,
    P_UMM = 16,
    P_ABD = 32,
    P_DIN = 64,
    P_ABD_TYPO = 128, /* one letter off "abdul"/"abdel": a particle only before a name given
                         after abd (Abdl Manan), else a name (Adel, Abdel is not Adel) */
    P_SUFFIX = 256,   /* ends a compound name (latin_suffixes) */
    P_MUHAMMAD = 512, /* another form of Muhammad (muhammad_forms) */
};
#define PARTICLE_SLOTS 256
static struct {
    const char *s;
    unsigned cat;
} particle_tab[PARTICLE_SLOTS];

static uint32_t
particle_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h & (PARTICLE_SLOTS - 1);
}

static void
particles_add(const char *const *list, unsigned cat)
{
    for (; *list; list++) {
        uint32_t i = particle_hash(*list);
        while (particle_tab[i].s && strcmp(particle_tab[i].s, *list))
            i = (i + 1) & (PARTICLE_SLOTS - 1);
        particle_tab[i].s = *list;
        particle_tab[i].cat |= cat;
    }
}

static void
particles_init(void)
{
    particles_add(latin_titles, P_TITLE);
    particles_add(latin_articles, P_ARTICLE);
    particles_add(latin_nasab, P_NASAB);
    particles_add(latin_abu, P_ABU);
    particles_add(latin_umm, P_UMM);
    particles_add(latin_abd, P_ABD);
    particles_add(latin_din, P_DIN);
    particles_add(latin_suffixes, P_SUFFIX);
    particles_add(muhammad_forms, P_MUHAMMAD);
}

/* The particle categories of a folded Latin token (0 for an ordinary name). */
static unsigned
particle_cat(const char *t)
{
    size_t l = strlen(t);
    if (l > 7)
        return 0; /* longer than any particle */
    uint32_t i = particle_hash(t);
    while (particle_tab[i].s) {
        if (!strcmp(particle_tab[i].s, t))
            return particle_tab[i].cat;
        i = (i + 1) & (PARTICLE_SLOTS - 1);
    }
    /* A typo in the two particles that glue names into one unit (Abdl Manan, Salah
     * Eddne) would split the name: one letter off is still the particle. */
    /* one typo changes the set of letters by two at most: a cheap test before the edits,
     * as this runs for every token of every name indexed */
    uint32_t set = 0;
    for (size_t k = 0; k < l; k++)
        set |= 1u << ((unsigned char)t[k] & 31);
    const uint32_t abdul = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 21 | 1u << 12,
                   abdel = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 12,
                   eddine = 1u << 5 | 1u << 4 | 1u << 9 | 1u << 14,
                   uddin = 1u << 21 | 1u << 4 | 1u << 9 | 1u << 14;
    if (l >= 4 && l <= 6 &&
        ((__builtin_popcount(set ^ abdul) <= 2 && typo_edits(t, "abdul") == 1) ||
         (__builtin_popcount(set ^ abdel) <= 2 && typo_edits(t, "abdel") == 1)))
        return P_ABD_TYPO;
    if (l >= 5 && ((__builtin_popcount(set ^ eddine) <= 2 && typo_edits(t, "eddine") == 1) ||
                   (__builtin_popcount(set ^ uddin) <= 2 && typo_edits(t, "uddin") == 1)))
        return P_DIN;
    return 0;
}

/* Copies a then b into dst (cap bytes), cut to fit: snprintf without the formatting. */
static void
copy2(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= cap)
        la = cap - 1;
    memcpy(dst, a, la);
    if (lb >= cap - la)
        lb = cap - la - 1;
    memcpy(dst + la, b, lb);
    dst[la + lb] = '\0';
}

/* A sun-letter article written as pronounced: "ar rahman", "ash shami". */
static bool
sun_article(const char *tok, const char *next)
{
    size_t l = strlen(tok);
    if (l < 2 || l > 3 || !next)
        return false;
    if (tok[0] != 'a' && tok[0] != 'e' && tok[0] != 'u')
        return false;
    if (!strchr("dnrstz", tok[1]))
        return false;
    return !strncmp(tok + 1, next, l - 1);
}

static void
set_text(struct ubur_name_unit *u, const char *prefix, const char *body)
{
    copy2(u->text, sizeof(u->text), prefix, body);
}

/* Fills phon, skel and (for Arabic) text of a unit from its body. */
static void
unit_sound(struct ubur_name_unit *u, const char *body, bool arabic, const char *key_prefix)
{
    char phon[UBUR_NAME_PHON] = "", text[UBUR_NAME_TEXT] = "", sk[UBUR_NAME_PHON];
    if (arabic) {
        arabic_phon(body, phon, text, sizeof(text));
        u->flags |= UBUR_UNIT_ARABIC;
    } else {
        latin_phon(body, phon);
        copy2(text, sizeof(text), body, "");
        copy2(u->letters, sizeof(u->letters), body, "");
    }
    copy2(u->phon, sizeof(u->phon), phon, "");
    skeleton(phon, sk, sizeof(sk));
    copy2(u->skel, sizeof(u->skel), key_prefix, sk);
    switch (u->kind) {
    case UBUR_UNIT_ABD:
        set_text(u, "abd al-", text);
        break;
    case UBUR_UNIT_ABU:
        set_text(u, "abu ", text);
        break;
    case UBUR_UNIT_UMM:
        set_text(u, "umm ", text);
        break;
    default:
        set_text(u, (u->flags & UBUR_UNIT_ARTICLE) ? "al-" : "", text);
        break;
    }
}

static const char *
kind_prefix(int kind)
{
    return kind == UBUR_UNIT_ABD   ? "BD:"
           : kind == UBUR_UNIT_ABU ? "B:"
           : kind == UBUR_UNIT_UMM ? "M:"
                                   : "";
}

static bool
arabic_prefix(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* Strips a Latin glued article "al"/"el" before a consonant, when enough is left. */
static const char *
strip_glued_article(const char *t, bool *article)
{
    size_t l = strlen(t);
    if (l >= 6 && (t[0] == 'a' || t[0] == 'e') && t[1] == 'l' && !lvowel(t[2])) {
        *article = true;
        return t + 2;
    }
    return t;
}

/* A unit's evidence weight, in steps of 1/255 so that an index keeping it in a byte gives
 * back exactly the same number. */
static float
unit_weight(const char *skel)
{
    float w = weights_ready ? ubur_name_common_weight(skel) : 1.0f;
    return (float)(int)(w * 255.0f + 0.5f) / 255.0f;
}

/*
 * The evidence weight of a unit: that of its skeleton, or, for a Latin letter with two
 * readings (ch, v, gh: emphatic_class), of the commoner reading, so Achmed and Chalid
 * weigh as Ahmed and Khalid (their own skeletons, XMD and XLD, are in no table).
 */
static float
unit_reading_weight(const struct ubur_name_unit *u)
{
    float w = unit_weight(u->skel);
    if ((u->flags & UBUR_UNIT_ARABIC) || !strpbrk(u->phon, "UPG"))
        return w;
    static const char from[] = "UUPG", to[] = "HKWK";
    for (int r = 0; from[r]; r++) {
        if (!strchr(u->phon, from[r]))
            continue;
        char alt[UBUR_NAME_PHON], sk[UBUR_NAME_PHON], key[UBUR_NAME_PHON + 4];
        snprintf(alt, sizeof(alt), "%s", u->phon);
        for (char *c = alt; *c; c++)
            if (*c == from[r])
                *c = to[r];
        skeleton(alt, sk, sizeof(sk));
        snprintf(key, sizeof(key), "%s%s", kind_prefix(u->kind), sk);
        float wa = unit_weight(key);
        if (wa < w)
            w = wa;
    }
    return w;
}

/* `written`: the unit as written with its particle, joined ("abdulrahman", "abubakr"), the
 * letters a typo is made in; NULL for a plain unit (its letters are the body). */
static void
add_unit(struct ubur_name *out, int kind, unsigned flags, const char *body, bool arabic,
         const char *written)
{
    if (out->n >= UBUR_NAME_MAX_UNITS || !body[0])
        return;
    struct ubur_name_unit *u = &out->u[out->n];
    memset(u, 0, sizeof(*u));
    u->kind = (unsigned char)kind;
    if (kind != UBUR_UNIT_PLAIN)
        flags &= ~UBUR_UNIT_ARTICLE; /* "abd al-rahman": the article is inside the unit */
    u->flags = (unsigned char)flags;
    unit_sound(u, body, arabic, kind_prefix(kind));
    if (!u->phon[0])
        return;
    if (!arabic && written && kind != UBUR_UNIT_PLAIN)
        copy2(u->letters, sizeof(u->letters), written, "");
    u->weight = unit_reading_weight(u);
    out->n++;
}

/*
 * Makes the last unit an "X al-Din" compound ("salah al-din": one unit).
 * Returns false when it is one already or has no room.
 */
static bool
din_join(struct ubur_name *out)
{
    struct ubur_name_unit *u = &out->u[out->n - 1];
    if ((u->flags & UBUR_UNIT_DIN) || strlen(u->phon) + 3 >= UBUR_NAME_PHON)
        return false;
    char body[UBUR_NAME_TEXT * 2];
    const char *base = u->text;
    if (!strncmp(base, "al-", 3))
        base += 3;
    snprintf(body, sizeof(body), "%s %s", base, "al-din");
    char glued[UBUR_NAME_TEXT * 2];
    snprintf(glued, sizeof(glued), "%sdin", base);
    for (char *q = glued; *q; q++)
        if (*q == ' ' || *q == '-')
            *q = 'a';
    if (u->flags & UBUR_UNIT_ARABIC) {
        size_t pl = strlen(u->phon);
        snprintf(u->phon + pl, UBUR_NAME_PHON - pl, "DYN");
    } else {
        latin_phon(glued, u->phon);
        copy2(u->letters, sizeof(u->letters), glued, "");
    }
    char sk[UBUR_NAME_PHON];
    skeleton(u->phon, sk, sizeof(sk));
    snprintf(u->skel, sizeof(u->skel), "%s%s", kind_prefix(u->kind), sk);
    snprintf(u->text, sizeof(u->text), "%s", body);
    u->flags |= UBUR_UNIT_DIN;
    u->weight = unit_weight(u->skel);
    return true;
}

/* A Latin token that is "X al-Din" glued (Salahuddin, Saaduddin, Nasreddine): the
 * length of X, or 0. */
static size_t
glued_din(const char *t)
{
    static const char *const suffixes[] = {"uddin", "uddeen", "eddine", "eddin", "addin",
                                           "iddin", "oddin",  "udin",   "edin",  NULL};
    size_t l = strlen(t);
    for (int k = 0; suffixes[k]; k++) {
        size_t sl = strlen(suffixes[k]);
        /* after a d too: "Saduddin" is Sa'd ud-Din (سعد الدين), the d of Sa'd and the
         * sun letter of al-Din doubled */
        if (l >= sl + 3 && !strcmp(t + l - sl, suffixes[k]))
            /* "Saduudin": the vowel of "udin" written twice is one ("sad", not "sadu") */
            return l - sl - (sl == 4 && t[l - sl - 1] == suffixes[k][0] && l >= sl + 4);
    }
    /* One typo in the "-uddin" of a long name is still the compound (Sadudnin, Saduudin,
     * Nasreddne for Saduddin, Nasreddine): a typo must not turn it into another name. */
    static const char *const typo_of[] = {"uddin", "eddin", "eddine", NULL};
    if (l < 8)
        return 0;
    /* one typo changes the set of letters by two at most: a cheap test before the edits,
     * as this runs for every long token of every name indexed */
    uint32_t tail = 0;
    for (size_t k = l - 7; k < l; k++)
        tail |= 1u << ((unsigned char)t[k] & 31);
    if (!(tail & (1u << ('d' & 31))) || !(tail & (1u << ('n' & 31))))
        return 0; /* every ending has a d and an n: a typo leaves one of each (mostly) */
    for (int k = 0; typo_of[k]; k++) {
        size_t sl = strlen(typo_of[k]);
        uint32_t set = 0;
        for (size_t m = 0; m < sl; m++)
            set |= 1u << ((unsigned char)typo_of[k][m] & 31);
        if (__builtin_popcount(set & ~tail) > 1)
            continue; /* more than one of the ending's letters missing */
        for (size_t w = sl - 1; w <= sl + 1; w++)
            if (l >= w + 3 && typo_edits(t + l - w, typo_of[k]) == 1)
                return l - w;
    }
    return 0;
}

/*
 * Joins "Allah" to the unit before it ("nur allah", "نور الله" -> one unit,
 * like the Latin Nurullah): a theophoric name is one name, written apart in
 * Arabic script and mostly glued in Latin. Only a plain unit that is not
 * already a compound. Returns whether it joined.
 */
static bool
allah_join(struct ubur_name *out, const char *t, bool arabic)
{
    struct ubur_name_unit *u = &out->u[out->n - 1];
    if (u->kind != UBUR_UNIT_PLAIN || (u->flags & (UBUR_UNIT_DIN | UBUR_UNIT_ARTICLE)) ||
        strlen(u->phon) + 3 >= UBUR_NAME_PHON || strlen(u->text) + 7 >= UBUR_NAME_TEXT ||
        strstr(u->text, " allah"))
        return false;
    size_t ll = strlen(u->letters);
    if (ll >= 5 && (!strcmp(u->letters + ll - 3, "lah") || !strcmp(u->letters + ll - 3, "lla")))
        return false; /* already glued: "Hamdullah Allah" is two names */
    if (arabic) {
        size_t pl = strlen(u->phon);
        snprintf(u->phon + pl, UBUR_NAME_PHON - pl, "L");
    } else {
        char glued[UBUR_NAME_PHON * 2];
        snprintf(glued, sizeof(glued), "%s%s", u->letters, t);
        if (strlen(glued) >= UBUR_NAME_PHON)
            return false;
        latin_phon(glued, u->phon);
        copy2(u->letters, sizeof(u->letters), glued, "");
    }
    char sk[UBUR_NAME_PHON];
    skeleton(u->phon, sk, sizeof(sk));
    snprintf(u->skel, sizeof(u->skel), "%s%s", kind_prefix(u->kind), sk);
    size_t tl = strlen(u->text);
    snprintf(u->text + tl, sizeof(u->text) - tl, " allah");
    u->weight = unit_weight(u->skel);
    return true;
}

/*
 * Joins a compound name's ending (latin_suffixes, arabic_suffixes) to the unit before it:
 * "wali jan", "ولی جان" and "Walijan" are one unit. Only a plain unit that is not a
 * compound already (al-Din, Allah, another ending). Returns whether it joined.
 */
static bool
suffix_join(struct ubur_name *out, const char *t, const char *next, bool arabic)
{
    struct ubur_name_unit *u = &out->u[out->n - 1];
    if (next && (!strcmp(t, "jan") || !strcmp(t, "jaan") || !strcmp(t, "جان"))) {
        /* "Jan" also begins names, before a common one: Jan Mohammad, Jan Agha, Jan Gul
         * ("Ikram Jan Mohammad" is Ikram, Jan Mohammad) */
        char ph[UBUR_NAME_PHON] = "", tx[UBUR_NAME_TEXT], sk[UBUR_NAME_PHON];
        if (is_arabic_cp((UChar32)utf8_first(next)))
            arabic_phon(next, ph, tx, sizeof(tx));
        else
            latin_phon(next, ph);
        skeleton(ph, sk, sizeof(sk));
        if (ph[0] && unit_weight(sk) < 1.0f)
            return false;
    }
    if (u->kind != UBUR_UNIT_PLAIN || (u->flags & UBUR_UNIT_DIN) || strchr(u->text, ' ') ||
        strlen(u->text) + strlen(t) + 2 >= UBUR_NAME_TEXT)
        return false;
    if (!!(u->flags & UBUR_UNIT_ARABIC) != arabic)
        return false;
    char phon[UBUR_NAME_PHON], text[UBUR_NAME_TEXT];
    if (arabic) {
        arabic_phon(t, phon, text, sizeof(text));
        if (strlen(u->phon) + strlen(phon) >= UBUR_NAME_PHON)
            return false;
        size_t pl = strlen(u->phon);
        snprintf(u->phon + pl, UBUR_NAME_PHON - pl, "%s", phon);
    } else {
        char glued[UBUR_NAME_PHON * 2];
        snprintf(glued, sizeof(glued), "%s%s", u->letters, t);
        if (strlen(glued) >= UBUR_NAME_PHON)
            return false;
        size_t ll = strlen(u->letters);
        char pair[3] = {ll ? u->letters[ll - 1] : 0, t[0], 0};
        if (pair[0] && (t[0] == 'h' || !strcmp(pair, "dj") || !strcmp(pair, "ck"))) {
            /* "ahmad jan" glued reads a "dj" that was never written as one sound: the
             * two sounds one after the other */
            char tp[UBUR_NAME_PHON];
            latin_phon(t, tp);
            size_t pl = strlen(u->phon);
            if (pl + strlen(tp) >= UBUR_NAME_PHON)
                return false;
            snprintf(u->phon + pl, UBUR_NAME_PHON - pl, "%s", tp);
        } else {
            latin_phon(glued, u->phon);
        }
        copy2(u->letters, sizeof(u->letters), glued, "");
        copy2(text, sizeof(text), t, "");
    }
    char sk[UBUR_NAME_PHON];
    skeleton(u->phon, sk, sizeof(sk));
    snprintf(u->skel, sizeof(u->skel), "%s%s", kind_prefix(u->kind), sk);
    size_t tl = strlen(u->text);
    snprintf(u->text + tl, sizeof(u->text) - tl, "%s", text);
    u->weight = unit_weight(u->skel);
    return true;
}

/*
 * Where "عبد" begins inside an Arabic token after a name of three letters or more that
 * ends in a letter that does not join the next (ا د ذ ر ز و ة): there a missing space
 * does not show ("محمدعبد" reads as "محمد عبد"), and abd always begins a name. Byte
 * offset, or 0.
 */
static size_t
abd_glued_after(const char *t)
{
    static const char abd[] = "عبد";
    int letters = 0;
    UChar32 prev = 0;
    for (const char *p = t; *p;) {
        if (letters >= 3 && !strncmp(p, abd, sizeof(abd) - 1) &&
            (prev == 0x0627 || prev == 0x062F || prev == 0x0630 || prev == 0x0631 ||
             prev == 0x0632 || prev == 0x0648 || prev == 0x0629))
            return (size_t)(p - t);
        p += utf8_next(p, &prev);
        letters++;
    }
    return 0;
}

/*
 * Turns folded tokens into units (see names.h). `folded` is modified
 * (split in place).
 */
static void
parse_units(struct ubur_name *out, char *folded)
{
    struct token tok[MAX_TOKENS];
    int nt = 0;
    char *p = folded;
    while (*p && nt < MAX_TOKENS) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        tok[nt].s = p;
        UChar32 c;
        utf8_next(p, &c);
        tok[nt].arabic = is_arabic_cp(c);
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        nt++;
    }
    char split[UBUR_NAME_MAX_BYTES * 3];
    size_t split_len = 0;
    for (int i = 0; i < nt && nt < MAX_TOKENS; i++) {
        size_t at = tok[i].arabic ? abd_glued_after(tok[i].s) : 0;
        size_t l = strlen(tok[i].s);
        if (!at || split_len + l + 2 > sizeof(split))
            continue;
        /* "محمدعبد البصير": Muhammad, Abd al-Basir; the missing space is not seen */
        char *a = split + split_len;
        memcpy(a, tok[i].s, at);
        a[at] = '\0';
        char *b = a + at + 1;
        memcpy(b, tok[i].s + at, l - at + 1);
        split_len += l + 2;
        memmove(&tok[i + 2], &tok[i + 1], (size_t)(nt - i - 1) * sizeof(tok[0]));
        tok[i].s = a;
        tok[i + 1] = (struct token){b, true};
        nt++;
    }
    out->n = 0;
    unsigned pending = 0; /* flags for the next unit */
    int pending_kind = UBUR_UNIT_PLAIN;
    char written[UBUR_NAME_PHON] = ""; /* the particles of the next unit, as written */
    for (int i = 0; i < nt; i++) {
        const char *t = tok[i].s;
        /* Muhammad abbreviated as Malaysia, Singapore and Pakistan write it; its Turkish,
         * West African and older European forms (Mehmet, Mamadou, Mahomet), which no sound
         * rule reaches from Muhammad */
        unsigned cat0 = tok[i].arabic ? 0 : particle_cat(t);
        if (!tok[i].arabic && (!strcmp(t, "mohd") || !strcmp(t, "muhd") || !strcmp(t, "mhd") ||
                               (!strcmp(t, "md") && nt > 1) || (cat0 & P_MUHAMMAD)))
            t = "muhammad";
        const char *typed = tok[i].s; /* its letters stay as typed (a typo in Mamadou) */
        int units_before = out->n;
        const char *next = i + 1 < nt ? tok[i + 1].s : NULL;
        bool ar = tok[i].arabic;
        bool more = next != NULL;
        if (!ar) {
            unsigned cat = t == typed ? cat0 : particle_cat(t);
            if (cat & P_ABD_TYPO) {
                /* "adel" is one letter from "abdel" but a name of its own: the particle
                 * only when a name given after abd follows */
                char ph[UBUR_NAME_PHON] = "", sk[UBUR_NAME_PHON];
                const char *nx =
                    next && !strncmp(next, "al", 2) && strlen(next) > 4 ? next + 2 : next;
                /* "Adel al-Tikriti": the name after a separate article, not the article
                 * (whose skeleton is Allah's) */
                bool sep = nx && (particle_cat(nx) & P_ARTICLE);
                int at = i + 1 + sep;
                if (sep)
                    nx = at < nt ? tok[at].s : NULL;
                if (nx && !tok[at].arabic) {
                    latin_phon(nx, ph);
                    skeleton(ph, sk, sizeof(sk));
                }
                cat = nx && ph[0] && abd_name_known(sk) ? P_ABD : 0;
                /* a token that is a common name itself (Adel, عادل) is that name: "Adel
                 * Hassan" is not "Abd al-Hassan" */
                char tp[UBUR_NAME_PHON] = "", ts[UBUR_NAME_PHON];
                latin_phon(t, tp);
                skeleton(tp, ts, sizeof(ts));
                if (cat && unit_weight(ts) < 1.0f)
                    cat = 0;
            }
            if (more || nt > 1) {
                if ((cat & P_TITLE) && (more || out->n > 0))
                    continue;
            }
            if (more && ((cat & P_ARTICLE) || sun_article(t, next))) {
                pending |= UBUR_UNIT_ARTICLE;
                if (pending_kind != UBUR_UNIT_PLAIN)
                    copy2(written, sizeof(written), written, t);
                continue;
            }
            if (more && (cat & P_NASAB)) {
                pending |= UBUR_UNIT_NASAB;
                continue;
            }
            if (more && (cat & P_ABU) && pending_kind == UBUR_UNIT_PLAIN) {
                pending_kind = UBUR_UNIT_ABU;
                copy2(written, sizeof(written), t, "");
                continue;
            }
            if (more && (cat & P_UMM) && pending_kind == UBUR_UNIT_PLAIN) {
                pending_kind = UBUR_UNIT_UMM;
                copy2(written, sizeof(written), t, "");
                continue;
            }
            if (more && (cat & P_ABD) && pending_kind == UBUR_UNIT_PLAIN) {
                pending_kind = UBUR_UNIT_ABD;
                copy2(written, sizeof(written), t, "");
                continue;
            }
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN && (cat & P_DIN) && din_join(out)) {
                /* "salah al-din": one unit */
                pending = 0;
                continue;
            }
            /* "nur allah": one unit, as Latin usually writes it (Nurullah) and as Arabic
             * script writes it apart (نور الله); abd allah is an abd unit (above) */
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN && !pending &&
                in_list(t, latin_allah) && allah_join(out, t, false))
                continue;
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN && !pending && (cat & P_SUFFIX) &&
                suffix_join(out, t, next, false))
                continue;
            /* glued "abdulrahman", "abdelkarim", "abdullah" */
            if (pending_kind == UBUR_UNIT_PLAIN && !strncmp(t, "abd", 3) && strlen(t) >= 6) {
                const char *rest = t + 3;
                for (int k = 0; abd_connectors[k]; k++) {
                    size_t cl = strlen(abd_connectors[k]);
                    if (strncmp(rest, abd_connectors[k], cl))
                        continue;
                    const char *r = rest + cl;
                    if (strlen(r) < 3)
                        continue;
                    add_unit(out, UBUR_UNIT_ABD, pending, r, false, t);
                    pending = 0;
                    goto next_token;
                }
            }
            if (pending_kind == UBUR_UNIT_PLAIN &&
                (!strncmp(t, "abu", 3) || !strncmp(t, "abou", 4)) && strlen(t) >= 7) {
                const char *r = t + (t[2] == 'o' ? 4 : 3);
                add_unit(out, UBUR_UNIT_ABU, pending, r, false, t);
                pending = 0;
                continue;
            }
            {
                bool art = false;
                const char *body = t;
                if (pending_kind == UBUR_UNIT_PLAIN)
                    body = strip_glued_article(t, &art);
                else if (!strncmp(t, "al", 2) && strlen(t) > 4)
                    body = t + 2; /* "abd allah": the article inside the unit */
                copy2(written, sizeof(written), written, t);
                size_t dl = pending_kind == UBUR_UNIT_PLAIN ? glued_din(body) : 0;
                if (dl && dl < UBUR_NAME_TEXT) {
                    /* "saaduddin" is "saad al-din" written as one word */
                    char base[UBUR_NAME_TEXT];
                    memcpy(base, body, dl);
                    base[dl] = '\0';
                    int before = out->n;
                    add_unit(out, pending_kind, pending | (art ? UBUR_UNIT_ARTICLE : 0u), base,
                             false, written);
                    if (out->n > before && din_join(out)) /* typed as one word: its letters */
                        copy2(out->u[out->n - 1].letters, sizeof(out->u[0].letters), body, "");
                } else {
                    add_unit(out, pending_kind, pending | (art ? UBUR_UNIT_ARTICLE : 0u), body,
                             false, written);
                }
                written[0] = '\0';
                pending = 0;
                pending_kind = UBUR_UNIT_PLAIN;
            }
        } else {
            if (in_list(t, arabic_titles) && (more || out->n > 0))
                continue;
            if (more && !strcmp(t, "ال")) {
                pending |= UBUR_UNIT_ARTICLE;
                continue;
            }
            if (more && (!strcmp(t, "بن") || !strcmp(t, "ابن") || !strcmp(t, "بنت") ||
                         (out->n > 0 && !strcmp(t, "ولد")))) { /* ولد: "ould", Mauritanian */
                pending |= UBUR_UNIT_NASAB;
                continue;
            }
            if (more && pending_kind == UBUR_UNIT_PLAIN &&
                (!strcmp(t, "ابو") || !strcmp(t, "ابي") || !strcmp(t, "ابا"))) {
                pending_kind = UBUR_UNIT_ABU;
                continue;
            }
            if (more && pending_kind == UBUR_UNIT_PLAIN && !strcmp(t, "ام")) {
                pending_kind = UBUR_UNIT_UMM;
                continue;
            }
            if (more && pending_kind == UBUR_UNIT_PLAIN && !strcmp(t, "عبد")) {
                pending_kind = UBUR_UNIT_ABD;
                continue;
            }
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN &&
                (!strcmp(t, "الدين") || !strcmp(t, "دين"))) {
                struct ubur_name_unit *u = &out->u[out->n - 1];
                if (!(u->flags & UBUR_UNIT_DIN) && strlen(u->phon) + 3 < UBUR_NAME_PHON) {
                    size_t pl = strlen(u->phon);
                    snprintf(u->phon + pl, UBUR_NAME_PHON - pl,
                             u->phon[pl - 1] == 'D' ? "YN" : "DYN");
                    char sk[UBUR_NAME_PHON];
                    skeleton(u->phon, sk, sizeof(sk));
                    snprintf(u->skel, sizeof(u->skel), "%s%s", kind_prefix(u->kind), sk);
                    size_t tl = strlen(u->text);
                    snprintf(u->text + tl, sizeof(u->text) - tl, " al-din");
                    u->flags |= UBUR_UNIT_DIN;
                    u->weight = unit_weight(u->skel);
                    pending = 0;
                    continue;
                }
            }
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN && !pending && !strcmp(t, "الله") &&
                allah_join(out, t, true))
                continue;
            if (out->n > 0 && pending_kind == UBUR_UNIT_PLAIN && !pending &&
                in_list(t, arabic_suffixes) && suffix_join(out, t, next, true))
                continue;
            const char *body = t;
            int kind = pending_kind;
            unsigned fl = pending;
            int len = utf8_count(t);
            if (kind == UBUR_UNIT_PLAIN && arabic_prefix(t, "عبد") && len >= 5) {
                kind = UBUR_UNIT_ABD;
                body = t + strlen("عبد");
            } else if (kind == UBUR_UNIT_PLAIN && arabic_prefix(t, "ابو") && len >= 5) {
                kind = UBUR_UNIT_ABU;
                body = t + strlen("ابو");
            }
            if (arabic_prefix(body, "ال") && utf8_count(body) >= 4) {
                body += strlen("ال");
                if (kind == UBUR_UNIT_PLAIN)
                    fl |= UBUR_UNIT_ARTICLE;
            }
            add_unit(out, kind, fl, body, true, NULL);
            pending = 0;
            pending_kind = UBUR_UNIT_PLAIN;
        }
    next_token:
        if (t != typed && out->n == units_before + 1 && !tok[i].arabic &&
            out->u[out->n - 1].kind == UBUR_UNIT_PLAIN)
            copy2(out->u[out->n - 1].letters, sizeof(out->u[0].letters), typed, "");
    }
    /* A dangling particle ("... abu" at the end) becomes a unit of its own. */
    if (pending_kind != UBUR_UNIT_PLAIN && nt > 0)
        add_unit(out, UBUR_UNIT_PLAIN, 0, tok[nt - 1].s, tok[nt - 1].arabic, NULL);
}

int
ubur_name_parse(struct ubur_name *out, const char *in, struct ubur_error *err)
{
    char folded[UBUR_NAME_MAX_BYTES * 3];
    out->n = 0;
    pthread_once(&weights_once, weights_init);
    int rc = fold_internal(in, folded, sizeof(folded), false, err);
    if (rc)
        return rc;
    parse_units(out, folded);
    if (out->n == 0)
        return ubur_error_field(err, UBUR_EINVAL, "name", "name '%.64s' has no letters", in);
    return 0;
}

int
ubur_name_blocking_keys(const struct ubur_name *n, const char *keys[], int max)
{
    int order[UBUR_NAME_MAX_UNITS], k = 0;
    for (int i = 0; i < n->n; i++)
        order[i] = i;
    /* rarest-looking first: heavier weight, then longer skeleton */
    for (int i = 1; i < n->n; i++) {
        int x = order[i], j = i - 1;
        while (j >= 0) {
            const struct ubur_name_unit *a = &n->u[order[j]], *b = &n->u[x];
            bool before = b->weight > a->weight ||
                          (b->weight == a->weight && strlen(b->skel) > strlen(a->skel));
            if (!before)
                break;
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = x;
    }
    for (int i = 0; i < n->n && k < max; i++) {
        const char *s = n->u[order[i]].skel;
        bool dup = false;
        for (int j = 0; j < k; j++)
            if (!strcmp(keys[j], s))
                dup = true;
        if (!dup)
            keys[k++] = s;
    }
    return k;
}

/* ------------------------------------------------------------ comparing */

#define UNIT_MATCH UBUR_NAME_UNIT_MATCH /* below this two units are not the same name */

double
ubur_name_match_credit(double sim)
{
    if (sim < UNIT_MATCH)
        return 0;
    /* a fuzzy match counts less than its similarity: 0.85 -> 0.775 */
    return sim >= 0.999 ? 1.0 : sim - (1.0 - sim) * 0.5;
}

/*
 * The weighted edit distance of two consonant skeletons (the bodies after
 * any "BD:"-style prefix), with the costs of ubur_name_phon_similarity. Two
 * phonetic forms cost at least this much apart: every consonant of one
 * skeleton must be matched, substituted or deleted.
 */
static double
skeleton_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    double d[UBUR_NAME_PHON + 1][UBUR_NAME_PHON + 1];
    if (n > UBUR_NAME_PHON)
        n = UBUR_NAME_PHON;
    if (m > UBUR_NAME_PHON)
        m = UBUR_NAME_PHON;
    const double *indel = indel_tab[0];
    d[0][0] = 0;
    for (size_t i = 1; i <= n; i++)
        d[i][0] = d[i - 1][0] + indel[a[i - 1] & 0x7f];
    for (size_t j = 1; j <= m; j++)
        d[0][j] = d[0][j - 1] + indel[b[j - 1] & 0x7f];
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            double best = d[i - 1][j - 1] + skel_sub_tab[a[i - 1] & 0x7f][b[j - 1] & 0x7f];
            double del = d[i - 1][j] + indel[a[i - 1] & 0x7f];
            double ins = d[i][j - 1] + indel[b[j - 1] & 0x7f];
            if (del < best)
                best = del;
            if (ins < best)
                best = ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                a[i - 1] != a[i - 2] && d[i - 2][j - 2] + 0.6 < best)
                best = d[i - 2][j - 2] + 0.6;
            d[i][j] = best;
        }
    return d[n][m];
}

/* Where the consonants of a key start (after "BD:", "B:", "M:"). */
static const char *
key_body(const char *k)
{
    const char *c = strchr(k, ':');
    return c ? c + 1 : k;
}

double
ubur_name_skeleton_distance(const char *a, const char *b)
{
    pthread_once(&cost_once, cost_init);
    const char *ab = key_body(a), *bb = key_body(b);
    if (ab - a != bb - b || strncmp(a, b, (size_t)(ab - a)))
        return -1; /* another kind of unit */
    if (ab[0] == '~' || bb[0] == '~')
        return strcmp(ab, bb) ? -1 : 0; /* vowel-only names: nothing to measure */
    return skeleton_distance(ab, bb);
}

double
ubur_name_phon_weight(const char *phon)
{
    pthread_once(&cost_once, cost_init);
    double w = 0;
    for (const char *p = phon; *p; p++)
        w += indel_tab[0][*p & 0x7f];
    return w;
}

double
ubur_name_skeleton_weight_max(const char *skel)
{
    pthread_once(&cost_once, cost_init);
    double w = 0.45;
    for (const char *p = key_body(skel); *p; p++)
        w += indel_tab[0][*p & 0x7f] + 0.45;
    return w;
}

double
ubur_name_sim_bound(double dist, double q_weight, double skel_weight_max)
{
    if (dist < 0)
        return 1.0; /* nothing known */
    if (dist == 0)
        return 1.0;
    double norm = q_weight > skel_weight_max ? q_weight : skel_weight_max;
    if (norm <= 0)
        return 1.0;
    double s = 1.0 - dist / norm;
    return s < 0 ? 0 : s;
}

double
ubur_name_unit_sim_bound(const struct ubur_name_unit *q, const char *skel)
{
    if (!strcmp(q->skel, skel))
        return 1.0;
    double d = ubur_name_skeleton_distance(q->skel, skel);
    const char *qb = key_body(q->skel), *sb = key_body(skel);
    if (d < 0 && (qb - q->skel != sb - skel || strncmp(q->skel, skel, (size_t)(qb - q->skel))))
        return 0.5; /* another kind of unit: at most half (ubur_name_unit_similarity) */
    return ubur_name_sim_bound(d, ubur_name_phon_weight(q->phon),
                               ubur_name_skeleton_weight_max(skel));
}

struct pair {
    int i, j;
    double s;
};

static int
pair_cmp(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? 1 : -1;
    int da = abs(a->i - a->j), db = abs(b->i - b->j);
    if (da != db)
        return da - db;
    return a->i - b->i;
}

static const char *
unit_label(const struct ubur_name_unit *u)
{
    return u->text[0] ? u->text : u->phon;
}

/* Is seq[0..n-1] (distinct values) a rotation of its sorted order? */
static bool
is_rotation(const int *seq, int n)
{
    int breaks = 0;
    for (int k = 0; k < n; k++) {
        int a = seq[k], b = seq[(k + 1) % n];
        if (b < a)
            breaks++;
    }
    return breaks <= 1;
}

/* How out of order an assignment reads: 0 in order, 1 when one name moved from the end
 * to the front or back (a family name), else 2 + the number of inversions. */
static int
order_cost(const int *ma, int n)
{
    int seq[UBUR_NAME_MAX_UNITS], ns = 0, inv = 0;
    for (int i = 0; i < n; i++)
        if (ma[i] >= 0)
            seq[ns++] = ma[i];
    for (int x = 0; x < ns; x++)
        for (int y = x + 1; y < ns; y++)
            inv += seq[x] > seq[y];
    if (!inv)
        return 0;
    return ns >= 3 && is_rotation(seq, ns) ? 1 : 2 + inv;
}

size_t
ubur_name_letters(const struct ubur_name *n, char *out, size_t cap)
{
    size_t o = 0;
    for (int i = 0; i < n->n; i++) {
        const struct ubur_name_unit *u = &n->u[i];
        if (!u->letters[0])
            return 0;
        const char *parts[2] = {
            (u->flags & UBUR_UNIT_ARTICLE) && u->kind == UBUR_UNIT_PLAIN ? "al" : "", u->letters};
        for (int k = 0; k < 2; k++) {
            size_t l = strlen(parts[k]);
            if (o + l + 1 > cap)
                return 0;
            memcpy(out + o, parts[k], l);
            o += l;
        }
    }
    if (cap)
        out[o] = '\0';
    return o;
}

double
ubur_names_compare(const struct ubur_name *a, const struct ubur_name *b, struct ubur_buf *explain)
{
    double sim[UBUR_NAME_MAX_UNITS][UBUR_NAME_MAX_UNITS];
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            sim[i][j] = ubur_name_unit_match_similarity(&a->u[i], b->u[j].phon, b->u[j].letters,
                                                        b->u[j].kind, b->u[j].flags);
    return ubur_names_compare_sim(a, b, (const double(*)[UBUR_NAME_MAX_UNITS])sim, explain);
}

/*
 * Words split or joined differently in the two writings: two neighbouring units of one
 * name that sound, run together, like one unit of the other (خدايرحيم and Khudai Rahim,
 * ظاهرعويس and Dahir Aweys, ما يشو and Maychou), or a patronym written with its "bin"
 * glued on one side (بنحسين, Benhassine) and apart on the other. Only plain units, and
 * only where the units it joins are unmatched or matched less well than the joined
 * reading.
 */
#define MERGE_MIN 0.80 /* the joined reading must sound this alike: it is a structural guess */

/* The vowel symbols of the phonetic alphabet (a e i u, the long A W Y, E, O, the elided vowel
 * and the kept vowels 1-9), as a table: consonants() runs for most names a search scores. */
static const bool vowel_sym[128] = {
    ['a'] = true, ['e'] = true, ['i'] = true, ['u'] = true, ['A'] = true,
    ['W'] = true, ['Y'] = true, ['E'] = true, ['O'] = true, [ELIDED] = true,
    ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true,
    ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true};

static bool
is_vowel_sym(char c)
{
    return vowel_sym[c & 0x7f] && !(c & 0x80);
}

/* The consonants of a phonetic form, and its first and last (0 when none). */
static int
consonants(const char *phon, char *first, char *last)
{
    int n = 0;
    *first = *last = 0;
    for (; *phon; phon++)
        if (!is_vowel_sym(*phon)) {
            if (!n)
                *first = *phon;
            *last = *phon;
            n++;
        }
    return n;
}

/* Two consonants that may stand for one letter (the same class or a close one). */
static bool
consonant_near(char a, char b)
{
    return a && b && sub_tab[a & 0x7f][b & 0x7f] <= 0.45;
}

/* The phonetic form of x (and y, when not NULL) written as one word, with "bin" before it
 * when `bin`. Returns false when it does not fit. */
static bool
joined_phon(const struct ubur_name_unit *x, const struct ubur_name_unit *y, bool bin,
            char out[UBUR_NAME_PHON])
{
    bool arabic = x->flags & UBUR_UNIT_ARABIC;
    if (!arabic && x->letters[0] && (!y || y->letters[0])) {
        char l[UBUR_NAME_PHON * 3];
        snprintf(l, sizeof(l), "%s%s%s", bin ? "bin" : "", x->letters, y ? y->letters : "");
        if (strlen(l) >= UBUR_NAME_PHON)
            return false;
        latin_phon(l, out);
        return true;
    }
    int w = snprintf(out, UBUR_NAME_PHON, "%s%s%s", bin ? (arabic ? "BN" : "BiN") : "", x->phon,
                     y ? y->phon : "");
    return w > 0 && w < UBUR_NAME_PHON;
}

static bool
mergeable(const struct ubur_name_unit *u)
{
    return u->kind == UBUR_UNIT_PLAIN && !(u->flags & (UBUR_UNIT_DIN | UBUR_UNIT_ARTICLE)) &&
           u->phon[0];
}

bool
ubur_name_join_units(const struct ubur_name_unit *a, const struct ubur_name_unit *b,
                     struct ubur_name_unit *out)
{
    if (!mergeable(b) || (b->flags & UBUR_UNIT_NASAB) || a->kind != UBUR_UNIT_PLAIN ||
        (a->flags & UBUR_UNIT_DIN) || !a->phon[0] ||
        !!(a->flags & UBUR_UNIT_ARABIC) != !!(b->flags & UBUR_UNIT_ARABIC))
        return false;
    memset(out, 0, sizeof(*out));
    if (!joined_phon(a, b, false, out->phon))
        return false;
    out->kind = UBUR_UNIT_PLAIN;
    out->flags = a->flags & (UBUR_UNIT_ARABIC | UBUR_UNIT_NASAB | UBUR_UNIT_ARTICLE);
    skeleton(out->phon, out->skel, sizeof(out->skel));
    if (a->letters[0] && b->letters[0] &&
        strlen(a->letters) + strlen(b->letters) < sizeof(out->letters))
        snprintf(out->letters, sizeof(out->letters), "%s%s", a->letters, b->letters);
    snprintf(out->text, sizeof(out->text), "%.18s+%.18s", a->text, b->text);
    out->weight = unit_weight(out->skel);
    return true;
}

/*
 * Tries the joined readings of x's units against y's (ma: x's matches, mb: y's, ms: the
 * similarity of each x unit's match, ys of each y unit's). A joined pair i, i+1 of x
 * matched to j of y is written ma[i] = ma[i+1] = j, mb[j] = i, and join[i] = 1 (2 for a
 * glued bin: x unit i alone). Returns whether anything changed.
 */
static bool
merge_units(const struct ubur_name *x, const struct ubur_name *y, int *ma, int *mb, double *ms,
            double *ys, unsigned char *join)
{
    bool changed = false;
    pthread_once(&cost_once, cost_init);
    /* each side's consonants once; nothing to do when no unit of y may take a joined word
     * (this runs for most names a search scores) */
    char xf_[UBUR_NAME_MAX_UNITS], xl_[UBUR_NAME_MAX_UNITS], yf_[UBUR_NAME_MAX_UNITS],
        yl_[UBUR_NAME_MAX_UNITS];
    int xc_[UBUR_NAME_MAX_UNITS], yc_[UBUR_NAME_MAX_UNITS];
    bool any = false;
    for (int j = 0; j < y->n; j++) {
        const struct ubur_name_unit *v = &y->u[j];
        yc_[j] = -9;
        if (v->kind != UBUR_UNIT_PLAIN || (v->flags & UBUR_UNIT_DIN) || !v->phon[0] ||
            (mb[j] >= 0 && ys[j] >= MERGE_MIN))
            continue;
        yc_[j] = consonants(v->phon, &yf_[j], &yl_[j]);
        if (yc_[j] < 2 || (yc_[j] == 2 && strlen(v->phon) < 4))
            yc_[j] = -9;
        else
            any = true;
    }
    if (!any)
        return false;
    /* x's consonants when first needed: most of its units are matched well and skipped */
    for (int i = 0; i < x->n; i++)
        xc_[i] = -1;
    for (int i = 0; i < x->n; i++) {
        const struct ubur_name_unit *u1 = &x->u[i];
        bool bin = (u1->flags & UBUR_UNIT_NASAB) != 0;
        const struct ubur_name_unit *u2 = i + 1 < x->n ? &x->u[i + 1] : NULL;
        if (u2 && (!mergeable(u2) || (u2->flags & UBUR_UNIT_NASAB) ||
                   !!(u1->flags & UBUR_UNIT_ARABIC) != !!(u2->flags & UBUR_UNIT_ARABIC) ||
                   (ma[i + 1] >= 0 && ms[i + 1] >= MERGE_MIN) || join[i + 1]))
            u2 = NULL;
        if (u1->kind != UBUR_UNIT_PLAIN || (u1->flags & UBUR_UNIT_DIN) || !u1->phon[0] || join[i] ||
            (ma[i] >= 0 && ms[i] >= MERGE_MIN) || (i > 0 && join[i - 1] == 1))
            continue;
        if (xc_[i] < 0)
            xc_[i] = consonants(u1->phon, &xf_[i], &xl_[i]);
        if (u2 && xc_[i + 1] < 0)
            xc_[i + 1] = consonants(u2->phon, &xf_[i + 1], &xl_[i + 1]);
        /* two units joined; or a patronym with its bin glued on */
        for (int form = 0; form < 2; form++) {
            bool with_bin = form == 1;
            if ((with_bin && !bin) || (!with_bin && !u2))
                continue;
            const struct ubur_name_unit *second = with_bin ? NULL : u2;
            int cx = xc_[i] + with_bin + (second ? xc_[i + 1] : 0);
            char xf = with_bin ? 'B' : xf_[i], xl = second && xl_[i + 1] ? xl_[i + 1] : xl_[i];
            char jp[UBUR_NAME_PHON] = "";
            for (int j = 0; j < y->n; j++) {
                const struct ubur_name_unit *v = &y->u[j];
                int cy = yc_[j];
                if (cy < 0 || cx - cy > 1 || cy - cx > 1 ||
                    (with_bin && (v->flags & UBUR_UNIT_NASAB)))
                    continue;
                /* cheap before the distance: the joined word begins and ends as v does */
                if (!consonant_near(xf, yf_[j]) || !consonant_near(xl, yl_[j]))
                    continue;
                /* the other side's unit matched well already, or to another unit */
                if (mb[j] >= 0 && mb[j] != i && (!second || mb[j] != i + 1))
                    continue;
                if (mb[j] >= 0 && ys[j] >= MERGE_MIN)
                    continue;
                if (!jp[0] && !joined_phon(u1, second, with_bin, jp))
                    break;
                double sj = ubur_name_phon_similarity(jp, v->phon, u1->flags & UBUR_UNIT_ARABIC,
                                                      v->flags & UBUR_UNIT_ARABIC);
                if (sj < MERGE_MIN)
                    continue;
                /* undo what the joined units and j were matched to */
                int undo[3] = {ma[i], second ? ma[i + 1] : -1, j};
                for (int k = 0; k < 2; k++)
                    if (undo[k] >= 0) {
                        mb[undo[k]] = -1;
                        ys[undo[k]] = 0;
                    }
                if (mb[j] >= 0) {
                    ma[mb[j]] = -1;
                    ms[mb[j]] = 0;
                }
                ma[i] = j;
                ms[i] = sj;
                if (second) {
                    ma[i + 1] = j;
                    ms[i + 1] = sj;
                }
                mb[j] = i;
                ys[j] = sj;
                join[i] = second ? 1 : 2;
                changed = true;
                break;
            }
            if (join[i])
                break;
        }
    }
    return changed;
}

double
ubur_names_compare_sim(const struct ubur_name *a, const struct ubur_name *b,
                       const double (*sim)[UBUR_NAME_MAX_UNITS], struct ubur_buf *explain)
{
    struct pair pairs[UBUR_NAME_MAX_UNITS * UBUR_NAME_MAX_UNITS];
    int np = 0, ma[UBUR_NAME_MAX_UNITS], mb[UBUR_NAME_MAX_UNITS];
    double sa = 0, sb = 0, wa_m = 0, wb_m = 0, info = 0;

    if (a->n == 0 || b->n == 0)
        return 0.0;
    for (int i = 0; i < a->n; i++) {
        ma[i] = -1;
        sa += a->u[i].weight;
        for (int j = 0; j < b->n; j++) {
            double s = sim[i][j];
            if (s >= UNIT_MATCH)
                pairs[np++] = (struct pair){i, j, s};
        }
    }
    for (int j = 0; j < b->n; j++) {
        mb[j] = -1;
        sb += b->u[j].weight;
    }
    /* insertion sort: a handful of pairs, and this runs for every candidate */
    for (int k = 1; k < np; k++) {
        struct pair x = pairs[k];
        int m = k - 1;
        while (m >= 0 && pair_cmp(&pairs[m], &x) > 0) {
            pairs[m + 1] = pairs[m];
            m--;
        }
        pairs[m + 1] = x;
    }
    double msim[UBUR_NAME_MAX_UNITS] = {0};
    for (int k = 0; k < np; k++) {
        struct pair *p = &pairs[k];
        if (ma[p->i] >= 0 || mb[p->j] >= 0)
            continue;
        ma[p->i] = p->j;
        mb[p->j] = p->i;
        msim[p->i] = p->s;
        /* a fuzzy match counts less than its similarity: 0.85 -> 0.775 */
        double c = ubur_name_match_credit(p->s);
        wa_m += c * a->u[p->i].weight;
        wb_m += c * b->u[p->j].weight;
        info += (a->u[p->i].weight + b->u[p->j].weight) / 2;
    }
    /* Units matched as well either way (a name repeated: "Nik Mohammad Dost Mohammad")
     * pair in the order that reads most like the other name: swapping two such pairs
     * changes no similarity, only the order. */
    for (bool changed = true; changed;) {
        changed = false;
        int cost = order_cost(ma, a->n);
        for (int i = 0; i < a->n && !changed; i++)
            for (int j = i + 1; j < a->n && !changed; j++) {
                if (ma[i] < 0 || ma[j] < 0)
                    continue;
                if (sim[i][ma[j]] != sim[i][ma[i]] || sim[j][ma[i]] != sim[j][ma[j]])
                    continue;
                int t = ma[i];
                ma[i] = ma[j];
                ma[j] = t;
                int c2 = order_cost(ma, a->n);
                if (c2 < cost) {
                    mb[ma[i]] = i;
                    mb[ma[j]] = j;
                    changed = true;
                } else {
                    ma[j] = ma[i];
                    ma[i] = t;
                }
            }
    }
    /* Words split or joined differently (merge_units): tried only when units are left
     * unmatched or weakly matched on both sides. */
    unsigned char join_a[UBUR_NAME_MAX_UNITS] = {0}, join_b[UBUR_NAME_MAX_UNITS] = {0};
    {
        int weak_a = 0, weak_b = 0;
        double bsim[UBUR_NAME_MAX_UNITS] = {0};
        for (int i = 0; i < a->n; i++)
            weak_a += ma[i] < 0 || msim[i] < MERGE_MIN;
        for (int j = 0; j < b->n; j++) {
            weak_b += mb[j] < 0 || (mb[j] >= 0 && msim[mb[j]] < MERGE_MIN);
            if (mb[j] >= 0)
                bsim[j] = msim[mb[j]];
        }
        if (weak_a && weak_b) {
            bool ch = merge_units(a, b, ma, mb, msim, bsim, join_a);
            ch |= merge_units(b, a, mb, ma, bsim, msim, join_b);
            if (ch) {
                /* coverage again from the matches as they now stand */
                wa_m = wb_m = info = 0;
                for (int i = 0; i < a->n; i++)
                    if (ma[i] >= 0) {
                        wa_m += ubur_name_match_credit(msim[i]) * a->u[i].weight;
                        info += a->u[i].weight / 2;
                    }
                for (int j = 0; j < b->n; j++)
                    if (mb[j] >= 0) {
                        wb_m += ubur_name_match_credit(bsim[j]) * b->u[j].weight;
                        info += b->u[j].weight / 2;
                    }
                /* msim is read by a's side below: a unit of a joined in b's reading */
                for (int i = 0; i < a->n; i++)
                    if (ma[i] >= 0 && join_b[ma[i]])
                        msim[i] = bsim[ma[i]];
            }
        }
    }
    double ca = wa_m / sa, cb = wb_m / sb;
    double score = sqrt(ca * cb);

    if (explain) {
        bool first = true;
        for (int i = 0; i < a->n; i++) {
            if (ma[i] < 0 || (i > 0 && join_a[i - 1] == 1) ||
                (i > 0 && ma[i - 1] == ma[i] && join_b[ma[i]] == 0 && join_a[i - 1]))
                continue;
            const struct ubur_name_unit *x = &a->u[i], *y = &b->u[ma[i]];
            char lx[2 * UBUR_NAME_TEXT + 8], ly[2 * UBUR_NAME_TEXT + 8];
            snprintf(lx, sizeof(lx), "%s%s%s%s", join_a[i] == 2 ? "bin " : "", unit_label(x),
                     join_a[i] == 1 ? "+" : "", join_a[i] == 1 ? unit_label(&a->u[i + 1]) : "");
            int jy = ma[i];
            snprintf(ly, sizeof(ly), "%s%s%s%s", join_b[jy] == 2 ? "bin " : "", unit_label(y),
                     join_b[jy] == 1 ? "+" : "", join_b[jy] == 1 ? unit_label(&b->u[jy + 1]) : "");
            ubur_buf_addf(explain, "%s%s%s%s %.2f%s%s", first ? "" : "; ", lx,
                          msim[i] >= 0.999 ? "=" : "~", ly, msim[i],
                          x->weight < 0.75f ? " (common)" : "",
                          join_a[i] || join_b[jy] ? " (written as one word on one side)" : "");
            first = false;
        }
        for (int i = 0; i < a->n; i++)
            if (ma[i] < 0)
                ubur_buf_addf(explain, "%sunmatched %s", first ? "" : "; ", unit_label(&a->u[i])),
                    first = false;
        for (int j = 0; j < b->n; j++)
            if (mb[j] < 0)
                ubur_buf_addf(explain, "%sunmatched %s", first ? "" : "; ", unit_label(&b->u[j])),
                    first = false;
    }

    /* Order: a swapped given name and patronym is another person. */
    int seq[UBUR_NAME_MAX_UNITS], ns = 0, inv = 0;
    bool nasab_cross = false, nasab_role = false;
    bool a_nasab = false, b_nasab = false;
    for (int i = 0; i < a->n; i++)
        a_nasab |= (a->u[i].flags & UBUR_UNIT_NASAB) != 0;
    for (int j = 0; j < b->n; j++)
        b_nasab |= (b->u[j].flags & UBUR_UNIT_NASAB) != 0;
    for (int i = 0; i < a->n; i++) {
        if (ma[i] < 0)
            continue;
        seq[ns++] = ma[i];
        if (a_nasab && b_nasab && ((a->u[i].flags ^ b->u[ma[i]].flags) & UBUR_UNIT_NASAB) &&
            join_a[i] != 2 && join_b[ma[i]] != 2) /* "Ben Hassine" = "بنحسين": the same role */
            nasab_role = true;
    }
    for (int x = 0; x < ns; x++)
        for (int y = x + 1; y < ns; y++)
            if (seq[x] > seq[y]) {
                inv++;
                /* find the units to see whether a patronym moved */
                for (int i = 0; i < a->n; i++)
                    if (ma[i] == seq[x] || ma[i] == seq[y])
                        if ((a->u[i].flags | b->u[ma[i]].flags) & UBUR_UNIT_NASAB)
                            nasab_cross = true;
            }
    /* The family name moved to the front or the back (passports and lists disagree on
     * where it goes), everything else in order: not a patronym moving. */
    bool family_moved = false;
    if (inv && ns >= 3) {
        bool front = true, back = true;
        for (int x = 1; x < ns; x++) {
            front &= seq[x] < seq[0] && (x == 1 || seq[x - 1] < seq[x]);
            back &= seq[x - 1] > seq[ns - 1] && (x == 1 || seq[x - 2] < seq[x - 1]);
        }
        int moved = -1;
        if (front || back) {
            int target = front ? seq[0] : seq[ns - 1];
            for (int i = 0; i < a->n; i++)
                if (ma[i] == target)
                    moved = i;
        }
        /* even "bin Laden": the last name, moved whole, is the family name */
        family_moved = moved >= 0;
    }
    if (nasab_role || (inv && nasab_cross && !family_moved)) {
        score *= 0.55;
        if (explain)
            ubur_buf_adds(explain, "; order differs: the patronym (bin/ibn) is another name");
    } else if (inv) {
        bool rot = family_moved || (ns >= 3 && is_rotation(seq, ns));
        bool head_swap = ns >= 2 && seq[0] == 1 && seq[1] == 0 && ma[0] == 1 && ma[1] == 0;
        if (rot) {
            score *= 0.96;
            if (explain)
                ubur_buf_adds(explain, "; reordered (family name moved)");
        } else if (head_swap && ns >= 3) {
            score *= 0.6;
            if (explain)
                ubur_buf_adds(explain, "; given name and father's name swapped");
        } else {
            score *= ns == 2 ? 0.85 : 0.75;
            if (explain)
                ubur_buf_adds(explain, "; order differs");
        }
    }

    /* Origin and family names: both present and different lowers the score. */
    int ua = -1, ub = -1;
    for (int i = 0; i < a->n; i++)
        if (ma[i] < 0 && (a->u[i].flags & UBUR_UNIT_ARTICLE))
            ua = i;
    for (int j = 0; j < b->n; j++)
        if (mb[j] < 0 && (b->u[j].flags & UBUR_UNIT_ARTICLE))
            ub = j;
    if (ua >= 0 && ub >= 0) {
        score *= 0.75;
        if (explain)
            ubur_buf_addf(explain, "; different origin or family: %s vs %s", unit_label(&a->u[ua]),
                          unit_label(&b->u[ub]));
    } else if (a->n >= 3 && b->n >= 3 && ma[a->n - 1] < 0 && mb[b->n - 1] < 0 &&
               !(a->u[a->n - 1].flags & UBUR_UNIT_NASAB) &&
               !(b->u[b->n - 1].flags & UBUR_UNIT_NASAB)) {
        score *= 0.85;
        if (explain)
            ubur_buf_addf(explain, "; different family name: %s vs %s", unit_label(&a->u[a->n - 1]),
                          unit_label(&b->u[b->n - 1]));
    }

    /* Little information matched (only common names): hold the score down a little. */
    if (info < 1.2) {
        score *= 0.85 + 0.15 * (info / 1.2);
        if (explain && ns > 0)
            ubur_buf_adds(explain, "; only common names matched");
    }

    /* The whole names written one letter apart: one typo, wherever it fell (in a particle,
     * a hyphen, between two names), is the same name mistyped. Long names only: in a short
     * one, a letter is a good part of the evidence. */
    if (score < 0.9 && a->n >= 2 && b->n >= 2) {
        char la[UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON], lb[UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON];
        /* the other name first: in a search it is the one whose letters may be left out */
        size_t nb = ubur_name_letters(b, lb, sizeof(lb));
        size_t na = nb ? ubur_name_letters(a, la, sizeof(la)) : 0;
        /* one typo: lengths at most one apart, at most one letter in and one out of the set
         * (cheap tests first: this runs for most candidates a search scores) */
        uint32_t seta = 0, setb = 0;
        for (size_t i = 0; na && nb && (na > nb ? na - nb : nb - na) <= 1 && i < na; i++)
            seta |= 1u << ((unsigned char)la[i] & 31);
        for (size_t i = 0; seta && i < nb; i++)
            setb |= 1u << ((unsigned char)lb[i] & 31);
        if (seta && __builtin_popcount(seta ^ setb) <= 2) {
            size_t l = na > nb ? na : nb;
            if (l >= UBUR_NAME_TYPO_MIN && one_edit(la, na, lb, nb)) {
                double t = 1.0 - 2.5 / (double)l;
                if (t > score) {
                    score = t;
                    if (explain)
                        ubur_buf_addf(explain, "; written one letter apart: %.2f", t);
                }
            }
        }
    }
    if (score > 1)
        score = 1;
    if (score < 0)
        score = 0;
    return score;
}

/* --------------------------------------------------------------- facts */

int
ubur_dob_parse(const char *s, struct ubur_dob *out, struct ubur_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!s)
        return 0;
    while (*s == ' ')
        s++;
    if (!*s)
        return 0;
    const char *orig = s;
    if (*s == '~') {
        out->circa = true;
        s++;
    } else if (!strncmp(s, "circa ", 6)) {
        out->circa = true;
        s += 6;
    } else if (!strncmp(s, "c. ", 3)) {
        out->circa = true;
        s += 3;
    }
    int y1, y2, m, d, n = 0;
    size_t len = strlen(s);
    if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y1, &m, &d, &n) == 3 && n == 10) {
        if (y1 < 1850 || y1 > 2200 || !ubur_date_valid(y1, m, d))
            goto bad;
        out->kind = UBUR_DOB_EXACT;
        out->from = out->to = (int32_t)ubur_days_from_civil(y1, m, d);
        return 0;
    }
    if (len == 7 && sscanf(s, "%4d-%2d%n", &y1, &m, &n) == 2 && n == 7) {
        if (y1 < 1850 || y1 > 2200 || m < 1 || m > 12)
            goto bad;
        out->kind = UBUR_DOB_MONTH;
        out->from = (int32_t)ubur_days_from_civil(y1, m, 1);
        out->to = (int32_t)(m == 12 ? ubur_days_from_civil(y1 + 1, 1, 1)
                                    : ubur_days_from_civil(y1, m + 1, 1)) -
                  1;
        return 0;
    }
    if (len == 4 && sscanf(s, "%4d%n", &y1, &n) == 1 && n == 4) {
        if (y1 < 1850 || y1 > 2200)
            goto bad;
        out->kind = UBUR_DOB_YEAR;
        out->from = (int32_t)ubur_days_from_civil(y1, 1, 1);
        out->to = (int32_t)ubur_days_from_civil(y1, 12, 31);
        return 0;
    }
    if ((len == 10 && sscanf(s, "%4d..%4d%n", &y1, &y2, &n) == 2 && n == 10) ||
        (len == 9 && sscanf(s, "%4d-%4d%n", &y1, &y2, &n) == 2 && n == 9)) {
        if (y1 < 1850 || y2 > 2200 || y2 < y1)
            goto bad;
        out->kind = UBUR_DOB_RANGE;
        out->from = (int32_t)ubur_days_from_civil(y1, 1, 1);
        out->to = (int32_t)ubur_days_from_civil(y2, 12, 31);
        return 0;
    }
bad:
    memset(out, 0, sizeof(*out));
    return ubur_error_field(err, UBUR_EINVAL, "dob",
                            "'%.40s' is not a date of birth (YYYY, YYYY-MM, YYYY-MM-DD or "
                            "YYYY..YYYY)",
                            orig);
}

void
ubur_dob_format(const struct ubur_dob *d, char out[32])
{
    int y, m, dd, y2, m2, d2;
    ubur_civil_from_days(d->from, &y, &m, &dd);
    ubur_civil_from_days(d->to, &y2, &m2, &d2);
    const char *c = d->circa ? "~" : "";
    switch (d->kind) {
    case UBUR_DOB_EXACT:
        snprintf(out, 32, "%s%04d-%02d-%02d", c, y, m, dd);
        break;
    case UBUR_DOB_MONTH:
        snprintf(out, 32, "%s%04d-%02d", c, y, m);
        break;
    case UBUR_DOB_YEAR:
        snprintf(out, 32, "%s%04d", c, y);
        break;
    case UBUR_DOB_RANGE:
        snprintf(out, 32, "%s%04d..%04d", c, y, y2);
        break;
    default:
        out[0] = '\0';
    }
}

/* Years between two dobs (0 when they overlap), with circa widening. */
static double
dob_gap_years(const struct ubur_dob *a, const struct ubur_dob *b)
{
    int32_t af = a->from, at = a->to, bf = b->from, bt = b->to;
    if (a->circa) {
        af -= 731;
        at += 731;
    }
    if (b->circa) {
        bf -= 731;
        bt += 731;
    }
    if (at < bf)
        return (bf - at) / 365.25;
    if (bt < af)
        return (af - bt) / 365.25;
    return 0;
}

double
ubur_facts_adjust(const struct ubur_person_facts *q, const struct ubur_person_facts *c,
                  struct ubur_buf *explain)
{
    double adj = 0;
    char qa[32], ca[32];
    if (q->ndob > 0 && c->ndob > 0) {
        double best = -1;
        int bi = 0, bj = 0;
        bool same_day = false;
        for (int i = 0; i < q->ndob; i++)
            for (int j = 0; j < c->ndob; j++) {
                double g = dob_gap_years(&q->dob[i], &c->dob[j]);
                if (best < 0 || g < best) {
                    best = g;
                    bi = i;
                    bj = j;
                }
                if (q->dob[i].kind == UBUR_DOB_EXACT && c->dob[j].kind == UBUR_DOB_EXACT &&
                    q->dob[i].from == c->dob[j].from)
                    same_day = true;
            }
        ubur_dob_format(&q->dob[bi], qa);
        ubur_dob_format(&c->dob[bj], ca);
        double d;
        const char *why;
        if (same_day) {
            d = 0.08;
            why = "born the same day";
        } else if (best == 0) {
            bool both_exact =
                q->dob[bi].kind == UBUR_DOB_EXACT && c->dob[bj].kind == UBUR_DOB_EXACT;
            d = both_exact ? -0.02 : 0.04;
            why = both_exact ? "same year, different day" : "birth dates agree";
        } else if (best < 1.5) {
            d = -0.06;
            why = "birth dates a year apart";
        } else if (best < 4) {
            d = -0.15;
            why = "birth dates years apart";
        } else {
            d = -0.30;
            why = "birth dates far apart";
        }
        adj += d;
        if (explain)
            ubur_buf_addf(explain, "; dob %s vs %s: %s (%+.2f)", qa, ca, why, d);
    }
    if (q->nnat > 0 && c->nnat > 0) {
        bool shared = false;
        for (int i = 0; i < q->nnat && !shared; i++)
            for (int j = 0; j < c->nnat; j++)
                if (!strcmp(q->nat[i], c->nat[j])) {
                    shared = true;
                    break;
                }
        double d = shared ? 0.03 : -0.07;
        adj += d;
        if (explain)
            ubur_buf_addf(explain, "; nationality %s %s %s (%+.2f)", q->nat[0],
                          shared ? "shared with" : "vs", c->nat[0], d);
    }
    if (q->sex && c->sex && q->sex != c->sex) {
        adj -= 0.30;
        if (explain)
            ubur_buf_addf(explain, "; sex %c vs %c (-0.30)", q->sex, c->sex);
    }
    return adj;
}

double
ubur_person_score(const struct ubur_name *qn, const struct ubur_person_facts *qf,
                  const struct ubur_name *cn, const struct ubur_person_facts *cf,
                  struct ubur_buf *explain)
{
    size_t mark = explain ? explain->len : 0;
    if (explain)
        ubur_buf_adds(explain, "name ");
    double n = ubur_names_compare(qn, cn, explain);
    if (explain) {
        /* put the name score right after "name " */
        char num[16];
        snprintf(num, sizeof(num), "%.2f: ", n);
        struct ubur_buf tmp = UBUR_BUF_INIT;
        ubur_buf_adds(&tmp, explain->s + mark + 5);
        explain->len = mark + 5;
        explain->s[explain->len] = '\0';
        ubur_buf_adds(explain, num);
        ubur_buf_add(explain, tmp.s, tmp.len);
        ubur_buf_release(&tmp);
    }
    double s = n;
    if (qf && cf)
        s += ubur_facts_adjust(qf, cf, explain);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* ------------------------------------------------------------ countries */

static const struct {
    const char a2[3], a3[4];
    const char *name;
} countries[] = {
    {"AF", "AFG", "afghanistan"},
    {"DZ", "DZA", "algeria"},
    {"BH", "BHR", "bahrain"},
    {"BD", "BGD", "bangladesh"},
    {"BA", "BIH", "bosnia and herzegovina"},
    {"CF", "CAF", "central african republic"},
    {"TD", "TCD", "chad"},
    {"CN", "CHN", "china"},
    {"CG", "COG", "congo"},
    {"CD", "COD", "democratic republic of the congo"},
    {"KP", "PRK", "democratic people's republic of korea"},
    {"DJ", "DJI", "djibouti"},
    {"EG", "EGY", "egypt"},
    {"ER", "ERI", "eritrea"},
    {"ET", "ETH", "ethiopia"},
    {"FR", "FRA", "france"},
    {"GA", "GAB", "gabon"},
    {"GE", "GEO", "georgia"},
    {"DE", "D", "germany"},
    {"GW", "GNB", "guinea-bissau"},
    {"HT", "HTI", "haiti"},
    {"IN", "IND", "india"},
    {"ID", "IDN", "indonesia"},
    {"IR", "IRN", "iran"},
    {"IQ", "IRQ", "iraq"},
    {"IL", "ISR", "israel"},
    {"IT", "ITA", "italy"},
    {"JO", "JOR", "jordan"},
    {"KZ", "KAZ", "kazakhstan"},
    {"KE", "KEN", "kenya"},
    {"KW", "KWT", "kuwait"},
    {"KG", "KGZ", "kyrgyzstan"},
    {"LB", "LBN", "lebanon"},
    {"LY", "LBY", "libya"},
    {"MY", "MYS", "malaysia"},
    {"ML", "MLI", "mali"},
    {"MR", "MRT", "mauritania"},
    {"MA", "MAR", "morocco"},
    {"NE", "NER", "niger"},
    {"NG", "NGA", "nigeria"},
    {"NO", "NOR", "norway"},
    {"OM", "OMN", "oman"},
    {"PK", "PAK", "pakistan"},
    {"PS", "PSE", "state of palestine"},
    {"PH", "PHL", "philippines"},
    {"QA", "QAT", "qatar"},
    {"RU", "RUS", "russian federation"},
    {"RW", "RWA", "rwanda"},
    {"SA", "SAU", "saudi arabia"},
    {"SN", "SEN", "senegal"},
    {"SO", "SOM", "somalia"},
    {"SS", "SSD", "south sudan"},
    {"SD", "SDN", "sudan"},
    {"SE", "SWE", "sweden"},
    {"SY", "SYR", "syrian arab republic"},
    {"TJ", "TJK", "tajikistan"},
    {"TZ", "TZA", "united republic of tanzania"},
    {"TT", "TTO", "trinidad and tobago"},
    {"TN", "TUN", "tunisia"},
    {"TR", "TUR", "turkiye"},
    {"TM", "TKM", "turkmenistan"},
    {"UG", "UGA", "uganda"},
    {"AE", "ARE", "united arab emirates"},
    {"GB", "GBR", "united kingdom of great britain and northern ireland"},
    {"US", "USA", "united states of america"},
    {"UZ", "UZB", "uzbekistan"},
    {"YE", "YEM", "yemen"},
    {"AZ", "AZE", "azerbaijan"},
    {"AM", "ARM", "armenia"},
    {"AT", "AUT", "austria"},
    {"AU", "AUS", "australia"},
    {"BE", "BEL", "belgium"},
    {"CA", "CAN", "canada"},
    {"DK", "DNK", "denmark"},
    {"ES", "ESP", "spain"},
    {"FI", "FIN", "finland"},
    {"GR", "GRC", "greece"},
    {"NL", "NLD", "netherlands"},
    {"CH", "CHE", "switzerland"},
    {"CY", "CYP", "cyprus"},
    {"KM", "COM", "comoros"},
    {"BF", "BFA", "burkina faso"},
    {"CM", "CMR", "cameroon"},
    {"XK", "XKX", "kosovo"},
    {"AL", "ALB", "albania"},
    {"MK", "MKD", "north macedonia"},
    {"UA", "UKR", "ukraine"},
    {"BY", "BLR", "belarus"},
    {"LK", "LKA", "sri lanka"},
    {"MV", "MDV", "maldives"},
    {"NP", "NPL", "nepal"},
    {"MM", "MMR", "myanmar"},
    {"TH", "THA", "thailand"},
    {"SG", "SGP", "singapore"},
    {"BN", "BRN", "brunei darussalam"},
    {"PL", "POL", "poland"},
};

static const struct {
    const char *alias, *a3;
} country_aliases[] = {
    {"syria", "SYR"},
    {"turkey", "TUR"},
    {"russia", "RUS"},
    {"palestine", "PSE"},
    {"united kingdom", "GBR"},
    {"uk", "GBR"},
    {"united states", "USA"},
    {"usa", "USA"},
    {"north korea", "PRK"},
    {"tanzania", "TZA"},
    {"uae", "ARE"},
    {"deu", "D"},
    {"iran (islamic republic of)", "IRN"},
    {"uzb", "UZB"},
};

bool
ubur_country_alpha3(const char *in, char out[4])
{
    char low[80];
    size_t o = 0;
    out[0] = '\0';
    if (!in)
        return false;
    while (*in == ' ')
        in++;
    for (; *in && o + 1 < sizeof(low); in++) {
        unsigned char c = (unsigned char)*in;
        if (c >= 0x80) {
            /* "Türkiye": fold the ü */
            if (c == 0xc3 && in[1] == '\xbc') {
                low[o++] = 'u';
                in++;
            }
            continue;
        }
        low[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    while (o > 0 && low[o - 1] == ' ')
        o--;
    low[o] = '\0';
    size_t n = sizeof(countries) / sizeof(countries[0]);
    for (size_t i = 0; i < n; i++) {
        char a2[3] = {(char)(countries[i].a2[0] + 32), (char)(countries[i].a2[1] + 32), 0};
        char a3[4];
        for (int k = 0; k < 4; k++)
            a3[k] = (char)(countries[i].a3[k] >= 'A' && countries[i].a3[k] <= 'Z'
                               ? countries[i].a3[k] + 32
                               : countries[i].a3[k]);
        if (!strcmp(low, a2) || !strcmp(low, a3) || !strcmp(low, countries[i].name)) {
            snprintf(out, 4, "%s", countries[i].a3);
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(country_aliases) / sizeof(country_aliases[0]); i++)
        if (!strcmp(low, country_aliases[i].alias)) {
            snprintf(out, 4, "%s", country_aliases[i].a3);
            return true;
        }
    /* any other well-formed alpha-3 is taken as is */
    if (o == 3 && low[0] >= 'a' && low[0] <= 'z' && low[1] >= 'a' && low[1] <= 'z' &&
        low[2] >= 'a' && low[2] <= 'z') {
        for (int k = 0; k < 3; k++)
            out[k] = (char)(low[k] - 32);
        out[3] = '\0';
        return true;
    }
    return false;
}
