/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store: one interface over SQLite (a border post's laptop) and
 * PostgreSQL (a ministry's central server). A struct ubur_store is one
 * connection, used by one thread at a time; the server keeps one per worker
 * thread. Backends implement struct ubur_store_ops (store_impl.h); callers
 * only see this header.
 *
 * SQL is written once in the common dialect: "?" placeholders (PostgreSQL's
 * backend renumbers them to $n), TEXT/INTEGER/REAL/BLOB types, ISO 8601 UTC
 * text for times, UUIDv7 text for ids, ON CONFLICT and RETURNING.
 *
 * Durability: SQLite runs in WAL mode with synchronous=FULL and foreign keys
 * on; PostgreSQL with synchronous_commit on. ubur_store_commit returns 0 only
 * when the transaction is durable, so callers acknowledge after it.
 *
 * Prepared statements are cached per connection, keyed by the SQL text's
 * address, so pass string literals: ubur_store_prepare(s, "SELECT ...", ...).
 */
#ifndef UBUR_STORE_H
#define UBUR_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubur/error.h"

struct ubur_store;
struct ubur_stmt;

enum ubur_store_kind { UBUR_STORE_SQLITE, UBUR_STORE_PG };

/*
 * Opens a connection. `uri` is a SQLite path or "sqlite:PATH", or a
 * PostgreSQL conninfo starting with "postgresql://", "postgres://" or
 * containing "=" (key=value form). The schema is not touched: call
 * ubur_store_migrate.
 */
int ubur_store_open(struct ubur_store **out, const char *uri, struct ubur_error *err);
void ubur_store_close(struct ubur_store *s);
enum ubur_store_kind ubur_store_kind(const struct ubur_store *s);

/*
 * One slot per connection where a module keeps a cache of what it read through it (the
 * border's crossing points and schedules, src/app/crossings.c): the module's own data, which
 * the store only holds and hands to `release` when the connection closes. A connection is
 * used by one thread at a time, so its cache needs no lock. `owner` (any address the module
 * owns) says whose the slot's content is: ubur_store_cache returns it only to that owner and
 * NULL otherwise; ubur_store_cache_set replaces (releasing) what another owner had put there.
 */
void *ubur_store_cache(const struct ubur_store *s, const void *owner);
void ubur_store_cache_set(struct ubur_store *s, const void *owner, void *cache,
                          void (*release)(void *cache));

/*
 * Applies every migration not yet applied, each in its own transaction.
 * Safe when several processes migrate the same database at once.
 */
int ubur_store_migrate(struct ubur_store *s, struct ubur_error *err);
/* Highest applied migration version, or 0 for an empty database. */
int ubur_store_schema_version(struct ubur_store *s, int *version, struct ubur_error *err);

/*
 * Transactions. begin takes the write lock at once (BEGIN IMMEDIATE on
 * SQLite, a transaction-scoped advisory lock on PostgreSQL) so write
 * transactions are serialised and never fail half-way on a lock upgrade.
 * (PostgreSQL sends BEGIN and the lock with the transaction's first
 * statement, saving a round trip: nothing in the transaction runs before the
 * lock is held, and a failure to get it is that statement's.)
 * Nested begin is an error. A statement that fails inside a transaction
 * aborts it on every backend (PostgreSQL's rule): later statements fail and
 * commit returns the first failure's code without committing, so roll back,
 * or undo to a savepoint taken before the failure with ubur_store_exec
 * ("ROLLBACK TO name"), which makes the transaction usable again.
 * rollback is safe to call when no transaction is open.
 */
int ubur_store_begin(struct ubur_store *s, struct ubur_error *err);
int ubur_store_commit(struct ubur_store *s, struct ubur_error *err);
void ubur_store_rollback(struct ubur_store *s);
bool ubur_store_in_tx(const struct ubur_store *s);
/*
 * A number that changes (to a value no store of the process has had before) whenever s's
 * transaction begins, commits or rolls back, or is rolled back to a savepoint. Inside a write
 * transaction (which holds ubur's write lock, so no other connection writes), a value read and
 * remembered with the epoch stays true while the epoch is unchanged, unless this connection
 * itself writes it: a cache of the audit chain's last link (audit.c) or of a setting for the
 * jobs of one group commit. 0 outside a transaction.
 */
uint64_t ubur_store_tx_epoch(const struct ubur_store *s);

/*
 * A read snapshot around a run of reads (a border check's, a confirmation's):
 * on SQLite a deferred BEGIN, so the reads share one snapshot and the
 * connection's page cache, which WAL otherwise drops before any statement
 * that follows another connection's commit (on a busy server: nearly every
 * statement re-reads its B-tree pages from the file). A no-op on backends
 * without the optional op, when a transaction is already open, and when the
 * snapshot cannot be taken (the reads then run on their own, as without it).
 * ubur_store_begin ends an open snapshot before taking the write lock, so
 * code that writes inside one stays correct. read_end is safe to call when
 * none is open. Never hold a snapshot across a wait: it keeps the WAL from
 * being checkpointed past it.
 */
void ubur_store_read_begin(struct ubur_store *s);
void ubur_store_read_end(struct ubur_store *s);

/*
 * Folds the write-ahead log back into the database file (SQLite; a no-op
 * returning 0 on backends without one, PostgreSQL). The connection must be
 * outside any transaction or snapshot.
 *   PASSIVE copies every frame that no reader still needs and never waits.
 *   RESTART also takes the write lock, copies every frame, syncs the
 *   database file and then waits until no reader is left on the log, so
 *   that the next write starts the log again from its first frame (the file
 *   keeps its size: nothing is allocated again). While the log is never
 *   restarted it only grows, under steady reads and writes by megabytes a
 *   second. It waits for the write lock and for readers at most wait_ms
 *   (polling every 100 microseconds), then gives up with UBUR_EBUSY, the
 *   log intact and usable; it also returns UBUR_EBUSY at once while another
 *   connection checkpoints.
 * *log_frames and *copied_frames (either may be NULL) get the log's frames
 * and those of them now in the database file (0 and 0 without a log).
 * Returns 0, UBUR_EBUSY, or another negative code (an I/O error).
 */
enum ubur_checkpoint_mode { UBUR_CHECKPOINT_PASSIVE, UBUR_CHECKPOINT_RESTART };
int ubur_store_checkpoint(struct ubur_store *s, enum ubur_checkpoint_mode mode, int wait_ms,
                          int *log_frames, int *copied_frames, struct ubur_error *err);

/*
 * The checkpointer: a thread with its own connection that folds the write-ahead log of the
 * connection s writes through back into the database file with PASSIVE checkpoints, so that
 * s itself never checkpoints inside a commit (SQLite; elsewhere start does nothing and returns
 * 0, and restart_due is always false). It is the one checkpointer of the SQLite store: the
 * group-commit writer starts one on its connection, a bulk load (ubur_store_bulk_load) on the
 * loading connection. A pass runs every every_ms milliseconds when frames were added since the
 * last one, and as soon as every_frames frames were added (either 0: not that trigger); it is
 * repeated, at most passes times in a row, while the last pass copied 256 frames or more (the
 * frames committed while the one before ran). With trickle, the pages a pass writes into the
 * database file are synced 32 at a time (store_sqlite.c says why). A passive checkpoint cannot
 * restart the log while readers hold it; when a pass leaves a log of restart_frames frames or
 * more (0: never), ubur_store_log_restart_due turns true once, and s's owner, between two of its
 * transactions, runs ubur_store_checkpoint(s, UBUR_CHECKPOINT_RESTART, ...) itself.
 * start returns 0, or a negative code when the thread or its connection could not be had (s then
 * checkpoints automatically, as without one); one checkpointer per connection. stop (also done by
 * ubur_store_close) joins the thread; a no-op without one. Durability is unchanged: the commits
 * are s's own.
 */
struct ubur_checkpointer_policy {
    int every_ms;
    int every_frames;
    int passes;
    int restart_frames;
    bool trickle;
};
int ubur_store_checkpointer_start(struct ubur_store *s, const struct ubur_checkpointer_policy *p,
                                  struct ubur_error *err);
void ubur_store_checkpointer_stop(struct ubur_store *s);
bool ubur_store_log_restart_due(struct ubur_store *s);

/*
 * Commits whose sync is deferred (SQLite; the group-commit writer's pipeline, src/app/writer.c).
 * After ubur_store_defer_sync(s) returns 0, ubur_store_commit on s returns once the transaction
 * is committed (written to the log and visible to every reader) but before it is on disk, and
 * ubur_store_sync_log(s) makes every transaction committed on s before the call began durable
 * (one fdatasync of the log covers every earlier commit: the log is appended in order). The
 * connection still syncs the log before each checkpoint copies it back and the database file
 * before the log is restarted (SQLite's synchronous=NORMAL), so the database is never left
 * inconsistent; only the commits not yet covered by a sync can be lost to a power cut, and
 * always with every commit after them. docs/internals/store.md has the argument.
 * defer_sync returns 0, or UBUR_EINVAL where the backend cannot defer (PostgreSQL: its commits
 * stay synchronous, synchronous_commit on) or the log's file cannot be reached; s is then
 * unchanged and its commits durable as before. ubur_store_sync_log is the one call that may run
 * on another thread while s's owner uses s (it touches only the log's file, never the
 * connection); it returns 0 or UBUR_ESTORE (the sync failed: what it was to cover may be lost,
 * and a later sync that succeeds does not prove otherwise, since the kernel may have dropped
 * the pages that failed).
 */
int ubur_store_defer_sync(struct ubur_store *s, struct ubur_error *err);
int ubur_store_sync_log(struct ubur_store *s, struct ubur_error *err);

/*
 * Runs SQL without parameters or results (DDL, PRAGMA); may hold several
 * statements. On PostgreSQL, inside a transaction, one SAVEPOINT, RELEASE or
 * SET LOCAL statement is queued as ubur_store_queue queues a write (its
 * failure is reported by a later statement or commit); ROLLBACK TO runs at once.
 */
int ubur_store_exec(struct ubur_store *s, const char *sql, struct ubur_error *err);

/*
 * Prepares `sql` (a string literal: cached by address). The statement is
 * reset and unbound; bind 1-based parameters, then step. Finish it with
 * ubur_stmt_done, which returns it to the cache. Only one use of a given
 * cached statement may be in progress at a time on a connection.
 */
int ubur_store_prepare(struct ubur_store *s, const char *sql, struct ubur_stmt **out,
                       struct ubur_error *err);
/* Same, without caching, for SQL built at run time. */
int ubur_store_prepare_dynamic(struct ubur_store *s, const char *sql, struct ubur_stmt **out,
                               struct ubur_error *err);

void ubur_stmt_bind_text(struct ubur_stmt *st, int idx, const char *v); /* NULL binds NULL */
/*
 * As ubur_stmt_bind_text, but v is borrowed, not copied: it must stay valid and unchanged until
 * the statement is done (ubur_stmt_done). For a hot insert whose values outlive its step.
 */
void ubur_stmt_bind_text_borrowed(struct ubur_stmt *st, int idx, const char *v);
void ubur_stmt_bind_int(struct ubur_stmt *st, int idx, int64_t v);
void ubur_stmt_bind_double(struct ubur_stmt *st, int idx, double v);
void ubur_stmt_bind_blob(struct ubur_stmt *st, int idx, const void *v, size_t n);
void ubur_stmt_bind_null(struct ubur_stmt *st, int idx);

/* 1 when a row is ready, 0 when done, a negative UBUR_E* code on failure. */
int ubur_stmt_step(struct ubur_stmt *st, struct ubur_error *err);
int ubur_stmt_columns(struct ubur_stmt *st);
const char *ubur_stmt_column_name(struct ubur_stmt *st, int col);
/* Column values of the current row; text and blob pointers live until the next step. */
bool ubur_stmt_is_null(struct ubur_stmt *st, int col);
const char *ubur_stmt_text(struct ubur_stmt *st, int col); /* NULL for SQL NULL */
int64_t ubur_stmt_int(struct ubur_stmt *st, int col);
double ubur_stmt_double(struct ubur_stmt *st, int col);
const void *ubur_stmt_blob(struct ubur_stmt *st, int col, size_t *n);
/* Rows changed by the last completed INSERT/UPDATE/DELETE step. */
int64_t ubur_stmt_changes(struct ubur_stmt *st);
void ubur_stmt_done(struct ubur_stmt *st);

/*
 * One-shot helpers. `types` names each parameter that follows: 't' const
 * char * (NULL binds NULL), 'i' int64_t, 'd' double, 'n' NULL (no argument).
 * ubur_store_run executes and returns the number of changed rows (>= 0) or
 * a negative code. ubur_store_query_int / _text read the first column of
 * the first row; UBUR_ENOTFOUND when there is no row. _text returns a
 * malloc'd copy (caller frees).
 */
int64_t ubur_store_run(struct ubur_store *s, struct ubur_error *err, const char *sql,
                       const char *types, ...);
int ubur_store_query_int(struct ubur_store *s, struct ubur_error *err, int64_t *out,
                         const char *sql, const char *types, ...);
int ubur_store_query_text(struct ubur_store *s, struct ubur_error *err, char **out, const char *sql,
                          const char *types, ...);
/*
 * Queues a write whose result the caller does not need (no RETURNING, no row
 * count), inside a transaction. On PostgreSQL queued statements travel
 * together in pipeline mode instead of one round trip each, until the next
 * statement that is not queued, or commit; on SQLite it runs at once. A
 * failure is reported by this call or by that next statement or commit: the
 * transaction is aborted either way, and commit returns the failure.
 */
int ubur_store_queue(struct ubur_store *s, struct ubur_error *err, const char *sql,
                     const char *types, ...);
/* Binds parameters from a va_list as ubur_store_run does. */
void ubur_stmt_bind_va(struct ubur_stmt *st, const char *types, va_list *ap);

/*
 * Bulk inserts: rows appended to one table, for imports. `table` and
 * `columns` (comma-separated names) are string literals of trusted SQL
 * identifiers (the INSERT built from them is cached by their addresses, as
 * ubur_store_prepare caches by the SQL's); use inside a transaction.
 * Give a row's values in column order (ubur_bulk_text/_int/_null, or
 * ubur_bulk_row with ubur_store_run's type letters), then end the row.
 *
 * Without flags every row is inserted when it ends (a prepared INSERT), on
 * every backend, and a failure (a constraint) is that row's. With
 * UBUR_BULK_DEFER a backend that can send rows together holds them in memory
 * until ubur_bulk_flush or ubur_bulk_close: PostgreSQL sends them with one
 * COPY ... FROM STDIN instead of a round trip each. ubur_bulk_deferred says
 * whether that happens; when it does:
 *   - held rows are invisible to other statements until sent, so flush
 *     tables in foreign-key order (parents first);
 *   - a failed row fails the whole send, and the transaction with it, with
 *     a message naming the row's ordinal in the send ("row 3"): a caller
 *     that must name the bad input row checks first or does the work again
 *     without the flag.
 * Every failure is reported by the call that met it (row_end, flush or
 * close) and aborts the transaction as any failed statement does.
 */
/*
 * Says that a bulk load starts (on) or has ended (off) on this connection,
 * outside a transaction. Only a hint for speed: SQLite then gives its page
 * cache up to 1 GB, checkpoints its write-ahead log on a thread and
 * connection of its own (every 25,000 pages, never blocking the writer,
 * stopped by off) and skips CHECK constraints and
 * foreign-key checks, so the caller must have validated every value a CHECK
 * covers and write only references it made or looked up itself, parents
 * first (the registry import does); PostgreSQL ignores it. Durability and
 * atomicity of each commit are unchanged; UNIQUE and NOT NULL still hold.
 * Pair every on with an off.
 */
void ubur_store_bulk_load(struct ubur_store *s, bool on);

/*
 * Secondary indexes set aside during a bulk load, and built once after it: building an
 * index over sorted data costs far less than inserting every row into it at a random place.
 * ubur_store_index_defer drops the index `name` (a trusted SQL identifier) inside the open
 * transaction and records its definition, owner (this process) and time in
 * store_deferred_index in the same transaction: both happen or neither. *deferred says
 * whether it did; it does not when the backend has no use for it (PostgreSQL), or the index
 * is not there (another load set it aside). Never defer an index that guards a constraint
 * or that the load itself reads.
 *
 * ubur_store_index_restore re-creates the indexes this process set aside and deletes their
 * records, inside the open transaction or, when none is open, in one of its own. With
 * `orphans` it restores instead those whose owner process is gone (an import killed
 * mid-way): ubur_store_migrate does so on every open of the database, so a crash between
 * two batches of a load leaves the indexes missing only until the next process opens it.
 * Until then queries stay correct, only slower. An index that exists again is not built
 * twice: its record is deleted. SQLite sorts the keys of the indexes it builds here on two
 * worker threads (in 16 MB runs, the connection's temp_store and cache put back after).
 */
int ubur_store_index_defer(struct ubur_store *s, const char *name, bool *deferred,
                           struct ubur_error *err);
int ubur_store_index_restore(struct ubur_store *s, bool orphans, struct ubur_error *err);

struct ubur_bulk;
#define UBUR_BULK_DEFER 1
int ubur_store_bulk_open(struct ubur_store *s, const char *table, const char *columns, int flags,
                         struct ubur_bulk **out, struct ubur_error *err);
bool ubur_bulk_deferred(const struct ubur_bulk *b);
void ubur_bulk_text(struct ubur_bulk *b, const char *v); /* NULL adds NULL */
void ubur_bulk_int(struct ubur_bulk *b, int64_t v);
void ubur_bulk_null(struct ubur_bulk *b);
/* Ends the row; 0 or a negative code (a value count that does not match the columns). */
int ubur_bulk_row_end(struct ubur_bulk *b, struct ubur_error *err);
/* One whole row: `types` as for ubur_store_run ('t', 'i', 'n'; no 'd'), then ends it. */
int ubur_bulk_row(struct ubur_bulk *b, struct ubur_error *err, const char *types, ...);
/* Sends the rows held so far (nothing to do when not deferred). */
int ubur_bulk_flush(struct ubur_bulk *b, struct ubur_error *err);
/* Flushes, then frees b (NULL is fine). After a failure in the transaction it only frees. */
int ubur_bulk_close(struct ubur_bulk *b, struct ubur_error *err);
/* Frees b without sending what it holds (NULL is fine). */
void ubur_bulk_discard(struct ubur_bulk *b);

#endif
