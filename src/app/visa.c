/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visa applications: submission (validation, screening, risk summary,
 * automatic approval where the purpose's rules allow), the review queue,
 * decisions, and the JSON form of an application. The rules themselves are
 * pure functions in src/core/visa_rules.c; this file gathers the facts from
 * the store, applies them and writes the outcome.
 *
 * Every input is validated before anything is written, so a bad request
 * changes nothing. A submission writes in one transaction: the applicant's
 * person record (found again by passport, else by identity), the
 * application, its documents and links, the submission event and, when
 * automatic, the approval event, each with its audit entry. The watchlist
 * screening runs before that transaction because the screening service
 * keeps its own records and commits them itself.
 *
 * Escorts: an escort's application names the patient's; it cannot be
 * submitted for a patient whose application is closed or who has all the
 * escorts the patient's purpose allows, cannot be approved before the
 * patient's, and is discontinued when the patient's application ends
 * without a visa.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/mrz.h"
#include "ubur/visa.h"
#include "ubur/visa_rules.h"
#include "ubur/watchlist.h"
#include "visa_internal.h"
#include "ubur/banned.h"

#define MAX_DOCUMENTS 20
#define MAX_LINKS 20
#define TEXT_MAX 200

/* ---- shared helpers (visa_internal.h) ---- */

int64_t
ubur_visa_today(void)
{
    int64_t t = ubur_now();
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

enum ubur_visa_state
ubur_visa_state_parse(const char *s)
{
    int v = ubur_visa_state_from_name(s);
    return v < 0 ? UBUR_VISA_REVOKED : (enum ubur_visa_state)v;
}

int
ubur_visa_counter_next(struct ubur_store *store, const char *scope, int64_t *out,
                       struct ubur_error *err)
{
    /* one statement (one round trip on PostgreSQL): the upsert returns the new value */
    return ubur_store_query_int(store, err, out,
                                "INSERT INTO visa_counter (scope, value) VALUES (?, 1)"
                                " ON CONFLICT (scope) DO UPDATE SET value = visa_counter.value + 1"
                                " RETURNING value",
                                "t", scope);
}

int
ubur_visa_event(struct ubur_ctx *ctx, const char *application_id, const char *visa_id,
                const char *action, const char *from, const char *to, const char *reason,
                bool system, const char *detail_json, struct ubur_error *err)
{
    return ubur_visa_event_at(ctx, application_id, visa_id, action, from, to, reason, system,
                              detail_json, NULL, err);
}

int
ubur_visa_event_at(struct ubur_ctx *ctx, const char *application_id, const char *visa_id,
                   const char *action, const char *from, const char *to, const char *reason,
                   bool system, const char *detail_json, const char *when, struct ubur_error *err)
{
    char id[UBUR_UUID_LEN + 1], at[UBUR_TIME_LEN + 1], act[64];
    ubur_uuid7(id);
    if (when)
        snprintf(at, sizeof(at), "%s", when);
    else
        ubur_time_format(ubur_now(), at);
    const char *role = system ? "system" : ubur_role_name(ctx->role);
    /* Queued (nothing is read back): on PostgreSQL it travels with the next statement. */
    int64_t n = ubur_store_queue(
        ctx->store, err,
        "INSERT INTO visa_event (id, application_id, visa_id, action, from_state, to_state, at,"
        " user_id, username, role, reason, detail, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visa_event WHERE application_id = ?))",
        "ttttttttttttt", id, application_id, visa_id, action, from, to, at, ctx->user_id,
        ctx->username ? ctx->username : "unknown", role, reason, detail_json, application_id);
    if (n < 0)
        return (int)n;
    /* The audit detail: {from, to, reason, automatic, detail}, the event's own detail (JSON
     * text our callers write) spliced in as it is rather than parsed and printed again. */
    json_t *d = json_pack("{s:s?, s:s, s:s?, s:b}", "from", from, "to", to, "reason", reason,
                          "automatic", system);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (detail_json && detail_json[0] == '{') {
        size_t l = strlen(ds);
        char *joined =
            ubur_arena_printf(&ctx->arena, "%.*s,\"detail\":%s}", (int)(l - 1), ds, detail_json);
        free(ds);
        ds = ubur_strdup(joined);
    }
    snprintf(act, sizeof(act), "visa.%s", action);
    int rc = ubur_audit(ctx, act, visa_id ? "visa" : "visa_application",
                        visa_id ? visa_id : application_id, ds, err);
    free(ds);
    return rc;
}

/* ---- small readers ---- */

static bool
str_ok(json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) <= max &&
           ubur_utf8_valid(json_string_value(v), json_string_length(v));
}

/* An optional string field: NULL when absent or null; UBUR_EINVAL when not a string <= max. */
static int
opt_str(json_t *req, const char *key, size_t max, const char **out, struct ubur_error *err)
{
    json_t *v = json_object_get(req, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!str_ok(v, max))
        return ubur_error_field(err, UBUR_EINVAL, key, "must be text of at most %zu bytes", max);
    *out = json_string_value(v);
    if (!**out)
        *out = NULL;
    return 0;
}

static int
app_exists(struct ubur_store *store, const char *id, char **state, char **purpose,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(store, "SELECT state, purpose FROM visa_application WHERE id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        if (state)
            *state = ubur_strdup(ubur_stmt_text(st, 0));
        if (purpose)
            *purpose = ubur_strdup(ubur_stmt_text(st, 1));
    }
    ubur_stmt_done(st);
    if (rc == 0)
        return UBUR_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

/* Resolves an application id or number to its id (arena copy). */
static int
resolve_app(struct ubur_ctx *ctx, const char *id_or_number, const char **id, struct ubur_error *err)
{
    char *v = NULL;
    int rc = ubur_store_query_text(ctx->store, err, &v,
                                   "SELECT id FROM visa_application WHERE id = ? OR number = ?",
                                   "tt", id_or_number, id_or_number);
    if (rc == UBUR_ENOTFOUND)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa application '%s'",
                                id_or_number ? id_or_number : "");
    if (rc)
        return rc;
    *id = ubur_arena_strdup(&ctx->arena, v);
    free(v);
    return 0;
}

/* ---- submission ---- */

struct app_doc {
    const char *kind, *reference, *description;
};

struct app_input {
    struct ubur_mrz mrz;
    char birth_date[UBUR_DATE_LEN + 1]; /* "" when unknown or partial */
    char expiry_date[UBUR_DATE_LEN + 1];
    char mrz_text[140];
    struct ubur_visa_rules rules;
    int64_t entry_day;
    int days, entries;
    bool urgent;
    const char *name_ar, *hospital, *patient_id, *group_ref, *person_id;
    struct app_doc docs[MAX_DOCUMENTS];
    const char *doc_kinds[MAX_DOCUMENTS];
    size_t ndocs;
    const char *family[MAX_LINKS];
    size_t nfamily;
    const char *previous[MAX_LINKS];
    size_t nprevious;
    /* Screening: matched before the write transaction, recorded inside it. */
    char id[UBUR_UUID_LEN + 1];
    char latin[2 * UBUR_MRZ_NAME_MAX + 2], sex[2];
    struct ubur_screen_query sq[2];
    struct ubur_screen_result sr[2];
    int nscreen;
    char screen_error[256]; /* "" unless the matching failed */
};

static const char *const apply_keys[] = {
    "passport_mrz",
    "purpose",
    "entry_date",
    "days",
    "entries",
    "name_ar",
    "urgent",
    "hospital",
    "patient_application_id",
    "documents",
    "family",
    "group_ref",
    "previous_application_ids",
    "person_id",
};

static int
read_id_array(struct ubur_ctx *ctx, json_t *req, const char *key, const char **out, size_t *n,
              struct ubur_error *err)
{
    json_t *v = json_object_get(req, key), *item;
    size_t i;
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > MAX_LINKS)
        return ubur_error_field(err, UBUR_EINVAL, key,
                                "must be an array of at most %d application ids", MAX_LINKS);
    json_array_foreach(v, i, item)
    {
        char f[48];
        snprintf(f, sizeof(f), "%s[%zu]", key, i);
        if (!str_ok(item, 64))
            return ubur_error_field(err, UBUR_EINVAL, f, "must be an application id");
        const char *id;
        int rc = resolve_app(ctx, json_string_value(item), &id, err);
        if (rc == UBUR_ENOTFOUND)
            return ubur_error_field(err, UBUR_EINVAL, f, "no visa application '%s'",
                                    json_string_value(item));
        if (rc)
            return rc;
        out[(*n)++] = id;
    }
    return 0;
}

