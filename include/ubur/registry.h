/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The refugee and asylum-seeker registry (issue 7), as application
 * services shared by the CLI and the HTTP API.
 *
 * Model. People register individually inside a registration group (a
 * household or a case) that has one focal point. Each individual has a
 * UNHCR population type (REF, ASY, ...), a country of origin and a
 * citizenship (ISO 3166-1 alpha-3; XXA stateless, UKN unknown), a sex (F, M,
 * X), a date of birth that may be estimated, names in Arabic script and in
 * Latin script (given, father, grandfather, family), documents, specific
 * needs, a location and a registration status (active, inactive, closed).
 * Status, population type and location are kept with their history: every
 * value with the date it took effect. Locations form a hierarchy: country >
 * governorate > district or city > site, each with a location type and an
 * accommodation type.
 *
 * Rules every service follows: writes happen in one transaction together
 * with their ubur_audit entry and the update of the statistics summary;
 * every read of an individual's record is audited; individual records are
 * for registration officers, supervisors and administrators only (analysts
 * get UBUR_EPERM and see aggregates through ubur_registry_stats). Bad input
 * is UBUR_EINVAL naming the field and changes nothing.
 *
 * Ownership: strings filled into output structs are allocated from
 * ctx->arena and live until it is released. Input structs are not kept.
 */
#ifndef UBUR_REGISTRY_H
#define UBUR_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ubur/app.h"
#include "ubur/popstats.h"

struct ubur_reg_location {
    const char *id;      /* output of _add; input: ignored */
    const char *pcode;   /* unique code, e.g. "SY08" (OCHA P-code style) */
    const char *parent;  /* pcode or id of the parent; NULL for a country */
    const char *level;   /* "country", "governorate", "district" or "site" */
    const char *country; /* alpha-3; taken from the parent when NULL */
    const char *name_en;
    const char *name_ar;
    const char *location_type;      /* C, U, R, V (default V) */
    const char *accommodation_type; /* I, P, S, C, R, U (default U) */
    double latitude, longitude;
    bool has_coordinates;
};

struct ubur_reg_document {
    const char *doc_type; /* passport, national_id, civil_status_id, birth_certificate,
                             marriage_certificate, unhcr_certificate, residence_permit, other */
    const char *number;
    const char *issuing_country; /* alpha-3 or NULL */
    const char *issued_on, *expires_on;
};

/* Specific needs, UNHCR categories: CR child at risk, DS disability, ER older
 * person at risk, FU family unity, LP legal and physical protection, PG
 * pregnant or lactating, SC unaccompanied or separated child, SM serious
 * medical condition, SP single parent, SV sexual and gender-based violence,
 * TR torture, WR woman at risk. */
struct ubur_reg_need {
    const char *code;
    const char *detail;
};

struct ubur_reg_history {
    const char *effective_on, *status, *population_type, *location, *reason;
    const char *recorded_at, *recorded_by;
};

struct ubur_reg_individual {
    const char *id;                      /* output */
    const char *individual_number;       /* output; on import an existing number may be given */
    const char *group_id, *group_number; /* output */
    const char *relationship;            /* focal_point, spouse, child, parent, sibling, grandchild,
                                            grandparent, other_relative, unrelated */
    const char *given_name_ar, *father_name_ar, *grandfather_name_ar, *family_name_ar;
    const char *given_name, *father_name, *grandfather_name, *family_name;
    const char *sex;        /* F, M or X */
    const char *birth_date; /* YYYY-MM-DD or NULL (unknown) */
    bool birth_date_estimated;
    const char *origin, *citizenship;      /* alpha-3 */
    const char *population_type;           /* a code of ubur_poptypes */
    const char *location;                  /* pcode or id; NULL takes the group's; output: pcode */
    const char *status;                    /* default active */
    const char *registered_on;             /* default the group's, or today */
    const char *returnee_on, *merged_into; /* output */
    struct ubur_reg_document *documents;
    size_t ndocuments;
    struct ubur_reg_need *needs;
    size_t nneeds;
    struct ubur_reg_history *history; /* output of ubur_registry_get */
    size_t nhistory;
};

