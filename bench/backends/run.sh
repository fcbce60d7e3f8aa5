#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The border, visa and registry benchmarks on SQLite and on PostgreSQL in one
# run, side by side (issue 10). Smaller than each module's own benchmark
# (bench/border, bench/visa, bench/registry) so both backends fit in a few
# minutes; each measurement runs on SQLite and then at once on PostgreSQL, so
# both see the same machine load. PostgreSQL is a throwaway cluster started by
# tests/pg.sh (fsync and synchronous_commit on); the SQLite files live on the
# same file system (TMPDIR). Prints one table, PostgreSQL / SQLite ratios last.
#
#   bench/backends/run.sh
#
# Environment: ROWS registry CSV rows to import (50000), DURATION seconds per
# border wrk run (10), CONNS connections for the border throughput run (16),
# RATE checks per second for the paced border run (100), THREADS server
# threads (8), VISAS visas in groups (1000), SINGLE visas one per request
# (100), WATCHLIST names for the visa screening (10000), ROUNDS (1): with
# more, every measurement is repeated, backends alternating, and medians are
# shown. STEPS (default "border registry visa") picks the steps, so a run can
# be split to keep each under the benchmark lock briefly: border and registry
# load the demo data first (its time is measured too), visa does not. Needs
# wrk, python3 and PostgreSQL's server programs.
set -eu
cd "$(dirname "$0")/../.."

. bench/lib.sh
command -v wrk >/dev/null || { echo "bench/backends: wrk is not installed" >&2; exit 1; }
bench_under_pg "$@"

rows=${ROWS:-50000}
duration=${DURATION:-10}
conns=${CONNS:-16}
rate=${RATE:-100}
threads=${THREADS:-8}
visas=${VISAS:-1000}
single=${SINGLE:-100}
watch=${WATCHLIST:-10000}
rounds=${ROUNDS:-1}
steps=" ${STEPS:-border registry visa} "
has() { case "$steps" in *" $1 "*) return 0 ;; esac; return 1; }
base=$UBUR_TEST_PG

work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-backends.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
res=$work/results # lines: key backend value
: >"$res"
hz=$(getconf CLK_TCK)
dbn=0

# fresh B: sets newdb to the database argument of a new, empty database on backend B.
fresh() {
    dbn=$((dbn + 1))
    if [ "$1" = sqlite ]; then
        newdb="--db $work/b$dbn.db"
    else
        psql -q -X "$base" -c "CREATE DATABASE bench_$dbn" >/dev/null
        newdb="--pg ${base%/*}/bench_$dbn"
    fi
}
put() { echo "$1 $2 $3" >>"$res"; }
secs() { # command...: runs it, prints the wall time in seconds
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}'
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgresql: $(psql -X -A -t "$base" -c 'SHOW server_version') ($base)"
has registry && python3 bench/registry/gen_import.py "$rows" >"$work/people.csv"

