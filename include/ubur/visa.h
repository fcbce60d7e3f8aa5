/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visas: applications, decisions, issuance with a Visible Digital Seal, and
 * what a border post asks of an issued visa. docs/internals/visa.md has the
 * design; include/ubur/visa_rules.h has the pure rules (state machine,
 * purpose rules, risk, validity) these services apply.
 *
 * This part is the border's interface, which must stay small and fast: a
 * border check finds the visa a traveller may use with
 * ubur_visa_find_valid, and records the use with ubur_visa_note_entry and
 * ubur_visa_note_exit inside its own transaction.
 *
 * Entries and stay used are tracked on the visa row itself (chosen over
 * recomputing them from the border's movement records so that the visa module
 * never reads another module's tables and a check costs one indexed read):
 * the border calls ubur_visa_note_entry when it records an admission on a
 * visa and ubur_visa_note_exit when it records the exit, in the same
 * transaction as its movement record, so both commit or vanish together.
 * Days are counted as the EU Entry/Exit System counts them: the day of
 * entry and the day of exit both count, whole UTC days.
 */
#ifndef UBUR_VISA_H
#define UBUR_VISA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ubur/app.h"
#include "ubur/error.h"
#include "ubur/store.h"
#include "ubur/util.h"

#define UBUR_VISA_NUMBER_MAX 9 /* the visa number is the MRZ document number */
#define UBUR_VISA_PURPOSE_MAX 32

/* Why a visa found for a traveller can or cannot be used at a given time. */
enum ubur_visa_usable {
    UBUR_VISA_USABLE = 0,                /* valid now, entries and stay left */
    UBUR_VISA_USE_NOT_YET_VALID = 1,     /* valid_from is after the day asked about */
    UBUR_VISA_USE_EXPIRED = 2,           /* valid_until is before the day asked about */
    UBUR_VISA_USE_REVOKED = 3,           /* annulled or revoked */
    UBUR_VISA_USE_ENTRIES_EXHAUSTED = 4, /* every entry used (not in the country now) */
    UBUR_VISA_USE_STAY_EXCEEDED = 5,     /* no day of stay left */
};
/* "usable", "not_yet_valid", "expired", "revoked", "entries_exhausted", "stay_exceeded". */
const char *ubur_visa_usable_name(enum ubur_visa_usable u);

/* What the border needs to know about a visa at a time `at`. */
struct ubur_visa_valid {
    char visa_id[UBUR_UUID_LEN + 1];
    char visa_number[UBUR_VISA_NUMBER_MAX + 1];
    char issuing_state[4];
    char purpose[UBUR_VISA_PURPOSE_MAX + 1]; /* "tourism", "medical", ... (visa_purpose.code) */
    char state[16];                          /* issued, extended, shortened, annulled, revoked */
    enum ubur_visa_usable usable;
    char valid_from[UBUR_DATE_LEN + 1]; /* "YYYY-MM-DD", both days included */
    char valid_until[UBUR_DATE_LEN + 1];
    int entries; /* entries allowed; 0 = multiple */
    int entries_used;
    int entries_left; /* -1 = unlimited */
    int stay_days;    /* longest total stay the visa allows */
    int stay_used;    /* days used by closed stays, plus the open stay up to `at` */
    int stay_left;    /* stay_days - stay_used, never below 0 */
    bool in_country;  /* an entry was noted and no exit yet */
    char in_country_since[UBUR_TIME_LEN + 1]; /* "" when not in the country */
    /*
     * Last day the holder may stay when entering (or being) in the country at
     * `at`: the earlier of valid_until and the day the stay left runs out.
     * "" when the visa is not usable.
     */
    char stay_until[UBUR_DATE_LEN + 1];
};

/*
 * Finds the visa a traveller holding passport `document_number` of
 * `nationality` (ICAO alpha-3) may use at time `at` (seconds since the
 * epoch, UTC). When `visa_number` is not NULL only that visa is considered
 * (and it must belong to that passport).
 *
 * Among the traveller's visas the best one is returned: a usable one if
 * any (the one with the latest valid_until), else the one that came closest
 * (out->usable then says why it cannot be used). Returns 0 when a visa was
 * found (usable or not), UBUR_ENOTFOUND when the passport holds no visa at
 * all, or a store error. Reads only; safe inside or outside a transaction.
 */
int ubur_visa_find_valid(struct ubur_store *store, const char *document_number,
                         const char *nationality, const char *visa_number, int64_t at,
                         struct ubur_visa_valid *out, struct ubur_error *err);

/*
 * Records an entry on visa `visa_id` at time `at`, inside the caller's open
 * transaction (it neither begins, commits nor audits: the border's movement
 * record and its audit entry are the record of the event). Fails with
 * UBUR_ECONFLICT, changing nothing, when the visa is not usable at `at`
 * (err->field "visa" and a message naming the reason) or when an entry is
 * already open; UBUR_ENOTFOUND for an unknown visa.
 */
int ubur_visa_note_entry(struct ubur_store *store, const char *visa_id, int64_t at,
                         struct ubur_error *err);
/*
 * Records the exit that closes the open entry on visa `visa_id`: adds the
 * days from the entry day to the exit day, both included, to the stay used.
 * Inside the caller's transaction, like ubur_visa_note_entry. UBUR_ECONFLICT
 * when no entry is open or `at` is before it.
 */
int ubur_visa_note_exit(struct ubur_store *store, const char *visa_id, int64_t at,
                        struct ubur_error *err);

/* ======================================================================
 * Services (src/app/visa*.c), shared by the API and the CLI. Each takes a
 * ctx saying who acts; writes happen in one transaction with their audit
 * entries and commit before success is returned. JSON results are new
 * references the caller decrefs. Input errors are UBUR_EINVAL naming the
 * field (the JSON key, e.g. "entry_date", "documents[1].kind"); an action
 * the state does not allow is UBUR_ECONFLICT, one the role does not allow
 * UBUR_EPERM; unknown ids UBUR_ENOTFOUND.
 * ====================================================================== */

/* ---- purposes and their rules (admin-editable data) ---- */

struct ubur_visa_rules;
/* Loads the rules of purpose `code`; UBUR_ENOTFOUND (field "purpose") when unknown. */
int ubur_visa_rules_load(struct ubur_store *store, const char *code, struct ubur_visa_rules *r,
                         struct ubur_error *err);
/* Every purpose with its rules: [{code, name_en, name_ar, active, ..., fee:{amount,currency}}]. */
int ubur_visa_purpose_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err);
int ubur_visa_purpose_get(struct ubur_ctx *ctx, const char *code, json_t **out,
                          struct ubur_error *err);
