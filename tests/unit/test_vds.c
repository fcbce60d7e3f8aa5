/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of Visible Digital Seals: C40 and dates against worked values,
 * the BSI TR-03137 Annex F visa seal (skipped without ../shared), the golden
 * seals in tests/data/vds/golden.json (signed with the TEST-ONLY keys there),
 * every truncation and single-byte change of a seal, key generation for every
 * curve with its hash, CSCA chains, version 3 headers, and DataMatrix round
 * trips through libpng and libdmtx's decoder.
 */
#include "unit.h"

#include <dmtx.h>
#include <jansson.h>
#include <png.h>
#include <unistd.h>

#include "ubur/datamatrix.h"
#include "ubur/util.h"
#include "ubur/vds.h"

#define MRVA1 "V<IRQAL<HASHIMI<<AHMAD<MUHAMMAD<<<<<<<<<<<<<"
#define MRVA2 "IQV1234560SYR8503150M2706306<<<<<<<<<<<<<<<<"
#define MRVB1 "V<SYRAL<JUBURI<<FATIMA<<<<<<<<<<<<<<"
#define MRVB2 "SV00428711IRQ9201017F2701150<<<<<<<<"

static int64_t
day(const char *s)
{
    int64_t d;
    assert_int_equal(ubur_date_parse(s, &d, NULL), 0);
    return d;
}

static void
fill_visa(struct ubur_vds_visa *v, const char *l1, const char *l2)
{
    struct ubur_vds_visa init = UBUR_VDS_VISA_INIT;
    *v = init;
    snprintf(v->mrz1, sizeof(v->mrz1), "%s", l1);
    snprintf(v->mrz2, sizeof(v->mrz2), "%s", l2);
    v->entries = 1;
    v->stay_days = 30;
    snprintf(v->passport_number, sizeof(v->passport_number), "N1234567");
    /* today, within the validity of certificates the tests make */
    v->issue_date = UBUR_VDS_TODAY;
    v->signature_date = UBUR_VDS_TODAY;
}

/* A fresh CSCA + signer on curve, opened as signer and verifier (with the CSCA). */
struct pair {
    struct ubur_vds_keyset ks;
    struct ubur_vds_signer *s;
    struct ubur_vds_verifier *v;
};

static void
pair_new(struct pair *p, const char *curve)
{
    struct ubur_vds_keyspec spec = {.country = "IRQ", .signer = "IQVS", .curve = curve};
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds_keyset init = UBUR_VDS_KEYSET_INIT;
    p->ks = init;
    if (ubur_vds_keys_new(&spec, &p->ks, &err))
        fail_msg("keys_new(%s): %s", curve, err.message);
    if (ubur_vds_signer_open_mem(&p->s, p->ks.signer_key, strlen(p->ks.signer_key),
                                 p->ks.signer_cert, strlen(p->ks.signer_cert), &err))
        fail_msg("signer_open: %s", err.message);
    if (ubur_vds_verifier_open_mem(&p->v, p->ks.signer_cert, strlen(p->ks.signer_cert),
                                   p->ks.csca_cert, strlen(p->ks.csca_cert), &err))
        fail_msg("verifier_open: %s", err.message);
}

static void
pair_free(struct pair *p)
{
    ubur_vds_signer_close(p->s);
    ubur_vds_verifier_close(p->v);
    ubur_vds_keyset_release(&p->ks);
}

