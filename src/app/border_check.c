/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The traveller check, step by step (docs/internals/border.md):
 *   1. read the document: an MRZ as scanned (ICAO 9303, check digits) or
 *      fields typed by the officer; a bad MRZ is a document_invalid reason,
 *      bad typed fields an input error;
 *   2. find the traveller: by document number, nationality and birth date,
 *      then by name among travellers of that nationality and birth date;
 *      else a new traveller (only for a valid document);
 *   3. entries: the entitlement (national; a usable visa; visa-free N days
 *      in any M) with the authorised stay; exits: the open stay and any
 *      overstay;
 *   4. screen against the watchlists;
 *   5. apply the crossing's mode in force at the time of the check;
 *   6. decide (the rules in src/core/border_rules.c).
 * All of that only reads. Then one write through the group-commit writer
 * stores the new travellers, their documents and the checks (and the
 * group), and the answer is given once that write is committed: a check id
 * the officer holds can always be confirmed. A known traveller's single
 * check without alerts, whose row only repeats the answer, does not wait
 * even for that: its row is queued (border_pending.c keeps it findable
 * until committed) and its confirmation's record is applied after it. The
 * check's commit does not
 * wait for the disk (ubur_write_lazy): a check is a proposal, and the
 * record that confirms it is written durably (ubur_write), which makes the
 * check durable too (the WAL is one ordered log). Only a machine crash
 * between the two could lose a check; its confirmation then answers "no
 * check" and the officer checks again. A check whose screening may alert is
 * the exception: it opens a case for a supervisor, so it waits for the disk. No recorded crossing
 * is ever acknowledged before it is on disk.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/mrz.h"
#include "ubur/visa.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

#define NAME_MAX_BYTES 128
#define CHECK_TTL_DEFAULT 21600 /* seconds a pending check may be confirmed */
#define CLOCK_SKEW 900          /* seconds an officer's `at` may differ from the server's clock */

/* One traveller being checked: what was read, found and decided. */
struct subject {
    const struct ubur_check_input *in;
    char field_prefix[32]; /* "" alone, "travellers[3]." in a group */

    /* the document */
    bool from_mrz, readable, valid;
    char problem[UBUR_BORDER_REASON_MSG];
    char format[8];
    char number[UBUR_MRZ_NUMBER_MAX];
    char nationality[4];
    char birth_date[UBUR_DATE_LEN + 1];
    char expiry_date[UBUR_DATE_LEN + 1];
    char surname[NAME_MAX_BYTES + 1];
    char given_names[NAME_MAX_BYTES + 1];
    char sex[2];
    char code[3];
    char issuing[4];
    int64_t expiry_day;

    /* the traveller */
    char traveller_id[UBUR_UUID_LEN + 1];
    bool new_traveller, new_document;
    const char *linked_by; /* "document", "name", "new" or NULL */

    /* entitlement (entries) or open stay (exits) */
    const char *basis; /* "national", "visa", "visa_free", "none"; NULL unknown */
    char visa_id[UBUR_UUID_LEN + 1];
    char visa_number[UBUR_VISA_NUMBER_MAX + 1];
    char purpose[UBUR_VISA_PURPOSE_MAX + 1];
    int64_t authorised_until; /* day, UBUR_STAY_OPEN unlimited, INT64_MIN none */
    int rule_days, rule_window;
    char stay_id[UBUR_UUID_LEN + 1]; /* exit: the stay closed; entry: an open stay left over */

    /* the visa seal presented, when one was (ICAO 9303 Part 13 visible digital seal) */
    bool seal_given, seal_signature_valid;
    char seal_status[24];                     /* ubur_visa_verify's status, or "unreadable" */
    char seal_visa[UBUR_VISA_NUMBER_MAX + 1]; /* the visa number the seal names */
    char seal_signer[16];
    char seal_passport[12];
    const char *visa_wanted; /* the visa to use: the one typed, else the seal's */

    bool returnee, cargo, group;
    struct ubur_border_reasons reasons;
    enum ubur_border_decision decision;
    struct border_screening screening;
    json_t *notes;

    char check_id[UBUR_UUID_LEN + 1];
    char *result;       /* the answer as stored (JSON text); malloc'd */
    json_t *answer;     /* the same as an object, owned */
    char *reasons_text; /* the answer's reasons as stored; malloc'd */
    /* answer, result and reasons_text were built by the request thread before the write (no
     * alert to store): the writer keeps them unless the write changes the traveller */
    bool prebuilt;
};

struct check_batch {
    const struct ubur_check_place *place;
    const struct border_crossing *crossing;
    enum ubur_border_direction dir;
    struct subject *s;
    int n;
    /* group, when group_id[0] */
    char group_id[UBUR_UUID_LEN + 1];
    const struct ubur_group_input *group;
    int count[3];
    char at[UBUR_TIME_LEN + 1], now[UBUR_TIME_LEN + 1];
    bool want_object; /* the answers as objects too (a group, the CLI), not only as text */
};

static void note(struct subject *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct subject *s, const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(s->notes, json_string(buf));
}

