#!/bin/sh
# Runs every test and prints one summary line "N passed, N failed".
# Each test program speaks TAP ("ok N - name" / "not ok N - name"); cmocka's
# unit tests do so through CMOCKA_MESSAGE_OUTPUT=TAP. Test groups:
#   unit         build/tests/* and build/asan/tests/* (ASan+UBSan)
#   integration  tests/integration/*.py against the real binary over HTTP
#   other        tests/*.sh suites (fuzz corpus replay, e2e browser, ...)
# Then a second pass against PostgreSQL (tests/pg.sh starts a throwaway
# cluster, or set UBUR_TEST_PG to use a server of your own): the unit tests
# whose source reads UBUR_TEST_PG, every integration test with UBUR_PG set to
# a fresh database of its own, and the suites that mention UBUR_PG. Their
# names start with "pg/". UBUR_TEST_NO_PG=1 skips that pass.
# Set TESTS=pattern to run only matching programs. Logs go to build/test-logs/.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$root/build/test-logs
pass=0; fail=0; skipped=0; failed_list=""
mode=${1:-all}
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
    s=$(grep -c '^\(not \)\{0,1\}ok .*# SKIP' "$log")
    p=$(( $(grep -c '^ok ' "$log") - $(grep -c '^ok .*# SKIP' "$log") ))
    f=$(( $(grep -c '^not ok ' "$log") - $(grep -c '^not ok .*# SKIP' "$log") ))
    skipped=$((skipped + s))
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

# The PostgreSQL pass, run by the main pass inside tests/pg.sh: counts go to a file.
if [ "$mode" = --pg-pass ]; then
    counts=$2
    base=$UBUR_TEST_PG
    export UBUR_TEST_PG_ONLY=1
    n=0
    fresh_db() { # sets db and UBUR_PG to a new database (base must be a URI)
        n=$((n + 1))
        db="ubur_it_$$_$n"
        UBUR_PG="${base%/*}/$db"
        psql -q -X "$base" -c "CREATE DATABASE $db" >/dev/null
    }
    drop_db() {
        psql -q -X "$base" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    }
    for dir in build build/asan; do
        for t in "$dir"/tests/test_*; do
            [ -x "$t" ] || continue
            grep -q UBUR_TEST_PG "tests/unit/$(basename "$t").c" 2>/dev/null || continue
            label=unit; [ "$dir" = build/asan ] && label=asan
            run_one "pg/$label/$(basename "$t")" "$t"
        done
    done
    for t in tests/integration/test_*.py; do
        [ -f "$t" ] || continue
        name="pg/integration/$(basename "$t" .py)"
        case "$name" in *${TESTS:-}*) ;; *) continue ;; esac
        if ! fresh_db; then
            run_one "$name" sh -c 'echo "not ok 1 - cannot create a database"; exit 1'
            continue
        fi
        UBUR_PG=$UBUR_PG run_one "$name" python3 "$t" --bin build/ubur
        drop_db
    done
    for t in tests/suite_*.sh; do
        [ -f "$t" ] && grep -q UBUR_PG "$t" || continue
        name="pg/suite/$(basename "$t" .sh)"
        case "$name" in *${TESTS:-}*) ;; *) continue ;; esac
        fresh_db || continue
        UBUR_PG=$UBUR_PG run_one "$name" sh "$t"
        drop_db
    done
    echo "$pass $fail $skipped$failed_list" >"$counts"
    exit 0
fi

rm -rf "$logs"; mkdir -p "$logs"
user_pg=${UBUR_TEST_PG:-}
unset UBUR_TEST_PG UBUR_PG # the first pass is SQLite's

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

if [ "${UBUR_TEST_NO_PG:-0}" != 1 ]; then
    counts="$logs/pg-counts"
    rm -f "$counts"
    if [ -n "$user_pg" ]; then
        UBUR_TEST_PG=$user_pg sh tests/run.sh --pg-pass "$counts"
    else
        UBUR_PG_STANDBY=1 sh tests/pg.sh sh tests/run.sh --pg-pass "$counts"
    fi
    rc=$?
    if [ -f "$counts" ]; then
        read -r p f s rest <"$counts"
        pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + s))
        failed_list="$failed_list${rest:+ $rest}"
    elif [ "$rc" -eq 77 ]; then
        echo "skip PostgreSQL pass: PostgreSQL is not installed"
        skipped=$((skipped + 1))
    else
        echo "FAIL PostgreSQL pass: the cluster did not start (status $rc)"
        fail=$((fail + 1)); failed_list="$failed_list pg"
    fi
fi

[ -n "$failed_list" ] && echo "failed:$failed_list"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
