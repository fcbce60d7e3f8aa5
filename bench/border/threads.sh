#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Where the border benchmark's server CPU goes, by thread: starts `ubur serve`
# on the benchmark's database, warms up 5 s, runs wrk -c64 check + confirm
# (as run.sh) for DURATION seconds and prints, per recorded check (a check and
# its confirmation), the server's CPU and each kind of thread's (MHD-worker:
# the request threads; ubur-writer; ubur-checkpoint; ubur-sync), read from
# /proc/PID/task/*/stat before and after: less sensitive to other load on a
# shared machine than the throughput. PACED=1 adds a run paced at RATE
# checks/s (its p50, p90, p99). Ends with the writer's closing counters.
#   BENCH_DB=... flock /tmp/ubur-bench.lock bench/border/threads.sh
# Environment: BENCH_DB (default build/bench/border.db, built by run.sh; its
# passwords file beside it), UBUR_BIN (build/ubur), THREADS (the server's
# default), DURATION (12), CONNS (64), PACED (0), RATE (500).
# A run with failed requests or socket errors (the warm-up's too) is shown and
# keeps the server's log in build/bench-logs/, as does a server that did not
# shut down cleanly or a script that failed.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
db=${BENCH_DB:-build/bench/border.db}
pwfile=$(cd "$(dirname "$db")" && pwd)/border-passwords.txt
bin=${UBUR_BIN:-build/ubur}
duration=${DURATION:-12}
rate=${RATE:-500}
hz=$(getconf CLK_TCK)
log=$(mktemp)
before=$(mktemp)
after=$(mktemp)
wout=$(mktemp)
pid=
trap 'rc=$?; [ -n "$pid" ] && kill $pid 2>/dev/null
      [ "$rc" -ne 0 ] && [ -s "$log" ] && serve_keep_log "$log" "the script failed (status $rc)"
      rm -f "$log" "$before" "$after" "$wout"' EXIT

# thread_ticks: "NAME TICKS" per kind of thread of the server, sorted by name.
thread_ticks() {
    for t in /proc/"$pid"/task/*; do
        printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"
    done | awk '{ a[$1] += $2 } END { for (k in a) print k, a[k] }' | sort
}

serve_start "$log" "$bin" --db "$db" serve --listen 127.0.0.1:0 --quiet \
    ${THREADS:+--threads "$THREADS"}
officer_login "$pwfile" 1000000
wrk_run "$wout" -t2 -c8 -d5s -s bench/border/check_confirm.lua "$url" # warm-up
echo "$bin, --threads ${THREADS:-default}, $(date -u +%H:%M:%S) UTC," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
thread_ticks >"$before"
c0=$(cpu_ticks "$pid")
wrk_run "$wout" -t2 -c"${CONNS:-64}" -d"${duration}s" -s bench/border/check_confirm.lua "$url"
out=$(grep RESULT "$wout" || true)
c1=$(cpu_ticks "$pid")
thread_ticks >"$after"
echo "$out"
n=$(echo "$out" | sed 's/.*confirms=\([0-9]*\).*/\1/')
n=$((n > 0 ? n : 1))
echo "server CPU per recorded check: $(( (c1 - c0) * 1000000 / hz / n )) us, of which:"
join "$before" "$after" |
    awk -v n="$n" -v hz="$hz" '$3 > $2 { printf "  %s %d us\n", $1, ($3 - $2) * 1e6 / hz / n }'
if [ "${PACED:-0}" = 1 ]; then
    echo "paced at $rate checks/s:"
    UBUR_RATE=$((rate * 2)) UBUR_WRK_THREADS=2 \
        wrk_run "$wout" -t2 -c32 -d"${duration}s" -s bench/border/check_confirm.lua "$url"
    grep RESULT "$wout" || true
fi
serve_stop
grep "writer:" "$log" | sed 's/^ubur: /  /' || true
serve_check "$log"
