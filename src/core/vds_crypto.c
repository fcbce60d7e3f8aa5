/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visible Digital Seals, the cryptographic layer: signers (EC key and
 * certificate), verifiers (signer certificate, optional CSCA), ECDSA over the
 * header and message zone with the SHA-2 that matches the key size, and the
 * conversion between OpenSSL's DER signatures and the raw r||s a seal carries.
 *
 * Signers and verifiers are immutable after _open, so one may serve several
 * threads at once: every signature gets its own EVP_MD_CTX. The CSCA chain is
 * checked once, at _open, without time; each seal's signature date is then
 * compared with both certificates' validity, which is what checking the chain
 * at the signature date would do, at the cost of one comparison per seal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ubur/util.h"
#include "ubur/vds.h"

#include "ubur/banned.h"

#define KEY_FILE_MAX (64 * 1024)
#define MAX_DER_SIG 160 /* a P-521 ECDSA signature in DER is at most 139 bytes */

struct ubur_vds_signer {
    EVP_PKEY *key;
    const EVP_MD *md;
    size_t half; /* bytes of r and of s */
    char signer[5];
    char cert_ref[UBUR_VDS_CERT_REF_MAX + 1];
};

struct ubur_vds_verifier {
    X509 *cert;
    EVP_PKEY *pub; /* owned by cert */
    const EVP_MD *md;
    size_t half;
    char signer[5]; /* "" when the subject does not follow the C + CN convention */
    char serial[UBUR_VDS_CERT_REF_MAX + 1];
    char subject[256];
    int64_t not_before, not_after; /* days, the tighter of cert and CSCA */
};

/* Fills err with OpenSSL's most recent reason and clears its queue. */
static int
ssl_error(struct ubur_error *err, int code, const char *field, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char reason[160] = "";
    if (e)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return ubur_error_field(err, code, field, "%s%s%s", what, e ? ": " : "", reason);
}

static int
read_file(const char *path, const char *field, char **data, size_t *len, struct ubur_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ubur_error_field(err, UBUR_EIO, field, "cannot open '%s': %s", path,
                                strerror(errno));
    struct ubur_buf b = UBUR_BUF_INIT;
    char chunk[4096];
    size_t n;
    b.cap = KEY_FILE_MAX;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (ubur_buf_add(&b, chunk, n)) {
            fclose(f);
            ubur_buf_release(&b);
            return ubur_error_field(err, UBUR_ETOOBIG, field, "'%s' is larger than %d bytes", path,
                                    KEY_FILE_MAX);
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        ubur_buf_release(&b);
        return ubur_error_field(err, UBUR_EIO, field, "cannot read '%s'", path);
    }
    *data = ubur_buf_detach(&b, len);
    return 0;
}

static void
wipe_free(char *p, size_t n)
{
    if (p) {
        OPENSSL_cleanse(p, n);
        free(p);
    }
}

/* A certificate in PEM or DER. */
static int
load_cert(const void *data, size_t len, const char *field, X509 **out, struct ubur_error *err)
{
    if (len > KEY_FILE_MAX)
        return ubur_error_field(err, UBUR_ETOOBIG, field, "certificate is larger than %d bytes",
                                KEY_FILE_MAX);
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!bio)
        return ssl_error(err, UBUR_ECRYPTO, field, "cannot read certificate");
    X509 *x;
    if (len >= 11 && memmem(data, len, "-----BEGIN ", 11))
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    else
        x = d2i_X509_bio(bio, NULL);
    BIO_free(bio);
    if (!x)
        return ssl_error(err, UBUR_EINVAL, field, "not an X.509 certificate (PEM or DER)");
    *out = x;
    return 0;
}

static int
no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

/* SHA-2 of a key's size, and the byte length of r and s. */
static int
ec_params(EVP_PKEY *pkey, const char *field, const EVP_MD **md, size_t *half,
          struct ubur_error *err)
{
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return ubur_error_field(
            err, UBUR_EINVAL, field, "key is %s; seals are signed with ECDSA (EC keys)",
            EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "not EC");
    int bits = EVP_PKEY_get_bits(pkey);
    if (bits <= 0)
        return ssl_error(err, UBUR_EINVAL, field, "cannot tell the size of the EC key");
    if (bits <= 224)
        *md = EVP_sha224();
    else if (bits <= 256)
        *md = EVP_sha256();
    else if (bits <= 384)
        *md = EVP_sha384();
    else
        *md = EVP_sha512();
    *half = ((size_t)bits + 7) / 8;
    return 0;
}

