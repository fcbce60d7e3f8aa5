#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Registry CSV import on SQLite and PostgreSQL, and on PostgreSQL with an
# earlier build beside this one (before/after a change to the import path).
#
#   bench/backends/import.sh [OLD_UBUR]
#
# Each round imports the same ROWS (default 50000) rows of bench/registry/
# gen_import.py into a fresh copy of one small database (`ubur init` and the
# locations the generator uses): a SQLite file, a PostgreSQL database made
# with CREATE DATABASE ... TEMPLATE, and with OLD_UBUR (another build's
# binary, same schema) another such database. Runs alternate; ROUNDS (3)
# medians; UBUR_BIN names this build's binary (default build/ubur).
# PostgreSQL is a throwaway cluster (tests/pg.sh).
set -eu
cd "$(dirname "$0")/../.."

. bench/lib.sh
bench_under_pg "$@"
old=${1:-}
bin=${UBUR_BIN:-build/ubur} # this build
rows=${ROWS:-50000}
rounds=${ROUNDS:-3}
base=$UBUR_TEST_PG
pgdb() { echo "${base%/*}/$1"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ubur-import.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/registry/gen_import.py "$rows" >"$work/people.csv"
now=2026-01-01T00:00:00Z
locations="INSERT INTO reg_location (id, pcode, parent_id, level, country, governorate_id,
    name_en, location_type, accommodation_type, created_at, updated_at) VALUES
    ('0190d1c4-0000-7000-8000-000000000000', 'SY', NULL, 'country', 'SYR', NULL, 'Syria',
     'V', 'U', '$now', '$now')"
i=0
for pcode in SY-DI-DAM SY-RD-JAR SY-HA-HSK SY-HA-QAM SY-HA-HOL SY-HA-ROJ SY-HL-ALE; do
    i=$((i + 1))
    id=0190d1c4-0000-7000-8000-00000000000$i
    locations="$locations, ('$id', '$pcode', '0190d1c4-0000-7000-8000-000000000000',
        'governorate', 'SYR', '$id', '$pcode', 'V', 'U', '$now', '$now')"
done
build/ubur --db "$work/tmpl.db" init --state SYR --password-file "$work/pw" >/dev/null 2>&1
sqlite3 "$work/tmpl.db" "$locations"
psql -q -X "$base" -c "CREATE DATABASE tmpl" >/dev/null
build/ubur --pg "$(pgdb tmpl)" init --state SYR --password-file "$work/pw" >/dev/null 2>&1
psql -q -X "$(pgdb tmpl)" -c "$locations" >/dev/null

secs() { # command...: prints the wall time in seconds
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}'
}
: >"$work/res"
for r in $(seq 1 "$rounds"); do
    cp "$work/tmpl.db" "$work/r.db"
    t=$(secs "$bin" --db "$work/r.db" registry import "$work/people.csv")
    echo "sqlite $t" >>"$work/res"
    rm -f "$work/r.db"*
    psql -q -X "$base" -c "CREATE DATABASE new_$r TEMPLATE tmpl" >/dev/null
    t=$(secs "$bin" --pg "$(pgdb new_$r)" registry import "$work/people.csv")
    echo "pg $t" >>"$work/res"
    if [ -n "$old" ]; then
        psql -q -X "$base" -c "CREATE DATABASE old_$r TEMPLATE tmpl" >/dev/null
        t=$(secs "$old" --pg "$(pgdb old_$r)" registry import "$work/people.csv")
        echo "pg-old $t" >>"$work/res"
    fi
    echo "round $r: $(tail -n "$([ -n "$old" ] && echo 3 || echo 2)" "$work/res" | tr '\n' ' ')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| import of $rows rows | seconds (median of $rounds) | rows/s |"
echo "|---|---:|---:|"
median_rate_table "$work/res" "$rows"
