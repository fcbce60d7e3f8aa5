/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation wrappers, the per-lifetime arena and the growable buffer.
 * Arena blocks are at least 16 KiB; an allocation larger than half a block
 * gets a block of its own so large bodies do not waste the tail. Each
 * thread keeps one released standard block for its next arena: a server
 * thread's requests then take no malloc() and free() of 16 KiB each (a
 * request that small is served from glibc's large bins, and it consolidates
 * the fast bins first: measured at about 2% of the request threads' CPU).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/alloc.h"
#include "ubur/error.h"

static void
default_oom(size_t n)
{
    fprintf(stderr, "ubur: out of memory allocating %zu bytes\n", n);
    abort();
}

static void (*oom_hook)(size_t) = default_oom;

void
ubur_set_oom_hook(void (*hook)(size_t))
{
    oom_hook = hook ? hook : default_oom;
}

void *
ubur_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom_hook(n);
    return p;
}

void *
ubur_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom_hook(count * size);
    return p;
}

void *
ubur_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom_hook(n);
    return q;
}

char *
ubur_strndup(const char *s, size_t n)
{
    char *p = ubur_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ubur_strdup(const char *s)
{
    return s ? ubur_strndup(s, strlen(s)) : NULL;
}

/* ---- arena ---- */

struct ubur_arena_block {
    struct ubur_arena_block *next;
    size_t size, used;
    max_align_t data[];
};

#define ARENA_BLOCK (16 * 1024)

/* The calling thread's spare standard block (NULL when none); freed when the thread exits. */
static __thread struct ubur_arena_block *spare_block;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_keyed; /* the key exists: a thread's spare is freed at its exit */

static void
spare_free(void *p)
{
    free(p);
    spare_block = NULL;
}

static void
spare_key_init(void)
{
    spare_keyed = pthread_key_create(&spare_key, spare_free) == 0;
}

/* A standard block: the thread's spare when it has one. */
static struct ubur_arena_block *
block_take(void)
{
    struct ubur_arena_block *b = spare_block;
    if (b) {
        spare_block = NULL;
        pthread_setspecific(spare_key, NULL);
        return b;
    }
    return ubur_malloc(sizeof(*b) + ARENA_BLOCK);
}

/* Frees a block, or keeps it as the thread's spare (a standard block, none kept yet). */
static void
block_give(struct ubur_arena_block *b)
{
    if (b->size != ARENA_BLOCK || spare_block) {
        free(b);
        return;
    }
    pthread_once(&spare_once, spare_key_init);
    if (!spare_keyed) {
        free(b);
        return;
    }
    spare_block = b;
    /* The key holds the same pointer so the thread's exit frees it (and leak checkers see it). */
    pthread_setspecific(spare_key, b);
}

void *
ubur_arena_alloc(struct ubur_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    struct ubur_arena_block *b = a->head;

    n = (n + align - 1) & ~(align - 1);
    if (!n)
        n = align;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        b = size == ARENA_BLOCK ? block_take() : ubur_malloc(sizeof(*b) + size);
        b->size = size;
        b->used = 0;
        if (n > ARENA_BLOCK / 2 && a->head) {
            /* Private block: keep the current head for small allocations. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

char *
ubur_arena_strndup(struct ubur_arena *a, const char *s, size_t n)
{
    char *p = ubur_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ubur_arena_strdup(struct ubur_arena *a, const char *s)
{
    return s ? ubur_arena_strndup(a, s, strlen(s)) : NULL;
}

char *
ubur_arena_printf(struct ubur_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = ubur_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void
ubur_arena_release(struct ubur_arena *a)
{
    struct ubur_arena_block *b = a->head;
    while (b) {
        struct ubur_arena_block *next = b->next;
        block_give(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---- buffer ---- */

char ubur_buf_empty[1];

static int
buf_grow(struct ubur_buf *b, size_t extra)
{
    if (b->cap && (extra > b->cap || b->len > b->cap - extra))
        return UBUR_ETOOBIG;
    if (b->len + extra + 1 <= b->alloc)
        return 0;
    size_t want = b->alloc ? b->alloc : 64;
    while (want < b->len + extra + 1)
        want *= 2;
    if (b->alloc == 0) {
        b->s = ubur_malloc(want);
        b->s[0] = '\0';
    } else {
        b->s = ubur_realloc(b->s, want);
    }
    b->alloc = want;
    return 0;
}

int
ubur_buf_add(struct ubur_buf *b, const void *data, size_t n)
{
    int rc = buf_grow(b, n);
    if (rc)
        return rc;
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

int
ubur_buf_adds(struct ubur_buf *b, const char *s)
{
    return ubur_buf_add(b, s, strlen(s));
}

int
ubur_buf_addch(struct ubur_buf *b, char c)
{
    return ubur_buf_add(b, &c, 1);
}

int
ubur_buf_add_xml(struct ubur_buf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&':
            rc = ubur_buf_adds(b, "&amp;");
            break;
        case '<':
            rc = ubur_buf_adds(b, "&lt;");
            break;
        case '>':
            rc = ubur_buf_adds(b, "&gt;");
            break;
        case '"':
            rc = ubur_buf_adds(b, "&quot;");
            break;
        default:
            rc = ubur_buf_addch(b, *s);
        }
    }
    return rc;
}

int
ubur_buf_add_json(struct ubur_buf *b, const char *s)
{
    if (!s)
        return ubur_buf_add(b, "null", 4);
    int rc = ubur_buf_addch(b, '"');
    const char *run = s;
    for (; *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = ubur_buf_add(b, run, (size_t)(s - run));
        run = s + 1;
        /* jansson's short escapes; any other control character as \u00XX */
        static const char short_esc[] = {['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
                                         ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't'};
        char esc[8] = {'\\', short_esc[c]};
        if (!esc[1])
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)c);
        if (!rc)
            rc = ubur_buf_adds(b, esc);
    }
    if (!rc)
        rc = ubur_buf_add(b, run, (size_t)(s - run));
    return rc ? rc : ubur_buf_addch(b, '"');
}

int
ubur_buf_vaddf(struct ubur_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return UBUR_EINVAL;
    int rc = buf_grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
ubur_buf_addf(struct ubur_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ubur_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void
ubur_buf_reset(struct ubur_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->s[0] = '\0';
}

char *
ubur_buf_detach(struct ubur_buf *b, size_t *len)
{
    char *s = b->alloc ? b->s : ubur_strdup("");
    if (len)
        *len = b->len;
    b->s = ubur_buf_empty;
    b->len = b->alloc = 0;
    return s;
}

void
ubur_buf_release(struct ubur_buf *b)
{
    if (b->alloc)
        free(b->s);
    b->s = ubur_buf_empty;
    b->len = b->alloc = 0;
}