static int field_err(struct subject *s, struct ubur_error *err, const char *field, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

static int
field_err(struct subject *s, struct ubur_error *err, const char *field, const char *fmt, ...)
{
    char msg[256], name[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(name, sizeof(name), "%s%s", s->field_prefix, field);
    return ubur_error_field(err, UBUR_EINVAL, name, "%s", msg);
}

/* ---- 1. the document ---- */

/* An ICAO state or organisation code (ICAO Doc 9303 Part 3). */
static bool
state_known(const char *code)
{
    return ubur_mrz_state_known(code);
}

static bool
upper_alnum(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        s[i] = (char)toupper((unsigned char)s[i]);
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

static int
read_typed(struct subject *s, int64_t at_day, struct ubur_error *err)
{
    const struct ubur_document_input *d = &s->in->document;
    int64_t day;

    if (!d->document_number || !*d->document_number)
        return field_err(s, err, "document.document_number", "is required (or give mrz)");
    snprintf(s->number, sizeof(s->number), "%s", d->document_number);
    if (strlen(d->document_number) >= sizeof(s->number) || !upper_alnum(s->number, 20))
        return field_err(s, err, "document.document_number",
                         "'%.40s' is not a document number (1 to 20 letters and digits)",
                         d->document_number);
    snprintf(s->nationality, sizeof(s->nationality), "%s", d->nationality ? d->nationality : "");
    if (!d->nationality || strlen(d->nationality) != 3 || !upper_alnum(s->nationality, 3) ||
        !state_known(s->nationality))
        return field_err(s, err, "document.nationality",
                         "'%.16s' is not an ICAO state code (e.g. IRQ, SYR)",
                         d->nationality ? d->nationality : "");
    if (!d->birth_date || ubur_date_parse(d->birth_date, &day, NULL) || day > at_day)
        return field_err(s, err, "document.birth_date", "'%.16s' is not a past date YYYY-MM-DD",
                         d->birth_date ? d->birth_date : "");
    snprintf(s->birth_date, sizeof(s->birth_date), "%s", d->birth_date);
    s->expiry_day = INT64_MIN;
    if (d->expiry_date && *d->expiry_date) {
        if (ubur_date_parse(d->expiry_date, &s->expiry_day, NULL))
            return field_err(s, err, "document.expiry_date", "'%.16s' is not a date YYYY-MM-DD",
                             d->expiry_date);
        snprintf(s->expiry_date, sizeof(s->expiry_date), "%s", d->expiry_date);
    }
    if (!d->surname || !*d->surname)
        return field_err(s, err, "document.surname", "is required");
    if (strlen(d->surname) > NAME_MAX_BYTES || !ubur_utf8_valid(d->surname, strlen(d->surname)))
        return field_err(s, err, "document.surname", "is not a name of at most %d bytes",
                         NAME_MAX_BYTES);
    snprintf(s->surname, sizeof(s->surname), "%s", d->surname);
    if (d->given_names) {
        if (strlen(d->given_names) > NAME_MAX_BYTES ||
            !ubur_utf8_valid(d->given_names, strlen(d->given_names)))
            return field_err(s, err, "document.given_names", "is not a name of at most %d bytes",
                             NAME_MAX_BYTES);
        snprintf(s->given_names, sizeof(s->given_names), "%s", d->given_names);
    }
    if (d->sex && *d->sex) {
        if (strlen(d->sex) != 1 || !strchr("MFX", d->sex[0]))
            return field_err(s, err, "document.sex", "'%.8s' is not M, F or X", d->sex);
        s->sex[0] = d->sex[0];
    }
    snprintf(s->code, sizeof(s->code), "%s", d->document_code ? d->document_code : "P");
    if (strlen(s->code) < 1 || strlen(s->code) > 2 || !upper_alnum(s->code, 2))
        return field_err(s, err, "document.document_code", "'%.8s' is not a document code",
                         d->document_code);
    snprintf(s->issuing, sizeof(s->issuing), "%s",
             d->issuing_state ? d->issuing_state : s->nationality);
    if (strlen(s->issuing) != 3 || !upper_alnum(s->issuing, 3) || !state_known(s->issuing))
        return field_err(s, err, "document.issuing_state", "'%.16s' is not an ICAO state code",
                         d->issuing_state ? d->issuing_state : "");
    s->readable = s->valid = true;
    return 0;
}

static int
read_mrz(struct subject *s, int64_t at_day, struct ubur_error *err)
{
    struct ubur_mrz m;
    struct ubur_mrz_opts o = UBUR_MRZ_OPTS_INIT;
    size_t len = strlen(s->in->mrz);

    if (len > UBUR_MRZ_INPUT_MAX)
        return field_err(s, err, "mrz", "longer than %d bytes", UBUR_MRZ_INPUT_MAX);
    o.today = at_day;
    s->from_mrz = true;
    ubur_mrz_parse(s->in->mrz, len, &o, &m, NULL);
    snprintf(s->format, sizeof(s->format), "%s", m.format ? ubur_mrz_format_name(m.format) : "");
    snprintf(s->number, sizeof(s->number), "%s", m.document_number);
    snprintf(s->nationality, sizeof(s->nationality), "%s", m.nationality);
    snprintf(s->surname, sizeof(s->surname), "%s", m.surname);
    snprintf(s->given_names, sizeof(s->given_names), "%s", m.given_names);
    snprintf(s->code, sizeof(s->code), "%s", m.document_code);
    snprintf(s->issuing, sizeof(s->issuing), "%s", m.issuing_state);
    if (m.sex == 'M' || m.sex == 'F' || m.sex == 'X')
        s->sex[0] = m.sex;
    if (!ubur_mrz_date_iso(&m.birth_date, s->birth_date) && m.birth_date.year)
        snprintf(s->birth_date, sizeof(s->birth_date), "%04d", m.birth_date.year);
    s->expiry_day = INT64_MIN;
    if (ubur_mrz_date_iso(&m.expiry_date, s->expiry_date))
        ubur_date_parse(s->expiry_date, &s->expiry_day, NULL);
    for (int i = 0; i < m.ncorrected; i++)
        note(s, "the scan of %s read '%s', repaired to '%s'", m.corrected[i].field,
             m.corrected[i].read, m.corrected[i].value);

    if (m.format == UBUR_MRZ_MRVA || m.format == UBUR_MRZ_MRVB) {
        snprintf(s->problem, sizeof(s->problem),
                 "this is a visa; scan the passport or identity card");
        return 0;
    }
    if (!m.valid) {
        if (m.nerrors)
            snprintf(s->problem, sizeof(s->problem), "%s: %s", m.errors[0].field,
                     m.errors[0].message);
        else
            snprintf(s->problem, sizeof(s->problem), "the machine readable zone is not valid");
        /* Enough was read to look the traveller up, never enough to create one. */
        s->readable = s->number[0] && strlen(s->nationality) == 3 && s->birth_date[0];
        return 0;
    }
    s->readable = s->valid = s->number[0] && s->nationality[0] && s->birth_date[0];
    if (!s->valid)
        snprintf(s->problem, sizeof(s->problem),
                 "the zone gives no document number, "
                 "nationality or birth date");
    return 0;
}

/* ---- 2. the traveller ---- */

static int
find_traveller(struct ubur_ctx *ctx, struct subject *s, struct ubur_error *err)
{
    struct ubur_stmt *st;
    char recorded_birth[UBUR_DATE_LEN + 1] = "";
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT traveller_id, birth_date FROM traveller_documents"
                                " WHERE document_number = ? AND nationality = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, s->number);
    ubur_stmt_bind_text(st, 2, s->nationality);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (!strcmp(ubur_stmt_text(st, 1), s->birth_date)) {
            snprintf(s->traveller_id, sizeof(s->traveller_id), "%s", ubur_stmt_text(st, 0));
            s->linked_by = "document";
        } else if (!recorded_birth[0]) {
            snprintf(recorded_birth, sizeof(recorded_birth), "%s", ubur_stmt_text(st, 1));
        }
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (s->traveller_id[0])
        return 0;
    if (recorded_birth[0])
        ubur_border_reason_add(&s->reasons, UBUR_REASON_IDENTITY_MISMATCH, UBUR_DECISION_REFER,
                               "document %s of %s was recorded for a person born %s, not %s",
                               s->number, s->nationality, recorded_birth, s->birth_date);

    /*
     * The same person with a new document: same nationality, birth date and
     * name. Only a single such traveller is taken: two namesakes born the same
     * day (common names, 1 January as a placeholder birth date) are never
     * merged into one person; the new document then starts a new traveller.
     */
    rc = ubur_store_prepare(ctx->store,
                            "SELECT id, surname, given_names FROM travellers"
                            " WHERE nationality = ? AND birth_date = ? LIMIT 200",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, s->nationality);
    ubur_stmt_bind_text(st, 2, s->birth_date);
    int namesakes = 0;
    char candidate[UBUR_UUID_LEN + 1] = "";
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (ubur_border_same_name(s->surname, s->given_names, ubur_stmt_text(st, 1),
                                  ubur_stmt_text(st, 2)) &&
            namesakes++ == 0)
            snprintf(candidate, sizeof(candidate), "%s", ubur_stmt_text(st, 0));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (namesakes == 1) {
        snprintf(s->traveller_id, sizeof(s->traveller_id), "%s", candidate);
        s->linked_by = "name";
        s->new_document = s->valid;
    } else if (namesakes > 1) {
        note(s, "%d known travellers share this name, nationality and birth date; not linked",
             namesakes);
    }
    if (s->traveller_id[0]) {
        if (s->valid)
            note(s, "a new document for a known traveller (same nationality, birth date and "
                    "name)");
        return 0;
    }
    if (!s->valid)
        return 0; /* an invalid document never creates a traveller */
    ubur_uuid7(s->traveller_id);
    s->new_traveller = s->new_document = true;
    s->linked_by = "new";
    return 0;
}

/* ---- 3. entitlement and stays ---- */

/* Earlier stays in `state` that reach into the window before at_day (open ones end at_day). */
static int
past_stays(struct ubur_ctx *ctx, struct subject *s, const char *state, int64_t at_day, int window,
           struct ubur_stay_span *out, int max, int *n, struct ubur_error *err)
{
    struct ubur_stmt *st;
    char from[UBUR_DATE_LEN + 1];
    ubur_date_format(at_day - window, from);
    *n = 0;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT entry_date, exit_date FROM stays WHERE traveller_id = ?"
                                " AND state = ? AND (exit_date IS NULL OR exit_date >= ?)",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, s->traveller_id);
    ubur_stmt_bind_text(st, 2, state);
    ubur_stmt_bind_text(st, 3, from);
    while ((rc = ubur_stmt_step(st, err)) == 1 && *n < max) {
        int64_t a, b = at_day;
        if (ubur_date_parse(ubur_stmt_text(st, 0), &a, NULL))
            continue;
        if (!ubur_stmt_is_null(st, 1) && ubur_date_parse(ubur_stmt_text(st, 1), &b, NULL))
            continue;
        out[*n].entry_day = a;
        out[*n].exit_day = b;
        (*n)++;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static void
visa_facts(const struct ubur_visa_valid *v, struct ubur_border_visa_facts *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->number, sizeof(f->number), "%s", v->visa_number);
    snprintf(f->purpose, sizeof(f->purpose), "%s", v->purpose);
    snprintf(f->usable, sizeof(f->usable), "%s", ubur_visa_usable_name(v->usable));
    if (ubur_date_parse(v->valid_from, &f->valid_from, NULL))
        f->valid_from = 0;
    if (ubur_date_parse(v->valid_until, &f->valid_until, NULL))
        f->valid_until = 0;
    f->entries = v->entries;
    f->stay_days = v->stay_days;
    if (!v->stay_until[0] || ubur_date_parse(v->stay_until, &f->stay_until, NULL))
        f->stay_until = INT64_MIN;
}

static int
entry_entitlement(struct ubur_ctx *ctx, const struct border_crossing *c, struct subject *s,
                  int64_t at, struct ubur_error *err)
{
    int64_t at_day = ubur_border_day(at);
    struct ubur_visa_valid v;
    struct ubur_error verr = UBUR_ERROR_INIT;
    int rc;

    s->authorised_until = INT64_MIN;
    if (!strcmp(s->nationality, c->state)) {
        s->basis = "national";
        s->authorised_until = UBUR_STAY_OPEN;
        return 0;
    }
    rc = ubur_visa_find_valid(ctx->store, s->number, s->nationality, s->visa_wanted, at, &v, &verr);
    if (rc && rc != UBUR_ENOTFOUND) {
        if (err)
            *err = verr;
        return rc;
    }
    bool have_visa = rc == 0;
    if (have_visa && v.usable == UBUR_VISA_USABLE) {
        struct ubur_border_visa_facts f;
        visa_facts(&v, &f);
        s->basis = "visa";
        snprintf(s->visa_id, sizeof(s->visa_id), "%s", v.visa_id);
        snprintf(s->visa_number, sizeof(s->visa_number), "%s", v.visa_number);
        snprintf(s->purpose, sizeof(s->purpose), "%s", v.purpose);
        s->rule_days = v.stay_days;
        int64_t until = ubur_border_rule_visa(&f, at_day, &s->reasons);
        if (until >= at_day)
            s->authorised_until = until;
        if (v.in_country)
            note(s, "visa %s shows an entry on %s without an exit", v.visa_number,
                 v.in_country_since);
        return 0;
    }

    /* No usable visa: visa-free entry, unless a specific visa was presented. */
    int64_t max_days = 0, window = 0;
    if (!s->visa_wanted) {
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT max_days, window_days FROM border_visa_free"
                                     " WHERE state = ? AND nationality = ?",
                                     &st, err)))
            return rc;
        ubur_stmt_bind_text(st, 1, c->state);
        ubur_stmt_bind_text(st, 2, s->nationality);
        rc = ubur_stmt_step(st, err);
        if (rc == 1) {
            max_days = ubur_stmt_int(st, 0);
            window = ubur_stmt_int(st, 1);
        }
        ubur_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    if (max_days > 0) {
        struct ubur_stay_span spans[256];
        int n = 0;
        if (s->traveller_id[0] && !s->new_traveller &&
            (rc = past_stays(ctx, s, c->state, at_day, (int)window, spans, 256, &n, err)))
            return rc;
        s->basis = "visa_free";
        snprintf(s->purpose, sizeof(s->purpose), "visa_free");
        s->rule_days = (int)max_days;
        s->rule_window = (int)window;
        int64_t until =
            ubur_border_rule_visa_free(spans, n, at_day, (int)max_days, (int)window, &s->reasons);
        if (until >= at_day)
            s->authorised_until = until;
        return 0;
    }
    s->basis = "none";
    if (have_visa) {
        struct ubur_border_visa_facts f;
        visa_facts(&v, &f);
        snprintf(s->visa_id, sizeof(s->visa_id), "%s", v.visa_id);
        snprintf(s->visa_number, sizeof(s->visa_number), "%s", v.visa_number);
        snprintf(s->purpose, sizeof(s->purpose), "%s", v.purpose);
        ubur_border_rule_visa(&f, at_day, &s->reasons);
    } else if (s->visa_wanted) {
        ubur_border_reason_add(&s->reasons, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE, "%s",
                               verr.message);
    } else {
        ubur_border_reason_add(&s->reasons, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE,
                               "no visa for document %s, and nationals of %s need one to "
                               "enter %s",
                               s->number, s->nationality, c->state);
    }
    return 0;
}

/* Entry: a stay left open (an exit never recorded). Exit: the stay this exit closes. */
static int
open_stay(struct ubur_ctx *ctx, const struct border_crossing *c, struct subject *s,
          enum ubur_border_direction dir, int64_t at, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int64_t at_day = ubur_border_day(at);
    if (!s->traveller_id[0] || s->new_traveller) {
        if (dir == UBUR_BORDER_EXIT && strcmp(s->nationality, c->state) != 0)
            note(s, "no entry into %s is recorded for this traveller", c->state);
        return 0;
    }
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, basis, visa_id, visa_number, purpose,"
                                " authorised_until, entry_date FROM stays WHERE traveller_id = ?"
                                " AND state = ? AND exit_date IS NULL"
                                " ORDER BY entry_date DESC LIMIT 1",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, s->traveller_id);
    ubur_stmt_bind_text(st, 2, c->state);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(s->stay_id, sizeof(s->stay_id), "%s", ubur_stmt_text(st, 0));
        if (dir == UBUR_BORDER_ENTRY) {
            note(s, "entered %s on %s with no exit recorded since; this entry closes that stay",
                 c->state, ubur_stmt_text(st, 6));
        } else {
            s->basis = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 1));
            if (!ubur_stmt_is_null(st, 2))
                snprintf(s->visa_id, sizeof(s->visa_id), "%s", ubur_stmt_text(st, 2));
            if (!ubur_stmt_is_null(st, 3))
                snprintf(s->visa_number, sizeof(s->visa_number), "%s", ubur_stmt_text(st, 3));
            if (!ubur_stmt_is_null(st, 4))
                snprintf(s->purpose, sizeof(s->purpose), "%s", ubur_stmt_text(st, 4));
            s->authorised_until = UBUR_STAY_OPEN;
            if (!ubur_stmt_is_null(st, 5))
                ubur_date_parse(ubur_stmt_text(st, 5), &s->authorised_until, NULL);
        }
        rc = 0;
    } else if (rc == 0 && dir == UBUR_BORDER_EXIT && strcmp(s->nationality, c->state) != 0) {
        note(s, "no entry into %s is recorded for this traveller", c->state);
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (dir != UBUR_BORDER_EXIT || !s->stay_id[0])
        return 0;
    /* A visa extended (or shortened) since the entry moves the end of the stay. */
    if (s->visa_number[0] && s->number[0]) {
        struct ubur_visa_valid v;
        if (ubur_visa_find_valid(ctx->store, s->number, s->nationality, s->visa_number, at, &v,
                                 NULL) == 0 &&
            v.stay_until[0]) {
            int64_t until;
            if (!ubur_date_parse(v.stay_until, &until, NULL) && until != s->authorised_until) {
                note(s, "visa %s now authorises the stay until %s", v.visa_number, v.stay_until);
                s->authorised_until = until;
            }
        }
    }
    ubur_border_rule_exit_stay(s->authorised_until, at_day, &s->reasons);
    return 0;
}

