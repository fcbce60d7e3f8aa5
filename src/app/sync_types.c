/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record types that travel between border posts and central
 * (docs/internals/sync.md has the table).
 *
 * Up: registrations and changes to registered individuals. A post's event
 * carries what the owning module needs to make the same change (the group
 * with its members, the new status with its effective date, the corrected
 * fields, a judgement), and central makes it through the registry's own
 * services, so statistics, history and audit follow as for a change made
 * on central. Records are compared by snapshot: the fields an officer reads,
 * in canonical JSON, never derived columns (statistics cells, name keys,
 * update times, versions).
 *
 * Down: watchlist entries (by their change_seq), visas with the person,
 * application and purpose they hang on, partner revocations and registry
 * locations. These are central's reference data: a post holds a replica,
 * applied by id and idempotent.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_impl.h"
#include "ubur/border.h"
#include "ubur/registry.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

static json_t *
col_json(struct ubur_stmt *st, int i)
{
    return ubur_stmt_is_null(st, i) ? json_null() : json_string(ubur_stmt_text(st, i));
}

/* A JSON text column parsed (null when NULL or not JSON). */
static json_t *
json_col_parsed_or_null(struct ubur_stmt *st, int i)
{
    const char *s = ubur_stmt_text(st, i);
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_null();
}

/* ---- registry snapshots ---- */

static const char *const individual_text_fields[] = {
    "individual_number", "group_number",
    "relationship",      "given_name_ar",
    "father_name_ar",    "grandfather_name_ar",
    "family_name_ar",    "given_name",
    "father_name",       "grandfather_name",
    "family_name",       "sex",
    "birth_date",        NULL,
};

