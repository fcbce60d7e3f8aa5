/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICAO Doc 9303 machine readable zones: parsing, validation and generation.
 *
 * Five layouts are understood: TD1 (3 lines of 30, identity cards), TD2
 * (2x36, identity cards), TD3 (2x44, passports), MRV-A (2x44 visas) and
 * MRV-B (2x36 visas). A parse never allocates: the caller owns a
 * struct ubur_mrz (about 11 KiB, fine on the stack) and gets every field that
 * could be read, every error as {field, message}, every accepted deviation
 * as a named warning and every OCR repair, so a border post sees the whole
 * picture rather than the first problem.
 *
 * Input is accepted the way scanners deliver it: lines separated by "\n" or
 * "\r\n", or one run of 90/72/88 characters; lowercase, spaces and tabs,
 * and "«" (U+00AB) for the filler "<" are normalised. Anything else is an
 * error that names the line and column; no input, of any length or content,
 * reads out of bounds.
 *
 * Strict by default: only what Doc 9303 allows (including a TD3 personal
 * number check digit of '<' or '0' when the personal number is empty).
 * `lenient` also accepts documented real-world deviations and names each as
 * a warning (UBUR_MRZ_W_* below); it never accepts one silently.
 *
 * OCR repair: when a check digit fails and exactly one substitution of a
 * commonly confused pair (0/O, 1/I, 2/Z, 5/S, 8/B, 6/G) in that field (or in
 * its check digit) makes it pass, the repaired value is reported and listed
 * in `corrected`. When two or more substitutions would pass, nothing is
 * repaired and the error says so.
 *
 * Two-digit years are resolved against a caller-supplied "today" so results
 * are reproducible: a birth date is the latest such date not after today, an
 * expiry date the latest not more than 50 years after today.
 *
 * Generation (ubur_mrz_make) writes every format with the Doc 9303 Part 3
 * transliteration of Latin diacritics and of Arabic script, and truncates
 * long names as Part 3 prescribes (secondary identifiers first; a truncated
 * field ends with a letter).
 *
 * Thread-safe: no global state is written.
 */
#ifndef UBUR_MRZ_H
#define UBUR_MRZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/error.h"

enum ubur_mrz_format {
    UBUR_MRZ_NONE = 0, /* not recognised */
    UBUR_MRZ_TD1,      /* 3 x 30, identity card */
    UBUR_MRZ_TD2,      /* 2 x 36, identity card */
    UBUR_MRZ_TD3,      /* 2 x 44, passport */
    UBUR_MRZ_MRVA,     /* 2 x 44, visa */
    UBUR_MRZ_MRVB,     /* 2 x 36, visa */
};

/* "TD1", "TD2", "TD3", "MRVA", "MRVB", or NULL for UBUR_MRZ_NONE. */
const char *ubur_mrz_format_name(enum ubur_mrz_format f);
/* The format for a name (case-insensitive; "MRV-A" is accepted too), UBUR_MRZ_NONE if unknown. */
enum ubur_mrz_format ubur_mrz_format_from_name(const char *name);
/* Line count and line width of a format (0 for UBUR_MRZ_NONE). */
int ubur_mrz_format_lines(enum ubur_mrz_format f);
int ubur_mrz_format_width(enum ubur_mrz_format f);

/*
 * A date of the MRZ. Doc 9303 lets unknown parts be filled with '<': a
 * part that is unknown is 0 here. `raw` keeps the six characters as read.
 */
struct ubur_mrz_date {
    int year;  /* four digits, 0 when unknown */
    int month; /* 1..12, 0 when unknown */
    int day;   /* 1..31, 0 when unknown */
    char raw[7];
};

/* True when year, month and day are all known. */
bool ubur_mrz_date_complete(const struct ubur_mrz_date *d);
/* Writes "YYYY-MM-DD" into out[11] and returns true when complete, else writes "" and returns
 * false. */
bool ubur_mrz_date_iso(const struct ubur_mrz_date *d, char out[11]);

