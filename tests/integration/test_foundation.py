# SPDX-License-Identifier: Apache-2.0
"""Foundation over HTTP: health, auth, roles, errors, sessions, CSRF, audit, OpenAPI."""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()

with Server(args) as srv:
    st, body, h = srv.req("GET", "/api/v1/health")
    tap.eq(st, 200, "health answers 200 without credentials")
    tap.eq(body.get("status"), "ok", "health says ok")
    tap.ok(h.get("x-request-id"), "every response carries a request id")
    tap.ok("frame-ancestors 'none'" in h.get("content-security-policy", ""), "CSP forbids framing")
    tap.eq(h.get("x-content-type-options"), "nosniff", "nosniff header")

    for path in ("/api/v1/users", "/api/v1/audit", "/api/v1/session", "/api/v1/nonexistent"):
        st, body, _ = srv.req("GET", path)
        tap.eq(st, 401, "GET %s without credentials is 401" % path)
    tap.eq(body["error"]["code"], "unauthenticated", "401 carries the error object")

    st, _, _ = srv.req("GET", "/api/v1/users", token="0" * 64)
    tap.eq(st, 401, "a made-up token is 401")

    st, body, _ = srv.req("POST", "/api/v1/session", {"username": "admin", "password": "wrong-password-1"})
    tap.eq(st, 401, "wrong password is 401")
    admin = srv.login("admin", srv.admin_password)
    tap.ok(len(admin) == 64, "login returns a token")

    st, body, _ = srv.req("GET", "/api/v1/users", token=admin)
    tap.eq(st, 200, "admin lists users")
    tap.ok(any(u["username"] == "admin" for u in body["users"]), "the first admin is listed")

    officer = srv.add_user(admin, "officer1", "border_officer")
    st, body, _ = srv.req("GET", "/api/v1/users", token=officer)
    tap.eq(st, 403, "a border officer may not list users")
    tap.eq(body["error"]["code"], "forbidden", "403 carries the error object")

    # Bad input: a clear 4xx naming the field, and nothing written.
    before = srv.req("GET", "/api/v1/users", token=admin)[1]["users"]
    cases = [
        ({"username": "x1", "role": "border_officer", "extra": 1}, "extra", "unknown field"),
        ({"username": "x2"}, "role", "missing field"),
        ({"username": 5, "role": "analyst"}, "username", "wrong type"),
        ({"username": "x3", "role": "emperor"}, "role", "unknown role"),
        ({"username": "Bad Name!", "role": "analyst"}, "username", "bad characters"),
        ({"username": "x4", "role": "analyst", "password": "short"}, "password", "short password"),
    ]
    for bodyv, field, what in cases:
        st, body, _ = srv.req("POST", "/api/v1/users", bodyv, token=admin)
        tap.ok(st == 400 and body["error"].get("field") == field,
               "%s: 400 naming '%s'" % (what, field), (st, body))
    for raw, what in ((b'{"username":', "truncated JSON"), (b"[1,2]", "not an object"),
                      (b'{"username":"a\xff","role":"analyst"}', "invalid UTF-8"),
                      (b'{"username":"a","username":"b","role":"analyst"}', "duplicate keys")):
        st, body, _ = srv.req("POST", "/api/v1/users", raw=raw, token=admin,
                              headers={"Content-Type": "application/json"})
        tap.ok(st == 400 and "error" in body, "%s is a 400" % what, (st, body))
    out = srv.raw(b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  admin.encode() + b"\r\nContent-Length: 2097152\r\n\r\n" + b"x" * 65536)
    tap.ok(out.startswith(b"HTTP/1.1 413"), "an oversized body is 413", out[:200])
    after = srv.req("GET", "/api/v1/users", token=admin)[1]["users"]
    tap.eq(len(after), len(before), "no bad request created a user")

    st, body, _ = srv.req("POST", "/api/v1/users", {"username": "officer1", "role": "analyst"}, token=admin)
    tap.eq(st, 409, "a duplicate username is 409")

    # Cookie sessions need the CSRF header for writes.
    st, body, h = srv.req("POST", "/api/v1/session", {"username": "admin", "password": srv.admin_password})
    cookie = h.get("set-cookie", "")
    tap.ok("HttpOnly" in cookie and "SameSite=Strict" in cookie, "session cookie is HttpOnly and SameSite=Strict")
    tap.ok(body["token"] != admin, "every login gets a new token")
    ck = {"Cookie": cookie.split(";")[0]}
    st, _, _ = srv.req("GET", "/api/v1/users", headers=ck)
    tap.eq(st, 200, "the cookie authenticates a read")
    st, _, _ = srv.req("POST", "/api/v1/users", {"username": "csrf1", "role": "analyst"}, headers=ck)
    tap.eq(st, 403, "a cookie write without the CSRF header is refused")
    st, _, _ = srv.req("POST", "/api/v1/users", {"username": "csrf1", "role": "analyst"},
                       headers=dict(ck, **{"X-CSRF-Token": body["csrf"]}))
    tap.eq(st, 201, "a cookie write with the CSRF header works")

    # Logout ends the token.
    st, _, _ = srv.req("DELETE", "/api/v1/session", token=officer)
    tap.eq(st, 200, "logout")
    st, _, _ = srv.req("GET", "/api/v1/session", token=officer)
    tap.eq(st, 401, "a logged-out token no longer works")

    # Lockout after repeated failures.
    codes = [srv.req("POST", "/api/v1/session", {"username": "csrf1", "password": "wrong-password-x"})[0]
             for _ in range(6)]
    tap.ok(codes[-1] == 429, "repeated failed logins lock the account", codes)

    # OpenAPI document lists every route of the table.
    st, doc, _ = srv.req("GET", "/api/v1/openapi.json")
    tap.eq(doc.get("openapi"), "3.1.0", "OpenAPI 3.1 document")
    tap.ok("/api/v1/users" in doc["paths"] and "post" in doc["paths"]["/api/v1/users"],
           "OpenAPI lists POST /api/v1/users")

    st, v, _ = srv.req("GET", "/api/v1/audit/verify", token=admin)
    tap.ok(st == 200 and v["intact"], "audit chain intact over HTTP", v)
    st, a, _ = srv.req("GET", "/api/v1/audit?limit=5", token=admin)
    tap.ok(st == 200 and len(a["entries"]) == 5, "admin reads the audit log", a)
    st, a, _ = srv.req("GET", "/api/v1/audit?limit=abc", token=admin)
    tap.ok(st == 400 and a["error"]["field"] == "limit", "bad query parameter names it")

    # CLI: user add, list, audit verify; the database is readable by sqlite3.
    p = srv.cli("user", "add", "clerk1", "--role", "analyst", "--password-stdin",
                stdin="a-long-enough-password\n")
    tap.eq(p.returncode, 0, "ubur user add --password-stdin")
    tap.login_ok = srv.login("clerk1", "a-long-enough-password")
    p = srv.cli("user", "add", "clerk2", "--role", "nope")
    tap.eq(p.returncode, 1, "ubur user add with a bad role fails with 1")
    tap.ok(p.stderr.startswith("ubur: "), "CLI errors start with 'ubur: '")
    p = srv.cli("user", "frobnicate")
    tap.eq(p.returncode, 2, "unknown subcommand is a usage error (2)")
    # Disabling and role changes: sessions end at once, the last admin stays.
    tok = srv.add_user(admin, "leaver1", "border_officer")
    st, body, _ = srv.req("PATCH", "/api/v1/users/leaver1", {"disabled": True}, token=admin)
    tap.ok(st == 200 and body.get("disabled") is True, "PATCH disables a user", body)
    st, _, _ = srv.req("GET", "/api/v1/session", token=tok)
    tap.eq(st, 401, "a disabled user's open session ends at once")
    st, body, _ = srv.req("PATCH", "/api/v1/users/leaver1", {"role": "wizard"}, token=admin)
    tap.ok(st == 400 and body["error"]["field"] == "role", "an unknown role is named", body)
    st, body, _ = srv.req("PATCH", "/api/v1/users/nobody9", {"disabled": True}, token=admin)
    tap.eq(st, 404, "PATCH of an unknown user is 404")
    st, body, _ = srv.req("PATCH", "/api/v1/users/admin", {"role": "analyst"}, token=admin)
    tap.ok(st == 409 and "last enabled admin" in body["error"]["message"],
           "the last admin cannot be demoted", body)
    st, body, _ = srv.req("PATCH", "/api/v1/users/leaver1", {"disabled": False, "role": "analyst"},
                          token=admin)
    tap.ok(st == 200 and body["role"] == "analyst" and not body["disabled"],
           "PATCH enables a user with a new role", body)
    p = srv.cli("user", "disable", "leaver1")
    tap.eq(p.returncode, 0, "ubur user disable")
    p = srv.cli("user", "list", "--json")
    tap.ok([u for u in json.loads(p.stdout) if u["username"] == "leaver1"][0]["disabled"],
           "ubur user list shows the account disabled")
    p = srv.cli("user", "disable", "admin")
    tap.ok(p.returncode == 1 and "last enabled admin" in p.stderr, "the CLI keeps the last admin too",
           p.stderr)
    p = srv.cli("user", "role", "leaver1")
    tap.eq(p.returncode, 2, "user role without --role is a usage error")
    p = srv.cli("audit", "verify")
    tap.ok(p.returncode == 0 and "intact" in p.stdout, "ubur audit verify", p.stdout + p.stderr)
    if not args.pg:
        db = sqlite3.connect(srv.db)
        n = db.execute("select count(*) from users").fetchone()[0]
        tap.ok(n >= 4, "the sqlite3 shell reads the database")
        db.execute("update audit_log set action='user.tampered' where seq=2")
        db.commit()
        db.close()
        p = srv.cli("audit", "verify")
        tap.ok(p.returncode == 1 and "entry 2" in p.stderr, "audit verify names the altered entry", p.stderr)

# `ubur --db x.db init` and `ubur init --db x.db` both work.
import tempfile
d = tempfile.mkdtemp()
for i, argv in enumerate((["--db", d + "/a.db", "init"], ["init", "--db", d + "/b.db"])):
    p = subprocess.run([args.bin] + argv + ["--password-file", d + "/pw%d" % i], capture_output=True, text=True)
    tap.eq(p.returncode, 0, "ubur %s" % " ".join(argv))
    mode = os.stat(d + "/pw%d" % i).st_mode & 0o777
    tap.eq(mode, 0o600, "the generated admin password file is mode 0600")
p = subprocess.run(["sqlite3", d + "/a.db", "select count(*) from schema_migrations"], capture_output=True, text=True)
tap.ok(p.returncode == 0 and int(p.stdout) >= 1, "sqlite3 shell reads an initialised database")
tap.done()
