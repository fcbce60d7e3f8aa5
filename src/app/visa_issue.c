/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issued visas: issuance (number, validity, MRZ, signed Visible Digital
 * Seal), changes (extend, shorten, annul, revoke, with the cascade from a
 * patient to their escorts), verification of seals offline and online, the
 * export of revoked and annulled visas, and the printable visa page.
 *
 * Keys: the signing key and its certificate are files named by the
 * settings visa.signer_key and visa.signer_cert (written by `ubur visa
 * signer` or the demo); private keys never enter the database. Signers are
 * loaded once and kept in a small pool shared by the server's threads (a
 * signer is used by one thread at a time), so issuing a visa costs one
 * ECDSA signature, not a key load. Verification finds the signer
 * certificate by the seal's own header in the keys directory
 * (<SIGNER>-<CERTREF>.pem, the names `ubur keys new` writes), and the
 * issuing state's CSCA (csca-<STATE>.pem) when present, so a partner
 * state's certificates are trusted by copying them there.
 *
 * An extension or shortening re-issues the MRZ and the seal under the same
 * visa number; the stored seal is always the current one, so a seal that
 * verifies but differs from it is "superseded" online.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ubur/datamatrix.h"
#include "ubur/mrz.h"
#include "ubur/vds.h"
#include "ubur/vds_json.h"
#include "ubur/visa.h"
#include "ubur/visa_rules.h"
#include "visa_internal.h"
#include "ubur/banned.h"

#define PATH_MAX_LEN 1024
#define POOL_MAX 8

/* ---- keys ---- */

const char *
ubur_visa_keys_dir(struct ubur_ctx *ctx)
{
    const char *d = ubur_setting(ctx, "keys.dir", NULL);
    if (d && *d)
        return d;
    d = getenv("UBUR_KEYS_DIR");
    if (d && *d)
        return ubur_arena_strdup(&ctx->arena, d);
    char *file = NULL;
    if (ubur_store_kind(ctx->store) == UBUR_STORE_SQLITE &&
        !ubur_store_query_text(ctx->store, NULL, &file,
                               "SELECT file FROM pragma_database_list WHERE name = 'main'", "") &&
        file && *file) {
        char *slash = strrchr(file, '/');
        const char *dir =
            slash ? ubur_arena_printf(&ctx->arena, "%.*s/keys", (int)(slash - file), file) : "keys";
        free(file);
        return dir;
    }
    free(file);
    return "keys";
}

/*
 * A pool of open signers keyed by their file paths. take() hands one to a
 * thread (opening a new one when all are busy), give() returns it.
 */
static struct {
    pthread_mutex_t lock;
    struct pool_entry {
        char key[PATH_MAX_LEN], cert[PATH_MAX_LEN];
        struct ubur_vds_signer *signer;
        bool busy;
    } e[POOL_MAX];
    bool atexit_set;
} pool = {PTHREAD_MUTEX_INITIALIZER, {{"", "", NULL, false}}, false};

static void
pool_free(void)
{
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool.e[i].signer && !pool.e[i].busy) {
            ubur_vds_signer_close(pool.e[i].signer);
            pool.e[i].signer = NULL;
        }
    }
    pthread_mutex_unlock(&pool.lock);
}

static int
signer_take(const char *key, const char *cert, struct ubur_vds_signer **out, struct ubur_error *err)
{
    pthread_mutex_lock(&pool.lock);
    if (!pool.atexit_set) {
        atexit(pool_free);
        pool.atexit_set = true;
    }
    for (int i = 0; i < POOL_MAX; i++) {
        struct pool_entry *p = &pool.e[i];
        if (p->signer && !p->busy && !strcmp(p->key, key) && !strcmp(p->cert, cert)) {
            p->busy = true;
            *out = p->signer;
            pthread_mutex_unlock(&pool.lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&pool.lock);

    struct stat sb;
    if (stat(key, &sb) == 0 && (sb.st_mode & 077))
        return ubur_error_field(err, UBUR_EUNPROC, "visa.signer_key",
                                "the signing key '%s' is readable by others (mode %03o); "
                                "chmod 600 it",
                                key, (unsigned)(sb.st_mode & 0777));
    struct ubur_vds_signer *s;
    int rc = ubur_vds_signer_open(&s, key, cert, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < POOL_MAX; i++) {
        struct pool_entry *p = &pool.e[i];
        if (p->signer && p->busy)
            continue;
        if (p->signer)
            ubur_vds_signer_close(p->signer); /* an idle signer of other paths */
        snprintf(p->key, sizeof(p->key), "%s", key);
        snprintf(p->cert, sizeof(p->cert), "%s", cert);
        p->signer = s;
        p->busy = true;
        pthread_mutex_unlock(&pool.lock);
        *out = s;
        return 0;
    }
    pthread_mutex_unlock(&pool.lock);
    *out = s; /* pool full: a private signer, closed by signer_give */
    return 0;
}

static void
signer_give(struct ubur_vds_signer *s)
{
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool.e[i].signer == s) {
            pool.e[i].busy = false;
            pthread_mutex_unlock(&pool.lock);
            return;
        }
    }
    pthread_mutex_unlock(&pool.lock);
    ubur_vds_signer_close(s);
}

/* ---- MRZ and seal of a visa ---- */

struct visa_doc {
    /* inputs */
    char format;       /* 'A' or 'B' */
    const char *state; /* issuing state */
    const char *number;
    const char *surname, *given_names, *nationality, *birth_date, *passport_number;
    const char *key, *cert; /* the signer's files; NULL = read from settings */
    char sex;
    int64_t valid_from, valid_until;
    int entries, stay_days;
    /* outputs */
    struct ubur_mrz_lines mrz;
    char mrz_text[100];
    struct ubur_buf seal;
    char signer[8], cert_ref[UBUR_VDS_CERT_REF_MAX + 1];
};

static int
make_visa_doc(struct ubur_ctx *ctx, struct visa_doc *d, struct ubur_error *err)
{
    char until[UBUR_DATE_LEN + 1];
    ubur_date_format(d->valid_until, until);
    size_t plen = strlen(d->passport_number);
    struct ubur_mrz_fields f = {
        .format = d->format == 'B' ? UBUR_MRZ_MRVB : UBUR_MRZ_MRVA,
        .document_code = "V",
        .issuing_state = d->state,
        .surname = d->surname,
        .given_names = d->given_names,
        .document_number = d->number,
        .nationality = d->nationality,
        .birth_date = d->birth_date,
        .sex = d->sex,
        .expiry_date = until,
        /* the passport number in the optional data where it fits (16 on MRV-A, 8 on MRV-B) */
        .optional_data = plen <= (d->format == 'B' ? 8u : 16u) ? d->passport_number : NULL,
    };
    int rc = ubur_mrz_make(&f, &d->mrz, err);
    if (rc)
        return rc;
    ubur_mrz_lines_join(&d->mrz, d->mrz_text, sizeof(d->mrz_text));

    const char *key = d->key ? d->key : ubur_setting(ctx, "visa.signer_key", NULL);
    const char *cert = d->cert ? d->cert : ubur_setting(ctx, "visa.signer_cert", NULL);
    if (!key || !cert)
        return ubur_error_field(err, UBUR_EUNPROC, "visa.signer_key",
                                "no seal signer is configured: create keys with `ubur keys new` "
                                "and name them with `ubur visa signer --key KEY --cert CERT`");
    struct ubur_vds_visa v = UBUR_VDS_VISA_INIT;
    v.issue_date = ubur_visa_today();
    v.signature_date = UBUR_VDS_TODAY;
    snprintf(v.mrz1, sizeof(v.mrz1), "%s", d->mrz.line[0]);
    snprintf(v.mrz2, sizeof(v.mrz2), "%s", d->mrz.line[1]);
    v.entries = d->entries;
    if (d->stay_days <= 255) {
        v.stay_days = d->stay_days;
    } else {
        /* A seal holds at most 255 days: longer stays as months and days (30-day months). */
        v.stay_months = d->stay_days / 30 > 255 ? 255 : d->stay_days / 30;
        v.stay_days = d->stay_days % 30;
    }
    snprintf(v.passport_number, sizeof(v.passport_number), "%.9s", d->passport_number);
    struct ubur_vds_signer *s = NULL;
    if ((rc = signer_take(key, cert, &s, err)))
        return rc;
    rc = ubur_vds_sign_visa(s, &v, &d->seal, err);
    snprintf(d->signer, sizeof(d->signer), "%s", ubur_vds_signer_id(s));
    snprintf(d->cert_ref, sizeof(d->cert_ref), "%s", ubur_vds_signer_cert_ref(s));
    signer_give(s);
    return rc;
}

