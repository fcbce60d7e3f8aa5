/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for seals (issue 3): the input is taken as a binary seal,
 * as seal text (hex or binary), as C40 bytes, and as a string to C40-encode.
 * Decoded seals go through the visa profile, the JSON form and verification
 * against a fixed TEST-ONLY certificate (tests/data/vds/test-only-keys), so
 * the raw r||s to DER path sees arbitrary signatures. Invariants checked
 * beyond "no crash, no sanitizer report":
 *   - a decoded header, encoded again, decodes to the same fields;
 *   - C40 decode(encode(s)) == s for any string over the C40 alphabet;
 *   - every refusal carries a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/vds.h"
#include "ubur/vds_json.h"

static const char test_cert[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBxzCCAW6gAwIBAgIEHWSxEDAKBggqhkjOPQQDAjA9MQswCQYDVQQGEwJVVDEN\n"
                                "MAsGA1UECgwEdWJ1cjEMMAoGA1UECwwDVVRPMREwDwYDVQQDDAhDU0NBIFVUTzAe\n"
                                "Fw0yNTAxMDEwMDAwMDBaFw0zNDEyMzAwMDAwMDBaMDkxCzAJBgNVBAYTAlVUMQ0w\n"
                                "CwYDVQQKDAR1YnVyMQwwCgYDVQQLDANVVE8xDTALBgNVBAMMBFVUVFMwWTATBgcq\n"
                                "hkjOPQIBBggqhkjOPQMBBwNCAATXfE1D7CQvMwk60+8MRbKjCgidZzWbFSXefTjM\n"
                                "74HiYl8YtkHd7LEZjqpyEOY+hzRTw1vWYFijbAYnavKsxeCto2AwXjAMBgNVHRMB\n"
                                "Af8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUF5Q5NPqlweIGb1g5AO3a\n"
                                "6p96xvMwHwYDVR0jBBgwFoAUOxXeLxrIVwUmR9SgujnLURCWwV4wCgYIKoZIzj0E\n"
                                "AwIDRwAwRAIgb5GPYPqpotOrEA5SLRsn0sCaiy5ufcghK4+YmdiIVyMCICbkub+C\n"
                                "4Ls7G1ncoJfdZyyFTuT7jVI6/qPrX7+dzkYy\n"
                                "-----END CERTIFICATE-----\n";

static struct ubur_vds_verifier *verifier;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_header_roundtrip(const struct ubur_vds *seal)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    struct ubur_vds again;
    if (ubur_vds_header_encode(&seal->header, &b, NULL) != 0)
        abort(); /* whatever decodes must encode */
    if (ubur_vds_decode((const uint8_t *)b.s, b.len, &again, NULL) != 0)
        abort();
    const struct ubur_vds_header *x = &seal->header, *y = &again.header;
    if (x->version != y->version || strcmp(x->issuing_country, y->issuing_country) ||
        strcmp(x->signer, y->signer) || strcmp(x->cert_ref, y->cert_ref) ||
        x->issue_date != y->issue_date || x->signature_date != y->signature_date ||
        x->feature_ref != y->feature_ref || x->doc_category != y->doc_category ||
        again.header_len != b.len)
        abort();
    ubur_buf_release(&b);
}

static void
try_seal(const uint8_t *p, size_t n)
{
    struct ubur_vds seal;
    struct ubur_vds_visa visa;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_vds_decode(p, n, &seal, &err) != 0) {
        if (err.message[0] == '\0')
            abort(); /* every refusal says why */
        return;
    }
    check_header_roundtrip(&seal);
    (void)ubur_vds_visa_from_seal(&seal, &visa, NULL);
    json_t *j = ubur_vds_json(&seal);
    char *s = json_dumps(j, 0);
    if (!s)
        abort();
    free(s);
    json_decref(j);
    /* the golden seeds verify; anything the fuzzer changes must not */
    (void)ubur_vds_verify(verifier, &seal, &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!verifier &&
        ubur_vds_verifier_open_mem(&verifier, test_cert, sizeof(test_cert) - 1, NULL, 0, NULL) != 0)
        abort();

    try_seal(data, size);

    struct ubur_buf bin = UBUR_BUF_INIT;
    if (ubur_vds_parse_text((const char *)data, size, &bin, NULL) == 0)
        try_seal((const uint8_t *)bin.s, bin.len);
    ubur_buf_release(&bin);

    size_t cap = size / 2 * 3 + 1;
    char *text = malloc(cap);
    size_t n;
    (void)ubur_c40_decode(data, size, text, cap, &n, NULL);
    free(text);

    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
    size_t m = size < 512 ? size : 512;
    char s[512], back[1024];
    uint8_t enc[2 * 512 / 3 + 2];
    for (size_t i = 0; i < m; i++)
        s[i] = alphabet[data[i] % 37];
    if (ubur_c40_encode(s, m, enc, sizeof(enc), &n, NULL) != 0)
        abort();
    size_t k;
    if (ubur_c40_decode(enc, n, back, sizeof(back), &k, NULL) != 0 || k != m ||
        memcmp(back, s, m) != 0)
        abort();
    return 0;
}
