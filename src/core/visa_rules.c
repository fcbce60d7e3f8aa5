/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The visa workflow's rules as pure functions: the lifecycle table (which
 * action leads from which states to which, and who may take it), purpose
 * rules and their check, validity and escort clipping, the risk summary,
 * queue priority and the use of an issued visa on a day. See
 * include/ubur/visa_rules.h for the contracts. Nothing here touches the
 * store; the services in src/app/visa*.c feed it rows and facts.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ubur/app.h"
#include "ubur/visa_rules.h"
#include "ubur/banned.h"

static const char *const state_names[] = {
#define UBUR_X_VS(e, n) n,
    UBUR_VISA_STATE_MAP(UBUR_X_VS)
#undef UBUR_X_VS
};

static const char *const action_names[] = {
#define UBUR_X_VA(e, n, r) n,
    UBUR_VISA_ACTION_MAP(UBUR_X_VA)
#undef UBUR_X_VA
};

static const bool action_reason[] = {
#define UBUR_X_VA(e, n, r) r,
    UBUR_VISA_ACTION_MAP(UBUR_X_VA)
#undef UBUR_X_VA
};

#define S(x) (1u << (x))
#define OFFICERS (UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN)
#define APPLICATION_OPEN (S(UBUR_VISA_SUBMITTED) | S(UBUR_VISA_UNDER_REVIEW))
#define VISA_IN_FORCE (S(UBUR_VISA_ISSUED) | S(UBUR_VISA_EXTENDED) | S(UBUR_VISA_SHORTENED))

/*
 * The lifecycle. Admin is in every row because the CLI acts as a local
 * administrator; the system pseudo-role makes automatic approvals and the
 * cascades from a patient to their escorts.
 */
static const struct {
    unsigned from;
    enum ubur_visa_state to;
    unsigned roles;
} transitions[UBUR_VISA_ACTION_COUNT] = {
    [UBUR_VISA_REVIEW] = {S(UBUR_VISA_SUBMITTED), UBUR_VISA_UNDER_REVIEW, OFFICERS},
    [UBUR_VISA_APPROVE] = {APPLICATION_OPEN, UBUR_VISA_APPROVED, OFFICERS | UBUR_VISA_ROLE_SYSTEM},
    [UBUR_VISA_REFUSE] = {APPLICATION_OPEN, UBUR_VISA_REFUSED, OFFICERS},
    [UBUR_VISA_WITHDRAW] = {APPLICATION_OPEN | S(UBUR_VISA_APPROVED), UBUR_VISA_WITHDRAWN,
                            OFFICERS},
    [UBUR_VISA_DISCONTINUE] = {APPLICATION_OPEN | S(UBUR_VISA_APPROVED), UBUR_VISA_DISCONTINUED,
                               OFFICERS | UBUR_VISA_ROLE_SYSTEM},
    [UBUR_VISA_ISSUE] = {S(UBUR_VISA_APPROVED), UBUR_VISA_ISSUED, OFFICERS},
    [UBUR_VISA_EXTEND] = {VISA_IN_FORCE, UBUR_VISA_EXTENDED, OFFICERS},
    [UBUR_VISA_SHORTEN] = {VISA_IN_FORCE, UBUR_VISA_SHORTENED, OFFICERS | UBUR_VISA_ROLE_SYSTEM},
    [UBUR_VISA_ANNUL] = {VISA_IN_FORCE, UBUR_VISA_ANNULLED,
                         UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN | UBUR_VISA_ROLE_SYSTEM},
    [UBUR_VISA_REVOKE] = {VISA_IN_FORCE, UBUR_VISA_REVOKED,
                          UBUR_ROLE_SUPERVISOR | UBUR_ROLE_BORDER_OFFICER | UBUR_ROLE_ADMIN |
                              UBUR_VISA_ROLE_SYSTEM},
};

/* Names from the role table (macros only: the core does not call into src/app). */
static const char *
role_name(unsigned role)
{
    if (role == UBUR_VISA_ROLE_SYSTEM)
        return "system";
#define UBUR_X_ROLE(e, v, n)                                                                       \
    if (role == v)                                                                                 \
        return n;
    UBUR_ROLE_MAP(UBUR_X_ROLE)
#undef UBUR_X_ROLE
    return "none";
}

const char *
ubur_visa_state_name(enum ubur_visa_state s)
{
    return (unsigned)s < UBUR_VISA_STATE_COUNT ? state_names[s] : "unknown";
}

int
ubur_visa_state_from_name(const char *name)
{
    for (int i = 0; name && i < UBUR_VISA_STATE_COUNT; i++)
        if (!strcmp(name, state_names[i]))
            return i;
    return -1;
}