/* "XXYY" from C=XX and CN=YY or CN=XXYY, or "" when the subject is otherwise. */
static void
signer_from_subject(X509 *cert, char out[5])
{
    X509_NAME *name = X509_get_subject_name(cert);
    char c[8] = "", cn[64] = "";
    out[0] = '\0';
    if (X509_NAME_get_text_by_NID(name, NID_countryName, c, sizeof(c)) != 2)
        return;
    int n = X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn));
    if (n == 2)
        snprintf(out, 5, "%s%s", c, cn);
    else if (n == 4 && !strncmp(cn, c, 2))
        snprintf(out, 5, "%s", cn);
    for (int i = 0; out[i]; i++)
        if (!((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9'))) {
            out[0] = '\0';
            return;
        }
}

/* Serial number as upper case hex without leading zeros. */
static int
serial_hex(X509 *cert, const char *field, char out[UBUR_VDS_CERT_REF_MAX + 1],
           struct ubur_error *err)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (!bn)
        return ssl_error(err, UBUR_EINVAL, field, "cannot read the certificate serial number");
    if (BN_is_negative(bn)) {
        BN_free(bn);
        return ubur_error_field(err, UBUR_EINVAL, field, "certificate serial number is negative");
    }
    char *hex = BN_bn2hex(bn);
    BN_free(bn);
    if (!hex)
        return ssl_error(err, UBUR_ECRYPTO, field, "cannot format the serial number");
    const char *h = hex;
    while (h[0] == '0' && h[1])
        h++;
    int rc = 0;
    if (strlen(h) > UBUR_VDS_CERT_REF_MAX)
        rc = ubur_error_field(err, UBUR_EINVAL, field,
                              "certificate serial number %s is longer than %d hex digits", h,
                              UBUR_VDS_CERT_REF_MAX);
    else
        snprintf(out, UBUR_VDS_CERT_REF_MAX + 1, "%s", h);
    OPENSSL_free(hex);
    return rc;
}

static int64_t
asn1_days(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return INT64_MIN;
    return ubur_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static int64_t
today(void)
{
    int64_t now = ubur_now();
    return now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
}

/* ---- signer ---- */

int
ubur_vds_signer_open_mem(struct ubur_vds_signer **out, const void *key, size_t key_len,
                         const void *cert, size_t cert_len, struct ubur_error *err)
{
    struct ubur_vds_signer *s = ubur_calloc(1, sizeof(*s));
    X509 *x = NULL;
    int rc;

    *out = NULL;
    if (key_len > KEY_FILE_MAX) {
        rc =
            ubur_error_field(err, UBUR_ETOOBIG, "key", "key is larger than %d bytes", KEY_FILE_MAX);
        goto fail;
    }
    BIO *bio = BIO_new_mem_buf(key, (int)key_len);
    s->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    BIO_free(bio);
    if (!s->key) {
        rc = ssl_error(err, UBUR_EINVAL, "key", "not an unencrypted PEM private key");
        goto fail;
    }
    if ((rc = ec_params(s->key, "key", &s->md, &s->half, err)))
        goto fail;
    if ((rc = load_cert(cert, cert_len, "cert", &x, err)))
        goto fail;
    if (EVP_PKEY_eq(s->key, X509_get0_pubkey(x)) != 1) {
        ERR_clear_error();
        rc = ubur_error_field(err, UBUR_EINVAL, "cert",
                              "the certificate is not the key's (public keys differ)");
        goto fail;
    }
    signer_from_subject(x, s->signer);
    if (!s->signer[0]) {
        rc = ubur_error_field(err, UBUR_EINVAL, "cert",
                              "the certificate subject does not name a 4-character signer "
                              "(C=XX with CN=YY or CN=XXYY)");
        goto fail;
    }
    if ((rc = serial_hex(x, "cert", s->cert_ref, err)))
        goto fail;
    X509_free(x);
    *out = s;
    return 0;
fail:
    X509_free(x);
    ubur_vds_signer_close(s);
    return rc;
}

int
ubur_vds_signer_open(struct ubur_vds_signer **out, const char *key_path, const char *cert_path,
                     struct ubur_error *err)
{
    char *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    int rc;
    *out = NULL;
    if ((rc = read_file(key_path, "key", &key, &key_len, err)))
        return rc;
    if ((rc = read_file(cert_path, "cert", &cert, &cert_len, err))) {
        wipe_free(key, key_len);
        return rc;
    }
    rc = ubur_vds_signer_open_mem(out, key, key_len, cert, cert_len, err);
    wipe_free(key, key_len);
    free(cert);
    return rc;
}

void
ubur_vds_signer_close(struct ubur_vds_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

const char *
ubur_vds_signer_id(const struct ubur_vds_signer *s)
{
    return s->signer;
}

const char *
ubur_vds_signer_cert_ref(const struct ubur_vds_signer *s)
{
    return s->cert_ref;
}

static int
sign_raw(struct ubur_vds_signer *s, const uint8_t *data, size_t len, uint8_t *raw,
         struct ubur_error *err)
{
    unsigned char der[MAX_DER_SIG];
    size_t derlen = sizeof(der);
    int rc = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, s->md, NULL, s->key) != 1 ||
        EVP_DigestSign(ctx, der, &derlen, data, len) != 1) {
        EVP_MD_CTX_free(ctx);
        return ssl_error(err, UBUR_ECRYPTO, "signature", "ECDSA signing failed");
    }
    EVP_MD_CTX_free(ctx);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    const BIGNUM *r, *sv;
    if (!sig)
        return ssl_error(err, UBUR_ECRYPTO, "signature", "cannot read OpenSSL's signature");
    ECDSA_SIG_get0(sig, &r, &sv);
    if (BN_bn2binpad(r, raw, (int)s->half) < 0 || BN_bn2binpad(sv, raw + s->half, (int)s->half) < 0)
        rc = ssl_error(err, UBUR_ECRYPTO, "signature", "signature does not fit the key size");
    ECDSA_SIG_free(sig);
    return rc;
}

