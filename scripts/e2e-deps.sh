#!/bin/sh
# Installs the npm packages of the browser tests (tests/e2e/package.json,
# pinned by its package-lock.json) into the git-ignored tests/e2e/node_modules,
# only when missing. playwright-core downloads no browser: the tests drive
# Debian's /usr/bin/chromium (package chromium, installed by deps.sh test).
set -eu
cd "$(dirname "$0")/../tests/e2e"
if [ -f node_modules/playwright-core/package.json ] &&
   [ node_modules/playwright-core/package.json -nt package-lock.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "ubur: npm is missing; run scripts/deps.sh test as root" >&2
    exit 1
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error >&2
touch node_modules/playwright-core/package.json
