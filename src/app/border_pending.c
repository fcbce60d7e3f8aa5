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
 * Held rows (SQLite). Most checks are confirmed moments later, and the
 * record's job then writes the row (a claim, border_impl.h): once, already
 * recorded, instead of an insert and then an update in two jobs. So on
 * SQLite the insert is held CHECK_HOLD_MS before it joins the writer's
 * queue (ubur_write_held); a confirmation in that time withdraws it, an
 * override request too (its job inserts the row pending before the
 * request). A check never confirmed is written when its hold ends, and
 * every held check when the writer closes (a clean shutdown). A held
 * insert is out of queue order, which is safe because nothing but the
 * check's own confirmation or override request (both of which claim it
 * first) refers to a check that was queued here: groups, alerting checks
 * and new travellers are never queued. Not on PostgreSQL: several servers
 * may share one database behind a balancer, and a confirmation served by
 * another server must find the row in the store, so there the insert is
 * queued at once, as before (a few milliseconds' window).
 *
 * Caveats: other processes (the CLI, a second server) see the check only
 * once its row is committed: a few milliseconds later, or on SQLite up to
 * CHECK_HOLD_MS when it is not confirmed meanwhile. If the row's write
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
 * made only for refused checks: those are never remembered. A check is
 * remembered only while it is younger than the shortest time a check stays
 * confirmable (60 s), so a remembered check is never too old to confirm.
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

#define BUCKETS 4096 /* a power of two; entries live up to CHECK_HOLD_MS */
/*
 * How long a check's row is held on SQLite for its confirmation to write it (file comment): an
 * officer who confirms at once is served; one who reads the answer first usually is not.
 */
#define CHECK_HOLD_MS 2000

struct queued_check {
    struct ubur_ctx ctx; /* the write's own: who checked */
    struct check_row row;
    struct queued_check *next; /* in its bucket */
    struct ubur_writer *writer;
    struct ubur_write_job *job; /* a held insert (SQLite), withdrawn by a claim; else NULL */
    char *text;                 /* the copies of the row's and ctx's strings, one allocation */
    /* Under table_lock: the writer has begun the row's insert; a confirmation claimed the row
     * (its record's job inserts it, border_impl.h); the detached job's hook has run; the
     * claim was released. A claimed entry is unlinked by its release and freed by whichever
     * of the hook and the release comes second. */
    bool started, claimed, hook_done, released;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct queued_check *table[BUCKETS];

/* How long a committed check is remembered, at most, and how many (file comment). */
#define REMEMBER_MS 30000
#define REMEMBER_MAX 4096
/* The shortest time to live of a check (border.check_ttl_seconds, border_check.c). */
#define CHECK_MIN_TTL_S 60

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

/* Copies s into *at (advanced past it); NULL stays NULL. */
static const char *
copy(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = memcpy(*at, s, n);
    *at += n;
    return d;
}

static void
queued_free(struct queued_check *q)
{
    ubur_arena_release(&q->ctx.arena);
    free(q->text);
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
    /* Never older than CHECK_MIN_TTL_S when taken (its confirmation skips the time-to-live
     * check): kept less when its row was held or waited long (created_at has whole seconds). */
    int64_t created, keep = REMEMBER_MS;
    if (!row->created_at || ubur_time_parse(row->created_at, &created, NULL))
        return;
    int64_t left = (CHECK_MIN_TTL_S - 1 - (ubur_now() - created)) * 1000;
    if (left < keep)
        keep = left;
    if (keep <= 0)
        return;
    struct remembered *m = ubur_calloc(1, sizeof(*m));
    stored_from_row(&m->c, row);
    int64_t now = monotonic_ms();
    m->until_ms = now + keep;
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
    if (q) {
        q->claimed = true;
        /* Still held: withdrawn, it never runs and its hook never comes. Else it is queued and
         * not begun (started is set under this lock): it will find the claim and write nothing.
         * The hook has not run either way (it sets hook_done under this lock, and frees the
         * writer's job only after), so q->job is alive here. */
        if (!q->hook_done && ubur_write_withdraw(q->writer, q->job))
            q->hook_done = true;
        q->job = NULL;
    }
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

/*
 * How long a check's insert is held for its confirmation to write the row (SQLite only, file
 * comment); UBUR_BORDER_CHECK_HOLD_MS overrides it (0: not held, as on PostgreSQL; at most
 * 60000).
 */
static int
hold_ms(struct ubur_ctx *ctx)
{
    static int ms = -1; /* read once; a race only reads the environment twice */
    if (ms < 0) {
        const char *v = getenv("UBUR_BORDER_CHECK_HOLD_MS");
        char *end;
        long n = v ? strtol(v, &end, 10) : CHECK_HOLD_MS;
        ms = v && (*end || n < 0 || n > 60000) ? CHECK_HOLD_MS : (int)n;
    }
    return ubur_store_kind(ctx->store) == UBUR_STORE_SQLITE ? ms : 0;
}

int
ubur_border_check_queue(struct ubur_ctx *ctx, const struct check_row *row, struct ubur_error *err)
{
    const char *const strings[] = {ctx->user_id,      ctx->username,   ctx->purpose,
                                   ctx->state,        row->id,         row->crossing_id,
                                   row->state,        row->direction,  row->at,
                                   row->traveller_id, row->group_id,   row->document_number,
                                   row->nationality,  row->basis,      row->visa_id,
                                   row->visa_number,  row->purpose,    row->authorised_until,
                                   row->stay_id,      row->decision,   row->reasons,
                                   row->result,       row->officer_id, row->officer,
                                   row->created_at};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        total += strings[i] ? strlen(strings[i]) + 1 : 0;
    struct queued_check *q = ubur_calloc(1, sizeof(*q));
    char *at = q->text = ubur_malloc(total ? total : 1);
    q->ctx.user_id = copy(&at, ctx->user_id);
    q->ctx.username = copy(&at, ctx->username);
    q->ctx.role = ctx->role;
    memcpy(q->ctx.request_id, ctx->request_id, sizeof(q->ctx.request_id));
    q->ctx.purpose = copy(&at, ctx->purpose);
    q->ctx.state = copy(&at, ctx->state);
    q->row = *row;
    struct check_row *r = &q->row;
    r->id = copy(&at, row->id);
    r->crossing_id = copy(&at, row->crossing_id);
    r->state = copy(&at, row->state);
    r->direction = copy(&at, row->direction);
    r->at = copy(&at, row->at);
    r->traveller_id = copy(&at, row->traveller_id);
    r->group_id = copy(&at, row->group_id);
    r->document_number = copy(&at, row->document_number);
    r->nationality = copy(&at, row->nationality);
    r->basis = copy(&at, row->basis);
    r->visa_id = copy(&at, row->visa_id);
    r->visa_number = copy(&at, row->visa_number);
    r->purpose = copy(&at, row->purpose);
    r->authorised_until = copy(&at, row->authorised_until);
    r->stay_id = copy(&at, row->stay_id);
    r->decision = copy(&at, row->decision);
    r->reasons = copy(&at, row->reasons);
    r->result = copy(&at, row->result);
    r->officer_id = copy(&at, row->officer_id);
    r->officer = copy(&at, row->officer);
    r->created_at = copy(&at, row->created_at);
    q->writer = ctx->writer;

    /* In the table before the writer can have it: never neither here nor in the store. The
     * lock is held across the queueing so that a claim never sees the entry without its job. */
    unsigned b = bucket(r->id);
    pthread_mutex_lock(&table_lock);
    q->next = table[b];
    table[b] = q;
    int rc = ubur_write_held(ctx->writer, &q->ctx, write_queued, q, queued_done, hold_ms(ctx),
                             &q->job, err);
    pthread_mutex_unlock(&table_lock);
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
