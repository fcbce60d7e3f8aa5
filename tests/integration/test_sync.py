# SPDX-License-Identifier: Apache-2.0
"""Offline border posts (issue 11, docs/internals/sync.md): a central server
and two posts on loopback. The posts pull locations and watchlists, register
people while the link is up and while central is down, keep screening
offline, sync again when central is back; one post is SIGKILLed in the
middle of a round and a post's server is SIGKILLed while its background
thread syncs. In the end every registration is on central exactly once,
with the post's ids and the same content, and the outbox of every post is
empty. A registration changed on central and on a post at once becomes a
conflict that a supervisor resolves. (Central on PostgreSQL: the pipeline
of tests/unit/test_sync.c.)"""
import copy
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="ubur-sync-")
post_args = copy.copy(args)
post_args.pg = None  # posts run on SQLite, always
T0 = time.time()


def run_json(srv, *argv):
    p = srv.cli(*argv)
    try:
        return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, p.stderr
    except ValueError:
        return p.returncode, None, p.stdout + p.stderr


def export(srv, location="SY-DY-ABK"):
    """The registry of a place as {individual_number: row} through `ubur registry export`."""
    p = srv.cli("registry", "export", "--location", location)
    if p.returncode != 0:
        raise RuntimeError("export failed: " + p.stderr)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    return {r["individual_number"]: r for r in rows}


def add_person(srv, given, family, dob, location, **kw):
    argv = ["registry", "add", "--location", location, "--type", kw.get("type", "ASY"),
            "--origin", "IRQ", "--sex", kw.get("sex", "M"), "--given", given, "--family", family,
            "--dob", dob, "--confirm-new"]
    p = srv.cli(*argv)
    if p.returncode != 0:
        raise RuntimeError("registry add failed: " + p.stderr)
    number, rid = p.stdout.split()[:2]
    return number, rid


GIVEN = ["Ahmad", "Omar", "Ali", "Hasan", "Yusuf", "Khalid", "Salim", "Hadi", "Karim", "Jamal",
         "Nabil", "Rami", "Samir", "Tariq", "Walid", "Zaid", "Bilal", "Fadi", "Ghassan", "Imad"]


