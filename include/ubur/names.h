/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name engine: Arabic-aware comparison of personal names written in
 * Arabic script or in any Latin spelling. Pure logic (libc and ICU); used by
 * watchlist screening, border checks, visa screening and registry dedup.
 *
 * A name goes through three steps (docs/internals/names.md has the why):
 *
 *  1. Folding: Unicode NFKC with case folding (ICU), Latin diacritics
 *     removed, other non-Arabic scripts transliterated to Latin (ICU
 *     Any-Latin), Arabic orthography unified (hamza forms of alef, taa
 *     marbuta, alef maqsura, tatweel, harakat, Persian kaf/yeh), punctuation
 *     turned into spaces.
 *  2. Structure: the folded tokens become *units*. Particles are absorbed
 *     into the unit they mark: "al-"/"el-"/"ال" set UBUR_UNIT_ARTICLE on the
 *     next unit (family, tribe or origin); "bin", "ibn", "bint", "بن" set
 *     UBUR_UNIT_NASAB (a patronym); "abd" + a divine name is one unit
 *     (UBUR_UNIT_ABD: "Abd el Karim" = "Abdelkarim" = "عبد الكريم"); "abu"/
 *     "umm" + name is one unit (kunya); "X al-Din" is one unit. Titles
 *     (haji, mullah, sheikh...) are dropped.
 *  3. Sound: each unit gets a phonetic form over one alphabet shared by both
 *     scripts (consonant classes in capitals; Latin short vowels a/e/i/u; long
 *     vowels and the Arabic letters alef/waw/yeh as A/W/Y) and a consonant
 *     skeleton (vowels dropped) used as the blocking key. Mohammed,
 *     Muhammad, Mohamad and محمد share the skeleton "MHMD".
 *
 * Comparison aligns the units of two names with a weighted edit distance on
 * the phonetic forms (unwritten Arabic short vowels cost almost nothing,
 * consonant classes that transliterations confuse cost half), weights each
 * unit by how rare the name is (Muhammad, Ali, Ahmad carry little
 * evidence), and applies structure rules: swapped given name and patronym,
 * different origin/family names. Dates of birth, nationality and sex then
 * move the score up or down. Every score comes with an explanation.
 *
 * Thread safety: every function is reentrant. ICU transliterators are
 * created once per thread on first use and freed at thread exit.
 */
#ifndef UBUR_NAMES_H
#define UBUR_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

#define UBUR_NAME_MAX_BYTES 512 /* longest name accepted, in UTF-8 bytes */
#define UBUR_NAME_MAX_UNITS 12  /* units kept; further ones are ignored */
#define UBUR_NAME_TEXT 40       /* bytes of a unit's readable form, with NUL */
#define UBUR_NAME_PHON 32       /* bytes of a unit's phonetic form, with NUL */

enum ubur_name_unit_kind {
    UBUR_UNIT_PLAIN = 0, /* an ism, a patronym, a family name */
    UBUR_UNIT_ABD = 1,   /* abd + divine name: "abd al-rahman" */
    UBUR_UNIT_ABU = 2,   /* kunya: abu + name */
    UBUR_UNIT_UMM = 3,   /* kunya: umm + name */
};

/* Unit flags. */
#define UBUR_UNIT_ARTICLE 0x01u /* carried the article al-/el-/ال: origin, tribe, family */
#define UBUR_UNIT_NASAB 0x02u   /* followed bin/ibn/bint: a patronym */
#define UBUR_UNIT_ARABIC 0x04u  /* written in Arabic script (vowels unwritten) */
#define UBUR_UNIT_DIN 0x08u     /* "X al-Din" compound */

