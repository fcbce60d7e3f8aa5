/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Confirming a check: the officer's answer becomes an EES-style record
 * (entry, exit or refusal: time, place, officer, document, visa, decision,
 * reasons, override), and in the same transaction the stay is opened or
 * closed, the visa's entries and days are noted, the traffic figures are
 * incremented, the registry hears of a possible returnee and the audit log
 * gets its entry. The transaction goes through the group-commit writer and
 * the record is acknowledged only after it commits.
 *
 * Override rules (checked before anything is written): a decision other
 * than the proposed one needs a reason; turning a refusal into an admission
 * needs a supervisor (or admin); a referred check is resolved with admit or
 * refuse. A check is confirmed once: the same answer again returns the
 * record already made (a retry after a lost response), a different one is a
 * conflict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/sync.h"
#include "ubur/visa.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

#define OVERRIDE_STAY_DAYS 30 /* authorised stay of an admission that overrode a refusal */

/* One record to make. */
struct record_job {
    struct stored_check chk;
    enum ubur_border_decision proposed, outcome;
    const char *reason;               /* override reason or NULL */
    const char *supervisor;           /* the supervisor who turned a refusal into an admission */
    const char *officer, *officer_id; /* who recorded it; NULL: the acting user */
    const char *override_id;          /* the approved or rejected request this record settles */
    const char *recorded_at; /* when it was recorded; NULL: now (a post's record keeps its own) */
    char partner_state[4];
    int override_days;
    char *detail; /* the audit entry's detail, built before the write; NULL: built by it */
    const struct check_row *claim; /* the queued check's row, inserted by the record (or NULL) */
    /* results */
    char record_id[UBUR_UUID_LEN + 1];
    char stay_id[UBUR_UUID_LEN + 1];
    char recorded[UBUR_TIME_LEN + 1]; /* the record's recorded_at as written */
    const char *kind;
    bool returnee_flagged;
};

#define CHECK_COLUMNS                                                                              \
    "id, crossing_id, state, direction, at, traveller_id, group_id, document_number,"              \
    " nationality, basis, visa_id, visa_number, purpose, authorised_until, rule_days,"             \
    " rule_window, stay_id, decision, reasons, status, record_id, created_at"

static void
copy_col(struct ubur_stmt *st, int col, char *dst, size_t n)
{
    const char *v = ubur_stmt_text(st, col);
    snprintf(dst, n, "%s", v ? v : "");
}

static void
read_check(struct ubur_stmt *st, struct stored_check *c)
{
    memset(c, 0, sizeof(*c));
    copy_col(st, 0, c->id, sizeof(c->id));
    copy_col(st, 1, c->crossing_id, sizeof(c->crossing_id));
    copy_col(st, 2, c->state, sizeof(c->state));
    copy_col(st, 3, c->direction, sizeof(c->direction));
    copy_col(st, 4, c->at, sizeof(c->at));
    copy_col(st, 5, c->traveller_id, sizeof(c->traveller_id));
    copy_col(st, 6, c->group_id, sizeof(c->group_id));
    copy_col(st, 7, c->document_number, sizeof(c->document_number));
    copy_col(st, 8, c->nationality, sizeof(c->nationality));
    copy_col(st, 9, c->basis, sizeof(c->basis));
    copy_col(st, 10, c->visa_id, sizeof(c->visa_id));
    copy_col(st, 11, c->visa_number, sizeof(c->visa_number));
    copy_col(st, 12, c->purpose, sizeof(c->purpose));
    copy_col(st, 13, c->authorised_until, sizeof(c->authorised_until));
    c->rule_days = (int)ubur_stmt_int(st, 14);
    c->rule_window = (int)ubur_stmt_int(st, 15);
    copy_col(st, 16, c->stay_id, sizeof(c->stay_id));
    copy_col(st, 17, c->decision, sizeof(c->decision));
    c->reasons = ubur_strdup(ubur_stmt_text(st, 18) ? ubur_stmt_text(st, 18) : "[]");
    copy_col(st, 19, c->status, sizeof(c->status));
    copy_col(st, 20, c->record_id, sizeof(c->record_id));
    copy_col(st, 21, c->created_at, sizeof(c->created_at));
}

/* The check `id`; `memory`: a check this process answered (border_pending.c) is taken. */
static int
load_check(struct ubur_ctx *ctx, const char *id, bool memory, struct stored_check *c,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc;
    if (memory && ubur_border_check_take(id, c)) {
        /* Answered, its row queued behind the writer or just committed (border_pending.c): no
         * read, and no override can be pending for a check not yet written, or not refused. */
        rc = 1;
        goto found;
    }
    /* The pending override request, if any, in the same read (the confirmation refuses then). */
    rc = ubur_store_prepare(ctx->store,
                            "SELECT " CHECK_COLUMNS ", (SELECT o.id FROM border_overrides o"
                            " WHERE o.check_id = border_checks.id AND o.status = 'pending')"
                            " FROM border_checks WHERE id = ?",
                            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        read_check(st, c);
        copy_col(st, 22, c->pending_override, sizeof(c->pending_override));
    }
    ubur_stmt_done(st);
found:
    if (rc == 0 || (rc == 1 && ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state &&
                    strcmp(ctx->state, c->state) != 0)) {
        if (rc == 1)
            free(c->reasons);
        return ubur_error_set(err, UBUR_ENOTFOUND, "no check '%.40s'", id ? id : "");
    }
    return rc < 0 ? rc : 0;
}

/* ---- the record, as JSON ---- */

#define RECORD_COLUMNS                                                                             \
    "id, kind, direction, at, crossing_id, state, traveller_id, check_id, group_id,"               \
    " document_number, nationality, visa_id, visa_number, proposed, decision, reasons,"            \
    " override_reason, supervisor, stay_id, officer, recorded_at"

static json_t *
record_row_json(struct ubur_stmt *st)
{
    json_t *reasons = NULL;
    if (!ubur_stmt_is_null(st, 15))
        reasons = json_loads(ubur_stmt_text(st, 15), 0, NULL);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
                     " s:s?, s:s, s:o, s:s?, s:s?, s:s?, s:s, s:s}",
                     "id", ubur_stmt_text(st, 0), "kind", ubur_stmt_text(st, 1), "direction",
                     ubur_stmt_text(st, 2), "at", ubur_stmt_text(st, 3), "crossing_id",
                     ubur_stmt_text(st, 4), "state", ubur_stmt_text(st, 5), "traveller_id",
                     ubur_stmt_text(st, 6), "check_id", ubur_stmt_text(st, 7), "group_id",
                     ubur_stmt_text(st, 8), "document_number", ubur_stmt_text(st, 9), "nationality",
                     ubur_stmt_text(st, 10), "visa_id", ubur_stmt_text(st, 11), "visa_number",
                     ubur_stmt_text(st, 12), "proposed", ubur_stmt_text(st, 13), "decision",
                     ubur_stmt_text(st, 14), "reasons", reasons ? reasons : json_array(),
                     "override_reason", ubur_stmt_text(st, 16), "supervisor",
                     ubur_stmt_text(st, 17), "stay_id", ubur_stmt_text(st, 18), "officer",
                     ubur_stmt_text(st, 19), "recorded_at", ubur_stmt_text(st, 20));
}

int
ubur_border_record_json(struct ubur_store *s, const char *record_id, json_t **out,
                        struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s, "SELECT " RECORD_COLUMNS " FROM border_records WHERE id = ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, record_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        *out = record_row_json(st);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_set(err, UBUR_ENOTFOUND, "no record '%.40s'", record_id);
    return rc < 0 ? rc : 0;
}

