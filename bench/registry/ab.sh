#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Old against new for the registry import (issue 7), figures in docs/BENCHMARKS.md:
#   flock /tmp/ubur-bench.lock bench/registry/ab.sh OLD_UBUR NEW_UBUR [ROUNDS]
# Alternates the two binaries ROUNDS times (default 2), each importing the same CSV
# (CSV=..., default build/bench/registry/people.csv, which `STEPS=import
# bench/registry/run.sh` makes) onto a fresh copy of one demo registry built by OLD (the
# new binary migrates its copy at open, as an upgrade would). Each run prints its wall time,
# its CPU time over all threads, and the loading (main) thread's own CPU time, counted from
# perf samples at 200 Hz: on a shared machine the wall time is mostly waiting for a core,
# and the loading thread's time is what bounds an idle machine's wall time. Runs niced.
# Needs perf; without it the loading thread's time is left out.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OLD_UBUR NEW_UBUR [ROUNDS]" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-2}
cd "$(dirname "$0")/../.."
csv=$(realpath "${CSV:-build/bench/registry/people.csv}")
[ -s "$csv" ] || { echo "$csv is missing: run STEPS=import bench/registry/run.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
UBUR_DB=$work/demo.db nice "$old" demo --password-file "$work/pw.txt" >/dev/null 2>&1
perf=$(command -v perf || true)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    for b in old new; do
        bin=$old
        [ $b = new ] && bin=$new
        rm -f "$work"/t.db*
        cp "$work/demo.db" "$work/t.db"
        load=$(cut -d' ' -f1 /proc/loadavg)
        if [ -n "$perf" ]; then
            UBUR_DB=$work/t.db /usr/bin/time -o "$work/time" -f "%e %U %S" "$perf" record -q \
                -F 200 -o "$work/perf.data" -- nice "$bin" registry import "$csv" >/dev/null 2>&1
            main=$("$perf" script -i "$work/perf.data" -F pid,tid 2>/dev/null |
                awk -F/ '{gsub(/ /, "")} $1 == $2 {n++} END {printf "%.1f s", n / 200}')
        else
            UBUR_DB=$work/t.db /usr/bin/time -o "$work/time" -f "%e %U %S" nice "$bin" \
                registry import "$csv" >/dev/null 2>&1
            main="-"
        fi
        awk -v b=$b -v l="$load" -v m="$main" \
            '{printf "%s (load %s): %.1f s wall, %.1f s CPU, loading thread %s\n", b, l, $1, $2 + $3, m}' \
            "$work/time"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
