/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming CSV reader and field writer (include/ubur/csv.h). The reader
 * is a small state machine over getc: no line is ever held twice, and the
 * record buffer is capped, so a hostile file costs at most max_record bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ubur/csv.h"
#include "ubur/banned.h"

void
ubur_csv_init(struct ubur_csv *c, FILE *f, size_t max_record)
{
    memset(c, 0, sizeof(*c));
    c->f = f;
    c->max_record = max_record ? max_record : (1u << 20);
    c->next_line = 1;
    struct ubur_buf b = UBUR_BUF_INIT;
    c->rec = b;
    c->rec.cap = c->max_record + UBUR_CSV_MAX_FIELDS;
    /* skip a UTF-8 byte-order mark */
    int a = getc(f);
    if (a == 0xef) {
        int b1 = getc(f), b2 = getc(f);
        if (b1 == 0xbb && b2 == 0xbf) {
            c->bytes = 3;
            return;
        }
        /* not a BOM: only one byte of push-back is guaranteed, so the
         * reader starts after these bytes; a file starting with 0xEF that is
         * not a BOM is not text we accept anyway */
        (void)b2;
    } else if (a != EOF) {
        ungetc(a, f);
    }
}

void
ubur_csv_release(struct ubur_csv *c)
{
    ubur_buf_release(&c->rec);
}

int
ubur_csv_next(struct ubur_csv *c, struct ubur_error *err)
{
    for (;;) {
        int ch;
        bool quoted = false, in_quotes = false, field_started = false, any = false;
        size_t start = 0;
        ubur_buf_reset(&c->rec);
        c->nfields = 0;
        c->line = c->next_line;
        for (;;) {
            ch = getc(c->f);
            if (ch != EOF)
                c->bytes++;
            if (in_quotes) {
                if (ch == EOF)
                    return ubur_error_set(err, UBUR_EINVAL, "line %ld: quoted field not closed",
                                          c->line);
                if (ch == '"') {
                    int nx = getc(c->f);
                    if (nx == '"') {
                        c->bytes++;
                        if (ubur_buf_addch(&c->rec, '"'))
                            goto toobig;
                        continue;
                    }
                    if (nx != EOF)
                        ungetc(nx, c->f);
                    in_quotes = false;
                    continue;
                }
                if (ch == '\n')
                    c->next_line++;
                if (ubur_buf_addch(&c->rec, (char)ch))
                    goto toobig;
                continue;
            }
            if (ch == ',' || ch == '\n' || ch == EOF) {
                if (ch == EOF && !any && !field_started && c->nfields == 0)
                    return 0;
                /* end of field: trim trailing spaces and a CR of unquoted fields */
                if (!quoted)
                    while (c->rec.len > start &&
                           (c->rec.s[c->rec.len - 1] == ' ' || c->rec.s[c->rec.len - 1] == '\r'))
                        c->rec.len--;
                if (c->nfields >= UBUR_CSV_MAX_FIELDS)
                    return ubur_error_set(err, UBUR_ETOOBIG, "line %ld: more than %d fields",
                                          c->line, UBUR_CSV_MAX_FIELDS);
                if (ubur_buf_addch(&c->rec, '\0'))
                    goto toobig;
                c->field[c->nfields++] = (char *)(uintptr_t)start; /* offsets for now */
                start = c->rec.len;
                quoted = field_started = false;
                if (ch == ',') {
                    any = true;
                    continue;
                }
                if (ch == '\n')
                    c->next_line++;
                break;
            }
            if (ch == '\r')
                continue; /* CRLF */
            if (!field_started && ch == ' ')
                continue; /* spaces after a comma */
            if (ch == '"') {
                if (field_started)
                    return ubur_error_set(err, UBUR_EINVAL,
                                          "line %ld: field %d: a quote inside an unquoted field",
                                          c->line, c->nfields + 1);
                quoted = in_quotes = field_started = true;
                continue;
            }
            if (quoted)
                return ubur_error_set(err, UBUR_EINVAL,
                                      "line %ld: field %d: text after a closing quote", c->line,
                                      c->nfields + 1);
            field_started = any = true;
            if (ubur_buf_addch(&c->rec, (char)ch))
                goto toobig;
        }
        for (int i = 0; i < c->nfields; i++)
            c->field[i] = c->rec.s + (uintptr_t)c->field[i];
        /* a blank line is one empty field: skip it */
        if (c->nfields == 1 && !c->field[0][0] && !any)
            continue;
        return 1;
    toobig:
        return ubur_error_set(err, UBUR_ETOOBIG, "line %ld: record longer than %zu bytes", c->line,
                              c->max_record);
    }
}

void
ubur_csv_field(struct ubur_buf *b, const char *s, bool guard_formula)
{
    if (!s)
        s = "";
    bool formula = guard_formula && (*s == '=' || *s == '+' || *s == '-' || *s == '@');
    if (!formula && !strpbrk(s, ",\"\r\n") && *s != ' ') {
        ubur_buf_adds(b, s);
        return;
    }
    ubur_buf_addch(b, '"');
    if (formula)
        ubur_buf_addch(b, '\'');
    for (; *s; s++) {
        if (*s == '"')
            ubur_buf_addch(b, '"');
        ubur_buf_addch(b, *s);
    }
    ubur_buf_addch(b, '"');
}