struct ubur_reg_group {
    const char *id;            /* output */
    const char *group_number;  /* output; on import an existing number may be given */
    const char *kind;          /* household (default) or case */
    const char *location;      /* pcode or id: where the group lives */
    const char *registered_on; /* YYYY-MM-DD, default today */
};

/* Adds a location; fills loc->id. UBUR_ECONFLICT when the pcode exists. */
int ubur_registry_location_add(struct ubur_ctx *ctx, struct ubur_reg_location *loc,
                               struct ubur_error *err);
/* Calls fn for every location in pcode order (fields valid during the call). */
int ubur_registry_locations(struct ubur_ctx *ctx,
                            int (*fn)(void *arg, const struct ubur_reg_location *loc), void *arg,
                            struct ubur_error *err);

/*
 * Registers a group with its n members (exactly one with relationship
 * focal_point) in one transaction. Fills g->id, g->group_number and each
 * member's id, individual_number, group_id and group_number. When
 * check_duplicates is set and any member scores at or above the registry's
 * duplicate threshold against an existing active person, nothing is written
 * and UBUR_ECONFLICT is returned: the officer reviews the candidates
 * (ubur_registry_candidates) and registers again with check_duplicates off
 * to confirm a new person, or links / merges instead.
 */
int ubur_registry_register(struct ubur_ctx *ctx, struct ubur_reg_group *g,
                           struct ubur_reg_individual *members, size_t n, bool check_duplicates,
                           struct ubur_error *err);
/*
 * A registration group in its JSON form (the body of POST
 * /api/v1/registry/groups and the file of `ubur registry add-group`):
 *   {"kind": "household"|"case", "location": PCODE, "registered_on": DATE,
 *    "confirm_new": false, "members": [{"relationship": "focal_point",
 *    "given_name", "father_name", "grandfather_name", "family_name", the same
 *    with _ar, "sex", "birth_date", "birth_date_estimated": bool, "origin",
 *    "citizenship", "population_type", "location", "registered_on",
 *    "passport", "document_country"}, ...]}
 * Fills g and *members (n of them, from ctx->arena; strings point into
 * body, which must outlive them) and *confirm_new (may be NULL). Unknown
 * fields and wrong types are UBUR_EINVAL naming the field; the values
 * themselves are checked by ubur_registry_register.
 */
int ubur_registry_group_from_json(struct ubur_ctx *ctx, json_t *body, struct ubur_reg_group *g,
                                  struct ubur_reg_individual **members, size_t *n,
                                  bool *confirm_new, struct ubur_error *err);
/*
 * The duplicate check shown to the officer before a group is committed:
 * for each member (index from 0) calls fn with the existing active
 * individuals scoring at least the setting registry.duplicate_threshold
 * (default 0.8, the threshold ubur_registry_register refuses at), best
 * first, at most max (at most 20), possibly none. *flagged (may be NULL)
 * gets the number of members with any candidate. Writes nothing; candidate
 * reads are audited. fn returning non-zero stops with that code.
 */
struct ubur_reg_candidate;
int ubur_registry_group_check(struct ubur_ctx *ctx, const struct ubur_reg_individual *members,
                              size_t n, size_t max,
                              int (*fn)(void *arg, size_t member,
                                        const struct ubur_reg_candidate *c, size_t nc),
                              void *arg, size_t *flagged, struct ubur_error *err);
/* Adds one member (a newborn, a relative who joined) to an existing group. */
int ubur_registry_add_member(struct ubur_ctx *ctx, const char *group, struct ubur_reg_individual *p,
                             struct ubur_error *err);

/* Reads one individual by id or individual number, with documents, needs
 * and history, and audits the read. UBUR_ENOTFOUND when unknown. */
int ubur_registry_get(struct ubur_ctx *ctx, const char *key, struct ubur_reg_individual *out,
                      struct ubur_error *err);

