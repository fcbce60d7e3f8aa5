/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed exchange envelopes: Ed25519 (libsodium) over the exact payload
 * bytes, carried as base64 so the signed bytes survive any JSON
 * re-serialisation on the way. Pure: no store, no I/O.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/exchange.h"
#include "ubur/banned.h"

void
ubur_exchange_keypair(char pk_hex[UBUR_EXCHANGE_PK_HEX + 1], char sk_hex[UBUR_EXCHANGE_SK_HEX + 1])
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    sodium_bin2hex(pk_hex, UBUR_EXCHANGE_PK_HEX + 1, pk, sizeof(pk));
    sodium_bin2hex(sk_hex, UBUR_EXCHANGE_SK_HEX + 1, sk, sizeof(sk));
    sodium_memzero(sk, sizeof(sk));
}

static int
from_hex(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;
    if (!hex || strlen(hex) != n * 2 || sodium_hex2bin(out, n, hex, n * 2, NULL, &got, NULL) != 0 ||
        got != n)
        return -1;
    return 0;
}

char *
ubur_exchange_seal(const char *signer, const char *payload, size_t len, const char *sk_hex,
                   struct ubur_error *err)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    char sig_hex[crypto_sign_BYTES * 2 + 1];
    if (from_hex(sk_hex, sk, sizeof(sk))) {
        ubur_error_set(err, UBUR_ECRYPTO, "the exchange secret key is malformed");
        return NULL;
    }
    crypto_sign_detached(sig, NULL, (const unsigned char *)payload, len, sk);
    sodium_memzero(sk, sizeof(sk));
    sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = ubur_malloc(b64len);
    sodium_bin2base64(b64, b64len, (const unsigned char *)payload, len,
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *env = json_pack("{s:s, s:s, s:s, s:s, s:s}", "format", UBUR_EXCHANGE_FORMAT, "signer",
                            signer, "algorithm", "ed25519", "payload", b64, "signature", sig_hex);
    free(b64);
    char *text = json_dumps(env, JSON_INDENT(1));
    json_decref(env);
    return text;
}

int
ubur_exchange_open_envelope(const char *text, size_t len, char signer[4], json_t **envelope,
                            struct ubur_error *err)
{
    json_error_t jerr;
    if (len > UBUR_EXCHANGE_MAX)
        return ubur_error_set(err, UBUR_ETOOBIG, "package larger than %u bytes", UBUR_EXCHANGE_MAX);
    json_t *env = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!env)
        return ubur_error_set(err, UBUR_EINVAL, "not a package: %s (line %d)", jerr.text,
                              jerr.line);
    const char *fmt = json_string_value(json_object_get(env, "format"));
    const char *who = json_string_value(json_object_get(env, "signer"));
    if (!json_is_object(env) || !fmt || strcmp(fmt, UBUR_EXCHANGE_FORMAT) != 0 || !who ||
        strlen(who) != 3 || !json_is_string(json_object_get(env, "payload")) ||
        !json_is_string(json_object_get(env, "signature"))) {
        json_decref(env);
        return ubur_error_set(err, UBUR_EINVAL, "not a %s package envelope", UBUR_EXCHANGE_FORMAT);
    }
    memcpy(signer, who, 4);
    *envelope = env;
    return 0;
}

int
ubur_exchange_verify(json_t *env, const char *pk_hex, char **payload, size_t *plen,
                     struct ubur_error *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    const char *b64 = json_string_value(json_object_get(env, "payload"));
    const char *sig_hex = json_string_value(json_object_get(env, "signature"));
    if (from_hex(pk_hex, pk, sizeof(pk)))
        return ubur_error_set(err, UBUR_ECRYPTO, "the partner's registered key is malformed");
    if (from_hex(sig_hex, sig, sizeof(sig)))
        return ubur_error_field(err, UBUR_EINVAL, "signature", "signature is not 64 hex bytes");
    size_t b64len = strlen(b64), n = 0;
    unsigned char *bin = ubur_malloc(b64len + 1);
    if (sodium_base642bin(bin, b64len, b64, b64len, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(bin);
        return ubur_error_field(err, UBUR_EINVAL, "payload", "payload is not base64");
    }
    if (crypto_sign_verify_detached(sig, bin, n, pk) != 0) {
        free(bin);
        return ubur_error_set(err, UBUR_EUNPROC,
                              "signature does not verify: the package was altered or not made "
                              "by the registered key");
    }
    bin[n] = '\0';
    *payload = (char *)bin;
    *plen = n;
    return 0;
}