static int
individual_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *out = NULL;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT i.individual_number, g.group_number, i.relationship, i.given_name_ar,"
        " i.father_name_ar, i.grandfather_name_ar, i.family_name_ar, i.given_name, i.father_name,"
        " i.grandfather_name, i.family_name, i.sex, i.birth_date, i.birth_date_estimated,"
        " i.origin, i.citizenship, i.population_type, l.pcode, i.status, i.registered_on,"
        " i.returnee_on, i.merged_into, i.group_id"
        " FROM reg_individual i JOIN reg_group g ON g.id = i.group_id"
        " JOIN reg_location l ON l.id = i.location_id WHERE i.id = ?",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    json_t *o = NULL;
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        o = json_object();
        json_object_set_new(o, "id", json_string(id));
        for (int i = 0; individual_text_fields[i]; i++)
            json_object_set_new(o, individual_text_fields[i], col_json(st, i));
        json_object_set_new(o, "birth_date_estimated", json_boolean(ubur_stmt_int(st, 13) != 0));
        static const char *const rest[] = {"origin",      "citizenship", "population_type",
                                           "location",    "status",      "registered_on",
                                           "returnee_on", "merged_into", "group_id"};
        for (int i = 0; i < 9; i++)
            json_object_set_new(o, rest[i], col_json(st, 14 + i));
    }
    ubur_stmt_done(st);
    if (rc <= 0)
        return rc;
    json_t *docs = json_array(), *needs = json_array(), *hist = json_array();
    json_object_set_new(o, "documents", docs);
    json_object_set_new(o, "needs", needs);
    json_object_set_new(o, "history", hist);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT doc_type, number, issuing_country, issued_on, expires_on"
                                 " FROM reg_document WHERE individual_id = ?"
                                 " ORDER BY doc_type, number, issuing_country NULLS FIRST,"
                                 " issued_on NULLS FIRST",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(docs, json_pack("{s:o, s:o, s:o, s:o, s:o}", "doc_type",
                                              col_json(st, 0), "number", col_json(st, 1),
                                              "issuing_country", col_json(st, 2), "issued_on",
                                              col_json(st, 3), "expires_on", col_json(st, 4)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT code, detail FROM reg_specific_need"
                                 " WHERE individual_id = ? ORDER BY code",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(
            needs, json_pack("{s:o, s:o}", "code", col_json(st, 0), "detail", col_json(st, 1)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT h.effective_on, h.status, h.population_type, l.pcode,"
                                 " h.reason FROM reg_history h"
                                 " JOIN reg_location l ON l.id = h.location_id"
                                 " WHERE h.individual_id = ? ORDER BY h.seq",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(hist, json_pack("{s:o, s:o, s:o, s:o, s:o}", "effective_on",
                                              col_json(st, 0), "status", col_json(st, 1),
                                              "population_type", col_json(st, 2), "location",
                                              col_json(st, 3), "reason", col_json(st, 4)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    *out = o;
    return 0;
fail:
    json_decref(o);
    return rc;
}

static int
group_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *out = NULL;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT g.group_number, g.kind, l.pcode, g.registered_on,"
                                " g.focal_point_id FROM reg_group g"
                                " JOIN reg_location l ON l.id = g.location_id WHERE g.id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    json_t *o = NULL;
    if ((rc = ubur_stmt_step(st, err)) == 1)
        o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:[]}", "id", id, "group_number",
                      col_json(st, 0), "kind", col_json(st, 1), "location", col_json(st, 2),
                      "registered_on", col_json(st, 3), "focal_point", col_json(st, 4), "members");
    ubur_stmt_done(st);
    if (rc <= 0)
        return rc;
    json_t *ids = json_array();
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id FROM reg_individual WHERE group_id = ?"
                                 " ORDER BY individual_number",
                                 &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, id);
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(ids, json_string(ubur_stmt_text(st, 0)));
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    rc = 0;
    size_t i;
    json_t *m;
    json_array_foreach(ids, i, m)
    {
        json_t *p;
        if ((rc = individual_snapshot(ctx, json_string_value(m), &p, err)))
            goto out;
        if (p)
            json_array_append_new(json_object_get(o, "members"), p);
    }
out:
    json_decref(ids);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- registrations (up) ---- */

static int
registration_capture(struct ubur_ctx *ctx, const char *action, const char *object_id,
                     const char *detail, struct sync_capture *cap, struct ubur_error *err)
{
    (void)action;
    (void)detail;
    json_t *g;
    int rc = group_snapshot(ctx, object_id, &g, err);
    if (rc || !g)
        return rc;
    /* The members' shadows: the base of the post's later changes to each. */
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(g, "members"), i, m)
    {
        char key[128], fp[65];
        snprintf(key, sizeof(key), "individual:%s", sync_str(m, "id"));
        ubur_sync_fingerprint(m, fp);
        if ((rc = sync_shadow_set(ctx, key, fp, err))) {
            json_decref(g);
            return rc;
        }
    }
    cap->op = "create";
    cap->record_id = ubur_arena_strdup(&ctx->arena, object_id);
    cap->payload = json_deep_copy(g);
    cap->after = g;
    return 0;
}

/* Groups this post registered that no event carries yet (made by a bulk import). */
static int
registration_uncaptured(struct ubur_ctx *ctx, json_t **ids, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *ids = json_array();
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT g.id FROM reg_group g WHERE NOT EXISTS"
                                " (SELECT 1 FROM sync_shadow s"
                                "  WHERE s.record_key = 'registration:' || g.id) ORDER BY g.id",
                                &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(*ids, json_string(ubur_stmt_text(st, 0)));
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* An individual from a snapshot, for the registry's services (strings borrowed from p). */
static void
individual_from_json(struct ubur_ctx *ctx, json_t *p, struct ubur_reg_individual *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sync_str(p, "id");
    out->individual_number = sync_str(p, "individual_number");
    out->relationship = sync_str(p, "relationship");
    out->given_name_ar = sync_str(p, "given_name_ar");
    out->father_name_ar = sync_str(p, "father_name_ar");
    out->grandfather_name_ar = sync_str(p, "grandfather_name_ar");
    out->family_name_ar = sync_str(p, "family_name_ar");
    out->given_name = sync_str(p, "given_name");
    out->father_name = sync_str(p, "father_name");
    out->grandfather_name = sync_str(p, "grandfather_name");
    out->family_name = sync_str(p, "family_name");
    out->sex = sync_str(p, "sex");
    out->birth_date = sync_str(p, "birth_date");
    out->birth_date_estimated = json_is_true(json_object_get(p, "birth_date_estimated"));
    out->origin = sync_str(p, "origin");
    out->citizenship = sync_str(p, "citizenship");
    out->population_type = sync_str(p, "population_type");
    out->location = sync_str(p, "location");
    out->status = sync_str(p, "status");
    out->registered_on = sync_str(p, "registered_on");
    json_t *docs = json_object_get(p, "documents"), *needs = json_object_get(p, "needs");
    size_t nd = json_is_array(docs) ? json_array_size(docs) : 0;
    size_t nn = json_is_array(needs) ? json_array_size(needs) : 0;
    if (nd > 50)
        nd = 50;
    if (nn > 50)
        nn = 50;
    out->documents = ubur_arena_alloc(&ctx->arena, sizeof(*out->documents) * (nd + 1));
    out->needs = ubur_arena_alloc(&ctx->arena, sizeof(*out->needs) * (nn + 1));
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(docs, i);
        out->documents[i] = (struct ubur_reg_document){
            sync_str(d, "doc_type"), sync_str(d, "number"), sync_str(d, "issuing_country"),
            sync_str(d, "issued_on"), sync_str(d, "expires_on")};
    }
    for (size_t i = 0; i < nn; i++) {
        json_t *n = json_array_get(needs, i);
        out->needs[i] = (struct ubur_reg_need){sync_str(n, "code"), sync_str(n, "detail")};
    }
    out->ndocuments = nd;
    out->nneeds = nn;
}

static int
registration_apply(struct ubur_ctx *ctx, const struct sync_event *ev, struct ubur_error *err)
{
    json_t *p = ev->payload, *members = json_object_get(p, "members");
    size_t n = json_is_array(members) ? json_array_size(members) : 0;
    if (!n || n > 50)
        return ubur_error_field(err, UBUR_EINVAL, "members", "a registration has 1 to 50 members");
    if (!sync_str(p, "id") || strcmp(sync_str(p, "id"), ev->record_id))
        return ubur_error_field(err, UBUR_EINVAL, "id", "the payload is not group %s",
                                ev->record_id);
    struct ubur_reg_group g = {
        .id = sync_str(p, "id"),
        .group_number = sync_str(p, "group_number"),
        .kind = sync_str(p, "kind"),
        .location = sync_str(p, "location"),
        .registered_on = sync_str(p, "registered_on"),
    };
    struct ubur_reg_individual *m = ubur_arena_alloc(&ctx->arena, sizeof(*m) * n);
    for (size_t i = 0; i < n; i++)
        individual_from_json(ctx, json_array_get(members, i), &m[i]);
    return ubur_registry_apply_registration(ctx, &g, m, n, err);
}

static int
last_history(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    json_t *snap;
    int rc = individual_snapshot(ctx, id, &snap, err);
    if (rc)
        return rc;
    json_t *h = json_object_get(snap, "history");
    size_t n = json_is_array(h) ? json_array_size(h) : 0;
    *out = n ? json_incref(json_array_get(h, n - 1)) : NULL;
    json_decref(snap);
    return 0;
}

static int
individual_capture(struct ubur_ctx *ctx, const char *action, const char *object_id,
                   const char *detail, struct sync_capture *cap, struct ubur_error *err)
{
    json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
    const char *record = object_id;
    int rc = 0;
    if (!strcmp(action, "registry.individual.judge")) {
        /* A merge changes the other record (closed, merged into this one): that is the event's
         * record; a link or a distinct judgement changes neither. */
        const char *other = sync_str(d, "other");
        if (!other)
            goto out;
        record = other;
        cap->op = "judge";
        cap->payload =
            json_pack("{s:s, s:s?}", "keep", object_id, "decision", sync_str(d, "decision"));
    } else if (!strcmp(action, "registry.individual.create")) {
        cap->op = "create";
    } else if (!strcmp(action, "registry.individual.event")) {
        /* What the officer changed (the audit detail names it; "" is unchanged), with the
         * effective date and reason as recorded: applied on central, it changes only that. */
        json_t *h = NULL;
        cap->op = "event";
        if ((rc = last_history(ctx, object_id, &h, err)))
            goto out;
        cap->payload = json_pack("{s:O?, s:O?}", "effective_on", json_object_get(h, "effective_on"),
                                 "reason", json_object_get(h, "reason"));
        static const char *const keys[] = {"status", "population_type", "location"};
        for (int i = 0; i < 3; i++) {
            const char *given = sync_str(d, keys[i]);
            if (given && *given)
                json_object_set(cap->payload, keys[i], json_object_get(h, keys[i]));
        }
        json_decref(h);
    } else if (!strcmp(action, "registry.individual.correct")) {
        cap->op = "correct";
    }
    json_t *snap;
    if ((rc = individual_snapshot(ctx, record, &snap, err)) || !snap)
        goto out;
    cap->record_id = ubur_arena_strdup(&ctx->arena, record);
    cap->after = snap;
    if (cap->op && !strcmp(cap->op, "create")) {
        cap->payload =
            json_pack("{s:s?, s:O}", "group_id", sync_str(snap, "group_id"), "member", snap);
    } else if (cap->op && !strcmp(cap->op, "correct")) {
        json_t *fields = json_object(), *names = json_object_get(d, "fields");
        size_t i;
        json_t *f;
        json_array_foreach(names, i, f)
        {
            const char *k = json_string_value(f);
            json_t *v = k ? json_object_get(snap, k) : NULL;
            if (v)
                json_object_set_new(fields, k, json_is_null(v) ? json_string("") : json_incref(v));
            if (k && !strcmp(k, "birth_date"))
                json_object_set(fields, "birth_date_estimated",
                                json_object_get(snap, "birth_date_estimated"));
        }
        cap->payload = json_pack("{s:o}", "fields", fields);
    }
out:
    json_decref(d);
    return rc;
}

static int
individual_apply(struct ubur_ctx *ctx, const struct sync_event *ev, struct ubur_error *err)
{
    json_t *p = ev->payload;
    if (!strcmp(ev->op, "create")) {
        json_t *m = json_object_get(p, "member");
        struct ubur_reg_individual ind;
        if (!json_is_object(m) || !sync_str(p, "group_id"))
            return ubur_error_field(err, UBUR_EINVAL, "member",
                                    "a new member needs group_id and"
                                    " member");
        individual_from_json(ctx, m, &ind);
        if (!ind.id || strcmp(ind.id, ev->record_id))
            return ubur_error_field(err, UBUR_EINVAL, "id", "the payload is not individual %s",
                                    ev->record_id);
        return ubur_registry_apply_member(ctx, sync_str(p, "group_id"), &ind, err);
    }
    if (!strcmp(ev->op, "event")) {
        struct ubur_reg_event e = {
            .effective_on = sync_str(p, "effective_on"),
            .status = sync_str(p, "status"),
            .population_type = sync_str(p, "population_type"),
            .location = sync_str(p, "location"),
            .reason = sync_str(p, "reason"),
        };
        return ubur_registry_event(ctx, ev->record_id, &e, err);
    }
    if (!strcmp(ev->op, "correct")) {
        json_t *f = json_object_get(p, "fields");
        struct ubur_reg_individual fix;
        memset(&fix, 0, sizeof(fix));
        if (!json_is_object(f) || !json_object_size(f))
            return ubur_error_field(err, UBUR_EINVAL, "fields", "a correction names its fields");
#define FIX(name) fix.name = sync_str(f, #name);
        UBUR_REG_CORRECTABLE(FIX)
#undef FIX
        fix.birth_date_estimated = json_is_true(json_object_get(f, "birth_date_estimated"));
        return ubur_registry_correct(ctx, ev->record_id, &fix, err);
    }
    if (!strcmp(ev->op, "judge"))
        return ubur_registry_judge(ctx, sync_str(p, "keep"), ev->record_id, sync_str(p, "decision"),
                                   err);
    return ubur_error_field(err, UBUR_EINVAL, "op", "unknown op '%.20s'", ev->op);
}

/* ---- movements: entries, exits, refusals (up) ---- */

/* Every row a query returns, each as sync_row_json reads one (values as text). */
static int
rows_json(struct ubur_ctx *ctx, const char *sql, const char *arg, json_t **out,
          struct ubur_error *err)
{
    struct ubur_stmt *st;
    *out = json_array();
    int rc = ubur_store_prepare(ctx->store, sql, &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, arg);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *o = json_object();
        for (int i = 0; i < ubur_stmt_columns(st); i++)
            json_object_set_new(o, ubur_stmt_column_name(st, i), col_json(st, i));
        json_array_append_new(*out, o);
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* What an officer reads of a record; not the traveller's id (central may link the traveller
 * to one it knew) nor the stay (each side keeps its own). */
static int
movement_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *out = NULL;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT kind, direction, at, crossing_id, state, check_id,"
                                " group_id, document_number, nationality, visa_id, visa_number,"
                                " proposed, decision, reasons, override_reason, supervisor,"
                                " officer, recorded_at FROM border_records WHERE id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        static const char *const k[] = {"kind",        "direction",       "at",
                                        "crossing_id", "state",           "check_id",
                                        "group_id",    "document_number", "nationality",
                                        "visa_id",     "visa_number",     "proposed",
                                        "decision",    "reasons",         "override_reason",
                                        "supervisor",  "officer",         "recorded_at"};
        json_t *o = json_pack("{s:s}", "id", id);
        for (int i = 0; i < 18; i++)
            json_object_set_new(o, k[i],
                                i == 13 ? json_col_parsed_or_null(st, i) : col_json(st, i));
        *out = o;
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
movement_capture(struct ubur_ctx *ctx, const char *action, const char *object_id,
                 const char *detail, struct sync_capture *cap, struct ubur_error *err)
{
    (void)action;
    (void)detail;
    json_t *snap = NULL, *rec = NULL, *chk = NULL, *trav = NULL, *docs = NULL, *grp = NULL;
    int rc = movement_snapshot(ctx, object_id, &snap, err);
    if (rc || !snap)
        return rc;
    if ((rc = sync_row_json(ctx, "border_records", "id", object_id, &rec, err)) ||
        (rc = sync_row_json(ctx, "border_checks", "id", sync_str(rec, "check_id"), &chk, err)))
        goto fail;
    const char *tid = sync_str(rec, "traveller_id"), *gid = sync_str(rec, "group_id");
    if (tid && ((rc = sync_row_json(ctx, "travellers", "id", tid, &trav, err)) ||
                (rc = rows_json(ctx,
                                "SELECT * FROM traveller_documents WHERE traveller_id = ?"
                                " ORDER BY document_number, nationality",
                                tid, &docs, err))))
        goto fail;
    if (gid && (rc = sync_row_json(ctx, "border_groups", "id", gid, &grp, err)))
        goto fail;
    if (!chk) {
        rc = ubur_error_set(err, UBUR_EINTERNAL, "record %s has no check", object_id);
        goto fail;
    }
    const char *visa = sync_str(rec, "visa_id");
    cap->op = "create";
    cap->record_id = ubur_arena_strdup(&ctx->arena, object_id);
    cap->touches = visa ? ubur_arena_printf(&ctx->arena, " visa:%s", visa) : NULL;
    cap->payload = json_pack("{s:o, s:o, s:o, s:o, s:o}", "record", rec, "check", chk, "traveller",
                             trav ? trav : json_null(), "documents", docs ? docs : json_array(),
                             "group", grp ? grp : json_null());
    cap->after = snap;
    return 0;
fail:
    json_decref(snap);
    json_decref(rec);
    json_decref(chk);
    json_decref(trav);
    json_decref(docs);
    json_decref(grp);
    return rc;
}

