#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The consulate's way in, end to end over HTTP: a real `ubur serve` (SQLite,
durable commits), a 10,000-name watchlist, and T clients that each submit
pilgrims' groups of G (POST /api/v1/visa-applications/groups) and issue them
(POST /api/v1/visa-applications/groups/REF/issue), as a consulate's front
office would. Reports issued visas per second (wall clock, client and server
on the same machine) and the server's CPU per visa (from /proc), beside the
figures of bench/visa/run.sh, which calls the same services in-process.

Usage: bench/visa/http_groups.py [--bin build/ubur] [--visas N] [--group G]
                                 [--clients T] [--watchlist N]
"""
import argparse
import datetime
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Server  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=os.path.join(ROOT, "build", "ubur"))
ap.add_argument("--visas", type=int, default=4000)
ap.add_argument("--group", type=int, default=50)
ap.add_argument("--clients", type=int, default=2)
ap.add_argument("--watchlist", type=int, default=10000)
a = ap.parse_args()
a.bin = os.path.abspath(a.bin)
a.pg = None


def cd(s):
    v = {"<": 0}
    v.update({str(i): i for i in range(10)})
    v.update({c: 10 + i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")})
    return str(sum(v[c] * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def td3(surname, given, number, birth, sex, expiry):
    name = surname.replace(" ", "<").replace("-", "<") + "<<" + given.replace(" ", "<")
    l1 = ("P<IRQ" + name + "<" * 44)[:44]
    num = (number + "<" * 9)[:9]
    b, e, personal = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d"), "<" * 14
    l2 = num + cd(num) + "IRQ" + b + cd(b) + sex + e + cd(e) + personal + cd(personal)
    return l1 + "\n" + l2 + cd(num + cd(num) + b + cd(b) + e + cd(e) + personal + cd(personal))


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


GIVEN = ["AHMED", "ALI", "HASSAN", "HUSSEIN", "OMAR", "ZAINAB", "FATIMA", "MARYAM", "KARIM",
         "SAAD", "NOOR", "HUDA", "KHALID", "MAHMOUD", "ABBAS", "JASIM", "SALAH", "MAJID"]
FAMILY = ["JUBOURI", "MOSAWI", "SAADI", "OBAIDI", "KUBAISI", "RUBAIE", "DULAIMI", "TAEE",
          "HASHIMI", "TIKRITI", "MOSULI", "BAGHDADI", "ANBARI", "KARBALAI", "NAJAFI"]
rnd = random.Random(6)
today = datetime.date.today()
expiry = today + datetime.timedelta(days=5 * 365)
entry = (today + datetime.timedelta(days=10)).isoformat()
keys = tempfile.mkdtemp(prefix="ubur-visa-http-keys-")
env = {"UBUR_KEYS_DIR": keys}

with Server(a, env=env) as srv:
    admin = srv.login("admin", srv.admin_password)
    consul = srv.add_user(admin, "consul1", "consular_officer")
    kj = json.loads(srv.cli("keys", "new", "--country", "SYR", "--signer", "SYVS", "--out", keys,
                            "--json", env=env, check=True).stdout)
    srv.cli("visa", "signer", "--key", kj["signer_key"], "--cert", kj["signer_cert"], env=env,
            check=True)
    st, _, _ = srv.req("PUT", "/api/v1/visa-purposes/tourism",
                       {"nationalities": ["IRQ"], "fee": "50.00", "auto_approve": True,
                        "auto_max_risk": 20}, token=admin)
    assert st == 200, st
    if a.watchlist:
        syl = ["ka", "ra", "mu", "si", "ta", "lo", "ne", "vi", "zo", "pe", "du", "fa", "gi", "ho"]
        path = os.path.join(srv.dir, "list.csv")
        with open(path, "w") as f:
            f.write("reference,name,aliases,dob,nationality,sex,action\n")
            for i in range(a.watchlist):
                name = " ".join("".join(rnd.choice(syl) for _ in range(rnd.randint(2, 3))).title()
                                for _ in range(3))
                f.write("B-%06d,%s,,%d,SYR,M,refuse_entry\n" % (i, name, rnd.randint(1950, 1999)))
        srv.cli("watchlist", "import", path, "--format", "csv", "--list", "bench", check=True)
    groups = []
    for g in range(a.visas // a.group):
        apps = [{"passport_mrz": td3("AL-" + rnd.choice(FAMILY),
                                     rnd.choice(GIVEN) + " " + rnd.choice(GIVEN),
                                     "H%08d" % (g * a.group + k),
                                     datetime.date(rnd.randint(1950, 1999), rnd.randint(1, 12),
                                                   rnd.randint(1, 28)), rnd.choice("MF"), expiry),
                 "purpose": "tourism", "entry_date": entry, "days": 14} for k in range(a.group)]
        groups.append(json.dumps({"group_ref": "HTTP-%05d" % g, "applications": apps}))
    # One warm-up group so the screening index and the signer are loaded before the clock.
    warm = json.loads(groups.pop())
    srv.req("POST", "/api/v1/visa-applications/groups", warm, token=consul)
    srv.req("POST", "/api/v1/visa-applications/groups/%s/issue" % warm["group_ref"], {},
            token=consul)

    issued, errors, lock = [0], [], threading.Lock()

    def client(mine):
        c = http.client.HTTPConnection(srv.host, srv.port, timeout=120)
        h = {"Authorization": "Bearer " + consul, "Content-Type": "application/json"}
        for body in mine:
            ref = json.loads(body)["group_ref"]
            for path, b in (("/api/v1/visa-applications/groups", body),
                            ("/api/v1/visa-applications/groups/%s/issue" % ref, "{}")):
                c.request("POST", path, b, h)
                r = c.getresponse()
                out = r.read()
                if r.status != 201:
                    with lock:
                        errors.append((path, r.status, out[:300]))
                    return
            n = len(json.loads(out)["visas"])
            with lock:
                issued[0] += n

    c0, t0 = cpu_s(srv.proc.pid), time.monotonic()
    th = [threading.Thread(target=client, args=(groups[i::a.clients],)) for i in range(a.clients)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    wall, cpu = time.monotonic() - t0, cpu_s(srv.proc.pid) - c0
    load = os.getloadavg()[0]
    if errors:
        print("errors:", errors[:3])
    n = issued[0]
    print("visa over HTTP: %d clients, groups of %d, %d-name watchlist, load average %.1f on %d "
          "CPUs" % (a.clients, a.group, a.watchlist, load, os.cpu_count()))
    print("  issued %d visas in %.2f s: %.0f visas/s; server CPU per visa %.2f ms"
          % (n, wall, n / wall if wall else 0, cpu * 1e3 / max(n, 1)))
    print(json.dumps({"clients": a.clients, "group": a.group, "issued": n,
                      "visas_per_s": round(n / wall, 1), "server_cpu_ms": round(cpu * 1e3 / max(n, 1), 3),
                      "load": round(load, 1)}))
    import shutil
    shutil.rmtree(keys, ignore_errors=True)
    sys.exit(1 if errors else 0)
