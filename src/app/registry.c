/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry services (include/ubur/registry.h): locations, registration of
 * groups and their members, reads (audited), events that change status,
 * population type or location, corrections, listing, officers' judgements
 * on duplicates and returnee flagging. Each write runs in a struct
 * reg_writer (registry_writer.c) so the change, its audit entry and its
 * statistics commit together. Validation happens before any write: a
 * request that fails it changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_impl.h"
#include "ubur/reclink.h"
#include "ubur/banned.h"

#define NAME_MAX_BYTES 120

static const char *const relationships[] = {
    "focal_point", "spouse",      "child",          "parent",    "sibling",
    "grandchild",  "grandparent", "other_relative", "unrelated", NULL};
static const char *const statuses[] = {"active", "inactive", "closed", NULL};
static const char *const doc_types[] = {"passport",
                                        "national_id",
                                        "civil_status_id",
                                        "birth_certificate",
                                        "marriage_certificate",
                                        "unhcr_certificate",
                                        "residence_permit",
                                        "other",
                                        NULL};
static const char *const need_codes[] = {"CR", "DS", "ER", "FU", "LP", "PG", "SC",
                                         "SM", "SP", "SV", "TR", "WR", NULL};
static const char *const levels[] = {"country", "governorate", "district", "site", NULL};

static bool
in_set(const char *v, const char *const *set)
{
    for (int i = 0; v && set[i]; i++)
        if (!strcmp(v, set[i]))
            return true;
    return false;
}

static bool
empty(const char *s)
{
    return !s || !*s;
}

/* ISO 3166-1 alpha-3 in form (three capitals); the ICAO codes XXA etc. pass. */
int
reg_check_country(const char *v, const char *field, bool required, struct ubur_error *err)
{
    if (empty(v))
        return required ? ubur_error_field(err, UBUR_EINVAL, field, "is required") : 0;
    if (strlen(v) != 3 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' || v[2] < 'A' ||
        v[2] > 'Z')
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%.20s' is not an ISO 3166-1 alpha-3 code", v);
    return 0;
}

/* A name in one script: UTF-8, printable, bounded, and of the right script. */
static int check_text(const char *v, const char *field, bool arabic, bool digits,
                      struct ubur_error *err);

static int
check_name(const char *v, const char *field, bool arabic, struct ubur_error *err)
{
    return check_text(v, field, arabic, false, err);
}

/* A place name: as a person's name, but digits are allowed ("Domiz 1"). */
static int
check_place(const char *v, const char *field, bool arabic, struct ubur_error *err)
{
    return check_text(v, field, arabic, true, err);
}

static int
check_text(const char *v, const char *field, bool arabic, bool digits, struct ubur_error *err)
{
    if (empty(v))
        return 0;
    size_t n = strlen(v);
    if (n > NAME_MAX_BYTES)
        return ubur_error_field(err, UBUR_EINVAL, field, "longer than %d bytes", NAME_MAX_BYTES);
    if (!ubur_utf8_valid(v, n))
        return ubur_error_field(err, UBUR_EINVAL, field, "is not valid UTF-8 text");
    bool letter = false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ';')
            return ubur_error_field(err, UBUR_EINVAL, field, "'%.60s' has a forbidden character",
                                    v);
        if (!digits && *p >= '0' && *p <= '9')
            return ubur_error_field(err, UBUR_EINVAL, field, "'%.60s' has a digit", v);
        bool ascii_letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        /* Arabic script is U+0600..U+06FF (lead bytes D8..DB) and beyond. */
        bool arabic_lead = *p >= 0xd8 && *p <= 0xdb;
        if (arabic && ascii_letter)
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "'%.60s' has Latin letters in an Arabic-script field", v);
        if (!arabic && arabic_lead)
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "'%.60s' has Arabic script in a Latin-script field", v);
        if (arabic ? arabic_lead : (ascii_letter || *p >= 0xc3))
            letter = true;
    }
    if (!letter)
        return ubur_error_field(err, UBUR_EINVAL, field, "'%.60s' has no letter", v);
    return 0;
}

static int
check_doc_number(const char *v, struct ubur_error *err)
{
    if (empty(v) || strlen(v) > 40)
        return ubur_error_field(err, UBUR_EINVAL, "document_number", "must be 1 to 40 characters");
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '/'))
            return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                    "'%.40s' may only have capitals, digits, '-' and '/'", v);
    return 0;
}

static int
check_number(const char *v, const char *field, struct ubur_error *err)
{
    if (strlen(v) > 40)
        return ubur_error_field(err, UBUR_EINVAL, field, "longer than 40 characters");
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "'%.40s' may only have capitals, digits and '-'", v);
    return 0;
}

static int
check_day(const char *v, const char *field, int64_t today, int64_t *out, struct ubur_error *err)
{
    int rc = reg_day_parse(v, field, out, err);
    if (rc || *out == UBUR_NO_DATE)
        return rc;
    if (*out > today)
        return ubur_error_field(err, UBUR_EINVAL, field, "'%s' is in the future", v);
    if (*out < ubur_days_from_civil(1900, 1, 1))
        return ubur_error_field(err, UBUR_EINVAL, field, "'%s' is before 1900", v);
    return 0;
}

int
reg_check_group(struct reg_writer *w, const struct ubur_reg_group *g, struct reg_group_in *out,
                struct ubur_error *err)
{
    int rc;
    memset(out, 0, sizeof(*out));
    out->failed_member = -1;
    out->kind = empty(g->kind) ? "household" : g->kind;
    if (strcmp(out->kind, "household") && strcmp(out->kind, "case"))
        return ubur_error_field(err, UBUR_EINVAL, "kind", "'%.20s' is not household or case",
                                out->kind);
    if (empty(g->location))
        return ubur_error_field(err, UBUR_EINVAL, "location", "is required");
    if ((rc = reg_writer_loc(w, g->location, "location", &out->loc, err)))
        return rc;
    if ((rc = check_day(g->registered_on, "registered_on", w->today, &out->registered, err)))
        return rc;
    if (out->registered == UBUR_NO_DATE)
        out->registered = w->today;
    if (!empty(g->group_number) && (rc = check_number(g->group_number, "group_number", err)))
        return rc;
    return 0;
}

int
reg_check_person(struct reg_writer *w, const struct ubur_reg_individual *p,
                 const struct reg_group_in *g, struct reg_person_in *out, struct ubur_error *err)
{
    int rc;
    memset(out, 0, sizeof(*out));
    out->p = p;
    if (!in_set(p->relationship, relationships))
        return ubur_error_field(err, UBUR_EINVAL, "relationship",
                                "'%.30s' is not one of focal_point, spouse, child, parent,"
                                " sibling, grandchild, grandparent, other_relative, unrelated",
                                p->relationship ? p->relationship : "");
    if ((rc = check_name(p->given_name_ar, "given_name_ar", true, err)) ||
        (rc = check_name(p->father_name_ar, "father_name_ar", true, err)) ||
        (rc = check_name(p->grandfather_name_ar, "grandfather_name_ar", true, err)) ||
        (rc = check_name(p->family_name_ar, "family_name_ar", true, err)) ||
        (rc = check_name(p->given_name, "given_name", false, err)) ||
        (rc = check_name(p->father_name, "father_name", false, err)) ||
        (rc = check_name(p->grandfather_name, "grandfather_name", false, err)) ||
        (rc = check_name(p->family_name, "family_name", false, err)))
        return rc;
    if (empty(p->given_name) && empty(p->given_name_ar))
        return ubur_error_field(err, UBUR_EINVAL, "given_name",
                                "a given name is required in Latin or Arabic script");
    if (empty(p->sex) || !strchr("FMX", p->sex[0]) || p->sex[1])
        return ubur_error_field(err, UBUR_EINVAL, "sex", "'%.10s' is not F, M or X",
                                p->sex ? p->sex : "");
    if ((rc = check_day(p->birth_date, "birth_date", w->today, &out->birth, err)))
        return rc;
    if ((rc = reg_check_country(p->origin, "origin", true, err)) ||
        (rc = reg_check_country(p->citizenship, "citizenship", true, err)))
        return rc;
    if (!ubur_poptype_find(p->population_type))
        return ubur_error_field(err, UBUR_EINVAL, "population_type",
                                "'%.10s' is not a UNHCR population type (REF, ROC, ASY, OIP, IDP,"
                                " IOC, STA, OOC, HST, RET, RST, NAT, RDP)",
                                p->population_type ? p->population_type : "");
    out->loc = g ? g->loc : NULL;
    if (!empty(p->location) && (rc = reg_writer_loc(w, p->location, "location", &out->loc, err)))
        return rc;
    if (!out->loc)
        return ubur_error_field(err, UBUR_EINVAL, "location", "is required");
    out->status = empty(p->status) ? "active" : p->status;
    if (!in_set(out->status, statuses))
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "'%.20s' is not active, inactive or closed", out->status);
    if ((rc = check_day(p->registered_on, "registered_on", w->today, &out->registered, err)))
        return rc;
    if (out->registered == UBUR_NO_DATE)
        out->registered = g ? g->registered : w->today;
    if (out->birth != UBUR_NO_DATE && out->registered < out->birth)
        return ubur_error_field(err, UBUR_EINVAL, "registered_on", "is before the date of birth %s",
                                p->birth_date);
    if (!empty(p->individual_number) &&
        (rc = check_number(p->individual_number, "individual_number", err)))
        return rc;
    for (size_t i = 0; i < p->ndocuments; i++) {
        const struct ubur_reg_document *d = &p->documents[i];
        int64_t day;
        if (!in_set(d->doc_type, doc_types))
            return ubur_error_field(err, UBUR_EINVAL, "document_type",
                                    "'%.30s' is not a document type",
                                    d->doc_type ? d->doc_type : "");
        if ((rc = check_doc_number(d->number, err)) ||
            (rc = reg_check_country(d->issuing_country, "document_country", false, err)) ||
            (rc = reg_day_parse(d->issued_on, "document_issued_on", &day, err)) ||
            (rc = reg_day_parse(d->expires_on, "document_expires_on", &day, err)))
            return rc;
    }
    for (size_t i = 0; i < p->nneeds; i++) {
        if (!in_set(p->needs[i].code, need_codes))
            return ubur_error_field(err, UBUR_EINVAL, "specific_needs",
                                    "'%.10s' is not a specific-need code (CR, DS, ER, FU, LP, PG,"
                                    " SC, SM, SP, SV, TR, WR)",
                                    p->needs[i].code ? p->needs[i].code : "");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->needs[i].code, p->needs[j].code))
                return ubur_error_field(err, UBUR_EINVAL, "specific_needs", "'%s' given twice",
                                        p->needs[i].code);
        if (p->needs[i].detail && strlen(p->needs[i].detail) > 500)
            return ubur_error_field(err, UBUR_EINVAL, "specific_needs",
                                    "detail longer than 500 bytes");
    }
    return 0;
}

