#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Registry benchmarks (issue 7), figures in docs/BENCHMARKS.md. Runs niced; take the
# benchmark lock: flock /tmp/ubur-bench.lock bench/registry/run.sh
#
# In one run, on SQLite:
#   1. import 1,000,000 individuals from CSV (bench/registry/gen_import.py, seeded) into the
#      demo registry: `ubur registry import` (aim: at most 30 s);
#   2. deduplicate about 1,000,000 records (`ubur dedup --generate arabic --records 500000
#      --seed 7`: 500,000 originals and their corrupted duplicates; names, father's name,
#      birth date, origin, region) on 2 threads (aim: at most 60 s; Splink publishes about
#      a minute per million on a laptop);
#   3. population statistics over 10,000,000 individuals (aim: at most 50 ms): the 1M
#      registry is replicated ten times by SQL (ids suffixed -rK, the same histories) and
#      its summary counts multiplied by ten, which is exactly the summary of the replicated
#      records; `ubur stats population --time` (the table alone; median of 5) beside the
#      plain GROUP BY over the records measured in the same run (median of 3), and the two
#      are checked to agree.
# Every timing line gives wall-clock seconds and CPU seconds (user + system): the machine
# is shared, so the CPU time is the steadier figure. SKIP_10M=1 stops after step 2.
# STEPS="import dedup stats replicate stats10m" (the default) picks steps, so each can run
# under its own hold of the benchmark lock: "stats" (1M) and "replicate" need the database
# an earlier "import" left, "stats10m" the one "replicate" left. "replicate" builds the 10M
# fixture (measured, but not a figure with an aim): it needs no lock, and a replicate that
# is stopped spoils the database (it runs without a journal): import again.
# DEDUP_EXTRA=origin,region compares the dedup step without the father's name (session 3's
# command).
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
out=build/bench/registry
mkdir -p "$out"
cp build/ubur "$out/ubur" # a rebuild during the run does not change what is measured
ubur=$out/ubur
db=$out/registry.db
export UBUR_DB=$db
steps=" ${STEPS:-import dedup stats replicate stats10m} "
[ "${SKIP_10M:-0}" = 1 ] && steps=" import dedup " 
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# ---- 1. import ----
case $steps in *" import "*)
rm -f "$db" "$db-wal" "$db-shm"
nice $ubur demo --password-file "$out/pw.txt" >/dev/null 2>&1
[ -s "$out/people.csv" ] || python3 bench/registry/gen_import.py 1000000 >"$out/people.csv"
/usr/bin/time -f "import 1,000,000 rows: %e s wall, %U s user + %S s system, %M KB" \
    nice $ubur registry import "$out/people.csv" 2>&1 | tail -2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
esac

# ---- 2. dedup ----
case $steps in *" dedup "*)
$ubur dedup --generate arabic --records 500000 --seed 7 >"$out/dedup.csv"
/usr/bin/time -f "dedup: %e s wall, %U s user + %S s system, %M KB" nice $ubur dedup \
    --csv "$out/dedup.csv" --id rec_id --given given_name --family family_name --dob dob \
    --extra "${DEDUP_EXTRA:-origin,region,father_name}" --truth entity --threads 2 2>&1 \
    >"$out/dedup-pairs.csv" | tail -3
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
esac

# ---- 3. statistics over 10,000,000 ----
stats() { # label
    for by in type "type,governorate,sex,age_band"; do
        for i in 1 2 3 4 5; do
            nice $ubur stats population --by "$by" --format csv --time 2>&1 >/dev/null |
                sed -n 's/.* in \([0-9.]*\) ms/\1/p'
        done | median | sed "s/^/$1 summary tables by $by, median of 5 (ms): /"
    done
    for i in 1 2 3; do
        s=$(date +%s.%N)
        nice sqlite3 "$db" "SELECT population_type, COUNT(*) FROM reg_individual
                            WHERE status = 'active' GROUP BY population_type" >/dev/null
        e=$(date +%s.%N)
        echo "$s $e" | awk '{printf "%.1f\n", ($2 - $1) * 1000}'
    done | median | sed "s/^/$1 plain GROUP BY type over the records (sqlite3), median of 3 (ms): /"
}
case $steps in *" stats "*) stats "1M" ;; esac

case $steps in *" replicate "*)
/usr/bin/time -f "replicate to 10M: %e s wall, %U s user + %S s system" nice sqlite3 "$db" "
PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -4000000;
BEGIN;
DROP INDEX reg_individual_group; DROP INDEX reg_individual_name_key;
DROP INDEX reg_individual_band_next;
WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 9)
INSERT INTO reg_individual
SELECT i.id || '-r' || r.k, i.individual_number || '-r' || r.k, group_id, relationship,
       given_name_ar, father_name_ar, grandfather_name_ar, family_name_ar, given_name,
       father_name, grandfather_name, family_name, sex, birth_date, birth_date_estimated, origin,
       citizenship, population_type, location_id, status, registered_on, returnee_on,
       merged_into, name_key, stat_cell, band_next_on, created_at, updated_at, version
FROM r CROSS JOIN reg_individual i; -- each copy in rowid order: ids ascending
WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 9)
INSERT INTO reg_history
SELECT h.individual_id || '-r' || r.k, seq, effective_on, status, population_type, location_id,
       reason, recorded_at, recorded_by
FROM r CROSS JOIN reg_history h;
UPDATE reg_stat_delta SET delta = delta * 10;
UPDATE reg_stat_current SET count = count * 10;
UPDATE reg_stat_checkpoint SET count = count * 10;
CREATE INDEX reg_individual_group ON reg_individual(group_id);
CREATE INDEX reg_individual_name_key ON reg_individual(name_key);
CREATE INDEX reg_individual_band_next ON reg_individual(band_next_on)
    WHERE band_next_on IS NOT NULL;
COMMIT;
PRAGMA journal_mode = WAL;" 2>&1 | tail -1
esac
case $steps in *" stats10m "*) ;; *) exit 0 ;; esac
echo "individuals: $(sqlite3 "$db" 'SELECT COUNT(*) FROM reg_individual')"
stats "10M"
# the summary and the records agree
$ubur stats population --by type --format csv | tail -n +2 | sort >"$out/summary.csv"
sqlite3 -csv "$db" "SELECT population_type, COUNT(*) FROM reg_individual WHERE status = 'active'
                    GROUP BY population_type" | sort >"$out/groupby.csv"
if cmp -s "$out/summary.csv" "$out/groupby.csv"; then
    echo "10M: summary tables and GROUP BY agree"
else
    echo "10M: summary tables and GROUP BY DIFFER"
    diff "$out/summary.csv" "$out/groupby.csv" || true
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