/* ---- 3a. a visa seal presented at the counter ---- */

/* The seal's text with its passport number's filler dropped, for comparing with the document. */
static bool
same_passport(const char *seal_number, const char *document_number)
{
    /* A seal keeps at most 9 characters of the passport number (ICAO 9303 Part 13). */
    size_t n = strlen(seal_number);
    return n > 0 && !strncmp(seal_number, document_number, n) &&
           (strlen(document_number) == n || n == 9);
}

/*
 * Verifies the seal offline (its ECDSA signature against the issuing
 * state's signer certificate in the keys directory, chained to that state's
 * CSCA when present) and online (the visa it names in the register), then
 * makes it part of the decision: a seal that cannot be read or whose
 * signature fails is a referral (a suspected forgery goes to secondary
 * inspection); a seal for another passport, another state or another visa
 * than the one typed is an identity_mismatch referral; a genuine seal names
 * the visa the entitlement step then judges (revoked, annulled, expired, no
 * entries left...). Reads only.
 */
static int
check_seal(struct ubur_ctx *ctx, const struct border_crossing *c, struct subject *s,
           enum ubur_border_direction dir, struct ubur_error *err)
{
    json_t *v = NULL;
    struct ubur_error verr = UBUR_ERROR_INIT;
    s->seal_given = true;
    /* Verified as the crossing's own state would: its visas are judged in its register. */
    const char *own_state = ctx->state;
    ctx->state = c->state;
    int rc = ubur_visa_verify(ctx, s->in->seal, NULL, &v, &verr);
    ctx->state = own_state;
    if (rc == UBUR_EINVAL || rc == UBUR_EUNPROC) {
        snprintf(s->seal_status, sizeof(s->seal_status), "unreadable");
        ubur_border_reason_add(&s->reasons, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFER,
                               "the visa seal cannot be read: %s", verr.message);
        return 0;
    }
    if (rc) {
        if (err)
            *err = verr;
        return rc;
    }
    json_t *sig = json_object_get(v, "signature");
    json_t *sv = json_object_get(v, "visa");
    const char *status = json_string_value(json_object_get(v, "status"));
    const char *number = json_string_value(json_object_get(v, "visa_number"));
    const char *passport = json_string_value(json_object_get(sv, "passport_number"));
    /* MRZ line 1 of a visa: "V", type, then the issuing state (ICAO 9303 Part 7). */
    const char *mrz1 = json_string_value(json_array_get(json_object_get(sv, "mrz"), 0));
    const char *issuer = mrz1 && strlen(mrz1) >= 5 ? mrz1 + 2 : NULL;
    snprintf(s->seal_status, sizeof(s->seal_status), "%s", status ? status : "invalid");
    snprintf(s->seal_visa, sizeof(s->seal_visa), "%s", number ? number : "");
    snprintf(s->seal_passport, sizeof(s->seal_passport), "%s", passport ? passport : "");
    const char *signer = json_string_value(json_object_get(sig, "signer"));
    snprintf(s->seal_signer, sizeof(s->seal_signer), "%s", signer ? signer : "");
    s->seal_signature_valid = json_is_true(json_object_get(sig, "valid"));
    if (!s->seal_signature_valid) {
        const char *why = json_string_value(json_object_get(sig, "error"));
        ubur_border_reason_add(&s->reasons, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFER,
                               "the visa seal's signature does not verify (%s): a possible "
                               "forgery",
                               why ? why : "no trusted certificate");
        goto out;
    }
    if (s->readable && !same_passport(s->seal_passport, s->number)) {
        ubur_border_reason_add(&s->reasons, UBUR_REASON_IDENTITY_MISMATCH, UBUR_DECISION_REFER,
                               "the visa seal is for passport %s, not %s", s->seal_passport,
                               s->number);
        goto out;
    }
    if (dir == UBUR_BORDER_ENTRY && issuer && strncmp(issuer, c->state, 3) != 0) {
        ubur_border_reason_add(&s->reasons, UBUR_REASON_NO_VALID_VISA, UBUR_DECISION_REFUSE,
                               "the visa seal was issued by %.3s; entering %s needs a visa of %s",
                               issuer, c->state, c->state);
        goto out;
    }
    if (s->in->visa_number && strcmp(s->in->visa_number, s->seal_visa) != 0) {
        ubur_border_reason_add(&s->reasons, UBUR_REASON_IDENTITY_MISMATCH, UBUR_DECISION_REFER,
                               "the visa seal names visa %s, not the %s typed", s->seal_visa,
                               s->in->visa_number);
        goto out;
    }
    if (!s->in->visa_number && s->seal_visa[0])
        s->visa_wanted = ubur_arena_strdup(&ctx->arena, s->seal_visa);
    if (!strcmp(s->seal_status, "superseded"))
        note(s,
             "the seal presented was re-issued since (an extension or shortening); the "
             "register's current visa %s applies",
             s->seal_visa);
    else
        note(s, "visa seal verified: signed by %s, visa %s (%s in the register)", s->seal_signer,
             s->seal_visa, s->seal_status);
out:
    json_decref(v);
    return 0;
}

