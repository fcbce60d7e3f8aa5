/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend. The only file that includes sqlite3.h. Every connection
 * runs WAL with synchronous=FULL (a committed transaction survives power
 * loss), foreign keys on, and a busy timeout so concurrent writers from the
 * server's worker threads and the CLI queue instead of failing. A full disk
 * maps to UBUR_EFULL and a lock held too long to UBUR_EBUSY, both 503s.
 *
 * No SQLite memory map (mmap_size): in WAL mode a connection drops its page
 * cache, and unmaps its whole map, whenever another connection has
 * committed, which on the server is every few milliseconds; remapping cost
 * more CPU than the pread() calls it saves (measured on the border
 * benchmark). Instead the "ubur" VFS below reads the database file through
 * one process-wide map of its own, never unmapped while a connection has the
 * file open (the read map).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_impl.h"
#include "ubur/alloc.h"
#include "ubur/util.h"
#include "ubur/banned.h"

struct checkpointer; /* the connection's checkpoint thread (ubur_store_checkpointer_start) */
struct trickle_file;

/*
 * The log file a connection with deferred syncs (ubur_store_defer_sync) has its commits synced
 * through, from another thread (ubur_store_sync_log). The file is SQLite's own handle of the
 * connection's -wal file, as the "ubur" VFS below opened it, never a descriptor of ours: closing
 * any descriptor of a file drops every POSIX lock the process holds on it (tests/unit/
 * test_read_map.c, test_locks_kept). `lock` serialises every sync of that handle (the other
 * thread's and SQLite's own on the owner's thread: the unix VFS's xSync is not written for two
 * threads at once) and its close, which clears `file` so that a sync after it fails instead of
 * touching a closed file.
 */
struct log_sync {
    pthread_mutex_t lock;
    struct trickle_file *file; /* the connection's log, or NULL: not (or no longer) open */
};

struct sqlite_store {
    struct ubur_store base;
    sqlite3 *db;
    /* BEGIN IMMEDIATE, COMMIT, BEGIN DEFERRED: prepared once, not parsed per transaction */
    sqlite3_stmt *tx[3];
    struct checkpointer *ckpt;
    int busy_ms;    /* the connection's busy timeout, restored after a checkpoint's shorter wait */
    bool trickle;   /* its database file's checkpoint writes are trickled (ubur_store_checkpoint) */
    bool bulk_ckpt; /* ckpt was started by a bulk load (sqlite_bulk_load), which stops it */
    int64_t build_cache; /* cache_size before an index build (sqlite_index_build), or 0 */
    bool deferred;       /* ubur_store_defer_sync: commits are synced by ubur_store_sync_log */
    struct log_sync logsync;
};

enum { TX_BEGIN, TX_COMMIT, TX_READ };

struct sqlite_stmt {
    struct ubur_stmt base;
    sqlite3_stmt *st;
    int64_t changes;
};

static const struct ubur_store_ops sqlite_ops;
static void sqlite_checkpointer_stop(struct ubur_store *base);

static struct sqlite_store *
sqlite_store(struct ubur_store *s)
{
    if (s->ops != &sqlite_ops)
        abort();
    return (struct sqlite_store *)s;
}

static struct sqlite_stmt *
sqlite_stmt(struct ubur_stmt *st)
{
    return (struct sqlite_stmt *)st;
}

static int
sqlite_fail(sqlite3 *db, int rc, struct ubur_error *err, const char *what)
{
    int prim = rc & 0xff;
    int code = prim == SQLITE_FULL                            ? UBUR_EFULL
               : prim == SQLITE_BUSY || prim == SQLITE_LOCKED ? UBUR_EBUSY
               : prim == SQLITE_CONSTRAINT                    ? UBUR_ECONFLICT
                                                              : UBUR_ESTORE;
    return ubur_error_set(err, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/*
 * Database pages in every connection's page cache come from one slab of PAGECACHE_PAGES buffers
 * (SQLITE_CONFIG_PAGECACHE), reserved at start and backed by memory only as pages are used; past
 * it, from malloc as before. In WAL mode a connection empties its page cache whenever another has
 * committed (on the server, before nearly every request), so each request freed and allocated
 * again, through malloc, the dozens of 4 KB buffers it read into: large-chunk allocations that
 * walk glibc's bins, consolidate its fast bins and grow a thread's arena one mprotect at a time
 * (malloc and free were 9% of the server's CPU, and the writer's arena grew for its first 15 s).
 * From the slab, a page is a free-list pop under one mutex. 32,768 pages is 144 MB of address
 * space: the writer's 64 MB cache and every request thread's working set.
 */
#define PAGECACHE_PAGES 32768
#define PAGECACHE_PAGE_SIZE 4096 /* ubur's databases use SQLite's default page size */

/*
 * Process-wide settings, made once before SQLite initialises. Memory statistics off: with
 * them on (the default) every allocation and free inside SQLite takes a global mutex and
 * updates counters that ubur never reads (no soft heap limit, no sqlite3_memory_used); a
 * bulk import makes tens of millions of them (Debian's build has no lookaside to absorb
 * them). Ignored when SQLite is already initialised.
 */
static void
sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* Page buffers from a slab of our own (PAGECACHE_PAGES says why); not under
     * AddressSanitizer, which checks only what malloc hands out. */
#if defined(__SANITIZE_ADDRESS__)
    return;
#endif
    int hdr = 0;
    if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK || hdr <= 0)
        return;
    size_t sz = (PAGECACHE_PAGE_SIZE + (size_t)hdr + 15) & ~(size_t)15;
    void *slab = mmap(NULL, sz * PAGECACHE_PAGES, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (slab != MAP_FAILED &&
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, slab, (int)sz, PAGECACHE_PAGES) != SQLITE_OK)
        munmap(slab, sz * PAGECACHE_PAGES);
}

/*
 * Checkpoints hand their pages to the disk a few at a time ("trickle").
 *
 * A passive checkpoint that cannot copy the whole log (a reader still needs its end, which on a
 * busy server is nearly always) writes pages into the database file without syncing it: SQLite
 * syncs the database file only when a checkpoint has copied every frame, under load the writer's
 * restart. Until then the pages sit dirty in the kernel, thousands of them, and the restart's sync
 * (or the kernel's own write-back) sends them to the disk all at once: the restart held the writer
 * 80 to 230 ms, and every commit's sync queued behind them (docs/BENCHMARKS.md, border, session 6).
 * So every connection opens its files through "ubur", a VFS that passes everything to the default
 * one. On a connection that checkpoints through ubur_store_checkpoint (TRICKLE_FCNTL turns it on),
 * the database file is synced after every TRICKLE_PAGES pages a checkpoint writes and at the end
 * of each checkpoint (SQLITE_FCNTL_CKPT_DONE), so the disk never has more than that many of its
 * pages queued in front of a commit's sync. Nothing is made less durable: these syncs are extra,
 * SQLite's own still follow (and find little left to write).
 */