int
ubur_border_rows_json(struct ubur_stmt *st, json_t *(*row)(struct ubur_stmt *st), json_t **out,
                      struct ubur_error *err)
{
    int rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(arr, row(st));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ubur_border_records_of(struct ubur_store *s, const char *traveller_id, int64_t limit, json_t **out,
                       struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(s,
                                "SELECT " RECORD_COLUMNS " FROM border_records"
                                " WHERE traveller_id = ? ORDER BY at DESC, id DESC LIMIT ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, traveller_id);
    ubur_stmt_bind_int(st, 2, limit);
    return ubur_border_rows_json(st, record_row_json, out, err);
}

int
ubur_border_records_list(struct ubur_store *s, const char *crossing_id, const char *kind,
                         const char *state, int64_t limit, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc;
    /* Two statements so each uses its index: (crossing_id, at) or (at). */
    if (crossing_id)
        rc = ubur_store_prepare(
            s,
            "SELECT " RECORD_COLUMNS " FROM border_records"
            " WHERE crossing_id = ? AND (CAST(? AS TEXT) IS NULL OR kind = ?)"
            " AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY at DESC, id DESC LIMIT ?",
            &st, err);
    else
        rc = ubur_store_prepare(
            s,
            "SELECT " RECORD_COLUMNS " FROM border_records"
            " WHERE CAST(? AS TEXT) IS NULL AND (CAST(? AS TEXT) IS NULL OR kind = ?)"
            " AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY at DESC, id DESC LIMIT ?",
            &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, crossing_id);
    ubur_stmt_bind_text(st, 2, kind);
    ubur_stmt_bind_text(st, 3, kind);
    ubur_stmt_bind_text(st, 4, state);
    ubur_stmt_bind_text(st, 5, state);
    ubur_stmt_bind_int(st, 6, limit);
    return ubur_border_rows_json(st, record_row_json, out, err);
}

/* ---- the write ---- */

/* Days since 1970 of an ISO instant or date's first ten characters. */
static int64_t
day_of_text(const char *iso)
{
    char d[UBUR_DATE_LEN + 1];
    int64_t day = 0;
    snprintf(d, sizeof(d), "%s", iso ? iso : "");
    if (ubur_date_parse(d, &day, NULL))
        return INT64_MIN;
    return day;
}

/* Closes an open stay on `exit_day`; `exit_record_id` NULL when the exit was never recorded. */
/* *closed_visa (when not NULL): the stay's visa ("" when none), set when the stay was open. */
static int
close_stay(struct ubur_ctx *ctx, const char *stay_id, const char *exit_record_id,
           const char *crossing_id, const char *at, bool note_visa, char *closed_visa,
           struct ubur_error *err)
{
    struct ubur_stmt *st;
    char entry[UBUR_DATE_LEN + 1] = "", until[UBUR_DATE_LEN + 1] = "",
                               visa_id[UBUR_UUID_LEN + 1] = "";
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT entry_date, authorised_until, visa_id FROM stays"
                                " WHERE id = ? AND exit_date IS NULL",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, stay_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        copy_col(st, 0, entry, sizeof(entry));
        copy_col(st, 1, until, sizeof(until));
        copy_col(st, 2, visa_id, sizeof(visa_id));
    }
    ubur_stmt_done(st);
    if (rc <= 0)
        return rc; /* already closed (another desk): nothing to do */
    if (closed_visa)
        memcpy(closed_visa, visa_id, sizeof(visa_id));
    int64_t exit_day = day_of_text(at), entry_day = day_of_text(entry);
    int64_t until_day = until[0] ? day_of_text(until) : UBUR_STAY_OPEN;
    char exit_date[UBUR_DATE_LEN + 1];
    ubur_date_format(exit_day, exit_date);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE stays SET exit_record_id = ?, exit_crossing_id = ?,"
                               " exit_date = ?, days_used = ?, overstay_days = ?"
                               " WHERE id = ? AND exit_date IS NULL",
                               "tttiit", exit_record_id, crossing_id, exit_date,
                               ubur_stay_length(entry_day, exit_day),
                               ubur_stay_overstay_days(until_day, exit_day), stay_id);
    if (n < 0)
        return (int)n;
    if (note_visa && visa_id[0]) {
        int64_t t;
        struct ubur_error verr = UBUR_ERROR_INIT;
        if (ubur_time_parse(at, &t, err))
            return UBUR_EINTERNAL;
        rc = ubur_visa_note_exit(ctx->store, visa_id, t, &verr);
        /* The visa may show no open entry (entered before it was noted): not an error. */
        if (rc && rc != UBUR_ECONFLICT) {
            if (err)
                *err = verr;
            return rc;
        }
    }
    return 0;
}

/*
 * Whether the stay an admission opens ends after the override's days
 * (setting border.override_stay_days): an entry admitted over a refusal, or
 * without an authorised stay of its own; nationals' stays have no end.
 */
static bool
stay_from_override(const struct record_job *j)
{
    const struct stored_check *c = &j->chk;
    if (j->outcome != UBUR_DECISION_ADMIT || strcmp(c->direction, "entry") != 0 ||
        !c->traveller_id[0] || !strcmp(c->basis, "national"))
        return false;
    return !(c->authorised_until[0] && day_of_text(c->authorised_until) >= day_of_text(c->at) &&
             j->proposed != UBUR_DECISION_REFUSE);
}