void
reg_person_key(const struct ubur_reg_individual *p, char *out, size_t cap)
{
    const char *given = !empty(p->given_name) ? p->given_name : p->given_name_ar;
    const char *family = !empty(p->family_name)      ? p->family_name
                         : !empty(p->family_name_ar) ? p->family_name_ar
                         : !empty(p->father_name)    ? p->father_name
                                                     : p->father_name_ar;
    ubur_reclink_name_key(given, family, out, cap);
}

static const char *
nz(const char *s)
{
    return empty(s) ? NULL : s;
}

int
reg_insert_person(struct reg_writer *w, struct reg_person_in *in, const char *group_id,
                  const char *group_number, int index, struct ubur_error *err)
{
    const struct ubur_reg_individual *p = in->p;
    struct ubur_store *s = w->ctx->store;
    char key[160], birth[UBUR_DATE_LEN + 1], reg[UBUR_DATE_LEN + 1], next[UBUR_DATE_LEN + 1];
    uint32_t cell;
    int rc;

    if (reg_keep_ids && ubur_uuid_valid(p->id))
        snprintf(in->id, sizeof(in->id), "%s", p->id);
    else if (!in->id[0]) /* reg_insert_group gives the focal point its id first */
        reg_writer_new_id(w, in->id);
    if (!empty(p->individual_number))
        snprintf(in->number, sizeof(in->number), "%s", p->individual_number);
    else
        snprintf(in->number, sizeof(in->number), "%s-%02d", group_number, index);
    if (!in->name_key)
        reg_person_key(p, key, sizeof(key));
    const char *name_key = in->name_key ? in->name_key : key;
    bool counted = !strcmp(in->status, "active");
    int64_t nb;
    if (in->stats_given) { /* the caller has the contribution: reg_writer.given */
        cell = in->cell;
        nb = in->band_next;
    } else {
        if ((rc = reg_writer_cell(w, p->population_type, p->origin, in->loc->id, p->sex, &cell,
                                  err)))
            return rc;
        struct ubur_popstat_segment seg = {in->registered, cell, counted};
        ubur_popstat_contribution(in->birth, &seg, 1, w->stats_day, 1, reg_writer_emit, w);
        nb = counted ? ubur_age_band_next(in->birth, w->stats_day) : UBUR_NO_DATE;
    }
    if (in->birth != UBUR_NO_DATE)
        ubur_date_format(in->birth, birth);
    ubur_date_format(in->registered, reg);
    if (nb != UBUR_NO_DATE)
        ubur_date_format(nb, next);

#define INSERT_INDIVIDUAL                                                                          \
    "INSERT INTO reg_individual (id, individual_number, group_id, relationship,"                   \
    " given_name_ar, father_name_ar, grandfather_name_ar, family_name_ar, given_name,"             \
    " father_name, grandfather_name, family_name, sex, birth_date, birth_date_estimated,"          \
    " origin, citizenship, population_type, location_id, status, registered_on,"                   \
    " name_key, stat_cell, band_next_on, created_at, updated_at)"                                  \
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    const char *bd = in->birth != UBUR_NO_DATE ? birth : NULL;
    const char *nx = nb != UBUR_NO_DATE ? next : NULL;
    if (w->pipelined) {
        /* Bulk import: no answer awaited (PostgreSQL pipelines it); a conflict surfaces at
         * commit and the import checks that batch again row by row for its line. */
        if (counted)
            rc = ubur_store_queue(
                s, err, INSERT_INDIVIDUAL, "ttttttttttttttitttttttittt", in->id, in->number,
                group_id, p->relationship, nz(p->given_name_ar), nz(p->father_name_ar),
                nz(p->grandfather_name_ar), nz(p->family_name_ar), nz(p->given_name),
                nz(p->father_name), nz(p->grandfather_name), nz(p->family_name), p->sex, bd,
                (int64_t)p->birth_date_estimated, p->origin, p->citizenship, p->population_type,
                in->loc->id, in->status, reg, name_key, (int64_t)cell, nx, w->now, w->now);
        else
            rc = ubur_store_queue(
                s, err, INSERT_INDIVIDUAL, "ttttttttttttttitttttttnttt", in->id, in->number,
                group_id, p->relationship, nz(p->given_name_ar), nz(p->father_name_ar),
                nz(p->grandfather_name_ar), nz(p->family_name_ar), nz(p->given_name),
                nz(p->father_name), nz(p->grandfather_name), nz(p->family_name), p->sex, bd,
                (int64_t)p->birth_date_estimated, p->origin, p->citizenship, p->population_type,
                in->loc->id, in->status, reg, name_key, nx, w->now, w->now);
        if (rc)
            return rc;
    } else {
        struct ubur_stmt *st;
        if ((rc = ubur_store_prepare(s, INSERT_INDIVIDUAL, &st, err)))
            return rc;
        const char *text[] = {in->id,
                              in->number,
                              group_id,
                              p->relationship,
                              nz(p->given_name_ar),
                              nz(p->father_name_ar),
                              nz(p->grandfather_name_ar),
                              nz(p->family_name_ar),
                              nz(p->given_name),
                              nz(p->father_name),
                              nz(p->grandfather_name),
                              nz(p->family_name),
                              p->sex,
                              bd};
        for (int i = 0; i < 14; i++)
            ubur_stmt_bind_text(st, i + 1, text[i]);
        ubur_stmt_bind_int(st, 15, p->birth_date_estimated);
        ubur_stmt_bind_text(st, 16, p->origin);
        ubur_stmt_bind_text(st, 17, p->citizenship);
        ubur_stmt_bind_text(st, 18, p->population_type);
        ubur_stmt_bind_text(st, 19, in->loc->id);
        ubur_stmt_bind_text(st, 20, in->status);
        ubur_stmt_bind_text(st, 21, reg);
        ubur_stmt_bind_text(st, 22, name_key);
        if (counted)
            ubur_stmt_bind_int(st, 23, cell);
        else
            ubur_stmt_bind_null(st, 23);
        ubur_stmt_bind_text(st, 24, nx);
        ubur_stmt_bind_text(st, 25, w->now);
        ubur_stmt_bind_text(st, 26, w->now);
        rc = ubur_stmt_step(st, err);
        ubur_stmt_done(st);
        if (rc == UBUR_ECONFLICT)
            return ubur_error_field(err, UBUR_ECONFLICT, "individual_number", "'%s' already exists",
                                    in->number);
        if (rc < 0)
            return rc;
    }
#undef INSERT_INDIVIDUAL
    if ((rc = ubur_store_queue(s, err,
                               "INSERT INTO reg_history (individual_id, seq, effective_on, status,"
                               " population_type, location_id, reason, recorded_at, recorded_by)"
                               " VALUES (?, 1, ?, ?, ?, ?, 'registered', ?, ?)",
                               "ttttttt", in->id, reg, in->status, p->population_type, in->loc->id,
                               w->now, w->ctx->username)))
        return rc;
    int64_t ch;
    for (size_t i = 0; i < p->ndocuments; i++) {
        const struct ubur_reg_document *d = &p->documents[i];
        char did[UBUR_UUID_LEN + 1];
        reg_writer_new_id(w, did);
        ch = ubur_store_queue(s, err,
                              "INSERT INTO reg_document (id, individual_id, doc_type, number,"
                              " issuing_country, issued_on, expires_on, created_at)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              "tttttttt", did, in->id, d->doc_type, d->number,
                              nz(d->issuing_country), nz(d->issued_on), nz(d->expires_on), w->now);
        if (ch < 0)
            return (int)ch;
    }
    for (size_t i = 0; i < p->nneeds; i++) {
        ch =
            ubur_store_queue(s, err,
                             "INSERT INTO reg_specific_need (individual_id, code, detail, noted_on)"
                             " VALUES (?, ?, ?, ?)",
                             "tttt", in->id, p->needs[i].code, nz(p->needs[i].detail), reg);
        if (ch < 0)
            return (int)ch;
    }
    return 0;
}

