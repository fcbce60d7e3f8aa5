#!/bin/sh
# Replays every fuzz corpus fuzz/corpus/<name>/ through its libFuzzer target
# fuzz/fuzz_<name>.c, built with clang, ASan and UBSan by fuzz/build.sh: each
# saved input runs once, and a crash or sanitizer report fails the test. TAP,
# one line per target. Adding a target needs no change here: add
# fuzz/fuzz_<name>.c and fuzz/corpus/<name>/. Skips when clang or libFuzzer
# is missing.
cd "$(dirname "$0")/.."
mkdir -p build/fuzz
n=0
fuzz/build.sh 2>build/fuzz-build.log
rc=$?
if [ "$rc" -eq 3 ]; then
    echo "ok 1 - fuzz corpus replay # SKIP $(tail -1 build/fuzz-build.log)"
    echo "1..1"
    exit 0
fi
if [ "$rc" -ne 0 ]; then
    echo "not ok 1 - build the fuzz targets"
    sed 's/^/# /' build/fuzz-build.log | tail -20
    echo "1..1"
    exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0
for dir in fuzz/corpus/*/; do
    name=$(basename "$dir")
    n=$((n + 1))
    bin=build/fuzz/fuzz_$name
    if [ ! -x "$bin" ]; then
        echo "not ok $n - fuzz/corpus/$name has no target fuzz/fuzz_$name.c"
        fail=1
        continue
    fi
    count=$(find "$dir" -type f | wc -l)
    log=build/fuzz/replay-$name.log
    # Given files (not a directory), libFuzzer runs each exactly once.
    if find "$dir" -type f -print0 | xargs -0 "$bin" -runs=1 >"$log" 2>&1; then
        echo "ok $n - fuzz_$name replays its $count corpus inputs under ASan+UBSan"
    else
        echo "not ok $n - fuzz_$name fails on its corpus (see $log)"
        grep -E 'ERROR|runtime error|Running: ' "$log" | tail -5 | sed 's/^/# /'
        fail=1
    fi
done
echo "1..$n"
exit $fail
