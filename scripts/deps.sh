#!/bin/sh
# Installs the Debian packages ubur needs, only those missing; nothing is
# fetched from anywhere but the Debian archive. `deps.sh run` for building
# and serving, `deps.sh test` for the test suite as well.
set -eu
want="build-essential pkg-config libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev
      libsodium-dev libicu-dev libssl-dev libdmtx-dev libpq-dev libpng-dev zlib1g-dev openssl
      libxml2-dev libcurl4-openssl-dev"
if [ "${1:-run}" = test ]; then
    want="$want libcmocka-dev clang libclang-rt-14-dev python3 curl jq wrk postgresql
          chromium chromium-driver valgrind fonts-noto-core fonts-dejavu-core clang-format"
    command -v node >/dev/null 2>&1 || want="$want nodejs npm"
fi
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "ubur: installing Debian packages:$missing" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "ubur: run as root (or install these packages) first" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${1:-run}" = test ]; then
    "$(dirname "$0")/e2e-deps.sh"
fi
