/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visible Digital Seals (ICAO Doc 9303 Part 13, BSI TR-03137 Part 1): the
 * ECDSA-signed barcode payload a visa carries so that a border post can check
 * it offline, with nothing but the issuing state's signer certificate.
 *
 * A seal is three zones, all bytes:
 *
 *   header     DC, version, issuing country (C40), signer identifier and
 *              certificate reference (C40), document issue date and signature
 *              creation date (3 bytes each), feature definition reference and
 *              document type category (1 byte each)
 *   messages   TLVs (tag byte, DER length, value) of the document profile;
 *              for a visa (feature 0x5D, category 0x01) the MRZ, the number of
 *              entries, the duration of stay and the passport number
 *   signature  tag 0xFF, length, raw r||s of an ECDSA signature over the
 *              header and the message zone, with the SHA-2 that matches the
 *              key size (224 bits and below SHA-224, 256 SHA-256, 384 SHA-384,
 *              above SHA-512)
 *
 * Versions: the version byte is 0x02 in ICAO/BSI "version 3" seals (signer
 * and certificate reference as 4 + 5 characters) and 0x03 in "version 4"
 * (4 signer characters, 2 hex digits giving the length of the certificate
 * reference, then the reference). ubur reads both and writes 0x03.
 *
 * Ownership: ubur_vds_decode does not allocate; the decoded seal points into
 * the caller's buffer, which must outlive it. Everything a seal says is
 * checked against the buffer's length before it is read, for any input of
 * any length. Functions return 0 or a negative UBUR_E* code and fill err
 * (may be NULL) naming the field at fault; on failure output buffers are
 * left as they were.
 *
 * Error codes: UBUR_EINVAL for input that is not a well-formed seal (or a
 * visa field that cannot be encoded); UBUR_EUNPROC for a well-formed seal
 * that does not verify, with err->field "signature", "signer",
 * "signature_date" or "certificate"; UBUR_EIO for unreadable key files;
 * UBUR_ECRYPTO when OpenSSL itself fails.
 */
#ifndef UBUR_VDS_H
#define UBUR_VDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

#define UBUR_VDS_MAGIC 0xDC
#define UBUR_VDS_VERSION_3 0x02 /* version byte of ICAO/BSI "version 3" */
#define UBUR_VDS_VERSION_4 0x03 /* version byte of "version 4", what ubur writes */
/* Largest seal accepted: a DataMatrix holds at most 1556 bytes; leave room. */
#define UBUR_VDS_MAX_LEN 4096
/* Hex or binary text accepted by ubur_vds_parse_text (hex doubles, plus spacing). */
#define UBUR_VDS_MAX_TEXT (4 * UBUR_VDS_MAX_LEN)
#define UBUR_VDS_MAX_MESSAGES 64
/* Longest certificate reference kept (hex of a 20-byte X.509 serial number). */
#define UBUR_VDS_CERT_REF_MAX 40

/* Document profiles: (feature definition reference, document type category). */
#define UBUR_VDS_FEATURE_VISA 0x5D
#define UBUR_VDS_CATEGORY_VISA 0x01

/* Message zone tags of the visa profile (ICAO 9303 Part 7, BSI TR-03137). */
enum ubur_vds_visa_tag {
    UBUR_VDS_TAG_MRZ_MRVA = 0x01,   /* 48 bytes: C40 of 72 characters (44 + 28) */
    UBUR_VDS_TAG_MRZ_MRVB = 0x02,   /* 44 bytes: C40 of 64 characters (36 + 28) */
    UBUR_VDS_TAG_ENTRIES = 0x03,    /* 1 byte, 0 = multiple entries */
    UBUR_VDS_TAG_DURATION = 0x04,   /* 3 bytes: days, months, years */
    UBUR_VDS_TAG_PASSPORT = 0x05,   /* 6 bytes: C40 of 9 characters */
    UBUR_VDS_TAG_VISA_TYPE = 0x06,  /* optional, up to 4 bytes */
    UBUR_VDS_TAG_ADDITIONAL = 0x07, /* optional, up to 4 bytes */
};
#define UBUR_VDS_TAG_SIGNATURE 0xFF

/* Characters of a visa MRZ line 2 a seal keeps (the optional data is dropped). */
#define UBUR_VDS_MRZ2_KEPT 28

