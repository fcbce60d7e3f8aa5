# SPDX-License-Identifier: Apache-2.0
"""Security over HTTP: the role-by-route matrix generated from the route table
(through the OpenAPI document, which is built from it), TLS, the refusal to
listen beyond loopback in clear, a full disk, a locked database, slow clients,
and tampering with the audit log (deleted and reordered entries)."""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
ROLES = ["admin", "supervisor", "border_officer", "consular_officer", "registration_officer",
         "analyst"]
DUMMY = "01900000-0000-7000-8000-000000000000"

with Server(args) as srv:
    admin = srv.login("admin")
    tokens = {"admin": admin}
    for r in ROLES[1:]:
        tokens[r] = srv.add_user(admin, "m-" + r.replace("_", "-"), r)
    st, doc, _ = srv.req("GET", "/api/v1/openapi.json")
    routes = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            routes.append((method.upper(), path, op))
    # Logging out must come last, or it would end the token the other checks use.
    routes.sort(key=lambda r: (r[0] == "DELETE" and r[1] == "/api/v1/session", r[1], r[0]))
    tap.ok(len(routes) >= 8, "the OpenAPI document lists the routes (%d)" % len(routes))
    bad = []
    for method, path, op in routes:
        concrete = path
        while "{" in concrete:
            a = concrete.index("{")
            b = concrete.index("}", a)
            concrete = concrete[:a] + DUMMY + concrete[b + 1:]
        public = op.get("security") == []
        body = {} if method in ("POST", "PUT", "PATCH") else None
        st, resp, _ = srv.req(method, concrete, body)
        if public:
            if st == 401:
                bad.append("%s %s: public route answered 401" % (method, path))
        elif st != 401:
            bad.append("%s %s: %d without credentials, want 401" % (method, path, st))
        for role in ROLES:
            st, resp, _ = srv.req(method, concrete, body, token=tokens[role])
            allowed = public or role in op.get("x-roles", [])
            if not allowed and st != 403:
                bad.append("%s %s as %s: %d, want 403" % (method, path, role, st))
            if allowed and st in (401, 403):
                bad.append("%s %s as %s: %d, want access" % (method, path, role, st))
            if st >= 500:
                bad.append("%s %s as %s: %d (server error)" % (method, path, role, st))
    tap.ok(not bad, "every route gives each role exactly its access (%d routes x %d roles)"
           % (len(routes), len(ROLES)), "\n".join(bad[:30]))

    # Slow clients: idle and half-sent connections do not starve the server.
    socks = []
    for i in range(30):
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # never finishes
        socks.append(s)
    t0 = time.time()
    st, _, _ = srv.req("GET", "/api/v1/health")
    tap.ok(st == 200 and time.time() - t0 < 2, "30 stalled clients do not block others")
    for s in socks:
        s.close()

    # A locked database: a clear 503, then service resumes.
    if not args.pg:
        srv.stop()
        srv.env["UBUR_BUSY_TIMEOUT_MS"] = "300"
        srv.start()
        admin = srv.login("admin")
        holder = sqlite3.connect(srv.db, timeout=1, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        st, body, _ = srv.req("POST", "/api/v1/users", {"username": "locked1", "role": "analyst"},
                              token=admin)
        tap.ok(st == 503 and body["error"]["code"] == "busy", "a locked database answers 503 busy",
               (st, body))
        holder.execute("ROLLBACK")
        holder.close()
        st, body, _ = srv.req("POST", "/api/v1/users", {"username": "locked1", "role": "analyst"},
                              token=admin)
        tap.eq(st, 201, "after the lock is released the same request succeeds")

    # Audit log: deleting or reordering entries is detected.
    srv.stop()
    n = srv.sql("select max(seq) from audit_log")[0][0]
    row3 = srv.sql("select * from audit_log where seq = 3")[0]
    srv.sql("delete from audit_log where seq = 3")
    p = srv.cli("audit", "verify")
    tap.ok(p.returncode == 1 and "entry 3" in p.stderr, "a deleted audit entry is named", p.stderr)
    srv.sql("insert into audit_log values (%s)" % ",".join("?" * len(row3)), row3)
    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "with the entry restored the chain verifies again")
    # Reorder: swap the contents of 4 and 5.
    rows = srv.sql("select * from audit_log where seq in (4,5) order by seq")
    srv.sql("delete from audit_log where seq in (4,5)")
    cols = len(rows[0])
    srv.sql("insert into audit_log values (%s)" % ",".join("?" * cols), (4,) + rows[1][1:])
    srv.sql("insert into audit_log values (%s)" % ",".join("?" * cols), (5,) + rows[0][1:])
    tap.ok(n >= 5, "enough audit entries to tamper with")
    p = srv.cli("audit", "verify")
    tap.ok(p.returncode == 1 and "entry 4" in p.stderr,
           "reordered entries are detected", p.stderr)

