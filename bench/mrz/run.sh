#!/bin/sh
# bench/mrz: parse throughput of ubur and of the npm `mrz` parser on the same
# 100,000 generated MRZs (every format; TD3 also alone), in one run. Both
# are timed in CPU time (the machine may be shared), median of RUNS runs
# (default 7), and the ratio is printed with the figures for docs/BENCHMARKS.md.
# Usage: bench/mrz/run.sh [RUNS] [DOCUMENTS]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-7}
count=${2:-100000}
out=build/bench
mkdir -p "$out"
[ -f build/libubur.a ] || make --no-print-directory -j2 all
pkgs=$(make -s --no-print-directory --eval='ubur-print-pkgs: ; @echo $(PKGS)' ubur-print-pkgs)
# shellcheck disable=SC2086
cc -std=c17 -D_GNU_SOURCE -O2 -Iinclude $(pkg-config --cflags $pkgs) -o "$out/mrztool" \
    bench/mrz/mrztool.c build/libubur.a $(pkg-config --libs $pkgs) -lpthread -lm
"$out/mrztool" gen "$count" 1 >"$out/mrz.jsonl"

ubur=$(nice "$out/mrztool" bench "$out/mrz.jsonl" "$runs")
echo "$ubur"
if ! mods=$(scripts/npm-deps.sh); then
    echo "bench/mrz: npm mrz unavailable, ubur figures only"
    exit 0
fi
npm=$(nice node bench/mrz/npm_bench.mjs "$mods" "$out/mrz.jsonl" "$runs")
echo "$npm"
python3 - "$ubur" "$npm" <<'PY'
import json, sys
u, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("bench/mrz: %d documents (%d TD3), median of %d runs, CPU time"
      % (u["documents"], u["td3_documents"], u["runs"]))
print("| parser | ns per parse (all formats) | ns per TD3 parse | parses/s (all) |")
print("|---|---|---|---|")
for r in (u, n):
    print("| %s | %.0f | %.0f | %.0f |" % (r["parser"] + (" (node %s)" % r["node"] if "node" in r else ""),
          r["ns_per_parse"], r["ns_per_td3_parse"], 1e9 / r["ns_per_parse"]))
print("ratio npm/ubur: %.1fx (all formats), %.1fx (TD3)"
      % (n["ns_per_parse"] / u["ns_per_parse"], n["ns_per_td3_parse"] / u["ns_per_td3_parse"]))
PY