#define TRICKLE_PAGES 32
#define TRICKLE_FCNTL 0x75627572  /* "ubur": trickle this database file's checkpoint writes */
#define READ_MAP_FCNTL 0x7562726d /* "ubrm": SQLITE_OK when the database file has a read map */

struct read_map;

/*
 * SQLite writes each log frame as two writes: its 24-byte header, then its page right after it.
 * On the writer's log (a deferred-sync connection's, the one that writes nearly every frame) the
 * "ubur" VFS holds the header and writes it with its page in one pwrite: half the writer's
 * system calls for the log (two per frame were 14% of the writer thread's time, session 7).
 * A held header is written out before anything else is done with the file (a read, another
 * write, a sync, its size, a truncation, a file control, the close), so SQLite never sees the
 * difference; a header is held only between the two writes of one frame, so every frame of a
 * commit is written when the COMMIT returns, before any sync that is to cover it begins (the
 * syncer syncs the file underneath and never touches what is held).
 */
#define WAL_FRAME_HDR 24
#define WAL_HDR 32 /* the log's own header, at offset 0: never held */

struct trickle_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, in the same allocation after this one */
    bool main_db, on;
    bool wal;              /* a -wal file */
    struct log_sync *sync; /* a deferred-sync connection's log (set on its owner's thread) */
    /* That log's frame headers, each held until its page follows (join_frame) */
    bool join, held;
    unsigned char frame_hdr[WAL_FRAME_HDR];
    sqlite3_int64 frame_off;
    unsigned char *joined; /* scratch: a header and its page, written as one */
    int joined_cap;
    int pending;             /* database pages written since the last sync */
    struct read_map *map;    /* the main database file's read map, or NULL */
    sqlite3_int64 mmap_size; /* SQLite's mmap_size with a read map: > 0, pages are fetched */
};

/*
 * The read map: database pages read with memcpy() from one shared, read-only map of the file.
 *
 * In WAL mode SQLite empties a connection's page cache whenever another connection has committed
 * since its last transaction: on the server, before nearly every request (the writer commits
 * every few milliseconds). Each request then read its B-tree pages again with pread(): about 30
 * system calls per recorded check on the border benchmark, 85 to 95% of them on the database file
 * (the rest on the log). So the "ubur" VFS maps each database file once per process, read-only
 * and shared (MAP_SHARED: the kernel's page cache itself, coherent with every write to the file by
 * any process), and serves the database file's reads from it. SQLite's own memory map is not used:
 * it unmaps on every such change and stops at 2 GB.
 *
 * The map is made when the first connection opens the file and undone when the last one closes
 * it; it reserves twice the file's size plus 1 GB of address space, so the file can grow under it.
 * Closing any descriptor of a file drops every POSIX lock the process holds on it (SQLite's unix
 * VFS goes to great lengths never to do that): another process could then take the database's
 * exclusive lock, checkpoint and delete a log this process is still writing. So a descriptor of
 * the map's own is opened and closed only to make a map, which happens only when no connection
 * of this process has the file open through "ubur" (the map's count of connections is zero), and
 * so none holds a lock on it; a connection that finds the map (found by the path's device and
 * inode, as SQLite's file is) only counts itself in. A map that could not be made stays listed,
 * empty, so that later connections do not try again while earlier ones hold their locks.
 *
 * A read is served from the map only below `valid`, a size the file is known to have reached (a
 * read past it asks the file's size again through the file's own xFileSize, and past the
 * reservation, or on any error, reads as before). A database file never shrinks under ubur (no
 * VACUUM, auto_vacuum off); a truncation through this process lowers `valid` first. Another
 * program shrinking the file of a running server (a VACUUM from the sqlite3 shell) could make a
 * read of the map fault (SIGBUS), as with SQLite's own map. UBUR_SQLITE_READ_MAP=0 in the
 * environment turns the read map off (reads as before).
 */
struct read_map {
    struct read_map *next;
    dev_t dev;
    ino_t ino;
    int refs;
    const char *base;
    size_t len;            /* bytes reserved */
    _Atomic int64_t valid; /* the file is at least this long: reads below it use the map */
};

static pthread_mutex_t read_maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct read_map *read_maps;

/* The read map of the database file opened as `name`, shared; NULL if none. */
static struct read_map *
read_map_open(const char *name)
{
    static int enabled = -1;
    if (enabled < 0) {
        const char *e = getenv("UBUR_SQLITE_READ_MAP");
        enabled = !(e && !strcmp(e, "0"));
    }
    struct stat sb;
    if (!enabled || !name || sizeof(size_t) < 8 || stat(name, &sb) || !S_ISREG(sb.st_mode))
        return NULL;
    pthread_mutex_lock(&read_maps_lock);
    struct read_map *m = read_maps;
    while (m && !(m->dev == sb.st_dev && m->ino == sb.st_ino))
        m = m->next;
    if (m) {
        m->refs++;
    } else {
        /* no connection of this process has the file open: closing fd drops no lock */
        m = ubur_calloc(1, sizeof(*m));
        m->dev = sb.st_dev;
        m->ino = sb.st_ino;
        m->refs = 1;
        int fd = open(name, O_RDONLY | O_CLOEXEC);
        struct stat fb;
        if (fd >= 0 && !fstat(fd, &fb) && fb.st_dev == sb.st_dev && fb.st_ino == sb.st_ino) {
            size_t len = ((size_t)fb.st_size * 2 + ((size_t)1 << 30) + 0xfffff) & ~(size_t)0xfffff;
            void *base = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
            if (base != MAP_FAILED) {
                m->base = base;
                m->len = len;
                atomic_store(&m->valid, (int64_t)fb.st_size);
            }
        }
        if (fd >= 0)
            close(fd);
        m->next = read_maps;
        read_maps = m;
    }
    pthread_mutex_unlock(&read_maps_lock);
    return m;
}

