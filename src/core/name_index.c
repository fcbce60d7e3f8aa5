/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name index (include/ubur/name_index.h). Layout, chosen for a million
 * names in about a hundred bytes each:
 *
 *   pool      one byte arena for every string (skeletons, phonetic forms,
 *             original names); offsets, never pointers, so it can grow.
 *   vocab     skeleton -> id (open-addressing map); per id a posting list
 *             of name ids, ascending because ids only grow.
 *   dels      one-deletion variant of a skeleton -> the vocab ids it came
 *             from (a variant list per slot), for one-edit lookups.
 *   phons     interned phonetic forms (few distinct spellings).
 *   names     per name: record, alive flag, offset of its units, count,
 *             offset of the original text.
 *   units     per unit: vocab id, phonetic form offset, kind, flags, weight.
 *
 * Invariants: a posting list holds each name id at most once per vocab id;
 * tombstoned names stay in postings until compaction and are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/alloc.h"
#include "ubur/name_index.h"
#include "ubur/banned.h"

#define ENUM_BUDGET 4000   /* postings read from the rarer units before the rest are only scored */
#define COMMON_DF 20000    /* a unit this frequent is not enumerated when others exist */
#define CAND_BUDGET 30000  /* most candidates gathered for one query */
#define RESCORE_MAX 200   /* candidates fully compared per query */
#define VARIANTS_MAX 96   /* vocab ids a query unit may expand to */

struct vec32 {
    uint32_t *v;
    uint32_t n, cap;
};

static void
vec_push(struct vec32 *a, uint32_t x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4;
        a->v = ubur_realloc(a->v, a->cap * sizeof(uint32_t));
    }
    a->v[a->n++] = x;
}

struct strmap_slot {
    uint32_t key; /* pool offset, 0 = empty */
    uint32_t val;
};

struct strmap {
    struct strmap_slot *s;
    uint32_t cap, n; /* cap a power of two */
};

struct cunit {
    uint32_t vocab;
    uint32_t phon;
    unsigned char kind, flags, weight; /* weight * 255 */
};

struct cname {
    uint32_t record;
    uint32_t units; /* first unit */
    uint32_t text;  /* pool offset of the original */
    unsigned char nunits;
    unsigned char alive;
};

struct ubur_name_index {
    char *pool;
    size_t pool_len, pool_cap;
    struct strmap vocab_map, del_map, phon_map;
    uint32_t *vocab_skel; /* pool offset of each vocab word */
    struct vec32 *postings;
    uint32_t nvocab, vocab_cap;
    struct vec32 *dels; /* variant lists, indexed by del_map values */
    uint32_t ndels, dels_cap;
    struct cname *names;
    uint32_t nnames, names_cap, alive;
    struct cunit *units;
    uint32_t nunits, units_cap;
    struct vec32 *rec_names; /* record -> its name ids */
    uint32_t nrec;
};

static uint32_t
hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t
pool_add(struct ubur_name_index *ix, const char *s)
{
    size_t l = strlen(s) + 1;
    if (ix->pool_len + l > ix->pool_cap) {
        size_t c = ix->pool_cap ? ix->pool_cap * 2 : 65536;
        while (c < ix->pool_len + l)
            c *= 2;
        ix->pool = ubur_realloc(ix->pool, c);
        ix->pool_cap = c;
    }
    uint32_t off = (uint32_t)ix->pool_len;
    memcpy(ix->pool + off, s, l);
    ix->pool_len += l;
    return off;
}

/* Returns the slot for key (its key is 0 when absent). */
static struct strmap_slot *
map_find(const struct ubur_name_index *ix, const struct strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1, i = hash_str(key) & mask;
    for (;;) {
        struct strmap_slot *sl = &m->s[i];
        if (!sl->key || !strcmp(ix->pool + sl->key, key))
            return sl;
        i = (i + 1) & mask;
    }
}

static void
map_grow(struct ubur_name_index *ix, struct strmap *m)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 1024;
    struct strmap_slot *ns = ubur_calloc(ncap, sizeof(*ns));
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->s[i].key)
            continue;
        uint32_t j = hash_str(ix->pool + m->s[i].key) & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->s[i];
    }
    free(m->s);
    m->s = ns;
    m->cap = ncap;
}