static int
open_stay(struct ubur_ctx *ctx, struct record_job *j, struct ubur_error *err)
{
    const struct stored_check *c = &j->chk;
    int64_t at_day = day_of_text(c->at);
    char entry_date[UBUR_DATE_LEN + 1], until[UBUR_DATE_LEN + 1] = "";
    const char *basis = c->basis[0] ? c->basis : "none";
    bool national = !strcmp(basis, "national");

    ubur_date_format(at_day, entry_date);
    if (!national) {
        if (!stay_from_override(j)) {
            snprintf(until, sizeof(until), "%s", c->authorised_until);
        } else {
            /* Admitted over a refusal or a referral without a stay: the override's stay. */
            ubur_date_format(at_day + j->override_days - 1, until);
            if (j->proposed == UBUR_DECISION_REFUSE)
                basis = "override";
        }
    }
    ubur_uuid7(j->stay_id);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO stays (id, traveller_id, state, basis, visa_id, visa_number, purpose,"
        " rule_days, rule_window, entry_record_id, entry_crossing_id, entry_date,"
        " authorised_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "tttttttiittt"
        "t",
        j->stay_id, c->traveller_id, c->state, basis, c->visa_id[0] ? c->visa_id : NULL,
        c->visa_number[0] ? c->visa_number : NULL, c->purpose[0] ? c->purpose : NULL,
        (int64_t)c->rule_days, (int64_t)c->rule_window, j->record_id, c->crossing_id, entry_date,
        until[0] ? until : NULL);
    if (n < 0)
        return (int)n;
    if (!strcmp(basis, "visa") && c->visa_id[0]) {
        int64_t t;
        if (ubur_time_parse(c->at, &t, err))
            return UBUR_EINTERNAL;
        int rc = ubur_visa_note_entry(ctx->store, c->visa_id, t, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The record's audit detail (JSON text, malloc'd): what was decided over what was proposed. */
static char *
record_detail(const struct record_job *j)
{
    const struct stored_check *c = &j->chk;
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "check_id", c->id, "crossing_id",
                  c->crossing_id, "decision", ubur_border_decision_name(j->outcome), "proposed",
                  c->decision, "override_reason", j->reason, "supervisor", j->supervisor,
                  "traveller_id", c->traveller_id[0] ? c->traveller_id : NULL);
    char *d = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    return d;
}

/* Makes one record inside the writer's transaction. */
static int
apply_record(struct ubur_ctx *ctx, struct record_job *j, struct ubur_error *err)
{
    const struct stored_check *c = &j->chk;
    bool admit = j->outcome == UBUR_DECISION_ADMIT;
    bool entry = !strcmp(c->direction, "entry");
    const char *kind = !admit ? "refusal" : entry ? "entry" : "exit";
    char now[UBUR_TIME_LEN + 1];
    /* the closed stay's visa: 1 byte past a UUID while unknown (the stay was closed already) */
    char stay_visa[UBUR_UUID_LEN + 2] = "?";
    int rc;

    if (!j->record_id[0]) /* a record made on a border post keeps its id (sync) */
        ubur_uuid7(j->record_id);
    ubur_time_format(ubur_now(), now);
    j->kind = kind;
    snprintf(j->recorded, sizeof(j->recorded), "%s", j->recorded_at ? j->recorded_at : now);
    int64_t n;
    if (j->claim) {
        /* The check's row, not written yet: inserted recorded, not inserted then updated. */
        struct check_row row = *j->claim;
        row.record_id = j->record_id;
        n = (rc = ubur_border_check_insert(ctx->store, &row, err)) ? rc : 1;
    } else {
        n = ubur_store_run(ctx->store, err,
                           "UPDATE border_checks SET status = 'recorded', record_id = ?"
                           " WHERE id = ? AND status = 'pending'",
                           "tt", j->record_id, c->id);
    }
    if (n < 0)
        return (int)n;
    if (n == 0 && c->queued)
        return ubur_error_set(err, UBUR_ECONFLICT,
                              "check %s was recorded meanwhile, or its row could not be stored;"
                              " check the traveller again",
                              c->id);
    if (n == 0)
        return ubur_error_set(err, UBUR_ECONFLICT, "check %s was recorded meanwhile", c->id);

    if (admit && entry && c->traveller_id[0]) {
        if (c->stay_id[0] &&
            (rc = close_stay(ctx, c->stay_id, NULL, c->crossing_id, c->at, true, NULL, err)))
            return rc;
        if ((rc = open_stay(ctx, j, err)))
            return rc;
    } else if (admit && !entry && c->stay_id[0]) {
        snprintf(j->stay_id, sizeof(j->stay_id), "%s", c->stay_id);
        if ((rc = close_stay(ctx, c->stay_id, j->record_id, c->crossing_id, c->at, true, stay_visa,
                             err)))
            return rc;
    }

    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "INSERT INTO border_records (id, kind, direction, at, crossing_id,"
                                 " state, traveller_id, check_id, group_id, document_number,"
                                 " nationality, visa_id, visa_number, proposed, decision, reasons,"
                                 " override_reason, supervisor, stay_id, officer_id, officer,"
                                 " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                 " ?, ?, ?, ?, ?, ?, ?, ?)",
                                 &st, err)))
        return rc;
#define OPT(s) ((s)[0] ? (s) : NULL)
    /* borrowed: every value outlives the statement's step below */
    ubur_stmt_bind_text_borrowed(st, 1, j->record_id);
    ubur_stmt_bind_text_borrowed(st, 2, kind);
    ubur_stmt_bind_text_borrowed(st, 3, c->direction);
    ubur_stmt_bind_text_borrowed(st, 4, c->at);
    ubur_stmt_bind_text_borrowed(st, 5, c->crossing_id);
    ubur_stmt_bind_text_borrowed(st, 6, c->state);
    ubur_stmt_bind_text_borrowed(st, 7, OPT(c->traveller_id));
    ubur_stmt_bind_text_borrowed(st, 8, c->id);
    ubur_stmt_bind_text_borrowed(st, 9, OPT(c->group_id));
    ubur_stmt_bind_text_borrowed(st, 10, OPT(c->document_number));
    ubur_stmt_bind_text_borrowed(st, 11, OPT(c->nationality));
    ubur_stmt_bind_text_borrowed(st, 12, admit ? OPT(c->visa_id) : NULL);
    ubur_stmt_bind_text_borrowed(st, 13, OPT(c->visa_number));
    ubur_stmt_bind_text_borrowed(st, 14, c->decision);
    ubur_stmt_bind_text_borrowed(st, 15, ubur_border_decision_name(j->outcome));
    ubur_stmt_bind_text_borrowed(st, 16, c->reasons);
    ubur_stmt_bind_text_borrowed(st, 17, j->reason);
    ubur_stmt_bind_text_borrowed(st, 18, j->supervisor);
    ubur_stmt_bind_text_borrowed(st, 19, OPT(j->stay_id));
    ubur_stmt_bind_text_borrowed(st, 20, j->officer ? j->officer_id : ctx->user_id);
    ubur_stmt_bind_text_borrowed(st, 21,
                                 j->officer      ? j->officer
                                 : ctx->username ? ctx->username
                                                 : "?");
    ubur_stmt_bind_text_borrowed(st, 22, j->recorded_at ? j->recorded_at : now);
#undef OPT
    rc = ubur_stmt_step(st, err);
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;

    /* Traffic figures: the same transaction, so they never disagree with the records. */
    char hour[14];
    snprintf(hour, sizeof(hour), "%.13s", c->at);
    n = ubur_store_run(ctx->store, err,
                       "INSERT INTO border_traffic (crossing_id, hour, direction, nationality,"
                       " decision, crossings) VALUES (?, ?, ?, ?, ?, 1)"
                       " ON CONFLICT (crossing_id, hour, direction, nationality, decision)"
                       " DO UPDATE SET crossings = border_traffic.crossings + 1",
                       "ttttt", c->crossing_id, hour, c->direction,
                       c->nationality[0] ? c->nationality : "UNK",
                       ubur_border_decision_name(j->outcome));
    if (n < 0)
        return (int)n;

    /*
     * A refugee going home carries the passport of the state of origin (or a
     * stateless person's document, ICAO codes XX*): only such crossings can
     * make a returnee, so only they are shown to the registry.
     */
    const char *to_state = entry ? c->state : j->partner_state;
    if (admit && c->document_number[0] && to_state[0] &&
        (!strcmp(c->nationality, to_state) || !strncmp(c->nationality, "XX", 2)) &&
        (rc = ubur_border_note_returnee(ctx, c->document_number, c->nationality, to_state,
                                        ubur_arena_printf(&ctx->arena, "%.10s", c->at),
                                        &j->returnee_flagged, err)))
        return rc;

    /*
     * The visa central's change log names for this record, as the observer would read it back
     * (COALESCE of the record's visa and its stay's): the check's visa when the record carries
     * it or opens a stay with it; else an exit's closed stay's, when close_stay read it.
     */
    const char *visa = admit && c->visa_id[0] ? c->visa_id : NULL;
    if (!visa && admit && !entry && j->stay_id[0] && strcmp(stay_visa, "?") != 0)
        visa = stay_visa;
    if (visa || !admit || entry || !j->stay_id[0])
        ubur_sync_note_record_visa(j->record_id, visa);
    char *d = j->detail ? NULL : record_detail(j);
    const char *action = j->outcome != j->proposed ? "border.override"
                         : !admit                  ? "border.refusal"
                         : entry                   ? "border.entry"
                                                   : "border.exit";
    rc = ubur_audit(ctx, action, "border_record", j->record_id, j->detail ? j->detail : d, err);
    free(d);
    return rc;
}

