/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk import and export of individuals as CSV (columns in
 * docs/registry-csv.md). Import reads rows in batches of whole groups
 * (rows with the same `group` value, which must be contiguous); each batch
 * is one transaction: every row is checked, every error is reported with
 * its line number, and the batch is committed only when it has none (all or
 * nothing per batch). One audit entry per batch names the source, the lines
 * and the count. Export writes the same columns, so an export imports back.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry_impl.h"
#include "ubur/csv.h"
#include "ubur/banned.h"

enum col {
    C_GROUP,
    C_GROUP_NUMBER,
    C_KIND,
    C_INDIVIDUAL_NUMBER,
    C_RELATIONSHIP,
    C_GIVEN,
    C_FATHER,
    C_GRANDFATHER,
    C_FAMILY,
    C_GIVEN_AR,
    C_FATHER_AR,
    C_GRANDFATHER_AR,
    C_FAMILY_AR,
    C_SEX,
    C_BIRTH,
    C_BIRTH_EST,
    C_ORIGIN,
    C_CITIZENSHIP,
    C_TYPE,
    C_LOCATION,
    C_STATUS,
    C_REGISTERED,
    C_DOC_TYPE,
    C_DOC_NUMBER,
    C_DOC_COUNTRY,
    C_NEEDS,
    C_COUNT
};

static const char *const col_names[C_COUNT] = {"group",
                                               "group_number",
                                               "kind",
                                               "individual_number",
                                               "relationship",
                                               "given_name",
                                               "father_name",
                                               "grandfather_name",
                                               "family_name",
                                               "given_name_ar",
                                               "father_name_ar",
                                               "grandfather_name_ar",
                                               "family_name_ar",
                                               "sex",
                                               "birth_date",
                                               "birth_date_estimated",
                                               "origin",
                                               "citizenship",
                                               "population_type",
                                               "location",
                                               "status",
                                               "registered_on",
                                               "document_type",
                                               "document_number",
                                               "document_country",
                                               "specific_needs"};

const char *const *ubur_registry_csv_columns(int *n);

const char *const *
ubur_registry_csv_columns(int *n)
{
    *n = C_COUNT;
    return col_names;
}

struct row {
    long line;
    long bytes;       /* input consumed through this row (progress) */
    char *v[C_COUNT]; /* copies in one malloc'd block (block), NULL when absent */
    char *block;
    struct ubur_reg_individual p;
    struct ubur_reg_document doc;
    struct ubur_reg_need needs[12];
    struct reg_person_in in; /* checked by the reader (valid while the batch is) */
    char name_key[160];
    uint32_t cell; /* the batch's own number of the person's statistics cell (batch.cells) */
};

/* An error found by the reader, reported by the writer in input order. */
struct found_error {
    long line;
    struct ubur_error e;
};

/* A group of a batch: rows[first..first+n-1], checked by the reader. */
struct group {
    size_t first, n;
    struct ubur_reg_group g;
    struct reg_group_in in;
    long line; /* where the group's own failure is reported: its focal point's */
};

struct batch {
    struct row *rows;
    size_t n, alloc;
    struct group *groups;
    size_t ngroups, agroups;
    struct found_error *errors; /* rows refused before the batch, then failed checks */
    size_t nerrors, aerrors;
    bool bad;       /* some row of this batch has an error: nothing of it is written */
    long rows_read; /* lines read into this batch, refused ones included */
    long bytes;     /* input consumed when the batch closed */
    bool last;      /* the input ends after this batch */
    bool broken;    /* a malformed line ended the input here (broken_error, at its line) */
    struct found_error broken_error;
    /*
     * Statistics, computed by the reader for the rows of the batch's checked groups, through
     * `today`: the cells (type, origin, location, sex) numbered in the batch's own order of
     * first use (cell k is cells[k], the writer looks up or makes the transaction's id), and
     * the batch's summed contributions in those numbers: deltas (day, cell, band) in key
     * order, current (0, cell, band). The writer uses them when its statistics day is `today`
     * (an import running past midnight, or after the clock was set back, computes the batch's
     * statistics again itself).
     */
    int64_t today;
    struct reg_map cell_of; /* "TYPE|ORIGIN|location id|SEX" -> (void *)(k + 1) */
    struct batch_cell {
        const char *type, *origin, *loc_id, *sex; /* the batch's strings */
    } * cells;
    size_t ncells, acells;
    struct ubur_popstat_deltas sum, sum_current; /* while the reader adds */
    struct ubur_popstat_delta *deltas, *current; /* then, sorted */
    size_t ndeltas, ncurrent, adeltas, acurrent;
    struct ubur_popstat_delta *mapped; /* the writer's copy in its cell ids */
    size_t amapped;
    uint32_t *cell_id; /* the writer's: cells[k] -> its id in the transaction */
};

