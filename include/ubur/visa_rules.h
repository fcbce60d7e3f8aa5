/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules of the visa workflow as pure logic (no store, no I/O), so they
 * can be tested exhaustively and read in one place:
 *
 *  - the lifecycle, after the EU Visa Information System: an application is
 *    submitted, may go under review, is approved, refused (with a coded
 *    reason), withdrawn or discontinued; an approved one is issued; an
 *    issued visa may be extended, shortened, annulled or revoked. Each
 *    transition names the roles allowed to make it. An illegal transition is
 *    UBUR_ECONFLICT (HTTP 409), a role not allowed UBUR_EPERM (403);
 *  - the rules of a purpose (struct ubur_visa_rules, a row of visa_purpose
 *    that an admin edits) and the check of an application against them;
 *  - the validity period of a visa, and the clipping of an escort's visa to
 *    the patient's;
 *  - the risk summary from screening facts, and whether the purpose allows
 *    the application to be approved automatically;
 *  - the queue priority;
 *  - whether an issued visa can be used on a day (entries and stay left).
 *
 * Days are whole UTC days since 1970-01-01 (int64_t), as in ubur/util.h.
 */
#ifndef UBUR_VISA_RULES_H
#define UBUR_VISA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/error.h"
#include "ubur/visa.h"

/* ---- lifecycle ---- */

/* X(ENUM, name) */
#define UBUR_VISA_STATE_MAP(X)                                                                     \
    X(UBUR_VISA_SUBMITTED, "submitted")                                                            \
    X(UBUR_VISA_UNDER_REVIEW, "under_review")                                                      \
    X(UBUR_VISA_APPROVED, "approved")                                                              \
    X(UBUR_VISA_REFUSED, "refused")                                                                \
    X(UBUR_VISA_WITHDRAWN, "withdrawn")                                                            \
    X(UBUR_VISA_DISCONTINUED, "discontinued")                                                      \
    X(UBUR_VISA_ISSUED, "issued")                                                                  \
    X(UBUR_VISA_EXTENDED, "extended")                                                              \
    X(UBUR_VISA_SHORTENED, "shortened")                                                            \
    X(UBUR_VISA_ANNULLED, "annulled")                                                              \
    X(UBUR_VISA_REVOKED, "revoked")

enum ubur_visa_state {
#define UBUR_X_VS(e, n) e,
    UBUR_VISA_STATE_MAP(UBUR_X_VS)
#undef UBUR_X_VS
        UBUR_VISA_STATE_COUNT
};

/* X(ENUM, name, needs a reason) */
#define UBUR_VISA_ACTION_MAP(X)                                                                    \
    X(UBUR_VISA_REVIEW, "review", false)                                                           \
    X(UBUR_VISA_APPROVE, "approve", false)                                                         \
    X(UBUR_VISA_REFUSE, "refuse", true)                                                            \
    X(UBUR_VISA_WITHDRAW, "withdraw", false)                                                       \
    X(UBUR_VISA_DISCONTINUE, "discontinue", true)                                                  \
    X(UBUR_VISA_ISSUE, "issue", false)                                                             \
    X(UBUR_VISA_EXTEND, "extend", false)                                                           \
    X(UBUR_VISA_SHORTEN, "shorten", true)                                                          \
    X(UBUR_VISA_ANNUL, "annul", true)                                                              \
    X(UBUR_VISA_REVOKE, "revoke", true)

enum ubur_visa_action {
#define UBUR_X_VA(e, n, r) e,
    UBUR_VISA_ACTION_MAP(UBUR_X_VA)
#undef UBUR_X_VA
        UBUR_VISA_ACTION_COUNT
};

/*
 * The pseudo-role of automatic transitions (auto-approval on submission).
 * Never a user's role: it does not appear in UBUR_ROLE_MAP.
 */
#define UBUR_VISA_ROLE_SYSTEM (1u << 30)

const char *ubur_visa_state_name(enum ubur_visa_state s);
/* -1 when unknown. */
int ubur_visa_state_from_name(const char *name);
const char *ubur_visa_action_name(enum ubur_visa_action a);
int ubur_visa_action_from_name(const char *name);
/* True when the action needs a reason (refuse needs a refusal code). */
bool ubur_visa_action_needs_reason(enum ubur_visa_action a);
/* True for the states of an issued visa (issued, extended, shortened, annulled, revoked). */
bool ubur_visa_state_is_visa(enum ubur_visa_state s);
/* True for issued, extended and shortened: a visa that may be used. */
bool ubur_visa_state_in_force(enum ubur_visa_state s);
/* True for application states that end the application without a visa. */
bool ubur_visa_state_closed(enum ubur_visa_state s);

/* Roles (UBUR_ROLE_* bits, UBUR_VISA_ROLE_SYSTEM) that may perform an action. */
unsigned ubur_visa_action_roles(enum ubur_visa_action a);
/* States (bit 1 << state) an action may start from. */
unsigned ubur_visa_action_from(enum ubur_visa_action a);

