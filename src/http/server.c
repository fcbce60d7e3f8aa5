/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd glue: the only file that includes microhttpd.h. A thread
 * pool with epoll; each worker thread keeps its own store connection (a
 * SQLite connection must not be shared between threads). Bodies are read
 * into a capped buffer: Content-Length over the cap is refused at once with
 * 413, a body that grows past it while streaming likewise. Every response
 * carries the security headers and an X-Request-Id, and one access-log line
 * goes to stderr per request with that id.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "http.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

/*
 * Bytes of microhttpd's per-connection pool (its default is 32 KiB): it holds a request's headers
 * and read buffer and the answer's headers, and microhttpd zeroes all of it after every request
 * on a kept-alive connection (about 1% of the request threads' CPU on the border benchmark).
 * Bodies larger than the buffer reach the handler in pieces (answer() gathers them).
 */
#define CONNECTION_POOL (16 * 1024)

/*
 * Connections open at once (--max-connections): microhttpd shares the limit out among the worker
 * threads, each stops accepting at its share, and past the whole limit a new connection waits in
 * the kernel's listen queue until one closes. Each takes a file descriptor and a CONNECTION_POOL.
 * An idle kept-alive connection is closed after IDLE_TIMEOUT seconds, or IDLE_TIMEOUT_BUSY once
 * more than three quarters of the limit are open, so that idle connections (browsers keep several
 * per tab) make room for working ones instead of holding the limit.
 */
#define CONNECTIONS_DEFAULT 4096
#define IDLE_TIMEOUT 30
#define IDLE_TIMEOUT_BUSY 3
/* File descriptors kept free of connections: per worker thread its epoll and wake-up descriptors,
 * its database's file and log (or a PostgreSQL socket) and a read replica's; then the writer's,
 * the checkpointer's, static files being served, logs. */
#define FDS_PER_THREAD 5
#define FDS_SPARE 64

static const struct ubur_http_config *server_cfg;
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ubur_store *stores[256];
static int nstores;
static __thread struct ubur_store *thread_store;
static __thread struct ubur_store *thread_read_store; /* cfg->read_uri's, when given */
static __thread int64_t read_retry_ms;    /* after a failed connect, not before this time */
static struct ubur_writer *server_writer; /* group commit for hot-path writes (ubur/writer.h) */
static unsigned connection_limit;
static atomic_int connections_open;
static _Atomic int64_t limit_logged_ms; /* when the last "at the limit" line was written */
static atomic_int requests_open;        /* begun and not completed */
static atomic_bool draining;            /* shutting down: answers close their connection */

struct request_state {
    struct ubur_ctx ctx;
    struct ubur_buf body;
    bool too_big;
    bool refused; /* came while shutting down: answered 503, its body discarded */
    int64_t start_ms;
};

static struct ubur_store *
worker_store(struct ubur_error *err)
{
    if (thread_store)
        return thread_store;
    if (ubur_store_open(&thread_store, server_cfg->db_uri, err)) {
        fprintf(stderr, "ubur: a worker thread cannot open the database: %s\n", err->message);
        return NULL;
    }
    pthread_mutex_lock(&stores_lock);
    if (nstores < (int)(sizeof(stores) / sizeof(stores[0])))
        stores[nstores++] = thread_store;
    pthread_mutex_unlock(&stores_lock);
    return thread_store;
}

/* The worker's connection to the read replica; NULL when there is none or it cannot be reached
 * (tried again after 5 s), and the statistics read the primary meanwhile. */
static struct ubur_store *
worker_read_store(void)
{
    if (thread_read_store || !server_cfg->read_uri || ubur_now_ms() < read_retry_ms)
        return thread_read_store;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&thread_read_store, server_cfg->read_uri, &err)) {
        fprintf(stderr, "ubur: read replica: %s; statistics read the primary meanwhile\n",
                err.message);
        read_retry_ms = ubur_now_ms() + 5000;
        thread_read_store = NULL;
        return NULL;
    }
    pthread_mutex_lock(&stores_lock);
    if (nstores < (int)(sizeof(stores) / sizeof(stores[0])))
        stores[nstores++] = thread_read_store;
    pthread_mutex_unlock(&stores_lock);
    return thread_read_store;
}