/*
 * The indexes of reg_individual a large import sets aside (ubur_store_index_defer) and
 * builds once at its end. Both are keyed by values that arrive in no order (a name key, the
 * next birthday), so every row inserted into them lands on a random page, and every batch
 * rewrites most of their pages. The import reads neither: it checks no duplicates, and its
 * statistics roll reads band_next_on only when the day changes (then by a scan). The
 * UNIQUE indexes and the group index (ids ascending) stay.
 */
static const char *const deferrable[] = {"reg_individual_name_key", "reg_individual_band_next"};

struct defer_state {
    bool decided; /* looked at the first full batch */
    bool wanted;  /* the import is large beside the registry: set the indexes aside */
    bool done;    /* a committed batch set them aside: build them at the end */
};

static void
batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->rows[i].block);
    b->n = b->ngroups = b->nerrors = 0;
    b->bad = b->last = b->broken = false;
    b->rows_read = b->bytes = 0;
    reg_map_release(&b->cell_of, NULL);
    b->ncells = b->ndeltas = b->ncurrent = 0;
    ubur_popstat_deltas_reset(&b->sum);
    ubur_popstat_deltas_reset(&b->sum_current);
}

static void
batch_release(struct batch *b)
{
    batch_clear(b);
    free(b->rows);
    free(b->groups);
    free(b->errors);
    free(b->cells);
    ubur_popstat_deltas_release(&b->sum);
    ubur_popstat_deltas_release(&b->sum_current);
    free(b->deltas);
    free(b->current);
    free(b->mapped);
    free(b->cell_id);
    memset(b, 0, sizeof(*b));
}

/* The batch's number of a statistics cell, made on first use. */
static uint32_t
batch_cell(struct batch *b, const struct ubur_reg_individual *p, const struct reg_loc *loc)
{
    char key[256];
    snprintf(key, sizeof(key), "%s|%s|%s|%s", p->population_type, p->origin, loc->id, p->sex);
    void *v = reg_map_get(&b->cell_of, key);
    if (v)
        return (uint32_t)((uintptr_t)v - 1);
    if (b->ncells == b->acells) {
        b->acells = b->acells ? b->acells * 2 : 64;
        b->cells = ubur_realloc(b->cells, b->acells * sizeof(*b->cells));
    }
    b->cells[b->ncells] = (struct batch_cell){p->population_type, p->origin, loc->id, p->sex};
    reg_map_put(&b->cell_of, key, (void *)(uintptr_t)(b->ncells + 1));
    return (uint32_t)b->ncells++;
}

static void
batch_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta)
{
    struct batch *b = arg;
    ubur_popstat_deltas_add(&b->sum, day, cell, band, delta);
    ubur_popstat_deltas_add(&b->sum_current, 0, cell, band, delta);
}

/* Copies the non-zero entries of m into *out (grown as needed), sorted. */
static size_t
deltas_sorted(const struct ubur_popstat_deltas *m, struct ubur_popstat_delta **out, size_t *alloc)
{
    size_t n = 0, pos = 0;
    const struct ubur_popstat_delta *e;
    if (*alloc < m->used + 1) {
        *alloc = m->used + 1;
        *out = ubur_realloc(*out, *alloc * sizeof(**out));
    }
    while ((e = ubur_popstat_deltas_next(m, &pos)))
        (*out)[n++] = *e;
    qsort(*out, n, sizeof(**out), reg_delta_order);
    return n;
}

static void
batch_error(struct batch *b, long line, const struct ubur_error *e)
{
    if (b->nerrors == b->aerrors) {
        b->aerrors = b->aerrors ? b->aerrors * 2 : 16;
        b->errors = ubur_realloc(b->errors, b->aerrors * sizeof(*b->errors));
    }
    b->errors[b->nerrors].line = line;
    b->errors[b->nerrors++].e = *e;
    b->bad = true;
}

static const char *
val(const struct row *r, enum col c)
{
    return r->v[c] && r->v[c][0] ? r->v[c] : NULL;
}