/* ---- reading visas ---- */

#define VISA_COLUMNS                                                                               \
    "v.id, v.visa_number, v.application_id, a.number, v.person_id, p.surname,"                     \
    " p.given_names, v.nationality, v.passport_number, v.issuing_state, v.purpose,"                \
    " v.state, v.valid_from, v.valid_until, v.entries, v.stay_days, v.mrz_format, v.mrz,"          \
    " v.seal, v.seal_signer, v.seal_cert_ref, v.patient_visa_id, v.entries_used,"                  \
    " v.days_used, v.in_country_since, v.issued_at, v.issued_by, v.ended_at,"                      \
    " v.end_reason, v.updated_at, p.birth_date, p.sex, p.name_ar, a.hospital"

/*
 * A visa's columns as VISA_COLUMNS lists them, as text (NULL for SQL NULL),
 * except the seal (bytes) and the integers. Filled from a row by
 * visa_cols_from_row, or from the values just written by issuance, so a
 * visa reads the same whether it was just issued or read back later.
 */
enum {
    VC_ID,
    VC_NUMBER,
    VC_APP_ID,
    VC_APP_NUMBER,
    VC_PERSON,
    VC_SURNAME,
    VC_GIVEN,
    VC_NAT,
    VC_PASSPORT,
    VC_STATE_ISS,
    VC_PURPOSE,
    VC_STATE,
    VC_FROM,
    VC_UNTIL,
    VC_ENTRIES,
    VC_STAY,
    VC_FORMAT,
    VC_MRZ,
    VC_SEAL,
    VC_SIGNER,
    VC_CERT_REF,
    VC_PATIENT_VISA,
    VC_ENTRIES_USED,
    VC_DAYS_USED,
    VC_IN_COUNTRY,
    VC_ISSUED_AT,
    VC_ISSUED_BY,
    VC_ENDED_AT,
    VC_END_REASON,
    VC_UPDATED_AT,
    VC_BIRTH,
    VC_SEX,
    VC_NAME_AR,
    VC_HOSPITAL,
    VC_N
};

struct visa_cols {
    const char *t[VC_N];
    int64_t entries, stay, entries_used, days_used;
    const void *seal;
    size_t seal_len;
};

static void
visa_cols_from_row(struct ubur_stmt *st, struct visa_cols *c)
{
    for (int i = 0; i < VC_N; i++)
        c->t[i] = i == VC_SEAL || i == VC_ENTRIES || i == VC_STAY || i == VC_ENTRIES_USED ||
                          i == VC_DAYS_USED
                      ? NULL
                      : ubur_stmt_text(st, i);
    c->entries = ubur_stmt_int(st, VC_ENTRIES);
    c->stay = ubur_stmt_int(st, VC_STAY);
    c->entries_used = ubur_stmt_int(st, VC_ENTRIES_USED);
    c->days_used = ubur_stmt_int(st, VC_DAYS_USED);
    c->seal_len = 0;
    c->seal = ubur_stmt_blob(st, VC_SEAL, &c->seal_len);
}

static json_t *
visa_json_cols(const struct visa_cols *c, bool full)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
                  "id", c->t[VC_ID], "visa_number", c->t[VC_NUMBER], "application_id",
                  c->t[VC_APP_ID], "application_number", c->t[VC_APP_NUMBER], "surname",
                  c->t[VC_SURNAME], "given_names", c->t[VC_GIVEN], "nationality", c->t[VC_NAT],
                  "passport_number", c->t[VC_PASSPORT], "issuing_state", c->t[VC_STATE_ISS],
                  "purpose", c->t[VC_PURPOSE], "state", c->t[VC_STATE], "valid_from", c->t[VC_FROM],
                  "valid_until", c->t[VC_UNTIL], "entries", (int)c->entries, "days", (int)c->stay);
    if (!full)
        return o;
    struct ubur_buf hex = UBUR_BUF_INIT;
    if (c->seal && c->seal_len)
        ubur_vds_hex(c->seal, c->seal_len, &hex);
    const char *f = c->t[VC_FORMAT];
    json_object_set_new(o, "person_id", json_string(c->t[VC_PERSON]));
    json_object_set_new(o, "mrz_format", json_string(f && f[0] == 'B' ? "MRV-B" : "MRV-A"));
    json_object_set_new(o, "mrz", ubur_visa_lines_json(c->t[VC_MRZ]));
    json_object_set_new(o, "seal", c->seal_len ? json_string(hex.s) : json_null());
    ubur_buf_release(&hex);
#define OPT(key, col) json_object_set_new(o, key, c->t[col] ? json_string(c->t[col]) : json_null())
    OPT("seal_signer", VC_SIGNER);
    OPT("seal_cert_ref", VC_CERT_REF);
    OPT("patient_visa_id", VC_PATIENT_VISA);
    json_object_set_new(o, "entries_used", json_integer(c->entries_used));
    json_object_set_new(o, "days_used", json_integer(c->days_used));
    OPT("in_country_since", VC_IN_COUNTRY);
    OPT("issued_at", VC_ISSUED_AT);
    OPT("issued_by", VC_ISSUED_BY);
    OPT("ended_at", VC_ENDED_AT);
    OPT("end_reason", VC_END_REASON);
    OPT("updated_at", VC_UPDATED_AT);
    OPT("birth_date", VC_BIRTH);
    OPT("sex", VC_SEX);
    OPT("name_ar", VC_NAME_AR);
    OPT("hospital", VC_HOSPITAL);
#undef OPT
    return o;
}

static json_t *
visa_json(struct ubur_stmt *st, bool full)
{
    struct visa_cols c;
    visa_cols_from_row(st, &c);
    return visa_json_cols(&c, full);
}

/* Resolves a visa id or number to its id (arena). */
static int
resolve_visa(struct ubur_ctx *ctx, const char *id_or_number, const char **id,
             struct ubur_error *err)
{
    char *v = NULL;
    int rc = ubur_store_query_text(ctx->store, err, &v,
                                   "SELECT id FROM visa WHERE id = ? OR visa_number = ?", "tt",
                                   id_or_number, id_or_number);
    if (rc == UBUR_ENOTFOUND)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa '%s'",
                                id_or_number ? id_or_number : "");
    if (rc)
        return rc;
    *id = ubur_arena_strdup(&ctx->arena, v);
    free(v);
    return 0;
}