static void
test_c40(void **state)
{
    (void)state;
    uint8_t b[64];
    char s[64];
    size_t n;
    struct ubur_error err = UBUR_ERROR_INIT;

    /* ICAO 9303-13 / BSI worked values */
    assert_int_equal(ubur_c40_encode("VCD", 3, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0], 0xDD);
    assert_int_equal(b[1], 0x52);
    assert_int_equal(ubur_c40_encode("<<D", 3, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(b[0] << 8 | b[1], 0x134A);
    /* two trailing characters: padded with shift 1 */
    assert_int_equal(ubur_c40_encode("DETS0232", 8, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(b, "\x6d\x32\xc8\xa7\x2c\xb1", 6);
    /* one trailing character: unlatch and ASCII + 1 */
    assert_int_equal(ubur_c40_encode("ABCD", 4, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_int_equal(b[2], 0xFE);
    assert_int_equal(b[3], 'D' + 1);
    assert_int_equal(ubur_c40_decode(b, n, s, sizeof(s), &n, NULL), 0);
    assert_string_equal(s, "ABCD");
    assert_int_equal(ubur_c40_encode("A<", 2, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(ubur_c40_decode(b, n, s, sizeof(s), &n, NULL), 0);
    assert_string_equal(s, "A<");
    assert_int_equal(ubur_c40_encode("<", 1, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(b[1], ' ' + 1);
    assert_int_equal(ubur_c40_decode(b, n, s, sizeof(s), &n, NULL), 0);
    assert_string_equal(s, "<");
    assert_int_equal(ubur_c40_encode("", 0, b, sizeof(b), &n, NULL), 0);
    assert_int_equal(n, 0);

    /* every length round-trips */
    const char *alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
    for (size_t len = 0; len <= 37; len++) {
        char dec[64];
        size_t m;
        assert_int_equal(ubur_c40_encode(alpha, len, b, sizeof(b), &n, NULL), 0);
        assert_int_equal(n, ubur_c40_encoded_len(len));
        assert_int_equal(ubur_c40_decode(b, n, dec, sizeof(dec), &m, NULL), 0);
        assert_int_equal(m, len);
        assert_memory_equal(dec, alpha, len);
    }

    /* errors */
    assert_int_equal(ubur_c40_encode("Ab", 2, b, sizeof(b), &n, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "'b' at position 2"));
    assert_int_equal(ubur_c40_encode("ABCD", 4, b, 3, &n, NULL), UBUR_ETOOBIG);
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\xdd", 1, s, sizeof(s), &n, &err),
                     UBUR_EINVAL);
    assert_non_null(strstr(err.message, "odd"));
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\xfa\x02", 2, s, sizeof(s), &n, &err),
                     UBUR_EINVAL); /* 64002 > 64000 */
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\x00\x00", 2, s, sizeof(s), &n, NULL),
                     UBUR_EINVAL);
    assert_int_equal(
        ubur_c40_decode((const uint8_t *)"\xfe\x42\xdd\x52", 4, s, sizeof(s), &n, &err),
        UBUR_EINVAL);
    assert_non_null(strstr(err.message, "unlatch"));
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\xfe\x01", 2, s, sizeof(s), &n, NULL),
                     UBUR_EINVAL);
    /* a shift in the first position, or padding before the last pair */
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\x00\x11", 2, s, sizeof(s), &n, NULL),
                     UBUR_EINVAL);
    assert_int_equal(
        ubur_c40_decode((const uint8_t *)"\x2c\xb1\xdd\x52", 4, s, sizeof(s), &n, NULL),
        UBUR_EINVAL);
    /* output too small */
    assert_int_equal(ubur_c40_decode((const uint8_t *)"\xdd\x52", 2, s, 3, &n, NULL), UBUR_ETOOBIG);
}

static void
test_dates(void **state)
{
    (void)state;
    uint8_t b[3];
    int64_t d;
    assert_int_equal(ubur_vds_date_encode(day("2020-01-01"), b, NULL), 0);
    assert_memory_equal(b, "\x0f\x71\x34", 3);
    assert_int_equal(ubur_vds_date_decode((const uint8_t *)"\xb7\x98\x15", &d, NULL), 0);
    assert_int_equal(d, day("2021-12-03"));
    struct ubur_error err = UBUR_ERROR_INIT;
    /* 13322021: month 13 */
    uint8_t bad[3] = {0xCB, 0x46, 0x25};
    assert_int_equal(ubur_vds_date_decode(bad, &d, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "not a date"));
    assert_int_equal(ubur_vds_date_decode((const uint8_t *)"\xff\xff\xff", &d, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_vds_date_decode((const uint8_t *)"\x00\x00\x00", &d, NULL), UBUR_EINVAL);
}

static void
hex_of(const struct ubur_vds_message *m, char *out, size_t cap)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    ubur_vds_hex(m->value, m->len, &b);
    snprintf(out, cap, "%s", b.s);
    ubur_buf_release(&b);
}

static void
date_is(int64_t d, const char *want)
{
    char s[UBUR_DATE_LEN + 1];
    ubur_date_format(d, s);
    assert_string_equal(s, want);
}

static void
test_bsi_annex_f(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *j = json_load_file(UNIT_SHARED("vds/bsi_tr03137_annexF_visa.json"), 0, &jerr);
    if (!j)
        fail_msg("%s", jerr.text);
    const char *hex = json_string_value(json_object_get(j, "hex"));
    json_t *want = json_object_get(j, "decoded");
    struct ubur_buf bin = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    assert_int_equal(ubur_vds_parse_text(hex, strlen(hex), &bin, &err), 0);
    assert_int_equal(ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err), 0);

    const struct ubur_vds_header *h = &seal.header;
    assert_int_equal(h->version, json_integer_value(json_object_get(want, "version_byte")));
    assert_string_equal(h->issuing_country,
                        json_string_value(json_object_get(want, "issuing_country")));
    assert_string_equal(h->signer, json_string_value(json_object_get(want, "signer")));
    assert_string_equal(h->cert_ref, json_string_value(json_object_get(want, "cert_ref")));
    date_is(h->issue_date, json_string_value(json_object_get(want, "issue_date")));
    date_is(h->signature_date, json_string_value(json_object_get(want, "sig_date")));
    assert_int_equal(h->feature_ref,
                     json_integer_value(json_object_get(want, "doc_feature_def_ref")));
    assert_int_equal(h->doc_category, json_integer_value(json_object_get(want, "doc_type_cat")));
    assert_int_equal(seal.header_len, json_integer_value(json_object_get(want, "header_len")));
    assert_int_equal(seal.signed_len, json_integer_value(json_object_get(want, "signed_len")));
    assert_int_equal(seal.signature_len, json_integer_value(json_object_get(want, "sig_len")));
    json_t *msgs = json_object_get(want, "messages");
    assert_int_equal(seal.nmessages, json_array_size(msgs));
    for (size_t i = 0; i < seal.nmessages; i++) {
        json_t *m = json_array_get(msgs, i);
        char hx[256];
        assert_int_equal(seal.messages[i].tag, json_integer_value(json_object_get(m, "tag")));
        assert_int_equal(seal.messages[i].len, json_integer_value(json_object_get(m, "len")));
        hex_of(&seal.messages[i], hx, sizeof(hx));
        assert_string_equal(hx, json_string_value(json_object_get(m, "hex")));
    }
    struct ubur_vds_message sig = {0xFF, seal.signature_len, seal.signature};
    char sighex[256];
    hex_of(&sig, sighex, sizeof(sighex));
    assert_string_equal(sighex, json_string_value(json_object_get(want, "signature_hex")));

    struct ubur_vds_visa visa;
    assert_int_equal(ubur_vds_visa_from_seal(&seal, &visa, &err), 0);
    char mrz[128];
    snprintf(mrz, sizeof(mrz), "%s%s", visa.mrz1, visa.mrz2);
    assert_string_equal(mrz, json_string_value(json_object_get(j, "mrz_c40_decoded")));
    assert_int_equal(visa.format, 'B');
    assert_int_equal(visa.entries, -1);
    assert_int_equal(visa.stay_days, 160);
    assert_string_equal(visa.passport_number, "47110815P");

    /* verifies with its brainpoolP224r1 certificate (SHA-224) */
    struct ubur_vds_verifier *v;
    assert_int_equal(ubur_vds_verifier_open(&v, UNIT_SHARED("vds/sealgen_DETS32.crt"), NULL, &err),
                     0);
    assert_int_equal(ubur_vds_verify(v, &seal, &err), 0);
    /* one bit changed in the MRZ: the signature no longer verifies */
    bin.s[30] ^= 1;
    assert_int_equal(ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err), 0);
    assert_int_equal(ubur_vds_verify(v, &seal, &err), UBUR_EUNPROC);
    assert_string_equal(err.field, "signature");
    bin.s[30] ^= 1;
    ubur_vds_verifier_close(v);

    /* the other certificate names another signer */
    if (access(UNIT_SHARED("vds/sealgen_UTTS5B.crt"), R_OK) == 0) {
        assert_int_equal(
            ubur_vds_verifier_open(&v, UNIT_SHARED("vds/sealgen_UTTS5B.crt"), NULL, &err), 0);
        assert_int_equal(ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err), 0);
        assert_int_equal(ubur_vds_verify(v, &seal, &err), UBUR_EUNPROC);
        assert_string_equal(err.field, "signer");
        assert_non_null(strstr(err.message, "UTTS"));
        ubur_vds_verifier_close(v);
    }
    /* the one-call form */
    assert_int_equal(ubur_vds_visa_check(UNIT_SHARED("vds/sealgen_DETS32.crt"), NULL,
                                         (const uint8_t *)bin.s, bin.len, &visa, &err),
                     0);
    assert_string_equal(visa.passport_number, "47110815P");
    ubur_buf_release(&bin);
    json_decref(j);
}

static void
test_golden(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *all = json_load_file(UNIT_DATA("vds/golden.json"), 0, &jerr);
    if (!all)
        fail_msg("golden.json: %s", jerr.text);
    assert_true(json_array_size(all) >= 4);
    size_t i;
    json_t *g;
    json_array_foreach(all, i, g)
    {
        const char *name = json_string_value(json_object_get(g, "name"));
        const char *hex = json_string_value(json_object_get(g, "hex"));
        const char *cert = json_string_value(json_object_get(g, "cert"));
        const char *ca = json_string_value(json_object_get(g, "ca"));
        json_t *e = json_object_get(g, "expect");
        struct ubur_buf bin = UBUR_BUF_INIT;
        struct ubur_error err = UBUR_ERROR_INIT;
        struct ubur_vds seal;
        struct ubur_vds_visa visa;
        print_message("# golden %s\n", name);
        assert_int_equal(ubur_vds_parse_text(hex, strlen(hex), &bin, &err), 0);
        if (ubur_vds_visa_check(cert, ca, (const uint8_t *)bin.s, bin.len, &visa, &err))
            fail_msg("%s: %s: %s", name, err.field, err.message);
        assert_string_equal(visa.issuing_country,
                            json_string_value(json_object_get(e, "issuing_country")));
        assert_string_equal(visa.signer, json_string_value(json_object_get(e, "signer")));
        assert_string_equal(visa.cert_ref, json_string_value(json_object_get(e, "cert_ref")));
        date_is(visa.issue_date, json_string_value(json_object_get(e, "issue_date")));
        date_is(visa.signature_date, json_string_value(json_object_get(e, "signature_date")));
        assert_int_equal(visa.format,
                         json_string_value(json_object_get(e, "format"))[3] == 'A' ? 'A' : 'B');
        json_t *mrz = json_object_get(e, "mrz");
        assert_string_equal(visa.mrz1, json_string_value(json_array_get(mrz, 0)));
        assert_string_equal(visa.mrz2, json_string_value(json_array_get(mrz, 1)));
        json_t *ent = json_object_get(e, "entries");
        assert_int_equal(visa.entries, json_is_null(ent) ? -1 : json_integer_value(ent));
        json_t *dur = json_object_get(e, "duration");
        assert_int_equal(visa.stay_days, json_integer_value(json_object_get(dur, "days")));
        assert_int_equal(visa.stay_months, json_integer_value(json_object_get(dur, "months")));
        assert_int_equal(visa.stay_years, json_integer_value(json_object_get(dur, "years")));
        assert_string_equal(visa.passport_number,
                            json_string_value(json_object_get(e, "passport_number")));
        assert_int_equal(ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err), 0);
        assert_int_equal(seal.signature_len,
                         json_integer_value(json_object_get(e, "signature_len")));

        /* Signing the decoded fields again gives the same signed bytes. */
        char key[512];
        snprintf(key, sizeof(key), "%.*s.key", (int)(strlen(cert) - 4), cert);
        struct ubur_buf again = UBUR_BUF_INIT;
        struct ubur_vds seal2;
        if (ubur_vds_visa_issue(key, cert, &visa, &again, &err))
            fail_msg("%s: re-sign: %s", name, err.message);
        assert_int_equal(ubur_vds_decode((const uint8_t *)again.s, again.len, &seal2, &err), 0);
        assert_int_equal(seal2.signed_len, seal.signed_len);
        assert_memory_equal(seal2.signed_data, seal.signed_data, seal.signed_len);
        ubur_buf_release(&again);
        ubur_buf_release(&bin);
    }
    json_decref(all);
}

/* Every prefix and every single-byte change of a seal: decoded or refused, never a crash. */
static void
test_truncate_and_mutate(void **state)
{
    (void)state;
    struct pair p;
    struct ubur_vds_visa visa;
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    pair_new(&p, NULL);
    fill_visa(&visa, MRVA1, MRVA2);
    assert_int_equal(ubur_vds_sign_visa(p.s, &visa, &out, &err), 0);

    for (size_t n = 0; n < out.len; n++) {
        /* an exact copy so ASan sees any read past n */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, out.s, n);
        int rc = ubur_vds_decode(cut, n, &seal, &err);
        if (rc == 0) {
            assert_null(seal.signature); /* only prefixes that end between TLVs decode */
            assert_int_equal(ubur_vds_verify(p.v, &seal, &err), UBUR_EUNPROC);
        } else {
            assert_int_equal(rc, UBUR_EINVAL);
            assert_true(err.message[0] != '\0');
        }
        free(cut);
    }
    assert_int_equal(ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err), 0);
    assert_int_equal(ubur_vds_verify(p.v, &seal, &err), 0);
    for (size_t i = 0; i < out.len; i++) {
        for (int bit = (int)(i % 8); bit < 8; bit += 8) { /* one bit per byte, rotating */
            out.s[i] ^= (char)(1 << bit);
            if (ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err) == 0) {
                struct ubur_vds_visa tmp;
                (void)ubur_vds_visa_from_seal(&seal, &tmp, NULL);
                assert_int_not_equal(ubur_vds_verify(p.v, &seal, &err), 0);
            }
            out.s[i] ^= (char)(1 << bit);
        }
    }
    ubur_buf_release(&out);
    pair_free(&p);
}