/* Inserts key if absent; *created tells which. Returns the slot. */
static struct strmap_slot *
map_upsert(struct ubur_name_index *ix, struct strmap *m, const char *key, bool *created)
{
    if ((m->n + 1) * 4 >= m->cap * 3)
        map_grow(ix, m);
    struct strmap_slot *sl = map_find(ix, m, key);
    *created = !sl->key;
    if (*created) {
        sl->key = pool_add(ix, key);
        m->n++;
    }
    return sl;
}

struct ubur_name_index *
ubur_name_index_new(void)
{
    struct ubur_name_index *ix = ubur_calloc(1, sizeof(*ix));
    pool_add(ix, ""); /* offset 0 means "empty" in maps */
    return ix;
}

void
ubur_name_index_free(struct ubur_name_index *ix)
{
    if (!ix)
        return;
    for (uint32_t i = 0; i < ix->nvocab; i++)
        free(ix->postings[i].v);
    for (uint32_t i = 0; i < ix->ndels; i++)
        free(ix->dels[i].v);
    for (uint32_t i = 0; i < ix->nrec; i++)
        free(ix->rec_names[i].v);
    free(ix->postings);
    free(ix->vocab_skel);
    free(ix->dels);
    free(ix->rec_names);
    free(ix->vocab_map.s);
    free(ix->del_map.s);
    free(ix->phon_map.s);
    free(ix->names);
    free(ix->units);
    free(ix->pool);
    free(ix);
}

/* Where the consonants of a key start (after "BD:", "B:", "M:"). */
static size_t
key_body(const char *k)
{
    const char *c = strchr(k, ':');
    return c ? (size_t)(c - k + 1) : 0;
}

/* Calls fn for each one-deletion variant of key's body (bodies of 3+ letters). */
static int
deletions(const char *key, char out[][UBUR_NAME_PHON], int max)
{
    size_t b = key_body(key), l = strlen(key);
    int n = 0;
    if (l - b < 3 || key[b] == '~')
        return 0;
    for (size_t i = b; i < l && n < max; i++) {
        if (i > b && key[i] == key[i - 1])
            continue; /* same variant as the previous deletion */
        memcpy(out[n], key, i);
        memcpy(out[n] + i, key + i + 1, l - i);
        n++;
    }
    return n;
}

static uint32_t
vocab_id(struct ubur_name_index *ix, const char *skel)
{
    bool created;
    struct strmap_slot *sl = map_upsert(ix, &ix->vocab_map, skel, &created);
    if (!created)
        return sl->val;
    if (ix->nvocab == ix->vocab_cap) {
        ix->vocab_cap = ix->vocab_cap ? ix->vocab_cap * 2 : 1024;
        ix->postings = ubur_realloc(ix->postings, ix->vocab_cap * sizeof(struct vec32));
        ix->vocab_skel = ubur_realloc(ix->vocab_skel, ix->vocab_cap * sizeof(uint32_t));
    }
    uint32_t id = ix->nvocab++;
    sl->val = id;
    memset(&ix->postings[id], 0, sizeof(struct vec32));
    ix->vocab_skel[id] = sl->key;
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = deletions(skel, var, UBUR_NAME_PHON);
    for (int k = 0; k < nv; k++) {
        bool c2;
        struct strmap_slot *d = map_upsert(ix, &ix->del_map, var[k], &c2);
        if (c2) {
            if (ix->ndels == ix->dels_cap) {
                ix->dels_cap = ix->dels_cap ? ix->dels_cap * 2 : 1024;
                ix->dels = ubur_realloc(ix->dels, ix->dels_cap * sizeof(struct vec32));
            }
            d->val = ix->ndels++;
            memset(&ix->dels[d->val], 0, sizeof(struct vec32));
        }
        vec_push(&ix->dels[d->val], id);
    }
    return id;
}

static uint32_t
phon_intern(struct ubur_name_index *ix, const char *phon)
{
    bool created;
    struct strmap_slot *sl = map_upsert(ix, &ix->phon_map, phon, &created);
    if (created)
        sl->val = sl->key;
    return sl->val;
}