/* ---- steps 1 to 6 for one traveller (reads only) ---- */

static int
assess(struct ubur_ctx *ctx, const struct border_crossing *c, enum ubur_border_direction dir,
       int64_t at, bool group, struct subject *s, struct ubur_error *err)
{
    int64_t at_day = ubur_border_day(at);
    int rc;

    s->notes = json_array();
    s->group = group;
    s->cargo = s->in->cargo;
    s->returnee = s->in->returnee;
    s->authorised_until = INT64_MIN;
    if (s->in->mrz && *s->in->mrz)
        rc = read_mrz(s, at_day, err);
    else
        rc = read_typed(s, at_day, err);
    if (rc)
        return rc;
    if (s->in->visa_number &&
        (strlen(s->in->visa_number) > UBUR_VISA_NUMBER_MAX || !*s->in->visa_number))
        return field_err(s, err, "visa_number", "'%.16s' is not a visa number", s->in->visa_number);
    s->visa_wanted = s->in->visa_number;
    if (s->in->seal && *s->in->seal && (rc = check_seal(ctx, c, s, dir, err)))
        return rc;

    ubur_border_rule_document(dir, s->nationality[0] && !strcmp(s->nationality, c->state),
                              s->problem[0] ? s->problem : NULL, s->expiry_day, at_day,
                              &s->reasons);
    if (s->readable) {
        if ((rc = find_traveller(ctx, s, err)))
            return rc;
        if (dir == UBUR_BORDER_ENTRY && (rc = entry_entitlement(ctx, c, s, at, err)))
            return rc;
        if ((rc = open_stay(ctx, c, s, dir, at, err)))
            return rc;
        if (dir == UBUR_BORDER_EXIT && !strcmp(s->nationality, c->state) && !s->basis)
            s->basis = "national";
        /*
         * A refugee going home: crossing into the origin state (entering it here,
         * or leaving here for it) with its passport (or a stateless person's,
         * XX*), registered with that origin. Only those documents are looked
         * up, as the record's returnee hook does.
         */
        const char *to_state = dir == UBUR_BORDER_ENTRY ? c->state : c->partner_state;
        if (!s->returnee && to_state[0] &&
            (!strcmp(s->nationality, to_state) || !strncmp(s->nationality, "XX", 2))) {
            char num[64];
            if ((rc =
                     ubur_border_find_returnee(ctx, s->number, s->nationality, to_state, num, err)))
                return rc;
            if (num[0]) {
                s->returnee = true;
                note(s,
                     "registered refugee %s from %s going home: a returnee (flagged in the "
                     "registry when the crossing is recorded)",
                     num, to_state);
            }
        }
        if ((rc = ubur_border_screen_match(ctx, s->surname, s->given_names, s->birth_date,
                                           s->nationality, s->sex[0] ? s->sex : NULL,
                                           s->traveller_id[0] ? s->traveller_id : NULL,
                                           &s->screening, err)))
            return rc;
    }

    struct ubur_border_schedule sched;
    struct ubur_border_category cat;
    memset(&cat, 0, sizeof(cat));
    snprintf(cat.nationality, sizeof(cat.nationality), "%s", s->nationality);
    snprintf(cat.purpose, sizeof(cat.purpose), "%s", s->purpose);
    cat.national = s->nationality[0] && !strcmp(s->nationality, c->state);
    cat.returnee = s->returnee;
    cat.group = s->group;
    cat.cargo = s->cargo;
    ubur_border_crossing_schedule(c, &sched);
    if (!c->has_schedule)
        ubur_border_reason_add(&s->reasons, UBUR_REASON_CROSSING_CLOSED, UBUR_DECISION_REFUSE,
                               "the crossing is not in operation (no schedule in force)");
    else
        ubur_border_rule_mode(&sched, &cat, at, &s->reasons);
    s->decision = ubur_border_decide(&s->reasons);
    return 0;
}