static int
read_documents(json_t *req, struct app_input *in, struct ubur_error *err)
{
    json_t *v = json_object_get(req, "documents"), *d;
    size_t i;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > MAX_DOCUMENTS)
        return ubur_error_field(err, UBUR_EINVAL, "documents",
                                "must be an array of at most %d documents", MAX_DOCUMENTS);
    json_array_foreach(v, i, d)
    {
        char f[48];
        snprintf(f, sizeof(f), "documents[%zu]", i);
        if (!json_is_object(d))
            return ubur_error_field(err, UBUR_EINVAL, f, "must be {kind, reference}");
        const char *key;
        json_t *x;
        json_object_foreach(d, key, x)
        {
            if (strcmp(key, "kind") && strcmp(key, "reference") && strcmp(key, "description")) {
                snprintf(f, sizeof(f), "documents[%zu].%.20s", i, key);
                return ubur_error_field(err, UBUR_EINVAL, f, "unknown field");
            }
        }
        json_t *k = json_object_get(d, "kind"), *r = json_object_get(d, "reference"),
               *ds = json_object_get(d, "description");
        if (!str_ok(k, 32) || !ubur_visa_document_kind_known(json_string_value(k))) {
            snprintf(f, sizeof(f), "documents[%zu].kind", i);
            return ubur_error_field(err, UBUR_EINVAL, f,
                                    "'%s' is not a document kind (medical_letter, "
                                    "hospital_letter, invitation, delegation_letter, ...)",
                                    str_ok(k, 32) ? json_string_value(k) : "");
        }
        if (!str_ok(r, TEXT_MAX) || !json_string_length(r)) {
            snprintf(f, sizeof(f), "documents[%zu].reference", i);
            return ubur_error_field(err, UBUR_EINVAL, f, "must be 1 to %d bytes of text", TEXT_MAX);
        }
        if (ds && !json_is_null(ds) && !str_ok(ds, 500)) {
            snprintf(f, sizeof(f), "documents[%zu].description", i);
            return ubur_error_field(err, UBUR_EINVAL, f, "must be at most 500 bytes of text");
        }
        in->docs[in->ndocs].kind = json_string_value(k);
        in->docs[in->ndocs].reference = json_string_value(r);
        in->docs[in->ndocs].description = json_string_value(ds);
        in->doc_kinds[in->ndocs] = json_string_value(k);
        in->ndocs++;
    }
    return 0;
}

