/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dedup engine (include/ubur/reclink.h). Steps:
 *   1. each record's names are reduced to skeletons once;
 *   2. blocking: five keys per record (family+given prefix, given+birth
 *      date, family+birth year, birth date+initials, the unordered pair of
 *      names for swapped fields); records sharing a key form a block and
 *      every pair inside a block is a candidate. Blocks larger than
 *      MAX_BLOCK are skipped for that key (the other keys still apply), so a
 *      million "Muhammad"s do not make 10^12 pairs;
 *   3. each candidate pair gets a comparison vector: an agreement level per
 *      field (names: exact skeleton, >= 0.92, >= 0.80, different; birth
 *      date: exact, one part wrong or day/month swapped, same year,
 *      different; extra fields: equal or not; missing values are neutral),
 *      trying the given/family swap too;
 *   4. u probabilities come from random pairs, m probabilities and the
 *      prior from expectation-maximisation over the candidate vectors (as
 *      Splink does); exact name agreement uses the name's own frequency as
 *      its u (term-frequency adjustment);
 *   5. the score is the posterior match probability.
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

#define MAX_BLOCK 400
#define NO_DOB INT64_MIN
#define NFIELDS (3 + UBUR_RECLINK_MAX_EXTRA)
#define NAME_LEVELS 4 /* 0 different .. 3 exact */
#define DOB_LEVELS 4
#define SKEL 64

struct prep {
    char g[SKEL], f[SKEL]; /* skeletons */
    int y, m, d;           /* birth date parts, y = 0 when missing */
    uint32_t gfreq, ffreq; /* how many records share the skeleton */
};

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
    return exact ? 3 : sim >= 0.92 ? 2 : sim >= 0.80 ? 1 : 0;
}

static int
skel_level(const char *a, const char *b)
{
    if (!a[0] || !b[0])
        return -1;
    if (!strcmp(a, b))
        return 3;
    return name_level(ubur_reclink_jaro_winkler(a, b), false);
}