/*
 * Checks that `role` may perform `a` on an application or visa in state
 * `from`, and gives the state it leads to. Order: an action that cannot
 * start from `from` is UBUR_ECONFLICT (field "state", naming both); a role
 * that may not perform it is UBUR_EPERM (field "role").
 */
int ubur_visa_transition(enum ubur_visa_state from, enum ubur_visa_action a, unsigned role,
                         enum ubur_visa_state *to, struct ubur_error *err);

/* ---- refusal reasons (the standard refusal form of the EU Visa Code, Annex VI) ---- */

/* X(code, description) */
#define UBUR_VISA_REFUSAL_MAP(X)                                                                   \
    X("false_document", "a false, counterfeit or forged travel document was presented")            \
    X("purpose_not_justified", "the purpose and conditions of the stay were not justified")        \
    X("insufficient_means", "insufficient means of subsistence for the stay or the return")        \
    X("stay_exceeded", "the applicant has already used the stay allowed in the period")            \
    X("watchlist_alert", "an alert has been issued for the purpose of refusing entry")             \
    X("security_threat", "considered a threat to public policy or internal security")              \
    X("no_insurance", "no adequate and valid travel medical insurance")                            \
    X("unreliable_information", "the information given was not reliable")                          \
    X("return_doubtful", "the intention to leave before the visa expires was not established")     \
    X("medical_not_justified", "the medical treatment or the hospital letter was not justified")   \
    X("patient_not_approved", "the patient this escort accompanies has no approved application")

/* True when code is one of the refusal codes above. */
bool ubur_visa_refusal_known(const char *code);
/* Its description, or NULL. */
const char *ubur_visa_refusal_text(const char *code);
/* The codes separated by ", ", for messages. */
const char *ubur_visa_refusal_list(void);

/* ---- purposes and their rules ---- */

#define UBUR_VISA_LIST_MAX 256

/* A purpose's rules: one row of visa_purpose. */
struct ubur_visa_rules {
    char code[UBUR_VISA_PURPOSE_MAX + 1];
    bool active;
    char nationalities[UBUR_VISA_LIST_MAX]; /* "*" or "IRQ,SYR" */
    int validity_days;                      /* visa valid this many days from the entry date */
    int max_entries;                        /* 0 = multiple entries allowed */
    int max_stay_days;                      /* longest stay */
    int64_t fee_minor;                      /* fee in minor units (cents) */
    char currency[4];
    char required_documents[UBUR_VISA_LIST_MAX]; /* "medical_letter,hospital_letter" */
    bool needs_hospital;                         /* medical treatment: a treating hospital */
    bool needs_patient;                          /* medical escort: the patient's application */
    int max_escorts; /* escorts a patient may have (purposes with escorts) */
    bool extendable;
    int max_extension_days;   /* per extension */
    bool auto_approve;        /* clean low-risk applications may be approved automatically */
    int auto_max_risk;        /* highest risk score auto-approval accepts */
    int priority;             /* added to the queue priority */
    char mrz_format;          /* 'A' (MRV-A) or 'B' (MRV-B) */
    int passport_margin_days; /* passport must be valid this long after the stay */
    int max_advance_days;     /* latest entry date, days after submission */
};

/* Document kinds an application may reference. */
#define UBUR_VISA_DOCUMENT_KINDS                                                                   \
    "medical_letter", "hospital_letter", "hospital_request", "invitation", "delegation_letter",    \
        "hotel_booking", "insurance", "photo", "passport_copy", "employer_letter", "family_proof", \
        "onward_ticket", "other"
bool ubur_visa_document_kind_known(const char *kind);

/* True when the comma-separated list holds item (or is "*"). */
bool ubur_visa_list_has(const char *list, const char *item);

/*
 * Checks a purpose's rules for consistency (what an admin saves): positive
 * validity and stay, stay not longer than validity, currency of 3 letters,
 * known document kinds, nationalities "*" or alpha-3 codes, mrz_format A/B,
 * an escort purpose that is not itself extendable beyond its patient...
 * Errors name the field.
 */
int ubur_visa_rules_validate(const struct ubur_visa_rules *r, struct ubur_error *err);

/* What an application asks, for the check against the purpose's rules. */
struct ubur_visa_request {
    const char *nationality;
    int64_t today;     /* day of submission */
    int64_t entry_day; /* intended entry date */
    int stay_days;
    int entries;                  /* 0 = multiple */
    const char *hospital;         /* NULL or "" when none */
    bool has_patient;             /* an escort names the patient's application */
    const char *const *documents; /* kinds of the supporting documents */
    size_t ndocuments;
};