int
ubur_visa_get(struct ubur_ctx *ctx, const char *id_or_number, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    json_t *o = NULL;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT " VISA_COLUMNS " FROM visa v"
                                " JOIN visa_application a ON a.id = v.application_id"
                                " JOIN visa_person p ON p.id = v.person_id"
                                " WHERE v.id = ? OR v.visa_number = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id_or_number);
    ubur_stmt_bind_text(st, 2, id_or_number);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        o = visa_json(st, true);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa '%s'",
                                id_or_number ? id_or_number : "");
    if (rc < 0)
        return rc;
    /* Escorts' visas, and the history of the visa. */
    const char *id = json_string_value(json_object_get(o, "id"));
    json_t *escorts = json_array(), *hist = json_array();
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, visa_number, state, valid_until FROM visa"
                                 " WHERE patient_visa_id = ? ORDER BY visa_number",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(
            escorts, json_pack("{s:s, s:s, s:s, s:s}", "id", ubur_stmt_text(st, 0), "visa_number",
                               ubur_stmt_text(st, 1), "state", ubur_stmt_text(st, 2), "valid_until",
                               ubur_stmt_text(st, 3)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT action, from_state, to_state, at, username, role, reason"
                                 " FROM visa_event WHERE visa_id = ? ORDER BY seq, at, id",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(hist,
                              json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s?}", "action",
                                        ubur_stmt_text(st, 0), "from", ubur_stmt_text(st, 1), "to",
                                        ubur_stmt_text(st, 2), "at", ubur_stmt_text(st, 3),
                                        "username", ubur_stmt_text(st, 4), "role",
                                        ubur_stmt_text(st, 5), "reason", ubur_stmt_text(st, 6)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    json_object_set_new(o, "escorts", escorts);
    json_object_set_new(o, "history", hist);
    *out = o;
    return 0;
fail:
    json_decref(escorts);
    json_decref(hist);
    json_decref(o);
    return rc;
}

int
ubur_visa_list(struct ubur_ctx *ctx, const struct ubur_visa_filter *f, json_t **out,
               struct ubur_error *err)
{
    struct ubur_stmt *st;
    if (f && f->state && ubur_visa_state_from_name(f->state) < 0)
        return ubur_error_field(err, UBUR_EINVAL, "state", "unknown state '%s'", f->state);
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT " VISA_COLUMNS " FROM visa v"
                                " JOIN visa_application a ON a.id = v.application_id"
                                " JOIN visa_person p ON p.id = v.person_id"
                                " WHERE (? IS NULL OR v.state = ?) AND (? IS NULL OR v.purpose = ?)"
                                " AND (? IS NULL OR v.person_id = ?)"
                                " ORDER BY v.issued_at DESC, v.id DESC LIMIT ? OFFSET ?",
                                &st, err);
    if (rc)
        return rc;
    const char *state = f ? f->state : NULL, *purpose = f ? f->purpose : NULL,
               *person = f ? f->person_id : NULL;
    ubur_stmt_bind_text(st, 1, state);
    ubur_stmt_bind_text(st, 2, state);
    ubur_stmt_bind_text(st, 3, purpose);
    ubur_stmt_bind_text(st, 4, purpose);
    ubur_stmt_bind_text(st, 5, person);
    ubur_stmt_bind_text(st, 6, person);
    ubur_stmt_bind_int(st, 7, f && f->limit > 0 ? f->limit : 100);
    ubur_stmt_bind_int(st, 8, f ? f->offset : 0);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(arr, visa_json(st, false));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* ---- issuance ---- */

/*
 * One visa being issued, in three steps: plan_read (the approved
 * application, its rules, validity, an escort's clipping to the patient's
 * visa; reads only), plan_sign (the number's MRZ and the seal; no database)
 * and plan_write (the visa row, the application's new state, the event and
 * its audit entry, inside the caller's transaction). plan_write answers with
 * the visa as ubur_visa_get would read it, from the values it wrote, so an
 * issuance never reads its own visa back.
 */
struct issue_plan {
    const char *app_id, *app_number, *state, *purpose, *person, *surname, *given, *nat, *birth,
        *sex, *passport, *patient_app, *name_ar, *hospital;
    const char *patient_visa; /* an escort's: the patient's visa id */
    int stay, entries;
    struct ubur_visa_rules rules;
    int64_t from, until;
    char number[16];
    struct visa_doc d; /* d.seal owned: plan_release */
    bool is_signed;
};

static void
plan_release(struct issue_plan *p)
{
    ubur_buf_release(&p->d.seal);
}

/* `known` (may be NULL): rules already loaded, used when they are the application's purpose's. */
static int
plan_read(struct ubur_ctx *ctx, const char *application_id, const struct ubur_visa_rules *known,
          struct issue_plan *p, struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char *entry = NULL;
    int rc;

    memset(p, 0, sizeof(*p));
    p->d.seal = (struct ubur_buf)UBUR_BUF_INIT;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT a.id, a.state, a.purpose, a.person_id, p.surname,"
                                 " p.given_names, a.nationality, p.birth_date, p.sex,"
                                 " a.passport_number, a.entry_date, a.stay_days, a.entries,"
                                 " a.patient_application_id, a.number, p.name_ar, a.hospital"
                                 " FROM visa_application a"
                                 " JOIN visa_person p ON p.id = a.person_id"
                                 " WHERE a.id = ? OR a.number = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, application_id);
    ubur_stmt_bind_text(st, 2, application_id);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
#define DUP(i)                                                                                     \
    (ubur_stmt_text(st, i) ? ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, i)) : NULL)
        p->app_id = DUP(0);
        p->state = DUP(1);
        p->purpose = DUP(2);
        p->person = DUP(3);
        p->surname = DUP(4);
        p->given = DUP(5);
        p->nat = DUP(6);
        p->birth = DUP(7);
        p->sex = DUP(8);
        p->passport = DUP(9);
        entry = DUP(10);
        p->stay = (int)ubur_stmt_int(st, 11);
        p->entries = (int)ubur_stmt_int(st, 12);
        p->patient_app = DUP(13);
        p->app_number = DUP(14);
        p->name_ar = DUP(15);
        p->hospital = DUP(16);
#undef DUP
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa application '%s'",
                                application_id ? application_id : "");
    if ((rc = ubur_visa_transition(ubur_visa_state_parse(p->state), UBUR_VISA_ISSUE, ctx->role,
                                   NULL, err)))
        return rc;
    if (known && p->purpose && !strcmp(known->code, p->purpose))
        p->rules = *known;
    else if ((rc = ubur_visa_rules_load(ctx->store, p->purpose, &p->rules, err)))
        return rc;
    int64_t entry_day;
    if ((rc = ubur_date_parse(entry, &entry_day, err)))
        return rc;
    ubur_visa_validity(&p->rules, entry_day, p->stay, &p->from, &p->until);
    if (!p->patient_app)
        return 0;

    /* An escort's visa needs the patient's, in force, and may not outlast it. */
    char *pstate = NULL, *puntil = NULL;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, state, valid_until FROM visa"
                                 " WHERE application_id = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, p->patient_app);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        p->patient_visa = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
        pstate = ubur_strdup(ubur_stmt_text(st, 1));
        puntil = ubur_strdup(ubur_stmt_text(st, 2));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    enum ubur_visa_state ps = ubur_visa_state_parse(pstate);
    int64_t pu = 0;
    bool ok = pstate && ubur_visa_state_in_force(ps) && !ubur_date_parse(puntil, &pu, NULL);
    free(pstate);
    free(puntil);
    if (!ok)
        return ubur_error_field(err, UBUR_ECONFLICT, "patient_application_id",
                                "an escort's visa needs the patient's visa, issued and in "
                                "force, first");
    ubur_visa_clip_to_patient(pu, &p->from, &p->until, &p->stay);
    if (p->until < p->from || p->stay < 1)
        return ubur_error_field(err, UBUR_ECONFLICT, "patient_application_id",
                                "the patient's visa ends before this escort's entry date");
    return 0;
}

/* The visa number for sequence `seq` of the year in `now` ("V" + yy + 6 digits). */
static int
plan_number(struct issue_plan *p, const char *now, int64_t seq, struct ubur_error *err)
{
    if (seq > 999999)
        return ubur_error_set(err, UBUR_EUNPROC, "visa numbers for %.4s are exhausted", now);
    snprintf(p->number, sizeof(p->number), "V%.2s%06lld", now + 2, (long long)seq);
    return 0;
}

static int
plan_sign(struct ubur_ctx *ctx, struct issue_plan *p, struct ubur_error *err)
{
    p->d.format = p->rules.mrz_format;
    p->d.state = ctx->state;
    p->d.number = p->number;
    p->d.surname = p->surname;
    p->d.given_names = p->given;
    p->d.nationality = p->nat;
    p->d.birth_date = p->birth;
    p->d.sex = p->sex ? p->sex[0] : 'X';
    p->d.passport_number = p->passport;
    p->d.valid_from = p->from;
    p->d.valid_until = p->until;
    p->d.entries = p->entries;
    p->d.stay_days = p->stay;
    int rc = make_visa_doc(ctx, &p->d, err);
    p->is_signed = rc == 0;
    return rc;
}

