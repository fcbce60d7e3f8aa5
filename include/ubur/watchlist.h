/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Watchlists and screening (application services; issue 4).
 *
 * Watchlists hold entries (people or entities) with names in any script,
 * dates of birth (exact, year, range, circa), nationalities, documents, a
 * reason and the action to take. Imports (UN Security Council XML, CSV)
 * run in one transaction: they add, update and end entries, keep every
 * version in watchlist_entry_history, and are audited; after a fatal error
 * nothing is changed.
 *
 * Screening (ubur_screen) is the one entry point that border checks, visa
 * applications and registrations call. It matches against a process-wide
 * in-memory name index, shared by every thread under a rwlock, built on
 * first use from the store and brought up to date before each screening
 * from watchlist_state.seq (so an import by another process is seen at
 * once). Every screening is stored; a hit at or above the threshold opens a
 * case unless a supervisor dismissed the same (subject, entry) pair while
 * neither had changed.
 */
#ifndef UBUR_WATCHLIST_H
#define UBUR_WATCHLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "ubur/app.h"
#include "ubur/names.h"

#define UBUR_WL_MAX_FILE (64u << 20) /* bytes of an import file */
#define UBUR_WL_MAX_ENTRIES 2000000
#define UBUR_WL_MAX_NAMES 64     /* names of one entry */
#define UBUR_WL_MAX_XML_DEPTH 16 /* the UN list nests 4 deep */

enum ubur_wl_format { UBUR_WL_AUTO = 0, UBUR_WL_UN_XML, UBUR_WL_CSV };

struct ubur_wl_name {
    const char *name;
    const char *quality; /* "primary", "good", "low", "original" */
};

/* One entry as parsed from a file or an API request; strings in an arena. */
struct ubur_wl_entry {
    const char *reference;
    const char *kind; /* "person" or "entity" */
    const char *primary_name;
    const char *original_script_name; /* may be NULL */
    struct ubur_wl_name *names;       /* every name including the primary */
    int nnames;
    char sex;                   /* 'M', 'F' or 0 */
    const char *dobs_json;      /* JSON array of canonical dob strings */
    const char *nats_json;      /* JSON array of alpha-3 codes */
    const char *pobs_json;      /* JSON array of places of birth */
    const char *docs_json;      /* JSON array of documents */
    const char *reason;         /* may be NULL */
    const char *alert_category; /* may be NULL */
    const char *action;         /* refuse_entry | arrest | discreet_check | inform_issuing_state */
    const char *contributing_state; /* may be NULL */
    const char *listed_on;          /* YYYY-MM-DD or NULL */
    const char *valid_until;        /* YYYY-MM-DD or NULL */
    const char *details_json;       /* JSON object of everything else */
};

struct ubur_wl_parsed {
    struct ubur_wl_entry *entries;
    size_t n;
    const char *generated_at; /* the source's own date, if it has one */
};

/*
 * Parsers of untrusted files. Strings are allocated from `a`. On error
 * nothing is returned and err names the line (CSV) or element (XML) and
 * field. The CSV header must be exactly
 * reference,name,aliases,dob,nationality,sex,action.
 */
int ubur_wl_parse_csv(const char *data, size_t len, struct ubur_arena *a,
                      struct ubur_wl_parsed *out, struct ubur_error *err);
int ubur_wl_parse_un_xml(const char *data, size_t len, struct ubur_arena *a,
                         struct ubur_wl_parsed *out, struct ubur_error *err);

/* Normalises an action ("refuse entry", "Refuse-Entry"); NULL when not one of the four. */
const char *ubur_wl_action(const char *s);

struct ubur_wl_summary {
    char list_id[UBUR_UUID_LEN + 1];
    char import_id[UBUR_UUID_LEN + 1];
    long total, added, updated, ended, unchanged, reinstated;
};

/*
 * Imports a file into the list named `list_name` (created when missing;
 * NULL: "UN SC Consolidated List" for UN XML, else the file's base name).
 * All or nothing, in one transaction with its audit entry. `progress` (may
 * be NULL) is called as entries are written.
 */
int ubur_watchlist_import(struct ubur_ctx *ctx, const char *list_name, const char *file_name,
                          const char *data, size_t len, enum ubur_wl_format format,
                          void (*progress)(long done, long total, void *arg), void *arg,
                          struct ubur_wl_summary *out, struct ubur_error *err);

/*
 * Adds or updates one entry of a list (the national alert list through the
 * API): by reference within the list. Supervisors and admins only.
 * Writes `id_out` (may be NULL).
 */
int ubur_watchlist_entry_put(struct ubur_ctx *ctx, const char *list_name,
                             const struct ubur_wl_entry *e, char id_out[UBUR_UUID_LEN + 1],
                             struct ubur_error *err);
/*
 * Applies an entry a partner state contributed (through the exchange) to the
 * list "Partner alert list (FROM)", inside the caller's open transaction;
 * `ended` delists it. Idempotent: the same content twice changes nothing.
 */
