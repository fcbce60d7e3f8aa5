/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decision rules of a traveller check (see include/ubur/border_rules.h):
 * document, visa or visa-free entitlement, exit stay, watchlist hits and the
 * crossing's operating mode. Each rule appends coded reasons; the decision
 * is the most severe reason's. Pure functions: no store, no clock, no
 * allocation, so a rule can be read and tested on its own.
 *
 * The crossing rule ("refuse because the crossing is closed, or closed to
 * this category") is ubur_border_rule_mode, near the end: a schedule row
 * gives a mode, optional local opening hours and an optional category list
 * that replaces the mode's default list.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ubur/border_rules.h"
#include "ubur/util.h"
#include "ubur/banned.h"

/* ---- names ---- */

const char *
ubur_border_direction_name(enum ubur_border_direction d)
{
    return d == UBUR_BORDER_ENTRY ? "entry" : d == UBUR_BORDER_EXIT ? "exit" : "?";
}

int
ubur_border_direction_parse(const char *s, enum ubur_border_direction *out, struct ubur_error *err)
{
    if (s && !strcmp(s, "entry"))
        *out = UBUR_BORDER_ENTRY;
    else if (s && !strcmp(s, "exit"))
        *out = UBUR_BORDER_EXIT;
    else
        return ubur_error_field(err, UBUR_EINVAL, "direction",
                                "'%.32s' is not a direction (entry or exit)", s ? s : "");
    return 0;
}

static const char *const decision_names[] = {"admit", "refer", "refuse"};

const char *
ubur_border_decision_name(enum ubur_border_decision d)
{
    return (unsigned)d < 3 ? decision_names[d] : "?";
}

int
ubur_border_decision_parse(const char *s, const char *field, enum ubur_border_decision *out,
                           struct ubur_error *err)
{
    for (int i = 0; i < 3; i++) {
        if (s && !strcmp(s, decision_names[i])) {
            *out = (enum ubur_border_decision)i;
            return 0;
        }
    }
    return ubur_error_field(err, UBUR_EINVAL, field,
                            "'%.32s' is not a decision (admit, refer or refuse)", s ? s : "");
}

static const char *const reason_names[] = {NULL,
#define UBUR_X_REASON(e, n) n,
                                           UBUR_BORDER_REASON_MAP(UBUR_X_REASON)
#undef UBUR_X_REASON
};

const char *
ubur_border_reason_name(enum ubur_border_reason_code c)
{
    return (size_t)c < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[c] : NULL;
}

enum ubur_border_reason_code
ubur_border_reason_from_name(const char *name)
{
    for (size_t i = 1; name && i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
        if (!strcmp(reason_names[i], name))
            return (enum ubur_border_reason_code)i;
    return UBUR_REASON_NONE;
}

/* ---- reasons ---- */

void
ubur_border_reason_add(struct ubur_border_reasons *rs, enum ubur_border_reason_code code,
                       enum ubur_border_decision decision, const char *fmt, ...)
{
    if (rs->n >= UBUR_BORDER_MAX_REASONS) {
        rs->dropped++;
        /* Never lose severity: the last slot keeps the most severe decision seen. */
        if (decision > rs->r[rs->n - 1].decision)
            rs->r[rs->n - 1].decision = decision;
        return;
    }
    struct ubur_border_reason *r = &rs->r[rs->n++];
    r->code = code;
    r->decision = decision;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

bool
ubur_border_reasons_has(const struct ubur_border_reasons *rs, enum ubur_border_reason_code code)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].code == code)
            return true;
    return false;
}

enum ubur_border_decision
ubur_border_decide(const struct ubur_border_reasons *rs)
{
    enum ubur_border_decision d = UBUR_DECISION_ADMIT;
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].decision > d)
            d = rs->r[i].decision;
    return d;
}

/* ---- modes ---- */