/* Validates a whole submission into `in`; writes nothing. */
static int
read_application(struct ubur_ctx *ctx, json_t *req, struct app_input *in, struct ubur_error *err)
{
    const char *key;
    json_t *v;
    int rc;

    if (!json_is_object(req))
        return ubur_error_set(err, UBUR_EINVAL, "the application must be a JSON object");
    json_object_foreach(req, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(apply_keys) / sizeof(apply_keys[0]); i++)
            known |= !strcmp(key, apply_keys[i]);
        if (!known)
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field");
    }

    /* The passport. */
    v = json_object_get(req, "passport_mrz");
    if (!v || !json_is_string(v) || !json_string_length(v))
        return ubur_error_field(err, UBUR_EINVAL, "passport_mrz", "is required");
    if (json_string_length(v) > UBUR_MRZ_INPUT_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "passport_mrz", "is longer than %d bytes",
                                UBUR_MRZ_INPUT_MAX);
    struct ubur_mrz_opts mo = UBUR_MRZ_OPTS_INIT;
    mo.lenient = true;
    struct ubur_error merr = UBUR_ERROR_INIT;
    if (ubur_mrz_parse(json_string_value(v), json_string_length(v), &mo, &in->mrz, &merr))
        return ubur_error_field(err, UBUR_EINVAL, "passport_mrz", "%s%s%s",
                                merr.field[0] ? merr.field : "", merr.field[0] ? ": " : "",
                                merr.message);
    if (in->mrz.format == UBUR_MRZ_MRVA || in->mrz.format == UBUR_MRZ_MRVB)
        return ubur_error_field(err, UBUR_EINVAL, "passport_mrz",
                                "is the MRZ of a visa, not of a travel document");
    if (!in->mrz.document_number[0] || !in->mrz.nationality[0] || !in->mrz.surname[0])
        return ubur_error_field(err, UBUR_EINVAL, "passport_mrz",
                                "lacks a document number, nationality or surname");
    ubur_mrz_date_iso(&in->mrz.birth_date, in->birth_date);
    ubur_mrz_date_iso(&in->mrz.expiry_date, in->expiry_date);
    size_t off = 0;
    for (int i = 0; i < in->mrz.nlines; i++)
        off += (size_t)snprintf(in->mrz_text + off, sizeof(in->mrz_text) - off, "%s%s",
                                i ? "\n" : "", in->mrz.lines[i]);

    /* What is asked. */
    v = json_object_get(req, "purpose");
    if (!str_ok(v, UBUR_VISA_PURPOSE_MAX) || !json_string_length(v))
        return ubur_error_field(err, UBUR_EINVAL, "purpose", "is required");
    rc = ubur_visa_rules_load(ctx->store, json_string_value(v), &in->rules, err);
    if (rc == UBUR_ENOTFOUND)
        return ubur_error_field(err, UBUR_EINVAL, "purpose", "no visa purpose '%s'",
                                json_string_value(v));
    if (rc)
        return rc;
    v = json_object_get(req, "entry_date");
    if (!str_ok(v, 32))
        return ubur_error_field(err, UBUR_EINVAL, "entry_date", "is required (YYYY-MM-DD)");
    if (ubur_date_parse(json_string_value(v), &in->entry_day, NULL))
        return ubur_error_field(err, UBUR_EINVAL, "entry_date", "'%s' is not a date (YYYY-MM-DD)",
                                json_string_value(v));
    v = json_object_get(req, "days");
    if (!json_is_integer(v))
        return ubur_error_field(err, UBUR_EINVAL, "days", "is required (a number of days)");
    if (json_integer_value(v) < 1 || json_integer_value(v) > 3650)
        return ubur_error_field(err, UBUR_EINVAL, "days", "%lld is not within 1..3650",
                                (long long)json_integer_value(v));
    in->days = (int)json_integer_value(v);
    in->entries = 1;
    if ((v = json_object_get(req, "entries")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 99)
            return ubur_error_field(err, UBUR_EINVAL, "entries", "must be 0 (multiple) to 99");
        in->entries = (int)json_integer_value(v);
    }
    if ((v = json_object_get(req, "urgent")) && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return ubur_error_field(err, UBUR_EINVAL, "urgent", "must be true or false");
        in->urgent = json_is_true(v);
    }
    if ((rc = opt_str(req, "name_ar", TEXT_MAX, &in->name_ar, err)) ||
        (rc = opt_str(req, "hospital", TEXT_MAX, &in->hospital, err)) ||
        (rc = opt_str(req, "group_ref", 64, &in->group_ref, err)) ||
        (rc = opt_str(req, "patient_application_id", 64, &in->patient_id, err)) ||
        (rc = opt_str(req, "person_id", 64, &in->person_id, err)))
        return rc;
    if ((rc = read_documents(req, in, err)))
        return rc;
    if ((rc = read_id_array(ctx, req, "family", in->family, &in->nfamily, err)) ||
        (rc = read_id_array(ctx, req, "previous_application_ids", in->previous, &in->nprevious,
                            err)))
        return rc;
    if (in->person_id) {
        int64_t n = 0;
        if ((rc = ubur_store_query_int(ctx->store, err, &n,
                                       "SELECT COUNT(*) FROM visa_person WHERE id = ?", "t",
                                       in->person_id)))
            return rc;
        if (!n)
            return ubur_error_field(err, UBUR_EINVAL, "person_id", "no applicant '%s'",
                                    in->person_id);
    }

    /* An escort's patient. */
    if (in->patient_id) {
        char *pstate = NULL, *ppurpose = NULL;
        const char *pid;
        rc = resolve_app(ctx, in->patient_id, &pid, err);
        if (rc == UBUR_ENOTFOUND)
            return ubur_error_field(err, UBUR_EINVAL, "patient_application_id",
                                    "no visa application '%s'", in->patient_id);
        if (rc)
            return rc;
        in->patient_id = pid;
        if ((rc = app_exists(ctx->store, pid, &pstate, &ppurpose, err)))
            return rc;
        struct ubur_visa_rules pr;
        rc = ubur_visa_rules_load(ctx->store, ppurpose, &pr, err);
        enum ubur_visa_state ps = ubur_visa_state_parse(pstate);
        free(pstate);
        free(ppurpose);
        if (rc)
            return rc;
        if (!pr.needs_hospital)
            return ubur_error_field(err, UBUR_EINVAL, "patient_application_id",
                                    "application '%s' is not for medical treatment", pid);
        if (ubur_visa_state_closed(ps) || ps == UBUR_VISA_ANNULLED || ps == UBUR_VISA_REVOKED)
            return ubur_error_field(err, UBUR_ECONFLICT, "patient_application_id",
                                    "the patient's application is %s", ubur_visa_state_name(ps));
        int64_t escorts = 0;
        if ((rc = ubur_store_query_int(
                 ctx->store, err, &escorts,
                 "SELECT COUNT(*) FROM visa_application WHERE patient_application_id = ?"
                 " AND state NOT IN ('refused', 'withdrawn', 'discontinued', 'annulled',"
                 " 'revoked')",
                 "t", pid)))
            return rc;
        if (escorts >= pr.max_escorts)
            return ubur_error_field(err, UBUR_ECONFLICT, "patient_application_id",
                                    "the patient already has %lld escort%s (the most purpose "
                                    "'%s' allows)",
                                    (long long)escorts, escorts == 1 ? "" : "s", pr.code);
    }

    struct ubur_visa_request q = {
        .nationality = in->mrz.nationality,
        .today = ubur_visa_today(),
        .entry_day = in->entry_day,
        .stay_days = in->days,
        .entries = in->entries,
        .hospital = in->hospital,
        .has_patient = in->patient_id != NULL,
        .documents = in->doc_kinds,
        .ndocuments = in->ndocs,
    };
    return ubur_visa_rules_check(&in->rules, &q, err);
}

/* Finds the applicant: by passport on an earlier application, else by identity. */
static int
find_person(struct ubur_ctx *ctx, const struct app_input *in, char **person_id,
            struct ubur_error *err)
{
    if (in->person_id) {
        *person_id = ubur_strdup(in->person_id);
        return 0;
    }
    int rc = ubur_store_query_text(ctx->store, err, person_id,
                                   "SELECT person_id FROM visa_application"
                                   " WHERE nationality = ? AND passport_number = ?"
                                   " ORDER BY submitted_at DESC LIMIT 1",
                                   "tt", in->mrz.nationality, in->mrz.document_number);
    if (rc != UBUR_ENOTFOUND)
        return rc;
    if (!in->birth_date[0])
        return UBUR_ENOTFOUND;
    return ubur_store_query_text(ctx->store, err, person_id,
                                 "SELECT id FROM visa_person WHERE nationality = ?"
                                 " AND birth_date = ? AND surname = ? AND given_names = ?"
                                 " ORDER BY created_at LIMIT 1",
                                 "tttt", in->mrz.nationality, in->birth_date, in->mrz.surname,
                                 in->mrz.given_names);
}