struct ubur_name_unit {
    unsigned char kind;           /* enum ubur_name_unit_kind */
    unsigned char flags;          /* UBUR_UNIT_* */
    float weight;                 /* evidence weight in (0,1]: rare names weigh more */
    char text[UBUR_NAME_TEXT];    /* readable ASCII: "abd al-rahman", "mhmd" for Arabic */
    char phon[UBUR_NAME_PHON];    /* phonetic form, e.g. "MuHaMaD"; for ABD/ABU/UMM the
                                     form of the name after the particle */
    char skel[UBUR_NAME_PHON];    /* blocking key: "MHMD", "BD:RHMN", "B:BKR" */
    char letters[UBUR_NAME_PHON]; /* the folded Latin letters of the name ("tikriti",
                                     "rahman" for abd al-rahman); "" for Arabic script */
};

struct ubur_name {
    int n; /* number of units, 0..UBUR_NAME_MAX_UNITS */
    struct ubur_name_unit u[UBUR_NAME_MAX_UNITS];
};
#define UBUR_NAME_INIT                                                                             \
    {                                                                                              \
        0                                                                                          \
    }

/*
 * Folds `in` (UTF-8) into `out` (cap bytes): NFKC + case folding, Latin
 * diacritics removed, other scripts transliterated, Arabic orthography
 * normalised, punctuation to single spaces, trimmed. Arabic letters stay
 * Arabic. Returns 0, or UBUR_EINVAL for invalid UTF-8, UBUR_ETOOBIG for a
 * name longer than UBUR_NAME_MAX_BYTES.
 */
int ubur_name_fold(const char *in, char *out, size_t cap, struct ubur_error *err);

/*
 * Parses a name in any script into units (steps 1-3 above). A name with no
 * letters gives n == 0 and returns UBUR_EINVAL ("name has no letters").
 */
int ubur_name_parse(struct ubur_name *out, const char *in, struct ubur_error *err);

/*
 * ICAO Doc 9303 Part 3 transliteration of Arabic script for the MRZ (the
 * reversible "X" scheme: محمد -> MXHMD; spaces -> '<'; Latin letters
 * uppercased; other characters dropped). Returns 0 or UBUR_ETOOBIG when
 * `cap` is too small.
 */
int ubur_name_icao(const char *in, char *out, size_t cap, struct ubur_error *err);

/*
 * Similarity of two units in [0,1]; 1 for the same name in any spelling.
 * The phonetic similarity, or for two Latin spellings of five letters or
 * more the typing similarity when higher (1 - 1.5 edits / length, letters
 * swapped, dropped, added or changed: Khadem/Khaem), since a typo can move
 * the sound a long way (the vowels around a dropped consonant merge).
 */
double ubur_name_unit_similarity(const struct ubur_name_unit *a, const struct ubur_name_unit *b);

/* The same, with the second unit given by its phonetic form, letters, kind and flags (the
 * index keeps units in that compact form). */
double ubur_name_unit_similarity_to(const struct ubur_name_unit *a, const char *b_phon,
                                    const char *b_letters, unsigned b_kind, unsigned b_flags);

/*
 * The least unit similarity that pairs two units in ubur_names_compare_sim: a similarity
 * under it counts as no match whatever its value, so sim matrices may hold any value under
 * it for such pairs.
 */
#define UBUR_NAME_UNIT_MATCH 0.65

/*
 * ubur_name_unit_similarity_to for a sim matrix of ubur_names_compare_sim: the same value
 * when it is at least UBUR_NAME_UNIT_MATCH, and some value under UBUR_NAME_UNIT_MATCH
 * otherwise (the sound's distance is left uncomputed once it cannot match: cheaper for the
 * many pairs of different names a search compares).
 */
double ubur_name_unit_match_similarity(const struct ubur_name_unit *a, const char *b_phon,
                                       const char *b_letters, unsigned b_kind, unsigned b_flags);

/* The typing similarity of two Latin spellings (the letters of two units): 1 - 1.5 edits /
 * length for one or two edits (insert, delete, change, swap) when the longer has five letters
 * or more, else 0. */
double ubur_name_typing_similarity(const char *a, const char *b);