static void
read_map_close(struct read_map *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&read_maps_lock);
    if (--m->refs == 0) {
        struct read_map **p = &read_maps;
        while (*p != m)
            p = &(*p)->next;
        *p = m->next;
        if (m->base)
            munmap((void *)m->base, m->len);
        free(m);
    }
    pthread_mutex_unlock(&read_maps_lock);
}

/* The map's n bytes at off when the file (real, this connection's) is known to hold them; NULL:
 * read the file. */
static const char *
read_map_at(struct read_map *m, sqlite3_file *real, sqlite3_int64 off, int n)
{
    if (!m->base || off < 0 || n <= 0 || (uint64_t)off + (uint64_t)n > m->len)
        return NULL;
    int64_t end = off + n;
    if (end > atomic_load_explicit(&m->valid, memory_order_acquire)) {
        sqlite3_int64 size;
        if (real->pMethods->xFileSize(real, &size) != SQLITE_OK || size < end)
            return NULL;
        /* grown: raise valid (never lower it here; only a truncation does that) */
        int64_t v = atomic_load(&m->valid);
        while (v < size && !atomic_compare_exchange_weak(&m->valid, &v, size))
            ;
    }
    return m->base + off;
}

static sqlite3_vfs trickle_vfs;
static sqlite3_vfs *trickle_real_vfs; /* the default VFS, once "ubur" is registered */
/* the file methods, by version: a file gets those of its default VFS file's version (at most 3) */
static sqlite3_io_methods trickle_io[3];
static pthread_once_t trickle_once = PTHREAD_ONCE_INIT;

static sqlite3_file *
trickle_real(sqlite3_file *f)
{
    return ((struct trickle_file *)f)->real;
}

/* Syncs what a checkpoint wrote since the last time; an error is SQLite's own sync's to report. */
static void
trickle_sync(struct trickle_file *f)
{
    if (f->pending) {
        f->pending = 0;
        f->real->pMethods->xSync(f->real, SQLITE_SYNC_NORMAL);
    }
}

/* Writes a held frame header out (join_frame). Owner's thread. */
static int
frame_flush(struct trickle_file *f)
{
    if (!f->held)
        return SQLITE_OK;
    f->held = false;
    return f->real->pMethods->xWrite(f->real, f->frame_hdr, WAL_FRAME_HDR, f->frame_off);
}

static int
trickle_close(sqlite3_file *base)
{
    struct trickle_file *f = (struct trickle_file *)base;
    frame_flush(f); /* an error here has no one to report it: SQLite closes after syncing */
    free(f->joined);
    f->joined = NULL;
    if (f->sync) { /* no sync of the other thread may use it from now on */
        pthread_mutex_lock(&f->sync->lock);
        f->sync->file = NULL;
        pthread_mutex_unlock(&f->sync->lock);
        f->sync = NULL;
    }
    int rc = f->real->pMethods->xClose(f->real);
    read_map_close(f->map);
    f->map = NULL;
    return rc;
}

static int
trickle_read(sqlite3_file *base, void *buf, int n, sqlite3_int64 off)
{
    struct trickle_file *f = (struct trickle_file *)base;
    int rc = frame_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    const char *p = f->map ? read_map_at(f->map, f->real, off, n) : NULL;
    if (p) {
        memcpy(buf, p, (size_t)n);
        return SQLITE_OK;
    }
    return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int
trickle_write(sqlite3_file *base, const void *buf, int n, sqlite3_int64 off)
{
    struct trickle_file *f = (struct trickle_file *)base;
    if (f->join) {
        if (f->held && off == f->frame_off + WAL_FRAME_HDR && n > 0 && n <= 65536) {
            /* the held header's page: both in one write */
            if (f->joined_cap < WAL_FRAME_HDR + n) {
                free(f->joined);
                f->joined_cap = WAL_FRAME_HDR + n;
                f->joined = ubur_malloc((size_t)f->joined_cap);
            }
            memcpy(f->joined, f->frame_hdr, WAL_FRAME_HDR);
            memcpy(f->joined + WAL_FRAME_HDR, buf, (size_t)n);
            f->held = false;
            return f->real->pMethods->xWrite(f->real, f->joined, WAL_FRAME_HDR + n, f->frame_off);
        }
        int rc = frame_flush(f);
        if (rc != SQLITE_OK)
            return rc;
        if (n == WAL_FRAME_HDR && off >= WAL_HDR) {
            memcpy(f->frame_hdr, buf, WAL_FRAME_HDR);
            f->frame_off = off;
            f->held = true;
            return SQLITE_OK;
        }
    }
    int rc = f->real->pMethods->xWrite(f->real, buf, n, off);
    if (rc == SQLITE_OK && f->on && ++f->pending >= TRICKLE_PAGES)
        trickle_sync(f);
    return rc;
}

static int
trickle_truncate(sqlite3_file *base, sqlite3_int64 size)
{
    struct trickle_file *f = (struct trickle_file *)base;
    if (f->map) {
        /* before the file shrinks, stop reading the map past its new end */
        int64_t v = atomic_load(&f->map->valid);
        while (v > size && !atomic_compare_exchange_weak(&f->map->valid, &v, size))
            ;
    }
    int rc = frame_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int
trickle_fsync(sqlite3_file *base, int flags)
{
    struct trickle_file *f = (struct trickle_file *)base;
    f->pending = 0;
    int frc = frame_flush(f);
    if (frc != SQLITE_OK)
        return frc;
    if (f->sync) { /* a deferred-sync connection's log: one sync of it at a time (log_sync) */
        pthread_mutex_lock(&f->sync->lock);
        int rc = f->real->pMethods->xSync(f->real, flags);
        pthread_mutex_unlock(&f->sync->lock);
        return rc;
    }
    return f->real->pMethods->xSync(f->real, flags);
}

static int
trickle_size(sqlite3_file *base, sqlite3_int64 *size)
{
    struct trickle_file *f = (struct trickle_file *)base;
    int rc = frame_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int
trickle_lock(sqlite3_file *f, int level)
{
    return trickle_real(f)->pMethods->xLock(trickle_real(f), level);
}

static int
trickle_unlock(sqlite3_file *f, int level)
{
    return trickle_real(f)->pMethods->xUnlock(trickle_real(f), level);
}

static int
trickle_reserved(sqlite3_file *f, int *out)
{
    return trickle_real(f)->pMethods->xCheckReservedLock(trickle_real(f), out);
}

static int
trickle_control(sqlite3_file *base, int op, void *arg)
{
    struct trickle_file *f = (struct trickle_file *)base;
    int frc = frame_flush(f);
    if (frc != SQLITE_OK)
        return frc;
    if (op == TRICKLE_FCNTL) {
        f->on = f->main_db;
        return f->on ? SQLITE_OK : SQLITE_NOTFOUND;
    }
    if (op == SQLITE_FCNTL_CKPT_DONE && f->on)
        trickle_sync(f);
    if (op == READ_MAP_FCNTL)
        return f->map && f->map->base ? SQLITE_OK : SQLITE_NOTFOUND;
    if (op == SQLITE_FCNTL_MMAP_SIZE && f->map) {
        /* SQLite's mmap_size only turns xFetch on; the file underneath never maps (read map) */
        sqlite3_int64 *size = arg;
        sqlite3_int64 want = *size;
        *size = f->mmap_size;
        if (want >= 0)
            f->mmap_size = want;
        return SQLITE_OK;
    }
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
trickle_sector(sqlite3_file *f)
{
    return trickle_real(f)->pMethods->xSectorSize(trickle_real(f));
}

static int
trickle_device(sqlite3_file *f)
{
    return trickle_real(f)->pMethods->xDeviceCharacteristics(trickle_real(f));
}

static int
trickle_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
    return trickle_real(f)->pMethods->xShmMap(trickle_real(f), region, size, extend, out);
}

static int
trickle_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return trickle_real(f)->pMethods->xShmLock(trickle_real(f), offset, n, flags);
}

static void
trickle_shm_barrier(sqlite3_file *f)
{
    trickle_real(f)->pMethods->xShmBarrier(trickle_real(f));
}

static int
trickle_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return trickle_real(f)->pMethods->xShmUnmap(trickle_real(f), delete_flag);
}

/* A page straight from the read map (no copy), or NULL: SQLite then reads it with xRead. */
static int
trickle_fetch(sqlite3_file *base, sqlite3_int64 off, int n, void **out)
{
    struct trickle_file *f = (struct trickle_file *)base;
    if (!f->map)
        return f->real->pMethods->xFetch(f->real, off, n, out);
    *out = f->mmap_size > 0 ? (void *)read_map_at(f->map, f->real, off, n) : NULL;
    return SQLITE_OK;
}

/* Releasing a page, or (p NULL) SQLite's "unmap everything" after another connection's commit:
 * the read map stays, pages fetched are never invalidated by it (read_map above). */
static int
trickle_unfetch(sqlite3_file *base, sqlite3_int64 off, void *p)
{
    struct trickle_file *f = (struct trickle_file *)base;
    if (!f->map)
        return f->real->pMethods->xUnfetch(f->real, off, p);
    return SQLITE_OK;
}

static int
trickle_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *base, int flags, int *out_flags)
{
    struct trickle_file *f = (struct trickle_file *)base;
    sqlite3_vfs *real = vfs->pAppData;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    int rc = real->xOpen(real, name, f->real, flags, out_flags);
    /* base.pMethods stays NULL when the real file has none: SQLite then does not close it */
    if (f->real->pMethods) {
        int version = f->real->pMethods->iVersion;
        f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
        f->wal = (flags & SQLITE_OPEN_WAL) != 0;
        f->base.pMethods = &trickle_io[(version < 1 ? 1 : version > 3 ? 3 : version) - 1];
        if (rc == SQLITE_OK && f->main_db)
            f->map = read_map_open(name);
    }
    return rc;
}

