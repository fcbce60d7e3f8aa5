/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering population tables (ubur_poptable_write): aligned text, CSV
 * (RFC 4180 quoting), JSON and an SVG horizontal bar chart. Withholding
 * replaces counts from 1 to withhold_max by "*" in every format, because a
 * public figure of one to four people can identify them; totals stay exact
 * (computed from records, as UNHCR publishes them). Output is deterministic
 * for a given table, so golden files can pin it.
 */
#include <stdio.h>
#include <string.h>

#include "ubur/popstats.h"
#include "ubur/banned.h"

static bool
withheld(const struct ubur_popformat_opts *o, int64_t n)
{
    return o && o->withhold_max > 0 && n >= 1 && n <= o->withhold_max;
}

static void
csv_field(struct ubur_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        ubur_buf_adds(b, s);
        return;
    }
    ubur_buf_addch(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            ubur_buf_addch(b, '"');
        ubur_buf_addch(b, *s);
    }
    ubur_buf_addch(b, '"');
}

static void
json_string(struct ubur_buf *b, const char *s)
{
    ubur_buf_addch(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ubur_buf_addf(b, "\\%c", *p);
        else if (*p < 0x20)
            ubur_buf_addf(b, "\\u%04x", *p);
        else
            ubur_buf_addch(b, (char)*p);
    }
    ubur_buf_addch(b, '"');
}

/* Display width of UTF-8 text: one column per code point. */
static size_t
text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void
pad(struct ubur_buf *b, const char *s, size_t width, bool right)
{
    size_t w = text_width(s);
    if (right)
        for (; w < width; w++)
            ubur_buf_addch(b, ' ');
    ubur_buf_adds(b, s);
    if (!right)
        for (; w < width; w++)
            ubur_buf_addch(b, ' ');
}

static void
count_text(char out[32], const struct ubur_popformat_opts *o, int64_t n)
{
    if (withheld(o, n))
        snprintf(out, 32, "*");
    else
        snprintf(out, 32, "%lld", (long long)n);
}

static void
write_csv(const struct ubur_poptable *t, const struct ubur_popformat_opts *o, struct ubur_buf *b)
{
    for (int d = 0; d < t->ndims; d++)
        ubur_buf_addf(b, "%s,", ubur_popdim_name(t->dims[d]));
    ubur_buf_adds(b, "count\n");
    for (size_t r = 0; r < t->nrows; r++) {
        char c[32];
        for (int d = 0; d < t->ndims; d++) {
            csv_field(b, t->row[r].value[d]);
            ubur_buf_addch(b, ',');
        }
        count_text(c, o, t->row[r].count);
        ubur_buf_addf(b, "%s\n", c);
    }
}

static void
write_json(const struct ubur_poptable *t, const struct ubur_popformat_opts *o, struct ubur_buf *b)
{
    ubur_buf_adds(b, "{\"as_of\":");
    json_string(b, t->as_of);
    ubur_buf_adds(b, ",\"dimensions\":[");
    for (int d = 0; d < t->ndims; d++) {
        if (d)
            ubur_buf_addch(b, ',');
        json_string(b, ubur_popdim_name(t->dims[d]));
    }
    ubur_buf_adds(b, "],\"rows\":[");
    for (size_t r = 0; r < t->nrows; r++) {
        ubur_buf_adds(b, r ? ",{" : "{");
        for (int d = 0; d < t->ndims; d++) {
            json_string(b, ubur_popdim_name(t->dims[d]));
            ubur_buf_addch(b, ':');
            json_string(b, t->row[r].value[d]);
            ubur_buf_addch(b, ',');
        }
        if (withheld(o, t->row[r].count))
            ubur_buf_adds(b, "\"count\":null,\"withheld\":true}");
        else
            ubur_buf_addf(b, "\"count\":%lld}", (long long)t->row[r].count);
    }
    ubur_buf_addf(b, "],\"total\":%lld,\"withhold_max\":%d}\n", (long long)t->total,
                  o ? o->withhold_max : 0);
}

/* The label of a row: its values joined by " / ", or "total" without dimensions. */
static void
row_label(const struct ubur_poptable *t, size_t r, struct ubur_buf *b)
{
    ubur_buf_reset(b);
    if (!t->ndims)
        ubur_buf_adds(b, "total");
    for (int d = 0; d < t->ndims; d++)
        ubur_buf_addf(b, "%s%s", d ? " / " : "", t->row[r].value[d][0] ? t->row[r].value[d] : "-");
}

static void
default_title(const struct ubur_poptable *t, const struct ubur_popformat_opts *o,
              struct ubur_buf *b)
{
    if (o && o->title) {
        ubur_buf_adds(b, o->title);
        return;
    }
    ubur_buf_addf(b, "Population as of %s", t->as_of);
    for (int d = 0; d < t->ndims; d++)
        ubur_buf_addf(b, "%s%s", d ? ", " : " by ", ubur_popdim_name(t->dims[d]));
}

