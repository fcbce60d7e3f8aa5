/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synthetic people for the demo registry, benchmarks and record-linkage
 * quality tests: a seeded generator and tables of names as they occur in
 * Iraq, Syria and among the refugees there (Arabic, Kurdish, Somali,
 * Sudanese, Afghan, Yemeni), each in Arabic script with its usual Latin
 * spellings, plus English names for FEBRL-style English data. Nothing here
 * is real data; the names are common ones.
 */
#ifndef UBUR_SYNTH_H
#define UBUR_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: small, fast, deterministic for a seed on every platform. */
struct ubur_rng {
    uint64_t s;
};
void ubur_rng_seed(struct ubur_rng *r, uint64_t seed);
uint64_t ubur_rng_next(struct ubur_rng *r);
/* Uniform in [0, n), n > 0. */
uint32_t ubur_rng_below(struct ubur_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double ubur_rng_unit(struct ubur_rng *r);
/* Index drawn from weights[0..n-1] (non-negative, not all zero). */
size_t ubur_rng_weighted(struct ubur_rng *r, const double *weights, size_t n);

/* A name: Arabic script, and its Latin spellings separated by '|', the most
 * usual first ("Muhammad|Mohammed|Mohamed"). */
struct ubur_synth_name {
    const char *ar;
    const char *lat;
};

enum ubur_synth_set {
    UBUR_SYNTH_MALE,   /* Arabic given names, male */
    UBUR_SYNTH_FEMALE, /* Arabic given names, female */
    UBUR_SYNTH_KURDISH_MALE,
    UBUR_SYNTH_KURDISH_FEMALE,
    UBUR_SYNTH_FAMILY_IRQ, /* Iraqi tribal and origin names (nisba) */
    UBUR_SYNTH_FAMILY_KURD,
    UBUR_SYNTH_FAMILY_SOM,
    UBUR_SYNTH_FAMILY_SDN,
    UBUR_SYNTH_FAMILY_AFG,
    UBUR_SYNTH_FAMILY_YEM,
    UBUR_SYNTH_SET_COUNT
};
/* The names of a set; *n gets their number. */
const struct ubur_synth_name *ubur_synth_names(enum ubur_synth_set set, size_t *n);
/* A name drawn from a set (common names more often: a Zipf-like draw). */
const struct ubur_synth_name *ubur_synth_pick(struct ubur_rng *r, enum ubur_synth_set set);
/* Copies Latin spelling `variant` (0 the usual one; wraps) of a name into out. */
void ubur_synth_latin(const struct ubur_synth_name *nm, unsigned variant, char *out, size_t cap);
/* Number of Latin spellings of a name. */
unsigned ubur_synth_variants(const struct ubur_synth_name *nm);

/* English given names (male, female) and surnames for FEBRL-style data. */
const char *const *ubur_synth_english(int which, size_t *n); /* 0 male, 1 female, 2 surname */

#endif