int
reg_insert_group(struct reg_writer *w, const struct ubur_reg_group *g, struct reg_group_in *gi,
                 struct reg_person_in *members, size_t n, struct ubur_error *err)
{
    struct ubur_store *s = w->ctx->store;
    char reg[UBUR_DATE_LEN + 1];
    int rc, focal = -1;

    gi->failed_member = -1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(members[i].p->relationship, "focal_point")) {
            if (focal >= 0) {
                gi->failed_member = (int)i;
                return ubur_error_field(err, UBUR_EINVAL, "relationship",
                                        "a group has exactly one focal_point; found two");
            }
            focal = (int)i;
        }
    if (focal < 0)
        return ubur_error_field(err, UBUR_EINVAL, "relationship",
                                "a group needs one member with relationship focal_point");
    if (reg_keep_ids && ubur_uuid_valid(g->id))
        snprintf(gi->id, sizeof(gi->id), "%s", g->id);
    else
        reg_writer_new_id(w, gi->id);
    ubur_date_format(gi->registered, reg);
    if (!empty(g->group_number)) {
        snprintf(gi->number, sizeof(gi->number), "%s", g->group_number);
    } else {
        char scope[32];
        int64_t v;
        if (!w->number_prefix_read) { /* once per writer, not a round trip per group */
            w->number_prefix = ubur_setting(w->ctx, "registry.number_prefix", NULL);
            w->number_prefix_read = true;
        }
        const char *post = w->number_prefix;
        if (post && *post) /* a border post's own numbers (sync): "SYR-QAIM-2024" */
            snprintf(scope, sizeof(scope), "%s-%.16s-%.4s", gi->loc->country, post, reg);
        else
            snprintf(scope, sizeof(scope), "%s-%.4s", gi->loc->country, reg);
        if ((rc = reg_writer_counter(w, scope, &v, err)))
            return rc;
        snprintf(gi->number, sizeof(gi->number), "%s-%06lld", scope, (long long)v);
    }
    /* The focal point's id is known before its row exists (focal_point_id has no foreign
     * key), so the group is written once, not inserted and then updated. */
    struct reg_person_in *fp = &members[focal];
    if (reg_keep_ids && ubur_uuid_valid(fp->p->id))
        snprintf(fp->id, sizeof(fp->id), "%s", fp->p->id);
    else
        reg_writer_new_id(w, fp->id);
    int64_t ch =
        w->pipelined
            ? ubur_store_queue(s, err,
                               "INSERT INTO reg_group (id, group_number, kind,"
                               " focal_point_id, location_id, registered_on, created_at,"
                               " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               "tttttttt", gi->id, gi->number, gi->kind, fp->id, gi->loc->id, reg,
                               w->now, w->now)
            : ubur_store_run(s, err,
                             "INSERT INTO reg_group (id, group_number, kind, focal_point_id,"
                             " location_id, registered_on, created_at, updated_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             "tttttttt", gi->id, gi->number, gi->kind, fp->id, gi->loc->id, reg,
                             w->now, w->now);
    if (ch == UBUR_ECONFLICT)
        return ubur_error_field(err, UBUR_ECONFLICT, "group_number", "'%s' already exists",
                                gi->number);
    if (ch < 0)
        return (int)ch;
    /* The focal point is member 01. */
    int index = 2;
    for (size_t i = 0; i < n; i++) {
        int k = (int)i == focal ? 1 : index++;
        if ((rc = reg_insert_person(w, &members[i], gi->id, gi->number, k, err))) {
            gi->failed_member = (int)i;
            return rc;
        }
    }
    return 0;
}

/* ---- locations ---- */

int
ubur_registry_location_add(struct ubur_ctx *ctx, struct ubur_reg_location *loc,
                           struct ubur_error *err)
{
    struct reg_writer w = {0};
    int rc;
    if (!(ctx->role & (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR)))
        return ubur_error_set(err, UBUR_EPERM, "adding locations needs a supervisor");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    char id[UBUR_UUID_LEN + 1];
    if ((rc = reg_location_insert(&w, loc, id, err)) ||
        (rc = ubur_audit(ctx, "registry.location.create", "location", id, NULL, err))) {
        reg_writer_abort(&w);
        return rc;
    }
    if ((rc = reg_writer_commit(&w, err)))
        return rc;
    loc->id = ubur_arena_strdup(&ctx->arena, id);
    return 0;
}