/* Adds ,"key":value with value a JSON string literal (NULL: null). */
static void
text_field(struct ubur_buf *b, const char *key, const char *value)
{
    ubur_buf_addch(b, ',');
    ubur_buf_add_json(b, key);
    ubur_buf_addch(b, ':');
    ubur_buf_add_json(b, value);
}

/*
 * The record just written as JSON text (malloc'd), as ubur_border_record_json would read it back
 * (no second read), written straight into a buffer rather than built as an object and dumped;
 * `answer`: the confirmation's own answer, with "replayed": false (and "returnee_flagged": true
 * when it flagged a returnee) after the record's fields. A check from the queue
 * (border_pending.c) carries its reasons as this process dumped them and they are spliced as
 * they are; a stored one's are parsed and dumped again ([] when they do not parse).
 */
static char *
job_record_text(const struct ubur_ctx *ctx, const struct record_job *j, bool answer)
{
    const struct stored_check *c = &j->chk;
    bool admit = j->outcome == UBUR_DECISION_ADMIT;
    struct ubur_buf b = UBUR_BUF_INIT;
#define OPT(x) ((x)[0] ? (x) : NULL)
    ubur_buf_adds(&b, "{\"id\":");
    ubur_buf_add_json(&b, j->record_id);
    text_field(&b, "kind", j->kind);
    text_field(&b, "direction", c->direction);
    text_field(&b, "at", c->at);
    text_field(&b, "crossing_id", c->crossing_id);
    text_field(&b, "state", c->state);
    text_field(&b, "traveller_id", OPT(c->traveller_id));
    text_field(&b, "check_id", c->id);
    text_field(&b, "group_id", OPT(c->group_id));
    text_field(&b, "document_number", OPT(c->document_number));
    text_field(&b, "nationality", OPT(c->nationality));
    text_field(&b, "visa_id", admit ? OPT(c->visa_id) : NULL);
    text_field(&b, "visa_number", OPT(c->visa_number));
    text_field(&b, "proposed", c->decision);
    text_field(&b, "decision", ubur_border_decision_name(j->outcome));
    ubur_buf_adds(&b, ",\"reasons\":");
    if (c->queued || c->remembered) {
        ubur_buf_adds(&b, c->reasons);
    } else {
        json_t *reasons = json_loads(c->reasons, 0, NULL);
        char *t = reasons ? json_dumps(reasons, JSON_COMPACT) : NULL;
        ubur_buf_adds(&b, t ? t : "[]");
        free(t);
        json_decref(reasons);
    }
    text_field(&b, "override_reason", j->reason);
    text_field(&b, "supervisor", j->supervisor);
    text_field(&b, "stay_id", OPT(j->stay_id));
    text_field(&b, "officer", j->officer ? j->officer : ctx->username ? ctx->username : "?");
    text_field(&b, "recorded_at", j->recorded);
    if (answer)
        ubur_buf_adds(&b, ",\"replayed\":false");
    if (answer && j->returnee_flagged)
        ubur_buf_adds(&b, ",\"returnee_flagged\":true");
    ubur_buf_addch(&b, '}');
#undef OPT
    return ubur_buf_detach(&b, NULL);
}

/* The record just written as an object (a group's records, an override's). */
static json_t *
job_record_json(const struct ubur_ctx *ctx, const struct record_job *j)
{
    char *t = job_record_text(ctx, j, false);
    json_t *o = json_loads(t, 0, NULL);
    free(t);
    return o ? o : json_object();
}

/* The state across the border from a crossing point ("" when it has no partner). */
static int
partner_state(struct ubur_ctx *ctx, const char *crossing_id, char out[4], struct ubur_error *err)
{
    /* from the connection's cache of crossings (crossings.c) when it has the point */
    struct border_crossing c;
    if (!ubur_border_crossing_load(ctx->store, crossing_id, ubur_now(), "crossing_id", &c, NULL)) {
        snprintf(out, 4, "%s", c.partner_state);
        return 0;
    }
    char *st = NULL;
    int rc = ubur_store_query_text(ctx->store, err, &st,
                                   "SELECT p.state FROM crossing_points c"
                                   " JOIN crossing_points p ON p.id = c.partner_id WHERE c.id = ?",
                                   "t", crossing_id);
    out[0] = '\0';
    if (rc == UBUR_ENOTFOUND) {
        ubur_error_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    snprintf(out, 4, "%s", st);
    free(st);
    return 0;
}

static int
write_record(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    return apply_record(ctx, arg, err);
}

/* ---- override requests ---- */

static int
no_pending_override(const struct stored_check *c, struct ubur_error *err)
{
    if (!c->pending_override[0])
        return 0;
    return ubur_error_set(err, UBUR_ECONFLICT,
                          "check %s awaits a supervisor's decision on override %s", c->id,
                          c->pending_override);
}

struct override_request {
    const struct stored_check *chk;
    const char *reason;
    const struct check_row *claim; /* the queued check's row, inserted pending first (or NULL) */
    char id[UBUR_UUID_LEN + 1];
    char at[UBUR_TIME_LEN + 1];
};

static int
write_override_request(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct override_request *r = arg;
    int rc;
    if (r->claim) {
        /* The check's row, held or queued unwritten: the request refers to it. */
        if ((rc = ubur_border_check_insert(ctx->store, r->claim, err)))
            return rc;
    } else {
        char *status = NULL;
        rc =
            ubur_store_query_text(ctx->store, err, &status,
                                  "SELECT status FROM border_checks WHERE id = ?", "t", r->chk->id);
        if (rc == UBUR_ENOTFOUND) /* a queued row another confirmation claimed, and failed */
            return ubur_error_set(err, UBUR_ECONFLICT, "check %s is being recorded meanwhile",
                                  r->chk->id);
        if (rc)
            return rc;
        bool pending = !strcmp(status, "pending");
        free(status);
        if (!pending)
            return ubur_error_set(err, UBUR_ECONFLICT, "check %s was recorded meanwhile",
                                  r->chk->id);
    }
    int64_t n = ubur_store_run(ctx->store, err,
                               "INSERT INTO border_overrides (id, check_id, decision, reason,"
                               " status, requested_by, requested_by_id, requested_at)"
                               " VALUES (?, ?, 'admit', ?, 'pending', ?, ?, ?)"
                               " ON CONFLICT DO NOTHING",
                               "tttttt", r->id, r->chk->id, r->reason,
                               ctx->username ? ctx->username : "?", ctx->user_id, r->at);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return ubur_error_set(err, UBUR_ECONFLICT, "check %s already awaits a supervisor",
                              r->chk->id);
    json_t *d = json_pack("{s:s, s:s, s:s}", "check_id", r->chk->id, "decision", "admit", "reason",
                          r->reason);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = ubur_audit(ctx, "border.override_request", "border_override", r->id, detail, err);
    free(detail);
    return rc;
}

/* An officer's request to admit over a refusal: stored for a supervisor, answered 202. */
static int
request_override(struct ubur_ctx *ctx, const struct stored_check *chk, const char *reason,
                 json_t **out, struct ubur_error *err)
{
    struct override_request r = {chk, reason, NULL, "", ""};
    ubur_uuid7(r.id);
    ubur_time_format(ubur_now(), r.at);
    if (chk->queued)
        r.claim = ubur_border_check_claim(chk->id);
    int rc = ubur_write(ctx, write_override_request, &r, err);
    if (r.claim)
        ubur_border_check_release(ctx, r.claim, rc == 0);
    if (rc)
        return rc;
    *out = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s}", "state", "pending_approval",
                     "pending_approval", 1, "override_id", r.id, "check_id", chk->id, "decision",
                     "admit", "reason", reason, "requested_by", ctx->username ? ctx->username : "?",
                     "requested_at", r.at);
    return 0;
}