/* A change of status, population type and/or location (NULL: unchanged)
 * taking effect on effective_on (default today; not in the future, not
 * before the individual's latest change). */
struct ubur_reg_event {
    const char *effective_on;
    const char *status;
    const char *population_type;
    const char *location;
    const char *reason;
};
int ubur_registry_event(struct ubur_ctx *ctx, const char *key, const struct ubur_reg_event *ev,
                        struct ubur_error *err);

/* The facts a correction may replace, as X(field) of struct
 * ubur_reg_individual: one list for the registry and the exchange. */
#define UBUR_REG_CORRECTABLE(X)                                                                    \
    X(given_name_ar)                                                                               \
    X(father_name_ar)                                                                              \
    X(grandfather_name_ar)                                                                         \
    X(family_name_ar)                                                                              \
    X(given_name)                                                                                  \
    X(father_name)                                                                                 \
    X(grandfather_name)                                                                            \
    X(family_name)                                                                                 \
    X(sex)                                                                                         \
    X(birth_date)                                                                                  \
    X(origin)                                                                                      \
    X(citizenship)

/* Corrects recorded facts: every non-NULL UBUR_REG_CORRECTABLE field of `fix`
 * replaces the stored value (birth_date with birth_date_estimated). A
 * correction is retroactive: statistics of past dates change too. */
int ubur_registry_correct(struct ubur_ctx *ctx, const char *key,
                          const struct ubur_reg_individual *fix, struct ubur_error *err);

/* Lists individuals matching the filter (NULL fields: any), in individual
 * number order, calling fn for each; audited as one read. */
struct ubur_reg_filter {
    const char *group;    /* id or number */
    const char *location; /* pcode or id: that location and everything under it */
    const char *population_type, *status, *origin;
    long limit, offset; /* limit 0: 100 */
};
int ubur_registry_list(struct ubur_ctx *ctx, const struct ubur_reg_filter *f,
                       int (*fn)(void *arg, const struct ubur_reg_individual *p), void *arg,
                       struct ubur_error *err);

/* A likely duplicate: an existing individual and the match score in [0, 1]. */
struct ubur_reg_candidate {
    struct ubur_reg_individual person;
    double score;
};
/* Finds existing active individuals that may be the person p (names in
 * either script, date of birth, origin), best first, at most max; *n is
 * set to the number found. Audited as a read when any is returned. */
int ubur_registry_candidates(struct ubur_ctx *ctx, const struct ubur_reg_individual *p,
                             double min_score, struct ubur_reg_candidate *out, size_t max,
                             size_t *n, struct ubur_error *err);
/* Records an officer's judgement on two records. "merge" closes `dup`
 * (status closed, merged_into keep) and links them as the same person;
 * "link" marks them as a possible duplicate; "distinct" as not duplicates. */
int ubur_registry_judge(struct ubur_ctx *ctx, const char *keep, const char *dup,
                        const char *decision, struct ubur_error *err);

/*
 * Returnee flagging, called by the border module for every recorded
 * crossing. `document_number` (with `nationality`, alpha-3) or
 * `individual_number` identifies the person (exact match on a registry
 * document or number; NULL when not given). `to_state` is the state the
 * person enters (alpha-3) on `date` (YYYY-MM-DD). When an active individual
 * whose country of origin is to_state is found, they are flagged as a
 * returnee: returnee_on is set and their status becomes inactive from that
 * date (reason "returned to <state>"), in the caller's transaction when one
 * is open (the border module's), else in a new one. *flagged (may be NULL)
 * tells whether someone was flagged; not finding anyone is not an error.
 */
int ubur_registry_note_crossing(struct ubur_ctx *ctx, const char *document_number,
                                const char *nationality, const char *individual_number,
                                const char *to_state, const char *date, bool *flagged,
                                struct ubur_error *err);

/*
 * The read half of returnee flagging, for the border check (no writes): the
 * number of an active registered individual holding document
 * `document_number` (of `nationality` when not NULL) whose country of
 * origin is `to_state`, into individual_number, or "" when there is none.
 */
