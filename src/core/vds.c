/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visible Digital Seals, the byte layer: C40, the 3-byte dates, the header,
 * message TLVs, the visa profile, and the decoder. No cryptography here (see
 * vds_crypto.c) and no allocation in the decoder: a decoded seal points into
 * the caller's buffer.
 *
 * Invariant of the decoder: every read is preceded by a check that the bytes
 * are there, written as "need(n)" against the remaining length, so any input
 * of any length either decodes or yields UBUR_EINVAL with the offset and the
 * field at fault. fuzz/fuzz_seal.c holds the decoder to this.
 */
#include <stdio.h>
#include <string.h>

#include "ubur/util.h"
#include "ubur/vds.h"

#include "ubur/banned.h"

/* Names the field of an error a helper (C40, dates) reported, keeping its message. */
static int
in_field(struct ubur_error *err, int rc, const char *field)
{
    if (err)
        snprintf(err->field, sizeof(err->field), "%s", field);
    return rc;
}

/* Like in_field, and puts what was being read in front of the message. */
static int
in_field_as(struct ubur_error *err, int rc, const char *field, const char *what)
{
    if (err) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        snprintf(err->message, sizeof(err->message), "%s: %s", what, msg);
    }
    return in_field(err, rc, field);
}

/* ---- C40 ---- */

static const char c40_alphabet[40] = {'?', '?', '?', '<', '0', '1', '2', '3', '4', '5',
                                      '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F',
                                      'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
                                      'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z'};

/* C40 value of an MRZ character, or -1. */
static int
c40_value(char c)
{
    if (c == '<' || c == ' ')
        return 3;
    if (c >= '0' && c <= '9')
        return 4 + (c - '0');
    if (c >= 'A' && c <= 'Z')
        return 14 + (c - 'A');
    return -1;
}

size_t
ubur_c40_encoded_len(size_t n)
{
    return (n + 2) / 3 * 2;
}

static int
c40_bad_char(struct ubur_error *err, const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f)
        return ubur_error_set(err, UBUR_EINVAL,
                              "'%c' at position %zu cannot be written in C40 (A-Z, 0-9, '<')", c,
                              i + 1);
    return ubur_error_set(err, UBUR_EINVAL,
                          "byte 0x%02X at position %zu cannot be written in C40 (A-Z, 0-9, '<')", c,
                          i + 1);
}

int
ubur_c40_encode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen,
                struct ubur_error *err)
{
    size_t need = ubur_c40_encoded_len(n), o = 0, i = 0;
    if (cap < need)
        return ubur_error_set(err, UBUR_ETOOBIG, "C40 of %zu characters needs %zu bytes, not %zu",
                              n, need, cap);
    for (size_t k = 0; k < n; k++)
        if (c40_value(s[k]) < 0)
            return c40_bad_char(err, s, k);
    for (; i + 3 <= n; i += 3) {
        unsigned v = 1600u * (unsigned)c40_value(s[i]) + 40u * (unsigned)c40_value(s[i + 1]) +
                     (unsigned)c40_value(s[i + 2]) + 1u;
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)(v & 0xff);
    }
    if (n - i == 2) {
        /* pad the last triplet with shift 1 (value 0) */
        unsigned v =
            1600u * (unsigned)c40_value(s[i]) + 40u * (unsigned)c40_value(s[i + 1]) + 0u + 1u;
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)(v & 0xff);
    } else if (n - i == 1) {
        /* unlatch, then the character in ASCII + 1; the filler is written as space */
        out[o++] = 0xFE;
        out[o++] = (uint8_t)((s[i] == '<' ? ' ' : s[i]) + 1);
    }
    *outlen = o;
    return 0;
}