/* ---- confirming ---- */

static int
check_reason(const char *reason, struct ubur_error *err)
{
    if (!reason || !*reason)
        return ubur_error_field(err, UBUR_EINVAL, "reason", "an override needs a reason");
    if (strlen(reason) > 500 || !ubur_utf8_valid(reason, strlen(reason)))
        return ubur_error_field(err, UBUR_EINVAL, "reason", "is not a text of at most 500 bytes");
    return 0;
}

static bool
expired(struct ubur_ctx *ctx, const struct stored_check *c)
{
    int64_t created;
    if (ubur_time_parse(c->created_at, &created, NULL))
        return true;
    return ubur_now() - created > ubur_border_check_ttl(ctx);
}

static int
override_days(struct ubur_ctx *ctx)
{
    const char *v = ubur_setting(ctx, "border.override_stay_days", NULL);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    return v && !*end && n >= 1 && n <= 365 ? (int)n : OVERRIDE_STAY_DAYS;
}

/* One confirmation; *remembered says whether its check came from this process's memory (the
 * caller's comment). */
static int
confirm_once(struct ubur_ctx *ctx, const struct ubur_confirm_input *in, json_t **out, char **text,
             bool *remembered, struct ubur_error *err)
{
    struct record_job j;
    int rc;

    *out = NULL;
    *text = NULL;
    if (ctx->role != UBUR_ROLE_ADMIN && ctx->role != UBUR_ROLE_SUPERVISOR &&
        ctx->role != UBUR_ROLE_BORDER_OFFICER)
        return ubur_error_set(err, UBUR_EPERM, "only border officers record crossings");
    memset(&j, 0, sizeof(j));
    if (!in->check_id || !ubur_uuid_valid(in->check_id))
        return ubur_error_set(err, UBUR_ENOTFOUND, "no check '%.40s'",
                              in->check_id ? in->check_id : "");
    /* The confirmation's reads share one snapshot (and the page cache), ended before the write. */
    ubur_store_read_begin(ctx->store);
    if ((rc = load_check(ctx, in->check_id, true, &j.chk, err))) {
        ubur_store_read_end(ctx->store);
        return rc;
    }
    *remembered = j.chk.remembered;
    if ((rc = ubur_border_decision_parse(j.chk.decision, "decision", &j.proposed, err)))
        goto out;
    if (!strcmp(j.chk.status, "pending") && (rc = no_pending_override(&j.chk, err)))
        goto out;
    j.outcome = j.proposed;
    if (in->decision &&
        (rc = ubur_border_decision_parse(in->decision, "decision", &j.outcome, err)))
        goto out;
    if (j.outcome == UBUR_DECISION_REFER) {
        rc = ubur_error_field(err, UBUR_EINVAL, "decision",
                              j.proposed == UBUR_DECISION_REFER && !in->decision
                                  ? "a referred check is resolved with admit or refuse after "
                                    "the secondary inspection"
                                  : "refer is not an outcome: admit or refuse");
        goto out;
    }

    /* Already recorded: the same answer is a retry, another is a conflict. */
    if (!strcmp(j.chk.status, "recorded")) {
        json_t *rec;
        if ((rc = ubur_border_record_json(ctx->store, j.chk.record_id, &rec, err)))
            goto out;
        const char *was = json_string_value(json_object_get(rec, "decision"));
        if (in->decision && strcmp(was, ubur_border_decision_name(j.outcome)) != 0) {
            rc = ubur_error_field(err, UBUR_ECONFLICT, "decision",
                                  "check %s is already recorded as %s (record %s)", j.chk.id, was,
                                  j.chk.record_id);
            json_decref(rec);
            goto out;
        }
        /* Read, not written: the record's commit may not be synced yet (the writer's
         * pipeline), and a replay acknowledges it. */
        if ((rc = ubur_write_barrier(ctx, err))) {
            json_decref(rec);
            goto out;
        }
        json_object_set_new(rec, "replayed", json_true());
        *out = rec;
        goto out;
    }
    /* A queued or remembered check was answered moments ago (the shortest time to live is a
     * minute, border_pending.c). */
    if (!j.chk.queued && !j.chk.remembered && expired(ctx, &j.chk)) {
        rc = ubur_error_set(err, UBUR_ECONFLICT,
                            "check %s of %s is too old to confirm; check the traveller again",
                            j.chk.id, j.chk.created_at);
        goto out;
    }
    if (j.outcome == UBUR_DECISION_ADMIT && !j.chk.traveller_id[0]) {
        rc = ubur_error_set(err, UBUR_EUNPROC,
                            "the document could not be read: nobody can be admitted without an "
                            "identity; refuse, or check again with the document typed in");
        goto out;
    }
    if (j.outcome != j.proposed) {
        if ((rc = check_reason(in->reason, err)))
            goto out;
        j.reason = in->reason;
        if (j.proposed == UBUR_DECISION_REFUSE && j.outcome == UBUR_DECISION_ADMIT) {
            if (ctx->role != UBUR_ROLE_SUPERVISOR && ctx->role != UBUR_ROLE_ADMIN) {
                /* The officer asks; a supervisor approves or rejects (ubur_border_override_decide).
                 */
                rc = request_override(ctx, &j.chk, in->reason, out, err);
                goto out;
            }
            j.supervisor = ctx->username;
        }
    } else if (in->reason && *in->reason) {
        if ((rc = check_reason(in->reason, err)))
            goto out;
        j.reason = in->reason;
    }
    if (j.outcome == UBUR_DECISION_ADMIT && !strcmp(j.chk.direction, "exit") &&
        (rc = partner_state(ctx, j.chk.crossing_id, j.partner_state, err)))
        goto out;
    if (stay_from_override(&j)) /* else unused: one settings read fewer per record */
        j.override_days = override_days(ctx);
    ubur_store_read_end(ctx->store);
    j.detail = record_detail(&j); /* here, not in the one writer thread */
    if (j.chk.queued)
        j.claim = ubur_border_check_claim(j.chk.id);
    rc = ubur_write(ctx, write_record, &j, err);
    if (j.claim)
        ubur_border_check_release(ctx, j.claim, rc == 0);
    if (rc)
        goto out;
    *text = job_record_text(ctx, &j, true);
out:
    ubur_store_read_end(ctx->store);
    free(j.detail);
    free(j.chk.reasons);
    return rc;
}

/*
 * A check remembered by this process (border_pending.c) is confirmed without reading it. Its
 * copy says pending; if another process or server confirmed it meanwhile, the record's write
 * finds the row no longer pending (a conflict, nothing written), and the confirmation runs
 * again from the store, which answers as it always did (a replay of that record, or a
 * conflict).
 */
int
ubur_border_confirm_text(struct ubur_ctx *ctx, const struct ubur_confirm_input *in, json_t **out,
                         char **text, struct ubur_error *err)
{
    bool remembered = false;
    int rc = confirm_once(ctx, in, out, text, &remembered, err);
    if (rc == UBUR_ECONFLICT && remembered) {
        ubur_error_clear(err);
        rc = confirm_once(ctx, in, out, text, &remembered, err); /* taken: not in memory now */
    }
    return rc;
}