static int
plan_write(struct ubur_ctx *ctx, struct issue_plan *p, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    char visa_id[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
    char vf[UBUR_DATE_LEN + 1], vu[UBUR_DATE_LEN + 1], fmt[2] = {p->d.format, '\0'};
    int rc;

    assert(p->is_signed);
    ubur_time_format(ubur_now(), now);
    ubur_date_format(p->from, vf);
    ubur_date_format(p->until, vu);
    ubur_uuid7(visa_id);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "INSERT INTO visa (id, visa_number, application_id, person_id,"
                                 " issuing_state, purpose, state, valid_from, valid_until, entries,"
                                 " stay_days, passport_number, nationality, patient_visa_id,"
                                 " mrz_format, mrz, seal, seal_signer, seal_cert_ref, issued_at,"
                                 " issued_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'issued', ?,"
                                 " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 &st, err)))
        return rc;
    int i = 1;
    ubur_stmt_bind_text(st, i++, visa_id);
    ubur_stmt_bind_text(st, i++, p->number);
    ubur_stmt_bind_text(st, i++, p->app_id);
    ubur_stmt_bind_text(st, i++, p->person);
    ubur_stmt_bind_text(st, i++, ctx->state);
    ubur_stmt_bind_text(st, i++, p->purpose);
    ubur_stmt_bind_text(st, i++, vf);
    ubur_stmt_bind_text(st, i++, vu);
    ubur_stmt_bind_int(st, i++, p->entries);
    ubur_stmt_bind_int(st, i++, p->stay);
    ubur_stmt_bind_text(st, i++, p->passport);
    ubur_stmt_bind_text(st, i++, p->nat);
    ubur_stmt_bind_text(st, i++, p->patient_visa);
    ubur_stmt_bind_text(st, i++, fmt);
    ubur_stmt_bind_text(st, i++, p->d.mrz_text);
    ubur_stmt_bind_blob(st, i++, p->d.seal.s, p->d.seal.len);
    ubur_stmt_bind_text(st, i++, p->d.signer);
    ubur_stmt_bind_text(st, i++, p->d.cert_ref);
    ubur_stmt_bind_text(st, i++, now);
    ubur_stmt_bind_text(st, i++, ctx->username);
    ubur_stmt_bind_text(st, i++, now);
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE visa_application SET state = 'issued', updated_at = ?"
                               " WHERE id = ? AND state = 'approved'",
                               "tt", now, p->app_id);
    if (n <= 0)
        return n < 0 ? (int)n
                     : ubur_error_field(err, UBUR_ECONFLICT, "state",
                                        "the application changed meanwhile");
    char detail[200];
    snprintf(detail, sizeof(detail),
             "{\"visa_number\":\"%s\",\"valid_from\":\"%s\",\"valid_until\":\"%s\","
             "\"signer\":\"%s\",\"cert_ref\":\"%s\"}",
             p->number, vf, vu, p->d.signer, p->d.cert_ref);
    if ((rc = ubur_visa_event_at(ctx, p->app_id, visa_id, "issue", "approved", "issued", NULL,
                                 false, detail, now, err)))
        return rc;

    /* The answer, from what was just written (as ubur_visa_get reads it back). */
    struct visa_cols c = {
        .entries = p->entries, .stay = p->stay, .seal = p->d.seal.s, .seal_len = p->d.seal.len};
    c.t[VC_ID] = visa_id;
    c.t[VC_NUMBER] = p->number;
    c.t[VC_APP_ID] = p->app_id;
    c.t[VC_APP_NUMBER] = p->app_number;
    c.t[VC_PERSON] = p->person;
    c.t[VC_SURNAME] = p->surname;
    c.t[VC_GIVEN] = p->given;
    c.t[VC_NAT] = p->nat;
    c.t[VC_PASSPORT] = p->passport;
    c.t[VC_STATE_ISS] = ctx->state;
    c.t[VC_PURPOSE] = p->purpose;
    c.t[VC_STATE] = "issued";
    c.t[VC_FROM] = vf;
    c.t[VC_UNTIL] = vu;
    c.t[VC_FORMAT] = fmt;
    c.t[VC_MRZ] = p->d.mrz_text;
    c.t[VC_SIGNER] = p->d.signer;
    c.t[VC_CERT_REF] = p->d.cert_ref;
    c.t[VC_PATIENT_VISA] = p->patient_visa;
    c.t[VC_ISSUED_AT] = now;
    c.t[VC_ISSUED_BY] = ctx->username;
    c.t[VC_UPDATED_AT] = now;
    c.t[VC_BIRTH] = p->birth;
    c.t[VC_SEX] = p->sex;
    c.t[VC_NAME_AR] = p->name_ar;
    c.t[VC_HOSPITAL] = p->hospital;
    json_t *o = visa_json_cols(&c, true);
    json_object_set_new(o, "escorts", json_array()); /* a new visa has none yet */
    json_object_set_new(o, "history",
                        json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:n}]", "action", "issue",
                                  "from", "approved", "to", "issued", "at", now, "username",
                                  ctx->username ? ctx->username : "unknown", "role",
                                  ubur_role_name(ctx->role), "reason"));
    *out = o;
    return 0;
}

/* Issues one approved application inside the caller's transaction. */
static int
issue_in_tx(struct ubur_ctx *ctx, const char *application_id, json_t **out, struct ubur_error *err)
{
    struct issue_plan p;
    char now[UBUR_TIME_LEN + 1], scope[32];
    int64_t seq;
    int rc = plan_read(ctx, application_id, NULL, &p, err);
    if (!rc) {
        ubur_time_format(ubur_now(), now);
        snprintf(scope, sizeof(scope), "visa:%.4s", now);
        if (!(rc = ubur_visa_counter_next(ctx->store, scope, &seq, err)) &&
            !(rc = plan_number(&p, now, seq, err)) && !(rc = plan_sign(ctx, &p, err)))
            rc = plan_write(ctx, &p, out, err);
    }
    plan_release(&p);
    return rc;
}

static int
has_state(struct ubur_ctx *ctx, struct ubur_error *err)
{
    if (ctx->state && strlen(ctx->state) == 3)
        return 0;
    return ubur_error_field(err, UBUR_EUNPROC, "state",
                            "this instance has no issuing state (ubur init --state)");
}

int
ubur_visa_issue(struct ubur_ctx *ctx, const char *application_id, json_t **out,
                struct ubur_error *err)
{
    json_t *o = NULL;
    int rc;
    if ((rc = has_state(ctx, err)) || (rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = issue_in_tx(ctx, application_id, &o, err)) ||
        (rc = ubur_store_commit(ctx->store, err))) {
        ubur_store_rollback(ctx->store);
        json_decref(o);
        return rc;
    }
    *out = o; /* acknowledged only now, after the commit */
    return 0;
}

/*
 * Reserves `n` visa numbers of the year in `now` in a transaction of its own
 * and gives the first. A group's seals are signed with reserved numbers
 * before the issuing transaction takes the write lock; when that transaction
 * fails the reserved numbers stay unused (visa numbers may have gaps, they
 * are never reused).
 */
