/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Users and sessions. Passwords are hashed with argon2id (libsodium's
 * crypto_pwhash_str); only the hash is stored. A session token is 32 random
 * bytes shown once to the client; the database keeps its SHA-256, so a
 * stolen database copy holds no usable token. Repeated failed logins lock an
 * account with exponential backoff.
 */
#ifndef UBUR_USERS_H
#define UBUR_USERS_H

#include <jansson.h>

#include "ubur/app.h"

#define UBUR_USERNAME_MAX 64
#define UBUR_PASSWORD_MIN 12
#define UBUR_PASSWORD_MAX 256
#define UBUR_TOKEN_LEN 64 /* hex characters */

struct ubur_session {
    char user_id[UBUR_UUID_LEN + 1];
    char username[UBUR_USERNAME_MAX + 1];
    unsigned role;
    char state[4];
    char csrf[UBUR_TOKEN_LEN + 1];
    char expires_at[UBUR_TIME_LEN + 1];
};

/*
 * Creates a user. When password is NULL a random one is generated and
 * written to generated[] (which must hold UBUR_PASSWORD_MAX + 1 bytes).
 * The new id goes to id_out (may be NULL). Audited; commits.
 */
int ubur_user_add(struct ubur_ctx *ctx, const char *username, const char *role_name,
                  const char *password, char *generated, char *id_out, struct ubur_error *err);
/* Sets a new password (NULL: generate one into generated[]); ends the user's sessions. */
int ubur_user_set_password(struct ubur_ctx *ctx, const char *username, const char *password,
                           char *generated, struct ubur_error *err);
/*
 * Changes a user's role (role_name NULL: keep) and whether the account is
 * disabled (disabled < 0: keep). Either change ends the user's sessions. The
 * last enabled admin can be neither disabled nor demoted (UBUR_ECONFLICT), so
 * the instance is never left without one. Audited with the old and new
 * values; commits.
 */
int ubur_user_update(struct ubur_ctx *ctx, const char *username, const char *role_name,
                     int disabled, struct ubur_error *err);
/* Users as a JSON array of {id, username, role, state, disabled, created_at}; caller decrefs. */
int ubur_user_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err);
/* Number of users, to know whether a first admin is needed. */
int ubur_user_count(struct ubur_ctx *ctx, int64_t *n, struct ubur_error *err);

/*
 * Checks a username and password and opens a session: token[] receives the
 * bearer token (UBUR_TOKEN_LEN + 1 bytes), *sess the session. Wrong
 * credentials are UBUR_EAUTH with one message for every cause, a locked
 * account UBUR_ELIMIT. Audited either way.
 */
int ubur_session_login(struct ubur_ctx *ctx, const char *username, const char *password,
                       char token[UBUR_TOKEN_LEN + 1], struct ubur_session *sess,
                       struct ubur_error *err);
/*
 * Looks up a live session by token; UBUR_EAUTH when unknown, expired or idle
 * too long. A session confirmed by the store in the last few seconds is
 * answered from a thread-safe in-memory cache keyed by the token's hash;
 * logout, password changes and lockouts in this process empty it at once,
 * sessions ended by another process are honoured at most those seconds more.
 */
int ubur_session_check(struct ubur_store *store, const char *token, struct ubur_session *sess,
                       struct ubur_error *err);
/* Drops every cached session (after a commit that ends sessions or changes users). */
void ubur_session_cache_clear(void);
/* Ends the session of this token. */
int ubur_session_logout(struct ubur_ctx *ctx, const char *token, struct ubur_error *err);

/* Random password of 20 characters from an unambiguous alphabet. */
void ubur_password_generate(char out[UBUR_PASSWORD_MAX + 1]);

#endif