/* Earlier refusals, overstays and cleanly used visas of a person. */
static int
person_history(struct ubur_ctx *ctx, const char *person_id, struct ubur_visa_risk_input *ri,
               struct ubur_error *err)
{
    int64_t n = 0;
    int rc;
    if (!person_id)
        return 0;
    if ((rc = ubur_store_query_int(ctx->store, err, &n,
                                   "SELECT COUNT(*) FROM visa_application"
                                   " WHERE person_id = ? AND state = 'refused'",
                                   "t", person_id)))
        return rc;
    ri->earlier_refusals = (int)n;
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT valid_until, stay_days, days_used, in_country_since,"
                                 " entries_used FROM visa WHERE person_id = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, person_id);
    int64_t today = ubur_visa_today();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t until, since;
        int stay = (int)ubur_stmt_int(st, 1), used = (int)ubur_stmt_int(st, 2);
        bool over = used > stay;
        if (ubur_stmt_text(st, 3) && !ubur_time_parse(ubur_stmt_text(st, 3), &since, NULL)) {
            int64_t d = since / 86400;
            if (used + (today - d + 1) > stay)
                over = true;
            if (!ubur_date_parse(ubur_stmt_text(st, 0), &until, NULL) && today > until)
                over = true;
        }
        if (over)
            ri->overstays++;
        else if (ubur_stmt_int(st, 4) > 0)
            ri->earlier_visas++;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/*
 * Watchlist matching through the screening service, before the write
 * transaction (it writes nothing, so two threads screen in parallel): the
 * Arabic name when given, and the passport's Latin name.
 */
static void
screen_match(struct ubur_ctx *ctx, struct app_input *in)
{
    struct ubur_error serr = UBUR_ERROR_INIT;
    snprintf(in->latin, sizeof(in->latin), "%s %s", in->mrz.given_names, in->mrz.surname);
    in->sex[0] = in->mrz.sex;
    in->sex[1] = '\0';
    struct ubur_screen_query q = {
        .name = in->latin,
        .dob = in->birth_date[0] ? in->birth_date : NULL,
        .nationality = in->mrz.nationality,
        .sex = in->mrz.sex == 'M' || in->mrz.sex == 'F' ? in->sex : NULL,
        .context = "visa",
        .subject_ref = in->id,
    };
    in->nscreen = 0;
    in->sq[in->nscreen++] = q;
    if (in->name_ar) {
        q.name = in->name_ar;
        in->sq[in->nscreen++] = q;
    }
    for (int i = 0; i < in->nscreen; i++) {
        if (ubur_screen_match(ctx, &in->sq[i], &in->sr[i], &serr)) {
            snprintf(in->screen_error, sizeof(in->screen_error), "%s",
                     serr.message[0] ? serr.message : "screening failed");
            return;
        }
    }
}

/* Records the screenings in the open transaction and turns them into risk facts. */
static int
screen_record(struct ubur_ctx *ctx, struct app_input *in, struct ubur_visa_risk_input *ri,
              json_t *summary, struct ubur_error *err)
{
    if (in->screen_error[0]) {
        ri->screening_unavailable = true;
        json_object_set_new(summary, "screening_error", json_string(in->screen_error));
        return 0;
    }
    int worst = 0, rc;
    for (int i = 0; i < in->nscreen; i++) {
        if ((rc = ubur_screen_record(ctx, &in->sq[i], &in->sr[i], err)))
            return rc;
        if (in->sr[i].alerts > in->sr[worst].alerts)
            worst = i;
    }
    const struct ubur_screen_result *r = &in->sr[worst];
    ri->watchlist_hits = r->alerts;
    ri->watchlist_best = r->nhits ? r->hits[0].score : 0.0;
    json_object_set_new(summary, "screening_id", json_string(r->screening_id));
    json_t *hits = json_array();
    for (int i = 0; i < r->nhits; i++)
        json_array_append_new(hits, json_pack("{s:s, s:s?, s:s?, s:f, s:b, s:s?}", "entry_id",
                                              r->hits[i].entry_id, "list", r->hits[i].list, "name",
                                              r->hits[i].name, "score", r->hits[i].score,
                                              "dismissed", r->hits[i].dismissed, "case_id",
                                              r->hits[i].case_id[0] ? r->hits[i].case_id : NULL));
    json_object_set_new(summary, "watchlist_hits", hits);
    return 0;
}

static json_t *
risk_json(const struct ubur_visa_risk *k, json_t *summary)
{
    json_t *reasons = json_array();
    for (int i = 0; i < k->nreasons; i++)
        json_array_append_new(reasons,
                              json_pack("{s:s, s:i, s:s}", "code", k->reasons[i].code, "points",
                                        k->reasons[i].points, "message", k->reasons[i].message));
    json_object_set_new(summary, "score", json_integer(k->score));
    json_object_set_new(summary, "level", json_string(ubur_visa_risk_level_name(k->level)));
    json_object_set_new(summary, "blocking", json_boolean(k->blocking));
    json_object_set_new(summary, "reasons", reasons);
    return summary;
}

static int
insert_link(struct ubur_ctx *ctx, const char *app, const char *linked, const char *relation,
            const char *detail, struct ubur_error *err)
{
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO visa_application_link (application_id, linked_id,"
                               " relation, detail) VALUES (?, ?, ?, ?)"
                               " ON CONFLICT (application_id, linked_id, relation) DO NOTHING",
                               "tttt", app, linked, relation, detail);
    return n < 0 ? (int)n : 0;
}

/*
 * One submission inside the caller's open transaction: the applicant's
 * person record, screening (which writes its record in the same
 * transaction), the application with its documents and links, the
 * submission event and, where the rules allow, the automatic approval.
 * `group_ref` (may be NULL) overrides the input's. The new id goes to id[].
 */
static int
apply_in_tx(struct ubur_ctx *ctx, struct app_input *in, const char *group_ref,
            char id[UBUR_UUID_LEN + 1], bool *approved, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1], number[40];
    char *person_id = NULL, *screening = NULL;
    json_t *summary = NULL;
    int rc;

    rc = find_person(ctx, in, &person_id, err);
    if (rc && rc != UBUR_ENOTFOUND)
        return rc;
    ubur_error_clear(err);

    /* Screening: watchlists (matched before the transaction), history, passport validity. */
    memcpy(id, in->id, UBUR_UUID_LEN + 1);
    struct ubur_visa_risk_input ri = {
        .passport_expiry = INT64_MIN,
        .stay_end = in->entry_day + in->days - 1,
        .passport_margin_days = in->rules.passport_margin_days,
        .mrz_valid = in->mrz.ncorrected == 0 && in->mrz.nwarnings == 0,
    };
    int64_t exp;
    if (in->expiry_date[0] && !ubur_date_parse(in->expiry_date, &exp, NULL))
        ri.passport_expiry = exp;
    if ((rc = person_history(ctx, person_id, &ri, err)))
        goto out;
    summary = json_object();
    if ((rc = screen_record(ctx, in, &ri, summary, err)))
        goto out;
    json_object_set_new(summary, "earlier_refusals", json_integer(ri.earlier_refusals));
    json_object_set_new(summary, "overstays", json_integer(ri.overstays));
    json_object_set_new(summary, "earlier_visas", json_integer(ri.earlier_visas));
    json_object_set_new(summary, "passport_valid_through_stay",
                        json_boolean(ri.passport_expiry != INT64_MIN &&
                                     ri.passport_expiry >= ri.stay_end + ri.passport_margin_days));
    struct ubur_visa_risk risk;
    ubur_visa_risk_assess(&ri, &risk);
    risk_json(&risk, summary);
    screening = json_dumps(summary, JSON_COMPACT);

