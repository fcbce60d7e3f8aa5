/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming CSV reader (RFC 4180): quoted fields with "" escapes and
 * line breaks inside quotes, CRLF or LF line ends, a UTF-8 byte-order mark
 * skipped, spaces after a comma tolerated (trimmed before an unquoted or
 * quoted field). Input is untrusted: a record longer than max_record bytes
 * is UBUR_ETOOBIG, a quote in the middle of an unquoted field or an
 * unterminated quoted field is UBUR_EINVAL, each naming the line.
 */
#ifndef UBUR_CSV_H
#define UBUR_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

#define UBUR_CSV_MAX_FIELDS 256

struct ubur_csv {
    FILE *f;
    size_t max_record;
    long line;           /* line number where the last record started (1-based) */
    long next_line;      /* line number of the next record */
    long bytes;          /* bytes consumed so far */
    struct ubur_buf rec; /* the record's field texts, NUL-separated */
    char *field[UBUR_CSV_MAX_FIELDS];
    int nfields;
};

/* Starts reading f (not closed by the reader). max_record 0: 1 MiB. */
void ubur_csv_init(struct ubur_csv *c, FILE *f, size_t max_record);
/* Reads the next record: 1 with c->field[0..nfields-1] valid until the next call,
 * 0 at the end of input, or a negative code. Blank lines are skipped. */
int ubur_csv_next(struct ubur_csv *c, struct ubur_error *err);
void ubur_csv_release(struct ubur_csv *c);

/* Appends s to b as one CSV field (quoted when it needs to be). A field that a
 * spreadsheet would run as a formula (starting with = + - @) gets a leading
 * apostrophe when `guard_formula` is set. */
void ubur_csv_field(struct ubur_buf *b, const char *s, bool guard_formula);

#endif