static void
write_table(const struct ubur_poptable *t, const struct ubur_popformat_opts *o, struct ubur_buf *b)
{
    size_t width[UBUR_DIM_COUNT + 1];
    char c[32];
    for (int d = 0; d < t->ndims; d++) {
        width[d] = strlen(ubur_popdim_name(t->dims[d]));
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = text_width(t->row[r].value[d][0] ? t->row[r].value[d] : "-");
            if (w > width[d])
                width[d] = w;
        }
    }
    snprintf(c, sizeof(c), "%lld", (long long)t->total);
    width[t->ndims] = strlen(c) > 5 ? strlen(c) : 5;

    struct ubur_buf title = UBUR_BUF_INIT;
    default_title(t, o, &title);
    ubur_buf_addf(b, "%s\n\n", title.s);
    ubur_buf_release(&title);
    for (int d = 0; d < t->ndims; d++) {
        pad(b, ubur_popdim_name(t->dims[d]), width[d], false);
        ubur_buf_adds(b, "  ");
    }
    pad(b, "count", width[t->ndims], true);
    ubur_buf_addch(b, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (int d = 0; d < t->ndims; d++) {
            pad(b, t->row[r].value[d][0] ? t->row[r].value[d] : "-", width[d], false);
            ubur_buf_adds(b, "  ");
        }
        count_text(c, o, t->row[r].count);
        pad(b, c, width[t->ndims], true);
        ubur_buf_addch(b, '\n');
    }
    size_t line = width[t->ndims];
    for (int d = 0; d < t->ndims; d++)
        line += width[d] + 2;
    for (size_t i = 0; i < line; i++)
        ubur_buf_addch(b, '-');
    ubur_buf_addch(b, '\n');
    snprintf(c, sizeof(c), "%lld", (long long)t->total);
    pad(b, "total", line - width[t->ndims], false);
    pad(b, c, width[t->ndims], true);
    ubur_buf_addch(b, '\n');
    if (o && o->withhold_max > 0)
        ubur_buf_addf(b, "* figures from 1 to %d withheld\n", o->withhold_max);
}

static void
write_svg(const struct ubur_poptable *t, const struct ubur_popformat_opts *o, struct ubur_buf *b)
{
    const int label_w = 300, bar_w = 420, row_h = 24, top = 48, width = label_w + bar_w + 90;
    int height = top + (int)t->nrows * row_h + 40;
    int64_t max = 1;
    for (size_t r = 0; r < t->nrows; r++)
        if (t->row[r].count > max)
            max = t->row[r].count;
    struct ubur_buf s = UBUR_BUF_INIT;

    ubur_buf_addf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                  " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\""
                  " role=\"img\">\n",
                  width, height, width, height);
    default_title(t, o, &s);
    ubur_buf_adds(b, "<title>");
    ubur_buf_add_xml(b, s.s);
    ubur_buf_adds(b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
                     "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">");
    ubur_buf_add_xml(b, s.s);
    ubur_buf_adds(b, "</text>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        int y = top + (int)r * row_h;
        char c[32];
        count_text(c, o, t->row[r].count);
        row_label(t, r, &s);
        int w = withheld(o, t->row[r].count)
                    ? 0
                    : (int)((double)t->row[r].count * bar_w / (double)max + 0.5);
        if (t->row[r].count > 0 && w < 1 && !withheld(o, t->row[r].count))
            w = 1;
        ubur_buf_addf(b, "<g><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 16);
        ubur_buf_add_xml(b, s.s);
        ubur_buf_addf(b,
                      "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
                      " fill=\"#2b6cb0\"/><text x=\"%d\" y=\"%d\">%s</text></g>\n",
                      label_w, y + 3, w, row_h - 6, label_w + w + 6, y + 16, c);
    }
    ubur_buf_addf(b, "<text x=\"10\" y=\"%d\" fill=\"#555555\">total %lld",
                  top + (int)t->nrows * row_h + 24, (long long)t->total);
    if (o && o->withhold_max > 0)
        ubur_buf_addf(b, "; * figures from 1 to %d withheld", o->withhold_max);
    ubur_buf_adds(b, "</text>\n</svg>\n");
    ubur_buf_release(&s);
}

int
ubur_poptable_write(const struct ubur_poptable *t, enum ubur_popformat f,
                    const struct ubur_popformat_opts *o, struct ubur_buf *out)
{
    switch (f) {
    case UBUR_POPFORMAT_CSV:
        write_csv(t, o, out);
        break;
    case UBUR_POPFORMAT_JSON:
        write_json(t, o, out);
        break;
    case UBUR_POPFORMAT_SVG:
        write_svg(t, o, out);
        break;
    case UBUR_POPFORMAT_TABLE:
        write_table(t, o, out);
        break;
    default:
        return UBUR_EINVAL;
    }
    return 0;
}
