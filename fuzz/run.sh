#!/bin/sh
# `make fuzz`: runs every libFuzzer target fuzz/fuzz_<name>.c for a bounded
# time (first argument, seconds per target, default 60), starting from its
# seed corpus fuzz/corpus/<name>/ and its dictionary fuzz/<name>.dict if
# present. New inputs go to build/fuzz/corpus-<name>/ (merge the useful ones
# into fuzz/corpus/<name>/ with `-merge=1`); crashes to build/fuzz/crash-<name>-*.
# Exits non-zero when a target crashed.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
fuzz/build.sh || exit $?
status=0
for bin in build/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin#build/fuzz/fuzz_}
    work=build/fuzz/corpus-$name
    mkdir -p "$work"
    [ -d "fuzz/corpus/$name" ] && cp -n "fuzz/corpus/$name"/* "$work"/ 2>/dev/null
    dict=""
    [ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
    echo "fuzz: $name for ${secs}s"
    # shellcheck disable=SC2086
    if ! "$bin" $dict -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="build/fuzz/crash-$name-" "$work" 2>"build/fuzz/$name.log"; then
        echo "fuzz: $name FAILED, see build/fuzz/$name.log and build/fuzz/crash-$name-*"
        tail -30 "build/fuzz/$name.log"
        status=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "build/fuzz/$name.log" | sed 's/^/  /'
    fi
done
exit $status
