/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record linkage: finding records that describe the same person, in the
 * registry (duplicates before a registration is committed, the
 * multiple-identity report) and in any CSV (`ubur dedup`).
 *
 * The method is the classic one: blocking (only pairs that share a cheap
 * key are compared), then Fellegi-Sunter scoring: each field comparison
 * falls into an agreement level with probabilities m (among true matches)
 * and u (among non-matches); the match weight is the sum of log2(m/u) over
 * the fields, turned into a probability with the prior. Exact name
 * agreement is weighted by how common the name is in the data (a shared
 * "Muhammad" is weak evidence, a shared "Zubaidi" strong). Names are
 * compared by a pluggable similarity function; the default is Jaro-Winkler
 * over the phonetic skeleton below, to be replaced by the name engine
 * (include/ubur/names.h) where it is available.
 */
#ifndef UBUR_RECLINK_H
#define UBUR_RECLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ubur/error.h"

/*
 * The phonetic skeleton of a name in Arabic or Latin script: the Arabic
 * article (al-, el-, ad-...) dropped, "Abdul"/"Abd al-" made "abd", vowels
 * and weak letters dropped, letters that transliterations confuse folded
 * into one class (q/k/c, s/sh/ṣ, t/th/ṭ, d/dh/ḍ...), repeats collapsed, so
 * Muhammad, Mohammed and محمد all give "mhmd". Tokens are joined by a
 * space. Writes at most cap-1 bytes; returns the length.
 */
size_t ubur_reclink_skeleton(const char *name, char *out, size_t cap);

/* Jaro-Winkler similarity of two byte strings, in [0, 1]. */
double ubur_reclink_jaro_winkler(const char *a, const char *b);

/* The similarity of two names in [0, 1]; arg is the plug's own state. */
typedef double (*ubur_name_sim_fn)(void *arg, const char *a, const char *b);
/* The default: Jaro-Winkler of the skeletons, 1 for equal skeletons. */
double ubur_reclink_name_sim(void *arg, const char *a, const char *b);

/* The registry's blocking key of a person: the skeleton of the given name
 * and of the family name (or, without one, the father's name), "g:f". */
void ubur_reclink_name_key(const char *given, const char *family, char *out, size_t cap);

/* ---- the dedup engine ---- */

#define UBUR_RECLINK_MAX_EXTRA 8

struct ubur_reclink_record {
    const char *id;
    const char *given; /* may be NULL or "" (missing) */
    const char *family;
    int64_t dob; /* days since 1970-01-01, or INT64_MIN when missing */
    /* compared as exact, similar (a respelt name, a mistyped code) or different, the exact
     * agreement weighted by how common the value is; "" missing */
    const char *extra[UBUR_RECLINK_MAX_EXTRA];
    const char *entity; /* known truth for evaluation, or NULL */
    /* dob is an estimate (often 1 January of a guessed year): only its year is compared,
     * and a year within one either way is no evidence either way */
    bool dob_estimated;
};

struct ubur_reclink_pair {
    size_t a, b;  /* indexes into the records, a < b */
    double score; /* match probability in [0, 1] */
};

struct ubur_reclink_config {
    double threshold; /* pairs scoring at least this are reported (default 0.5) */
    int nextra;
    ubur_name_sim_fn name_sim; /* NULL: ubur_reclink_name_sim */
    void *name_sim_arg;
    int threads; /* 0: the number of online CPUs, at most 8 */
    /* Called now and then with the work done and the total (may be NULL). */
    void (*progress)(void *arg, const char *phase, long done, long total);
    void *progress_arg;
};

struct ubur_reclink_stats {
    long records;
    long candidate_pairs; /* pairs compared after blocking */
    long reported_pairs;
    /* With entity set on every record: */
    long true_pairs;     /* pairs of records of the same entity */
    long true_in_blocks; /* of those, how many blocking produced */
    long true_reported;  /* of those, how many were reported */
    double precision, recall, f1, blocking_recall;
};

/*
 * Finds duplicate pairs among n records. *pairs (malloc'd, caller frees) gets
 * the pairs scoring at least the threshold, sorted by a then b; *npairs their
 * number. stats (may be NULL) gets counts and, when every record has an
 * entity, precision, recall, F1 and blocking recall. Returns 0 or a negative
 * code.
 */
int ubur_reclink_dedup(const struct ubur_reclink_record *rec, size_t n,
                       const struct ubur_reclink_config *cfg, struct ubur_reclink_pair **pairs,
                       size_t *npairs, struct ubur_reclink_stats *stats, struct ubur_error *err);

/*
 * Scores one pair outside a dedup run (the registry's candidate check),
 * with name frequencies unknown (every name treated as of average
 * frequency).
 */
double ubur_reclink_score(const struct ubur_reclink_record *a, const struct ubur_reclink_record *b,
                          const struct ubur_reclink_config *cfg);

/*
 * Writes FEBRL-style test data with known truth to f: n originals and about
 * as many corrupted duplicates (typos, OCR errors, missing values, swapped
 * names, birth-date errors; for Arabic names also other transliterations
 * and Arabic script). Columns rec_id, given_name, father_name (Arabic) or
 * postcode (English), family_name, dob, origin, region, entity.
 * Deterministic for a seed.
 */
int ubur_reclink_generate(FILE *f, bool arabic, long n, uint64_t seed);

#endif