    ubur_time_format(ubur_now(), now);
    if (!person_id) {
        char pid[UBUR_UUID_LEN + 1], sex[2] = {in->mrz.sex ? in->mrz.sex : 'X', '\0'};
        ubur_uuid7(pid);
        int64_t n = ubur_store_run(ctx->store, err,
                                   "INSERT INTO visa_person (id, surname, given_names, name_ar,"
                                   " sex, birth_date, nationality, created_at, updated_at)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   "ttttttttt", pid, in->mrz.surname, in->mrz.given_names,
                                   in->name_ar, sex, in->birth_date[0] ? in->birth_date : NULL,
                                   in->mrz.nationality, now, now);
        if (n < 0) {
            rc = (int)n;
            goto out;
        }
        person_id = ubur_strdup(pid);
    } else if (in->name_ar) {
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE visa_person SET name_ar = ?, updated_at = ?"
                                   " WHERE id = ?",
                                   "ttt", in->name_ar, now, person_id);
        if (n < 0) {
            rc = (int)n;
            goto out;
        }
    }
    int64_t seq;
    char scope[32], year[5];
    memcpy(year, now, 4);
    year[4] = '\0';
    snprintf(scope, sizeof(scope), "application:%s", year);
    if ((rc = ubur_visa_counter_next(ctx->store, scope, &seq, err)))
        goto out;
    snprintf(number, sizeof(number), "%s-VA-%s-%06lld", ctx->state ? ctx->state : "XXX", year,
             (long long)seq);
    char entry[UBUR_DATE_LEN + 1];
    ubur_date_format(in->entry_day, entry);
    int priority = ubur_visa_priority(&in->rules, in->urgent);
    int64_t n =
        ubur_store_queue(/* the application, its documents and approval: queued */
                         ctx->store, err,
                         "INSERT INTO visa_application (id, number, person_id, passport_mrz, "
                         "passport_number,"
                         " passport_state, nationality, passport_expiry, purpose, entry_date, "
                         "stay_days, entries,"
                         " state, urgent, priority, hospital, patient_application_id, group_ref, "
                         "fee_minor,"
                         " currency, risk_score, risk_level, screening, submitted_by, "
                         "submitted_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, "
                         "?, ?, ?, ?, ?,"
                         " ?, ?, ?)",
                         "tttttttttt"
                         "ii"
                         "ii"
                         "ttt"
                         "it"
                         "it"
                         "t"
                         "ttt",
                         id, number, person_id, in->mrz_text, in->mrz.document_number,
                         in->mrz.issuing_state, in->mrz.nationality,
                         in->expiry_date[0] ? in->expiry_date : NULL, in->rules.code, entry,
                         (int64_t)in->days, (int64_t)in->entries, (int64_t)in->urgent,
                         (int64_t)priority, in->hospital, in->patient_id,
                         group_ref ? group_ref : in->group_ref, in->rules.fee_minor,
                         in->rules.currency, (int64_t)risk.score,
                         ubur_visa_risk_level_name(risk.level), screening, ctx->username, now, now);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    for (size_t i = 0; i < in->ndocs; i++) {
        char did[UBUR_UUID_LEN + 1];
        ubur_uuid7(did);
        n = ubur_store_queue(ctx->store, err,
                             "INSERT INTO visa_application_document (id, application_id, kind,"
                             " reference, description, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                             "tttttt", did, id, in->docs[i].kind, in->docs[i].reference,
                             in->docs[i].description, now);
        if (n < 0) {
            rc = (int)n;
            goto out;
        }
    }
    for (size_t i = 0; i < in->nfamily; i++)
        if ((rc = insert_link(ctx, id, in->family[i], "family", NULL, err)))
            goto out;
    for (size_t i = 0; i < in->nprevious; i++)
        if ((rc = insert_link(ctx, id, in->previous[i], "previous", NULL, err)))
            goto out;
    /* Link the applicant's earlier applications too (the most recent ones). */
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id FROM visa_application WHERE person_id = ? AND id <> ?"
                                 " ORDER BY submitted_at DESC LIMIT 20",
                                 &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, person_id);
    ubur_stmt_bind_text(st, 2, id);
    const char *earlier[20];
    int nearlier = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1 && nearlier < 20)
        earlier[nearlier++] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    rc = 0;
    for (int i = 0; i < nearlier; i++)
        if ((rc = insert_link(ctx, id, earlier[i], "previous", "same applicant", err)))
            goto out;
    if (in->patient_id && (rc = insert_link(ctx, id, in->patient_id, "patient", NULL, err)))
        goto out;

    char detail[200];
    snprintf(detail, sizeof(detail),
             "{\"number\":\"%s\",\"purpose\":\"%s\",\"risk_score\":%d,\"risk_level\":\"%s\"}",
             number, in->rules.code, risk.score, ubur_visa_risk_level_name(risk.level));
    if ((rc =
             ubur_visa_event(ctx, id, NULL, "submit", NULL, "submitted", NULL, false, detail, err)))
        goto out;

    /* Automatic approval where the rules allow. */
    bool patient_ok = false;
    if (in->patient_id) {
        char *ps = NULL;
        if ((rc = app_exists(ctx->store, in->patient_id, &ps, NULL, err)))
            goto out;
        enum ubur_visa_state s = ubur_visa_state_parse(ps);
        free(ps);
        patient_ok = s == UBUR_VISA_APPROVED || ubur_visa_state_in_force(s);
    }
    *approved = false;
    if (ubur_visa_may_auto_approve(&in->rules, &risk, patient_ok)) {
        if ((rc = ubur_visa_transition(UBUR_VISA_SUBMITTED, UBUR_VISA_APPROVE,
                                       UBUR_VISA_ROLE_SYSTEM, NULL, err)))
            goto out;
        n = ubur_store_queue(ctx->store, err,
                             "UPDATE visa_application SET state = 'approved', auto_decided = 1,"
                             " decided_by = 'system', decided_at = ?, updated_at = ? WHERE id = ?",
                             "ttt", now, now, id);
        if (n < 0) {
            rc = (int)n;
            goto out;
        }
        if ((rc = ubur_visa_event(ctx, id, NULL, "approve", "submitted", "approved",
                                  "low risk; the purpose's rules allow automatic approval", true,
                                  NULL, err)))
            goto out;
        *approved = true;
    }
out:
    free(person_id);
    free(screening);
    json_decref(summary);
    return rc;
}

static bool
may_apply(struct ubur_ctx *ctx, struct ubur_error *err)
{
    if (ctx->role & (UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN))
        return true;
    ubur_error_field(err, UBUR_EPERM, "role", "role %s may not take applications",
                     ubur_role_name(ctx->role));
    return false;
}

int
ubur_visa_apply(struct ubur_ctx *ctx, json_t *req, json_t **out, struct ubur_error *err)
{
    struct app_input *in = ubur_arena_alloc(&ctx->arena, sizeof(*in));
    char id[UBUR_UUID_LEN + 1];
    bool approved;
    int rc;

    memset(in, 0, sizeof(*in));
    if (!may_apply(ctx, err))
        return err ? err->code : UBUR_EPERM;
    if ((rc = read_application(ctx, req, in, err)))
        return rc;
    ubur_uuid7(in->id);
    screen_match(ctx, in);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = apply_in_tx(ctx, in, NULL, id, &approved, err)) ||
        (rc = ubur_store_commit(ctx->store, err))) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_visa_application_get(ctx, id, out, err);
}