static int
reserve_numbers(struct ubur_ctx *ctx, const char *now, int n, int64_t *first,
                struct ubur_error *err)
{
    char scope[32];
    int64_t last = 0;
    int rc;
    snprintf(scope, sizeof(scope), "visa:%.4s", now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    int64_t k = ubur_store_run(ctx->store, err,
                               "INSERT INTO visa_counter (scope, value) VALUES (?, ?)"
                               " ON CONFLICT (scope) DO UPDATE SET value = visa_counter.value + ?",
                               "tii", scope, (int64_t)n, (int64_t)n);
    if (k < 0 ||
        (rc = ubur_store_query_int(ctx->store, err, &last,
                                   "SELECT value FROM visa_counter WHERE scope = ?", "t", scope)) ||
        (rc = ubur_store_commit(ctx->store, err))) {
        ubur_store_rollback(ctx->store);
        return k < 0 ? (int)k : rc;
    }
    *first = last - n + 1;
    return 0;
}

int
ubur_visa_issue_group(struct ubur_ctx *ctx, const char *group_ref, json_t **out,
                      struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char **ids;
    struct issue_plan *plans = NULL;
    json_t *visas = NULL;
    int n = 0, nplans = 0, rc;
    if (!group_ref || !*group_ref)
        return ubur_error_field(err, UBUR_EINVAL, "group_ref", "is required");
    if ((rc = has_state(ctx, err)))
        return rc;
    ids = ubur_arena_alloc(&ctx->arena, sizeof(*ids) * (UBUR_VISA_GROUP_MAX * 4));
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id FROM visa_application WHERE group_ref = ?"
                                 " AND state = 'approved' ORDER BY submitted_at, id LIMIT ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, group_ref);
    ubur_stmt_bind_int(st, 2, UBUR_VISA_GROUP_MAX * 4);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        ids[n++] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (n == 0)
        return ubur_error_field(err, UBUR_ECONFLICT, "group_ref",
                                "group '%s' has no approved application to issue", group_ref);

    /*
     * Before the write lock: read every member and sign the seals of all but
     * escorts (whose validity depends on the patient's visa, perhaps issued in
     * this very transaction: they are read and signed inside it) with numbers
     * reserved for them. The transaction then only writes; its guard
     * (state = 'approved') still refuses a member that changed meanwhile.
     */
    plans = ubur_calloc((size_t)n, sizeof(*plans));
    int presign = 0;
    for (nplans = 0; nplans < n; nplans++) {
        rc = plan_read(ctx, ids[nplans], nplans ? &plans[nplans - 1].rules : NULL, &plans[nplans],
                       err);
        if (rc && !plans[nplans].patient_app)
            goto out;
        if (rc) {
            /* An escort whose patient's visa this group issues: checked inside. */
            rc = 0;
            ubur_error_clear(err);
        }
        presign += !plans[nplans].patient_app;
    }
    if (presign > 0) {
        char now[UBUR_TIME_LEN + 1];
        int64_t first = 0;
        const char *key = ubur_setting(ctx, "visa.signer_key", NULL);
        const char *cert = ubur_setting(ctx, "visa.signer_cert", NULL);
        ubur_time_format(ubur_now(), now);
        if ((rc = reserve_numbers(ctx, now, presign, &first, err)))
            goto out;
        for (int i = 0; i < n; i++) {
            if (plans[i].patient_app)
                continue;
            plans[i].d.key = key; /* NULL when not configured: make_visa_doc says so */
            plans[i].d.cert = cert;
            if ((rc = plan_number(&plans[i], now, first++, err)) ||
                (rc = plan_sign(ctx, &plans[i], err)))
                goto out;
        }
    }

    if ((rc = ubur_store_begin(ctx->store, err)))
        goto out;
    visas = json_array();
    for (int i = 0; i < n; i++) {
        json_t *v = NULL;
        if (plans[i].patient_app) {
            /* An escort: read again now, inside the transaction, and signed here. */
            plan_release(&plans[i]);
            rc = issue_in_tx(ctx, ids[i], &v, err);
        } else {
            rc = plan_write(ctx, &plans[i], &v, err);
        }
        if (rc) {
            ubur_store_rollback(ctx->store);
            goto out;
        }
        json_array_append_new(visas, v);
    }
    if ((rc = ubur_store_commit(ctx->store, err))) {
        ubur_store_rollback(ctx->store);
        goto out;
    }
    *out = json_pack("{s:s, s:i, s:O}", "group_ref", group_ref, "issued", n, "visas", visas);
out:
    json_decref(visas);
    for (int i = 0; i < nplans && plans; i++)
        plan_release(&plans[i]);
    free(plans);
    return rc;
}

/* ---- changes to an issued visa ---- */

/* The facts of a visa a change needs. */
struct visa_row {
    char id[UBUR_UUID_LEN + 1], number[16], application_id[UBUR_UUID_LEN + 1];
    char state[16], purpose[UBUR_VISA_PURPOSE_MAX + 1], format;
    char surname[64], given[64], nat[4], birth[16], sex, passport[32];
    char patient_visa[UBUR_UUID_LEN + 1];
    int64_t from, until;
    int entries, stay;
};

static int
load_visa_row(struct ubur_ctx *ctx, const char *id, struct visa_row *r, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT v.id, v.visa_number, v.application_id, v.state, v.purpose,"
                                " v.mrz_format, p.surname, p.given_names, v.nationality,"
                                " p.birth_date, p.sex, v.passport_number, v.patient_visa_id,"
                                " v.valid_from, v.valid_until, v.entries, v.stay_days FROM visa v"
                                " JOIN visa_person p ON p.id = v.person_id WHERE v.id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        memset(r, 0, sizeof(*r));
#define CP(dst, i)                                                                                 \
    snprintf(dst, sizeof(dst), "%s", ubur_stmt_text(st, i) ? ubur_stmt_text(st, i) : "")
        CP(r->id, 0);
        CP(r->number, 1);
        CP(r->application_id, 2);
        CP(r->state, 3);
        CP(r->purpose, 4);
        r->format = ubur_stmt_text(st, 5) ? ubur_stmt_text(st, 5)[0] : 'A';
        CP(r->surname, 6);
        CP(r->given, 7);
        CP(r->nat, 8);
        CP(r->birth, 9);
        r->sex = ubur_stmt_text(st, 10) ? ubur_stmt_text(st, 10)[0] : 'X';
        CP(r->passport, 11);
        CP(r->patient_visa, 12);
#undef CP
        ubur_date_parse(ubur_stmt_text(st, 13), &r->from, NULL);
        ubur_date_parse(ubur_stmt_text(st, 14), &r->until, NULL);
        r->entries = (int)ubur_stmt_int(st, 15);
        r->stay = (int)ubur_stmt_int(st, 16);
    }
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "id", "no visa '%s'", id);
    return rc < 0 ? rc : 0;
}

/* Re-issues MRZ and seal for new validity and stay, and stores them with the new state. */
static int
reissue(struct ubur_ctx *ctx, struct visa_row *r, int64_t until, int stay, const char *to,
        struct ubur_error *err)
{
    struct visa_doc d;
    char vu[UBUR_DATE_LEN + 1], now[UBUR_TIME_LEN + 1];
    memset(&d, 0, sizeof(d));
    d.seal = (struct ubur_buf)UBUR_BUF_INIT;
    d.format = r->format;
    d.state = ctx->state;
    d.number = r->number;
    d.surname = r->surname;
    d.given_names = r->given;
    d.nationality = r->nat;
    d.birth_date = r->birth[0] ? r->birth : NULL;
    d.sex = r->sex;
    d.passport_number = r->passport;
    d.valid_from = r->from;
    d.valid_until = until;
    d.entries = r->entries;
    d.stay_days = stay;
    int rc = make_visa_doc(ctx, &d, err);
    if (!rc) {
        struct ubur_stmt *st;
        ubur_date_format(until, vu);
        ubur_time_format(ubur_now(), now);
        if (!(rc = ubur_store_prepare(ctx->store,
                                      "UPDATE visa SET state = ?, valid_until = ?, stay_days = ?,"
                                      " mrz = ?, seal = ?, seal_signer = ?, seal_cert_ref = ?,"
                                      " updated_at = ? WHERE id = ?",
                                      &st, err))) {
            ubur_stmt_bind_text(st, 1, to);
            ubur_stmt_bind_text(st, 2, vu);
            ubur_stmt_bind_int(st, 3, stay);
            ubur_stmt_bind_text(st, 4, d.mrz_text);
            ubur_stmt_bind_blob(st, 5, d.seal.s, d.seal.len);
            ubur_stmt_bind_text(st, 6, d.signer);
            ubur_stmt_bind_text(st, 7, d.cert_ref);
            ubur_stmt_bind_text(st, 8, now);
            ubur_stmt_bind_text(st, 9, r->id);
            rc = ubur_stmt_step(st, err);
            ubur_stmt_done(st);
            rc = rc < 0 ? rc : 0;
        }
    }
    ubur_buf_release(&d.seal);
    return rc;
}

/* Ends a visa (annul or revoke): state, ended_at, reason. */
static int
end_visa(struct ubur_ctx *ctx, const char *id, const char *to, const char *reason,
         struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE visa SET state = ?, ended_at = ?, end_reason = ?,"
                               " updated_at = ? WHERE id = ?",
                               "ttttt", to, now, reason, now, id);
    return n < 0 ? (int)n : 0;
}

/*
 * Carries a patient's change to their escorts' visas: a shortening clips
 * theirs to the patient's new end, an annulment or revocation revokes them.
 */
static int
cascade_escort_visas(struct ubur_ctx *ctx, const char *patient_visa_id, enum ubur_visa_action a,
                     int64_t until, struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char **ids = NULL;
    size_t n = 0, cap = 0;
    int rc;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id FROM visa WHERE patient_visa_id = ?"
                                 " AND state IN ('issued', 'extended', 'shortened')",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, patient_visa_id);
    /* Every escort's visa, however many (the purpose's limit may have changed meanwhile). */
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (n == cap) {
            const char **grown = ubur_arena_alloc(&ctx->arena, sizeof(*ids) * (cap ? cap * 2 : 8));
            if (n)
                memcpy(grown, ids, sizeof(*ids) * n);
            ids = grown;
            cap = cap ? cap * 2 : 8;
        }
        ids[n++] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct visa_row r;
        enum ubur_visa_state to;
        if ((rc = load_visa_row(ctx, ids[i], &r, err)))
            return rc;
        if (a == UBUR_VISA_SHORTEN) {
            int64_t from = r.from, u = r.until;
            int stay = r.stay;
            if (!ubur_visa_clip_to_patient(until, &from, &u, &stay))
                continue;
            if (u < from) {
                /* Nothing of the escort's period is left: revoke it. */
                if ((rc = ubur_visa_transition(ubur_visa_state_parse(r.state), UBUR_VISA_REVOKE,
                                               UBUR_VISA_ROLE_SYSTEM, &to, err)) ||
                    (rc = end_visa(ctx, r.id, "revoked", "patient_visa_shortened", err)) ||
                    (rc = ubur_visa_event(ctx, r.application_id, r.id, "revoke", r.state, "revoked",
                                          "patient_visa_shortened", true, NULL, err)))
                    return rc;
                continue;
            }
            if ((rc = ubur_visa_transition(ubur_visa_state_parse(r.state), UBUR_VISA_SHORTEN,
                                           UBUR_VISA_ROLE_SYSTEM, &to, err)) ||
                (rc = reissue(ctx, &r, u, stay, "shortened", err)) ||
                (rc = ubur_visa_event(ctx, r.application_id, r.id, "shorten", r.state, "shortened",
                                      "patient_visa_shortened", true, NULL, err)))
                return rc;
        } else {
            const char *why =
                a == UBUR_VISA_ANNUL ? "patient_visa_annulled" : "patient_visa_revoked";
            if ((rc = ubur_visa_transition(ubur_visa_state_parse(r.state), UBUR_VISA_REVOKE,
                                           UBUR_VISA_ROLE_SYSTEM, &to, err)) ||
                (rc = end_visa(ctx, r.id, "revoked", why, err)) ||
                (rc = ubur_visa_event(ctx, r.application_id, r.id, "revoke", r.state, "revoked",
                                      why, true, NULL, err)))
                return rc;
        }
    }
    return 0;
}

