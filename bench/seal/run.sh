#!/bin/sh
# Seal signing and verification beside raw OpenSSL ECDSA, same key, same bytes,
# same run (issue 3). Builds bench/seal/seal_bench.c against build/libubur.a.
#   bench/seal/run.sh                 # P-256, 9 rounds
#   bench/seal/run.sh brainpoolP224r1 15
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
# the Makefile's own flags and libraries, so they never drift
cflags=$(make --no-print-directory -s --eval 'print-cflags: ; @echo $(PKG_CFLAGS)' print-cflags)
libs=$(make --no-print-directory -s --eval 'print-libs: ; @echo $(LIBS)' print-libs)
mkdir -p build/bench
# shellcheck disable=SC2086
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Iinclude $cflags \
    -o build/bench/seal_bench bench/seal/seal_bench.c build/libubur.a $libs
nice build/bench/seal_bench "${1:-P-256}" "${2:-9}"