int
ubur_visa_apply_group(struct ubur_ctx *ctx, json_t *req, json_t **out, struct ubur_error *err)
{
    const char *key, *group_ref;
    json_t *v, *apps;
    int rc;

    if (!may_apply(ctx, err))
        return err ? err->code : UBUR_EPERM;
    if (!json_is_object(req))
        return ubur_error_set(err, UBUR_EINVAL, "the group must be a JSON object");
    json_object_foreach(req, key, v)
    {
        if (strcmp(key, "group_ref") && strcmp(key, "applications"))
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field");
    }
    v = json_object_get(req, "group_ref");
    if (!str_ok(v, 64) || !json_string_length(v))
        return ubur_error_field(err, UBUR_EINVAL, "group_ref",
                                "is required (1 to 64 bytes naming the group)");
    group_ref = json_string_value(v);
    apps = json_object_get(req, "applications");
    size_t n = json_array_size(apps);
    if (!json_is_array(apps) || n < 1 || n > UBUR_VISA_GROUP_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "applications",
                                "must be an array of 1 to %d applications", UBUR_VISA_GROUP_MAX);

    /* Validate every member before writing anything: all or nothing. */
    struct app_input *in = ubur_arena_alloc(&ctx->arena, sizeof(*in) * n);
    memset(in, 0, sizeof(*in) * n);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(apps, i);
        if (json_is_object(a) && json_object_get(a, "group_ref")) {
            char f[48];
            snprintf(f, sizeof(f), "applications[%zu].group_ref", i);
            return ubur_error_field(err, UBUR_EINVAL, f, "is the group's, set once");
        }
        if ((rc = read_application(ctx, a, &in[i], err))) {
            if (err) {
                char f[sizeof(err->field)];
                snprintf(f, sizeof(f), "applications[%zu]%s%s", i, err->field[0] ? "." : "",
                         err->field);
                memcpy(err->field, f, sizeof(f));
            }
            return rc;
        }
        ubur_uuid7(in[i].id);
        screen_match(ctx, &in[i]);
    }
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    json_t *ids = json_array();
    int auto_ok = 0;
    for (size_t i = 0; i < n; i++) {
        char id[UBUR_UUID_LEN + 1];
        bool approved = false;
        if ((rc = apply_in_tx(ctx, &in[i], group_ref, id, &approved, err))) {
            json_decref(ids);
            ubur_store_rollback(ctx->store);
            return rc;
        }
        auto_ok += approved;
        json_array_append_new(ids, json_string(id));
    }
    if ((rc = ubur_store_commit(ctx->store, err))) {
        json_decref(ids);
        ubur_store_rollback(ctx->store);
        return rc;
    }
    struct ubur_visa_filter f = UBUR_VISA_FILTER_INIT;
    json_t *list = NULL;
    f.group_ref = group_ref;
    f.limit = UBUR_VISA_GROUP_MAX * 4;
    rc = ubur_visa_application_list(ctx, &f, &list, err);
    if (rc) {
        json_decref(ids);
        return rc;
    }
    *out = json_pack("{s:s, s:i, s:i, s:o, s:o}", "group_ref", group_ref, "submitted", (int)n,
                     "approved_automatically", auto_ok, "ids", ids, "applications", list);
    return 0;
}

/* ---- reading ---- */

json_t *
ubur_visa_lines_json(const char *text)
{
    json_t *a = json_array();
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        if (!e)
            break;
        p = e + 1;
    }
    return a;
}

#define APP_COLUMNS                                                                                \
    "a.id, a.number, a.state, a.purpose, a.urgent, a.priority, a.entry_date, a.stay_days,"         \
    " a.entries, a.hospital, a.group_ref, a.patient_application_id, a.passport_mrz,"               \
    " a.passport_number, a.passport_state, a.nationality, a.passport_expiry, a.fee_minor,"         \
    " a.currency, a.risk_score, a.risk_level, a.screening, a.auto_decided,"                        \
    " a.refusal_reason, a.decision_note, a.decided_by, a.decided_at, a.submitted_by,"              \
    " a.submitted_at, a.updated_at, p.id, p.surname, p.given_names, p.name_ar, p.sex,"             \
    " p.birth_date, p.nationality"

static json_t *
app_summary_json(struct ubur_stmt *st)
{
    const char *refusal = ubur_stmt_text(st, 23);
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:s, s:i, s:i, s:s?, s:s?, s:s?, s:s,"
                     " s:s, s:s, s:o?, s:s?, s:s?, s:s, s:s}",
                     "id", ubur_stmt_text(st, 0), "number", ubur_stmt_text(st, 1), "state",
                     ubur_stmt_text(st, 2), "purpose", ubur_stmt_text(st, 3), "urgent",
                     (int)ubur_stmt_int(st, 4), "priority", (int)ubur_stmt_int(st, 5), "entry_date",
                     ubur_stmt_text(st, 6), "days", (int)ubur_stmt_int(st, 7), "entries",
                     (int)ubur_stmt_int(st, 8), "hospital", ubur_stmt_text(st, 9), "group_ref",
                     ubur_stmt_text(st, 10), "patient_application_id", ubur_stmt_text(st, 11),
                     "surname", ubur_stmt_text(st, 31), "given_names", ubur_stmt_text(st, 32),
                     "nationality", ubur_stmt_text(st, 15), "risk_score",
                     ubur_stmt_is_null(st, 19) ? NULL : json_integer(ubur_stmt_int(st, 19)),
                     "risk_level", ubur_stmt_text(st, 20), "refusal_reason", refusal,
                     "submitted_at", ubur_stmt_text(st, 28), "updated_at", ubur_stmt_text(st, 29));
}

static json_t *
app_full_json(struct ubur_stmt *st)
{
    json_t *o = app_summary_json(st);
    char fee[32];
    ubur_visa_fee_format(ubur_stmt_int(st, 17), fee);
    const char *refusal = ubur_stmt_text(st, 23);
    json_t *risk = NULL;
    if (ubur_stmt_text(st, 21))
        risk = json_loads(ubur_stmt_text(st, 21), 0, NULL);
    json_object_set_new(
        o, "applicant",
        json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s}", "person_id", ubur_stmt_text(st, 30),
                  "surname", ubur_stmt_text(st, 31), "given_names", ubur_stmt_text(st, 32),
                  "name_ar", ubur_stmt_text(st, 33), "sex", ubur_stmt_text(st, 34), "birth_date",
                  ubur_stmt_text(st, 35), "nationality", ubur_stmt_text(st, 36)));
    json_object_set_new(o, "passport",
                        json_pack("{s:s, s:s, s:s, s:s?, s:o}", "number", ubur_stmt_text(st, 13),
                                  "issuing_state", ubur_stmt_text(st, 14), "nationality",
                                  ubur_stmt_text(st, 15), "expiry_date", ubur_stmt_text(st, 16),
                                  "mrz", ubur_visa_lines_json(ubur_stmt_text(st, 12))));
    json_object_set_new(o, "fee",
                        json_pack("{s:s, s:s}", "amount", fee, "currency", ubur_stmt_text(st, 18)));
    json_object_set_new(o, "risk", risk ? risk : json_null());
    json_object_set_new(o, "auto_decided", json_boolean(ubur_stmt_int(st, 22) != 0));
    json_object_set_new(o, "refusal_text",
                        refusal ? json_string(ubur_visa_refusal_text(refusal)
                                                  ? ubur_visa_refusal_text(refusal)
                                                  : refusal)
                                : json_null());
    json_object_set_new(o, "decision_note",
                        ubur_stmt_text(st, 24) ? json_string(ubur_stmt_text(st, 24)) : json_null());
    json_object_set_new(o, "decided_by",
                        ubur_stmt_text(st, 25) ? json_string(ubur_stmt_text(st, 25)) : json_null());
    json_object_set_new(o, "decided_at",
                        ubur_stmt_text(st, 26) ? json_string(ubur_stmt_text(st, 26)) : json_null());
    json_object_set_new(o, "submitted_by",
                        ubur_stmt_text(st, 27) ? json_string(ubur_stmt_text(st, 27)) : json_null());
    return o;
}

/* Appends rows of a one-shot query as objects built by fn. */
static int
attach_documents(struct ubur_ctx *ctx, const char *id, json_t *o, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT kind, reference, description, added_at"
                                " FROM visa_application_document WHERE application_id = ?"
                                " ORDER BY added_at, id",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    json_t *a = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:s?, s:s}", "kind", ubur_stmt_text(st, 0),
                                        "reference", ubur_stmt_text(st, 1), "description",
                                        ubur_stmt_text(st, 2), "added_at", ubur_stmt_text(st, 3)));
    ubur_stmt_done(st);
    json_object_set_new(o, "documents", a);
    return rc < 0 ? rc : 0;
}

