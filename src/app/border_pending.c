/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks this process answered, kept in memory for their confirmation (border_impl.h has the
 * contract). A confirmation usually comes moments after its check, from the same server: found
 * here, it needs no read of the check. One table, one lock; an entry goes through
 *
 *   queued      A known traveller's check answers before its row is written: the request
 *               queues the insert without waiting (ubur_write_held), and the entry stands in
 *               for the row until its batch has committed or failed. The record a confirmation
 *               queues is applied after it (the writer runs jobs in queue order).
 *   claimed     A confirmation (or override request) that finds the insert not yet begun claims
 *               the row: the insert writes nothing and the claimant's job inserts the row itself
 *               (recorded: once, not an insert and then an update). The entry stays until the
 *               claimant's write has returned (ubur_border_check_release).
 *   remembered  Once committed, a single check (a queued one, or one whose write was waited for:
 *               a new traveller's, an alerting one's) is kept REMEMBER_MS, REMEMBER_MAX at most,
 *               oldest out first, until a confirmation takes it (once: a second reads the store).
 *
 * Invariants. An entry is in the table from before its job is queued until its batch has
 * committed or failed, so a queued check is always here or committed in the store (a reader that
 * misses it here and then opens a snapshot sees the row). Entries are copied out under the lock,
 * never referenced outside it, except a claimed row by its claimant.
 *
 * Held rows (SQLite). Most checks are confirmed moments later, so on SQLite the insert is held
 * CHECK_HOLD_MS before it joins the writer's queue: a claim in that time withdraws it. A check
 * never confirmed is written when its hold ends, and every held one when the writer closes. A held
 * insert is out of queue order, which is safe because nothing but the check's own confirmation or
 * override request (both of which claim it first) refers to a queued check: groups, alerting
 * checks and new travellers are never queued. Never on PostgreSQL: several servers may share one
 * database, and a confirmation served by another must find the row in the store.
 *
 * Remembered copies say what the row says as long as nothing but a confirmation changes it: a
 * check another process confirmed meanwhile makes the record's write fail (its row is no longer
 * pending), and the confirmation then runs again from the store (border_record.c). Override
 * requests change what a confirmation may do and are made only for refusals: those are never
 * remembered. Nothing is remembered older than the shortest time a check stays confirmable
 * (CHECK_MIN_TTL_S), so the confirmation of a remembered check skips that test.
 *
 * Caveats: other processes see a queued check once its row has committed (on SQLite up to
 * CHECK_HOLD_MS later). If the row's write fails (a full disk), the answer was given already:
 * the check is then unknown to its confirmation (404, "check the traveller again"), and one
 * queued behind it fails with it. A crash loses queued checks, never an acknowledged record.
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

/* How long a check's row is held on SQLite for its confirmation to write it: an officer who
 * confirms at once is served; one who reads the answer first usually is not. */
#define CHECK_HOLD_MS 2000
/* How long a committed check is remembered, at most, and how many. */
#define REMEMBER_MS 30000
#define REMEMBER_MAX 4096
/* The shortest time to live of a check (border.check_ttl_seconds, border_check.c). */
#define CHECK_MIN_TTL_S 60
/* A power of two: queued entries (CHECK_HOLD_MS of checks) and remembered ones. */
#define BUCKETS 8192

enum stage {
    QUEUED,     /* its insert is held or queued: claimable */
    WRITING,    /* the writer has begun its insert */
    CLAIMED,    /* its claimant's job writes the row */
    REMEMBERED, /* committed, until until_ms */
};

struct answered_check {
    struct check_row row; /* its strings in text, one allocation */
    char *text;
    struct answered_check *next; /* in its bucket */
    enum stage stage;
    /* queued and claimed */
    struct ubur_ctx ctx; /* the insert's: the writer lends it its store */
    struct ubur_writer *writer;
    struct ubur_write_job *job; /* a held insert, withdrawn by a claim; else NULL */
    int owners; /* claimed: the claim, and the job until its hook has run; freed by the last */
    /* remembered */
    int64_t until_ms;                     /* CLOCK_MONOTONIC */
    struct answered_check *older, *newer; /* the order they leave in */
};

/* All under table_lock. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct answered_check *table[BUCKETS];
static struct answered_check *oldest, *newest; /* remembered only */
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