static int
dob_level(const struct prep *a, const struct prep *b)
{
    if (!a->y || !b->y)
        return -1;
    int same = (a->y == b->y) + (a->m == b->m) + (a->d == b->d);
    if (same == 3)
        return 3;
    if (same == 2 || (a->y == b->y && a->m == b->d && a->d == b->m))
        return 2;
    if (a->y == b->y || (abs(a->y - b->y) <= 1 && a->m == b->m && a->d == b->d))
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
static bool
compare(const struct engine *e, size_t a, size_t b, int *lv)
{
    const struct prep *pa = &e->p[a], *pb = &e->p[b];
    int g, f, gx, fx;
    if (e->cfg->name_sim) {
        const struct ubur_reclink_record *ra = &e->rec[a], *rb = &e->rec[b];
#define SIM(x, y)                                                                              \
    ((!(x) || !*(x) || !(y) || !*(y))                                                          \
         ? -1                                                                                  \
         : name_level(e->cfg->name_sim(e->cfg->name_sim_arg, (x), (y)), false))
        g = SIM(ra->given, rb->given);
        f = SIM(ra->family, rb->family);
        gx = SIM(ra->given, rb->family);
        fx = SIM(ra->family, rb->given);
#undef SIM
        /* the plug's 1.0 counts as exact */
        if (g == 2 && pa->g[0] && !strcmp(pa->g, pb->g))
            g = 3;
        if (f == 2 && pa->f[0] && !strcmp(pa->f, pb->f))
            f = 3;
    } else {
        g = skel_level(pa->g, pb->g);
        f = skel_level(pa->f, pb->f);
        gx = skel_level(pa->g, pb->f);
        fx = skel_level(pa->f, pb->g);
    }
    bool cross = gx >= 0 && fx >= 0 && gx + fx > (g < 0 ? 0 : g) + (f < 0 ? 0 : f) + 1;
    lv[0] = cross ? gx : g;
    lv[1] = cross ? fx : f;
    lv[2] = dob_level(pa, pb);
    for (int k = 0; k < e->nextra; k++) {
        const char *x = e->rec[a].extra[k], *y = e->rec[b].extra[k];
        lv[3 + k] = (!x || !*x || !y || !*y) ? -1 : !strcmp(x, y);
    }
    return cross;
}

static double
pair_weight(const struct model *md, const struct engine *e, size_t a, size_t b, const int *lv,
            bool cross)
{
    double w = 0;
    for (int f = 0; f < md->nfields; f++) {
        if (lv[f] < 0)
            continue;
        double m = md->m[f][lv[f]], u = md->u[f][lv[f]];
        if (f < 2 && lv[f] == 3 && e) {
            /* term frequency: a shared rare name is strong evidence */
            const struct prep *pa = &e->p[a];
            uint32_t freq = f == 0 ? (cross ? pa->gfreq : pa->gfreq) : pa->ffreq;
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
    static const double nm[4] = {0.05, 0.08, 0.12, 0.75}, nu[4] = {0.945, 0.04, 0.01, 0.005};
    /* birth date levels: different, same year, one part wrong or day/month swapped, exact */
    static const double dm[4] = {0.005, 0.02, 0.15, 0.825}, du[4] = {0.97, 0.02, 0.005, 0.0005};
    memset(md, 0, sizeof(*md));
    md->nfields = 3 + nextra;
    for (int l = 0; l < 4; l++) {
        md->m[0][l] = md->m[1][l] = nm[l];
        md->u[0][l] = md->u[1][l] = nu[l];
        md->m[2][l] = dm[l];
        md->u[2][l] = du[l];
    }
    md->levels[0] = md->levels[1] = NAME_LEVELS;
    md->levels[2] = DOB_LEVELS;
    for (int k = 0; k < nextra; k++) {
        md->levels[3 + k] = 2;
        md->m[3 + k][0] = 0.1;
        md->m[3 + k][1] = 0.9;
        md->u[3 + k][0] = 0.8;
        md->u[3 + k][1] = 0.2;
    }
    md->lambda = 0.001;
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
    bool cross = compare(&e, 0, 1, lv);
    return posterior(pair_weight(&md, NULL, 0, 1, lv, cross), md.lambda);
}

/* ---- blocking ---- */

struct keyed {
    char *key;
    size_t idx;
};

static int
keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

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

static int
u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
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

/* Writes rule r's key for record i into out; "" when the rule does not apply. */
static void
block_key(const struct prep *p, int r, char *out, size_t cap)
{
    char g[SKEL], f[SKEL], g2[4], f2[4];
    squeeze_prefix(p->g, SKEL - 1, g);
    squeeze_prefix(p->f, SKEL - 1, f);
    squeeze_prefix(p->g, 2, g2);
    squeeze_prefix(p->f, 2, f2);
    out[0] = '\0';
    switch (r) {
    case 0:
        if (f[0] && g[0])
            snprintf(out, cap, "%s|%s", f, g2);
        break;
    case 1:
        if (g[0] && p->y)
            snprintf(out, cap, "%s|%04d%02d%02d", g, p->y, p->m, p->d);
        break;
    case 2:
        if (f[0] && p->y)
            snprintf(out, cap, "%s|%04d", f, p->y);
        break;
    case 3:
        if (p->y && (g[0] || f[0]))
            snprintf(out, cap, "%04d%02d%02d|%c%c", p->y, p->m, p->d, g[0] ? g[0] : '-',
                     f[0] ? f[0] : '-');
        break;
    case 4:
        if (g[0] && f[0])
            snprintf(out, cap, "%s|%s", strcmp(g, f) < 0 ? g : f, strcmp(g, f) < 0 ? f : g);
        break;
    case 5:
        if (p->y)
            snprintf(out, cap, "%04d%02d%02d", p->y, p->m, p->d);
        break;
    case 6: {
        char g3[4], f3[4];
        squeeze_prefix(p->g, 3, g3);
        squeeze_prefix(p->f, 3, f3);
        if (g3[0] && f3[0] && p->y)
            snprintf(out, cap, "%s|%s|%04d", g3, f3, p->y / 10);
        break;
    }
    }
}

#define NRULES 7

static void
block(const struct engine *e, struct pairvec *pv, struct ubur_reclink_stats *st)
{
    struct keyed *k = ubur_malloc(e->n * sizeof(*k));
    char buf[SKEL * 3];
    for (int r = 0; r < NRULES; r++) {
        size_t nk = 0;
        for (size_t i = 0; i < e->n; i++) {
            block_key(&e->p[i], r, buf, sizeof(buf));
            if (!buf[0])
                continue;
            k[nk].key = ubur_strdup(buf);
            k[nk++].idx = i;
        }
        qsort(k, nk, sizeof(*k), keyed_cmp);
        for (size_t s = 0; s < nk;) {
            size_t t = s + 1;
            while (t < nk && !strcmp(k[t].key, k[s].key))
                t++;
            if (t - s <= MAX_BLOCK)
                for (size_t i = s; i < t; i++)
                    for (size_t j = i + 1; j < t; j++)
                        pairvec_add(pv, ((uint64_t)k[i].idx << 32) | (uint64_t)k[j].idx);
            s = t;
        }
        for (size_t i = 0; i < nk; i++)
            free(k[i].key);
        if (e->cfg->progress)
            e->cfg->progress(e->cfg->progress_arg, "blocking", r + 1, NRULES);
    }
    free(k);
    if (pv->n > 1)
        qsort(pv->v, pv->n, sizeof(uint64_t), u64_cmp);
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

/* Sets gfreq / ffreq: the number of records sharing each skeleton. */
static void
frequencies(struct engine *e)
{
    for (int which = 0; which < 2; which++) {
        char **v = ubur_malloc(e->n * sizeof(char *));
        for (size_t i = 0; i < e->n; i++)
            v[i] = which ? e->p[i].f : e->p[i].g;
        qsort(v, e->n, sizeof(char *), str_cmp);
        for (size_t s = 0; s < e->n;) {
            size_t t = s + 1;
            while (t < e->n && !strcmp(v[t], v[s]))
                t++;
            for (size_t i = s; i < t; i++) {
                /* v[i] points into e->p[x]: recover x from the address */
                size_t x = (size_t)((v[i] - (which ? e->p[0].f : e->p[0].g)) /
                                    (ptrdiff_t)sizeof(struct prep));
                if (which)
                    e->p[x].ffreq = (uint32_t)(t - s);
                else
                    e->p[x].gfreq = (uint32_t)(t - s);
            }
            s = t;
        }
        free(v);
    }
}

/* ---- parallel comparison ---- */

struct job {
    const struct engine *e;
    const uint64_t *pairs;
    size_t from, to;
    int8_t *lv; /* NFIELDS per pair */
    uint8_t *cross;
    long *done;     /* pairs compared, all threads */
    int *finished;  /* threads finished */
};

static void *
compare_job(void *arg)
{
    struct job *j = arg;
    for (size_t i = j->from; i < j->to; i++) {
        int lv[NFIELDS];
        size_t a = (size_t)(j->pairs[i] >> 32), b = (size_t)(j->pairs[i] & 0xffffffffu);
        j->cross[i] = compare(j->e, a, b, lv);
        for (int f = 0; f < NFIELDS; f++)
            j->lv[i * NFIELDS + (size_t)f] = (int8_t)(f < 3 + j->e->nextra ? lv[f] : -1);
        if (((i - j->from) & 0xffff) == 0xffff)
            __atomic_add_fetch(j->done, 0x10000, __ATOMIC_RELAXED);
    }
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

static void
estimate_u(const struct engine *e, struct model *md)
{
    double cnt[NFIELDS][NAME_LEVELS] = {{0}};
    uint64_t seed = 12345;
    size_t samples = e->n < 2 ? 0 : 200000;
    for (size_t s = 0; s < samples; s++) {
        size_t a = (size_t)(rng_next(&seed) % e->n), b = (size_t)(rng_next(&seed) % e->n);
        if (a == b)
            continue;
        int lv[NFIELDS];
        bool cross = compare(e, a, b, lv);
        (void)cross;
        for (int f = 0; f < md->nfields; f++)
            if (lv[f] >= 0)
                cnt[f][lv[f]] += 1;
    }
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
    estimate_u(&e, &md);
    /* Weights once per pair (term frequencies included), then the share of
     * matches among candidates by EM on that one parameter. */
    double *wt = ubur_malloc((pv.n ? pv.n : 1) * sizeof(double));
    for (size_t i = 0; i < pv.n; i++) {
        int l[NFIELDS];
        for (int f = 0; f < NFIELDS; f++)
            l[f] = lv[i * NFIELDS + (size_t)f];
        wt[i] = pair_weight(&md, &e, (size_t)(pv.v[i] >> 32), (size_t)(pv.v[i] & 0xffffffffu), l,
                            cross[i]);
    }
    /* The prior is the share of matches among *all* pairs (pairs blocking
     * did not produce are taken as non-matches): weights include the blocked
     * fields, so a prior over candidates would count that evidence twice. */
    double all_pairs = (double)n * (double)(n > 1 ? n - 1 : 1) / 2.0;
    md.lambda = 1.0 / (all_pairs + 1);
    for (int it = 0; it < 50 && pv.n > 0; it++) {
        double sum = 0;
        for (size_t i = 0; i < pv.n; i++)
            sum += posterior(wt[i], md.lambda);
        double nl = sum / all_pairs;
        nl = nl < 1e-12 ? 1e-12 : nl > 0.5 ? 0.5 : nl;
        if (fabs(nl - md.lambda) < md.lambda * 1e-4)
            break;
        md.lambda = nl;
    }
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
    for (size_t i = 0; i < pv.n; i++) {
        size_t a = (size_t)(pv.v[i] >> 32), b = (size_t)(pv.v[i] & 0xffffffffu);
        double p = posterior(wt[i], md.lambda);
        if (p >= c.threshold) {
            if (np == cap) {
                cap *= 2;
                out = ubur_realloc(out, cap * sizeof(*out));
            }
            out[np++] = (struct ubur_reclink_pair){a, b, p};
        }
    }
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
            for (size_t i = 0; i < np; i++)
                if (!strcmp(rec[out[i].a].entity, rec[out[i].b].entity))
                    stats->true_reported++;
            stats->precision = np ? (double)stats->true_reported / (double)np : 1.0;
            stats->recall =
                stats->true_pairs ? (double)stats->true_reported / (double)stats->true_pairs : 1.0;
            stats->f1 = stats->precision + stats->recall > 0
                            ? 2 * stats->precision * stats->recall /
                                  (stats->precision + stats->recall)
                            : 0;
            stats->blocking_recall = stats->true_pairs ? (double)stats->true_in_blocks /
                                                             (double)stats->true_pairs
                                                       : 1.0;
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