int
ubur_border_confirm(struct ubur_ctx *ctx, const struct ubur_confirm_input *in, json_t **out,
                    struct ubur_error *err)
{
    char *text = NULL;
    int rc = ubur_border_confirm_text(ctx, in, out, &text, err);
    if (rc || !text)
        return rc;
    *out = json_loads(text, 0, NULL);
    free(text);
    if (!*out)
        return ubur_error_set(err, UBUR_EINTERNAL, "the record's answer is not JSON");
    return 0;
}

/* ---- groups ---- */

struct group_job {
    struct record_job *jobs;
    int n;
};

static int
write_group(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct group_job *g = arg;
    for (int i = 0; i < g->n; i++) {
        int rc = apply_record(ctx, &g->jobs[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * A group confirmation that finds nothing left to record is a retry when members are recorded
 * already: it answers with their records (*replayed), as a single confirmation's retry does. A
 * group of another state's crossing is not found, as when something is pending.
 */
static int
group_replay(struct ubur_ctx *ctx, const char *group_id, json_t *records, bool *replayed,
             struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT record_id, state FROM border_checks"
                                " WHERE group_id = ? AND record_id IS NOT NULL ORDER BY id",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, group_id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state &&
            strcmp(ubur_stmt_text(st, 1), ctx->state) != 0) {
            rc = ubur_error_set(err, UBUR_ENOTFOUND, "no group '%.40s'", group_id);
            break;
        }
        json_t *rec;
        if ((rc = ubur_border_record_json(ctx->store, ubur_stmt_text(st, 0), &rec, err)))
            break;
        json_array_append_new(records, rec);
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    *replayed = json_array_size(records) > 0;
    /* Read, not written: the records' commit may not be synced yet, and a replay acknowledges
     * them (as a single confirmation's replay waits). */
    return *replayed ? ubur_write_barrier(ctx, err) : 0;
}

int
ubur_border_confirm_group(struct ubur_ctx *ctx, const char *group_id, json_t **out,
                          struct ubur_error *err)
{
    struct ubur_stmt *st;
    struct group_job g = {NULL, 0};
    json_t *pending = json_array();
    char state[4] = "", crossing_id[UBUR_CROSSING_ID_MAX + 1] = "";
    int rc, cap = 0, stale = 0;

    if (ctx->role != UBUR_ROLE_ADMIN && ctx->role != UBUR_ROLE_SUPERVISOR &&
        ctx->role != UBUR_ROLE_BORDER_OFFICER) {
        json_decref(pending);
        return ubur_error_set(err, UBUR_EPERM, "only border officers record crossings");
    }
    char *found = NULL;
    if (!group_id || !ubur_uuid_valid(group_id) ||
        ubur_store_query_text(ctx->store, NULL, &found, "SELECT id FROM border_groups WHERE id = ?",
                              "t", group_id)) {
        json_decref(pending);
        return ubur_error_set(err, UBUR_ENOTFOUND, "no group '%.40s'", group_id ? group_id : "");
    }
    free(found);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT " CHECK_COLUMNS " FROM border_checks"
                                 " WHERE group_id = ? AND status = 'pending' ORDER BY id",
                                 &st, err))) {
        json_decref(pending);
        return rc;
    }
    ubur_stmt_bind_text(st, 1, group_id);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        if (g.n == cap) {
            cap = cap ? cap * 2 : 16;
            g.jobs = ubur_realloc(g.jobs, sizeof(*g.jobs) * (size_t)cap);
        }
        struct record_job *j = &g.jobs[g.n];
        memset(j, 0, sizeof(*j));
        read_check(st, &j->chk);
        snprintf(state, sizeof(state), "%s", j->chk.state);
        snprintf(crossing_id, sizeof(crossing_id), "%s", j->chk.crossing_id);
        if (ubur_border_decision_parse(j->chk.decision, "decision", &j->proposed, NULL) ||
            j->proposed == UBUR_DECISION_REFER) {
            json_array_append_new(pending, json_string(j->chk.id));
            free(j->chk.reasons);
            continue;
        }
        if (expired(ctx, &j->chk)) {
            stale++;
            json_array_append_new(pending, json_string(j->chk.id));
            free(j->chk.reasons);
            continue;
        }
        j->outcome = j->proposed;
        g.n++;
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    rc = 0;
    if (state[0] && ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state &&
        strcmp(state, ctx->state) != 0) {
        rc = ubur_error_set(err, UBUR_ENOTFOUND, "no group '%.40s'", group_id);
        goto out;
    }
    if (g.n) {
        char partner[4];
        if ((rc = partner_state(ctx, crossing_id, partner, err)))
            goto out;
        int days = override_days(ctx);
        for (int i = 0; i < g.n; i++) {
            snprintf(g.jobs[i].partner_state, sizeof(g.jobs[i].partner_state), "%s", partner);
            g.jobs[i].override_days = days;
        }
        if ((rc = ubur_write(ctx, write_group, &g, err)))
            goto out;
    }
    json_t *records = json_array();
    bool replayed = false;
    for (int i = 0; i < g.n; i++)
        json_array_append_new(records, job_record_json(ctx, &g.jobs[i]));
    if (!g.n && (rc = group_replay(ctx, group_id, records, &replayed, err))) {
        json_decref(records);
        goto out;
    }
    int entries = 0, exits = 0, refusals = 0;
    for (size_t k = 0; k < json_array_size(records); k++) {
        const char *kind = json_string_value(json_object_get(json_array_get(records, k), "kind"));
        entries += !strcmp(kind, "entry");
        exits += !strcmp(kind, "exit");
        refusals += !strcmp(kind, "refusal");
    }
    *out =
        json_pack("{s:s, s:o, s:O, s:b, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "group_id", group_id,
                  "records", records, "pending", pending, "replayed", replayed, "summary",
                  "recorded", (int)json_array_size(records), "entries", entries, "exits", exits,
                  "refusals", refusals, "pending", (int)json_array_size(pending), "too_old", stale);
out:
    for (int i = 0; i < g.n; i++)
        free(g.jobs[i].chk.reasons);
    free(g.jobs);
    json_decref(pending);
    return rc;
}

/* ---- supervisors' decisions on override requests ---- */

struct override_decision {
    struct record_job j;
    const char *override_id, *status, *note;
};

static int
write_override_decision(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct override_decision *d = arg;
    char now[UBUR_TIME_LEN + 1];
    int rc = apply_record(ctx, &d->j, err);
    if (rc)
        return rc;
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(ctx->store, err,
                               "UPDATE border_overrides SET status = ?, decided_by = ?,"
                               " decided_at = ?, decision_reason = ?, record_id = ?"
                               " WHERE id = ? AND status = 'pending'",
                               "tttttt", d->status, ctx->username ? ctx->username : "?", now,
                               d->note, d->j.record_id, d->override_id);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return ubur_error_set(err, UBUR_ECONFLICT, "override %s was decided meanwhile",
                              d->override_id);
    return 0;
}

#define OVERRIDE_COLUMNS                                                                           \
    "o.id, o.check_id, o.decision, o.reason, o.status, o.requested_by, o.requested_by_id,"         \
    " o.requested_at, o.decided_by, o.decided_at, o.decision_reason, o.record_id,"                 \
    " k.crossing_id, k.direction, k.at, k.document_number, k.nationality, k.decision,"             \
    " k.reasons, k.state"