/* A new entry holding a copy of row (record_id is never copied: only pending rows are kept). */
static struct answered_check *
entry_new(const struct check_row *row)
{
    struct answered_check *e = ubur_calloc(1, sizeof(*e));
    struct check_row *r = &e->row;
    *r = *row;
    r->record_id = NULL;
    const char **s[] = {
        &r->id,           &r->crossing_id, &r->state,           &r->direction,        &r->at,
        &r->traveller_id, &r->group_id,    &r->document_number, &r->nationality,      &r->basis,
        &r->visa_id,      &r->visa_number, &r->purpose,         &r->authorised_until, &r->stay_id,
        &r->decision,     &r->reasons,     &r->result,          &r->officer_id,       &r->officer,
        &r->created_at};
    size_t total = 1, n = sizeof(s) / sizeof(s[0]);
    for (size_t i = 0; i < n; i++)
        total += *s[i] ? strlen(*s[i]) + 1 : 0;
    char *at = e->text = ubur_malloc(total);
    for (size_t i = 0; i < n; i++) {
        if (*s[i]) {
            size_t len = strlen(*s[i]) + 1;
            *s[i] = memcpy(at, *s[i], len);
            at += len;
        }
    }
    return e;
}

static void
entry_free(struct answered_check *e)
{
    if (e) {
        free(e->text);
        free(e);
    }
}

/* The entry of check `id`, or NULL. */
static struct answered_check *
find_locked(const char *id)
{
    struct answered_check *e = table[bucket(id)];
    while (e && strcmp(e->row.id, id) != 0)
        e = e->next;
    return e;
}

/* Out of the table, and of the order when remembered. */
static void
unlink_locked(struct answered_check *e)
{
    for (struct answered_check **p = &table[bucket(e->row.id)]; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    if (e->stage != REMEMBERED)
        return;
    if (e->older)
        e->older->newer = e->newer;
    else
        oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        newest = e->older;
    nremembered--;
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
    put(c->status, sizeof(c->status), "pending");
    put(c->created_at, sizeof(c->created_at), r->created_at);
}

static int64_t
monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * How long a committed row may be remembered (ms), 0 when not at all: only a single pending check
 * that no override request can concern, never older than CHECK_MIN_TTL_S when taken (created_at
 * has whole seconds, hence the second off).
 */
static int64_t
keep_ms(const struct check_row *row)
{
    int64_t created;
    if (!row->id || row->group_id || row->record_id || !row->decision ||
        !strcmp(row->decision, "refuse") || !row->created_at ||
        ubur_time_parse(row->created_at, &created, NULL))
        return 0;
    int64_t left = (CHECK_MIN_TTL_S - 1 - (ubur_now() - created)) * 1000;
    return left < 0 ? 0 : left < REMEMBER_MS ? left : REMEMBER_MS;
}

/* Remembers e, in the table already, for keep ms; returns the entry that leaves for it, or NULL
 * (at most one out per one in: the oldest, when too many or too old). */
static struct answered_check *
remember_locked(struct answered_check *e, int64_t keep)
{
    int64_t now = monotonic_ms();
    e->stage = REMEMBERED;
    e->until_ms = now + keep;
    e->newer = NULL;
    e->older = newest;
    if (newest)
        newest->newer = e;
    else
        oldest = e;
    newest = e;
    nremembered++;
    struct answered_check *gone = oldest;
    if (gone == e || (nremembered <= REMEMBER_MAX && gone->until_ms >= now))
        return NULL;
    unlink_locked(gone);
    return gone;
}

void
ubur_border_check_remember(const struct check_row *row)
{
    int64_t keep = keep_ms(row);
    if (keep <= 0)
        return;
    struct answered_check *e = entry_new(row), *gone;
    unsigned b = bucket(e->row.id);
    pthread_mutex_lock(&table_lock);
    e->next = table[b];
    table[b] = e;
    gone = remember_locked(e, keep);
    pthread_mutex_unlock(&table_lock);
    entry_free(gone);
}

static void
log_unstored(const struct check_row *row, int rc, const struct ubur_error *err)
{
    fprintf(stderr, "ubur: border check %s was answered but not stored: %s\n", row->id,
            err && err->message[0] ? err->message : ubur_strerror(rc));
}

/* The queued insert, in the writer's transaction. */
static int
insert_queued(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct answered_check *e = arg;
    pthread_mutex_lock(&table_lock);
    bool claimed = e->stage == CLAIMED;
    if (!claimed)
        e->stage = WRITING;
    pthread_mutex_unlock(&table_lock);
    return claimed ? 0 : ubur_border_check_insert(ctx->store, &e->row, err);
}

/* The queued insert's batch has committed (rc 0) or failed: remembered, or out. */
static void
insert_done(void *arg, int rc, const struct ubur_error *err)
{
    struct answered_check *e = arg, *gone = NULL;
    int64_t keep = rc ? 0 : keep_ms(&e->row);
    pthread_mutex_lock(&table_lock);
    bool claimed = e->stage == CLAIMED;
    if (claimed) {
        if (--e->owners == 0) /* released already */
            gone = e;
    } else if (keep > 0) {
        gone = remember_locked(e, keep);
    } else {
        unlink_locked(e);
        gone = e;
    }
    pthread_mutex_unlock(&table_lock);
    if (rc && !claimed)
        log_unstored(&e->row, rc, err);
    entry_free(gone);
}

/*
 * How long a check's insert is held (SQLite only): CHECK_HOLD_MS, or UBUR_BORDER_CHECK_HOLD_MS
 * (0: not held, as on PostgreSQL; at most 60000).
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
    struct answered_check *e = entry_new(row);
    e->writer = ctx->writer;
    unsigned b = bucket(e->row.id);
    /* In the table before the writer can have it; the lock held across the queueing so that a
     * claim never sees the entry without its job. */
    pthread_mutex_lock(&table_lock);
    e->next = table[b];
    table[b] = e;
    int rc = ubur_write_held(ctx->writer, &e->ctx, insert_queued, e, insert_done, hold_ms(ctx),
                             &e->job, err);
    if (rc)
        unlink_locked(e);
    pthread_mutex_unlock(&table_lock);
    if (rc)
        entry_free(e);
    return rc;
}