static int
report(const struct ubur_registry_import_opts *o, struct ubur_registry_import_result *res,
       long line, const struct ubur_error *e)
{
    res->errors++;
    if (o->on_error)
        return o->on_error(o->arg, line, e->field, e->message);
    return 0;
}

/* Builds r->p from the row's values; 0 or UBUR_EINVAL in e. */
static int
row_person(struct row *r, struct ubur_error *e)
{
    struct ubur_reg_individual *p = &r->p;
    memset(p, 0, sizeof(*p));
    p->individual_number = val(r, C_INDIVIDUAL_NUMBER);
    p->relationship = val(r, C_RELATIONSHIP);
    p->given_name = val(r, C_GIVEN);
    p->father_name = val(r, C_FATHER);
    p->grandfather_name = val(r, C_GRANDFATHER);
    p->family_name = val(r, C_FAMILY);
    p->given_name_ar = val(r, C_GIVEN_AR);
    p->father_name_ar = val(r, C_FATHER_AR);
    p->grandfather_name_ar = val(r, C_GRANDFATHER_AR);
    p->family_name_ar = val(r, C_FAMILY_AR);
    p->sex = val(r, C_SEX);
    p->birth_date = val(r, C_BIRTH);
    const char *est = val(r, C_BIRTH_EST);
    if (est) {
        if (!strcmp(est, "1") || !strcmp(est, "true") || !strcmp(est, "yes"))
            p->birth_date_estimated = true;
        else if (strcmp(est, "0") && strcmp(est, "false") && strcmp(est, "no"))
            return ubur_error_field(e, UBUR_EINVAL, "birth_date_estimated",
                                    "'%.10s' is not 1, 0, true, false, yes or no", est);
    }
    p->origin = val(r, C_ORIGIN);
    p->citizenship = val(r, C_CITIZENSHIP) ? val(r, C_CITIZENSHIP) : p->origin;
    p->population_type = val(r, C_TYPE);
    p->location = val(r, C_LOCATION);
    p->status = val(r, C_STATUS);
    p->registered_on = val(r, C_REGISTERED);
    if (val(r, C_DOC_NUMBER) || val(r, C_DOC_TYPE)) {
        r->doc.doc_type = val(r, C_DOC_TYPE);
        r->doc.number = val(r, C_DOC_NUMBER);
        r->doc.issuing_country = val(r, C_DOC_COUNTRY);
        p->documents = &r->doc;
        p->ndocuments = 1;
    }
    if (val(r, C_NEEDS)) {
        /* codes separated by ';' or spaces, in place */
        char *s = r->v[C_NEEDS];
        size_t n = 0;
        while (*s) {
            while (*s == ';' || *s == ' ')
                *s++ = '\0';
            if (!*s)
                break;
            if (n == 12)
                return ubur_error_field(e, UBUR_EINVAL, "specific_needs", "more than 12 codes");
            r->needs[n].code = s;
            r->needs[n++].detail = NULL;
            while (*s && *s != ';' && *s != ' ')
                s++;
        }
        p->needs = r->needs;
        p->nneeds = n;
    }
    return 0;
}

/* Checks and inserts one group (rows[from..to-1]); errors are reported, not returned,
 * except storage failures. *bad is set when the group had an error. */

/*
 * Checks one group of a closed batch (rows[first..first+n-1]) on the reader's thread: every
 * value, its locations (w holds them, loaded before the reader started, and today), and the
 * members' name keys made ready for the writer. Failures go to the batch's errors, in order.
 */
