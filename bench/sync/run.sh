#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Border post sync (issue 11), figures in docs/BENCHMARKS.md. Runs niced, over loopback HTTP,
# central and the post on SQLite. Each figure has its peer: the same data written directly
# on one instance, which is the ceiling sync can approach (sync adds capture, HTTP, the
# exactly-once bookkeeping and, for registrations, the registry's own checks on central).
#   bench/sync/run.sh                 20,000 registered people and 2,000 crossings up,
#                                     20,000 watchlist entries down
#   PEOPLE=N ENTRIES=M bench/sync/run.sh
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory -s all
out=build/bench/sync
rm -rf "$out"
mkdir -p "$out"
people=${PEOPLE:-20000}
entries=${ENTRIES:-20000}
central=$out/central.db
post=$out/post.db
B=build/ubur

now() { python3 -c 'import time; print(time.time())'; }
secs() { python3 -c "print('%.2f' % ($2 - $1))"; }

nice $B --db "$central" init --state SYR --password-file "$out/cpw.txt" >/dev/null 2>&1
nice $B --db "$central" demo --password-file "$out/cpw.txt" >/dev/null 2>&1
nice $B --db "$central" sync post add bench-1 --token-out "$out/post.tok" >/dev/null
nice $B --db "$post" init --state SYR --password-file "$out/ppw.txt" >/dev/null 2>&1
nice $B --db "$central" serve --listen 127.0.0.1:0 --quiet 2>"$out/central.log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for i in $(seq 50); do grep -q "listening on" "$out/central.log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$out/central.log" | head -1)
$B --db "$post" sync config --central "$url" --token-file "$out/post.tok" >/dev/null

t0=$(now)
r=$(nice $B --db "$post" sync run)
t1=$(now)
echo "first pull of the demo's reference data ($r): $(secs "$t0" "$t1") s"

# Up: registrations made offline on the post (a bulk import), then one round.
python3 bench/registry/gen_import.py "$people" >"$out/people.csv"
cp "$central" "$out/peer.db"
t0=$(now)
nice $B --db "$post" registry import "$out/people.csv" >/dev/null 2>&1
t1=$(now)
groups=$($B --db "$post" sync status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["outbox"]["pending"])')
t2=$(now)
r=$(nice $B --db "$post" sync run)
t3=$(now)
echo "post: import of $people people ($groups groups, captured into the outbox): $(secs "$t0" "$t1") s"
echo "push of $groups registrations ($people people) to central: $(secs "$t2" "$t3") s ($r)"
python3 -c "print('  = %.0f people/s, %.0f events/s' % ($people / ($t3 - $t2), $groups / ($t3 - $t2)))"
t0=$(now)
nice $B --db "$out/peer.db" registry import "$out/people.csv" >/dev/null 2>&1
t1=$(now)
echo "peer: the same CSV imported directly on central: $(secs "$t0" "$t1") s"
python3 -c "print('  = %.0f people/s' % ($people / ($t1 - $t0)))"

# Up: crossings recorded offline on the post (groups of 250 Syrians through Semalka).
python3 - "$out" <<'EOF2'
import sys
sys.path.insert(0, "tests/integration")
from mrzgen import td3
for g in range(8):
    with open("%s/mrz%d.txt" % (sys.argv[1], g), "w") as f:
        f.write("\n\n".join(td3("S%07d" % (g * 250 + i), "SYR", "1980-01-%02d" % (i % 28 + 1),
                                 "2033-01-01", "HADDAD", "SAMI") for i in range(250)))
EOF2
cp "$central" "$out/peer2.db"
t0=$(now)
for g in 0 1 2 3 4 5 6 7; do
    nice $B --db "$post" check --crossing semalka --direction entry --group pilgrims --record - \
        <"$out/mrz$g.txt" >/dev/null
done
t1=$(now)
r=$(nice $B --db "$post" sync run)
t2=$(now)
echo "post: 2,000 entries recorded (8 groups of 250): $(secs "$t0" "$t1") s"
echo "push of 2,000 movements to central: $(secs "$t1" "$t2") s ($r)"
python3 -c "print('  = %.0f movements/s' % (2000 / ($t2 - $t1)))"
t0=$(now)
for g in 0 1 2 3 4 5 6 7; do
    nice $B --db "$out/peer2.db" check --crossing semalka --direction entry --group pilgrims \
        --record - <"$out/mrz$g.txt" >/dev/null
done
t1=$(now)
echo "peer: the same 2,000 entries recorded directly on central: $(secs "$t0" "$t1") s"
python3 -c "print('  = %.0f movements/s' % (2000 / ($t1 - $t0)))"

# Down: a national alert list of $entries entries on central, then one round on the post.
python3 - "$entries" >"$out/alerts.csv" <<'EOF'
import random, sys
n = int(sys.argv[1]); r = random.Random(7)
given = ["Muhammad", "Ahmad", "Ali", "Omar", "Khalid", "Yusuf", "Ibrahim", "Hasan", "Karim", "Saad"]
family = ["Al-Jubouri", "Al-Dulaimi", "Al-Obaidi", "Al-Tamimi", "Al-Shammari", "Al-Tikriti"]
print("reference,name,aliases,dob,nationality,sex,action")
for i in range(n):
    g, f = r.choice(given), r.choice(family)
    print("B-%07d,%s %s %s,,%d,IRQ,M,discreet_check" % (i, g, r.choice(given), f, r.randint(1950, 2000)))
EOF
nice $B --db "$central" watchlist import "$out/alerts.csv" --format csv --list "Bench alerts" >/dev/null
cp "$post" "$out/post-peer.db"
t0=$(now)
r=$(nice $B --db "$post" sync run)
t1=$(now)
echo "pull of $entries watchlist entries to the post: $(secs "$t0" "$t1") s ($r)"
python3 -c "print('  = %.0f entries/s' % ($entries / ($t1 - $t0)))"
t0=$(now)
nice $B --db "$out/post-peer.db" watchlist import "$out/alerts.csv" --format csv --list "Bench alerts" >/dev/null
t1=$(now)
echo "peer: the same CSV imported directly on the post: $(secs "$t0" "$t1") s"
python3 -c "print('  = %.0f entries/s' % ($entries / ($t1 - $t0)))"
t0=$(now)
r=$(nice $B --db "$post" sync run)
t1=$(now)
echo "a round with nothing new: $(secs "$t0" "$t1") s ($r)"