/*
 * Creates or updates purpose `code` from the fields given in `fields` (the
 * keys of the purpose object; absent keys keep their value, or a default
 * for a new purpose, which needs name_en, validity_days and max_stay_days).
 * Validated with ubur_visa_rules_validate; admin only (UBUR_EPERM);
 * audited with the old and new rules. *out is the saved purpose.
 */
int ubur_visa_purpose_put(struct ubur_ctx *ctx, const char *code, json_t *fields, json_t **out,
                          struct ubur_error *err);

/* ---- applications ---- */

/*
 * Submits an application. `req` keys:
 *   passport_mrz (required) the passport's MRZ as scanned (TD3 or TD1/TD2)
 *   purpose, entry_date ("YYYY-MM-DD"), days (required)
 *   entries (default 1; 0 = multiple), name_ar, urgent (bool)
 *   hospital (medical), patient_application_id (escort)
 *   documents [{kind, reference, description?}]
 *   family [application ids], group_ref (text shared by a group's members),
 *   previous_application_ids [ids], person_id (an existing applicant)
 * Validates everything before writing (the MRZ must parse; the purpose's
 * rules via ubur_visa_rules_check), screens the applicant (watchlists,
 * earlier refusals, overstays, passport validity) into a risk summary,
 * stores the application with its person record, documents and links, and
 * approves it automatically when the purpose's rules allow
 * (ubur_visa_may_auto_approve). *out is the application as
 * ubur_visa_application_get gives it.
 */
int ubur_visa_apply(struct ubur_ctx *ctx, json_t *req, json_t **out, struct ubur_error *err);

/*
 * A group (a pilgrims' group, a family, a delegation) submitted at once:
 * req {group_ref, applications: [each as for ubur_visa_apply, without
 * group_ref]}. Every member is validated first (errors name the member:
 * "applications[3].passport_mrz"), then all are written in one transaction
 * with their screenings, all or nothing. *out: {group_ref, submitted,
 * approved_automatically, ids, applications (summaries)}.
 */
#define UBUR_VISA_GROUP_MAX 500
int ubur_visa_apply_group(struct ubur_ctx *ctx, json_t *req, json_t **out, struct ubur_error *err);

/* An application by id or number, with applicant, passport, documents, links, escorts, risk,
 * visa and history. */
int ubur_visa_application_get(struct ubur_ctx *ctx, const char *id, json_t **out,
                              struct ubur_error *err);

struct ubur_visa_filter {
    const char *state;   /* NULL = any */
    const char *purpose; /* NULL = any */
    const char *person_id;
    bool queue;    /* the review queue: submitted and under_review, by priority, age */
    int64_t limit; /* 0 = 100 */
    int64_t offset;
    const char *group_ref; /* applications only: members of one group */
};
#define UBUR_VISA_FILTER_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, NULL, false, 0, 0, NULL                                                        \
    }
/* Applications as a summary array, newest first, or the review queue order. */
int ubur_visa_application_list(struct ubur_ctx *ctx, const struct ubur_visa_filter *f, json_t **out,
                               struct ubur_error *err);