/* ---- C40 as VDS uses it ----
 * Three characters in two bytes: value 1600*c1 + 40*c2 + c3 + 1, with c = 3 for
 * space (the MRZ filler '<' is written as space), 4..13 for digits and 14..39
 * for A-Z. Two trailing characters are padded with a zero (shift 1) value;
 * one trailing character is written as 0xFE then its ASCII code + 1. */

/* Bytes the C40 form of n characters takes. */
size_t ubur_c40_encoded_len(size_t n);
/*
 * Encodes s[0..n) (A-Z, 0-9, '<' or space) into out, which holds cap bytes.
 * Sets *outlen. UBUR_EINVAL names the first character that C40 cannot hold;
 * UBUR_ETOOBIG when cap is too small.
 */
int ubur_c40_encode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen,
                    struct ubur_error *err);
/*
 * Decodes in[0..n) into out (cap bytes including the terminating NUL, which is
 * always written when cap > 0); spaces come back as '<'. *outlen is the number
 * of characters. Odd lengths, values out of range, shifts other than trailing
 * padding, and 0xFE anywhere but the last pair are UBUR_EINVAL. At most
 * 3 * n / 2 characters result.
 */
int ubur_c40_decode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *outlen,
                    struct ubur_error *err);

/* ---- dates: MMDDYYYY as a 3-byte big-endian integer ---- */
int ubur_vds_date_encode(int64_t days, uint8_t out[3], struct ubur_error *err);
int ubur_vds_date_decode(const uint8_t in[3], int64_t *days, struct ubur_error *err);

/* ---- decoded seals ---- */

struct ubur_vds_header {
    uint8_t version;                          /* version byte: UBUR_VDS_VERSION_3 or _4 */
    char issuing_country[4];                  /* 3 characters, '<' as filler: "D<<", "IRQ" */
    char signer[5];                           /* 4 characters: alpha-2 country + 2, "DETS" */
    char cert_ref[UBUR_VDS_CERT_REF_MAX + 1]; /* hex serial of the signer cert, "32" */
    int64_t issue_date;                       /* days since 1970-01-01 */
    int64_t signature_date;                   /* days since 1970-01-01 */
    uint8_t feature_ref;                      /* document feature definition reference */
    uint8_t doc_category;                     /* document type category */
};

struct ubur_vds_message {
    uint8_t tag;
    size_t len;
    const uint8_t *value; /* points into the decoded buffer */
};

struct ubur_vds {
    struct ubur_vds_header header;
    size_t header_len;
    struct ubur_vds_message messages[UBUR_VDS_MAX_MESSAGES];
    size_t nmessages;
    const uint8_t *signed_data; /* header and message zone: what the signature covers */
    size_t signed_len;
    const uint8_t *signature; /* raw r||s, NULL when the seal has no signature zone */
    size_t signature_len;
};

/*
 * Decodes a binary seal. Never reads outside buf[0..len). A seal without a
 * signature zone decodes (signature NULL) but never verifies; bytes after the
 * signature zone, duplicate or truncated TLVs, and more than
 * UBUR_VDS_MAX_MESSAGES messages are UBUR_EINVAL.
 */
int ubur_vds_decode(const uint8_t *buf, size_t len, struct ubur_vds *seal, struct ubur_error *err);
/* The first message with this tag, or NULL. */
const struct ubur_vds_message *ubur_vds_find(const struct ubur_vds *seal, uint8_t tag);
/* "visa" for the visa profile, NULL for a profile ubur does not know. */
const char *ubur_vds_profile_name(uint8_t feature_ref, uint8_t doc_category);

/*
 * Turns a seal as people and scanners hand it over into bytes appended to
 * bin: hex (either case, spaces, tabs and newlines ignored, optional "0x") or
 * the raw binary seal (first byte 0xDC). UBUR_EINVAL names the offending
 * character; UBUR_ETOOBIG past UBUR_VDS_MAX_LEN bytes.
 */
int ubur_vds_parse_text(const char *text, size_t n, struct ubur_buf *bin, struct ubur_error *err);
/* Appends lowercase hex of data[0..n) to out. */
void ubur_vds_hex(const uint8_t *data, size_t n, struct ubur_buf *out);

/* ---- encoding ---- */

/* Appends the header to out. signer and cert_ref must fit the version. */
int ubur_vds_header_encode(const struct ubur_vds_header *h, struct ubur_buf *out,
                           struct ubur_error *err);
