/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the crossing rules' text inputs, which arrive from
 * the API (a supervisor's schedule): category lists and opening hours. The
 * first byte sets the traveller's category bits, the rest up to a newline
 * is a category list, after it opening hours. Invariants: no crash, no
 * sanitizer report; normalising is idempotent; a list matches the same
 * travellers before and after normalising; hours that parse, formatted
 * and parsed again, give the same minutes; the mode rule adds at most one
 * reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/border_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[UBUR_BORDER_CATEGORIES_MAX + 64], a[UBUR_BORDER_CATEGORIES_MAX],
        b[UBUR_BORDER_CATEGORIES_MAX];
    if (size < 1 || size >= sizeof(text))
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (strlen(text) != size - 1)
        return 0; /* NUL inside: not a C string */
    char *hours = strchr(text, '\n');
    if (hours)
        *hours++ = '\0';

    struct ubur_border_category c = {
        "IRQ", "medical", data[0] & 1, (data[0] >> 1) & 1, (data[0] >> 2) & 1, (data[0] >> 3) & 1};
    if (data[0] & 0x10)
        memcpy(c.nationality, "SYR", 4);
    if (data[0] & 0x20)
        c.purpose[0] = '\0';
    bool normalised = ubur_border_categories_normalise(text, a, sizeof(a), NULL) == 0;
    if (normalised) {
        if (ubur_border_categories_normalise(a, b, sizeof(b), NULL) != 0 || strcmp(a, b) != 0)
            abort();
        if (ubur_border_categories_match(text, &c) != ubur_border_categories_match(a, &c))
            abort();
    }
    (void)ubur_border_categories_match(text, &c);

    if (hours) {
        int o, cl, o2, cl2;
        char back[12];
        if (ubur_border_hours_parse(hours, &o, &cl, NULL) == 0) {
            ubur_border_hours_format(o, cl, back);
            if (ubur_border_hours_parse(back, &o2, &cl2, NULL) != 0 || o2 != o || cl2 != cl)
                abort();
            struct ubur_border_schedule s = {UBUR_MODE_RESTRICTED_HOURS, o, cl,
                                             normalised ? a : NULL, 180};
            struct ubur_border_reasons rs = UBUR_BORDER_REASONS_INIT;
            ubur_border_rule_mode(&s, &c, (int64_t)data[0] * 3600 * 7, &rs);
            if (rs.n > 1)
                abort();
        }
    }
    return 0;
}
