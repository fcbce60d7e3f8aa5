/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks answered before their row is written (border_impl.h has the
 * contract). A traveller check only reads; its one write, the pending
 * check's row, used to hold the answer until the group-commit writer had
 * committed it, so every recorded check waited behind the writer twice
 * (the check's row, then the record). A check whose row cannot change its
 * answer now queues that insert without waiting (ubur_write_detached) and
 * is kept here, in memory, from before it is queued until its batch has
 * committed. The confirmation looks here first: found, it needs no read of
 * the check, and the record it queues is applied after the check's row
 * (the writer runs jobs in queue order), in the same batch or a later one.
 *
 * Invariants: an entry is added before its job is queued and removed only
 * after the job's batch has committed or failed, so at every moment a
 * queued check is either here or committed in the store (a reader that
 * misses it here and then opens a snapshot sees the row). One mutex guards
 * the table; entries are copied out under it, never referenced outside it.
 *
 * Caveats: other processes (the CLI, a second server) see the check only
 * once its row is committed, a few milliseconds later. If the row's write
 * fails (a full disk), the answer has already been given: the check is
 * then unknown to a later confirmation (404, "check the traveller again"),
 * and a confirmation already queued behind it fails with it. A crash of
 * the process loses a queued check; nothing acknowledged as recorded is
 * ever lost (its record is written durably after it).
 *
 * Remembered checks. Once its row has committed, a single check (queued
 * here, or written and waited for: a new traveller's, an alerting one's) is
 * remembered for a short while (REMEMBER_MS, at most REMEMBER_MAX of them,
 * oldest out first) so that its confirmation, usually moments later, needs
 * no read of it (ubur_border_check_take takes it out: one confirmation per
 * entry; a second one reads the store). The copy is what the row says as
 * long as nothing but a confirmation changes the row: a check another
 * process or server confirmed meanwhile makes the record's write fail
 * (its row is no longer pending), and the confirmation is then run again
 * from the store (border_record.c), which answers as before (a replay or a
 * conflict). Override requests change what a confirmation may do, and are
 * made only for refused checks: those are never remembered. REMEMBER_MS is
 * below the shortest time a check stays confirmable (60 s), so a remembered
 * check is never too old to confirm.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "border_impl.h"
#include "ubur/alloc.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

#define BUCKETS 1024 /* a power of two; entries live a few milliseconds */

struct queued_check {
    struct ubur_ctx ctx; /* the write's own: who checked, an arena for the copies */
    struct check_row row;
    struct queued_check *next; /* in its bucket */
    /* Under table_lock: the writer has begun the row's insert; a confirmation claimed the row
     * (its record's job inserts it, border_impl.h); the detached job's hook has run; the
     * claim was released. A claimed entry is unlinked by its release and freed by whichever
     * of the hook and the release comes second. */
    bool started, claimed, hook_done, released;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct queued_check *table[BUCKETS];

#define REMEMBER_MS 30000 /* below the shortest time to live of a check (60 s) */
#define REMEMBER_MAX 4096

/* A committed check, as confirming it needs it. */
struct remembered {
    struct stored_check c;            /* reasons malloc'd */
    int64_t until_ms;                 /* CLOCK_MONOTONIC */
    struct remembered *next;          /* in its bucket (remembered_table) */
    struct remembered *older, *newer; /* the order they leave in */
};

/* Under table_lock, as the queue's table. */
static struct remembered *remembered_table[BUCKETS];
static struct remembered *oldest, *newest;
static int nremembered;

/* A UUIDv7's last characters are random: they spread the buckets. */
static unsigned
bucket(const char *id)
{
    unsigned h = 2166136261u;
    size_t n = strlen(id);
    for (size_t i = n > 12 ? n - 12 : 0; i < n; i++)
        h = (h ^ (unsigned char)id[i]) * 16777619u;
    return h & (BUCKETS - 1);
}

static const char *
copy(struct ubur_arena *a, const char *s)
{
    return s ? ubur_arena_strdup(a, s) : NULL;
}

static void
queued_free(struct queued_check *q)
{
    ubur_arena_release(&q->ctx.arena);
    free(q);
}

/* The queued check with this id, or NULL. Called with table_lock held. */
static struct queued_check *
find_locked(const char *id)
{
    struct queued_check *q = table[bucket(id)];
    while (q && strcmp(q->row.id, id) != 0)
        q = q->next;
    return q;
}

static void
put(char *dst, size_t n, const char *v)
{
    snprintf(dst, n, "%s", v ? v : "");
}

/* A row as read_check reads it back (border_record.c): the same columns, cut to the same sizes. */
static void
stored_from_row(struct stored_check *c, const struct check_row *r)
{
    memset(c, 0, sizeof(*c));
    put(c->id, sizeof(c->id), r->id);
    put(c->crossing_id, sizeof(c->crossing_id), r->crossing_id);
    put(c->state, sizeof(c->state), r->state);
    put(c->direction, sizeof(c->direction), r->direction);
    put(c->at, sizeof(c->at), r->at);
    put(c->traveller_id, sizeof(c->traveller_id), r->traveller_id);
    put(c->group_id, sizeof(c->group_id), r->group_id);
    put(c->document_number, sizeof(c->document_number), r->document_number);
    put(c->nationality, sizeof(c->nationality), r->nationality);
    put(c->basis, sizeof(c->basis), r->basis);
    put(c->visa_id, sizeof(c->visa_id), r->visa_id);
    put(c->visa_number, sizeof(c->visa_number), r->visa_number);
    put(c->purpose, sizeof(c->purpose), r->purpose);
    put(c->authorised_until, sizeof(c->authorised_until), r->authorised_until);
    c->rule_days = r->rule_days;
    c->rule_window = r->rule_window;
    put(c->stay_id, sizeof(c->stay_id), r->stay_id);
    put(c->decision, sizeof(c->decision), r->decision);
    c->reasons = ubur_strdup(r->reasons ? r->reasons : "[]");
    put(c->status, sizeof(c->status), r->record_id ? "recorded" : "pending");
    put(c->record_id, sizeof(c->record_id), r->record_id);
    put(c->created_at, sizeof(c->created_at), r->created_at);
}

static int64_t
monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Unlinks a remembered check from the table and the order (table_lock held); the caller frees. */
static void
forget_locked(struct remembered *m)
{
    for (struct remembered **p = &remembered_table[bucket(m->c.id)]; *p; p = &(*p)->next) {
        if (*p == m) {
            *p = m->next;
            break;
        }
    }
    if (m->older)
        m->older->newer = m->newer;
    else
        oldest = m->newer;
    if (m->newer)
        m->newer->older = m->older;
    else
        newest = m->older;
    nremembered--;
}

static void
remembered_free(struct remembered *m)
{
    if (m) {
        free(m->c.reasons);
        free(m);
    }
}

void
ubur_border_check_remember(const struct check_row *row)
{
    /* only a single pending check that no override request can concern (the file's comment) */
    if (!row->id || row->group_id || row->record_id || !row->decision ||
        !strcmp(row->decision, "refuse"))
        return;
    struct remembered *m = ubur_calloc(1, sizeof(*m));
    stored_from_row(&m->c, row);
    int64_t now = monotonic_ms();
    m->until_ms = now + REMEMBER_MS;
    struct remembered *gone = NULL;
    unsigned b = bucket(m->c.id);
    pthread_mutex_lock(&table_lock);
    m->next = remembered_table[b];
    remembered_table[b] = m;
    m->older = newest;
    if (newest)
        newest->newer = m;
    else
        oldest = m;
    newest = m;
    nremembered++;
    /* at most one out per one in: the oldest when too many or too old */
    if (oldest != m && (nremembered > REMEMBER_MAX || oldest->until_ms < now)) {
        gone = oldest;
        forget_locked(gone);
    }
    pthread_mutex_unlock(&table_lock);
    remembered_free(gone);
}

static void
unlink_queued(struct queued_check *q)
{
    pthread_mutex_lock(&table_lock);
    for (struct queued_check **p = &table[bucket(q->row.id)]; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
}

static int
write_queued(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct queued_check *q = arg;
    pthread_mutex_lock(&table_lock);
    bool claimed = q->claimed;
    q->started = true;
    pthread_mutex_unlock(&table_lock);
    if (claimed)
        return 0; /* its record's job writes the row */
    return ubur_border_check_insert(ctx->store, &q->row, err);
}

static void
log_unstored(const struct queued_check *q, int rc, const struct ubur_error *err)
{
    fprintf(stderr, "ubur: border check %s was answered but not stored: %s\n", q->row.id,
            err && err->message[0] ? err->message : ubur_strerror(rc));
}

static void
queued_done(void *arg, int rc, const struct ubur_error *err)
{
    struct queued_check *q = arg;
    pthread_mutex_lock(&table_lock);
    bool claimed = q->claimed, released = q->released;
    q->hook_done = true;
    pthread_mutex_unlock(&table_lock);
    if (claimed && !released)
        return; /* the claim's release unlinks and frees it */
    /* remembered before it leaves the queue's table: never in neither (for a confirmation) */
    if (!claimed && !rc)
        ubur_border_check_remember(&q->row);
    if (!claimed)
        unlink_queued(q);
    if (rc && !claimed)
        log_unstored(q, rc, err);
    queued_free(q);
}

struct queued_check *
ubur_border_check_claim(const char *id)
{
    if (!id)
        return NULL;
    pthread_mutex_lock(&table_lock);
    struct queued_check *q = find_locked(id);
    if (q && (q->started || q->claimed))
        q = NULL;
    if (q)
        q->claimed = true;
    pthread_mutex_unlock(&table_lock);
    return q;
}

const struct check_row *
ubur_border_claimed_row(const struct queued_check *q)
{
    return &q->row;
}

static int
write_claimed_pending(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct queued_check *q = arg;
    return ubur_border_check_insert(ctx->store, &q->row, err);
}

void
ubur_border_check_release(struct ubur_ctx *ctx, struct queued_check *q, bool written)
{
    if (!written) {
        /* The record failed and took the row with it: written as its own insert would have. */
        struct ubur_error err = UBUR_ERROR_INIT;
        int rc = ubur_write_lazy(ctx, write_claimed_pending, q, &err);
        if (rc)
            log_unstored(q, rc, &err);
    }
    unlink_queued(q);
    pthread_mutex_lock(&table_lock);
    bool hook_done = q->hook_done;
    q->released = true;
    pthread_mutex_unlock(&table_lock);
    if (hook_done)
        queued_free(q);
}

int
ubur_border_check_queue(struct ubur_ctx *ctx, const struct check_row *row, struct ubur_error *err)
{
    struct queued_check *q = ubur_calloc(1, sizeof(*q));
    struct ubur_arena *a = &q->ctx.arena;
    q->ctx.user_id = copy(a, ctx->user_id);
    q->ctx.username = copy(a, ctx->username);
    q->ctx.role = ctx->role;
    memcpy(q->ctx.request_id, ctx->request_id, sizeof(q->ctx.request_id));
    q->ctx.purpose = copy(a, ctx->purpose);
    q->ctx.state = copy(a, ctx->state);
    q->row = *row;
    struct check_row *r = &q->row;
    r->id = copy(a, row->id);
    r->crossing_id = copy(a, row->crossing_id);
    r->state = copy(a, row->state);
    r->direction = copy(a, row->direction);
    r->at = copy(a, row->at);
    r->traveller_id = copy(a, row->traveller_id);
    r->group_id = copy(a, row->group_id);
    r->document_number = copy(a, row->document_number);
    r->nationality = copy(a, row->nationality);
    r->basis = copy(a, row->basis);
    r->visa_id = copy(a, row->visa_id);
    r->visa_number = copy(a, row->visa_number);
    r->purpose = copy(a, row->purpose);
    r->authorised_until = copy(a, row->authorised_until);
    r->stay_id = copy(a, row->stay_id);
    r->decision = copy(a, row->decision);
    r->reasons = copy(a, row->reasons);
    r->result = copy(a, row->result);
    r->officer_id = copy(a, row->officer_id);
    r->officer = copy(a, row->officer);
    r->created_at = copy(a, row->created_at);

    /* In the table before the writer can have it: never neither here nor in the store. */
    unsigned b = bucket(r->id);
    pthread_mutex_lock(&table_lock);
    q->next = table[b];
    table[b] = q;
    pthread_mutex_unlock(&table_lock);
    int rc = ubur_write_detached(ctx->writer, &q->ctx, write_queued, q, queued_done, err);
    if (rc) {
        unlink_queued(q);
        queued_free(q);
    }
    return rc;
}

bool
ubur_border_check_queued(const char *id, struct stored_check *c, char **result)
{
    if (!id)
        return false;
    pthread_mutex_lock(&table_lock);
    struct queued_check *q = find_locked(id);
    if (q) {
        stored_from_row(c, &q->row); /* a queued row is pending: it has no record_id */
        c->queued = true;
        if (result)
            *result = ubur_strdup(q->row.result ? q->row.result : "{}");
    }
    pthread_mutex_unlock(&table_lock);
    return q != NULL;
}

bool
ubur_border_check_take(const char *id, struct stored_check *c)
{
    if (!id)
        return false;
    if (ubur_border_check_queued(id, c, NULL))
        return true;
    struct remembered *m;
    pthread_mutex_lock(&table_lock);
    for (m = remembered_table[bucket(id)]; m && strcmp(m->c.id, id) != 0; m = m->next)
        ;
    if (m)
        forget_locked(m);
    pthread_mutex_unlock(&table_lock);
    if (!m)
        return false;
    bool fresh = monotonic_ms() <= m->until_ms;
    if (fresh) {
        *c = m->c; /* reasons handed over */
        c->remembered = true;
        m->c.reasons = NULL;
    }
    remembered_free(m);
    return fresh;
}