def name(i):
    """A different given name for each i (names hold no digits)."""
    return GIVEN[i % len(GIVEN)] + ("" if i < len(GIVEN) else " " + GIVEN[i // len(GIVEN) % len(GIVEN)])


def record_crossing(srv, i, direction):
    """A Syrian national through Semalka; returns the record id."""
    p = srv.cli("check", "--crossing", "semalka", "--direction", direction, "--document",
                "N%07d" % i, "--nationality", "SYR", "--birth-date", "1980-01-%02d" % (i % 28 + 1),
                "--surname", "HASSAN", "--given-names", name(i).upper(), "--expiry", "2035-01-01",
                "--sex", "M", "--record", "--json")
    if p.returncode != 0:
        raise RuntimeError("check failed: " + p.stdout + p.stderr)
    return json.loads(p.stdout)["record_id"]


MOVEMENT_FIELDS = ("id", "kind", "direction", "at", "crossing_id", "check_id", "document_number",
                   "nationality", "proposed", "decision", "officer", "recorded_at")


def movements(srv, token):
    code, body, _ = srv.req("GET", "/api/v1/border/movements?crossing_id=semalka&limit=1000",
                            token=token)
    if code != 200:
        raise RuntimeError("movements: %s %s" % (code, body))
    return {m["id"]: tuple(m.get(k) for k in MOVEMENT_FIELDS) for m in body["movements"]}


def semalka_traffic(srv, token):
    code, body, _ = srv.req("GET", "/api/v1/stats/crossings?from=2000-01-01&to=2100-01-01"
                            "&by=crossing", token=token)
    if code != 200:
        raise RuntimeError("traffic: %s %s" % (code, body))
    return sum(r["crossings"] for r in body["rows"] if r.get("crossing") == "semalka")


def visas(srv):
    rc, v, err = run_json(srv, "visa", "list", "--visas", "--limit", "1000", "--json")
    if rc != 0:
        raise RuntimeError("visa list: " + str(err))
    return {x["id"]: (x["visa_number"], x["state"], x["valid_until"]) for x in v}


def pending(srv):
    rc, st, _ = run_json(srv, "sync", "status", "--json")
    return st["outbox"]["pending"] if st else None


if args.pg:
    # Central on PostgreSQL is covered by tests/unit/test_sync.c's pipeline (tests/pg.sh); the
    # demo this test stands on takes minutes to load into PostgreSQL.
    tap.skip("central and two posts on loopback", "runs on SQLite; the unit pipeline covers PG")
    tap.done()

have_registry = subprocess.run([args.bin, "help", "registry"], capture_output=True).returncode == 0

with Server(args, state="SYR", demo=True) as central:
    # Central: two posts with their accounts, national alerts to hand down.
    toks = {}
    for post in ("qaim-1", "rabia-1"):
        toks[post] = os.path.join(tmp, post + ".tok")
        p = central.cli("sync", "post", "add", post, "--name", post, "--token-out", toks[post])
        tap.eq(p.returncode, 0, "central registers post %s" % post)
    tap.eq(oct(os.stat(toks["qaim-1"]).st_mode & 0o777), "0o600", "the post's token file is 0600")
    p = central.cli("sync", "post", "add", "qaim-1")
    tap.ok(p.returncode == 1 and "already" in p.stderr, "a post is registered once", p.stderr)
    alerts = os.path.join(tmp, "alerts.csv")
    with open(alerts, "w") as f:
        f.write("reference,name,aliases,dob,nationality,sex,action\n"
                "SYR-A-1,Abd al-Rahman Khalil al-Tikriti,Abdulrahman al Tikriti,1979,IRQ,M,refuse_entry\n"
                "SYR-A-2,محمد حسن الجبوري,Mohammed Hasan al-Jubouri,1985-03-02,IRQ,M,discreet_check\n")
    central.cli("watchlist", "import", alerts, "--format", "csv", "--list", "SYR national alerts",
                check=True)
    url = "http://127.0.0.1:%d" % central.port

    with Server(post_args, state="SYR") as p1, \
            Server(post_args, state="SYR", extra_args=["--sync-interval", "2"]) as p2:
        for srv, post in ((p1, "qaim-1"), (p2, "rabia-1")):
            p = srv.cli("sync", "config", "--central", url, "--token-file", toks[post])
            tap.eq(p.returncode, 0, "post %s configured" % post)
        p = p1.cli("sync", "config", "--central", url, "--token-file", toks["qaim-1"],
                   "--post", "rabia-1")
        tap.ok(p.returncode == 1 and "qaim-1" in p.stderr,
               "a token file of another post is refused", p.stderr)

        # First round: reference data comes down; the post screens with it.
        rc, r, err = run_json(p1, "sync", "run", "--json")
        tap.ok(rc == 0 and r["pull_ok"] and r["pulled"] >= 2, "post 1 pulls central's data", (r, err))
        rc, st, _ = run_json(p1, "sync", "status", "--json")
        tap.ok(st["role"] == "post" and st["data_age_seconds"] is not None and
               st["data_age_seconds"] < 60, "post 1 knows how old its data is", st)
        p = p1.cli("screen", "--json", "--dob", "1979", "Abdulrahman al-Tikriti")
        tap.ok("SYR-A-1" in p.stdout, "post 1 screens against the pulled watchlist",
               p.stdout + p.stderr)
        rc, r, err = run_json(p1, "sync", "run", "--json")
        tap.ok(rc == 0 and r["pulled"] == 0 and r["pushed"] == 0,
               "a second round with nothing new changes nothing", (r, err))
        tap.ok(visas(p1) == visas(central) and len(visas(p1)) > 0,
               "post 1 holds central's visas", (visas(p1), visas(central)))
        p = p1.cli("crossing", "list")
        tap.ok("semalka" in p.stdout and "yarubiyah" in p.stdout,
               "and its crossing points with their modes", p.stdout)
        # The background thread of post 2's server syncs by itself.
        deadline = time.time() + 15
        st = None
        while time.time() < deadline:
            rc, st, _ = run_json(p2, "sync", "status", "--json")
            if st and st["pull"]["data_as_of"]:
                break
            time.sleep(0.3)
        tap.ok(st and st["pull"]["data_as_of"], "post 2's server syncs in the background", st)
        adm2 = p2.login("admin")
        code, body, _ = p2.req("GET", "/api/v1/sync/status", token=adm2)
        tap.ok(code == 200 and body["role"] == "post" and "data_age_seconds" in body,
               "the UI reads the data age from /api/v1/sync/status", body)

        if not have_registry:
            tap.skip("registrations up, offline, SIGKILL, exactly once, conflict",
                     "the registry CLI has not landed")
        else:
            loc = "SY-DY-ABK"  # Albu Kamal, a place of the demo without demo registrations
            made = {p1: [], p2: []}
            for i in range(3):
                made[p1].append(add_person(p1, name(i), "Al-Tikriti", "1980-01-0%d" % (i + 1), loc))
                made[p2].append(add_person(p2, name(i + 7), "Al-Mosuli", "1975-05-0%d" % (i + 1), loc))
            tap.ok(all(n.startswith("SYR-QAIM-1-") for n, _ in made[p1]) and
                   all(n.startswith("SYR-RABIA-1-") for n, _ in made[p2]),
                   "each post numbers its registrations in its own space", made)
            tap.eq(pending(p1), 3, "post 1's outbox holds its three registrations")
            cadm = central.login("admin")
            traffic0 = semalka_traffic(central, cadm)
            recs = {p1: [], p2: []}
            for i in range(2):
                recs[p1].append(record_crossing(p1, 100 + i, "entry"))
                recs[p2].append(record_crossing(p2, 200 + i, "entry"))
            rc, r, err = run_json(p1, "sync", "run", "--json")
            tap.ok(rc == 0 and r["pushed"] == 5, "post 1 pushes them and its two entries", (r, err))

            # The link drops: central stops. The posts keep working.
            central.stop()
            for i in range(3, 6):
                made[p1].append(add_person(p1, name(i), "Al-Tikriti", "1981-02-0%d" % (i + 1), loc))
                made[p2].append(add_person(p2, name(i + 7), "Al-Mosuli", "1976-06-0%d" % (i + 1), loc))
            p = p1.cli("screen", "--json", "--dob", "1979", "Abdulrahman al-Tikriti")
            tap.ok("SYR-A-1" in p.stdout, "offline, post 1 still screens and decides", p.stdout)
            for i in range(2):  # offline, the posts record exits and entries
                recs[p1].append(record_crossing(p1, 100 + i, "exit"))
                recs[p2].append(record_crossing(p2, 200 + i, "exit"))
                recs[p1].append(record_crossing(p1, 110 + i, "entry"))
            tap.eq(len(recs[p1]) + len(recs[p2]), 10, "offline, the posts keep recording crossings")
            rc, r, err = run_json(p1, "sync", "run", "--json")
            tap.ok(rc == 1 and not r["push_ok"] and "cannot reach central" in (r["error"] or ""),
                   "a round without central fails and says why", (r, err))
            rc, st, _ = run_json(p1, "sync", "status", "--json")
            tap.ok(st["push"]["failures"] >= 1 and st["push"]["next_attempt_at"] and
                   st["outbox"]["pending"] == 7, "the failure is counted and the retry scheduled", st)
            # A bulk import on post 1 while offline: 40 groups in one transaction.
            rows = ["group,relationship,given_name,family_name,sex,birth_date,origin,population_type,location"]
            for g in range(40):
                rows.append("g%d,focal_point,%s,Al-Ani,M,1970-03-%02d,IRQ,REF,%s" % (g, name(g), g % 28 + 1, loc))
                rows.append("g%d,child,%s,Al-Ani,M,2010-04-%02d,IRQ,REF,%s" % (g, name(g + 3), g % 28 + 1, loc))
            bulk = os.path.join(tmp, "bulk.csv")
            open(bulk, "w").write("\n".join(rows) + "\n")
            p = p1.cli("registry", "import", bulk)
            tap.eq(p.returncode, 0, "post 1 imports 40 groups offline")
            tap.eq(pending(p1), 47, "the import's groups are in the outbox too")

            # Central comes back (a restart); post 1 is killed in the middle of its round.
            central.start()
            url2 = "http://127.0.0.1:%d" % central.port
            for srv, post in ((p1, "qaim-1"), (p2, "rabia-1")):
                srv.cli("sync", "config", "--central", url2, "--token-file", toks[post], check=True)
            # The kill lands once the batch is marked sent: the push is on the wire or being
            # applied on central, and the post has not recorded the answer.
            db = sqlite3.connect(p1.db, timeout=10)
            proc = subprocess.Popen([args.bin] + p1.dbargs + ["sync", "run"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            in_flight = False
            deadline = time.time() + 20
            while time.time() < deadline and proc.poll() is None:
                try:
                    in_flight = db.execute("SELECT COUNT(*) FROM sync_outbox WHERE sent_at IS NOT"
                                           " NULL AND acked_at IS NULL").fetchone()[0] > 0
                except sqlite3.OperationalError:
                    in_flight = False
                if in_flight:
                    break
                time.sleep(0.002)
            killed = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            db.close()
            tap.ok(killed and in_flight, "post 1's round is SIGKILLed with its push in flight")
            # Post 2's server is killed while its thread syncs, then restarted.
            p2.stop(signal.SIGKILL)
            p2.start()
            rc, r, err = run_json(p1, "sync", "run", "--json")
            tap.ok(rc == 0 and r["push_ok"] and r["pull_ok"], "post 1's next round completes", (r, err))
            deadline = time.time() + 20
            while time.time() < deadline and pending(p2) != 0:
                time.sleep(0.3)
            tap.eq(pending(p2), 0, "post 2's restarted server has sent everything")
            tap.eq(pending(p1), 0, "post 1's outbox is empty")

            # Exactly once everywhere: same numbers, same content.
            ec, e1, e2 = export(central), export(p1), export(p2)
            mine1 = {k: v for k, v in ec.items() if k.startswith("SYR-QAIM-1-")}
            mine2 = {k: v for k, v in ec.items() if k.startswith("SYR-RABIA-1-")}
            tap.eq(len(e1), 6 + 80, "post 1 holds its 86 registrations")
            tap.eq(len(e2), 6, "post 2 holds its 6")
            tap.eq(sorted(mine1), sorted(e1), "central has every one of post 1's, once")
            tap.eq(sorted(mine2), sorted(e2), "central has every one of post 2's, once")
            diff = [k for k in e1 if e1[k] != mine1.get(k)] + [k for k in e2 if e2[k] != mine2.get(k)]
            tap.ok(not diff, "and with the same content", diff[:5])
            rc, cst, _ = run_json(central, "sync", "status", "--json")
            posts = {p["id"]: p for p in cst["posts"]}
            tap.ok(posts["qaim-1"]["applied_seq"] == 52 and posts["rabia-1"]["applied_seq"] == 10,
                   "central applied each post's events once, in sequence", posts)
            # Movements: the same records on central, with the traffic figures kept by the
            # border's own code (one per movement, not copied rows).
            mc = movements(central, cadm)
            m1 = movements(p1, p1.login("admin"))
            m2 = movements(p2, p2.login("admin"))
            tap.eq(sorted(set(recs[p1])), sorted(m1), "post 1 holds its 6 movements")
            tap.ok(all(mc.get(k) == v for k, v in m1.items()) and
                   all(mc.get(k) == v for k, v in m2.items()),
                   "central has every movement of both posts, once, with the same content",
                   [k for k in list(m1) + list(m2) if mc.get(k) != (m1.get(k) or m2.get(k))][:5])
            tap.eq(semalka_traffic(central, cadm) - traffic0, len(m1) + len(m2),
                   "central's traffic figures count each post movement once")
            p = central.cli("audit", "verify")
            tap.eq(p.returncode, 0, "central's audit chain is intact")

            # A conflict: central and post 1 change the same person at once.
            number, rid = made[p1][0]
            p = central.cli("registry", "event", rid, "--status", "inactive", "--reason",
                            "left for Erbil (central)")
            tap.eq(p.returncode, 0, "central changes a registration of post 1")
            p = p1.cli("registry", "event", rid, "--type", "REF", "--reason", "recognised (post)")
            tap.eq(p.returncode, 0, "post 1 changes the same registration offline")
            rc, r, err = run_json(p1, "sync", "run", "--json")
            tap.ok(rc == 0 and r["conflicts"] == 1, "the push reports a conflict", (r, err))
            sup = central.add_user(central.login("admin"), "sup1", "supervisor")
            code, body, _ = central.req("GET", "/api/v1/sync/conflicts?status=open", token=sup)
            cs = body.get("conflicts", []) if code == 200 else []
            tap.ok(len(cs) == 1 and cs[0]["kind"] == "changed_centrally" and
                   cs[0]["record_id"] == rid, "the supervisor sees it, with both versions", body)
            row = export(central)[number]
            tap.ok(row["status"] == "inactive" and row["population_type"] == "ASY",
                   "central kept its own version meanwhile", row)
            if cs:
                code, body, _ = central.req("POST", "/api/v1/sync/conflicts/%s/resolve" % cs[0]["id"],
                                            {"action": "apply", "note": "recognition confirmed"},
                                            token=sup)
                tap.ok(code == 200 and body["status"] == "applied", "the supervisor applies it", body)
                row = export(central)[number]
                tap.ok(row["status"] == "inactive" and row["population_type"] == "REF",
                       "central now has both changes", row)
                code, body, _ = central.req("POST", "/api/v1/sync/conflicts/%s/resolve" % cs[0]["id"],
                                            {"action": "discard", "note": "again"}, token=sup)
                tap.eq(code, 409, "a resolved conflict stays resolved")
            p = central.cli("audit", "list", "--json")
            tap.ok("sync.conflict.resolve" in p.stdout, "the resolution is audited")

        # A visa revoked on central is revoked on the posts after their next pull.
        vs = [k for k, v in visas(central).items() if v[1] == "issued"]
        if vs:
            p = central.cli("visa", "revoke", vs[0], "--reason", "fraud found")
            tap.eq(p.returncode, 0, "central revokes a visa")
            run_json(p1, "sync", "run", "--json")
            tap.eq(visas(p1).get(vs[0], ("", ""))[1], "revoked", "post 1 sees the revocation")
        # A post's account can only sync, and only as itself.
        code, body, _ = central.req("POST", "/api/v1/session",
                                    {"username": "qaim-1",
                                     "password": open(toks["qaim-1"]).read().split()[1]})
        ptok = body["token"] if code == 201 else None
        code, _, _ = central.req("GET", "/api/v1/users", token=ptok)
        tap.eq(code, 403, "a post's account cannot read users")
        code, body, _ = central.req("GET", "/api/v1/sync/changes?post=rabia-1", token=ptok)
        tap.eq(code, 403, "nor pull as another post")
        code, body, _ = central.req("POST", "/api/v1/sync/push", {"post": "qaim-1", "events": [{}]},
                                    token=ptok)
        tap.ok(code == 400 and body["error"]["field"] == "events[0]", "a malformed event names itself",
               body)

print("# the whole test took %.1f s" % (time.time() - T0), flush=True)
tap.done()