int64_t
ubur_name_index_add_parsed(struct ubur_name_index *ix, uint32_t record, const char *name,
                           const struct ubur_name *p)
{
    if (p->n == 0)
        return UBUR_EINVAL;
    if (ix->nnames == UINT32_MAX - 1)
        return UBUR_ETOOBIG;
    if (ix->nnames == ix->names_cap) {
        ix->names_cap = ix->names_cap ? ix->names_cap * 2 : 1024;
        ix->names = ubur_realloc(ix->names, ix->names_cap * sizeof(struct cname));
    }
    while (ix->nunits + (uint32_t)p->n > ix->units_cap) {
        ix->units_cap = ix->units_cap ? ix->units_cap * 2 : 4096;
        ix->units = ubur_realloc(ix->units, ix->units_cap * sizeof(struct cunit));
    }
    uint32_t id = ix->nnames++;
    struct cname *cn = &ix->names[id];
    cn->record = record;
    cn->units = ix->nunits;
    cn->nunits = (unsigned char)p->n;
    cn->alive = 1;
    cn->text = pool_add(ix, name);
    for (int i = 0; i < p->n; i++) {
        struct cunit *u = &ix->units[ix->nunits++];
        u->vocab = vocab_id(ix, p->u[i].skel);
        u->phon = phon_intern(ix, p->u[i].phon);
        u->kind = p->u[i].kind;
        u->flags = p->u[i].flags;
        u->weight = (unsigned char)(p->u[i].weight * 255.0f + 0.5f);
        /* a name repeating a unit ("Muhammad Muhammad") is posted once */
        bool dup = false;
        for (int k = 0; k < i; k++)
            if (ix->units[cn->units + k].vocab == u->vocab)
                dup = true;
        if (!dup)
            vec_push(&ix->postings[u->vocab], id);
    }
    if (record >= ix->nrec) {
        uint32_t n = ix->nrec ? ix->nrec : 1024;
        while (n <= record)
            n *= 2;
        ix->rec_names = ubur_realloc(ix->rec_names, n * sizeof(struct vec32));
        memset(ix->rec_names + ix->nrec, 0, (n - ix->nrec) * sizeof(struct vec32));
        ix->nrec = n;
    }
    vec_push(&ix->rec_names[record], id);
    ix->alive++;
    return id;
}

int64_t
ubur_name_index_add(struct ubur_name_index *ix, uint32_t record, const char *name,
                    struct ubur_error *err)
{
    struct ubur_name p;
    int rc = ubur_name_parse(&p, name, err);
    if (rc)
        return rc;
    return ubur_name_index_add_parsed(ix, record, name, &p);
}

void
ubur_name_index_remove(struct ubur_name_index *ix, uint32_t record)
{
    if (record >= ix->nrec)
        return;
    struct vec32 *r = &ix->rec_names[record];
    for (uint32_t i = 0; i < r->n; i++) {
        if (ix->names[r->v[i]].alive) {
            ix->names[r->v[i]].alive = 0;
            ix->alive--;
        }
    }
    r->n = 0;
}

void
ubur_name_index_compact(struct ubur_name_index *ix)
{
    for (uint32_t v = 0; v < ix->nvocab; v++) {
        struct vec32 *p = &ix->postings[v];
        uint32_t o = 0;
        for (uint32_t i = 0; i < p->n; i++)
            if (ix->names[p->v[i]].alive)
                p->v[o++] = p->v[i];
        p->n = o;
    }
}

const char *
ubur_name_index_text(const struct ubur_name_index *ix, uint32_t name_id)
{
    return name_id < ix->nnames ? ix->pool + ix->names[name_id].text : NULL;
}

size_t
ubur_name_index_size(const struct ubur_name_index *ix)
{
    return ix->alive;
}

size_t
ubur_name_index_memory(const struct ubur_name_index *ix)
{
    size_t m = sizeof(*ix) + ix->pool_cap;
    m += (ix->vocab_map.cap + ix->del_map.cap + ix->phon_map.cap) * sizeof(struct strmap_slot);
    m += ix->vocab_cap * (sizeof(struct vec32) + sizeof(uint32_t));
    for (uint32_t i = 0; i < ix->nvocab; i++)
        m += ix->postings[i].cap * sizeof(uint32_t);
    m += ix->dels_cap * sizeof(struct vec32);
    for (uint32_t i = 0; i < ix->ndels; i++)
        m += ix->dels[i].cap * sizeof(uint32_t);
    m += ix->names_cap * sizeof(struct cname) + ix->units_cap * sizeof(struct cunit);
    m += ix->nrec * sizeof(struct vec32);
    for (uint32_t i = 0; i < ix->nrec; i++)
        m += ix->rec_names[i].cap * sizeof(uint32_t);
    return m;
}

