#!/bin/sh
# Border benchmark (issue 5): wrk against check + confirm on a database of
# 1,000,000 travellers, 10,000,000 past movements and a 100,000-name
# watchlist, beside the raw SQLite durable-insert ceiling measured in the
# same run on the same disk.
#   bench/border/run.sh
# Environment: BENCH_DB (default build/bench/border.db; built once by
# bench/border/gen.sql and bench/border/watchlist.py, about 6 GB), DURATION
# seconds per run (20), THREADS server threads (default: the server's own,
# 32 per core since session 8, 8 before; the runs before 2026-11-29 noon used 32), CONNS connections for
# the throughput run (64), RATE checks per second for the latency run (500),
# NOSCREEN=1 to measure also a copy of the database whose watchlist entries
# are all ended (the border path without the cost of name matching),
# UBUR_BIN another ubur binary to serve (an older build, for a before/after),
# SLOW_MS the writer's slow-write threshold for the paced run's count (10),
# PACED_RUNS paced runs one after the other on the same server (1; a p99 is one run's).
# Prints per run: recorded checks/s (a check and its confirmation), p50 and
# p99 per request, server CPU microseconds per recorded check.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
make --no-print-directory -s all
mkdir -p build/bench
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -o build/bench/sqlite_ceiling \
    bench/border/sqlite_ceiling.c -lsqlite3
db=${BENCH_DB:-build/bench/border.db}
dir=$(cd "$(dirname "$db")" && pwd)
duration=${DURATION:-20}
threads=${THREADS:-}
conns=${CONNS:-64}
rate=${RATE:-500}
paced_runs=${PACED_RUNS:-1}
pwfile=$dir/border-passwords.txt

if [ ! -f "$db" ]; then
    echo "building $db (1M travellers, 10M movements, 100k watchlist names)..."
    rm -f "$db" "$db-wal" "$db-shm" "$pwfile"
    t0=$(date +%s)
    nice build/ubur --db "$db" demo --password-file "$pwfile" >/dev/null 2>&1
    nice sqlite3 "$db" <bench/border/gen.sql >/dev/null
    nice python3 bench/border/watchlist.py 100000 >"$dir/border-watchlist.csv"
    nice build/ubur --db "$db" watchlist import "$dir/border-watchlist.csv" \
        --list "bench alert list" >/dev/null
    echo "built in $(( $(date +%s) - t0 )) s"
    sync # else the build's gigabytes are still being written back during the first runs
fi
echo "database: $(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM travellers) || ' travellers, ' ||
    (SELECT COUNT(*) FROM border_records) || ' movements, ' ||
    (SELECT COUNT(*) FROM watchlist_names) || ' watchlist names'"), $(( $(stat -c %s "$db") / 1000000 )) MB"
# Every recorded check adds about 3.3 KB: after many runs the file no longer fits the page cache
# and the runs slow down; delete it (and its -wal, -shm) to build it afresh (about 3 minutes).
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "raw SQLite durable-insert ceiling (same disk):"
nice build/bench/sqlite_ceiling "$dir" 5

pid=
log=$(mktemp)
slow_ms=${SLOW_MS:-10}
# disk_read PID: bytes the process has read from the disk so far (not from the page cache).
disk_read() {
    awk '/^read_bytes/ { print $2 }' "/proc/$1/io"
}
# steal_ticks: CPU time the hypervisor took from this machine so far, all cores, in ticks.
steal_ticks() {
    awk '/^cpu / { print $9 }' /proc/stat
}
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -f "$log"' EXIT
hz=$(getconf CLK_TCK)

# measure LABEL DB: throughput and latency runs against a server on DB.
measure() {
    echo "== $1"
    cat "$2" >/dev/null # the page cache, as on a server that has been running
    UBUR_WRITER_SLOW_MS=$slow_ms serve_start "$log" "${UBUR_BIN:-build/ubur}" --db "$2" serve \
        --listen 127.0.0.1:0 \
        ${threads:+--threads "$threads"} --quiet
    officer_login "$pwfile" 1000000
    wrk -t2 -c8 -d5s -s bench/border/check_confirm.lua "$url" >/dev/null # warm-up

    echo "throughput: wrk -t2 -c$conns -d${duration}s, server --threads ${threads:-default}," \
         "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/border/check_confirm.lua "$url" |
          grep RESULT)
    c1=$(cpu_ticks "$pid")
    echo "$out"
    recorded=$(echo "$out" | sed 's/.*confirms=\([0-9]*\).*/\1/')
    echo "server CPU per recorded check (check + confirm): $(( (c1 - c0) * 1000000 / hz / (recorded > 0 ? recorded : 1) )) us"

    echo "latency at $rate checks/s (each confirmed: $((rate * 2)) requests/s), 32 connections," \
         "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    c0=$(cpu_ticks "$pid")
    paced_from=$(date -u +%T.%3N)
    read0=$(disk_read "$pid")
    steal0=$(steal_ticks)
    for _ in $(seq 1 "$paced_runs"); do
        UBUR_RATE=$((rate * 2)) UBUR_WRK_THREADS=2 \
            wrk -t2 -c32 -d"${duration}s" -s bench/border/check_confirm.lua "$url" | grep RESULT
    done
    c1=$(cpu_ticks "$pid")
    echo "server CPU while paced: $(( (c1 - c0) * 100 / hz / duration / paced_runs ))% of one core"
    paced_to=$(date -u +%T.%3N)
    echo "while paced: the server read $(( ($(disk_read "$pid") - read0) / 1000000 )) MB from" \
         "the disk (pages not in the page cache); CPU stolen by the host:" \
         "$(( ($(steal_ticks) - steal0) * 100 / hz / duration / paced_runs ))% of one core"
    kill -INT $pid
    wait $pid || true
    pid=
    grep "writer:" "$log" | grep -v "writer: slow" || true
    # the writer's slow-write log (UBUR_WRITER_SLOW_MS): what of the tail is the writer's
    awk -v from="$paced_from" -v to="$paced_to" -v ms="$slow_ms" '
        /writer: slow/ { t = $6; sub(":$", "", t)
                         if (t >= from && t <= to) { n++; w = ($4 == "restart" ? $7 : 0)
                                                     for (i = 7; i < NF; i++) if ($i == "waited") w = $(i + 1) + 0
                                                     if (w > max) max = w
                                                     if ($4 == "restart") r++ } }
        END { printf "while paced: writer batches holding a write %d ms or more: %d (%d of them" \
                     " restarts), longest wait %.1f ms\n", ms, n, r, max }' "$log"
}

measure "with the 100,000-name watchlist" "$db"
if [ "${NOSCREEN:-0}" = 1 ]; then
    nowl=$dir/border-nowatchlist.db
    if [ ! -f "$nowl" ]; then
        cp "$db" "$nowl"
        sqlite3 "$nowl" "UPDATE watchlist_entries SET status = 'ended',
                         ended_at = '2026-01-01T00:00:00Z'" >/dev/null
    fi
    measure "the same database, every watchlist entry ended (no name matching)" "$nowl"
fi