static void
test_curves(void **state)
{
    (void)state;
    static const struct {
        const char *curve;
        size_t sig;
    } c[] = {{"P-256", 64},           {"P-384", 96},           {"P-521", 132},
             {"brainpoolP224r1", 56}, {"brainpoolP256r1", 64}, {"brainpoolP320r1", 80},
             {"brainpoolP384r1", 96}, {"brainpoolP512r1", 128}};
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct pair p;
        struct ubur_vds_visa visa;
        struct ubur_buf out = UBUR_BUF_INIT;
        struct ubur_error err = UBUR_ERROR_INIT;
        struct ubur_vds seal;
        pair_new(&p, c[i].curve);
        fill_visa(&visa, MRVB1, MRVB2);
        assert_int_equal(ubur_vds_sign_visa(p.s, &visa, &out, &err), 0);
        assert_int_equal(ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err), 0);
        assert_int_equal(seal.signature_len, c[i].sig);
        if (ubur_vds_verify(p.v, &seal, &err))
            fail_msg("%s: %s", c[i].curve, err.message);
        assert_string_equal(seal.header.signer, "IQVS");
        assert_int_equal(strlen(seal.header.cert_ref), 8);
        ubur_buf_release(&out);
        pair_free(&p);
    }
}

static void
test_verify_failures(void **state)
{
    (void)state;
    struct pair a, b;
    struct ubur_vds_visa visa;
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    pair_new(&a, NULL);
    pair_new(&b, NULL);
    fill_visa(&visa, MRVA1, MRVA2);
    visa.signature_date = UBUR_VDS_TODAY; /* within the new certificate's validity */
    visa.issue_date = UBUR_VDS_TODAY;
    assert_int_equal(ubur_vds_sign_visa(a.s, &visa, &out, &err), 0);
    assert_int_equal(ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err), 0);
    assert_int_equal(ubur_vds_verify(a.v, &seal, &err), 0);
    /* another signer's certificate */
    assert_int_equal(ubur_vds_verify(b.v, &seal, &err), UBUR_EUNPROC);
    assert_string_equal(err.field, "signer");
    /* the right certificate under another CSCA */
    struct ubur_vds_verifier *v;
    assert_int_equal(ubur_vds_verifier_open_mem(&v, a.ks.signer_cert, strlen(a.ks.signer_cert),
                                                b.ks.csca_cert, strlen(b.ks.csca_cert), &err),
                     UBUR_EUNPROC);
    assert_string_equal(err.field, "certificate");
    /* a signature date before the certificate existed */
    fill_visa(&visa, MRVA1, MRVA2);
    visa.issue_date = visa.signature_date = day("2001-01-01");
    ubur_buf_reset(&out);
    assert_int_equal(ubur_vds_sign_visa(a.s, &visa, &out, &err), 0);
    assert_int_equal(ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err), 0);
    assert_int_equal(ubur_vds_verify(a.v, &seal, &err), UBUR_EUNPROC);
    assert_string_equal(err.field, "signature_date");
    /* no signature zone */
    seal.signature = NULL;
    assert_int_equal(ubur_vds_verify(a.v, &seal, &err), UBUR_EUNPROC);
    assert_string_equal(err.field, "signature");
    /* a key that is not the certificate's */
    struct ubur_vds_signer *s;
    assert_int_equal(ubur_vds_signer_open_mem(&s, a.ks.signer_key, strlen(a.ks.signer_key),
                                              b.ks.signer_cert, strlen(b.ks.signer_cert), &err),
                     UBUR_EINVAL);
    assert_string_equal(err.field, "cert");
    assert_int_equal(
        ubur_vds_signer_open_mem(&s, "junk", 4, a.ks.signer_cert, strlen(a.ks.signer_cert), &err),
        UBUR_EINVAL);
    assert_string_equal(err.field, "key");
    assert_int_equal(ubur_vds_verifier_open(&v, "/nonexistent/cert.pem", NULL, &err), UBUR_EIO);
    assert_non_null(strstr(err.message, "/nonexistent/cert.pem"));
    ubur_buf_release(&out);
    pair_free(&a);
    pair_free(&b);
}