char *
ubur_border_check_queued(const char *id, char state[4])
{
    char *result = NULL;
    if (!id)
        return NULL;
    pthread_mutex_lock(&table_lock);
    struct answered_check *e = find_locked(id);
    if (e && e->stage != REMEMBERED) {
        result = ubur_strdup(e->row.result ? e->row.result : "{}");
        put(state, 4, e->row.state);
    }
    pthread_mutex_unlock(&table_lock);
    return result;
}

bool
ubur_border_check_take(const char *id, struct stored_check *c)
{
    if (!id)
        return false;
    pthread_mutex_lock(&table_lock);
    struct answered_check *e = find_locked(id);
    bool remembered = e && e->stage == REMEMBERED;
    if (remembered) {
        unlink_locked(e);
    } else if (e) {
        stored_from_row(c, &e->row);
        c->queued = true;
    }
    pthread_mutex_unlock(&table_lock);
    if (!remembered)
        return e != NULL;
    bool fresh = monotonic_ms() <= e->until_ms;
    if (fresh) {
        stored_from_row(c, &e->row);
        c->remembered = true;
    }
    entry_free(e);
    return fresh;
}

const struct check_row *
ubur_border_check_claim(const char *id)
{
    pthread_mutex_lock(&table_lock);
    struct answered_check *e = find_locked(id);
    if (e && e->stage == QUEUED) {
        e->stage = CLAIMED;
        /* Withdrawn while held, the insert never runs and its hook never comes; else it runs
         * later, finds the claim (it reads the stage under this lock) and writes nothing. Its
         * hook has not run (it takes a QUEUED entry out of the table or of QUEUED under this
         * lock), so e->job is alive. */
        e->owners = ubur_write_withdraw(e->writer, e->job) ? 1 : 2;
        e->job = NULL;
    } else {
        e = NULL;
    }
    pthread_mutex_unlock(&table_lock);
    return e ? &e->row : NULL;
}

static int
insert_claimed(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    return ubur_border_check_insert(ctx->store, arg, err);
}

void
ubur_border_check_release(struct ubur_ctx *ctx, const struct check_row *claimed, bool written)
{
    struct answered_check *e =
        (struct answered_check *)((char *)claimed - offsetof(struct answered_check, row));
    if (!written) {
        /* The claimant's job failed and took the row with it: written as its own insert would
         * have been, so the check stays confirmable. */
        struct ubur_error err = UBUR_ERROR_INIT;
        int rc = ubur_write_lazy(ctx, insert_claimed, (void *)claimed, &err);
        if (rc)
            log_unstored(claimed, rc, &err);
    }
    pthread_mutex_lock(&table_lock);
    unlink_locked(e);
    bool last = --e->owners == 0;
    pthread_mutex_unlock(&table_lock);
    if (last)
        entry_free(e);
}