static const char *const change_keys[] = {"until", "days", "reason", "hospital_request"};

int
ubur_visa_change(struct ubur_ctx *ctx, const char *id_or_number, const char *action, json_t *req,
                 json_t **out, struct ubur_error *err)
{
    struct visa_row r;
    struct ubur_visa_rules rules;
    const char *id = NULL, *reason = NULL, *hospital_request = NULL, *key;
    int64_t until = 0;
    int add_days = 0;
    json_t *v;
    int a = ubur_visa_action_from_name(action);
    int rc;

    if (a != UBUR_VISA_EXTEND && a != UBUR_VISA_SHORTEN && a != UBUR_VISA_ANNUL &&
        a != UBUR_VISA_REVOKE)
        return ubur_error_field(err, UBUR_EINVAL, "action",
                                "'%s' is not a change of a visa (extend, shorten, annul, revoke)",
                                action ? action : "");
    if (req && !json_is_object(req))
        return ubur_error_set(err, UBUR_EINVAL, "the request must be a JSON object");
    json_object_foreach(req, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(change_keys) / sizeof(change_keys[0]); i++)
            known |= !strcmp(key, change_keys[i]);
        if (!known)
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field");
    }
    if ((v = json_object_get(req, "reason")) && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) > 200 || !json_string_length(v))
            return ubur_error_field(err, UBUR_EINVAL, "reason", "must be 1 to 200 bytes of text");
        reason = json_string_value(v);
    }
    if ((v = json_object_get(req, "hospital_request")) && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) > 200 || !json_string_length(v))
            return ubur_error_field(err, UBUR_EINVAL, "hospital_request",
                                    "must be the reference of the hospital's request");
        hospital_request = json_string_value(v);
    }
    if ((v = json_object_get(req, "until")) && !json_is_null(v)) {
        if (!json_is_string(v) || ubur_date_parse(json_string_value(v), &until, NULL))
            return ubur_error_field(err, UBUR_EINVAL, "until", "must be a date (YYYY-MM-DD)");
    }
    if ((v = json_object_get(req, "days")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3650)
            return ubur_error_field(err, UBUR_EINVAL, "days", "must be 1 to 3650");
        add_days = (int)json_integer_value(v);
    }
    if (ubur_visa_action_needs_reason(a) && !reason)
        return ubur_error_field(err, UBUR_EINVAL, "reason", "%s needs a reason", action);
    if (a == UBUR_VISA_EXTEND && !until && !add_days)
        return ubur_error_field(err, UBUR_EINVAL, "days", "an extension needs days or until");
    if (a == UBUR_VISA_SHORTEN && !until)
        return ubur_error_field(err, UBUR_EINVAL, "until", "a shortening needs the new end date");
    if (a != UBUR_VISA_EXTEND && (add_days || hospital_request))
        return ubur_error_field(err, UBUR_EINVAL, add_days ? "days" : "hospital_request",
                                "only an extension takes this field");
    if (!ctx->state || strlen(ctx->state) != 3)
        return ubur_error_field(err, UBUR_EUNPROC, "state",
                                "this instance has no issuing state (ubur init --state)");

    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = resolve_visa(ctx, id_or_number, &id, err)) || (rc = load_visa_row(ctx, id, &r, err)))
        goto out;
    enum ubur_visa_state from = ubur_visa_state_parse(r.state), to;
    if ((rc = ubur_visa_transition(from, a, ctx->role, &to, err)))
        goto out;
    if ((rc = ubur_visa_rules_load(ctx->store, r.purpose, &rules, err)))
        goto out;
    char detail[256] = "";

    if (a == UBUR_VISA_EXTEND) {
        if (!rules.extendable) {
            rc = ubur_error_field(err, UBUR_ECONFLICT, "purpose",
                                  "visas for purpose '%s' cannot be extended", r.purpose);
            goto out;
        }
        if ((rules.needs_hospital || rules.needs_patient) && !hospital_request) {
            rc = ubur_error_field(err, UBUR_EINVAL, "hospital_request",
                                  "a medical visa is extended at the hospital's request: give "
                                  "its reference");
            goto out;
        }
        int64_t new_until = until ? until : r.until + add_days;
        int64_t added = new_until - r.until;
        if (added < 1) {
            rc = ubur_error_field(err, UBUR_EINVAL, until ? "until" : "days",
                                  "an extension must end after the current end of validity");
            goto out;
        }
        if (added > rules.max_extension_days) {
            rc = ubur_error_field(err, UBUR_EINVAL, until ? "until" : "days",
                                  "%lld days: purpose '%s' allows extensions of at most %d days",
                                  (long long)added, r.purpose, rules.max_extension_days);
            goto out;
        }
        if (r.patient_visa[0]) {
            struct visa_row p;
            if ((rc = load_visa_row(ctx, r.patient_visa, &p, err)))
                goto out;
            if (!ubur_visa_state_in_force(ubur_visa_state_parse(p.state)) || new_until > p.until) {
                char pu[UBUR_DATE_LEN + 1];
                ubur_date_format(p.until, pu);
                rc = ubur_error_field(err, UBUR_ECONFLICT, until ? "until" : "days",
                                      "an escort's visa may not outlast the patient's (%s, %s)",
                                      p.state, pu);
                goto out;
            }
        }
        int stay = r.stay + (int)added;
        if ((rc = reissue(ctx, &r, new_until, stay, "extended", err)))
            goto out;
        if (hospital_request) {
            char did[UBUR_UUID_LEN + 1], now[UBUR_TIME_LEN + 1];
            ubur_uuid7(did);
            ubur_time_format(ubur_now(), now);
            int64_t n = ubur_store_run(ctx->store, err,
                                       "INSERT INTO visa_application_document (id,"
                                       " application_id, kind, reference, description, added_at)"
                                       " VALUES (?, ?, 'hospital_request', ?, ?, ?)",
                                       "ttttt", did, r.application_id, hospital_request,
                                       "extension of the visa", now);
            if (n < 0) {
                rc = (int)n;
                goto out;
            }
        }
        char nu[UBUR_DATE_LEN + 1];
        ubur_date_format(new_until, nu);
        snprintf(detail, sizeof(detail), "{\"valid_until\":\"%s\",\"days\":%d}", nu, stay);
    } else if (a == UBUR_VISA_SHORTEN) {
        if (until >= r.until || until < r.from) {
            rc = ubur_error_field(err, UBUR_EINVAL, "until",
                                  "a shortening must end within the current validity and before "
                                  "its end");
            goto out;
        }
        int stay = r.stay;
        if (until - r.from + 1 < stay)
            stay = (int)(until - r.from + 1);
        if ((rc = reissue(ctx, &r, until, stay, "shortened", err)) ||
            (rc = cascade_escort_visas(ctx, r.id, UBUR_VISA_SHORTEN, until, err)))
            goto out;
        char nu[UBUR_DATE_LEN + 1];
        ubur_date_format(until, nu);
        snprintf(detail, sizeof(detail), "{\"valid_until\":\"%s\",\"days\":%d}", nu, stay);
    } else {
        if ((rc = end_visa(ctx, r.id, ubur_visa_state_name(to), reason, err)) ||
            (rc = cascade_escort_visas(ctx, r.id, a, 0, err)))
            goto out;
    }
    if ((rc = ubur_visa_event(ctx, r.application_id, r.id, action, r.state,
                              ubur_visa_state_name(to), reason ? reason : hospital_request, false,
                              detail[0] ? detail : NULL, err)))
        goto out;
    if ((rc = ubur_store_commit(ctx->store, err)))
        goto out;
    rc = ubur_visa_get(ctx, r.id, out, err);
out:
    if (rc)
        ubur_store_rollback(ctx->store);
    return rc;
}

/* ---- verification ---- */

