#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `ubur migrate` on the full demo database (every module's tables, about 230,000 rows):
# the copy into PostgreSQL beside the same copy into a SQLite file, then a second run
# (verification only, as after a completed copy), each timed end to end.
#   bench/store/migrate.sh
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
dir=$(mktemp -d "${TMPDIR:-/tmp}/ubur-migbench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
build/ubur --db "$dir/post.db" demo --password-file "$dir/pw" >/dev/null 2>&1
rows=$(sqlite3 "$dir/post.db" "SELECT name FROM sqlite_master WHERE type = 'table'" |
       while read -r t; do sqlite3 "$dir/post.db" "SELECT COUNT(*) FROM $t"; done |
       awk '{ s += $1 } END { print s }')
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $rows rows in the source"
timed() { # label, command...
    label=$1; shift
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$label $start $end $rows" | awk '{ t = $3 - $2; printf "| %s | %.1f s | %.0f rows/s |\n", $1, t, $4 / t }'
}
echo "| run | time | rows/s |"
echo "|---|---:|---:|"
timed "copy-into-sqlite" nice build/ubur migrate --from "sqlite:$dir/post.db" --to "sqlite:$dir/central.db"
timed "again-into-sqlite" nice build/ubur migrate --from "sqlite:$dir/post.db" --to "sqlite:$dir/central.db"
tests/pg.sh sh -c "
rows=$rows
timed() { label=\$1; shift; start=\$(date +%s.%N); \"\$@\" >/dev/null; end=\$(date +%s.%N);
  echo \"\$label \$start \$end \$rows\" | awk '{ t = \$3 - \$2; printf \"| %s | %.1f s | %.0f rows/s |\\n\", \$1, t, \$4 / t }'; }
timed copy-into-postgresql nice build/ubur migrate --from sqlite:$dir/post.db --to \"\$UBUR_TEST_PG\"
timed again-into-postgresql nice build/ubur migrate --from sqlite:$dir/post.db --to \"\$UBUR_TEST_PG\"
"