static json_t *
override_json(struct ubur_stmt *st)
{
    json_t *reasons = json_loads(ubur_stmt_text(st, 18) ? ubur_stmt_text(st, 18) : "[]", 0, NULL);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?,"
        " s:{s:s, s:s, s:s, s:s?, s:s?, s:s, s:o}}",
        "id", ubur_stmt_text(st, 0), "check_id", ubur_stmt_text(st, 1), "decision",
        ubur_stmt_text(st, 2), "reason", ubur_stmt_text(st, 3), "status", ubur_stmt_text(st, 4),
        "requested_by", ubur_stmt_text(st, 5), "requested_at", ubur_stmt_text(st, 7), "decided_by",
        ubur_stmt_text(st, 8), "decided_at", ubur_stmt_text(st, 9), "decision_reason",
        ubur_stmt_text(st, 10), "record_id", ubur_stmt_text(st, 11), "check", "crossing_id",
        ubur_stmt_text(st, 12), "direction", ubur_stmt_text(st, 13), "at", ubur_stmt_text(st, 14),
        "document_number", ubur_stmt_text(st, 15), "nationality", ubur_stmt_text(st, 16),
        "proposed", ubur_stmt_text(st, 17), "reasons", reasons ? reasons : json_array());
}

int
ubur_border_overrides(struct ubur_ctx *ctx, const char *status, int64_t limit, json_t **out,
                      struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char *state =
        ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state ? ctx->state : NULL;
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "rejected"))
        return ubur_error_field(err, UBUR_EINVAL, "status",
                                "'%.16s' is not pending, approved or rejected", status);
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT " OVERRIDE_COLUMNS " FROM border_overrides o"
                                " JOIN border_checks k ON k.id = o.check_id"
                                " WHERE (CAST(? AS TEXT) IS NULL OR o.status = ?)"
                                " AND (CAST(? AS TEXT) IS NULL OR k.state = ?)"
                                " ORDER BY o.requested_at DESC, o.id DESC LIMIT ?",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, status);
    ubur_stmt_bind_text(st, 2, status);
    ubur_stmt_bind_text(st, 3, state);
    ubur_stmt_bind_text(st, 4, state);
    ubur_stmt_bind_int(st, 5, limit);
    return ubur_border_rows_json(st, override_json, out, err);
}

int
ubur_border_override_decide(struct ubur_ctx *ctx, const char *override_id, const char *decision,
                            const char *note, json_t **out, struct ubur_error *err)
{
    struct override_decision d;
    struct ubur_stmt *st;
    json_t *ov = NULL, *rec = NULL;
    char requested_by[80] = "", requested_by_id[UBUR_UUID_LEN + 1] = "";
    char check_id[UBUR_UUID_LEN + 1] = "", reason[512] = "", status[16] = "";
    int rc;

    memset(&d, 0, sizeof(d));
    if (ctx->role != UBUR_ROLE_SUPERVISOR && ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only a supervisor decides on overrides");
    bool approve = decision && !strcmp(decision, "approve");
    if (!approve && !(decision && !strcmp(decision, "reject")))
        return ubur_error_field(err, UBUR_EINVAL, "decision", "'%.16s' is not approve or reject",
                                decision ? decision : "");
    if (note && (strlen(note) > 500 || !ubur_utf8_valid(note, strlen(note))))
        return ubur_error_field(err, UBUR_EINVAL, "reason", "is not a text of at most 500 bytes");
    if (!override_id || !ubur_uuid_valid(override_id))
        return ubur_error_set(err, UBUR_ENOTFOUND, "no override '%.40s'",
                              override_id ? override_id : "");
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT check_id, reason, status, requested_by, requested_by_id"
                                 " FROM border_overrides WHERE id = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, override_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        copy_col(st, 0, check_id, sizeof(check_id));
        copy_col(st, 1, reason, sizeof(reason));
        copy_col(st, 2, status, sizeof(status));
        copy_col(st, 3, requested_by, sizeof(requested_by));
        copy_col(st, 4, requested_by_id, sizeof(requested_by_id));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ubur_error_set(err, UBUR_ENOTFOUND, "no override '%.40s'", override_id);
    if ((rc = load_check(ctx, check_id, false, &d.j.chk, err)))
        return rc == UBUR_ENOTFOUND
                   ? ubur_error_set(err, UBUR_ENOTFOUND, "no override '%.40s'", override_id)
                   : rc;
    if (strcmp(status, "pending") != 0) {
        rc = ubur_error_set(err, UBUR_ECONFLICT, "override %s is already %s", override_id, status);
        goto out;
    }
    d.override_id = override_id;
    d.status = approve ? "approved" : "rejected";
    d.note = note && *note ? note : NULL;
    d.j.proposed = UBUR_DECISION_REFUSE;
    d.j.outcome = approve ? UBUR_DECISION_ADMIT : UBUR_DECISION_REFUSE;
    d.j.reason = approve ? reason : d.note;
    d.j.supervisor = ctx->username;
    d.j.officer = requested_by;
    d.j.officer_id = requested_by_id[0] ? requested_by_id : NULL;
    d.j.override_id = override_id;
    if ((rc = partner_state(ctx, d.j.chk.crossing_id, d.j.partner_state, err)))
        goto out;
    d.j.override_days = override_days(ctx);
    if ((rc = ubur_write(ctx, write_override_decision, &d, err)))
        goto out;
    rec = job_record_json(ctx, &d.j);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT " OVERRIDE_COLUMNS " FROM border_overrides o"
                                 " JOIN border_checks k ON k.id = o.check_id WHERE o.id = ?",
                                 &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, override_id);
    if ((rc = ubur_stmt_step(st, err)) == 1)
        ov = override_json(st);
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    rc = 0;
    *out = json_pack("{s:o, s:o}", "override", ov ? ov : json_null(), "record", rec);
    rec = NULL;
out:
    json_decref(rec);
    free(d.j.chk.reasons);
    return rc;
}

/* ---- movements recorded on offline border posts (sync, docs/internals/sync.md) ---- */

static const char *
mv_str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t
mv_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v)  ? json_integer_value(v)
           : json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
                               : 0;
}

/*
 * The traveller the record is about, as central knows them: the post's id when central has
 * it or nobody else holds the document; else the traveller already known with the same
 * document (number, nationality and birth date). Their documents are added when missing.
 */
