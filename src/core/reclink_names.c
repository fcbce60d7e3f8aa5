/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record-linkage module's own name comparison (include/ubur/reclink.h):
 * a phonetic skeleton shared by Arabic script and its Latin spellings, and
 * Jaro-Winkler. It is deliberately simple, a fallback and a blocking key:
 * the name engine (include/ubur/names.h) is the real comparator, plugged
 * in through ubur_name_sim_fn. Invariant: the skeleton is pure ASCII, made
 * of the class letters "bdfhjklmnrstxzg" and single spaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ubur/reclink.h"
#include "ubur/banned.h"

#define MAX_CP 256

/* Decodes UTF-8 into code points (invalid bytes become U+FFFD); returns the count. */
static size_t
decode(const char *s, uint32_t *cp, size_t max)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < max) {
        uint32_t c = *p;
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len) {
            cp[n++] = 0xfffd;
            p++;
            continue;
        }
        if (len > 1) {
            c &= 0x3fu >> (len - 1);
            for (int i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80) {
                    c = 0xfffd;
                    len = i;
                    break;
                }
                c = (c << 6) | (p[i] & 0x3f);
            }
        }
        cp[n++] = c;
        p += len;
    }
    return n;
}

static bool
is_arabic(uint32_t c)
{
    return (c >= 0x0600 && c <= 0x06ff) || (c >= 0x0750 && c <= 0x077f) ||
           (c >= 0xfb50 && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfeff);
}

static bool
is_sep(uint32_t c)
{
    return c == ' ' || c == '-' || c == '\'' || c == '.' || c == ',' || c == '\t' || c == 0x2019 ||
           c == 0x2018 || c == 0x02bf || c == 0x02be || c == '`' || c == '_';
}

/* Class letter of an Arabic-script letter, or 0 to drop it. */
static char
arabic_class(uint32_t c)
{
    switch (c) {
    case 0x0628:
    case 0x067e:
        return 'b';
    case 0x062a:
    case 0x062b:
    case 0x0637:
        return 't';
    case 0x062c:
    case 0x0686:
    case 0x06af:
        return 'j';
    case 0x062d:
    case 0x0647:
        return 'h';
    case 0x062e:
        return 'x';
    case 0x062f:
    case 0x0630:
    case 0x0636:
        return 'd';
    case 0x0631:
    case 0x0695:
        return 'r';
    case 0x0632:
    case 0x0638:
    case 0x0698:
        return 'z';
    case 0x0633:
    case 0x0634:
    case 0x0635:
        return 's';
    case 0x063a:
        return 'g';
    case 0x0641:
    case 0x06a4:
        return 'f';
    case 0x0642:
    case 0x0643:
    case 0x06a9:
        return 'k';
    case 0x0644:
    case 0x06b5:
        return 'l';
    case 0x0645:
        return 'm';
    case 0x0646:
        return 'n';
    default:
        return 0; /* alef, waw, ya, hamza, ayn, ta marbuta, diacritics */
    }
}

static bool
latin_vowel(uint32_t c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == 'w' ||
           (c >= 0xe0 && c <= 0xff && c != 0xe7 && c != 0xf1);
}

static uint32_t
lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xc0 && c <= 0xde && c != 0xd7)
        return c + 32;
    return c;
}

/* Appends class letter k unless it repeats the last one. */
static void
put(char *tok, size_t *n, size_t cap, char k)
{
    if (k && *n + 1 < cap && (*n == 0 || tok[*n - 1] != k))
        tok[(*n)++] = k;
}

static bool
tok_is(const uint32_t *t, size_t n, const char *w)
{
    size_t l = strlen(w);
    if (l != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] != (unsigned char)w[i])
            return false;
    return true;
}