/* ---- the answer ---- */

static json_t *
reasons_json(const struct ubur_border_reasons *rs)
{
    json_t *arr = json_array();
    for (int i = 0; i < rs->n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "code",
                                             ubur_border_reason_name(rs->r[i].code), "decision",
                                             ubur_border_decision_name(rs->r[i].decision),
                                             "message", rs->r[i].message));
    return arr;
}

static json_t *
day_json(int64_t day)
{
    char d[UBUR_DATE_LEN + 1];
    if (day == INT64_MIN || day == UBUR_STAY_OPEN)
        return json_null();
    ubur_date_format(day, d);
    return json_string(d);
}

static json_t *
subject_json(const struct check_batch *b, const struct subject *s)
{
    const struct border_crossing *c = b->crossing;
    json_t *doc =
        json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:b}", "source",
                  s->from_mrz ? "mrz" : "typed", "format", s->format[0] ? s->format : NULL,
                  "document_number", s->number, "nationality", s->nationality, "birth_date",
                  s->birth_date[0] ? s->birth_date : NULL, "expiry_date",
                  s->expiry_date[0] ? s->expiry_date : NULL, "surname", s->surname, "given_names",
                  s->given_names, "sex", s->sex[0] ? s->sex : NULL, "document_code",
                  s->code[0] ? s->code : NULL, "issuing_state", s->issuing[0] ? s->issuing : NULL,
                  "valid", s->valid);
    json_t *ent = json_pack("{s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:o}", "basis", s->basis, "visa_id",
                            s->visa_id[0] ? s->visa_id : NULL, "visa_number",
                            s->visa_number[0] ? s->visa_number : NULL, "purpose",
                            s->purpose[0] ? s->purpose : NULL, "authorised_until",
                            day_json(s->authorised_until), "unlimited",
                            json_boolean(s->authorised_until == UBUR_STAY_OPEN), "stay_id",
                            s->stay_id[0] ? json_string(s->stay_id) : json_null());
    if (s->seal_given)
        json_object_set_new(ent, "seal",
                            json_pack("{s:s, s:b, s:s?, s:s?, s:s?}", "status", s->seal_status,
                                      "signature_valid", s->seal_signature_valid, "visa_number",
                                      s->seal_visa[0] ? s->seal_visa : NULL, "passport_number",
                                      s->seal_passport[0] ? s->seal_passport : NULL, "signer",
                                      s->seal_signer[0] ? s->seal_signer : NULL));
    if (s->rule_window)
        json_object_set_new(
            ent, "rule",
            json_pack("{s:i, s:i}", "max_days", s->rule_days, "window_days", s->rule_window));
    else if (s->rule_days)
        json_object_set_new(ent, "rule", json_pack("{s:i}", "visa_stay_days", s->rule_days));
    struct ubur_border_schedule sched;
    ubur_border_crossing_schedule(c, &sched);
    const char *cats =
        sched.categories ? sched.categories : ubur_border_mode_default_categories(sched.mode);
    json_t *mode =
        json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "mode", ubur_border_mode_name(sched.mode),
                  "hours", c->hours[0] ? c->hours : NULL, "categories", cats, "since",
                  c->mode_since[0] ? c->mode_since : NULL, "schedule_id",
                  c->schedule_id[0] ? c->schedule_id : NULL);
    json_t *scr =
        json_pack("{s:b, s:i}", "screened", s->screening.matched, "hits", s->screening.hits);
    if (s->screening.matched && s->screening.r.screening_id[0])
        json_object_set_new(scr, "screening_id", json_string(s->screening.r.screening_id));
    if (s->screening.detail)
        json_object_set(scr, "detail", s->screening.detail);
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s?, s:s?, s:n, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:O, s:{s:b, "
        "s:b, s:b}}",
        "id", s->check_id, "decision", ubur_border_decision_name(s->decision), "reasons",
        reasons_json(&s->reasons), "traveller_id", s->traveller_id[0] ? s->traveller_id : NULL,
        "traveller_match", s->linked_by, "record_id", "status", "pending", "crossing_id", c->id,
        "direction", ubur_border_direction_name(b->dir), "at", b->at, "document", doc,
        "entitlement", ent, "mode", mode, "screening", scr, "notes", s->notes, "traveller", "group",
        s->group, "cargo", s->cargo, "returnee", s->returnee);
    if (b->group_id[0])
        json_object_set_new(o, "group_id", json_string(b->group_id));
    return o;
}

/*
 * The answer written straight as text, byte for byte what json_dumps(subject_json(b, s),
 * JSON_COMPACT) gives (keys in subject_json's order, jansson's escapes: ubur_buf_add_json), and
 * the reasons' text as a copy of its part: a single check's answer is only ever sent and
 * stored as text, and building the object to dump it cost about 5% of the request threads'
 * CPU. false when a string is not UTF-8 (jansson would refuse it): the caller then builds the
 * object, which decides what such an answer is. The sanitizer builds (the tests) compare the
 * two for every check.
 */
struct jtext {
    struct ubur_buf b;
    bool ok;
};

static void
jt_raw(struct jtext *t, const char *s)
{
    ubur_buf_adds(&t->b, s);
}

/* ,"key": or, for the first key of an object (first), {"key": */
static void
jt_key(struct jtext *t, const char *key, bool first)
{
    ubur_buf_addch(&t->b, first ? '{' : ',');
    ubur_buf_addch(&t->b, '"');
    ubur_buf_adds(&t->b, key);
    ubur_buf_adds(&t->b, "\":");
}

/* a string value, or null for NULL */
static void
jt_str(struct jtext *t, const char *v)
{
    if (v && !ubur_utf8_valid(v, strlen(v)))
        t->ok = false;
    ubur_buf_add_json(&t->b, v);
}

static void
jt_field(struct jtext *t, const char *key, const char *v, bool first)
{
    jt_key(t, key, first);
    jt_str(t, v);
}

static void
jt_bool(struct jtext *t, const char *key, bool v)
{
    jt_key(t, key, false);
    jt_raw(t, v ? "true" : "false");
}

static void
jt_int(struct jtext *t, const char *key, long long v, bool first)
{
    jt_key(t, key, first);
    ubur_buf_addf(&t->b, "%lld", v);
}

static void
jt_day(struct jtext *t, const char *key, int64_t day)
{
    char d[UBUR_DATE_LEN + 1];
    jt_key(t, key, false);
    if (day == INT64_MIN || day == UBUR_STAY_OPEN) {
        jt_raw(t, "null");
        return;
    }
    ubur_date_format(day, d);
    jt_str(t, d);
}

