#!/bin/sh
# Installs the npm packages that tests and benchmarks compare ubur with,
# pinned, from the npm registry, into build/npm/ (git-ignored; nothing from
# npm is ever committed or linked into ubur). Prints the node_modules path.
# Exits 3 when node or npm is missing or the registry cannot be reached, so
# callers can skip instead of failing.
set -u
cd "$(dirname "$0")/.."
dir=build/npm
pkgs="mrz@5.0.2"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "npm-deps: node and npm are not installed (scripts/deps.sh test installs them)" >&2
    exit 3
fi
missing=""
for p in $pkgs; do
    name=${p%@*}
    version=${p##*@}
    if ! grep -qs "\"version\": \"$version\"" "$dir/node_modules/$name/package.json"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --silent $missing >&2; then
        echo "npm-deps: npm install$missing failed (offline?)" >&2
        exit 3
    fi
fi
echo "$(pwd)/$dir/node_modules"
