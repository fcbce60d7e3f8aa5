/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dedup engine (include/ubur/reclink.h). Steps:
 *   1. each record's names are reduced to skeletons (and lowercased
 *      letters) once; name frequencies are counted over both name columns;
 *   2. blocking: twelve rules (names with the other name's initial, with
 *      the birth date, year or day of the year; the birth date alone and
 *      with the initials; both names in either order; the initials with
 *      two of the three parts of the birth date; the extra fields
 *      together...), chosen so that a duplicate with one name corrupted or
 *      lost *and* its birth date corrupted or missing still shares a key
 *      with its original. Keys are 64-bit hashes. Records sharing a key
 *      form a block and every pair inside it is a candidate; a block larger
 *      than MAX_BLOCK (a common name, or a birth date at a million records)
 *      is split by second keys (birth year, extra fields, initials, day of
 *      the year: pair_block), and only a part still too large after all of
 *      them falls back to sorted neighbourhood, so a million "Muhammad"s
 *      do not make 10^12 pairs and those born in one year still meet;
 *   3. each candidate pair gets a comparison vector: an agreement level per
 *      field (names: exact skeleton, then Jaro-Winkler >= 0.94, 0.88, 0.80,
 *      0.70 or less, the better of the skeletons' and the letters'; birth
 *      date: exact,
 *      one part wrong or day/month swapped, same year or same day of the
 *      year, different; extra fields: exact, similar or different; missing
 *      values are neutral), trying the given/family swap too, also when a
 *      name is missing on one side;
 *   4. u probabilities come from random pairs; m probabilities from the
 *      pairs the other fields already decide (estimate_m_sure: each field
 *      left out in turn; soft EM as Splink does it is kept behind
 *      UBUR_RECLINK_EM for comparison, and drifted at a million records);
 *      exact agreement of a name or an extra value uses the value's own
 *      frequency as its u (term-frequency adjustment); the prior is the
 *      share of matches among all pairs, estimated by fixed point;
 *      u is then corrected for the few matches among the random pairs;
 *   5. the score is the posterior match probability; a pair is reported
 *      when it reaches the threshold (default 0.5: a match is then more
 *      likely than not, the Bayes decision at equal costs);
 *   6. transitive completion: two records both linked surely (>= 0.8) to a
 *      third are reported as a pair too (two duplicates of one original),
 *      unless their own birth dates or names clearly differ.
 * Comparison runs on `threads` POSIX threads over slices of the pair list.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ubur/alloc.h"
#include "ubur/reclink.h"
#include "ubur/util.h"
#include "ubur/banned.h"

#define MAX_BLOCK 32
#define NO_DOB INT64_MIN
#define NFIELDS (3 + UBUR_RECLINK_MAX_EXTRA)
#define NAME_LEVELS 6 /* 0 different .. 5 exact */
#define NAME_EXACT (NAME_LEVELS - 1)
#define DOB_LEVELS 4
#define SKEL 64

struct prep {
    /* what every comparison reads first, together */
    uint64_t gh, fh; /* hashes of skeleton and letters, keys of the similarity cache */
    uint32_t xh[UBUR_RECLINK_MAX_EXTRA]; /* hashes of the extra fields, 0 when missing */
    int y, m, d;                         /* birth date parts, y = 0 when missing */
    bool est;                            /* the birth date is an estimate */
    uint32_t gfreq, ffreq;               /* how many records share the skeleton */
    float ltf_g, ltf_f; /* log2 of the skeleton's frequency per record: an exact name's u */
    float ltf_x[UBUR_RECLINK_MAX_EXTRA]; /* log2 of the extra value's share of the records */
    char gi, fi;             /* first letter of the written names (ASCII, lowercase), 0 when none */
    char g[SKEL], f[SKEL];   /* skeletons */
    char gr[SKEL], fr[SKEL]; /* the written names' letters, lowercased */
};

static uint64_t hash_str(uint64_t h, const char *s);
static uint64_t hash_final(uint64_t h);

struct model {
    int nfields;
    int levels[NFIELDS];
    double m[NFIELDS][NAME_LEVELS];
    double u[NFIELDS][NAME_LEVELS];
    double lambda;
};

/* ---- comparisons ---- */

static int
name_level(double sim, bool exact)
{
    return exact         ? NAME_EXACT
           : sim >= 0.94 ? 4
           : sim >= 0.88 ? 3
           : sim >= 0.80 ? 2
           : sim >= 0.70 ? 1
                         : 0;
}

/*
 * A per-thread cache of name levels by the pair of names' hashes: names
 * repeat (a registry has a few thousand distinct given names), so most
 * comparisons are answered without Jaro-Winkler. Direct-mapped; a
 * collision of two 64-bit pair keys is not a concern.
 */
#define SIMCACHE_BITS 18
struct simcache {
    uint64_t key[1u << SIMCACHE_BITS];
    int8_t level[1u << SIMCACHE_BITS];
};

/* Skeletons a, b and the written letters ra, rb: the skeleton sees through
 * transliterations, the letters through typos in short or vowel-heavy names
 * (Austin and Autin have the skeletons "stn" and "tn"). */
static int
skel_level(const char *a, const char *b, const char *ra, const char *rb)
{
    if (!a[0] || !b[0])
        return -1;
    if (!strcmp(a, b))
        return NAME_EXACT;
    double sim = ubur_reclink_jaro_winkler(a, b);
    if (ra[0] && rb[0] && sim < 0.94) {
        double raw = ubur_reclink_jaro_winkler(ra, rb);
        sim = raw > sim ? raw : sim;
    }
    return name_level(sim, false);
}

static int
dob_level(const struct prep *a, const struct prep *b)
{
    if (!a->y || !b->y)
        return -1;
    if (a->est || b->est) /* an estimate's month and day say nothing */
        return abs(a->y - b->y) <= 1 ? -1 : 0;
    bool y = a->y == b->y, md = a->m == b->m && a->d == b->d;
    if (y && md)
        return 3;
    /* one part wrong: the day, the month, the year by one, or day and month swapped */
    if ((y && (a->m == b->m || a->d == b->d)) || (md && abs(a->y - b->y) == 1) ||
        (y && a->m == b->d && a->d == b->m))
        return 2;
    if (y || md)
        return 1;
    return 0;
}

struct engine {
    const struct ubur_reclink_record *rec;
    struct prep *p;
    size_t n;
    const struct ubur_reclink_config *cfg;
    int nextra;
};

/* Levels of one pair into lv[]; returns whether the names were compared crosswise. */
static int skel_level(const char *a, const char *b, const char *ra, const char *rb);

static int
cached_level(struct simcache *c, uint64_t ha, uint64_t hb, const char *a, const char *b,
             const char *ra, const char *rb)
{
    if (!c || !ha || !hb)
        return skel_level(a, b, ra, rb);
    uint64_t lo = ha < hb ? ha : hb, hi = ha < hb ? hb : ha;
    uint64_t key = (lo * 0x9e3779b97f4a7c15ULL) ^ (hi + 0x632be59bd9b4e019ULL + (lo << 6));
    key |= 1; /* 0 marks an empty slot */
    size_t slot = (size_t)(key >> (64 - SIMCACHE_BITS));
    if (c->key[slot] == key)
        return c->level[slot];
    int l = skel_level(a, b, ra, rb);
    c->key[slot] = key;
    c->level[slot] = (int8_t)l;
    return l;
}

#define EXTRA_LEVELS 3 /* 0 different, 1 similar, 2 exact */

/* Jaro-Winkler of two values' letters and digits, lowercased (a postcode or a document number
 * with a typo). */