static void
check_group(struct reg_writer *w, struct batch *b, size_t first, size_t n)
{
    struct ubur_error e = UBUR_ERROR_INIT;
    struct row *rows = b->rows + first;
    if (n > 64) {
        ubur_error_field(&e, UBUR_EINVAL, "group", "a group has at most 64 members");
        batch_error(b, rows[0].line, &e);
        return;
    }
    /* the group's place and date: its focal point's (or first row's) */
    struct row *head = &rows[0];
    for (size_t i = 0; i < n; i++)
        if (val(&rows[i], C_RELATIONSHIP) && !strcmp(val(&rows[i], C_RELATIONSHIP), "focal_point"))
            head = &rows[i];
    if (b->ngroups == b->agroups) {
        b->agroups = b->agroups ? b->agroups * 2 : 1024;
        b->groups = ubur_realloc(b->groups, b->agroups * sizeof(*b->groups));
    }
    struct group *g = &b->groups[b->ngroups];
    g->first = first;
    g->n = n;
    g->line = head->line;
    g->g = (struct ubur_reg_group){.group_number = val(head, C_GROUP_NUMBER),
                                   .kind = val(head, C_KIND),
                                   .location = val(head, C_LOCATION),
                                   .registered_on = val(head, C_REGISTERED)};
    if (reg_check_group(w, &g->g, &g->in, &e)) {
        batch_error(b, head->line, &e);
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ubur_error_clear(&e);
        if (row_person(&rows[i], &e) || reg_check_person(w, &rows[i].p, &g->in, &rows[i].in, &e)) {
            ok = false;
            batch_error(b, rows[i].line, &e);
            continue;
        }
        reg_person_key(&rows[i].p, rows[i].name_key, sizeof(rows[i].name_key));
        rows[i].in.name_key = rows[i].name_key;
    }
    if (!ok)
        return;
    b->ngroups++;
    /* The members' statistics, as reg_insert_person would emit them on the writer's thread. */
    for (size_t i = 0; i < n; i++) {
        struct reg_person_in *in = &rows[i].in;
        bool counted = !strcmp(in->status, "active");
        rows[i].cell = batch_cell(b, &rows[i].p, in->loc);
        struct ubur_popstat_segment seg = {in->registered, rows[i].cell, counted};
        ubur_popstat_contribution(in->birth, &seg, 1, b->today, 1, batch_emit, b);
        in->band_next = counted ? ubur_age_band_next(in->birth, b->today) : UBUR_NO_DATE;
    }
}

/* Inserts one checked group; a failure is reported, not returned, except storage failures.
 * *bad is set when the group failed. */
static int
insert_group(struct reg_writer *w, struct batch *b, const struct group *grp,
             const struct ubur_registry_import_opts *o, struct ubur_registry_import_result *res,
             bool *bad, bool *retry)
{
    struct ubur_error e = UBUR_ERROR_INIT;
    struct reg_person_in pi[64];
    struct reg_group_in gi = grp->in;
    struct row *rows = b->rows + grp->first;
    for (size_t i = 0; i < grp->n; i++) {
        pi[i] = rows[i].in;
        if ((pi[i].stats_given = w->given != NULL))
            pi[i].cell = b->cell_id[rows[i].cell];
    }
    int rc = reg_insert_group(w, &grp->g, &gi, pi, grp->n, &e);
    if (rc && retry) {
        /* pipelined: the failure may belong to an earlier row; the batch is checked again
         * row by row */
        *retry = true;
        return 0;
    }
    /* a member's own failure (its number taken, say) is reported at that member's line */
    long line = gi.failed_member >= 0 ? rows[gi.failed_member].line : grp->line;
    if (rc == UBUR_EINVAL || rc == UBUR_ECONFLICT) {
        *bad = true;
        return report(o, res, line, &e);
    }
    if (rc) {
        *bad = true;
        report(o, res, line, &e);
        return rc;
    }
    return 0;
}

/*
 * Hands the writer the statistics the reader computed for the batch: each of the batch's
 * cells gets the transaction's id (looked up, or made), and the deltas are copied in those
 * ids. Rows are then inserted with stats_given (insert_group).
 */
static int
use_batch_stats(struct reg_writer *w, struct batch *b, struct ubur_error *err)
{
    int rc;
    b->cell_id = ubur_realloc(b->cell_id, (b->ncells + 1) * sizeof(*b->cell_id));
    for (size_t k = 0; k < b->ncells; k++) {
        const struct batch_cell *c = &b->cells[k];
        if ((rc = reg_writer_cell(w, c->type, c->origin, c->loc_id, c->sex, &b->cell_id[k], err)))
            return rc;
    }
    size_t n = b->ndeltas + b->ncurrent;
    if (b->amapped < n + 1) {
        b->amapped = n + 1;
        b->mapped = ubur_realloc(b->mapped, b->amapped * sizeof(*b->mapped));
    }
    for (size_t k = 0; k < b->ndeltas; k++) {
        b->mapped[k] = b->deltas[k];
        b->mapped[k].cell = b->cell_id[b->deltas[k].cell];
    }
    for (size_t k = 0; k < b->ncurrent; k++) {
        b->mapped[b->ndeltas + k] = b->current[k];
        b->mapped[b->ndeltas + k].cell = b->cell_id[b->current[k].cell];
    }
    w->given = b->mapped;
    w->ngiven = b->ndeltas;
    w->given_current = b->mapped + b->ndeltas;
    w->ngiven_current = b->ncurrent;
    return 0;
}