/*
 * Checks a request against the rules: the purpose is active and open to the
 * nationality, the entry date is not past and not too far ahead, the stay
 * and entries within limits, the required documents, hospital and patient
 * present. Returns 0 or UBUR_EINVAL naming the field ("purpose",
 * "nationality", "entry_date", "days", "entries", "documents", "hospital",
 * "patient_application_id").
 */
int ubur_visa_rules_check(const struct ubur_visa_rules *r, const struct ubur_visa_request *q,
                          struct ubur_error *err);

/* ---- validity ---- */

/*
 * The validity of a visa for entry on entry_day and a stay of stay_days:
 * from the entry day to the later of entry_day + validity_days - 1 and
 * entry_day + stay_days - 1.
 */
void ubur_visa_validity(const struct ubur_visa_rules *r, int64_t entry_day, int stay_days,
                        int64_t *from, int64_t *until);
/*
 * An escort's visa may not outlast the patient's: clips *until (and
 * *stay_days, so the stay never runs past the validity) to the patient's
 * valid_until. Returns true when it clipped. When the patient's visa ends
 * before *from, *until becomes *from - 1 (an empty period, which the caller
 * refuses).
 */
bool ubur_visa_clip_to_patient(int64_t patient_until, int64_t *from, int64_t *until,
                               int *stay_days);

/* ---- screening and risk ---- */

/* Facts gathered on submission, from the screening service and earlier records. */
struct ubur_visa_risk_input {
    int watchlist_hits;         /* matches at or above the screening threshold */
    double watchlist_best;      /* best match score in [0,1] (0 when none) */
    bool screening_unavailable; /* the watchlist screening could not run */
    int earlier_refusals;       /* refused applications of the same person */
    int overstays;              /* earlier visas whose stay was exceeded */
    int earlier_visas;          /* earlier visas used without an overstay */
    int64_t passport_expiry;    /* day, or INT64_MIN when unknown */
    int64_t stay_end;           /* last day of the intended stay */
    int passport_margin_days;   /* from the purpose's rules */
    bool mrz_valid;             /* the passport MRZ checked (no OCR repair needed) */
};

#define UBUR_VISA_RISK_MAX_REASONS 8
enum ubur_visa_risk_level { UBUR_VISA_RISK_LOW, UBUR_VISA_RISK_MEDIUM, UBUR_VISA_RISK_HIGH };

struct ubur_visa_risk_reason {
    char code[32]; /* watchlist_hit, earlier_refusal, overstay, passport_expires, ... */
    int points;
    char message[160];
};

struct ubur_visa_risk {
    int score; /* 0..100 */
    enum ubur_visa_risk_level level;
    int nreasons;
    struct ubur_visa_risk_reason reasons[UBUR_VISA_RISK_MAX_REASONS];
    bool blocking; /* a finding no automatic decision may pass (watchlist, passport) */
};

/* "low", "medium", "high". */
const char *ubur_visa_risk_level_name(enum ubur_visa_risk_level l);

/*
 * Scores the facts: a watchlist match weighs most (and blocks automatic
 * approval), then a passport that expires before the stay ends (blocks),
 * overstays, earlier refusals, an unavailable screening (blocks); a clean
 * history of earlier visas lowers the score a little. Levels: low below 25,
 * medium below 60, high from 60.
 */
void ubur_visa_risk_assess(const struct ubur_visa_risk_input *in, struct ubur_visa_risk *out);

/*
 * Whether the purpose's rules let this application be approved without an
 * officer: auto_approve set, nothing blocking, level low and score at most
 * auto_max_risk, and for an escort the patient's application approved or
 * issued (patient_ok).
 */
bool ubur_visa_may_auto_approve(const struct ubur_visa_rules *r, const struct ubur_visa_risk *k,
                                bool patient_ok);

/* ---- the review queue ---- */

#define UBUR_VISA_URGENT_PRIORITY 1000
/* Queue priority: the purpose's priority, plus UBUR_VISA_URGENT_PRIORITY when urgent. */
int ubur_visa_priority(const struct ubur_visa_rules *r, bool urgent);

/* ---- use of an issued visa ---- */

/* A visa's use so far, as the border has noted it. */
struct ubur_visa_usage {
    enum ubur_visa_state state;
    int64_t valid_from, valid_until; /* days, both included */
    int entries;                     /* 0 = multiple */
    int entries_used;
    int stay_days;
    int days_used;            /* closed stays */
    int64_t in_country_since; /* day of the open entry, or -1 */
};

/*
 * Whether the visa can be used on `day`, and what is left. For a holder in
 * the country the open stay counts up to and including `day`; for one
 * outside, an entry on `day` would start a new stay (and needs an entry
 * left). *stay_until is the last day of an authorised stay that includes
 * `day`, or -1 when not usable. Any output pointer may be NULL.
 */
enum ubur_visa_usable ubur_visa_usage_at(const struct ubur_visa_usage *u, int64_t day,
                                         int *entries_left, int *stay_used, int *stay_left,
                                         int64_t *stay_until);

#endif