static int
trickle_delete(sqlite3_vfs *vfs, const char *name, int dir_sync)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDelete(real, name, dir_sync);
}

static int
trickle_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xAccess(real, name, flags, out);
}

static int
trickle_full_path(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xFullPathname(real, name, n, out);
}

static void *
trickle_dl_open(sqlite3_vfs *vfs, const char *name)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDlOpen(real, name);
}

static void
trickle_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    real->xDlError(real, n, out);
}

static void (*trickle_dl_sym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDlSym(real, lib, sym);
}

static void
trickle_dl_close(sqlite3_vfs *vfs, void *lib)
{
    sqlite3_vfs *real = vfs->pAppData;
    real->xDlClose(real, lib);
}

static int
trickle_random(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xRandomness(real, n, out);
}

static int
trickle_sleep(sqlite3_vfs *vfs, int us)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xSleep(real, us);
}

static int
trickle_time(sqlite3_vfs *vfs, double *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xCurrentTime(real, out);
}

static int
trickle_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xGetLastError(real, n, out);
}

static int
trickle_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xCurrentTimeInt64(real, out);
}

/* Registers "ubur" beside the default VFS (not as the default); leaves it unregistered when the
 * default one lacks what a WAL database needs, and connections then open with the default. */
static void
trickle_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (!real || real->iVersion < 2)
        return;
    trickle_real_vfs = real;
    trickle_io[2] = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = trickle_close,
        .xRead = trickle_read,
        .xWrite = trickle_write,
        .xTruncate = trickle_truncate,
        .xSync = trickle_fsync,
        .xFileSize = trickle_size,
        .xLock = trickle_lock,
        .xUnlock = trickle_unlock,
        .xCheckReservedLock = trickle_reserved,
        .xFileControl = trickle_control,
        .xSectorSize = trickle_sector,
        .xDeviceCharacteristics = trickle_device,
        .xShmMap = trickle_shm_map,
        .xShmLock = trickle_shm_lock,
        .xShmBarrier = trickle_shm_barrier,
        .xShmUnmap = trickle_shm_unmap,
        .xFetch = trickle_fetch,
        .xUnfetch = trickle_unfetch,
    };
    trickle_io[0] = trickle_io[1] = trickle_io[2];
    trickle_io[0].iVersion = 1;
    trickle_io[1].iVersion = 2;
    trickle_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct trickle_file) + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = "ubur",
        .pAppData = real,
        .xOpen = trickle_open,
        .xDelete = trickle_delete,
        .xAccess = trickle_access,
        .xFullPathname = trickle_full_path,
        .xDlOpen = trickle_dl_open,
        .xDlError = trickle_dl_error,
        .xDlSym = trickle_dl_sym,
        .xDlClose = trickle_dl_close,
        .xRandomness = trickle_random,
        .xSleep = trickle_sleep,
        .xCurrentTime = trickle_time,
        .xGetLastError = trickle_last_error,
        .xCurrentTimeInt64 = trickle_time64,
    };
    if (sqlite3_vfs_register(&trickle_vfs, 0) != SQLITE_OK)
        trickle_real_vfs = NULL;
}