int
ubur_c40_decode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *outlen,
                struct ubur_error *err)
{
    size_t o = 0;
    if (cap > 0)
        out[0] = '\0';
    if (n % 2)
        return ubur_error_set(err, UBUR_EINVAL, "C40 data has an odd length (%zu bytes)", n);
    for (size_t i = 0; i < n; i += 2) {
        char c[3];
        size_t nc = 0;
        if (in[i] == 0xFE) {
            if (i + 2 != n)
                return ubur_error_set(err, UBUR_EINVAL,
                                      "C40 unlatch (0xFE) at byte %zu is not in the last pair", i);
            char a = (char)(in[i + 1] - 1);
            if (c40_value(a) < 0)
                return ubur_error_set(err, UBUR_EINVAL,
                                      "C40 byte 0x%02X after unlatch is not an MRZ character",
                                      in[i + 1]);
            c[nc++] = a == ' ' ? '<' : a;
        } else {
            unsigned v = ((unsigned)in[i] << 8) | in[i + 1];
            if (v == 0 || v > 64000)
                return ubur_error_set(err, UBUR_EINVAL,
                                      "C40 bytes %02X%02X at byte %zu are out of range", in[i],
                                      in[i + 1], i);
            v--;
            unsigned vals[3] = {v / 1600, (v / 40) % 40, v % 40};
            bool last = i + 2 == n;
            for (int k = 0; k < 3; k++) {
                if (vals[k] >= 3) {
                    c[nc++] = c40_alphabet[vals[k]];
                    continue;
                }
                /* Shift values: only as padding at the end of the last triplet. */
                bool pad = last && k > 0 && vals[k] == 0 && (k == 2 || vals[2] == 0);
                if (!pad)
                    return ubur_error_set(err, UBUR_EINVAL,
                                          "C40 shift value %u at byte %zu is not supported",
                                          vals[k], i);
                break;
            }
        }
        if (o + nc + 1 > cap)
            return ubur_error_set(err, UBUR_ETOOBIG, "C40 text does not fit in %zu bytes", cap);
        memcpy(out + o, c, nc);
        o += nc;
        out[o] = '\0';
    }
    *outlen = o;
    return 0;
}

/* ---- dates ---- */

int
ubur_vds_date_encode(int64_t days, uint8_t out[3], struct ubur_error *err)
{
    int y, m, d;
    ubur_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return ubur_error_set(err, UBUR_EINVAL, "year %d cannot be written in a seal date", y);
    uint32_t v = (uint32_t)m * 1000000u + (uint32_t)d * 10000u + (uint32_t)y;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return 0;
}

int
ubur_vds_date_decode(const uint8_t in[3], int64_t *days, struct ubur_error *err)
{
    uint32_t v = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
    int m = (int)(v / 1000000u), d = (int)(v / 10000u % 100u), y = (int)(v % 10000u);
    if (!ubur_date_valid(y, m, d))
        return ubur_error_set(err, UBUR_EINVAL,
                              "date bytes %02X%02X%02X give %08u (MMDDYYYY), not a date", in[0],
                              in[1], in[2], (unsigned)v);
    *days = ubur_days_from_civil(y, m, d);
    return 0;
}

/* ---- hex and text ---- */

void
ubur_vds_hex(const uint8_t *data, size_t n, struct ubur_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char two[2] = {hex[data[i] >> 4], hex[data[i] & 15]};
        ubur_buf_add(out, two, 2);
    }
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
ubur_vds_parse_text(const char *text, size_t n, struct ubur_buf *bin, struct ubur_error *err)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t start = bin->len;
    if (n > 0 && t[0] == UBUR_VDS_MAGIC) {
        if (n > UBUR_VDS_MAX_LEN)
            return ubur_error_field(err, UBUR_ETOOBIG, "seal",
                                    "seal is %zu bytes; at most %d are accepted", n,
                                    UBUR_VDS_MAX_LEN);
        ubur_buf_add(bin, t, n);
        return 0;
    }
    if (n > UBUR_VDS_MAX_TEXT)
        return ubur_error_field(err, UBUR_ETOOBIG, "seal",
                                "seal text is %zu characters; at most %d are accepted", n,
                                UBUR_VDS_MAX_TEXT);
    size_t i = 0;
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
        i++;
    if (i + 1 < n && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X'))
        i += 2;
    int hi = -1;
    size_t digits = 0;
    for (; i < n; i++) {
        if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')
            continue;
        int v = hexval(t[i]);
        if (v < 0) {
            bin->len = start;
            if (bin->alloc)
                bin->s[start] = '\0';
            if (t[i] >= 0x20 && t[i] < 0x7f)
                return ubur_error_field(err, UBUR_EINVAL, "seal",
                                        "'%c' at position %zu is not a hex digit", t[i], i + 1);
            return ubur_error_field(err, UBUR_EINVAL, "seal",
                                    "byte 0x%02X at position %zu is not a hex digit", t[i], i + 1);
        }
        digits++;
        if (hi < 0) {
            hi = v;
        } else {
            char byte = (char)(hi << 4 | v);
            ubur_buf_add(bin, &byte, 1);
            hi = -1;
        }
    }
    if (hi >= 0 || digits == 0) {
        bin->len = start;
        if (bin->alloc)
            bin->s[start] = '\0';
        if (digits == 0)
            return ubur_error_field(err, UBUR_EINVAL, "seal", "seal is empty");
        return ubur_error_field(err, UBUR_EINVAL, "seal",
                                "seal hex has an odd number of digits (%zu)", digits);
    }
    return 0;
}

