/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed data exchange between the two states' systems. Each instance has
 * an Ed25519 key pair (the secret in a 0600 file, never in the database);
 * partners register each other's public keys and an agreement that says
 * which record types, and which of their fields, may go to them.
 *
 * A package is a JSON envelope {"format","signer","payload","signature"}:
 * payload is the base64 of the JSON body {"format":"ubur-exchange/1",
 * "from","to","seq","created_at","cursor","records":{TYPE:[...]}} and the
 * signature covers exactly those payload bytes. Packages from a partner are
 * applied in sequence: a seq already applied is a replay, a seq beyond the
 * next is out of order, and both are refused with the reason; applying is
 * idempotent (records carry their UUIDv7 ids) and every applied record
 * keeps the state that contributed it.
 */
#ifndef UBUR_EXCHANGE_H
#define UBUR_EXCHANGE_H

#include <jansson.h>

#include "ubur/app.h"

#define UBUR_EXCHANGE_FORMAT "ubur-exchange/1"
#define UBUR_EXCHANGE_MAX (64u << 20) /* largest package accepted */

/* ---- envelopes (pure; src/core/exchange_pkg.c) ---- */

/* Hex of a 32-byte public key and 64-byte secret key. */
#define UBUR_EXCHANGE_PK_HEX 64
#define UBUR_EXCHANGE_SK_HEX 128

void ubur_exchange_keypair(char pk_hex[UBUR_EXCHANGE_PK_HEX + 1],
                           char sk_hex[UBUR_EXCHANGE_SK_HEX + 1]);
/* Wraps payload bytes in a signed envelope; returns a malloc'd JSON text. */
char *ubur_exchange_seal(const char *signer, const char *payload, size_t len, const char *sk_hex,
                         struct ubur_error *err);
/*
 * Checks an envelope: well-formed, signed by `pk_hex` (the key registered for
 * the envelope's signer, looked up by the caller through *signer). On
 * success *payload is the malloc'd, NUL-terminated payload text.
 */
int ubur_exchange_open_envelope(const char *text, size_t len, char signer[4], json_t **envelope,
                                struct ubur_error *err);
int ubur_exchange_verify(json_t *envelope, const char *pk_hex, char **payload, size_t *plen,
                         struct ubur_error *err);

/* ---- record types ---- */

struct ubur_exchange_type {
    const char *name;          /* "watchlist", "revocations", "movements" */
    const char *const *fields; /* fields that may be shared; "id" always goes */
    /*
     * Appends to arr the records for `partner` changed after `since` (an
     * opaque cursor of this type, NULL for the beginning) and sets *next to
     * the cursor after them (arena string; unchanged when nothing is new).
     */
    int (*export_records)(struct ubur_ctx *ctx, const char *partner, const char *since, json_t *arr,
                          const char **next, struct ubur_error *err);
    /* Applies one record contributed by `from`, inside the caller's transaction, idempotently. */
    int (*apply)(struct ubur_ctx *ctx, const char *from, json_t *record, struct ubur_error *err);
};
/* The registered types, NULL-name terminated (src/app/exchange.c). */
extern const struct ubur_exchange_type ubur_exchange_types[];

/* ---- services (src/app/exchange.c) ---- */

/*
 * The instance's key file: UBUR_EXCHANGE_KEY, else the setting
 * exchange.key_file, else "ubur-exchange.key". Created (0600) when absent
 * and create is true.
 */
int ubur_exchange_own_key(struct ubur_ctx *ctx, bool create, char pk_hex[UBUR_EXCHANGE_PK_HEX + 1],
                          char sk_hex[UBUR_EXCHANGE_SK_HEX + 1], struct ubur_error *err);
/* Registers (or replaces) a partner's public key from a key file's text. */
int ubur_exchange_partner_add(struct ubur_ctx *ctx, const char *state, const char *key_text,
                              struct ubur_error *err);
/* allow: comma-separated record types; fields: "type:f1+f2,type2:f3" or NULL for all. */
int ubur_exchange_agreement_set(struct ubur_ctx *ctx, const char *state, const char *allow,
                                const char *fields, struct ubur_error *err);
/* Partners with their agreements and sequence numbers; caller decrefs. */
int ubur_exchange_partners(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err);
/*
 * Makes the next signed package for `to` with the records its agreement
 * allows since `since` (NULL: where the last package ended). resend > 0
 * returns the stored envelope of that earlier package instead. *out is a
 * malloc'd envelope text.
 */
int ubur_exchange_export(struct ubur_ctx *ctx, const char *to, const char *since, int64_t resend,
                         char **out, json_t **summary, struct ubur_error *err);
/* Verifies and applies a package in one transaction; *summary says what was applied. */
int ubur_exchange_import(struct ubur_ctx *ctx, const char *text, size_t len, json_t **summary,
                         struct ubur_error *err);

#endif
