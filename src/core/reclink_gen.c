/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A FEBRL-style generator of test data for record linkage, with known
 * truth: `n` original records and about as many duplicates (0 to 4 per
 * original, skewed like FEBRL's), each duplicate with 1 to 3 corruptions:
 * keyboard typos, OCR confusions (rn/m, 0/O, 1/l), a missing value, given
 * and family name swapped, a changed or day/month-swapped birth date, and
 * for Arabic names another Latin transliteration (Mohammed for Muhammad)
 * or the name written in Arabic script. Besides names and birth date each
 * original carries a second identifying field, as FEBRL's records carry
 * address, postcode and more: the father's name for Arabic data (Iraqi and
 * Syrian records give the father's name after the given name), a postcode
 * for English data; 15 % of the corruptions fall on it. Columns: rec_id,
 * given_name, father_name or postcode, family_name, dob, origin, region,
 * entity (the truth). docs/BENCHMARKS.md says what changed and why.
 */
#include <stdio.h>
#include <string.h>

#include "ubur/reclink.h"
#include "ubur/synth.h"
#include "ubur/util.h"
#include "ubur/banned.h"

struct person {
    const struct ubur_synth_name *gn, *fn, *pn; /* Arabic mode (pn: the father's name) */
    const char *ge, *fe;                        /* English mode */
    char given[96], family[96], dob[11], origin[4], region[16];
    char second[96]; /* the father's name (Arabic) or the postcode (English) */
};

static const char *const regions_ar[] = {"Baghdad", "Anbar", "Ninewa", "Duhok",
                                         "Erbil",   "Basra", "Diyala", "Salahuddin"};
static const char *const regions_en[] = {"NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"};

static void
typo(struct ubur_rng *r, char *s, size_t cap)
{
    size_t n = strlen(s);
    if (n < 2)
        return;
    size_t i = 1 + ubur_rng_below(r, (uint32_t)(n - 1));
    if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i - 1] >= 0x80)
        return; /* leave multi-byte text alone */
    switch (ubur_rng_below(r, 4)) {
    case 0: /* delete */
        memmove(s + i, s + i + 1, n - i);
        break;
    case 1: /* insert */
        if (n + 2 < cap) {
            memmove(s + i + 1, s + i, n - i + 1);
            s[i] = (char)('a' + ubur_rng_below(r, 26));
        }
        break;
    case 2: /* substitute */
        s[i] = (char)('a' + ubur_rng_below(r, 26));
        break;
    default: /* transpose */
        if (i + 1 < n) {
            char t = s[i];
            s[i] = s[i + 1];
            s[i + 1] = t;
        }
    }
}

static void
ocr(struct ubur_rng *r, char *s, size_t cap)
{
    static const char *const pairs[][2] = {{"m", "rn"}, {"rn", "m"}, {"l", "1"}, {"o", "0"},
                                           {"i", "l"},  {"d", "cl"}, {"h", "b"}, {"e", "c"}};
    for (int tries = 0; tries < 8; tries++) {
        const char *const *p = pairs[ubur_rng_below(r, 8)];
        char *at = strstr(s, p[0]);
        if (!at)
            continue;
        size_t a = strlen(p[0]), b = strlen(p[1]), n = strlen(s);
        if (n - a + b + 1 > cap)
            return;
        memmove(at + b, at + a, strlen(at + a) + 1);
        memcpy(at, p[1], b);
        return;
    }
}