/* ---- encoding ---- */

static void
buf_truncate(struct ubur_buf *b, size_t len)
{
    b->len = len;
    if (b->alloc)
        b->s[len] = '\0';
}

static bool
is_signer_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int
ubur_vds_header_encode(const struct ubur_vds_header *h, struct ubur_buf *out,
                       struct ubur_error *err)
{
    uint8_t b[64];
    char ids[4 + 2 + UBUR_VDS_CERT_REF_MAX + 1];
    size_t n = 0, len, reflen = strnlen(h->cert_ref, sizeof(h->cert_ref));
    int rc;

    if (h->version != UBUR_VDS_VERSION_3 && h->version != UBUR_VDS_VERSION_4)
        return ubur_error_field(err, UBUR_EINVAL, "version",
                                "version byte 0x%02X is not 0x02 or 0x03", h->version);
    if (strnlen(h->issuing_country, sizeof(h->issuing_country)) != 3)
        return ubur_error_field(err, UBUR_EINVAL, "issuing_country",
                                "'%s' is not a 3-character state code", h->issuing_country);
    if (strnlen(h->signer, sizeof(h->signer)) != 4 || !is_signer_char(h->signer[0]) ||
        !is_signer_char(h->signer[1]) || !is_signer_char(h->signer[2]) ||
        !is_signer_char(h->signer[3]))
        return ubur_error_field(err, UBUR_EINVAL, "signer",
                                "'%s' is not a 4-character signer identifier (A-Z, 0-9)",
                                h->signer);
    /* hex serials in practice; any A-Z and 0-9 is what the format can carry */
    for (size_t i = 0; i < reflen; i++)
        if (!is_signer_char(h->cert_ref[i]))
            return ubur_error_field(err, UBUR_EINVAL, "cert_ref",
                                    "'%s' is not a certificate reference (A-Z, 0-9)", h->cert_ref);
    if (reflen == 0)
        return ubur_error_field(err, UBUR_EINVAL, "cert_ref", "certificate reference is empty");

    b[n++] = UBUR_VDS_MAGIC;
    b[n++] = h->version;
    rc = ubur_c40_encode(h->issuing_country, 3, b + n, sizeof(b) - n, &len, err);
    if (rc)
        return in_field(err, rc, "issuing_country");
    n += len;
    if (h->version == UBUR_VDS_VERSION_3) {
        /* 4 signer characters and a 5-character reference, zero-padded on the left */
        if (reflen > 5)
            return ubur_error_field(err, UBUR_EINVAL, "cert_ref",
                                    "'%s' is longer than the 5 characters of a version 3 seal",
                                    h->cert_ref);
        snprintf(ids, sizeof(ids), "%s%.*s%s", h->signer, (int)(5 - reflen), "00000", h->cert_ref);
    } else {
        snprintf(ids, sizeof(ids), "%s%02zX%s", h->signer, reflen, h->cert_ref);
    }
    rc = ubur_c40_encode(ids, strlen(ids), b + n, sizeof(b) - n, &len, err);
    if (rc)
        return in_field(err, rc, "signer");
    n += len;
    if ((rc = ubur_vds_date_encode(h->issue_date, b + n, err)))
        return in_field(err, rc, "issue_date");
    n += 3;
    if ((rc = ubur_vds_date_encode(h->signature_date, b + n, err)))
        return in_field(err, rc, "signature_date");
    n += 3;
    b[n++] = h->feature_ref;
    b[n++] = h->doc_category;
    ubur_buf_add(out, b, n);
    return 0;
}