/* ---------------------------------------------------------------- search */

struct qunit {
    int idx; /* unit index in the query */
    uint32_t vocab[VARIANTS_MAX];
    int nvocab;
    uint64_t df;
};

static void
add_variant(struct qunit *q, uint32_t v)
{
    for (int i = 0; i < q->nvocab; i++)
        if (q->vocab[i] == v)
            return;
    if (q->nvocab < VARIANTS_MAX)
        q->vocab[q->nvocab++] = v;
}

static void
expand(const struct ubur_name_index *ix, const char *skel, struct qunit *q)
{
    struct strmap_slot *sl = map_find(ix, &ix->vocab_map, skel);
    if (sl && sl->key)
        add_variant(q, sl->val);
    size_t body = strlen(skel) - key_body(skel);
    /* Short skeletons ("L", "MR", "HSN") are common given names whose spellings already
     * share one skeleton: fuzzy variants of them would only add noise. */
    if (body < 3)
        return;
    /* names with one more consonant than the query */
    sl = map_find(ix, &ix->del_map, skel);
    if (sl && sl->key)
        for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
            add_variant(q, ix->dels[sl->val].v[i]);
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = deletions(skel, var, UBUR_NAME_PHON);
    for (int k = 0; k < nv; k++) {
        /* one consonant fewer (not for 3: that is a 2-consonant given name), or one different */
        if (body >= 4) {
            sl = map_find(ix, &ix->vocab_map, var[k]);
            if (sl && sl->key)
                add_variant(q, sl->val);
        }
        sl = map_find(ix, &ix->del_map, var[k]);
        if (sl && sl->key)
            for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
                add_variant(q, ix->dels[sl->val].v[i]);
    }
}

struct cand {
    uint32_t id;
    uint32_t mask;
    float pre;
};

struct cand_table {
    struct cand *c;
    uint32_t cap, n;
};

static struct cand *
cand_get(struct cand_table *t, uint32_t id)
{
    uint32_t mask = t->cap - 1, i = (id * 2654435761u) & mask;
    for (;;) {
        struct cand *c = &t->c[i];
        if (c->id == id + 1)
            return c;
        if (!c->id) {
            if ((t->n + 1) * 4 >= t->cap * 3)
                return NULL; /* full: the budget keeps this rare */
            c->id = id + 1;
            t->n++;
            return c;
        }
        i = (i + 1) & mask;
    }
}

static int
cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->pre != y->pre)
        return x->pre < y->pre ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

#define MEMO_BITS 10
#define MEMO_SIZE (1u << MEMO_BITS)
struct memo {
    uint32_t key;
    unsigned char flags;
    double sim;
};

