# SPDX-License-Identifier: Apache-2.0
"""Border crossing operations over HTTP and the CLI: crossing points and
schedules, traveller checks with every decision and reason code, confirm and
override rules, EES records, stays and overstays, groups, traffic figures,
and the same answer from `ubur check` as from the API."""
import datetime
import json
import os
import shutil
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402
from mrzgen import td3  # noqa: E402
from border_setup import setup  # noqa: E402

args = parse_args()
tap = Tap()

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
TODAY = NOW.date()


def at(days=0, hour=9):
    """An instant `days` from today at `hour` UTC (09:00Z is noon at the crossings)."""
    d = TODAY + datetime.timedelta(days=days)
    return "%sT%02d:00:00Z" % (d.isoformat(), hour)


def day(days=0):
    return (TODAY + datetime.timedelta(days=days)).isoformat()


serial = [0]


def person(nat, surname, given="ALI", birth="1980-01-01", expiry=None):
    serial[0] += 1
    return {"document_number": "%s%07d" % (nat[0], 1000000 + serial[0] * 7919 % 8999999),
            "nationality": nat, "birth_date": birth,
            "expiry_date": expiry or day(900), "surname": surname, "given_names": given}


def codes(check):
    return sorted(r["code"] for r in check.get("reasons", []))


with Server(args) as srv:
    tokens = setup(srv, at(42, 0))
    admin, officer = tokens["admin"], tokens["officer"]
    sup, analyst = tokens["supervisor"], tokens["analyst"]
    def count(sql, *params):
        return srv.sql(sql, params)[0][0]

    def check(body, token=None):
        # A time other than now is history: only an admin records it (officers get a 400).
        token = token or (admin if "at" in body else officer)
        return srv.req("POST", "/api/v1/border/checks", body, token=token)

    def confirm(check_id, body=None, token=officer):
        return srv.req("POST", "/api/v1/border/checks/%s/confirm" % check_id, body or {},
                       token=token)

    # ---- crossing points ----
    p = srv.cli("crossing", "list", "--json", check=True)
    cl = json.loads(p.stdout)
    tap.eq(len(cl), 8, "four pairs of crossing points")
    tap.ok(all(all(k in c for k in ("id", "name", "state", "partner_id", "mode")) for c in cl),
           "crossing list --json gives id, name, state, partner_id, mode")
    by_id = {c["id"]: c for c in cl}
    tap.ok(all(by_id[c["partner_id"]]["partner_id"] == c["id"] and
               by_id[c["partner_id"]]["state"] != c["state"] for c in cl),
           "every point is paired with one on the other side")
    st, body, _ = srv.req("GET", "/api/v1/crossings", token=analyst)
    tap.eq(st, 200, "any role lists crossings")
    tap.eq({c["id"]: c["mode"] for c in body["crossings"]}, {c["id"]: c["mode"] for c in cl},
           "the API and the CLI give the same modes")
    tap.eq(by_id["albukamal"]["mode"], "humanitarian", "Albu Kamal is humanitarian only")
    st, q, _ = srv.req("GET", "/api/v1/crossings/qaim", token=officer)
    sched = q["schedule"]
    tap.ok(st == 200 and [r["mode"] for r in sched] == ["open", "humanitarian", "open"],
           "Al-Qaim's history: open, humanitarian since Dec 2024, open again later", sched)
    tap.ok([r["in_force"] for r in sched] == [False, True, False] and sched[2]["upcoming"],
           "the row in force and the upcoming one are flagged")
    st, q, _ = srv.req("GET", "/api/v1/crossings/qaim?at=2020-06-01T00:00:00Z", token=officer)
    tap.eq(q.get("mode"), "open", "the mode on a past date is the one then in force")

    # ---- scheduling ----
    st, body, _ = srv.req("POST", "/api/v1/crossings/semalka/schedule",
                          {"mode": "closed", "from": at(2, 0)}, token=officer)
    tap.eq(st, 403, "an officer may not schedule modes")
    bad = [({"mode": "ajar", "from": at(2)}, "mode"),
           ({"mode": "open", "from": at(-3)}, "from"),
           ({"mode": "restricted_hours", "from": at(2)}, "hours"),
           ({"mode": "restricted_hours", "from": at(2), "hours": "8-16"}, "hours"),
           ({"mode": "open", "from": at(2), "categories": "nationality:IRAQ"}, "categories"),
           ({"mode": "open", "from": "tomorrow"}, "from"),
           ({"mode": "open", "from": at(2), "colour": "red"}, "colour"),
           # an empty list would let no one through a crossing called open
           ({"mode": "open", "from": at(2), "categories": ""}, "categories"),
           ({"mode": "humanitarian", "from": at(2), "categories": "  "}, "categories")]
    for b, field in bad:
        st, body, _ = srv.req("POST", "/api/v1/crossings/semalka/schedule", b, token=sup)
        tap.ok(st == 400 and body["error"].get("field") == field,
               "schedule with bad %s is 400 naming it" % field, (st, body))
    st, body, _ = srv.req("POST", "/api/v1/crossings/nowhere/schedule",
                          {"mode": "open", "from": at(3)}, token=sup)
    tap.eq(st, 404, "scheduling an unknown crossing point is 404, as showing it is")
    st, body, _ = srv.req("POST", "/api/v1/crossings/qaim/schedule",
                          {"mode": "open", "from": at(3)}, token=sup)
    tap.eq(st, 403, "a Syrian supervisor may not schedule an Iraqi crossing")
    st, body, _ = srv.req("POST", "/api/v1/crossings/semalka/schedule",
                          {"mode": "closed", "from": at(2, 0), "note": "flood"}, token=sup)
    tap.eq(st, 201, "a supervisor schedules Semalka closed from the day after tomorrow")
    p = srv.cli("crossing", "show", "semalka", "--json", check=True)
    rows = json.loads(p.stdout)["schedule"]
    tap.ok(rows[-1]["mode"] == "closed" and rows[-1]["upcoming"] and rows[-1]["note"] == "flood",
           "the change shows as upcoming in the history")

    # The server keeps crossings in memory (per connection); another process's change must show.
    late = person("SYR", "AL-ZUBAIDI", "KARIM", birth="1971-03-03")
    seen = [check({"crossing_id": "semalka", "direction": "entry", "at": at(20),
                   "document": late}) for _ in range(6)]
    tap.ok(all(st == 201 and codes(c) == ["crossing_closed"] for st, c, _ in seen),
           "checks on a day the crossing is closed (read into the server's memory)",
           [(st, codes(c)) for st, c, _ in seen])
    srv.cli("crossing", "schedule", "semalka", "--mode", "open", "--from", at(20, 0), check=True)
    seen = [check({"crossing_id": "semalka", "direction": "entry", "at": at(20),
                   "document": late}) for _ in range(6)]
    tap.ok(all(st == 201 and c["decision"] == "admit" and c["mode"]["mode"] == "open"
               for st, c, _ in seen),
           "a schedule changed by another process (the CLI) applies to the next checks at once",
           [(st, c.get("decision")) for st, c, _ in seen])

    # ---- a national's entry, judged by the mode at the time of the check ----
    syr = person("SYR", "AL-KHALIDI", "OMAR")
    st, c, _ = check({"crossing_id": "semalka", "direction": "entry", "at": at(3),
                      "document": syr})
    tap.ok(st == 201 and c["decision"] == "refuse" and codes(c) == ["crossing_closed"],
           "a check on a day the crossing is closed: refuse, crossing_closed", (st, c))
    st, body, _ = check({"crossing_id": "semalka", "direction": "entry", "at": at(3),
                         "document": syr}, token=officer)
    tap.ok(st == 400 and body["error"]["field"] == "at",
           "an officer cannot date a crossing days away from now", (st, body))
    before_checks = count("SELECT COUNT(*) FROM border_checks")
    st, c, _ = check({"crossing_id": "semalka", "direction": "entry", "at": at(0),
                      "document": syr})
    tap.ok(st == 201 and c["decision"] == "admit" and c["reasons"] == [],
           "a Syrian entering Syria today: admit, no reasons", (st, c))
    tap.eq(c["entitlement"]["basis"], "national", "a national's entitlement")
    tap.ok(c["record_id"] is None and c["status"] == "pending", "a check is not yet a record")
    tap.ok(c["screening"]["screened"], "every traveller is screened")
    st, rec, _ = confirm(c["id"])
    tap.ok(st == 201 and rec["kind"] == "entry" and rec["check_id"] == c["id"],
           "confirming records an entry", (st, rec))
    tap.ok(rec["officer"] == "officer" and rec["at"] == at(0) and rec["crossing_id"] == "semalka",
           "the record says who, when and where")
    st, again, _ = confirm(c["id"])
    tap.ok(st == 200 and again["replayed"] and again["id"] == rec["id"],
           "confirming again returns the same record (a retry)")
    st, body, _ = confirm(c["id"], {"decision": "refuse", "reason": "changed my mind"})
    tap.eq(st, 409, "a different answer to a recorded check is a conflict")
    st, g, _ = srv.req("GET", "/api/v1/border/checks/" + c["id"], token=officer)
    tap.ok(st == 200 and g["status"] == "recorded" and g["record_id"] == rec["id"],
           "the stored check shows its record")
    st, mv, _ = srv.req("GET", "/api/v1/travellers/%s/movements" % c["traveller_id"],
                        token=officer)
    tap.ok(st == 200 and [m["kind"] for m in mv["movements"]] == ["entry"] and
           mv["stays"][0]["exit_date"] is None and mv["stays"][0]["basis"] == "national",
           "movements: the entry and an open stay", mv)
    st, _, _ = srv.req("GET", "/api/v1/travellers/%s/movements" % c["traveller_id"],
                       token=analyst)
    tap.eq(st, 403, "an analyst does not see a person's movements")
    st, au, _ = srv.req("GET", "/api/v1/audit?object_id=" + c["traveller_id"], token=admin)
    reads = [e for e in au.get("entries", []) if e["action"] == "border.traveller.read"]
    tap.ok(st == 200 and len(reads) == 1 and reads[0]["username"] == "officer" and
           reads[0]["object_type"] == "traveller",
           "reading a traveller's movements is audited (who read whose), a refused read is not",
           au)

    # The same document again is the same traveller; exit closes the stay.
    st, c2, _ = check({"crossing_id": "semalka", "direction": "exit", "at": at(0, 12),
                       "document": syr})
    tap.ok(c2["traveller_id"] == c["traveller_id"] and c2["traveller_match"] == "document",
           "the same document finds the same traveller")
    st, rec2, _ = confirm(c2["id"])
    st, mv, _ = srv.req("GET", "/api/v1/travellers/%s/movements" % c["traveller_id"],
                        token=officer)
    tap.ok(mv["stays"][0]["exit_date"] == day(0) and mv["stays"][0]["days_used"] == 1,
           "the exit closes the stay: one day used", mv["stays"])
    # A new passport, same person: linked by nationality, birth date and name.
    syr2 = dict(syr, document_number="S9999001")
    st, c3, _ = check({"crossing_id": "semalka", "direction": "entry", "document": syr2})
    tap.ok(c3["traveller_id"] == c["traveller_id"] and c3["traveller_match"] == "name",
           "a new passport is linked to the known traveller", c3)
    # Same document number and nationality, another birth date: identity_mismatch, refer.
    st, c4, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "document": dict(syr, birth_date="1990-05-05")})
    tap.ok(c4["decision"] == "refer" and codes(c4) == ["identity_mismatch"],
           "a document recorded for someone born on another day: refer", c4)

    # ---- MRZ as scanned ----
    mrz = td3("S7744001", "SYR", "1975-04-12", day(1000), "AL-ZUBAIDI", "HUDA", sex="F")
    st, m, _ = check({"crossing_id": "semalka", "direction": "entry", "mrz": mrz})
    tap.ok(st == 201 and m["decision"] == "admit" and m["document"]["source"] == "mrz" and
           m["document"]["surname"] == "AL ZUBAIDI" and m["document"]["sex"] == "F",
           "an MRZ as scanned is read and checked", (st, m))
    p = srv.cli("check", "--crossing", "semalka", "--direction", "entry", "--json", mrz)
    cli_c = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(cli_c.get("decision") == m["decision"] and codes(cli_c) == codes(m) and
           cli_c.get("traveller_id") == m["traveller_id"] and "record_id" in cli_c,
           "ubur check --json gives the API's decision, reasons and traveller", p.stderr)
    st, m2, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "mrz": td3("S7744002", "SYR", "1975-04-12", day(1000), "HADDAD",
                                  spoil=True)})
    tap.ok(m2["decision"] == "refer" and "document_invalid" in codes(m2) and
           m2["traveller_id"] is None,
           "a national's bad check digit on entry: refer (never refused home), document_invalid,"
           " nobody created", m2)
    st, m2b, _ = check({"crossing_id": "semalka", "direction": "entry",
                        "mrz": td3("J7744002", "JOR", "1975-04-12", day(1000), "HADDAD",
                                   spoil=True)})
    tap.ok(m2b["decision"] == "refuse" and "document_invalid" in codes(m2b) and
           m2b["traveller_id"] is None,
           "a foreigner's bad check digit on entry: refuse, document_invalid, nobody created", m2b)
    st, m3, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "mrz": td3("S7744003", "SYR", "1975-04-12", day(-2), "HADDAD")})
    tap.ok(m3["decision"] == "refer" and codes(m3) == ["document_expired"],
           "a national's expired passport on entry: refer, document_expired", m3)
    st, m3b, _ = check({"crossing_id": "semalka", "direction": "entry",
                        "mrz": td3("J7744003", "JOR", "1975-04-12", day(-2), "HADDAD")})
    tap.ok(m3b["decision"] == "refuse" and "document_expired" in codes(m3b) and
           [r["decision"] for r in m3b["reasons"] if r["code"] == "document_expired"] == ["refuse"],
           "a foreigner's expired passport on entry: refuse, document_expired", m3b)
    st, m4, _ = check({"crossing_id": "semalka", "direction": "exit",
                       "mrz": td3("S7744003", "SYR", "1975-04-12", day(-2), "HADDAD")})
    tap.ok(m4["decision"] == "refer" and codes(m4) == ["document_expired"],
           "an expired passport on exit: refer", m4)
    p = srv.cli("check", "--crossing", "semalka", "--direction", "entry", "--record",
                td3("S7744004", "SYR", "1969-02-01", day(700), "AL-ANI", "KARIM"))
    tap.ok(p.returncode == 0 and "ADMIT" in p.stdout and "recorded:" in p.stdout,
           "ubur check --record records as the CLI user", p.stdout + p.stderr)

    # ---- refusal, override, supervisor ----
    irq = person("IRQ", "AL-OBEIDI", "HAMID")
    st, r, _ = check({"crossing_id": "semalka", "direction": "entry", "document": irq})
    tap.ok(r["decision"] == "refuse" and codes(r) == ["no_valid_visa"],
           "an Iraqi without a visa: refuse, no_valid_visa", r)
    st, body, _ = confirm(r["id"], {"decision": "admit"})
    tap.ok(st == 400 and body["error"].get("field") == "reason",
           "an override without a reason is 400 naming 'reason'", (st, body))
    st, body, _ = confirm(r["id"], {"decision": "refer"})
    tap.ok(st == 400 and body["error"].get("field") == "decision", "refer is not an outcome")
    st, req, _ = confirm(r["id"], {"decision": "admit", "reason": "medical emergency"})
    tap.ok(st == 202 and req["pending_approval"] and req["state"] == "pending_approval",
           "an officer's admission over a refusal waits for a supervisor (202)", (st, req))
    st, body, _ = confirm(r["id"], {"decision": "admit", "reason": "medical emergency"})
    tap.eq(st, 409, "the check cannot be confirmed while the request waits")
    st, body, _ = srv.req("POST", "/api/v1/border/overrides/%s/decision" % req["override_id"],
                          {"decision": "approve"}, token=officer)
    tap.eq(st, 403, "an officer may not approve overrides")
    st, pend, _ = srv.req("GET", "/api/v1/border/overrides?status=pending", token=sup)
    tap.ok(st == 200 and [o["id"] for o in pend["overrides"]] == [req["override_id"]] and
           pend["overrides"][0]["check"]["proposed"] == "refuse",
           "the supervisor sees the pending request with the check's reasons", pend)
    st, dec, _ = srv.req("POST", "/api/v1/border/overrides/%s/decision" % req["override_id"],
                         {"decision": "approve", "reason": "letter from the hospital seen"},
                         token=sup)
    ov = dec.get("record", {})
    tap.ok(st == 201 and ov.get("kind") == "entry" and ov.get("proposed") == "refuse" and
           ov.get("supervisor") == "supervisor" and ov.get("officer") == "officer" and
           ov.get("override_reason") == "medical emergency" and
           dec["override"]["status"] == "approved",
           "approved: the admission is recorded with the officer and the supervisor", (st, dec))
    st, body, _ = srv.req("POST", "/api/v1/border/overrides/%s/decision" % req["override_id"],
                          {"decision": "reject"}, token=sup)
    tap.eq(st, 409, "a request is decided once")
    st, rq, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "document": person("IRQ", "AL-OBEIDI", "SALIM")})
    st, req2, _ = confirm(rq["id"], {"decision": "admit", "reason": "family visit"})
    st, dec2, _ = srv.req("POST", "/api/v1/border/overrides/%s/decision" % req2["override_id"],
                          {"decision": "reject"}, token=sup)
    tap.ok(st == 201 and dec2["record"]["kind"] == "refusal" and
           dec2["override"]["status"] == "rejected",
           "rejected: the refusal is recorded", (st, dec2))
    st, r9, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "document": person("IRQ", "AL-OBEIDI", "KHALID")})
    st, ov9, _ = confirm(r9["id"], {"decision": "admit", "reason": "medical emergency"},
                         token=sup)
    tap.ok(st == 201 and ov9["supervisor"] == "supervisor" and ov9["proposed"] == "refuse",
           "a supervisor admits over a refusal directly", (st, ov9))
    st, mv, _ = srv.req("GET", "/api/v1/border/movements?crossing_id=semalka&kind=refusal",
                        token=officer)
    tap.ok(st == 200 and mv["movements"] and
           all(m["kind"] == "refusal" and m["crossing_id"] == "semalka" for m in mv["movements"]),
           "recent refusals at a crossing", mv)
    st, r2, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "document": person("IRQ", "AL-RAWI", "JASIM")})
    st, ref, _ = confirm(r2["id"])
    tap.ok(st == 201 and ref["kind"] == "refusal" and ref["reasons"][0]["code"] == "no_valid_visa",
           "confirming a refusal records a refusal with its reasons", ref)
    st, r3, _ = check({"crossing_id": "semalka", "direction": "entry",
                       "document": person("IRQ", "AL-RAWI", "KARIM")})
    st, r3r, _ = confirm(r3["id"], {"decision": "refuse", "reason": "agreed"})
    tap.eq(st, 201, "confirming the proposed decision may carry a note")

    # ---- watchlist hit: refer, resolved ----
    wl = os.path.join(srv.dir, "wl.csv")
    with open(wl, "w") as f:
        f.write("reference,name,aliases,dob,nationality,sex,action\n"
                "T-1,Yusuf Al-Tikriti,,1966,SYR,M,discreet_check\n")
    srv.cli("watchlist", "import", wl, "--list", "national", check=True)
    st, w, _ = check({"crossing_id": "semalka", "direction": "entry",
                      "document": person("SYR", "AL TIKRITI", "YOUSSEF", birth="1966-03-03")})
    tap.ok(w["decision"] == "refer" and codes(w) == ["watchlist_hit"] and
           w["screening"]["hits"] == 1 and w["screening"]["detail"][0]["case_id"],
           "a watchlist hit: refer, with the case opened", w)
    st, body, _ = confirm(w["id"])
    tap.ok(st == 400 and body["error"].get("field") == "decision",
           "a referred check needs an outcome")
    st, wr, _ = confirm(w["id"], {"decision": "admit", "reason": "not the listed person"})
    tap.ok(st == 201 and wr["kind"] == "entry" and wr["proposed"] == "refer",
           "an officer resolves a referral with a reason")

    # ---- visa-free stays, the window rule, overstays ----
    lbn = person("LBN", "HADDAD", "ELIAS")
    st, e1, _ = check({"crossing_id": "tanf", "direction": "entry", "at": at(-100),
                       "document": lbn})
    tap.ok(e1["decision"] == "admit" and e1["entitlement"]["basis"] == "visa_free" and
           e1["entitlement"]["authorised_until"] == day(-100 + 89),
           "visa-free entry: 90 days from the entry day", e1["entitlement"])
    confirm(e1["id"])
    st, ov, _ = srv.req("GET", "/api/v1/border/overstays", token=officer)
    mine = [o for o in ov["overstays"] if o["traveller_id"] == e1["traveller_id"]]
    tap.ok(st == 200 and len(mine) == 1 and mine[0]["overstay_days"] == 11 and
           mine[0]["authorised_until"] == day(-11),
           "the overstayer is listed with the days overstayed", ov)
    p = srv.cli("overstays", "--json", check=True)
    tap.ok(any(o["traveller_id"] == e1["traveller_id"] for o in json.loads(p.stdout)["overstays"]),
           "ubur overstays lists them too")
    st, ov, _ = srv.req("GET", "/api/v1/border/overstays?as_of=" + day(-50), token=analyst)
    tap.ok(not any(o["traveller_id"] == e1["traveller_id"] for o in ov["overstays"]),
           "not an overstayer 50 days ago (as_of)")
    # At noon local time (09:00Z): Al-Tanf keeps restricted hours, and a check "now" after
    # 13:00 UTC would meet a closed crossing.
    st, x1, _ = check({"crossing_id": "tanf", "direction": "exit", "at": at(0), "document": lbn})
    tap.ok(x1["decision"] == "refer" and codes(x1) == ["stay_exceeded"] and
           "overstayed by 11 days" in x1["reasons"][0]["message"],
           "exit after the authorised stay: refer, stay_exceeded", x1)
    st, xr, _ = confirm(x1["id"], {"decision": "admit", "reason": "fined"})
    tap.eq(xr.get("kind"), "exit", "the exit is recorded")
    st, mv, _ = srv.req("GET", "/api/v1/travellers/%s/movements" % e1["traveller_id"],
                        token=officer)
    tap.ok(mv["stays"][0]["days_used"] == 101 and mv["stays"][0]["overstay_days"] == 11,
           "the exit computes the stay used (entry and exit days count)", mv["stays"])
    st, ov, _ = srv.req("GET", "/api/v1/border/overstays", token=officer)
    tap.ok(not any(o["traveller_id"] == e1["traveller_id"] for o in ov["overstays"]),
           "gone from today's overstayers after the exit")
    st, e2, _ = check({"crossing_id": "tanf", "direction": "entry", "at": at(0),
                       "document": lbn})
    tap.ok(e2["decision"] == "refuse" and codes(e2) == ["stay_exceeded"],
           "back the same day with 101 days in the last 180: refuse, stay_exceeded", e2)
    # Present from day -100 to day 0: on day 90 the last 180 days hold 90 of them.
    st, e3, _ = check({"crossing_id": "tanf", "direction": "entry", "at": at(90),
                       "document": lbn})
    tap.ok(e3["decision"] == "refuse" and codes(e3) == ["stay_exceeded"],
           "90 days later the window is still full", e3)
    st, e4, _ = check({"crossing_id": "tanf", "direction": "entry", "at": at(91),
                       "document": lbn})
    tap.ok(e4["decision"] == "admit" and e4["entitlement"]["authorised_until"] == day(180),
           "on day 91 a day has left the window: 90 days granted as old ones keep leaving",
           e4.get("entitlement"))
    st, h, _ = check({"crossing_id": "tanf", "direction": "entry", "at": at(0, 14),
                      "document": person("JOR", "AL-HASSAN")})
    tap.ok(h["decision"] == "refuse" and codes(h) == ["crossing_closed"] and
           "08:00-16:00" in h["reasons"][0]["message"],
           "17:00 local at a daytime crossing: refuse, crossing_closed", h)

    # ---- modes and categories ----
    st, k, _ = check({"crossing_id": "albukamal", "direction": "entry",
                      "document": person("LBN", "KHALIL")})
    tap.ok(k["decision"] == "refuse" and "category_not_allowed" in codes(k) and
           "closed to this category" in [r for r in k["reasons"]
                                         if r["code"] == "category_not_allowed"][0]["message"],
           "humanitarian only: a visitor is refused, category_not_allowed", k)
    st, k2, _ = check({"crossing_id": "albukamal", "direction": "exit", "cargo": True,
                       "document": person("SYR", "SULAYMAN", "MAHMOUD")})
    tap.eq(k2["decision"], "admit", "a truck driver passes the humanitarian-and-cargo mode")
    st, k3, _ = check({"crossing_id": "yarubiyah", "direction": "exit",
                       "document": person("SYR", "AL-JUBURI")})
    tap.ok("category_not_allowed" in codes(k3), "a lone traveller at a groups-only crossing")

    # ---- groups ----
    members = [person("IRQ", "AL-DULAIMI", g, birth="19%02d-02-02" % (60 + i))
               for i, g in enumerate(("AHMAD", "FATIMA", "ALI"))]
    st, grp, _ = check({"crossing_id": "yarubiyah", "direction": "exit", "at": at(0, 6),
                        "group": {"kind": "convoy", "name": "Al-Hol convoy 13"},
                        "travellers": [{"document": d, "returnee": True} for d in members]})
    tap.ok(st == 201 and len(grp["results"]) == 3 and grp["summary"] ==
           {"total": 3, "admit": 3, "refer": 0, "refuse": 0},
           "a convoy: one request, per-person results and a summary", (st, grp))
    tap.ok(all(r["group_id"] == grp["group_id"] for r in grp["results"]),
           "each result carries the group")
    st, gc, _ = srv.req("POST", "/api/v1/border/groups/%s/confirm" % grp["group_id"], {},
                        token=officer)
    tap.ok(st == 201 and gc["summary"]["exits"] == 3 and gc["summary"]["pending"] == 0 and
           gc["replayed"] is False,
           "confirming the group records every member", (st, gc))
    n_records = count("SELECT COUNT(*) FROM border_records")
    st, gc2, _ = srv.req("POST", "/api/v1/border/groups/%s/confirm" % grp["group_id"], {},
                         token=officer)
    tap.ok(st == 200 and gc2["replayed"] is True and gc2["summary"]["exits"] == 3 and
           sorted(r["id"] for r in gc2["records"]) == sorted(r["id"] for r in gc["records"]) and
           count("SELECT COUNT(*) FROM border_records") == n_records,
           "confirming the group again replays its records (200), records nothing", (st, gc2))
    st, body, _ = check({"crossing_id": "yarubiyah", "direction": "exit",
                         "group": {"kind": "pilgrims"},
                         "travellers": [{"document": members[0]}, {"document": members[0]}]})
    tap.ok(st == 400 and body["error"]["field"].startswith("travellers[1]"),
           "the same document twice in a group is 400 naming the member", body)
    st, body, _ = check({"crossing_id": "yarubiyah", "direction": "exit",
                         "group": {"kind": "picnic"}, "travellers": [{"document": members[0]}]})
    tap.ok(st == 400 and body["error"]["field"] == "group.kind", "an unknown group kind is 400")
    st, body, _ = check({"crossing_id": "yarubiyah", "direction": "exit",
                         "group": {"kind": "convoy"}, "travellers": [{"document": members[0]}, 7]})
    tap.ok(st == 400 and body["error"].get("field") == "travellers[1]",
           "a group member that is not an object is 400 naming it", body)
    n_before = count("SELECT COUNT(*) FROM border_checks")
    p = srv.cli("check", "--crossing", "semalka", "--direction", "entry", "--record",
                "--decision", "refer", "--reason", "x",
                td3("S5550009", "SYR", "1962-01-01", day(800), "AL-HASHIMI", "SAMI"))
    tap.ok(p.returncode == 2 and "--decision" in p.stderr and
           count("SELECT COUNT(*) FROM border_checks") == n_before,
           "ubur check --record --decision refer is a usage error before anything is stored",
           (p.returncode, p.stderr))
    p = srv.cli("check", "--crossing", "yarubiyah", "--direction", "exit", "--group",
                "pilgrims", "--json", "--record",
                td3("S5550001", "SYR", "1961-01-01", day(800), "AL-HASHIMI", "ALI"),
                td3("S5550002", "SYR", "1964-01-01", day(800), "AL-HASHIMI", "ZAYNAB", sex="F"))
    cg = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(cg.get("summary", {}).get("admit") == 2 and
           all(r.get("record_id") for r in cg.get("results", [])),
           "ubur check with several MRZs checks and records a group", p.stderr)
    # A member referred (his passport was recorded with another birth date): the group's other
    # members are recorded, he waits; `ubur check --confirm` resolves him after the inspection.
    p = srv.cli("check", "--crossing", "yarubiyah", "--direction", "exit", "--group",
                "pilgrims", "--json", "--record",
                td3("S5550001", "SYR", "1961-01-02", day(800), "AL-HASHIMI", "ALI"),
                td3("S5550003", "SYR", "1966-01-01", day(800), "AL-HASHIMI", "HASAN"))
    cg = json.loads(p.stdout) if p.returncode == 0 else {}
    pend = cg.get("recorded", {}).get("pending", [])
    tap.ok(cg.get("summary", {}).get("refer") == 1 and len(pend) == 1,
           "a CLI group with a referred member leaves him pending", (p.stderr, cg.get("summary")))
    cid = pend[0] if pend else "none"
    p = srv.cli("check", "--confirm", cid, "--decision", "admit", "--reason",
                "birth date confirmed", "--json")
    rc = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(rc.get("kind") == "exit" and rc.get("decision") == "admit" and
           rc.get("check_id") == cid and rc.get("override_reason") == "birth date confirmed",
           "ubur check --confirm records the referred member with the outcome and reason",
           (p.returncode, p.stderr))

    # ---- bad input: a clear 4xx naming the field, nothing stored ----
    n0 = count("SELECT COUNT(*) FROM border_checks")
    doc = person("SYR", "AL-ANI")
    bad = [({"crossing_id": "semalka", "direction": "sideways", "document": doc}, "direction"),
           ({"crossing_id": "nowhere", "direction": "entry", "document": doc}, "crossing_id"),
           ({"crossing_id": "semalka", "direction": "entry"}, "mrz"),
           ({"crossing_id": "semalka", "direction": "entry", "document": doc, "mrz": "P<"},
            "document"),
           ({"crossing_id": "semalka", "direction": "entry", "document": doc, "x": 1}, "x"),
           ({"crossing_id": "semalka", "direction": "entry",
             "document": dict(doc, birth_date="1980-02-30")}, "document.birth_date"),
           ({"crossing_id": "semalka", "direction": "entry",
             "document": dict(doc, nationality="IR1")}, "document.nationality"),
           ({"crossing_id": "semalka", "direction": "entry",
             "document": dict(doc, colour="red")}, "document.colour"),
           ({"crossing_id": "semalka", "direction": "entry", "at": "yesterday",
             "document": doc}, "at"),
           ({"direction": "entry", "document": doc}, "crossing_id")]
    bad.append(({"crossing_id": "semalka", "direction": "entry",
                 "document": dict(doc, nationality="XYZ")}, "document.nationality"))
    for b, field in bad:
        st, body, _ = check(b)
        tap.ok(st == 400 and body["error"].get("field") == field,
               "bad %s is 400 naming it" % field, (st, body))
    tap.eq(count("SELECT COUNT(*) FROM border_checks"), n0, "no bad request stored a check")
    st, body, _ = check({"crossing_id": "qaim", "direction": "entry", "document": doc})
    tap.eq(st, 403, "a Syrian officer does not check at an Iraqi crossing point")
    st, body, _ = check({"crossing_id": "semalka", "direction": "entry", "document": doc},
                        token=analyst)
    tap.eq(st, 403, "an analyst may not check travellers")
    st, body, _ = confirm(str(uuid.uuid4()))
    tap.eq(st, 404, "confirming an unknown check is 404")

    # ---- a visa from the visa register: entries and stay ----
    now = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    srv.sql("INSERT INTO visa_purpose (code, name_en, validity_days, max_entries,"
            " max_stay_days, updated_at) VALUES ('medical', 'Medical', 90, 1, 30, ?)"
            " ON CONFLICT DO NOTHING", (now,))
    srv.sql("INSERT INTO visa_person (id, surname, given_names, sex, nationality,"
            " created_at, updated_at) VALUES ('p1', 'AL-JUBURI', 'SALIM', 'M', 'IRQ', ?, ?)",
            (now, now))
    srv.sql("INSERT INTO visa_application (id, number, person_id, passport_mrz,"
            " passport_number, passport_state, nationality, purpose, entry_date, stay_days,"
            " entries, state, submitted_at, updated_at) VALUES ('a1', 'A-1', 'p1', '',"
            " 'I7000001', 'IRQ', 'IRQ', 'medical', ?, 10, 1, 'issued', ?, ?)",
            (day(0), now, now))
    srv.sql("INSERT INTO visa (id, visa_number, application_id, person_id, issuing_state,"
            " purpose, state, valid_from, valid_until, entries, stay_days, passport_number,"
            " nationality, mrz_format, mrz, issued_at, updated_at) VALUES ('v1', 'V0000001',"
            " 'a1', 'p1', 'SYR', 'medical', 'issued', ?, ?, 1, 10, 'I7000001', 'IRQ', 'A',"
            " '', ?, ?)", (day(-1), day(60), now, now))
    pat = dict(person("IRQ", "AL-JUBURI", "SALIM"), document_number="I7000001")
    st, v1, _ = check({"crossing_id": "albukamal", "direction": "entry", "document": pat})
    tap.ok(v1["decision"] == "admit" and v1["entitlement"]["basis"] == "visa" and
           v1["entitlement"]["purpose"] == "medical" and
           v1["entitlement"]["authorised_until"] == day(9),
           "a medical visa: admitted at a humanitarian crossing for 10 days", v1)
    confirm(v1["id"])
    st, vx, _ = check({"crossing_id": "albukamal", "direction": "exit", "at": at(0, 12),
                       "document": pat})
    confirm(vx["id"])
    st, v2, _ = check({"crossing_id": "albukamal", "direction": "entry", "at": at(1),
                       "document": pat})
    tap.ok(v2["decision"] == "refuse" and "entries_exhausted" in codes(v2),
           "the single entry used: refuse, entries_exhausted", v2)
    tap.eq(count("SELECT entries_used FROM visa WHERE id = 'v1'"), 1,
           "the entry was noted on the visa in the record's transaction")
    st, v3, _ = check({"crossing_id": "albukamal", "direction": "entry",
                       "document": pat, "visa_number": "V9999999"})
    tap.ok(v3["decision"] == "refuse" and "no_valid_visa" in codes(v3),
           "a visa number that is not in the register: no_valid_visa", v3)

    # ---- traffic figures ----
    st, tr, _ = srv.req("GET", "/api/v1/stats/crossings?from=%s&to=%s&by=crossing,direction,decision"
                        % (day(-200), day(100)), token=analyst)
    tap.eq(st, 200, "any role reads traffic figures")
    tap.eq(tr["total"], count("SELECT COUNT(*) FROM border_records"),
           "the figures add up to the records (same transaction)")
    semalka_in = sum(r["crossings"] for r in tr["rows"]
                     if r["crossing"] == "semalka" and r["direction"] == "entry")
    tap.ok(semalka_in >= 5, "per-crossing, per-direction rows", tr["rows"])
    st, csv, h = srv.req("GET", "/api/v1/stats/crossings?by=nationality&format=csv&from=%s"
                         % day(-200), token=analyst)
    tap.ok(st == 200 and h["content-type"].startswith("text/csv") and
           csv.splitlines()[0] == "nationality,crossings", "CSV output", csv)
    p = srv.cli("stats", "crossings", "--from", day(-200), "--to", day(100), "--by",
                "crossing,direction,decision", "--format", "json", check=True)
    tap.eq(json.loads(p.stdout)["rows"], tr["rows"], "ubur stats crossings agrees with the API")
    st, body, _ = srv.req("GET", "/api/v1/stats/crossings?by=colour", token=analyst)
    tap.ok(st == 400 and body["error"]["field"] == "by", "an unknown dimension is 400")

    # Two servers on one database: a check this server remembers (border_pending.c), confirmed
    # meanwhile on the other, is confirmed here as if read from the store (a replay, or a
    # conflict for another answer), not recorded twice.
    other = Server(args)
    other.dir, other.dbargs = tempfile.mkdtemp(prefix="ubur-it-"), srv.dbargs
    other.start()
    try:
        for i, (answer, want) in enumerate(((None, 200), ("refuse", 409))):
            st, c, _ = check({"crossing_id": "semalka", "direction": "entry",
                              "document": person("SYR", "AL-ANI", "SALIM",
                                                 birth="1966-0%d-11" % (i + 1))}, token=officer)
            st2, rec, _ = other.req("POST", "/api/v1/border/checks/%s/confirm" % c["id"], {},
                                    token=officer)
            body = {"decision": answer, "reason": "second look"} if answer else {}
            st3, again, _ = confirm(c["id"], body)
            tap.ok(st == 201 and st2 == 201 and st3 == want and
                   (want == 409 or (again.get("replayed") and again["id"] == rec["id"])),
                   "a check recorded by another server: %s here" %
                   ("the same record replayed" if want == 200 else "another answer conflicts"),
                   (st, st2, st3, again))
        tap.eq(count("SELECT COUNT(*) FROM border_records WHERE check_id = ?", c["id"]), 1,
               "one record for the check")
    finally:
        other.stop()
        shutil.rmtree(other.dir, ignore_errors=True)

    p = srv.cli("audit", "verify")
    tap.eq(p.returncode, 0, "the audit chain is intact after all of this")

tap.done()