static bool
file_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* Offline part: decode, verify against cert (and ca), fill out; 0 when the signature holds. */
static int
verify_seal(const char *cert_path, const char *ca_path, const uint8_t *bin, size_t len,
            struct ubur_vds_visa *visa, json_t *out, struct ubur_error *err)
{
    struct ubur_vds seal;
    struct ubur_error verr = UBUR_ERROR_INIT;
    int rc = ubur_vds_decode(bin, len, &seal, err);
    if (rc)
        return rc;
    json_t *sig = json_pack("{s:s, s:s, s:b}", "signer", seal.header.signer, "cert_ref",
                            seal.header.cert_ref, "valid", 0);
    json_object_set_new(out, "signature", sig);
    rc = ubur_vds_visa_from_seal(&seal, visa, err);
    if (rc)
        return rc;
    json_object_set_new(out, "visa", ubur_vds_visa_json(visa));
    if (!cert_path) {
        json_object_set_new(sig, "error",
                            json_sprintf("no certificate for signer %s, reference %s",
                                         seal.header.signer, seal.header.cert_ref));
        return ubur_error_field(err, UBUR_EUNPROC, "certificate",
                                "no certificate for signer %s, reference %s", seal.header.signer,
                                seal.header.cert_ref);
    }
    struct ubur_vds_verifier *vf;
    if ((rc = ubur_vds_verifier_open(&vf, cert_path, ca_path, &verr))) {
        json_object_set_new(sig, "error", json_string(verr.message));
        *err = verr;
        return rc;
    }
    rc = ubur_vds_verify(vf, &seal, &verr);
    json_object_set_new(sig, "certificate", json_string(ubur_vds_verifier_subject(vf)));
    ubur_vds_verifier_close(vf);
    if (rc) {
        json_object_set_new(sig, "error", json_string(verr.message));
        *err = verr;
        return rc;
    }
    json_object_set_new(sig, "valid", json_true());
    return 0;
}

/* Visa number and expiry from a seal's MRZ line 2 (the first 28 characters are kept). */
static void
seal_number(const struct ubur_vds_visa *v, char number[16])
{
    size_t n = 0;
    for (; n < 9 && v->mrz2[n] && v->mrz2[n] != '<'; n++)
        number[n] = v->mrz2[n];
    number[n] = '\0';
}

int
ubur_visa_verify_offline(const char *cert_path, const char *ca_path, const char *text, json_t **out,
                         struct ubur_error *err)
{
    struct ubur_buf bin = UBUR_BUF_INIT;
    struct ubur_vds_visa visa = UBUR_VDS_VISA_INIT;
    if (!text || !*text)
        return ubur_error_field(err, UBUR_EINVAL, "seal", "is required");
    int rc = ubur_vds_parse_text(text, strlen(text), &bin, err);
    if (rc) {
        ubur_buf_release(&bin);
        if (!err->field[0])
            snprintf(err->field, sizeof(err->field), "seal");
        return rc;
    }
    json_t *o = json_object();
    rc = verify_seal(cert_path, ca_path, (const uint8_t *)bin.s, bin.len, &visa, o, err);
    ubur_buf_release(&bin);
    if (rc == UBUR_EINVAL) {
        json_decref(o);
        return rc;
    }
    json_object_set_new(o, "valid", json_boolean(rc == 0));
    json_object_set_new(o, "status", json_string(rc == 0 ? "signature_valid" : "invalid"));
    json_object_set_new(o, "online", json_false());
    *out = o;
    return rc;
}

/* Online: our own visas by number, a partner's against the revocations they sent. */
static int
online_status(struct ubur_ctx *ctx, const char *issuer, const char *number, const uint8_t *bin,
              size_t len, json_t *o, struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char *status = "unknown";
    int rc;
    if (ctx->state && issuer && !strcmp(issuer, ctx->state)) {
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT id, state, valid_from, valid_until, seal, end_reason"
                                     " FROM visa WHERE visa_number = ?",
                                     &st, err)))
            return rc;
        ubur_stmt_bind_text(st, 1, number);
        if ((rc = ubur_stmt_step(st, err)) == 1) {
            size_t n = 0;
            const void *cur = ubur_stmt_blob(st, 4, &n);
            enum ubur_visa_state s = ubur_visa_state_parse(ubur_stmt_text(st, 1));
            int64_t from = 0, until = 0, today = ubur_visa_today();
            ubur_date_parse(ubur_stmt_text(st, 2), &from, NULL);
            ubur_date_parse(ubur_stmt_text(st, 3), &until, NULL);
            if (s == UBUR_VISA_REVOKED)
                status = "revoked";
            else if (s == UBUR_VISA_ANNULLED)
                status = "annulled";
            else if (bin && (n != len || memcmp(cur, bin, len)))
                status = "superseded";
            else if (today < from)
                status = "not_yet_valid";
            else if (today > until)
                status = "expired";
            else
                status = "valid";
            json_object_set_new(
                o, "record",
                json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", ubur_stmt_text(st, 0), "state",
                          ubur_stmt_text(st, 1), "valid_from", ubur_stmt_text(st, 2), "valid_until",
                          ubur_stmt_text(st, 3), "end_reason", ubur_stmt_text(st, 5)));
        }
        ubur_stmt_done(st);
        if (rc < 0)
            return rc;
    } else if (issuer) {
        /* A partner's visa: revoked if they told us so (exchange), else as the seal says. */
        char *st_s = NULL;
        rc = ubur_store_query_text(ctx->store, NULL, &st_s,
                                   "SELECT status FROM partner_revocation WHERE issuing_state = ?"
                                   " AND visa_number = ? ORDER BY ended_at DESC LIMIT 1",
                                   "tt", issuer, number);
        if (!rc && st_s)
            status = !strcmp(st_s, "annulled") ? "annulled" : "revoked";
        else
            status = "no_revocation_known";
        free(st_s);
    }
    json_object_set_new(o, "status", json_string(status));
    return 0;
}

int
ubur_visa_verify(struct ubur_ctx *ctx, const char *text, const char *visa_number, json_t **out,
                 struct ubur_error *err)
{
    struct ubur_buf bin = UBUR_BUF_INIT;
    struct ubur_vds_visa visa = UBUR_VDS_VISA_INIT;
    json_t *o = json_object();
    int rc;

    if ((!text || !*text) && (!visa_number || !*visa_number)) {
        json_decref(o);
        return ubur_error_field(err, UBUR_EINVAL, "seal", "give a seal or a visa_number");
    }
    json_object_set_new(o, "online", json_true());
    if (!text || !*text) {
        if ((rc = online_status(ctx, ctx->state, visa_number, NULL, 0, o, err)))
            goto fail;
        const char *s = json_string_value(json_object_get(o, "status"));
        json_object_set_new(o, "valid",
                            json_boolean(!strcmp(s, "valid") || !strcmp(s, "not_yet_valid")));
        json_object_set_new(o, "usable_today", json_boolean(!strcmp(s, "valid")));
        json_object_set_new(o, "signature", json_null());
        *out = o;
        return 0;
    }
    if ((rc = ubur_vds_parse_text(text, strlen(text), &bin, err))) {
        if (!err->field[0])
            snprintf(err->field, sizeof(err->field), "seal");
        goto fail;
    }
    /* Find the signer's certificate by the seal's header. */
    struct ubur_vds seal;
    if ((rc = ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, err))) {
        if (!err->field[0] || !strcmp(err->field, "seal"))
            snprintf(err->field, sizeof(err->field), "seal");
        goto fail;
    }
    const char *dir = ubur_visa_keys_dir(ctx);
    char country[4] = "";
    size_t k = 0;
    for (const char *p = seal.header.issuing_country; *p && k < 3; p++)
        if (*p != '<')
            country[k++] = *p;
    country[k] = '\0';
    const char *cert = ubur_arena_printf(&ctx->arena, "%s/%s-%s.pem", dir, seal.header.signer,
                                         seal.header.cert_ref);
    if (!file_exists(cert))
        cert = NULL;
    const char *ca = ubur_arena_printf(&ctx->arena, "%s/csca-%s.pem", dir, country);
    if (!file_exists(ca))
        ca = NULL;
    struct ubur_error verr = UBUR_ERROR_INIT;
    int vrc = verify_seal(cert, ca, (const uint8_t *)bin.s, bin.len, &visa, o, &verr);
    if (vrc == UBUR_EINVAL) {
        *err = verr;
        rc = vrc;
        goto fail;
    }
    char number[16];
    seal_number(&visa, number);
    if ((rc = online_status(ctx, country, number, (const uint8_t *)bin.s, bin.len, o, err)))
        goto fail;
    const char *s = json_string_value(json_object_get(o, "status"));
    bool usable = vrc == 0 && (!strcmp(s, "valid") || !strcmp(s, "no_revocation_known"));
    bool valid = usable || (vrc == 0 && !strcmp(s, "not_yet_valid"));
    if (vrc)
        json_object_set_new(o, "status", json_string("invalid"));
    json_object_set_new(o, "valid", json_boolean(valid));
    json_object_set_new(o, "usable_today", json_boolean(usable));
    json_object_set_new(o, "visa_number", json_string(number));
    ubur_buf_release(&bin);
    *out = o;
    return 0;
