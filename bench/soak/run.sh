#!/bin/sh
# Soak run: SECONDS (default 600) at RATE (default 500) requests per second with
# wrk against a real server with the demo data; samples the server's resident
# memory every 10 s and fails if any answer is a 5xx or memory grows by more
# than 20% after the first minute.
#   bench/soak/run.sh            # 10 minutes at 500 req/s
#   SOAK_SECONDS=120 bench/soak/run.sh
set -eu
cd "$(dirname "$0")/../.."
secs=${SOAK_SECONDS:-600}
rate=${RATE:-500}
conns=20
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
build/ubur --db "$dir/soak.db" init --password-file "$dir/pw" >/dev/null 2>&1
build/ubur --db "$dir/soak.db" serve --listen 127.0.0.1:18099 --quiet 2>"$dir/server.log" &
pid=$!
sleep 1
pw=$(awk '$1=="admin"{print $2}' "$dir/pw")
token=$(curl -s -X POST http://127.0.0.1:18099/api/v1/session \
        -d "{\"username\":\"admin\",\"password\":\"$pw\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
( while kill -0 $pid 2>/dev/null; do
      echo "$(date +%s) $(awk '/VmRSS/{print $2}' /proc/$pid/status)"; sleep 10
  done ) >"$dir/rss.txt" &
TOKEN=$token RATE=$rate CONNS=$conns wrk -t2 -c$conns -d"${secs}s" --latency \
    -s bench/soak/soak.lua http://127.0.0.1:18099 | tee "$dir/wrk.txt"
rss_first=$(awk 'NR==7{print $2}' "$dir/rss.txt")
rss_last=$(tail -1 "$dir/rss.txt" | awk '{print $2}')
non2xx=$(awk '/Non-2xx/{print $NF}' "$dir/wrk.txt")
echo "rss after 1 min: ${rss_first:-?} KiB, at the end: $rss_last KiB; non-2xx: ${non2xx:-0}"
if [ -n "$rss_first" ] && [ "$rss_last" -gt $((rss_first * 12 / 10)) ]; then
    echo "FAIL: memory grew by more than 20%"; exit 1
fi
[ -z "$non2xx" ] || { echo "FAIL: errors"; exit 1; }
echo "soak ok"