/* Capacities of a parsed document (fields are NUL-terminated within them). */
#define UBUR_MRZ_NAME_MAX 40   /* a name field is at most 39 characters */
#define UBUR_MRZ_NUMBER_MAX 32 /* long TD1 numbers: 9 + up to 14 continued */
#define UBUR_MRZ_OPTIONAL_MAX 32
#define UBUR_MRZ_MAX_ISSUES 24 /* errors kept; more are counted in nerrors_dropped */
#define UBUR_MRZ_MAX_WARNINGS 8
#define UBUR_MRZ_MAX_CORRECTIONS 8

/* An error or a warning. For warnings `code` is one of the UBUR_MRZ_W_* names. */
struct ubur_mrz_issue {
    char field[24];    /* JSON key of the field at fault: "document_number", "mrz", ... */
    char code[40];     /* stable snake_case name */
    char message[240]; /* lowercase sentence quoting the offending value */
};

/* Named warnings (lenient mode only). */
#define UBUR_MRZ_W_BELGIAN_NUMBER "belgian_long_document_number"
#define UBUR_MRZ_W_EMPTY_PRIMARY "empty_primary_identifier"
#define UBUR_MRZ_W_FRENCH_ID "french_identity_card_pre2021"

/* One OCR repair: `read` is the field as scanned, `value` what it became. */
struct ubur_mrz_correction {
    char field[24];
    char read[UBUR_MRZ_NUMBER_MAX];
    char value[UBUR_MRZ_NUMBER_MAX];
    int line; /* 1-based line and column of the repaired character */
    int column;
};

/*
 * A parsed machine readable zone. Text fields use spaces where the MRZ has
 * fillers between name components ("ANNA MARIA"); trailing fillers are
 * removed from numbers and optional data. Fields that could not be read are
 * "" (or 0 / unknown dates); `valid` says whether the whole zone checks.
 */
struct ubur_mrz {
    enum ubur_mrz_format format;
    int nlines;
    char lines[3][45]; /* the normalised lines, uppercase, '<' fillers */

    char document_code[3];               /* "P", "PD", "I", "ID", "V", ... ('<' removed) */
    char issuing_state[4];               /* "UTO", "D" ('<' removed) */
    char surname[UBUR_MRZ_NAME_MAX];     /* primary identifier, components space-separated */
    char given_names[UBUR_MRZ_NAME_MAX]; /* secondary identifier, components space-separated */
    char document_number[UBUR_MRZ_NUMBER_MAX];
    char nationality[4];
    struct ubur_mrz_date birth_date;
    struct ubur_mrz_date expiry_date;
    char sex;                                    /* 'M', 'F' or 'X' (unspecified; '<' in the MRZ) */
    char optional_data[UBUR_MRZ_OPTIONAL_MAX];   /* TD3: personal number */
    char optional_data_2[UBUR_MRZ_OPTIONAL_MAX]; /* TD1 line 2 only */
    bool has_optional_data_2;                    /* true for TD1 */

    bool valid; /* parsed with no error (warnings and corrections allowed) */
    int nerrors, nwarnings, ncorrected;
    int nerrors_dropped; /* errors beyond UBUR_MRZ_MAX_ISSUES, counted only */
    struct ubur_mrz_issue errors[UBUR_MRZ_MAX_ISSUES];
    struct ubur_mrz_issue warnings[UBUR_MRZ_MAX_WARNINGS];
    struct ubur_mrz_correction corrected[UBUR_MRZ_MAX_CORRECTIONS];
};

struct ubur_mrz_opts {
    int64_t today;  /* days since 1970-01-01 for two-digit years; see UBUR_MRZ_TODAY */
    bool lenient;   /* accept documented deviations as named warnings */
    bool no_repair; /* report check digit failures without trying OCR repairs */
};
/* `today` < 0 means "use ubur_now()" (which tests can pin with UBUR_NOW). */
#define UBUR_MRZ_TODAY_NOW (-1)
#define UBUR_MRZ_OPTS_INIT                                                                         \
    {                                                                                              \
        UBUR_MRZ_TODAY_NOW, false, false                                                           \
    }

/* Input larger than this is refused without being looked at further. */
#define UBUR_MRZ_INPUT_MAX 1024

