/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Population statistics, the pure part: UNHCR population types, age bands
 * that move with time, the dimensions a table can be broken down by, the
 * day-by-day contribution of one person to the counts (which the store keeps
 * as a daily delta log, see docs/internals/registry.md), and tables of
 * counts rendered as text, CSV, JSON or an SVG bar chart, with small figures
 * withheld for public release.
 *
 * Days are int64_t days since 1970-01-01 (ubur_days_from_civil);
 * UBUR_NO_DATE stands for an unknown date. Nothing here touches the store.
 */
#ifndef UBUR_POPSTATS_H
#define UBUR_POPSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

#define UBUR_NO_DATE INT64_MIN

/* UNHCR population types and solutions (the codes of its statistics). */
struct ubur_poptype {
    const char *code; /* "REF" */
    const char *name; /* "refugees" */
    bool solution;    /* RET, RST, NAT, RDP */
};
extern const struct ubur_poptype ubur_poptypes[]; /* ends with a NULL code */
/* The entry for `code` (exact, upper case), or NULL. */
const struct ubur_poptype *ubur_poptype_find(const char *code);

/* Location type (C camp, U urban, R rural, V various) and accommodation
 * type (I individual, P planned camp, S self-settled camp, C collective
 * centre, R reception centre, U unknown): true when `code` is one. */
bool ubur_location_type_valid(const char *code);
bool ubur_accommodation_type_valid(const char *code);

/* Age bands of UNHCR demographics, in display order. */
enum ubur_age_band {
    UBUR_BAND_0_4,
    UBUR_BAND_5_11,
    UBUR_BAND_12_17,
    UBUR_BAND_18_59,
    UBUR_BAND_60_PLUS,
    UBUR_BAND_UNKNOWN,
    UBUR_BAND_COUNT
};
/* "0-4", "5-11", "12-17", "18-59", "60+", "unknown". */
const char *ubur_age_band_name(int band);
/* The band of someone born on `birth` (UBUR_NO_DATE: unknown) on day `on`.
 * A day before the birth counts as 0-4. */
int ubur_age_band(int64_t birth, int64_t on);
/* The first day after `after` on which the band changes (the 5th, 12th,
 * 18th or 60th birthday; a 29 February birthday falls on 1 March in common
 * years, as ubur_age_years counts), or UBUR_NO_DATE when it never does. */
int64_t ubur_age_band_next(int64_t birth, int64_t after);

/* The dimensions of a population table. */
enum ubur_popdim {
    UBUR_DIM_COUNTRY,       /* country of asylum, ISO 3166-1 alpha-3 */
    UBUR_DIM_TYPE,          /* population type code */
    UBUR_DIM_ORIGIN,        /* country of origin, alpha-3 */
    UBUR_DIM_GOVERNORATE,   /* first-level division, English name */
    UBUR_DIM_SITE,          /* the finest location recorded, English name */
    UBUR_DIM_LOCATION_TYPE, /* C, U, R or V */
    UBUR_DIM_SEX,           /* F, M or X */
    UBUR_DIM_AGE_BAND,      /* ubur_age_band_name */
    UBUR_DIM_COUNT
};
const char *ubur_popdim_name(int dim);
/* Parses a comma-separated list such as "type, governorate,sex" (spaces
 * around names are ignored) into dims[0..*n-1], in the order given. An
 * empty list gives *n = 0 (the grand total). Unknown or repeated names are
 * UBUR_EINVAL naming field `field`. */
int ubur_popdims_parse(const char *list, const char *field, int dims[UBUR_DIM_COUNT], int *n,
                       struct ubur_error *err);

/*
 * Contributions. A person's history is a list of segments, each starting
 * on `from` (non-decreasing) and lasting until the next one starts; while
 * `counted`, the person is one of the population in statistics cell `cell`
 * (every dimension but the age band). ubur_popstat_contribution emits, for
 * every day up to and including `through`, the changes that history makes to
 * the counts of (cell, band): +sign when a counted segment starts, -sign
 * when it ends, and a -sign/+sign pair on each age-band change inside it.
 * Summing the emitted deltas up to a day D <= through gives the person's
 * count on D in each (cell, band). Emitting an old history with sign -1
 * and the new one with +1 gives exactly the changes an edit makes.
 */
