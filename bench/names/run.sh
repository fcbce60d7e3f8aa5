#!/bin/sh
# Name matching benchmarks (issue 4): quality on ../shared/data and the
# synthetic performance run. Results in docs/BENCHMARKS.md.
#   bench/names/run.sh [N_NAMES] [N_QUERIES]
set -eu
cd "$(dirname "$0")/../.."
make -s all >/dev/null
mkdir -p build/bench
cc -std=c17 -D_GNU_SOURCE -O2 -g -Iinclude $(pkg-config --cflags libpq) \
    -o build/bench/names_bench bench/names/names_bench.c build/libubur.a \
    $(pkg-config --libs icu-uc icu-i18n libxml-2.0 jansson libsodium sqlite3 libpq) -lpthread -lm
if [ -d ../shared/data/names ]; then
    nice build/bench/names_bench quality ../shared/data "${QUALITY_SYNTH:-1000000}"
else
    echo "names: ../shared/data absent, quality skipped"
fi
nice build/bench/names_bench perf "${1:-1000000}" "${2:-10000}" build/bench/names.tsv