/* Appends one TLV (DER length: 1, 2 or 3 bytes; n at most 65535). */
int ubur_vds_message_encode(uint8_t tag, const uint8_t *value, size_t n, struct ubur_buf *out,
                            struct ubur_error *err);

/* ---- the visa profile ---- */

/*
 * What a visa seal says. Used both ways: filled by the visa module to issue a
 * seal, and by ubur_vds_visa_from_seal from a decoded one.
 */
struct ubur_vds_visa {
    /* header */
    char issuing_country[4]; /* "" when encoding: taken from MRZ line 1 (positions 3-5) */
    char signer[5];          /* decode only: on signing it comes from the certificate */
    char cert_ref[UBUR_VDS_CERT_REF_MAX + 1]; /* decode only, as signer */
    int64_t issue_date;                       /* days since 1970-01-01 */
    int64_t signature_date; /* days since 1970-01-01; UBUR_VDS_TODAY when signing = today */
    /* message zone */
    char format;   /* 'A' (MRV-A, tag 1) or 'B' (MRV-B, tag 2); set from line 1's length */
    char mrz1[45]; /* MRZ line 1: 44 (MRV-A) or 36 (MRV-B) characters */
    char mrz2[45]; /* line 2: full or its first 28; a seal keeps only those 28 */
    int entries;   /* number of entries, 0 = multiple, -1 = not stated */
    int stay_days, stay_months, stay_years; /* duration of stay, 0..255 each */
    char passport_number[10];               /* up to 9 characters, trailing '<' dropped on decode */
    uint8_t visa_type[4];                   /* optional tag 6 */
    size_t visa_type_len;
    uint8_t additional[4]; /* optional tag 7 */
    size_t additional_len;
};
#define UBUR_VDS_TODAY INT64_MIN
#define UBUR_VDS_VISA_INIT                                                                         \
    {                                                                                              \
        "", "", "", UBUR_VDS_TODAY, UBUR_VDS_TODAY, 0, "", "", -1, 0, 0, 0, "", {0}, 0, {0}, 0     \
    }

/*
 * Appends the visa message zone (tags 1/2, 3 when entries >= 0, 4, 5, and 6
 * and 7 when given). MRZ lines must be upper case MRZ characters and line 1 must
 * start with 'V'. Errors name the visa field ("mrz", "entries", "days",
 * "months", "years", "passport_number").
 */
int ubur_vds_visa_encode_messages(const struct ubur_vds_visa *visa, struct ubur_buf *out,
                                  struct ubur_error *err);
/*
 * Reads the visa profile of a decoded seal into visa (header fields included).
 * UBUR_EINVAL when the seal is not a visa seal or a visa message is malformed
 * or missing (MRZ, duration of stay and passport number are mandatory).
 * Unknown tags are ignored.
 */
int ubur_vds_visa_from_seal(const struct ubur_vds *seal, struct ubur_vds_visa *visa,
                            struct ubur_error *err);

/* ---- signing ---- */

/*
 * A signer: an EC private key and its certificate, loaded once and reused for
 * many seals. The signer identifier comes from the certificate's subject
 * (C=XX with CN=YY or CN=XXYY gives "XXYY"), the certificate reference from its
 * serial number in hex. Keys are PEM (PKCS#8 or traditional), certificates
 * PEM or DER.
 */
struct ubur_vds_signer;
int ubur_vds_signer_open(struct ubur_vds_signer **out, const char *key_path, const char *cert_path,
                         struct ubur_error *err);
int ubur_vds_signer_open_mem(struct ubur_vds_signer **out, const void *key, size_t key_len,
                             const void *cert, size_t cert_len, struct ubur_error *err);
void ubur_vds_signer_close(struct ubur_vds_signer *s);
/* The signer identifier and certificate reference this signer writes. */
const char *ubur_vds_signer_id(const struct ubur_vds_signer *s);
const char *ubur_vds_signer_cert_ref(const struct ubur_vds_signer *s);

/*
 * Appends a signed version-4 seal to out: the header h (its version, signer
 * and cert_ref are replaced by the signer's), the message zone zone[0..n),
 * and the signature zone.
 */
int ubur_vds_sign(struct ubur_vds_signer *s, const struct ubur_vds_header *h, const uint8_t *zone,
                  size_t zone_len, struct ubur_buf *out, struct ubur_error *err);
/* Appends a signed visa seal (feature 0x5D, category 0x01) for visa to out. */
int ubur_vds_sign_visa(struct ubur_vds_signer *s, const struct ubur_vds_visa *visa,
                       struct ubur_buf *out, struct ubur_error *err);

