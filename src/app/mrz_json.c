/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON object of a parsed MRZ, one definition for the CLI
 * (`ubur mrz parse --json`) and the API (POST /api/v1/documents/mrz), so
 * both print exactly the same keys in the same order. Fields that could not
 * be read are "" (text) or null (dates, sex, format); dates with an unknown
 * part are null, as the contract says, and keep their raw form in the
 * struct for callers that need the known parts.
 */
#include <stdio.h>

#include "ubur/mrz_json.h"

#include "ubur/banned.h"

static json_t *
issues(const struct ubur_mrz_issue *is, int n, bool with_code)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        if (with_code)
            json_object_set_new(o, "code", json_string(is[i].code));
        json_object_set_new(o, "field", json_string(is[i].field));
        json_object_set_new(o, "message", json_string(is[i].message));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
date_or_null(const struct ubur_mrz_date *d)
{
    char iso[11];
    return ubur_mrz_date_iso(d, iso) ? json_string(iso) : json_null();
}

json_t *
ubur_mrz_json(const struct ubur_mrz *m)
{
    json_t *o = json_object();
    const char *fmt = ubur_mrz_format_name(m->format);
    char sex[2] = {m->sex, '\0'};

    json_object_set_new(o, "format", fmt ? json_string(fmt) : json_null());
    json_object_set_new(o, "document_code", json_string(m->document_code));
    json_object_set_new(o, "issuing_state", json_string(m->issuing_state));
    json_object_set_new(o, "surname", json_string(m->surname));
    json_object_set_new(o, "given_names", json_string(m->given_names));
    json_object_set_new(o, "document_number", json_string(m->document_number));
    json_object_set_new(o, "nationality", json_string(m->nationality));
    json_object_set_new(o, "birth_date", date_or_null(&m->birth_date));
    json_object_set_new(o, "expiry_date", date_or_null(&m->expiry_date));
    json_object_set_new(o, "sex", m->sex ? json_string(sex) : json_null());
    json_object_set_new(o, "optional_data", json_string(m->optional_data));
    json_object_set_new(o, "optional_data_2",
                        m->has_optional_data_2 ? json_string(m->optional_data_2) : json_null());
    json_object_set_new(o, "valid", json_boolean(m->valid));

    json_t *c = json_array();
    for (int i = 0; i < m->ncorrected; i++) {
        const struct ubur_mrz_correction *k = &m->corrected[i];
        json_t *e = json_object();
        json_object_set_new(e, "field", json_string(k->field));
        json_object_set_new(e, "read", json_string(k->read));
        json_object_set_new(e, "value", json_string(k->value));
        json_object_set_new(e, "line", json_integer(k->line));
        json_object_set_new(e, "column", json_integer(k->column));
        json_array_append_new(c, e);
    }
    json_object_set_new(o, "corrected", c);

    json_t *errs = issues(m->errors, m->nerrors, false);
    if (m->nerrors_dropped > 0) {
        char msg[80];
        snprintf(msg, sizeof(msg), "%d more errors not listed", m->nerrors_dropped);
        json_t *e = json_object();
        json_object_set_new(e, "field", json_string("mrz"));
        json_object_set_new(e, "message", json_string(msg));
        json_array_append_new(errs, e);
    }
    json_object_set_new(o, "errors", errs);
    json_object_set_new(o, "warnings", issues(m->warnings, m->nwarnings, true));
    return o;
}