#define UBUR_REG_NUMBER_MAX 40
int ubur_registry_returnee_lookup(struct ubur_ctx *ctx, const char *document_number,
                                  const char *nationality, const char *to_state,
                                  char individual_number[UBUR_REG_NUMBER_MAX + 1],
                                  struct ubur_error *err);

/*
 * Registrations made on an offline border post, applied on central by sync
 * (ubur/sync.h) with the post's ids and numbers (every member's id and
 * individual_number and the group's id and group_number must be set), in
 * the caller's transaction when one is open. Otherwise exactly
 * ubur_registry_register (without the duplicate check: the post's officer
 * did it) and ubur_registry_add_member.
 */
int ubur_registry_apply_registration(struct ubur_ctx *ctx, struct ubur_reg_group *g,
                                     struct ubur_reg_individual *members, size_t n,
                                     struct ubur_error *err);
int ubur_registry_apply_member(struct ubur_ctx *ctx, const char *group,
                               struct ubur_reg_individual *p, struct ubur_error *err);

/*
 * Population statistics: the table of counts of active individuals on
 * as_of (NULL: today; not in the future) broken down by dims. Any role may
 * read aggregates. Answered from the summary tables: its cost does not
 * grow with the number of individuals (docs/internals/registry.md).
 */
struct ubur_popstat_query {
    const char *as_of;
    int dims[UBUR_DIM_COUNT];
    int ndims;
};
int ubur_registry_stats(struct ubur_ctx *ctx, const struct ubur_popstat_query *q,
                        struct ubur_poptable *out, struct ubur_error *err);
/* The same table computed the slow way, from the individuals' histories
 * (a GROUP BY over every record), to check the summary and to benchmark. */
int ubur_registry_stats_scan(struct ubur_ctx *ctx, const struct ubur_popstat_query *q,
                             struct ubur_poptable *out, struct ubur_error *err);
/* Recomputes the summary tables from the records. */
int ubur_registry_stats_rebuild(struct ubur_ctx *ctx, struct ubur_error *err);

/*
 * Bulk import of individuals from CSV (columns in docs/registry-csv.md;
 * the header names them, in any order). Rows of a group (same `group`
 * value) must be contiguous; rows are taken in batches of whole groups of
 * about batch_rows rows, each batch one transaction that is committed only
 * when none of its rows has an error (all or nothing per batch). Every
 * error goes to on_error with its line number (return non-zero to stop).
 * Returns 0 when the input could be read (even if batches failed: see res),
 * or a negative code (unreadable header, I/O, storage).
 */
struct ubur_registry_import_opts {
    long batch_rows;    /* default 10,000 */
    bool dry_run;       /* check everything, write nothing */
    const char *source; /* file name, for the audit log */
    void (*progress)(void *arg, long bytes_read);
    int (*on_error)(void *arg, long line, const char *field, const char *message);
    void *arg;
};
struct ubur_registry_import_result {
    long rows, imported, errors, failed_batches;
};
int ubur_registry_import_csv(struct ubur_ctx *ctx, FILE *in,
                             const struct ubur_registry_import_opts *o,
                             struct ubur_registry_import_result *res, struct ubur_error *err);
/* Writes the individuals matching f (NULL: all) as CSV in the import's
 * columns; *count gets their number. Audited as reads. */
int ubur_registry_export_csv(struct ubur_ctx *ctx, const struct ubur_reg_filter *f, FILE *out,
                             long *count, struct ubur_error *err);

/*
 * The demo registry in Syria reproducing the article's figures: 45,418
 * people; 18,817 REF mostly in Damascus and Al-Hasakah, mostly from Iraq;
 * 18,664 ASY mostly in urban Qamishli; 7,879 Iraqi ASY in the camps Newroz,
 * Roj and Al-Hol; 58 OOC. Also the locations of both states (Iraq's
 * Kurdistan camps included). Deterministic for a seed; fails with
 * UBUR_ECONFLICT when the registry already holds individuals.
 */
int ubur_registry_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);

#endif