int
ubur_vds_message_encode(uint8_t tag, const uint8_t *value, size_t n, struct ubur_buf *out,
                        struct ubur_error *err)
{
    uint8_t tl[4];
    size_t k = 0;
    tl[k++] = tag;
    if (n < 0x80) {
        tl[k++] = (uint8_t)n;
    } else if (n <= 0xff) {
        tl[k++] = 0x81;
        tl[k++] = (uint8_t)n;
    } else if (n <= 0xffff) {
        tl[k++] = 0x82;
        tl[k++] = (uint8_t)(n >> 8);
        tl[k++] = (uint8_t)n;
    } else {
        return ubur_error_set(err, UBUR_ETOOBIG, "message 0x%02X of %zu bytes is too long", tag, n);
    }
    ubur_buf_add(out, tl, k);
    ubur_buf_add(out, value, n);
    return 0;
}

/* ---- decoding ---- */

struct reader {
    const uint8_t *p;
    size_t left;
    size_t off; /* offset from the start of the seal, for messages */
};

static bool
need(struct reader *r, size_t n)
{
    return r->left >= n;
}

static const uint8_t *
take(struct reader *r, size_t n)
{
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    r->off += n;
    return p;
}

static int
truncated(struct ubur_error *err, const char *field, const struct reader *r, size_t want)
{
    return ubur_error_field(err, UBUR_EINVAL, field,
                            "seal ends at byte %zu inside the %s (%zu more bytes needed)",
                            r->off + r->left, field, want - r->left);
}

