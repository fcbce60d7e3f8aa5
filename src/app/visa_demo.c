/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The visa part of `ubur demo`: Syria's rules for Iraqis (religious,
 * medical and commercial tourism: 50 USD, a 30-day stay), a seal signer
 * for this state (keys written to the keys directory, private key 0600,
 * never into the database), and applications in every interesting state:
 * tourists issued automatically, a pilgrims' group, an urgent medical case
 * with an escort and an extension at the hospital's request, a case
 * waiting in the queue with a passport that expires too soon, a refusal, a
 * delegation under review, a revoked visa and a withdrawn application.
 * Dates are relative to today so the demo always looks current.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ubur/mrz.h"
#include "ubur/vds.h"
#include "ubur/visa.h"
#include "visa_internal.h"
#include "ubur/banned.h"

static int
set_rules(struct ubur_ctx *ctx, const char *code, const char *json, struct ubur_error *err)
{
    json_error_t jerr;
    json_t *f = json_loads(json, 0, &jerr), *out = NULL;
    if (!f)
        return ubur_error_set(err, UBUR_EINTERNAL, "demo rules for %s: %s", code, jerr.text);
    int rc = ubur_visa_purpose_put(ctx, code, f, &out, err);
    json_decref(f);
    json_decref(out);
    return rc;
}

static int
write_file(const char *path, const char *text, mode_t mode, struct ubur_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ubur_error_set(err, UBUR_EIO, "cannot create '%s': %s", path, strerror(errno));
    size_t n = strlen(text);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n;
    close(fd);
    if (!ok) {
        unlink(path);
        return ubur_error_set(err, UBUR_EIO, "cannot write '%s'", path);
    }
    return 0;
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ubur_buf b = UBUR_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ubur_buf_add(&b, chunk, n);
    fclose(f);
    return ubur_buf_detach(&b, len);
}

/* Creates this state's signer (and CSCA unless one is in the directory) and records it. */
static int
demo_keys(struct ubur_ctx *ctx, struct ubur_error *err)
{
    if (ubur_setting(ctx, "visa.signer_key", NULL))
        return 0;
    const char *state = ctx->state ? ctx->state : "SYR";
    const char *dir = ubur_visa_keys_dir(ctx);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return ubur_error_set(err, UBUR_EIO, "cannot create '%s': %s", dir, strerror(errno));
    char signer[5];
    snprintf(signer, sizeof(signer), "%.2sVS",
             !strcmp(state, "SYR")   ? "SY"
             : !strcmp(state, "IRQ") ? "IQ"
                                     : state);
    const char *csca_key = ubur_arena_printf(&ctx->arena, "%s/csca-%s.key", dir, state);
    const char *csca_pem = ubur_arena_printf(&ctx->arena, "%s/csca-%s.pem", dir, state);
    struct ubur_vds_keyspec spec = {.country = state, .signer = signer};
    size_t kl = 0, cl = 0;
    char *ck = read_file(csca_key, &kl), *cc = read_file(csca_pem, &cl);
    if (ck && cc) {
        spec.csca_key = ck;
        spec.csca_key_len = kl;
        spec.csca_cert = cc;
        spec.csca_cert_len = cl;
    }
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    int rc = ubur_vds_keys_new(&spec, &ks, err);
    if (ck)
        memset(ck, 0, kl);
    free(ck);
    free(cc);
    if (rc)
        return rc;
    const char *key = ubur_arena_printf(&ctx->arena, "%s/%s-%s.key", dir, ks.signer, ks.cert_ref);
    const char *pem = ubur_arena_printf(&ctx->arena, "%s/%s-%s.pem", dir, ks.signer, ks.cert_ref);
    if ((ks.csca_key && (rc = write_file(csca_key, ks.csca_key, 0600, err))) ||
        (ks.csca_cert && (rc = write_file(csca_pem, ks.csca_cert, 0644, err))) ||
        (rc = write_file(key, ks.signer_key, 0600, err)) ||
        (rc = write_file(pem, ks.signer_cert, 0644, err))) {
        ubur_vds_keyset_release(&ks);
        return rc;
    }
    ubur_vds_keyset_release(&ks);
    char *rk = realpath(key, NULL), *rp = realpath(pem, NULL);
    if (!rk || !rp) {
        free(rk);
        free(rp);
        return ubur_error_set(err, UBUR_EIO, "cannot resolve '%s'", key);
    }
    if ((rc = ubur_store_begin(ctx->store, err)))
        goto out;
    if (ubur_store_run(ctx->store, err,
                       "INSERT INTO settings (key, value) VALUES ('visa.signer_key', ?),"
                       " ('visa.signer_cert', ?) ON CONFLICT (key) DO UPDATE SET"
                       " value = excluded.value",
                       "tt", rk, rp) < 0 ||
        ubur_audit(ctx, "visa.signer.set", "setting", "visa.signer_cert", NULL, err) ||
        ubur_store_commit(ctx->store, err)) {
        ubur_store_rollback(ctx->store);
        rc = err ? err->code : UBUR_ESTORE;
    }
out:
    free(rk);
    free(rp);
    return rc;
}

