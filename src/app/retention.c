/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retention rules (see include/ubur/retention.h). A rule is a count query
 * and a list of deletes, all parameterised by one cutoff date, run in one
 * transaction with its audit entry; deletes go child tables first so
 * foreign keys hold. The periods follow the EU Entry/Exit System for
 * movements (3 years, 5 when no exit was recorded) and a configurable
 * period for closed registrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/retention.h"
#include "ubur/banned.h"

struct retention_rule {
    const char *name;
    const char *table; /* the rule is skipped when its module's table is absent */
    const char *what;  /* for the report */
    int default_years;
    const char *count_sql;   /* one parameter: the cutoff date */
    const char *deletes[10]; /* each with the cutoff as every parameter it uses */
    int params[10];          /* how many times each delete binds the cutoff */
};

/* Closed registrations: the individual and everything personal about them. */
#define CLOSED_INDIVIDUALS                                                                         \
    "SELECT id FROM reg_individual WHERE status = 'closed' AND id NOT IN"                          \
    " (SELECT individual_id FROM reg_history WHERE effective_on >= ?)"

/* Entry records of stays with no exit: those wait for the longer movements_open period. */
#define OPEN_ENTRIES                                                                               \
    "SELECT entry_record_id FROM stays WHERE exit_date IS NULL AND entry_record_id IS NOT NULL"
#define REFERENCED_TRAVELLERS                                                                      \
    "SELECT traveller_id FROM border_records WHERE traveller_id IS NOT NULL UNION"                 \
    " SELECT traveller_id FROM border_checks WHERE traveller_id IS NOT NULL UNION"                 \
    " SELECT traveller_id FROM stays"

static const struct retention_rule rules[] = {
    {
        "movements_open",
        "stays",
        "entries never matched by an exit (the stay and its entry record)",
        5,
        "SELECT COUNT(*) FROM stays WHERE exit_date IS NULL AND entry_date < ?",
        {
            "CREATE TEMP TABLE IF NOT EXISTS retention_ids (id TEXT PRIMARY KEY)",
            "INSERT INTO retention_ids SELECT entry_record_id FROM stays WHERE exit_date IS NULL"
            " AND entry_date < ? AND entry_record_id IS NOT NULL",
            "DELETE FROM stays WHERE exit_date IS NULL AND entry_date < ?",
            "DELETE FROM border_records WHERE id IN (SELECT id FROM retention_ids)",
            "DELETE FROM retention_ids",
        },
        {0, 1, 1, 0, 0},
    },
    {
        "movements_closed",
        "border_records",
        "entry, exit and refusal records and checks (completed stays; refusals), and "
        "travellers left without any",
        3,
        "SELECT COUNT(*) FROM border_records WHERE at < ? AND id NOT IN (" OPEN_ENTRIES ")",
        {
            "CREATE TEMP TABLE IF NOT EXISTS retention_ids (id TEXT PRIMARY KEY)",
            "INSERT INTO retention_ids SELECT id FROM border_records WHERE at < ?"
            " AND id NOT IN (" OPEN_ENTRIES ")",
            "DELETE FROM stays WHERE exit_date IS NOT NULL AND exit_date < ?",
            "DELETE FROM border_records WHERE id IN (SELECT id FROM retention_ids)",
            "DELETE FROM border_overrides WHERE check_id IN (SELECT id FROM border_checks"
            " WHERE at < ? AND id NOT IN (SELECT check_id FROM border_records"
            " WHERE check_id IS NOT NULL))",
            "DELETE FROM border_checks WHERE at < ? AND id NOT IN"
            " (SELECT check_id FROM border_records WHERE check_id IS NOT NULL)",
            "DELETE FROM traveller_documents WHERE traveller_id NOT IN (" REFERENCED_TRAVELLERS ")",
            "DELETE FROM travellers WHERE id NOT IN (" REFERENCED_TRAVELLERS ")",
            "DELETE FROM retention_ids",
        },
        {0, 1, 1, 0, 1, 1, 0, 0, 0},
    },
    {
        "registrations_closed",
        "reg_individual",
        "closed registrations (individuals, their documents, needs, links and history)",
        10,
        "SELECT COUNT(*) FROM (" CLOSED_INDIVIDUALS ") x",
        {
            "DELETE FROM reg_document WHERE individual_id IN (" CLOSED_INDIVIDUALS ")",
            "DELETE FROM reg_specific_need WHERE individual_id IN (" CLOSED_INDIVIDUALS ")",
            "DELETE FROM reg_link WHERE individual_a IN (" CLOSED_INDIVIDUALS ")"
            " OR individual_b IN (" CLOSED_INDIVIDUALS ")",
            "UPDATE reg_group SET focal_point_id = NULL WHERE focal_point_id IN "
            "(" CLOSED_INDIVIDUALS ")",
            /* the individual last: its history rows decide who qualifies */
            "CREATE TEMP TABLE IF NOT EXISTS retention_ids (id TEXT PRIMARY KEY)",
            "INSERT INTO retention_ids " CLOSED_INDIVIDUALS,
            "DELETE FROM reg_history WHERE individual_id IN (SELECT id FROM retention_ids)",
            "DELETE FROM reg_individual WHERE id IN (SELECT id FROM retention_ids)",
            "DELETE FROM reg_group WHERE id NOT IN (SELECT group_id FROM reg_individual)",
            "DELETE FROM retention_ids",
        },
        {1, 1, 2, 1, 0, 1, 0, 0, 0, 0},
    },
};