static void
dob_error(struct ubur_rng *r, char *dob)
{
    int y, m, d;
    if (sscanf(dob, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return;
    switch (ubur_rng_below(r, 3)) {
    case 0:
        if (d <= 12)
            snprintf(dob, 11, "%04d-%02d-%02d", y, d, m);
        else
            snprintf(dob, 11, "%04d-%02d-%02d", y, m, d > 1 ? d - 1 : d + 1);
        break;
    case 1:
        snprintf(dob, 11, "%04d-%02d-%02d", y + (ubur_rng_below(r, 2) ? 1 : -1), m,
                 m == 2 && d > 28 ? 28 : d);
        break;
    default:
        snprintf(dob, 11, "%04d-%02d-%02d", y, m, 1 + (int)ubur_rng_below(r, 28));
    }
}

/* One modification of the second identifying field: the father's name respelt, written in
 * Arabic script, mistyped, misread or lost; the postcode with a digit changed, two digits
 * swapped, or lost. */
static void
second_error(struct ubur_rng *r, bool arabic, struct person *q, const struct ubur_synth_name *pn)
{
    double x = ubur_rng_unit(r);
    size_t n = strlen(q->second);
    if (x < 0.25) {
        q->second[0] = '\0';
    } else if (arabic) {
        if (x < 0.55)
            ubur_synth_latin(pn, 1 + ubur_rng_below(r, 4), q->second, sizeof(q->second));
        else if (x < 0.65)
            snprintf(q->second, sizeof(q->second), "%s", pn->ar);
        else if (x < 0.90)
            typo(r, q->second, sizeof(q->second));
        else
            ocr(r, q->second, sizeof(q->second));
    } else if (n == 4) {
        size_t i = 1 + ubur_rng_below(r, 3);
        if (x < 0.65) {
            q->second[i] = (char)('0' + ubur_rng_below(r, 10));
        } else {
            char t = q->second[i];
            q->second[i] = q->second[i - 1];
            q->second[i - 1] = t;
        }
    }
}

static void
csv_out(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void
write_rec(FILE *f, const char *id, const struct person *p, long entity)
{
    char e[24];
    snprintf(e, sizeof(e), "e%ld", entity);
    csv_out(f, id, false);
    csv_out(f, p->given, false);
    csv_out(f, p->second, false);
    csv_out(f, p->family, false);
    csv_out(f, p->dob, false);
    csv_out(f, p->origin, false);
    csv_out(f, p->region, false);
    csv_out(f, e, true);
}

int
ubur_reclink_generate(FILE *f, bool arabic, long n, uint64_t seed)
{
    struct ubur_rng r;
    ubur_rng_seed(&r, seed);
    fputs(arabic ? "rec_id,given_name,father_name,family_name,dob,origin,region,entity\n"
                 : "rec_id,given_name,postcode,family_name,dob,origin,region,entity\n",
          f);
    for (long i = 0; i < n; i++) {
        struct person p;
        memset(&p, 0, sizeof(p));
        bool female = ubur_rng_unit(&r) < 0.5;
        if (arabic) {
            bool kurd = ubur_rng_unit(&r) < 0.12;
            p.gn = ubur_synth_pick(
                &r, kurd ? (female ? UBUR_SYNTH_KURDISH_FEMALE : UBUR_SYNTH_KURDISH_MALE)
                         : (female ? UBUR_SYNTH_FEMALE : UBUR_SYNTH_MALE));
            p.fn = ubur_synth_pick(&r, kurd ? UBUR_SYNTH_FAMILY_KURD : UBUR_SYNTH_FAMILY_IRQ);
            p.pn = ubur_synth_pick(&r, kurd ? UBUR_SYNTH_KURDISH_MALE : UBUR_SYNTH_MALE);
            ubur_synth_latin(p.gn, 0, p.given, sizeof(p.given));
            ubur_synth_latin(p.fn, 0, p.family, sizeof(p.family));
            ubur_synth_latin(p.pn, 0, p.second, sizeof(p.second));
            snprintf(p.origin, sizeof(p.origin), "%s", ubur_rng_unit(&r) < 0.9 ? "IRQ" : "SYR");
            snprintf(p.region, sizeof(p.region), "%s", regions_ar[ubur_rng_below(&r, 8)]);
        } else {
            size_t ng, nf;
            const char *const *gs = ubur_synth_english(female, &ng);
            const char *const *fs = ubur_synth_english(2, &nf);
            /* English names are less skewed than Arabic ones: uniform draw */
            p.ge = gs[ubur_rng_below(&r, (uint32_t)ng)];
            p.fe = fs[ubur_rng_below(&r, (uint32_t)nf)];
            snprintf(p.given, sizeof(p.given), "%s", p.ge);
            snprintf(p.family, sizeof(p.family), "%s", p.fe);
            snprintf(p.origin, sizeof(p.origin), "%s", ubur_rng_unit(&r) < 0.9 ? "AUS" : "NZL");
            uint32_t st = ubur_rng_below(&r, 8);
            snprintf(p.region, sizeof(p.region), "%s", regions_en[st]);
            /* an Australian postcode: the state's first digit, then three */
            snprintf(p.second, sizeof(p.second), "%c%03u", "23465720"[st], /* NSW 2 .. NT 0 */
                     ubur_rng_below(&r, 1000));
        }
        int64_t dob = ubur_days_from_civil(1940, 1, 1) + (int64_t)ubur_rng_below(&r, 365 * 65);
        ubur_date_format(dob, p.dob);
        char id[32];
        snprintf(id, sizeof(id), "rec-%ld-org", i);
        write_rec(f, id, &p, i);
        /* duplicates: 0 to 4, about one per original on average */
        static const double ndup_w[] = {0.45, 0.30, 0.13, 0.08, 0.04};
        int ndup = (int)ubur_rng_weighted(&r, ndup_w, 5);
        for (int k = 0; k < ndup; k++) {
            struct person q = p;
            /* the names now in q.given and q.family: a swap moves them, and a later
             * respelling respells the name the field holds, not the original's */
            const struct ubur_synth_name *qgn = p.gn, *qfn = p.fn;
            int mods = 1 + (int)ubur_rng_below(&r, 3);
            for (int m = 0; m < mods; m++) {
                if (ubur_rng_unit(&r) < 0.15) {
                    second_error(&r, arabic, &q, p.pn);
                    continue;
                }
                char *field = ubur_rng_unit(&r) < 0.5 ? q.given : q.family;
                size_t cap = sizeof(q.given);
                bool is_given = field == q.given;
                double x = ubur_rng_unit(&r);
                if (arabic && x < 0.30) {
                    const struct ubur_synth_name *nm = is_given ? qgn : qfn;
                    ubur_synth_latin(nm, 1 + ubur_rng_below(&r, 4), field, cap);
                } else if (arabic && x < 0.38) {
                    const struct ubur_synth_name *nm = is_given ? qgn : qfn;
                    snprintf(field, cap, "%s", nm->ar);
                } else if (x < 0.60) {
                    typo(&r, field, cap);
                } else if (x < 0.70) {
                    ocr(&r, field, cap);
                } else if (x < 0.76) {
                    char t[96];
                    snprintf(t, sizeof(t), "%s", q.given);
                    snprintf(q.given, sizeof(q.given), "%s", q.family);
                    snprintf(q.family, sizeof(q.family), "%s", t);
                    const struct ubur_synth_name *tn = qgn;
                    qgn = qfn;
                    qfn = tn;
                } else if (x < 0.84) {
                    field[0] = '\0'; /* missing */
                } else if (x < 0.92) {
                    dob_error(&r, q.dob);
                } else if (x < 0.96) {
                    q.dob[0] = '\0';
                } else {
                    snprintf(q.region, sizeof(q.region), "%s",
                             arabic ? regions_ar[ubur_rng_below(&r, 8)]
                                    : regions_en[ubur_rng_below(&r, 8)]);
                }
            }
            snprintf(id, sizeof(id), "rec-%ld-dup-%d", i, k);
            write_rec(f, id, &q, i);
        }
    }
    return ferror(f) ? UBUR_EIO : 0;
}
