#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Watchlist CSV import (`ubur watchlist import`) on SQLite and PostgreSQL, and on
# PostgreSQL with an earlier build beside this one (before/after a change).
#
#   bench/backends/watchlist.sh [OLD_UBUR]
#
# Each round imports the same ENTRIES (default 20000) generated entries (one
# to three names each) into a fresh database (`ubur init`) on each backend;
# runs alternate; ROUNDS (3) medians. UBUR_BIN names this build's binary
# (default build/ubur). PostgreSQL is a throwaway cluster (tests/pg.sh).
set -eu
cd "$(dirname "$0")/../.."

. bench/lib.sh
bench_under_pg "$@"
old=${1:-}
bin=${UBUR_BIN:-build/ubur}
entries=${ENTRIES:-20000}
rounds=${ROUNDS:-3}
base=$UBUR_TEST_PG
work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-wl.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$entries" >"$work/list.csv" <<'EOF'
import random, sys
r = random.Random(7)
syl = ["ab", "al", "ha", "mu", "ka", "ri", "sa", "di", "na", "ja", "ta", "fa", "zi", "ou", "har"]
def name():
    return " ".join("".join(r.choice(syl) for _ in range(r.randint(2, 3))).upper()
                    for _ in range(r.randint(2, 3)))
print("reference,name,aliases,dob,nationality,sex,action")
for i in range(int(sys.argv[1])):
    aliases = ";".join(name() for _ in range(r.randint(0, 2)))
    print("W-%07d,%s,%s,%d,SYR,M,refuse_entry" % (i, name(), aliases, r.randint(1950, 2000)))
EOF

secs() { # command...: prints the wall time in seconds
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}'
}
run() { # label binary dbargs...
    label=$1 b=$2
    shift 2
    "$b" "$@" init --state SYR --password-file "$work/pw" >/dev/null 2>&1
    echo "$label $(secs "$b" "$@" watchlist import "$work/list.csv" --list bench)" >>"$work/res"
}
: >"$work/res"
for r in $(seq 1 "$rounds"); do
    rm -f "$work/r.db"*
    run sqlite "$bin" --db "$work/r.db"
    psql -q -X "$base" -c "CREATE DATABASE new_$r" >/dev/null
    run pg "$bin" --pg "${base%/*}/new_$r"
    if [ -n "$old" ]; then
        psql -q -X "$base" -c "CREATE DATABASE old_$r" >/dev/null
        run pg-old "$old" --pg "${base%/*}/old_$r"
    fi
    echo "round $r: $(tail -n "$([ -n "$old" ] && echo 3 || echo 2)" "$work/res" | tr '\n' ' ')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| watchlist import of $entries entries | seconds (median of $rounds) | entries/s |"
echo "|---|---:|---:|"
median_rate_table "$work/res" "$entries"