static double
raw_similarity(const char *a, const char *b)
{
    char x[SKEL], y[SKEL];
    size_t n = 0, m = 0;
    for (; *a && n < SKEL - 1; a++)
        if ((unsigned char)*a >= 0x80 || ((*a | 0x20) >= 'a' && (*a | 0x20) <= 'z') ||
            (*a >= '0' && *a <= '9'))
            x[n++] = (char)((unsigned char)*a < 0x80 && *a >= 'A' ? *a | 0x20 : *a);
    for (; *b && m < SKEL - 1; b++)
        if ((unsigned char)*b >= 0x80 || ((*b | 0x20) >= 'a' && (*b | 0x20) <= 'z') ||
            (*b >= '0' && *b <= '9'))
            y[m++] = (char)((unsigned char)*b < 0x80 && *b >= 'A' ? *b | 0x20 : *b);
    x[n] = y[m] = '\0';
    return ubur_reclink_jaro_winkler(x, y);
}

/*
 * The level of an extra field: exact (the same text), similar (the same
 * skeleton, or Jaro-Winkler of the skeletons or of the letters and digits
 * at least 0.88: a father's name respelt or mistyped, a postcode with one
 * digit wrong), different; -1 when either is missing. Answers from the
 * per-thread cache when it can (the values of a column repeat).
 */
static int
extra_level(struct simcache *c, uint32_t x, uint32_t y, const char *a, const char *b)
{
    if (!x || !y)
        return -1;
    if (x == y)
        return 2;
    uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
    uint64_t key = ((lo << 32 | hi) * 0xd6e8feb86659fd93ULL) | 1;
    size_t slot = (size_t)(key >> (64 - SIMCACHE_BITS));
    if (c && c->key[slot] == key)
        return c->level[slot];
    char sa[SKEL * 2], sb[SKEL * 2];
    ubur_reclink_skeleton(a, sa, sizeof(sa));
    ubur_reclink_skeleton(b, sb, sizeof(sb));
    double sim = raw_similarity(a, b);
    if (sa[0] && sb[0]) {
        double ss = strcmp(sa, sb) ? ubur_reclink_jaro_winkler(sa, sb) : 1.0;
        sim = ss > sim ? ss : sim;
    }
    int l = sim >= 0.88 ? 1 : 0;
    if (c) {
        c->key[slot] = key;
        c->level[slot] = (int8_t)l;
    }
    return l;
}

static bool
compare(const struct engine *e, size_t a, size_t b, int *lv, struct simcache *c)
{
    const struct prep *pa = &e->p[a], *pb = &e->p[b];
    int g, f, gx, fx;
    if (e->cfg->name_sim) {
        const struct ubur_reclink_record *ra = &e->rec[a], *rb = &e->rec[b];
#define SIM(x, y)                                                                                  \
    ((!(x) || !*(x) || !(y) || !*(y))                                                              \
         ? -1                                                                                      \
         : name_level(e->cfg->name_sim(e->cfg->name_sim_arg, (x), (y)), false))
        g = SIM(ra->given, rb->given);
        f = SIM(ra->family, rb->family);
        gx = SIM(ra->given, rb->family);
        fx = SIM(ra->family, rb->given);
#undef SIM
        /* the plug's 1.0 counts as exact */
        if (g == NAME_EXACT - 1 && pa->g[0] && !strcmp(pa->g, pb->g))
            g = NAME_EXACT;
        if (f == NAME_EXACT - 1 && pa->f[0] && !strcmp(pa->f, pb->f))
            f = NAME_EXACT;
    } else {
        g = cached_level(c, pa->gh, pb->gh, pa->g, pb->g, pa->gr, pb->gr);
        f = cached_level(c, pa->fh, pb->fh, pa->f, pb->f, pa->fr, pb->fr);
        if (g + f >= 2 * NAME_EXACT - 3) {
            gx = fx = -1; /* crosswise cannot be clearly better */
        } else {
            gx = cached_level(c, pa->gh, pb->fh, pa->g, pb->f, pa->gr, pb->fr);
            fx = cached_level(c, pa->fh, pb->gh, pa->f, pb->g, pa->fr, pb->gr);
        }
    }
    /* Crosswise when it is clearly better. With a name missing on one side this compares the
     * name present against both of the other record's: "" + "Jelfrey" is Jeffrey Wilson with
     * the names swapped and the family name lost, not a Jelfrey with a different given name. */
    bool cross = (gx >= 0 || fx >= 0) &&
                 (gx < 0 ? 0 : gx) + (fx < 0 ? 0 : fx) > (g < 0 ? 0 : g) + (f < 0 ? 0 : f) + 2;
    lv[0] = cross ? gx : g;
    lv[1] = cross ? fx : f;
    lv[2] = dob_level(pa, pb);
    for (int k = 0; k < e->nextra; k++) {
        lv[3 + k] = extra_level(c, pa->xh[k], pb->xh[k], e->rec[a].extra[k], e->rec[b].extra[k]);
    }
    return cross;
}

static double
pair_weight(const struct model *md, const struct engine *e, size_t a, size_t b, const int *lv,
            bool cross)
{
    double w = 0;
    (void)cross; /* field 0 is a's given name either way */
    for (int f = 0; f < md->nfields; f++) {
        if (lv[f] < 0)
            continue;
        double m = md->m[f][lv[f]], u = md->u[f][lv[f]];
        if (f < 2 && lv[f] == NAME_EXACT && e) {
            /* term frequency: a shared rare name is strong evidence */
            const struct prep *pa = &e->p[a];
            uint32_t freq = f == 0 ? pa->gfreq : pa->ffreq; /* a's name (both columns) */
            (void)b;
            double tf = (double)freq / (double)e->n;
            if (tf > 0)
                u = tf < 1e-7 ? 1e-7 : tf;
        }
        w += log2(m / u);
    }
    return w;
}

static double
posterior(double w, double lambda)
{
    double prior = log2(lambda / (1 - lambda));
    return 1.0 / (1.0 + exp2(-(w + prior)));
}

static void
default_model(struct model *md, int nextra)
{
    static const double nm[NAME_LEVELS] = {0.03, 0.02, 0.05, 0.07, 0.08, 0.75},
                        nu[NAME_LEVELS] = {0.90, 0.045, 0.03, 0.015, 0.005, 0.005};
    /* birth date levels: different, same year, one part wrong or day/month swapped, exact.
     * Two exact dates of one person rarely differ in both day and month: the same year alone
     * is evidence against (log2(m/u) = -4.3), not neutral, so one common name with another
     * birthday in the same year is not a likely duplicate. (Estimated dates: dob_level.) */
    static const double dm[4] = {0.004, 0.001, 0.17, 0.825}, du[4] = {0.97, 0.02, 0.005, 0.0005};
    memset(md, 0, sizeof(*md));
    md->nfields = 3 + nextra;
    for (int l = 0; l < NAME_LEVELS; l++) {
        md->m[0][l] = md->m[1][l] = nm[l];
        md->u[0][l] = md->u[1][l] = nu[l];
    }
    for (int l = 0; l < DOB_LEVELS; l++) {
        md->m[2][l] = dm[l];
        md->u[2][l] = du[l];
    }
    md->levels[0] = md->levels[1] = NAME_LEVELS;
    md->levels[2] = DOB_LEVELS;
    /* extra fields: a similar value weighs as a different one until a dedup run learns
     * otherwise (the registry's one-pair check keeps equal-or-not) */
    for (int k = 0; k < nextra; k++) {
        md->levels[3 + k] = EXTRA_LEVELS;
        md->m[3 + k][0] = md->m[3 + k][1] = 0.1;
        md->m[3 + k][2] = 0.9;
        md->u[3 + k][0] = md->u[3 + k][1] = 0.8;
        md->u[3 + k][2] = 0.2;
    }
    md->lambda = 0.001;
}

