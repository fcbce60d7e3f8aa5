/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes and the error out-parameter; see include/ubur/error.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ubur/error.h"

static int
error_vset(struct ubur_error *err, int code, const char *field, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return code;
}

int
ubur_error_set(struct ubur_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int
ubur_error_field(struct ubur_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, field, fmt, ap);
    va_end(ap);
    return code;
}

void
ubur_error_clear(struct ubur_error *err)
{
    if (err) {
        err->code = 0;
        err->field[0] = '\0';
        err->message[0] = '\0';
    }
}

const char *
ubur_error_name(int code)
{
    switch (code) {
#define UBUR_X_NAME(e, v, n, s, d)                                                                 \
    case e:                                                                                        \
        return n;
        UBUR_ERRNO_MAP(UBUR_X_NAME)
#undef UBUR_X_NAME
    }
    return code ? "internal" : "ok";
}

const char *
ubur_strerror(int code)
{
    switch (code) {
#define UBUR_X_DESC(e, v, n, s, d)                                                                 \
    case e:                                                                                        \
        return d;
        UBUR_ERRNO_MAP(UBUR_X_DESC)
#undef UBUR_X_DESC
    }
    return code ? "unknown error" : "success";
}

int
ubur_error_http_status(int code)
{
    switch (code) {
#define UBUR_X_HTTP(e, v, n, s, d)                                                                 \
    case e:                                                                                        \
        return s;
        UBUR_ERRNO_MAP(UBUR_X_HTTP)
#undef UBUR_X_HTTP
    }
    return code ? 500 : 200;
}