/* Skeleton of one Latin token t[0..n-1] (lower case). */
static size_t
latin_token(const uint32_t *t, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = t[i], d = i + 1 < n ? t[i + 1] : 0;
        if (latin_vowel(c))
            continue;
        if (d == 'h' && (c == 'k' || c == 'g' || c == 's' || c == 't' || c == 'd' || c == 'p' ||
                         c == 'c' || c == 'z')) {
            put(out, &k, cap,
                c == 'k'   ? 'x'
                : c == 'g' ? 'g'
                : c == 't' ? 't'
                : c == 'd' ? 'd'
                : c == 'p' ? 'f'
                : c == 'z' ? 'z'
                           : 's');
            i++;
            continue;
        }
        if (c == 'd' && d == 'j') {
            put(out, &k, cap, 'j');
            i++;
            continue;
        }
        if (c == 'h' && i == n - 1 && i > 0 && latin_vowel(t[i - 1]))
            continue; /* Fatimah: a final h after a vowel is the ta marbuta */
        char cls = 0;
        switch (c) {
        case 'b':
        case 'p':
            cls = 'b';
            break;
        case 't':
            cls = 't';
            break;
        case 'd':
            cls = 'd';
            break;
        case 's':
        case 0xe7:
            cls = 's';
            break;
        case 'c':
            cls = (d == 'e' || d == 'i' || d == 'y') ? 's' : 'k';
            break;
        case 'z':
            cls = 'z';
            break;
        case 'x':
            put(out, &k, cap, 'k');
            cls = 's';
            break;
        case 'f':
        case 'v':
            cls = 'f';
            break;
        case 'k':
        case 'q':
            cls = 'k';
            break;
        case 'g':
        case 'j':
            cls = 'j';
            break;
        case 'h':
            cls = 'h';
            break;
        case 'l':
        case 'm':
        case 'n':
        case 'r':
            cls = (char)c;
            break;
        case 0xf1:
            cls = 'n';
            break;
        default:
            cls = 0;
        }
        put(out, &k, cap, cls);
    }
    return k;
}

/* Skeleton of one Arabic token; drops a final ha or ta marbuta like Latin's final h. */
static size_t
arabic_token(const uint32_t *t, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    while (n > 0 && (t[n - 1] == 0x0629 || (t[n - 1] >= 0x064b && t[n - 1] <= 0x0652)))
        n--;
    if (n >= 2 && t[n - 1] == 0x0647)
        n--;
    for (size_t i = 0; i < n; i++)
        put(out, &k, cap, arabic_class(t[i]));
    return k;
}

static bool
latin_article(const uint32_t *t, size_t n)
{
    static const char *const art[] = {"al", "el",  "ul",  "ad",  "ar",   "as", "at", "an",
                                      "az", "ash", "ath", "adh", "ed",   "er", "es", "et",
                                      "ez", "bin", "ibn", "ben", "bint", NULL};
    for (int i = 0; art[i]; i++)
        if (tok_is(t, n, art[i]))
            return true;
    return false;
}

static bool
arabic_particle(const uint32_t *t, size_t n)
{
    static const uint32_t bin[] = {0x0628, 0x0646}, ibn[] = {0x0627, 0x0628, 0x0646},
                          bint[] = {0x0628, 0x0646, 0x062a};
    return (n == 2 && !memcmp(t, bin, sizeof(bin))) || (n == 3 && !memcmp(t, ibn, sizeof(ibn))) ||
           (n == 3 && !memcmp(t, bint, sizeof(bint)));
}

