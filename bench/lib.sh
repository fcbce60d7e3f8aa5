# SPDX-License-Identifier: Apache-2.0
# Shell helpers the benchmarks share (sourced: . bench/lib.sh, from the
# repository's root): run under a throwaway PostgreSQL cluster, start a
# server and wait for its port, log the demo's officer in.

# bench_under_pg ARGS...: unless already inside, builds and re-runs the
# calling script under tests/pg.sh, which starts a cluster and sets
# UBUR_TEST_PG (UBUR_PG_STANDBY=1 in the environment adds a hot standby).
bench_under_pg() {
    [ -n "${UBUR_BENCH_INNER:-}" ] && return 0
    make --no-print-directory -s all
    UBUR_BENCH_INNER=1 exec tests/pg.sh sh "$0" "$@"
}

# serve_start LOG COMMAND...: starts COMMAND (an `ubur … serve --listen
# 127.0.0.1:0 …`) in the background with its stderr in LOG; sets pid, and
# url once the server says where it listens (10 s at most, else the log is
# shown and the script exits).
serve_start() {
    _log=$1
    shift
    "$@" 2>"$_log" &
    pid=$!
    _port=
    for _ in $(seq 1 100); do
        _port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$_log")
        [ -n "$_port" ] && break
        sleep 0.1
    done
    [ -n "$_port" ] || { cat "$_log" >&2; exit 1; }
    url=http://127.0.0.1:$_port
}

# officer_login PWFILE POOL: logs the demo's officer (password from the
# PWFILE `ubur demo` wrote) in at $url and exports what
# bench/border/check_confirm.lua reads: UBUR_TOKEN, UBUR_POOL (travellers
# drawn from the first POOL demo passports; 0: every traveller new) and the
# crossing.
officer_login() {
    _pw=$(awk '$1=="officer"{print $2}' "$1")
    UBUR_TOKEN=$(curl -s -X POST "$url/api/v1/session" \
        -d "{\"username\":\"officer\",\"password\":\"$_pw\"}" |
        sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
    export UBUR_TOKEN UBUR_POOL="$2" UBUR_CROSSING=semalka
}

# cpu_ticks PID: the process's user + system CPU so far, in clock ticks.
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# median_rate_table FILE N: for each of sqlite, pg and pg-old found in FILE
# (lines "KEY SECONDS", one per round), a Markdown row "| KEY | median s |
# N / median |" (the rows of a before/after table of N items).
median_rate_table() {
    for _k in sqlite pg pg-old; do
        awk -v k="$_k" -v n="$2" '$1 == k { t[++c] = $2 }
            END {
                if (!c) exit
                for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
                    if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
                m = c % 2 ? t[(c + 1) / 2] : (t[c / 2] + t[c / 2 + 1]) / 2
                printf "| %s | %.2f | %.0f |\n", k, m, n / m
            }' "$1"
    done
}

# wrk_run OUT ARGS...: runs wrk ARGS with its output (and check_confirm.lua's
# error lines) in the file OUT. A run with socket errors (refused, reset or
# timed-out connections), answers other than 2xx/3xx or failed requests
# (check_confirm.lua's errors=N) is printed on stderr and named in
# $wrk_failed; the caller keeps the server's log then (serve_keep_log).
wrk_failed=
wrk_run() {
    _out=$1
    shift
    _rc=0
    wrk "$@" >"$_out" 2>&1 || _rc=$?
    if [ "$_rc" -ne 0 ] || grep -q -e 'Socket errors' -e 'Non-2xx' -e 'errors=[1-9]' "$_out"; then
        echo "wrk $* (status $_rc):" >&2
        grep -e 'Socket errors' -e 'Non-2xx' -e '^status ' -e 'RESULT' -e 'unable' "$_out" |
            sed 's/^/  /' >&2
        wrk_failed="$wrk_failed wrk-$*"
    fi
    return 0
}

# serve_stop: stops the server started by serve_start (SIGINT, as an operator
# would) and waits for it; sets serve_status to its exit status (0 when it
# shut down cleanly; 128 + N when a signal N ended it, e.g. 134 for abort()).
serve_stop() {
    serve_status=0
    if kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
    fi
    wait "$pid" || serve_status=$?
    pid=
}

# serve_keep_log LOG WHY: keeps a copy of a server's log (LOG is deleted when
# the script ends) in build/bench-logs/ and says where on stderr.
serve_keep_log() {
    mkdir -p build/bench-logs
    _kept=build/bench-logs/$(basename "$0" .sh)-$(date -u +%Y%m%dT%H%M%S)-$$.log
    cp "$1" "$_kept"
    echo "$2: the server's log is kept in $_kept" >&2
}

# serve_check LOG: after serve_stop, keeps the server's log when wrk failed
# (wrk_run) or the server did not exit cleanly; resets $wrk_failed.
serve_check() {
    if [ "$serve_status" -ne 0 ]; then
        serve_keep_log "$1" "the server exited with status $serve_status"
    elif [ -n "$wrk_failed" ]; then
        serve_keep_log "$1" "failed requests"
    fi
    wrk_failed=
}