static void
test_visa_encode_errors(void **state)
{
    (void)state;
    struct ubur_vds_visa v;
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    static const struct {
        const char *l1, *l2, *passport;
        int entries, days;
        const char *field, *msg;
    } bad[] = {
        {"V<IRQ", MRVA2, "N1", 1, 30, "mrz", "has 5 characters"},
        {MRVA1, "IQV123", "N1", 1, 30, "mrz", "line 2 has 6"},
        {MRVA1, "iqv1234560SYR8503150M2706306", "N1", 1, 30, "mrz", "upper case"},
        {"P<IRQAL<HASHIMI<<AHMAD<MUHAMMAD<<<<<<<<<<<<<", MRVA2, "N1", 1, 30, "mrz", "not a visa"},
        {MRVA1, MRVA2, "N1", 256, 30, "entries", "256"},
        {MRVA1, MRVA2, "N1", 1, 300, "days", "300"},
        {MRVA1, MRVA2, "", 1, 30, "passport_number", "not a passport"},
        {MRVA1, MRVA2, "N1-2", 1, 30, "passport_number", "N1-2"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fill_visa(&v, bad[i].l1, bad[i].l2);
        snprintf(v.passport_number, sizeof(v.passport_number), "%s", bad[i].passport);
        v.entries = bad[i].entries;
        v.stay_days = bad[i].days;
        assert_int_equal(ubur_vds_visa_encode_messages(&v, &out, &err), UBUR_EINVAL);
        assert_string_equal(err.field, bad[i].field);
        if (!strstr(err.message, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, bad[i].msg);
        assert_int_equal(out.len, 0); /* nothing written */
    }
    /* line 2 may come whole or already cut to 28 */
    fill_visa(&v, MRVB1, "SV00428711IRQ9201017F2701150");
    assert_int_equal(ubur_vds_visa_encode_messages(&v, &out, &err), 0);
    ubur_buf_release(&out);
}

static void
test_decode_errors(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    static const struct {
        const char *hex;
        const char *field, *msg;
    } bad[] = {
        {"", "seal", "empty"},
        {"dd", "magic", "not 0xDC"},
        {"dc", "version", "inside the version"},
        {"dc05", "version", "0x05"},
        {"dc036abc", "signer", "signer"},
        {"dc036abc6d32c8a72cb10f71", "issue_date", "issue_date"},
        {"dc036abc6d32c8a72cb10f7134b798155d", "doc_category", "doc_category"},
        /* month 13 in the issue date */
        {"dc036abc6d32c8a72cb1cb4625b798155d01", "issue_date", "not a date"},
        /* a TLV that claims more than is there */
        {"dc036abc6d32c8a72cb10f7134b798155d01022c", "messages", "says 44 bytes"},
        {"dc036abc6d32c8a72cb10f7134b798155d0102", "messages", "before its length"},
        {"dc036abc6d32c8a72cb10f7134b798155d010283000000", "messages", "not supported"},
        {"dc036abc6d32c8a72cb10f7134b798155d010403a00000", NULL, NULL}, /* fine, unsigned */
        {"dc036abc6d32c8a72cb10f7134b798155d010403a000000401ff", "messages", "twice"},
        {"dc036abc6d32c8a72cb10f7134b798155d01ff020000aa", "signature", "follow"},
        /* certificate reference length "FF" in a version 4 header */
        {"dc036abc6d32c9ed", "signer", "inside the signer"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ubur_buf bin = UBUR_BUF_INIT;
        size_t n = strlen(bad[i].hex);
        int rc = n ? ubur_vds_parse_text(bad[i].hex, n, &bin, &err) : 0;
        if (rc)
            fail_msg("case %zu: %s", i, err.message);
        rc = ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err);
        if (!bad[i].field) {
            assert_int_equal(rc, 0);
        } else {
            if (rc != UBUR_EINVAL || strcmp(err.field, bad[i].field) ||
                !strstr(err.message, bad[i].msg))
                fail_msg("case %zu (%s): rc %d field '%s' message '%s'", i, bad[i].hex, rc,
                         err.field, err.message);
        }
        ubur_buf_release(&bin);
    }
    /* too long */
    uint8_t *big = calloc(UBUR_VDS_MAX_LEN + 1, 1);
    big[0] = 0xDC;
    assert_int_equal(ubur_vds_decode(big, UBUR_VDS_MAX_LEN + 1, &seal, &err), UBUR_ETOOBIG);
    free(big);
}

static void
test_parse_text(void **state)
{
    (void)state;
    struct ubur_buf b = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_vds_parse_text(" 0xDC03 6a\nBC\t", 14, &b, &err), 0);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.s, "\xdc\x03\x6a\xbc", 4);
    ubur_buf_reset(&b);
    assert_int_equal(ubur_vds_parse_text("\xdc\x03\x00", 3, &b, &err), 0); /* binary */
    assert_int_equal(b.len, 3);
    ubur_buf_reset(&b);
    assert_int_equal(ubur_vds_parse_text("dc0", 3, &b, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "odd"));
    assert_int_equal(b.len, 0);
    assert_int_equal(ubur_vds_parse_text("dc0g", 4, &b, &err), UBUR_EINVAL);
    assert_non_null(strstr(err.message, "'g' at position 4"));
    assert_int_equal(ubur_vds_parse_text("  ", 2, &b, &err), UBUR_EINVAL);
    assert_int_equal(b.len, 0);
    ubur_buf_release(&b);
}