fail:
    ubur_buf_release(&bin);
    json_decref(o);
    return rc;
}

/* ---- export of revocations ---- */

int
ubur_visa_revocations(struct ubur_ctx *ctx, const char *since, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int64_t t;
    char now[UBUR_TIME_LEN + 1], since_n[UBUR_TIME_LEN + 1] = "";
    if (since && *since) {
        if (ubur_time_parse(since, &t, NULL))
            return ubur_error_field(err, UBUR_EINVAL, "since", "'%s' is not a time", since);
        ubur_time_format(t, since_n);
    }
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT visa_number, issuing_state, state, ended_at, end_reason,"
                                " passport_number, nationality, valid_until FROM visa"
                                " WHERE state IN ('revoked', 'annulled') AND ended_at IS NOT NULL"
                                " AND ended_at >= ? ORDER BY ended_at, visa_number",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, since_n);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s}", "visa_number",
                      ubur_stmt_text(st, 0), "issuing_state", ubur_stmt_text(st, 1), "status",
                      ubur_stmt_text(st, 2), "ended_at", ubur_stmt_text(st, 3), "reason",
                      ubur_stmt_text(st, 4), "passport_number", ubur_stmt_text(st, 5),
                      "nationality", ubur_stmt_text(st, 6), "valid_until", ubur_stmt_text(st, 7)));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    ubur_time_format(ubur_now(), now);
    *out = json_pack("{s:s?, s:s, s:s?, s:o}", "issuing_state", ctx->state, "generated_at", now,
                     "since", since_n[0] ? since_n : NULL, "visas", arr);
    return 0;
}

/* ---- the printable page ---- */

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* One labelled field of the sticker: label (en / ar) above the value. */
static void
field(struct ubur_buf *b, double x, double y, const char *label, const char *value)
{
    ubur_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"l\">", x, y);
    ubur_buf_add_xml(b, label);
    ubur_buf_addf(b, "</text><text x=\"%.1f\" y=\"%.1f\" class=\"v\">", x, y + 4.2);
    ubur_buf_add_xml(b, value);
    ubur_buf_adds(b, "</text>\n");
}

/* The visa sticker as SVG: 120 x 80 mm, the ICAO MRV-A size. */
static int
page_svg(json_t *v, struct ubur_buf *b, struct ubur_error *err)
{
    struct ubur_buf bin = UBUR_BUF_INIT, dm_svg = UBUR_BUF_INIT;
    struct ubur_datamatrix dm = UBUR_DATAMATRIX_INIT;
    const char *seal = jstr(v, "seal");
    int rc = 0;
    char entries[16], days[16];
    int e = (int)json_integer_value(json_object_get(v, "entries"));
    if (e == 0)
        snprintf(entries, sizeof(entries), "MULT");
    else
        snprintf(entries, sizeof(entries), "%d", e);
    snprintf(days, sizeof(days), "%d", (int)json_integer_value(json_object_get(v, "days")));

    ubur_buf_adds(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120mm\" height=\"80mm\""
                  " viewBox=\"0 0 120 80\">\n<style>text{font-family:sans-serif}"
                  ".l{font-size:2.2px;fill:#555}.v{font-size:3.4px;font-weight:bold}"
                  ".h{font-size:5px;font-weight:bold}"
                  ".m{font-family:'OCR B','OCR-B',monospace;font-size:3.6px;"
                  "letter-spacing:0.06px}</style>\n"
                  "<rect x=\"0.5\" y=\"0.5\" width=\"119\" height=\"79\" rx=\"3\" fill=\"#f4f1e6\""
                  " stroke=\"#8a7d55\" stroke-width=\"0.4\"/>\n");
    ubur_buf_adds(b, "<text x=\"4\" y=\"8\" class=\"h\">VISA</text>"
                     "<text x=\"116\" y=\"8\" class=\"h\" text-anchor=\"end\">"
                     "\xd8\xaa\xd8\xa3\xd8\xb4\xd9\x8a\xd8\xb1\xd8\xa9</text>\n");
    field(b, 30, 4, "ISSUING STATE", jstr(v, "issuing_state"));
    field(b, 52, 4, "NUMBER", jstr(v, "visa_number"));
    field(b, 4, 14, "VALID FROM", jstr(v, "valid_from"));
    field(b, 25, 14, "UNTIL", jstr(v, "valid_until"));
    field(b, 46, 14, "ENTRIES", entries);
    field(b, 60, 14, "DAYS", days);
    field(b, 4, 23, "TYPE / PURPOSE", jstr(v, "purpose"));
    field(b, 46, 23, "PASSPORT", jstr(v, "passport_number"));
    char name[160];
    snprintf(name, sizeof(name), "%s, %s", jstr(v, "surname"), jstr(v, "given_names"));
    field(b, 4, 32, "SURNAME, GIVEN NAMES", name);
    field(b, 4, 41, "NATIONALITY", jstr(v, "nationality"));
    field(b, 25, 41, "DATE OF BIRTH", jstr(v, "birth_date"));
    field(b, 46, 41, "SEX", jstr(v, "sex"));
    if (*jstr(v, "hospital"))
        field(b, 4, 51, "REMARKS: TREATING HOSPITAL", jstr(v, "hospital"));
    else if (*jstr(v, "name_ar")) {
        ubur_buf_adds(b, "<text x=\"76\" y=\"55\" class=\"v\" text-anchor=\"end\">");
        ubur_buf_add_xml(b, jstr(v, "name_ar"));
        ubur_buf_adds(b, "</text>\n");
    }
    if (*seal) {
        if ((rc = ubur_vds_parse_text(seal, strlen(seal), &bin, err)) ||
            (rc = ubur_datamatrix_encode((const uint8_t *)bin.s, bin.len, &dm, err)) ||
            (rc = ubur_datamatrix_svg(&dm, 1, &dm_svg, err)))
            goto out;
        /* Nest the symbol's own SVG, scaled into a 36 mm square at the right. */
        const char *svg = strstr(dm_svg.s, "<svg");
        double size = 36.0, modules = dm.cols + 2.0 * UBUR_DATAMATRIX_QUIET;
        ubur_buf_addf(b, "<g transform=\"translate(80 12) scale(%.4f)\">\n", size / modules);
        ubur_buf_adds(b, svg ? svg : "");
        ubur_buf_adds(b, "</g>\n");
    }
    json_t *mrz = json_object_get(v, "mrz");
    for (size_t i = 0; i < json_array_size(mrz); i++) {
        ubur_buf_addf(b,
                      "<text x=\"4\" y=\"%.1f\" class=\"m\" textLength=\"112\""
                      " lengthAdjust=\"spacing\" xml:space=\"preserve\">",
                      67.0 + 7.0 * (double)i);
        ubur_buf_add_xml(b, json_string_value(json_array_get(mrz, i)));
        ubur_buf_adds(b, "</text>\n");
    }
    ubur_buf_adds(b, "</svg>\n");
out:
    ubur_datamatrix_release(&dm);
    ubur_buf_release(&bin);
    ubur_buf_release(&dm_svg);
    return rc;
}

int
ubur_visa_page(struct ubur_ctx *ctx, const char *id, const char *format, struct ubur_buf *out,
               struct ubur_error *err)
{
    json_t *v;
    bool html = format && !strcmp(format, "html");
    if (format && !html && strcmp(format, "svg"))
        return ubur_error_field(err, UBUR_EINVAL, "format", "'%s' is not svg or html", format);
    int rc = ubur_visa_get(ctx, id, &v, err);
    if (rc)
        return rc;
    if (html) {
        ubur_buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<title>Visa ");
        ubur_buf_add_xml(out, jstr(v, "visa_number"));
        ubur_buf_adds(out, "</title><style>@page{size:A4;margin:20mm}body{margin:0}"
                           "svg{display:block}@media print{.noprint{display:none}}</style>"
                           "</head><body>\n");
    } else {
        ubur_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    rc = page_svg(v, out, err);
    if (html && !rc)
        ubur_buf_adds(out, "<p class=\"noprint\">Print at 100% scale: the sticker is 120 x 80 mm."
                           "</p></body></html>\n");
    json_decref(v);
    return rc;
}
