/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Errors. Every fallible function returns int: 0 on success or a negative
 * UBUR_E* code, and fills an optional struct ubur_error (may be NULL) with a
 * message that says what failed and why, and, for input errors, which field.
 * The codes come from one X-macro table so their names, messages and HTTP
 * statuses cannot drift apart.
 */
#ifndef UBUR_ERROR_H
#define UBUR_ERROR_H

/* X(ENUM, value, api-name, http-status, description) */
#define UBUR_ERRNO_MAP(X)                                                                          \
    X(UBUR_EINVAL, -1, "invalid", 400, "invalid input")                                            \
    X(UBUR_EAUTH, -2, "unauthenticated", 401, "authentication required")                           \
    X(UBUR_EPERM, -3, "forbidden", 403, "not allowed for this role")                               \
    X(UBUR_ENOTFOUND, -4, "not_found", 404, "not found")                                           \
    X(UBUR_ECONFLICT, -5, "conflict", 409, "conflicts with the current state")                     \
    X(UBUR_ETOOBIG, -6, "too_large", 413, "too large")                                             \
    X(UBUR_EUNPROC, -7, "unprocessable", 422, "well-formed but cannot be processed")               \
    X(UBUR_ELIMIT, -8, "rate_limited", 429, "too many attempts")                                   \
    X(UBUR_EBUSY, -9, "busy", 503, "temporarily unavailable")                                      \
    X(UBUR_EFULL, -10, "storage_full", 503, "storage is full")                                     \
    X(UBUR_ESTORE, -11, "storage", 500, "storage failure")                                         \
    X(UBUR_EIO, -12, "io", 500, "input/output failure")                                            \
    X(UBUR_ECRYPTO, -13, "crypto", 500, "cryptographic failure")                                   \
    X(UBUR_EINTERNAL, -14, "internal", 500, "internal error")

enum ubur_errno {
#define UBUR_X_ENUM(e, v, n, s, d) e = v,
    UBUR_ERRNO_MAP(UBUR_X_ENUM)
#undef UBUR_X_ENUM
};

struct ubur_error {
    int code;          /* 0 or a UBUR_E* code */
    char field[64];    /* offending input field, "" when not about one field */
    char message[256]; /* lowercase, says what failed and why */
};

#define UBUR_ERROR_INIT                                                                            \
    {                                                                                              \
        0, "", ""                                                                                  \
    }

/* Set err (if not NULL) and return code, so `return ubur_error_set(...)` is one line. */
int ubur_error_set(struct ubur_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, naming the input field at fault. */
int ubur_error_field(struct ubur_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ubur_error_clear(struct ubur_error *err);

/* Stable snake_case name of a code ("invalid", "not_found"), for the API. */
const char *ubur_error_name(int code);
/* Human description of a code. */
const char *ubur_strerror(int code);
/* HTTP status that fits a code (400..503). */
int ubur_error_http_status(int code);

#endif
