/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the watchlist file parsers (untrusted input): the
 * first byte chooses CSV or UN XML, the rest is the file. Invariants: no
 * crash, no sanitizer report, no leak; on success every entry has a
 * reference and a primary name that the name engine parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/watchlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    struct ubur_arena a = UBUR_ARENA_INIT;
    struct ubur_wl_parsed p;
    const char *body = (const char *)data + 1;
    int rc = (data[0] & 1) ? ubur_wl_parse_un_xml(body, size - 1, &a, &p, NULL)
                           : ubur_wl_parse_csv(body, size - 1, &a, &p, NULL);
    if (rc == 0) {
        for (size_t i = 0; i < p.n; i++) {
            struct ubur_name n;
            if (!p.entries[i].reference || !p.entries[i].primary_name ||
                ubur_name_parse(&n, p.entries[i].primary_name, NULL))
                abort();
        }
    }
    ubur_arena_release(&a);
    return 0;
}