/*
 * One checked batch in one transaction. Pipelined (retry set), inserts are queued
 * (one round trip per batch on PostgreSQL instead of one per row); a
 * failure there cannot name its row, so *retry is set and the caller runs
 * the batch again unpipelined, row by row, for the line-numbered report.
 */
static int
batch_attempt(struct ubur_ctx *ctx, struct batch *b, const struct ubur_registry_import_opts *o,
              struct ubur_registry_import_result *res, struct defer_state *defer,
              struct ubur_error *err, bool *retry)
{
    struct reg_writer w = {0};
    int rc;
    bool bad = false, deferred = false;
    if ((rc = reg_writer_begin(&w, ctx, err)))
        return rc;
    /* In this batch's transaction, so a batch that fails puts the indexes back with it. */
    for (size_t i = 0;
         defer->wanted && !defer->done && i < sizeof(deferrable) / sizeof(deferrable[0]); i++) {
        bool one;
        if ((rc = ubur_store_index_defer(ctx->store, deferrable[i], &one, err)))
            goto fail;
        deferred |= one;
    }
    w.defer_checkpoints = true;
    w.pipelined = retry != NULL;
    if (b->today == w.stats_day && (rc = use_batch_stats(&w, b, err)))
        goto fail;
    for (size_t k = 0; k < b->ngroups && !bad; k++) {
        if ((rc = insert_group(&w, b, &b->groups[k], o, res, &bad, retry)))
            goto fail;
        if (retry && *retry) {
            reg_writer_abort(&w);
            return 0;
        }
        if (o->progress)
            o->progress(o->arg, b->rows[b->groups[k].first + b->groups[k].n - 1].bytes);
    }
    if (bad) {
        reg_writer_abort(&w);
        res->failed_batches++;
        return 0;
    }
    char detail[600];
    snprintf(detail, sizeof(detail),
             "{\"source\":\"%.200s\",\"first_line\":%ld,\"last_line\":%ld,\"individuals\":%zu}",
             o->source ? o->source : "", b->rows[0].line, b->rows[b->n - 1].line, b->n);
    for (char *p = detail; *p; p++)
        if (*p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    if ((rc = ubur_audit(ctx, "registry.import", "registry", NULL, detail, err)) ||
        (rc = reg_writer_commit(&w, err))) {
        if (retry) {
            *retry = true;
            rc = 0;
        }
        goto fail;
    }
    res->imported += (long)b->n;
    defer->done |= deferred;
    return 0;
fail:
    reg_writer_abort(&w);
    return rc;
}

/* Reports a batch's errors found by the reader, then writes it unless it had any. */
static int
run_batch(struct ubur_ctx *ctx, struct batch *b, const struct ubur_registry_import_opts *o,
          struct ubur_registry_import_result *res, struct defer_state *defer,
          struct ubur_error *err)
{
    int rc;
    res->rows += b->rows_read;
    for (size_t i = 0; i < b->nerrors; i++)
        if ((rc = report(o, res, b->errors[i].line, &b->errors[i].e)))
            return rc;
    if (b->broken) {
        /* a malformed line cannot be skipped safely: report and stop */
        report(o, res, b->broken_error.line, &b->broken_error.e);
        res->failed_batches++;
        *err = b->broken_error.e;
        return err->code ? err->code : UBUR_EINVAL;
    }
    if (b->bad) {
        res->failed_batches++;
        return 0;
    }
    if (!b->n)
        return 0;
    if (o->dry_run) {
        res->imported += (long)b->n;
        if (o->progress)
            o->progress(o->arg, b->bytes);
        return 0;
    }
    struct ubur_registry_import_result before = *res;
    bool retry = false;
    rc = batch_attempt(ctx, b, o, res, defer, err, &retry);
    if (rc || !retry)
        return rc;
    *res = before;
    return batch_attempt(ctx, b, o, res, defer, err, NULL);
}

/*
 * At the first full batch: set the indexes aside when the input holds at least as many
 * rows as the registry holds people (then building them once over everyone costs less
 * than inserting the new rows into them one by one; measured in docs/BENCHMARKS.md). The
 * input's size is estimated from the bytes the batch took and the file's size.
 */
static void
defer_decide(struct ubur_ctx *ctx, FILE *in, long rows, long bytes, struct defer_state *defer)
{
    struct stat sb;
    int64_t people = 0;
    double estimate = (double)rows;
    defer->decided = true;
    if (bytes > 0 && fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > bytes)
        estimate = (double)rows * (double)sb.st_size / (double)bytes;
    if (ubur_store_query_int(ctx->store, NULL, &people, "SELECT COUNT(*) FROM reg_individual",
                             "") == 0)
        defer->wanted = estimate >= (double)people;
}

/*
 * Reading and writing overlap: a reader thread parses and checks batch k+1 (CSV, every
 * value, locations, name keys) while this thread writes batch k. Two batches take turns:
 * the reader fills slot `read % 2` once the writer has finished the batch that used it
 * before (read - written < 2). Every error the reader finds is kept in its batch, in input
 * order, and the writer reports it when it takes the batch, before writing anything of it;
 * so errors come out in line order and all or nothing per batch holds as before.
 */
struct reader {
    struct ubur_csv *csv;
    const int *map;
    int ncols;
    long batch_rows;
    struct reg_writer check; /* locations and today, for the checks; no transaction */
    struct batch slot[2];
    long read, written; /* batches handed over, batches finished by the writer */
    bool stop;          /* the writer stopped: the reader ends at its next batch */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

/* The reader's thread. */
static void *
reader_main(void *arg)
{
    struct reader *r = arg;
    struct ubur_csv *csv = r->csv;
    struct reg_map seen = {0}; /* groups already closed: their rows must be contiguous */
    char last_group[256] = "";
    bool end = false, held = false; /* held: csv holds a row read but not yet taken */
    long k = 0;                     /* the batch being filled */
    while (!end) {
        pthread_mutex_lock(&r->lock);
        while (!r->stop && k - r->written >= 2)
            pthread_cond_wait(&r->cond, &r->lock);
        bool stop = r->stop;
        pthread_mutex_unlock(&r->lock);
        if (stop)
            break;
        struct batch *b = &r->slot[k % 2];
        batch_clear(b);
        for (;;) {
            /* The row that opens this batch was read with the last one (a new group). */
            int rc = held ? 1 : ubur_csv_next(csv, &b->broken_error.e);
            held = false;
            if (rc < 0) {
                b->broken = true;
                b->broken_error.line = csv->line;
                end = true;
                break;
            }
            if (rc == 0) {
                end = true;
                break;
            }
            const char *grp = csv->nfields > 0 ? csv->field[0] : "";
            for (int i = 0; i < csv->nfields && i < r->ncols; i++)
                if (r->map[i] == C_GROUP)
                    grp = csv->field[i];
            bool new_group = strcmp(grp, last_group) != 0;
            if (new_group && (long)b->n >= r->batch_rows) {
                held = true; /* this row opens the next batch */
                break;
            }
            struct ubur_error e = UBUR_ERROR_INIT;
            b->rows_read++;
            if (csv->nfields != r->ncols) {
                ubur_error_field(&e, UBUR_EINVAL, "row", "%d fields where the header has %d",
                                 csv->nfields, r->ncols);
                batch_error(b, csv->line, &e); /* all or nothing: the batch fails without it */
                continue;
            }
            if (!grp[0] || strlen(grp) > 200) {
                ubur_error_field(&e, UBUR_EINVAL, "group", "must be 1 to 200 characters");
                batch_error(b, csv->line, &e);
                continue;
            }
            if (new_group) {
                if (reg_map_get(&seen, grp)) {
                    ubur_error_field(&e, UBUR_EINVAL, "group",
                                     "'%.60s' continues here after other groups: keep a group's"
                                     " rows together",
                                     grp);
                    batch_error(b, csv->line, &e);
                    continue;
                }
                if (last_group[0])
                    reg_map_put(&seen, last_group, (void *)1);
                snprintf(last_group, sizeof(last_group), "%s", grp);
            }
            if (b->n == b->alloc) {
                b->alloc = b->alloc ? b->alloc * 2 : 1024;
                b->rows = ubur_realloc(b->rows, b->alloc * sizeof(*b->rows));
            }
            struct row *row = &b->rows[b->n++];
            memset(row, 0, sizeof(*row));
            row->line = csv->line;
            row->bytes = csv->bytes;
            size_t len[UBUR_CSV_MAX_FIELDS], total = 0;
            for (int i = 0; i < r->ncols; i++)
                total += (len[i] = strlen(csv->field[i])) + 1;
            char *at = row->block = ubur_malloc(total);
            for (int i = 0; i < r->ncols; i++) {
                memcpy(at, csv->field[i], len[i] + 1);
                row->v[r->map[i]] = at;
                at += len[i] + 1;
            }
        }
        b->bytes = csv->bytes;
        b->last = end;
        b->today = r->check.today;
        if (!b->broken)
            for (size_t s = 0; s < b->n;) {
                size_t t = s + 1;
                while (t < b->n && !strcmp(b->rows[t].v[C_GROUP], b->rows[s].v[C_GROUP]))
                    t++;
                check_group(&r->check, b, s, t - s);
                s = t;
            }
        if (!b->bad && !b->broken) {
            b->ndeltas = deltas_sorted(&b->sum, &b->deltas, &b->adeltas);
            b->ncurrent = deltas_sorted(&b->sum_current, &b->current, &b->acurrent);
        }
        pthread_mutex_lock(&r->lock);
        r->read = ++k;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
    }
    reg_map_release(&seen, NULL);
    return NULL;
}

int
ubur_registry_import_csv(struct ubur_ctx *ctx, FILE *in, const struct ubur_registry_import_opts *o,
                         struct ubur_registry_import_result *res, struct ubur_error *err)
{
    struct ubur_csv csv;
    int map[UBUR_CSV_MAX_FIELDS];
    int rc;