static int
decode_header(struct reader *r, struct ubur_vds_header *h, struct ubur_error *err)
{
    char ids[3 * 256 / 2 + 8];
    size_t len;
    int rc;

    if (!need(r, 1))
        return ubur_error_field(err, UBUR_EINVAL, "seal", "seal is empty");
    if (r->p[0] != UBUR_VDS_MAGIC)
        return ubur_error_field(err, UBUR_EINVAL, "magic",
                                "first byte is 0x%02X, not 0xDC: not a visible digital seal",
                                r->p[0]);
    take(r, 1);
    if (!need(r, 1))
        return truncated(err, "version", r, 1);
    h->version = *take(r, 1);
    if (h->version != UBUR_VDS_VERSION_3 && h->version != UBUR_VDS_VERSION_4)
        return ubur_error_field(err, UBUR_EINVAL, "version",
                                "version byte 0x%02X is not 0x02 (version 3) or 0x03 (version 4)",
                                h->version);
    if (!need(r, 2))
        return truncated(err, "issuing_country", r, 2);
    rc = ubur_c40_decode(take(r, 2), 2, h->issuing_country, sizeof(h->issuing_country), &len, err);
    if (rc)
        return in_field_as(err, UBUR_EINVAL, "issuing_country", "issuing country");
    if (len != 3)
        return ubur_error_field(err, UBUR_EINVAL, "issuing_country",
                                "issuing country is %zu C40 characters, not 3", len);

    size_t idbytes, idchars, reflen;
    if (h->version == UBUR_VDS_VERSION_3) {
        idchars = 9, idbytes = 6, reflen = 5;
    } else {
        /* 4 signer characters and 2 hex digits of reference length: two triplets */
        if (!need(r, 4))
            return truncated(err, "signer", r, 4);
        rc = ubur_c40_decode(r->p, 4, ids, sizeof(ids), &len, err);
        if (rc)
            return in_field_as(err, UBUR_EINVAL, "signer", "signer identifier");
        if (len != 6)
            return ubur_error_field(err, UBUR_EINVAL, "signer",
                                    "signer identifier is %zu C40 characters, not 6", len);
        int hi = hexval((unsigned char)ids[4]), lo = hexval((unsigned char)ids[5]);
        if (hi < 0 || lo < 0)
            return ubur_error_field(err, UBUR_EINVAL, "cert_ref",
                                    "certificate reference length '%c%c' is not hex", ids[4],
                                    ids[5]);
        reflen = (size_t)(hi * 16 + lo);
        idchars = 6 + reflen;
        idbytes = ubur_c40_encoded_len(idchars);
    }
    if (!need(r, idbytes))
        return truncated(err, "signer", r, idbytes);
    rc = ubur_c40_decode(take(r, idbytes), idbytes, ids, sizeof(ids), &len, err);
    if (rc)
        return in_field_as(err, UBUR_EINVAL, "signer", "signer and certificate reference");
    if (len != idchars)
        return ubur_error_field(err, UBUR_EINVAL, "signer",
                                "signer and certificate reference are %zu C40 characters, not %zu",
                                len, idchars);
    memcpy(h->signer, ids, 4);
    h->signer[4] = '\0';
    for (int i = 0; i < 4; i++)
        if (!is_signer_char(h->signer[i]))
            return ubur_error_field(err, UBUR_EINVAL, "signer",
                                    "signer identifier '%s' has a filler", h->signer);
    if (reflen > UBUR_VDS_CERT_REF_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "cert_ref",
                                "certificate reference of %zu characters is longer than %d", reflen,
                                UBUR_VDS_CERT_REF_MAX);
    if (reflen == 0)
        return ubur_error_field(err, UBUR_EINVAL, "cert_ref", "certificate reference is empty");
    memcpy(h->cert_ref, ids + idchars - reflen, reflen);
    h->cert_ref[reflen] = '\0';
    if (strchr(h->cert_ref, '<'))
        return ubur_error_field(err, UBUR_EINVAL, "cert_ref",
                                "certificate reference '%s' has a filler", h->cert_ref);

    if (!need(r, 3))
        return truncated(err, "issue_date", r, 3);
    if ((rc = ubur_vds_date_decode(take(r, 3), &h->issue_date, err)))
        return in_field(err, rc, "issue_date");
    if (!need(r, 3))
        return truncated(err, "signature_date", r, 3);
    if ((rc = ubur_vds_date_decode(take(r, 3), &h->signature_date, err)))
        return in_field(err, rc, "signature_date");
    if (!need(r, 2))
        return truncated(err, "doc_category", r, 2);
    h->feature_ref = *take(r, 1);
    h->doc_category = *take(r, 1);
    return 0;
}

/* Reads a tag and a DER length (short form, 0x81, 0x82). */
static int
read_tl(struct reader *r, uint8_t *tag, size_t *len, struct ubur_error *err)
{
    size_t at = r->off;
    *tag = *take(r, 1);
    if (!need(r, 1))
        return ubur_error_field(err, UBUR_EINVAL, "messages",
                                "seal ends after tag 0x%02X at byte %zu, before its length", *tag,
                                at);
    uint8_t l = *take(r, 1);
    if (l < 0x80) {
        *len = l;
    } else if (l == 0x81 || l == 0x82) {
        size_t nb = l & 0x7f;
        if (!need(r, nb))
            return ubur_error_field(err, UBUR_EINVAL, "messages",
                                    "seal ends inside the length of tag 0x%02X at byte %zu", *tag,
                                    at);
        const uint8_t *p = take(r, nb);
        *len = nb == 1 ? p[0] : ((size_t)p[0] << 8 | p[1]);
    } else {
        return ubur_error_field(err, UBUR_EINVAL, "messages",
                                "length byte 0x%02X of tag 0x%02X at byte %zu is not supported", l,
                                *tag, at);
    }
    if (!need(r, *len))
        return ubur_error_field(err, UBUR_EINVAL, "messages",
                                "tag 0x%02X at byte %zu says %zu bytes, only %zu remain", *tag, at,
                                *len, r->left);
    return 0;
}

