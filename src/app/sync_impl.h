/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the sync service files: sync.c (configuration, the
 * audit observer, the outbox, central's push and pull, conflicts, status),
 * sync_types.c (the record types) and sync_round.c (rounds over HTTP).
 *
 * An up type turns an audited action on a post into an event and applies
 * that event on central through the owning module; a down type reads a
 * central record's current state and applies it on a post. Both are rows in
 * tables (sync_up_types, sync_down_types) so the framework never names a
 * module.
 */
#ifndef UBUR_SYNC_IMPL_H
#define UBUR_SYNC_IMPL_H

#include "ubur/sync.h"

/* What a post's capture produces for one audited action. */
struct sync_capture {
    const char *op;        /* NULL: nothing to send (only shadows refreshed) */
    const char *record_id; /* the record the event is about (arena) */
    json_t *payload;       /* what central needs to apply it (owned by the capture) */
    json_t *after;         /* the record's snapshot after the change (owned), or NULL */
    const char *touches;   /* " visa:<id> ..." other records changed, or NULL */
};

/* An event as central receives it (strings point into `raw`). */
struct sync_event {
    int64_t seq;
    const char *id, *type, *op, *record_id, *base_hash, *after_hash, *actor, *role, *created_at;
    json_t *payload;
    json_t *raw;
    const char *post_id;
};

struct sync_up_type {
    const char *name;           /* "registration", "individual", "movement" */
    const char *const *ops;     /* the ops central accepts; ops[0] is the creating one */
    const char *const *actions; /* audit actions captured into events (object id = record) */
    const char *const *derived; /* actions whose effect central re-derives: shadows only */
    /* Post, inside the writing transaction: fills cap for `action` on `object_id`. */
    int (*capture)(struct ubur_ctx *ctx, const char *action, const char *object_id,
                   const char *detail, struct sync_capture *cap, struct ubur_error *err);
    /* Both sides: the record's snapshot for fingerprints; *out NULL when there is none. */
    int (*snapshot)(struct ubur_ctx *ctx, const char *record_id, json_t **out,
                    struct ubur_error *err);
    /* Central, inside the caller's transaction: applies the event through the owning module. */
    int (*apply)(struct ubur_ctx *ctx, const struct sync_event *ev, struct ubur_error *err);
    /* Actions that made many records at once with one audit entry (a bulk import), and the
     * records not captured yet (a JSON array of ids), each then captured as actions[0]. */
    const char *const *bulk;
    int (*uncaptured)(struct ubur_ctx *ctx, json_t **ids, struct ubur_error *err);
};

struct sync_down_type {
    const char *name;           /* "watchlist", "visa", "revocation", "location", ... */
    const char *const *actions; /* audit actions (object id = record id) that log a change */
    const char *object_type;    /* any audited action on this object type logs one, or NULL */
    const char *const *via;     /* actions on another object that change records of this type */
    /* For `via` actions: the changed record's id (arena), or NULL when none changed. */
    int (*via_id)(struct ubur_ctx *ctx, const char *action, const char *object_id, const char **id,
                  struct ubur_error *err);
    /* Central: the record's current state; *out NULL when it is gone. */
    int (*snapshot)(struct ubur_ctx *ctx, const char *id, json_t **out, struct ubur_error *err);
    /* Post, inside the page's transaction: upserts; *changed when anything was written. */
    int (*apply)(struct ubur_ctx *ctx, json_t *record, bool *changed, struct ubur_error *err);
    /* Actions that made many records with one audit entry (the demo): log every record of
     * this type the change log does not name yet (a JSON array of ids, in a good order). */
    const char *const *bulk;
    int (*unlogged)(struct ubur_ctx *ctx, json_t **ids, struct ubur_error *err);
};

extern const struct sync_up_type sync_up_types[];     /* terminated by a NULL name */
extern const struct sync_down_type sync_down_types[]; /* terminated by a NULL name */

const struct sync_up_type *sync_up_type_find(const char *name);
const struct sync_down_type *sync_down_type_find(const char *name);
bool sync_op_known(const struct sync_up_type *t, const char *op);

/*
 * The watchlist travels by its own cursor (watchlist_entries.change_seq),
 * not the change log: appends entries changed after (seq, id) to changes
 * as {"type":"watchlist","id","record"}, at most limit; *next_seq and *next_id
 * the position after them (unchanged when none).
 */
int sync_watchlist_changes(struct ubur_ctx *ctx, int64_t seq, const char *id, int limit,
                           json_t *changes, int64_t *next_seq, char next_id[UBUR_UUID_LEN + 1],
                           struct ubur_error *err);

/* The post's shadow of a record ("type:id"): its fingerprint as last sent. */
int sync_shadow_get(struct ubur_ctx *ctx, const char *key, char hash[65], bool *found,
                    struct ubur_error *err);
int sync_shadow_set(struct ubur_ctx *ctx, const char *key, const char *hash,
                    struct ubur_error *err);

/* JSON helpers: string member or NULL; arena copy of a compact dump. */
const char *sync_str(json_t *o, const char *key);
const char *sync_dump(struct ubur_ctx *ctx, json_t *v);

/*
 * Generic replica rows for central-owned reference tables (down types):
 * sync_row_json reads row `key_col = key` of `table` as an object of its
 * columns (every value as text or null; *out NULL when no row); the upsert
 * writes such an object by key, taking only columns the local table has.
 * `table` and `key_col` are literals from code, never from the network.
 * *changed is set when the row was inserted or differed.
 */
int sync_row_json(struct ubur_ctx *ctx, const char *table, const char *key_col, const char *key,
                  json_t **out, struct ubur_error *err);
int sync_row_upsert(struct ubur_ctx *ctx, const char *table, const char *key_col, json_t *row,
                    bool *changed, struct ubur_error *err);

/* True while a pulled page is being applied (this thread): nothing is captured. */
bool sync_applying(void);

#endif
