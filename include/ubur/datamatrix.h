/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DataMatrix (ECC 200) symbols for seals: libdmtx computes the module matrix
 * (Base256 encodation, the smallest square symbol that holds the bytes), and
 * ubur draws it itself as PNG (libpng, 1-bit greyscale) or SVG (one path of
 * horizontal runs), both with a quiet zone of UBUR_DATAMATRIX_QUIET modules.
 */
#ifndef UBUR_DATAMATRIX_H
#define UBUR_DATAMATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

#define UBUR_DATAMATRIX_QUIET 2        /* modules of white around the symbol */
#define UBUR_DATAMATRIX_MAX_BYTES 1556 /* Base256 capacity of the 144x144 symbol */

struct ubur_datamatrix {
    int rows, cols;
    uint8_t *dark; /* rows * cols, row 0 at the top; 1 = dark module */
};
#define UBUR_DATAMATRIX_INIT                                                                       \
    {                                                                                              \
        0, 0, NULL                                                                                 \
    }

/* Encodes data[0..n). UBUR_ETOOBIG past the largest symbol. */
int ubur_datamatrix_encode(const uint8_t *data, size_t n, struct ubur_datamatrix *m,
                           struct ubur_error *err);
void ubur_datamatrix_release(struct ubur_datamatrix *m);

/* Appends a PNG (scale pixels per module, 1..64) to out. */
int ubur_datamatrix_png(const struct ubur_datamatrix *m, int scale, struct ubur_buf *out,
                        struct ubur_error *err);
/* Appends an SVG document (scale user units per module, 1..64) to out. */
int ubur_datamatrix_svg(const struct ubur_datamatrix *m, int scale, struct ubur_buf *out,
                        struct ubur_error *err);

#endif