int
reg_location_insert(struct reg_writer *w, const struct ubur_reg_location *loc,
                    char id[UBUR_UUID_LEN + 1], struct ubur_error *err)
{
    const struct reg_loc *parent = NULL;
    const char *country = loc->country, *gov = NULL;
    int rc;
    if (empty(loc->pcode))
        return ubur_error_field(err, UBUR_EINVAL, "pcode", "is required");
    if ((rc = check_number(loc->pcode, "pcode", err)))
        return rc;
    if (!in_set(loc->level, levels))
        return ubur_error_field(err, UBUR_EINVAL, "level",
                                "'%.20s' is not country, governorate, district or site",
                                loc->level ? loc->level : "");
    if ((rc = check_place(loc->name_en, "name_en", false, err)) ||
        (rc = check_place(loc->name_ar, "name_ar", true, err)))
        return rc;
    if (empty(loc->name_en))
        return ubur_error_field(err, UBUR_EINVAL, "name_en", "is required");
    const char *lt = empty(loc->location_type) ? "V" : loc->location_type;
    const char *at = empty(loc->accommodation_type) ? "U" : loc->accommodation_type;
    if (!ubur_location_type_valid(lt))
        return ubur_error_field(err, UBUR_EINVAL, "location_type", "'%.10s' is not C, U, R or V",
                                lt);
    if (!ubur_accommodation_type_valid(at))
        return ubur_error_field(err, UBUR_EINVAL, "accommodation_type",
                                "'%.10s' is not I, P, S, C, R or U", at);
    bool is_country = !strcmp(loc->level, "country");
    if (is_country != empty(loc->parent))
        return ubur_error_field(err, UBUR_EINVAL, "parent",
                                is_country ? "a country has no parent" : "is required");
    if (!is_country) {
        if ((rc = reg_writer_loc(w, loc->parent, "parent", &parent, err)))
            return rc;
        int pl = 0, ml = 0;
        for (int i = 0; levels[i]; i++) {
            if (!strcmp(levels[i], parent->level))
                pl = i;
            if (!strcmp(levels[i], loc->level))
                ml = i;
        }
        if (ml <= pl)
            return ubur_error_field(err, UBUR_EINVAL, "level", "a %s cannot be inside a %s",
                                    loc->level, parent->level);
        country = parent->country;
        gov = !strcmp(parent->level, "governorate") ? parent->id : parent->governorate_id;
    }
    if ((rc = reg_check_country(country, "country", true, err)))
        return rc;
    if (loc->has_coordinates && (loc->latitude < -90 || loc->latitude > 90 ||
                                 loc->longitude < -180 || loc->longitude > 180))
        return ubur_error_field(err, UBUR_EINVAL, "latitude", "coordinates out of range");
    reg_writer_new_id(w, id);
    if (!strcmp(loc->level, "governorate"))
        gov = id;
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(w->ctx->store,
                                 "INSERT INTO reg_location (id, pcode, parent_id, level, country,"
                                 " governorate_id, name_en, name_ar, location_type,"
                                 " accommodation_type, latitude, longitude, created_at, updated_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 &st, err)))
        return rc;
    const char *v[] = {id,  loc->pcode,   parent ? parent->id : NULL, loc->level, country,
                       gov, loc->name_en, nz(loc->name_ar),           lt,         at};
    for (int i = 0; i < 10; i++)
        ubur_stmt_bind_text(st, i + 1, v[i]);
    if (loc->has_coordinates) {
        ubur_stmt_bind_double(st, 11, loc->latitude);
        ubur_stmt_bind_double(st, 12, loc->longitude);
    } else {
        ubur_stmt_bind_null(st, 11);
        ubur_stmt_bind_null(st, 12);
    }
    ubur_stmt_bind_text(st, 13, w->now);
    ubur_stmt_bind_text(st, 14, w->now);
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    if (rc == UBUR_ECONFLICT)
        return ubur_error_field(err, UBUR_ECONFLICT, "pcode", "'%s' already exists", loc->pcode);
    if (rc < 0)
        return rc;
    if (w->locs_loaded) {
        struct reg_loc *l = ubur_calloc(1, sizeof(*l));
        l->id = ubur_strdup(id);
        l->pcode = ubur_strdup(loc->pcode);
        l->parent_id = parent ? ubur_strdup(parent->id) : NULL;
        l->level = ubur_strdup(loc->level);
        l->country = ubur_strdup(country);
        l->governorate_id = gov ? ubur_strdup(gov) : NULL;
        l->name_en = ubur_strdup(loc->name_en);
        l->name_ar = loc->name_ar ? ubur_strdup(loc->name_ar) : NULL;
        l->location_type = ubur_strdup(lt);
        l->accommodation_type = ubur_strdup(at);
        reg_map_put(&w->locs, l->id, l);
        reg_map_put(&w->locs, l->pcode, l);
    }
    return 0;
}

int
ubur_registry_locations(struct ubur_ctx *ctx,
                        int (*fn)(void *arg, const struct ubur_reg_location *loc), void *arg,
                        struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT l.id, l.pcode, p.pcode, l.level, l.country, l.name_en,"
                                " l.name_ar, l.location_type, l.accommodation_type, l.latitude,"
                                " l.longitude FROM reg_location l"
                                " LEFT JOIN reg_location p ON p.id = l.parent_id ORDER BY l.pcode",
                                &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        struct ubur_reg_location l = {
            .id = ubur_stmt_text(st, 0),
            .pcode = ubur_stmt_text(st, 1),
            .parent = ubur_stmt_text(st, 2),
            .level = ubur_stmt_text(st, 3),
            .country = ubur_stmt_text(st, 4),
            .name_en = ubur_stmt_text(st, 5),
            .name_ar = ubur_stmt_text(st, 6),
            .location_type = ubur_stmt_text(st, 7),
            .accommodation_type = ubur_stmt_text(st, 8),
            .has_coordinates = !ubur_stmt_is_null(st, 9),
            .latitude = ubur_stmt_double(st, 9),
            .longitude = ubur_stmt_double(st, 10),
        };
        if ((rc = fn(arg, &l)))
            break;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* ---- registration ---- */

static int
duplicate_check(struct ubur_ctx *ctx, struct ubur_reg_individual *m, size_t n,
                struct ubur_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct ubur_reg_candidate c[1];
        size_t found = 0;
        double threshold = strtod(ubur_setting(ctx, "registry.duplicate_threshold", "0.8"), NULL);
        int rc = ubur_registry_candidates(ctx, &m[i], threshold, c, 1, &found, err);
        if (rc)
            return rc;
        if (found)
            return ubur_error_field(err, UBUR_ECONFLICT, "duplicate",
                                    "member %zu may already be registered as %s (score %.2f);"
                                    " review the candidates and confirm a new person",
                                    i + 1, c[0].person.individual_number, c[0].score);
    }
    return 0;
}

int
ubur_registry_register(struct ubur_ctx *ctx, struct ubur_reg_group *g,
                       struct ubur_reg_individual *members, size_t n, bool check_duplicates,
                       struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct reg_group_in gi;
    struct reg_person_in *pi = NULL;
    int rc;

    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "registering people needs a registration officer");
    if (n == 0 || n > 50)
        return ubur_error_field(err, UBUR_EINVAL, "members", "a group has 1 to 50 members");
    if (check_duplicates && (rc = duplicate_check(ctx, members, n, err)))
        return rc;
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    pi = ubur_calloc(n, sizeof(*pi));
    if ((rc = reg_check_group(&w, g, &gi, err)))
        goto fail;
    for (size_t i = 0; i < n; i++)
        if ((rc = reg_check_person(&w, &members[i], &gi, &pi[i], err))) {
            char inner[sizeof(err->message)] = "";
            if (err)
                memcpy(inner, err->message, sizeof(inner));
            if (err && n > 1)
                snprintf(err->message, sizeof(err->message), "member %zu: %s", i + 1, inner);
            goto fail;
        }
    if ((rc = reg_insert_group(&w, g, &gi, pi, n, err)))
        goto fail;
    struct ubur_buf detail = UBUR_BUF_INIT;
    ubur_buf_addf(&detail, "{\"group_number\":\"%s\",\"members\":[", gi.number);
    for (size_t i = 0; i < n; i++)
        ubur_buf_addf(&detail, "%s\"%s\"", i ? "," : "", pi[i].number);
    ubur_buf_adds(&detail, "]}");
    rc = ubur_audit(ctx, "registry.group.register", "registration_group", gi.id, detail.s, err);
    ubur_buf_release(&detail);
    if (rc || (rc = reg_writer_commit(&w, err)))
        goto fail;
    g->id = ubur_arena_strdup(&ctx->arena, gi.id);
    g->group_number = ubur_arena_strdup(&ctx->arena, gi.number);
    for (size_t i = 0; i < n; i++) {
        members[i].id = ubur_arena_strdup(&ctx->arena, pi[i].id);
        members[i].individual_number = ubur_arena_strdup(&ctx->arena, pi[i].number);
        members[i].group_id = g->id;
        members[i].group_number = g->group_number;
    }
    free(pi);
    return 0;
fail:
    reg_writer_abort(&w);
    free(pi);
    return rc;
}

/* Finds a group by id or number: its id, number, location and registration day. */
static int
find_group(struct reg_writer *w, const char *key, struct reg_group_in *gi, int *members,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(w->ctx->store,
                                "SELECT id, group_number, kind, location_id, registered_on,"
                                " (SELECT COUNT(*) FROM reg_individual i WHERE i.group_id = g.id)"
                                " FROM reg_group g WHERE id = ? OR group_number = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, key);
    ubur_stmt_bind_text(st, 2, key);
    memset(gi, 0, sizeof(*gi));
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        snprintf(gi->id, sizeof(gi->id), "%s", ubur_stmt_text(st, 0));
        snprintf(gi->number, sizeof(gi->number), "%s", ubur_stmt_text(st, 1));
        gi->kind = ubur_stmt_text(st, 2)[0] == 'c' ? "case" : "household";
        char loc[UBUR_UUID_LEN + 1];
        snprintf(loc, sizeof(loc), "%s", ubur_stmt_text(st, 3));
        reg_day_parse(ubur_stmt_text(st, 4), "registered_on", &gi->registered, NULL);
        *members = (int)ubur_stmt_int(st, 5);
        ubur_stmt_done(st);
        return reg_writer_loc(w, loc, "location", &gi->loc, err);
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : ubur_error_field(err, UBUR_ENOTFOUND, "group", "no group '%.60s'", key);
}

int
ubur_registry_add_member(struct ubur_ctx *ctx, const char *group, struct ubur_reg_individual *p,
                         struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct reg_group_in gi;
    struct reg_person_in pi;
    int rc, members = 0;

    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "registering people needs a registration officer");
    if (empty(group))
        return ubur_error_field(err, UBUR_EINVAL, "group", "is required");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    if ((rc = find_group(&w, group, &gi, &members, err)))
        goto fail;
    gi.registered = w.today; /* a new member registers today unless told otherwise */
    if ((rc = reg_check_person(&w, p, &gi, &pi, err)))
        goto fail;
    if (!strcmp(p->relationship, "focal_point")) {
        rc = ubur_error_field(err, UBUR_EINVAL, "relationship",
                              "the group has a focal point already");
        goto fail;
    }
    if ((rc = reg_insert_person(&w, &pi, gi.id, gi.number, members + 1, err)) ||
        (rc = ubur_audit(ctx, "registry.individual.create", "individual", pi.id, NULL, err)) ||
        (rc = reg_writer_commit(&w, err)))
        goto fail;
    p->id = ubur_arena_strdup(&ctx->arena, pi.id);
    p->individual_number = ubur_arena_strdup(&ctx->arena, pi.number);
    p->group_id = ubur_arena_strdup(&ctx->arena, gi.id);
    p->group_number = ubur_arena_strdup(&ctx->arena, gi.number);
    return 0;
fail:
    reg_writer_abort(&w);
    return rc;
}