static int
movement_apply(struct ubur_ctx *ctx, const struct sync_event *ev, struct ubur_error *err)
{
    json_t *rec = json_object_get(ev->payload, "record");
    if (!sync_str(rec, "id") || strcmp(sync_str(rec, "id"), ev->record_id))
        return ubur_error_field(err, UBUR_EINVAL, "record", "the payload is not record %s",
                                ev->record_id);
    return ubur_border_apply_movement(ctx, ev->payload, err);
}

/* ---- crossing points and their schedules (down) ---- */

static int
crossing_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    json_t *point = NULL, *partner = NULL, *sched = NULL;
    *out = NULL;
    int rc = sync_row_json(ctx, "crossing_points", "id", id, &point, err);
    if (rc || !point)
        return rc;
    const char *pid = sync_str(point, "partner_id");
    if (pid && (rc = sync_row_json(ctx, "crossing_points", "id", pid, &partner, err)))
        goto fail;
    json_t *more = NULL;
    if ((rc = rows_json(ctx, "SELECT * FROM crossing_schedules WHERE crossing_id = ? ORDER BY id",
                        id, &sched, err)))
        goto fail;
    if (pid && (rc = rows_json(ctx,
                               "SELECT * FROM crossing_schedules WHERE crossing_id = ?"
                               " ORDER BY id",
                               pid, &more, err))) {
        json_decref(more);
        goto fail;
    }
    if (more)
        json_array_extend(sched, more);
    json_decref(more);
    *out = json_pack("{s:o, s:o, s:o}", "point", point, "partner", partner ? partner : json_null(),
                     "schedules", sched);
    return 0;
