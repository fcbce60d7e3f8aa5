# SPDX-License-Identifier: Apache-2.0
"""Integration-test harness: starts the real `ubur serve` on a free loopback
port with a throwaway database, speaks HTTP to it, and reports in TAP.

Usage in a test file:
    from harness import Server, Tap
    tap = Tap()
    with Server(args) as srv:
        tok = srv.login("admin", srv.admin_password)
        st, body, hdrs = srv.req("GET", "/api/v1/users", token=tok)
        tap.ok(st == 200, "admin lists users")
    tap.done()

The database is SQLite in a temporary directory, or PostgreSQL when the
environment has UBUR_PG (a conninfo for an empty database).
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "ubur"))
    ap.add_argument("--pg", default=os.environ.get("UBUR_PG"))
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    return a


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, name), flush=True)
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines()[:20]:
                    print("#   " + line, flush=True)
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


class Server:
    def __init__(self, args, state="SYR", extra_args=(), demo=False, env=None):
        self.args = args
        self.bin = args.bin
        self.state = state
        self.extra_args = list(extra_args)
        self.demo = demo
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.conn = None

    # -- lifecycle --
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="ubur-it-")
        self.db = os.path.join(self.dir, "ubur.db")
        self.pwfile = os.path.join(self.dir, "passwords.txt")
        if self.args.pg:
            self._reset_pg()
        else:
            self.dbargs = ["--db", self.db]
        self.cli("init", "--state", self.state, "--password-file", self.pwfile, check=True)
        if self.demo:
            self.cli("demo", "--password-file", self.pwfile, check=True)
        self.passwords = {}
        with open(self.pwfile) as f:
            for line in f:
                u, p = line.split()
                self.passwords[u] = p
        self.admin_password = self.passwords["admin"]
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        report = self.sanitizer_report()
        shutil.rmtree(self.dir, ignore_errors=True)
        if report and not exc[0]:
            raise RuntimeError("the server reported a sanitizer error:\n" + report)

    def sanitizer_report(self):
        """ASan/UBSan/LSan findings in the server's log (ASan builds), or ""."""
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                text = f.read()
        except OSError:
            return ""
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            i = text.find(marker)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return ""

    _pg_servers = 0

    def _reset_pg(self):
        """Each server gets an empty schema of its own in the UBUR_PG database, first in its
        search path, so one test can run several instances (two states exchanging data)."""
        Server._pg_servers += 1
        self.pg_schema = "ubur_it_%d_%d" % (os.getpid(), Server._pg_servers)
        subprocess.run(["psql", "-q", "-X", self.args.pg, "-c",
                        "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;"
                        % (self.pg_schema, self.pg_schema)],
                       check=True, capture_output=True)
        opt = "-csearch_path=" + self.pg_schema
        if "://" in self.args.pg:
            self.pg = self.args.pg + ("&" if "?" in self.args.pg else "?") + \
                "options=" + opt.replace("=", "%3D")
        else:
            self.pg = "%s options='%s'" % (self.args.pg, opt)
        self.dbargs = ["--pg", self.pg]

    def sql(self, statement, params=()):
        """Runs one SQL statement on this server's database, SQLite or PostgreSQL, and
        returns its rows as tuples (ints as int, NULL as None, the rest as str), so a test can
        prepare or inspect data on both backends. "?" placeholders take params."""
        if not self.args.pg:
            import sqlite3
            db = sqlite3.connect(self.db)
            try:
                rows = db.execute(statement, params).fetchall()
                db.commit()
            finally:
                db.close()
            return [tuple(r) for r in rows]
        parts = statement.split("?")
        if len(parts) != len(params) + 1:
            raise ValueError("%d placeholders, %d params" % (len(parts) - 1, len(params)))
        text, var_args = parts[0], []
        for i, (v, rest) in enumerate(zip(params, parts[1:])):
            if v is None:
                text += "NULL"
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                text += repr(v)
            else:
                var_args += ["-v", "p%d=%s" % (i, v)]
                text += ":'p%d'" % i
            text += rest
        null, sep = "\\N", "\x1f"
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-P", "null=" + null, "-F", sep] + var_args + [self.pg],
                           input=text + ";\n", capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("psql: " + p.stderr.strip())

        def value(x):
            if x == null:
                return None
            try:
                return int(x)
            except ValueError:
                return x
        return [tuple(value(x) for x in line.split(sep))
                for line in p.stdout.splitlines() if line]

    def start(self):
        cmd = [self.bin] + self.dbargs + ["serve", "--listen", "127.0.0.1:0", "--web",
                                          os.path.join(ROOT, "web")] + self.extra_args
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=self.log,
                                     env=self.env, text=True)
        # A post's sync thread may log before the server listens: those lines go to the log.
        early = ""
        line = self.proc.stderr.readline()
        while line and "listening on" not in line:
            early += line
            line = self.proc.stderr.readline()
        if "listening on" not in line:
            raise RuntimeError("server did not start: " + early + line + self.proc.stderr.read())
        self.log.write(early)
        url = line.strip().split("listening on ")[1]
        self.host, port = url.split("://")[1].rsplit(":", 1)
        self.port = int(port)
        # Keep draining stderr into the log so the server never blocks on a full pipe.
        import threading
        def drain(src, dst):
            for l in src:
                dst.write(l)
                dst.flush()
        self.drainer = threading.Thread(target=drain, args=(self.proc.stderr, self.log),
                                        daemon=True)
        self.drainer.start()
        self.conn = None

    def stop(self, sig=None):
        self.conn = None
        if self.proc and self.proc.poll() is None:
            if sig:
                self.proc.send_signal(sig)
            else:
                self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.drainer.join(5)
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    # -- CLI --
    def cli(self, *argv, stdin=None, check=False, env=None):
        p = subprocess.run([self.bin] + self.dbargs + list(argv), input=stdin,
                           capture_output=True, text=True,
                           env=dict(self.env, **(env or {})))
        if check and p.returncode != 0:
            raise RuntimeError("ubur %s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                            p.stderr))
        return p

    # -- HTTP --
    def req(self, method, path, body=None, token=None, headers=None, raw=None):
        """Returns (status, parsed JSON or text, headers dict with lowercase names)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            if self.conn is None:
                if "--tls-cert" in self.extra_args:
                    import ssl
                    ctx = ssl.create_default_context(
                        cafile=self.extra_args[self.extra_args.index("--tls-cert") + 1])
                    ctx.check_hostname = False
                    self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=60,
                                                            context=ctx)
                else:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        ctype = hdrs.get("content-type", "")
        if "json" in ctype and payload:
            try:
                return r.status, json.loads(payload), hdrs
            except ValueError:
                pass
        return r.status, payload.decode("utf-8", "replace"), hdrs

    def raw(self, data, read_timeout=10):
        """Sends raw bytes on a fresh socket; returns what the server answered (bytes)."""
        import socket
        s = socket.create_connection((self.host, self.port), timeout=read_timeout)
        try:
            try:
                s.sendall(data)
            except OSError:
                pass
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and len(out) > 20:
                    break
            return out
        finally:
            s.close()

    def login(self, username, password=None):
        st, body, _ = self.req("POST", "/api/v1/session",
                               {"username": username,
                                "password": password or self.passwords[username]})
        if st != 201:
            raise RuntimeError("login %s failed: %s %s" % (username, st, body))
        return body["token"]

    def add_user(self, admin_token, username, role):
        st, body, _ = self.req("POST", "/api/v1/users", {"username": username, "role": role},
                               token=admin_token)
        if st != 201:
            raise RuntimeError("add user failed: %s %s" % (st, body))
        self.passwords[username] = body["password"]
        return self.login(username)
