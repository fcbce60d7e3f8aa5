# SPDX-License-Identifier: Apache-2.0
"""Hostile input against every JSON route of the route table (read through
the OpenAPI document, so new routes are covered as they are added):
truncated and deeply nested JSON, wrong types in every field, invalid UTF-8,
oversized fields, and the strings of tests/data/hostile/strings.txt
(injection attempts, mixed scripts, absurd dates) in every string field.
Nothing may answer 5xx, a malformed request must write nothing, and the
database must stay intact."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
HERE = os.path.dirname(os.path.abspath(__file__))
strings = [l.rstrip("\n") for l in open(os.path.join(HERE, "..", "data", "hostile", "strings.txt"),
                                         encoding="utf-8")
           if l.strip() and not l.startswith("#")]
DUMMY = "01900000-0000-7000-8000-000000000000"
SAMPLE = {"string": "ABC123", "integer": 1, "number": 1.5, "boolean": True, "object": {},
          "array": []}
WRONG = {"string": 12345, "integer": "twelve", "number": "x", "boolean": "yes", "object": [1],
         "array": {"a": 1}}
SKIP = {("POST", "/api/v1/session"), ("DELETE", "/api/v1/session")}


def audit_count(srv, token):
    st, a, _ = srv.req("GET", "/api/v1/audit?limit=1", token=token)
    return a["entries"][0]["seq"] if st == 200 and a["entries"] else 0


with Server(args) as srv:
    admin = srv.login("admin")
    tokens = {"admin": admin}
    for role in ("supervisor", "border_officer", "consular_officer", "registration_officer",
                 "analyst"):
        tokens[role] = srv.add_user(admin, "h-" + role.replace("_", "-"), role)
    st, doc, _ = srv.req("GET", "/api/v1/openapi.json")
    routes = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if (method.upper(), path) in SKIP:
                continue
            schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                      .get("schema"))
            if method.upper() in ("POST", "PUT", "PATCH"):
                routes.append((method.upper(), path, op, schema))
    tap.ok(routes, "found %d write routes to attack" % len(routes))
    five = []
    wrote = []
    unnamed = []
    sent = 0
    for method, path, op, schema in routes:
        concrete = path
        while "{" in concrete:
            a, b = concrete.index("{"), concrete.index("}")
            concrete = concrete[:a] + DUMMY + concrete[b + 1:]
        roles = op.get("x-roles") or ["admin"]
        tok = tokens[roles[0]]
        props = (schema or {}).get("properties", {})
        required = (schema or {}).get("required", [])
        def sample(p):
            v = SAMPLE.get(p.get("type"), "x")
            return v[:p["maxLength"]] if isinstance(v, str) and "maxLength" in p else v
        base = {k: sample(props[k]) for k in required}

        def send(body=None, raw=None, expect_4xx=False, what=""):
            global sent
            before = audit_count(srv, admin)
            st, resp, _ = srv.req(method, concrete, body, token=tok, raw=raw,
                                  headers={"Content-Type": "application/json"} if raw else None)
            sent += 1
            if st >= 500 and st != 503:
                five.append("%s %s %s: %d %s" % (method, path, what, st, str(resp)[:200]))
            if expect_4xx:
                if not 400 <= st < 500:
                    five.append("%s %s %s: %d, want 4xx" % (method, path, what, st))
                elif audit_count(srv, admin) != before:
                    wrote.append("%s %s %s wrote something" % (method, path, what))
            return st, resp

        send(raw=b'{"a":', expect_4xx=True, what="truncated JSON")
        send(raw=b"[" * 5000 + b"]" * 5000, expect_4xx=True, what="deep nesting")
        send(raw=b'{"x":"\xff\xfe"}', expect_4xx=True, what="invalid UTF-8")
        send(raw=b"\x00\x01\x02", expect_4xx=True, what="binary")
        if schema is None:
            continue
        for name, p in props.items():
            t = p.get("type")
            if t in WRONG:
                body = dict(base)
                body[name] = WRONG[t]
                st, resp = send(body, expect_4xx=True, what="wrong type in %s" % name)
                if 400 <= st < 500 and isinstance(resp, dict) and \
                        resp.get("error", {}).get("field") != name and st == 400:
                    unnamed.append("%s %s: wrong type in %s named %r" % (
                        method, path, name, resp.get("error", {}).get("field")))
            if t == "string":
                body = dict(base)
                body[name] = "A" * 100000
                send(body, expect_4xx=True, what="100 kB in %s" % name)
                # Six strings per field, rotating, so every string meets many fields
                # while the suite stays quick as routes are added.
                k = sum(map(ord, method + path + name))
                for s in (strings[(k + j) % len(strings)] for j in range(6)):
                    body = dict(base)
                    body[name] = s
                    send(body, what="hostile %r in %s" % (s[:20], name))
        body = dict(base)
        body["no_such_field_xyz"] = 1
        st, resp = send(body, expect_4xx=True, what="unknown field")
    tap.ok(sent > 50, "sent %d hostile requests" % sent)
    tap.ok(not five, "no hostile request got a 5xx or a 2xx where a 4xx was due", "\n".join(five[:40]))
    tap.ok(not wrote, "no malformed request wrote anything", "\n".join(wrote[:40]))
    tap.ok(not unnamed, "a wrong type names its field", "\n".join(unnamed[:40]))
    st, body, _ = srv.req("GET", "/api/v1/health")
    tap.eq(st, 200, "the server is still healthy")
    st, v, _ = srv.req("GET", "/api/v1/audit/verify", token=admin)
    tap.ok(st == 200 and v["intact"], "the audit chain is intact", v)
    if not args.pg:
        srv.stop()
        db = sqlite3.connect(srv.db)
        tap.eq(db.execute("pragma integrity_check").fetchone()[0], "ok", "the database is intact")
        tap.ok(db.execute("select count(*) from users").fetchone()[0] >= 6, "the users table survived")
tap.done()