/* Weighted phonetic similarity of two phonetic strings, `cross` when one is Arabic. */
double ubur_name_phon_similarity(const char *a, const char *b, bool a_arabic, bool b_arabic);

/*
 * The most ubur_name_unit_similarity can give for `q` against any unit whose
 * skeleton is `skel` (vowels unknown): 1 for the same skeleton, else from the
 * consonant edits between the skeletons. Lets the index skip and bound
 * candidates without their phonetic forms. (The typing similarity of two
 * Latin spellings is not bounded here: the index finds spellings one typo
 * away through their letters.)
 */
double ubur_name_unit_sim_bound(const struct ubur_name_unit *q, const char *skel);

/*
 * Its pieces, for an index that keeps distances between skeletons: the
 * weighted consonant distance of two blocking keys (-1 when they are keys of
 * different kinds of unit, or vowel-only and different); the weight of a
 * phonetic form (the normaliser of ubur_name_phon_similarity); the most a
 * form with a given skeleton can weigh; and the bound from those three.
 */
double ubur_name_skeleton_distance(const char *a, const char *b);
double ubur_name_phon_weight(const char *phon);
double ubur_name_skeleton_weight_max(const char *skel);
double ubur_name_sim_bound(double dist, double q_weight, double skel_weight_max);

/*
 * How much a unit matched with similarity `sim` counts towards the weighted
 * coverage of ubur_names_compare: 1 for an exact match, less for a fuzzy
 * one, 0 below the similarity at which two units are the same name (0.70).
 */
double ubur_name_match_credit(double sim);

/*
 * Two neighbouring units of a name as one word ("dahir" + "aweys" as "dahiraweys": the
 * other writing may run them together, ظاهرعويس), for an index that looks such words up:
 * a plain unit with the joined phonetic form, skeleton and letters. Returns false when
 * the two cannot be read as one word (particles, al-Din compounds, an article or bin on
 * the second, different scripts, too long). ubur_names_compare_sim matches such a
 * reading when it sounds alike (0.80 or more).
 */
bool ubur_name_join_units(const struct ubur_name_unit *a, const struct ubur_name_unit *b,
                          struct ubur_name_unit *out);

/*
 * The skeleton of a Latin unit read with a digraph between vowels as two letters ("sh" in
 * Ishaq as s + h: اسحاق; also zh, th, dh: Azhar, Fathi, Adham), which
 * ubur_name_unit_similarity takes against Arabic script when it sounds closer. Returns
 * false when the unit has no such reading (Arabic script, particles, no digraph).
 */
bool ubur_name_unit_split_reading(const struct ubur_name_unit *u, char skel[UBUR_NAME_PHON]);

/* Plain baselines, for benchmarks: on folded strings, in [0,1]. */
double ubur_jaro_winkler(const char *a, const char *b);
double ubur_levenshtein_similarity(const char *a, const char *b);

/*
 * Name similarity of two parsed names in [0,1]: symmetric, 1 for the same
 * name. When `explain` is not NULL, a readable account is appended to it
 * ("muhammad~mohammed 0.97 (common); bin salman: order differs ...").
 */
double ubur_names_compare(const struct ubur_name *a, const struct ubur_name *b,
                          struct ubur_buf *explain);

/*
 * The same, with the unit similarities given (sim[i][j] for a->u[i] and
 * b->u[j], as ubur_name_unit_similarity computes them): lets the index
 * reuse similarities of units it has already compared. Besides those it
 * reads the units' weights, kinds, flags and letters (two long names
 * written one letter apart as a whole are one name mistyped, wherever the
 * letter fell: "Abd-l-Latif" for "Abd-al-Latif").
 */
double ubur_names_compare_sim(const struct ubur_name *a, const struct ubur_name *b,
                              const double (*sim)[UBUR_NAME_MAX_UNITS], struct ubur_buf *explain);

