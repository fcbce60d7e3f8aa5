#!/bin/sh
# Screening benchmark (issue 4, "bench/screen"): the in-memory name index on a
# synthetic list with Arabic name frequencies (Muhammad, Ali, Abd al- very
# frequent; one name in ten in Arabic script), queries half respelt list
# names (a typo in the family name in a third of them) and half new people:
# index build time and memory, p50/p99 latency on one thread, throughput on
# two (bench/names/names_bench.c, mode perf). Then PostgreSQL 15 pg_trgm with
# a GIN index on the same names, the same queries in the same run
# (mode pgtrgm: "name % q ORDER BY similarity(name, q) DESC LIMIT 10", one
# connection on loopback, beside the index in process), on a throwaway
# cluster (tests/pg.sh) whose bench database has a UTF-8 character type so
# pg_trgm reads Arabic letters as letters.
#   bench/screen/run.sh [N_NAMES] [N_QUERIES] [N_PG_QUERIES]
# Defaults: 1,000,000 names, 10,000 queries, 1,000 of them against pg_trgm
# (a pg_trgm query on a million names takes tens of milliseconds).
# NOPG=1 skips PostgreSQL; PGONLY=1 runs only the pg_trgm comparison (which
# times the index on the same queries itself), e.g. PGONLY=1 bench/screen/run.sh
# 1000000 0 50 for pg_trgm at a million names in bounded time. Figures in
# docs/BENCHMARKS.md.
set -eu
cd "$(dirname "$0")/../.."
n=${1:-1000000}
q=${2:-10000}
pq=${3:-1000}
make -s all >/dev/null
mkdir -p build/bench
cc -std=c17 -D_GNU_SOURCE -O2 -g -Iinclude $(pkg-config --cflags libpq) \
    -o build/bench/names_bench bench/names/names_bench.c build/libubur.a \
    $(pkg-config --libs icu-uc icu-i18n libxml-2.0 jansson libsodium sqlite3 libpq) -lpthread -lm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${PGONLY:-0}" != 1 ]; then
    nice build/bench/names_bench perf "$n" "$q"
    echo "load average after the index run: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
if [ "${NOPG:-0}" = 1 ]; then
    exit 0
fi
tests/pg.sh sh -c '
    set -e
    psql -q -X "$UBUR_TEST_PG" -c "CREATE DATABASE bench_screen TEMPLATE template0 ENCODING '"'UTF8'"' LC_COLLATE '"'C'"' LC_CTYPE '"'C.UTF-8'"'"
    nice build/bench/names_bench pgtrgm '"$n $pq"' "${UBUR_TEST_PG%/*}/bench_screen"
'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
