# SPDX-License-Identifier: Apache-2.0
"""`ubur serve --pg CONNINFO --pg-read REPLICA`: the statistics routes read a streaming replica
(tests/pg.sh starts a hot standby for the PostgreSQL pass: UBUR_TEST_PG_STANDBY). People
registered on the primary appear in the statistics once the standby has replayed them; the
statistics connection is the standby's; writes still go to the primary; the CLI's statistics
run against the standby; with the replica unreachable the statistics read the primary. On SQLite, --pg-read is a usage error."""
import csv
import io
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()

if not args.pg:
    with Server(args) as srv:
        p = srv.cli("serve", "--listen", "127.0.0.1:0", "--pg-read", "postgresql://x@127.0.0.1/x")
        tap.eq(p.returncode, 2, "--pg-read without --pg is a usage error")
        tap.ok("--pg-read needs --pg" in p.stderr, "and says why", p.stderr)
    tap.done()

standby = os.environ.get("UBUR_TEST_PG_STANDBY")
if not standby:
    tap.skip("statistics from a read replica", "no standby (tests/pg.sh with UBUR_PG_STANDBY=1)")
    tap.done()

NOW = "2026-01-01T00:00:00Z"


def hostport(uri):
    return re.match(r"^[a-z]+://(?:[^@/]*@)?([^/?]+)", uri).group(1)


def people_csv(n):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["group", "relationship", "given_name", "sex", "birth_date", "origin",
                "population_type", "location", "registered_on"])
    for i in range(n):
        w.writerow(["g%d" % i, "focal_point", "Ali", "M", "1980-01-01", "IRQ", "REF", "SY",
                    "2021-12-01"])
    return out.getvalue()


def total(srv, token):
    st, body, _ = srv.req("GET", "/api/v1/stats/population?by=type&format=csv", token=token)
    if st != 200:
        return (st, body)
    return sum(int(line.rsplit(",", 1)[1]) for line in body.strip().splitlines()[1:])


with Server(args) as srv:
    replica = srv.pg.replace(hostport(srv.pg), hostport(standby), 1)
    srv.sql("INSERT INTO reg_location (id, pcode, level, country, name_en, location_type,"
            " accommodation_type, created_at, updated_at) VALUES"
            " ('0190d1c4-0000-7000-8000-000000000001', 'SY', 'country', 'SYR', 'Syria', 'V',"
            " 'U', ?, ?)", (NOW, NOW))
    srv.extra_args = ["--pg-read", replica]
    srv.restart()
    admin = srv.login("admin")
    path = os.path.join(srv.dir, "people.csv")
    with open(path, "w") as f:
        f.write(people_csv(12))
    p = srv.cli("registry", "import", path)
    tap.eq(p.returncode, 0, "12 people registered on the primary (%s)" % p.stderr.strip()[-200:])
    deadline, got = time.time() + 20, None
    while time.time() < deadline:
        got = total(srv, admin)
        if got == 12:
            break
        time.sleep(0.2)
    tap.eq(got, 12, "the statistics show them once the standby has replayed them")
    # the statistics connection is the standby's: it is in the standby's pg_stat_activity
    db = re.match(r"^[a-z]+://[^/]+/([^?]+)", srv.pg).group(1)
    p = subprocess.run(["psql", "-X", "-A", "-t", standby, "-c",
                        "SELECT pg_is_in_recovery(), COUNT(*) FROM pg_stat_activity"
                        " WHERE datname = '%s' AND pid <> pg_backend_pid()" % db],
                       capture_output=True, text=True)
    rec, n = (p.stdout.strip().split("|") + ["", ""])[:2]
    tap.ok(rec == "t" and n.isdigit() and int(n) >= 1,
           "the server holds a connection to the standby", p.stdout + p.stderr)
    st, body, _ = srv.req("GET", "/api/v1/stats/crossings", token=admin)
    tap.eq(st, 200, "traffic figures come from the standby too")
    st, body, _ = srv.req("POST", "/api/v1/users", {"username": "clerk9", "role": "analyst"},
                          token=admin)
    tap.eq(st, 201, "writes still go to the primary")

    # the CLI reads a replica by being given it
    p = subprocess.run([srv.bin, "--pg", replica, "stats", "population", "--by", "type",
                        "--format", "csv"], capture_output=True, text=True)
    tap.eq((p.returncode, sum(int(line.rsplit(",", 1)[1])
                              for line in p.stdout.strip().splitlines()[1:])), (0, 12),
           "ubur --pg REPLICA stats population reads the standby (%s)" % p.stderr.strip())

    # the replica unreachable: the statistics read the primary
    srv.extra_args = ["--pg-read", replica.replace(hostport(standby), "127.0.0.1:1", 1)]
    srv.restart()
    admin = srv.login("admin")
    tap.eq(total(srv, admin), 12, "with the replica down the statistics read the primary")
    srv.stop()
    srv.log.seek(0)
    tap.ok("read replica:" in srv.log.read(), "and the server says so in its log")
    srv.start()
tap.done()
