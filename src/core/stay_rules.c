/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stay arithmetic, as the EU Entry/Exit System computes it: a stay runs
 * from the entry day to the exit day and both count as days of stay. Two
 * configurable rules give the authorised stay:
 *   - per visa: N days in total on the visa (its later entries draw on what
 *     earlier ones left), never past the visa's last valid day;
 *   - visa-free: N days in any M-day window ("90 in any 180"), so the
 *     authorised stay depends on the days spent in the M days before.
 * Days are days since 1970-01-01. Pure functions; the only allocation is a
 * scratch copy for travellers with very many stays.
 */
#include <stdlib.h>
#include <string.h>

#include "ubur/alloc.h"
#include "ubur/border_rules.h"
#include "ubur/banned.h"

static int
span_cmp(const void *a, const void *b)
{
    const struct ubur_stay_span *x = a, *y = b;
    return x->entry_day < y->entry_day ? -1 : x->entry_day > y->entry_day;
}

int64_t
ubur_stay_days_in(const struct ubur_stay_span *s, int n, int64_t from, int64_t to)
{
    struct ubur_stay_span local[64], *v = local;
    int m = 0;
    int64_t days = 0;

    if (to < from || n <= 0)
        return 0;
    if (n > (int)(sizeof(local) / sizeof(local[0])))
        v = ubur_malloc(sizeof(*v) * (size_t)n);
    /* Clip each stay to [from, to], drop the ones outside, then merge overlaps. */
    for (int i = 0; i < n; i++) {
        int64_t a = s[i].entry_day < from ? from : s[i].entry_day;
        int64_t b = s[i].exit_day > to ? to : s[i].exit_day;
        if (a <= b) {
            v[m].entry_day = a;
            v[m].exit_day = b;
            m++;
        }
    }
    qsort(v, (size_t)m, sizeof(*v), span_cmp);
    int64_t cur_a = 0, cur_b = 0;
    for (int i = 0; i < m; i++) {
        if (i == 0 || v[i].entry_day > cur_b) {
            if (i)
                days += cur_b - cur_a + 1;
            cur_a = v[i].entry_day;
            cur_b = v[i].exit_day;
        } else if (v[i].exit_day > cur_b) {
            cur_b = v[i].exit_day;
        }
    }
    if (m)
        days += cur_b - cur_a + 1;
    if (v != local)
        free(v);
    return days;
}

int64_t
ubur_stay_window_until(const struct ubur_stay_span *past, int n, int64_t entry_day, int max_days,
                       int window_days)
{
    /* presence[i] is day (entry_day - window_days + 1 + i), up to the last day that could be
     * granted. */
    unsigned char presence[2 * UBUR_STAY_MAX_WINDOW];
    if (max_days < 1 || window_days < 1 || max_days > window_days ||
        window_days > UBUR_STAY_MAX_WINDOW)
        return entry_day - 1;
    int64_t first = entry_day - window_days + 1;
    int len = window_days - 1 + max_days;
    memset(presence, 0, (size_t)len);
    for (int i = 0; i < n; i++) {
        int64_t a = past[i].entry_day < first ? first : past[i].entry_day;
        int64_t b = past[i].exit_day;
        if (b > first + len - 1)
            b = first + len - 1;
        for (int64_t d = a; d <= b; d++)
            presence[d - first] = 1;
    }
    /* Window ending on the entry day, with the entry day present. */
    int idx_entry = window_days - 1;
    presence[idx_entry] = 1;
    int64_t count = 0;
    for (int i = 0; i <= idx_entry; i++)
        count += presence[i];
    if (count > max_days)
        return entry_day - 1;
    /* Stay one more day at a time: the new day comes in, the oldest day of the window leaves. */
    for (int k = 1; k < max_days; k++) {
        int idx = idx_entry + k;
        if (!presence[idx]) {
            presence[idx] = 1;
            count++;
        }
        count -= presence[idx - window_days];
        if (count > max_days)
            return entry_day + k - 1;
    }
    return entry_day + max_days - 1;
}

int64_t
ubur_stay_visa_until(int64_t entry_day, int stay_days, int days_used, int64_t valid_until)
{
    int64_t left = (int64_t)stay_days - days_used;
    if (left <= 0 || valid_until < entry_day)
        return entry_day - 1;
    int64_t until = entry_day + left - 1;
    return until > valid_until ? valid_until : until;
}

int64_t
ubur_stay_length(int64_t entry_day, int64_t exit_day)
{
    return exit_day >= entry_day ? exit_day - entry_day + 1 : 0;
}

int64_t
ubur_stay_overstay_days(int64_t until, int64_t day)
{
    if (until == UBUR_STAY_OPEN || day <= until)
        return 0;
    return day - until;
}
