/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Travel documents: POST /api/v1/documents/mrz parses and validates a machine
 * readable zone and answers the object of ubur_mrz_json(), the same as
 * `ubur mrz parse --json`. An invalid MRZ is still a successful answer
 * (200, "valid": false, with its errors); only a malformed request body is a
 * 400. Nothing is stored, so any signed-in role may use it.
 */
#include <string.h>

#include "http.h"
#include "ubur/mrz.h"
#include "ubur/mrz_json.h"

#include "ubur/banned.h"

static const struct ubur_json_field mrz_body[] = {
    {"mrz", UBUR_JSON_STRING, true, UBUR_MRZ_INPUT_MAX,
     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
     "L898902C36UTO7408122F1204159ZE184226B<<<<<10"},
    {"lenient", UBUR_JSON_BOOL, false, 0, "false"},
    {0},
};

static int
documents_mrz(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    (void)err;
    const char *text = ubur_json_str(req->json, "mrz");
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    o.lenient = json_is_true(json_object_get(req->json, "lenient"));
    struct ubur_mrz m;
    ubur_mrz_parse(text, strlen(text), &o, &m, NULL);
    return ubur_http_json(resp, 200, ubur_mrz_json(&m));
}

const struct ubur_http_route ubur_api_documents_routes[] = {
    {"POST", "/api/v1/documents/mrz", documents_mrz, UBUR_ROLE_ANY,
     "Parse and validate an ICAO 9303 machine readable zone (TD1, TD2, TD3, MRV-A, MRV-B)",
     mrz_body, 0},
    {0},
};