/* The VFS connections open with: "ubur", or NULL (the default) if it could not be registered. */
static const char *
trickle_vfs_name(void)
{
    pthread_once(&trickle_once, trickle_register);
    return trickle_real_vfs ? trickle_vfs.zName : NULL;
}

int
ubur_store_sqlite_open(struct ubur_store **out, const char *path, struct ubur_error *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_configure);
    sqlite3 *db = NULL;
    int rc =
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        trickle_vfs_name());
    if (rc != SQLITE_OK) {
        ubur_error_set(err, UBUR_ESTORE, "cannot open database '%s': %s", path,
                       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return UBUR_ESTORE;
    }
    /* UBUR_BUSY_TIMEOUT_MS shortens the wait in tests of a locked database. */
    const char *busy = getenv("UBUR_BUSY_TIMEOUT_MS");
    long busy_ms = busy ? strtol(busy, NULL, 10) : 0;
    busy_ms = busy_ms > 0 && busy_ms <= 600000 ? busy_ms : 10000;
    sqlite3_busy_timeout(db, (int)busy_ms);
    sqlite3_extended_result_codes(db, 1);
    char *msg = NULL;
    rc = sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                      " PRAGMA cache_size=-65536;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        ubur_error_set(err, UBUR_ESTORE, "cannot set up database '%s': %s", path,
                       msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(db);
        return UBUR_ESTORE;
    }
    /* With a read map, pages come straight from it (xFetch); mmap_size > 0 turns that on. */
    if (sqlite3_file_control(db, "main", READ_MAP_FCNTL, NULL) == SQLITE_OK)
        sqlite3_exec(db, "PRAGMA mmap_size=1073741824", NULL, NULL, NULL);
    struct sqlite_store *s = ubur_calloc(1, sizeof(*s));
    s->base.ops = &sqlite_ops;
    s->db = db;
    s->busy_ms = (int)busy_ms;
    *out = &s->base;
    return 0;
}

static void log_sync_detach(struct sqlite_store *s);

static void
sqlite_close(struct ubur_store *base)
{
    struct sqlite_store *s = sqlite_store(base);
    sqlite_checkpointer_stop(base); /* the connection's checkpointer, if any */
    for (size_t i = 0; i < sizeof(s->tx) / sizeof(s->tx[0]); i++)
        sqlite3_finalize(s->tx[i]);
    /* Detached before the close, which may leave the files open a while (close_v2) and would
     * then find the lock gone. The owner stopped calling sync_log before closing. */
    if (s->deferred)
        log_sync_detach(s);
    sqlite3_close_v2(s->db);
    free(s);
}

static int
sqlite_exec(struct ubur_store *base, const char *sql, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sqlite3_free(msg);
        return sqlite_fail(s->db, rc, err, "exec");
    }
    return 0;
}

/* Runs one of the connection's transaction statements (prepared on first use). */
static int
sqlite_tx(struct ubur_store *base, int which, struct ubur_error *err)
{
    static const char *const sql[] = {"BEGIN IMMEDIATE", "COMMIT", "BEGIN DEFERRED"};
    struct sqlite_store *s = sqlite_store(base);
    int rc;
    if (!s->tx[which] && (rc = sqlite3_prepare_v3(s->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                                  &s->tx[which], NULL)) != SQLITE_OK)
        return sqlite_fail(s->db, rc, err, "exec");
    rc = sqlite3_step(s->tx[which]);
    sqlite3_reset(s->tx[which]);
    return rc == SQLITE_DONE ? 0 : sqlite_fail(s->db, rc, err, "exec");
}

static int
sqlite_begin(struct ubur_store *s, struct ubur_error *err)
{
    return sqlite_tx(s, TX_BEGIN, err);
}

static int log_sync_attach(struct sqlite_store *s);

static int
sqlite_commit(struct ubur_store *base, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    int rc = sqlite_tx(base, TX_COMMIT, err);
    /* A deferred-sync connection whose log was closed and opened again (SQLite keeps it open for
     * the connection's life; this is only in case) is attached again before the commit is
     * reported, so the sync that is to cover it finds the file. On the owner's thread, the only
     * one that writes `file`. */
    if (!rc && s->deferred && !s->logsync.file && log_sync_attach(s))
        return ubur_error_set(err, UBUR_ESTORE, "commit: the log's file cannot be synced");
    return rc;
}

/*
 * Deferred syncs (ubur_store_defer_sync). The connection runs with synchronous=NORMAL: in WAL
 * mode SQLite then syncs nothing at a commit but still syncs the log before a checkpoint copies
 * it into the database file, the database file when a checkpoint has copied the whole log
 * (before the log may be started again from its first frame), and the log's new header when it
 * restarts (wal.c: CKPT_SYNC_FLAGS, walCheckpoint and walFrames' syncHeader); with OFF it would
 * do none of these. What NORMAL leaves out, the sync of each commit, the owner does with
 * sync_log, and acknowledges a commit only after a sync that began once it had returned.
 * docs/internals/store.md has the whole argument.
 */
static bool
is_trickle_file(const sqlite3_file *fp)
{
    return fp && fp->pMethods &&
           (fp->pMethods == &trickle_io[0] || fp->pMethods == &trickle_io[1] ||
            fp->pMethods == &trickle_io[2]);
}

/* Finds the connection's -wal file (SQLite's handle, through the "ubur" VFS) and attaches it. */
static int
log_sync_attach(struct sqlite_store *s)
{
    sqlite3_file *fp = NULL;
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &fp) != SQLITE_OK ||
        !is_trickle_file(fp) || !((struct trickle_file *)fp)->wal)
        return -1;
    struct trickle_file *f = (struct trickle_file *)fp;
    pthread_mutex_lock(&s->logsync.lock);
    f->sync = &s->logsync;
    s->logsync.file = f;
    pthread_mutex_unlock(&s->logsync.lock);
    /* UBUR_SQLITE_JOIN_FRAMES=0: each frame in two writes, as SQLite does (for measuring) */
    const char *e = getenv("UBUR_SQLITE_JOIN_FRAMES");
    f->join = !(e && !strcmp(e, "0"));
    return 0;
}

