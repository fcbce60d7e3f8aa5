/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Population statistics, the pure part (include/ubur/popstats.h): codes,
 * age bands, per-person contributions to the daily delta log, the delta
 * accumulator and population tables. Invariant of contributions: for any
 * day D <= through, the sum of a person's deltas with day <= D is 1 in the
 * (cell, band) the person is counted in on D and 0 everywhere else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/popstats.h"
#include "ubur/util.h"
#include "ubur/banned.h"

const struct ubur_poptype ubur_poptypes[] = {
    {"REF", "refugees", false},
    {"ROC", "people in refugee-like situations", false},
    {"ASY", "asylum-seekers", false},
    {"OIP", "other people in need of international protection", false},
    {"IDP", "internally displaced persons", false},
    {"IOC", "people in IDP-like situations", false},
    {"STA", "stateless persons", false},
    {"OOC", "others of concern", false},
    {"HST", "host community", false},
    {"RET", "returned refugees", true},
    {"RST", "resettled refugees", true},
    {"NAT", "naturalised refugees", true},
    {"RDP", "returned IDPs", true},
    {NULL, NULL, false},
};

const struct ubur_poptype *
ubur_poptype_find(const char *code)
{
    for (int i = 0; code && ubur_poptypes[i].code; i++)
        if (!strcmp(ubur_poptypes[i].code, code))
            return &ubur_poptypes[i];
    return NULL;
}

static bool
one_of(const char *code, const char *set)
{
    return code && code[0] && !code[1] && strchr(set, code[0]) != NULL;
}

bool
ubur_location_type_valid(const char *code)
{
    return one_of(code, "CURV");
}

bool
ubur_accommodation_type_valid(const char *code)
{
    return one_of(code, "IPSCRU");
}

static const char *const band_names[UBUR_BAND_COUNT] = {"0-4",   "5-11", "12-17",
                                                        "18-59", "60+",  "unknown"};
static const int band_floor[] = {5, 12, 18, 60}; /* ages at which the band changes */

const char *
ubur_age_band_name(int band)
{
    return band >= 0 && band < UBUR_BAND_COUNT ? band_names[band] : "?";
}

int
ubur_age_band(int64_t birth, int64_t on)
{
    if (birth == UBUR_NO_DATE)
        return UBUR_BAND_UNKNOWN;
    if (on < birth)
        return UBUR_BAND_0_4;
    int age = ubur_age_years(birth, on);
    int band = 0;
    while (band < 4 && age >= band_floor[band])
        band++;
    return band;
}

/* The day someone born on `birth` turns `years`. */
static int64_t
anniversary(int64_t birth, int years)
{
    int y, m, d;
    ubur_civil_from_days(birth, &y, &m, &d);
    if (!ubur_date_valid(y + years, m, d)) /* 29 February in a common year */
        return ubur_days_from_civil(y + years, 3, 1);
    return ubur_days_from_civil(y + years, m, d);
}

int64_t
ubur_age_band_next(int64_t birth, int64_t after)
{
    if (birth == UBUR_NO_DATE)
        return UBUR_NO_DATE;
    for (int i = 0; i < 4; i++) {
        int64_t day = anniversary(birth, band_floor[i]);
        if (day > after)
            return day;
    }
    return UBUR_NO_DATE;
}

void
ubur_popstat_transitions(int64_t birth, uint32_t cell, int64_t after, int64_t through,
                         ubur_popstat_emit_fn emit, void *arg)
{
    int64_t b = ubur_age_band_next(birth, after);
    while (b != UBUR_NO_DATE && b <= through) {
        emit(arg, b, cell, ubur_age_band(birth, b - 1), -1);
        emit(arg, b, cell, ubur_age_band(birth, b), 1);
        b = ubur_age_band_next(birth, b);
    }
}

void
ubur_popstat_contribution(int64_t birth, const struct ubur_popstat_segment *seg, size_t n,
                          int64_t through, int64_t sign, ubur_popstat_emit_fn emit, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        int64_t s = seg[i].from, e = i + 1 < n ? seg[i + 1].from : INT64_MAX;
        if (!seg[i].counted || e <= s || s > through)
            continue;
        uint32_t cell = seg[i].cell;
        int band = ubur_age_band(birth, s);
        emit(arg, s, cell, band, sign);
        int64_t b = ubur_age_band_next(birth, s);
        while (b != UBUR_NO_DATE && b < e && b <= through) {
            int nb = ubur_age_band(birth, b);
            emit(arg, b, cell, band, -sign);
            emit(arg, b, cell, nb, sign);
            band = nb;
            b = ubur_age_band_next(birth, b);
        }
        if (e != INT64_MAX && e <= through)
            emit(arg, e, cell, band, -sign);
    }
}