fail:
    json_decref(point);
    json_decref(partner);
    json_decref(sched);
    return rc;
}

static int
crossing_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    json_t *rows[2] = {json_object_get(rec, "point"), json_object_get(rec, "partner")};
    bool c = false;
    int rc;
    *changed = false;
    if (!json_is_object(rows[0]) || !sync_str(rows[0], "id"))
        return ubur_error_set(err, UBUR_EUNPROC, "a crossing point without an id");
    /* Pairs point at each other: both rows exist (unpaired) before either names the other. */
    for (int i = 0; i < 2; i++) {
        json_t *have = NULL;
        if (!json_is_object(rows[i]))
            continue;
        if ((rc = sync_row_json(ctx, "crossing_points", "id", sync_str(rows[i], "id"), &have, err)))
            return rc;
        if (!have) {
            json_t *bare = json_deep_copy(rows[i]);
            json_object_set_new(bare, "partner_id", json_null());
            rc = sync_row_upsert(ctx, "crossing_points", "id", bare, &c, err);
            json_decref(bare);
            if (rc)
                return rc;
            *changed = true;
        }
        json_decref(have);
    }
    for (int i = 0; i < 2; i++) {
        if (!json_is_object(rows[i]))
            continue;
        json_t *row = json_deep_copy(rows[i]);
        const char *pid = sync_str(row, "partner_id");
        json_t *have = NULL;
        if (pid && !(rc = sync_row_json(ctx, "crossing_points", "id", pid, &have, err)) && !have)
            json_object_set_new(row, "partner_id", json_null()); /* its partner comes later */
        json_decref(have);
        if (!rc)
            rc = sync_row_upsert(ctx, "crossing_points", "id", row, &c, err);
        json_decref(row);
        if (rc)
            return rc;
        *changed |= c;
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(rec, "schedules"), i, s)
    {
        if ((rc = sync_row_upsert(ctx, "crossing_schedules", "id", s, &c, err)))
            return rc;
        *changed |= c;
    }
    /* processes that keep crossings in memory read them again (migration 0035) */
    return *changed ? ubur_crossings_changed(ctx->store, err) : 0;
}

