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
 *   spells    the Latin letters of units (four or more) -> the vocab ids of
 *             the units spelt so; and `typo`, a hash multimap from each
 *             spelling and its one-letter deletions to the spelling, so a
 *             query finds the spellings one typo away (Bashir/Basdir: one
 *             letter, but a digraph, so two consonants apart in sound).
 *
 * Postings carry each name's signature beside its id (gathering reads lists in
 * order and filters without touching a per-name array at random), and the
 * names a search shortlists are fetched while the others are still bounded.
 *
 * Invariants: a posting list holds each name id at most once per vocab id;
 * tombstoned names stay in postings until compaction and are skipped.
 */
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ubur/alloc.h"
#include "ubur/name_index.h"
#include "ubur/banned.h"

#define ENUM_BUDGET 4000    /* postings read from the rarer units before the rest are only scored */
#define CAND_MAX 120000     /* most candidates gathered for one query */
#define RESCORE_MAX 400     /* candidates fully compared per query, at most */
#define VARIANTS_MAX 192    /* vocab ids a query unit may expand to */
#define NEAR_SCAN_MAX 4096  /* neighbours of a skeleton considered */
#define PREFETCH_AHEAD 32   /* candidates ahead whose bound record is fetched */
#define SCORE_AHEAD 16      /* shortlisted names taken from the heap ahead of their scoring */
#define SIG_FUZZY_BITS 6    /* signature bits of a unit's fuzzy variants still worth testing */
#define VARIANT_DF_MAX 2000 /* longest posting list of a neighbouring skeleton read */
#define TYPO_MIN                                                                                   \
    4                      /* letters of a spelling kept for typo lookups (ubur_name_typing_       \
                              similarity needs five in the longer of two) */
#define TYPO_SPELLS_MAX 64 /* spellings one typo away taken per query unit */

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

/*
 * A posting list: name ids, ascending, each with the name's signature
 * (sig_of) beside it, so that filtering a list reads it in order and
 * touches no per-name array at random (a posting is 8 bytes, not 4). The
 * id's high bits hold the length of the name's letters (ubur_name_letters;
 * 0 none, POST_LEN_MAX that or more), for the whole-name typo rule: a name
 * one letter from the query is as long as it, give or take one.
 */
#define POST_ID_BITS 26
#define POST_ID_MASK ((1u << POST_ID_BITS) - 1)
#define POST_LEN_MAX 63u
struct posting {
    uint32_t pid; /* name id | letters length << POST_ID_BITS */
    uint32_t sig;
};

/* The list's block holds `cap` postings, then `cap` second signatures (sig2_of), read
 * only for the postings the first signature lets through. */
struct postings {
    struct posting *v;
    uint32_t n, cap;
};

static inline uint32_t *
post_sig2(const struct postings *p)
{
    return (uint32_t *)(p->v + p->cap);
}

/* Grows a posting list's block to `cap` entries, the second signatures moved along. */
static void
post_grow(struct postings *p, uint32_t cap)
{
    uint32_t old = p->cap;
    p->v = ubur_realloc(p->v, (size_t)cap * (sizeof(struct posting) + sizeof(uint32_t)));
    p->cap = cap;
    if (old)
        memmove(post_sig2(p), (uint32_t *)(p->v + old), (size_t)p->n * sizeof(uint32_t));
}

static void
post_push(struct postings *a, uint32_t pid, uint32_t sig, uint32_t sig2)
{
    if (a->n == a->cap)
        post_grow(a, a->cap ? a->cap * 2 : 4);
    post_sig2(a)[a->n] = sig2;
    a->v[a->n++] = (struct posting){pid, sig};
}

/*
 * A vocabulary word (a unit skeleton): its posting list, and what a search
 * needs to expand a query unit to it, in one 32-byte record (but its weight
 * bound, read for every neighbour of a query unit: `wmax`, a byte array).
 */
#define VOCAB_INLINE 10
struct vocab {
    struct postings postings;
    uint32_t skel;          /* pool offset */
    unsigned char common;   /* the skeleton of a common name (weight below 1) */
    unsigned char body;     /* consonants in the skeleton (after any "BD:" prefix) */
    char inl[VOCAB_INLINE]; /* the skeleton again when it fits, so a search need not
                               visit the pool; "" when it does not */
};

/*
 * Neighbours of a vocab word: the words one consonant edit away (as
 * `expand` would find them through the deletion map), each packed as its id
 * (low 24 bits) and the weighted distance between the skeletons in
 * twentieths, rounded down (high 8 bits). Kept current as words are added,
 * so expanding a query unit whose skeleton is known costs a list read.
 */
#define NEAR_ID_BITS 24
#define NEAR_MAX_VOCAB (1u << NEAR_ID_BITS)

struct strmap_slot {
    uint32_t key; /* pool offset, 0 = empty */
    uint32_t val;
    uint32_t hash; /* of the key: probes compare it before touching the pool */
};

struct strmap {
    struct strmap_slot *s;
    uint32_t cap, n; /* cap a power of two */
};

struct cunit {
    uint32_t vocab;
    uint32_t phon;    /* interned phonetic form (pool offset) */
    uint32_t letters; /* interned Latin letters (pool offset; "" for Arabic script) */
    unsigned char kind, flags, weight; /* weight * 255 */
};

struct cname {
    uint32_t record;
    uint32_t units; /* first unit */
    uint32_t text;  /* pool offset of the original */
    unsigned char nunits;
    unsigned char alive;
};

/*
 * What the score bound needs of a name, in one 32-byte record per name id so
 * that bounding a candidate costs one cache line whose address is known from
 * the id alone (it can be fetched well ahead). Units past HOT_UNITS are read
 * from `units`.
 */
#define HOT_UNITS 5
struct hotname { /* sizeof 32 */
    unsigned char nunits, alive;
    unsigned char weight[HOT_UNITS];
    unsigned char nletters; /* ubur_name_letters length (255: that or more; 0: none) */
    uint32_t vocab[HOT_UNITS];
    uint32_t letter_set; /* bit per letter a..z in those letters */
};

/* The letters' length and set, for the whole-name typo rule (letters_near); the letters
 * themselves in buf (UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON bytes), of length the return. */