struct demo_person {
    const char *surname, *given, *sex, *birth;
    int passport_years; /* years of validity left; negative: days instead */
};

static int
passport_mrz(const struct demo_person *p, unsigned n, char out[100], struct ubur_error *err)
{
    char number[16], expiry[UBUR_DATE_LEN + 1];
    struct ubur_mrz_lines lines;
    int64_t today = ubur_visa_today();
    snprintf(number, sizeof(number), "A%08u", 10432771u + n * 7919u);
    ubur_date_format(p->passport_years > 0 ? today + 365 * p->passport_years
                                           : today - p->passport_years,
                     expiry);
    struct ubur_mrz_fields f = {
        .format = UBUR_MRZ_TD3,
        .document_code = "P",
        .issuing_state = "IRQ",
        .surname = p->surname,
        .given_names = p->given,
        .document_number = number,
        .nationality = "IRQ",
        .birth_date = p->birth,
        .sex = p->sex[0],
        .expiry_date = expiry,
    };
    int rc = ubur_mrz_make(&f, &lines, err);
    if (!rc)
        ubur_mrz_lines_join(&lines, out, 100);
    return rc;
}

/* Submits an application; *id gets its id (arena). */
static int
apply(struct ubur_ctx *ctx, const struct demo_person *p, unsigned n, const char *purpose,
      int in_days, int days, const char *extra_json, const char **id, struct ubur_error *err)
{
    char mrz[100], entry[UBUR_DATE_LEN + 1];
    int rc = passport_mrz(p, n, mrz, err);
    if (rc)
        return rc;
    ubur_date_format(ubur_visa_today() + in_days, entry);
    json_t *req = extra_json ? json_loads(extra_json, 0, NULL) : json_object();
    if (!req)
        return ubur_error_set(err, UBUR_EINTERNAL, "bad demo application %u", n);
    json_object_set_new(req, "passport_mrz", json_string(mrz));
    json_object_set_new(req, "purpose", json_string(purpose));
    json_object_set_new(req, "entry_date", json_string(entry));
    json_object_set_new(req, "days", json_integer(days));
    json_t *out = NULL;
    rc = ubur_visa_apply(ctx, req, &out, err);
    json_decref(req);
    if (!rc)
        *id = ubur_arena_strdup(&ctx->arena, json_string_value(json_object_get(out, "id")));
    json_decref(out);
    return rc;
}

/* Takes an application through decisions until `target` (approved or issued). */
static int
decide(struct ubur_ctx *ctx, const char *id, const char *action, const char *reason,
       struct ubur_error *err)
{
    json_t *out = NULL;
    int rc = ubur_visa_decide(ctx, id, action, reason, NULL, &out, err);
    json_decref(out);
    return rc;
}

static int
approve_if_needed(struct ubur_ctx *ctx, const char *id, struct ubur_error *err)
{
    json_t *a = NULL;
    int rc = ubur_visa_application_get(ctx, id, &a, err);
    if (rc)
        return rc;
    bool open = !strcmp(json_string_value(json_object_get(a, "state")), "submitted") ||
                !strcmp(json_string_value(json_object_get(a, "state")), "under_review");
    json_decref(a);
    return open ? decide(ctx, id, "approve", NULL, err) : 0;
}

