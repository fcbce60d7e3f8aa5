/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DataMatrix rendering for seals. libdmtx does the ECC 200 work (encodation,
 * Reed-Solomon, module placement); we take its module matrix and draw it,
 * because its own image output has no quiet zone control we want and no SVG.
 * libdmtx numbers symbol rows from the bottom; ubur_datamatrix keeps row 0 at
 * the top, as images are written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmtx.h>
#include <png.h>

#include "ubur/datamatrix.h"

#include "ubur/banned.h"

int
ubur_datamatrix_encode(const uint8_t *data, size_t n, struct ubur_datamatrix *m,
                       struct ubur_error *err)
{
    if (n == 0)
        return ubur_error_set(err, UBUR_EINVAL, "nothing to encode");
    if (n > UBUR_DATAMATRIX_MAX_BYTES)
        return ubur_error_set(err, UBUR_ETOOBIG, "%zu bytes do not fit a DataMatrix (at most %d)",
                              n, UBUR_DATAMATRIX_MAX_BYTES);
    DmtxEncode *enc = dmtxEncodeCreate();
    if (!enc)
        return ubur_error_set(err, UBUR_EINTERNAL, "libdmtx: cannot create an encoder");
    unsigned char *copy = ubur_malloc(n);
    memcpy(copy, data, n);
    dmtxEncodeSetProp(enc, DmtxPropScheme, DmtxSchemeBase256);
    dmtxEncodeSetProp(enc, DmtxPropSizeRequest, DmtxSymbolSquareAuto);
    dmtxEncodeSetProp(enc, DmtxPropModuleSize, 1);
    dmtxEncodeSetProp(enc, DmtxPropMarginSize, 0);
    if (dmtxEncodeDataMatrix(enc, (int)n, copy) != DmtxPass) {
        free(copy);
        dmtxEncodeDestroy(&enc);
        return ubur_error_set(err, UBUR_ETOOBIG, "libdmtx cannot encode %zu bytes", n);
    }
    free(copy);
    int size = enc->region.sizeIdx;
    int rows = dmtxGetSymbolAttribute(DmtxSymAttribSymbolRows, size);
    int cols = dmtxGetSymbolAttribute(DmtxSymAttribSymbolCols, size);
    m->rows = rows;
    m->cols = cols;
    m->dark = ubur_calloc((size_t)rows * (size_t)cols, 1);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            m->dark[(size_t)(rows - 1 - r) * (size_t)cols + (size_t)c] =
                (dmtxSymbolModuleStatus(enc->message, size, r, c) & DmtxModuleOnRGB) ? 1 : 0;
    dmtxEncodeDestroy(&enc);
    return 0;
}

void
ubur_datamatrix_release(struct ubur_datamatrix *m)
{
    free(m->dark);
    m->dark = NULL;
    m->rows = m->cols = 0;
}

static int
dark_at(const struct ubur_datamatrix *m, int r, int c)
{
    r -= UBUR_DATAMATRIX_QUIET;
    c -= UBUR_DATAMATRIX_QUIET;
    if (r < 0 || c < 0 || r >= m->rows || c >= m->cols)
        return 0;
    return m->dark[(size_t)r * (size_t)m->cols + (size_t)c];
}

static void
png_to_buf(png_structp png, png_bytep data, size_t n)
{
    struct ubur_buf *b = png_get_io_ptr(png);
    if (ubur_buf_add(b, data, n))
        png_error(png, "output too large");
}

static void
png_no_flush(png_structp png)
{
    (void)png;
}

int
ubur_datamatrix_png(const struct ubur_datamatrix *m, int scale, struct ubur_buf *out,
                    struct ubur_error *err)
{
    if (scale < 1 || scale > 64)
        return ubur_error_field(err, UBUR_EINVAL, "scale", "scale %d is not 1 to 64", scale);
    int mw = m->cols + 2 * UBUR_DATAMATRIX_QUIET, mh = m->rows + 2 * UBUR_DATAMATRIX_QUIET;
    int w = mw * scale, h = mh * scale;
    size_t rowbytes = ((size_t)w + 7) / 8, start = out->len;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep volatile row = NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return ubur_error_set(err, UBUR_EINTERNAL, "libpng: cannot create a writer");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        out->len = start;
        if (out->alloc)
            out->s[start] = '\0';
        return ubur_error_set(err, UBUR_EINTERNAL, "libpng failed to write the image");
    }
    png_set_write_fn(png, out, png_to_buf, png_no_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    row = ubur_malloc(rowbytes);
    for (int y = 0; y < h; y++) {
        memset(row, 0xff, rowbytes); /* 1 = white in 1-bit greyscale */
        for (int x = 0; x < w; x++)
            if (dark_at(m, y / scale, x / scale))
                row[x / 8] &= (png_byte) ~(0x80u >> (x % 8));
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

int
ubur_datamatrix_svg(const struct ubur_datamatrix *m, int scale, struct ubur_buf *out,
                    struct ubur_error *err)
{
    if (scale < 1 || scale > 64)
        return ubur_error_field(err, UBUR_EINVAL, "scale", "scale %d is not 1 to 64", scale);
    int mw = m->cols + 2 * UBUR_DATAMATRIX_QUIET, mh = m->rows + 2 * UBUR_DATAMATRIX_QUIET;
    ubur_buf_addf(out,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
                  "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
                  mw * scale, mh * scale, mw, mh, mw, mh);
    for (int r = 0; r < m->rows; r++) {
        for (int c = 0; c < m->cols;) {
            if (!m->dark[(size_t)r * (size_t)m->cols + (size_t)c]) {
                c++;
                continue;
            }
            int run = 1;
            while (c + run < m->cols && m->dark[(size_t)r * (size_t)m->cols + (size_t)(c + run)])
                run++;
            ubur_buf_addf(out, "M%d %dh%dv1h-%dz", c + UBUR_DATAMATRIX_QUIET,
                          r + UBUR_DATAMATRIX_QUIET, run, run);
            c += run;
        }
    }
    ubur_buf_adds(out, "\"/>\n</svg>\n");
    return 0;
}