static bool
subject_text(const struct check_batch *b, const struct subject *s, char **result, char **reasons)
{
    const struct border_crossing *c = b->crossing;
    struct jtext t = {UBUR_BUF_INIT, true};
#define OPT(x) ((x)[0] ? (x) : NULL)
    jt_field(&t, "id", s->check_id, true);
    jt_field(&t, "decision", ubur_border_decision_name(s->decision), false);
    jt_key(&t, "reasons", false);
    size_t reasons_at = t.b.len;
    jt_raw(&t, "[");
    for (int i = 0; i < s->reasons.n; i++) {
        if (i)
            jt_raw(&t, ",");
        jt_field(&t, "code", ubur_border_reason_name(s->reasons.r[i].code), true);
        jt_field(&t, "decision", ubur_border_decision_name(s->reasons.r[i].decision), false);
        jt_field(&t, "message", s->reasons.r[i].message, false);
        jt_raw(&t, "}");
    }
    jt_raw(&t, "]");
    size_t reasons_end = t.b.len;
    jt_field(&t, "traveller_id", OPT(s->traveller_id), false);
    jt_field(&t, "traveller_match", s->linked_by, false);
    jt_key(&t, "record_id", false);
    jt_raw(&t, "null");
    jt_field(&t, "status", "pending", false);
    jt_field(&t, "crossing_id", c->id, false);
    jt_field(&t, "direction", ubur_border_direction_name(b->dir), false);
    jt_field(&t, "at", b->at, false);

    jt_key(&t, "document", false);
    jt_field(&t, "source", s->from_mrz ? "mrz" : "typed", true);
    jt_field(&t, "format", OPT(s->format), false);
    jt_field(&t, "document_number", s->number, false);
    jt_field(&t, "nationality", s->nationality, false);
    jt_field(&t, "birth_date", OPT(s->birth_date), false);
    jt_field(&t, "expiry_date", OPT(s->expiry_date), false);
    jt_field(&t, "surname", s->surname, false);
    jt_field(&t, "given_names", s->given_names, false);
    jt_field(&t, "sex", OPT(s->sex), false);
    jt_field(&t, "document_code", OPT(s->code), false);
    jt_field(&t, "issuing_state", OPT(s->issuing), false);
    jt_bool(&t, "valid", s->valid);
    jt_raw(&t, "}");

    jt_key(&t, "entitlement", false);
    jt_field(&t, "basis", s->basis, true);
    jt_field(&t, "visa_id", OPT(s->visa_id), false);
    jt_field(&t, "visa_number", OPT(s->visa_number), false);
    jt_field(&t, "purpose", OPT(s->purpose), false);
    jt_day(&t, "authorised_until", s->authorised_until);
    jt_bool(&t, "unlimited", s->authorised_until == UBUR_STAY_OPEN);
    jt_field(&t, "stay_id", OPT(s->stay_id), false);
    if (s->seal_given) {
        jt_key(&t, "seal", false);
        jt_field(&t, "status", s->seal_status, true);
        jt_bool(&t, "signature_valid", s->seal_signature_valid);
        jt_field(&t, "visa_number", OPT(s->seal_visa), false);
        jt_field(&t, "passport_number", OPT(s->seal_passport), false);
        jt_field(&t, "signer", OPT(s->seal_signer), false);
        jt_raw(&t, "}");
    }
    if (s->rule_window) {
        jt_key(&t, "rule", false);
        jt_int(&t, "max_days", s->rule_days, true);
        jt_int(&t, "window_days", s->rule_window, false);
        jt_raw(&t, "}");
    } else if (s->rule_days) {
        jt_key(&t, "rule", false);
        jt_int(&t, "visa_stay_days", s->rule_days, true);
        jt_raw(&t, "}");
    }
    jt_raw(&t, "}");

    struct ubur_border_schedule sched;
    ubur_border_crossing_schedule(c, &sched);
    const char *cats =
        sched.categories ? sched.categories : ubur_border_mode_default_categories(sched.mode);
    jt_key(&t, "mode", false);
    jt_field(&t, "mode", ubur_border_mode_name(sched.mode), true);
    jt_field(&t, "hours", OPT(c->hours), false);
    jt_field(&t, "categories", cats, false);
    jt_field(&t, "since", OPT(c->mode_since), false);
    jt_field(&t, "schedule_id", OPT(c->schedule_id), false);
    jt_raw(&t, "}");

    jt_key(&t, "screening", false);
    jt_key(&t, "screened", true);
    jt_raw(&t, s->screening.matched ? "true" : "false");
    jt_int(&t, "hits", s->screening.hits, false);
    if (s->screening.matched && s->screening.r.screening_id[0])
        jt_field(&t, "screening_id", s->screening.r.screening_id, false);
    if (s->screening.detail) {
        char *d = json_dumps(s->screening.detail, JSON_COMPACT);
        jt_key(&t, "detail", false);
        if (d)
            jt_raw(&t, d);
        else
            t.ok = false;
        free(d);
    }
    jt_raw(&t, "}");

    jt_key(&t, "notes", false);
    jt_raw(&t, "[");
    for (size_t i = 0; i < json_array_size(s->notes); i++) {
        if (i)
            jt_raw(&t, ",");
        jt_str(&t, json_string_value(json_array_get(s->notes, i)));
    }
    jt_raw(&t, "]");

    jt_key(&t, "traveller", false);
    jt_key(&t, "group", true);
    jt_raw(&t, s->group ? "true" : "false");
    jt_bool(&t, "cargo", s->cargo);
    jt_bool(&t, "returnee", s->returnee);
    jt_raw(&t, "}");
    if (b->group_id[0])
        jt_field(&t, "group_id", b->group_id, false);
    jt_raw(&t, "}");
#undef OPT
    if (!t.ok) {
        ubur_buf_release(&t.b);
        return false;
    }
    *reasons = ubur_strndup(t.b.s + reasons_at, reasons_end - reasons_at);
    *result = ubur_buf_detach(&t.b, NULL);
    return true;
}

/*
 * Decides and builds the answer's stored text and the reasons' text from the subject, and the
 * answer as an object when the batch needs one (a group, the CLI): else s->answer stays NULL.
 */
static void
subject_build(const struct check_batch *b, struct subject *s)
{
    s->decision = ubur_border_decide(&s->reasons);
    json_decref(s->answer);
    free(s->result);
    free(s->reasons_text);
    s->answer = NULL;
    if (!b->want_object && subject_text(b, s, &s->result, &s->reasons_text)) {
#ifdef __SANITIZE_ADDRESS__
        /* the tests' builds: the text is the object's dump, byte for byte */
        json_t *o = subject_json(b, s);
        char *r = json_dumps(o, JSON_COMPACT);
        char *rs = json_dumps(json_object_get(o, "reasons"), JSON_COMPACT);
        if (!r || !rs || strcmp(r, s->result) || strcmp(rs, s->reasons_text)) {
            fprintf(stderr, "ubur: check answer text differs from its object:\n%s\n%s\n%s\n%s\n",
                    s->result, r ? r : "(null)", s->reasons_text, rs ? rs : "(null)");
            abort();
        }
        free(r);
        free(rs);
        json_decref(o);
#endif
        return;
    }
    s->answer = subject_json(b, s);
    s->result = json_dumps(s->answer, JSON_COMPACT);
    s->reasons_text = json_dumps(json_object_get(s->answer, "reasons"), JSON_COMPACT);
}

/* ---- the write ---- */

/* The check's row: what was decided, for whom, where (until: room for a date, pointed to). */
static void
subject_row(const struct ubur_ctx *ctx, const struct check_batch *b, const struct subject *s,
            char until[UBUR_DATE_LEN + 1], struct check_row *r)
{
    until[0] = '\0';
    if (s->authorised_until != INT64_MIN && s->authorised_until != UBUR_STAY_OPEN)
        ubur_date_format(s->authorised_until, until);
#define OPT(x) ((x)[0] ? (x) : NULL)
    *r = (struct check_row){
        .id = s->check_id,
        .crossing_id = b->crossing->id,
        .state = b->crossing->state,
        .direction = ubur_border_direction_name(b->dir),
        .at = b->at,
        .traveller_id = OPT(s->traveller_id),
        .group_id = OPT(b->group_id),
        .document_number = OPT(s->number),
        .nationality = OPT(s->nationality),
        .basis = s->basis,
        .visa_id = OPT(s->visa_id),
        .visa_number = OPT(s->visa_number),
        .purpose = OPT(s->purpose),
        .authorised_until = OPT(until),
        .rule_days = s->rule_days,
        .rule_window = s->rule_window,
        .stay_id = OPT(s->stay_id),
        .cargo = s->cargo,
        .returnee = s->returnee,
        .decision = ubur_border_decision_name(s->decision),
        .reasons = s->reasons_text,
        .result = s->result,
        .officer_id = ctx->user_id,
        .officer = ctx->username ? ctx->username : "?",
        .created_at = b->now,
    };
#undef OPT
}