/* ---- visa-free entry rules, by nationality (down) ---- */

static int
visa_free_snapshot(struct ubur_ctx *ctx, const char *nationality, json_t **out,
                   struct ubur_error *err)
{
    json_t *rows;
    int rc = rows_json(ctx,
                       "SELECT state, nationality, max_days, window_days, created_at"
                       " FROM border_visa_free WHERE nationality = ? ORDER BY state",
                       nationality, &rows, err);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{s:s, s:o}", "nationality", nationality, "rules", rows);
    return 0;
}

static int
visa_free_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    const char *nat = sync_str(rec, "nationality");
    json_t *rules = json_object_get(rec, "rules"), *have = NULL;
    *changed = false;
    if (!nat || strlen(nat) != 3 || !json_is_array(rules))
        return ubur_error_set(err, UBUR_EUNPROC, "visa-free rules without a nationality");
    int rc = visa_free_snapshot(ctx, nat, &have, err);
    if (rc)
        return rc;
    bool same = json_equal(json_object_get(have, "rules"), rules);
    json_decref(have);
    if (same)
        return 0;
    int64_t n = ubur_store_run(ctx->store, err,
                               "DELETE FROM border_visa_free WHERE nationality = ?", "t", nat);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        if (n < 0)
            break;
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO border_visa_free (state, nationality, max_days,"
                           " window_days, created_at) VALUES (?, ?, ?, ?, ?)",
                           "ttttt", sync_str(r, "state"), nat, sync_str(r, "max_days"),
                           sync_str(r, "window_days"), sync_str(r, "created_at"));
    }
    if (n < 0)
        return (int)n;
    *changed = true;
    return 0;
}

/* ---- watchlist (down, by change_seq) ---- */

static json_t *
json_col_parsed(struct ubur_stmt *st, int i, const char *def)
{
    const char *s = ubur_stmt_text(st, i);
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_loads(def, 0, NULL);
}

int
sync_watchlist_changes(struct ubur_ctx *ctx, int64_t seq, const char *id, int limit,
                       json_t *changes, int64_t *next_seq, char next_id[UBUR_UUID_LEN + 1],
                       struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT e.id, e.list_id, w.name, w.source, w.owner_state, w.source_generated_at,"
        " e.reference, e.kind, e.primary_name, e.original_script_name, e.sex, e.dobs,"
        " e.nationalities, e.places_of_birth, e.documents, e.reason, e.alert_category, e.action,"
        " e.contributing_state, e.listed_on, e.valid_until, e.status, e.details, e.change_seq"
        " FROM watchlist_entries e JOIN watchlists w ON w.id = e.list_id"
        " WHERE e.change_seq > ? OR (e.change_seq = ? AND e.id > ?)"
        " ORDER BY e.change_seq, e.id LIMIT ?",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_int(st, 1, seq);
    ubur_stmt_bind_int(st, 2, seq);
    ubur_stmt_bind_text(st, 3, id ? id : "");
    ubur_stmt_bind_int(st, 4, limit);
    size_t first = json_array_size(changes);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *list = json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", col_json(st, 1), "name",
                                 col_json(st, 2), "source", col_json(st, 3), "owner_state",
                                 col_json(st, 4), "generated_at", col_json(st, 5));
        json_t *e = json_pack(
            "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
            " s:o, s:o, s:[]}",
            "id", ubur_stmt_text(st, 0), "reference", col_json(st, 6), "kind", col_json(st, 7),
            "primary_name", col_json(st, 8), "original_script_name", col_json(st, 9), "sex",
            col_json(st, 10), "dobs", json_col_parsed(st, 11, "[]"), "nationalities",
            json_col_parsed(st, 12, "[]"), "places_of_birth", json_col_parsed(st, 13, "[]"),
            "documents", json_col_parsed(st, 14, "[]"), "reason", col_json(st, 15),
            "alert_category", col_json(st, 16), "action", col_json(st, 17), "contributing_state",
            col_json(st, 18), "listed_on", col_json(st, 19), "valid_until", col_json(st, 20),
            "status", col_json(st, 21), "details", json_col_parsed(st, 22, "{}"), "names");
        json_array_append_new(changes,
                              json_pack("{s:s, s:s, s:{s:o, s:o}}", "type", "watchlist", "id",
                                        ubur_stmt_text(st, 0), "record", "list", list, "entry", e));
        *next_seq = ubur_stmt_int(st, 23);
        snprintf(next_id, UBUR_UUID_LEN + 1, "%s", ubur_stmt_text(st, 0));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    for (size_t i = first; i < json_array_size(changes); i++) {
        json_t *c = json_array_get(changes, i);
        json_t *names =
            json_object_get(json_object_get(json_object_get(c, "record"), "entry"), "names");
        if ((rc = ubur_store_prepare(ctx->store,
                                     "SELECT name, quality FROM watchlist_names WHERE entry_id = ?"
                                     " ORDER BY position",
                                     &st, err)))
            return rc;
        ubur_stmt_bind_text(st, 1, sync_str(c, "id"));
        while ((rc = ubur_stmt_step(st, err)) == 1)
            json_array_append_new(names, json_pack("{s:s, s:s}", "name", ubur_stmt_text(st, 0),
                                                   "quality", ubur_stmt_text(st, 1)));
        ubur_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
watchlist_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    (void)ctx;
    (void)id;
    (void)err;
    *out = NULL; /* never logged: the watchlist travels by change_seq */
    return 0;
}