/* The ASCII letters of a written name, lowercased, at most SKEL-1 ("" for other scripts). */
static void
letters(const char *name, char out[SKEL])
{
    size_t n = 0;
    for (const char *s = name ? name : ""; *s && n < SKEL - 1; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            n = 0;
            break;
        }
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            out[n++] = (char)(c | 0x20);
    }
    out[n] = '\0';
}

/* The first ASCII letter of a written name, lowercased; the skeleton's for other scripts. */
static char
first_letter(const char *name, const char *skel)
{
    if (!name)
        return 0;
    for (const char *s = name; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80)
            return skel[0];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            return (char)(c | 0x20);
    }
    return 0;
}

static void
prepare(const struct ubur_reclink_record *r, struct prep *p)
{
    char tmp[SKEL * 2];
    memset(p, 0, sizeof(*p));
    ubur_reclink_skeleton(r->given, tmp, sizeof(tmp));
    snprintf(p->g, sizeof(p->g), "%s", tmp);
    ubur_reclink_skeleton(r->family, tmp, sizeof(tmp));
    snprintf(p->f, sizeof(p->f), "%s", tmp);
    if (r->dob != NO_DOB)
        ubur_civil_from_days(r->dob, &p->y, &p->m, &p->d);
    p->est = r->dob_estimated;
    letters(r->given, p->gr);
    letters(r->family, p->fr);
    for (int k = 0; k < UBUR_RECLINK_MAX_EXTRA; k++) {
        const char *x = r->extra[k];
        /* a 32-bit hash: equal values compare equal; unequal ones collide once in 4e9 */
        p->xh[k] = x && *x ? (uint32_t)hash_final(hash_str(0xcbf29ce484222325ULL, x)) | 1u : 0;
    }
    p->gi = first_letter(r->given, p->g);
    p->gh = p->g[0] ? hash_final(hash_str(hash_str(0x84222325cbf29ce4ULL, p->g) ^ 0xff, p->gr)) : 0;
    p->fh = p->f[0] ? hash_final(hash_str(hash_str(0x84222325cbf29ce4ULL, p->f) ^ 0xff, p->fr)) : 0;
    p->fi = first_letter(r->family, p->f);
}

double
ubur_reclink_score(const struct ubur_reclink_record *a, const struct ubur_reclink_record *b,
                   const struct ubur_reclink_config *cfg)
{
    struct ubur_reclink_record both[2] = {*a, *b};
    struct prep p[2];
    struct ubur_reclink_config c = cfg ? *cfg : (struct ubur_reclink_config){0};
    struct engine e = {both, p, 2, &c, c.nextra};
    struct model md;
    int lv[NFIELDS];
    prepare(a, &p[0]);
    prepare(b, &p[1]);
    default_model(&md, c.nextra);
    bool cross = compare(&e, 0, 1, lv, NULL);
    return posterior(pair_weight(&md, NULL, 0, 1, lv, cross), md.lambda);
}

/* ---- blocking ---- */

struct pairvec {
    uint64_t *v;
    size_t n, cap;
};

static void
pairvec_add(struct pairvec *pv, uint64_t x)
{
    if (pv->n == pv->cap) {
        pv->cap = pv->cap ? pv->cap * 2 : 1 << 16;
        pv->v = ubur_realloc(pv->v, pv->cap * sizeof(uint64_t));
    }
    pv->v[pv->n++] = x;
}

static void
squeeze_prefix(const char *s, size_t max, char *out)
{
    size_t n = 0;
    for (; *s && n < max; s++)
        if (*s != ' ')
            out[n++] = *s;
    out[n] = '\0';
}

static uint64_t
hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static uint64_t
hash_final(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/*
 * Writes rule r's keys for a record into key[] (at most 2, as 64-bit hashes
 * of the key text; a collision only merges two blocks) and returns their
 * number, 0 when the rule does not apply. Rules emitting two keys put both
 * names in one key space, so a record whose given and family names are
 * swapped shares them with its original.
 */
static int
block_keys(const struct prep *p, int r, uint64_t key[2])
{
    char g[SKEL], f[SKEL], g3[4], f3[4], buf[SKEL * 2 + 16];
    const uint64_t seed = 0xcbf29ce484222325ULL ^ ((uint64_t)(r + 1) * 0x9e3779b97f4a7c15ULL);
    int nk = 0;
    squeeze_prefix(p->g, SKEL - 1, g);
    squeeze_prefix(p->f, SKEL - 1, f);
#define KEY(...)                                                                                   \
    do {                                                                                           \
        snprintf(buf, sizeof(buf), __VA_ARGS__);                                                   \
        key[nk++] = hash_final(hash_str(seed, buf));                                               \
    } while (0)
    switch (r) {
    case 0: /* a name and the initial of the other: survives a typo in the other name */
        if (g[0] && f[0]) {
            KEY("%s|%c", g, f[0]);
            KEY("%s|%c", f, g[0]);
        }
        break;
    case 1: /* given name and birth date: survives a corrupted or missing family name */
        if (g[0] && p->y)
            KEY("%s|%04d%02d%02d", g, p->y, p->m, p->d);
        break;
    case 2: /* a name and the birth year: one name lost and the day or month wrong */
        if (p->y) {
            if (g[0])
                KEY("%s|%04d", g, p->y);
            if (f[0] && strcmp(f, g))
                KEY("%s|%04d", f, p->y);
        }
        break;
    case 3: /* birth date and both initials, in either order */
        if (p->y && g[0] && f[0])
            KEY("%04d%02d%02d|%c%c", p->y, p->m, p->d, g[0] < f[0] ? g[0] : f[0],
                g[0] < f[0] ? f[0] : g[0]);
        break;
    case 4: /* birth date alone: both names corrupted */
        if (p->y)
            KEY("%04d%02d%02d", p->y, p->m, p->d);
        break;
    case 5: /* name prefixes and decade: typos late in both names, date wrong */
        squeeze_prefix(p->g, 3, g3);
        squeeze_prefix(p->f, 3, f3);
        if (g3[0] && f3[0] && p->y)
            KEY("%s|%s|%03d", g3, f3, p->y / 10);
        break;
    case 6: /* a name and the day of the year: the birth year wrong, one name lost */
        if (p->y) {
            if (g[0])
                KEY("%s|%02d%02d", g, p->m, p->d);
            if (f[0] && strcmp(f, g))
                KEY("%s|%02d%02d", f, p->m, p->d);
        }
        break;
    case 7: /* both names, in either order: the birth date missing */
        if (g[0] && f[0])
            KEY("%s|%s", strcmp(g, f) < 0 ? g : f, strcmp(g, f) < 0 ? f : g);
        break;
    case 8:  /* initials and year and month: both names corrupted, the day wrong */
    case 9:  /* initials and day of the year: both names corrupted, the year wrong */
    case 10: /* initials, year and {day, month}: day and month swapped */
        if (p->y && (g[0] || f[0])) {
            /* the skeletons' initials (transliterations agree) and the written
             * ones (typos rarely touch the first letter), in either order */
            char in[2][2] = {{g[0] ? g[0] : '-', f[0] ? f[0] : '-'},
                             {p->gi ? p->gi : '-', p->fi ? p->fi : '-'}};
            int lo = p->m < p->d ? p->m : p->d, hi = p->m < p->d ? p->d : p->m;
            for (int v = 0; v < 2; v++) {
                char a = in[v][0] < in[v][1] ? in[v][0] : in[v][1];
                char b = in[v][0] < in[v][1] ? in[v][1] : in[v][0];
                if (v && a == (in[0][0] < in[0][1] ? in[0][0] : in[0][1]) &&
                    b == (in[0][0] < in[0][1] ? in[0][1] : in[0][0]))
                    break; /* the same initials twice */
                if (r == 8)
                    KEY("%c%c|%04d%02d", a, b, p->y, p->m);
                else if (r == 9)
                    KEY("%c%c|%02d%02d", a, b, p->m, p->d);
                else
                    KEY("%c%c|%04d|%02d%02d", a, b, p->y, lo, hi);
            }
        }
        break;
    }
#undef KEY
    return nk;
}

#define NRULES 12
#define WINDOW 8       /* neighbours compared inside a block larger than MAX_BLOCK */
#define WILD_BLOCK 128 /* a record lacking a second key meets every record of a block this size */

struct keyed {
    uint64_t key;
    uint32_t idx;
};

static int
keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* The order of records inside a large block: by names, then birth date. */
static const struct prep *sort_prep;

static int
window_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    const struct prep *pa = &sort_prep[a->idx], *pb = &sort_prep[b->idx];
    int c = strcmp(pa->g, pb->g);
    if (!c)
        c = strcmp(pa->f, pb->f);
    if (!c)
        c = (pa->y * 400 + pa->m * 32 + pa->d) - (pb->y * 400 + pb->m * 32 + pb->d);
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

static void
radix_sort_u64(uint64_t *v, size_t n)
{
    uint64_t *tmp = ubur_malloc((n ? n : 1) * sizeof(uint64_t));
    size_t count[256];
    for (int shift = 0; shift < 64; shift += 8) {
        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < n; i++)
            count[(v[i] >> shift) & 0xff]++;
        if (count[(v[0] >> shift) & 0xff] == n)
            continue; /* every value has this byte: nothing to move */
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i] >> shift) & 0xff]++] = v[i];
        memcpy(v, tmp, n * sizeof(uint64_t));
    }
    free(tmp);
}