/*
 * Parses `len` bytes of `text` (need not be NUL-terminated; may contain
 * anything). `opts` may be NULL (strict, today from ubur_now()). Every field
 * of `out` is always set: to what was read, or to "" / 0 / unknown. Returns
 * 0 when the zone is valid, UBUR_EINVAL when it is not, in which case
 * out->errors lists why and `err` (may be NULL) holds the first error with
 * its field.
 */
int ubur_mrz_parse(const char *text, size_t len, const struct ubur_mrz_opts *opts,
                   struct ubur_mrz *out, struct ubur_error *err);

/*
 * ICAO 7-3-1 check digit of n characters from the MRZ alphabet (digits,
 * A-Z, '<'). Returns 0..9, or -1 when a character is outside the alphabet.
 */
int ubur_mrz_check_digit(const char *s, size_t n);

/* True when code (1 to 3 characters, '<' padding allowed: "D<<") is an ICAO 9303 state or
 * organisation code, including the specimen state "UTO" and the XX* codes for stateless persons and
 * refugees. */
bool ubur_mrz_state_known(const char *code);

/*
 * What to generate. Strings are UTF-8 and may be NULL for "absent". Names
 * may be in Latin script with diacritics or in Arabic script; they are
 * transliterated as Doc 9303 Part 3 prescribes. Dates are "YYYY-MM-DD",
 * "YYYY-MM" or "YYYY" (unknown parts become '<'); the expiry may be NULL for
 * documents without one. `sex` is 'M', 'F' or 'X' ('X' is written as '<').
 * `document_number` longer than 9 characters continues in the optional data
 * on TD1 and TD2 and is an error on the other formats.
 */
struct ubur_mrz_fields {
    enum ubur_mrz_format format;
    const char *document_code; /* "P", "PD", "I", "ID", "AC", "V", ... (1 or 2 letters) */
    const char *issuing_state; /* "IRQ", "SYR", "D", ... */
    const char *surname;
    const char *given_names;
    const char *document_number;
    const char *nationality;
    const char *birth_date;
    char sex;
    const char *expiry_date;
    const char *optional_data;   /* TD3: personal number (14); TD1: line 1 optional data */
    const char *optional_data_2; /* TD1 line 2 optional data (11); NULL elsewhere */
};

/* Generated lines; line[i] is NUL-terminated and exactly `width` long. */
struct ubur_mrz_lines {
    int n;
    int width;
    char line[3][45];
};

/*
 * Builds the MRZ for f. Returns 0, or UBUR_EINVAL naming the field at fault
 * (unknown state, impossible date, a number too long for the format, a name
 * with a character that has no transliteration...). Check digits are
 * computed; names are truncated to fit.
 */
int ubur_mrz_make(const struct ubur_mrz_fields *f, struct ubur_mrz_lines *out,
                  struct ubur_error *err);

/* Joins the lines with "\n" (no trailing newline) into out[outsz]; returns the length. */
size_t ubur_mrz_lines_join(const struct ubur_mrz_lines *l, char *out, size_t outsz);

/*
 * Transliterates one name (UTF-8) into the MRZ alphabet: letters A-Z, and
 * '<' between components (spaces, hyphens). Latin diacritics follow
 * Doc 9303 Part 3 Table A (Ä -> AE, ß -> SS, É -> E ...); Arabic script
 * follows its Arabic table (محمود -> MXHMWD). Apostrophes and full stops are
 * dropped. Writes at most outsz-1 characters and a NUL. Returns the length
 * written, or UBUR_EINVAL when a character has no transliteration or the
 * input is not UTF-8 (field "name"), or UBUR_ETOOBIG when out is too small.
 */
int ubur_mrz_transliterate(const char *utf8, char *out, size_t outsz, struct ubur_error *err);

/*
 * The name field of `width` characters: PRIMARY<<SECONDARY<COMPONENTS, both
 * transliterated, truncated per Doc 9303 Part 3 if too long and padded with
 * '<'. out must hold width+1 bytes. Returns 0 or UBUR_EINVAL (field
 * "surname" or "given_names").
 */
int ubur_mrz_name_field(const char *surname, const char *given_names, int width, char *out,
                        struct ubur_error *err);

#endif