static int
watchlist_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    json_t *l = json_object_get(rec, "list"), *e = json_object_get(rec, "entry");
    json_t *names = json_object_get(e, "names");
    struct ubur_wl_replica_list list = {sync_str(l, "id"), sync_str(l, "name"),
                                        sync_str(l, "source"), sync_str(l, "owner_state"),
                                        sync_str(l, "generated_at")};
    struct ubur_wl_entry w = {0};
    size_t n = json_is_array(names) ? json_array_size(names) : 0;
    if (n > UBUR_WL_MAX_NAMES)
        return ubur_error_set(err, UBUR_EINVAL, "a watchlist entry has too many names");
    w.reference = sync_str(e, "reference");
    w.kind = sync_str(e, "kind");
    w.primary_name = sync_str(e, "primary_name");
    w.original_script_name = sync_str(e, "original_script_name");
    const char *sex = sync_str(e, "sex");
    w.sex = sex && (!strcmp(sex, "M") || !strcmp(sex, "F")) ? sex[0] : 0;
    w.dobs_json = sync_dump(ctx, json_object_get(e, "dobs"));
    w.nats_json = sync_dump(ctx, json_object_get(e, "nationalities"));
    w.pobs_json = sync_dump(ctx, json_object_get(e, "places_of_birth"));
    w.docs_json = sync_dump(ctx, json_object_get(e, "documents"));
    w.details_json = sync_dump(ctx, json_object_get(e, "details"));
    w.reason = sync_str(e, "reason");
    w.alert_category = sync_str(e, "alert_category");
    w.action = sync_str(e, "action");
    w.contributing_state = sync_str(e, "contributing_state");
    w.listed_on = sync_str(e, "listed_on");
    w.valid_until = sync_str(e, "valid_until");
    w.names = ubur_arena_alloc(&ctx->arena, sizeof(*w.names) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_t *nm = json_array_get(names, i);
        if (sync_str(nm, "name") && sync_str(nm, "quality"))
            w.names[w.nnames++] =
                (struct ubur_wl_name){sync_str(nm, "name"), sync_str(nm, "quality")};
    }
    const char *status = sync_str(e, "status");
    return ubur_watchlist_apply_replica(ctx, &list, sync_str(e, "id") ? sync_str(e, "id") : "", &w,
                                        status && !strcmp(status, "ended"), changed, err);
}

/* ---- visas (down) ---- */

static int
visa_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    json_t *visa = NULL, *person = NULL, *app = NULL, *purpose = NULL;
    *out = NULL;
    int rc = sync_row_json(ctx, "visa", "id", id, &visa, err);
    if (rc || !visa)
        return rc;
    json_object_del(visa, "seal");
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store, "SELECT seal FROM visa WHERE id = ?", &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, id);
    if ((rc = ubur_stmt_step(st, err)) == 1 && !ubur_stmt_is_null(st, 0)) {
        size_t n;
        const void *b = ubur_stmt_blob(st, 0, &n);
        char *hex = ubur_malloc(n * 2 + 1);
        sodium_bin2hex(hex, n * 2 + 1, b, n);
        json_object_set_new(visa, "seal_hex", json_string(hex));
        free(hex);
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = sync_row_json(ctx, "visa_person", "id", sync_str(visa, "person_id"), &person, err)) ||
        (rc = sync_row_json(ctx, "visa_application", "id", sync_str(visa, "application_id"), &app,
                            err)) ||
        (rc = sync_row_json(ctx, "visa_purpose", "code", sync_str(visa, "purpose"), &purpose, err)))
        goto fail;
    *out = json_pack("{s:o, s:o, s:o, s:o}", "visa", visa, "person", person ? person : json_null(),
                     "application", app ? app : json_null(), "purpose",
                     purpose ? purpose : json_null());
    return 0;
fail:
    json_decref(visa);
    json_decref(person);
    json_decref(app);
    json_decref(purpose);
    return rc;
}

/* Nulls a reference whose row this post does not hold (an escort's patient, say). */
static int
null_if_missing(struct ubur_ctx *ctx, json_t *row, const char *col, const char *table,
                struct ubur_error *err)
{
    const char *ref = sync_str(row, col);
    json_t *have = NULL;
    if (!ref)
        return 0;
    int rc = sync_row_json(ctx, table, "id", ref, &have, err);
    if (!rc && !have)
        json_object_set_new(row, col, json_null());
    json_decref(have);
    return rc;
}

