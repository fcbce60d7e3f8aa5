/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Offline border posts (issue 11; docs/internals/sync.md). A post runs its
 * own ubur on SQLite and keeps working with no link; when the link is up it
 * syncs with the central server in rounds: push, then pull.
 *
 * Up (post -> central): domain events, not rows. When a post's service
 * audits an action sync cares about ("registry.group.register",
 * "border.entry", ...), ubur_audit calls ubur_sync_observe inside the same
 * transaction, which writes the event (what central needs to apply it, the
 * record's fingerprint before and after) to the outbox with the next
 * sequence number. So the outbox holds every change exactly once, in the
 * post's commit order, or nothing when the change rolled back. Central
 * applies a post's events strictly in sequence, each through the owning
 * module's own service (so derived summaries, history and audit stay right),
 * all of one push in one transaction together with the post's applied
 * sequence: an event is applied exactly once however often it is sent.
 * An event central cannot apply as it came becomes a conflict for a
 * supervisor, never a silent overwrite: the record exists with other
 * content, central changed it since the post's base, or the module refused.
 *
 * Down (central -> post): watchlist entries (by change_seq), visas,
 * partner revocations, crossing points with their schedules, registry
 * locations, each read by cursor and applied idempotently by id; nothing a
 * post applies is sent back up.
 *
 * Posts authenticate with an account of role sync_post whose username is the
 * post's id (`ubur sync post add ID` on central); supervisors and admins may
 * push and pull for any registered post.
 */
#ifndef UBUR_SYNC_H
#define UBUR_SYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/alloc.h"
#include "ubur/app.h"

#define UBUR_SYNC_POST_ID_MAX 32
#define UBUR_SYNC_PUSH_MAX_EVENTS 1000      /* events in one push request */
#define UBUR_SYNC_PUSH_MAX_BYTES (8u << 20) /* a post's batch stays under this */
#define UBUR_SYNC_PULL_MAX 2000             /* changes in one pull page */

/* ---- pure logic (src/core/sync_logic.c) ---- */

/* True for a post id: 2 to 32 of a-z, 0-9 and '-', starting with a letter. */
bool ubur_sync_post_id_valid(const char *s);

/*
 * Seconds to wait before the next attempt after `failures` failures in a
 * row (0: none, try now): base * 2^(failures-1), at most max, then spread
 * by up to -20%..+20% with `jitter` (any 32-bit random value; 0x80000000 is
 * no spread) so posts that lost the link together do not return together.
 * Never below 1 second once failures > 0.
 */
int64_t ubur_sync_backoff(int failures, int64_t base, int64_t max, uint32_t jitter);

/*
 * Compound cursors "name=value;name=value" (values hold no ';'). get copies
 * the value of name into out (at most n - 1 bytes) and returns true, or
 * returns false (out = "") when absent. set writes into out the cursor with
 * name's value replaced (or added), names kept in sorted order;
 * UBUR_EINVAL when name or value holds '=' or ';'.
 */
bool ubur_sync_cursor_get(const char *cursor, const char *name, char *out, size_t n);
int ubur_sync_cursor_set(const char *cursor, const char *name, const char *value,
                         struct ubur_buf *out, struct ubur_error *err);
/*
 * A keyset position "SEQ:ID" (SEQ a non-negative integer, ID may be empty):
 * NULL or "" is the beginning (0, ""). UBUR_EINVAL for anything else.
 */
int ubur_sync_keyset_parse(const char *s, int64_t *seq, char id[UBUR_UUID_LEN + 1],
                           struct ubur_error *err);

/* SHA-256 hex of the canonical JSON (sorted keys, compact) of a record snapshot. */
void ubur_sync_fingerprint(json_t *snapshot, char out[65]);

/* ---- configuration and capture (src/app/sync.c) ---- */

struct ubur_sync_config {
    const char *central_url; /* "https://central.example:8443" */
    const char *token_file;  /* "POST_ID PASSWORD" (from `ubur sync post add`), or a bearer token */
    const char *post_id;     /* NULL: the username in token_file */
    const char *cacert;      /* PEM bundle to trust for central, may be NULL */
};
/*
 * Makes this instance a post of `central_url`: checks the token file is
 * readable (and not readable by others) and stores the settings. The post's
 * registry numbers get the post id in their scope so they never collide
 * with central's or another post's. Audited.
 */
int ubur_sync_configure(struct ubur_ctx *ctx, const struct ubur_sync_config *cfg,
                        struct ubur_error *err);
/* True when this instance is configured as a post (setting sync.role). */
bool ubur_sync_is_post(struct ubur_ctx *ctx);

/*
 * Called by ubur_audit after every audit entry, inside its transaction. On a
 * post it writes an outbox event for the actions sync carries up; on any
 * other instance it logs changes to what posts pull. Cheap for every other
 * action (a table lookup, no SQL). Does nothing while changes pulled from
 * central are being applied.
 */
int ubur_sync_observe(struct ubur_ctx *ctx, const char *action, const char *object_type,
                      const char *object_id, const char *detail_json, struct ubur_error *err);
/*
 * The visa a border record just written on this thread was made on (NULL or "": none), told
 * before the record's audit entry so the observer need not read the record and its stay back
 * to name the visa in central's change log. Only the entry for `record_id` uses it.
 */
void ubur_sync_note_record_visa(const char *record_id, const char *visa_id);
/*
 * Logs that record `id` of down type `type` changed on central, inside the
 * caller's transaction, for changes no audit entry names (a partner's
 * revocation applied by the exchange).
 */
int ubur_sync_changed(struct ubur_ctx *ctx, const char *type, const char *id,
                      struct ubur_error *err);

/* ---- post side ---- */

/*
 * The push request body for the unacknowledged events: {"post", "events":
 * [...]} in sequence order, at most max_events and about max_bytes. *count
 * is the number of events (0: nothing to push; *body is then NULL).
 */
int ubur_sync_outbox_batch(struct ubur_ctx *ctx, int max_events, size_t max_bytes, json_t **body,
                           int *count, struct ubur_error *err);
/*
 * Records central's answer to a push: every event up to its
 * "applied_through" is acknowledged with its result. *acked counts them.
 */
int ubur_sync_outbox_ack(struct ubur_ctx *ctx, json_t *answer, int *acked, struct ubur_error *err);
/*
 * Applies one page of changes pulled from central (GET /api/v1/sync/changes)
 * and its cursor in one transaction; *applied counts records that changed
 * here. Brings the process's screening index up to date afterwards.
 */
int ubur_sync_apply_changes(struct ubur_ctx *ctx, json_t *page, int *applied,
                            struct ubur_error *err);
/*
 * Notes the outcome of a push or pull attempt (direction "push"/"pull"):
 * success resets the failure count; failure counts it and schedules the
 * next attempt with ubur_sync_backoff. error may be NULL.
 */
int ubur_sync_note_attempt(struct ubur_ctx *ctx, const char *direction, bool ok, const char *error,
                           struct ubur_error *err);
/* The pull cursor to send (arena string, "" for the beginning). */
const char *ubur_sync_pull_cursor(struct ubur_ctx *ctx);

/* ---- central side ---- */

/*
 * Registers a post and creates its account (role sync_post, username = id)
 * with a generated password written to password[UBUR_PASSWORD_MAX + 1].
 * UBUR_ECONFLICT when the post exists. Audited.
 */
int ubur_sync_post_add(struct ubur_ctx *ctx, const char *id, const char *name, char *password,
                       struct ubur_error *err);
/*
 * Applies a post's push: events in sequence order, each exactly once
 * (already applied ones are answered 'duplicate'), stopping at a gap; all
 * in one transaction with the post's applied sequence. A sync_post caller
 * may push only as itself. *answer: {"post", "applied_through",
 * "expected", "results": [{"seq", "result", "conflict_id"?}]}.
 */
int ubur_sync_push(struct ubur_ctx *ctx, const char *post_id, json_t *events, json_t **answer,
                   struct ubur_error *err);
/*
 * The changes after `cursor` (NULL: everything) for a post: at most limit
 * records, {"changes": [{"type", "id", "record"}], "cursor", "more",
 * "as_of"}. Notes the post's last pull.
 */
int ubur_sync_changes(struct ubur_ctx *ctx, const char *post_id, const char *cursor, int limit,
                      json_t **page, struct ubur_error *err);
/* Conflicts (status NULL: all), newest first, at most limit; caller decrefs. */
int ubur_sync_conflicts(struct ubur_ctx *ctx, const char *status, int64_t limit, json_t **out,
                        struct ubur_error *err);
/*
 * A supervisor's decision on an open conflict: "apply" applies the post's
 * event through the owning module on top of central's record, "discard"
 * keeps central's record. A note is required. Audited; commits.
 */
int ubur_sync_conflict_resolve(struct ubur_ctx *ctx, const char *id, const char *action,
                               const char *note, struct ubur_error *err);

/*
 * Status for the CLI and the UI. A post: its id, central, per direction
 * last success/attempt, failures, next attempt, error, data_as_of and
 * data_age_seconds, outbox depth and oldest pending event. Central: posts
 * with their applied sequence and last push/pull, open conflicts.
 */
int ubur_sync_status(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err);

/* ---- rounds over HTTP (src/app/sync_round.c, libcurl) ---- */

struct ubur_sync_round_result {
    int pushed;    /* events acknowledged by central */
    int pulled;    /* records applied from central */
    int conflicts; /* of the pushed events, answered 'conflict' */
    bool push_ok, pull_ok;
};
/*
 * One round for a configured post: push every pending event (batches until
 * the outbox is empty), then pull every page of changes. Each direction's
 * outcome is noted (ubur_sync_note_attempt). Returns 0 when both succeeded,
 * else the first failure's code with err saying what failed.
 */
int ubur_sync_round(struct ubur_ctx *ctx, struct ubur_sync_round_result *out,
                    struct ubur_error *err);
/*
 * Runs rounds in a background thread every `interval` seconds (respecting
 * the backoff after failures) on its own connection to db_uri; does nothing
 * when the instance is not a post. stop wakes and joins it.
 */
int ubur_sync_thread_start(const char *db_uri, const char *state, int interval,
                           struct ubur_error *err);
void ubur_sync_thread_stop(void);

#endif
