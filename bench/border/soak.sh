#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Soak: one `ubur serve` on the border benchmark's database for MINUTES
# minutes of check + confirm paced at RATE checks/s (check_confirm.lua, CONNS
# connections), one wrk run a minute (so each minute opens new connections).
# After each minute prints what was reached (recorded/s, p50, p99, max), the
# failed requests and socket errors, and the server's resident memory (its own,
# then the database's pages that SQLite's read map has touched), open file
# descriptors, threads and the write-ahead log's size: memory, descriptors
# or latency that drift upwards over the run are a leak or a slowdown. Ends
# with the writer's counters. Any failed request, socket error or unclean exit
# keeps the server's log in build/bench-logs/. Not part of `make test`.
#   BENCH_DB=... flock /tmp/ubur-bench.lock bench/border/soak.sh
# Environment: BENCH_DB (default build/bench/border.db; its passwords file
# beside it), UBUR_BIN (build/ubur), MINUTES (10), RATE (500), CONNS (32),
# POOL (known travellers drawn, 1000000; 0 on a demo database).
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
db=${BENCH_DB:-build/bench/border.db}
pwfile=$(cd "$(dirname "$db")" && pwd)/border-passwords.txt
[ -f "$pwfile" ] || pwfile=${PWFILE:?no passwords file beside the database: PWFILE=...}
bin=${UBUR_BIN:-build/ubur}
minutes=${MINUTES:-10}
rate=${RATE:-500}
log=$(mktemp)
wout=$(mktemp)
pid=
trap 'rc=$?; [ -n "$pid" ] && kill $pid 2>/dev/null
      [ "$rc" -ne 0 ] && [ -s "$log" ] && serve_keep_log "$log" "the script failed (status $rc)"
      rm -f "$log" "$wout"' EXIT

# state: the server's resident memory (MB: its own, then the database file's pages mapped by
# SQLite's read map, which grow with the pages read), descriptors, threads, the WAL (MB).
state() {
    rss=$(awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 }
               END { printf "%.1f + file %.1f", a / 1024, f / 1024 }' /proc/"$pid"/status)
    fds=$(ls /proc/"$pid"/fd | wc -l)
    thr=$(ls /proc/"$pid"/task | wc -l)
    wal=$( (stat -c %s "$db-wal" 2>/dev/null || echo 0) | awk '{ printf "%.1f", $1 / 1e6 }')
    echo "RSS $rss MB, $fds fds, $thr threads, WAL $wal MB"
}

serve_start "$log" "$bin" --db "$db" serve --listen 127.0.0.1:0 --quiet
officer_login "$pwfile" "${POOL:-1000000}"
echo "$bin on $db, $rate checks/s paced, ${CONNS:-32} connections, $minutes min," \
     "from $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "start: $(state)"
errors=0
for m in $(seq 1 "$minutes"); do
    UBUR_RATE=$((rate * 2)) UBUR_WRK_THREADS=2 \
        wrk_run "$wout" -t2 -c"${CONNS:-32}" -d60s --timeout 10s \
        -s bench/border/check_confirm.lua "$url"
    r=$(grep RESULT "$wout" || echo "RESULT none")
    e=$(echo "$r" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
    sock=$(grep 'Socket errors' "$wout" | sed 's/^ *//' || true)
    errors=$((errors + ${e:-0}))
    kill -0 "$pid" 2>/dev/null || { echo "minute $m: the server is gone" >&2; break; }
    summary=$(echo "$r" | sed 's/.*recorded_per_s=\([0-9.]*\).*p50_ms=\([0-9.]*\).*p99_ms=\([0-9.]*\).*max_ms=\([0-9.]*\).*/\1 recorded\/s, p50 \2, p99 \3, max \4 ms/')
    echo "minute $m: $summary, errors ${e:-?}${sock:+, $sock}; $(state)"
done
echo "failed requests in all: $errors"
serve_stop
grep "writer:" "$log" | sed 's/^ubur: /  /' || true
serve_check "$log"