const char *
ubur_visa_action_name(enum ubur_visa_action a)
{
    return (unsigned)a < UBUR_VISA_ACTION_COUNT ? action_names[a] : "unknown";
}

int
ubur_visa_action_from_name(const char *name)
{
    for (int i = 0; name && i < UBUR_VISA_ACTION_COUNT; i++)
        if (!strcmp(name, action_names[i]))
            return i;
    return -1;
}

bool
ubur_visa_action_needs_reason(enum ubur_visa_action a)
{
    return (unsigned)a < UBUR_VISA_ACTION_COUNT && action_reason[a];
}

bool
ubur_visa_state_is_visa(enum ubur_visa_state s)
{
    return s >= UBUR_VISA_ISSUED && s < UBUR_VISA_STATE_COUNT;
}

bool
ubur_visa_state_in_force(enum ubur_visa_state s)
{
    return (unsigned)s < UBUR_VISA_STATE_COUNT && (VISA_IN_FORCE & S(s));
}

bool
ubur_visa_state_closed(enum ubur_visa_state s)
{
    return s == UBUR_VISA_REFUSED || s == UBUR_VISA_WITHDRAWN || s == UBUR_VISA_DISCONTINUED;
}

unsigned
ubur_visa_action_roles(enum ubur_visa_action a)
{
    return (unsigned)a < UBUR_VISA_ACTION_COUNT ? transitions[a].roles : 0;
}

unsigned
ubur_visa_action_from(enum ubur_visa_action a)
{
    return (unsigned)a < UBUR_VISA_ACTION_COUNT ? transitions[a].from : 0;
}

int
ubur_visa_transition(enum ubur_visa_state from, enum ubur_visa_action a, unsigned role,
                     enum ubur_visa_state *to, struct ubur_error *err)
{
    if ((unsigned)a >= UBUR_VISA_ACTION_COUNT)
        return ubur_error_field(err, UBUR_EINVAL, "action", "unknown action");
    if ((unsigned)from >= UBUR_VISA_STATE_COUNT || !(transitions[a].from & S(from)))
        return ubur_error_field(
            err, UBUR_ECONFLICT, "state", "cannot %s: the %s is %s", action_names[a],
            ubur_visa_state_is_visa(from) ? "visa" : "application", ubur_visa_state_name(from));
    if (!role || !(transitions[a].roles & role))
        return ubur_error_field(err, UBUR_EPERM, "role", "role %s may not %s", role_name(role),
                                action_names[a]);
    if (to)
        *to = transitions[a].to;
    return 0;
}

/* ---- refusal reasons ---- */

static const char *const refusal_codes[][2] = {
#define UBUR_X_RF(c, d) {c, d},
    UBUR_VISA_REFUSAL_MAP(UBUR_X_RF)
#undef UBUR_X_RF
};
#define NREFUSALS (sizeof(refusal_codes) / sizeof(refusal_codes[0]))

bool
ubur_visa_refusal_known(const char *code)
{
    return ubur_visa_refusal_text(code) != NULL;
}

const char *
ubur_visa_refusal_text(const char *code)
{
    for (size_t i = 0; code && i < NREFUSALS; i++)
        if (!strcmp(code, refusal_codes[i][0]))
            return refusal_codes[i][1];
    return NULL;
}

const char *
ubur_visa_refusal_list(void)
{
    return "false_document, purpose_not_justified, insufficient_means, stay_exceeded, "
           "watchlist_alert, security_threat, no_insurance, unreliable_information, "
           "return_doubtful, medical_not_justified, patient_not_approved";
}

/* ---- purposes ---- */

static const char *const document_kinds[] = {UBUR_VISA_DOCUMENT_KINDS};

bool
ubur_visa_document_kind_known(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof(document_kinds) / sizeof(document_kinds[0]); i++)
        if (!strcmp(kind, document_kinds[i]))
            return true;
    return false;
}

bool
ubur_visa_list_has(const char *list, const char *item)
{
    if (!list || !item || !*item)
        return false;
    if (!strcmp(list, "*"))
        return true;
    size_t n = strlen(item);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !memcmp(p, item, n))
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* Calls fn on each item of a comma-separated list; stops at the first non-zero. */
static int
list_each(const char *list, int (*fn)(const char *item, void *arg), void *arg)
{
    char item[UBUR_VISA_LIST_MAX];
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= sizeof(item))
            len = sizeof(item) - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        int rc = fn(item, arg);
        if (rc)
            return rc;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static bool