static const char *
query_lookup(struct ubur_http_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

static void
add_common_headers(struct MHD_Response *r, const char *request_id, bool api)
{
    MHD_add_response_header(r, "X-Request-Id", request_id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (api)
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result
send_response(struct MHD_Connection *c, struct request_state *rs, struct ubur_http_resp *resp,
              const char *method, const char *url)
{
    struct MHD_Response *r;
    bool api = ubur_http_is_api(url);

    if (resp->json) {
        char *text = json_dumps(resp->json, JSON_COMPACT);
        size_t len = text ? strlen(text) : 0;
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
        json_decref(resp->json);
        resp->json = NULL;
    } else {
        r = MHD_create_response_from_buffer(resp->raw_len, resp->raw ? resp->raw : (void *)"",
                                            resp->raw ? MHD_RESPMEM_MUST_FREE
                                                      : MHD_RESPMEM_PERSISTENT);
        resp->raw = NULL;
        if (resp->content_type)
            MHD_add_response_header(r, "Content-Type", resp->content_type);
    }
    add_common_headers(r, rs->ctx.request_id, api);
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
    if (atomic_load_explicit(&draining, memory_order_relaxed))
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    if (!server_cfg->quiet) {
        char at[UBUR_TIME_LEN + 1];
        ubur_time_format(ubur_now(), at);
        fprintf(stderr, "%s req=%s %s %s %d user=%s %lldms\n", at, rs->ctx.request_id, method, url,
                resp->status, rs->ctx.username ? rs->ctx.username : "-",
                (long long)(ubur_now_ms() - rs->start_ms));
    }
    return ok;
}

static enum MHD_Result
answer_error(struct MHD_Connection *c, struct request_state *rs, int code, const char *msg,
             const char *method, const char *url)
{
    struct ubur_http_resp resp = {0};
    resp.status = ubur_error_http_status(code);
    resp.json = json_pack("{s:{s:s, s:s}}", "error", "code", ubur_error_name(code), "message", msg);
    return send_response(c, rs, &resp, method, url);
}

/* Whether more than three quarters of the connection limit are open. */
static bool
connections_busy(void)
{
    return (unsigned)atomic_load_explicit(&connections_open, memory_order_relaxed) * 4 >
           connection_limit * 3;
}

/* Gives connection c the idle timeout that fits how many connections are open, when it has not
 * got it already. */
static void
idle_timeout(struct MHD_Connection *c)
{
    unsigned want = connections_busy() ? IDLE_TIMEOUT_BUSY : IDLE_TIMEOUT;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
    if (ci && ci->connection_timeout != want)
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, want);
}

/* Counts the open connections; a connection opened when most of the limit is in use gets the
 * short idle timeout, and reaching the limit is logged (at most once in 10 s): new connections
 * wait in the listen queue from then on until one closes. */
static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub_explicit(&connections_open, 1, memory_order_relaxed);
        return;
    }
    (void)socket_context;
    unsigned n =
        (unsigned)atomic_fetch_add_explicit(&connections_open, 1, memory_order_relaxed) + 1;
    if (connections_busy())
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_BUSY);
    if (n >= connection_limit) {
        int64_t now = ubur_now_ms(), last = atomic_load(&limit_logged_ms);
        if (now - last >= 10000 && atomic_compare_exchange_strong(&limit_logged_ms, &last, now))
            fprintf(stderr,
                    "ubur: %u connections open, the most allowed (--max-connections): new"
                    " connections wait until one closes\n",
                    n);
    }
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct request_state *rs = *con_cls;

    if (!rs) {
        idle_timeout(c);
        /* Counted before draining is read, as drain sets draining before it reads the count:
         * either drain waits for this request, or this request sees draining and does nothing. */
        atomic_fetch_add(&requests_open, 1);
        bool refused = atomic_load(&draining);
        rs = ubur_calloc(1, sizeof(*rs));
        struct ubur_buf init = UBUR_BUF_INIT;
        rs->body = init;
        rs->start_ms = ubur_now_ms();
        ubur_uuid7(rs->ctx.request_id);
        rs->ctx.state = server_cfg->state;
        rs->ctx.writer = server_writer;
        *con_cls = rs;
        bool upload = false;
        /* Imports may be larger: the route table says which paths. */
        for (int t = 0; ubur_http_routes[t] && !upload; t++)
            for (const struct ubur_http_route *r = ubur_http_routes[t]; r->method; r++)
                if ((r->flags & UBUR_ROUTE_UPLOAD) && !strcmp(r->method, method) &&
                    !strncmp(r->pattern, url, strcspn(r->pattern, "{")))
                    upload = true;
        rs->body.cap = upload ? UBUR_HTTP_UPLOAD_MAX : UBUR_HTTP_BODY_MAX;
        if (refused) {
            /* A request begun after the drain began (a kept-alive connection's next one) could
             * commit while the server stops and lose its answer: nothing is done for it. */
            rs->refused = true;
            return answer_error(c, rs, UBUR_EBUSY, "the server is shutting down: send it again",
                                method, url);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > rs->body.cap) {
            rs->too_big = true;
            return answer_error(c, rs, UBUR_ETOOBIG, "request body too large", method, url);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rs->too_big && !rs->refused && ubur_buf_add(&rs->body, upload_data, *upload_data_size))
            rs->too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rs->too_big)
        return answer_error(c, rs, UBUR_ETOOBIG, "request body too large", method, url);
    if (rs->refused)
        return MHD_YES; /* answered at its first call */

    struct ubur_http_resp resp = {0};
    if (!ubur_http_is_api(url)) {
        if (strcmp(method, "GET") && strcmp(method, "HEAD"))
            return answer_error(c, rs, UBUR_ENOTFOUND, "not found", method, url);
        if (ubur_http_static(url, &resp))
            return answer_error(c, rs, UBUR_ENOTFOUND, "not found", method, url);
        return send_response(c, rs, &resp, method, url);
    }

    struct ubur_error err = UBUR_ERROR_INIT;
    rs->ctx.store = worker_store(&err);
    if (!rs->ctx.store)
        return answer_error(c, rs, UBUR_EBUSY, "database unavailable", method, url);

    struct ubur_http_req req = {0};
    req.ctx = &rs->ctx;
    req.method = method;
    req.path = url;
    req.body = rs->body.s;
    req.body_len = rs->body.len;
    req.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    req.cookie_token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "ubur_session");
    req.csrf_header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    req.tls = server_cfg->tls_cert != NULL;
    req.query = query_lookup;
    req.conn = c;
    req.read_store = server_cfg->read_uri ? worker_read_store : NULL;
    ubur_http_dispatch(&req, &resp);
    if (req.json)
        json_decref(req.json);
    return send_response(c, rs, &resp, method, url);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
    (void)cls;
    (void)c;
    (void)tc;
    struct request_state *rs = *con_cls;
    if (!rs)
        return;
    if (rs->ctx.store && ubur_store_in_tx(rs->ctx.store))
        ubur_store_rollback(rs->ctx.store);
    ubur_buf_release(&rs->body);
    ubur_arena_release(&rs->ctx.arena);
    free(rs);
    *con_cls = NULL;
    atomic_fetch_sub_explicit(&requests_open, 1, memory_order_relaxed);
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa, struct ubur_error *err)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof(host))
        return ubur_error_field(err, UBUR_EINVAL, "listen", "'%s' is not ADDR:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return ubur_error_field(err, UBUR_EINVAL, "listen", "bad port in '%s'", listen);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return ubur_error_field(err, UBUR_EINVAL, "listen", "'%s' is not an IPv4 address", host);
    return 0;
}