/* A version 3 header (0x02): 4 + 5 characters, the reference zero-padded. */
static void
test_version3(void **state)
{
    (void)state;
    struct ubur_vds_header h = {.version = UBUR_VDS_VERSION_3,
                                .issuing_country = "IRQ",
                                .issue_date = 0,
                                .feature_ref = UBUR_VDS_FEATURE_VISA,
                                .doc_category = UBUR_VDS_CATEGORY_VISA};
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    memcpy(h.signer, "IQVS", 5);
    snprintf(h.cert_ref, sizeof(h.cert_ref), "32");
    h.issue_date = h.signature_date = day("2025-01-02");
    assert_int_equal(ubur_vds_header_encode(&h, &out, &err), 0);
    assert_int_equal(out.len, 18);
    assert_int_equal(ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err), 0);
    assert_int_equal(seal.header.version, UBUR_VDS_VERSION_3);
    assert_string_equal(seal.header.cert_ref, "00032");
    assert_string_equal(seal.header.signer, "IQVS");
    /* 6 characters do not fit version 3 */
    snprintf(h.cert_ref, sizeof(h.cert_ref), "123456");
    assert_int_equal(ubur_vds_header_encode(&h, &out, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "cert_ref");

    ubur_buf_release(&out);
}

static void
test_datamatrix(void **state)
{
    (void)state;
    struct pair p;
    struct ubur_vds_visa visa;
    struct ubur_buf seal = UBUR_BUF_INIT, png = UBUR_BUF_INIT, svg = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_datamatrix m = UBUR_DATAMATRIX_INIT;
    pair_new(&p, NULL);
    fill_visa(&visa, MRVA1, MRVA2);
    assert_int_equal(ubur_vds_sign_visa(p.s, &visa, &seal, &err), 0);
    assert_int_equal(ubur_datamatrix_encode((const uint8_t *)seal.s, seal.len, &m, &err), 0);
    assert_true(m.rows == m.cols && m.rows >= 40);
    /* the finder pattern: solid left column and bottom row, alternating top row */
    for (int i = 0; i < m.rows; i++) {
        assert_int_equal(m.dark[(size_t)i * (size_t)m.cols], 1);
        assert_int_equal(m.dark[(size_t)(m.rows - 1) * (size_t)m.cols + (size_t)i], 1);
        assert_int_equal(m.dark[i], (i + 1) % 2);
    }
    assert_int_equal(ubur_datamatrix_png(&m, 3, &png, &err), 0);
    assert_int_equal(ubur_datamatrix_svg(&m, 3, &svg, &err), 0);
    assert_non_null(strstr(svg.s, "<svg"));
    assert_non_null(strstr(svg.s, "</svg>"));

    /* read the PNG back and decode it with libdmtx */
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&img, png.s, png.len));
    img.format = PNG_FORMAT_GRAY;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
    assert_int_equal(img.width, (unsigned)(m.cols + 2 * UBUR_DATAMATRIX_QUIET) * 3);
    DmtxImage *dimg = dmtxImageCreate(px, (int)img.width, (int)img.height, DmtxPack8bppK);
    DmtxDecode *dec = dmtxDecodeCreate(dimg, 1);
    DmtxTime timeout = dmtxTimeAdd(dmtxTimeNow(), 5000);
    DmtxRegion *reg = dmtxRegionFindNext(dec, &timeout);
    assert_non_null(reg);
    DmtxMessage *msg = dmtxDecodeMatrixRegion(dec, reg, DmtxUndefined);
    assert_non_null(msg);
    assert_int_equal(msg->outputIdx, (int)seal.len);
    assert_memory_equal(msg->output, seal.s, seal.len);
    dmtxMessageDestroy(&msg);
    dmtxRegionDestroy(&reg);
    dmtxDecodeDestroy(&dec);
    dmtxImageDestroy(&dimg);
    free(px);

    /* too large for a symbol */
    uint8_t *big = calloc(2000, 1);
    struct ubur_datamatrix m2 = UBUR_DATAMATRIX_INIT;
    assert_int_equal(ubur_datamatrix_encode(big, 2000, &m2, &err), UBUR_ETOOBIG);
    free(big);
    assert_int_equal(ubur_datamatrix_png(&m, 0, &png, &err), UBUR_EINVAL);
    ubur_datamatrix_release(&m);
    ubur_buf_release(&png);
    ubur_buf_release(&svg);
    ubur_buf_release(&seal);
    pair_free(&p);
}

