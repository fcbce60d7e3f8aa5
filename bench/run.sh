#!/bin/sh
# `make bench`: runs every benchmark bench/<name>/run.sh in turn (they are
# long; each prints its figures and the command to put in docs/BENCHMARKS.md).
# BENCH=name runs only the matching ones.
set -u
cd "$(dirname "$0")/.."
status=0
for b in bench/*/run.sh; do
    [ -f "$b" ] || continue
    name=$(basename "$(dirname "$b")")
    case "$name" in *${BENCH:-}*) ;; *) continue ;; esac
    echo "== bench/$name"
    sh "$b" || { echo "bench/$name failed"; status=1; }
done
exit $status