static int
visa_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    json_t *visa = json_object_get(rec, "visa"), *person = json_object_get(rec, "person");
    json_t *app = json_object_get(rec, "application"), *purpose = json_object_get(rec, "purpose");
    bool c = false;
    int rc;
    *changed = false;
    if (!json_is_object(visa) || !json_is_object(person) || !json_is_object(app) ||
        !ubur_uuid_valid(sync_str(visa, "id")))
        return ubur_error_set(err, UBUR_EUNPROC, "a visa comes with its person and application");
    if (json_is_object(purpose) &&
        (rc = sync_row_upsert(ctx, "visa_purpose", "code", purpose, &c, err)))
        return rc;
    *changed |= c;
    if ((rc = sync_row_upsert(ctx, "visa_person", "id", person, &c, err)))
        return rc;
    *changed |= c;
    app = json_deep_copy(app);
    rc = null_if_missing(ctx, app, "patient_application_id", "visa_application", err);
    if (!rc)
        rc = sync_row_upsert(ctx, "visa_application", "id", app, &c, err);
    json_decref(app);
    if (rc)
        return rc;
    *changed |= c;
    visa = json_deep_copy(visa);
    const char *id = sync_str(visa, "id");
    char *seal_hex = sync_str(visa, "seal_hex") ? ubur_strdup(sync_str(visa, "seal_hex")) : NULL;
    json_object_del(visa, "seal_hex");
    if ((rc = null_if_missing(ctx, visa, "patient_visa_id", "visa", err)))
        goto out;
    /* Entries and days used: this post's own crossings not yet on central count too. */
    int64_t pending = 0;
    const char *like = ubur_arena_printf(&ctx->arena, "%% visa:%s%%", id);
    if ((rc = ubur_store_query_int(ctx->store, err, &pending,
                                   "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL"
                                   " AND touches LIKE ? ESCAPE '\\'",
                                   "t", like)))
        goto out;
    if (pending) {
        json_t *have = NULL;
        if ((rc = sync_row_json(ctx, "visa", "id", id, &have, err)))
            goto out;
        if (have) {
            static const char *const local[] = {"entries_used", "days_used", "in_country_since"};
            for (int i = 0; i < 3; i++)
                json_object_set(visa, local[i], json_object_get(have, local[i]));
        }
        json_decref(have);
    }
    if ((rc = sync_row_upsert(ctx, "visa", "id", visa, &c, err)))
        goto out;
    *changed |= c;
    if (seal_hex) {
        size_t hl = strlen(seal_hex), bl = 0;
        unsigned char *bin = ubur_malloc(hl / 2 + 1);
        struct ubur_stmt *st;
        if (sodium_hex2bin(bin, hl / 2 + 1, seal_hex, hl, NULL, &bl, NULL) != 0) {
            free(bin);
            rc = ubur_error_set(err, UBUR_EUNPROC, "visa %s: the seal is not hex", id);
            goto out;
        }
        bool same = false;
        if (!(rc =
                  ubur_store_prepare(ctx->store, "SELECT seal FROM visa WHERE id = ?", &st, err))) {
            ubur_stmt_bind_text(st, 1, id);
            if ((rc = ubur_stmt_step(st, err)) == 1 && !ubur_stmt_is_null(st, 0)) {
                size_t n;
                const void *b = ubur_stmt_blob(st, 0, &n);
                same = n == bl && !memcmp(b, bin, n);
            }
            ubur_stmt_done(st);
        }
        if (rc >= 0 && !same) {
            if (!(rc = ubur_store_prepare(ctx->store, "UPDATE visa SET seal = ? WHERE id = ?", &st,
                                          err))) {
                ubur_stmt_bind_blob(st, 1, bin, bl);
                ubur_stmt_bind_text(st, 2, id);
                rc = ubur_stmt_step(st, err);
                ubur_stmt_done(st);
                *changed = true;
            }
        }
        free(bin);
        if (rc < 0)
            goto out;
        rc = 0;
    }
out:
    free(seal_hex);
    json_decref(visa);
    return rc;
}

/* The visa of the record this thread wrote last (ubur_sync_note_record_visa). */
static __thread struct {
    char record_id[UBUR_UUID_LEN + 1];
    char visa_id[UBUR_UUID_LEN + 1];
} record_visa;

void
ubur_sync_note_record_visa(const char *record_id, const char *visa_id)
{
    snprintf(record_visa.record_id, sizeof(record_visa.record_id), "%s",
             record_id ? record_id : "");
    snprintf(record_visa.visa_id, sizeof(record_visa.visa_id), "%s", visa_id ? visa_id : "");
}

/* A crossing recorded on a visa changes its use: the visa central hands down changes too. */
static int
visa_of_record(struct ubur_ctx *ctx, const char *action, const char *record_id, const char **id,
               struct ubur_error *err)
{
    (void)action;
    char *v = NULL;
    *id = NULL;
    if (record_visa.record_id[0] && !strcmp(record_visa.record_id, record_id)) {
        /* told by the record's writer: what the query below would read */
        if (record_visa.visa_id[0])
            *id = ubur_arena_strdup(&ctx->arena, record_visa.visa_id);
        record_visa.record_id[0] = '\0';
        return 0;
    }
    int rc = ubur_store_query_text(ctx->store, err, &v,
                                   "SELECT COALESCE(r.visa_id, s.visa_id) FROM border_records r"
                                   " LEFT JOIN stays s ON s.id = r.stay_id WHERE r.id = ?",
                                   "t", record_id);
    if (rc == 0 && v)
        *id = ubur_arena_strdup(&ctx->arena, v);
    free(v);
    return rc == UBUR_ENOTFOUND ? 0 : rc;
}

/* ---- partner revocations (down) ---- */

static int
revocation_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    return sync_row_json(ctx, "partner_revocation", "id", id, out, err);
}