    memset(res, 0, sizeof(*res));
    if (!reg_role_individuals(ctx))
        return ubur_error_set(err, UBUR_EPERM, "importing people needs a registration officer");
    ubur_csv_init(&csv, in, 64 * 1024);
    rc = ubur_csv_next(&csv, err);
    if (rc <= 0) {
        ubur_csv_release(&csv);
        return rc ? rc : ubur_error_set(err, UBUR_EINVAL, "empty input: no header line");
    }
    bool have[C_COUNT] = {false};
    int ncols = csv.nfields;
    for (int i = 0; i < ncols; i++) {
        map[i] = -1;
        for (int c = 0; c < C_COUNT; c++)
            if (!strcmp(csv.field[i], col_names[c]))
                map[i] = c;
        if (map[i] < 0) {
            rc = ubur_error_field(err, UBUR_EINVAL, "header",
                                  "line 1: unknown column '%.60s' (see docs/registry-csv.md)",
                                  csv.field[i]);
            goto out;
        }
        if (have[map[i]]) {
            rc = ubur_error_field(err, UBUR_EINVAL, "header", "line 1: column '%s' given twice",
                                  csv.field[i]);
            goto out;
        }
        have[map[i]] = true;
    }
    static const enum col required[] = {C_GROUP,  C_RELATIONSHIP, C_SEX,
                                        C_ORIGIN, C_TYPE,         C_LOCATION};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!have[required[i]]) {
            rc = ubur_error_field(err, UBUR_EINVAL, "header", "line 1: column '%s' is required",
                                  col_names[required[i]]);
            goto out;
        }
    if (!have[C_GIVEN] && !have[C_GIVEN_AR]) {
        rc = ubur_error_field(err, UBUR_EINVAL, "header",
                              "line 1: column given_name or given_name_ar is required");
        goto out;
    }

