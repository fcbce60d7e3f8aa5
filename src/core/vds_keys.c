/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seal signer keys: a two-level PKI as ICAO 9303 Part 12 has it. A Country
 * Signing CA (CSCA, self-signed, CA:TRUE with path length 0, key usage
 * keyCertSign and cRLSign) issues seal signer certificates (CA:FALSE,
 * digitalSignature). The other state's border posts are given the CSCA
 * certificate once and the signer certificates as they rotate.
 *
 * Everything is produced in memory as PEM: writing files (0600 for private
 * keys) is the caller's business, and private key texts are wiped from memory
 * when released. Nothing here touches a database.
 *
 * Certificate serials are 4 random bytes with the top nibble between 1 and 7,
 * so they are positive and always 8 hex digits: the reference a version 4
 * seal header carries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ubur/util.h"
#include "ubur/vds.h"

#include "ubur/banned.h"

static const char *const curves[] = {"P-256",           "P-384",           "P-521",
                                     "brainpoolP224r1", "brainpoolP256r1", "brainpoolP320r1",
                                     "brainpoolP384r1", "brainpoolP512r1", NULL};

static int
ssl_fail(struct ubur_error *err, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char reason[160] = "";
    if (e)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return ubur_error_set(err, UBUR_ECRYPTO, "%s%s%s", what, e ? ": " : "", reason);
}

static const EVP_MD *
md_for(EVP_PKEY *k)
{
    int bits = EVP_PKEY_get_bits(k);
    if (bits <= 224)
        return EVP_sha224();
    if (bits <= 256)
        return EVP_sha256();
    if (bits <= 384)
        return EVP_sha384();
    return EVP_sha512();
}

static char *
bio_text(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    if (n < 0)
        return NULL;
    char *s = ubur_malloc((size_t)n + 1);
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *
key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1)
        s = bio_text(b);
    if (b) {
        /* the BIO's buffer held the key too */
        char *data;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0)
            OPENSSL_cleanse(data, (size_t)n);
    }
    BIO_free(b);
    return s;
}

static char *
cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (b && PEM_write_bio_X509(b, x) == 1)
        s = bio_text(b);
    BIO_free(b);
    return s;
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e)
        return -1;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok == 1 ? 0 : -1;
}

