#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The store's durable inserts and point reads on SQLite and PostgreSQL side by
# side, in one run (issue 10). Builds bench/store/store_bench.c against
# build/libubur.a, starts a throwaway PostgreSQL cluster (tests/pg.sh: fsync and
# synchronous_commit on) and puts the SQLite file on the same file system.
#   bench/store/run.sh                     # 2 s rounds, 3 rounds, 100000 rows preloaded
#   bench/store/run.sh SECONDS ROUNDS PRELOAD
# Set UBUR_TEST_PG to use a server of your own instead of the throwaway one.
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
cflags=$(make --no-print-directory -s --eval 'print-cflags: ; @echo $(PKG_CFLAGS)' print-cflags)
libs=$(make --no-print-directory -s --eval 'print-libs: ; @echo $(LIBS)' print-libs)
mkdir -p build/bench
# shellcheck disable=SC2086
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Iinclude $cflags \
    -o build/bench/store_bench bench/store/store_bench.c build/libubur.a $libs
dir=$(mktemp -d "${TMPDIR:-/tmp}/ubur-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "SQLite $(sqlite3 --version | cut -d' ' -f1), $(pg_config --version 2>/dev/null || echo PostgreSQL)"
args="${1:-2} ${2:-3} ${3:-100000}"
if [ -n "${UBUR_TEST_PG:-}" ]; then
    # shellcheck disable=SC2086
    nice build/bench/store_bench "$dir/bench.db" "$UBUR_TEST_PG" $args
else
    tests/pg.sh sh -c "nice build/bench/store_bench '$dir/bench.db' \"\$UBUR_TEST_PG\" $args"
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