int
ubur_vds_sign(struct ubur_vds_signer *s, const struct ubur_vds_header *hin, const uint8_t *zone,
              size_t zone_len, struct ubur_buf *out, struct ubur_error *err)
{
    struct ubur_vds_header h = *hin;
    uint8_t raw[2 * 66];
    size_t start = out->len;
    int rc;

    h.version = UBUR_VDS_VERSION_4;
    memcpy(h.signer, s->signer, sizeof(h.signer));
    memcpy(h.cert_ref, s->cert_ref, sizeof(h.cert_ref));
    if ((rc = ubur_vds_header_encode(&h, out, err)))
        goto fail;
    ubur_buf_add(out, zone, zone_len);
    if (out->len - start > UBUR_VDS_MAX_LEN - 4 - 2 * s->half) {
        rc = ubur_error_field(err, UBUR_ETOOBIG, "messages", "seal would be larger than %d bytes",
                              UBUR_VDS_MAX_LEN);
        goto fail;
    }
    if ((rc = sign_raw(s, (const uint8_t *)out->s + start, out->len - start, raw, err)))
        goto fail;
    ubur_vds_message_encode(UBUR_VDS_TAG_SIGNATURE, raw, 2 * s->half, out, NULL);
    return 0;
fail:
    out->len = start;
    if (out->alloc)
        out->s[start] = '\0';
    return rc;
}

int
ubur_vds_sign_visa(struct ubur_vds_signer *s, const struct ubur_vds_visa *visa,
                   struct ubur_buf *out, struct ubur_error *err)
{
    struct ubur_vds_header h = {0};
    struct ubur_buf zone = UBUR_BUF_INIT;
    int rc;

    const char *country = visa->issuing_country;
    if (!country[0]) {
        if (strnlen(visa->mrz1, sizeof(visa->mrz1)) < 5)
            return ubur_error_field(err, UBUR_EINVAL, "mrz", "MRZ line 1 is too short");
        memcpy(h.issuing_country, visa->mrz1 + 2, 3);
    } else {
        if (strnlen(country, sizeof(visa->issuing_country)) != 3)
            return ubur_error_field(err, UBUR_EINVAL, "issuing_country",
                                    "'%s' is not a 3-character state code", country);
        memcpy(h.issuing_country, country, 3);
    }
    h.issuing_country[3] = '\0';
    h.issue_date = visa->issue_date == UBUR_VDS_TODAY ? today() : visa->issue_date;
    h.signature_date = visa->signature_date == UBUR_VDS_TODAY ? today() : visa->signature_date;
    if (h.signature_date < h.issue_date)
        return ubur_error_field(err, UBUR_EINVAL, "signature_date",
                                "signature date is before the document issue date");
    h.feature_ref = UBUR_VDS_FEATURE_VISA;
    h.doc_category = UBUR_VDS_CATEGORY_VISA;
    if ((rc = ubur_vds_visa_encode_messages(visa, &zone, err)))
        goto out;
    rc = ubur_vds_sign(s, &h, (const uint8_t *)zone.s, zone.len, out, err);
out:
    ubur_buf_release(&zone);
    return rc;
}

