#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds and runs the visa benchmark (bench/visa/visa_bench.c) against
# build/libubur.a. Arguments go to visa_bench, e.g.
#   bench/visa/run.sh --visas 4000 --threads 2 --watchlist 10000
# Figures go to docs/BENCHMARKS.md with the command line.
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -j2 build/libubur.a >/dev/null
# The same libraries as the Makefile links, read from it so the lists never drift.
PKGS=$(make -pn 2>/dev/null | sed -n "s/^PKGS := //p" | head -1)
mkdir -p build/bench
cc -std=c17 -D_GNU_SOURCE -O2 -g -Iinclude $(pkg-config --cflags $PKGS 2>/dev/null) \
    -o build/bench/visa_bench bench/visa/visa_bench.c build/libubur.a \
    $(pkg-config --libs $PKGS 2>/dev/null) -lpthread -lm
exec nice build/bench/visa_bench "$@"