is_upper3(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

static int
check_nationality_item(const char *item, void *arg)
{
    struct ubur_error *err = arg;
    if (!is_upper3(item))
        return ubur_error_field(err, UBUR_EINVAL, "nationalities",
                                "'%s' is not a 3-letter state code", item);
    return 0;
}

static int
check_document_item(const char *item, void *arg)
{
    struct ubur_error *err = arg;
    if (!ubur_visa_document_kind_known(item))
        return ubur_error_field(err, UBUR_EINVAL, "required_documents",
                                "unknown document kind '%s'", item);
    return 0;
}

static bool
code_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > UBUR_VISA_PURPOSE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i && s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

int
ubur_visa_rules_validate(const struct ubur_visa_rules *r, struct ubur_error *err)
{
    int rc;
    if (!code_valid(r->code))
        return ubur_error_field(err, UBUR_EINVAL, "code",
                                "'%s' must be 2 to %d characters of a-z, 0-9 and '_'", r->code,
                                UBUR_VISA_PURPOSE_MAX);
    if (!*r->nationalities)
        return ubur_error_field(err, UBUR_EINVAL, "nationalities",
                                "must be '*' or a comma-separated list of state codes");
    if (strcmp(r->nationalities, "*") &&
        (rc = list_each(r->nationalities, check_nationality_item, err)))
        return rc;
    if (r->validity_days < 1 || r->validity_days > 3650)
        return ubur_error_field(err, UBUR_EINVAL, "validity_days", "%d is not within 1..3650",
                                r->validity_days);
    if (r->max_stay_days < 1 || r->max_stay_days > r->validity_days)
        return ubur_error_field(err, UBUR_EINVAL, "max_stay_days",
                                "%d must be within 1..validity_days (%d)", r->max_stay_days,
                                r->validity_days);
    if (r->max_entries < 0 || r->max_entries > 99)
        return ubur_error_field(err, UBUR_EINVAL, "max_entries",
                                "%d is not within 0..99 (0 = multiple)", r->max_entries);
    if (r->fee_minor < 0 || r->fee_minor > 100000000)
        return ubur_error_field(err, UBUR_EINVAL, "fee", "%lld is not a plausible fee",
                                (long long)r->fee_minor);
    if (!is_upper3(r->currency))
        return ubur_error_field(err, UBUR_EINVAL, "currency", "'%s' is not an ISO 4217 code",
                                r->currency);
    if ((rc = list_each(r->required_documents, check_document_item, err)))
        return rc;
    if (r->needs_hospital && r->needs_patient)
        return ubur_error_field(err, UBUR_EINVAL, "needs_patient",
                                "a purpose is for a patient or for an escort, not both");
    if (r->max_escorts < 0 || r->max_escorts > 10)
        return ubur_error_field(err, UBUR_EINVAL, "max_escorts", "%d is not within 0..10",
                                r->max_escorts);
    if (r->max_extension_days < 0 || r->max_extension_days > 3650 ||
        (r->extendable && r->max_extension_days < 1))
        return ubur_error_field(err, UBUR_EINVAL, "max_extension_days",
                                "%d: an extendable purpose needs 1..3650 days",
                                r->max_extension_days);
    if (r->auto_max_risk < 0 || r->auto_max_risk > 100)
        return ubur_error_field(err, UBUR_EINVAL, "auto_max_risk", "%d is not within 0..100",
                                r->auto_max_risk);
    if (r->priority < -100 || r->priority > 100)
        return ubur_error_field(err, UBUR_EINVAL, "priority", "%d is not within -100..100",
                                r->priority);
    if (r->mrz_format != 'A' && r->mrz_format != 'B')
        return ubur_error_field(err, UBUR_EINVAL, "mrz_format", "must be A (MRV-A) or B (MRV-B)");
    if (r->passport_margin_days < 0 || r->passport_margin_days > 3650)
        return ubur_error_field(err, UBUR_EINVAL, "passport_margin_days",
                                "%d is not within 0..3650", r->passport_margin_days);
    if (r->max_advance_days < 0 || r->max_advance_days > 3650)
        return ubur_error_field(err, UBUR_EINVAL, "max_advance_days", "%d is not within 0..3650",
                                r->max_advance_days);
    return 0;
}

struct doc_need {
    const struct ubur_visa_request *q;
    struct ubur_error *err;
};

static int
need_document(const char *kind, void *arg)
{
    struct doc_need *d = arg;
    for (size_t i = 0; i < d->q->ndocuments; i++)
        if (d->q->documents[i] && !strcmp(d->q->documents[i], kind))
            return 0;
    return ubur_error_field(d->err, UBUR_EINVAL, "documents",
                            "this purpose needs a document of kind '%s'", kind);
}

int
ubur_visa_rules_check(const struct ubur_visa_rules *r, const struct ubur_visa_request *q,
                      struct ubur_error *err)
{
    char d[UBUR_DATE_LEN + 1];
    if (!r->active)
        return ubur_error_field(err, UBUR_EINVAL, "purpose", "purpose '%s' is not open", r->code);
    if (!ubur_visa_list_has(r->nationalities, q->nationality))
        return ubur_error_field(err, UBUR_EINVAL, "nationality",
                                "purpose '%s' is not open to nationality '%s'", r->code,
                                q->nationality ? q->nationality : "");
    if (q->entry_day < q->today) {
        ubur_date_format(q->entry_day, d);
        return ubur_error_field(err, UBUR_EINVAL, "entry_date", "'%s' is in the past", d);
    }
    if (q->entry_day > q->today + r->max_advance_days) {
        ubur_date_format(q->entry_day, d);
        return ubur_error_field(err, UBUR_EINVAL, "entry_date", "'%s' is more than %d days ahead",
                                d, r->max_advance_days);
    }
    if (q->stay_days < 1 || q->stay_days > r->max_stay_days)
        return ubur_error_field(err, UBUR_EINVAL, "days",
                                "%d days: purpose '%s' allows a stay of 1 to %d days", q->stay_days,
                                r->code, r->max_stay_days);
    if (q->entries < 0 || (r->max_entries && (q->entries == 0 || q->entries > r->max_entries)))
        return ubur_error_field(
            err, UBUR_EINVAL, "entries", "%s: purpose '%s' allows at most %d entries",
            q->entries ? "too many entries" : "multiple entries", r->code, r->max_entries);
    if (r->needs_hospital && (!q->hospital || !*q->hospital))
        return ubur_error_field(err, UBUR_EINVAL, "hospital",
                                "purpose '%s' needs the treating hospital", r->code);
    if (r->needs_patient && !q->has_patient)
        return ubur_error_field(err, UBUR_EINVAL, "patient_application_id",
                                "purpose '%s' needs the patient's application", r->code);
    if (!r->needs_patient && q->has_patient)
        return ubur_error_field(err, UBUR_EINVAL, "patient_application_id",
                                "only an escort purpose names a patient");
    struct doc_need need = {q, err};
    return list_each(r->required_documents, need_document, &need);
}

/* ---- validity ---- */

void
ubur_visa_validity(const struct ubur_visa_rules *r, int64_t entry_day, int stay_days, int64_t *from,
                   int64_t *until)
{
    int span = r->validity_days > stay_days ? r->validity_days : stay_days;
    *from = entry_day;
    *until = entry_day + span - 1;
}

bool
ubur_visa_clip_to_patient(int64_t patient_until, int64_t *from, int64_t *until, int *stay_days)
{
    if (*until <= patient_until)
        return false;
    *until = patient_until < *from ? *from - 1 : patient_until;
    int64_t span = *until - *from + 1;
    if (span < *stay_days)
        *stay_days = span > 0 ? (int)span : 0;
    return true;
}

/* ---- risk ---- */

const char *
ubur_visa_risk_level_name(enum ubur_visa_risk_level l)
{
    switch (l) {
    case UBUR_VISA_RISK_LOW:
        return "low";
    case UBUR_VISA_RISK_MEDIUM:
        return "medium";
    case UBUR_VISA_RISK_HIGH:
        return "high";
    }
    return "unknown";
}

static void add_reason(struct ubur_visa_risk *k, const char *code, int points, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add_reason(struct ubur_visa_risk *k, const char *code, int points, const char *fmt, ...)
{
    k->score += points;
    if (k->nreasons >= UBUR_VISA_RISK_MAX_REASONS)
        return;
    struct ubur_visa_risk_reason *r = &k->reasons[k->nreasons++];
    snprintf(r->code, sizeof(r->code), "%s", code);
    r->points = points;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

void
ubur_visa_risk_assess(const struct ubur_visa_risk_input *in, struct ubur_visa_risk *out)
{
    memset(out, 0, sizeof(*out));
    if (in->watchlist_hits > 0) {
        int pts = 40 + (int)(in->watchlist_best * 60.0 + 0.5);
        add_reason(out, "watchlist_hit", pts, "%d watchlist match%s, best score %.2f",
                   in->watchlist_hits, in->watchlist_hits == 1 ? "" : "es", in->watchlist_best);
        out->blocking = true;
    }
    if (in->screening_unavailable) {
        add_reason(out, "screening_unavailable", 30,
                   "the watchlist screening could not run; an officer must review");
        out->blocking = true;
    }
    if (in->passport_expiry == INT64_MIN) {
        add_reason(out, "passport_expiry_unknown", 20, "the passport's expiry date is unknown");
        out->blocking = true;
    } else if (in->passport_expiry < in->stay_end + in->passport_margin_days) {
        char e[UBUR_DATE_LEN + 1], s[UBUR_DATE_LEN + 1];
        ubur_date_format(in->passport_expiry, e);
        ubur_date_format(in->stay_end + in->passport_margin_days, s);
        add_reason(out, "passport_expires", 60,
                   "the passport expires on %s, before %s (end of stay%s)", e, s,
                   in->passport_margin_days ? " plus the required margin" : "");
        out->blocking = true;
    }
    if (in->overstays > 0) {
        int n = in->overstays > 2 ? 2 : in->overstays;
        add_reason(out, "overstay", 30 * n, "%d earlier visa%s overstayed", in->overstays,
                   in->overstays == 1 ? "" : "s");
    }
    if (in->earlier_refusals > 0) {
        int n = in->earlier_refusals > 3 ? 3 : in->earlier_refusals;
        add_reason(out, "earlier_refusal", 15 * n, "%d earlier application%s refused",
                   in->earlier_refusals, in->earlier_refusals == 1 ? "" : "s");
    }
    if (!in->mrz_valid)
        add_reason(out, "mrz_repaired", 10,
                   "the passport MRZ needed an OCR repair or carries warnings");
    if (in->earlier_visas > 0 && in->overstays == 0 && in->earlier_refusals == 0) {
        int n = in->earlier_visas > 2 ? 2 : in->earlier_visas;
        add_reason(out, "good_history", -5 * n, "%d earlier visa%s used without an overstay",
                   in->earlier_visas, in->earlier_visas == 1 ? "" : "s");
    }
    if (out->score < 0)
        out->score = 0;
    if (out->score > 100)
        out->score = 100;
    out->level = out->score < 25   ? UBUR_VISA_RISK_LOW
                 : out->score < 60 ? UBUR_VISA_RISK_MEDIUM
                                   : UBUR_VISA_RISK_HIGH;
}

bool
ubur_visa_may_auto_approve(const struct ubur_visa_rules *r, const struct ubur_visa_risk *k,
                           bool patient_ok)
{
    if (!r->auto_approve || k->blocking || k->level != UBUR_VISA_RISK_LOW)
        return false;
    if (k->score > r->auto_max_risk)
        return false;
    if (r->needs_patient && !patient_ok)
        return false;
    return true;
}

int
ubur_visa_priority(const struct ubur_visa_rules *r, bool urgent)
{
    return r->priority + (urgent ? UBUR_VISA_URGENT_PRIORITY : 0);
}

/* ---- use ---- */

enum ubur_visa_usable
ubur_visa_usage_at(const struct ubur_visa_usage *u, int64_t day, int *entries_left, int *stay_used,
                   int *stay_left, int64_t *stay_until)
{
    int used = u->days_used, eleft = -1;
    if (u->in_country_since >= 0 && day >= u->in_country_since)
        used += (int)(day - u->in_country_since + 1);
    int left = u->stay_days - used;
    if (left < 0)
        left = 0;
    if (u->entries > 0)
        eleft = u->entries - u->entries_used < 0 ? 0 : u->entries - u->entries_used;
    if (entries_left)
        *entries_left = eleft;
    if (stay_used)
        *stay_used = used;
    if (stay_left)
        *stay_left = left;
    if (stay_until)
        *stay_until = -1;

    enum ubur_visa_usable why = UBUR_VISA_USABLE;
    bool in = u->in_country_since >= 0;
    if (u->state == UBUR_VISA_ANNULLED || u->state == UBUR_VISA_REVOKED ||
        !ubur_visa_state_in_force(u->state))
        why = UBUR_VISA_USE_REVOKED;
    else if (day < u->valid_from)
        why = UBUR_VISA_USE_NOT_YET_VALID;
    else if (day > u->valid_until)
        why = UBUR_VISA_USE_EXPIRED;
    else if (!in && eleft == 0)
        why = UBUR_VISA_USE_ENTRIES_EXHAUSTED;
    else if (in ? used > u->stay_days : left < 1)
        why = UBUR_VISA_USE_STAY_EXCEEDED;
    if (why == UBUR_VISA_USABLE && stay_until) {
        /* Days still allowed, counting `day` itself. */
        int64_t remaining = in ? u->stay_days - used + 1 : left;
        int64_t last = day + remaining - 1;
        *stay_until = last < u->valid_until ? last : u->valid_until;
    }
    return why;
}
