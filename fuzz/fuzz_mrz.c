/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the MRZ parser and the name transliteration, the two
 * places where ubur reads machine readable zone text and names from outside.
 * The input is parsed strictly and leniently (today fixed, so runs are
 * reproducible) and also used as a name to transliterate and fit into a name
 * field. Invariants checked beyond "no crash, no sanitizer report": the
 * return code agrees with `valid`, an invalid result has at least one error
 * naming a field, every message is valid UTF-8 (the JSON form can be
 * serialised), and a repaired MRZ parses again without any repair.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/mrz.h"
#include "ubur/mrz_json.h"
#include "ubur/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct ubur_mrz *m, int rc)
{
    if ((rc == 0) != m->valid)
        abort();
    if (!m->valid && (m->nerrors == 0 || !m->errors[0].field[0]))
        abort();
    json_t *j = ubur_mrz_json(m);
    char *s = json_dumps(j, 0);
    if (!s) /* a message or field that is not UTF-8 */
        abort();
    free(s);
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ubur_mrz m;
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.today = ubur_days_from_civil(2025, 6, 1);

    for (int lenient = 0; lenient < 2; lenient++) {
        o.lenient = lenient;
        int rc = ubur_mrz_parse((const char *)data, size, &o, &m, NULL);
        check(&m, rc);
        if (rc == 0 && m.ncorrected > 0) {
            /* The repaired lines are a valid MRZ in their own right. */
            char text[3 * 46];
            size_t n = 0;
            for (int i = 0; i < m.nlines; i++) {
                size_t l = strlen(m.lines[i]);
                memcpy(text + n, m.lines[i], l);
                n += l;
                text[n++] = '\n';
            }
            struct ubur_mrz again;
            struct ubur_mrz_opts strict = o;
            strict.no_repair = true;
            if (ubur_mrz_parse(text, n, &strict, &again, NULL) != 0)
                abort();
        }
    }

    /* The same bytes as a name. */
    if (size < 512) {
        char *name = malloc(size + 1), out[128], field[45];
        memcpy(name, data, size);
        name[size] = '\0';
        ubur_mrz_transliterate(name, out, sizeof(out), NULL);
        if (ubur_mrz_name_field(name, name, 39, field, NULL) == 0 && strlen(field) != 39)
            abort();
        free(name);
    }
    return 0;
}
