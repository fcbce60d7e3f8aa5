# SPDX-License-Identifier: Apache-2.0
"""Retention: `ubur retention run --dry-run` counts and erases nothing; the
real run erases closed registrations older than the period with everything
personal about them, keeps recent and active ones, and leaves an audit entry
with the counts, not the data. Periods come from settings."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
if args.pg:
    tap.skip("retention", "the fixture is written with sqlite3; the SQL is shared")
    tap.done()

NOW = "2026-06-01T00:00:00Z"
with Server(args) as srv:
    srv.stop()
    db = sqlite3.connect(srv.db)
    t = "2010-01-01T00:00:00Z"
    db.execute("insert into reg_location (id, pcode, level, country, name_en, created_at, updated_at)"
               " values ('l1', 'SY', 'country', 'SYR', 'Syria', ?, ?)", (t, t))
    db.execute("insert into reg_group (id, group_number, kind, location_id, registered_on, created_at,"
               " updated_at) values ('g1', 'G-1', 'household', 'l1', '2010-01-01', ?, ?)", (t, t))
    db.execute("insert into reg_group (id, group_number, kind, location_id, registered_on, created_at,"
               " updated_at) values ('g2', 'G-2', 'household', 'l1', '2010-01-01', ?, ?)", (t, t))
    people = [("p-old-closed", "g1", "closed", "2012-05-01"),   # closed 14 years ago: erased
              ("p-old-closed2", "g2", "closed", "2013-05-01"),  # erased, and its group with it
              ("p-recent-closed", "g1", "closed", "2021-05-01"),  # within 10 years: kept
              ("p-active", "g1", "active", "2010-01-01")]        # active: kept
    for pid, gid, status, eff in people:
        db.execute("insert into reg_individual (id, individual_number, group_id, relationship, given_name,"
                   " family_name, sex, origin, citizenship, population_type, location_id, status,"
                   " registered_on, created_at, updated_at) values (?, ?, ?, 'head', 'Ali', 'Hasan',"
                   " 'M', 'IRQ', 'IRQ', 'REF', 'l1', ?, '2010-01-01', ?, ?)",
                   (pid, pid, gid, status, t, t))
        db.execute("insert into reg_history (individual_id, seq, effective_on, status, population_type,"
                   " location_id, recorded_at, recorded_by) values (?, 1, '2010-01-01', 'active', 'REF',"
                   " 'l1', ?, 'x')", (pid, t))
        if status == "closed":
            db.execute("insert into reg_history (individual_id, seq, effective_on, status,"
                       " population_type, location_id, reason, recorded_at, recorded_by) values"
                       " (?, 2, ?, 'closed', 'REF', 'l1', 'departed', ?, 'x')", (pid, eff, t))
        db.execute("insert into reg_document (id, individual_id, doc_type, number, created_at)"
                   " values (?, ?, 'passport', 'A1', ?)", ("d-" + pid, pid, t))
    db.execute("update reg_group set focal_point_id = 'p-old-closed' where id = 'g1'")
    db.commit()

    env = {"UBUR_NOW": NOW}
    p = srv.cli("retention", "run", "--dry-run", "--json", env=env)
    tap.eq(p.returncode, 0, "retention run --dry-run")
    rep = {r["rule"]: r for r in json.loads(p.stdout)}
    tap.eq(rep["registrations_closed"]["records"], 2, "the dry run counts two closed registrations past 10 years")
    tap.eq(db.execute("select count(*) from reg_individual").fetchone()[0], 4, "the dry run erases nothing")

    p = srv.cli("retention", "run", env=env)
    tap.ok(p.returncode == 0 and "registrations_closed" in p.stdout, "retention run", p.stderr)
    left = sorted(r[0] for r in db.execute("select id from reg_individual"))
    tap.eq(left, ["p-active", "p-recent-closed"], "old closed registrations are erased, others kept")
    tap.eq(db.execute("select count(*) from reg_document where individual_id like 'p-old%'").fetchone()[0], 0,
           "their documents are erased")
    tap.eq(db.execute("select count(*) from reg_history where individual_id like 'p-old%'").fetchone()[0], 0,
           "their history is erased")
    tap.eq(db.execute("select count(*) from reg_group where id = 'g2'").fetchone()[0], 0,
           "a group left with no members is erased")
    tap.eq(db.execute("select focal_point_id from reg_group where id = 'g1'").fetchone()[0], None,
           "a focal point that was erased is cleared")
    row = db.execute("select detail from audit_log where action = 'retention.erase'").fetchone()
    tap.ok(row and '"records":2' in row[0] and "Ali" not in row[0], "an audit entry with the counts, not the data", row)
    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "the audit chain is intact after erasure")

    db.execute("insert into settings (key, value) values ('retention.registrations_closed.years', '3')")
    db.commit()
    p = srv.cli("retention", "run", "--json", env=env)
    rep = {r["rule"]: r for r in json.loads(p.stdout)}
    tap.ok(rep["registrations_closed"]["years"] == 3 and rep["registrations_closed"]["records"] == 1,
           "a configured period of 3 years erases the one closed in 2021", rep)
    db.execute("update settings set value = 'forever' where key = 'retention.registrations_closed.years'")
    db.commit()
    p = srv.cli("retention", "run")
    tap.ok(p.returncode == 1 and "retention.registrations_closed.years" in p.stderr,
           "a bad period is refused naming the setting", p.stderr)
    db.close()
tap.done()
