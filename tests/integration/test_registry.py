# SPDX-License-Identifier: Apache-2.0
"""The registry over HTTP: roles, audited reads, registration with duplicate check, events,
population statistics in JSON, CSV and SVG with withholding for analysts."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()

with Server(args, demo=True) as srv:
    admin = srv.login("admin", srv.admin_password)
    registrar = srv.add_user(admin, "registrar1", "registration_officer")
    analyst = srv.add_user(admin, "analyst1", "analyst")
    officer = srv.add_user(admin, "border1", "border_officer")
    st, body, _ = srv.req("GET", "/api/v1/registry/locations", token=analyst)
    tap.eq(st, 200, "any role lists locations")

    group = {"location": "SY-HA-QAM", "registered_on": "2021-06-01", "members": [
        {"relationship": "focal_point", "given_name": "Khalid", "family_name": "Al-Jubouri",
         "given_name_ar": "خالد", "family_name_ar": "الجبوري", "sex": "M",
         "birth_date": "1980-03-04", "origin": "IRQ", "population_type": "ASY"},
        {"relationship": "child", "given_name": "Huda", "family_name": "Al-Jubouri", "sex": "F",
         "birth_date": "2015-01-20", "origin": "IRQ", "population_type": "ASY"}]}
    st, body, _ = srv.req("POST", "/api/v1/registry/groups", dict(group, confirm_new=True),
                          token=registrar)
    tap.eq(st, 201, "a registration officer registers a household")
    number = body.get("members", [{}])[0].get("individual_number") if st == 201 else None

    st, body, _ = srv.req("POST", "/api/v1/registry/groups", group, token=registrar)
    tap.eq(st, 409, "the same people again: likely duplicates, 409")
    st, body, _ = srv.req("POST", "/api/v1/registry/groups/check", group, token=registrar)
    tap.eq(st, 200, "the duplicate check before commit answers 200")
    tap.eq(body.get("likely_duplicates"), True, "it flags the household")
    cands = [m.get("candidates", []) for m in body.get("members", [])]
    tap.ok(len(cands) == 2 and all(c and c[0].get("score", 0) >= 0.8 and
                                   c[0].get("individual_number") for c in cands),
           "each member's existing record is shown with its score")
    st, body, _ = srv.req("POST", "/api/v1/registry/groups/check", group, token=analyst)
    tap.eq(st, 403, "analysts cannot run the duplicate check")
    st, body, _ = srv.req("POST", "/api/v1/registry/groups/check", dict(group, members=[
        dict(group["members"][0], given_name=["x"])]), token=registrar)
    tap.eq(st, 400, "a member field of the wrong type is 400")
    group["confirm_new"] = True
    st, _, _ = srv.req("POST", "/api/v1/registry/groups", dict(group, members=[
        dict(group["members"][0], birth_date="1981-13-01")]), token=registrar)
    tap.eq(st, 400, "an impossible birth date is 400")

    for tok, want, who in ((registrar, 200, "registration officer"), (analyst, 403, "analyst"),
                           (officer, 403, "border officer")):
        st, body, _ = srv.req("GET", "/api/v1/registry/individuals/%s" % number, token=tok)
        tap.eq(st, want, "GET an individual as %s is %d" % (who, want))
    st, body, _ = srv.req("GET", "/api/v1/registry/individuals/%s" % number, token=registrar)
    tap.eq(body.get("given_name_ar"), "خالد", "Arabic names come back")
    st, audit, _ = srv.req("GET", "/api/v1/audit?object_id=%s" % body.get("id"), token=admin)
    tap.ok(any(e["action"] == "registry.individual.read" for e in audit.get("entries", [])),
           "reads of an individual are audited")

    st, body, _ = srv.req("POST", "/api/v1/registry/individuals/%s/events" % number,
                          {"population_type": "REF", "effective_on": "2021-09-01"}, token=registrar)
    tap.eq(st, 200, "an event changes the population type")
    tap.eq(body.get("population_type"), "REF", "the new type is current")

    st, body, _ = srv.req("GET", "/api/v1/stats/population?by=type&as_of=2021-12-24", token=analyst)
    tap.eq(st, 200, "an analyst reads statistics")
    rows = {r["type"]: r["count"] for r in body.get("rows", [])}
    tap.eq(rows, {"REF": 18817 + 1, "ASY": 18664 + 7879 + 1, "OOC": 58},
           "the article's figures plus the new household")
    st, body, _ = srv.req("GET", "/api/v1/stats/population?by=type,sex,age_band", token=analyst)
    tap.ok(any(r.get("withheld") for r in body.get("rows", [])), "analysts see 1-4 withheld")
    st, body, _ = srv.req("GET", "/api/v1/stats/population?by=type&as_of=2021-07-01", token=admin)
    rows = {r["type"]: r["count"] for r in body.get("rows", [])}
    st2, body2, _ = srv.req("GET", "/api/v1/stats/population?by=type&as_of=2021-05-31", token=admin)
    rows2 = {r["type"]: r["count"] for r in body2.get("rows", [])}
    tap.eq(rows.get("ASY", 0) - rows2.get("ASY", 0) >= 2, True,
           "the household counts as asylum-seekers from its registration date")
    st, body, h = srv.req("GET", "/api/v1/stats/population?by=type,sex&format=csv", token=admin)
    tap.eq(st, 200, "CSV statistics")
    st, body, h = srv.req("GET", "/api/v1/stats/population?by=planet", token=admin)
    tap.eq(st, 400, "an unknown dimension is 400")
    st, body, h = srv.req("GET", "/api/v1/stats/population?as_of=2999-01-01", token=admin)
    tap.eq(st, 400, "a future date is 400")

    # bulk import: batches of whole groups, all or nothing per batch, line-numbered errors
    # (inserts are pipelined on PostgreSQL; a failed batch is checked again row by row)
    csv_path = os.path.join(srv.dir, "people.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("group,individual_number,relationship,given_name,family_name,sex,birth_date,"
                "origin,population_type,location,registered_on\n"
                "t1,T-1,focal_point,Ali,Hasan,M,1980-01-01,IRQ,REF,SY-HA-QAM,2021-01-05\n"
                "t1,T-2,spouse,Huda,Hasan,F,1982-01-01,IRQ,REF,SY-HA-QAM,2021-01-05\n"
                "t2,T-3,focal_point,Omar,Salih,M,1970-01-01,IRQ,ASY,SY-HA-QAM,2021-01-05\n"
                "t2,T-1,child,Sara,Salih,F,2010-01-01,IRQ,ASY,SY-HA-QAM,2021-01-05\n")
    p = srv.cli("registry", "import", csv_path, "--batch", "2")
    tap.ok("individual_number" in p.stderr and "already exists" in p.stderr and "line " in p.stderr,
           "an import names the line and field of a duplicate number", p.stderr)
    tap.ok("2 individuals imported" in p.stderr and "1 batches failed" in p.stderr,
           "the good batch is imported, the bad one not at all", p.stderr)
    st, body, _ = srv.req("GET", "/api/v1/registry/individuals/T-2", token=registrar)
    tap.eq(st, 200, "a member of the good batch is registered")
    st, body, _ = srv.req("GET", "/api/v1/registry/individuals/T-3", token=registrar)
    tap.eq(st, 404, "no member of the failed batch is")

    # a household from the command line, with the duplicate check first
    hh_path = os.path.join(srv.dir, "household.json")
    with open(hh_path, "w", encoding="utf-8") as f:
        json.dump(dict(group, confirm_new=False), f)
    p = srv.cli("registry", "add-group", hh_path)
    tap.eq(p.returncode, 1, "add-group stops on likely duplicates")
    tap.ok("member 1" in p.stderr and "member 2" in p.stderr, "and lists them per member",
           p.stderr)
    p = srv.cli("registry", "add-group", hh_path, "--confirm-new")
    tap.eq(p.returncode, 0, "--confirm-new registers the household")
    tap.eq(len(p.stdout.strip().splitlines()), 3, "the group and its two members are printed")

    # ---- returnees: a registered refugee crossing home is known at the check, flagged at the record ----
    import tempfile
    csvp = os.path.join(tempfile.mkdtemp(prefix="ubur-returnee-"), "returnee.csv")
    with open(csvp, "w") as f:
        f.write("group,relationship,given_name,family_name,sex,birth_date,origin,citizenship,"
                "population_type,location,registered_on,document_type,document_number,"
                "document_country\n"
                "R1,focal_point,Jasim,Al-Rawi,M,1975-06-01,IRQ,IRQ,REF,SY-HA-HOL,2020-01-10,"
                "passport,A5550001,IRQ\n")
    p = srv.cli("registry", "import", csvp)
    tap.ok(p.returncode == 0, "a refugee from Iraq with a passport is imported", p.stdout + p.stderr)
    jasim = {"document_number": "A5550001", "nationality": "IRQ", "birth_date": "1975-06-01",
             "expiry_date": "2035-01-01", "surname": "AL-RAWI", "given_names": "JASIM"}
    # Albu Kamal is humanitarian only: an Iraqi leaving Syria there passes only as a returnee.
    st, c, _ = srv.req("POST", "/api/v1/border/checks",
                       {"crossing_id": "albukamal", "direction": "exit", "document": jasim},
                       token=admin)
    tap.ok(st == 201 and c["traveller"]["returnee"] and c["decision"] == "admit" and
           any("returnee" in n for n in c["notes"]),
           "the check knows a registered refugee going home is a returnee (admitted where only "
           "returnees and humanitarian cases pass)", (st, c))
    other = dict(jasim, document_number="A5550002")
    st, c2, _ = srv.req("POST", "/api/v1/border/checks",
                        {"crossing_id": "albukamal", "direction": "exit", "document": other},
                        token=admin)
    tap.ok(st == 201 and not c2["traveller"]["returnee"] and c2["decision"] == "refuse",
           "an unregistered Iraqi is no returnee there: refused", (st, c2))
    st, rec, _ = srv.req("POST", "/api/v1/border/checks/%s/confirm" % c.get("id"), {},
                         token=admin)
    tap.ok(st == 201 and rec.get("returnee_flagged"),
           "recording the crossing flags the returnee in the registry", (st, rec))
    st, lst, _ = srv.req("GET", "/api/v1/audit?limit=50", token=admin)
    ids = [e["object_id"] for e in lst.get("entries", [])
           if e["action"] == "registry.individual.returnee"]
    tap.ok(len(ids) == 1, "the flag is audited", ids)
    if ids:
        st, ind, _ = srv.req("GET", "/api/v1/registry/individuals/%s" % ids[0], token=registrar)
        tap.ok(st == 200 and ind.get("status") == "inactive" and ind.get("returnee_on"),
               "the individual is inactive, a returnee since the crossing", (st, ind))

tap.done()