/* Undoes log_sync_attach and destroys the lock: no sync of the log may follow. */
static void
log_sync_detach(struct sqlite_store *s)
{
    pthread_mutex_lock(&s->logsync.lock);
    if (s->logsync.file)
        s->logsync.file->sync = NULL;
    s->logsync.file = NULL;
    pthread_mutex_unlock(&s->logsync.lock);
    pthread_mutex_destroy(&s->logsync.lock);
}

static int
sqlite_defer_sync(struct ubur_store *base, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    if (s->deferred)
        return 0;
    /* The log is open once the connection has read in WAL mode (open's PRAGMAs did). */
    sqlite3_exec(s->db, "SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL);
    pthread_mutex_init(&s->logsync.lock, NULL);
    if (log_sync_attach(s) ||
        sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        log_sync_detach(s);
        return ubur_error_set(err, UBUR_EINVAL,
                              "the database's log cannot be synced apart from its commits");
    }
    s->deferred = true;
    return 0;
}

/* Any thread: one fdatasync of the log (SQLite's xSync, which on the first sync of a log this
 * handle created also syncs its directory). */
static int
sqlite_sync_log(struct ubur_store *base, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    pthread_mutex_lock(&s->logsync.lock);
    struct trickle_file *f = s->logsync.file;
    int rc = f ? f->real->pMethods->xSync(f->real, SQLITE_SYNC_NORMAL) : SQLITE_IOERR_FSYNC;
    pthread_mutex_unlock(&s->logsync.lock);
    if (rc == SQLITE_OK)
        return 0;
    return ubur_error_set(err, UBUR_ESTORE, "cannot sync the database's log: %s",
                          f ? sqlite3_errstr(rc) : "it is not open");
}

static int
sqlite_read_begin(struct ubur_store *s, struct ubur_error *err)
{
    return sqlite_tx(s, TX_READ, err);
}

static void
sqlite_read_end(struct ubur_store *base)
{
    struct sqlite_store *s = sqlite_store(base);
    if (!sqlite3_get_autocommit(s->db) && sqlite_tx(base, TX_COMMIT, NULL))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
sqlite_rollback(struct ubur_store *base)
{
    struct sqlite_store *s = sqlite_store(base);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
sqlite_prepare(struct ubur_store *base, const char *sql, struct ubur_stmt **out,
               struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    sqlite3_stmt *raw = NULL;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(s->db, rc, err, "prepare");
    struct sqlite_stmt *st = ubur_calloc(1, sizeof(*st));
    st->base.store = base;
    st->st = raw;
    *out = &st->base;
    return 0;
}

static void
sqlite_finalize(struct ubur_stmt *base)
{
    sqlite3_finalize(sqlite_stmt(base)->st);
    free(base);
}

static void
sqlite_reset(struct ubur_stmt *base)
{
    sqlite3_reset(sqlite_stmt(base)->st);
    sqlite3_clear_bindings(sqlite_stmt(base)->st);
}

static void
sqlite_bind_text(struct ubur_stmt *b, int i, const char *v)
{
    sqlite3_bind_text(sqlite_stmt(b)->st, i, v, -1, SQLITE_TRANSIENT);
}

static void
sqlite_bind_text_borrowed(struct ubur_stmt *b, int i, const char *v)
{
    sqlite3_bind_text(sqlite_stmt(b)->st, i, v, -1, SQLITE_STATIC);
}

static void
sqlite_bind_int(struct ubur_stmt *b, int i, int64_t v)
{
    sqlite3_bind_int64(sqlite_stmt(b)->st, i, v);
}

static void
sqlite_bind_double(struct ubur_stmt *b, int i, double v)
{
    sqlite3_bind_double(sqlite_stmt(b)->st, i, v);
}

static void
sqlite_bind_blob(struct ubur_stmt *b, int i, const void *v, size_t n)
{
    sqlite3_bind_blob64(sqlite_stmt(b)->st, i, v, n, SQLITE_TRANSIENT);
}

static void
sqlite_bind_null(struct ubur_stmt *b, int i)
{
    sqlite3_bind_null(sqlite_stmt(b)->st, i);
}

static int
sqlite_step(struct ubur_stmt *b, struct ubur_error *err)
{
    struct sqlite_stmt *st = sqlite_stmt(b);
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        st->changes = sqlite3_changes64(sqlite3_db_handle(st->st));
        return 0;
    }
    sqlite3 *db = sqlite3_db_handle(st->st);
    int code = sqlite_fail(db, rc, err, "query");
    sqlite3_reset(st->st);
    return code;
}

static int
sqlite_columns(struct ubur_stmt *b)
{
    return sqlite3_column_count(sqlite_stmt(b)->st);
}

static const char *
sqlite_column_name(struct ubur_stmt *b, int col)
{
    return sqlite3_column_name(sqlite_stmt(b)->st, col);
}

static bool
sqlite_is_null(struct ubur_stmt *b, int col)
{
    return sqlite3_column_type(sqlite_stmt(b)->st, col) == SQLITE_NULL;
}

static const char *
sqlite_text(struct ubur_stmt *b, int col)
{
    return (const char *)sqlite3_column_text(sqlite_stmt(b)->st, col);
}

static int64_t
sqlite_int(struct ubur_stmt *b, int col)
{
    return sqlite3_column_int64(sqlite_stmt(b)->st, col);
}

static double
sqlite_double(struct ubur_stmt *b, int col)
{
    return sqlite3_column_double(sqlite_stmt(b)->st, col);
}

static const void *
sqlite_blob(struct ubur_stmt *b, int col, size_t *n)
{
    const void *p = sqlite3_column_blob(sqlite_stmt(b)->st, col);
    *n = (size_t)sqlite3_column_bytes(sqlite_stmt(b)->st, col);
    return p;
}

static int64_t
sqlite_changes(struct ubur_stmt *b)
{
    return sqlite_stmt(b)->changes;
}

/*
 * The checkpointer (ubur_store_checkpointer_start): a thread with a connection of its own that
 * runs PASSIVE checkpoints for the connection that writes, so the writing connection never
 * copies the log's pages into the database file inside a commit (a read and a write per page,
 * then a sync: it held every waiting caller of the border's writer, and was about 8% of a large
 * import's time on its one loading thread). The writing connection's commit hook
 * (sqlite3_wal_hook, which replaces its automatic checkpoints) counts the log's frames and wakes
 * the thread once every_frames were added since the last pass (a bulk load: 25,000); a timer
 * wakes it every every_ms when frames were added (the server's writer: once a second). A passive
 * checkpoint never blocks the writer: it copies the frames no reader still needs and leaves the
 * rest to the next pass. Once one has copied every frame with no reader left, the writer's next
 * transaction starts the log again from its beginning (a bulk load, which has no readers, keeps
 * its log a batch or two long); under steady reads that never happens, so the thread asks the
 * writing connection's owner for a restart (restart_due) once the log is restart_frames long.
 */
#define CHECKPOINT_FEW 256 /* a pass that copied fewer frames is not repeated at once */

struct checkpointer {
    sqlite3 *db; /* its own connection to the same database */
    struct ubur_checkpointer_policy policy;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int frames; /* the log's length at the last commit */
    int done;   /* frames copied by the last checkpoint */
    int seen;   /* the log's length when the last checkpoint started */
    bool busy, stop;
    bool now; /* checkpoint at once, whatever the log's length (checkpointer_now) */
    atomic_bool restart_due;
};

/* Whether a pass is due: called with c->lock held; `timed` once the timer has run out. */
static bool
checkpointer_due(const struct checkpointer *c, bool timed)
{
    if (c->now)
        return true;
    /* Frames added since the last pass, not frames left uncopied: a reader may hold those. */
    if (c->policy.every_frames > 0 && c->frames - c->seen >= c->policy.every_frames)
        return true;
    return timed && c->frames > c->done;
}

/* One round: passive passes while they have much to copy. Returns the log's frames left, or -1. */
static int
checkpointer_round(struct checkpointer *c, int *copied)
{
    int log = 0, rc = SQLITE_OK;
    *copied = 0;
    for (int pass = 0, before = 0; pass < c->policy.passes; pass++, before = *copied) {
        log = 0;
        rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, copied);
        if (rc != SQLITE_OK || log <= 0 || *copied - before < CHECKPOINT_FEW)
            break;
    }
    return rc == SQLITE_OK && *copied >= 0 ? log : -1;
}

static void *
checkpointer_main(void *arg)
{
    struct checkpointer *c = arg;
    pthread_setname_np(pthread_self(), "ubur-checkpoint");
    pthread_mutex_lock(&c->lock);
    struct timespec next = ubur_deadline(CLOCK_REALTIME, c->policy.every_ms);
    for (;;) {
        bool timed = false;
        while (!c->stop && !checkpointer_due(c, timed)) {
            if (c->policy.every_ms <= 0) {
                pthread_cond_wait(&c->wake, &c->lock);
                continue;
            }
            if (ubur_deadline_passed(CLOCK_REALTIME, &next)) {
                next = ubur_deadline(CLOCK_REALTIME, c->policy.every_ms);
                timed = true;
                continue;
            }
            pthread_cond_timedwait(&c->wake, &c->lock, &next);
        }
        if (c->stop)
            break;
        c->now = false;
        c->busy = true;
        c->seen = c->frames;
        pthread_mutex_unlock(&c->lock);
        int copied = 0;
        int log = checkpointer_round(c, &copied);
        pthread_mutex_lock(&c->lock);
        c->busy = false;
        /* After a failure (the database busy) wait for the next trigger's frames. */
        c->done = log >= 0 ? copied : c->frames;
        /* An idle writer need not restart: with no reader on the log its next write does. */
        if (c->policy.restart_frames > 0 && log >= c->policy.restart_frames)
            atomic_store(&c->restart_due, true);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static int
checkpointer_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    struct checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    if (frames < c->frames) /* the log started again from its beginning */
        c->done = c->seen = 0;
    c->frames = frames;
    if (!c->busy && c->policy.every_frames > 0 && frames - c->seen >= c->policy.every_frames)
        pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    return SQLITE_OK;
}

static int
sqlite_checkpointer_start(struct ubur_store *base, const struct ubur_checkpointer_policy *p,
                          struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    const char *path = sqlite3_db_filename(s->db, "main");
    if (s->ckpt)
        return ubur_error_set(err, UBUR_EINTERNAL, "the connection has a checkpointer already");
    if (!path || !*path)
        return ubur_error_set(err, UBUR_EINVAL, "no database file to checkpoint");
    struct checkpointer *c = ubur_calloc(1, sizeof(*c));
    c->policy = *p;
    if (c->policy.passes < 1)
        c->policy.passes = 1;
    atomic_init(&c->restart_due, false);
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             trickle_vfs_name());
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "PRAGMA synchronous=FULL;", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite_fail(c->db, rc, err, "checkpointer");
        sqlite3_close(c->db);
        free(c);
        return UBUR_ESTORE;
    }
    sqlite3_busy_timeout(c->db, 10000); /* a passive checkpoint never calls it; closing may */
    if (p->trickle)
        sqlite3_file_control(c->db, "main", TRICKLE_FCNTL, NULL);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c)) {
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        sqlite3_close(c->db);
        free(c);
        return ubur_error_set(err, UBUR_EINTERNAL, "cannot start the checkpoint thread");
    }
    s->ckpt = c;
    sqlite3_wal_hook(s->db, checkpointer_hook, c);
    return 0;
}