static char *
read_file(const char *path, struct ubur_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ubur_error_set(err, UBUR_EIO, "cannot read '%s'", path);
        return NULL;
    }
    struct ubur_buf b = UBUR_BUF_INIT;
    char chunk[4096];
    size_t n;
    b.cap = 1 << 20;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ubur_buf_add(&b, chunk, n);
    fclose(f);
    return ubur_buf_detach(&b, NULL);
}

/*
 * The connections that fit in the open files limit (ulimit -n) beside the worker threads'
 * descriptors, at most `want`: raises the soft limit as far as the hard one allows first (the
 * soft limit is often 1024, as systemd sets it for services). Sets *nofile to the limit in force.
 * Past the limit, accept() and every open() would fail: a connection would wait and a request
 * needing a file would fail with a 5xx.
 */
static unsigned
fit_connections(unsigned want, unsigned threads, unsigned long long *nofile)
{
    rlim_t reserve = (rlim_t)threads * FDS_PER_THREAD + FDS_SPARE, need = want + reserve;
    struct rlimit rl;
    *nofile = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return want;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
        if (up.rlim_cur > rl.rlim_cur && !setrlimit(RLIMIT_NOFILE, &up))
            rl = up;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) {
        *nofile = rl.rlim_cur == RLIM_INFINITY ? 0 : (unsigned long long)rl.rlim_cur;
        return want;
    }
    *nofile = (unsigned long long)rl.rlim_cur;
    return rl.rlim_cur > reserve + 16 ? (unsigned)(rl.rlim_cur - reserve) : 16;
}