static const struct {
    const char *name, *description;
} modes[] = {{NULL, NULL},
#define UBUR_X_MODE(e, n, d) {n, d},
             UBUR_BORDER_MODE_MAP(UBUR_X_MODE)
#undef UBUR_X_MODE
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

const char *
ubur_border_mode_name(enum ubur_border_mode m)
{
    return (size_t)m < NMODES && m ? modes[m].name : "?";
}

const char *
ubur_border_mode_description(enum ubur_border_mode m)
{
    return (size_t)m < NMODES && m ? modes[m].description : "?";
}

int
ubur_border_mode_parse(const char *s, enum ubur_border_mode *out, struct ubur_error *err)
{
    for (size_t i = 1; s && i < NMODES; i++) {
        if (!strcmp(s, modes[i].name)) {
            *out = (enum ubur_border_mode)i;
            return 0;
        }
    }
    return ubur_error_field(err, UBUR_EINVAL, "mode",
                            "'%.32s' is not a mode (open, closed, humanitarian, cargo, groups, "
                            "restricted_hours)",
                            s ? s : "");
}

const char *
ubur_border_mode_default_categories(enum ubur_border_mode m)
{
    switch (m) {
    case UBUR_MODE_CLOSED:
        return "";
    case UBUR_MODE_HUMANITARIAN:
        return "purpose:medical,returnee";
    case UBUR_MODE_CARGO:
        return "cargo";
    case UBUR_MODE_GROUPS:
        return "group";
    case UBUR_MODE_OPEN:
    case UBUR_MODE_RESTRICTED_HOURS:
    case UBUR_MODE_NONE:
        break;
    }
    return NULL;
}

/* ---- categories ---- */

enum atom_kind {
    ATOM_BAD,
    ATOM_NATIONAL,
    ATOM_RETURNEE,
    ATOM_GROUP,
    ATOM_CARGO,
    ATOM_NAT,
    ATOM_PURPOSE
};

/* Classifies atom s[0..n) and its argument (after ':'); case-insensitive keywords. */
static enum atom_kind
atom_parse(const char *s, size_t n, const char **arg, size_t *argn)
{
    static const struct {
        const char *word;
        enum atom_kind kind;
        bool takes_arg;
    } words[] = {
        {"national", ATOM_NATIONAL, false}, {"returnee", ATOM_RETURNEE, false},
        {"group", ATOM_GROUP, false},       {"cargo", ATOM_CARGO, false},
        {"nationality", ATOM_NAT, true},    {"purpose", ATOM_PURPOSE, true},
    };
    const char *colon = memchr(s, ':', n);
    size_t wn = colon ? (size_t)(colon - s) : n;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i].word) != wn || strncasecmp(words[i].word, s, wn) != 0)
            continue;
        if (words[i].takes_arg != (colon != NULL))
            return ATOM_BAD;
        *arg = colon ? colon + 1 : NULL;
        *argn = colon ? n - wn - 1 : 0;
        if (words[i].kind == ATOM_NAT) {
            if (*argn != 3)
                return ATOM_BAD;
            for (size_t k = 0; k < 3; k++)
                if (!isalpha((unsigned char)(*arg)[k]))
                    return ATOM_BAD;
        }
        if (words[i].kind == ATOM_PURPOSE) {
            if (*argn == 0 || *argn > 23)
                return ATOM_BAD;
            for (size_t k = 0; k < *argn; k++) {
                unsigned char c = (unsigned char)(*arg)[k];
                if (!isalnum(c) && c != '_')
                    return ATOM_BAD;
            }
        }
        return words[i].kind;
    }
    return ATOM_BAD;
}