/* ---- delta accumulator ---- */

static uint64_t
mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static size_t
delta_slot(const struct ubur_popstat_deltas *m, int64_t day, uint32_t cell, int band)
{
    uint64_t h =
        mix64((uint64_t)day * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)cell << 8) ^ (uint64_t)band);
    return (size_t)h & (m->cap - 1);
}

static void
deltas_grow(struct ubur_popstat_deltas *m)
{
    struct ubur_popstat_deltas old = *m;
    m->cap = old.cap ? old.cap * 2 : 1024;
    m->slot = ubur_malloc(m->cap * sizeof(*m->slot));
    for (size_t i = 0; i < m->cap; i++)
        m->slot[i].band = -1;
    m->used = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i].band >= 0)
            ubur_popstat_deltas_add(m, old.slot[i].day, old.slot[i].cell, old.slot[i].band,
                                    old.slot[i].delta);
    free(old.slot);
}

void
ubur_popstat_deltas_add(struct ubur_popstat_deltas *m, int64_t day, uint32_t cell, int band,
                        int64_t delta)
{
    if ((m->used + 1) * 4 > m->cap * 3)
        deltas_grow(m);
    size_t i = delta_slot(m, day, cell, band);
    for (;; i = (i + 1) & (m->cap - 1)) {
        struct ubur_popstat_delta *e = &m->slot[i];
        if (e->band < 0) {
            e->day = day;
            e->cell = cell;
            e->band = band;
            e->delta = delta;
            m->used++;
            return;
        }
        if (e->day == day && e->cell == cell && e->band == band) {
            e->delta += delta;
            return;
        }
    }
}

void
ubur_popstat_deltas_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta)
{
    ubur_popstat_deltas_add(arg, day, cell, band, delta);
}

const struct ubur_popstat_delta *
ubur_popstat_deltas_next(const struct ubur_popstat_deltas *m, size_t *pos)
{
    for (; *pos < m->cap; (*pos)++) {
        const struct ubur_popstat_delta *e = &m->slot[*pos];
        if (e->band >= 0 && e->delta != 0) {
            (*pos)++;
            return e;
        }
    }
    return NULL;
}

void
ubur_popstat_deltas_reset(struct ubur_popstat_deltas *m)
{
    for (size_t i = 0; i < m->cap; i++)
        m->slot[i].band = -1;
    m->used = 0;
}

void
ubur_popstat_deltas_release(struct ubur_popstat_deltas *m)
{
    free(m->slot);
    m->slot = NULL;
    m->cap = m->used = 0;
}

/* ---- dimensions ---- */

static const char *const dim_names[UBUR_DIM_COUNT] = {
    "country", "type", "origin", "governorate", "site", "location_type", "sex", "age_band"};

const char *
ubur_popdim_name(int dim)
{
    return dim >= 0 && dim < UBUR_DIM_COUNT ? dim_names[dim] : "?";
}

int
ubur_popdims_parse(const char *list, const char *field, int dims[UBUR_DIM_COUNT], int *n,
                   struct ubur_error *err)
{
    *n = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t len = (size_t)(end - start);
        if (*p == ',')
            p++;
        if (len == 0) {
            if (*p || *n)
                return ubur_error_field(err, UBUR_EINVAL, field, "empty dimension in '%s'", list);
            break;
        }
        int d = -1;
        for (int i = 0; i < UBUR_DIM_COUNT; i++)
            if (strlen(dim_names[i]) == len && !strncmp(dim_names[i], start, len))
                d = i;
        if (d < 0)
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "unknown dimension '%.*s' (country, type, origin, governorate,"
                                    " site, location_type, sex, age_band)",
                                    (int)len, start);
        for (int i = 0; i < *n; i++)
            if (dims[i] == d)
                return ubur_error_field(err, UBUR_EINVAL, field, "dimension '%.*s' given twice",
                                        (int)len, start);
        dims[(*n)++] = d;
    }
    return 0;
}

