#!/bin/sh
# The web interface's tests, in TAP (tests/e2e/run.mjs): static checks of
# the translations and of the CSP rules, then the end-to-end scenarios in
# Debian's chromium against a real `ubur serve` with the demo data
# (screenshots in tests/artifacts/e2e/). Installs the npm package
# playwright-core into tests/e2e/node_modules first if it is missing.
# UBUR_E2E_ONLY=name runs matching scenarios only; UBUR_BIN picks the binary.
set -u
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
    echo "not ok 1 - node is installed (make test-deps)"
    exit 1
fi
if ! scripts/e2e-deps.sh; then
    echo "not ok 1 - the e2e npm packages install (scripts/e2e-deps.sh)"
    exit 1
fi
exec timeout 600 node tests/e2e/run.mjs --bin "${UBUR_BIN:-build/ubur}"