static void
test_keys_errors(void **state)
{
    (void)state;
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds_keyspec spec = {.country = "IRQ", .signer = "IQVS"};
    spec.country = "IQ";
    assert_int_equal(ubur_vds_keys_new(&spec, &ks, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "country");
    spec.country = "IRQ";
    spec.signer = "IQ-S";
    assert_int_equal(ubur_vds_keys_new(&spec, &ks, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "signer");
    spec.signer = "IQVS";
    spec.curve = "secp256k1";
    assert_int_equal(ubur_vds_keys_new(&spec, &ks, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "curve");
    spec.curve = NULL;
    spec.signer_days = 4000; /* longer than the CSCA's default 3650 */
    assert_int_equal(ubur_vds_keys_new(&spec, &ks, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "csca_days");
    assert_null(ks.signer_key);

    /* a signer under an existing CSCA of another state */
    struct ubur_vds_keyset ca = UBUR_VDS_KEYSET_INIT;
    spec.signer_days = 0;
    assert_int_equal(ubur_vds_keys_new(&spec, &ca, &err), 0);
    struct ubur_vds_keyspec s2 = {.country = "SYR",
                                  .signer = "SYVS",
                                  .csca_key = ca.csca_key,
                                  .csca_key_len = strlen(ca.csca_key),
                                  .csca_cert = ca.csca_cert,
                                  .csca_cert_len = strlen(ca.csca_cert)};
    assert_int_equal(ubur_vds_keys_new(&s2, &ks, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "signer");
    s2.country = "IRQ";
    s2.signer = "IQV2";
    assert_int_equal(ubur_vds_keys_new(&s2, &ks, &err), 0);
    assert_null(ks.csca_key);
    assert_non_null(ks.signer_cert);
    /* the new signer chains to the CSCA */
    struct ubur_vds_verifier *v;
    assert_int_equal(ubur_vds_verifier_open_mem(&v, ks.signer_cert, strlen(ks.signer_cert),
                                                ca.csca_cert, strlen(ca.csca_cert), &err),
                     0);
    ubur_vds_verifier_close(v);
    ubur_vds_keyset_release(&ks);
    ubur_vds_keyset_release(&ca);
}

/* Present when ../shared/data is (a developer's checkout, not a user's clone). */
static bool
have_shared(void)
{
    return access(UNIT_SHARED("vds/bsi_tr03137_annexF_visa.json"), R_OK) == 0 &&
           access(UNIT_SHARED("vds/sealgen_DETS32.crt"), R_OK) == 0;
}

int
main(void)
{
    struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c40),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_visa_encode_errors),
        cmocka_unit_test(test_version3),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_truncate_and_mutate),
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_verify_failures),
        cmocka_unit_test(test_keys_errors),
        cmocka_unit_test(test_datamatrix),
        cmocka_unit_test(test_bsi_annex_f), /* last: dropped without ../shared */
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    bool shared = have_shared();
    /* cmocka reports skips as "not ok ... # SKIP", which tests/run.sh counts as failures */
    int rc = _cmocka_run_group_tests("test_vds", tests, shared ? n : n - 1, NULL, NULL);
    if (!shared)
        printf("ok - test_bsi_annex_f # SKIP ../shared/data/vds absent\n");
    return rc;
}
