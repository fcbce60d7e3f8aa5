# SPDX-License-Identifier: Apache-2.0
"""Signed exchange between two states' instances (SYR and IRQ) on loopback:
keys, partners, agreements, packages by file and pushed over HTTPS in both
directions; tampered, replayed, out-of-order, misaddressed and unknown-signer
packages are refused with the reason and change nothing."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="ubur-xchg-")
key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
tls = ["--tls-cert", cert, "--tls-key", key]


def pkg_records(path):
    import base64
    env = json.load(open(path))
    return json.loads(base64.b64decode(env["payload"]))


syr_env = {"UBUR_EXCHANGE_KEY": os.path.join(tmp, "syr.key")}
irq_env = {"UBUR_EXCHANGE_KEY": os.path.join(tmp, "irq.key")}
with Server(args, state="SYR", extra_args=tls, env=syr_env) as syr, \
        Server(args, state="IRQ", extra_args=tls, env=irq_env) as irq:
    p = syr.cli("exchange", "key", "--out", os.path.join(tmp, "syr.pub"))
    tap.eq(p.returncode, 0, "SYR writes its public key")
    tap.eq(os.stat(syr_env["UBUR_EXCHANGE_KEY"]).st_mode & 0o777, 0o600, "the secret key file is 0600")
    irq.cli("exchange", "key", "--out", os.path.join(tmp, "irq.pub"), check=True)
    p = syr.cli("exchange", "partner", "add", "IRQ", "--key", os.path.join(tmp, "syr.pub"))
    tap.ok(p.returncode == 1 and "SYR's, not IRQ's" in p.stderr, "a key file of the wrong state is refused", p.stderr)
    syr.cli("exchange", "partner", "add", "IRQ", "--key", os.path.join(tmp, "irq.pub"), check=True)
    irq.cli("exchange", "partner", "add", "SYR", "--key", os.path.join(tmp, "syr.pub"), check=True)
    p = syr.cli("exchange", "agreement", "set", "IRQ", "--allow", "revocations,weather")
    tap.ok(p.returncode == 1 and "weather" in p.stderr, "an unknown record type is refused", p.stderr)
    p = syr.cli("exchange", "agreement", "set", "IRQ", "--allow", "revocations",
                "--fields", "revocations:visa_number+status+shoe_size")
    tap.ok(p.returncode == 1 and "shoe_size" in p.stderr, "an unknown field is refused", p.stderr)
    syr.cli("exchange", "agreement", "set", "IRQ", "--allow", "revocations,watchlist", "--fields",
            "revocations:visa_number+issuing_state+status+ended_at,"
            "watchlist:reference+kind+primary_name+original_script_name+aliases+dobs+"
            "nationalities+action+status", check=True)
    csv = os.path.join(tmp, "alerts.csv")
    with open(csv, "w") as f:
        f.write("reference,name,aliases,dob,nationality,sex,action\n"
                "SYR-A-1,Abd al-Rahman Khalil al-Tikriti,Abdulrahman al Tikriti,1979,IRQ,M,refuse_entry\n"
                "SYR-A-2,محمد حسن الجبوري,Mohammed Hasan al-Jubouri,1985-03-02,IRQ,M,discreet_check\n")
    syr.cli("watchlist", "import", csv, "--format", "csv", "--list", "SYR national alerts", check=True)
    irq.cli("exchange", "agreement", "set", "SYR", "--allow", "revocations,movements", check=True)
    # IRQ records an exit of a Syrian and an entry of an Iraqi at Rabia.
    irq.cli("crossing", "add", "irq-rabia", "--name", "Rabia", "--state", "IRQ", "--governorate",
            "Ninewa", check=True)
    irq.cli("crossing", "schedule", "irq-rabia", "--mode", "open", "--from", "2020-01-01T00:00Z",
            check=True)
    for nat, doc, sur, direction in (("SYR", "N1234567", "AL-JUBURI", "exit"),
                                     ("IRQ", "A7654321", "AL-TIKRITI", "entry")):
        p = irq.cli("check", "--crossing", "irq-rabia", "--direction", direction, "--document", doc,
                    "--nationality", nat, "--birth-date", "1980-01-02", "--surname", sur,
                    "--given-names", "AHMAD", "--expiry", "2031-01-01", "--sex", "M", "--record",
                    "--decision", "admit", "--reason", "exchange test", "--json")
        tap.ok(p.returncode in (0, 1) and "record_id" in p.stdout, "IRQ records a %s of a %s national" % (direction, nat),
               p.stdout + p.stderr)

    # By file: SYR -> IRQ.
    f1, f2, f3 = (os.path.join(tmp, "p%d.json" % i) for i in (1, 2, 3))
    p = syr.cli("exchange", "export", "--to", "IRQ", "--out", f1, "--json")
    tap.eq(p.returncode, 0, "SYR exports package 1 for IRQ")
    body = pkg_records(f1)
    tap.ok(body["from"] == "SYR" and body["to"] == "IRQ" and body["seq"] == 1, "package header", body)
    syr.cli("exchange", "export", "--to", "IRQ", "--out", f2, check=True)
    syr.cli("exchange", "export", "--to", "IRQ", "--out", f3, check=True)
    p = irq.cli("exchange", "import", f2)
    tap.ok(p.returncode == 1 and "out-of-order" in p.stderr, "package 2 before 1 is refused as out of order", p.stderr)
    tap.eq(len(body["records"]["watchlist"]), 2, "package 1 carries SYR's two alert entries")
    w = body["records"]["watchlist"][0]
    tap.ok("reason" not in w and "documents" not in w and "sex" not in w and w["primary_name"],
           "fields outside the agreement are left out (data minimisation)", w)
    p = irq.cli("exchange", "import", f1)
    tap.eq(p.returncode, 0, "IRQ applies package 1")
    p = irq.cli("screen", "--json", "--dob", "1979", "Abdulrahman al-Tikriti")
    tap.ok(p.returncode == 1 and "SYR-A-1" in p.stdout, "IRQ's screening finds SYR's contributed entry", p.stdout + p.stderr)
    p = irq.cli("watchlist", "list")
    tap.ok("Partner alert list (SYR)" in p.stdout, "provenance: the entries sit in SYR's partner list", p.stdout)
    p = irq.cli("exchange", "import", f1)
    tap.ok(p.returncode == 1 and "replayed" in p.stderr, "package 1 again is refused as a replay", p.stderr)
    env = json.load(open(f2))
    import base64
    payload = base64.b64decode(env["payload"]).replace(b'"seq":2', b'"seq":2 ')
    env["payload"] = base64.b64encode(payload).decode()
    bad = os.path.join(tmp, "tampered.json")
    json.dump(env, open(bad, "w"))
    p = irq.cli("exchange", "import", bad)
    tap.ok(p.returncode == 1 and "signature does not verify" in p.stderr, "a tampered package is refused", p.stderr)
    p = syr.cli("exchange", "import", f2)
    tap.ok(p.returncode == 1 and ("not a registered partner" in p.stderr or "addressed to" in p.stderr),
           "SYR does not accept its own package", p.stderr)
    p = irq.cli("exchange", "import", f2)
    tap.eq(p.returncode, 0, "IRQ applies package 2 after the tampered copy was refused")
    # A lost package can be sent again exactly as it was.
    p = syr.cli("exchange", "export", "--to", "IRQ", "--resend", "3", "--out", os.path.join(tmp, "again.json"))
    tap.ok(p.returncode == 0 and open(os.path.join(tmp, "again.json")).read() == open(f3).read(),
           "resend gives the identical signed package")
    p = irq.cli("exchange", "import", os.path.join(tmp, "again.json"))
    tap.eq(p.returncode, 0, "the resent package 3 applies")

    mv = os.path.join(tmp, "mv.json")
    p = irq.cli("exchange", "export", "--to", "SYR", "--out", mv)
    tap.eq(p.returncode, 0, "IRQ exports its next package to SYR")
    moves = pkg_records(mv)["records"].get("movements", [])
    tap.ok(len(moves) == 1 and moves[0]["nationality"] == "SYR" and moves[0]["direction"] == "exit",
           "only the Syrian's movement goes to SYR", moves)
    p = syr.cli("exchange", "import", mv)
    tap.eq(p.returncode, 0, "SYR applies IRQ's movements")
    syr.stop()
    row = syr.sql("select contributed_by, surname, direction from partner_movement")
    tap.eq(row, [("IRQ", "AL-JUBURI", "exit")], "SYR keeps the movement with its provenance")
    syr.start()
    # Over HTTPS: IRQ pushes to SYR's server and SYR pushes to IRQ's.
    syr_admin = syr.login("admin")
    irq_admin = irq.login("admin")
    p = irq.cli("exchange", "push", "--to", "SYR", "--url", "https://127.0.0.1:%d" % syr.port,
                "--token", syr_admin, "--cacert", cert)
    tap.ok(p.returncode == 0 and '"from":"IRQ"' in p.stdout.replace(" ", ""), "IRQ pushes a package to SYR over HTTPS",
           p.stdout + p.stderr)
    p = syr.cli("exchange", "push", "--to", "IRQ", "--url", "https://127.0.0.1:%d" % irq.port,
                "--token", irq_admin, "--cacert", cert)
    tap.ok(p.returncode == 0 and '"seq":4' in p.stdout.replace(" ", ""), "SYR pushes package 4 to IRQ over HTTPS",
           p.stdout + p.stderr)
    p = syr.cli("exchange", "push", "--to", "IRQ", "--url", "https://127.0.0.1:%d" % irq.port,
                "--token", "0" * 64, "--cacert", cert)
    tap.ok(p.returncode == 1 and "401" in p.stderr, "a push without valid credentials is refused", p.stderr)
    p = irq.cli("exchange", "partner", "list")
    partners = json.loads(p.stdout)
    tap.ok(partners[0]["state"] == "SYR" and partners[0]["received_seq"] == 4 and partners[0]["sent_seq"] == 2,
           "IRQ's view of the partnership", partners)
    p = irq.cli("audit", "list", "--json")
    tap.ok("exchange.import" in p.stdout, "imports are audited")
tap.done()