struct ubur_popstat_segment {
    int64_t from;
    uint32_t cell;
    bool counted;
};
typedef void (*ubur_popstat_emit_fn)(void *arg, int64_t day, uint32_t cell, int band,
                                     int64_t delta);
void ubur_popstat_contribution(int64_t birth, const struct ubur_popstat_segment *seg, size_t n,
                               int64_t through, int64_t sign, ubur_popstat_emit_fn emit, void *arg);
/* Emits the age-band changes in (after, through] of someone born on `birth`
 * counted in `cell` throughout. */
void ubur_popstat_transitions(int64_t birth, uint32_t cell, int64_t after, int64_t through,
                              ubur_popstat_emit_fn emit, void *arg);

/*
 * A map (day, cell, band) -> summed delta, for batching changes before
 * they are written. Entries whose sum is zero are kept but skipped by
 * ubur_popstat_deltas_next.
 */
struct ubur_popstat_delta {
    int64_t day;
    uint32_t cell;
    int32_t band; /* -1 marks an empty slot */
    int64_t delta;
};
struct ubur_popstat_deltas {
    struct ubur_popstat_delta *slot;
    size_t cap, used;
};
#define UBUR_POPSTAT_DELTAS_INIT                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }
void ubur_popstat_deltas_add(struct ubur_popstat_deltas *m, int64_t day, uint32_t cell, int band,
                             int64_t delta);
/* An ubur_popstat_emit_fn that adds into the struct ubur_popstat_deltas in arg. */
void ubur_popstat_deltas_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta);
/* Iterates non-zero entries: start with *pos = 0; NULL at the end. */
const struct ubur_popstat_delta *ubur_popstat_deltas_next(const struct ubur_popstat_deltas *m,
                                                          size_t *pos);
void ubur_popstat_deltas_reset(struct ubur_popstat_deltas *m);
void ubur_popstat_deltas_release(struct ubur_popstat_deltas *m);

/*
 * A population table: one row per distinct combination of the chosen
 * dimensions' values, with a count. Values are copied. Rows are summed
 * as they are added; ubur_poptable_finish sorts them by the dimensions in
 * order (age bands in band order, the rest by byte value).
 */
struct ubur_poprow {
    const char **value; /* ndims values */
    int64_t count;
};
struct ubur_poptable {
    int dims[UBUR_DIM_COUNT];
    int ndims;
    char as_of[11];
    struct ubur_poprow *row;
    size_t nrows, alloc;
    int64_t total;
    size_t *index; /* open-addressing hash of rows, (size_t)-1 when empty */
    size_t index_cap;
    struct ubur_arena arena;
};
void ubur_poptable_init(struct ubur_poptable *t, const int *dims, int ndims);
void ubur_poptable_add(struct ubur_poptable *t, const char *const *values, int64_t count);
void ubur_poptable_finish(struct ubur_poptable *t);
void ubur_poptable_release(struct ubur_poptable *t);

enum ubur_popformat {
    UBUR_POPFORMAT_TABLE,
    UBUR_POPFORMAT_CSV,
    UBUR_POPFORMAT_JSON,
    UBUR_POPFORMAT_SVG
};
/* "table", "csv", "json" or "svg". */
int ubur_popformat_parse(const char *s, enum ubur_popformat *out, struct ubur_error *err);

struct ubur_popformat_opts {
    /* Counts from 1 to withhold_max are shown as "*" (JSON: null with
     * "withheld": true); 0 shows every count. Totals stay exact. */
    int withhold_max;
    const char *title; /* SVG and table heading; NULL for a default */
};
/*
 * Renders t. CSV: a header of the dimension names in order then "count",
 * one line per row, no total line. JSON: {"as_of", "dimensions", "rows":
 * [{dim: value, ..., "count": n}], "total"}. Table: aligned columns and a
 * total line. SVG: a horizontal bar chart, one bar per row.
 */
int ubur_poptable_write(const struct ubur_poptable *t, enum ubur_popformat f,
                        const struct ubur_popformat_opts *o, struct ubur_buf *out);

#endif