static int
attach_links(struct ubur_ctx *ctx, const char *id, const char *group_ref, json_t *o,
             struct ubur_error *err)
{
    struct ubur_stmt *st;
    /* Links both ways: what this application names, and what names it. */
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT l.linked_id, l.relation, l.detail, a.number, a.state, 0 FROM visa_application_link "
        "l"
        " JOIN visa_application a ON a.id = l.linked_id WHERE l.application_id = ?"
        " UNION ALL SELECT l.application_id, l.relation, l.detail, a.number, a.state, 1"
        " FROM visa_application_link l JOIN visa_application a ON a.id = l.application_id"
        " WHERE l.linked_id = ? ORDER BY 6, 4",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    ubur_stmt_bind_text(st, 2, id);
    json_t *links = json_array(), *escorts = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        const char *rel = ubur_stmt_text(st, 1);
        bool inverse = ubur_stmt_int(st, 5) != 0;
        /* Seen from the other side: a patient's escorts, later applications. */
        const char *shown = !inverse                   ? rel
                            : !strcmp(rel, "patient")  ? "escort"
                            : !strcmp(rel, "previous") ? "later"
                                                       : rel;
        json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "application_id", ubur_stmt_text(st, 0),
                              "number", ubur_stmt_text(st, 3), "state", ubur_stmt_text(st, 4),
                              "relation", shown, "detail", ubur_stmt_text(st, 2));
        if (!strcmp(shown, "escort"))
            json_array_append(escorts, l);
        json_array_append_new(links, l);
    }
    ubur_stmt_done(st);
    json_object_set_new(o, "links", links);
    json_object_set_new(o, "escorts", escorts);
    if (rc < 0)
        return rc;
    json_t *group = json_array();
    if (group_ref) {
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT id, number, state FROM visa_application"
                                     " WHERE group_ref = ? AND id <> ? ORDER BY submitted_at",
                                     &st, err)))
            return rc;
        ubur_stmt_bind_text(st, 1, group_ref);
        ubur_stmt_bind_text(st, 2, id);
        while ((rc = ubur_stmt_step(st, err)) == 1)
            json_array_append_new(
                group, json_pack("{s:s, s:s, s:s}", "application_id", ubur_stmt_text(st, 0),
                                 "number", ubur_stmt_text(st, 1), "state", ubur_stmt_text(st, 2)));
        ubur_stmt_done(st);
    }
    json_object_set_new(o, "group_members", group);
    return rc < 0 ? rc : 0;
}

static int
attach_history(struct ubur_ctx *ctx, const char *id, json_t *o, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT action, from_state, to_state, at, username, role, reason,"
                                " visa_id FROM visa_event WHERE application_id = ?"
                                " ORDER BY seq, at, id",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    json_t *a = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?}", "action",
                                           ubur_stmt_text(st, 0), "from", ubur_stmt_text(st, 1),
                                           "to", ubur_stmt_text(st, 2), "at", ubur_stmt_text(st, 3),
                                           "username", ubur_stmt_text(st, 4), "role",
                                           ubur_stmt_text(st, 5), "reason", ubur_stmt_text(st, 6),
                                           "visa_id", ubur_stmt_text(st, 7)));
    ubur_stmt_done(st);
    json_object_set_new(o, "history", a);
    return rc < 0 ? rc : 0;
}

static int
attach_visa(struct ubur_ctx *ctx, const char *id, json_t *o, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, visa_number, state, valid_from, valid_until"
                                " FROM visa WHERE application_id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    json_t *v = json_null();
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        json_decref(v);
        v = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ubur_stmt_text(st, 0), "visa_number",
                      ubur_stmt_text(st, 1), "state", ubur_stmt_text(st, 2), "valid_from",
                      ubur_stmt_text(st, 3), "valid_until", ubur_stmt_text(st, 4));
    }
    ubur_stmt_done(st);
    json_object_set_new(o, "visa", v);
    return rc < 0 ? rc : 0;
}

int
ubur_visa_application_get(struct ubur_ctx *ctx, const char *id_or_number, json_t **out,
                          struct ubur_error *err)
{
    struct ubur_stmt *st;
    json_t *o = NULL;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT " APP_COLUMNS " FROM visa_application a"
                                " JOIN visa_person p ON p.id = a.person_id"
                                " WHERE a.id = ? OR a.number = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id_or_number);
    ubur_stmt_bind_text(st, 2, id_or_number);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        o = app_full_json(st);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa application '%s'",
                                id_or_number ? id_or_number : "");
    if (rc < 0)
        return rc;
    const char *id = ubur_arena_strdup(&ctx->arena, json_string_value(json_object_get(o, "id")));
    const char *group = json_string_value(json_object_get(o, "group_ref"));
    group = group ? ubur_arena_strdup(&ctx->arena, group) : NULL;
    if ((rc = attach_documents(ctx, id, o, err)) || (rc = attach_links(ctx, id, group, o, err)) ||
        (rc = attach_visa(ctx, id, o, err)) || (rc = attach_history(ctx, id, o, err))) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