static int
table_exists(struct ubur_store *s, const char *table)
{
    int64_t n = 0;
    /* Both backends answer this: SQLite through sqlite_master, PostgreSQL through to_regclass. */
    if (ubur_store_kind(s) == UBUR_STORE_SQLITE)
        ubur_store_query_int(s, NULL, &n,
                             "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                             "t", table);
    else
        ubur_store_query_int(s, NULL, &n,
                             "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?",
                             "t", table);
    return n > 0;
}

static int
run_rule(struct ubur_ctx *ctx, const struct retention_rule *r, bool dry_run, json_t *report,
         struct ubur_error *err)
{
    char key[96], cutoff[UBUR_DATE_LEN + 1];
    snprintf(key, sizeof(key), "retention.%s.years", r->name);
    const char *v = ubur_setting(ctx, key, NULL);
    long years = r->default_years;
    if (v) {
        char *end;
        years = strtol(v, &end, 10);
        if (*end || years < 1 || years > 100)
            return ubur_error_field(err, UBUR_EINVAL, key, "'%s' is not a number of years (1-100)",
                                    v);
    }
    int y, m, d;
    ubur_civil_from_days(ubur_now() / 86400, &y, &m, &d);
    y -= (int)years;
    if (m == 2 && d == 29)
        d = 28;
    ubur_date_format(ubur_days_from_civil(y, m, d), cutoff);

    int rc = ubur_store_begin(ctx->store, err);
    if (rc)
        return rc;
    int64_t count = 0;
    struct ubur_stmt *st;
    if ((rc = ubur_store_prepare_dynamic(ctx->store, r->count_sql, &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, cutoff);
    rc = ubur_stmt_step(st, err);
    if (rc == 1) {
        count = ubur_stmt_int(st, 0);
        rc = 0;
    }
    ubur_stmt_done(st);
    if (rc < 0)
        goto out;
    if (!dry_run && count > 0) {
        for (int i = 0; i < 10 && r->deletes[i]; i++) {
            if ((rc = ubur_store_prepare_dynamic(ctx->store, r->deletes[i], &st, err)))
                goto out;
            for (int k = 1; k <= r->params[i]; k++)
                ubur_stmt_bind_text(st, k, cutoff);
            while ((rc = ubur_stmt_step(st, err)) == 1)
                ;
            ubur_stmt_done(st);
            if (rc < 0)
                goto out;
        }
        char detail[256];
        snprintf(detail, sizeof(detail),
                 "{\"rule\":\"%s\",\"years\":%ld,\"cutoff\":\"%s\","
                 "\"records\":%lld}",
                 r->name, years, cutoff, (long long)count);
        if ((rc = ubur_audit(ctx, "retention.erase", "retention_rule", r->name, detail, err)))
            goto out;
    }
    if ((rc = ubur_store_commit(ctx->store, err)))
        return rc;
    json_array_append_new(report,
                          json_pack("{s:s, s:s, s:i, s:s, s:I, s:b}", "rule", r->name, "what",
                                    r->what, "years", (int)years, "cutoff", cutoff, "records",
                                    (json_int_t)count, "erased", !dry_run && count > 0));
    return 0;
out:
    ubur_store_rollback(ctx->store);
    return rc;
}

int
ubur_retention_run(struct ubur_ctx *ctx, bool dry_run, json_t **report, struct ubur_error *err)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (!table_exists(ctx->store, rules[i].table))
            continue; /* the module that owns it is not in this build */
        int rc = run_rule(ctx, &rules[i], dry_run, arr, err);
        if (rc) {
            json_decref(arr);
            return rc;
        }
    }
    *report = arr;
    return 0;
}