int
ubur_border_categories_normalise(const char *s, char *out, size_t outsz, struct ubur_error *err)
{
    size_t o = 0;
    if (!s)
        s = "";
    if (strlen(s) >= UBUR_BORDER_CATEGORIES_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "categories", "longer than %d characters",
                                UBUR_BORDER_CATEGORIES_MAX - 1);
    const char *p = s;
    bool first = true;
    while (*p) {
        /* One atom: up to ',' or '+'; spaces around it are ignored. */
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != '+')
            p++;
        const char *end = p;
        while (end > start && end[-1] == ' ')
            end--;
        const char *arg;
        size_t argn, n = (size_t)(end - start);
        if (n == 0 && !*p && first)
            break; /* only spaces: the empty list */
        enum atom_kind k = n ? atom_parse(start, n, &arg, &argn) : ATOM_BAD;
        if (k == ATOM_BAD)
            return ubur_error_field(err, UBUR_EINVAL, "categories",
                                    "'%.*s' is not a category (national, returnee, group, cargo, "
                                    "nationality:AAA, purpose:NAME; ',' between alternatives, "
                                    "'+' to combine)",
                                    (int)(n > 40 ? 40 : n), start);
        size_t wn = arg ? (size_t)(arg - 1 - start) : n;
        if (o + n + 2 > outsz)
            return ubur_error_field(err, UBUR_ETOOBIG, "categories", "too long");
        for (size_t i = 0; i < wn; i++)
            out[o++] = (char)tolower((unsigned char)start[i]);
        if (arg) {
            out[o++] = ':';
            for (size_t i = 0; i < argn; i++)
                out[o++] = k == ATOM_NAT ? (char)toupper((unsigned char)arg[i])
                                         : (char)tolower((unsigned char)arg[i]);
        }
        first = false;
        if (*p) {
            out[o++] = *p;
            p++;
            if (!*p)
                return ubur_error_field(err, UBUR_EINVAL, "categories", "'%.40s' ends with '%c'", s,
                                        p[-1]);
        }
    }
    if (outsz)
        out[o < outsz ? o : outsz - 1] = '\0';
    return 0;
}

static bool
atom_holds(const char *s, size_t n, const struct ubur_border_category *c)
{
    const char *arg;
    size_t argn;
    switch (atom_parse(s, n, &arg, &argn)) {
    case ATOM_NATIONAL:
        return c->national;
    case ATOM_RETURNEE:
        return c->returnee;
    case ATOM_GROUP:
        return c->group;
    case ATOM_CARGO:
        return c->cargo;
    case ATOM_NAT:
        return strlen(c->nationality) == 3 && !strncasecmp(c->nationality, arg, 3);
    case ATOM_PURPOSE:
        return strlen(c->purpose) == argn && !strncasecmp(c->purpose, arg, argn);
    case ATOM_BAD:
        break;
    }
    return false;
}

bool
ubur_border_categories_match(const char *list, const struct ubur_border_category *c)
{
    if (!list)
        return true;
    const char *p = list;
    while (*p) {
        /* One clause: atoms joined by '+', all must hold. */
        bool all = true;
        for (;;) {
            while (*p == ' ')
                p++;
            const char *start = p;
            while (*p && *p != ',' && *p != '+')
                p++;
            const char *end = p;
            while (end > start && end[-1] == ' ')
                end--;
            if (end == start || !atom_holds(start, (size_t)(end - start), c))
                all = false;
            if (*p != '+')
                break;
            p++;
        }
        if (all)
            return true;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ---- hours ---- */

static int
parse_hhmm(const char *s, int *minute)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    *minute = h * 60 + m;
    return 0;
}

int
ubur_border_hours_parse(const char *s, int *open_minute, int *close_minute, struct ubur_error *err)
{
    if (!s || strlen(s) != 11 || s[5] != '-' || parse_hhmm(s, open_minute) ||
        parse_hhmm(s + 6, close_minute))
        return ubur_error_field(err, UBUR_EINVAL, "hours",
                                "'%.32s' is not opening hours 'HH:MM-HH:MM' (local time)",
                                s ? s : "");
    if (*open_minute == 1440)
        *open_minute = 0;
    if (*open_minute == *close_minute || (*open_minute == 0 && *close_minute == 1440))
        return ubur_error_field(err, UBUR_EINVAL, "hours",
                                "'%s' opens and closes at the same time; use mode open or closed",
                                s);
    return 0;
}

void
ubur_border_hours_format(int open_minute, int close_minute, char out[12])
{
    snprintf(out, 12, "%02d:%02d-%02d:%02d", (open_minute / 60) % 100, open_minute % 60,
             (close_minute / 60) % 100, close_minute % 60);
}

static bool
within_hours(const struct ubur_border_schedule *s, int64_t at)
{
    if (s->open_minute < 0)
        return true;
    int64_t local = at + (int64_t)s->utc_offset_minutes * 60;
    int minute = (int)((((local % 86400) + 86400) % 86400) / 60);
    if (s->open_minute < s->close_minute)
        return minute >= s->open_minute && minute < s->close_minute;
    return minute >= s->open_minute || minute < s->close_minute; /* wraps midnight */
}

/* ---- the crossing rule ---- */

/* Names what the traveller is, for the message of a category refusal. */
static void
describe_category(const struct ubur_border_category *c, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s%s%s%s%s%s", c->nationality[0] ? c->nationality : "unknown",
             c->national ? " national" : " traveller", c->purpose[0] ? " with a " : "", c->purpose,
             c->purpose[0] ? " visa" : "", c->returnee ? ", returnee" : "",
             c->group ? ", in a group" : "", c->cargo ? ", cargo crew" : "", "");
}