    /* The reader checks against the locations as they are now (an import adds none). */
    struct reader r = {.csv = &csv,
                       .map = map,
                       .ncols = ncols,
                       .batch_rows = o->batch_rows > 0 ? o->batch_rows : 50000};
    r.check.today = reg_today();
    if ((rc = reg_locations_load(ctx, &r.check.locs, err))) {
        reg_locations_release(&r.check.locs);
        goto out;
    }
    r.check.locs_loaded = true;
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, reader_main, &r)) {
        rc = ubur_error_set(err, UBUR_EINTERNAL, "cannot start the import's reader thread");
        goto out_reader;
    }

    /* Every value a CHECK constraint covers is validated first (reg_check_*). */
    bool bulk = !o->dry_run && !ubur_store_in_tx(ctx->store);
    if (bulk)
        ubur_store_bulk_load(ctx->store, true);
    struct defer_state defer = {0};
    for (long k = 0;; k++) {
        pthread_mutex_lock(&r.lock);
        while (r.read == k)
            pthread_cond_wait(&r.cond, &r.lock);
        pthread_mutex_unlock(&r.lock);
        struct batch *b = &r.slot[k % 2];
        if (bulk && !b->last && !defer.decided)
            defer_decide(ctx, in, (long)b->n, b->bytes, &defer);
        rc = run_batch(ctx, b, o, res, &defer, err);
        bool last = b->last || b->broken;
        pthread_mutex_lock(&r.lock);
        r.written = k + 1;
        r.stop = rc != 0;
        pthread_cond_broadcast(&r.cond);
        pthread_mutex_unlock(&r.lock);
        if (rc || last)
            break;
    }
    pthread_mutex_lock(&r.lock);
    r.stop = true;
    pthread_cond_broadcast(&r.cond);
    pthread_mutex_unlock(&r.lock);
    pthread_join(thread, NULL);

    /* The last write runs under the bulk load's settings: its checkpoint thread folds the
     * log's last frames into the database while the indexes set aside are built (the
     * build sorts in runs of its own size, ubur_store_index_restore, not the load's cache). */
    if (rc >= 0 && res->imported > 0 && !o->dry_run) {
        /* The batches deferred placing checkpoints: an empty write places them now
         * (a later write would too, if this one fails), and builds the indexes set aside. */
        struct reg_writer w = {0};
        if ((rc = reg_writer_begin(&w, ctx, err)) == 0) {
            if (defer.done && (rc = ubur_store_index_restore(ctx->store, false, err)))
                reg_writer_abort(&w);
            else
                rc = reg_writer_commit(&w, err);
        }
        if (rc == 0)
            defer.done = false;
    }
    if (bulk)
        ubur_store_bulk_load(ctx->store, false);
    if (defer.done) {
        /* the import stopped on a failure: build them anyway (else the next open does) */
        struct ubur_error e2 = UBUR_ERROR_INIT;
        ubur_store_index_restore(ctx->store, false, &e2);
    }