/* ---- reads ---- */

void
reg_individual_from_row(struct ubur_ctx *ctx, struct ubur_stmt *st, struct ubur_reg_individual *p)
{
    struct ubur_arena *a = &ctx->arena;
    memset(p, 0, sizeof(*p));
    const char **f[] = {&p->id,
                        &p->individual_number,
                        &p->group_id,
                        &p->group_number,
                        &p->relationship,
                        &p->given_name_ar,
                        &p->father_name_ar,
                        &p->grandfather_name_ar,
                        &p->family_name_ar,
                        &p->given_name,
                        &p->father_name,
                        &p->grandfather_name,
                        &p->family_name,
                        &p->sex,
                        &p->birth_date};
    for (int i = 0; i < 15; i++)
        *f[i] = ubur_arena_strdup(a, ubur_stmt_text(st, i));
    p->birth_date_estimated = ubur_stmt_int(st, 15) != 0;
    const char **g[] = {&p->origin, &p->citizenship,   &p->population_type, &p->location,
                        &p->status, &p->registered_on, &p->returnee_on,     &p->merged_into};
    for (int i = 0; i < 8; i++)
        *g[i] = ubur_arena_strdup(a, ubur_stmt_text(st, 16 + i));
}

static int
load_details(struct ubur_ctx *ctx, struct ubur_reg_individual *p, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc;
    size_t alloc = 0;
    if ((rc = ubur_store_prepare(
             ctx->store,
             "SELECT doc_type, number, issuing_country, issued_on, expires_on"
             " FROM reg_document WHERE individual_id = ? ORDER BY created_at, id",
             &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, p->id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (p->ndocuments == alloc) {
            alloc = alloc ? alloc * 2 : 4;
            struct ubur_reg_document *d = ubur_arena_alloc(&ctx->arena, alloc * sizeof(*d));
            if (p->ndocuments)
                memcpy(d, p->documents, p->ndocuments * sizeof(*d));
            p->documents = d;
        }
        struct ubur_reg_document *d = &p->documents[p->ndocuments++];
        d->doc_type = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
        d->number = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 1));
        d->issuing_country = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 2));
        d->issued_on = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 3));
        d->expires_on = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 4));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    alloc = 0;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT code, detail FROM reg_specific_need"
                                 " WHERE individual_id = ? ORDER BY code",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, p->id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (p->nneeds == alloc) {
            alloc = alloc ? alloc * 2 : 4;
            struct ubur_reg_need *d = ubur_arena_alloc(&ctx->arena, alloc * sizeof(*d));
            if (p->nneeds)
                memcpy(d, p->needs, p->nneeds * sizeof(*d));
            p->needs = d;
        }
        p->needs[p->nneeds].code = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 0));
        p->needs[p->nneeds++].detail = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, 1));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    alloc = 0;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT h.effective_on, h.status, h.population_type, l.pcode,"
                                 " h.reason, h.recorded_at, h.recorded_by FROM reg_history h"
                                 " JOIN reg_location l ON l.id = h.location_id"
                                 " WHERE h.individual_id = ? ORDER BY h.seq",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, p->id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (p->nhistory == alloc) {
            alloc = alloc ? alloc * 2 : 4;
            struct ubur_reg_history *d = ubur_arena_alloc(&ctx->arena, alloc * sizeof(*d));
            if (p->nhistory)
                memcpy(d, p->history, p->nhistory * sizeof(*d));
            p->history = d;
        }
        struct ubur_reg_history *h = &p->history[p->nhistory++];
        const char **f[] = {&h->effective_on, &h->status,      &h->population_type, &h->location,
                            &h->reason,       &h->recorded_at, &h->recorded_by};
        for (int i = 0; i < 7; i++)
            *f[i] = ubur_arena_strdup(&ctx->arena, ubur_stmt_text(st, i));
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* Reads the individual's row by id or number (no audit, no role check). */
int
reg_find_individual(struct ubur_ctx *ctx, const char *key, struct ubur_reg_individual *out,
                    struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc;
    if (empty(key))
        return ubur_error_field(err, UBUR_EINVAL, "individual", "is required");
    if (ubur_uuid_valid(key))
        rc = ubur_store_prepare(ctx->store,
                                "SELECT " REG_INDIVIDUAL_COLUMNS " FROM reg_individual i"
                                " JOIN reg_group g ON g.id = i.group_id"
                                " JOIN reg_location l ON l.id = i.location_id WHERE i.id = ?",
                                &st, err);
    else
        rc = ubur_store_prepare(ctx->store,
                                "SELECT " REG_INDIVIDUAL_COLUMNS " FROM reg_individual i"
                                " JOIN reg_group g ON g.id = i.group_id"
                                " JOIN reg_location l ON l.id = i.location_id"
                                " WHERE i.individual_number = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, key);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        reg_individual_from_row(ctx, st, out);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "individual", "no individual '%.60s'", key);
    return rc < 0 ? rc : 0;
}

int
ubur_registry_get(struct ubur_ctx *ctx, const char *key, struct ubur_reg_individual *out,
                  struct ubur_error *err)
{
    int rc;
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM,
                              "individual records are for registration officers"
                              " and supervisors");
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if ((rc = reg_find_individual(ctx, key, out, err)) || (rc = load_details(ctx, out, err)) ||
        (rc = ubur_audit(ctx, "registry.individual.read", "individual", out->id, NULL, err))) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

/* ---- events and corrections ---- */

struct hist_row {
    int64_t from;
    int seq;
    char status[12], type[8], loc[UBUR_UUID_LEN + 1];
};

static int
load_history(struct reg_writer *w, const char *id, struct hist_row **rows, size_t *n,
             struct ubur_error *err)
{
    struct ubur_stmt *st;
    size_t alloc = 0;
    int rc = ubur_store_prepare(w->ctx->store,
                                "SELECT effective_on, seq, status, population_type, location_id"
                                " FROM reg_history WHERE individual_id = ? ORDER BY seq",
                                &st, err);
    if (rc)
        return rc;
    *rows = NULL;
    *n = 0;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (*n == alloc) {
            alloc = alloc ? alloc * 2 : 8;
            *rows = ubur_realloc(*rows, (alloc + 1) * sizeof(**rows));
        }
        struct hist_row *h = &(*rows)[(*n)++];
        reg_day_parse(ubur_stmt_text(st, 0), "effective_on", &h->from, NULL);
        h->seq = (int)ubur_stmt_int(st, 1);
        snprintf(h->status, sizeof(h->status), "%s", ubur_stmt_text(st, 2));
        snprintf(h->type, sizeof(h->type), "%s", ubur_stmt_text(st, 3));
        snprintf(h->loc, sizeof(h->loc), "%s", ubur_stmt_text(st, 4));
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        free(*rows);
        return rc;
    }
    if (!*n)
        *rows = ubur_malloc(sizeof(**rows));
    return 0;
}

/* Emits sign * the contribution of a history under static facts. */
static int
emit_history(struct reg_writer *w, const struct hist_row *h, size_t n, int64_t birth,
             const char *origin, const char *sex, int64_t sign, uint32_t *last_cell,
             struct ubur_error *err)
{
    struct ubur_popstat_segment *seg = ubur_calloc(n ? n : 1, sizeof(*seg));
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        seg[i].from = h[i].from;
        seg[i].counted = !strcmp(h[i].status, "active");
        rc = reg_writer_cell(w, h[i].type, origin, h[i].loc, sex, &seg[i].cell, err);
    }
    if (!rc) {
        ubur_popstat_contribution(birth, seg, n, w->stats_day, sign, reg_writer_emit, w);
        if (last_cell)
            *last_cell = n && seg[n - 1].counted ? seg[n - 1].cell : 0;
    }
    free(seg);
    return rc;
}

