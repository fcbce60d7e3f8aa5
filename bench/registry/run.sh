#!/bin/sh
# Registry benchmarks (issue 7), figures in docs/BENCHMARKS.md. Runs niced.
#   bench/registry/run.sh            import 1,000,000 rows; dedup ~1,000,000 records;
#                                    statistics beside the plain GROUP BY on that registry
#   BIG=1 bench/registry/run.sh      also statistics over 10,000,000 individuals (~7 GB, long)
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
out=build/bench/registry
mkdir -p "$out"
db=$out/registry.db
rm -f "$db" "$db-wal" "$db-shm"
export UBUR_DB=$db
nice build/ubur demo --password-file "$out/pw.txt" >/dev/null 2>&1

stats() { # label
    for by in type "type,governorate,sex,age_band"; do
        for i in 1 2 3; do
            /usr/bin/time -f "$1 summary by $by: %e s" nice build/ubur stats population \
                --by "$by" --format csv >/dev/null
        done
        /usr/bin/time -f "$1 scan of every record by $by: %e s" nice build/ubur stats population \
            --scan --by "$by" --format csv >/dev/null
    done
    for i in 1 2 3; do
        /usr/bin/time -f "$1 plain GROUP BY type (sqlite3): %e s" nice sqlite3 "$db" \
            "SELECT population_type, COUNT(*) FROM reg_individual WHERE status = 'active'
             GROUP BY population_type" >/dev/null
    done
}

python3 bench/registry/gen_import.py 1000000 >"$out/people.csv"
/usr/bin/time -f "import 1,000,000 rows: %e s, %M KB" nice build/ubur registry import \
    "$out/people.csv" 2>&1 | tail -2
stats "1M"

build/ubur dedup --generate arabic --records 500000 --seed 7 >"$out/dedup.csv"
/usr/bin/time -f "dedup: %e s, %M KB" nice build/ubur dedup --csv "$out/dedup.csv" --id rec_id \
    --given given_name --family family_name --dob dob --extra origin,region --truth entity \
    >/dev/null

if [ "${BIG:-0}" = 1 ]; then
    python3 bench/registry/gen_import.py 9000000 | sed 's/^b\([0-9]\)/c\1/' >"$out/people9.csv"
    /usr/bin/time -f "import 9,000,000 more rows: %e s" nice build/ubur registry import \
        "$out/people9.csv" 2>&1 | tail -2
    stats "10M"
fi