int ubur_watchlist_apply_partner(struct ubur_ctx *ctx, const char *from,
                                 const struct ubur_wl_entry *e, bool ended, struct ubur_error *err);
/* A list as central holds it, for a post's replica (sync). */
struct ubur_wl_replica_list {
    const char *id, *name, *source, *owner_state, *generated_at;
};
/*
 * Applies an entry as central holds it to a border post's replica, inside
 * the caller's open transaction: the list (created when missing) and the
 * entry keep central's ids; `ended` delists it. Idempotent: *changed is
 * false when the post already had exactly this. UBUR_ECONFLICT when the
 * post has a list of its own with the same name.
 */
int ubur_watchlist_apply_replica(struct ubur_ctx *ctx, const struct ubur_wl_replica_list *list,
                                 const char *entry_id, const struct ubur_wl_entry *e, bool ended,
                                 bool *changed, struct ubur_error *err);
/* Ends (delists) an entry, keeping its history. */
int ubur_watchlist_entry_end(struct ubur_ctx *ctx, const char *entry_id, const char *reason,
                             struct ubur_error *err);

/* JSON of the lists (array) and of one entry with names and history; caller frees. */
int ubur_watchlist_lists_json(struct ubur_ctx *ctx, char **json, struct ubur_error *err);
int ubur_watchlist_entry_json(struct ubur_ctx *ctx, const char *entry_id, char **json,
                              struct ubur_error *err);

/* ---------------------------------------------------------------- screening */

#define UBUR_SCREEN_THRESHOLD 0.80
#define UBUR_SCREEN_LIMIT 10
#define UBUR_SCREEN_MAX_LIMIT 100

struct ubur_screen_query {
    const char *name;        /* any script */
    const char *dob;         /* YYYY, YYYY-MM, YYYY-MM-DD or NULL */
    const char *nationality; /* alpha-2, alpha-3 or NULL */
    const char *sex;         /* "M", "F" or NULL */
    double threshold;        /* 0 means UBUR_SCREEN_THRESHOLD */
    int limit;               /* 0 means UBUR_SCREEN_LIMIT */
    const char *context;     /* "border", "visa", "registration", "cli", "api" */
    const char *subject_ref; /* the caller's id for the person, or NULL */
    bool no_record;          /* do not store (benchmarks only) */
};

struct ubur_screen_hit {
    char entry_id[UBUR_UUID_LEN + 1];
    const char *list, *reference, *name, *matched_name, *explanation, *action;
    double score;
    bool dismissed;                  /* a supervisor dismissed this pair and neither side changed */
    char case_id[UBUR_UUID_LEN + 1]; /* "" when no case */
};

struct ubur_screen_result {
    char screening_id[UBUR_UUID_LEN + 1];
    struct ubur_screen_hit *hits; /* from ctx->arena, best first */
    int nhits;
    int alerts; /* hits at or above the threshold that are not dismissed */
    long elapsed_us;
    /* the query as validated: canonical dob and alpha-3 nationality */
    char dob[32];
    char nationality[4];
    char sex;
    double threshold;
    int limit;
    const char **entry_hashes; /* private to ubur_screen_record: the entries as matched */
};

/*
 * Screens one person. Validates the query (UBUR_EINVAL naming the field),
 * brings the shared index up to date, matches, stores the screening and
 * opens cases, all audited. Results live in ctx->arena. Called inside an
 * open transaction it writes there (the caller commits or rolls back);
 * otherwise it commits its own.
 *
 * ubur_screen is ubur_screen_match (validate, sync, match: no writes, so it
 * can run outside a write transaction, in parallel) followed by
 * ubur_screen_record (stores the screening and opens cases, in the caller's
 * transaction when one is open). A caller that splits them passes the same
 * query and result to both, with the arena still alive.
 */
int ubur_screen_match(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                      struct ubur_screen_result *out, struct ubur_error *err);
int ubur_screen_record(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                       struct ubur_screen_result *out, struct ubur_error *err);
int ubur_screen(struct ubur_ctx *ctx, const struct ubur_screen_query *q,
                struct ubur_screen_result *out, struct ubur_error *err);

/* The result as the CLI and API print it (see issue 4's contract); caller frees. */
char *ubur_screen_result_json(const struct ubur_screen_query *q,
                              const struct ubur_screen_result *r);

/* Loads or refreshes the process-wide index from ctx's store. */
int ubur_screening_sync(struct ubur_store *s, struct ubur_error *err);
/* Frees the process-wide index (at exit, for leak checkers). */
void ubur_screening_shutdown(void);

/* Cases: list (status NULL = all) as JSON; confirm or dismiss with a reason. */
int ubur_cases_json(struct ubur_ctx *ctx, const char *status, int limit, char **json,
                    struct ubur_error *err);
int ubur_case_decide(struct ubur_ctx *ctx, const char *case_id, const char *decision,
                     const char *reason, struct ubur_error *err);

#endif