static int
issue(struct ubur_ctx *ctx, const char *app, const char **visa, struct ubur_error *err)
{
    json_t *out = NULL;
    int rc = approve_if_needed(ctx, app, err);
    if (!rc)
        rc = ubur_visa_issue(ctx, app, &out, err);
    if (!rc && visa)
        *visa = ubur_arena_strdup(&ctx->arena, json_string_value(json_object_get(out, "id")));
    json_decref(out);
    return rc;
}

static int
change(struct ubur_ctx *ctx, const char *visa, const char *action, const char *json,
       struct ubur_error *err)
{
    json_t *req = json_loads(json, 0, NULL), *out = NULL;
    int rc = ubur_visa_change(ctx, visa, action, req, &out, err);
    json_decref(req);
    json_decref(out);
    return rc;
}

int
ubur_visa_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err)
{
    static const struct demo_person people[] = {
        {"AL-JUBOURI", "AHMED KHALID", "M", "1978-03-14", 6},
        {"AL-MOSAWI", "ZAINAB HUSSEIN", "F", "1985-07-02", 5},
        {"AL-MOSAWI", "ALI HUSSEIN", "M", "1988-01-23", 4},
        {"AL-MOSAWI", "FATIMA ALI", "F", "2010-09-30", 3},
        {"AL-SAADI", "HASSAN JASIM", "M", "1961-11-20", 5},
        {"AL-SAADI", "MARYAM HASSAN", "F", "1990-05-09", 6},
        {"AL-OBAIDI", "NOOR SALAH", "F", "1972-02-17", -20},
        {"AL-KUBAISI", "OMAR FAROOQ", "M", "1980-12-01", 7},
        {"AL-RUBAIE", "SAAD MAHMOUD", "M", "1966-04-11", 8},
        {"AL-DULAIMI", "KARIM ABBAS", "M", "1990-08-15", 5},
        {"AL-TAEE", "HUDA MAJID", "F", "1995-06-25", 4},
    };
    const char *id[11], *visa_patient = NULL, *visa_rev = NULL;
    unsigned s = seed % 97; /* passport numbers vary with the seed */
    int rc;

    /* Syria's rules for Iraqis. */
    static const char *const rules[][2] = {
        {"tourism", "{\"nationalities\":[\"IRQ\"],\"fee\":\"50.00\",\"currency\":\"USD\","
                    "\"max_stay_days\":30,\"validity_days\":90,\"auto_approve\":true,"
                    "\"auto_max_risk\":20}"},
        {"religious_tourism",
         "{\"nationalities\":[\"IRQ\"],\"fee\":\"50.00\",\"currency\":\"USD\","
         "\"max_stay_days\":30,\"validity_days\":90,\"auto_approve\":true,\"auto_max_risk\":20}"},
        {"medical", "{\"nationalities\":[\"IRQ\"],\"fee\":\"50.00\",\"currency\":\"USD\","
                    "\"max_stay_days\":30,\"validity_days\":90,\"max_escorts\":2,"
                    "\"extendable\":true,\"max_extension_days\":30,\"priority\":10}"},
        {"medical_escort",
         "{\"nationalities\":[\"IRQ\"],\"fee\":\"50.00\",\"currency\":\"USD\","
         "\"max_stay_days\":30,\"validity_days\":90,\"extendable\":true,"
         "\"max_extension_days\":30,\"priority\":10,\"auto_approve\":true,\"auto_max_risk\":20}"},
        {"business", "{\"nationalities\":[\"IRQ\"],\"fee\":\"50.00\",\"currency\":\"USD\","
                     "\"max_stay_days\":30,\"validity_days\":180}"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if ((rc = set_rules(ctx, rules[i][0], rules[i][1], err)))
            return rc;
    if ((rc = demo_keys(ctx, err)))
        return rc;

    /* A tourist, issued. */
    if ((rc = apply(ctx, &people[0], s + 0, "tourism", 10, 14, NULL, &id[0], err)) ||
        (rc = issue(ctx, id[0], NULL, err)))
        return rc;
    /* A family of pilgrims in one group (Sayyida Zaynab), approved; the first issued. */
    if ((rc = apply(ctx, &people[1], s + 1, "religious_tourism", 20, 10,
                    "{\"group_ref\":\"PILGRIMS-ZAYNAB-01\",\"name_ar\":\"زينب حسين الموسوي\"}",
                    &id[1], err)))
        return rc;
    char fam[200];
    snprintf(fam, sizeof(fam), "{\"group_ref\":\"PILGRIMS-ZAYNAB-01\",\"family\":[\"%s\"]}", id[1]);
    if ((rc = apply(ctx, &people[2], s + 2, "religious_tourism", 20, 10, fam, &id[2], err)) ||
        (rc = apply(ctx, &people[3], s + 3, "religious_tourism", 20, 10, fam, &id[3], err)) ||
        (rc = issue(ctx, id[1], NULL, err)) || (rc = approve_if_needed(ctx, id[2], err)) ||
        (rc = approve_if_needed(ctx, id[3], err)))
        return rc;
    /* An urgent medical case with an escort, both issued, then extended at the hospital's
     * request. */
    if ((rc =
             apply(ctx, &people[4], s + 4, "medical", 3, 30,
                   "{\"urgent\":true,\"hospital\":\"Al-Mouwasat University Hospital, Damascus\","
                   "\"documents\":[{\"kind\":\"medical_letter\",\"reference\":\"MOH-IQ-2021-0417\","
                   "\"description\":\"cardiac surgery referral\"},{\"kind\":\"hospital_letter\","
                   "\"reference\":\"MOUWASAT-ADM-5512\"}]}",
                   &id[4], err)) ||
        (rc = decide(ctx, id[4], "review", NULL, err)) ||
        (rc = issue(ctx, id[4], &visa_patient, err)))
        return rc;
    char esc[200];
    snprintf(esc, sizeof(esc), "{\"patient_application_id\":\"%s\",\"family\":[\"%s\"]}", id[4],
             id[4]);
    if ((rc = apply(ctx, &people[5], s + 5, "medical_escort", 3, 30, esc, &id[5], err)) ||
        (rc = issue(ctx, id[5], NULL, err)) ||
        (rc = change(ctx, visa_patient, "extend",
                     "{\"days\":14,\"hospital_request\":\"MOUWASAT-EXT-0093\"}", err)))
        return rc;
    /* A medical case waiting in the queue: the passport expires during the stay. */
    if ((rc = apply(
             ctx, &people[6], s + 6, "medical", 12, 21,
             "{\"hospital\":\"Tishreen University Hospital, Latakia\","
             "\"documents\":[{\"kind\":\"medical_letter\",\"reference\":\"MOH-IQ-2021-0533\"}]}",
             &id[6], err)))
        return rc;
    /* A business visit refused. */
    if ((rc = apply(ctx, &people[7], s + 7, "business", 15, 7,
                    "{\"documents\":[{\"kind\":\"invitation\",\"reference\":\"DCC-INV-2021-88\"}]}",
                    &id[7], err)) ||
        (rc = decide(ctx, id[7], "refuse", "purpose_not_justified", err)))
        return rc;
    /* A ministry delegation under review. */
    if ((rc = apply(ctx, &people[8], s + 8, "official", 25, 5,
                    "{\"documents\":[{\"kind\":\"delegation_letter\","
                    "\"reference\":\"MOFA-IQ-DEL-2021-12\",\"description\":\"Ministry of "
                    "Interior delegation on border crossings\"}]}",
                    &id[8], err)) ||
        (rc = decide(ctx, id[8], "review", NULL, err)))
        return rc;
    /* A tourist visa issued, then revoked (it appears in the revocation export). */
    if ((rc = apply(ctx, &people[9], s + 9, "tourism", 8, 20, NULL, &id[9], err)) ||
        (rc = issue(ctx, id[9], &visa_rev, err)) ||
        (rc = change(ctx, visa_rev, "revoke", "{\"reason\":\"alert received after issuance\"}",
                     err)))
        return rc;
    /* An application withdrawn by the applicant. */
    if ((rc = apply(ctx, &people[10], s + 10, "tourism", 30, 7, NULL, &id[10], err)))
        return rc;
    return decide(ctx, id[10], "withdraw", "applicant cancelled the trip", err);
}