/* ---- verification ---- */

/*
 * A verifier: the signer certificate (PEM or DER), optionally with the CSCA
 * certificate it must chain to. Only EC keys are accepted.
 */
struct ubur_vds_verifier;
int ubur_vds_verifier_open(struct ubur_vds_verifier **out, const char *cert_path,
                           const char *ca_path, struct ubur_error *err);
int ubur_vds_verifier_open_mem(struct ubur_vds_verifier **out, const void *cert, size_t cert_len,
                               const void *ca, size_t ca_len, struct ubur_error *err);
void ubur_vds_verifier_close(struct ubur_vds_verifier *v);
/* The certificate's subject ("C=DE, CN=TS") and serial number in hex. */
const char *ubur_vds_verifier_subject(const struct ubur_vds_verifier *v);
const char *ubur_vds_verifier_serial(const struct ubur_vds_verifier *v);

/*
 * Verifies a decoded seal, in this order: it has a signature zone; its signer
 * identifier and certificate reference name this certificate (the identifier
 * is checked when the subject follows the C + CN convention; the reference is
 * compared as a number with the serial); the signature has the length of the
 * key's size; the signature verifies; the
 * signature date lies within the certificate's validity; and, with a CSCA, the
 * certificate chains to it at the signature date. Returns 0 when valid,
 * otherwise UBUR_EUNPROC with err saying which check failed and why.
 */
int ubur_vds_verify(struct ubur_vds_verifier *v, const struct ubur_vds *seal,
                    struct ubur_error *err);

/* ---- one-call forms for the visa module ---- */

/*
 * Issues a visa seal: loads the issuing state's signing key and certificate
 * from key_path and cert_path, signs visa, and appends the binary seal to
 * out (ubur_vds_hex gives the text form). For many seals keep a signer open.
 */
int ubur_vds_visa_issue(const char *key_path, const char *cert_path,
                        const struct ubur_vds_visa *visa, struct ubur_buf *out,
                        struct ubur_error *err);
/*
 * Verifies and decodes a visa seal (binary) against the signer certificate at
 * cert_path (and the CSCA at ca_path, may be NULL). Fills visa only when the
 * seal is valid. Errors as ubur_vds_decode, ubur_vds_verify and
 * ubur_vds_visa_from_seal.
 */
int ubur_vds_visa_check(const char *cert_path, const char *ca_path, const uint8_t *seal, size_t len,
                        struct ubur_vds_visa *visa, struct ubur_error *err);

/* ---- signer keys ---- */

struct ubur_vds_keyspec {
    const char *country;  /* issuing state, ICAO code (3 characters, "IRQ", "D<<") */
    const char *signer;   /* 4 characters: alpha-2 of the country + 2 letters or digits */
    const char *curve;    /* NULL = "P-256"; also P-384, P-521, brainpoolP224r1..512r1 */
    int signer_days;      /* signer certificate validity; 0 = 1095 */
    int csca_days;        /* new CSCA certificate validity; 0 = 3650 */
    const char *csca_key; /* existing CSCA key (PEM) to issue with, or NULL for a new CSCA */
    size_t csca_key_len;
    const char *csca_cert; /* its certificate (PEM), with csca_key */
    size_t csca_cert_len;
};

/* PEM texts of a new key set. Release wipes the private keys from memory. */
struct ubur_vds_keyset {
    char *csca_key;  /* NULL when an existing CSCA issued the signer */
    char *csca_cert; /* NULL likewise */
    char *signer_key;
    char *signer_cert;
    char signer[5];
    char cert_ref[UBUR_VDS_CERT_REF_MAX + 1];
};
#define UBUR_VDS_KEYSET_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, NULL, NULL, "", ""                                                             \
    }

/*
 * Creates a signing key and a signer certificate issued by a CSCA: a new CSCA
 * (self-signed, CA:TRUE, pathlen 0) unless spec gives one. The signer
 * certificate's subject is C=<signer[0..2]>, O=ubur, OU=<country>, CN=<signer>
 * and its serial is 4 random bytes, so the seal header's certificate
 * reference is 8 hex digits. Errors name the spec field.
 */
int ubur_vds_keys_new(const struct ubur_vds_keyspec *spec, struct ubur_vds_keyset *out,
                      struct ubur_error *err);
void ubur_vds_keyset_release(struct ubur_vds_keyset *ks);

#endif