/*
 * The second keys that split a block too large to pair in full, in the
 * order they are tried: the birth year, the extra fields together, the
 * written initials (either order), the birth month and day. A key the rule
 * already holds is constant in its block and splits nothing, so the next
 * one is tried. 0 means the record lacks the key.
 */
#define NSUBKEYS 4

static uint64_t
sub_key(const struct engine *e, uint32_t idx, int depth)
{
    const struct prep *p = &e->p[idx];
    switch (depth) {
    case 0:
        return p->y ? (uint64_t)p->y : 0;
    case 1: {
        uint64_t h = 0;
        bool any = false;
        for (int k = 0; k < e->nextra; k++) {
            h = (h ^ p->xh[k]) * 0x100000001b3ULL;
            any |= p->xh[k] != 0;
        }
        return any ? hash_final(h) | 1 : 0;
    }
    case 2: {
        char a = p->gi, b = p->fi;
        if (!a || !b)
            return 0;
        return a < b ? ((uint64_t)(unsigned char)a << 8) | (unsigned char)b
                     : ((uint64_t)(unsigned char)b << 8) | (unsigned char)a;
    }
    default:
        return p->y ? (uint64_t)(p->m * 32 + p->d) : 0;
    }
}

static void
add_pair(struct pairvec *pv, uint32_t a, uint32_t b)
{
    if (a != b)
        pairvec_add(pv, a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a);
}

/*
 * Candidate pairs of the block k[s..t): every pair when it holds at most
 * MAX_BLOCK records. A larger block (a common name, a birth date at a
 * million records) is split by the next second key (sub_key) and each part
 * paired the same way, so records that share the rule's key *and* the
 * second key are still all compared, and the pairs stay linear in the
 * records. A record lacking the second key (no birth date) is compared
 * with the whole block while the block holds at most WILD_BLOCK records;
 * beyond that it stays with the other records lacking it. A part still too
 * large after every second key falls back to sorted neighbourhood (names,
 * then birth date; WINDOW neighbours). Overwrites the keys of k[s..t).
 */
static void
pair_block(const struct engine *e, struct keyed *k, size_t s, size_t t, int depth,
           struct pairvec *pv)
{
    if (t - s <= MAX_BLOCK) {
        for (size_t i = s; i < t; i++)
            for (size_t j = i + 1; j < t; j++)
                add_pair(pv, k[i].idx, k[j].idx);
        return;
    }
    if (depth == NSUBKEYS) {
        qsort(k + s, t - s, sizeof(*k), window_cmp);
        for (size_t i = s; i < t; i++)
            for (size_t j = i + 1; j < t && j <= i + WINDOW; j++)
                add_pair(pv, k[i].idx, k[j].idx);
        return;
    }
    for (size_t i = s; i < t; i++)
        k[i].key = sub_key(e, k[i].idx, depth);
    qsort(k + s, t - s, sizeof(*k), keyed_cmp);
    size_t u = s;
    if (k[s].key == 0 && t - s <= WILD_BLOCK) {
        while (u < t && k[u].key == 0)
            u++;
        for (size_t i = s; i < u; i++)
            for (size_t j = i + 1; j < t; j++)
                add_pair(pv, k[i].idx, k[j].idx);
    }
    if (u == s && k[s].key == k[t - 1].key) { /* nothing split: the next key */
        pair_block(e, k, s, t, depth + 1, pv);
        return;
    }
    while (u < t) {
        size_t v = u + 1;
        while (v < t && k[v].key == k[u].key)
            v++;
        pair_block(e, k, u, v, depth + 1, pv);
        u = v;
    }
}

/* The last rule: every extra field together (a father's name or a postcode with the
 * region), for a duplicate whose names and birth date are all corrupted; only records with
 * every extra field present. */
static int
extras_key(const struct engine *e, uint32_t idx, uint64_t key[2])
{
    const struct prep *p = &e->p[idx];
    if (!e->nextra)
        return 0;
    for (int k = 0; k < e->nextra; k++)
        if (!p->xh[k])
            return 0;
    key[0] = sub_key(e, idx, 1) ^ 0x5bd1e9955bd1e995ULL;
    return 1;
}

static void
block(const struct engine *e, struct pairvec *pv, struct ubur_reclink_stats *st)
{
    struct keyed *k = ubur_malloc((e->n ? e->n : 1) * 2 * sizeof(*k));
    sort_prep = e->p;
    for (int r = 0; r < NRULES; r++) {
        size_t nk = 0;
        for (size_t i = 0; i < e->n; i++) {
            uint64_t key[2];
            int c =
                r == NRULES - 1 ? extras_key(e, (uint32_t)i, key) : block_keys(&e->p[i], r, key);
            for (int j = 0; j < c; j++)
                k[nk++] = (struct keyed){key[j], (uint32_t)i};
        }
        qsort(k, nk, sizeof(*k), keyed_cmp);
        for (size_t s = 0; s < nk;) {
            size_t t = s + 1;
            while (t < nk && k[t].key == k[s].key)
                t++;
            pair_block(e, k, s, t, 0, pv);
            s = t;
        }
        if (e->cfg->progress)
            e->cfg->progress(e->cfg->progress_arg, "blocking", r + 1, NRULES);
    }
    free(k);
    radix_sort_u64(pv->v, pv->n);
    size_t w = 0;
    for (size_t i = 0; i < pv->n; i++)
        if (!w || pv->v[w - 1] != pv->v[i])
            pv->v[w++] = pv->v[i];
    pv->n = w;
    if (st)
        st->candidate_pairs = (long)w;
}