/* ---- verifier ---- */

int
ubur_vds_verifier_open_mem(struct ubur_vds_verifier **out, const void *cert, size_t cert_len,
                           const void *ca, size_t ca_len, struct ubur_error *err)
{
    struct ubur_vds_verifier *v = ubur_calloc(1, sizeof(*v));
    X509 *cax = NULL;
    X509_STORE *store = NULL;
    X509_STORE_CTX *sctx = NULL;
    int rc;

    *out = NULL;
    if ((rc = load_cert(cert, cert_len, "cert", &v->cert, err)))
        goto fail;
    v->pub = X509_get0_pubkey(v->cert);
    if (!v->pub) {
        rc = ssl_error(err, UBUR_EINVAL, "cert", "cannot read the certificate's public key");
        goto fail;
    }
    if ((rc = ec_params(v->pub, "cert", &v->md, &v->half, err)))
        goto fail;
    signer_from_subject(v->cert, v->signer);
    if ((rc = serial_hex(v->cert, "cert", v->serial, err)))
        goto fail;
    BIO *mem = BIO_new(BIO_s_mem());
    if (mem) {
        X509_NAME_print_ex(mem, X509_get_subject_name(v->cert), 0,
                           XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
                               (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB));
        int n = BIO_read(mem, v->subject, (int)sizeof(v->subject) - 1);
        v->subject[n > 0 ? n : 0] = '\0';
        BIO_free(mem);
    }
    v->not_before = asn1_days(X509_get0_notBefore(v->cert));
    v->not_after = asn1_days(X509_get0_notAfter(v->cert));
    if (v->not_before == INT64_MIN || v->not_after == INT64_MIN) {
        rc = ssl_error(err, UBUR_EINVAL, "cert", "cannot read the certificate's validity");
        goto fail;
    }
    if (ca) {
        if ((rc = load_cert(ca, ca_len, "ca", &cax, err)))
            goto fail;
        store = X509_STORE_new();
        sctx = X509_STORE_CTX_new();
        if (!store || !sctx || X509_STORE_add_cert(store, cax) != 1 ||
            X509_STORE_CTX_init(sctx, store, v->cert, NULL) != 1) {
            rc = ssl_error(err, UBUR_ECRYPTO, "ca", "cannot set up chain verification");
            goto fail;
        }
        X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_NO_CHECK_TIME);
        if (X509_verify_cert(sctx) != 1) {
            int e = X509_STORE_CTX_get_error(sctx);
            ERR_clear_error();
            rc = ubur_error_field(err, UBUR_EUNPROC, "certificate",
                                  "the signer certificate does not chain to the CSCA: %s",
                                  X509_verify_cert_error_string(e));
            goto fail;
        }
        int64_t nb = asn1_days(X509_get0_notBefore(cax)), na = asn1_days(X509_get0_notAfter(cax));
        if (nb > v->not_before)
            v->not_before = nb;
        if (na < v->not_after)
            v->not_after = na;
    }
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(store);
    X509_free(cax);
    *out = v;
    return 0;
fail:
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(store);
    X509_free(cax);
    ubur_vds_verifier_close(v);
    return rc;
}

int
ubur_vds_verifier_open(struct ubur_vds_verifier **out, const char *cert_path, const char *ca_path,
                       struct ubur_error *err)
{
    char *cert = NULL, *ca = NULL;
    size_t cert_len = 0, ca_len = 0;
    int rc;
    *out = NULL;
    if ((rc = read_file(cert_path, "cert", &cert, &cert_len, err)))
        return rc;
    if (ca_path && (rc = read_file(ca_path, "ca", &ca, &ca_len, err))) {
        free(cert);
        return rc;
    }
    rc = ubur_vds_verifier_open_mem(out, cert, cert_len, ca, ca_len, err);
    free(cert);
    free(ca);
    return rc;
}

void
ubur_vds_verifier_close(struct ubur_vds_verifier *v)
{
    if (!v)
        return;
    X509_free(v->cert);
    free(v);
}

const char *
ubur_vds_verifier_subject(const struct ubur_vds_verifier *v)
{
    return v->subject;
}

const char *
ubur_vds_verifier_serial(const struct ubur_vds_verifier *v)
{
    return v->serial;
}

