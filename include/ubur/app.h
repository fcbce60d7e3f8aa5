/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Application services: the operations a user performs (log in, add a user,
 * check a traveller, issue a visa...), shared by the HTTP API and the CLI so
 * both give the same answer. A service takes a struct ubur_ctx that says who
 * acts, on which store, under which request id; it validates its input,
 * writes in one transaction together with the audit entry, and commits
 * before it returns success.
 */
#ifndef UBUR_APP_H
#define UBUR_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/error.h"
#include "ubur/store.h"
#include "ubur/util.h"

/* Roles, as bits so a route can allow several. */
#define UBUR_ROLE_MAP(X)                                                                           \
    X(UBUR_ROLE_ADMIN, 1u << 0, "admin")                                                           \
    X(UBUR_ROLE_SUPERVISOR, 1u << 1, "supervisor")                                                 \
    X(UBUR_ROLE_BORDER_OFFICER, 1u << 2, "border_officer")                                         \
    X(UBUR_ROLE_CONSULAR_OFFICER, 1u << 3, "consular_officer")                                     \
    X(UBUR_ROLE_REGISTRATION_OFFICER, 1u << 4, "registration_officer")                             \
    X(UBUR_ROLE_ANALYST, 1u << 5, "analyst")                                                       \
    X(UBUR_ROLE_SYNC_POST, 1u << 6, "sync_post")

enum ubur_role {
#define UBUR_X_ROLE(e, v, n) e = v,
    UBUR_ROLE_MAP(UBUR_X_ROLE)
#undef UBUR_X_ROLE
};
/* Every role a person holds; not sync_post, a border post's machine account (ubur/sync.h). */
#define UBUR_ROLE_ANY 0x3fu
#define UBUR_ROLE_NONE 0u /* a route open without credentials */

/* Role name to bit, 0 when unknown. */
unsigned ubur_role_from_name(const char *name);
const char *ubur_role_name(unsigned role);

struct ubur_writer;

struct ubur_ctx {
    struct ubur_store *store;
    const char *user_id;  /* acting user's id, or NULL when anonymous */
    const char *username; /* "cli:root" for the CLI */
    unsigned role;        /* one UBUR_ROLE_* bit */
    char request_id[UBUR_UUID_LEN + 1];
    const char *purpose;        /* why the data is accessed, for the audit log; may be NULL */
    const char *state;          /* this instance's ISO 3166 alpha-3 state, e.g. "SYR" */
    struct ubur_arena arena;    /* freed when the request or command ends */
    struct ubur_writer *writer; /* group-commit writer (ubur/writer.h), or NULL: write inline */
};

/*
 * Appends an entry to the hash-chained audit log inside the caller's open
 * transaction: who (ctx), what (`action`, e.g. "user.create"), on which
 * object, and an optional JSON detail. Returns 0 or a negative code.
 */
int ubur_audit(struct ubur_ctx *ctx, const char *action, const char *object_type,
               const char *object_id, const char *detail_json, struct ubur_error *err);

/* Reads a setting from the settings table; returns def when unset (caller does not free). */
const char *ubur_setting(struct ubur_ctx *ctx, const char *key, const char *def);

#include <jansson.h>
/*
 * Walks the audit chain in order. Returns 0 when intact; UBUR_ECONFLICT
 * when not, with *bad_seq the first entry that was altered, deleted (a gap
 * or a broken link) or reordered, and err saying which.
 */
int ubur_audit_verify(struct ubur_store *store, int64_t *checked, int64_t *bad_seq,
                      struct ubur_error *err);
/* Newest entries first, before sequence `before` (0 = from the newest); caller decrefs. */
int ubur_audit_list(struct ubur_store *store, int64_t before, int64_t limit, const char *object_id,
                    json_t **out, struct ubur_error *err);
#endif
