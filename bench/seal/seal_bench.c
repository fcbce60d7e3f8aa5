/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seal signing and verification per second beside raw OpenSSL ECDSA on the
 * same key and the same bytes, in the same run (issue 3). Run by
 * bench/seal/run.sh; figures go to docs/BENCHMARKS.md.
 *
 *   raw sign     EVP_DigestSignInit + EVP_DigestSign over a visa seal's signed
 *                bytes (header and message zone), DER out
 *   seal sign    ubur_vds_sign_visa: encode header and visa messages, sign,
 *                DER to raw r||s, append the signature zone
 *   raw verify   EVP_DigestVerifyInit + EVP_DigestVerify of the DER signature
 *   seal verify  what a border post does with a scanned seal: ubur_vds_decode,
 *                ubur_vds_visa_from_seal, ubur_vds_verify (raw r||s to DER,
 *                signer reference, validity dates)
 *
 * The four are interleaved in rounds of about 0.25 s each so that frequency
 * changes and neighbours on the machine hit them alike; the median round of
 * each is reported, with seal/raw ratios.
 *
 * Usage: seal_bench [CURVE [ROUNDS]]   (default P-256, 9 rounds)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ubur/util.h"
#include "ubur/vds.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
die(const char *what, const struct ubur_error *err)
{
    fprintf(stderr, "seal_bench: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

struct ctx {
    EVP_PKEY *key, *pub;
    const EVP_MD *md;
    struct ubur_vds_signer *signer;
    struct ubur_vds_verifier *verifier;
    struct ubur_vds_visa visa;
    uint8_t seal[512];
    size_t seal_len, signed_len;
    unsigned char der[160];
    size_t der_len;
    struct ubur_buf out;
};

static void
raw_sign(struct ctx *c)
{
    unsigned char der[160];
    size_t len = sizeof(der);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(m, NULL, c->md, NULL, c->key) != 1 ||
        EVP_DigestSign(m, der, &len, c->seal, c->signed_len) != 1)
        die("EVP_DigestSign", NULL);
    EVP_MD_CTX_free(m);
}

static void
raw_verify(struct ctx *c)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (EVP_DigestVerifyInit(m, NULL, c->md, NULL, c->pub) != 1 ||
        EVP_DigestVerify(m, c->der, c->der_len, c->seal, c->signed_len) != 1)
        die("EVP_DigestVerify", NULL);
    EVP_MD_CTX_free(m);
}

static void
seal_sign(struct ctx *c)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    /* one output buffer reused, as a server would */
    ubur_buf_reset(&c->out);
    if (ubur_vds_sign_visa(c->signer, &c->visa, &c->out, &err))
        die("ubur_vds_sign_visa", &err);
}

static void
seal_verify(struct ctx *c)
{
    struct ubur_vds seal;
    struct ubur_vds_visa visa;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_vds_decode(c->seal, c->seal_len, &seal, &err) ||
        ubur_vds_visa_from_seal(&seal, &visa, &err) || ubur_vds_verify(c->verifier, &seal, &err))
        die("seal verify", &err);
}

int
main(int argc, char **argv)
{
    const char *curve = argc > 1 ? argv[1] : "P-256";
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 9;
    struct ubur_vds_keyspec spec = {.country = "IRQ", .signer = "IQVS", .curve = curve};
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.out = (struct ubur_buf)UBUR_BUF_INIT;
    if (rounds < 1 || rounds > 101)
        rounds = 9;

    if (ubur_vds_keys_new(&spec, &ks, &err))
        die("keys", &err);
    if (ubur_vds_signer_open_mem(&c.signer, ks.signer_key, strlen(ks.signer_key), ks.signer_cert,
                                 strlen(ks.signer_cert), &err) ||
        ubur_vds_verifier_open_mem(&c.verifier, ks.signer_cert, strlen(ks.signer_cert), NULL, 0,
                                   &err))
        die("open", &err);
    BIO *b = BIO_new_mem_buf(ks.signer_key, -1);
    c.key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_mem_buf(ks.signer_cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    c.pub = X509_get_pubkey(x);
    X509_free(x);
    int bits = EVP_PKEY_get_bits(c.key);
    c.md = bits <= 224   ? EVP_sha224()
           : bits <= 256 ? EVP_sha256()
           : bits <= 384 ? EVP_sha384()
                         : EVP_sha512();

    struct ubur_vds_visa v = UBUR_VDS_VISA_INIT;
    snprintf(v.mrz1, sizeof(v.mrz1), "V<IRQAL<HASHIMI<<AHMAD<MUHAMMAD<<<<<<<<<<<<<");
    snprintf(v.mrz2, sizeof(v.mrz2), "IQV1234560SYR8503150M2706306<<<<<<<<<<<<<<<<");
    v.entries = 1;
    v.stay_days = 30;
    snprintf(v.passport_number, sizeof(v.passport_number), "N1234567");
    c.visa = v;
    struct ubur_buf out = UBUR_BUF_INIT;
    struct ubur_vds seal;
    if (ubur_vds_sign_visa(c.signer, &c.visa, &out, &err) ||
        ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, &err))
        die("first seal", &err);
    memcpy(c.seal, out.s, out.len);
    c.seal_len = out.len;
    c.signed_len = seal.signed_len;
    ubur_buf_release(&out);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    c.der_len = sizeof(c.der);
    if (EVP_DigestSignInit(m, NULL, c.md, NULL, c.key) != 1 ||
        EVP_DigestSign(m, c.der, &c.der_len, c.seal, c.signed_len) != 1)
        die("DER signature", NULL);
    EVP_MD_CTX_free(m);

    static const struct {
        const char *name;
        void (*fn)(struct ctx *);
    } ops[4] = {{"raw sign", raw_sign},
                {"seal sign", seal_sign},
                {"raw verify", raw_verify},
                {"seal verify", seal_verify}};
    double *rate[4];
    for (int k = 0; k < 4; k++) {
        rate[k] = calloc((size_t)rounds, sizeof(double));
        for (int i = 0; i < 50; i++) /* warm up */
            ops[k].fn(&c);
    }
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 4; k++) {
            long n = 0;
            double t0 = now(), t;
            do {
                for (int i = 0; i < 20; i++)
                    ops[k].fn(&c);
                n += 20;
                t = now();
            } while (t - t0 < 0.25);
            rate[k][r] = (double)n / (t - t0);
        }
    }
    double med[4];
    for (int k = 0; k < 4; k++) {
        qsort(rate[k], (size_t)rounds, sizeof(double), cmp_double);
        med[k] = rate[k][rounds / 2];
        free(rate[k]);
    }
    printf("seal_bench: %s (%d-bit key), %zu-byte seal over %zu signed bytes, %d rounds, "
           "median\n",
           curve, bits, c.seal_len, c.signed_len, rounds);
    printf("| %-12s | %10s | %12s |\n", "operation", "per second", "µs each");
    printf("|--------------|-----------:|-------------:|\n");
    for (int k = 0; k < 4; k++)
        printf("| %-12s | %10.0f | %12.1f |\n", ops[k].name, med[k], 1e6 / med[k]);
    printf("seal sign / raw sign     = %.3f\n", med[1] / med[0]);
    printf("seal verify / raw verify = %.3f\n", med[3] / med[2]);

    EVP_PKEY_free(c.key);
    EVP_PKEY_free(c.pub);
    ubur_vds_signer_close(c.signer);
    ubur_vds_verifier_close(c.verifier);
    ubur_vds_keyset_release(&ks);
    ubur_buf_release(&c.out);
    return 0;
}