static int
mv_traveller(struct ubur_ctx *ctx, json_t *trav, json_t *docs, char tid[UBUR_UUID_LEN + 1],
             struct ubur_error *err)
{
    const char *id = mv_str(trav, "id");
    char *have = NULL;
    int rc;
    tid[0] = '\0';
    if (!id)
        return 0; /* a refusal of an unreadable document: nobody to link */
    if (!ubur_uuid_valid(id))
        return ubur_error_field(err, UBUR_EINVAL, "traveller", "'%.40s' is not an id", id);
    rc = ubur_store_query_text(ctx->store, err, &have, "SELECT id FROM travellers WHERE id = ?",
                               "t", id);
    free(have);
    if (rc && rc != UBUR_ENOTFOUND)
        return rc;
    if (rc == 0) {
        snprintf(tid, UBUR_UUID_LEN + 1, "%s", id);
    } else {
        size_t i;
        json_t *d;
        json_array_foreach(docs, i, d)
        {
            char *found = NULL;
            int q = ubur_store_query_text(ctx->store, err, &found,
                                          "SELECT traveller_id FROM traveller_documents"
                                          " WHERE document_number = ? AND nationality = ?"
                                          " AND birth_date = ? ORDER BY traveller_id LIMIT 1",
                                          "ttt", mv_str(d, "document_number"),
                                          mv_str(d, "nationality"), mv_str(d, "birth_date"));
            if (q == 0)
                snprintf(tid, UBUR_UUID_LEN + 1, "%s", found);
            free(found);
            if (q && q != UBUR_ENOTFOUND)
                return q;
            if (tid[0])
                break;
        }
        if (!tid[0]) {
            int64_t n =
                ubur_store_run(ctx->store, err,
                               "INSERT INTO travellers (id, surname, given_names,"
                               " nationality, birth_date, sex, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)",
                               "ttttttt", id, mv_str(trav, "surname"), mv_str(trav, "given_names"),
                               mv_str(trav, "nationality"), mv_str(trav, "birth_date"),
                               mv_str(trav, "sex"), mv_str(trav, "created_at"));
            if (n < 0)
                return (int)n;
            snprintf(tid, UBUR_UUID_LEN + 1, "%s", id);
        }
    }
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        int64_t n = ubur_store_run(
            ctx->store, err,
            "INSERT INTO traveller_documents (document_number, nationality, traveller_id,"
            " birth_date, surname, given_names, document_code, issuing_state, expiry_date,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (document_number, nationality, traveller_id) DO NOTHING",
            "tttttttttt", mv_str(d, "document_number"), mv_str(d, "nationality"), tid,
            mv_str(d, "birth_date"), mv_str(d, "surname"), mv_str(d, "given_names"),
            mv_str(d, "document_code"), mv_str(d, "issuing_state"), mv_str(d, "expiry_date"),
            mv_str(d, "created_at"));
        if (n < 0)
            return (int)n;
    }
    return 0;
}

int
ubur_border_apply_movement(struct ubur_ctx *ctx, json_t *m, struct ubur_error *err)
{
    json_t *rec = json_object_get(m, "record"), *chk = json_object_get(m, "check");
    json_t *grp = json_object_get(m, "group");
    const char *record_id = mv_str(rec, "id"), *check_id = mv_str(chk, "id");
    char tid[UBUR_UUID_LEN + 1], stay[UBUR_UUID_LEN + 1] = "";
    struct record_job j;
    int64_t t;
    int rc;

    memset(&j, 0, sizeof(j));
    if (!ubur_uuid_valid(record_id) || !ubur_uuid_valid(check_id) ||
        strcmp(mv_str(rec, "check_id") ? mv_str(rec, "check_id") : "", check_id))
        return ubur_error_field(err, UBUR_EINVAL, "record",
                                "a movement needs a record and its check, with their ids");
    if (!mv_str(chk, "direction") || !mv_str(chk, "at") ||
        ubur_time_parse(mv_str(chk, "at"), &t, NULL) ||
        (strcmp(mv_str(chk, "direction"), "entry") && strcmp(mv_str(chk, "direction"), "exit")))
        return ubur_error_field(err, UBUR_EINVAL, "check", "direction and time are required");
    if ((rc = ubur_border_decision_parse(mv_str(chk, "decision"), "decision", &j.proposed, err)) ||
        (rc = ubur_border_decision_parse(mv_str(rec, "decision"), "decision", &j.outcome, err)))
        return rc;
    if (j.outcome == UBUR_DECISION_REFER)
        return ubur_error_field(err, UBUR_EINVAL, "decision", "refer is not an outcome");
    struct border_crossing c;
    if ((rc = ubur_border_crossing_load(ctx->store, mv_str(chk, "crossing_id"), t, "crossing_id",
                                        &c, err)))
        return rc;
    if ((rc = mv_traveller(ctx, json_object_get(m, "traveller"), json_object_get(m, "documents"),
                           tid, err)))
        return rc;
    const char *group_id = mv_str(chk, "group_id");
    if (group_id && json_is_object(grp)) {
        int64_t n = ubur_store_run(
            ctx->store, err,
            "INSERT INTO border_groups (id, kind, name, crossing_id, direction, at, size,"
            " admitted, referred, refused, officer, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            "tttttti"
            "iiitt",
            group_id, mv_str(grp, "kind"), mv_str(grp, "name"), mv_str(grp, "crossing_id"),
            mv_str(grp, "direction"), mv_str(grp, "at"), mv_int(grp, "size"),
            mv_int(grp, "admitted"), mv_int(grp, "referred"), mv_int(grp, "refused"),
            mv_str(grp, "officer"), mv_str(grp, "created_at"));
        if (n < 0)
            return (int)n;
    }
    /* The stay as central knows it: the post may not have seen the entry it closes. */
    if (tid[0]) {
        char *sid = NULL;
        rc = ubur_store_query_text(ctx->store, err, &sid,
                                   "SELECT id FROM stays WHERE traveller_id = ? AND state = ?"
                                   " AND exit_date IS NULL ORDER BY entry_date DESC, id DESC"
                                   " LIMIT 1",
                                   "tt", tid, mv_str(chk, "state"));
        if (rc == 0)
            snprintf(stay, sizeof(stay), "%s", sid);
        free(sid);
        if (rc && rc != UBUR_ENOTFOUND)
            return rc;
    }
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO border_checks (id, crossing_id, state, direction, at, traveller_id,"
        " group_id, document_number, nationality, basis, visa_id, visa_number, purpose,"
        " authorised_until, rule_days, rule_window, stay_id, cargo, returnee, decision, reasons,"
        " result, status, record_id, officer_id, officer, created_at) VALUES (?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, ?, ?, ?)",
        "tttttttttttttt"
        "iitii"
        "ttttt"
        "t",
        check_id, mv_str(chk, "crossing_id"), mv_str(chk, "state"), mv_str(chk, "direction"),
        mv_str(chk, "at"), tid[0] ? tid : NULL, group_id, mv_str(chk, "document_number"),
        mv_str(chk, "nationality"), mv_str(chk, "basis"), mv_str(chk, "visa_id"),
        mv_str(chk, "visa_number"), mv_str(chk, "purpose"), mv_str(chk, "authorised_until"),
        mv_int(chk, "rule_days"), mv_int(chk, "rule_window"), stay[0] ? stay : NULL,
        mv_int(chk, "cargo"), mv_int(chk, "returnee"), mv_str(chk, "decision"),
        mv_str(chk, "reasons") ? mv_str(chk, "reasons") : "[]",
        mv_str(chk, "result") ? mv_str(chk, "result") : "{}", mv_str(chk, "officer_id"),
        mv_str(chk, "officer") ? mv_str(chk, "officer") : "?", mv_str(chk, "created_at"));
    if (n < 0)
        return n == UBUR_ECONFLICT ? ubur_error_field(err, UBUR_ECONFLICT, "check",
                                                      "check %s is on central already", check_id)
                                   : (int)n;
    if ((rc = load_check(ctx, check_id, false, &j.chk, err)))
        return rc;
    snprintf(j.record_id, sizeof(j.record_id), "%s", record_id);
    j.reason = mv_str(rec, "override_reason");
    j.supervisor = mv_str(rec, "supervisor");
    j.officer = mv_str(rec, "officer") ? mv_str(rec, "officer") : "?";
    j.officer_id = mv_str(rec, "officer_id");
    j.recorded_at = mv_str(rec, "recorded_at");
    snprintf(j.partner_state, sizeof(j.partner_state), "%s", c.partner_state);
    j.override_days = override_days(ctx);
    rc = apply_record(ctx, &j, err);
    free(j.chk.reasons);
    return rc;
}
