#!/bin/sh
# Differential test of ubur's MRZ parser against the npm package `mrz` (an
# independent implementation, installed by scripts/npm-deps.sh into
# build/npm): the ICAO specimens of ../shared/data (when present), every
# golden input of tests/data/mrz/parse, and a few hundred generated
# documents of every format go through both; every disagreement must fall in
# a category explained in docs/internals/mrz-differential.md. TAP; skips
# cleanly without node/npm or the registry.
cd "$(dirname "$0")/.."
out=build/differential
mkdir -p "$out"
if ! mods=$(scripts/npm-deps.sh 2>"$out/npm.log"); then
    echo "ok 1 - mrz differential # SKIP $(tail -1 "$out/npm.log")"
    echo "1..1"
    exit 0
fi
pkgs=$(make -s --no-print-directory --eval='ubur-print-pkgs: ; @echo $(PKGS)' ubur-print-pkgs)
# shellcheck disable=SC2086
if ! cc -std=c17 -D_GNU_SOURCE -O2 -Iinclude $(pkg-config --cflags $pkgs) -o "$out/mrztool" \
    bench/mrz/mrztool.c build/libubur.a $(pkg-config --libs $pkgs) -lpthread -lm \
    2>"$out/build.log"; then
    echo "not ok 1 - build bench/mrz/mrztool.c (run make first)"
    sed 's/^/# /' "$out/build.log" | head -20
    echo "1..1"
    exit 1
fi

# Inputs: generated documents, the golden inputs, the ICAO specimens.
"$out/mrztool" gen 600 20250601 | sed 's/^{/{"source":"generated",/' >"$out/inputs.jsonl"
python3 - "$out/inputs.jsonl" <<'PY'
import glob, json, os, sys
out = open(sys.argv[1], "a")
i = 200000
for path in sorted(glob.glob("tests/data/mrz/parse/*.mrz")):
    name = os.path.basename(path)[:-4]
    if name.startswith("norepair-"):
        continue
    try:
        text = open(path, "rb").read().decode("utf-8")
    except UnicodeDecodeError:
        continue
    if not text.strip():
        continue
    out.write(json.dumps({"source": "golden", "id": i, "name": name, "text": text,
                          "lenient": name.startswith("lenient-")}) + "\n")
    i += 1
spec = "../shared/data/mrz/icao_specimens.json"
if os.path.exists(spec):
    for k, s in enumerate(json.load(open(spec))["specimens"]):
        out.write(json.dumps({"source": "specimen", "id": 100000 + k, "lines": s["lines"]}) + "\n")
PY
"$out/mrztool" parse "$out/inputs.jsonl" >"$out/ubur.jsonl" || { echo "not ok 1 - ubur parse"; echo "1..1"; exit 1; }
node tests/differential/mrz_npm.mjs "$mods" <"$out/inputs.jsonl" >"$out/npm.jsonl" 2>"$out/node.log" ||
    { echo "not ok 1 - npm mrz run"; sed 's/^/# /' "$out/node.log" | head; echo "1..1"; exit 1; }
python3 tests/differential/mrz_compare.py "$out/inputs.jsonl" "$out/ubur.jsonl" "$out/npm.jsonl" \
    docs/internals/mrz-differential.md