for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds"
    for b in sqlite pg; do
        has border || has registry || break
        # demo data: users, crossings, watchlist, 45,418 registered people, visas
        fresh "$b"
        eval "db_$b=\$newdb"
        dbarg=$newdb
        rm -f "$work/pw-$b.txt"
        # shellcheck disable=SC2086
        t=$(secs build/ubur $dbarg demo --password-file "$work/pw-$b.txt")
        put demo_s "$b" "$t"
        echo "$b: ubur demo $t s"
    done

    # Border: check + confirm (bench/border/check_confirm.lua), every traveller new.
    for b in sqlite pg; do
        has border || break
        eval "dbarg=\$db_$b"
        # shellcheck disable=SC2086
        serve_start "$work/serve.log" build/ubur $dbarg serve --listen 127.0.0.1:0 \
            --threads "$threads" --quiet
        officer_login "$work/pw-$b.txt" 0
        wrk -t2 -c4 -d3s -s bench/border/check_confirm.lua "$url" >/dev/null # warm-up
        c0=$(cpu_ticks "$pid")
        out=$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/border/check_confirm.lua "$url" |
            grep RESULT)
        c1=$(cpu_ticks "$pid")
        n=$(echo "$out" | sed 's/.*confirms=\([0-9]*\).*/\1/')
        errs=$(echo "$out" | sed 's/.*errors=\([0-9]*\).*/\1/')
        put border_rps "$b" "$(echo "$out" | sed 's/.*recorded_per_s=\([0-9.]*\).*/\1/')"
        put border_p50 "$b" "$(echo "$out" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')"
        put border_p99 "$b" "$(echo "$out" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/')"
        put border_cpu "$b" "$(( (c1 - c0) * 1000000 / hz / (n > 0 ? n : 1) ))"
        put border_errors "$b" "$errs"
        echo "$b: border c$conns: $out"
        out=$(UBUR_RATE=$((rate * 2)) UBUR_CONNECTIONS=8 \
            wrk -t2 -c8 -d"${duration}s" -s bench/border/check_confirm.lua "$url" | grep RESULT)
        put border_paced_rps "$b" "$(echo "$out" | sed 's/.*recorded_per_s=\([0-9.]*\).*/\1/')"
        put border_paced_p50 "$b" "$(echo "$out" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')"
        put border_paced_p99 "$b" "$(echo "$out" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/')"
        put border_errors "$b" "$(echo "$out" | sed 's/.*errors=\([0-9]*\).*/\1/')"
        echo "$b: border paced $rate/s: $out"
        kill -INT "$pid"
        wait "$pid" || true
        pid=
    done

    # Registry: CSV import into the demo registry, then population statistics.
    for b in sqlite pg; do
        has registry || break
        eval "dbarg=\$db_$b"
        # shellcheck disable=SC2086
        t=$(secs build/ubur $dbarg registry import "$work/people.csv")
        put import_s "$b" "$t"
        put import_rps "$b" "$(echo "$rows $t" | awk '{printf "%.0f", $1 / $2}')"
        # from the summary tables, then --scan: a plain GROUP BY over every record
        for i in 1 2 3; do
            # shellcheck disable=SC2086
            secs build/ubur $dbarg stats population --by type,governorate,sex,age_band \
                --format csv >>"$work/st-$b"
            echo >>"$work/st-$b"
            # shellcheck disable=SC2086
            secs build/ubur $dbarg stats population --scan --by type,governorate,sex,age_band \
                --format csv >>"$work/sc-$b"
            echo >>"$work/sc-$b"
        done
        put stats_s "$b" "$(sort -n "$work/st-$b" | sed -n 2p)"
        put scan_s "$b" "$(sort -n "$work/sc-$b" | sed -n 2p)"
        rm -f "$work/st-$b" "$work/sc-$b"
        echo "$b: registry import $rows rows $t s; statistics $(grep "^stats_s $b" "$res" |
            tail -1 | cut -d' ' -f3) s, --scan $(grep "^scan_s $b" "$res" | tail -1 | cut -d' ' -f3) s"
    done

    # Visas: bench/visa/visa_bench.c on a fresh database each.
    for b in sqlite pg; do
        has visa || break
        if [ "$b" = sqlite ]; then
            mkdir -p "$work/visa"
            set -- --dir "$work/visa"
        else
            fresh pg
            set -- $newdb
        fi
        json=$(sh bench/visa/run.sh --visas "$visas" --single "$single" --watchlist "$watch" \
            --sign 100 "$@" | grep '^{')
        rm -rf "$work/visa"
        field() { echo "$json" | sed "s/.*\"$1\":\([0-9.]*\).*/\1/"; }
        put visa_ceiling "$b" "$(field durable_commits_per_s)"
        put visa_single "$b" "$(field single_visas_per_s)"
        put visa_single_cpu "$b" "$(field single_cpu_ms)"
        put visa_group "$b" "$(field group_visas_per_s)"
        put visa_group_cpu "$b" "$(field group_cpu_ms)"
        echo "$b: visa $json"
    done
    if [ "$round" -lt "$rounds" ]; then
        for i in $(seq 1 "$dbn"); do
            psql -q -X "$base" -c "DROP DATABASE IF EXISTS bench_$i WITH (FORCE)" \
                >/dev/null 2>&1 || true
        done
        rm -f "$work"/b*.db*
    fi
done

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| measurement | SQLite | PostgreSQL | PG / SQLite |"
echo "|---|---:|---:|---:|"
row() { # key label
    awk -v k="$1" -v label="$2" '
        $1 == k && $2 == "sqlite" { s[++ns] = $3 }
        $1 == k && $2 == "pg" { p[++np] = $3 }
        function med(a, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            if (!ns || !np) exit
            a = med(s, ns); b = med(p, np)
            printf "| %s | %s | %s | %s |\n", label, a, b, (a + 0 > 0 ? sprintf("%.2f", b / a) : "-")
        }' "$res"
}
row demo_s "ubur demo: load the demo data (s)"
row border_rps "border: recorded checks/s, wrk -c$conns (check + confirm)"
row border_p50 "border: p50 ms per request, wrk -c$conns"
row border_p99 "border: p99 ms per request, wrk -c$conns"
row border_cpu "border: server CPU µs per recorded check"
row border_paced_rps "border: recorded checks/s, paced at $rate/s"
row border_paced_p50 "border: p50 ms, paced at $rate/s"
row border_paced_p99 "border: p99 ms, paced at $rate/s"
row import_s "registry: import $rows CSV rows (s)"
row import_rps "registry: import rows/s"
row stats_s "registry: population statistics by 4 dimensions, whole command (s, median of 3)"
row scan_s "registry: the same from every record, --scan (s, median of 3)"
row visa_ceiling "visa peer: durable single-row commits/s"
row visa_single "visa: one visa per request, visas/s"
row visa_single_cpu "visa: one per request, CPU ms per visa"
row visa_group "visa: groups of 50, visas/s"
row visa_group_cpu "visa: groups of 50, CPU ms per visa"
errs=$(awk '$1 == "border_errors" { n += $3 } END { print n + 0 }' "$res")
echo
echo "border requests answered with an error: $errs"
[ "$errs" -eq 0 ]
