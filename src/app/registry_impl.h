/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the registry's service files (registry.c,
 * registry_stats.c, registry_import.c, registry_demo.c). A struct
 * reg_writer is one open write transaction on the registry: it has rolled
 * the statistics forward to today, caches locations and statistics cells,
 * batches the statistics deltas of every change, and writes them when it
 * commits, so a change, its audit entry and its effect on the statistics
 * commit together.
 */
#ifndef UBUR_REGISTRY_IMPL_H
#define UBUR_REGISTRY_IMPL_H

#include "ubur/registry.h"

/* A string-keyed hash map (keys copied; values are caller-owned pointers). */
struct reg_map_entry {
    char *key;
    void *value;
};
struct reg_map {
    struct reg_map_entry *slot;
    size_t cap, used;
};
void *reg_map_get(const struct reg_map *m, const char *key);
void reg_map_put(struct reg_map *m, const char *key, void *value);
void reg_map_release(struct reg_map *m, void (*free_value)(void *));

struct reg_loc {
    char *id, *pcode, *parent_id, *level, *country, *governorate_id, *name_en, *name_ar;
    char *location_type, *accommodation_type;
};

struct reg_writer {
    struct ubur_ctx *ctx;
    int64_t today;     /* the clock's day: defaults and "not in the future" checks */
    int64_t stats_day; /* the statistics are rolled through it: today, or the last roll's day
                        * if the clock has gone back since (a day once rolled stays rolled) */
    char now[UBUR_TIME_LEN + 1];
    struct ubur_popstat_deltas deltas;  /* (day, cell, band) */
    struct ubur_popstat_deltas current; /* (0, cell, band) */
    struct reg_map cells;               /* "TYPE|ORIGIN|location id|SEX" -> (void *)(uintptr_t)id */
    int64_t cell_max;
    struct reg_map counters; /* scope -> int64_t * */
    int64_t *ckpt;           /* checkpoint days, ascending */
    size_t nckpt;
    /* Identifier source: UUIDv7 by default; the demo plugs in a seeded one. */
    void (*new_id)(void *arg, char out[UBUR_UUID_LEN + 1]);
    void *id_arg;
    struct reg_map locs; /* id and pcode -> struct reg_loc *, loaded on first use */
    bool locs_loaded;
    bool open;
    bool borrowed; /* inside the caller's transaction: do not begin/commit it */
    /* Bulk import: a batch never places checkpoints (it may drop them); the import's
     * last transaction places them once, so each batch does not rescan the whole log. */
    bool defer_checkpoints;
    /* Bulk import and the demo: inserts are queued (ubur_store_queue: pipelined on
     * PostgreSQL), so a constraint failure surfaces at commit instead of naming its row. */
    bool pipelined;
    /* The setting registry.number_prefix (an arena string or NULL), read once per writer. */
    const char *number_prefix;
    bool number_prefix_read;
    /* Statistics deltas computed by the caller (the import's reader thread) for rows
     * inserted with reg_person_in.stats_given, written at commit beside the emitted ones:
     * (day, cell, band) in day order, and (0, cell, band) for the current counts, with this
     * transaction's cell ids. Borrowed: valid until the commit or abort. */
    const struct ubur_popstat_delta *given, *given_current;
    size_t ngiven, ngiven_current;
};

/* Set while a registration made on a border post is applied (sync): inserts keep the ids
 * the input carries instead of making new ones. */
extern __thread bool reg_keep_ids;

/* Locations, loaded once per process-wide store connection use. */
int reg_locations_load(struct ubur_ctx *ctx, struct reg_map *by_key, struct ubur_error *err);
void reg_loc_free(void *p);
/* Frees a map filled by reg_locations_load. */
void reg_locations_release(struct reg_map *m);

/* Opens the transaction and rolls the statistics forward to today. */
int reg_writer_begin(struct reg_writer *w, struct ubur_ctx *ctx, struct ubur_error *err);
/* Writes the batched statistics and commits. On failure rolls back. Either
 * way the writer is released. */
int reg_writer_commit(struct reg_writer *w, struct ubur_error *err);
/* Rolls back and releases. Safe after a failed commit. */
void reg_writer_abort(struct reg_writer *w);
/* The statistics cell of a combination, created when new. */
int reg_writer_cell(struct reg_writer *w, const char *type, const char *origin, const char *loc_id,
                    const char *sex, uint32_t *cell, struct ubur_error *err);
/* An ubur_popstat_emit_fn adding into the writer's batches (arg: the writer). */
void reg_writer_emit(void *arg, int64_t day, uint32_t cell, int band, int64_t delta);
/* The location with this id or pcode; UBUR_EINVAL naming `field` when unknown. */
int reg_writer_loc(struct reg_writer *w, const char *key, const char *field,
                   const struct reg_loc **out, struct ubur_error *err);