out_reader:
    batch_release(&r.slot[0]);
    batch_release(&r.slot[1]);
    reg_locations_release(&r.check.locs);
    pthread_cond_destroy(&r.cond);
    pthread_mutex_destroy(&r.lock);
out:
    ubur_csv_release(&csv);
    return rc < 0 ? rc : 0;
}

/* ---- export ---- */

struct export_state {
    FILE *out;
    struct ubur_buf line;
    long count;
    int rc;
};

static int
export_row(void *arg, const struct ubur_reg_individual *p)
{
    struct export_state *x = arg;
    const char *doc_type = NULL, *doc_no = NULL, *doc_c = NULL;
    const char *v[C_COUNT] = {p->group_number,
                              p->group_number,
                              NULL,
                              p->individual_number,
                              p->relationship,
                              p->given_name,
                              p->father_name,
                              p->grandfather_name,
                              p->family_name,
                              p->given_name_ar,
                              p->father_name_ar,
                              p->grandfather_name_ar,
                              p->family_name_ar,
                              p->sex,
                              p->birth_date,
                              p->birth_date_estimated ? "1" : "0",
                              p->origin,
                              p->citizenship,
                              p->population_type,
                              p->location,
                              p->status,
                              p->registered_on,
                              doc_type,
                              doc_no,
                              doc_c,
                              NULL};
    ubur_buf_reset(&x->line);
    for (int c = 0; c < C_COUNT; c++) {
        if (c)
            ubur_buf_addch(&x->line, ',');
        ubur_csv_field(&x->line, v[c], true);
    }
    ubur_buf_addch(&x->line, '\n');
    if (fwrite(x->line.s, 1, x->line.len, x->out) != x->line.len) {
        x->rc = UBUR_EIO;
        return UBUR_EIO;
    }
    x->count++;
    return 0;
}

int
ubur_registry_export_csv(struct ubur_ctx *ctx, const struct ubur_reg_filter *f, FILE *out,
                         long *count, struct ubur_error *err)
{
    struct export_state x = {out, UBUR_BUF_INIT, 0, 0};
    struct ubur_reg_filter all = f ? *f : (struct ubur_reg_filter){0};
    if (all.limit <= 0)
        all.limit = 100000;
    for (int c = 0; c < C_COUNT; c++)
        fprintf(out, "%s%s", c ? "," : "", col_names[c]);
    fputc('\n', out);
    int rc;
    long page = all.limit;
    bool unlimited = !f || f->limit <= 0;
    for (;;) {
        long before = x.count;
        if ((rc = ubur_registry_list(ctx, &all, export_row, &x, err)) || !unlimited ||
            x.count - before < page)
            break;
        all.offset += page;
    }
    ubur_buf_release(&x.line);
    if (count)
        *count = x.count;
    if (!rc && x.rc)
        rc = ubur_error_set(err, UBUR_EIO, "cannot write the export");
    return rc;
}