/* Compares hex references as numbers: "00032" names serial 32. */
static bool
same_ref(const char *a, const char *b)
{
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    return strcasecmp(a, b) == 0;
}

static int
verify_raw(struct ubur_vds_verifier *v, const uint8_t *data, size_t len, const uint8_t *raw,
           bool *valid, struct ubur_error *err)
{
    unsigned char der[MAX_DER_SIG], *p = der;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)v->half, NULL),
           *s = BN_bin2bn(raw + v->half, (int)v->half, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        return ssl_error(err, UBUR_ECRYPTO, "signature", "cannot build the signature");
    }
    int derlen = i2d_ECDSA_SIG(sig, NULL);
    if (derlen <= 0 || derlen > (int)sizeof(der)) {
        ECDSA_SIG_free(sig);
        return ssl_error(err, UBUR_ECRYPTO, "signature", "cannot encode the signature");
    }
    i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, v->md, NULL, v->pub) != 1) {
        EVP_MD_CTX_free(ctx);
        return ssl_error(err, UBUR_ECRYPTO, "signature", "cannot set up ECDSA verification");
    }
    *valid = EVP_DigestVerify(ctx, der, (size_t)derlen, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return 0;
}

int
ubur_vds_verify(struct ubur_vds_verifier *v, const struct ubur_vds *seal, struct ubur_error *err)
{
    const struct ubur_vds_header *h = &seal->header;
    char d1[UBUR_DATE_LEN + 1], d2[UBUR_DATE_LEN + 1], d3[UBUR_DATE_LEN + 1];
    bool valid = false;
    int rc;

    if (!seal->signature)
        return ubur_error_field(err, UBUR_EUNPROC, "signature",
                                "the seal has no signature zone (tag 0xFF)");
    if ((v->signer[0] && strcmp(v->signer, h->signer) != 0) || !same_ref(h->cert_ref, v->serial))
        return ubur_error_field(err, UBUR_EUNPROC, "signer",
                                "seal names signer %s with certificate %s; the certificate is "
                                "%s%s serial %s (%s)",
                                h->signer, h->cert_ref, v->signer[0] ? "signer " : "", v->signer,
                                v->serial, v->subject);
    if (seal->signature_len != 2 * v->half)
        return ubur_error_field(err, UBUR_EUNPROC, "signature",
                                "signature is %zu bytes; the certificate's %zu-bit key gives %zu",
                                seal->signature_len, v->half * 8, 2 * v->half);
    if ((rc = verify_raw(v, seal->signed_data, seal->signed_len, seal->signature, &valid, err)))
        return rc;
    if (!valid)
        return ubur_error_field(err, UBUR_EUNPROC, "signature",
                                "the signature does not verify with the certificate's key: the "
                                "seal was altered or signed with another key");
    if (h->signature_date < v->not_before || h->signature_date > v->not_after) {
        ubur_date_format(h->signature_date, d1);
        ubur_date_format(v->not_before, d2);
        ubur_date_format(v->not_after, d3);
        return ubur_error_field(err, UBUR_EUNPROC, "signature_date",
                                "signature date %s lies outside the certificate validity %s to %s",
                                d1, d2, d3);
    }
    return 0;
}

/* ---- one-call forms ---- */

int
ubur_vds_visa_issue(const char *key_path, const char *cert_path, const struct ubur_vds_visa *visa,
                    struct ubur_buf *out, struct ubur_error *err)
{
    struct ubur_vds_signer *s;
    int rc = ubur_vds_signer_open(&s, key_path, cert_path, err);
    if (rc)
        return rc;
    rc = ubur_vds_sign_visa(s, visa, out, err);
    ubur_vds_signer_close(s);
    return rc;
}

int
ubur_vds_visa_check(const char *cert_path, const char *ca_path, const uint8_t *seal, size_t len,
                    struct ubur_vds_visa *visa, struct ubur_error *err)
{
    struct ubur_vds_verifier *v;
    struct ubur_vds decoded;
    struct ubur_vds_visa tmp;
    int rc = ubur_vds_decode(seal, len, &decoded, err);
    if (rc)
        return rc;
    if ((rc = ubur_vds_visa_from_seal(&decoded, &tmp, err)))
        return rc;
    if ((rc = ubur_vds_verifier_open(&v, cert_path, ca_path, err)))
        return rc;
    rc = ubur_vds_verify(v, &decoded, err);
    ubur_vds_verifier_close(v);
    if (rc == 0)
        *visa = tmp;
    return rc;
}