int
ubur_border_check_insert(struct ubur_store *store, const struct check_row *r,
                         struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(store,
                                "INSERT INTO border_checks (id, crossing_id, state, direction, at,"
                                " traveller_id, group_id, document_number, nationality, basis,"
                                " visa_id, visa_number, purpose, authorised_until, rule_days,"
                                " rule_window, stay_id, cargo, returnee, decision, reasons,"
                                " result, status, officer_id, officer, created_at, record_id)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text_borrowed(st, 1, r->id);
    ubur_stmt_bind_text_borrowed(st, 2, r->crossing_id);
    ubur_stmt_bind_text_borrowed(st, 3, r->state);
    ubur_stmt_bind_text_borrowed(st, 4, r->direction);
    ubur_stmt_bind_text_borrowed(st, 5, r->at);
    ubur_stmt_bind_text_borrowed(st, 6, r->traveller_id);
    ubur_stmt_bind_text_borrowed(st, 7, r->group_id);
    ubur_stmt_bind_text_borrowed(st, 8, r->document_number);
    ubur_stmt_bind_text_borrowed(st, 9, r->nationality);
    ubur_stmt_bind_text_borrowed(st, 10, r->basis);
    ubur_stmt_bind_text_borrowed(st, 11, r->visa_id);
    ubur_stmt_bind_text_borrowed(st, 12, r->visa_number);
    ubur_stmt_bind_text_borrowed(st, 13, r->purpose);
    ubur_stmt_bind_text_borrowed(st, 14, r->authorised_until);
    if (r->rule_days)
        ubur_stmt_bind_int(st, 15, r->rule_days);
    if (r->rule_window)
        ubur_stmt_bind_int(st, 16, r->rule_window);
    ubur_stmt_bind_text_borrowed(st, 17, r->stay_id);
    ubur_stmt_bind_int(st, 18, r->cargo);
    ubur_stmt_bind_int(st, 19, r->returnee);
    ubur_stmt_bind_text_borrowed(st, 20, r->decision);
    ubur_stmt_bind_text_borrowed(st, 21, r->reasons);
    ubur_stmt_bind_text_borrowed(st, 22, r->result);
    ubur_stmt_bind_text_borrowed(st, 23, r->record_id ? "recorded" : "pending");
    ubur_stmt_bind_text_borrowed(st, 24, r->officer_id);
    ubur_stmt_bind_text_borrowed(st, 25, r->officer);
    ubur_stmt_bind_text_borrowed(st, 26, r->created_at);
    ubur_stmt_bind_text_borrowed(st, 27, r->record_id);
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
insert_subject(struct ubur_ctx *ctx, struct check_batch *b, struct subject *s,
               struct ubur_error *err)
{
    int64_t n;
    int rc;
    if (s->new_document) {
        /* Another desk may have created this traveller since we looked: take theirs. */
        char *existing = NULL;
        rc = ubur_store_query_text(ctx->store, err, &existing,
                                   "SELECT traveller_id FROM traveller_documents"
                                   " WHERE document_number = ? AND nationality = ?"
                                   " AND birth_date = ? LIMIT 1",
                                   "ttt", s->number, s->nationality, s->birth_date);
        if (rc && rc != UBUR_ENOTFOUND)
            return rc; /* a store error: the transaction is not to be trusted further */
        if (rc == UBUR_ENOTFOUND)
            ubur_error_clear(err);
        if (rc == 0) {
            snprintf(s->traveller_id, sizeof(s->traveller_id), "%s", existing);
            s->new_traveller = s->new_document = false;
            s->linked_by = "document";
            s->prebuilt = false; /* the answer names another traveller */
            free(existing);
        }
    }
    if (s->new_traveller) {
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO travellers (id, surname, given_names, nationality,"
                           " birth_date, sex, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           "ttttttt", s->traveller_id, s->surname, s->given_names, s->nationality,
                           s->birth_date, s->sex[0] ? s->sex : NULL, b->now);
        if (n < 0)
            return (int)n;
    }
    if (s->new_document) {
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO traveller_documents (document_number, nationality,"
                           " traveller_id, birth_date, surname, given_names, document_code,"
                           " issuing_state, expiry_date, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                           " ON CONFLICT (document_number, nationality, traveller_id) DO NOTHING",
                           "tttttttttt", s->number, s->nationality, s->traveller_id, s->birth_date,
                           s->surname, s->given_names, s->code[0] ? s->code : NULL,
                           s->issuing[0] ? s->issuing : NULL,
                           s->expiry_date[0] ? s->expiry_date : NULL, b->now);
        if (n < 0)
            return (int)n;
    }
    /* The screening is stored with its check; alerts that survive dismissals become reasons. */
    if ((rc = ubur_border_screen_record(ctx, b->dir, &s->screening, &s->reasons, err)))
        return rc;
    if (!s->prebuilt)
        subject_build(b, s);
    b->count[s->decision]++;
    struct check_row row;
    char until[UBUR_DATE_LEN + 1];
    subject_row(ctx, b, s, until, &row);
    return ubur_border_check_insert(ctx->store, &row, err);
}

static int
write_checks(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct check_batch *b = arg;
    int rc;
    if (b->group_id[0]) {
        int64_t n = ubur_store_run(
            ctx->store, err,
            "INSERT INTO border_groups (id, kind, name, crossing_id, direction, at, size,"
            " admitted, referred, refused, officer, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "ttttttiiiitt", b->group_id, b->group->kind, b->group->name, b->crossing->id,
            ubur_border_direction_name(b->dir), b->at, (int64_t)b->n, (int64_t)0, (int64_t)0,
            (int64_t)0, ctx->username ? ctx->username : "?", b->now);
        if (n < 0)
            return (int)n;
    }
    b->count[0] = b->count[1] = b->count[2] = 0;
    for (int i = 0; i < b->n; i++) {
        if ((rc = insert_subject(ctx, b, &b->s[i], err)))
            return rc;
    }
    if (b->group_id[0]) {
        int64_t n = ubur_store_run(ctx->store, err,
                                   "UPDATE border_groups SET admitted = ?, referred = ?,"
                                   " refused = ? WHERE id = ?",
                                   "iiit", (int64_t)b->count[0], (int64_t)b->count[1],
                                   (int64_t)b->count[2], b->group_id);
        if (n < 0)
            return (int)n;
    }
    return 0;
}

/* ---- entry points ---- */

static void
subjects_release(struct subject *s, int n)
{
    for (int i = 0; i < n; i++) {
        json_decref(s[i].notes);
        json_decref(s[i].screening.detail);
        json_decref(s[i].answer);
        free(s[i].result);
        free(s[i].reasons_text);
    }
}

/* Runs the checks; the answer as *out, or (one traveller, text not NULL) as JSON text in *text. */
static int
run_checks(struct ubur_ctx *ctx, const struct ubur_check_place *place,
           const struct ubur_group_input *group, const struct ubur_check_input *people, int n,
           json_t **out, char **text, struct ubur_error *err)
{
    struct border_crossing c;
    struct check_batch b;
    enum ubur_border_direction dir;
    int rc;

    if (ctx->role != UBUR_ROLE_ADMIN && ctx->role != UBUR_ROLE_SUPERVISOR &&
        ctx->role != UBUR_ROLE_BORDER_OFFICER)
        return ubur_error_set(err, UBUR_EPERM, "only border officers check travellers");
    if ((rc = ubur_border_direction_parse(place->direction, &dir, err)))
        return rc;
    /* A crossing happens now: a backdated entry would hide an overstay. Admins record history. */
    int64_t skew = place->at - ubur_now();
    if (ctx->role != UBUR_ROLE_ADMIN && (skew > CLOCK_SKEW || skew < -CLOCK_SKEW)) {
        char when[UBUR_TIME_LEN + 1];
        ubur_time_format(place->at, when);
        return ubur_error_field(err, UBUR_EINVAL, "at",
                                "'%s' is not now: only an admin records a crossing at another "
                                "time (more than %d minutes away)",
                                when, CLOCK_SKEW / 60);
    }
    /* The check's reads share one snapshot (and the page cache), ended before the write. */
    ubur_store_read_begin(ctx->store);
    if ((rc = ubur_border_crossing_load(ctx->store, place->crossing_id, place->at, "crossing_id",
                                        &c, err)) ||
        (rc = ubur_border_may_act(ctx, &c, err))) {
        ubur_store_read_end(ctx->store);
        return rc;
    }

    memset(&b, 0, sizeof(b));
    b.place = place;
    b.crossing = &c;
    b.dir = dir;
    b.n = n;
    b.group = group;
    b.want_object = group || !text;
    ubur_time_format(place->at, b.at);
    ubur_time_format(ubur_now(), b.now);
    b.s = ubur_calloc((size_t)n, sizeof(*b.s));
    for (int i = 0; i < n; i++) {
        struct subject *s = &b.s[i];
        s->in = &people[i];
        if (group)
            snprintf(s->field_prefix, sizeof(s->field_prefix), "travellers[%d].", i);
        if ((rc = assess(ctx, &c, dir, place->at, group != NULL, s, err)))
            goto out;
        /* One person, one check: the same document twice in a group is a mistake. */
        for (int k = 0; k < i && s->readable; k++) {
            if (b.s[k].readable && !strcmp(b.s[k].number, s->number) &&
                !strcmp(b.s[k].nationality, s->nationality)) {
                rc = field_err(s, err, s->from_mrz ? "mrz" : "document.document_number",
                               "document %s of %s is already travellers[%d]", s->number,
                               s->nationality, k);
                goto out;
            }
        }
        ubur_uuid7(s->check_id);
    }
    if (group)
        ubur_uuid7(b.group_id);
    /* The answers are built here, in parallel, not in the one writer thread: only a screening
     * with alerts (stored with the check, its reasons then known) is built by the write. */
    for (int i = 0; i < n; i++) {
        struct subject *s = &b.s[i];
        if (!(s->screening.matched && s->screening.r.alerts)) {
            subject_build(&b, s);
            s->prebuilt = true;
        }
    }
    /* A screening that may alert opens a case: that never waits for a later record. */
    bool alerting = false;
    for (int i = 0; i < n && !alerting; i++) {
        const struct ubur_screen_result *r = &b.s[i].screening.r;
        for (int k = 0; k < r->nhits && !alerting; k++)
            alerting = r->hits[k].score >= r->threshold;
    }
    ubur_store_read_end(ctx->store);
    /* A known traveller's check, alone and without alerts: its row only repeats the answer, so
     * the answer does not wait for it (border_pending.c); the confirmation's record is queued
     * behind it. */
    struct subject *s0 = &b.s[0];
    struct check_row row;
    char until[UBUR_DATE_LEN + 1];
    if (!group && ctx->writer && !alerting && s0->prebuilt && !s0->new_traveller &&
        !s0->new_document) {
        subject_row(ctx, &b, s0, until, &row);
        rc = ubur_border_check_queue(ctx, &row, err);
    } else {
        rc = alerting ? ubur_write(ctx, write_checks, &b, err)
                      : ubur_write_lazy(ctx, write_checks, &b, err);
        if (!rc && !group && ctx->writer) {
            /* committed: kept in memory for its confirmation (border_pending.c) */
            subject_row(ctx, &b, s0, until, &row);
            ubur_border_check_remember(&row);
        }
    }
    if (rc)
        goto out;

    if (!group && text) {
        /* the answer's text as stored with the check: json_dumps(JSON_COMPACT) of the object */
        *text = b.s[0].result;
        b.s[0].result = NULL;
    } else if (!group) {
        *out = json_incref(b.s[0].answer);
    } else {
        json_t *results = json_array();
        for (int i = 0; i < n; i++)
            json_array_append(results, b.s[i].answer);
        *out = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i}}", "group_id",
                         b.group_id, "kind", group->kind, "name", group->name, "crossing_id", c.id,
                         "direction", ubur_border_direction_name(dir), "at", b.at, "results",
                         results, "summary", "total", n, "admit", b.count[0], "refer", b.count[1],
                         "refuse", b.count[2]);
    }