int
ubur_visa_application_list(struct ubur_ctx *ctx, const struct ubur_visa_filter *f, json_t **out,
                           struct ubur_error *err)
{
    struct ubur_stmt *st;
    int64_t limit = f && f->limit > 0 ? f->limit : 100;
    int rc;
    if (f && f->state && ubur_visa_state_from_name(f->state) < 0)
        return ubur_error_field(err, UBUR_EINVAL, "state", "unknown state '%s'", f->state);
    if (f && f->queue)
        rc = ubur_store_prepare(ctx->store,
                                "SELECT " APP_COLUMNS " FROM visa_application a"
                                " JOIN visa_person p ON p.id = a.person_id"
                                " WHERE a.state IN ('submitted', 'under_review')"
                                " AND (? IS NULL OR a.purpose = ?)"
                                " ORDER BY a.priority DESC, a.submitted_at, a.id LIMIT ? OFFSET ?",
                                &st, err);
    else
        rc = ubur_store_prepare(ctx->store,
                                "SELECT " APP_COLUMNS " FROM visa_application a"
                                " JOIN visa_person p ON p.id = a.person_id"
                                " WHERE (? IS NULL OR a.purpose = ?)"
                                " AND (? IS NULL OR a.state = ?) AND (? IS NULL OR a.person_id = ?)"
                                " AND (? IS NULL OR a.group_ref = ?)"
                                " ORDER BY a.submitted_at DESC, a.id DESC LIMIT ? OFFSET ?",
                                &st, err);
    if (rc)
        return rc;
    const char *purpose = f ? f->purpose : NULL;
    int i = 1;
    ubur_stmt_bind_text(st, i++, purpose);
    ubur_stmt_bind_text(st, i++, purpose);
    if (!(f && f->queue)) {
        ubur_stmt_bind_text(st, i++, f ? f->state : NULL);
        ubur_stmt_bind_text(st, i++, f ? f->state : NULL);
        ubur_stmt_bind_text(st, i++, f ? f->person_id : NULL);
        ubur_stmt_bind_text(st, i++, f ? f->person_id : NULL);
        ubur_stmt_bind_text(st, i++, f ? f->group_ref : NULL);
        ubur_stmt_bind_text(st, i++, f ? f->group_ref : NULL);
    }
    ubur_stmt_bind_int(st, i++, limit);
    ubur_stmt_bind_int(st, i++, f ? f->offset : 0);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(arr, app_summary_json(st));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* ---- decisions ---- */

int
ubur_visa_cascade_escort_applications(struct ubur_ctx *ctx, const char *patient_app_id,
                                      struct ubur_error *err)
{
    struct ubur_stmt *st;
    char now[UBUR_TIME_LEN + 1];
    const char **ids = NULL, **states = NULL;
    size_t n = 0, cap = 0;
    int rc;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, state FROM visa_application"
                                 " WHERE patient_application_id = ?"
                                 " AND state IN ('submitted', 'under_review', 'approved')",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, patient_app_id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (n == cap) { /* every open escort application, however many */
            size_t c = cap ? cap * 2 : 8;
            const char **i2 = ubur_arena_alloc(&ctx->arena, sizeof(*ids) * c),
                       **s2 = ubur_arena_alloc(&ctx->arena, sizeof(*states) * c);
            if (n) {
                memcpy(i2, ids, sizeof(*ids) * n);
                memcpy(s2, states, sizeof(*states) * n);
            }
            ids = i2;
            states = s2;
            cap = c;
        }
        ids[n] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
        states[n++] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 1));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    ubur_time_format(ubur_now(), now);
    for (size_t i = 0; i < n; i++) {
        if ((rc = ubur_visa_transition(ubur_visa_state_parse(states[i]), UBUR_VISA_DISCONTINUE,
                                       UBUR_VISA_ROLE_SYSTEM, NULL, err)))
            return rc;
        int64_t c =
            ubur_store_run(ctx->store, err,
                           "UPDATE visa_application SET state = 'discontinued',"
                           " refusal_reason = 'patient_not_approved', decided_by = 'system',"
                           " decided_at = ?, updated_at = ? WHERE id = ?",
                           "ttt", now, now, ids[i]);
        if (c < 0)
            return (int)c;
        if ((rc = ubur_visa_event(ctx, ids[i], NULL, "discontinue", states[i], "discontinued",
                                  "patient_not_approved", true, NULL, err)))
            return rc;
    }
    return 0;
}

int
ubur_visa_decide(struct ubur_ctx *ctx, const char *id_or_number, const char *action,
                 const char *reason, const char *note, json_t **out, struct ubur_error *err)
{
    const char *id;
    char *state_s = NULL, *purpose = NULL, *risk_level = NULL, *patient = NULL;
    char now[UBUR_TIME_LEN + 1];
    int a = ubur_visa_action_from_name(action);
    int rc;

    if (a < 0 || a > UBUR_VISA_DISCONTINUE)
        return ubur_error_field(err, UBUR_EINVAL, "action",
                                "'%s' is not a decision (review, approve, refuse, withdraw, "
                                "discontinue)",
                                action ? action : "");
    if (a == UBUR_VISA_REFUSE && !ubur_visa_refusal_known(reason))
        return ubur_error_field(err, UBUR_EINVAL, "reason",
                                "a refusal needs a reason code (%s), not '%s'",
                                ubur_visa_refusal_list(), reason ? reason : "");
    if (ubur_visa_action_needs_reason(a) && (!reason || !*reason))
        return ubur_error_field(err, UBUR_EINVAL, "reason", "%s needs a reason", action);
    if (reason && (strlen(reason) > TEXT_MAX || !ubur_utf8_valid(reason, strlen(reason))))
        return ubur_error_field(err, UBUR_EINVAL, "reason", "must be at most %d bytes of text",
                                TEXT_MAX);
    if (note && (strlen(note) > 2000 || !ubur_utf8_valid(note, strlen(note))))
        return ubur_error_field(err, UBUR_EINVAL, "note", "must be at most 2000 bytes of text");

    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = resolve_app(ctx, id_or_number, &id, err)))
        goto out;
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT state, purpose, risk_level, patient_application_id"
                                 " FROM visa_application WHERE id = ?",
                                 &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, id);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        state_s = ubur_strdup(ubur_stmt_text(st, 0));
        purpose = ubur_strdup(ubur_stmt_text(st, 1));
        risk_level = ubur_strdup(ubur_stmt_text(st, 2) ? ubur_stmt_text(st, 2) : "");
        patient = ubur_stmt_text(st, 3) ? ubur_strdup(ubur_stmt_text(st, 3)) : NULL;
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    enum ubur_visa_state from = ubur_visa_state_parse(state_s), to;
    if ((rc = ubur_visa_transition(from, a, ctx->role, &to, err)))
        goto out;
    if (a == UBUR_VISA_APPROVE) {
        if (!strcmp(risk_level, "high") &&
            !(ctx->role & (UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN))) {
            rc = ubur_error_field(err, UBUR_EPERM, "role",
                                  "a high-risk application needs a supervisor's approval");
            goto out;
        }
        if (patient) {
            char *ps = NULL;
            if ((rc = app_exists(ctx->store, patient, &ps, NULL, err)))
                goto out;
            enum ubur_visa_state s = ubur_visa_state_parse(ps);
            free(ps);
            if (s != UBUR_VISA_APPROVED && !ubur_visa_state_in_force(s)) {
                rc = ubur_error_field(err, UBUR_ECONFLICT, "patient_application_id",
                                      "the patient's application is %s; approve it first",
                                      ubur_visa_state_name(s));
                goto out;
            }
        }
    }
    ubur_time_format(ubur_now(), now);
    bool decision = a != UBUR_VISA_REVIEW;
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE visa_application SET state = ?, updated_at = ?,"
                               " refusal_reason = CASE WHEN ? = 1 THEN ? ELSE refusal_reason END,"
                               " decision_note = COALESCE(?, decision_note),"
                               " decided_by = CASE WHEN ? = 1 THEN ? ELSE decided_by END,"
                               " decided_at = CASE WHEN ? = 1 THEN ? ELSE decided_at END,"
                               " auto_decided = CASE WHEN ? = 1 THEN 0 ELSE auto_decided END"
                               " WHERE id = ? AND state = ?",
                               "tt"
                               "it"
                               "t"
                               "it"
                               "it"
                               "i"
                               "tt",
                               ubur_visa_state_name(to), now,
                               (int64_t)(a == UBUR_VISA_REFUSE || a == UBUR_VISA_DISCONTINUE),
                               reason, note, (int64_t)decision, ctx->username, (int64_t)decision,
                               now, (int64_t)decision, id, state_s);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    if (n == 0) {
        rc = ubur_error_field(err, UBUR_ECONFLICT, "state", "the application changed meanwhile");
        goto out;
    }
    if ((rc = ubur_visa_event(ctx, id, NULL, action, state_s, ubur_visa_state_name(to), reason,
                              false, NULL, err)))
        goto out;
    if (ubur_visa_state_closed(to) && (rc = ubur_visa_cascade_escort_applications(ctx, id, err)))
        goto out;
    if ((rc = ubur_store_commit(ctx->store, err)))
        goto out;
    rc = ubur_visa_application_get(ctx, id, out, err);
out:
    if (rc)
        ubur_store_rollback(ctx->store);
    free(state_s);
    free(purpose);
    free(risk_level);
    free(patient);
    return rc;
}
