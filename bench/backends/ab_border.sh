#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The border check + confirm on PostgreSQL with two builds in one run, rounds
# alternating (before/after a change to the store or the border path).
#
#   bench/backends/ab_border.sh OLD_UBUR
#
# One throwaway cluster (tests/pg.sh), one database with `ubur demo` loaded by
# this build (UBUR_BIN, default build/ubur; both builds must share the
# schema); then ROUNDS (3) rounds, each serving it with OLD_UBUR and with this
# build in turn (`serve --pg`, THREADS 8) under bench/border's
# check_confirm.lua (wrk -c CONNS 16, DURATION 10 s). Medians of recorded
# checks/s and p99.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
[ $# -eq 1 ] || { echo "usage: bench/backends/ab_border.sh OLD_UBUR" >&2; exit 2; }
bench_under_pg "$@"
old=$1
new=${UBUR_BIN:-build/ubur}
rounds=${ROUNDS:-3}
duration=${DURATION:-10}
conns=${CONNS:-16}
threads=${THREADS:-8}
base=$UBUR_TEST_PG
db=${base%/*}/ab
work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-ab.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
psql -q -X "$base" -c "CREATE DATABASE ab" >/dev/null
"$new" --pg "$db" demo --password-file "$work/pw" >/dev/null 2>&1
: >"$work/res"
for r in $(seq 1 "$rounds"); do
    for which in old new; do
        eval "bin=\$$which"
        serve_start "$work/serve.log" "$bin" --pg "$db" serve --listen 127.0.0.1:0 \
            --threads "$threads" --quiet
        officer_login "$work/pw" 0
        wrk -t2 -c4 -d2s -s bench/border/check_confirm.lua "$url" >/dev/null
        out=$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/border/check_confirm.lua "$url" |
            grep RESULT)
        echo "round $r $which: $out"
        echo "$which $(echo "$out" | sed 's/.*recorded_per_s=\([0-9.]*\).*p99_ms=\([0-9.]*\).*/\1 \2/')" \
            >>"$work/res"
        kill -INT "$pid"
        wait "$pid" || true
        pid=
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| build | recorded checks/s (median of $rounds) | p99 ms (median) |"
echo "|---|---:|---:|"
for k in old new; do
    awk -v k="$k" '$1 == k { a[++n] = $2; b[n] = $3 }
        function med(x, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
            return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
        }
        END { printf "| %s | %.1f | %.1f |\n", k, med(a, n), med(b, n) }' "$work/res"
done