/* Next value of a named counter (cached; written back on commit). */
int reg_writer_counter(struct reg_writer *w, const char *scope, int64_t *value,
                       struct ubur_error *err);
void reg_writer_new_id(struct reg_writer *w, char out[UBUR_UUID_LEN + 1]);

/* Dates: "YYYY-MM-DD" <-> days; NULL or "" parse to UBUR_NO_DATE. */
int reg_day_parse(const char *s, const char *field, int64_t *out, struct ubur_error *err);
const char *reg_day_text(struct ubur_ctx *ctx, int64_t day); /* arena copy; NULL for NO_DATE */
int64_t reg_today(void);
/* qsort order of struct ubur_popstat_delta: by day, cell, band (the delta log's key). */
int reg_delta_order(const void *a, const void *b);

/* A validated group, and a validated person, ready to insert. */
struct reg_group_in {
    const struct reg_loc *loc;
    const char *kind;
    int64_t registered;
    char id[UBUR_UUID_LEN + 1];
    char number[48];
    /* Set by reg_insert_group: the index of the member whose row failed, or -1 (the group's
     * own row, or no failure), so an import names that member's line. */
    int failed_member;
};
struct reg_person_in {
    const struct ubur_reg_individual *p;
    const struct reg_loc *loc;
    const char *status;
    int64_t birth, registered;
    char id[UBUR_UUID_LEN + 1];
    char number[56];
    const char *name_key; /* made beforehand (reg_person_key), or NULL: made at insert */
    /* Set when the caller has computed the person's statistics: reg_insert_person writes
     * `cell` (this transaction's id) and `band_next` and emits nothing; the caller hands the
     * person's contribution to the writer (reg_writer.given). */
    bool stats_given;
    uint32_t cell;
    int64_t band_next;
};
int reg_check_country(const char *v, const char *field, bool required, struct ubur_error *err);
int reg_check_group(struct reg_writer *w, const struct ubur_reg_group *g, struct reg_group_in *out,
                    struct ubur_error *err);
/* g may be NULL (no defaults from a group). */
int reg_check_person(struct reg_writer *w, const struct ubur_reg_individual *p,
                     const struct reg_group_in *g, struct reg_person_in *out,
                     struct ubur_error *err);
/* The duplicate check's name key of p (skeletons of the given and family names). */
void reg_person_key(const struct ubur_reg_individual *p, char *out, size_t cap);
/* Inserts a checked person as member `index` of the group (number GROUP-NN). */
int reg_insert_person(struct reg_writer *w, struct reg_person_in *in, const char *group_id,
                      const char *group_number, int index, struct ubur_error *err);
/* Inserts a checked group and its checked members (one focal point). */
int reg_insert_group(struct reg_writer *w, const struct ubur_reg_group *g, struct reg_group_in *gi,
                     struct reg_person_in *members, size_t n, struct ubur_error *err);
int reg_location_insert(struct reg_writer *w, const struct ubur_reg_location *loc,
                        char id[UBUR_UUID_LEN + 1], struct ubur_error *err);
/* Reads an individual's row by id or number into out (arena strings); no audit. */
int reg_find_individual(struct ubur_ctx *ctx, const char *key, struct ubur_reg_individual *out,
                        struct ubur_error *err);
/* Applies a status / type / location change to p (as read) inside the writer. */
int reg_apply_event(struct reg_writer *w, const struct ubur_reg_individual *p,
                    const struct ubur_reg_event *ev, struct ubur_error *err);
/*
 * The same for p registered in this transaction by reg_insert_group as `in`, with no change
 * since: its history (one row) is known, so nothing is read back. With w->pipelined the writes
 * are queued, as reg_insert_person's are.
 */
int reg_apply_event_registered(struct reg_writer *w, const struct ubur_reg_individual *p,
                               const struct reg_person_in *in, const struct ubur_reg_event *ev,
                               struct ubur_error *err);
/* The columns every individual query selects, and their reader. */
#define REG_INDIVIDUAL_COLUMNS                                                                     \
    "i.id, i.individual_number, i.group_id, g.group_number, i.relationship, i.given_name_ar,"      \
    " i.father_name_ar, i.grandfather_name_ar, i.family_name_ar, i.given_name, i.father_name,"     \
    " i.grandfather_name, i.family_name, i.sex, i.birth_date, i.birth_date_estimated,"             \
    " i.origin, i.citizenship, i.population_type, l.pcode, i.status, i.registered_on,"             \
    " i.returnee_on, i.merged_into"
struct ubur_stmt;
void reg_individual_from_row(struct ubur_ctx *ctx, struct ubur_stmt *st,
                             struct ubur_reg_individual *p);

/* True when the role may see individual records. */
bool reg_role_individuals(const struct ubur_ctx *ctx);

#endif