static size_t
letters_shape(const struct ubur_name *p, unsigned char *len, uint32_t *set, char *buf)
{
    size_t l = ubur_name_letters(p, buf, UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON);
    *len = (unsigned char)(l > 255 ? 255 : l);
    *set = 0;
    for (size_t i = 0; i < l; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            *set |= 1u << (buf[i] - 'a');
    return l;
}

/* Whether a name of this shape may be one typo from the query's letters: lengths at most
 * one apart and long enough, and at most one letter in and one out of the set. */
static bool
letters_near(unsigned char ql, uint32_t qset, const struct hotname *h)
{
    unsigned char l = h->nletters;
    if (!ql || !l || l == 255 || ql == 255 || (l > ql ? l - ql : ql - l) > 1)
        return false;
    if ((l > ql ? l : ql) < UBUR_NAME_TYPO_MIN)
        return false;
    uint32_t d = qset ^ h->letter_set;
    return __builtin_popcount(d) <= 2;
}

/* One entry of the typo multimap: the hash of a spelling or of one of its deletions, and
 * the spelling's id + 1 (0: empty slot). */
struct tslot {
    uint32_t h, spell;
};

/*
 * A slot of a map keyed by something other than a pool string (unit spellings, sets of
 * vocab ids): the key's hash, and the value + 1 (0: empty slot); the caller compares keys.
 */
struct idslot {
    uint32_t hash, ref;
};

/*
 * A unit spelling seen before: most units of a million names are a few thousand spellings
 * of common given names, so a unit's vocab id, interned forms and spelling record are
 * looked up once per distinct (skeleton, phonetic form, letters), not once each.
 */
struct uspell {
    uint32_t vocab, phon, letters; /* as in struct cunit */
    uint32_t key;                  /* offset in ukeys: "skel\x1fphon\x1fletters" */
};

/* A posting added in bulk mode, not yet in its list: a vocab id, or a combination's index
 * with PEND_COMBO set. */
#define PEND_COMBO 0x80000000u
struct pending {
    uint32_t list, id, sig; /* id as the posting holds it (struct posting) */
};

struct ubur_name_index {
    struct strmap spell_map; /* letters -> spell id */
    uint32_t *spell_text;    /* per spell id: pool offset of the letters */
    struct vec32 *spell_vocab;
    uint32_t nspell, spell_cap;
    struct tslot *typo;
    uint32_t typo_cap, typo_n; /* cap a power of two */
    char *pool;
    size_t pool_len, pool_cap;
    struct strmap vocab_map, del_map, phon_map;
    struct idslot *uspell_map; /* unit spelling (skeleton, phonetic form, letters) -> uspell */
    uint32_t uspell_cap, nuspell, uspell_alloc;
    struct uspell *uspell;
    char *ukeys; /* the uspell keys, NUL-terminated */
    size_t ukeys_len, ukeys_cap;
    struct idslot *combo_map; /* sorted vocab ids of common units -> combination */
    uint32_t combo_cap;
    uint32_t *combo_ids; /* per combination: its key, the count then the vocab ids */
    size_t combo_ids_len, combo_ids_cap;
    uint32_t *combo_key;     /* per combination: offset of its key in combo_ids */
    struct postings *combos; /* names by combination of common units (combo_add) */
    uint32_t ncombos, combos_cap;
    struct vocab *vocab;
    struct vec32 *near;  /* per vocab id, its neighbours */
    unsigned char *wmax; /* per vocab id, ubur_name_skeleton_weight_max * 20 rounded up: a
                            byte array apart (a fraction of a megabyte, so it stays in cache)
                            for expand, which reads it for every neighbour of a query unit */
    uint32_t nvocab, vocab_cap;
    struct vec32 *dels; /* variant lists, indexed by del_map values */
    uint32_t ndels, dels_cap;
    struct cname *names;
    struct hotname *hot; /* 64-byte aligned: a record never spans two cache lines */
    uint32_t *sig2;      /* per name id: its second signature (sig2_of), for the lists */
    uint32_t nnames, names_cap, alive;
    struct cunit *units;
    uint32_t nunits, units_cap;
    struct vec32 *rec_names; /* record -> its name ids */
    bool bulk;               /* between bulk_begin and bulk_end: postings are pending */
    struct pending *pend;    /* postings not yet in their lists, in the order added */
    size_t npend, pend_cap;
    uint32_t nrec;
};

/*
 * Memory for the large arrays read at random by every search (name records,
 * signatures, units, the string pool; never arrays holding pointers to heap
 * blocks, which leak checkers would not see): mapped directly and advised to use
 * huge pages where the kernel offers them on request, which spares a TLB
 * miss per candidate. (malloc would recycle already-touched heap pages,
 * which the advice does not turn into huge pages.) Returned pointers are
 * 64-byte aligned; a 64-byte header before them keeps the mapping's size.
 * When mapping fails, plain ubur_malloc (which aborts on out-of-memory).
 */
#define BIG_HEADER 64
#define BIG_HUGE                                                                                   \
    ((size_t)2 << 20) /* the huge page size: a mapping at least this large                         \
                         starts on such a boundary */

/* The size a mapping of `bytes` (with its header) is made: whole pages. */
static size_t
big_total(size_t bytes)
{
    return (bytes + BIG_HEADER + 4095) & ~(size_t)4095;
}

/*
 * An anonymous mapping of `total` bytes (whole pages), or MAP_FAILED. A large one starts
 * on a huge-page boundary and is advised to use huge pages before any page is touched:
 * the kernel backs only aligned 2 MiB ranges with them, and an unaligned mapping, or one
 * moved to an unaligned address as it grew, was mostly backed by small pages (hot names
 * 14 of 32 MiB), each candidate's record then costing a TLB miss.
 */
static char *
big_map(size_t total)
{
    int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (total < BIG_HUGE)
        return mmap(NULL, total, prot, flags, -1, 0);
    size_t span = total + BIG_HUGE;
    char *raw = mmap(NULL, span, prot, flags, -1, 0);
    if (raw == MAP_FAILED)
        return raw;
    char *base = (char *)(((uintptr_t)raw + BIG_HUGE - 1) & ~(uintptr_t)(BIG_HUGE - 1));
    if (base > raw)
        munmap(raw, (size_t)(base - raw));
    if (raw + span > base + total)
        munmap(base + total, (size_t)(raw + span - (base + total)));
#ifdef MADV_HUGEPAGE
    (void)madvise(base, total, MADV_HUGEPAGE); /* advice only: failure is fine */
#endif
    return base;
}

static void *
big_alloc(size_t bytes)
{
    size_t total = big_total(bytes);
    char *base = big_map(total);
    bool mapped = base != MAP_FAILED;
    void *raw = NULL;
    if (!mapped) {
        raw = ubur_malloc(total + 64);
        base = (char *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
    }
    ((size_t *)base)[0] = total;
    ((size_t *)base)[1] = mapped;
    ((void **)base)[2] = raw;
    return base + BIG_HEADER;
}

static void
big_free(void *p)
{
    if (!p)
        return;
    char *base = (char *)p - BIG_HEADER;
    if (((size_t *)base)[1])
        munmap(base, ((size_t *)base)[0]);
    else
        free(((void **)base)[2]);
}

/* big_alloc memory, zeroed. */
static void *
big_calloc(size_t bytes)
{
    void *p = big_alloc(bytes);
    if (!((size_t *)((char *)p - BIG_HEADER))[1])
        memset(p, 0, bytes); /* mapped memory is zero already */
    return p;
}

#if defined(__linux__) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE 25 /* Linux 6.1 (glibc's headers lack it); older kernels refuse it */
#endif

/* Asks the kernel to back the huge-page-aligned part of the first `bytes` of a big_alloc
 * array with huge pages at once (advice: nothing happens where it cannot). */
static void
big_collapse(void *p, size_t bytes)
{
#ifdef MADV_COLLAPSE
    char *base = (char *)p - BIG_HEADER;
    if (!p || !((size_t *)base)[1] || bytes + BIG_HEADER < BIG_HUGE)
        return;
    size_t len = (bytes + BIG_HEADER) & ~(BIG_HUGE - 1);
    if (!((uintptr_t)base & (BIG_HUGE - 1)))
        (void)madvise(base, len, MADV_COLLAPSE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Grows an array kept in big_alloc memory (the old contents copied). */
static void *
big_realloc(void *old, size_t old_bytes, size_t new_bytes)
{
    if (old && ((size_t *)((char *)old - BIG_HEADER))[1]) {
        /* a mapping grows in place or moves its pages: no copy, no page touched again; a
         * large one is moved to a huge-page boundary (big_map), its huge pages moved whole */
        char *base = (char *)old - BIG_HEADER;
        size_t total = big_total(new_bytes), had = ((size_t *)base)[0];
        char *nb = MAP_FAILED;
        if (total >= BIG_HUGE) {
            char *dst = big_map(total);
            if (dst != MAP_FAILED) {
                nb = mremap(base, had, total, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
                if (nb == MAP_FAILED)
                    munmap(dst, total);
#ifdef MADV_HUGEPAGE
                else
                    (void)madvise(nb, total, MADV_HUGEPAGE);
#endif
            }
        } else {
            nb = mremap(base, had, total, MREMAP_MAYMOVE);
        }
        if (nb != MAP_FAILED) {
            ((size_t *)nb)[0] = total;
            return nb + BIG_HEADER;
        }
    }
    void *mem = big_alloc(new_bytes);
    if (old)
        memcpy(mem, old, old_bytes);
    big_free(old);
    return mem;
}

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
        ix->pool = big_realloc(ix->pool, ix->pool_len, c);
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
    uint32_t h = hash_str(key), mask = m->cap - 1, i = h & mask;
    for (;;) {
        struct strmap_slot *sl = &m->s[i];
        if (!sl->key || (sl->hash == h && !strcmp(ix->pool + sl->key, key)))
            return sl;
        i = (i + 1) & mask;
    }
}

static void
map_grow(struct strmap *m)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 1024;
    struct strmap_slot *ns = big_calloc(ncap * sizeof(*ns));
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->s[i].key)
            continue;
        uint32_t j = m->s[i].hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->s[i];
    }
    big_free(m->s);
    m->s = ns;
    m->cap = ncap;
}

/* Inserts key if absent; *created tells which. Returns the slot. */
static struct strmap_slot *
map_upsert(struct ubur_name_index *ix, struct strmap *m, const char *key, bool *created)
{
    if ((m->n + 1) * 4 >= m->cap * 3)
        map_grow(m);
    struct strmap_slot *sl = map_find(ix, m, key);
    *created = !sl->key;
    if (*created) {
        sl->key = pool_add(ix, key);
        sl->hash = hash_str(key);
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
    for (uint32_t i = 0; i < ix->nvocab; i++) {
        free(ix->vocab[i].postings.v);
        free(ix->near[i].v);
    }
    free(ix->near);
    free(ix->wmax);
    for (uint32_t i = 0; i < ix->ndels; i++)
        free(ix->dels[i].v);
    for (uint32_t i = 0; i < ix->ncombos; i++)
        free(ix->combos[i].v);
    free(ix->combos);
    big_free(ix->combo_map);
    big_free(ix->pend);
    free(ix->combo_ids);
    free(ix->combo_key);
    big_free(ix->uspell_map);
    free(ix->uspell);
    free(ix->ukeys);
    for (uint32_t i = 0; i < ix->nrec; i++)
        free(ix->rec_names[i].v);
    for (uint32_t i = 0; i < ix->nspell; i++)
        free(ix->spell_vocab[i].v);
    free(ix->spell_vocab);
    free(ix->spell_text);
    big_free(ix->spell_map.s);
    big_free(ix->typo);
    free(ix->vocab);
    free(ix->dels);
    free(ix->rec_names);
    big_free(ix->vocab_map.s);
    big_free(ix->del_map.s);
    big_free(ix->phon_map.s);
    big_free(ix->names);
    big_free(ix->hot);
    big_free(ix->sig2);
    big_free(ix->units);
    big_free(ix->pool);
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
    if (l - b < 2 || key[b] == '~')
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

static int
u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void
near_add(struct ubur_name_index *ix, const char *skel, uint32_t id, uint32_t other)
{
    const struct vocab *vo = &ix->vocab[other];
    double d = ubur_name_skeleton_distance(skel, vo->inl[0] ? vo->inl : ix->pool + vo->skel);
    if (d < 0)
        return;
    double q = floor(d * 20);
    uint32_t dq = (uint32_t)(q > 255 ? 255 : q);
    vec_push(&ix->near[id], other | dq << NEAR_ID_BITS);
    vec_push(&ix->near[other], id | dq << NEAR_ID_BITS);
}

/* Links a new word with the words already one consonant edit away (before its own
 * deletions enter the deletion map). */
static void
link_neighbours(struct ubur_name_index *ix, uint32_t id, const char *skel)
{
    size_t body = strlen(skel) - key_body(skel);
    if (body < 2 || ix->nvocab > NEAR_MAX_VOCAB)
        return;
    struct vec32 found = {NULL, 0, 0};
    struct strmap_slot *sl = map_find(ix, &ix->del_map, skel);
    if (sl && sl->key) /* words with one more consonant */
        for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
            vec_push(&found, ix->dels[sl->val].v[i]);
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = deletions(skel, var, UBUR_NAME_PHON);
    for (int k = 0; k < nv; k++) {
        sl = map_find(ix, &ix->vocab_map, var[k]); /* one fewer */
        if (sl && sl->key)
            vec_push(&found, sl->val);
        sl = map_find(ix, &ix->del_map, var[k]); /* one different */
        if (sl && sl->key)
            for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
                vec_push(&found, ix->dels[sl->val].v[i]);
    }
    if (found.n)
        qsort(found.v, found.n, sizeof(uint32_t), u32_cmp);
    for (uint32_t i = 0; i < found.n; i++)
        if (found.v[i] != id && (i == 0 || found.v[i] != found.v[i - 1]))
            near_add(ix, skel, id, found.v[i]);
    free(found.v);
}

static uint32_t
vocab_id(struct ubur_name_index *ix, const char *skel)
{
    bool created;
    struct strmap_slot *sl = map_upsert(ix, &ix->vocab_map, skel, &created);
    if (!created)
        return sl->val;
    if (ix->nvocab == ix->vocab_cap) {
        uint32_t ncap = ix->vocab_cap ? ix->vocab_cap * 2 : 1024;
        /* heap, not big_alloc: it holds the posting lists' pointers, and leak checkers
         * see pointers only in the heap */
        ix->vocab = ubur_realloc(ix->vocab, ncap * sizeof(struct vocab));
        ix->near = ubur_realloc(ix->near, ncap * sizeof(struct vec32));
        ix->wmax = ubur_realloc(ix->wmax, ncap);
        ix->vocab_cap = ncap;
    }
    uint32_t id = ix->nvocab++;
    sl->val = id;
    struct vocab *vo = &ix->vocab[id];
    memset(vo, 0, sizeof(*vo));
    memset(&ix->near[id], 0, sizeof(struct vec32));
    vo->skel = sl->key;
    vo->common = ubur_name_common_weight(skel) < 1.0f;
    vo->body = (unsigned char)(strlen(skel) - key_body(skel));
    double wmax = ceil(ubur_name_skeleton_weight_max(skel) * 20);
    ix->wmax[id] = (unsigned char)(wmax > 255 ? 255 : wmax);
    if (strlen(skel) < VOCAB_INLINE)
        memcpy(vo->inl, skel, strlen(skel) + 1);
    link_neighbours(ix, id, skel);
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

/*
 * A name's signature, the first filter of a search: bits 8..31 a Bloom
 * filter of its units' vocab ids, bits 0..7 its total unit weight in
 * sixteenths, rounded down. The n-th unit with the same vocab id sets the
 * bit of (vocab, n), so "Muhammad Muhammad" differs from "Muhammad": a
 * query with three Muhammads finds a candidate's one Muhammad only once.
 * From it a search bounds the score of a name without reading its record
 * (sig_verdict); 0 never passes.
 */
static uint32_t
sig_bit(uint32_t vocab, uint32_t nth)
{
    uint32_t h = vocab * 2654435761u + nth * 0x9E3779B9u;
    return 1u << (8 + (uint32_t)(((uint64_t)(h ^ (h >> 15)) * 24) >> 32));
}

static uint32_t
sig_of(const struct ubur_name_index *ix, const struct cname *cn)
{
    uint32_t sig = 0, w = 0;
    const struct cunit *u = &ix->units[cn->units];
    for (uint32_t i = 0; i < cn->nunits; i++) {
        uint32_t nth = 0;
        for (uint32_t j = 0; j < i; j++)
            nth += u[j].vocab == u[i].vocab;
        sig |= sig_bit(u[i].vocab, nth);
        w += u[i].weight;
    }
    w = w * 16 / 255;
    return sig | (w > 255 ? 255 : w);
}

/*
 * A second signature of a name, for the names the first lets through: a
 * Bloom filter of its units' vocab ids over 32 bits with a hash independent
 * of sig_bit's. A unit counts only when both filters hold its bit, so a
 * collision must happen twice (about 3% of absent units pass both, 19% the
 * first alone): most names the first signature lets through by collision
 * are rejected here, before their record is read at random.
 */
static uint32_t
sig2_bit(uint32_t vocab, uint32_t nth)
{
    uint32_t h = vocab * 0x85EBCA6Bu + nth * 0xC2B2AE35u + 0x27D4EB2Fu;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    return 1u << (h >> 27);
}

static uint32_t
sig2_of(const struct ubur_name_index *ix, const struct cname *cn)
{
    uint32_t sig = 0;
    const struct cunit *u = &ix->units[cn->units];
    for (uint32_t i = 0; i < cn->nunits; i++) {
        uint32_t nth = 0;
        for (uint32_t j = 0; j < i; j++)
            nth += u[j].vocab == u[i].vocab;
        sig |= sig2_bit(u[i].vocab, nth);
    }
    return sig;
}

/* ------------------------------------------------------------ spellings */

static void
typo_grow(struct ubur_name_index *ix)
{
    uint32_t ncap = ix->typo_cap ? ix->typo_cap * 2 : 4096;
    struct tslot *nt = big_calloc((size_t)ncap * sizeof(*nt));
    for (uint32_t i = 0; i < ix->typo_cap; i++) {
        if (!ix->typo[i].spell)
            continue;
        uint32_t j = ix->typo[i].h & (ncap - 1);
        while (nt[j].spell)
            j = (j + 1) & (ncap - 1);
        nt[j] = ix->typo[i];
    }
    big_free(ix->typo);
    ix->typo = nt;
    ix->typo_cap = ncap;
}

static void
typo_put(struct ubur_name_index *ix, const char *key, uint32_t spell)
{
    if ((ix->typo_n + 1) * 10 >= ix->typo_cap * 7)
        typo_grow(ix);
    uint32_t h = hash_str(key), j = h & (ix->typo_cap - 1);
    while (ix->typo[j].spell)
        j = (j + 1) & (ix->typo_cap - 1);
    ix->typo[j] = (struct tslot){h, spell + 1};
    ix->typo_n++;
}

/* The one-letter deletions of s, each once. Returns how many. */
static int
letter_deletions(const char *s, char out[][UBUR_NAME_PHON])
{
    size_t l = strlen(s);
    int n = 0;
    if (l >= UBUR_NAME_PHON)
        return 0;
    for (size_t i = 0; i < l; i++) {
        if (i > 0 && s[i] == s[i - 1])
            continue;
        memcpy(out[n], s, i);
        memcpy(out[n] + i, s + i + 1, l - i);
        n++;
    }
    return n;
}

/* Records that a unit of vocab id `vocab` is spelt `letters`. */
static void
spell_add(struct ubur_name_index *ix, const char *letters, uint32_t vocab)
{
    if (strlen(letters) < TYPO_MIN)
        return;
    bool created;
    struct strmap_slot *sl = map_upsert(ix, &ix->spell_map, letters, &created);
    if (created) {
        if (ix->nspell == ix->spell_cap) {
            ix->spell_cap = ix->spell_cap ? ix->spell_cap * 2 : 1024;
            ix->spell_text = ubur_realloc(ix->spell_text, ix->spell_cap * sizeof(uint32_t));
            ix->spell_vocab = ubur_realloc(ix->spell_vocab, ix->spell_cap * sizeof(struct vec32));
        }
        sl->val = ix->nspell++;
        ix->spell_text[sl->val] = sl->key;
        memset(&ix->spell_vocab[sl->val], 0, sizeof(struct vec32));
        typo_put(ix, letters, sl->val);
        char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
        int nv = letter_deletions(letters, var);
        for (int k = 0; k < nv; k++)
            typo_put(ix, var[k], sl->val);
    }
    struct vec32 *v = &ix->spell_vocab[sl->val];
    for (uint32_t i = 0; i < v->n; i++)
        if (v->v[i] == vocab)
            return;
    vec_push(v, vocab);
}

/* Calls back with each spelling whose entry is keyed `key` (hash matches only: the
 * caller checks the spelling). */
static int
typo_lookup(const struct ubur_name_index *ix, const char *key, uint32_t *out, int n, int max)
{
    if (!ix->typo_cap)
        return n;
    uint32_t h = hash_str(key), j = h & (ix->typo_cap - 1);
    while (ix->typo[j].spell) {
        if (ix->typo[j].h == h && n < max) {
            uint32_t sp = ix->typo[j].spell - 1;
            bool dup = false;
            for (int k = 0; k < n && !dup; k++)
                dup = out[k] == sp;
            if (!dup)
                out[n++] = sp;
        }
        j = (j + 1) & (ix->typo_cap - 1);
    }
    return n;
}

/*
 * Combinations of common units. A name made mostly of common given names
 * ("Muhammad Ahmad Ali") shares no rare unit with a query, so the rare-unit
 * posting lists never find it; and an all-common query has no rare unit to
 * enumerate. Such names are found through the multiset of their common
 * units' skeletons, sorted and joined ("HMD|L|MHMD"): each name is posted
 * under the key of all its common units and, when it has three or more and
 * nothing else, under each key with one of them left out, so a query finds
 * the names whose common units are those of a subset of its own (or one
 * more, for names of common units alone).
 */
#define COMBO_UNITS 6 /* common units a combination key is made of, at most */

static void
pend_push(struct ubur_name_index *ix, uint32_t list, uint32_t id, uint32_t sig)
{
    if (ix->npend == ix->pend_cap) {
        size_t ncap = ix->pend_cap ? ix->pend_cap * 2 : 65536;
        ix->pend = big_realloc(ix->pend, ix->pend_cap * sizeof(struct pending),
                               ncap * sizeof(struct pending));
        ix->pend_cap = ncap;
    }
    ix->pend[ix->npend++] = (struct pending){list, id, sig};
}

/* Sorts vocab ids ascending (a handful) and hashes the sorted set. */
static uint32_t
ids_sort_hash(uint32_t *ids, int n)
{
    for (int k = 1; k < n; k++) {
        uint32_t x = ids[k];
        int m = k - 1;
        while (m >= 0 && ids[m] > x) {
            ids[m + 1] = ids[m];
            m--;
        }
        ids[m + 1] = x;
    }
    uint32_t h = 0x9E3779B9u * (uint32_t)(n + 1);
    for (int k = 0; k < n; k++) { /* murmur3's mixing: the low bits index the table */
        uint32_t x = ids[k] * 0xCC9E2D51u;
        x = (x << 15 | x >> 17) * 0x1B873593u;
        h ^= x;
        h = (h << 13 | h >> 19) * 5 + 0xE6546B64u;
    }
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    return h;
}

/* Grows an idslot map to twice its size; rehashes from the stored hashes. */
static struct idslot *
idmap_grow(struct idslot *m, uint32_t *cap)
{
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    struct idslot *nm = big_calloc((size_t)ncap * sizeof(*nm));
    for (uint32_t i = 0; i < *cap; i++) {
        if (!m[i].ref)
            continue;
        uint32_t j = m[i].hash & (ncap - 1);
        while (nm[j].ref)
            j = (j + 1) & (ncap - 1);
        nm[j] = m[i];
    }
    big_free(m);
    *cap = ncap;
    return nm;
}

/* The combination of the sorted ids[0..n-1]: its slot (ref 0 when absent). */
static struct idslot *
combo_slot(const struct ubur_name_index *ix, const uint32_t *ids, int n, uint32_t h)
{
    if (!ix->combo_cap)
        return NULL;
    uint32_t mask = ix->combo_cap - 1, i = h & mask;
    for (;;) {
        struct idslot *sl = &ix->combo_map[i];
        if (!sl->ref)
            return sl;
        if (sl->hash == h) {
            const uint32_t *k = ix->combo_ids + ix->combo_key[sl->ref - 1];
            if (k[0] == (uint32_t)n && !memcmp(k + 1, ids, (size_t)n * sizeof(uint32_t)))
                return sl;
        }
        i = (i + 1) & mask;
    }
}

/* Posts a name (`pid` as its postings hold it) under the combination of ids[0..n-1]
 * (any order), leaving out index `skip` (-1: none). */
static void
combo_post(struct ubur_name_index *ix, const uint32_t *all, int n, int skip, uint32_t pid,
           uint32_t sig)
{
    uint32_t ids[COMBO_UNITS];
    int m = 0;
    for (int i = 0; i < n; i++)
        if (i != skip)
            ids[m++] = all[i];
    uint32_t h = ids_sort_hash(ids, m);
    if ((ix->ncombos + 1) * 4 >= ix->combo_cap * 3)
        ix->combo_map = idmap_grow(ix->combo_map, &ix->combo_cap);
    struct idslot *sl = combo_slot(ix, ids, m, h);
    if (!sl->ref) {
        if (ix->ncombos == ix->combos_cap) {
            ix->combos_cap = ix->combos_cap ? ix->combos_cap * 2 : 1024;
            ix->combos = ubur_realloc(ix->combos, ix->combos_cap * sizeof(struct postings));
            ix->combo_key = ubur_realloc(ix->combo_key, ix->combos_cap * sizeof(uint32_t));
        }
        if (ix->combo_ids_len + (size_t)m + 1 > ix->combo_ids_cap) {
            ix->combo_ids_cap = ix->combo_ids_cap ? ix->combo_ids_cap * 2 : 4096;
            ix->combo_ids = ubur_realloc(ix->combo_ids, ix->combo_ids_cap * sizeof(uint32_t));
        }
        uint32_t c = ix->ncombos++;
        ix->combo_key[c] = (uint32_t)ix->combo_ids_len;
        ix->combo_ids[ix->combo_ids_len++] = (uint32_t)m;
        memcpy(ix->combo_ids + ix->combo_ids_len, ids, (size_t)m * sizeof(uint32_t));
        ix->combo_ids_len += (size_t)m;
        memset(&ix->combos[c], 0, sizeof(struct postings));
        sl->hash = h;
        sl->ref = c + 1;
    }
    uint32_t c = sl->ref - 1;
    if (ix->bulk) {
        /* the same key twice for one name: this name's postings are the last pending */
        for (size_t k = ix->npend; k-- > 0 && ix->pend[k].id == pid;)
            if (ix->pend[k].list == (c | PEND_COMBO))
                return;
        pend_push(ix, c | PEND_COMBO, pid, sig);
        return;
    }
    struct postings *v = &ix->combos[c];
    if (v->n == 0 || v->v[v->n - 1].pid != pid) /* the same key twice for one name */
        post_push(v, pid, sig, ix->sig2[pid & POST_ID_MASK]);
}

static void
combo_add(struct ubur_name_index *ix, const struct ubur_name *p, const struct cunit *u,
          uint32_t pid, uint32_t sig)
{
    uint32_t ids[COMBO_UNITS];
    int n = 0;
    for (int i = 0; i < p->n && n < COMBO_UNITS; i++)
        if (p->u[i].weight < 1.0f)
            ids[n++] = u[i].vocab;
    if (n < 2)
        return;
    combo_post(ix, ids, n, -1, pid, sig);
    /* one fewer only for names of common units alone: with a rare unit besides, a name
     * holding one common unit more than a query weighs too much to reach a match */
    for (int skip = 0; n >= 3 && n == p->n && skip < n; skip++)
        combo_post(ix, ids, n, skip, pid, sig);
}

/* ------------------------------------------------------- unit spellings */

/* Writes a unit's spelling key; returns its hash. */
static uint32_t
uspell_key(const struct ubur_name_unit *u, char *key, size_t cap)
{
    const char *parts[3] = {u->skel, u->phon, u->letters};
    size_t o = 0;
    for (int k = 0; k < 3; k++) {
        size_t l = strnlen(parts[k], UBUR_NAME_PHON - 1);
        assert(o + l + 2 <= cap);
        memcpy(key + o, parts[k], l);
        o += l;
        key[o++] = k < 2 ? '\x1f' : '\0';
    }
    return hash_str(key);
}

/*
 * The vocab id and interned forms of a unit, looked up once per distinct spelling. A new
 * spelling is added to the vocabulary, the interned forms and the spellings for typo
 * lookups in the order it was before interning (so vocab ids do not depend on it).
 */
static const struct uspell *
uspell_get(struct ubur_name_index *ix, const struct ubur_name_unit *u)
{
    char key[3 * UBUR_NAME_PHON + 4];
    uint32_t h = uspell_key(u, key, sizeof(key));
    if ((ix->nuspell + 1) * 4 >= ix->uspell_cap * 3)
        ix->uspell_map = idmap_grow(ix->uspell_map, &ix->uspell_cap);
    uint32_t mask = ix->uspell_cap - 1, i = h & mask;
    for (;;) {
        struct idslot *sl = &ix->uspell_map[i];
        if (!sl->ref)
            break;
        if (sl->hash == h && !strcmp(ix->ukeys + ix->uspell[sl->ref - 1].key, key))
            return &ix->uspell[sl->ref - 1];
        i = (i + 1) & mask;
    }
    if (ix->nuspell == ix->uspell_alloc) {
        ix->uspell_alloc = ix->uspell_alloc ? ix->uspell_alloc * 2 : 1024;
        ix->uspell = ubur_realloc(ix->uspell, ix->uspell_alloc * sizeof(struct uspell));
    }
    size_t kl = strlen(key) + 1;
    if (ix->ukeys_len + kl > ix->ukeys_cap) {
        ix->ukeys_cap = ix->ukeys_cap ? ix->ukeys_cap * 2 : 65536;
        while (ix->ukeys_cap < ix->ukeys_len + kl)
            ix->ukeys_cap *= 2;
        ix->ukeys = ubur_realloc(ix->ukeys, ix->ukeys_cap);
    }
    struct uspell *us = &ix->uspell[ix->nuspell];
    us->key = (uint32_t)ix->ukeys_len;
    memcpy(ix->ukeys + ix->ukeys_len, key, kl);
    ix->ukeys_len += kl;
    us->vocab = vocab_id(ix, u->skel);
    us->phon = phon_intern(ix, u->phon);
    us->letters = phon_intern(ix, u->letters);
    spell_add(ix, u->letters, us->vocab);
    ix->uspell_map[i] = (struct idslot){h, ++ix->nuspell};
    return us;
}

int64_t
ubur_name_index_add_parsed(struct ubur_name_index *ix, uint32_t record, const char *name,
                           const struct ubur_name *p)
{
    if (p->n == 0)
        return UBUR_EINVAL;
    if (ix->nnames == POST_ID_MASK)
        return UBUR_ETOOBIG;
    if (ix->nnames == ix->names_cap) {
        uint32_t ncap = ix->names_cap ? ix->names_cap * 2 : 1024;
        ix->names =
            big_realloc(ix->names, ix->nnames * sizeof(struct cname), ncap * sizeof(struct cname));
        ix->names_cap = ncap;
        ix->hot = big_realloc(ix->hot, ix->nnames * sizeof(struct hotname),
                              ncap * sizeof(struct hotname));
        ix->sig2 = big_realloc(ix->sig2, ix->nnames * sizeof(uint32_t), ncap * sizeof(uint32_t));
    }
    if (ix->nunits + (uint32_t)p->n > ix->units_cap) {
        uint32_t ncap = ix->units_cap ? ix->units_cap * 2 : 4096;
        while (ix->nunits + (uint32_t)p->n > ncap)
            ncap *= 2;
        ix->units =
            big_realloc(ix->units, ix->nunits * sizeof(struct cunit), ncap * sizeof(struct cunit));
        ix->units_cap = ncap;
    }
    uint32_t id = ix->nnames++;
    struct cname *cn = &ix->names[id];
    cn->record = record;
    cn->units = ix->nunits;
    cn->nunits = (unsigned char)p->n;
    cn->alive = 1;
    cn->text = pool_add(ix, name);
    struct hotname *hn = &ix->hot[id];
    memset(hn, 0, sizeof(*hn));
    hn->nunits = cn->nunits;
    hn->alive = 1;
    char letters[UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON];
    letters_shape(p, &hn->nletters, &hn->letter_set, letters);
    for (int i = 0; i < p->n; i++) {
        struct cunit *u = &ix->units[ix->nunits++];
        const struct uspell *us = uspell_get(ix, &p->u[i]);
        u->vocab = us->vocab;
        u->phon = us->phon;
        u->letters = us->letters;
        u->kind = p->u[i].kind;
        u->flags = p->u[i].flags;
        u->weight = (unsigned char)(p->u[i].weight * 255.0f + 0.5f);
        if (i < HOT_UNITS) {
            hn->vocab[i] = u->vocab;
            hn->weight[i] = u->weight;
        }
    }
    uint32_t sig = sig_of(ix, cn);
    ix->sig2[id] = sig2_of(ix, cn);
    uint32_t plen = hn->nletters < POST_LEN_MAX ? hn->nletters : POST_LEN_MAX;
    uint32_t pid = id | plen << POST_ID_BITS; /* what the postings hold */
    for (int i = 0; i < p->n; i++) {
        const struct cunit *u = &ix->units[cn->units + (uint32_t)i];
        /* a name repeating a unit ("Muhammad Muhammad") is posted once */
        bool dup = false;
        for (int k = 0; k < i; k++)
            if (ix->units[cn->units + (uint32_t)k].vocab == u->vocab)
                dup = true;
        if (dup)
            continue;
        if (ix->bulk)
            pend_push(ix, u->vocab, pid, sig);
        else
            post_push(&ix->vocab[u->vocab].postings, pid, sig, ix->sig2[id]);
    }
    combo_add(ix, p, &ix->units[cn->units], pid, sig);
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
    int64_t id = ubur_name_index_add_parsed(ix, record, name, &p);
    /* Parts of one name joined by hyphens ("Ho-Jin", "Sok-Hwa") are as often written as
     * one word: that writing is another name of the record when it parses to fewer
     * units ("al-Tikriti" and "Abd-al-Rahman" parse the same either way). */
    char joined[UBUR_NAME_MAX_BYTES + 1];
    size_t o = 0;
    bool hyphen = false;
    for (size_t i = 0; name[i] && o < UBUR_NAME_MAX_BYTES; i++) {
        if (name[i] == '-' && i > 0 && name[i - 1] != ' ' && name[i + 1] && name[i + 1] != ' ') {
            /* a word after "al-" or "el-" is one unit with its article either way: only
             * other hyphens are worth a second parse (most names of a list have al-) */
            hyphen |= !(i >= 2 && (name[i - 1] | 0x20) == 'l' &&
                        ((name[i - 2] | 0x20) == 'a' || (name[i - 2] | 0x20) == 'e') &&
                        (i == 2 || name[i - 3] == ' '));
            continue;
        }
        joined[o++] = name[i];
    }
    joined[o] = '\0';
    struct ubur_name pj;
    if (id >= 0 && hyphen && !ubur_name_parse(&pj, joined, NULL) && pj.n > 0 && pj.n < p.n)
        (void)ubur_name_index_add_parsed(ix, record, joined, &pj);
    return id;
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
            ix->hot[r->v[i]].alive = 0; /* still gathered until compaction, then dropped */
            ix->alive--;
        }
    }
    r->n = 0;
}

void
ubur_name_index_bulk_begin(struct ubur_name_index *ix)
{
    ix->bulk = true;
}

/* Grows a posting list to hold `more` entries besides its own, exactly. */
static void
post_reserve(struct postings *p, uint32_t more)
{
    if (!more || p->n + more <= p->cap)
        return;
    post_grow(p, p->n + more);
}

void
ubur_name_index_bulk_end(struct ubur_name_index *ix)
{
    if (!ix->bulk)
        return;
    ix->bulk = false;
    if (!ix->npend)
        return;
    /* one counting pass: every list grows once, to its exact size, then is filled in the
     * order the names were added (ascending ids, as post_push would have) */
    uint32_t *count = ubur_calloc((size_t)ix->nvocab + ix->ncombos + 1, sizeof(uint32_t));
    uint32_t *ccount = count + ix->nvocab;
    for (size_t k = 0; k < ix->npend; k++) {
        uint32_t l = ix->pend[k].list;
        if (l & PEND_COMBO)
            ccount[l & ~PEND_COMBO]++;
        else
            count[l]++;
    }
    for (uint32_t v = 0; v < ix->nvocab; v++)
        post_reserve(&ix->vocab[v].postings, count[v]);
    for (uint32_t c = 0; c < ix->ncombos; c++)
        post_reserve(&ix->combos[c], ccount[c]);
    free(count);
    for (size_t k = 0; k < ix->npend; k++) {
        const struct pending *pe = &ix->pend[k];
        struct postings *p = pe->list & PEND_COMBO ? &ix->combos[pe->list & ~PEND_COMBO]
                                                   : &ix->vocab[pe->list].postings;
        post_sig2(p)[p->n] = ix->sig2[pe->id & POST_ID_MASK];
        p->v[p->n++] = (struct posting){pe->id, pe->sig};
    }
    big_free(ix->pend);
    ix->pend = NULL;
    ix->npend = ix->pend_cap = 0;
    /* the arrays a search reads at random: in huge pages now, where pages touched while
     * they were small or while the kernel had none free were left small */
    big_collapse(ix->hot, ix->nnames * sizeof(struct hotname));
    big_collapse(ix->names, ix->nnames * sizeof(struct cname));
    big_collapse(ix->units, ix->nunits * sizeof(struct cunit));
}

void
ubur_name_index_compact(struct ubur_name_index *ix)
{
    assert(!ix->bulk);
    for (uint32_t v = 0; v < ix->nvocab; v++) {
        struct postings *p = &ix->vocab[v].postings;
        uint32_t o = 0;
        for (uint32_t i = 0; i < p->n; i++)
            if (ix->names[p->v[i].pid & POST_ID_MASK].alive) {
                post_sig2(p)[o] = post_sig2(p)[i];
                p->v[o++] = p->v[i];
            }
        p->n = o;
    }
    for (uint32_t c = 0; c < ix->ncombos; c++) {
        struct postings *p = &ix->combos[c];
        uint32_t o = 0;
        for (uint32_t i = 0; i < p->n; i++)
            if (ix->names[p->v[i].pid & POST_ID_MASK].alive) {
                post_sig2(p)[o] = post_sig2(p)[i];
                p->v[o++] = p->v[i];
            }
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
    m += (ix->vocab_map.cap + ix->del_map.cap + ix->phon_map.cap + ix->spell_map.cap) *
         sizeof(struct strmap_slot);
    m += (size_t)ix->typo_cap * sizeof(struct tslot);
    m += ix->spell_cap * (sizeof(uint32_t) + sizeof(struct vec32));
    for (uint32_t i = 0; i < ix->nspell; i++)
        m += ix->spell_vocab[i].cap * sizeof(uint32_t);
    m += ix->vocab_cap * (sizeof(struct vocab) + sizeof(struct vec32) + 1);
    for (uint32_t i = 0; i < ix->nvocab; i++)
        m += ix->vocab[i].postings.cap * (sizeof(struct posting) + sizeof(uint32_t)) +
             ix->near[i].cap * sizeof(uint32_t);
    m += ix->combo_cap * sizeof(struct idslot) +
         ix->combos_cap * (sizeof(struct postings) + sizeof(uint32_t)) +
         ix->combo_ids_cap * sizeof(uint32_t);
    m += ix->pend_cap * sizeof(struct pending);
    m += ix->uspell_cap * sizeof(struct idslot) + ix->uspell_alloc * sizeof(struct uspell) +
         ix->ukeys_cap;
    for (uint32_t i = 0; i < ix->ncombos; i++)
        m += ix->combos[i].cap * (sizeof(struct posting) + sizeof(uint32_t));
    m += ix->dels_cap * sizeof(struct vec32);
    for (uint32_t i = 0; i < ix->ndels; i++)
        m += ix->dels[i].cap * sizeof(uint32_t);
    m += ix->names_cap * (sizeof(struct cname) + sizeof(struct hotname) + sizeof(uint32_t)) + 64;
    m += ix->units_cap * sizeof(struct cunit);
    m += ix->nrec * sizeof(struct vec32);
    for (uint32_t i = 0; i < ix->nrec; i++)
        m += ix->rec_names[i].cap * sizeof(uint32_t);
    return m;
}

/* ---------------------------------------------------------------- search */

/*
 * Scratch space, kept between searches so a search allocates nothing in the
 * common case: a bit per name id (gathered by the current search, cleared
 * after it), the candidate list, the shortlist and the similarity memos,
 * whose entries count only when stamped with the scratch's current
 * generation. A search takes one from a process-wide stack and gives it back
 * (scratch_get, scratch_put): the one given back last, whose lines the
 * cache most likely still holds. One per thread instead (about 140 KiB
 * each) left the server's 64 request threads each a scratch of its own,
 * always cold: its memo probes were a third of the search's own time.
 * Every scratch lives as long as the process.
 */
#define MEMO_BITS 12
#define MEMO_SIZE (1u << MEMO_BITS)

struct memo {
    uint32_t phon, letters; /* the candidate unit's forms */
    uint32_t gen;
    unsigned char unit, kind, flags;
    double sim;
};

/* A name's score against the query, by its units' content (struct cunit less the vocab id):
 * the synthetic list's head families hold the same given names, spelt alike, in thousands
 * of names, and a name's score is a function of that content alone. `rep` is a name id
 * holding it, whose units are compared in full before the score is reused. */
#define NMEMO_BITS 10
#define NMEMO_SIZE (1u << NMEMO_BITS)
struct nmemo {
    uint64_t h;
    uint32_t gen, rep;
    double score;
};

struct shortlisted {
    float ub;
    uint32_t id; /* | SL_TYPO: shortlisted only for the whole-name typo rule */
};
#define SL_TYPO 0x80000000u

/* A posting list to filter, with the weight (in 1/64) its skeleton contributes. */
struct segment {
    const struct posting *v;
    const uint32_t *sig2; /* the list's second signatures */
    uint32_t n;
    uint16_t w;
};

struct scratch {
    struct scratch *next; /* in the stack of those not in use (scratch_put) */
    uint64_t *seen;       /* bit per name id: gathered by this search */
    uint32_t nwords, gen;
    uint32_t *cand;
    uint32_t ncand, cand_cap;
    struct segment *seg; /* the batch of posting lists to filter (batch_add) */
    uint32_t nbatch, batch_cap;
    struct shortlisted *sl;
    uint32_t nsl, sl_cap;
    struct memo memo[MEMO_SIZE];
    struct nmemo nmemo[NMEMO_SIZE];
};

static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scratch *scratch_free_list; /* the stack of scratches not in use, by next */

/* A scratch space for one search, with its bitmap clear and room for nnames: the one given
 * back last (scratch_put), or a new one. */
static struct scratch *
scratch_get(uint32_t nnames)
{
    pthread_mutex_lock(&scratch_lock);
    struct scratch *s = scratch_free_list;
    if (s)
        scratch_free_list = s->next;
    pthread_mutex_unlock(&scratch_lock);
    if (!s)
        s = ubur_calloc(1, sizeof(*s));
    uint32_t words = nnames / 64 + 1;
    if (s->nwords < words) {
        uint32_t n = s->nwords ? s->nwords : 1024;
        while (n < words)
            n *= 2;
        s->seen = ubur_realloc(s->seen, (size_t)n * sizeof(uint64_t));
        memset(s->seen + s->nwords, 0, (size_t)(n - s->nwords) * sizeof(uint64_t));
        s->nwords = n;
    }
    if (++s->gen == 0) { /* wrapped: forget every memoised similarity */
        for (uint32_t i = 0; i < MEMO_SIZE; i++)
            s->memo[i].gen = 0;
        for (uint32_t i = 0; i < NMEMO_SIZE; i++)
            s->nmemo[i].gen = 0;
        s->gen = 1;
    }
    s->ncand = s->nsl = s->nbatch = 0;
    return s;
}

/* Gives a search's scratch back (its bitmap clear again) for the next search, on any thread. */
static void
scratch_put(struct scratch *s)
{
    pthread_mutex_lock(&scratch_lock);
    s->next = scratch_free_list;
    scratch_free_list = s;
    pthread_mutex_unlock(&scratch_lock);
}

static bool
bit_test(const uint64_t *b, uint32_t i)
{
    return (b[i >> 6] >> (i & 63)) & 1;
}

static void
bit_set(uint64_t *b, uint32_t i)
{
    b[i >> 6] |= 1ull << (i & 63);
}

static void
bit_clear(uint64_t *b, uint32_t i)
{
    b[i >> 6] &= ~(1ull << (i & 63));
}

static void
cand_push(struct scratch *s, uint32_t id)
{
    if (s->ncand == s->cand_cap) {
        s->cand_cap = s->cand_cap ? s->cand_cap * 2 : 4096;
        s->cand = ubur_realloc(s->cand, (size_t)s->cand_cap * sizeof(uint32_t));
    }
    s->cand[s->ncand++] = id;
}

static void
sl_push(struct scratch *s, float ub, uint32_t id)
{
    if (s->nsl == s->sl_cap) {
        s->sl_cap = s->sl_cap ? s->sl_cap * 2 : 1024;
        s->sl = ubur_realloc(s->sl, (size_t)s->sl_cap * sizeof(*s->sl));
    }
    s->sl[s->nsl++] = (struct shortlisted){ub, id};
}

/* Shortlist order: higher bound first, then lower id (a max-heap on this). */
static bool
sl_before(const struct shortlisted *a, const struct shortlisted *b)
{
    return a->ub > b->ub || (a->ub == b->ub && (a->id & ~SL_TYPO) < (b->id & ~SL_TYPO));
}

static void
sl_sift(struct shortlisted *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && sl_before(&h[l], &h[m]))
            m = l;
        if (r < n && sl_before(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct shortlisted t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

struct qunit {
    int idx; /* unit index in the query */
    uint32_t vocab[VARIANTS_MAX];
    float credit[VARIANTS_MAX]; /* most a unit with this skeleton can count (match credit) */
    bool skip[VARIANTS_MAX];    /* a neighbour whose list is too long to read */
    bool expanded;              /* neighbours added (else the skeleton alone) */
    bool joined[VARIANTS_MAX];  /* stands for this unit and its neighbour as one word */
    int nvocab;
    uint64_t df;
};

#ifdef UBUR_NAME_INDEX_PROFILE
long ubur_name_index_counts[4];
#define COUNT(k) (ubur_name_index_counts[k]++)
#else
#define COUNT(k) (void)0
#endif

/* Adds a vocab id known not to be in the list yet, with its credit. */
static void
add_known(const struct ubur_name_index *ix, struct qunit *q, uint32_t v, double c)
{
    if (q->nvocab == VARIANTS_MAX)
        return;
    q->vocab[q->nvocab] = v;
    q->joined[q->nvocab] = false;
    q->skip[q->nvocab] = c < 0.999 && ix->vocab[v].postings.n > VARIANT_DF_MAX;
    q->credit[q->nvocab++] = (float)c;
}

/* Adds a vocab id found by generating edits (the query's skeleton is not a word). */
static void
add_variant(const struct ubur_name_index *ix, const struct ubur_name_unit *qu, struct qunit *q,
            uint32_t v)
{
    COUNT(0);
    for (int i = 0; i < q->nvocab; i++)
        if (q->vocab[i] == v)
            return;
    COUNT(1);
    const struct vocab *vo = &ix->vocab[v];
    double c = ubur_name_match_credit(
        ubur_name_unit_sim_bound(qu, vo->inl[0] ? vo->inl : ix->pool + vo->skel));
    if (c <= 0)
        return; /* no unit with this skeleton can match: not worth reading */
    COUNT(2);
    add_known(ix, q, v, c);
}

/* Whether v is among the first n vocab ids of q. */
static bool
has_vocab(const struct qunit *q, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        if (q->vocab[i] == v)
            return true;
    return false;
}

/*
 * The skeletons of the spellings one typo away from a Latin query unit
 * (ubur_name_typing_similarity): a typo can move a name further in sound
 * than in letters. Each with the most it can count: the typing similarity,
 * or the sound bound of its skeleton when higher. Across kinds too: the
 * letters of an abd/abu/umm unit include the particle ("abdullah"), so a
 * spelling one typo away is the particle mistyped ("absullah", "abulhai").
 */
static void
typo_variants(const struct ubur_name_index *ix, const struct ubur_name_unit *qu, struct qunit *q)
{
    size_t ql = strlen(qu->letters);
    if (ql < TYPO_MIN || ql >= UBUR_NAME_PHON || !ix->nspell)
        return;
    uint32_t sp[TYPO_SPELLS_MAX];
    int n = typo_lookup(ix, qu->letters, sp, 0, TYPO_SPELLS_MAX);
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = letter_deletions(qu->letters, var);
    for (int k = 0; k < nv; k++)
        n = typo_lookup(ix, var[k], sp, n, TYPO_SPELLS_MAX);
    size_t qpre = key_body(qu->skel);
    for (int i = 0; i < n; i++) {
        double t = ubur_name_typing_similarity(qu->letters, ix->pool + ix->spell_text[sp[i]]);
        double c = ubur_name_match_credit(t);
        if (c <= 0)
            continue;
        const struct vec32 *vv = &ix->spell_vocab[sp[i]];
        for (uint32_t j = 0; j < vv->n; j++) {
            uint32_t v = vv->v[j];
            const struct vocab *vo = &ix->vocab[v];
            const char *vs = vo->inl[0] ? vo->inl : ix->pool + vo->skel;
            size_t vpre = key_body(vs);
            bool same_kind = vpre == qpre && !strncmp(vs, qu->skel, qpre);
            (void)same_kind; /* letters of abd/abu/umm units include the particle: a
                                typing match across kinds is a mistyped particle */
            double cs = ubur_name_match_credit(ubur_name_unit_sim_bound(qu, vs));
            double cv = cs > c ? cs : c;
            int at = -1;
            for (int x = 0; x < q->nvocab; x++)
                if (q->vocab[x] == v)
                    at = x;
            if (at >= 0) {
                if (cv > q->credit[at]) {
                    q->credit[at] = (float)cv;
                    q->skip[at] = cv < 0.999 && vo->postings.n > VARIANT_DF_MAX;
                }
                continue;
            }
            add_known(ix, q, v, cv);
        }
    }
}

/*
 * The vocabulary ids a query unit stands for: its own skeleton and, for a
 * name of three or more consonants, the skeletons one consonant edit away
 * that are still close enough to match (a typo: Mansur/Madsur). A search
 * reads the posting lists of the neighbours only when they are short
 * (VARIANT_DF_MAX): a common name's neighbours are other common names
 * (Muhammad: Ahmad, Hamid, Mahdi) with long lists of the wrong people.
 */
static void
expand(const struct ubur_name_index *ix, const struct ubur_name_unit *qu, struct qunit *q)
{
    const char *skel = qu->skel;
    struct strmap_slot *sl = map_find(ix, &ix->vocab_map, skel);
    size_t body = strlen(skel) - key_body(skel);
    if (sl && sl->key && ix->nvocab <= NEAR_MAX_VOCAB)
        add_known(ix, q, sl->val, 1.0);
    typo_variants(ix, qu, q);
    /* Short skeletons of common names ("L", "MR") are given names whose spellings already
     * share one skeleton: fuzzy variants of them would only add noise. A short rare name
     * may have a typo like any other (Akhud for Akhund, Zajai for Zakui). */
    bool fuzzy = body >= 3 || (body == 2 && qu->weight >= 1.0f);
    if (sl && sl->key && ix->nvocab <= NEAR_MAX_VOCAB) {
        /* a known skeleton: its neighbours are listed */
        if (!fuzzy)
            return;
        double qw = ubur_name_phon_weight(qu->phon);
        const struct vec32 *nb = &ix->near[sl->val];
        /* In a dense neighbourhood keep the closest: the credits first, then a credit
         * floor (in 64ths) that lets at most the room left through. */
        static _Thread_local struct near_credit {
            uint32_t v;
            float c;
        } nc[NEAR_SCAN_MAX];
        uint32_t hist[65] = {0}, n = 0;
        for (uint32_t i = 0; i < nb->n && n < NEAR_SCAN_MAX; i++) {
            uint32_t v = nb->v[i] & (NEAR_MAX_VOCAB - 1), dq = nb->v[i] >> NEAR_ID_BITS;
            double c = ubur_name_match_credit(
                ubur_name_sim_bound((double)dq / 20, qw, (double)ix->wmax[v] / 20));
            if (c <= 0)
                continue;
            nc[n++] = (struct near_credit){v, (float)c};
            hist[(int)(c * 64)]++;
        }
        /* a word's neighbours are distinct: only the ids added before them can repeat one */
        int before = q->nvocab;
        uint32_t room = VARIANTS_MAX - (uint32_t)q->nvocab, floor_bin = 0;
        for (uint32_t bin = 64, taken = 0; n > room; bin--) {
            if (taken + hist[bin] > room) {
                floor_bin = bin + 1;
                break;
            }
            taken += hist[bin];
        }
        for (uint32_t i = 0; i < n; i++)
            if ((uint32_t)(nc[i].c * 64) >= floor_bin && !has_vocab(q, nc[i].v, before))
                add_known(ix, q, nc[i].v, nc[i].c);
        return;
    }
    if (sl && sl->key)
        add_variant(ix, qu, q, sl->val);
    if (!fuzzy)
        return;
    /* names with one more consonant than the query */
    sl = map_find(ix, &ix->del_map, skel);
    if (sl && sl->key)
        for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
            add_variant(ix, qu, q, ix->dels[sl->val].v[i]);
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = deletions(skel, var, UBUR_NAME_PHON);
    for (int k = 0; k < nv; k++) {
        /* one consonant fewer, or one different */
        sl = map_find(ix, &ix->vocab_map, var[k]);
        if (sl && sl->key)
            add_variant(ix, qu, q, sl->val);
        sl = map_find(ix, &ix->del_map, var[k]);
        if (sl && sl->key)
            for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
                add_variant(ix, qu, q, ix->dels[sl->val].v[i]);
    }
}

/*
 * A patronym's "bin" is as often glued to it (Benhassine, بنحسين) as written apart: a
 * query unit that followed bin also stands for the names holding the glued word, with
 * what ubur_names_compare_sim's joined reading can give it.
 */
static void
glued_bin(const struct ubur_name_index *ix, const struct ubur_name_unit *qu, struct qunit *q)
{
    if (qu->kind != UBUR_UNIT_PLAIN || !(qu->flags & UBUR_UNIT_NASAB) ||
        (qu->flags & UBUR_UNIT_DIN))
        return;
    char key[UBUR_NAME_PHON + 2];
    /* glued, a first w or y no longer begins the name: not in the skeleton (Youssef YSF,
     * بنيوسف BNSF) */
    const char *body = qu->skel[0] == 'W' || qu->skel[0] == 'Y' ? qu->skel + 1 : qu->skel;
    if (!body[0] || snprintf(key, sizeof(key), "BN%s", body) >= (int)sizeof(key))
        return;
    struct strmap_slot *sl = map_find(ix, &ix->vocab_map, key);
    if (sl && sl->key && !has_vocab(q, sl->val, q->nvocab))
        add_known(ix, q, sl->val, 0.95);
}

/*
 * Two neighbouring query units as one word (ubur_name_join_units: Dahir Aweys may be
 * written ظاهرعويس): the vocab words of that writing, its skeleton or one consonant
 * from it, with what each can count. Looked up only, never expanded further: most pairs
 * are no word at all (one probe), and their lists are short.
 */
#define JOIN_VARIANTS 8
struct joined {
    uint32_t v[JOIN_VARIANTS];
    float c[JOIN_VARIANTS];
    int n;
};

static void
joined_add(const struct ubur_name_index *ix, const struct ubur_name_unit *ju, struct joined *j,
           uint32_t v, size_t min_body)
{
    for (int i = 0; i < j->n; i++)
        if (j->v[i] == v)
            return;
    const struct vocab *vo = &ix->vocab[v];
    /* a word no longer than either part is that part, not the two as one (Muhammad for
     * "Muhammad Ali"); and a long list is a common name's, not a glued pair's */
    if (vo->body < min_body || vo->postings.n > VARIANT_DF_MAX)
        return;
    double c = ubur_name_match_credit(
        ubur_name_unit_sim_bound(ju, vo->inl[0] ? vo->inl : ix->pool + vo->skel));
    if (c <= 0)
        return;
    c = c < 0.95 ? c : 0.95; /* a reading, never "the same key" */
    int at = j->n;
    if (j->n == JOIN_VARIANTS) { /* full: replace the weakest when this one is better */
        at = 0;
        for (int i = 1; i < j->n; i++)
            if (j->c[i] < j->c[at])
                at = i;
        if (j->c[at] >= (float)c)
            return;
    } else {
        j->n++;
    }
    j->v[at] = v;
    j->c[at] = (float)c;
}

static void
joined_lookup(const struct ubur_name_index *ix, const struct ubur_name_unit *a,
              const struct ubur_name_unit *b, struct joined *j)
{
    struct ubur_name_unit ju;
    j->n = 0;
    /* two common names (Muhammad Ali) are rarely one word: not looked up */
    if ((a->weight < 1.0f && b->weight < 1.0f) || !ubur_name_join_units(a, b, &ju))
        return;
    size_t body = strlen(ju.skel) - key_body(ju.skel);
    size_t pa = strlen(a->skel) - key_body(a->skel), pb = strlen(b->skel) - key_body(b->skel);
    size_t min_body = (pa > pb ? pa : pb) + 1;
    if (body < 3 || body + 1 < min_body)
        return;
    if (min_body < body - 1)
        min_body = body - 1;
    struct strmap_slot *sl = map_find(ix, &ix->vocab_map, ju.skel);
    if (sl && sl->key)
        joined_add(ix, &ju, j, sl->val, min_body);
    /* one consonant more, fewer or different (a letter the two writings spell apart) */
    sl = map_find(ix, &ix->del_map, ju.skel);
    if (sl && sl->key)
        for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
            joined_add(ix, &ju, j, ix->dels[sl->val].v[i], min_body);
    char var[UBUR_NAME_PHON][UBUR_NAME_PHON];
    int nv = deletions(ju.skel, var, UBUR_NAME_PHON);
    for (int k = 0; k < nv; k++) {
        sl = map_find(ix, &ix->vocab_map, var[k]);
        if (sl && sl->key)
            joined_add(ix, &ju, j, sl->val, min_body);
        sl = map_find(ix, &ix->del_map, var[k]);
        if (sl && sl->key)
            for (uint32_t i = 0; i < ix->dels[sl->val].n; i++)
                joined_add(ix, &ju, j, ix->dels[sl->val].v[i], min_body);
    }
}

/* Adds to query unit i's words those of it joined with a neighbour. */
static void
joined_attach(const struct ubur_name_index *ix, const struct joined *jn, int i, int n,
              struct qunit *u)
{
    for (int p = i - 1; p <= i; p++) {
        if (p < 0 || p + 1 >= n)
            continue;
        for (int k = 0; k < jn[p].n; k++) {
            if (has_vocab(u, jn[p].v[k], u->nvocab))
                continue;
            int before = u->nvocab;
            add_known(ix, u, jn[p].v[k], jn[p].c[k]);
            if (u->nvocab > before)
                u->joined[before] = true;
        }
    }
}

/* A Latin query unit read with its digraph as two letters (Ishaq: اسحاق) also stands for
 * the names holding that reading's skeleton. */
static void
split_reading(const struct ubur_name_index *ix, const struct ubur_name_unit *qu, struct qunit *q)
{
    char skel[UBUR_NAME_PHON];
    if (!ubur_name_unit_split_reading(qu, skel) || !strcmp(skel, qu->skel))
        return;
    struct strmap_slot *sl = map_find(ix, &ix->vocab_map, skel);
    if (sl && sl->key && !has_vocab(q, sl->val, q->nvocab))
        add_known(ix, q, sl->val, 0.95);
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

/* Vocab id -> the query units it stands for, and the most it can count for them. */
#define VM_SIZE 4096 /* > UBUR_NAME_MAX_UNITS * VARIANTS_MAX: never full */
struct vmask {
    uint32_t vocab; /* + 1; 0 empty */
    uint16_t units;
    uint8_t credit; /* * 255, rounded up */
    uint8_t joined; /* stands for two neighbouring query units as one word */
};

static const struct vmask *
vm_get(const struct vmask *vm, uint32_t id)
{
    uint32_t h = (id * 2654435761u) >> 20;
    while (vm[h].vocab) {
        if (vm[h].vocab == id + 1)
            return &vm[h];
        h = (h + 1) & (VM_SIZE - 1);
    }
    return NULL;
}

static void
vm_put(struct vmask *vm, uint32_t id, int unit, float credit, bool joined)
{
    uint32_t h = (id * 2654435761u) >> 20;
    while (vm[h].vocab && vm[h].vocab != id + 1)
        h = (h + 1) & (VM_SIZE - 1);
    vm[h].vocab = id + 1;
    vm[h].units |= (uint16_t)(1u << unit);
    vm[h].joined |= joined;
    uint8_t c = (uint8_t)ceilf(credit * 255.0f);
    if (c > vm[h].credit)
        vm[h].credit = c;
}

/*
 * The signature filter of a search: per query unit, the signature bits of
 * its own skeleton and of its fuzzy variants, with the most a variant can
 * count. sig_verdict bounds a name's score from its signature alone, in the
 * way upper_bound does from its record; Bloom collisions only loosen it.
 * A fuzzy variant weighs at most the query unit's weight: only rare units
 * (weight 1) are expanded.
 *
 * Two refinements keep the filter sharp. The unit whose posting list is
 * being read is known to be there, with the credit of that list's skeleton.
 * Once every list of a unit has been read, a name met later cannot hold
 * that unit (it would have been met then), so the unit is `done` and counts
 * nothing. A rare unit with many fuzzy variants lights most of the 24 bits,
 * so its fuzzy bits are not used (`fuzzy` 0) unless its lists are read:
 * a name sharing only a fuzzy variant of a rare unit that is not
 * enumerated is not found, as before there was a filter.
 */
struct sigq {
    uint32_t exact, fuzzy;   /* bits in the first signature (sig_bit) */
    uint32_t exact2, fuzzy2; /* the same in the second (sig2_bit) */
    float w, fuzzy_credit;
    bool done;
};

#define SIG_W 64 /* weights in the filter's tables: in 1/64, rounded up */

struct sigfilter {
    struct sigq u[UBUR_NAME_MAX_UNITS];
    int n;
    int known;       /* the unit whose list is read, or -1 */
    uint32_t active; /* the units tested: neither known nor done (sig_active) */
    /* Built from the above by sig_tables once per search, and for one unit by sig_unit when
     * it changes, so sig_verdict is a few table reads and integer adds: per byte value of
     * the Bloom filter, the units whose exact bits meet it (low 16 bits) and whose fuzzy
     * bits do (high 16), every unit's, `active` choosing; the weight of any set of units,
     * low six and high six apart; and per weight matched, one more than the largest total
     * weight (in sixteenths) a name may have and pass (0: none passes). */
    uint32_t exfz[3][256];
    uint32_t ex2[UBUR_NAME_MAX_UNITS], fz2[UBUR_NAME_MAX_UNITS]; /* per unit still to test,
                                                                 its second-signature bits */
    uint32_t loose; /* units whose fuzzy bits only the second signature tests (too many
                       in the first: they would let most names through) */
    uint16_t wex[2][64], wfz[2][64];
    uint16_t max_sb[UBUR_NAME_MAX_UNITS * SIG_W + 1];
    /* The whole-name typo rule (letters_near) in the filter, not left to Bloom collisions:
     * a name whose units fail it is still gathered when its letters are as long as the
     * query's give or take one, and the query units it lacks lie within two neighbouring
     * positions of the query (one typo changes at most two units: "Abmal-Rahman" for
     * "Abd al-Rahman", "bon Ali" for "bin Ali"). */
    unsigned qlen;                          /* the query's letters, as struct posting counts them */
    unsigned char len_ok[POST_LEN_MAX + 1]; /* per posting length: may be one letter away
                                               (all 0: the rule cannot apply) */
    uint64_t len_mask;                      /* the same, bit per length */
    uint32_t all;                           /* every unit tested */
    uint64_t tol[(1u << UBUR_NAME_MAX_UNITS) / 64]; /* bit per mask of units lacking: ok */
};

static uint16_t
sig_w(float w)
{
    return (uint16_t)ceilf(w * SIG_W - 1e-4f);
}

/* The per-weight limits of the filter (max_sb): once per search. */
static void
sig_limits(struct sigfilter *f, float min_score, float qsum)
{
    float m = min_score - 1e-3f, min2q = m > 0 ? m * m * qsum : 1e-9f;
    /* ub >= min with ub = sqrt(wq / qsum * cb) * hold(wq), cb = min(1, wq / sb):
     * squared and solved for sb; up to the most the query's units can sum to (sig_verdict
     * never reads further; the rest copies the last) */
    int top = 0;
    for (int k = 0; k < f->n; k++)
        top += sig_w(f->u[k].w);
    if (top > UBUR_NAME_MAX_UNITS * SIG_W)
        top = UBUR_NAME_MAX_UNITS * SIG_W;
    for (int w = 0; w <= top; w++) {
        float wq = (float)w / SIG_W, h = wq < 1.2f ? 0.85f + 0.125f * wq : 1.0f;
        float lhs = wq * h * h;
        if (w == 0 || lhs < min2q) {
            f->max_sb[w] = 0;
            continue;
        }
        float sb = wq > lhs * wq / min2q ? wq : lhs * wq / min2q;
        float sixteenths = floorf(sb * 16.0f);
        f->max_sb[w] = (uint16_t)(sixteenths > 4000.0f ? 4001 : sixteenths + 1);
    }
    for (int w = top + 1; w <= UBUR_NAME_MAX_UNITS * SIG_W; w++)
        f->max_sb[w] = f->max_sb[top];
}

/* The weights of the filter's units in any set of them (every unit's: `active` chooses
 * which sets are looked up): whenever a unit's weight or fuzzy credit changes. */
static void
sig_weights(struct sigfilter *f)
{
    uint16_t wex1[2][6] = {{0}}, wfz1[2][6] = {{0}};
    for (int k = 0; k < f->n; k++) {
        wex1[k / 6][k % 6] = sig_w(f->u[k].w);
        wfz1[k / 6][k % 6] = sig_w(f->u[k].w * f->u[k].fuzzy_credit);
    }
    for (int h = 0; h < 2; h++) {
        f->wex[h][0] = f->wfz[h][0] = 0;
        for (uint32_t set = 1; set < 64; set++) {
            int low = __builtin_ctz(set);
            f->wex[h][set] = (uint16_t)(f->wex[h][set & (set - 1)] + wex1[h][low]);
            f->wfz[h][set] = (uint16_t)(f->wfz[h][set & (set - 1)] + wfz1[h][low]);
        }
    }
}

/* The units still to test (not known, not done), and their second-signature bits: whenever
 * `known` or `done` changes. */
static void
sig_active(struct sigfilter *f)
{
    f->active = 0;
    for (int k = 0; k < f->n; k++) {
        f->ex2[k] = f->fz2[k] = 0;
        if (k == f->known || f->u[k].done)
            continue;
        f->active |= 1u << k;
        f->ex2[k] = f->u[k].exact2;
        f->fz2[k] = f->u[k].fuzzy2;
    }
}

/* The unit tables of the filter, every unit's (once per search; a done unit has no bits).
 * Each table entry is built from the one without its lowest bit. */
static void
sig_tables(struct sigfilter *f)
{
    uint32_t single[3][8] = {{0}};
    for (int k = 0; k < f->n; k++) {
        const struct sigq *u = &f->u[k];
        if (u->done)
            continue;
        for (int b = 0; b < 24; b++) {
            if (u->exact & (1u << (8 + b)))
                single[b / 8][b % 8] |= 1u << k;
            if (u->fuzzy & (1u << (8 + b)))
                single[b / 8][b % 8] |= 1u << (16 + k);
        }
    }
    for (int b = 0; b < 3; b++) {
        f->exfz[b][0] = 0;
        for (uint32_t v = 1; v < 256; v++)
            f->exfz[b][v] = f->exfz[b][v & (v - 1)] | single[b][__builtin_ctz(v)];
    }
    sig_weights(f);
    sig_active(f);
}

/* Unit k's bits in the tables again, after its exact or fuzzy bits changed. */
static void
sig_unit(struct sigfilter *f, int k)
{
    const struct sigq *u = &f->u[k];
    uint32_t ex = u->done ? 0 : u->exact, fz = u->done ? 0 : u->fuzzy;
    uint32_t keep = ~(1u << k | 1u << (16 + k));
    for (int b = 0; b < 3; b++) {
        uint32_t se = (ex >> (8 + 8 * b)) & 0xff, sf = (fz >> (8 + 8 * b)) & 0xff;
        for (uint32_t v = 0; v < 256; v++)
            f->exfz[b][v] = (f->exfz[b][v] & keep) | (uint32_t)((v & se) != 0) << k |
                            (uint32_t)((v & sf) != 0) << (16 + k);
    }
    sig_weights(f);
    sig_active(f);
}

/*
 * The first signature's verdict on a posting (pid, sig), `known` (in 1/64) matched besides:
 * bit 0, the name may reach min_score; bit 1, it may be one letter from the query
 * (typo_setup): its letters as long as the query's give or take one, and the units it
 * lacks among `tested` (the filter's units but the known one) a set a typo could lack.
 * Both without a branch: this runs for every posting read, and most fail both.
 */
static inline __attribute__((always_inline)) uint32_t
sig_verdict(const struct sigfilter *f, uint32_t pid, uint32_t sig, uint32_t known, uint32_t tested,
            bool wide, bool door)
{
    uint32_t b0 = (sig >> 8) & 0xff, b1 = (sig >> 16) & 0xff, b2 = sig >> 24;
    uint32_t t = f->exfz[0][b0] | f->exfz[1][b1] | f->exfz[2][b2];
    uint32_t ex = t & f->active, fz = (t >> 16) & f->active & ~ex;
    /* with six units or fewer (`wide` false) the high halves weigh nothing */
    uint32_t w = (uint32_t)f->wex[0][ex & 63] + f->wfz[0][fz & 63] + known;
    if (wide)
        w += (uint32_t)f->wex[1][ex >> 6] + f->wfz[1][fz >> 6];
    if (w > UBUR_NAME_MAX_UNITS * SIG_W)
        w = UBUR_NAME_MAX_UNITS * SIG_W;
    uint32_t pass = (sig & 0xff) < f->max_sb[w];
    if (!door) /* the typo rule cannot apply: len_ok is all 0 */
        return pass;
    uint32_t missing = tested & ~ex;
    /* len_ok as a mask; with six units or fewer, missing < 64: tol's first word */
    uint64_t tolw = wide ? f->tol[missing >> 6] : f->tol[0];
    uint32_t tol =
        (uint32_t)(f->len_mask >> (pid >> POST_ID_BITS)) & (uint32_t)(tolw >> (missing & 63));
    return pass | (tol & 1u) << 1;
}

/* The first signature's test again for a name that passed it, each unit counted only when the
 * second signature (sig2) holds it too: most names let through by a collision fail here. */
static bool
sig_pass2(const struct sigfilter *f, uint32_t sig, uint32_t sig2, uint32_t known)
{
    uint32_t b0 = (sig >> 8) & 0xff, b1 = (sig >> 16) & 0xff, b2 = sig >> 24;
    uint32_t ex2 = 0, fz2 = 0; /* few names get here: a loop, not tables to build */
    for (int k = 0; k < f->n; k++) {
        ex2 |= (uint32_t)((sig2 & f->ex2[k]) != 0) << k;
        fz2 |= (uint32_t)((sig2 & f->fz2[k]) != 0) << k;
    }
    uint32_t t = f->exfz[0][b0] | f->exfz[1][b1] | f->exfz[2][b2];
    uint32_t ex = t & f->active & ex2;
    uint32_t fz = (((t >> 16) & f->active) | f->loose) & fz2 & ~ex;
    uint32_t w = (uint32_t)f->wex[0][ex & 63] + f->wex[1][ex >> 6] + f->wfz[0][fz & 63] +
                 f->wfz[1][fz >> 6] + known;
    if (w > UBUR_NAME_MAX_UNITS * SIG_W)
        w = UBUR_NAME_MAX_UNITS * SIG_W;
    return (sig & 0xff) < f->max_sb[w];
}

/*
 * Sets up the filter's typo tolerance: which sets of query units a name may lack and still
 * be one letter from the query. One typo changes one unit, or two neighbours when it falls
 * in a particle. A unit lacked alone must be one whose writing a typo in a particle or its
 * letters can move out of reach of the index's typo spellings: a unit made with a particle
 * (abd, abu, umm, al-Din) or too short for them (bin and al- only flag the next unit,
 * whose skeleton a typo in them leaves alone). Two neighbours lacked together
 * must include a token the index does not hold as written (the typo's own: "abmal" in
 * "Abmal-Rahman", "nl" in "Abd-nl-Majid").
 */
static void
typo_setup(struct sigfilter *f, const struct qunit *qu, int nq, const struct ubur_name *q,
           unsigned qlen, double min_score)
{
    unsigned best = qlen + 1; /* the longest a name one letter away can be */
    if (q->n < 2 || qlen + 1 < UBUR_NAME_TYPO_MIN || 1.0 - 2.5 / best < min_score - 1e-4)
        return;
    uint32_t known = 0, typo_token = 0, fragile = 0; /* by query position */
    for (int k = 0; k < nq; k++) {
        int p = qu[k].idx;
        bool exact = false;
        for (int v = 0; v < qu[k].nvocab && !exact; v++)
            exact = qu[k].credit[v] >= 0.999f;
        known |= 1u << p;
        if (!exact)
            typo_token |= 1u << p;
    }
    typo_token |= ((1u << q->n) - 1) & ~known;
    for (int p = 0; p < q->n; p++) {
        const struct ubur_name_unit *u = &q->u[p];
        if (u->kind != UBUR_UNIT_PLAIN || (u->flags & UBUR_UNIT_DIN) ||
            strlen(u->letters) < TYPO_MIN)
            fragile |= 1u << p;
    }
    for (int j = 0; j < q->n; j++) {
        uint32_t win = (1u << j) | (j + 1 < q->n ? 1u << (j + 1) : 0);
        if ((typo_token & ~known) & ~win)
            continue; /* a token the filter cannot see is lacking outside the window */
        bool pair = (typo_token & win) != 0;
        /* a token no unit of the filter stands for (nothing indexed near it) is lacking
         * unseen: its neighbour lacked alone is the pair ("nl" in "Abd-nl-Majid") */
        bool unseen = (typo_token & ~known & win) != 0;
        uint32_t w = 0;
        for (int k = 0; k < nq; k++)
            if (win & (1u << qu[k].idx))
                w |= 1u << k;
        for (uint32_t m = w;; m = (m - 1) & w) { /* every subset of w */
            int c = __builtin_popcount(m);
            bool ok = c == 0 || (c == 2 && pair);
            if (c == 1) {
                int p = qu[__builtin_ctz(m)].idx;
                ok = (((fragile | typo_token) >> p) & 1) || unseen;
            }
            if (ok)
                f->tol[m >> 6] |= 1ull << (m & 63);
            if (!m)
                break;
        }
    }
    f->qlen = qlen < POST_LEN_MAX ? qlen : POST_LEN_MAX;
    for (uint32_t len = 1; len <= POST_LEN_MAX; len++) {
        uint32_t d = len > f->qlen ? len - f->qlen : f->qlen - len;
        f->len_ok[len] = len == POST_LEN_MAX || f->qlen == POST_LEN_MAX ||
                         (d <= 1 && (len > f->qlen ? len : f->qlen) >= UBUR_NAME_TYPO_MIN);
        f->len_mask |= (uint64_t)f->len_ok[len] << len;
    }
    f->all = nq >= 32 ? ~0u : (1u << nq) - 1;
}

/*
 * Gathering reads posting lists in batches: every list of a unit (or every
 * combination) is noted first, with the weight its skeleton contributes, then
 * one pass filters them in order, the signatures read from the lists themselves.
 */
static void
batch_add(struct scratch *s, const struct postings *p, uint16_t w, uint32_t *read)
{
    *read += p->n;
    if (!p->n)
        return;
    if (s->nbatch == s->batch_cap) {
        s->batch_cap = s->batch_cap ? s->batch_cap * 2 : 256;
        s->seg = ubur_realloc(s->seg, (size_t)s->batch_cap * sizeof(struct segment));
    }
    s->seg[s->nbatch++] = (struct segment){p->v, post_sig2(p), p->n, w};
}

#define SEG_AHEAD 4 /* posting lists ahead whose first postings are fetched */

static inline void
seg_prefetch(const struct segment *sg)
{
    __builtin_prefetch(sg->v);
    if (sg->n > 8)
        __builtin_prefetch(sg->v + 8);
}

/* Filters one posting list (batch_run), `wide` and `door` as sig_verdict takes them: constants
 * where it is called, so each case compiles to a loop of its own. Returns false when the
 * candidate list is full. */
static inline __attribute__((always_inline)) bool
batch_segment(struct scratch *s, const struct sigfilter *f, const struct segment *sg,
              uint32_t tested, bool wide, bool door)
{
    const struct posting *v = sg->v;
    const uint32_t *v2 = sg->sig2;
    uint32_t w = sg->w;
    /* the signature first: most postings fail it, so most never touch the bitmap, a
     * cache miss whenever the list is long; the second signature only for those that
     * pass (the typo door judges by the first, as if it had failed there). The
     * verdicts of 64 postings are taken without a branch, then the few that pass are
     * visited (a branch per posting mispredicted on every pass). */
    for (uint32_t at = 0, m = sg->n; at < m; at += 64) {
        uint32_t cnt = m - at < 64 ? m - at : 64;
        uint64_t pass = 0, door_bits = 0;
        for (uint32_t j = 0; j < cnt; j++) {
            uint32_t verdict = sig_verdict(f, v[at + j].pid, v[at + j].sig, w, tested, wide, door);
            pass |= (uint64_t)(verdict & 1) << j;
            if (door)
                door_bits |= (uint64_t)(verdict >> 1) << j;
        }
        for (uint64_t any = pass | door_bits; any; any &= any - 1) {
            uint32_t j = (uint32_t)__builtin_ctzll(any), i = at + j;
            if (!((door_bits >> j) & 1) && !sig_pass2(f, v[i].sig, v2[i], w))
                continue;
            uint32_t id = v[i].pid & POST_ID_MASK;
            if (bit_test(s->seen, id))
                continue;
            if (s->ncand >= CAND_MAX)
                return false;
            bit_set(s->seen, id);
            cand_push(s, id);
        }
    }
    return true;
}

/* Adds the batched names that pass the signature filter and are not gathered yet, and
 * empties the batch. Returns false when the candidate list is full. */
static bool
batch_run(struct scratch *s, const struct sigfilter *f)
{
    uint32_t n = s->nbatch;
    s->nbatch = 0;
    uint32_t tested = f->all & ~(f->known >= 0 ? 1u << f->known : 0u);
    bool wide = f->n > 6, door = f->len_mask != 0;
    /* Most lists are short (a rare unit's neighbours): the start of each is a cache miss
     * that no streaming hides, so the starts of the lists SEG_AHEAD ahead are fetched. */
    for (uint32_t g = 0; g < n && g < SEG_AHEAD; g++)
        seg_prefetch(&s->seg[g]);
    for (uint32_t g = 0; g < n; g++) {
        if (g + SEG_AHEAD < n)
            seg_prefetch(&s->seg[g + SEG_AHEAD]);
        const struct segment *sg = &s->seg[g];
        bool ok = wide ? (door ? batch_segment(s, f, sg, tested, true, true)
                               : batch_segment(s, f, sg, tested, true, false))
                       : (door ? batch_segment(s, f, sg, tested, false, true)
                               : batch_segment(s, f, sg, tested, false, false));
        if (!ok)
            return false;
    }
    return true;
}

/* Gathers the names posted under the combinations of the query's common units that could
 * reach min_score with nothing else matched. Returns false when the candidates are full. */
static bool
gather_combos(const struct ubur_name_index *ix, struct scratch *s, const struct sigfilter *f,
              const struct ubur_name *q, float qsum, float min, uint32_t *read)
{
    uint32_t vids[COMBO_UNITS];
    float w[COMBO_UNITS];
    int n = 0;
    uint32_t absent = 0; /* common units whose skeleton no name has */
    if (!ix->ncombos)
        return true;
    for (int i = 0; i < q->n && n < COMBO_UNITS; i++)
        if (q->u[i].weight < 1.0f) {
            const struct strmap_slot *vs = map_find(ix, &ix->vocab_map, q->u[i].skel);
            if (vs && vs->key)
                vids[n] = vs->val;
            else
                absent |= 1u << n;
            w[n++] = q->u[i].weight;
        }
    for (uint32_t set = 0; set < (1u << n); set++) {
        if (__builtin_popcount(set) < 2)
            continue;
        uint32_t sub[COMBO_UNITS];
        int m = 0;
        float ws = 0;
        for (int i = 0; i < n; i++)
            if (set & (1u << i)) {
                sub[m++] = vids[i];
                ws += w[i];
            }
        float ub = sqrtf(ws / qsum) * (ws < 1.2f ? 0.85f + 0.125f * ws : 1.0f);
        if (ub < min - 1e-3f || (set & absent))
            continue;
        uint32_t h = ids_sort_hash(sub, m);
        const struct idslot *sl = combo_slot(ix, sub, m, h);
        if (sl && sl->ref)
            batch_add(s, &ix->combos[sl->ref - 1], 0, read);
    }
    return batch_run(s, f);
}

/*
 * The most a candidate can score given which query units share a key with
 * its units: each shared unit counted with the most its skeleton allows
 * (1 for the same skeleton, less for a fuzzy variant), every other unit as
 * no match, in the formula of ubur_names_compare_sim (weighted coverage of
 * both sides, geometric mean, the hold-down when little information
 * matched; structure rules only lower a score). Units that match without
 * sharing a key (two consonant edits apart) are the approximation; `relax`
 * allows for one such pair, the heaviest unit left on each side.
 */
static float
upper_bound(const struct ubur_name_index *ix, uint32_t id, const struct vmask *vm, const float *qw,
            float qsum, int nq, bool relax)
{
    const struct hotname *h = &ix->hot[id];
    /* Units pair one to one, so both the query side and the candidate side are bounded
     * twice, per query unit and per candidate unit, and the smaller sum kept: one
     * "Muhammad" in the candidate cannot cover three in the query. */
    float cov[UBUR_NAME_MAX_UNITS] = {0}, cmax[UBUR_NAME_MAX_UNITS] = {0};
    float by_cand_q = 0, by_cand_c = 0, csum = 0, cfree = 0;
    bool any = false;
    for (int b = 0; b < h->nunits; b++) {
        uint32_t v;
        float w;
        if (b < HOT_UNITS) {
            w = (float)h->weight[b];
            v = h->vocab[b];
        } else {
            const struct cunit *u = &ix->units[ix->names[id].units + (uint32_t)b];
            w = (float)u->weight;
            v = u->vocab;
        }
        w *= 1.0f / 255.0f;
        csum += w;
        const struct vmask *m = vm_get(vm, v);
        if (!m) {
            cfree = w > cfree ? w : cfree;
            continue;
        }
        any = true;
        float c = (float)m->credit * (1.0f / 255.0f), qmax = 0;
        for (uint32_t bits = m->units, k = 0; bits; bits >>= 1, k++) {
            if (!(bits & 1))
                continue;
            if (c > cov[k])
                cov[k] = c;
            if (w * c > cmax[k])
                cmax[k] = w * c;
            if (qw[k] > qmax)
                qmax = qw[k];
        }
        if (m->joined) { /* one unit of the name may stand for two of the query */
            qmax = 0;
            for (uint32_t bits = m->units, k = 0; bits; bits >>= 1, k++)
                if (bits & 1)
                    qmax += qw[k];
        }
        by_cand_q += qmax * c;
        by_cand_c += w * c;
    }
    if (!any && !relax)
        return 0;
    float by_query_q = 0, by_query_c = 0, qfree = 0;
    for (int k = 0; k < nq; k++) {
        by_query_q += qw[k] * cov[k];
        by_query_c += cmax[k];
        if (cov[k] <= 0 && qw[k] > qfree)
            qfree = qw[k];
    }
    if (relax && qfree > 0 && cfree > 0) {
        by_query_q += qfree;
        by_cand_q += qfree;
        by_query_c += cfree;
        by_cand_c += cfree;
    }
    float wq = by_query_q < by_cand_q ? by_query_q : by_cand_q;
    float cw = by_query_c < by_cand_c ? by_query_c : by_cand_c;
    float ub = sqrtf((wq / qsum) * (cw / csum));
    float info = (wq + cw) / 2;
    if (info < 1.2f)
        ub *= 0.85f + 0.15f * (info / 1.2f);
    return ub;
}

/* Unit similarities of a query unit and a candidate unit, memoised per search: the
 * same forms (common names) recur in most candidates. */
static double
unit_sim(const struct ubur_name_index *ix, struct scratch *s, const struct ubur_name_unit *qu,
         int a, const struct cunit *cu)
{
    unsigned char flags = cu->flags & (UBUR_UNIT_ARABIC | UBUR_UNIT_DIN);
    uint32_t h = (cu->phon * 2654435761u) ^ (cu->letters * 0x85EBCA6Bu) ^
                 ((uint32_t)a * 0xC2B2AE35u) ^ ((uint32_t)cu->kind << 20) ^ ((uint32_t)flags << 24);
    struct memo *m = &s->memo[(h * 0x9E3779B1u) >> (32 - MEMO_BITS)];
    if (m->gen == s->gen && m->phon == cu->phon && m->letters == cu->letters &&
        m->unit == (unsigned char)a && m->kind == cu->kind && m->flags == flags)
        return m->sim;
    /* under UBUR_NAME_UNIT_MATCH any value: ubur_names_compare_sim reads it as no match */
    double sim = ubur_name_unit_match_similarity(qu, ix->pool + cu->phon, ix->pool + cu->letters,
                                                 cu->kind, cu->flags);
    *m = (struct memo){cu->phon, cu->letters, s->gen, (unsigned char)a, cu->kind, flags, sim};
    return sim;
}

/* A name's units as its score reads them (not their vocab ids), hashed for the name memo. */
static uint64_t
units_hash(const struct cunit *cu, int n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    for (int b = 0; b < n; b++) {
        uint64_t x = ((uint64_t)cu[b].phon << 32 | cu[b].letters) * 0xff51afd7ed558ccdull;
        uint64_t y = (uint64_t)cu[b].kind << 16 | (uint64_t)cu[b].flags << 8 | cu[b].weight;
        h = (h ^ x ^ (x >> 29) ^ y) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 32;
    }
    return h;
}

static bool
units_equal(const struct cunit *a, const struct cunit *b, int n)
{
    for (int k = 0; k < n; k++)
        if (a[k].phon != b[k].phon || a[k].letters != b[k].letters || a[k].kind != b[k].kind ||
            a[k].flags != b[k].flags || a[k].weight != b[k].weight)
            return false;
    return true;
}

/* The memo slot of a name whose units hash to h: the one holding them, or the empty one
 * to fill (NULL when the probe runs long: the name is scored and not kept). */
static struct nmemo *
nmemo_find(const struct ubur_name_index *ix, struct scratch *s, uint64_t h, const struct cunit *cu,
           int n, bool *found)
{
    *found = false;
    for (uint32_t i = (uint32_t)(h >> (64 - NMEMO_BITS)), k = 0; k < 16;
         k++, i = (i + 1) & (NMEMO_SIZE - 1)) {
        struct nmemo *m = &s->nmemo[i];
        if (m->gen != s->gen)
            return m;
        if (m->h != h)
            continue;
        const struct cname *rep = &ix->names[m->rep];
        if (rep->nunits == n && units_equal(&ix->units[rep->units], cu, n)) {
            *found = true;
            return m;
        }
    }
    return NULL;
}

#ifdef UBUR_NAME_INDEX_PROFILE
/* Thread CPU time per search phase, for bench/names only (compiled in with -D). */
#include <time.h>
double ubur_name_index_phase_s[4];
static double
phase_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
#define PHASE(v) double v = phase_now()
#define PHASE_ADD(k, a, b) (ubur_name_index_phase_s[k] += (b) - (a))
#else
#define PHASE(v) (void)0
#define PHASE_ADD(k, a, b) (void)0
#endif

int
ubur_name_index_search(const struct ubur_name_index *ix, const struct ubur_name *q,
                       double min_score, struct ubur_name_hit *out, int max,
                       struct ubur_name_search_stats *stats)
{
    struct qunit qu[UBUR_NAME_MAX_UNITS];
    struct ubur_name_search_stats st = {0, 0, 0, 0};
    int nq = 0, nout = 0;

    assert(!ix->bulk);
    if (q->n == 0 || max <= 0 || ix->alive == 0)
        goto done;
    PHASE(t0);
    struct scratch *s = scratch_get(ix->nnames);
    float qw[UBUR_NAME_MAX_UNITS], qsum = 0;
    struct joined jn[UBUR_NAME_MAX_UNITS];
    for (int i = 0; i + 1 < q->n; i++)
        joined_lookup(ix, &q->u[i], &q->u[i + 1], &jn[i]);
    /* Rare units are expanded to their neighbours now; common ones only if they are read
     * (below): a common name's neighbours are other common names, too long to read, and
     * counting them would only loosen the bound. */
    for (int i = 0; i < q->n; i++) {
        qw[i] = q->u[i].weight;
        qsum += qw[i];
        struct qunit *u = &qu[nq];
        u->idx = i;
        u->nvocab = 0;
        u->df = 0;
        u->expanded = qw[i] >= 1.0f;
        if (u->expanded) {
            expand(ix, &q->u[i], u);
        } else {
            struct strmap_slot *sl = map_find(ix, &ix->vocab_map, q->u[i].skel);
            if (sl && sl->key)
                add_known(ix, u, sl->val, 1.0);
        }
        glued_bin(ix, &q->u[i], u);
        split_reading(ix, &q->u[i], u);
        joined_attach(ix, jn, i, q->n, u);
        for (int k = 0; k < u->nvocab; k++)
            if (!u->skip[k])
                u->df += ix->vocab[u->vocab[k]].postings.n;
        /* kept even when nothing was found: a common unit is expanded only if read */
        if (u->nvocab > 0 || !u->expanded)
            nq++;
    }
    if (nq == 0 || qsum <= 0) {
        scratch_put(s);
        goto done;
    }
    qsort(qu, (size_t)nq, sizeof(qu[0]), qunit_cmp);

    /* The plan: the rarest rare unit (most true matches share one, exactly or as a
     * one-edit neighbour), then every other unit in df order while cheap. The units not
     * read still count in the filter, the bound and the score. Then the names made of
     * common units, through the combinations of the query's common units that could reach
     * min_score on their own (gather_combos). */
    int plan[UBUR_NAME_MAX_UNITS], nplan = 0;
    uint64_t want = 0;
    for (int k = 0; k < nq && nplan == 0; k++)
        if (qw[qu[k].idx] >= 1.0f && qu[k].df > 0) { /* a unit with nothing to read gathers
                                                        nothing ("Ahmet": Ahmad's list is
                                                        too long to read) */
            plan[nplan++] = k;
            want = qu[k].df;
        }
    for (int k = 0; k < nq; k++) {
        if (nplan > 0 && k == plan[0])
            continue;
        if (want + qu[k].df > ENUM_BUDGET)
            break;
        want += qu[k].df;
        plan[nplan++] = k;
        if (!qu[k].expanded) {
            qu[k].nvocab = 0;
            expand(ix, &q->u[qu[k].idx], &qu[k]);
            glued_bin(ix, &q->u[qu[k].idx], &qu[k]);
            split_reading(ix, &q->u[qu[k].idx], &qu[k]);
            joined_attach(ix, jn, qu[k].idx, q->n, &qu[k]);
            qu[k].expanded = true;
        }
    }
    /* A query of one common unit alone (Abd al-Rahman, Muhammad) has no rarer unit to read
     * and no combination of common units: its own list is read, the signature filter
     * keeping only names light enough (their total weight) to reach min_score. */
    if (nplan == 0 && nq == 1 && qu[0].df > 0)
        plan[nplan++] = 0;
    PHASE(t0b);
    PHASE_ADD(3, t0, t0b);

    /* cleared whole, not slot by slot: the bound reads mostly empty slots, and clearing
     * brings every line of the map into the cache (session 9: with 64 request threads a
     * map kept per thread and cleared slot by slot was cold there, and the bound slower) */
    struct vmask vm[VM_SIZE];
    memset(vm, 0, sizeof(vm));
    struct sigfilter f;
    memset(&f, 0, sizeof(f));
    f.n = nq;
    f.known = -1;
    for (int k = 0; k < nq; k++) {
        f.u[k].w = qw[qu[k].idx];
        for (int v = 0; v < qu[k].nvocab; v++) {
            vm_put(vm, qu[k].vocab[v], qu[k].idx, qu[k].credit[v], qu[k].joined[v]);
            if (qu[k].credit[v] >= 0.999f) {
                /* the n-th query unit with this skeleton needs an n-th one in the name */
                uint32_t nth = 0;
                for (int j = 0; j < qu[k].idx; j++)
                    nth += !strcmp(q->u[j].skel, q->u[qu[k].idx].skel);
                f.u[k].exact |= sig_bit(qu[k].vocab[v], nth);
                f.u[k].exact2 |= sig2_bit(qu[k].vocab[v], nth);
            } else {
                f.u[k].fuzzy |= sig_bit(qu[k].vocab[v], 0);
                f.u[k].fuzzy2 |= sig2_bit(qu[k].vocab[v], 0);
                if (qu[k].credit[v] > f.u[k].fuzzy_credit)
                    f.u[k].fuzzy_credit = qu[k].credit[v];
            }
        }
    }
    sig_limits(&f, (float)min_score, qsum);
    unsigned char qlen;
    uint32_t qset;
    char qletters[UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON];
    size_t qll = letters_shape(q, &qlen, &qset, qletters);
    typo_setup(&f, qu, nq, q, qlen, min_score);
    /* A unit not in the plan whose neighbours light most of the Bloom bits would let
     * nearly every name through: its neighbours are not tested by the first signature
     * (the approximation), only by the second, for the names the first lets through. A
     * unit in the plan keeps them, or a name rejected before its lists are read would be
     * rejected again then. */
    for (int k = 0; k < nq; k++) {
        bool planned = false;
        for (int i = 0; i < nplan; i++)
            planned |= plan[i] == k;
        if (!planned && __builtin_popcount(f.u[k].fuzzy) > SIG_FUZZY_BITS) {
            f.u[k].fuzzy = 0;
            f.loose |= 1u << k;
        }
    }
    sig_tables(&f);
    for (int step = 0; step < nplan; step++) {
        int k = plan[step];
        f.known = k;
        sig_active(&f);
        struct sigq rest = {0, 0, 0, 0, f.u[k].w, 0, false};
        for (int v = 0; v < qu[k].nvocab; v++) {
            if (qu[k].skip[v]) {
                rest.fuzzy |= sig_bit(qu[k].vocab[v], 0);
                rest.fuzzy2 |= sig2_bit(qu[k].vocab[v], 0);
                if (qu[k].credit[v] > rest.fuzzy_credit)
                    rest.fuzzy_credit = qu[k].credit[v];
                continue;
            }
            batch_add(s, &ix->vocab[qu[k].vocab[v]].postings, sig_w(f.u[k].w * qu[k].credit[v]),
                      &st.postings);
        }
        if (!batch_run(s, &f))
            goto gathered;
        /* A name met from now on holds this unit only through a neighbour not read. */
        f.known = -1;
        f.u[k] = rest;
        f.u[k].done = !rest.fuzzy;
        sig_unit(&f, k);
    }
    f.known = -1;
    sig_active(&f);
    if (!gather_combos(ix, s, &f, q, qsum, (float)min_score, &st.postings))
        goto gathered;
gathered:
    st.candidates = s->ncand;
    PHASE(t1);

    /* Bound every candidate; keep those that may reach min_score, and those written one
     * typo from the query as a whole (ubur_names_compare_sim forgives it). */
    for (uint32_t i = 0; i < s->ncand; i++) {
        if (i + PREFETCH_AHEAD < s->ncand)
            __builtin_prefetch(&ix->hot[s->cand[i + PREFETCH_AHEAD]]);
        uint32_t id = s->cand[i];
        if (!ix->hot[id].alive)
            continue;
        float ub = upper_bound(ix, id, vm, qw, qsum, q->n, false);
        bool keep = ub >= (float)min_score - 1e-4f;
        if (keep)
            sl_push(s, ub, id);
        else if ((keep = letters_near(qlen, qset, &ix->hot[id]))) {
            /* scored by the whole-name typo rule at most 1 - 2.5 / (longer length): queued
             * by that, not last, or names that bound higher crowd it out of the results.
             * Written so alike, a name may also hold a unit matching without a shared key
             * (al-Masaqai for al-Mazanai): compared in full when one such pair would lift
             * its bound to min_score, else only tested for one typo. */
            unsigned l = qlen > ix->hot[id].nletters ? qlen : ix->hot[id].nletters;
            float t = 1.0f - 2.5f / (float)l;
            bool fuzzy = upper_bound(ix, id, vm, qw, qsum, q->n, true) >= (float)min_score - 1e-4f;
            sl_push(s, t > (float)min_score ? t : (float)min_score, id | (fuzzy ? 0 : SL_TYPO));
        }
    }
    st.shortlisted = s->nsl;
    for (uint32_t i = 0; i < s->ncand; i++)
        bit_clear(s->seen, s->cand[i]);
    PHASE(t2);

    /* Score in bound order; stop when no remaining bound can enter the results. */
    for (uint32_t i = s->nsl / 2; i-- > 0;)
        sl_sift(s->sl, s->nsl, i);
    struct ubur_name cn;
    double sim[UBUR_NAME_MAX_UNITS][UBUR_NAME_MAX_UNITS];
    double worst = 0;
    uint32_t heap = s->nsl, typo_only = 0;
    /* The names are taken from the heap SCORE_AHEAD ahead of their scoring (the order is
     * the heap's either way), so their records are fetched meanwhile: the name record
     * when taken, its units half way. */
    struct shortlisted ahead[SCORE_AHEAD];
    uint32_t ahead_at = 0, nahead = 0;
    /* a name shortlisted for the typo rule alone costs a quarter of one compared */
    while (st.scored + typo_only / 4 < RESCORE_MAX) {
        for (; nahead < SCORE_AHEAD && heap > 0; nahead++) {
            struct shortlisted *a = &ahead[(ahead_at + nahead) % SCORE_AHEAD];
            *a = s->sl[0];
            s->sl[0] = s->sl[--heap];
            sl_sift(s->sl, heap, 0);
            __builtin_prefetch(&ix->names[a->id & ~SL_TYPO]);
        }
        if (nahead == 0)
            break;
        if (nahead > SCORE_AHEAD / 2) {
            const struct cname *an =
                &ix->names[ahead[(ahead_at + SCORE_AHEAD / 2) % SCORE_AHEAD].id & ~SL_TYPO];
            __builtin_prefetch(&ix->units[an->units]);
            __builtin_prefetch(&ix->units[an->units + 3]);
        }
        struct shortlisted top = ahead[ahead_at];
        ahead_at = (ahead_at + 1) % SCORE_AHEAD;
        nahead--;
        if (nout == max && (double)top.ub <= worst)
            break;
        bool typo = top.id & SL_TYPO;
        top.id &= ~SL_TYPO;
        const struct cname *cnm = &ix->names[top.id];
        const struct cunit *cu = &ix->units[cnm->units];
        cn.n = cnm->nunits;
        /* the same units as a name scored before: the same score (the typo-only test is
         * left to its own path) */
        struct nmemo *nm = NULL;
        double sc;
        uint64_t uh = 0;
        if (!typo) {
            bool found;
            uh = units_hash(cu, cn.n);
            nm = nmemo_find(ix, s, uh, cu, cn.n, &found);
            if (found) {
                sc = nm->score;
                st.scored++;
                goto scored;
            }
        }
        /* the letters serve only the whole-name typo rule: a name that cannot be one letter
         * from the query (letters_near, which ubur_names_compare_sim's own test implies)
         * goes without them */
        const struct hotname *hn = &ix->hot[top.id];
        bool letters = qlen == 255 || hn->nletters == 255 || letters_near(qlen, qset, hn);
        for (int b = 0; b < cn.n; b++) {
            cn.u[b].kind = cu[b].kind;
            cn.u[b].flags = cu[b].flags;
            cn.u[b].weight = (float)cu[b].weight / 255.0f;
            cn.u[b].text[0] = '\0';
            cn.u[b].skel[0] = '\0';
            /* the phonetic form, for words split or joined differently (merge_units) */
            const char *ph = ix->pool + cu[b].phon;
            size_t pl = strnlen(ph, UBUR_NAME_PHON - 1);
            memcpy(cn.u[b].phon, ph, pl);
            cn.u[b].phon[pl] = '\0';
            /* the letters, for the comparison of whole names written out */
            if (!letters) {
                cn.u[b].letters[0] = '\0';
                continue;
            }
            const char *lt = ix->pool + cu[b].letters;
            size_t ll = strlen(lt);
            if (ll >= UBUR_NAME_PHON)
                ll = UBUR_NAME_PHON - 1;
            memcpy(cn.u[b].letters, lt, ll);
            cn.u[b].letters[ll] = '\0';
        }
        if (typo) {
            /* its bound is under min_score: only the whole names one typo apart can lift
             * it there, a test on the letters alone */
            char cl[UBUR_NAME_MAX_UNITS * UBUR_NAME_PHON];
            size_t cll = ubur_name_letters(&cn, cl, sizeof(cl));
            if (q->n < 2 || cn.n < 2 || !cll || !qll ||
                !ubur_name_one_edit(qletters, qll, cl, cll)) {
                typo_only++;
                continue;
            }
        }
        for (int a = 0; a < q->n; a++)
            for (int b = 0; b < cn.n; b++)
                sim[a][b] = unit_sim(ix, s, &q->u[a], a, &cu[b]);
        sc = ubur_names_compare_sim(q, &cn, (const double(*)[UBUR_NAME_MAX_UNITS])sim, NULL);
        st.scored++;
        if (nm)
            *nm = (struct nmemo){uh, s->gen, top.id, sc};
    scored:
        if (sc < min_score)
            continue;
        struct ubur_name_hit h = {cnm->record, top.id, sc};
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
        if (nout == max) {
            worst = out[0].score;
            for (int k = 1; k < nout; k++)
                if (out[k].score < worst)
                    worst = out[k].score;
        }
    }
    qsort(out, (size_t)nout, sizeof(out[0]), hit_cmp);
    scratch_put(s);
    PHASE(t3);
    PHASE_ADD(0, t0b, t1);
    PHASE_ADD(1, t1, t2);
    PHASE_ADD(2, t2, t3);
done:
    if (stats)
        *stats = st;
    return nout;
}