/*
 * Stops the server without dropping answers: stops accepting (a new connection waits, and is
 * reset when the server stops), lets the requests under way finish, each answer closing its
 * connection, refuses a request begun from now on (503, nothing done: a kept-alive connection's
 * next request would otherwise run while the server stops and could commit with its answer
 * lost), and stops once no request has been open for DRAIN_MS (at most DRAIN_MAX_MS in all: a
 * slow upload does not hold it up longer). Before, the requests under way when the signal came
 * lost their answers though their writes had committed (43 and 48 at wrk -c64).
 */
#define DRAIN_MS 20
#define DRAIN_MAX_MS 5000
static void
drain(struct MHD_Daemon *d)
{
    atomic_store(&draining, true);
    MHD_socket ls = MHD_quiesce_daemon(d);
    int64_t start = ubur_now_ms(), quiet_since = start;
    for (;;) {
        int64_t now = ubur_now_ms();
        if (atomic_load(&requests_open) > 0)
            quiet_since = now;
        if (now - quiet_since >= DRAIN_MS || now - start >= DRAIN_MAX_MS)
            break;
        usleep(2000);
    }
    MHD_stop_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
}

int
ubur_http_serve(const struct ubur_http_config *cfg, struct ubur_error *err)
{
    struct sockaddr_in sa;
    char *cert = NULL, *key = NULL;
    int rc;

    server_cfg = cfg;
    if ((rc = parse_listen(cfg->listen, &sa, err)))
        return rc;
    ubur_http_set_web_dir(cfg->web_dir);
    unsigned threads = cfg->threads;
    if (!threads) {
        /*
         * A request that writes waits for its group commit on its worker
         * thread, and MHD's pool gives each thread its own connections, so
         * a commit can gather at most one write per thread: threads are
         * mostly waiting, not computing. 32 per core (16 to 64): on the
         * border benchmark with the writer's pipeline (2 cores, session 8,
         * docs/BENCHMARKS.md) 64 threads recorded 1.12x the checks per
         * second of 16 at the same CPU per check and the same paced tail.
         */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = (unsigned)(n > 0 ? n * 32 : 16);
        if (threads < 16)
            threads = 16;
        if (threads > 64)
            threads = 64;
    }
    unsigned want = cfg->max_connections ? cfg->max_connections : CONNECTIONS_DEFAULT;
    unsigned long long nofile;
    connection_limit = fit_connections(want, threads, &nofile);
    if (connection_limit < threads) /* microhttpd gives each thread its share, none with less */
        connection_limit = threads;
    atomic_store(&connections_open, 0);
    atomic_store(&limit_logged_ms, 0);
    atomic_store(&requests_open, 0);
    atomic_store(&draining, false);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key)
            return ubur_error_set(err, UBUR_EINVAL, "--tls-cert and --tls-key go together");
        if (!(cert = read_file(cfg->tls_cert, err)) || !(key = read_file(cfg->tls_key, err))) {
            free(cert);
            return UBUR_EIO;
        }
        flags |= MHD_USE_TLS;
    }
    /*
     * Worker threads allocate from their own malloc arenas; glibc trims an
     * arena's heap as soon as 128 KB are free at its top and grows it again
     * with mprotect() on the next request: thousands of system calls a
     * second at load. Keep up to 64 MB per arena instead. Setting that
     * turns off glibc's adaptive mmap threshold, so it is set to the most
     * that adaptation would reach (32 MB): per-request buffers of a few
     * megabytes (name matching's scratch) stay off mmap()/munmap().
     */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    /* Block the signals in every thread; the main thread waits for them below. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = ubur_writer_open(&server_writer, cfg->db_uri, 0, err))) {
        free(cert);
        free(key);
        return rc;
    }
    struct MHD_Daemon *d;
    if (cert)
        d = MHD_start_daemon(
            flags, 0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)CONNECTION_POOL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
            MHD_OPTION_CONNECTION_LIMIT, connection_limit, MHD_OPTION_NOTIFY_COMPLETED, completed,
            NULL, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL, MHD_OPTION_HTTPS_MEM_CERT,
            cert, MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
    else
        d = MHD_start_daemon(
            flags, 0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)CONNECTION_POOL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
            MHD_OPTION_CONNECTION_LIMIT, connection_limit, MHD_OPTION_NOTIFY_COMPLETED, completed,
            NULL, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL, MHD_OPTION_END);
    if (!d) {
        ubur_writer_close(server_writer);
        server_writer = NULL;
        free(cert);
        free(key);
        return ubur_error_set(err, UBUR_EIO, "cannot listen on %s (address in use?)", cfg->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    fprintf(stderr, "ubur: listening on %s://%s:%u\n", cert ? "https" : "http", host,
            info ? info->port : ntohs(sa.sin_port));
    if (connection_limit < want)
        fprintf(stderr,
                "ubur: the open files limit (ulimit -n) of %llu allows only %u connections at"
                " once, not %u: raise it (LimitNOFILE= in a systemd unit)\n",
                nofile, connection_limit, want);
    else
        fprintf(stderr, "ubur: up to %u connections at once, %u worker threads\n", connection_limit,
                threads);
    fflush(stderr);

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "ubur: signal %d, shutting down\n", sig);
    drain(d);
    /* Requests are finished; commit whatever they queued, then stop the writer. */
    struct ubur_writer_stats ws;
    ubur_writer_stats(server_writer, &ws);
    ubur_writer_close(server_writer);
    server_writer = NULL;
    fprintf(stderr,
            "ubur: writer: %lld writes in %lld commits (largest batch %d); log restarted %lld"
            " times (%lld given up), %lld ms in all, longest %.1f ms\n",
            (long long)ws.jobs, (long long)ws.batches, ws.largest_batch, (long long)ws.restarts,
            (long long)ws.restarts_busy, (long long)(ws.restart_us / 1000),
            ws.restart_us_max / 1000.0);
    fprintf(stderr,
            "ubur: writer: waited writes by time in the writer, under 1/2/5/10/20/50/100 ms and"
            " longer: %lld %lld %lld %lld %lld %lld %lld %lld; longest commit %.1f ms, batch %.1f"
            " ms; %lld syncs of the log apart from commits, longest %.1f ms\n",
            (long long)ws.waited[0], (long long)ws.waited[1], (long long)ws.waited[2],
            (long long)ws.waited[3], (long long)ws.waited[4], (long long)ws.waited[5],
            (long long)ws.waited[6], (long long)ws.waited[7], ws.commit_us_max / 1000.0,
            ws.batch_us_max / 1000.0, (long long)ws.syncs, ws.sync_us_max / 1000.0);
    pthread_mutex_lock(&stores_lock);
    for (int i = 0; i < nstores; i++)
        ubur_store_close(stores[i]);
    nstores = 0;
    pthread_mutex_unlock(&stores_lock);
    free(cert);
    free(key);
    return 0;
}