size_t
ubur_reclink_skeleton(const char *name, char *out, size_t cap)
{
    uint32_t cp[MAX_CP];
    size_t n = decode(name ? name : "", cp, MAX_CP), len = 0;
    if (!cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        cp[i] = lower(cp[i]);
    for (size_t i = 0; i < n;) {
        while (i < n && is_sep(cp[i]))
            i++;
        size_t start = i;
        while (i < n && !is_sep(cp[i]))
            i++;
        const uint32_t *t = cp + start;
        size_t tn = i - start;
        if (!tn)
            continue;
        char tok[64];
        size_t k = 0;
        if (is_arabic(t[0])) {
            if (arabic_particle(t, tn))
                continue;
            /* عبدالرحمن: "abd" joined to an article */
            if (tn > 5 && t[0] == 0x0639 && t[1] == 0x0628 && t[2] == 0x062f && t[3] == 0x0627 &&
                t[4] == 0x0644) {
                k = arabic_token(t, 3, tok, sizeof(tok));
                if (k && len + k + 2 < cap) {
                    if (len)
                        out[len++] = ' ';
                    memcpy(out + len, tok, k);
                    len += k;
                }
                t += 5;
                tn -= 5;
            } else if (tn > 3 && t[0] == 0x0627 && t[1] == 0x0644) {
                t += 2; /* the article */
                tn -= 2;
            }
            k = arabic_token(t, tn, tok, sizeof(tok));
        } else {
            if (latin_article(t, tn))
                continue;
            if (tn > 5 && t[0] == 'a' && t[1] == 'b' && t[2] == 'd') {
                /* Abdul-, Abdel-, Abdur-: "abd" and the rest on its own */
                size_t j = 3;
                if (latin_vowel(t[j]))
                    j++;
                if (j + 1 < tn && t[j] == 'l')
                    j++;
                else if (j + 1 < tn && t[j] == t[j + 1])
                    j++;
                if (j > 3 && tn - j >= 2) {
                    k = latin_token(t, 3, tok, sizeof(tok));
                    if (k && len + k + 2 < cap) {
                        if (len)
                            out[len++] = ' ';
                        memcpy(out + len, tok, k);
                        len += k;
                    }
                    t += j;
                    tn -= j;
                }
            }
            k = latin_token(t, tn, tok, sizeof(tok));
        }
        if (k && len + k + 2 < cap) {
            if (len)
                out[len++] = ' ';
            memcpy(out + len, tok, k);
            len += k;
        }
    }
    out[len] = '\0';
    return len;
}

double
ubur_reclink_jaro_winkler(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (!la && !lb)
        return 1.0;
    if (!la || !lb)
        return 0.0;
    if (la > 128)
        la = 128;
    if (lb > 128)
        lb = 128;
    size_t range = (la > lb ? la : lb) / 2;
    range = range ? range - 1 : 0;
    bool ma[128], mb[128];
    memset(ma, 0, la);
    memset(mb, 0, lb);
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > range ? i - range : 0, hi = i + range + 1 < lb ? i + range + 1 : lb;
        for (size_t j = lo; j < hi; j++)
            if (!mb[j] && a[i] == b[j]) {
                ma[i] = mb[j] = true;
                m++;
                break;
            }
    }
    if (!m)
        return 0.0;
    size_t t = 0, j = 0;
    for (size_t i = 0; i < la; i++) {
        if (!ma[i])
            continue;
        while (!mb[j])
            j++;
        if (a[i] != b[j])
            t++;
        j++;
    }
    double md = (double)m;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
    size_t prefix = 0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

double
ubur_reclink_name_sim(void *arg, const char *a, const char *b)
{
    char sa[128], sb[128];
    (void)arg;
    ubur_reclink_skeleton(a, sa, sizeof(sa));
    ubur_reclink_skeleton(b, sb, sizeof(sb));
    if (!sa[0] || !sb[0])
        return 0.0;
    if (!strcmp(sa, sb))
        return 1.0;
    return ubur_reclink_jaro_winkler(sa, sb);
}

static void
squeeze(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (*s != ' ')
            out[n++] = *s;
    out[n] = '\0';
}

void
ubur_reclink_name_key(const char *given, const char *family, char *out, size_t cap)
{
    char g[128], f[128], gs[64], fs[64];
    ubur_reclink_skeleton(given, g, sizeof(g));
    ubur_reclink_skeleton(family, f, sizeof(f));
    squeeze(g, gs, sizeof(gs));
    squeeze(f, fs, sizeof(fs));
    snprintf(out, cap, "%s:%s", gs, fs);
}