/*
 * A name's Latin letters run together, as the whole-name typo rule of
 * ubur_names_compare_sim reads them ("abdllatif" + "tilfah" + "altikriti";
 * an article as "al"). Returns the length, or 0 when a unit is in Arabic
 * script or `cap` is too small. Names of UBUR_NAME_TYPO_MIN letters or more
 * one typo apart are the same name mistyped.
 */
#define UBUR_NAME_TYPO_MIN 12
size_t ubur_name_letters(const struct ubur_name *n, char *out, size_t cap);

/* Whether a and b (lengths n and m) are exactly one typo apart: one letter inserted,
 * dropped or changed, or two neighbours swapped (the whole-name typo rule's test). */
bool ubur_name_one_edit(const char *a, size_t n, const char *b, size_t m);

/* ---- Evidence beside the name ---- */

enum ubur_dob_kind {
    UBUR_DOB_NONE = 0,
    UBUR_DOB_EXACT, /* a day */
    UBUR_DOB_MONTH, /* a month */
    UBUR_DOB_YEAR,  /* a year */
    UBUR_DOB_RANGE, /* from year to year */
};

/* A date of birth as an interval of days since 1970-01-01, both ends included. */
struct ubur_dob {
    unsigned char kind; /* enum ubur_dob_kind */
    bool circa;         /* "approximately": widened by two years when compared */
    int32_t from, to;
};

/*
 * Parses "YYYY-MM-DD", "YYYY-MM", "YYYY", "YYYY..YYYY" or "YYYY-YYYY" (a
 * range), optionally prefixed "~" or "circa " (approximate). Empty gives
 * UBUR_DOB_NONE. Anything else is UBUR_EINVAL naming the value.
 */
int ubur_dob_parse(const char *s, struct ubur_dob *out, struct ubur_error *err);
/* Writes the canonical text of a dob ("1961", "~1961", "1960..1962", "1975-03-02"). */
void ubur_dob_format(const struct ubur_dob *d, char out[32]);

#define UBUR_FACTS_MAX 6
/* What is known beside the name, for a traveller or a watchlist entry. */
struct ubur_person_facts {
    int ndob;
    struct ubur_dob dob[UBUR_FACTS_MAX];
    int nnat;
    char nat[UBUR_FACTS_MAX][4]; /* ISO 3166 alpha-3, uppercase */
    char sex;                    /* 'M', 'F' or 0 */
};
#define UBUR_PERSON_FACTS_INIT                                                                     \
    {                                                                                              \
        0                                                                                          \
    }

/*
 * Turns an ISO 3166 alpha-2 or alpha-3 code, or an English country name as
 * the UN list writes it ("Iraq", "Syrian Arab Republic"), into alpha-3.
 * Returns false when unknown.
 */
bool ubur_country_alpha3(const char *in, char out[4]);

/*
 * The full score of a candidate against a query, in [0,1]: the name
 * similarity moved by date of birth (same day, year or range: up; years
 * apart: down), nationality (shared: up; none shared: down) and sex
 * (different: down). Missing facts on either side move nothing. `explain`
 * (may be NULL) receives the name explanation followed by the evidence.
 * Symmetric, so registry deduplication can use it for pairs.
 */
double ubur_person_score(const struct ubur_name *qn, const struct ubur_person_facts *qf,
                         const struct ubur_name *cn, const struct ubur_person_facts *cf,
                         struct ubur_buf *explain);

/* The evidence part alone: the amount added to a name score, and why. */
double ubur_facts_adjust(const struct ubur_person_facts *q, const struct ubur_person_facts *c,
                         struct ubur_buf *explain);

/*
 * Blocking keys of a name (for dedup and the index): the skeletons of its
 * units, rarest-looking first, at most `max`. Two names that may be the
 * same person share at least one key, barring a typo in every unit.
 * Returns the number written. Keys point into `n`.
 */
int ubur_name_blocking_keys(const struct ubur_name *n, const char *keys[], int max);

/* The built-in weight of a skeleton: below 1 for common Arabic names. */
float ubur_name_common_weight(const char *skel);

#endif