/* Moves the k best candidates (by cand_cmp) to the front, in no order (quickselect). */
static void
select_top(struct cand *c, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        struct cand pivot = c[lo + (hi - lo) / 2];
        uint32_t i = lo, j = hi;
        while (i <= j) {
            while (cand_cmp(&c[i], &pivot) < 0)
                i++;
            while (cand_cmp(&c[j], &pivot) > 0)
                j--;
            if (i <= j) {
                struct cand tmp = c[i];
                c[i] = c[j];
                c[j] = tmp;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
}

static int
qunit_cmp(const void *a, const void *b)
{
    const struct qunit *x = a, *y = b;
    return x->df < y->df ? -1 : x->df > y->df;
}

static int
hit_cmp(const void *a, const void *b)
{
    const struct ubur_name_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

static void
load_name(const struct ubur_name_index *ix, uint32_t id, struct ubur_name *out)
{
    const struct cname *cn = &ix->names[id];
    out->n = cn->nunits;
    for (int i = 0; i < cn->nunits; i++) {
        const struct cunit *cu = &ix->units[cn->units + (uint32_t)i];
        struct ubur_name_unit *u = &out->u[i];
        u->kind = cu->kind;
        u->flags = cu->flags;
        u->weight = (float)cu->weight / 255.0f;
        u->text[0] = '\0';
        snprintf(u->phon, sizeof(u->phon), "%s", ix->pool + cu->phon);
        snprintf(u->skel, sizeof(u->skel), "%s", ix->pool + ix->vocab_skel[cu->vocab]);
    }
}

/* Intersects two ascending posting lists into the candidate table. */
static void
intersect(const struct ubur_name_index *ix, const struct vec32 *a, const struct vec32 *b,
          uint32_t bits, struct cand_table *t, uint32_t *read)
{
    uint32_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        uint32_t x = a->v[i], y = b->v[j];
        if (x < y) {
            i++;
        } else if (y < x) {
            j++;
        } else {
            if (ix->names[x].alive) {
                struct cand *c = cand_get(t, x);
                if (!c)
                    return;
                c->mask |= bits;
            }
            i++;
            j++;
        }
    }
    *read += a->n + b->n;
}

int
ubur_name_index_search(const struct ubur_name_index *ix, const struct ubur_name *q,
                       double min_score, struct ubur_name_hit *out, int max,
                       struct ubur_name_search_stats *stats)
{
    struct qunit qu[UBUR_NAME_MAX_UNITS];
    struct ubur_name_search_stats st = {0, 0, 0};
    int nq = 0, nout = 0;

    if (q->n == 0 || max <= 0 || ix->alive == 0)
        goto done;
    for (int i = 0; i < q->n; i++) {
        struct qunit *u = &qu[nq];
        u->idx = i;
        u->nvocab = 0;
        u->df = 0;
        expand(ix, q->u[i].skel, u);
        for (int k = 0; k < u->nvocab; k++)
            u->df += ix->postings[u->vocab[k]].n;
        if (u->nvocab > 0)
            nq++;
    }
    if (nq == 0)
        goto done;
    qsort(qu, (size_t)nq, sizeof(qu[0]), qunit_cmp);

    /* Rarest first: the rarest unit always, more while they stay cheap. A true match
     * shares at least one of these units (or a one-edit variant of it); the units not
     * enumerated still count when the candidates are scored. */
    uint64_t want = 0;
    int enumerate = 0;
    for (int k = 0; k < nq; k++) {
        if (k > 0 && want + qu[k].df > ENUM_BUDGET)
            break;
        want += qu[k].df;
        enumerate++;
    }
    struct cand_table t = {NULL, 0, 0};
    bool common_only = qu[0].df > COMMON_DF && nq >= 2;
    uint64_t size = common_only ? CAND_BUDGET : want;
    if (size > 4 * CAND_BUDGET)
        size = 4 * CAND_BUDGET; /* a single very common unit: the first ones only */
    t.cap = 64;
    while (t.cap < size * 2)
        t.cap *= 2;
    t.c = ubur_calloc(t.cap, sizeof(struct cand));

    if (common_only) {
        /* Every unit is common ("Muhammad Ali"): the names holding both rarest. */
        for (int a = 0; a < qu[0].nvocab; a++)
            for (int b = 0; b < qu[1].nvocab; b++)
                intersect(ix, &ix->postings[qu[0].vocab[a]], &ix->postings[qu[1].vocab[b]],
                          (1u << qu[0].idx) | (1u << qu[1].idx), &t, &st.postings);
    } else {
        for (int k = 0; k < enumerate; k++) {
            uint32_t bit = 1u << qu[k].idx;
            for (int v = 0; v < qu[k].nvocab; v++) {
                const struct vec32 *p = &ix->postings[qu[k].vocab[v]];
                st.postings += p->n;
                for (uint32_t i = 0; i < p->n; i++) {
                    uint32_t id = p->v[i];
                    if (!ix->names[id].alive)
                        continue;
                    struct cand *c = cand_get(&t, id);
                    if (!c)
                        goto gathered;
                    c->mask |= bit;
                }
            }
        }
    }
gathered:;
    /* Which query units each vocab id stands for (exact spelling key or a variant). */
    struct vmask {
        uint32_t vocab; /* + 1; 0 empty */
        uint16_t exact, fuzzy;
    } vm[2048]; /* > UBUR_NAME_MAX_UNITS * VARIANTS_MAX: never full */
    memset(vm, 0, sizeof(vm));
    for (int k = 0; k < nq; k++)
        for (int v = 0; v < qu[k].nvocab; v++) {
            uint32_t id = qu[k].vocab[v], h = (id * 2654435761u) >> 21;
            while (vm[h].vocab && vm[h].vocab != id + 1)
                h = (h + 1) & 2047;
            vm[h].vocab = id + 1;
            if (!strcmp(ix->pool + ix->vocab_skel[id], q->u[qu[k].idx].skel))
                vm[h].exact |= (uint16_t)(1u << qu[k].idx);
            else
                vm[h].fuzzy |= (uint16_t)(1u << qu[k].idx);
        }
    /* Compact the table and rank by the weight of the query units shared, counting every
     * unit of the candidate (not only the enumerated ones); a variant counts less. */
    uint32_t nc = 0;
    for (uint32_t i = 0; i < t.cap; i++) {
        if (!t.c[i].id)
            continue;
        struct cand c = t.c[i];
        c.id--;
        uint32_t exact = 0, fuzzy = 0;
        const struct cname *cnm = &ix->names[c.id];
        for (int b = 0; b < cnm->nunits; b++) {
            uint32_t id = ix->units[cnm->units + (uint32_t)b].vocab,
                     h = (id * 2654435761u) >> 21;
            while (vm[h].vocab && vm[h].vocab != id + 1)
                h = (h + 1) & 2047;
            if (vm[h].vocab) {
                exact |= vm[h].exact;
                fuzzy |= vm[h].fuzzy;
            }
        }
        float pre = 0;
        for (int k = 0; k < q->n; k++)
            if (exact & (1u << k))
                pre += q->u[k].weight;
            else if (fuzzy & (1u << k))
                pre += 0.7f * q->u[k].weight;
        /* names of the same length as the query first, then shorter ones */
        int d = (int)ix->names[c.id].nunits - q->n;
        pre -= 0.01f * (float)(d < 0 ? -d : d);
        c.pre = pre;
        t.c[nc++] = c;
    }
    st.candidates = nc;
    uint32_t keep = nc < RESCORE_MAX ? nc : RESCORE_MAX;
    if (nc > keep)
        select_top(t.c, nc, keep);
    struct ubur_name cn;
    /* Unit similarities by (query unit, interned phonetic form): common names recur. */
    struct memo memo[MEMO_SIZE];
    memset(memo, 0, sizeof(memo));
    double sim[UBUR_NAME_MAX_UNITS][UBUR_NAME_MAX_UNITS];
    for (uint32_t i = 0; i < keep; i++) {
        load_name(ix, t.c[i].id, &cn);
        const struct cname *cnm = &ix->names[t.c[i].id];
        for (int a = 0; a < q->n; a++)
            for (int b = 0; b < cn.n; b++) {
                const struct cunit *cu = &ix->units[cnm->units + (uint32_t)b];
                uint32_t key = cu->phon * 16u + (uint32_t)a + 1u + ((uint32_t)cu->kind << 28);
                struct memo *m = &memo[(key * 2654435761u) >> (32 - MEMO_BITS)];
                if (m->key == key && m->flags == cu->flags) {
                    sim[a][b] = m->sim;
                } else {
                    sim[a][b] = ubur_name_unit_similarity(&q->u[a], &cn.u[b]);
                    m->key = key;
                    m->flags = cu->flags;
                    m->sim = sim[a][b];
                }
            }
        double s = ubur_names_compare_sim(q, &cn, (const double(*)[UBUR_NAME_MAX_UNITS])sim,
                                          NULL);
        st.scored++;
        if (s < min_score)
            continue;
        struct ubur_name_hit h = {ix->names[t.c[i].id].record, t.c[i].id, s};
        if (nout < max) {
            out[nout++] = h;
        } else {
            /* replace the worst kept hit */
            int w = 0;
            for (int k = 1; k < nout; k++)
                if (hit_cmp(&out[k], &out[w]) > 0)
                    w = k;
            if (hit_cmp(&h, &out[w]) < 0)
                out[w] = h;
        }
    }
    free(t.c);
    qsort(out, (size_t)nout, sizeof(out[0]), hit_cmp);
done:
    if (stats)
        *stats = st;
    return nout;
}