# TLS, and no clear-text listening beyond loopback.
with tempfile.TemporaryDirectory() as d:
    key, cert = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                    "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    p = subprocess.run([args.bin, "--db", os.path.join(d, "x.db"), "serve", "--listen",
                        "0.0.0.0:0"], capture_output=True, text=True, timeout=20)
    tap.ok(p.returncode == 1 and "TLS" in p.stderr, "refuses to listen beyond loopback without TLS",
           p.stderr)
    with Server(args, extra_args=["--tls-cert", cert, "--tls-key", key]) as srv:
        url = "https://127.0.0.1:%d/api/v1/health" % srv.port
        p = subprocess.run(["curl", "-s", "--cacert", cert, url], capture_output=True, text=True)
        tap.ok('"status":"ok"' in p.stdout, "serves HTTPS with --tls-cert/--tls-key", p.stderr)
        p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "http://127.0.0.1:%d/api/v1/health" % srv.port],
                           capture_output=True, text=True)
        tap.ok(p.stdout != "200", "plain HTTP is not answered on the TLS port")

# A full disk: 503 storage_full, nothing corrupted, service resumes when space returns.
if args.pg:
    tap.skip("full disk", "SQLite only")
elif os.geteuid() != 0:
    tap.skip("full disk", "needs root to mount a small tmpfs")
else:
    mnt = tempfile.mkdtemp(prefix="ubur-full-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32M", "tmpfs", mnt]).returncode != 0:
        tap.skip("full disk", "cannot mount tmpfs here")
    else:
        try:
            class FullArgs:
                bin = args.bin
                pg = None
            srv = Server(FullArgs())
            srv.dir = mnt
            srv.db = os.path.join(mnt, "ubur.db")
            srv.pwfile = os.path.join(mnt, "pw")
            srv.dbargs = ["--db", srv.db]
            srv.cli("init", "--password-file", srv.pwfile, check=True)
            srv.passwords = dict(l.split() for l in open(srv.pwfile))
            srv.start()
            admin = srv.login("admin")
            filler = os.path.join(mnt, "filler")
            try:
                with open(filler, "wb") as f:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
            except OSError:
                pass
            codes = []
            for i in range(40):
                st, body, _ = srv.req("POST", "/api/v1/users",
                                      {"username": "full%d" % i, "role": "analyst",
                                       "password": "x" * 200 + str(i)}, token=admin)
                codes.append(st)
                if st == 503:
                    break
            tap.ok(503 in codes and body["error"]["code"] == "storage_full",
                   "a full disk answers 503 storage_full", (codes, body))
            tap.ok(all(c in (201, 503) for c in codes), "never a 500 on a full disk", codes)
            os.unlink(filler)
            st, body, _ = srv.req("POST", "/api/v1/users", {"username": "afterfull", "role": "analyst"},
                                  token=admin)
            tap.eq(st, 201, "service resumes when space returns")
            srv.stop()
            p = subprocess.run(["sqlite3", srv.db, "pragma integrity_check"], capture_output=True,
                               text=True)
            tap.eq(p.stdout.strip(), "ok", "the database is intact after the full disk")
            p = srv.cli("audit", "verify")
            tap.eq(p.returncode, 0, "the audit chain is intact after the full disk")
        finally:
            subprocess.run(["umount", "-l", mnt])
# A secret goes only into a regular file of ours: never /dev/null (whose mode
# the old code narrowed to 0600 for the whole machine), never through a symlink.
with tempfile.TemporaryDirectory() as d:
    before = os.stat("/dev/null").st_mode
    link = os.path.join(d, "link.txt")
    os.symlink(os.path.join(d, "target.txt"), link)
    for i, target in enumerate(("/dev/null", link)):
        p = subprocess.run([srv.bin, "--db", os.path.join(d, "s%d.db" % i), "init",
                            "--password-file", target], capture_output=True, text=True)
        tap.eq(p.returncode, 1, "init refuses to write the admin password to %s" % target)
        tap.ok("cannot write" in p.stderr, "and says why", p.stderr)
    tap.eq(os.stat("/dev/null").st_mode, before, "/dev/null keeps its mode")
    tap.ok(not os.path.exists(os.path.join(d, "target.txt")), "nothing written through the symlink")
    db = os.path.join(d, "actor.db")
    pw = os.path.join(d, "pw.txt")
    subprocess.run([srv.bin, "--db", db, "init", "--password-file", pw], check=True,
                   capture_output=True, env=dict(os.environ, USER="mallory", SUDO_USER=""))
    tap.eq(os.stat(pw).st_mode & 0o777, 0o600, "the password file is 0600")
    import pwd
    me = pwd.getpwuid(os.geteuid()).pw_name
    actors = {r[0] for r in sqlite3.connect(db).execute(
        "select username from audit_log where username like 'cli:%'")}
    tap.ok(actors == {"cli:" + me}, "CLI writes are audited as the real account, not $USER",
           actors)
tap.done()
