#!/bin/sh
# Runs every test and prints one summary line "N passed, N failed".
# Each test program speaks TAP ("ok N - name" / "not ok N - name"); cmocka's
# unit tests do so through CMOCKA_MESSAGE_OUTPUT=TAP. Test groups:
#   unit         build/tests/* and build/asan/tests/* (ASan+UBSan)
#   integration  tests/integration/*.py against the real binary over HTTP
#   other        tests/*.sh suites (fuzz corpus replay, e2e browser, ...)
# Set TESTS=pattern to run only matching programs. Logs go to build/test-logs/.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$root/build/test-logs
rm -rf "$logs"; mkdir -p "$logs"
pass=0; fail=0; failed_list=""
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() { # name, command...
    name=$1; shift
    case "$name" in *${TESTS:-}*) ;; *) return ;; esac
    log="$logs/$(echo "$name" | tr '/ ' '__').log"
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$log")
    # cmocka reports a skipped test as "not ok N # SKIP": a skip, not a failure.
    f=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or failed before reporting
        echo "not ok - $name exited with status $rc" >>"$log"
    fi
    pass=$((pass + p)); fail=$((fail + f))
    secs=$(( $(date +%s) - start ))
    if [ "$f" -gt 0 ]; then
        failed_list="$failed_list $name"
        echo "FAIL $name ($p passed, $f failed, ${secs}s) - log: $log"
        grep -E '^not ok|^# ' "$log" | head -20 | sed 's/^/    /'
    else
        echo "ok   $name ($p passed, ${secs}s)"
    fi
}

for t in build/tests/test_*; do
    [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in build/asan/tests/test_*; do
    [ -x "$t" ] && run_one "asan/$(basename "$t")" "$t"
done
for t in tests/integration/test_*.py; do
    [ -f "$t" ] && run_one "integration/$(basename "$t" .py)" python3 "$t" --bin build/ubur
done
# The same integration tests against the ASan+UBSan binary (skip with NO_ASAN_IT=1).
if [ -z "${NO_ASAN_IT:-}" ] && [ -x build/asan/ubur ]; then
    for t in tests/integration/test_*.py; do
        [ -f "$t" ] && run_one "asan-integration/$(basename "$t" .py)" python3 "$t" --bin build/asan/ubur
    done
fi
for t in tests/suite_*.sh; do
    [ -f "$t" ] && run_one "suite/$(basename "$t" .sh)" sh "$t"
done

[ -n "$failed_list" ] && echo "failed:$failed_list"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
