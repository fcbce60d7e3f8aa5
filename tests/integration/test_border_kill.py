# SPDX-License-Identifier: Apache-2.0
"""Durability of border records under SIGKILL. Client threads drive checks
and confirmations at load; the server is killed with SIGKILL at a random
moment, restarted on the same database, and then:
  - every record the server acknowledged (201) is there, with its check;
  - nothing is half-written: each record has its check marked recorded, its
    stay (entries) or closed stay (exits), its audit entry, and the traffic
    figures add up to the records; no check says recorded without a record;
  - SQLite's integrity check passes (on SQLite) and the audit chain verifies.
Rounds: UBUR_KILL_ROUNDS (default 3, as `make test` runs it). On both backends: on PostgreSQL
the server process dies, the database server does not, and what the server acknowledged must
have been committed."""
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402
from border_setup import setup  # noqa: E402

args = parse_args()
tap = Tap()
ROUNDS = int(os.environ.get("UBUR_KILL_ROUNDS", "3"))
THREADS = 8


class Driver(threading.Thread):
    """Checks and confirms travellers until the server goes away."""

    def __init__(self, srv, token, tag, acked, lock):
        super().__init__(daemon=True)
        self.srv, self.token, self.tag = srv, token, tag
        self.acked, self.lock = acked, lock
        self.n = 0

    def post(self, conn, path, body):
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Authorization": "Bearer " + self.token,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")

    def run(self):
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=10)
        try:
            while True:
                self.n += 1
                doc = {"document_number": "K%s%06d" % (self.tag, self.n), "nationality": "SYR",
                       "birth_date": "1980-01-01", "expiry_date": "2035-01-01",
                       "surname": "AL-KHALIDI", "given_names": "OMAR"}
                st, c = self.post(conn, "/api/v1/border/checks",
                                  {"crossing_id": "semalka",
                                   "direction": "entry" if self.n % 3 else "exit",
                                   "document": doc})
                if st != 201:
                    return
                st, rec = self.post(conn, "/api/v1/border/checks/%s/confirm" % c["id"], {})
                if st != 201:
                    return
                with self.lock:
                    self.acked.append((rec["id"], c["id"], rec["kind"]))
        except (OSError, http.client.HTTPException, ValueError):
            return  # the server was killed
        finally:
            conn.close()


def invariants(srv):
    q = srv.sql
    problems = []
    if not args.pg and q("PRAGMA integrity_check") != [("ok",)]:
        problems.append("integrity_check failed")
    orphans = q("SELECT r.id FROM border_records r LEFT JOIN border_checks k ON k.id = r.check_id"
                " WHERE r.check_id IS NOT NULL AND (k.id IS NULL OR k.status != 'recorded'"
                " OR k.record_id != r.id)")
    if orphans:
        problems.append("records without their recorded check: %d" % len(orphans))
    dangling = q("SELECT k.id FROM border_checks k LEFT JOIN border_records r"
                 " ON r.id = k.record_id WHERE k.status = 'recorded' AND r.id IS NULL")
    if dangling:
        problems.append("checks marked recorded without a record: %d" % len(dangling))
    nostay = q("SELECT r.id FROM border_records r LEFT JOIN stays s ON s.entry_record_id = r.id"
               " WHERE r.kind = 'entry' AND s.id IS NULL")
    if nostay:
        problems.append("entries without a stay: %d" % len(nostay))
    unaudited = q("SELECT r.id FROM border_records r LEFT JOIN audit_log a ON a.object_id = r.id"
                  " WHERE a.seq IS NULL")
    if unaudited:
        problems.append("records without an audit entry: %d" % len(unaudited))
    total = q("SELECT (SELECT COALESCE(SUM(crossings), 0) FROM border_traffic),"
              " (SELECT COUNT(*) FROM border_records)")[0]
    if total[0] != total[1]:
        problems.append("traffic figures %d != records %d" % total)
    return problems


with Server(args) as srv:
    random.seed(os.getpid())
    officer = setup(srv, "2030-01-01T00:00:00Z", users=("officer",))["officer"]
    all_acked = []
    for rnd in range(ROUNDS):
        acked, lock = [], threading.Lock()
        drivers = [Driver(srv, officer, "%d%d" % (rnd, i), acked, lock) for i in range(THREADS)]
        for d in drivers:
            d.start()
        time.sleep(random.uniform(0.4, 1.6))
        deadline = time.time() + 20  # a loaded machine: at least one acknowledgement first
        while time.time() < deadline and all(d.is_alive() for d in drivers):
            with lock:
                if acked:
                    break
            time.sleep(0.05)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.proc = None
        for d in drivers:
            d.join(15)
        with lock:
            got = list(acked)
        all_acked += got
        present = {r[0] for r in srv.sql("SELECT id FROM border_records")}
        recorded = {r[0]: r[1] for r in srv.sql(
            "SELECT id, record_id FROM border_checks WHERE status = 'recorded'")}
        missing = [a for a in all_acked if a[0] not in present or recorded.get(a[1]) != a[0]]
        tap.ok(len(got) > 0, "round %d: %d records acknowledged before SIGKILL" % (rnd, len(got)))
        tap.ok(not missing, "round %d: every acknowledged record survived SIGKILL" % rnd,
               missing[:5])
        problems = invariants(srv)
        tap.ok(not problems, "round %d: nothing half-written" % rnd, "\n".join(problems))
        srv.start()
        officer = srv.login("officer")
    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "the audit chain verifies after %d kills" % ROUNDS)
    st, body, _ = srv.req("GET", "/api/v1/health")
    tap.eq(st, 200, "the server serves after the last restart")

tap.done()