int
ubur_vds_decode(const uint8_t *buf, size_t len, struct ubur_vds *seal, struct ubur_error *err)
{
    struct reader r = {buf, len, 0};
    int rc;

    memset(seal, 0, sizeof(*seal));
    if (len > UBUR_VDS_MAX_LEN)
        return ubur_error_field(err, UBUR_ETOOBIG, "seal",
                                "seal is %zu bytes; at most %d are accepted", len,
                                UBUR_VDS_MAX_LEN);
    if ((rc = decode_header(&r, &seal->header, err)))
        return rc;
    seal->header_len = r.off;
    while (r.left > 0) {
        uint8_t tag = 0;
        size_t vlen = 0;
        size_t at = r.off;
        if ((rc = read_tl(&r, &tag, &vlen, err)))
            return rc;
        const uint8_t *v = take(&r, vlen);
        if (tag == UBUR_VDS_TAG_SIGNATURE) {
            seal->signed_len = at;
            seal->signature = v;
            seal->signature_len = vlen;
            if (r.left > 0)
                return ubur_error_field(err, UBUR_EINVAL, "signature",
                                        "%zu bytes follow the signature zone", r.left);
            break;
        }
        if (ubur_vds_find(seal, tag))
            return ubur_error_field(err, UBUR_EINVAL, "messages",
                                    "tag 0x%02X appears twice (again at byte %zu)", tag, at);
        if (seal->nmessages == UBUR_VDS_MAX_MESSAGES)
            return ubur_error_field(err, UBUR_EINVAL, "messages", "more than %d messages",
                                    UBUR_VDS_MAX_MESSAGES);
        seal->messages[seal->nmessages++] = (struct ubur_vds_message){tag, vlen, v};
    }
    if (!seal->signature)
        seal->signed_len = len;
    seal->signed_data = buf;
    return 0;
}

const struct ubur_vds_message *
ubur_vds_find(const struct ubur_vds *seal, uint8_t tag)
{
    for (size_t i = 0; i < seal->nmessages; i++)
        if (seal->messages[i].tag == tag)
            return &seal->messages[i];
    return NULL;
}

const char *
ubur_vds_profile_name(uint8_t feature_ref, uint8_t doc_category)
{
    if (feature_ref == UBUR_VDS_FEATURE_VISA && doc_category == UBUR_VDS_CATEGORY_VISA)
        return "visa";
    return NULL;
}

/* ---- the visa profile ---- */

static bool
is_mrz_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '<'))
            return false;
    return true;
}

int
ubur_vds_visa_encode_messages(const struct ubur_vds_visa *visa, struct ubur_buf *out,
                              struct ubur_error *err)
{
    size_t l1 = strnlen(visa->mrz1, sizeof(visa->mrz1));
    size_t l2 = strnlen(visa->mrz2, sizeof(visa->mrz2));
    size_t start = out->len, n;
    char mrz[44 + UBUR_VDS_MRZ2_KEPT + 1];
    uint8_t b[64];
    int rc;

