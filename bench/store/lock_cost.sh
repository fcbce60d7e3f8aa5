#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What ubur's write lock costs PostgreSQL: pgbench runs one durable INSERT per
# transaction with 1, 4 and 8 clients, without and with the transaction-scoped
# advisory lock that ubur_store_begin takes, on a throwaway cluster
# (tests/pg.sh: fsync and synchronous_commit on). Prints transactions per
# second for each round.
#   bench/store/lock_cost.sh [SECONDS] [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-4}
rounds=${2:-3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ubur-lockcost.XXXXXX")
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cat >"$dir/nolock.sql" <<'SQL'
BEGIN;
INSERT INTO t (id, person) VALUES (gen_random_uuid()::text, 'MUHAMMAD BIN SALMAN AL-TIKRITI');
COMMIT;
SQL
cat >"$dir/lock.sql" <<'SQL'
BEGIN;
SELECT pg_advisory_xact_lock(1969386866, 1);
INSERT INTO t (id, person) VALUES (gen_random_uuid()::text, 'MUHAMMAD BIN SALMAN AL-TIKRITI');
COMMIT;
SQL
chmod 644 "$dir"/*.sql
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
[ -n "$pgbench" ] || pgbench=pgbench
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
tests/pg.sh sh -c "
psql -q -X \"\$UBUR_TEST_PG\" -c 'CREATE TABLE t (id TEXT PRIMARY KEY, person TEXT)'
echo '| round | clients | without the lock tps | with the lock tps |'
echo '|---:|---:|---:|---:|'
for r in \$(seq $rounds); do for c in 1 4 8; do
  a=\$(nice $pgbench -n -M prepared -c \$c -j 2 -T $secs -f $dir/nolock.sql \"\$UBUR_TEST_PG\" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  b=\$(nice $pgbench -n -M prepared -c \$c -j 2 -T $secs -f $dir/lock.sql \"\$UBUR_TEST_PG\" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo \"| \$r | \$c | \${a%.*} | \${b%.*} |\"
done; done"