/* Asks the thread for a checkpoint now, when it has frames to copy: the load has ended and
 * the loading thread goes on with other work (building indexes). */
static void
checkpointer_now(struct sqlite_store *s)
{
    struct checkpointer *c = s->ckpt;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    if (!c->busy && c->frames > c->done) {
        c->now = true;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->lock);
}

static void
sqlite_checkpointer_stop(struct ubur_store *base)
{
    struct sqlite_store *s = sqlite_store(base);
    struct checkpointer *c = s->ckpt;
    if (!c)
        return;
    sqlite3_wal_hook(s->db, NULL,
                     NULL); /* a wal_autocheckpoint PRAGMA puts the automatic one back */
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    sqlite3_close(c->db);
    free(c);
    s->ckpt = NULL;
    s->bulk_ckpt = false;
}

static bool
sqlite_log_restart_due(struct ubur_store *base)
{
    struct checkpointer *c = sqlite_store(base)->ckpt;
    return c && atomic_load_explicit(&c->restart_due, memory_order_relaxed) &&
           atomic_exchange(&c->restart_due, false);
}

/* A bulk load's settings (ubur_store_bulk_load); off restores those of open. Failures are
 * ignored: these only change speed. */
static void
sqlite_bulk_load(struct ubur_store *base, bool on)
{
    struct sqlite_store *s = sqlite_store(base);
    /* A checkpointer the connection had already stays, with its commit hook (which a
     * wal_autocheckpoint PRAGMA would replace). */
    bool own = s->ckpt && !s->bulk_ckpt;
    if (!on && s->bulk_ckpt)
        sqlite_checkpointer_stop(base);
    if (!own)
        sqlite3_exec(s->db,
                     on ? "PRAGMA wal_autocheckpoint=100000" : "PRAGMA wal_autocheckpoint=1000",
                     NULL, NULL, NULL);
    sqlite3_exec(s->db,
                 on ? "PRAGMA cache_size=-1048576;"
                      " PRAGMA ignore_check_constraints=ON; PRAGMA foreign_keys=OFF;"
                    : "PRAGMA foreign_keys=ON; PRAGMA ignore_check_constraints=OFF;"
                      " PRAGMA cache_size=-65536;",
                 NULL, NULL, NULL);
    if (on && !s->ckpt) {
        /* Every 25,000 pages, one pass each, not trickled: as measured for the import. */
        static const struct ubur_checkpointer_policy bulk = {.every_frames = 25000, .passes = 1};
        s->bulk_ckpt = sqlite_checkpointer_start(base, &bulk, NULL) == 0;
    } else if (!on) { /* the log grew while the load ran: fold it back into the database now */
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
}

/*
 * Settings while indexes are built (ubur_store_index_restore), inside its transaction.
 * Building an index sorts every row's key, and SQLite's sorter hands runs to worker threads
 * only when its temporary files are files (temp_store=MEMORY, set at open, disables its
 * threads) and only once the keys outgrow one run, whose size is the page cache's. So while
 * indexes are built: temp_store=FILE, two worker threads and a 16 MB cache, then the
 * connection's own settings again. Measured on the registry's two set-aside indexes over
 * 1,045,418 people (docs/BENCHMARKS.md, issue 7, session 6): the building thread's CPU fell
 * from about 5.8 s to 1.9 s, the runs sorted and merged on the other core. Each setting is
 * its own statement and failures are ignored: temp_store cannot change while the
 * connection's temporary database is in use (retention's TEMP table), and then the sort
 * simply runs on this thread as before.
 */
static void
sqlite_index_build(struct ubur_store *base, bool on)
{
    struct sqlite_store *s = sqlite_store(base);
    char sql[64];
    if (on) {
        sqlite3_stmt *st = NULL;
        checkpointer_now(s); /* a bulk load's last frames are copied while the sort runs */
        s->build_cache = 0;
        if (sqlite3_prepare_v2(s->db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            s->build_cache = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_exec(s->db, "PRAGMA temp_store=FILE", NULL, NULL, NULL);
        sqlite3_exec(s->db, "PRAGMA threads=2", NULL, NULL, NULL);
        sqlite3_exec(s->db, "PRAGMA cache_size=-16384", NULL, NULL, NULL);
        return;
    }
    sqlite3_exec(s->db, "PRAGMA threads=0", NULL, NULL, NULL);
    sqlite3_exec(s->db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
    if (s->build_cache) {
        snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)s->build_cache);
        sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    }
}

/*
 * A checkpoint's busy handler: polls every 100 microseconds until the deadline. SQLite's own
 * timeout sleeps 1, 2, 5, 10 ms between tries, far longer than this server's readers hold the
 * log (a request's reads take well under a millisecond).
 */
static int
checkpoint_busy(void *arg, int count)
{
    (void)count;
    if (ubur_deadline_passed(CLOCK_MONOTONIC, arg))
        return 0;
    struct timespec pause = {0, 100000};
    nanosleep(&pause, NULL);
    return 1;
}

static int
sqlite_checkpoint(struct ubur_store *base, enum ubur_checkpoint_mode mode, int wait_ms,
                  int *log_frames, int *copied_frames, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    if (!s->trickle) { /* this connection's checkpoints trickle their writes (see trickle_sync) */
        sqlite3_file_control(s->db, "main", TRICKLE_FCNTL, NULL);
        s->trickle = true;
    }
    struct timespec until = ubur_deadline(CLOCK_MONOTONIC, wait_ms < 0 ? 0 : wait_ms);
    sqlite3_busy_handler(s->db, checkpoint_busy, &until);
    int log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
                                       mode == UBUR_CHECKPOINT_RESTART ? SQLITE_CHECKPOINT_RESTART
                                                                       : SQLITE_CHECKPOINT_PASSIVE,
                                       &log, &copied);
    sqlite3_busy_timeout(s->db, s->busy_ms);
    if (log_frames)
        *log_frames = log > 0 ? log : 0;
    if (copied_frames)
        *copied_frames = copied > 0 ? copied : 0;
    return rc == SQLITE_OK ? 0 : sqlite_fail(s->db, rc, err, "checkpoint");
}

static int
sqlite_index_sql(struct ubur_store *base, const char *name, char **sql, struct ubur_error *err)
{
    struct sqlite_store *s = sqlite_store(base);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(s->db, rc, err, "prepare");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    const char *text = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (text) /* an index behind a UNIQUE or PRIMARY KEY constraint has no sql */
        *sql = ubur_strdup(text);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sqlite_fail(s->db, rc, err, "query");
    return text ? 0 : ubur_error_set(err, UBUR_ENOTFOUND, "no index '%s' to set aside", name);
}

static const struct ubur_store_ops sqlite_ops = {
    .name = "sqlite",
    .kind = UBUR_STORE_SQLITE,
    .checkpoint = sqlite_checkpoint,
    .checkpointer_start = sqlite_checkpointer_start,
    .checkpointer_stop = sqlite_checkpointer_stop,
    .log_restart_due = sqlite_log_restart_due,
    .defer_sync = sqlite_defer_sync,
    .sync_log = sqlite_sync_log,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .prepare = sqlite_prepare,
    .finalize = sqlite_finalize,
    .reset = sqlite_reset,
    .bind_text = sqlite_bind_text,
    .bind_text_borrowed = sqlite_bind_text_borrowed,
    .bind_int = sqlite_bind_int,
    .bind_double = sqlite_bind_double,
    .bind_blob = sqlite_bind_blob,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .columns = sqlite_columns,
    .column_name = sqlite_column_name,
    .is_null = sqlite_is_null,
    .text = sqlite_text,
    .int64 = sqlite_int,
    .dbl = sqlite_double,
    .blob = sqlite_blob,
    .changes = sqlite_changes,
    .bulk_load = sqlite_bulk_load,
    .index_build = sqlite_index_build,
    .index_sql = sqlite_index_sql,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
};
