/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur serve`: migrates the database and serves the API and web UI. It
 * refuses to listen beyond loopback without TLS unless --insecure says so:
 * personal data must not cross a network in the clear by accident.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../http/http.h"
#include "cli.h"
#include "ubur/sync.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_serve;

static bool
loopback(const char *listen)
{
    return !strncmp(listen, "127.", 4) || !strncmp(listen, "localhost:", 10);
}

static int
run_serve(struct ubur_cli *cli, int argc, char **argv)
{
    struct ubur_http_config cfg = {0};
    const char *threads = NULL, *sync_interval = NULL, *max_connections = NULL;
    bool insecure = false, quiet = false;
    char **pos;
    int npos;

    cfg.listen = getenv("UBUR_LISTEN");
    if (!cfg.listen || !*cfg.listen)
        cfg.listen = "127.0.0.1:8080";
    cfg.read_uri = getenv("UBUR_PG_READ");
    if (cfg.read_uri && !*cfg.read_uri)
        cfg.read_uri = NULL;
    cfg.web_dir = getenv("UBUR_WEB");
    if (!cfg.web_dir || !*cfg.web_dir)
        cfg.web_dir = "web";
    const struct ubur_opt opts[] = {
        {"listen", &cfg.listen, NULL},
        {"web", &cfg.web_dir, NULL},
        {"tls-cert", &cfg.tls_cert, NULL},
        {"tls-key", &cfg.tls_key, NULL},
        {"threads", &threads, NULL},
        {"insecure", NULL, &insecure},
        {"quiet", NULL, &quiet},
        {"sync-interval", &sync_interval, NULL},
        {"pg-read", &cfg.read_uri, NULL},
        {"max-connections", &max_connections, NULL},
        {0},
    };
    int rc = ubur_cli_parse(cli, &ubur_cmd_serve, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_serve, "unexpected argument '%s'", pos[0]);
    long nthreads, nconnections, sync_secs; /* 0: the server's own choice; no sync */
    if ((rc = ubur_cli_number(&ubur_cmd_serve, "threads", threads, 1, 64, 0, &nthreads)) ||
        (rc = ubur_cli_number(&ubur_cmd_serve, "max-connections", max_connections, 16, 1000000, 0,
                              &nconnections)) ||
        (rc = ubur_cli_number(&ubur_cmd_serve, "sync-interval", sync_interval, 1, 86400, 0,
                              &sync_secs)))
        return rc;
    cfg.threads = (unsigned)nthreads;
    cfg.max_connections = (unsigned)nconnections;
    if (!loopback(cfg.listen) && !cfg.tls_cert && !insecure)
        return ubur_cli_failf(1,
                              "refusing to listen on %s without TLS; give --tls-cert and "
                              "--tls-key, or --insecure if a TLS proxy stands in front",
                              cfg.listen);
    if (!ubur_cli_store(cli))
        return 1;
    cfg.db_uri = cli->pg ? cli->pg : cli->db;
    if (!cfg.threads && cli->pg) {
        /* Each worker thread holds a PostgreSQL connection once used: server.c's default (32
         * per core, for SQLite's pipelined writer) would take 66 of the 100 connections
         * PostgreSQL allows by default. Here it stays 8 per core, 16 to 64 (docs/SCALING.md). */
        long n = sysconf(_SC_NPROCESSORS_ONLN) * 8;
        cfg.threads = (unsigned)(n < 16 ? 16 : n > 64 ? 64 : n);
    }
    if (cfg.read_uri && !cli->pg)
        return ubur_cli_usage(&ubur_cmd_serve, "--pg-read needs --pg (a PostgreSQL primary)");
    cfg.state = ubur_setting(&cli->ctx, "state", NULL);
    cfg.quiet = quiet;
    /* Worker threads open their own connections; the CLI's is not shared with them. */
    ubur_store_close(cli->store);
    cli->store = NULL;
    struct ubur_error err = UBUR_ERROR_INIT;
    /* A post syncs with central in the background; offline it just keeps serving. */
    if (sync_secs && ubur_sync_thread_start(cfg.db_uri, cfg.state, (int)sync_secs, &err))
        return ubur_cli_fail(&err);
    rc = ubur_http_serve(&cfg, &err);
    ubur_sync_thread_stop();
    if (rc)
        return ubur_cli_fail(&err);
    return 0;
}

const struct ubur_cmd ubur_cmd_serve = {
    .name = "serve",
    .summary = "serve the JSON API and the web UI",
    .usage = "usage: ubur serve [--listen ADDR:PORT] [--web DIR] [--threads N]\n"
             "                  [--tls-cert PEM --tls-key PEM] [--insecure] [--quiet]\n"
             "                  [--sync-interval SECONDS] [--pg-read CONNINFO]\n"
             "                  [--max-connections N]\n"
             "  Listens on UBUR_LISTEN or 127.0.0.1:8080 (port 0 picks a free port).\n"
             "  Beyond loopback, TLS is required unless --insecure is given.\n"
             "  --threads: worker threads (default 32 per core on SQLite, 8 on\n"
             "  PostgreSQL, 16 to 64: a request waiting for its group commit holds its\n"
             "  thread).\n"
             "  --max-connections: connections open at once (default 4096; fewer when\n"
             "  the open files limit, ulimit -n, is too low for them: the server says so);\n"
             "  past it a new connection waits until one closes.\n"
             "  --sync-interval: on a border post (`ubur sync config`), sync with central\n"
             "  every SECONDS in the background (with backoff while the link is down).\n"
             "  --pg-read (or UBUR_PG_READ): a read replica of the --pg database (a hot\n"
             "  standby) that serves the statistics routes (/api/v1/stats/...), so heavy\n"
             "  aggregations never slow the border; they read the primary while it is down.\n",
    .run = run_serve,
};