/* Sets stat_cell and band_next_on from the individual's last history entry. */
static int
update_stat_columns(struct reg_writer *w, const char *id, uint32_t cell, int64_t birth,
                    struct ubur_error *err)
{
    char next[UBUR_DATE_LEN + 1];
    int64_t nb = cell ? ubur_age_band_next(birth, w->stats_day) : UBUR_NO_DATE;
    if (nb != UBUR_NO_DATE)
        ubur_date_format(nb, next);
    if (w->pipelined) /* no answer awaited: a failure aborts the transaction and shows later */
        return cell ? ubur_store_queue(w->ctx->store, err,
                                       "UPDATE reg_individual SET stat_cell = ?, band_next_on = ?"
                                       " WHERE id = ?",
                                       "itt", (int64_t)cell, nb == UBUR_NO_DATE ? NULL : next, id)
                    : ubur_store_queue(w->ctx->store, err,
                                       "UPDATE reg_individual SET stat_cell = NULL,"
                                       " band_next_on = NULL WHERE id = ?",
                                       "t", id);
    int64_t ch;
    if (cell)
        ch =
            ubur_store_run(w->ctx->store, err,
                           "UPDATE reg_individual SET stat_cell = ?, band_next_on = ? WHERE id = ?",
                           "itt", (int64_t)cell, nb == UBUR_NO_DATE ? NULL : next, id);
    else
        ch = ubur_store_run(w->ctx->store, err,
                            "UPDATE reg_individual SET stat_cell = NULL, band_next_on = NULL"
                            " WHERE id = ?",
                            "t", id);
    return ch < 0 ? (int)ch : 0;
}

/*
 * Applies ev to p. known (n rows, ascending, with room for one more) is p's history when the
 * caller has it (the demo, which has just registered p); NULL reads it from the store.
 */
static int
apply_event(struct reg_writer *w, const struct ubur_reg_individual *p,
            const struct ubur_reg_event *ev, struct hist_row *known, size_t n_known,
            struct ubur_error *err)
{
    struct hist_row *h = NULL;
    size_t n = 0;
    int64_t birth, eff;
    int rc;
    const struct reg_loc *loc = NULL;

    if ((rc = check_day(ev->effective_on, "effective_on", w->today, &eff, err)))
        return rc;
    if (eff == UBUR_NO_DATE)
        eff = w->today;
    if (!empty(ev->status) && !in_set(ev->status, statuses))
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "'%.20s' is not active, inactive or closed", ev->status);
    if (!empty(ev->population_type) && !ubur_poptype_find(ev->population_type))
        return ubur_error_field(err, UBUR_EINVAL, "population_type",
                                "'%.10s' is not a UNHCR population type", ev->population_type);
    if (!empty(ev->location) && (rc = reg_writer_loc(w, ev->location, "location", &loc, err)))
        return rc;
    if (ev->reason && strlen(ev->reason) > 500)
        return ubur_error_field(err, UBUR_EINVAL, "reason", "longer than 500 bytes");
    if (empty(ev->status) && empty(ev->population_type) && !loc)
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "give a new status, population type or location");
    reg_day_parse(p->birth_date, "birth_date", &birth, NULL);
    if (known) {
        h = ubur_malloc((n_known + 1) * sizeof(*h));
        memcpy(h, known, n_known * sizeof(*h));
        n = n_known;
    } else if ((rc = load_history(w, p->id, &h, &n, err))) {
        return rc;
    }
    if (n && eff < h[n - 1].from) {
        rc = ubur_error_field(err, UBUR_ECONFLICT, "effective_on",
                              "is before the individual's latest change");
        goto out;
    }
    if (birth != UBUR_NO_DATE && eff < birth) {
        rc = ubur_error_field(err, UBUR_EINVAL, "effective_on", "is before the date of birth");
        goto out;
    }
    if ((rc = emit_history(w, h, n, birth, p->origin, p->sex, -1, NULL, err)))
        goto out;
    struct hist_row *nr = &h[n];
    *nr = n ? h[n - 1] : (struct hist_row){0};
    nr->from = eff;
    nr->seq = n ? h[n - 1].seq + 1 : 1;
    if (!empty(ev->status))
        snprintf(nr->status, sizeof(nr->status), "%s", ev->status);
    if (!empty(ev->population_type))
        snprintf(nr->type, sizeof(nr->type), "%s", ev->population_type);
    if (loc)
        snprintf(nr->loc, sizeof(nr->loc), "%s", loc->id);
    uint32_t cell = 0;
    if ((rc = emit_history(w, h, n + 1, birth, p->origin, p->sex, 1, &cell, err)))
        goto out;
    char day[UBUR_DATE_LEN + 1];
    ubur_date_format(eff, day);
#define INSERT_HISTORY                                                                             \
    "INSERT INTO reg_history (individual_id, seq, effective_on, status, population_type,"          \
    " location_id, reason, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define UPDATE_INDIVIDUAL                                                                          \
    "UPDATE reg_individual SET status = ?, population_type = ?, location_id = ?, updated_at = ?,"  \
    " version = version + 1 WHERE id = ?"
    int64_t ch;
    if (w->pipelined) { /* the demo: no answers awaited, as for its inserts */
        ch = ubur_store_queue(w->ctx->store, err, INSERT_HISTORY, "tittttttt", p->id,
                              (int64_t)nr->seq, day, nr->status, nr->type, nr->loc, nz(ev->reason),
                              w->now, w->ctx->username);
        if (!ch)
            ch = ubur_store_queue(w->ctx->store, err, UPDATE_INDIVIDUAL, "ttttt", nr->status,
                                  nr->type, nr->loc, w->now, p->id);
    } else {
        ch = ubur_store_run(w->ctx->store, err, INSERT_HISTORY, "tittttttt", p->id,
                            (int64_t)nr->seq, day, nr->status, nr->type, nr->loc, nz(ev->reason),
                            w->now, w->ctx->username);
        if (ch >= 0)
            ch = ubur_store_run(w->ctx->store, err, UPDATE_INDIVIDUAL, "ttttt", nr->status,
                                nr->type, nr->loc, w->now, p->id);
    }
#undef INSERT_HISTORY
#undef UPDATE_INDIVIDUAL
    if (ch < 0) {
        rc = (int)ch;
        goto out;
    }
    rc = update_stat_columns(w, p->id, cell, birth, err);
out:
    free(h);
    return rc;
}

int
reg_apply_event(struct reg_writer *w, const struct ubur_reg_individual *p,
                const struct ubur_reg_event *ev, struct ubur_error *err)
{
    return apply_event(w, p, ev, NULL, 0, err);
}

int
reg_apply_event_registered(struct reg_writer *w, const struct ubur_reg_individual *p,
                           const struct reg_person_in *in, const struct ubur_reg_event *ev,
                           struct ubur_error *err)
{
    struct hist_row h = {.from = in->registered, .seq = 1};
    snprintf(h.status, sizeof(h.status), "%s", in->status);
    snprintf(h.type, sizeof(h.type), "%s", in->p->population_type);
    snprintf(h.loc, sizeof(h.loc), "%s", in->loc->id);
    return apply_event(w, p, ev, &h, 1, err);
}

int
ubur_registry_event(struct ubur_ctx *ctx, const char *key, const struct ubur_reg_event *ev,
                    struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct ubur_reg_individual p;
    int rc;
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "changing records needs a registration officer");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    struct ubur_buf d = UBUR_BUF_INIT;
    if ((rc = reg_find_individual(ctx, key, &p, err)) || (rc = reg_apply_event(&w, &p, ev, err)))
        goto fail;
    ubur_buf_addf(&d,
                  "{\"effective_on\":\"%s\",\"status\":\"%s\",\"population_type\":\"%s\","
                  "\"location\":\"%s\"}",
                  ev->effective_on ? ev->effective_on : "", ev->status ? ev->status : "",
                  ev->population_type ? ev->population_type : "", ev->location ? ev->location : "");
    if ((rc = ubur_audit(ctx, "registry.individual.event", "individual", p.id, d.s, err)) ||
        (rc = reg_writer_commit(&w, err)))
        goto fail;
    ubur_buf_release(&d);
    return 0;
fail:
    ubur_buf_release(&d);
    reg_writer_abort(&w);
    return rc;
}

