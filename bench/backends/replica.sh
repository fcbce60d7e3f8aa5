#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Statistics from a read replica while the border writes to the primary
# (issue 10, docs/SCALING.md "Read replicas for statistics").
#
#   bench/backends/replica.sh
#
# A throwaway PostgreSQL primary with a hot standby streaming from it
# (tests/pg.sh with UBUR_PG_STANDBY=1, fsync and synchronous_commit on),
# `ubur demo` loaded on the primary. Then, for each mode, one `ubur serve`:
# "replica" with --pg-read on the standby, "primary" without (statistics read
# the primary). In each: population statistics by four dimensions
# (GET /api/v1/stats/population, one request at a time) with nothing else
# running, then the same while bench/border's check_confirm.lua runs under wrk
# against the same server (every check and record a write on the primary).
# Prints per-request latency medians and p99s, the border's recorded
# checks/s during it, and the standby's replay lag (pg_stat_replication's
# replay_lag on the primary: commit to replayed on the standby) sampled
# meanwhile.
# Environment: DURATION (20) seconds of border load, CONNS (8) wrk
# connections, THREADS (8) server threads, IDLE (30) idle requests.
set -eu
cd "$(dirname "$0")/../.."

. bench/lib.sh
command -v wrk >/dev/null || { echo "bench/backends: wrk is not installed" >&2; exit 1; }
export UBUR_PG_STANDBY=1
bench_under_pg "$@"
duration=${DURATION:-20}
conns=${CONNS:-8}
threads=${THREADS:-8}
idle=${IDLE:-30}
base=$UBUR_TEST_PG
standby=$UBUR_TEST_PG_STANDBY
hostport() { echo "$1" | sed 's|^[a-z]*://\([^@/]*@\)\{0,1\}\([^/?]*\).*|\2|'; }
primary=${base%/*}/bench
replica=$(echo "$primary" | sed "s|$(hostport "$base")|$(hostport "$standby")|")

work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-replica.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
psql -q -X "$base" -c "CREATE DATABASE bench" >/dev/null
build/ubur --pg "$primary" demo --password-file "$work/pw" >/dev/null 2>&1
# wait until the standby has replayed the demo
for _ in $(seq 1 300); do
    n=$(psql -X -A -t "$replica" -c "SELECT COUNT(*) FROM reg_individual" 2>/dev/null || echo 0)
    [ "$n" = 45418 ] && break
    sleep 0.2
done
echo "demo loaded on the primary; the standby holds $n individuals"

stats_path="/api/v1/stats/population?by=type,governorate,sex,age_band&format=csv"
lat() { # file: prints "p50 p99" in ms
    sort -n "$1" | awk '{ a[NR] = $1 * 1000 } END {
        if (!NR) { print "- -"; exit }
        i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
        printf "%.1f %.1f %d\n", a[int((NR + 1) / 2)], a[i], NR }'
}
: >"$work/table"
for mode in replica primary; do
    set -- serve --listen 127.0.0.1:0 --threads "$threads" --quiet
    [ "$mode" = replica ] && set -- "$@" --pg-read "$replica"
    serve_start "$work/serve.log" build/ubur --pg "$primary" "$@"
    officer_login "$work/pw" 0
    get() {
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
            -H "Authorization: Bearer $UBUR_TOKEN" "$url$stats_path"
    }
    [ "$(get | cut -d' ' -f1)" = 200 ] || { echo "statistics request failed" >&2; exit 1; }
    : >"$work/idle"
    for _ in $(seq 1 "$idle"); do get | awk '$1 == 200 { print $2 }' >>"$work/idle"; done
    wrk -t2 -c4 -d2s -s bench/border/check_confirm.lua "$url" >/dev/null # warm-up
    wrk -t2 -c"$conns" -d"${duration}s" -s bench/border/check_confirm.lua "$url" \
        >"$work/wrk" 2>&1 &
    wpid=$!
    : >"$work/busy"
    : >"$work/lag"
    sleep 1
    while kill -0 "$wpid" 2>/dev/null; do
        get | awk '$1 == 200 { print $2 }' >>"$work/busy"
        psql -X -A -t "$base" -c "SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag) * 1000, 0)
            FROM pg_stat_replication" >>"$work/lag" 2>/dev/null || true
    done
    wait "$wpid" || true
    rps=$(sed -n 's/.*recorded_per_s=\([0-9.]*\).*/\1/p' "$work/wrk")
    errs=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$work/wrk")
    echo "$mode: $(grep RESULT "$work/wrk")"
    echo "$mode $(lat "$work/idle") $(lat "$work/busy") $rps $errs $(lat "$work/lag")" >>"$work/table"
    kill -INT "$pid"
    wait "$pid" || true
    pid=
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| statistics read from | idle p50 / p99 ms (n) | under border writes p50 / p99 ms (n) |" \
    "border recorded/s meanwhile (errors) | standby replay lag p50 / p99 ms |"
echo "|---|---:|---:|---:|---:|"
awk '{ printf "| %s | %s / %s (%s) | %s / %s (%s) | %s (%s) | %s / %s |\n",
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$work/table"
echo
echo "The statistics from the primary and from the replica are the same query; the replica's"
echo "figures are as of its last replayed commit (the replay lag)."