/* ---- frequencies ---- */

static int
str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sets gfreq / ffreq: how many names, given or family, have each skeleton
 * (both columns together, so a name met in the other column, as after a
 * swap, gets its real frequency). */
static void
frequencies(struct engine *e)
{
    size_t n2 = e->n * 2;
    char **v = ubur_malloc((n2 ? n2 : 1) * sizeof(char *));
    for (size_t i = 0; i < e->n; i++) {
        v[2 * i] = e->p[i].g;
        v[2 * i + 1] = e->p[i].f;
    }
    qsort(v, n2, sizeof(char *), str_cmp);
    for (size_t s = 0; s < n2;) {
        size_t t = s + 1;
        while (t < n2 && !strcmp(v[t], v[s]))
            t++;
        for (size_t i = s; i < t; i++) {
            /* v[i] points into e->p[x].g or .f: recover x and which from the address */
            size_t off = (size_t)((const char *)v[i] - (const char *)e->p);
            struct prep *p = &e->p[off / sizeof(struct prep)];
            double tf = (double)(t - s) / (double)e->n;
            float ltf = (float)log2(tf < 1e-7 ? 1e-7 : tf);
            if (v[i] == p->f)
                p->ffreq = (uint32_t)(t - s), p->ltf_f = ltf;
            else
                p->gfreq = (uint32_t)(t - s), p->ltf_g = ltf;
        }
        s = t;
    }
    free(v);
    /* each extra field's values: (hash << 32 | record) sorted, counted by runs */
    uint64_t *hv = ubur_malloc((e->n ? e->n : 1) * sizeof(uint64_t));
    for (int k = 0; k < e->nextra; k++) {
        size_t m = 0;
        for (size_t i = 0; i < e->n; i++)
            if (e->p[i].xh[k])
                hv[m++] = (uint64_t)e->p[i].xh[k] << 32 | (uint64_t)i;
        radix_sort_u64(hv, m);
        for (size_t s = 0; s < m;) {
            size_t t = s + 1;
            while (t < m && hv[t] >> 32 == hv[s] >> 32)
                t++;
            float ltf = (float)log2((double)(t - s) / (double)e->n);
            for (size_t i = s; i < t; i++)
                e->p[hv[i] & 0xffffffffu].ltf_x[k] = ltf;
            s = t;
        }
    }
    free(hv);
}

/* ---- parallel comparison ---- */

struct job {
    const struct engine *e;
    const uint64_t *pairs;
    size_t from, to;
    int8_t *lv; /* NFIELDS per pair */
    uint8_t *cross;
    long *done;    /* pairs compared, all threads */
    int *finished; /* threads finished */
};