static X509_NAME *
make_name(const char *c, const char *ou, const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (!n ||
        !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)c, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"ubur", -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

/*
 * A certificate for key under name, issued by (issuer, issuer_key), or
 * self-signed when issuer is NULL.
 */
static X509 *
make_cert(EVP_PKEY *key, X509_NAME *name, X509 *issuer, EVP_PKEY *issuer_key, bool ca, int days)
{
    X509 *x = X509_new();
    uint8_t sn[4];
    BIGNUM *bn = NULL;
    time_t now = (time_t)ubur_now();
    X509V3_CTX ctx;

    if (!x || RAND_bytes(sn, sizeof(sn)) != 1)
        goto fail;
    sn[0] = (uint8_t)(0x10 + sn[0] % 0x70); /* positive, 8 hex digits */
    bn = BN_bin2bn(sn, sizeof(sn), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || X509_set_version(x, 2) != 1 ||
        X509_set_subject_name(x, name) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
        !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now) || X509_set_pubkey(x, key) != 1)
        goto fail;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    if (add_ext(x, &ctx, NID_basic_constraints,
                ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE") ||
        add_ext(x, &ctx, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
        add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
        goto fail;
    if (X509_sign(x, issuer_key, md_for(issuer_key)) <= 0)
        goto fail;
    BN_free(bn);
    return x;
fail:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static bool
valid_country(const char *s)
{
    if (!s || strlen(s) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (i > 0 && s[i] == '<')))
            return false;
    return true;
}

static bool
valid_signer(const char *s)
{
    if (!s || strlen(s) != 4 || !(s[0] >= 'A' && s[0] <= 'Z') || !(s[1] >= 'A' && s[1] <= 'Z'))
        return false;
    for (int i = 2; i < 4; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

int
ubur_vds_keys_new(const struct ubur_vds_keyspec *spec, struct ubur_vds_keyset *out,
                  struct ubur_error *err)
{
    const char *curve = spec->curve ? spec->curve : "P-256";
    int signer_days = spec->signer_days ? spec->signer_days : 1095;
    int csca_days = spec->csca_days ? spec->csca_days : 3650;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    X509 *ca = NULL, *x = NULL;
    X509_NAME *name = NULL;
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    char c2[3], cn[32];
    int rc = 0;

    if (!valid_country(spec->country))
        return ubur_error_field(err, UBUR_EINVAL, "country",
                                "'%s' is not a 3-character ICAO state code (IRQ, SYR, D<<)",
                                spec->country ? spec->country : "");
    if (!valid_signer(spec->signer))
        return ubur_error_field(err, UBUR_EINVAL, "signer",
                                "'%s' is not a signer identifier: 4 characters, the state's "
                                "2-letter code then 2 letters or digits (IQVS)",
                                spec->signer ? spec->signer : "");
    int ci = 0;
    while (curves[ci] && strcmp(curves[ci], curve) != 0)
        ci++;
    if (!curves[ci])
        return ubur_error_field(err, UBUR_EINVAL, "curve",
                                "'%s' is not one of P-256, P-384, P-521, brainpoolP224r1, "
                                "brainpoolP256r1, brainpoolP320r1, brainpoolP384r1, "
                                "brainpoolP512r1",
                                curve);
    if (signer_days < 1 || signer_days > 36500)
        return ubur_error_field(err, UBUR_EINVAL, "days", "%d days is not 1 to 36500", signer_days);
    if (csca_days < signer_days || csca_days > 36500)
        return ubur_error_field(err, UBUR_EINVAL, "csca_days",
                                "CSCA validity of %d days must be at least the signer's %d "
                                "and at most 36500",
                                csca_days, signer_days);
    snprintf(c2, sizeof(c2), "%.2s", spec->signer);

    if (spec->csca_key) {
        BIO *b = BIO_new_mem_buf(spec->csca_key, (int)spec->csca_key_len);
        ca_key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"") : NULL;
        BIO_free(b);
        if (!ca_key) {
            ERR_clear_error();
            rc = ubur_error_field(err, UBUR_EINVAL, "csca_key",
                                  "not an unencrypted PEM private key");
            goto out;
        }
        b = spec->csca_cert ? BIO_new_mem_buf(spec->csca_cert, (int)spec->csca_cert_len) : NULL;
        ca = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        ERR_clear_error();
        if (!ca) {
            rc = ubur_error_field(err, UBUR_EINVAL, "csca_cert", "not a PEM certificate");
            goto out;
        }
        if (EVP_PKEY_eq(ca_key, X509_get0_pubkey(ca)) != 1) {
            ERR_clear_error();
            rc = ubur_error_field(err, UBUR_EINVAL, "csca_cert",
                                  "the CSCA certificate is not the CSCA key's");
            goto out;
        }
        if (X509_check_ca(ca) < 1) {
            rc = ubur_error_field(err, UBUR_EINVAL, "csca_cert", "certificate is not a CA");
            goto out;
        }
        char cac[8] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_countryName, cac, sizeof(cac));
        if (strcmp(cac, c2) != 0) {
            rc = ubur_error_field(err, UBUR_EINVAL, "signer",
                                  "signer '%s' does not start with the CSCA's country '%s'",
                                  spec->signer, cac);
            goto out;
        }
    } else {
        ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
        snprintf(cn, sizeof(cn), "CSCA %s", spec->country);
        name = make_name(c2, spec->country, cn);
        if (!ca_key || !name || !(ca = make_cert(ca_key, name, NULL, ca_key, true, csca_days))) {
            rc = ssl_fail(err, "cannot create the CSCA");
            goto out;
        }
        X509_NAME_free(name);
        name = NULL;
        ks.csca_key = key_pem(ca_key);
        ks.csca_cert = cert_pem(ca);
    }

    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    name = make_name(c2, spec->country, spec->signer);
    if (!key || !name || !(x = make_cert(key, name, ca, ca_key, false, signer_days))) {
        rc = ssl_fail(err, "cannot create the signer certificate");
        goto out;
    }
    if (ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(ca)) > 0) {
        rc = ubur_error_field(err, UBUR_EINVAL, "days",
                              "the CSCA expires before a %d-day signer certificate would",
                              signer_days);
        goto out;
    }
    ks.signer_key = key_pem(key);
    ks.signer_cert = cert_pem(x);
    if ((spec->csca_key == NULL && (!ks.csca_key || !ks.csca_cert)) || !ks.signer_key ||
        !ks.signer_cert) {
        rc = ssl_fail(err, "cannot write PEM");
        goto out;
    }
    snprintf(ks.signer, sizeof(ks.signer), "%s", spec->signer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(ks.cert_ref, sizeof(ks.cert_ref), "%s", hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    *out = ks;
    memset(&ks, 0, sizeof(ks));
out:
    ubur_vds_keyset_release(&ks);
    X509_NAME_free(name);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}

static void
wipe(char **p)
{
    if (*p) {
        OPENSSL_cleanse(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

void
ubur_vds_keyset_release(struct ubur_vds_keyset *ks)
{
    wipe(&ks->csca_key);
    wipe(&ks->signer_key);
    free(ks->csca_cert);
    free(ks->signer_cert);
    ks->csca_cert = ks->signer_cert = NULL;
}