    if (l1 != 44 && l1 != 36)
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ line 1 has %zu characters; a visa has 44 (MRV-A) or 36 "
                                "(MRV-B)",
                                l1);
    if (l2 != l1 && l2 != UBUR_VDS_MRZ2_KEPT)
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ line 2 has %zu characters; expected %zu (or the %d a seal "
                                "keeps)",
                                l2, l1, UBUR_VDS_MRZ2_KEPT);
    if (!is_mrz_line(visa->mrz1, l1) || !is_mrz_line(visa->mrz2, l2))
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ lines may hold only A-Z, 0-9 and '<' (upper case)");
    if (visa->mrz1[0] != 'V')
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ line 1 starts with '%c', not 'V': not a visa", visa->mrz1[0]);
    if (visa->entries < -1 || visa->entries > 255)
        return ubur_error_field(err, UBUR_EINVAL, "entries",
                                "%d entries do not fit a byte (0 = multiple, 1..255)",
                                visa->entries);
    const struct {
        const char *name;
        int v;
    } dur[3] = {
        {"days", visa->stay_days}, {"months", visa->stay_months}, {"years", visa->stay_years}};
    for (int i = 0; i < 3; i++)
        if (dur[i].v < 0 || dur[i].v > 255)
            return ubur_error_field(err, UBUR_EINVAL, dur[i].name,
                                    "duration of stay of %d %s does not fit a byte (0..255)",
                                    dur[i].v, dur[i].name);
    size_t pl = strnlen(visa->passport_number, sizeof(visa->passport_number));
    if (pl == 0 || pl > 9 || !is_mrz_line(visa->passport_number, pl))
        return ubur_error_field(err, UBUR_EINVAL, "passport_number",
                                "'%.*s' is not a passport number (1 to 9 of A-Z, 0-9, '<')",
                                (int)pl, visa->passport_number);
    if (visa->visa_type_len > sizeof(visa->visa_type) ||
        visa->additional_len > sizeof(visa->additional))
        return ubur_error_field(err, UBUR_EINVAL, "visa_type",
                                "visa type and additional feature hold at most 4 bytes");

    memcpy(mrz, visa->mrz1, l1);
    memcpy(mrz + l1, visa->mrz2, UBUR_VDS_MRZ2_KEPT);
    rc = ubur_c40_encode(mrz, l1 + UBUR_VDS_MRZ2_KEPT, b, sizeof(b), &n, err);
    if (rc)
        return in_field(err, rc, "mrz");
    ubur_vds_message_encode(l1 == 44 ? UBUR_VDS_TAG_MRZ_MRVA : UBUR_VDS_TAG_MRZ_MRVB, b, n, out,
                            NULL);
    if (visa->entries >= 0) {
        b[0] = (uint8_t)visa->entries;
        ubur_vds_message_encode(UBUR_VDS_TAG_ENTRIES, b, 1, out, NULL);
    }
    b[0] = (uint8_t)visa->stay_days;
    b[1] = (uint8_t)visa->stay_months;
    b[2] = (uint8_t)visa->stay_years;
    ubur_vds_message_encode(UBUR_VDS_TAG_DURATION, b, 3, out, NULL);
    char pn[10];
    snprintf(pn, sizeof(pn), "%.*s%.*s", (int)pl, visa->passport_number, (int)(9 - pl),
             "<<<<<<<<<");
    if ((rc = ubur_c40_encode(pn, 9, b, sizeof(b), &n, err))) {
        buf_truncate(out, start);
        return in_field(err, rc, "passport_number");
    }
    ubur_vds_message_encode(UBUR_VDS_TAG_PASSPORT, b, n, out, NULL);
    if (visa->visa_type_len)
        ubur_vds_message_encode(UBUR_VDS_TAG_VISA_TYPE, visa->visa_type, visa->visa_type_len, out,
                                NULL);
    if (visa->additional_len)
        ubur_vds_message_encode(UBUR_VDS_TAG_ADDITIONAL, visa->additional, visa->additional_len,
                                out, NULL);
    return 0;
}

int
ubur_vds_visa_from_seal(const struct ubur_vds *seal, struct ubur_vds_visa *out,
                        struct ubur_error *err)
{
    const struct ubur_vds_header *h = &seal->header;
    struct ubur_vds_visa visa = UBUR_VDS_VISA_INIT;
    const struct ubur_vds_message *m;
    char text[3 * 48 / 2 + 1];
    size_t n;
    int rc;

    if (!ubur_vds_profile_name(h->feature_ref, h->doc_category) ||
        strcmp(ubur_vds_profile_name(h->feature_ref, h->doc_category), "visa") != 0)
        return ubur_error_field(err, UBUR_EINVAL, "profile",
                                "feature reference 0x%02X with category 0x%02X is not a visa "
                                "seal (0x5D, 0x01)",
                                h->feature_ref, h->doc_category);
    memcpy(visa.issuing_country, h->issuing_country, sizeof(visa.issuing_country));
    memcpy(visa.signer, h->signer, sizeof(visa.signer));
    memcpy(visa.cert_ref, h->cert_ref, sizeof(visa.cert_ref));
    visa.issue_date = h->issue_date;
    visa.signature_date = h->signature_date;

