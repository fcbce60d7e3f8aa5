# SPDX-License-Identifier: Apache-2.0
"""`ubur migrate`: a border post's demo database (every module's tables; the registry trimmed to
one person in 20, about 20,000 rows in all) copied into PostgreSQL when UBUR_PG is set (tests/run.sh's PostgreSQL pass); otherwise a small
database (`ubur init` and a few users) into another SQLite file, since the library's unit tests
cover SQLite targets and the demo copy takes a minute. The copy verifies, a second run writes
nothing, the target serves the same data (audit chain intact, same users), a changed source row
is reported and --update brings it over, and bad arguments are usage errors."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="ubur-migrate-")
src = os.path.join(tmp, "post.db")
if args.pg:
    target = args.pg
    subprocess.run(["psql", "-q", "-X", target, "-c",
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                   check=True, capture_output=True)
    target_args = ["--pg", target]
else:
    target = "sqlite:" + os.path.join(tmp, "central.db")
    target_args = ["--db", os.path.join(tmp, "central.db")]


def ubur(*argv, **kw):
    return subprocess.run([args.bin] + list(argv), capture_output=True, text=True, **kw)


def trim_registry(path, keep_every=20):
    """Keeps one registered person in `keep_every` (with their history, documents and needs)
    and as many statistics deltas, so the copy stays quick; foreign keys are enforced, and a
    table that cannot be trimmed is left whole."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    steps = [
        "DELETE FROM reg_stat_delta WHERE rowid %% %d <> 0" % keep_every,
        "CREATE TEMP TABLE keep AS SELECT id FROM reg_individual WHERE rowid %% %d = 0" % keep_every,
    ] + ["DELETE FROM %s WHERE %s NOT IN (SELECT id FROM keep)" % (t, c) for t, c in (
        ("reg_history", "individual_id"), ("reg_document", "individual_id"),
        ("reg_specific_need", "individual_id"), ("reg_link", "individual_a"),
        ("reg_link", "individual_b"))] + [
        "DELETE FROM reg_individual WHERE id NOT IN (SELECT id FROM keep)"]
    for sql in steps:
        try:
            db.execute(sql)
            db.commit()
        except sqlite3.Error:
            db.rollback()
    db.close()


def table_lines(out):
    """{table: (rows, written, verified)} from migrate's report."""
    res = {}
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+(\d+) rows,\s+(\d+) written,\s+(\d+) in target\s+\w+ (\w+)", line)
        if m:
            res[m.group(1)] = (int(m.group(2)), int(m.group(3)), m.group(5) == "verified")
    return res


try:
    if args.pg:
        p = ubur("--db", src, "demo", "--password-file", os.path.join(tmp, "pw"))
        tap.eq(p.returncode, 0, "demo database for a border post")
        trim_registry(src)
    else:
        p = ubur("--db", src, "init", "--state", "IRQ", "--password-file", os.path.join(tmp, "pw"))
        for name in ("officer1", "officer2"):
            ubur("--db", src, "user", "add", name, "--role", "border_officer", "--password-stdin",
                 input="a-long-enough-password\n")
        tap.eq(p.returncode, 0, "a small database for a border post")

    p = ubur("migrate", "--from", "sqlite:" + src, "--to", target)
    tap.eq(p.returncode, 0, "ubur migrate copies and verifies")
    tabs = table_lines(p.stdout)
    tap.ok(len(tabs) >= 30 and all(v[2] for v in tabs.values()),
           "every table verified (%d tables)" % len(tabs), p.stdout[-2000:] + p.stderr)
    big = "reg_individual" if args.pg else "users"
    tap.ok(tabs.get(big, (0,))[0] > (1000 if args.pg else 2) / 20 and tabs[big][0] == tabs[big][1],
           "every row of %s written" % big, tabs.get(big))
    tap.ok("sessions" in p.stdout and "skipped" in p.stdout, "login sessions are not moved")
    tap.ok(p.stdout.rstrip().endswith("at schema version %d" % max(
        r[0] for r in sqlite3.connect(src).execute("select version from schema_migrations"))),
        "the final line names the schema version", p.stdout[-300:])

    p = ubur("migrate", "--from", "sqlite:" + src, "--to", target)
    again = table_lines(p.stdout)
    tap.ok(p.returncode == 0 and all(v[1] == 0 for v in again.values()),
           "a second run writes nothing and verifies again", p.stdout[-1500:] + p.stderr)

    p = ubur(*target_args, "audit", "verify")
    tap.ok(p.returncode == 0 and "intact" in p.stdout, "the copied audit chain verifies on the target",
           p.stdout + p.stderr)
    a = ubur("--db", src, "user", "list").stdout
    b = ubur(*target_args, "user", "list").stdout
    tap.ok(a == b and "admin" in a, "the target lists the same users", a + "\n---\n" + b)

    db = sqlite3.connect(src)
    db.execute("update settings set value = value || ' (changed)' where key = 'state'")
    db.commit()
    db.close()
    p = ubur("migrate", "--from", "sqlite:" + src, "--to", target)
    tap.ok(p.returncode == 1 and "DIFFERS" in p.stdout and "settings" in p.stdout and
           "--update" in p.stderr, "a row changed at the post is reported, not overwritten",
           p.stdout[-1500:] + p.stderr)
    p = ubur("migrate", "--from", "sqlite:" + src, "--to", target, "--update")
    tap.ok(p.returncode == 0 and "copied and verified" in p.stdout,
           "--update brings the changed row over and verifies", p.stdout[-1500:] + p.stderr)
    p = ubur(*target_args, "audit", "verify")
    tap.ok(p.returncode == 0, "the audit chain still verifies", p.stdout + p.stderr)

    p = ubur("migrate", "--to", target)
    tap.ok(p.returncode == 2 and "--from" in p.stderr, "no --from is a usage error", p.stderr)
    p = ubur("migrate", "--from", src, "--to", target)
    tap.ok(p.returncode == 2 and "sqlite:" in p.stderr, "--from without sqlite: is a usage error")
    p = ubur("migrate", "--from", "sqlite:" + src, "--to", target, "--batch", "0")
    tap.ok(p.returncode == 2 and "--batch" in p.stderr, "--batch 0 is a usage error")
    p = ubur("migrate", "--from", "sqlite:" + os.path.join(tmp, "missing", "x.db"), "--to", target)
    tap.ok(p.returncode == 1 and p.stderr.startswith("ubur: "), "a missing source fails clearly",
           p.stderr)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
tap.done()