int
ubur_registry_correct(struct ubur_ctx *ctx, const char *key, const struct ubur_reg_individual *fix,
                      struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct ubur_reg_individual p, q;
    struct hist_row *h = NULL;
    size_t n = 0;
    int rc;
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "correcting records needs a registration officer");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    struct ubur_buf d = UBUR_BUF_INIT;
    if ((rc = reg_find_individual(ctx, key, &p, err)))
        goto fail;
    q = p;
    ubur_buf_adds(&d, "{\"fields\":[");
#define FIX(f)                                                                                     \
    if (fix->f) {                                                                                  \
        q.f = fix->f;                                                                              \
        ubur_buf_addf(&d, "%s\"" #f "\"", d.s[d.len - 1] == '[' ? "" : ",");                       \
    }
    UBUR_REG_CORRECTABLE(FIX)
#undef FIX
    ubur_buf_adds(&d, "]}");
    if (fix->birth_date)
        q.birth_date_estimated = fix->birth_date_estimated;
    if (empty(q.birth_date))
        q.birth_date = NULL;
    struct reg_person_in pi;
    const struct reg_loc *loc;
    struct reg_group_in gi = {0};
    if ((rc = reg_writer_loc(&w, p.location, "location", &loc, err)))
        goto fail;
    gi.loc = loc;
    q.status = p.status;
    q.documents = NULL;
    q.ndocuments = 0;
    q.needs = NULL;
    q.nneeds = 0;
    if ((rc = reg_check_person(&w, &q, &gi, &pi, err)))
        goto fail;
    int64_t old_birth, new_birth = pi.birth;
    reg_day_parse(p.birth_date, "birth_date", &old_birth, NULL);
    if ((rc = load_history(&w, p.id, &h, &n, err)))
        goto fail;
    if (n && new_birth != UBUR_NO_DATE && h[0].from < new_birth) {
        rc = ubur_error_field(err, UBUR_EINVAL, "birth_date", "is after the registration date");
        goto fail;
    }
    uint32_t cell = 0;
    if ((rc = emit_history(&w, h, n, old_birth, p.origin, p.sex, -1, NULL, err)) ||
        (rc = emit_history(&w, h, n, new_birth, q.origin, q.sex, 1, &cell, err)))
        goto fail;
    char key2[160];
    reg_person_key(&q, key2, sizeof(key2));
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "UPDATE reg_individual SET given_name_ar = ?, father_name_ar = ?,"
                                 " grandfather_name_ar = ?, family_name_ar = ?, given_name = ?,"
                                 " father_name = ?, grandfather_name = ?, family_name = ?, sex = ?,"
                                 " birth_date = ?, birth_date_estimated = ?, origin = ?,"
                                 " citizenship = ?, name_key = ?, updated_at = ?,"
                                 " version = version + 1 WHERE id = ?",
                                 &st, err)))
        goto fail;
    const char *v[] = {nz(q.given_name_ar),    nz(q.father_name_ar), nz(q.grandfather_name_ar),
                       nz(q.family_name_ar),   nz(q.given_name),     nz(q.father_name),
                       nz(q.grandfather_name), nz(q.family_name),    q.sex,
                       nz(q.birth_date)};
    for (int i = 0; i < 10; i++)
        ubur_stmt_bind_text(st, i + 1, v[i]);
    ubur_stmt_bind_int(st, 11, q.birth_date_estimated);
    ubur_stmt_bind_text(st, 12, q.origin);
    ubur_stmt_bind_text(st, 13, q.citizenship);
    ubur_stmt_bind_text(st, 14, key2);
    ubur_stmt_bind_text(st, 15, w.now);
    ubur_stmt_bind_text(st, 16, p.id);
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    if (rc < 0 || (rc = update_stat_columns(&w, p.id, cell, new_birth, err)) ||
        (rc = ubur_audit(ctx, "registry.individual.correct", "individual", p.id, d.s, err)) ||
        (rc = reg_writer_commit(&w, err)))
        goto fail;
    free(h);
    ubur_buf_release(&d);
    return 0;
fail:
    free(h);
    ubur_buf_release(&d);
    reg_writer_abort(&w);
    return rc;
}

/* ---- listing ---- */

int
ubur_registry_list(struct ubur_ctx *ctx, const struct ubur_reg_filter *f,
                   int (*fn)(void *arg, const struct ubur_reg_individual *p), void *arg,
                   struct ubur_error *err)
{
    struct ubur_buf sql = UBUR_BUF_INIT, detail = UBUR_BUF_INIT;
    struct reg_map locs = {0};
    const char *params[8];
    int np = 0, rc;
    long count = 0;
    struct ubur_stmt *st = NULL;

    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM,
                              "individual records are for registration officers"
                              " and supervisors");
    long limit = f->limit > 0 ? (f->limit > 100000 ? 100000 : f->limit) : 100;
    ubur_buf_adds(&sql, "SELECT " REG_INDIVIDUAL_COLUMNS " FROM reg_individual i"
                        " JOIN reg_group g ON g.id = i.group_id"
                        " JOIN reg_location l ON l.id = i.location_id WHERE 1 = 1");
    if (!empty(f->group)) {
        ubur_buf_adds(&sql, " AND (g.id = ? OR g.group_number = ?)");
        params[np++] = f->group;
        params[np++] = f->group;
    }
    if (!empty(f->population_type)) {
        ubur_buf_adds(&sql, " AND i.population_type = ?");
        params[np++] = f->population_type;
    }
    if (!empty(f->status)) {
        ubur_buf_adds(&sql, " AND i.status = ?");
        params[np++] = f->status;
    }
    if (!empty(f->origin)) {
        ubur_buf_adds(&sql, " AND i.origin = ?");
        params[np++] = f->origin;
    }
    if ((rc = ubur_store_begin(ctx->store, err)))
        goto out;
    if (!empty(f->location)) {
        /* The location and all its descendants, resolved in memory. */
        if ((rc = reg_locations_load(ctx, &locs, err)))
            goto fail;
        struct reg_loc *root = reg_map_get(&locs, f->location);
        if (!root) {
            rc = ubur_error_field(err, UBUR_EINVAL, "location", "unknown location '%.60s'",
                                  f->location);
            goto fail;
        }
        ubur_buf_adds(&sql, " AND i.location_id IN ('");
        bool first = true;
        for (size_t k = 0; k < locs.cap; k++) {
            struct reg_loc *l = locs.slot[k].value;
            if (!locs.slot[k].key || strcmp(locs.slot[k].key, l->id))
                continue;
            for (struct reg_loc *a = l; a;
                 a = a->parent_id ? reg_map_get(&locs, a->parent_id) : NULL)
                if (a == root) {
                    /* ids are validated UUIDs from our own table: safe to inline */
                    ubur_buf_addf(&sql, "%s%s", first ? "" : "','", l->id);
                    first = false;
                    break;
                }
        }
        ubur_buf_adds(&sql, "')");
    }
    ubur_buf_addf(&sql, " ORDER BY i.individual_number LIMIT %ld OFFSET %ld", limit,
                  f->offset > 0 ? f->offset : 0);
    if ((rc = ubur_store_prepare_dynamic(ctx->store, sql.s, &st, err)))
        goto fail;
    for (int i = 0; i < np; i++)
        ubur_stmt_bind_text(st, i + 1, params[i]);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        struct ubur_reg_individual p;
        reg_individual_from_row(ctx, st, &p);
        count++;
        if ((rc = fn(arg, &p)))
            break;
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    ubur_buf_addf(&detail, "{\"count\":%ld}", count);
    if ((rc = ubur_audit(ctx, "registry.individual.list", "individual", NULL, detail.s, err)))
        goto fail;
    rc = ubur_store_commit(ctx->store, err);
    goto out;
fail:
    ubur_store_rollback(ctx->store);
out:
    reg_locations_release(&locs);
    ubur_buf_release(&sql);
    ubur_buf_release(&detail);
    return rc;
}

/* ---- judgements ---- */

