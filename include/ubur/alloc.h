/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory. ubur_malloc and friends never return NULL: on exhaustion they call
 * the out-of-memory hook (default: print and abort), because a border post
 * that half-records a crossing is worse than one that restarts.
 *
 * struct ubur_arena is a bump allocator tied to one lifetime (an HTTP request,
 * a CLI command): allocate freely, free everything at once with
 * ubur_arena_release. Nothing allocated from an arena is freed piecemeal.
 */
#ifndef UBUR_ALLOC_H
#define UBUR_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *ubur_malloc(size_t n);
void *ubur_calloc(size_t count, size_t size);
void *ubur_realloc(void *p, size_t n);
char *ubur_strdup(const char *s);
char *ubur_strndup(const char *s, size_t n);
/* Called on allocation failure with the size asked for; must not return. */
void ubur_set_oom_hook(void (*hook)(size_t));

struct ubur_arena_block;
struct ubur_arena {
    struct ubur_arena_block *head;
    size_t total; /* bytes handed out, for caps and statistics */
};
#define UBUR_ARENA_INIT                                                                            \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

void *ubur_arena_alloc(struct ubur_arena *a, size_t n);
char *ubur_arena_strdup(struct ubur_arena *a, const char *s);
char *ubur_arena_strndup(struct ubur_arena *a, const char *s, size_t n);
char *ubur_arena_printf(struct ubur_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees every block; the arena is empty and reusable afterwards. */
void ubur_arena_release(struct ubur_arena *a);

/*
 * A growable byte buffer, always NUL-terminated. Modelled on git's strbuf:
 * buf.s is never NULL after UBUR_BUF_INIT. `cap` bounds the length (0 = no
 * bound): an append past it fails with UBUR_ETOOBIG and leaves the buffer
 * as it was, so input from outside cannot grow without limit.
 */
struct ubur_buf {
    char *s;
    size_t len;
    size_t alloc;
    size_t cap;
};
extern char ubur_buf_empty[];
#define UBUR_BUF_INIT                                                                              \
    {                                                                                              \
        ubur_buf_empty, 0, 0, 0                                                                    \
    }

int ubur_buf_add(struct ubur_buf *b, const void *data, size_t n);
int ubur_buf_adds(struct ubur_buf *b, const char *s);
int ubur_buf_addch(struct ubur_buf *b, char c);
int ubur_buf_addf(struct ubur_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ubur_buf_vaddf(struct ubur_buf *b, const char *fmt, va_list ap);
/* Adds s (NULL adds nothing) as XML text or a double-quoted attribute value:
 * & < > " escaped, everything else as is. */
int ubur_buf_add_xml(struct ubur_buf *b, const char *s);
/* Adds s as a JSON string literal, quotes included (NULL adds null), escaped byte for byte as
 * jansson's json_dumps writes it without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: " \ and the
 * control characters only (\b \f \n \r \t, else \u00XX), UTF-8 as is. s must be UTF-8. */
int ubur_buf_add_json(struct ubur_buf *b, const char *s);
void ubur_buf_reset(struct ubur_buf *b);
/* Hands the string to the caller (free() it); the buffer is empty afterwards. */
char *ubur_buf_detach(struct ubur_buf *b, size_t *len);
void ubur_buf_release(struct ubur_buf *b);

#endif