/*
 * Refuse because the crossing is closed, or closed to this category: a
 * closed mode or a time outside the opening hours is crossing_closed; a
 * traveller outside the schedule's category list (or the mode's default
 * list) is category_not_allowed.
 */
void
ubur_border_rule_mode(const struct ubur_border_schedule *s, const struct ubur_border_category *c,
                      int64_t at, struct ubur_border_reasons *rs)
{
    char hours[12], what[120];

    if (s->mode == UBUR_MODE_CLOSED) {
        ubur_border_reason_add(rs, UBUR_REASON_CROSSING_CLOSED, UBUR_DECISION_REFUSE,
                               "the crossing is closed");
        return;
    }
    if (!within_hours(s, at)) {
        ubur_border_hours_format(s->open_minute, s->close_minute, hours);
        ubur_border_reason_add(rs, UBUR_REASON_CROSSING_CLOSED, UBUR_DECISION_REFUSE,
                               "the crossing is closed at this hour (open %s local time)", hours);
        return;
    }
    const char *list = s->categories ? s->categories : ubur_border_mode_default_categories(s->mode);
    if (ubur_border_categories_match(list, c))
        return;
    describe_category(c, what, sizeof(what));
    ubur_border_reason_add(rs, UBUR_REASON_CATEGORY_NOT_ALLOWED, UBUR_DECISION_REFUSE,
                           "the crossing is %s; it is closed to this category (%s); allowed: %s",
                           ubur_border_mode_description(s->mode), what,
                           list && *list ? list : "none");
}

/* ---- the document ---- */

void
ubur_border_rule_document(enum ubur_border_direction dir, bool national, const char *problem,
                          int64_t expiry_day, int64_t at_day, struct ubur_border_reasons *rs)
{
    /* A state may not refuse its own nationals entry (ICCPR art. 12(4)): their bad passport is a
     * matter for secondary inspection, where the officer establishes who they are. */
    enum ubur_border_decision d =
        dir == UBUR_BORDER_ENTRY && !national ? UBUR_DECISION_REFUSE : UBUR_DECISION_REFER;
    if (problem) {
        ubur_border_reason_add(rs, UBUR_REASON_DOCUMENT_INVALID, d, "the document is not valid: %s",
                               problem);
        return;
    }
    if (expiry_day != INT64_MIN && expiry_day < at_day) {
        char when[UBUR_DATE_LEN + 1];
        ubur_date_format(expiry_day, when);
        ubur_border_reason_add(rs, UBUR_REASON_DOCUMENT_EXPIRED, d, "the document expired on %s",
                               when);
    }
}

/* ---- visas and entitlements ---- */

int64_t
ubur_border_rule_visa(const struct ubur_border_visa_facts *v, int64_t at_day,
                      struct ubur_border_reasons *rs)
{
    char a[UBUR_DATE_LEN + 1], b[UBUR_DATE_LEN + 1];