int
ubur_registry_judge(struct ubur_ctx *ctx, const char *keep, const char *dup, const char *decision,
                    struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct ubur_reg_individual a, b;
    int rc;
    const char *kind = !decision                       ? NULL
                       : !strcmp(decision, "merge")    ? "same_person"
                       : !strcmp(decision, "link")     ? "possible_duplicate"
                       : !strcmp(decision, "distinct") ? "not_duplicate"
                                                       : NULL;
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "judging duplicates needs a registration officer");
    if (!kind)
        return ubur_error_field(err, UBUR_EINVAL, "decision",
                                "'%.20s' is not merge, link or distinct", decision ? decision : "");
    if (!strcmp(kind, "same_person") && !(ctx->role & (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR)))
        return ubur_error_set(err, UBUR_EPERM, "merging records needs a supervisor");
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    if ((rc = reg_find_individual(ctx, keep, &a, err)) ||
        (rc = reg_find_individual(ctx, dup, &b, err)))
        goto fail;
    if (!strcmp(a.id, b.id)) {
        rc = ubur_error_field(err, UBUR_EINVAL, "duplicate", "both records are the same");
        goto fail;
    }
    if (!strcmp(kind, "same_person")) {
        if (!strcmp(b.status, "closed") && b.merged_into) {
            rc = ubur_error_field(err, UBUR_ECONFLICT, "duplicate", "'%s' is merged already",
                                  b.individual_number);
            goto fail;
        }
        struct ubur_reg_event ev = {.status = "closed"};
        char reason[96];
        snprintf(reason, sizeof(reason), "merged into %s", a.individual_number);
        ev.reason = reason;
        if (strcmp(b.status, "closed") && (rc = reg_apply_event(&w, &b, &ev, err)))
            goto fail;
        if (ubur_store_run(ctx->store, err,
                           "UPDATE reg_individual SET merged_into = ? WHERE id = ?", "tt", a.id,
                           b.id) < 0) {
            rc = err ? err->code : UBUR_ESTORE;
            goto fail;
        }
    }
    const char *x = strcmp(a.id, b.id) < 0 ? a.id : b.id, *y = x == a.id ? b.id : a.id;
    int64_t ch = ubur_store_run(ctx->store, err,
                                "INSERT INTO reg_link (individual_a, individual_b, kind, score,"
                                " decided_by, decided_at) VALUES (?, ?, ?, NULL, ?, ?)"
                                " ON CONFLICT (individual_a, individual_b) DO UPDATE SET"
                                " kind = excluded.kind, decided_by = excluded.decided_by,"
                                " decided_at = excluded.decided_at",
                                "ttttt", x, y, kind, ctx->username, w.now);
    if (ch < 0) {
        rc = (int)ch;
        goto fail;
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"decision\":\"%s\",\"other\":\"%s\"}", decision, b.id);
    if ((rc = ubur_audit(ctx, "registry.individual.judge", "individual", a.id, detail, err)) ||
        (rc = reg_writer_commit(&w, err)))
        goto fail;
    return 0;
fail:
    reg_writer_abort(&w);
    return rc;
}

/* ---- returnees ---- */

int
ubur_registry_note_crossing(struct ubur_ctx *ctx, const char *document_number,
                            const char *nationality, const char *individual_number,
                            const char *to_state, const char *date, bool *flagged,
                            struct ubur_error *err)
{
    struct reg_writer w = {0};
    struct ubur_reg_individual p;
    char *id = NULL;
    int rc;
    if (flagged)
        *flagged = false;
    if ((rc = reg_check_country(to_state, "to_state", true, err)))
        return rc;
    if (empty(document_number) && empty(individual_number))
        return ubur_error_field(err, UBUR_EINVAL, "document_number",
                                "a document number or an individual number is required");
    /*
     * Inside the caller's transaction (a border record, in the group-commit writer) nearly
     * every document is nobody's in the registry: look first, before the registry writer's
     * set-up (its day roll and checkpoint days), which only a returnee needs. The write lock is
     * held, so the answer cannot change before the same lookup below.
     */
    if (!empty(document_number) && ubur_store_in_tx(ctx->store)) {
        int64_t one;
        rc = ubur_store_query_int(ctx->store, err, &one,
                                  "SELECT 1 FROM reg_document d"
                                  " JOIN reg_individual i ON i.id = d.individual_id"
                                  " WHERE d.number = ? AND (CAST(? AS TEXT) IS NULL"
                                  " OR d.issuing_country = ?) AND i.status = 'active' LIMIT 1",
                                  "ttt", document_number, nz(nationality), nz(nationality));
        if (rc == UBUR_ENOTFOUND) {
            ubur_error_clear(err);
            return 0;
        }
        if (rc)
            return rc;
    }
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    if (!empty(document_number))
        rc = ubur_store_query_text(
            ctx->store, err, &id,
            "SELECT d.individual_id FROM reg_document d"
            " JOIN reg_individual i ON i.id = d.individual_id"
            " WHERE d.number = ? AND (CAST(? AS TEXT) IS NULL OR d.issuing_country = ?)"
            " AND i.status = 'active' ORDER BY d.individual_id LIMIT 1",
            "ttt", document_number, nz(nationality), nz(nationality));
    else
        rc = ubur_store_query_text(ctx->store, err, &id,
                                   "SELECT id FROM reg_individual WHERE individual_number = ?"
                                   " AND status = 'active'",
                                   "t", individual_number);
    if (rc == UBUR_ENOTFOUND) {
        ubur_error_clear(err);
        rc = 0;
        goto done; /* not registered here: nothing to flag */
    }
    if (rc || (rc = reg_find_individual(ctx, id, &p, err)))
        goto fail;
    if (strcmp(p.origin, to_state))
        goto done;
    char reason[64];
    snprintf(reason, sizeof(reason), "returned to %s", to_state);
    struct ubur_reg_event ev = {.effective_on = date, .status = "inactive", .reason = reason};
    if ((rc = reg_apply_event(&w, &p, &ev, err)))
        goto fail;
    int64_t eff;
    reg_day_parse(date, "date", &eff, NULL);
    const char *day = reg_day_text(ctx, eff == UBUR_NO_DATE ? w.today : eff);
    if (ubur_store_run(ctx->store, err, "UPDATE reg_individual SET returnee_on = ? WHERE id = ?",
                       "tt", day, p.id) < 0) {
        rc = err ? err->code : UBUR_ESTORE;
        goto fail;
    }
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"to_state\":\"%s\",\"date\":\"%s\"}", to_state, day);
    if ((rc = ubur_audit(ctx, "registry.individual.returnee", "individual", p.id, detail, err)))
        goto fail;
    if (flagged)
        *flagged = true;
done:
    free(id);
    return reg_writer_commit(&w, err);
fail:
    free(id);
    reg_writer_abort(&w);
    return rc;
}

int
ubur_registry_returnee_lookup(struct ubur_ctx *ctx, const char *document_number,
                              const char *nationality, const char *to_state,
                              char individual_number[UBUR_REG_NUMBER_MAX + 1],
                              struct ubur_error *err)
{
    char *num = NULL;
    individual_number[0] = '\0';
    if (empty(document_number) || empty(to_state))
        return 0;
    int rc = ubur_store_query_text(
        ctx->store, err, &num,
        /* MIN, not ORDER BY .. LIMIT 1: no sorter opened for every border check (SQLite);
         * HAVING: no row when nobody matches */
        "SELECT MIN(i.individual_number) FROM reg_document d"
        " JOIN reg_individual i ON i.id = d.individual_id"
        " WHERE d.number = ? AND (CAST(? AS TEXT) IS NULL OR d.issuing_country = ?)"
        " AND i.status = 'active' AND i.origin = ? HAVING COUNT(*) > 0",
        "tttt", document_number, nz(nationality), nz(nationality), to_state);
    if (rc == UBUR_ENOTFOUND) {
        ubur_error_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    snprintf(individual_number, UBUR_REG_NUMBER_MAX + 1, "%s", num);
    free(num);
    return 0;
}

/* ---- registrations made on border posts (sync) ---- */

int
ubur_registry_apply_registration(struct ubur_ctx *ctx, struct ubur_reg_group *g,
                                 struct ubur_reg_individual *members, size_t n,
                                 struct ubur_error *err)
{
    if (!ubur_uuid_valid(g->id) || empty(g->group_number))
        return ubur_error_field(err, UBUR_EINVAL, "id",
                                "a post's registration keeps its id and"
                                " number");
    for (size_t i = 0; i < n; i++)
        if (!ubur_uuid_valid(members[i].id) || empty(members[i].individual_number))
            return ubur_error_field(err, UBUR_EINVAL, "id",
                                    "member %zu of a post's registration has no id or number",
                                    i + 1);
    reg_keep_ids = true;
    int rc = ubur_registry_register(ctx, g, members, n, false, err);
    reg_keep_ids = false;
    return rc;
}

int
ubur_registry_apply_member(struct ubur_ctx *ctx, const char *group, struct ubur_reg_individual *p,
                           struct ubur_error *err)
{
    if (!ubur_uuid_valid(p->id) || empty(p->individual_number))
        return ubur_error_field(err, UBUR_EINVAL, "id",
                                "a post's new member keeps its id and"
                                " number");
    reg_keep_ids = true;
    int rc = ubur_registry_add_member(ctx, group, p, err);
    reg_keep_ids = false;
    return rc;
}