    const struct ubur_vds_message *a = ubur_vds_find(seal, UBUR_VDS_TAG_MRZ_MRVA);
    const struct ubur_vds_message *b = ubur_vds_find(seal, UBUR_VDS_TAG_MRZ_MRVB);
    if (a && b)
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "seal holds both an MRV-A and an MRV-B MRZ");
    if (!a && !b)
        return ubur_error_field(err, UBUR_EINVAL, "mrz", "visa seal has no MRZ (tag 0x01 or 0x02)");
    m = a ? a : b;
    size_t want = a ? 48 : 44, l1 = a ? 44 : 36;
    if (m->len != want)
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ (tag 0x%02X) is %zu bytes; an MRV-%c seal holds %zu", m->tag,
                                m->len, a ? 'A' : 'B', want);
    if ((rc = ubur_c40_decode(m->value, m->len, text, sizeof(text), &n, err)))
        return in_field(err, rc, "mrz");
    if (n != l1 + UBUR_VDS_MRZ2_KEPT)
        return ubur_error_field(err, UBUR_EINVAL, "mrz", "MRZ holds %zu characters, not %zu", n,
                                l1 + UBUR_VDS_MRZ2_KEPT);
    visa.format = a ? 'A' : 'B';
    memcpy(visa.mrz1, text, l1);
    visa.mrz1[l1] = '\0';
    memcpy(visa.mrz2, text + l1, UBUR_VDS_MRZ2_KEPT);
    visa.mrz2[UBUR_VDS_MRZ2_KEPT] = '\0';

    if ((m = ubur_vds_find(seal, UBUR_VDS_TAG_ENTRIES))) {
        if (m->len != 1)
            return ubur_error_field(err, UBUR_EINVAL, "entries",
                                    "number of entries (tag 0x03) is %zu bytes, not 1", m->len);
        visa.entries = m->value[0];
    }
    if (!(m = ubur_vds_find(seal, UBUR_VDS_TAG_DURATION)))
        return ubur_error_field(err, UBUR_EINVAL, "duration",
                                "visa seal has no duration of stay (tag 0x04)");
    if (m->len != 3)
        return ubur_error_field(err, UBUR_EINVAL, "duration",
                                "duration of stay (tag 0x04) is %zu bytes, not 3", m->len);
    visa.stay_days = m->value[0];
    visa.stay_months = m->value[1];
    visa.stay_years = m->value[2];
    if (!(m = ubur_vds_find(seal, UBUR_VDS_TAG_PASSPORT)))
        return ubur_error_field(err, UBUR_EINVAL, "passport_number",
                                "visa seal has no passport number (tag 0x05)");
    if (m->len != 6)
        return ubur_error_field(err, UBUR_EINVAL, "passport_number",
                                "passport number (tag 0x05) is %zu bytes, not 6", m->len);
    if ((rc = ubur_c40_decode(m->value, m->len, text, sizeof(text), &n, err)))
        return in_field(err, rc, "passport_number");
    while (n > 0 && text[n - 1] == '<')
        n--;
    if (n == 0 || n > 9)
        return ubur_error_field(err, UBUR_EINVAL, "passport_number",
                                "passport number is empty or longer than 9 characters");
    memcpy(visa.passport_number, text, n);
    visa.passport_number[n] = '\0';
    if ((m = ubur_vds_find(seal, UBUR_VDS_TAG_VISA_TYPE))) {
        if (m->len > sizeof(visa.visa_type))
            return ubur_error_field(err, UBUR_EINVAL, "visa_type",
                                    "visa type (tag 0x06) is %zu bytes, at most 4", m->len);
        memcpy(visa.visa_type, m->value, m->len);
        visa.visa_type_len = m->len;
    }
    if ((m = ubur_vds_find(seal, UBUR_VDS_TAG_ADDITIONAL))) {
        if (m->len > sizeof(visa.additional))
            return ubur_error_field(err, UBUR_EINVAL, "additional",
                                    "additional feature (tag 0x07) is %zu bytes, at most 4",
                                    m->len);
        memcpy(visa.additional, m->value, m->len);
        visa.additional_len = m->len;
    }
    *out = visa;
    return 0;
}