out:
    ubur_store_read_end(ctx->store);
    subjects_release(b.s, n);
    free(b.s);
    return rc;
}

int
ubur_border_check(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                  const struct ubur_check_input *in, json_t **out, struct ubur_error *err)
{
    return run_checks(ctx, place, NULL, in, 1, out, NULL, err);
}

int
ubur_border_check_text(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                       const struct ubur_check_input *in, char **text, struct ubur_error *err)
{
    *text = NULL;
    return run_checks(ctx, place, NULL, in, 1, NULL, text, err);
}

int
ubur_border_check_group(struct ubur_ctx *ctx, const struct ubur_check_place *place,
                        const struct ubur_group_input *group, const struct ubur_check_input *people,
                        int n, json_t **out, struct ubur_error *err)
{
    static const char *const kinds[] = {"pilgrims", "convoy", "delegation", "family", "other"};
    bool known = false;
    for (size_t i = 0; group->kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        known |= !strcmp(group->kind, kinds[i]);
    if (!known)
        return ubur_error_field(err, UBUR_EINVAL, "group.kind",
                                "'%.32s' is not a group kind (pilgrims, convoy, delegation, "
                                "family, other)",
                                group->kind ? group->kind : "");
    if (group->name &&
        (strlen(group->name) > 120 || !ubur_utf8_valid(group->name, strlen(group->name))))
        return ubur_error_field(err, UBUR_EINVAL, "group.name",
                                "is not a name of at most 120 bytes");
    if (n < 1 || n > UBUR_GROUP_MAX)
        return ubur_error_field(err, UBUR_EINVAL, "travellers", "a group has 1 to %d travellers",
                                UBUR_GROUP_MAX);
    return run_checks(ctx, place, group, people, n, out, NULL, err);
}

int
ubur_border_check_get(struct ubur_ctx *ctx, const char *check_id, json_t **out,
                      struct ubur_error *err)
{
    struct ubur_stmt *st;
    char state[4];
    char *result = ubur_border_check_queued(check_id, state);
    if (result) {
        /* Answered, its row not yet written: pending, as the row will say. */
        json_t *o = json_loads(result, 0, NULL);
        free(result);
        if (o && (ctx->role == UBUR_ROLE_ADMIN || !ctx->state || !*ctx->state ||
                  !strcmp(ctx->state, state))) {
            json_object_set_new(o, "status", json_string("pending"));
            json_object_set_new(o, "record_id", json_null());
            *out = o;
            return 0;
        }
        json_decref(o);
        return ubur_error_set(err, UBUR_ENOTFOUND, "no check '%.40s'", check_id);
    }
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT result, status, record_id, state FROM border_checks"
                                " WHERE id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, check_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        json_t *o = json_loads(ubur_stmt_text(st, 0), 0, NULL);
        if (!o) {
            rc = ubur_error_set(err, UBUR_ESTORE, "check %s is stored damaged", check_id);
        } else if (ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state &&
                   strcmp(ctx->state, ubur_stmt_text(st, 3)) != 0) {
            json_decref(o);
            rc = ubur_error_set(err, UBUR_ENOTFOUND, "no check '%.40s'", check_id);
        } else {
            json_object_set_new(o, "status", json_string(ubur_stmt_text(st, 1)));
            json_object_set_new(o, "record_id",
                                ubur_stmt_is_null(st, 2) ? json_null()
                                                         : json_string(ubur_stmt_text(st, 2)));
            *out = o;
            rc = 0;
        }
    } else if (rc == 0) {
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no check '%.40s'", check_id ? check_id : "");
    }
    ubur_stmt_done(st);
    return rc;
}

/* Seconds a pending check stays confirmable (setting border.check_ttl_seconds). */
int
ubur_border_check_ttl(struct ubur_ctx *ctx)
{
    const char *v = ubur_setting(ctx, "border.check_ttl_seconds", NULL);
    if (!v)
        return CHECK_TTL_DEFAULT;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < 60 || n > 7 * 86400 ? CHECK_TTL_DEFAULT : (int)n;
}
