#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Before/after of two ubur builds on the border benchmark's database, the
# builds alternating in one run (on a shared machine, compare only runs made
# side by side): for each round and build, a server on BENCH_DB, a warm-up,
# then wrk -c64 check + confirm for DURATION seconds with `perf stat`
# counting the server's pwrite, pread, fdatasync and futex calls, the
# server's CPU and its writer thread's (ubur-writer); all per recorded check
# (a check and its confirmation).
# PACED=1 adds a run paced at RATE checks/s (p50, p90, p99, CPU). Prints the
# writer's group-commit counters after each server, and the size of the
# database's write-ahead log (read every second) at the end of each run and
# its largest.
#   OLD=/path/to/old/ubur NEW=build/ubur flock /tmp/ubur-bench.lock nice bench/border/ab.sh
# Environment: OLD, NEW (binaries; NEW defaults to build/ubur), ROUNDS (2),
# DURATION (10), CONNS (64), PACED (0), RATE (500), BENCH_DB (default
# build/bench/border.db, built by bench/border/run.sh; its passwords file
# beside it). Needs perf (linux-perf) with tracepoints readable.
# A run with failed requests or socket errors (the warm-up's too) is shown and
# keeps the server's log in build/bench-logs/, as does a server that did not
# shut down cleanly or a script that failed.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
db=${BENCH_DB:-build/bench/border.db}
pwfile=$(cd "$(dirname "$db")" && pwd)/border-passwords.txt
[ -n "${OLD:-}" ] || { echo "OLD=path of the build to compare with" >&2; exit 2; }
new=${NEW:-build/ubur}
duration=${DURATION:-10}
rate=${RATE:-500}
hz=$(getconf CLK_TCK)
log=$(mktemp)
stat=$(mktemp)
walsizes=$(mktemp)
wout=$(mktemp)
pid=
walpid=
trap 'rc=$?; [ -n "$pid" ] && kill $pid 2>/dev/null
      [ "$rc" -ne 0 ] && [ -s "$log" ] && serve_keep_log "$log" "the script failed (status $rc)"
      [ -n "$walpid" ] && kill $walpid 2>/dev/null
      rm -f "$log" "$stat" "$walsizes" "$wout"' EXIT

# wal_watch: starts reading the log's size every second into $walsizes.
wal_watch() {
    : >"$walsizes"
    (while :; do stat -c %s "$db-wal" 2>/dev/null || echo 0; sleep 1; done >"$walsizes") &
    walpid=$!
}
# wal_report: stops it and prints the sizes seen.
wal_report() {
    kill $walpid 2>/dev/null || true
    wait $walpid 2>/dev/null || true
    walpid=
    awk '{ if ($1 > max) max = $1; last = $1 }
         END { printf "  WAL: largest %.1f MB, at the end %.1f MB\n", max / 1e6, last / 1e6 }' "$walsizes"
}

# recorded RESULT-LINE: the recorded checks (confirmations) of a wrk run, at least 1.
recorded() {
    n=$(echo "$1" | sed 's/.*confirms=\([0-9]*\).*/\1/')
    echo $((n > 0 ? n : 1))
}

for r in $(seq 1 "${ROUNDS:-2}"); do
    for which in old new; do
        bin=$OLD
        [ "$which" = new ] && bin=$new
        serve_start "$log" "$bin" --db "$db" serve --listen 127.0.0.1:0 --quiet
        officer_login "$pwfile" 1000000
        wrk_run "$wout" -t2 -c8 -d4s -s bench/border/check_confirm.lua "$url" # warm-up
        c0=$(cpu_ticks "$pid")
        wtask=$(grep -l '^ubur-writer$' /proc/"$pid"/task/*/comm | head -1 | xargs dirname)
        w0=$(awk '{print $14 + $15}' "$wtask/stat")
        wal_watch
        perf stat -x, -o "$stat" -p "$pid" -e 'syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex' -- sleep "$duration" &
        perf_pid=$!
        wrk_run "$wout" -t2 -c"${CONNS:-64}" -d"${duration}s" -s bench/border/check_confirm.lua "$url"
        out=$(grep RESULT "$wout" || true)
        wait $perf_pid
        c1=$(cpu_ticks "$pid")
        w1=$(awk '{print $14 + $15}' "$wtask/stat")
        n=$(recorded "$out")
        echo "round $r $which ($bin), $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "  wrk -c${CONNS:-64}: $(echo "$out" | sed 's/.*recorded_per_s=\([0-9.]*\).*p50_ms=\([0-9.]*\).*p99_ms=\([0-9.]*\).*/\1 recorded\/s, p50 \2 ms, p99 \3 ms/'), server CPU $(( (c1 - c0) * 1000000 / hz / n )) us per recorded check, the writer thread's $(( (w1 - w0) * 1000000 / hz / n )) us"
        awk -F, -v n="$n" 'BEGIN { printf "  calls:" }
                           /syscalls/ { split($3, a, ":"); sub("sys_enter_", "", a[2]);
                                        printf " %s %.1f", a[2], $1 / n }
                           END { print " per recorded check" }' "$stat"
        wal_report
        if [ "${PACED:-0}" = 1 ]; then
            c0=$(cpu_ticks "$pid")
            wal_watch
            UBUR_RATE=$((rate * 2)) UBUR_WRK_THREADS=2 \
                wrk_run "$wout" -t2 -c32 -d"${duration}s" -s bench/border/check_confirm.lua "$url"
            out=$(grep RESULT "$wout" || true)
            c1=$(cpu_ticks "$pid")
            n=$(recorded "$out")
            echo "  paced at $rate/s: $(echo "$out" | sed 's/.*recorded_per_s=\([0-9.]*\).*p50_ms=\([0-9.]*\).*p90_ms=\([0-9.]*\).*p99_ms=\([0-9.]*\).*/reached \1\/s, p50 \2, p90 \3, p99 \4 ms/'), server CPU $(( (c1 - c0) * 1000000 / hz / n )) us per recorded check"
            wal_report
        fi
        serve_stop
        grep "writer:" "$log" | sed 's/^ubur: /  /' || true
        serve_check "$log"
    done
done