/* ---- tables ---- */

void
ubur_poptable_init(struct ubur_poptable *t, const int *dims, int ndims)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->dims, dims, sizeof(int) * (size_t)ndims);
    t->ndims = ndims;
}

static uint64_t
row_hash(const char *const *values, int n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return mix64(h);
}

static bool
row_equal(const struct ubur_poprow *r, const char *const *values, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(r->value[i], values[i]))
            return false;
    return true;
}

static void
index_insert(struct ubur_poptable *t, size_t rowno)
{
    size_t i = (size_t)row_hash(t->row[rowno].value, t->ndims) & (t->index_cap - 1);
    while (t->index[i] != (size_t)-1)
        i = (i + 1) & (t->index_cap - 1);
    t->index[i] = rowno;
}

void
ubur_poptable_add(struct ubur_poptable *t, const char *const *values, int64_t count)
{
    t->total += count;
    if (t->index_cap && (t->nrows + 1) * 2 > t->index_cap) {
        free(t->index);
        t->index = NULL;
    }
    if (!t->index) {
        t->index_cap = t->index_cap ? t->index_cap * 2 : 256;
        t->index = ubur_malloc(t->index_cap * sizeof(size_t));
        memset(t->index, 0xff, t->index_cap * sizeof(size_t));
        for (size_t r = 0; r < t->nrows; r++)
            index_insert(t, r);
    }
    size_t i = (size_t)row_hash(values, t->ndims) & (t->index_cap - 1);
    for (; t->index[i] != (size_t)-1; i = (i + 1) & (t->index_cap - 1)) {
        struct ubur_poprow *r = &t->row[t->index[i]];
        if (row_equal(r, values, t->ndims)) {
            r->count += count;
            return;
        }
    }
    if (t->nrows == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 64;
        t->row = ubur_realloc(t->row, t->alloc * sizeof(*t->row));
    }
    struct ubur_poprow *r = &t->row[t->nrows];
    r->value = ubur_arena_alloc(&t->arena, sizeof(char *) * (size_t)(t->ndims ? t->ndims : 1));
    for (int d = 0; d < t->ndims; d++)
        r->value[d] = ubur_arena_strdup(&t->arena, values[d] ? values[d] : "");
    r->count = count;
    t->index[i] = t->nrows++;
}

static int
band_ordinal(const char *name)
{
    for (int b = 0; b < UBUR_BAND_COUNT; b++)
        if (!strcmp(band_names[b], name))
            return b;
    return UBUR_BAND_COUNT;
}

/* qsort has no context argument in C17; thread-local so server workers do not race. */
static _Thread_local const struct ubur_poptable *sort_table;

static int
row_cmp(const void *pa, const void *pb)
{
    const struct ubur_poprow *a = pa, *b = pb;
    for (int i = 0; i < sort_table->ndims; i++) {
        int c;
        if (sort_table->dims[i] == UBUR_DIM_AGE_BAND)
            c = band_ordinal(a->value[i]) - band_ordinal(b->value[i]);
        else
            c = strcmp(a->value[i], b->value[i]);
        if (c)
            return c;
    }
    return 0;
}

void
ubur_poptable_finish(struct ubur_poptable *t)
{
    /* Rows whose count summed to zero (people who left) are dropped. */
    size_t w = 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (t->row[r].count != 0)
            t->row[w++] = t->row[r];
    t->nrows = w;
    sort_table = t;
    if (t->nrows > 1)
        qsort(t->row, t->nrows, sizeof(*t->row), row_cmp);
    sort_table = NULL;
    free(t->index);
    t->index = NULL;
    t->index_cap = 0;
}

void
ubur_poptable_release(struct ubur_poptable *t)
{
    free(t->row);
    free(t->index);
    ubur_arena_release(&t->arena);
    memset(t, 0, sizeof(*t));
}

int
ubur_popformat_parse(const char *s, enum ubur_popformat *out, struct ubur_error *err)
{
    static const char *const names[] = {"table", "csv", "json", "svg"};
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, names[i])) {
            *out = (enum ubur_popformat)i;
            return 0;
        }
    return ubur_error_field(err, UBUR_EINVAL, "format",
                            "unknown format '%s' (table, csv, json or svg)", s ? s : "");
}
