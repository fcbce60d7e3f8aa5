/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of post synchronisation (include/ubur/sync.h): post ids,
 * the retry backoff, compound cursors and keyset positions, and record
 * fingerprints. No store, no clock, no randomness of their own: callers pass
 * the jitter, so every function here is deterministic and unit-tested.
 *
 * Cursors are "name=value;name=value" with names in sorted order, so the
 * same position always has the same text; a value never holds ';' or '='.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/sync.h"
#include "ubur/banned.h"

bool
ubur_sync_post_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > UBUR_SYNC_POST_ID_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

int64_t
ubur_sync_backoff(int failures, int64_t base, int64_t max, uint32_t jitter)
{
    if (failures <= 0)
        return 0;
    if (base < 1)
        base = 1;
    if (max < base)
        max = base;
    int64_t d = base;
    for (int i = 1; i < failures && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    /* jitter maps [0, 2^32) onto [-20%, +20%) of d; 2^31 is the midpoint: no spread. */
    int64_t spread = d / 5;
    int64_t offset = spread ? (int64_t)(((double)jitter / 2147483648.0 - 1.0) * (double)spread) : 0;
    d += offset;
    return d < 1 ? 1 : d;
}

bool
ubur_sync_cursor_get(const char *cursor, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    if (n)
        out[0] = '\0';
    for (const char *p = cursor ? cursor : ""; *p;) {
        size_t l = strcspn(p, ";");
        if (l > nl && p[nl] == '=' && !strncmp(p, name, nl)) {
            size_t vl = l - nl - 1;
            if (n) {
                if (vl >= n)
                    vl = n - 1;
                memcpy(out, p + nl + 1, vl);
                out[vl] = '\0';
            }
            return true;
        }
        p += l + (p[l] == ';');
    }
    return false;
}

struct cursor_part {
    const char *p;
    size_t len; /* of the whole "name=value" */
    size_t namelen;
};

static int
part_cmp(const void *a, const void *b)
{
    const struct cursor_part *x = a, *y = b;
    size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
    int c = strncmp(x->p, y->p, n);
    return c ? c : (x->namelen > y->namelen) - (x->namelen < y->namelen);
}

int
ubur_sync_cursor_set(const char *cursor, const char *name, const char *value, struct ubur_buf *out,
                     struct ubur_error *err)
{
    if (!name || !*name || strpbrk(name, "=;"))
        return ubur_error_set(err, UBUR_EINVAL, "cursor name '%.40s' is empty or holds = or ;",
                              name ? name : "");
    if (!value || strchr(value, ';'))
        return ubur_error_set(err, UBUR_EINVAL, "cursor value for %s holds ';'", name);
    struct cursor_part parts[32];
    int np = 0;
    size_t nl = strlen(name);
    for (const char *p = cursor ? cursor : ""; *p;) {
        size_t l = strcspn(p, ";");
        size_t eq = strcspn(p, "=");
        bool same = eq == nl && !strncmp(p, name, nl);
        if (l && eq < l && !same) {
            if (np == 31)
                return ubur_error_set(err, UBUR_EINVAL, "cursor has too many parts");
            parts[np++] = (struct cursor_part){p, l, eq};
        }
        p += l + (p[l] == ';');
    }
    char *mine = NULL;
    size_t ml = nl + 1 + strlen(value);
    mine = ubur_malloc(ml + 1);
    snprintf(mine, ml + 1, "%s=%s", name, value);
    parts[np++] = (struct cursor_part){mine, ml, nl};
    qsort(parts, (size_t)np, sizeof(parts[0]), part_cmp);
    ubur_buf_reset(out);
    int rc = 0;
    for (int i = 0; i < np && !rc; i++) {
        if (i)
            rc = ubur_buf_addch(out, ';');
        if (!rc)
            rc = ubur_buf_add(out, parts[i].p, parts[i].len);
    }
    free(mine);
    return rc ? ubur_error_set(err, rc, "cursor too long") : 0;
}

int
ubur_sync_keyset_parse(const char *s, int64_t *seq, char id[UBUR_UUID_LEN + 1],
                       struct ubur_error *err)
{
    *seq = 0;
    id[0] = '\0';
    if (!s || !*s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || (*end != ':' && *end != '\0') || s[0] == '-' || s[0] == '+')
        return ubur_error_set(err, UBUR_EINVAL, "'%.40s' is not a SEQ:ID position", s);
    const char *rest = *end == ':' ? end + 1 : end;
    if (strlen(rest) > UBUR_UUID_LEN || (*rest && !ubur_uuid_valid(rest)))
        return ubur_error_set(err, UBUR_EINVAL, "'%.40s' is not a SEQ:ID position", s);
    *seq = v;
    snprintf(id, UBUR_UUID_LEN + 1, "%s", rest);
    return 0;
}

void
ubur_sync_fingerprint(json_t *snapshot, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    char *text = json_dumps(snapshot, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    crypto_hash_sha256(d, (const unsigned char *)(text ? text : ""), text ? strlen(text) : 0);
    free(text);
    sodium_bin2hex(out, 65, d, sizeof(d));
}
