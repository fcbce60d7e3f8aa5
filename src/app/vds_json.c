/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON forms of decoded seals (include/ubur/vds_json.h). Dates are
 * "YYYY-MM-DD", bytes are lowercase hex, absent optional fields are null.
 */
#include <string.h>

#include "ubur/util.h"
#include "ubur/vds_json.h"

#include "ubur/banned.h"

static json_t *
hex_json(const uint8_t *p, size_t n)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_vds_hex(p, n, &b);
    json_t *j = json_stringn(b.s, b.len);
    ubur_buf_release(&b);
    return j;
}

static json_t *
date_json(int64_t days)
{
    char d[UBUR_DATE_LEN + 1];
    ubur_date_format(days, d);
    return json_string(d);
}

json_t *
ubur_vds_visa_json(const struct ubur_vds_visa *v)
{
    json_t *j = json_object();
    json_object_set_new(j, "format", json_string(v->format == 'A' ? "MRVA" : "MRVB"));
    json_object_set_new(j, "mrz", json_pack("[ss]", v->mrz1, v->mrz2));
    json_object_set_new(j, "entries", v->entries >= 0 ? json_integer(v->entries) : json_null());
    json_object_set_new(j, "duration",
                        json_pack("{sisisi}", "days", v->stay_days, "months", v->stay_months,
                                  "years", v->stay_years));
    json_object_set_new(j, "passport_number", json_string(v->passport_number));
    json_object_set_new(j, "visa_type",
                        v->visa_type_len ? hex_json(v->visa_type, v->visa_type_len) : json_null());
    json_object_set_new(j, "additional",
                        v->additional_len ? hex_json(v->additional, v->additional_len)
                                          : json_null());
    return j;
}

json_t *
ubur_vds_json(const struct ubur_vds *seal)
{
    const struct ubur_vds_header *h = &seal->header;
    const char *profile = ubur_vds_profile_name(h->feature_ref, h->doc_category);
    json_t *j = json_object(), *msgs = json_array();

    json_object_set_new(j, "version", json_integer(h->version + 1));
    json_object_set_new(j, "version_byte", json_integer(h->version));
    json_object_set_new(j, "issuing_country", json_string(h->issuing_country));
    json_object_set_new(j, "signer", json_string(h->signer));
    json_object_set_new(j, "cert_ref", json_string(h->cert_ref));
    json_object_set_new(j, "issue_date", date_json(h->issue_date));
    json_object_set_new(j, "signature_date", date_json(h->signature_date));
    json_object_set_new(j, "feature_ref", json_integer(h->feature_ref));
    json_object_set_new(j, "doc_category", json_integer(h->doc_category));
    json_object_set_new(j, "profile", profile ? json_string(profile) : json_null());
    json_object_set_new(j, "header_len", json_integer((json_int_t)seal->header_len));
    json_object_set_new(j, "signed_len", json_integer((json_int_t)seal->signed_len));
    for (size_t i = 0; i < seal->nmessages; i++) {
        const struct ubur_vds_message *m = &seal->messages[i];
        json_array_append_new(msgs, json_pack("{sisIso}", "tag", m->tag, "len", (json_int_t)m->len,
                                              "hex", hex_json(m->value, m->len)));
    }
    json_object_set_new(j, "messages", msgs);
    json_object_set_new(j, "signature",
                        seal->signature ? hex_json(seal->signature, seal->signature_len)
                                        : json_null());
    json_object_set_new(j, "signature_len", json_integer((json_int_t)seal->signature_len));
    if (profile && !strcmp(profile, "visa")) {
        struct ubur_vds_visa visa;
        struct ubur_error err = UBUR_ERROR_INIT;
        if (ubur_vds_visa_from_seal(seal, &visa, &err) == 0) {
            json_object_set_new(j, "visa", ubur_vds_visa_json(&visa));
        } else {
            json_object_set_new(j, "visa", json_null());
            json_object_set_new(j, "visa_error",
                                json_pack("{ssss}", "field", err.field, "message", err.message));
        }
    } else {
        json_object_set_new(j, "visa", json_null());
    }
    return j;
}