    ubur_date_format(v->valid_from, a);
    ubur_date_format(v->valid_until, b);
    if (!strcmp(v->usable, "usable") && v->stay_until >= at_day)
        return v->stay_until;
    if (!strcmp(v->usable, "entries_exhausted"))
        ubur_border_reason_add(rs, UBUR_REASON_ENTRIES_EXHAUSTED, UBUR_DECISION_REFUSE,
                               "visa %s allows %d %s, all used", v->number, v->entries,
                               v->entries == 1 ? "entry" : "entries");
    else if (!strcmp(v->usable, "stay_exceeded") || !strcmp(v->usable, "usable"))
        ubur_border_reason_add(rs, UBUR_REASON_STAY_EXCEEDED, UBUR_DECISION_REFUSE,
                               "visa %s grants %d days of stay, all used", v->number, v->stay_days);
    else if (!strcmp(v->usable, "not_yet_valid") || !strcmp(v->usable, "expired"))
        ubur_border_reason_add(rs, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE,
                               "visa %s is valid from %s to %s only", v->number, a, b);
    else
        ubur_border_reason_add(rs, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE,
                               "visa %s cannot be used (%s)", v->number,
                               v->usable[0] ? v->usable : "unknown");
    return at_day - 1;
}

int64_t
ubur_border_rule_visa_free(const struct ubur_stay_span *past, int npast, int64_t at_day,
                           int max_days, int window_days, struct ubur_border_reasons *rs)
{
    int64_t until = ubur_stay_window_until(past, npast, at_day, max_days, window_days);
    if (until < at_day) {
        int64_t used = ubur_stay_days_in(past, npast, at_day - window_days + 1, at_day);
        ubur_border_reason_add(rs, UBUR_REASON_STAY_EXCEEDED, UBUR_DECISION_REFUSE,
                               "visa-free stay of %d days in any %d is used up (%lld days in "
                               "the last %d)",
                               max_days, window_days, (long long)used, window_days);
    }
    return until;
}

void
ubur_border_rule_exit_stay(int64_t authorised_until, int64_t at_day, struct ubur_border_reasons *rs)
{
    int64_t over = ubur_stay_overstay_days(authorised_until, at_day);
    if (over > 0) {
        char until[UBUR_DATE_LEN + 1];
        ubur_date_format(authorised_until, until);
        ubur_border_reason_add(rs, UBUR_REASON_STAY_EXCEEDED, UBUR_DECISION_REFER,
                               "overstayed by %lld %s (authorised until %s)", (long long)over,
                               over == 1 ? "day" : "days", until);
    }
}

/* ---- watchlists ---- */

enum ubur_alert_action
ubur_alert_action_from_name(const char *s)
{
    if (!s)
        return UBUR_ALERT_NONE;
    if (!strcmp(s, "refuse_entry"))
        return UBUR_ALERT_REFUSE_ENTRY;
    if (!strcmp(s, "arrest"))
        return UBUR_ALERT_ARREST;
    if (!strcmp(s, "discreet_check") || !strcmp(s, "specific_check") || !strcmp(s, "check"))
        return UBUR_ALERT_CHECK;
    if (!strcmp(s, "inform") || !strcmp(s, "inform_issuing_state"))
        return UBUR_ALERT_INFORM;
    return UBUR_ALERT_NONE;
}

void
ubur_border_rule_screening(enum ubur_border_direction dir, const char *list, const char *entry,
                           double score, enum ubur_alert_action action,
                           struct ubur_border_reasons *rs)
{
    if (action == UBUR_ALERT_INFORM)
        return;
    enum ubur_border_decision d = action == UBUR_ALERT_REFUSE_ENTRY && dir == UBUR_BORDER_ENTRY
                                      ? UBUR_DECISION_REFUSE
                                      : UBUR_DECISION_REFER;
    const char *what = action == UBUR_ALERT_REFUSE_ENTRY ? "refuse entry"
                       : action == UBUR_ALERT_ARREST     ? "arrest"
                       : action == UBUR_ALERT_CHECK      ? "check"
                                                         : "review";
    ubur_border_reason_add(rs, UBUR_REASON_WATCHLIST_HIT, d,
                           "matches watchlist %s entry %s (score %.2f; alert asks to %s)",
                           list ? list : "?", entry ? entry : "?", score, what);
}
