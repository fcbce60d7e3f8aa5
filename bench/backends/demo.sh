#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `ubur demo` (every module's demo data: users, watchlists, crossings, 45,418
# registered people, visas) on SQLite and PostgreSQL, and on PostgreSQL with
# an earlier build beside this one (before/after a change to the load path).
#
#   bench/backends/demo.sh [OLD_UBUR]
#
# Each round loads the demo into a fresh SQLite file, a fresh PostgreSQL
# database and, with OLD_UBUR (another build's binary, same schema), another
# fresh PostgreSQL database; runs alternate, ROUNDS (3) medians, whole
# command timed (start-up and migrations included). UBUR_BIN names this
# build's binary (default build/ubur). PostgreSQL is a throwaway cluster
# (tests/pg.sh: fsync and synchronous_commit on); the SQLite file is on the
# same file system (TMPDIR).
set -eu
cd "$(dirname "$0")/../.."

. bench/lib.sh
bench_under_pg "$@"
old=${1:-}
bin=${UBUR_BIN:-build/ubur}
rounds=${ROUNDS:-3}
base=$UBUR_TEST_PG
work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

secs() { # command...: prints the wall time in seconds
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}'
}
pgnew() { # name: creates the database, prints its conninfo
    psql -q -X "$base" -c "CREATE DATABASE $1" >/dev/null
    echo "${base%/*}/$1"
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/res"
for r in $(seq 1 "$rounds"); do
    t=$(secs "$bin" --db "$work/r.db" demo --password-file "$work/pw")
    echo "sqlite $t" >>"$work/res"
    rm -f "$work/r.db"* "$work/pw"
    t=$(secs "$bin" --pg "$(pgnew new_$r)" demo --password-file "$work/pw")
    echo "pg $t" >>"$work/res"
    rm -f "$work/pw"
    if [ -n "$old" ]; then
        t=$(secs "$old" --pg "$(pgnew old_$r)" demo --password-file "$work/pw")
        echo "pg-old $t" >>"$work/res"
        rm -f "$work/pw"
    fi
    echo "round $r: $(tail -n "$([ -n "$old" ] && echo 3 || echo 2)" "$work/res" | tr '\n' ' ')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| ubur demo | seconds (median of $rounds) | / SQLite |"
echo "|---|---:|---:|"
awk '{ t[$1, ++c[$1]] = $2 }
    function med(k,   n, i, j, a, x) {
        n = c[k]
        for (i = 1; i <= n; i++) a[i] = t[k, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
            if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        s = med("sqlite")
        split("sqlite pg pg-old", ks, " ")
        for (i = 1; i <= 3; i++)
            if (c[ks[i]]) printf "| %s | %.2f | %.2f |\n", ks[i], med(ks[i]), med(ks[i]) / s
    }' "$work/res"