static int
revocation_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    if (!ubur_uuid_valid(sync_str(rec, "id")))
        return ubur_error_set(err, UBUR_EUNPROC, "a revocation without an id");
    return sync_row_upsert(ctx, "partner_revocation", "id", rec, changed, err);
}

/* ---- registry locations (down) ---- */

static int
location_snapshot(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *out = NULL;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT l.pcode, p.pcode, l.level, l.country, l.name_en,"
                                " l.name_ar, l.location_type, l.accommodation_type, l.latitude,"
                                " l.longitude FROM reg_location l"
                                " LEFT JOIN reg_location p ON p.id = l.parent_id WHERE l.id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    if ((rc = ubur_stmt_step(st, err)) == 1) {
        *out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "pcode", col_json(st, 0),
                         "parent", col_json(st, 1), "level", col_json(st, 2), "country",
                         col_json(st, 3), "name_en", col_json(st, 4), "name_ar", col_json(st, 5),
                         "location_type", col_json(st, 6), "accommodation_type", col_json(st, 7));
        if (!ubur_stmt_is_null(st, 8) && !ubur_stmt_is_null(st, 9)) {
            json_object_set_new(*out, "latitude", json_real(ubur_stmt_double(st, 8)));
            json_object_set_new(*out, "longitude", json_real(ubur_stmt_double(st, 9)));
        }
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
location_apply(struct ubur_ctx *ctx, json_t *rec, bool *changed, struct ubur_error *err)
{
    int64_t have = 0;
    *changed = false;
    int rc = ubur_store_query_int(ctx->store, err, &have,
                                  "SELECT COUNT(*) FROM reg_location WHERE pcode = ?", "t",
                                  sync_str(rec, "pcode") ? sync_str(rec, "pcode") : "");
    if (rc || have)
        return rc; /* locations are never edited: by pcode, once */
    struct ubur_reg_location loc = {
        .pcode = sync_str(rec, "pcode"),
        .parent = sync_str(rec, "parent"),
        .level = sync_str(rec, "level"),
        .country = sync_str(rec, "country"),
        .name_en = sync_str(rec, "name_en"),
        .name_ar = sync_str(rec, "name_ar"),
        .location_type = sync_str(rec, "location_type"),
        .accommodation_type = sync_str(rec, "accommodation_type"),
    };
    json_t *lat = json_object_get(rec, "latitude"), *lon = json_object_get(rec, "longitude");
    if (json_is_number(lat) && json_is_number(lon)) {
        loc.latitude = json_number_value(lat);
        loc.longitude = json_number_value(lon);
        loc.has_coordinates = true;
    }
    unsigned role = ctx->role;
    ctx->role = UBUR_ROLE_ADMIN; /* central's data: applied as the instance itself */
    rc = ubur_registry_location_add(ctx, &loc, err);
    ctx->role = role;
    if (!rc)
        *changed = true;
    return rc;
}

/* Locations the change log does not name yet, parents first. */
static int
location_unlogged(struct ubur_ctx *ctx, json_t **ids, struct ubur_error *err)
{
    struct ubur_stmt *st;
    *ids = json_array();
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT l.id FROM reg_location l WHERE NOT EXISTS"
                                " (SELECT 1 FROM sync_changelog c WHERE c.type = 'location'"
                                "  AND c.record_id = l.id)"
                                " ORDER BY CASE l.level WHEN 'country' THEN 0 WHEN 'governorate'"
                                " THEN 1 WHEN 'district' THEN 2 ELSE 3 END, l.pcode",
                                &st, err);
    if (rc)
        return rc;
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(*ids, json_string(ubur_stmt_text(st, 0)));
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* ---- the tables ---- */

static const char *const create_only[] = {"create", NULL};
static const char *const individual_ops[] = {"create", "event", "correct", "judge", NULL};

const struct sync_up_type sync_up_types[] = {
    {"registration", create_only, (const char *const[]){"registry.group.register", NULL}, NULL,
     registration_capture, group_snapshot, registration_apply,
     (const char *const[]){"registry.import", NULL}, registration_uncaptured},
    {"movement", create_only,
     (const char *const[]){"border.entry", "border.exit", "border.refusal", "border.override",
                           NULL},
     NULL, movement_capture, movement_snapshot, movement_apply, NULL, NULL},
    {"individual", individual_ops,
     (const char *const[]){"registry.individual.create", "registry.individual.event",
                           "registry.individual.correct", "registry.individual.judge", NULL},
     (const char *const[]){"registry.individual.returnee", NULL}, individual_capture,
     individual_snapshot, individual_apply, NULL, NULL},
    {0},
};

const struct sync_down_type sync_down_types[] = {
    {"watchlist", NULL, NULL, NULL, NULL, watchlist_snapshot, watchlist_apply, NULL, NULL},
    {"location", (const char *const[]){"registry.location.create", NULL}, NULL, NULL, NULL,
     location_snapshot, location_apply, (const char *const[]){"registry.demo", NULL},
     location_unlogged},
    {"crossing", (const char *const[]){"crossing.create", "crossing.schedule", NULL}, NULL, NULL,
     NULL, crossing_snapshot, crossing_apply, NULL, NULL},
    {"visa_free", (const char *const[]){"border.visa_free.set", "border.visa_free.remove", NULL},
     NULL, NULL, NULL, visa_free_snapshot, visa_free_apply, NULL, NULL},
    {"visa", NULL, "visa",
     (const char *const[]){"border.entry", "border.exit", "border.override", NULL}, visa_of_record,
     visa_snapshot, visa_apply, NULL, NULL},
    {"revocation", NULL, NULL, NULL, NULL, revocation_snapshot, revocation_apply, NULL, NULL},
    {0},
};
