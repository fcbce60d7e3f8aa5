#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a command against a throwaway PostgreSQL cluster.
#
#   tests/pg.sh COMMAND [ARGS...]
#
# Creates a cluster in a temporary directory (initdb), starts it on a free
# loopback port with fsync and synchronous_commit on, runs COMMAND with
# UBUR_TEST_PG=postgresql://postgres@127.0.0.1:PORT/postgres in its
# environment, then stops the cluster and removes the directory, whatever
# happened. Exits with COMMAND's status, or 77 (nothing run) when PostgreSQL's
# server programs are not installed.
#
# As root, initdb and postgres run as the `postgres` user through runuser
# (PostgreSQL refuses to run as root); otherwise as the calling user.
# Authentication is `trust`, which is safe only because the server listens on
# 127.0.0.1 and on a socket in the private temporary directory.
# With UBUR_PG_STANDBY=1 a hot standby streams from it too (pg_basebackup), on
# another port, named by UBUR_TEST_PG_STANDBY: read replicas are how statistics
# scale (docs/SCALING.md). Set UBUR_PG_KEEP=1 to keep the directory (with the
# server logs) afterwards.
set -u

if [ $# -eq 0 ]; then
    echo "usage: tests/pg.sh COMMAND [ARGS...]" >&2
    exit 2
fi

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
        bindir=$d
        break
    fi
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
    echo "pg.sh: PostgreSQL server programs not found (apt-get install postgresql)" >&2
    exit 77
fi

if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "pg.sh: running as root but there is no 'postgres' user to run the server" >&2
        exit 77
    fi
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

if ! as_pg sh -c ': >/dev/null' 2>/dev/null; then
    echo "pg.sh: /dev/null is not writable by the server's user ($(ls -l /dev/null | cut -d' ' -f1));" \
         "something changed its mode: chmod 666 /dev/null" >&2
    exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ubur-pg.XXXXXX") || exit 1
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
chmod 700 "$dir"
data=$dir/data
log=$dir/server.log
started=0
standby_started=0

cleanup() {
    if [ "$standby_started" -eq 1 ]; then
        as_pg "$bindir/pg_ctl" -D "$dir/standby" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ "$started" -eq 1 ]; then
        as_pg "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 ||
            as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ "${UBUR_PG_KEEP:-0}" = 1 ]; then
        echo "pg.sh: kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A watchdog in its own session: if this script is killed outright (SIGKILL, or its whole
# process group), the servers are stopped and the directory removed all the same.
if command -v setsid >/dev/null 2>&1; then
    pgsh=$$
    if [ "$(id -u)" -eq 0 ]; then as="runuser -u postgres --"; else as=""; fi
    setsid sh -c "
        while kill -0 $pgsh 2>/dev/null; do sleep 1; done
        [ -d '$dir' ] || exit 0
        $as '$bindir/pg_ctl' -D '$dir/standby' -m immediate -w stop
        $as '$bindir/pg_ctl' -D '$data' -m immediate -w stop
        [ '${UBUR_PG_KEEP:-0}' = 1 ] || rm -rf '$dir'
    " >/dev/null 2>&1 </dev/null &
fi

# C collation: text sorts by code point, as in SQLite, whatever the machine's locale.
if ! as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1; then
    echo "pg.sh: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port=""
for attempt in 1 2 3 4 5; do
    port=$(free_port) || exit 1
    if as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200" \
            >/dev/null 2>&1; then
        started=1
        break
    fi
    started=1 # a half-started server must still be stopped
    as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    started=0
    port=""
done
if [ -z "$port" ]; then
    echo "pg.sh: the server did not start:" >&2
    tail -20 "$log" >&2
    exit 1
fi

UBUR_TEST_PG="postgresql://postgres@127.0.0.1:$port/postgres"
export UBUR_TEST_PG

if [ "${UBUR_PG_STANDBY:-0}" = 1 ]; then
    sport=$(free_port) || exit 1
    if ! as_pg "$bindir/pg_basebackup" -d "$UBUR_TEST_PG" -D "$dir/standby" -R -X stream \
            >"$dir/basebackup.log" 2>&1; then
        echo "pg.sh: pg_basebackup failed:" >&2
        cat "$dir/basebackup.log" >&2
        exit 1
    fi
    standby_started=1
    if ! as_pg "$bindir/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $sport -k $dir -c max_connections=200" \
            >/dev/null 2>&1; then
        echo "pg.sh: the standby did not start:" >&2
        tail -20 "$dir/standby.log" >&2
        exit 1
    fi
    UBUR_TEST_PG_STANDBY="postgresql://postgres@127.0.0.1:$sport/postgres"
    export UBUR_TEST_PG_STANDBY
fi
"$@"