static void *
compare_job(void *arg)
{
    struct job *j = arg;
    struct simcache *cache = ubur_calloc(1, sizeof(*cache));
    for (size_t i = j->from; i < j->to; i++) {
        int lv[NFIELDS];
        size_t a = (size_t)(j->pairs[i] >> 32), b = (size_t)(j->pairs[i] & 0xffffffffu);
        j->cross[i] = compare(j->e, a, b, lv, cache);
        for (int f = 0; f < NFIELDS; f++)
            j->lv[i * NFIELDS + (size_t)f] = (int8_t)(f < 3 + j->e->nextra ? lv[f] : -1);
        if (((i - j->from) & 0xffff) == 0xffff)
            __atomic_add_fetch(j->done, 0x10000, __ATOMIC_RELAXED);
    }
    free(cache);
    __atomic_add_fetch(j->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int
run_threads(const struct engine *e, const struct pairvec *pv, int8_t *lv, uint8_t *cross,
            int threads)
{
    pthread_t th[8];
    struct job jobs[8];
    long done = 0;
    int finished = 0, started = 0, rc = 0;
    if (threads < 1)
        threads = 1;
    if (threads > 8)
        threads = 8;
    size_t per = (pv->n + (size_t)threads - 1) / (size_t)threads;
    for (int t = 0; t < threads; t++) {
        size_t from = (size_t)t * per, to = from + per < pv->n ? from + per : pv->n;
        if (from >= to)
            break;
        jobs[t] = (struct job){e, pv->v, from, to, lv, cross, &done, &finished};
        if (pthread_create(&th[t], NULL, compare_job, &jobs[t])) {
            rc = UBUR_EINTERNAL;
            break;
        }
        started++;
    }
    while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < started) {
        if (e->cfg->progress)
            e->cfg->progress(e->cfg->progress_arg, "scoring",
                             __atomic_load_n(&done, __ATOMIC_RELAXED), (long)pv->n);
        usleep(20000);
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    if (e->cfg->progress)
        e->cfg->progress(e->cfg->progress_arg, "scoring", (long)pv->n, (long)pv->n);
    return rc;
}

/* ---- estimation ---- */

static uint64_t
rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Level counts among random pairs: cnt[f][l], and the number of pairs per field in tot[f]. */
static void
estimate_u(const struct engine *e, struct model *md, double cnt[NFIELDS][NAME_LEVELS])
{
    memset(cnt, 0, sizeof(double) * NFIELDS * NAME_LEVELS);
    uint64_t seed = 12345;
    size_t samples = e->n < 2 ? 0 : 200000;
    struct simcache *cache = ubur_calloc(1, sizeof(*cache));
    for (size_t s = 0; s < samples; s++) {
        size_t a = (size_t)(rng_next(&seed) % e->n), b = (size_t)(rng_next(&seed) % e->n);
        if (a == b)
            continue;
        int lv[NFIELDS];
        bool cross = compare(e, a, b, lv, cache);
        (void)cross;
        for (int f = 0; f < md->nfields; f++)
            if (lv[f] >= 0)
                cnt[f][lv[f]] += 1;
    }
    free(cache);
    for (int f = 0; f < md->nfields; f++) {
        double tot = 0;
        for (int l = 0; l < md->levels[f]; l++)
            tot += cnt[f][l] + 0.5;
        if (tot < 1000)
            continue; /* too little data: keep the defaults */
        for (int l = 0; l < md->levels[f]; l++)
            md->u[f][l] = (cnt[f][l] + 0.5) / tot;
    }
}

/*
 * Random pairs include a few true matches, which matters for rare levels
 * (an equal birth date among ten thousand records is as often a duplicate
 * as a coincidence): takes their expected share, lambda * m, out of the
 * sampled shares.
 */
static void
correct_u(struct model *md, double cnt[NFIELDS][NAME_LEVELS])
{
    for (int f = 0; f < md->nfields; f++) {
        double tot = 0, sum = 0, u[NAME_LEVELS];
        for (int l = 0; l < md->levels[f]; l++)
            tot += cnt[f][l];
        if (tot < 1000)
            continue;
        for (int l = 0; l < md->levels[f]; l++) {
            u[l] = (cnt[f][l] / tot - md->lambda * md->m[f][l]) / (1 - md->lambda);
            if (u[l] < 0.5 / tot)
                u[l] = 0.5 / tot;
            sum += u[l];
        }
        for (int l = 0; l < md->levels[f]; l++)
            md->u[f][l] = u[l] / sum;
    }
}

/* The model's weights log2(m/u) per field and level into lw, and log2(m) of each field's
 * exact level into lmx: an exact name's or extra value's u is its own frequency
 * (field_weight). */
static void
level_weights(const struct model *md, double lw[NFIELDS][NAME_LEVELS], double lmx[NFIELDS])
{
    for (int f = 0; f < md->nfields; f++) {
        for (int l = 0; l < md->levels[f]; l++)
            lw[f][l] = log2(md->m[f][l] / md->u[f][l]);
        lmx[f] = log2(md->m[f][md->levels[f] - 1]);
    }
}

/* The weight of field f at level l for a pair whose first record is pa (term frequency for
 * exact names, as pair_weight), without a logarithm per pair. */
static inline double
field_weight(const double lw[NFIELDS][NAME_LEVELS], const double lmx[NFIELDS],
             const struct prep *pa, int f, int l)
{
    if (f < 2 && l == NAME_EXACT)
        return lmx[f] - (f == 0 ? pa->ltf_g : pa->ltf_f);
    if (f >= 3 && l == EXTRA_LEVELS - 1)
        return lmx[f] - pa->ltf_x[f - 3];
    return lw[f][l];
}

/* Every candidate's weight into wt, and the prior: the share of matches
 * among *all* pairs (pairs blocking did not produce are taken as
 * non-matches; weights include the blocked fields, so a prior over
 * candidates would count that evidence twice), by fixed point over a
 * histogram of the weights (1/64 bit wide bins). */
static void
weights_and_prior(struct model *md, const struct engine *e, const struct pairvec *pv,
                  const int8_t *lv, const uint8_t *cross, double *wt)
{
    enum { BINS = 128 * 64 };
    double *hist = ubur_calloc(BINS, sizeof(double));
    double lw[NFIELDS][NAME_LEVELS], lmx[NFIELDS];
    (void)cross; /* field 0 is a's given name either way */
    level_weights(md, lw, lmx);
    for (size_t i = 0; i < pv->n; i++) {
        const int8_t *l = lv + i * NFIELDS;
        const struct prep *pa = &e->p[pv->v[i] >> 32];
        double w = 0;
        for (int f = 0; f < md->nfields; f++)
            if (l[f] >= 0)
                w += field_weight(lw, lmx, pa, f, l[f]);
        wt[i] = w;
        long bin = lround((w + 64) * 64);
        hist[bin < 0 ? 0 : bin >= BINS ? BINS - 1 : bin] += 1;
    }
    double all_pairs = (double)e->n * (double)(e->n > 1 ? e->n - 1 : 1) / 2.0;
    md->lambda = 1.0 / (all_pairs + 1);
    for (int it = 0; it < 100 && pv->n > 0; it++) {
        double sum = 0;
        for (int b = 0; b < BINS; b++)
            if (hist[b] > 0)
                sum += hist[b] * posterior((double)b / 64 - 64, md->lambda);
        double nl = sum / all_pairs;
        nl = nl < 1e-12 ? 1e-12 : nl > 0.5 ? 0.5 : nl;
        if (fabs(nl - md->lambda) < md->lambda * 1e-4)
            break;
        md->lambda = nl;
    }
    free(hist);
}

/*
 * m probabilities by expectation-maximisation, in two training sessions as
 * Splink does: over the candidate pairs with equal birth dates (learning
 * the names' and extra fields' m) and over those with equal names (learning
 * the birth date's). A session ignores the fields it selected on, whose
 * agreement says nothing there; u stays as sampled from random pairs.
 * Comparison vectors are counted by pattern first, so an iteration costs
 * the number of distinct patterns, not of pairs.
 */
static uint64_t
pattern_code(const int8_t *lv, int nfields)
{
    uint64_t c = 0;
    for (int f = 0; f < nfields; f++)
        c = c * (NAME_LEVELS + 1) + (uint64_t)(lv[f] + 1);
    return c;
}

static void
em_session(struct model *md, const uint64_t *code, const double *count, size_t np,
           const bool *fixed, double lambda, double m_out[NFIELDS][NAME_LEVELS], bool *learnt)
{
    int nf = md->nfields;
    double m[NFIELDS][NAME_LEVELS], total = 0;
    int8_t(*lv)[NFIELDS] = ubur_malloc((np ? np : 1) * sizeof(*lv));
    for (size_t i = 0; i < np; i++) {
        uint64_t c = code[i];
        for (int f = nf - 1; f >= 0; f--) {
            lv[i][f] = (int8_t)((int)(c % (NAME_LEVELS + 1)) - 1);
            c /= NAME_LEVELS + 1;
        }
        total += count[i];
    }
    memcpy(m, md->m, sizeof(m));
    for (int it = 0; it < 40 && total > 0; it++) {
        double num[NFIELDS][NAME_LEVELS] = {{0}}, matches = 0;
        for (size_t i = 0; i < np; i++) {
            double lm = log(lambda), lu = log(1 - lambda);
            for (int f = 0; f < nf; f++)
                if (!fixed[f] && lv[i][f] >= 0) {
                    lm += log(m[f][lv[i][f]]);
                    lu += log(md->u[f][lv[i][f]]);
                }
            double p = 1.0 / (1.0 + exp(lu - lm));
            matches += p * count[i];
            for (int f = 0; f < nf; f++)
                if (!fixed[f] && lv[i][f] >= 0)
                    num[f][lv[i][f]] += p * count[i];
        }
        double change = fabs(matches / total - lambda);
        lambda = matches / total;
        lambda = lambda < 1e-6 ? 1e-6 : lambda > 0.999 ? 0.999 : lambda;
        for (int f = 0; f < nf; f++) {
            if (fixed[f])
                continue;
            double sum = 0;
            for (int l = 0; l < md->levels[f]; l++)
                sum += num[f][l] + 0.01;
            for (int l = 0; l < md->levels[f]; l++) {
                double v = (num[f][l] + 0.01) / sum;
                change += fabs(v - m[f][l]);
                m[f][l] = v;
            }
        }
        if (change < 1e-6)
            break;
    }
    for (int f = 0; f < nf; f++)
        if (!fixed[f] && total >= 100) {
            memcpy(m_out[f], m[f], sizeof(m[f]));
            learnt[f] = true;
        }
    free(lv);
}

/* Counts the candidate pairs' patterns among those select() accepts and runs a session. */
static void
estimate_m(struct model *md, const int8_t *lv, size_t npairs)
{
    int nf = md->nfields;
    double m_a[NFIELDS][NAME_LEVELS], m_b[NFIELDS][NAME_LEVELS];
    bool learnt_a[NFIELDS] = {false}, learnt_b[NFIELDS] = {false};
    for (int session = 0; session < 2; session++) {
        uint64_t *codes = ubur_malloc((npairs ? npairs : 1) * sizeof(uint64_t));
        size_t nc = 0;
        for (size_t i = 0; i < npairs; i++) {
            const int8_t *v = lv + i * NFIELDS;
            bool take = session == 0 ? v[2] == 3 : (v[0] == NAME_EXACT && v[1] == NAME_EXACT);
            if (take)
                codes[nc++] = pattern_code(v, nf);
        }
        radix_sort_u64(codes, nc);
        size_t np = 0;
        double *count = ubur_malloc((nc ? nc : 1) * sizeof(double));
        for (size_t i = 0; i < nc; i++) {
            if (np && codes[np - 1] == codes[i]) {
                count[np - 1] += 1;
            } else {
                codes[np] = codes[i];
                count[np++] = 1;
            }
        }
        bool fixed[NFIELDS] = {false};
        if (session == 0)
            fixed[2] = true;
        else
            fixed[0] = fixed[1] = true;
        /* The session's share of matches starts where the current model puts it (the mean
         * posterior of its pairs), not at a fixed guess: at a million records most pairs
         * sharing a common name are not matches, and EM started at 10 % found another
         * cluster (pairs born in the same year) and called it the matches. */
        double lw[NFIELDS][NAME_LEVELS], psum = 0, pn = 0;
        for (int f = 0; f < nf; f++)
            for (int l = 0; l < md->levels[f]; l++)
                lw[f][l] = log2(md->m[f][l] / md->u[f][l]);
        for (size_t i = 0; i < np; i++) {
            uint64_t c = codes[i];
            double w = 0;
            for (int f = nf - 1; f >= 0; f--) {
                int l = (int)(c % (NAME_LEVELS + 1)) - 1;
                c /= NAME_LEVELS + 1;
                if (l >= 0)
                    w += lw[f][l];
            }
            psum += count[i] * posterior(w, md->lambda);
            pn += count[i];
        }
        double lambda0 = pn > 0 ? psum / pn : 0.1;
        lambda0 = lambda0 < 1e-6 ? 1e-6 : lambda0 > 0.999 ? 0.999 : lambda0;
        em_session(md, codes, count, np, fixed, lambda0, session == 0 ? m_a : m_b,
                   session == 0 ? learnt_a : learnt_b);
        free(codes);
        free(count);
    }
    for (int f = 0; f < nf; f++) {
        for (int l = 0; l < md->levels[f]; l++) {
            if (learnt_a[f] && learnt_b[f])
                md->m[f][l] = (m_a[f][l] + m_b[f][l]) / 2;
            else if (learnt_a[f])
                md->m[f][l] = m_a[f][l];
            else if (learnt_b[f])
                md->m[f][l] = m_b[f][l];
        }
    }
}

/*
 * m probabilities from the pairs the other fields already decide: for each
 * field, the candidate pairs whose posterior *without that field* is at
 * least SURE are taken as matches, and the field's levels among them give
 * its m. This is EM with hard labels and one field left out at a time; it
 * replaces soft EM, which at a million records converged to another
 * cluster (most pairs sharing a common name or a birth date there are not
 * matches, and pairs born in the same year form a cluster of their own).
 * Leaving the field out keeps its own agreement from selecting the pairs
 * that teach it. A field with fewer than 100 such pairs keeps its m.
 *
 * The birth date keeps its calibrated m (default_model: a typo changes one
 * part of a date, rarely two). Learnt this way it comes out too high for
 * "different dates" (0.048 where the generator's truth says 0.007): pairs
 * the names decide are those whose corruptions went elsewhere, often into
 * the date, and some of them are namesakes from one community (Kurdish
 * names are rare overall but common among Kurds), so different birth dates
 * stopped counting against a match. At a million records too few pairs are
 * decided without the date to learn it at all, so this also makes the
 * model the same at every size.
 */
#define SURE 0.99

static void
estimate_m_sure(struct model *md, const struct engine *e, const struct pairvec *pv,
                const int8_t *lv, const uint8_t *cross)
{
    int nf = md->nfields;
    double cnt[NFIELDS][NAME_LEVELS] = {{0}};
    double lw[NFIELDS][NAME_LEVELS], lmx[NFIELDS];
    /* posterior >= SURE, as a weight: no exp2 per pair */
    double wsure = log2(SURE / (1 - SURE)) - log2(md->lambda / (1 - md->lambda));
    (void)cross;
    level_weights(md, lw, lmx);
    for (size_t i = 0; i < pv->n; i++) {
        const int8_t *l = lv + i * NFIELDS;
        const struct prep *pa = &e->p[pv->v[i] >> 32];
        double wf[NFIELDS], w = 0;
        for (int f = 0; f < nf; f++) {
            wf[f] = l[f] >= 0 ? field_weight(lw, lmx, pa, f, l[f]) : 0;
            w += wf[f];
        }
        for (int f = 0; f < nf; f++)
            if (l[f] >= 0 && w - wf[f] >= wsure)
                cnt[f][l[f]] += 1;
    }
    for (int f = 0; f < nf; f++) {
        double tot = 0;
        for (int l = 0; l < md->levels[f]; l++)
            tot += cnt[f][l];
        if (tot < 100 || f == 2)
            continue;
        for (int l = 0; l < md->levels[f]; l++)
            md->m[f][l] = (cnt[f][l] + 0.5) / (tot + 0.5 * md->levels[f]);
    }
}

/* ---- transitive completion ---- */

#define STRONG 0.8    /* a link this sure lends its certainty to a third record */
#define MAX_STRONG 16 /* records with more strong links are left alone (common names) */

static int
pair_cmp(const void *x, const void *y)
{
    const struct ubur_reclink_pair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (a->score < b->score) - (a->score > b->score); /* best first */
}

/*
 * Two records both linked surely (score >= STRONG) to a third describe the
 * same person too, however far apart their own fields are (two duplicates
 * of one original, each corrupted differently): adds those pairs with the
 * weaker of the two links as their score. Pairs already reported keep the
 * better score. Returns the (reallocated) list sorted by a then b.
 */
static struct ubur_reclink_pair *
complete_triangles(const struct engine *e, struct ubur_reclink_pair *out, size_t *np, size_t n,
                   double threshold)
{
    size_t m = *np, ns = 0;
    uint32_t *deg = ubur_calloc(n + 1, sizeof(uint32_t));
    for (size_t i = 0; i < m; i++)
        if (out[i].score >= STRONG)
            deg[out[i].a]++, deg[out[i].b]++, ns++;
    if (!ns) {
        free(deg);
        return out;
    }
    /* adjacency lists of strong links (CSR) */
    size_t *start = ubur_malloc((n + 1) * sizeof(size_t));
    start[0] = 0;
    for (size_t v = 0; v < n; v++)
        start[v + 1] = start[v] + deg[v];
    struct nb {
        uint32_t to;
        double score;
    } *adj = ubur_malloc(2 * ns * sizeof(*adj));
    memset(deg, 0, (n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < m; i++)
        if (out[i].score >= STRONG) {
            size_t a = out[i].a, b = out[i].b;
            adj[start[a] + deg[a]++] = (struct nb){(uint32_t)b, out[i].score};
            adj[start[b] + deg[b]++] = (struct nb){(uint32_t)a, out[i].score};
        }
    size_t cap = m + 1024;
    out = ubur_realloc(out, cap * sizeof(*out));
    for (size_t v = 0; v < n; v++) {
        if (deg[v] < 2 || deg[v] > MAX_STRONG)
            continue;
        for (size_t i = start[v]; i < start[v + 1]; i++)
            for (size_t j = i + 1; j < start[v + 1]; j++) {
                double sc = adj[i].score < adj[j].score ? adj[i].score : adj[j].score;
                size_t a = adj[i].to, b = adj[j].to;
                if (a == b || sc < threshold)
                    continue;
                /* not through a third record when the two clearly differ (both birth dates
                 * given and different, or a name given on both and different): the third is
                 * then more likely linked wrongly to one of them, as a record without a birth
                 * date is to two people of one common name */
                int lv[NFIELDS];
                compare(e, a, b, lv, NULL);
                if (lv[0] == 0 || lv[1] == 0 || lv[2] == 0)
                    continue;
                if (m == cap) {
                    cap *= 2;
                    out = ubur_realloc(out, cap * sizeof(*out));
                }
                out[m++] = (struct ubur_reclink_pair){a < b ? a : b, a < b ? b : a, sc};
            }
    }
    qsort(out, m, sizeof(*out), pair_cmp);
    size_t w = 0;
    for (size_t i = 0; i < m; i++)
        if (!w || out[w - 1].a != out[i].a || out[w - 1].b != out[i].b)
            out[w++] = out[i];
    *np = w;
    free(deg);
    free(start);
    free(adj);
    return out;
}

/* ---- debugging ---- */

static bool
has_pair(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* Writes every true pair that blocking missed ("B") or scoring missed ("S") to path. */
static void
dump_missed(const struct ubur_reclink_record *rec, size_t n, const struct engine *e,
            const struct pairvec *pv, const struct ubur_reclink_pair *out, size_t np,
            const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    struct pairvec rep = {0};
    for (size_t i = 0; i < np; i++)
        pairvec_add(&rep, ((uint64_t)out[i].a << 32) | (uint64_t)out[i].b);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && j < i + 8; j++) {
            if (strcmp(rec[i].entity, rec[j].entity))
                continue;
            uint64_t x = ((uint64_t)i << 32) | j;
            char kind = !has_pair(pv->v, pv->n, x) ? 'B' : !has_pair(rep.v, rep.n, x) ? 'S' : 0;
            if (!kind)
                continue;
            const struct prep *a = &e->p[i], *b = &e->p[j];
            fprintf(f, "%c\t%s|%s|%d-%d-%d|%s\t%s|%s|%d-%d-%d|%s\t[%s/%s] [%s/%s]\n", kind,
                    rec[i].given ? rec[i].given : "", rec[i].family ? rec[i].family : "", a->y,
                    a->m, a->d, rec[i].extra[1] ? rec[i].extra[1] : "",
                    rec[j].given ? rec[j].given : "", rec[j].family ? rec[j].family : "", b->y,
                    b->m, b->d, rec[j].extra[1] ? rec[j].extra[1] : "", a->g, a->f, b->g, b->f);
        }
    free(rep.v);
    fclose(f);
}

/* ---- the run ---- */

int
ubur_reclink_dedup(const struct ubur_reclink_record *rec, size_t n,
                   const struct ubur_reclink_config *cfg, struct ubur_reclink_pair **pairs,
                   size_t *npairs, struct ubur_reclink_stats *stats, struct ubur_error *err)
{
    struct ubur_reclink_config c = *cfg;
    struct pairvec pv = {0};
    struct model md;
    int rc = 0;

    *pairs = NULL;
    *npairs = 0;
    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (n > 0xffffffffu)
        return ubur_error_set(err, UBUR_ETOOBIG, "at most 4294967295 records");
    if (c.nextra < 0 || c.nextra > UBUR_RECLINK_MAX_EXTRA)
        return ubur_error_set(err, UBUR_EINVAL, "at most %d extra fields", UBUR_RECLINK_MAX_EXTRA);
    if (c.threshold <= 0 || c.threshold > 1)
        c.threshold = 0.5;
    if (c.threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        c.threads = cpus > 8 ? 8 : cpus < 1 ? 1 : (int)cpus;
    }
    struct engine e = {rec, ubur_malloc((n ? n : 1) * sizeof(struct prep)), n, &c, c.nextra};
    for (size_t i = 0; i < n; i++)
        prepare(&rec[i], &e.p[i]);
    frequencies(&e);
    block(&e, &pv, stats);

    int8_t *lv = ubur_malloc((pv.n ? pv.n : 1) * NFIELDS);
    uint8_t *cross = ubur_malloc(pv.n ? pv.n : 1);
    if ((rc = run_threads(&e, &pv, lv, cross, c.threads))) {
        ubur_error_set(err, rc, "cannot start comparison threads");
        goto out;
    }
    default_model(&md, c.nextra);
    double ucnt[NFIELDS][NAME_LEVELS];
    estimate_u(&e, &md, ucnt);
    double *wt = ubur_malloc((pv.n ? pv.n : 1) * sizeof(double));
    /* m by EM with u fixed, then u corrected for the matches among random
     * pairs with that m and the prior, twice. */
    weights_and_prior(&md, &e, &pv, lv, cross, wt); /* a prior fitted to this data first */
    for (int round = 0; round < 2; round++) {
        if (getenv("UBUR_RECLINK_EM"))
            estimate_m(&md, lv, pv.n);
        else if (!getenv("UBUR_RECLINK_FIXED_M"))
            estimate_m_sure(&md, &e, &pv, lv, cross);
        weights_and_prior(&md, &e, &pv, lv, cross, wt);
        correct_u(&md, ucnt);
    }
    weights_and_prior(&md, &e, &pv, lv, cross, wt);
    if (getenv("UBUR_RECLINK_DEBUG")) {
        fprintf(stderr, "lambda %.6f\n", md.lambda);
        for (int f = 0; f < md.nfields; f++) {
            fprintf(stderr, "field %d:", f);
            for (int l = 0; l < md.levels[f]; l++)
                fprintf(stderr, " [%d] m=%.4f u=%.6f", l, md.m[f][l], md.u[f][l]);
            fputc('\n', stderr);
        }
    }

    size_t cap = 1024, np = 0;
    struct ubur_reclink_pair *out = ubur_malloc(cap * sizeof(*out));
    /* a little below the threshold's weight: posterior() decides the edge */
    double wmin =
        log2(c.threshold / (1 - c.threshold + 1e-12)) - log2(md.lambda / (1 - md.lambda)) - 0.01;
    for (size_t i = 0; i < pv.n; i++) {
        size_t a = (size_t)(pv.v[i] >> 32), b = (size_t)(pv.v[i] & 0xffffffffu);
        if (wt[i] < wmin)
            continue;
        double p = posterior(wt[i], md.lambda);
        if (p >= c.threshold) {
            if (np == cap) {
                cap *= 2;
                out = ubur_realloc(out, cap * sizeof(*out));
            }
            out[np++] = (struct ubur_reclink_pair){a, b, p};
        }
    }
    out = complete_triangles(&e, out, &np, n, c.threshold);
    *pairs = out;
    *npairs = np;

    if (stats) {
        stats->records = (long)n;
        stats->reported_pairs = (long)np;
        bool truth = n > 0;
        for (size_t i = 0; i < n && truth; i++)
            truth = rec[i].entity && rec[i].entity[0];
        if (truth) {
            /* true pairs: sum over entities of k(k-1)/2 */
            const char **ent = ubur_malloc(n * sizeof(char *));
            for (size_t i = 0; i < n; i++)
                ent[i] = rec[i].entity;
            qsort(ent, n, sizeof(char *), str_cmp);
            for (size_t s = 0; s < n;) {
                size_t t = s + 1;
                while (t < n && !strcmp(ent[t], ent[s]))
                    t++;
                stats->true_pairs += (long)((t - s) * (t - s - 1) / 2);
                s = t;
            }
            free(ent);
            for (size_t i = 0; i < pv.n; i++)
                if (!strcmp(rec[pv.v[i] >> 32].entity, rec[pv.v[i] & 0xffffffffu].entity))
                    stats->true_in_blocks++;
            if (getenv("UBUR_RECLINK_MISSED"))
                dump_missed(rec, n, &e, &pv, out, np, getenv("UBUR_RECLINK_MISSED"));
            for (size_t i = 0; i < np; i++)
                if (!strcmp(rec[out[i].a].entity, rec[out[i].b].entity))
                    stats->true_reported++;
            stats->precision = np ? (double)stats->true_reported / (double)np : 1.0;
            stats->recall =
                stats->true_pairs ? (double)stats->true_reported / (double)stats->true_pairs : 1.0;
            stats->f1 =
                stats->precision + stats->recall > 0
                    ? 2 * stats->precision * stats->recall / (stats->precision + stats->recall)
                    : 0;
            stats->blocking_recall =
                stats->true_pairs ? (double)stats->true_in_blocks / (double)stats->true_pairs : 1.0;
        }
    }
    free(wt);
out:
    free(lv);
    free(cross);
    free(pv.v);
    free(e.p);
    return rc;
}
