# SPDX-License-Identifier: Apache-2.0
"""Screening over loopback HTTP (POST /api/v1/screenings) and the CLI (ubur
screen): a watchlist imported from CSV; Latin spellings, Arabic script, a
typo and a moved family name found with the right entry first; clean names,
a different origin name and a swapped patronym not alerting; bad input
refused naming the field and storing nothing; every screening stored, a hit
opening a case that a supervisor dismisses; officers only; the CLI's exit
codes 0 (no hit), 1 (a hit) and 2 (usage error)."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="ubur-screen-")
csv = os.path.join(tmp, "alerts.csv")
with open(csv, "w", encoding="utf-8") as f:
    f.write("reference,name,aliases,dob,nationality,sex,action\n"
            "A-1,Abd al-Rahman Khalil al-Tikriti,عبد الرحمن خليل التكريتي;Abdulrahman al Tikriti,"
            "1979,IRQ,M,refuse_entry\n"
            "A-2,Salman bin Muhammad al-Dulaymi,,1970-05-02,SYR,M,arrest\n"
            "A-3,Fatima Hassan al-Jubburi,,1985,IRQ,F,discreet_check\n")


def count(srv, table):
    return srv.sql("SELECT COUNT(*) FROM " + table)[0][0]


with Server(args, state="SYR") as srv:
    srv.cli("watchlist", "import", csv, "--format", "csv", "--list", "National alerts",
            check=True)
    admin = srv.login("admin")
    officer = srv.add_user(admin, "officer1", "border_officer")
    supervisor = srv.add_user(admin, "super1", "supervisor")

    st, body, _ = srv.req("POST", "/api/v1/screenings", {"name": "Abdulrahman al-Tikriti"})
    tap.eq(st, 401, "screening needs credentials")

    def screen(body, token=officer):
        st, res, _ = srv.req("POST", "/api/v1/screenings", body, token=token)
        return st, res

    # Found: spellings, script, typo, family name first; with dob and nationality.
    for name, what in [("Abdulrahman al-Tikriti", "a Latin spelling of an alias"),
                       ("Abdel Rahman Khaleel al Tikriti", "another Latin spelling"),
                       ("عبد الرحمن خليل التكريتي", "the Arabic-script name"),
                       ("Abdulrahmn Khalil al-Tikriti", "a typo"),
                       ("Tikriti Abd al-Rahman Khalil", "the family name moved first")]:
        st, res = screen({"name": name, "dob": "1979", "nationality": "IRQ"})
        ok = st == 201 and res["hits"] and res["hits"][0]["reference"] == "A-1" and \
            res["hits"][0]["score"] >= 0.8 and res["alerts"] >= 1
        tap.ok(ok, "found: %s" % what, res)
    st, res = screen({"name": "Abdulrahman al-Tikriti", "dob": "1979", "nationality": "IRQ",
                      "sex": "M", "limit": 5, "context": "border", "subject_ref": "T-1"})
    h = res["hits"][0] if st == 201 and res.get("hits") else {}
    tap.ok(st == 201 and res.get("screening_id") and isinstance(res.get("elapsed_us"), int),
           "the result carries the screening id and the time taken", res)
    tap.ok(all(k in h for k in ("entry_id", "list", "reference", "name", "matched_name",
                                "score", "explanation")) and h.get("explanation"),
           "a hit names the entry, the list, the name matched and why", h)
    tap.ok(res.get("query", {}).get("name") == "Abdulrahman al-Tikriti",
           "the result repeats the query", res.get("query"))
    scores = [x["score"] for x in res.get("hits", [])]
    tap.ok(scores == sorted(scores, reverse=True), "hits sorted by score", scores)

    # Not alerting.
    for name, dob, what in [("Pierre Dupont", "1979", "a clean traveller"),
                            ("Abd al-Rahman Khalil al-Mosuli", "1979",
                             "same given name and patronym, another origin name"),
                            ("Muhammad bin Salman al-Dulaymi", "1970-05-02",
                             "given name and patronym swapped")]:
        st, res = screen({"name": name, "dob": dob})
        tap.ok(st == 201 and res["alerts"] == 0, "no alert: %s" % what, res)

    # Bad input: 400 naming the field, nothing stored.
    before = count(srv, "screenings")
    for body, field in [({}, "name"), ({"name": ""}, "name"),
                        ({"name": "Ali", "dob": "1979-13-45"}, "dob"),
                        ({"name": "Ali", "nationality": "Q1"}, "nationality"),
                        ({"name": "Ali", "sex": "X"}, "sex"),
                        ({"name": "Ali", "threshold": 1.5}, "threshold"),
                        ({"name": "Ali", "limit": "ten"}, "limit"),
                        ({"name": "x" * 600}, "name")]:
        st, res = screen(body)
        got = res.get("error", {}).get("field") if isinstance(res, dict) else None
        tap.ok(st == 400 and got == field, "refused, naming %s: %s" % (field, json.dumps(body)[:40]),
               (st, res))
    tap.eq(count(srv, "screenings"), before, "refused screenings store nothing")

    # Roles: an analyst may not screen.
    analyst = srv.add_user(admin, "analyst1", "analyst")
    st, res = screen({"name": "Ali"}, token=analyst)
    tap.eq(st, 403, "an analyst may not screen")

    # Stored, a case opened, dismissed by a supervisor; the pair does not alert again.
    n0 = count(srv, "screenings")
    st, res = screen({"name": "Fatima Hasan al-Jubouri", "dob": "1985", "nationality": "IRQ",
                      "subject_ref": "P-7"})
    tap.ok(st == 201 and res["alerts"] == 1 and res["hits"][0]["reference"] == "A-3",
           "a hit on another entry", res)
    tap.eq(count(srv, "screenings"), n0 + 1, "every screening is stored")
    case_id = res["hits"][0].get("case_id") if st == 201 and res.get("hits") else None
    tap.ok(case_id, "a hit at the threshold opens a case", res)
    st, cases, _ = srv.req("GET", "/api/v1/screening-cases?status=open", token=officer)
    tap.eq(st, 403, "an officer may not list cases")
    st, cases, _ = srv.req("GET", "/api/v1/screening-cases?status=open", token=supervisor)
    tap.ok(st == 200 and any(c.get("id") == case_id for c in cases["cases"]),
           "the supervisor sees the open case", cases)
    st, res, _ = srv.req("POST", "/api/v1/screening-cases/%s/decision" % case_id,
                         {"decision": "dismiss", "reason": "different person: birth place"},
                         token=supervisor)
    tap.eq(st, 200, "the supervisor dismisses the case with a reason")
    st, res = screen({"name": "Fatima Hasan al-Jubouri", "dob": "1985", "nationality": "IRQ",
                      "subject_ref": "P-7"})
    h = res["hits"][0] if st == 201 and res.get("hits") else {}
    tap.ok(st == 201 and res["alerts"] == 0 and h.get("dismissed"),
           "the dismissed pair is shown as dismissed and does not alert again", res)
    audit = srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'case.dismiss'")[0][0]
    tap.eq(audit, 1, "the dismissal is audited")

    # The CLI: exit codes.
    p = srv.cli("screen", "--json", "--dob", "1979", "Abdulrahman al-Tikriti")
    tap.ok(p.returncode == 1 and json.loads(p.stdout)["hits"][0]["reference"] == "A-1",
           "ubur screen exits 1 on a hit", (p.returncode, p.stdout, p.stderr))
    p = srv.cli("screen", "Pierre", "Dupont")
    tap.eq(p.returncode, 0, "ubur screen exits 0 without a hit")
    p = srv.cli("screen")
    tap.ok(p.returncode == 2 and "NAME" in p.stderr, "ubur screen exits 2 without a name", p.stderr)
    p = srv.cli("screen", "--threshold", "2", "Ali")
    tap.ok(p.returncode == 2 and "threshold" in p.stderr, "exits 2 on a bad threshold", p.stderr)
    p = srv.cli("screen", "--dob", "1979-13-45", "Ali")
    tap.ok(p.returncode == 2 and "dob" in p.stderr, "exits 2 on a bad date of birth", p.stderr)
    p = srv.cli("screen", "--bogus", "Ali")
    tap.eq(p.returncode, 2, "exits 2 on an unknown option")
    # A store that cannot be opened is not "no hit" and not a usage error: 3.
    p = subprocess.run([srv.bin, "--db", os.path.join(tmp, "no-such-dir", "x.db"), "screen",
                        "Ali"], capture_output=True, text=True, env=srv.env)
    tap.ok(p.returncode == 3 and p.stderr.startswith("ubur: "),
           "ubur screen exits 3 when the store is unreachable", (p.returncode, p.stderr))
    p = subprocess.run([srv.bin, "--db", os.path.join(tmp, "no-such-dir", "x.db"), "screen",
                        "--json", "--batch", "-"], input="name,dob,nationality,sex\nAli,,,\n",
                       capture_output=True, text=True, env=srv.env)
    tap.eq(p.returncode, 3, "a batch exits 3 when the store is unreachable")
    batch = os.path.join(tmp, "batch.csv")
    with open(batch, "w", encoding="utf-8") as f:
        f.write("name,dob,nationality,sex\nPierre Dupont,,,\n"
                "Abdulrahman al-Tikriti,1979,IRQ,M\nعبد الرحمن خليل التكريتي,1979,,\n")
    p = srv.cli("screen", "--json", "--batch", batch)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    tap.ok(p.returncode == 1 and len(lines) == 3 and not lines[0]["hits"] and
           lines[1]["hits"][0]["reference"] == "A-1" and lines[2]["hits"][0]["reference"] == "A-1",
           "a batch: one JSON object per row, in order, exit 1 as one row hits",
           (p.returncode, p.stdout[:300], p.stderr))
    p = srv.cli("screen", "--json", "--batch", "-",
                stdin="name,dob,nationality,sex\nPierre Dupont,1979-13-45,,\n")
    tap.ok(p.returncode == 2 and "dob" in p.stdout,
           "a batch whose only row is invalid exits 2, the row's error on its line",
           (p.returncode, p.stdout, p.stderr))
tap.done()
