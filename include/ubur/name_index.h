/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An in-memory index of names for fast fuzzy lookup (design in
 * docs/internals/names.md). Names are parsed with the name engine
 * (names.h); each unit's consonant skeleton is a vocabulary word with a
 * posting list of the names that contain it, and every skeleton's
 * one-deletion variants point back to it so a query finds skeletons one
 * edit away. A search looks up the query's units rarest first, gathers
 * candidates within a budget, ranks them by the weight of the units they
 * share, and scores the best few hundred with ubur_names_compare.
 *
 * Names belong to *records*: small integers chosen by the caller (the
 * screening service uses one per watchlist entry). Removing a record
 * tombstones its names; ubur_name_index_compact reclaims them.
 *
 * Thread safety: none inside. Searches only read, so any number may run
 * at once; adds and removes need exclusive access (the screening service
 * holds a pthread rwlock around the index).
 */
#ifndef UBUR_NAME_INDEX_H
#define UBUR_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "ubur/error.h"
#include "ubur/names.h"

struct ubur_name_index;

struct ubur_name_index *ubur_name_index_new(void);
void ubur_name_index_free(struct ubur_name_index *ix);

/*
 * Parses `name` and adds it under `record`. Returns the new name id (>= 0),
 * or a negative UBUR_E* code (a name with no letters is UBUR_EINVAL and is
 * not added). A name with parts joined by hyphens ("Yun Ho-Jin") is also
 * added written as one word ("Yun HoJin"), a second name of the record,
 * when that parses to fewer units.
 */
int64_t ubur_name_index_add(struct ubur_name_index *ix, uint32_t record, const char *name,
                            struct ubur_error *err);
/* Same, for a name already parsed. */
int64_t ubur_name_index_add_parsed(struct ubur_name_index *ix, uint32_t record, const char *name,
                                   const struct ubur_name *parsed);

/*
 * Bulk loading: between bulk_begin and bulk_end, adds leave their postings
 * pending, and bulk_end puts them in their lists in one counting pass (each
 * list grown once, to its exact size) instead of growing every list name by
 * name. No search or compaction may run in between (the caller holds the
 * index exclusively, as for any add); removes may. bulk_end on an index not
 * in bulk mode does nothing.
 */
void ubur_name_index_bulk_begin(struct ubur_name_index *ix);
void ubur_name_index_bulk_end(struct ubur_name_index *ix);

/* Tombstones every name of `record`; searches no longer return them. */
void ubur_name_index_remove(struct ubur_name_index *ix, uint32_t record);

/* Rebuilds the posting lists without tombstoned names (needs exclusive access). */
void ubur_name_index_compact(struct ubur_name_index *ix);

struct ubur_name_hit {
    uint32_t record;
    uint32_t name_id;
    double score; /* ubur_names_compare of query and this name */
};

struct ubur_name_search_stats {
    uint32_t postings;    /* posting entries read */
    uint32_t candidates;  /* distinct names gathered (passed the signature filter) */
    uint32_t shortlisted; /* candidates whose score bound reached min_score */
    uint32_t scored;      /* names fully compared */
};

/*
 * Finds names scoring at least `min_score` against `q`, best first, at most
 * `max` of them (one per name; a record may appear several times, once per
 * matching alias). Returns the number written. `stats` may be NULL.
 */
int ubur_name_index_search(const struct ubur_name_index *ix, const struct ubur_name *q,
                           double min_score, struct ubur_name_hit *out, int max,
                           struct ubur_name_search_stats *stats);

/* The original text of a name id (owned by the index). */
const char *ubur_name_index_text(const struct ubur_name_index *ix, uint32_t name_id);
/* Live names, and bytes held by the index. */
size_t ubur_name_index_size(const struct ubur_name_index *ix);
size_t ubur_name_index_memory(const struct ubur_name_index *ix);

#endif
