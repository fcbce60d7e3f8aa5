# SPDX-License-Identifier: Apache-2.0
"""Retention: `ubur retention run --dry-run` counts and erases nothing; the
real run erases closed registrations older than the period with everything
personal about them, keeps recent and active ones, and leaves an audit entry
with the counts, not the data. Periods come from settings."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
NOW = "2026-06-01T00:00:00Z"
with Server(args) as srv:
    srv.stop()
    t = "2010-01-01T00:00:00Z"
    srv.sql("insert into reg_location (id, pcode, level, country, name_en, created_at, updated_at)"
            " values ('l1', 'SY', 'country', 'SYR', 'Syria', ?, ?)", (t, t))
    srv.sql("insert into reg_group (id, group_number, kind, location_id, registered_on, created_at,"
            " updated_at) values ('g1', 'G-1', 'household', 'l1', '2010-01-01', ?, ?)", (t, t))
    srv.sql("insert into reg_group (id, group_number, kind, location_id, registered_on, created_at,"
            " updated_at) values ('g2', 'G-2', 'household', 'l1', '2010-01-01', ?, ?)", (t, t))
    people = [("p-old-closed", "g1", "closed", "2012-05-01"),   # closed 14 years ago: erased
              ("p-old-closed2", "g2", "closed", "2013-05-01"),  # erased, and its group with it
              ("p-recent-closed", "g1", "closed", "2021-05-01"),  # within 10 years: kept
              ("p-active", "g1", "active", "2010-01-01")]        # active: kept
    for pid, gid, status, eff in people:
        srv.sql("insert into reg_individual (id, individual_number, group_id, relationship, given_name,"
                " family_name, sex, origin, citizenship, population_type, location_id, status,"
                " registered_on, created_at, updated_at) values (?, ?, ?, 'head', 'Ali', 'Hasan',"
                " 'M', 'IRQ', 'IRQ', 'REF', 'l1', ?, '2010-01-01', ?, ?)",
                (pid, pid, gid, status, t, t))
        srv.sql("insert into reg_history (individual_id, seq, effective_on, status, population_type,"
                " location_id, recorded_at, recorded_by) values (?, 1, '2010-01-01', 'active', 'REF',"
                " 'l1', ?, 'x')", (pid, t))
        if status == "closed":
            srv.sql("insert into reg_history (individual_id, seq, effective_on, status,"
                    " population_type, location_id, reason, recorded_at, recorded_by) values"
                    " (?, 2, ?, 'closed', 'REF', 'l1', 'departed', ?, 'x')", (pid, eff, t))
        srv.sql("insert into reg_document (id, individual_id, doc_type, number, created_at)"
                " values (?, ?, 'passport', 'A1', ?)", ("d-" + pid, pid, t))
    srv.sql("update reg_group set focal_point_id = 'p-old-closed' where id = 'g1'")

    env = {"UBUR_NOW": NOW}
    p = srv.cli("retention", "run", "--dry-run", "--json", env=env)
    tap.eq(p.returncode, 0, "retention run --dry-run")
    rep = {r["rule"]: r for r in json.loads(p.stdout)}
    tap.eq(rep["registrations_closed"]["records"], 2, "the dry run counts two closed registrations past 10 years")
    tap.eq(srv.sql("select count(*) from reg_individual")[0][0], 4, "the dry run erases nothing")

    p = srv.cli("retention", "run", env=env)
    tap.ok(p.returncode == 0 and "registrations_closed" in p.stdout, "retention run", p.stderr)
    left = sorted(r[0] for r in srv.sql("select id from reg_individual"))
    tap.eq(left, ["p-active", "p-recent-closed"], "old closed registrations are erased, others kept")
    tap.eq(srv.sql("select count(*) from reg_document where individual_id like 'p-old%'")[0][0], 0,
           "their documents are erased")
    tap.eq(srv.sql("select count(*) from reg_history where individual_id like 'p-old%'")[0][0], 0,
           "their history is erased")
    tap.eq(srv.sql("select count(*) from reg_group where id = 'g2'")[0][0], 0,
           "a group left with no members is erased")
    tap.eq(srv.sql("select focal_point_id from reg_group where id = 'g1'")[0][0], None,
           "a focal point that was erased is cleared")
    row = (srv.sql("select detail from audit_log where action = 'retention.erase'") or [None])[0]
    tap.ok(row and '"records":2' in row[0] and "Ali" not in row[0], "an audit entry with the counts, not the data", row)
    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "the audit chain is intact after erasure")

    srv.sql("insert into settings (key, value) values ('retention.registrations_closed.years', '3')")
    p = srv.cli("retention", "run", "--json", env=env)
    rep = {r["rule"]: r for r in json.loads(p.stdout)}
    tap.ok(rep["registrations_closed"]["years"] == 3 and rep["registrations_closed"]["records"] == 1,
           "a configured period of 3 years erases the one closed in 2021", rep)
    srv.sql("update settings set value = 'forever' where key = 'retention.registrations_closed.years'")
    p = srv.cli("retention", "run")
    tap.ok(p.returncode == 1 and "retention.registrations_closed.years" in p.stderr,
           "a bad period is refused naming the setting", p.stderr)

# Movements: completed stays and refusals after 3 years, entries with no exit after 5.
with Server(args) as srv:
    srv.cli("crossing", "add", "alqaim", "--name", "Al-Qaim", "--state", "IRQ", "--governorate",
            "Anbar", check=True)
    srv.cli("crossing", "schedule", "alqaim", "--mode", "open", "--from", "2015-01-01T00:00Z",
            check=True)

    people = {"S0000001": ("HASAN", "1980-01-02"), "S0000002": ("KHALIL", "1971-05-06"),
              "S0000003": ("MANSOUR", "1990-07-08"), "S0000004": ("SAADI", "1965-11-12"),
              "S0000005": ("TAHA", "2001-02-03")}

    def cross(doc, direction, at, decision="admit"):
        p = srv.cli("check", "--crossing", "alqaim", "--direction", direction, "--document", doc,
                    "--nationality", "SYR", "--birth-date", people[doc][1], "--surname",
                    people[doc][0], "--given-names", "ALI", "--expiry", "2035-01-01", "--sex", "M", "--at", at,
                    "--record", "--decision", decision, "--reason", "retention test", "--json")
        if "record_id" not in p.stdout:
            raise RuntimeError(p.stdout + p.stderr)
        return json.loads(p.stdout)["record_id"]

    old_in, old_out = cross("S0000001", "entry", "2020-03-01T10:00Z"), cross("S0000001", "exit", "2020-03-20T10:00Z")
    open_old = cross("S0000002", "entry", "2020-05-01T10:00Z")
    open_recent = cross("S0000003", "entry", "2022-05-01T10:00Z")
    refused = cross("S0000004", "entry", "2019-01-01T10:00Z", decision="refuse")
    new_in, new_out = cross("S0000005", "entry", "2025-01-01T10:00Z"), cross("S0000005", "exit", "2025-01-10T10:00Z")
    srv.stop()
    env = {"UBUR_NOW": NOW}
    p = srv.cli("retention", "run", "--dry-run", "--json", env=env)
    rep = {r["rule"]: r for r in json.loads(p.stdout)}
    tap.eq((rep["movements_open"]["records"], rep["movements_closed"]["records"]), (1, 3),
           "dry run: one entry never exited past 5 years, three records past 3 years")
    p = srv.cli("retention", "run", env=env)
    tap.eq(p.returncode, 0, "retention run with border data")
    left = {r[0] for r in srv.sql("select id from border_records")}
    tap.eq(left, {open_recent, new_in, new_out}, "erased: the 2020 stay, the 2020 entry with no exit, the 2019 refusal")
    docs = sorted(r[0] for r in srv.sql("select document_number from traveller_documents"))
    tap.eq(docs, ["S0000003", "S0000005"], "travellers with no records left are erased")
    tap.ok(srv.sql("select count(*) from border_traffic")[0][0] > 0, "traffic figures (aggregates) are kept")
    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "audit chain intact")
tap.done()