/*
 * Decides on an application: action is "review", "approve", "refuse" (reason
 * one of the refusal codes), "withdraw" or "discontinue" (reason required).
 * `note` (may be NULL) is kept with the decision. When a patient's
 * application ends without approval its open escort applications are
 * discontinued in the same transaction. *out is the application after.
 */
int ubur_visa_decide(struct ubur_ctx *ctx, const char *id, const char *action, const char *reason,
                     const char *note, json_t **out, struct ubur_error *err);

/* ---- issued visas ---- */

/*
 * Issues the visa of an approved application: number, validity (an
 * escort's clipped to the patient's visa, which must be in force), MRZ
 * (MRV-A or MRV-B per the purpose), and a Visible Digital Seal signed with
 * the signer configured in settings visa.signer_key and visa.signer_cert.
 * *out is the visa as ubur_visa_get gives it: visa_number, mrz (array of
 * lines), seal (hex), valid_from, valid_until, entries, days, ...
 */
int ubur_visa_issue(struct ubur_ctx *ctx, const char *application_id, json_t **out,
                    struct ubur_error *err);
/*
 * Issues every approved application of a group in one transaction (all or
 * nothing). *out: {group_ref, issued, visas: [as ubur_visa_get]}.
 * UBUR_ECONFLICT when the group has no approved application.
 */
int ubur_visa_issue_group(struct ubur_ctx *ctx, const char *group_ref, json_t **out,
                          struct ubur_error *err);
/* A visa by id or number. */
int ubur_visa_get(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err);
/* Visas (state, purpose filters apply; queue is ignored), newest first. */
int ubur_visa_list(struct ubur_ctx *ctx, const struct ubur_visa_filter *f, json_t **out,
                   struct ubur_error *err);

/*
 * Changes an issued visa. action: "extend" (req: until or days; a medical
 * visa needs hospital_request, the reference of the hospital's request),
 * "shorten" (until, reason), "annul" or "revoke" (reason). An extension or
 * shortening re-issues the MRZ and seal. A patient's visa carries its
 * escorts along: shortening clips theirs, annulling or revoking revokes
 * theirs; an escort's visa may not be extended past the patient's.
 */
int ubur_visa_change(struct ubur_ctx *ctx, const char *id, const char *action, json_t *req,
                     json_t **out, struct ubur_error *err);

/*
 * Verifies a seal (hex or binary text) offline, against the signer
 * certificate found in the keys directory by the seal's signer and
 * certificate reference (<dir>/<SIGNER>-<REF>.pem, chained to
 * csca-<STATE>.pem when present), and online against the database: the
 * visa's current state and whether the seal is its current one. With
 * visa_number instead of a seal, only the online check. *out:
 *   {valid, usable_today, status, signature:{valid, signer, cert_ref, certificate, error?},
 *    visa:{...the seal's fields}, visa_number, record:{...our visa, when ours}}
 * status: "valid", "not_yet_valid", "expired", "revoked", "annulled", "superseded" (an
 * extension or shortening re-issued it), "unknown" (no such visa of ours),
 * "no_revocation_known" (a partner's visa no revocation was received for), or
 * "invalid" (the signature does not hold). valid: the seal is genuine and the visa
 * neither ended nor superseded (not_yet_valid included); usable_today: valid today.
 * Returns 0 whenever an answer was produced (valid or not).
 */
int ubur_visa_verify(struct ubur_ctx *ctx, const char *seal, const char *visa_number, json_t **out,
                     struct ubur_error *err);
/*
 * Offline verification with a given certificate (and optional CSCA), for
 * `ubur visa verify --cert`: no database. Fills *out as above without the
 * online part. Returns 0 when the seal verifies, UBUR_EUNPROC (with *out
 * still set) when it does not, UBUR_EINVAL when it cannot be read.
 */
int ubur_visa_verify_offline(const char *cert_path, const char *ca_path, const char *seal,
                             json_t **out, struct ubur_error *err);

/*
 * Revoked and annulled visas (since an ISO time, NULL = all), for the other
 * state's border posts: {issuing_state, generated_at, visas:[{visa_number,
 * state, ended_at, reason, passport_number, nationality, valid_until}]}.
 */
int ubur_visa_revocations(struct ubur_ctx *ctx, const char *since, json_t **out,
                          struct ubur_error *err);

/* The printable visa page: "svg" or "html", with the seal as a DataMatrix. */
int ubur_visa_page(struct ubur_ctx *ctx, const char *id, const char *format, struct ubur_buf *out,
                   struct ubur_error *err);

/* The directory holding signer certificates and keys (settings keys.dir, UBUR_KEYS_DIR,
 * beside the SQLite database, or "keys"); arena string. */
const char *ubur_visa_keys_dir(struct ubur_ctx *ctx);

/* The demo step: Syria's rules for Iraqis, signer keys, and applications in various states. */
int ubur_visa_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);

#endif
