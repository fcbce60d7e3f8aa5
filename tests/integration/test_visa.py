# SPDX-License-Identifier: Apache-2.0
"""Visas over HTTP and the CLI: purposes and rules, applications with screening and
automatic approval, the review queue, the lifecycle with roles and 409s, medical cases
with escorts, issuance with MRZ and seal, verification (API, offline CLI, and the
openssl command-line tool over the signed bytes), extension, revocation with the
escort cascade, the revocation export, the printable page, and the audit trail."""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()

TODAY = datetime.date.today()


def cd(s):
    v = {"<": 0}
    for i in range(10):
        v[str(i)] = i
    for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        v[c] = 10 + i
    return str(sum(v[c] * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def td3(surname, given, number, birth, sex, expiry, nat="IRQ"):
    name = (surname.replace(" ", "<").replace("-", "<") + "<<" + given.replace(" ", "<"))
    l1 = ("P<" + nat + name + "<" * 44)[:44]
    num = (number + "<" * 9)[:9]
    b = birth.strftime("%y%m%d")
    e = expiry.strftime("%y%m%d")
    personal = "<" * 14
    l2 = num + cd(num) + nat + b + cd(b) + sex + e + cd(e) + personal + cd(personal)
    comp = num + cd(num) + b + cd(b) + e + cd(e) + personal + cd(personal)
    return l1 + "\n" + l2 + cd(comp)


def day(n):
    return (TODAY + datetime.timedelta(days=n)).isoformat()


YEARS5 = TODAY + datetime.timedelta(days=5 * 365)
keys = tempfile.mkdtemp(prefix="ubur-visa-keys-")
env = {"UBUR_KEYS_DIR": keys}

with Server(args, env=env) as srv:
    admin = srv.login("admin", srv.admin_password)
    consul = srv.add_user(admin, "consul1", "consular_officer")
    sup = srv.add_user(admin, "super1", "supervisor")
    border = srv.add_user(admin, "border1", "border_officer")
    analyst = srv.add_user(admin, "analyst1", "analyst")

    # ---- keys and signer ----
    p = srv.cli("keys", "new", "--country", "SYR", "--signer", "SYVS", "--out", keys, "--json",
                env=env)
    tap.eq(p.returncode, 0, "ubur keys new makes a signer for SYR")
    import json
    kj = json.loads(p.stdout)
    p = srv.cli("visa", "signer", "--key", kj["signer_key"], "--cert", kj["signer_cert"], env=env)
    tap.eq(p.returncode, 0, "ubur visa signer records the key and certificate paths")
    tap.eq(os.stat(kj["signer_key"]).st_mode & 0o777, 0o600, "the private key file is 0600")

    # ---- purposes: rules as data an admin edits ----
    st, body, _ = srv.req("GET", "/api/v1/visa-purposes", token=consul)
    codes = sorted(p["code"] for p in body.get("purposes", []))
    tap.eq(codes, sorted(["tourism", "religious_tourism", "medical", "medical_escort",
                          "official", "business", "family_visit", "transit"]),
           "the eight purposes are there")
    st, body, _ = srv.req("PUT", "/api/v1/visa-purposes/tourism",
                          {"nationalities": ["IRQ"], "fee": "50.00", "max_stay_days": 30,
                           "auto_approve": True, "auto_max_risk": 20}, token=consul)
    tap.eq(st, 403, "a consular officer may not edit rules")
    st, body, _ = srv.req("PUT", "/api/v1/visa-purposes/tourism",
                          {"nationalities": ["IRQ"], "fee": "50.00", "max_stay_days": 30,
                           "auto_approve": True, "auto_max_risk": 20}, token=admin)
    tap.ok(st == 200 and body["fee"] == "50.00" and body["nationalities"] == ["IRQ"],
           "admin sets Syria's tourism rules for Iraqis", (st, body))
    st, body, _ = srv.req("PUT", "/api/v1/visa-purposes/tourism", {"max_stay_days": 400},
                          token=admin)
    tap.ok(st == 400 and body["error"]["field"] == "max_stay_days",
           "a stay longer than the validity is refused naming max_stay_days", (st, body))
    for code, rules in (("medical", {"nationalities": ["IRQ"], "fee": "50.00",
                                     "max_escorts": 1, "extendable": True,
                                     "max_extension_days": 30}),
                        ("medical_escort", {"nationalities": ["IRQ"], "auto_approve": True,
                                            "auto_max_risk": 20})):
        st, body, _ = srv.req("PUT", "/api/v1/visa-purposes/" + code, rules, token=admin)
        tap.eq(st, 200, "admin sets the %s rules" % code)

    # ---- validation: every error names its field, and nothing is written ----
    mrz1 = td3("AL-JUBOURI", "AHMED KHALID", "A1234567", datetime.date(1978, 3, 14), "M", YEARS5)
    good = {"passport_mrz": mrz1, "purpose": "tourism", "entry_date": day(10), "days": 14}
    bad_mrz = mrz1[:-1] + ("1" if mrz1[-1] != "1" else "2")
    cases = [
        ({k: v for k, v in good.items() if k != "passport_mrz"}, "passport_mrz", "missing MRZ"),
        (dict(good, passport_mrz=bad_mrz), "passport_mrz", "a wrong check digit"),
        (dict(good, purpose="smuggling"), "purpose", "an unknown purpose"),
        (dict(good, entry_date="2024-02-30"), "entry_date", "an impossible date"),
        (dict(good, entry_date=day(-3)), "entry_date", "an entry date in the past"),
        (dict(good, days=31), "days", "a stay longer than the rules allow"),
        (dict(good, entries=2), "entries", "more entries than the rules allow"),
        (dict(good, documents=[{"kind": "selfie", "reference": "x"}]), "documents[0].kind",
         "an unknown document kind"),
        (dict(good, family=["nope"]), "family[0]", "a family link to nothing"),
        (dict(good, colour="blue"), "colour", "an unknown field"),
        (dict(good, purpose="medical"), "hospital", "medical without a hospital"),
    ]
    st, before, _ = srv.req("GET", "/api/v1/visa-applications", token=consul)
    for b, field, what in cases:
        st, body, _ = srv.req("POST", "/api/v1/visa-applications", b, token=consul)
        tap.ok(st == 400 and body["error"].get("field") == field,
               "%s: 400 naming '%s'" % (what, field), (st, body))
    st, after, _ = srv.req("GET", "/api/v1/visa-applications", token=consul)
    tap.eq(len(after["applications"]), len(before["applications"]),
           "refused submissions wrote nothing")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications", good, token=analyst)
    tap.eq(st, 403, "an analyst may not take applications")

    # ---- a clean tourist: screened and approved automatically, then issued ----
    st, app, _ = srv.req("POST", "/api/v1/visa-applications",
                         dict(good, documents=[{"kind": "hotel_booking", "reference": "H-1"}]),
                         token=consul)
    tap.ok(st == 201 and app["state"] == "approved" and app["auto_decided"],
           "a clean low-risk tourism application is approved automatically", (st, app))
    tap.ok(app.get("risk", {}).get("level") == "low" and "screening_id" in app.get("risk", {}),
           "the application carries a risk summary with its screening", app.get("risk"))
    tap.eq(app["fee"], {"amount": "50.00", "currency": "USD"}, "the purpose's fee is charged")
    tap.eq([h["action"] for h in app["history"]], ["submit", "approve"],
           "history: submitted, then approved")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % app["id"],
                          {"action": "review"}, token=consul)
    tap.ok(st == 409 and body["error"]["code"] == "conflict",
           "an illegal transition (review an approved application) is 409", (st, body))
    st, visa, _ = srv.req("POST", "/api/v1/visa-applications/%s/issue" % app["id"], {},
                          token=consul)
    tap.ok(st == 201 and len(visa.get("visa_number", "")) == 9 and visa["state"] == "issued",
           "the approved application is issued", (st, visa))
    tap.ok(len(visa["mrz"]) == 2 and all(len(l) == 44 for l in visa["mrz"]) and
           visa["mrz"][0].startswith("V<SYRAL<JUBOURI<<AHMED<KHALID") and
           visa["mrz"][1].startswith(visa["visa_number"]), "the visa has an MRV-A MRZ",
           visa["mrz"])
    tap.ok(visa["seal"].startswith("dc03"), "the visa has a version-4 seal (hex)")
    st, again, _ = srv.req("GET", "/api/v1/visas/" + visa["id"], token=consul)
    tap.eq(again, visa, "the issuance's answer is the visa as read back")
    tap.eq((visa["valid_from"], visa["days"], visa["entries"]), (day(10), 14, 1),
           "validity, stay and entries as asked")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/issue" % app["id"], {},
                          token=consul)
    tap.eq(st, 409, "issuing twice is 409")

    # ---- verification ----
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"seal": visa["seal"]}, token=border)
    tap.ok(st == 200 and v["valid"] and v["signature"]["valid"] and
           v["status"] == "not_yet_valid" and v["visa_number"] == visa["visa_number"],
           "the API verifies the seal (signature valid, visa not yet valid)", (st, v))
    flipped = visa["seal"][:-6] + ("0" if visa["seal"][-6] != "0" else "1") + visa["seal"][-5:]
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"seal": flipped}, token=border)
    tap.ok(st == 200 and not v["valid"] and v["status"] == "invalid",
           "a changed signature byte does not verify", (st, v))
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"seal": "dc03zz"}, token=border)
    tap.ok(st == 400 and body["error"], "an unreadable seal is 400", (st, v))
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"visa_number": visa["visa_number"]},
                       token=border)
    tap.ok(st == 200 and v["valid"] and v["record"]["state"] == "issued",
           "verification by number (online only)", (st, v))
    p = srv.cli("visa", "verify", "--cert", kj["signer_cert"], visa["seal"])
    tap.ok(p.returncode == 0 and "signature    valid" in p.stdout,
           "ubur visa verify --cert verifies offline", p.stdout + p.stderr)
    p = srv.cli("visa", "verify", "--cert", kj["signer_cert"], flipped, "--json")
    tap.ok(p.returncode == 1 and json.loads(p.stdout)["valid"] is False,
           "offline verification of a changed seal exits 1", p.stdout + p.stderr)

    # Another implementation: openssl over the bytes the seal says it signs.
    p = srv.cli("seal", "decode", "--json", visa["seal"])
    if shutil.which("openssl") and p.returncode == 0:
        d = json.loads(p.stdout)
        raw = bytes.fromhex(visa["seal"])
        tmp = tempfile.mkdtemp(prefix="ubur-visa-ossl-")
        sig = bytes.fromhex(d["signature"])
        half = len(sig) // 2

        def der_int(x):
            x = x.lstrip(b"\0") or b"\0"
            return b"\x02" + bytes([len(x) + (x[0] >> 7)]) + (b"\0" if x[0] & 0x80 else b"") + x
        body = der_int(sig[:half]) + der_int(sig[half:])
        open(os.path.join(tmp, "signed"), "wb").write(raw[:d["signed_len"]])
        open(os.path.join(tmp, "sig.der"), "wb").write(b"\x30" + bytes([len(body)]) + body)
        subprocess.run(["openssl", "x509", "-in", kj["signer_cert"], "-pubkey", "-noout",
                        "-out", os.path.join(tmp, "pub.pem")], check=True)
        o = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(tmp, "pub.pem"),
                            "-signature", os.path.join(tmp, "sig.der"),
                            os.path.join(tmp, "signed")], capture_output=True, text=True)
        tap.ok("Verified OK" in o.stdout, "openssl verifies an issued visa's seal", o.stdout + o.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tap.skip("openssl verifies an issued visa's seal", "no openssl or no `ubur seal decode`")

    # ---- the seal at the border: verified and used in the check's decision ----
    st, b, _ = srv.req("POST", "/api/v1/crossings", {"id": "semalka", "name": "Semalka",
                                                     "state": "SYR", "governorate": "Al-Hasakah"},
                       token=admin)
    st2, b2, _ = srv.req("POST", "/api/v1/crossings/semalka/schedule",
                         {"mode": "open", "from": "2019-01-01T00:00:00Z"}, token=admin)
    tap.ok(st == 201 and st2 == 201, "a Syrian crossing point to present the visa at", (b, b2))
    ahmed = {"document_number": "A1234567", "nationality": "IRQ", "birth_date": "1978-03-14",
             "expiry_date": YEARS5.isoformat(), "surname": "AL-JUBOURI",
             "given_names": "AHMED KHALID", "sex": "M"}
    when = day(11) + "T09:00:00Z"

    def seal_check(seal, doc=ahmed, **extra):
        body = dict({"crossing_id": "semalka", "direction": "entry", "at": when, "document": doc,
                     "seal": seal}, **extra)
        st, c, _ = srv.req("POST", "/api/v1/border/checks", body, token=admin)
        return c if st == 201 else {"status": st, "body": c}

    def reason_codes(c):
        return sorted(r["code"] for r in c.get("reasons", []))

    c = seal_check(visa["seal"])
    sl = c.get("entitlement", {}).get("seal", {})
    tap.ok(c.get("decision") == "admit" and c["entitlement"]["basis"] == "visa" and
           c["entitlement"]["visa_number"] == visa["visa_number"] and sl.get("signature_valid")
           and sl.get("visa_number") == visa["visa_number"] and sl.get("signer") == "SYVS",
           "a genuine seal at the border: signature verified, its visa used, admitted", c)
    p = srv.cli("check", "--crossing", "semalka", "--direction", "entry", "--at", when, "--json",
                "--document", ahmed["document_number"], "--nationality", ahmed["nationality"],
                "--birth-date", ahmed["birth_date"], "--expiry", ahmed["expiry_date"],
                "--surname", ahmed["surname"], "--given-names", ahmed["given_names"],
                "--seal", visa["seal"])
    cc = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(cc.get("decision") == c.get("decision") and
           cc.get("entitlement", {}).get("seal") == c.get("entitlement", {}).get("seal"),
           "ubur check --seal verifies the seal as the API does", (p.returncode, p.stderr))
    c = seal_check(flipped)
    tap.ok(c.get("decision") == "refer" and "no_valid_visa" in reason_codes(c) and
           c["entitlement"]["seal"]["signature_valid"] is False,
           "a seal whose signature fails: referred as a possible forgery", c)
    c = seal_check("dc03zz")
    tap.ok(c.get("decision") == "refer" and c["entitlement"]["seal"]["status"] == "unreadable",
           "an unreadable seal: referred", c)
    c = seal_check(visa["seal"], dict(ahmed, document_number="A7777777"))
    tap.ok(c.get("decision") in ("refer", "refuse") and "identity_mismatch" in reason_codes(c),
           "a genuine seal for another passport: identity_mismatch, not admitted", c)
    c = seal_check(visa["seal"], visa_number="V00000000")
    tap.ok(c.get("decision") in ("refer", "refuse") and "identity_mismatch" in reason_codes(c),
           "a seal naming another visa than the one typed: identity_mismatch", c)

    # ---- the printable page ----
    st, svg, h = srv.req("GET", "/api/v1/visas/%s/page" % visa["visa_number"], token=consul)
    tap.ok(st == 200 and h["content-type"].startswith("image/svg+xml") and "<svg" in svg and
           visa["mrz"][1].replace("<", "&lt;") in svg and 'd="M' in svg, "the visa page is SVG with MRZ and DataMatrix",
           (st, h.get("content-type")))
    st, html, h = srv.req("GET", "/api/v1/visas/%s/page?format=html" % visa["id"], token=consul)
    tap.ok(st == 200 and "text/html" in h["content-type"] and "<!DOCTYPE html>" in html,
           "the visa page as HTML")

    # ---- a medical case: urgent first in the queue, an escort tied to the patient ----
    mrz_p = td3("AL-SAADI", "HASSAN JASIM", "B7654321", datetime.date(1961, 11, 20), "M", YEARS5)
    mrz_e = td3("AL-SAADI", "MARYAM HASSAN", "B7654322", datetime.date(1990, 5, 9), "F", YEARS5)
    mrz_o = td3("AL-OBAIDI", "NOOR SALAH", "B1111111", datetime.date(1972, 2, 17), "F", YEARS5)
    med = {"purpose": "medical", "entry_date": day(5), "days": 30,
           "hospital": "Al-Mouwasat University Hospital, Damascus",
           "documents": [{"kind": "medical_letter", "reference": "MOH-IQ-0417"}]}
    st, other, _ = srv.req("POST", "/api/v1/visa-applications", dict(med, passport_mrz=mrz_o),
                           token=consul)
    tap.ok(st == 201 and other["state"] == "submitted", "a medical case waits for an officer",
           (st, other))
    st, patient, _ = srv.req("POST", "/api/v1/visa-applications",
                             dict(med, passport_mrz=mrz_p, urgent=True), token=consul)
    tap.ok(st == 201 and patient["urgent"], "an urgent medical case is submitted", (st, patient))
    st, q, _ = srv.req("GET", "/api/v1/visa-applications/queue", token=consul)
    ids = [a["id"] for a in q["applications"]]
    tap.ok(ids[:2] == [patient["id"], other["id"]], "the urgent case comes first in the queue",
           ids)
    esc = {"passport_mrz": mrz_e, "purpose": "medical_escort", "entry_date": day(5), "days": 30,
           "patient_application_id": patient["id"], "family": [patient["id"]]}
    st, escort, _ = srv.req("POST", "/api/v1/visa-applications", esc, token=consul)
    tap.ok(st == 201 and escort["state"] == "submitted",
           "an escort is not approved automatically before the patient", (st, escort))
    st, body, _ = srv.req("POST", "/api/v1/visa-applications", dict(esc, passport_mrz=mrz_o),
                          token=consul)
    tap.ok(st == 409 and body["error"]["field"] == "patient_application_id",
           "a second escort beyond the purpose's limit is 409", (st, body))
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % escort["id"],
                          {"action": "approve"}, token=consul)
    tap.eq(st, 409, "the escort cannot be approved before the patient")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % patient["id"],
                          {"action": "approve"}, token=border)
    tap.eq(st, 403, "a border officer may not decide applications")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % patient["id"],
                          {"action": "refuse"}, token=consul)
    tap.ok(st == 400 and body["error"]["field"] == "reason", "a refusal needs a reason code",
           (st, body))
    for action in ("review", "approve"):
        st, patient, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % patient["id"],
                                 {"action": action}, token=consul)
        tap.eq(st, 200, "the patient's application: %s" % action)
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % escort["id"],
                          {"action": "approve"}, token=consul)
    tap.eq(st, 200, "the escort is approved once the patient is")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/issue" % escort["id"], {},
                          token=consul)
    tap.ok(st == 409 and body["error"]["field"] == "patient_application_id",
           "the escort's visa cannot exist without the patient's", (st, body))
    st, pvisa, _ = srv.req("POST", "/api/v1/visa-applications/%s/issue" % patient["id"], {},
                           token=consul)
    tap.eq(st, 201, "the patient's visa is issued")
    st, evisa, _ = srv.req("POST", "/api/v1/visa-applications/%s/issue" % escort["id"], {},
                           token=consul)
    tap.ok(st == 201 and evisa["valid_until"] <= pvisa["valid_until"] and
           evisa["patient_visa_id"] == pvisa["id"], "the escort's visa, tied to the patient's",
           (st, evisa))
    st, body, _ = srv.req("GET", "/api/v1/visa-applications/" + patient["number"], token=consul)
    tap.ok([e["application_id"] for e in body["escorts"]] == [escort["id"]],
           "the patient's application lists the escort", body.get("escorts"))

    # ---- extension at the hospital's request; escorts may not outlast the patient ----
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/extend" % pvisa["id"], {"days": 14},
                          token=consul)
    tap.ok(st == 400 and body["error"]["field"] == "hospital_request",
           "a medical extension needs the hospital's request", (st, body))
    st, ext, _ = srv.req("POST", "/api/v1/visas/%s/extend" % pvisa["id"],
                         {"days": 14, "hospital_request": "MOUWASAT-EXT-0093"}, token=consul)
    tap.ok(st == 200 and ext["state"] == "extended" and ext["days"] == 44 and
           ext["seal"] != pvisa["seal"], "the extension re-issues MRZ and seal", (st, ext))
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"seal": pvisa["seal"]}, token=border)
    tap.ok(st == 200 and v["status"] == "superseded" and not v["valid"],
           "the seal before the extension is superseded online", (st, v))
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/extend" % evisa["id"],
                          {"days": 30, "hospital_request": "X-1"}, token=consul)
    tap.ok(st == 409, "an escort's extension past the patient's visa is 409", (st, body))

    # ---- shortening the patient's visa clips the escort's to it ----
    cut = day(20)
    tap.ok(evisa["valid_until"] > cut, "the escort's visa runs past the new end before", evisa)
    st, shp, _ = srv.req("POST", "/api/v1/visas/%s/shorten" % pvisa["id"],
                         {"until": cut, "reason": "treatment ends earlier"}, token=consul)
    tap.ok(st == 200 and shp["state"] == "shortened" and shp["valid_until"] == cut,
           "the patient's visa is shortened", (st, shp))
    st, es, _ = srv.req("GET", "/api/v1/visas/" + evisa["id"], token=consul)
    tap.ok(es["state"] == "shortened" and es["valid_until"] == cut and
           es["days"] <= shp["days"] and es["seal"] != evisa["seal"],
           "the escort's visa is clipped to the patient's, with a new seal", es)
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/extend" % evisa["id"],
                          {"until": day(22), "hospital_request": "X-2"}, token=consul)
    tap.ok(st == 409, "and cannot be extended past the shortened patient's visa", (st, body))
    ext = shp  # the patient's current seal, for the revocation below
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/extend" % visa["id"], {"days": 5},
                          token=consul)
    tap.ok(st == 409 and body["error"]["field"] == "purpose",
           "a tourism visa is not extendable (409)", (st, body))
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/teleport" % visa["id"], {}, token=consul)
    tap.ok(st == 400 and body["error"]["field"] == "action", "an unknown action is 400", (st, body))

    # ---- border interface: the visa is found with entries and stay ----
    # (through the CLI-less path: the API shows the same row the border reads)
    st, body, _ = srv.req("GET", "/api/v1/visas/" + evisa["visa_number"], token=border)
    tap.ok(st == 200 and body["entries_used"] == 0 and body["days_used"] == 0,
           "a border officer reads a visa with its use so far", (st, body))

    # ---- revocation of the patient's visa revokes the escort's ----
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/revoke" % pvisa["id"],
                          {"reason": "hospital reports the patient left"}, token=consul)
    tap.eq(st, 403, "a consular officer may not revoke")
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/revoke" % pvisa["id"], {}, token=sup)
    tap.ok(st == 400 and body["error"]["field"] == "reason", "a revocation needs a reason",
           (st, body))
    st, rv, _ = srv.req("POST", "/api/v1/visas/%s/revoke" % pvisa["id"],
                        {"reason": "hospital reports the patient left"}, token=sup)
    tap.ok(st == 200 and rv["state"] == "revoked", "a supervisor revokes the patient's visa",
           (st, rv))
    st, e2, _ = srv.req("GET", "/api/v1/visas/" + evisa["id"], token=border)
    tap.ok(e2["state"] == "revoked" and e2["end_reason"] == "patient_visa_revoked",
           "the escort's visa is revoked with it", e2)
    st, body, _ = srv.req("POST", "/api/v1/visas/%s/extend" % pvisa["id"],
                          {"days": 1, "hospital_request": "X"}, token=consul)
    tap.eq(st, 409, "a revoked visa cannot be extended (409)")
    st, v, _ = srv.req("POST", "/api/v1/visas/verify", {"seal": ext["seal"]}, token=border)
    tap.ok(v["signature"]["valid"] and v["status"] == "revoked" and not v["valid"],
           "online verification reports the revocation", v)
    st, exp, _ = srv.req("GET", "/api/v1/visas/revocations", token=border)
    nums = sorted(x["visa_number"] for x in exp.get("visas", []))
    tap.ok(st == 200 and nums == sorted([pvisa["visa_number"], evisa["visa_number"]]) and
           exp["issuing_state"] == "SYR", "the revocation export lists both", (st, exp))
    st, body, _ = srv.req("GET", "/api/v1/visas/revocations", token=analyst)
    tap.eq(st, 403, "an analyst may not export revocations")

    # ---- refusal and the closed application ----
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % other["id"],
                          {"action": "refuse", "reason": "medical_not_justified",
                           "note": "letter not from an accredited hospital"}, token=consul)
    tap.ok(st == 200 and body["state"] == "refused" and
           body["refusal_reason"] == "medical_not_justified", "a coded refusal", (st, body))
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/%s/decision" % other["id"],
                          {"action": "approve"}, token=sup)
    tap.eq(st, 409, "a refused application cannot be approved (409)")
    st, again, _ = srv.req("POST", "/api/v1/visa-applications", dict(med, passport_mrz=mrz_o),
                           token=consul)
    tap.ok(st == 201 and again["risk"]["earlier_refusals"] == 1 and
           any(l["relation"] == "previous" and l["application_id"] == other["id"]
               for l in again["links"]) and
           again["applicant"]["person_id"] == other["applicant"]["person_id"],
           "a new application finds the person, links the earlier one, counts the refusal",
           (st, again.get("risk"), again.get("links")))

    # ---- a pilgrims' group: one request submits all, one issues all ----
    members = [td3("AL-MOSAWI", g, "G%07d" % i, datetime.date(1980 + i, 1, 2), "F", YEARS5)
               for i, g in enumerate(("ZAINAB HUSSEIN", "FATIMA ALI", "SAKINA ALI"))]
    grp = {"group_ref": "PILGRIMS-01",
           "applications": [{"passport_mrz": m, "purpose": "tourism", "entry_date": day(12),
                             "days": 7} for m in members]}
    bad = json.loads(json.dumps(grp))
    bad["applications"][2]["days"] = 99
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/groups", bad, token=consul)
    tap.ok(st == 400 and body["error"]["field"] == "applications[2].days",
           "a group with one bad member is refused naming it", (st, body))
    st, body, _ = srv.req("GET", "/api/v1/visa-applications?state=approved&limit=1000",
                          token=consul)
    tap.ok(not any(a.get("group_ref") == "PILGRIMS-01" for a in body["applications"]),
           "and nothing of the group was written")
    st, g, _ = srv.req("POST", "/api/v1/visa-applications/groups", grp, token=consul)
    tap.ok(st == 201 and g["submitted"] == 3 and g["approved_automatically"] == 3 and
           len(g["applications"]) == 3, "the group is submitted and approved at once", (st, g))
    st, gi, _ = srv.req("POST", "/api/v1/visa-applications/groups/PILGRIMS-01/issue", {},
                        token=consul)
    tap.ok(st == 201 and gi["issued"] == 3 and all(v["seal"] for v in gi["visas"]),
           "the group's visas are issued at once, each with its seal", (st, gi))
    back = [srv.req("GET", "/api/v1/visas/" + v["id"], token=consul)[1] for v in gi["visas"]]
    tap.eq(gi["visas"], back, "the group's answer is its visas as read back")
    nums = sorted(int(v["visa_number"][3:]) for v in gi["visas"])
    tap.eq(nums, list(range(nums[0], nums[0] + 3)), "a group's visas have consecutive numbers")
    st, body, _ = srv.req("POST", "/api/v1/visa-applications/groups/PILGRIMS-01/issue", {},
                          token=consul)
    tap.eq(st, 409, "issuing the group again is 409")

    # ---- the CLI contract ----
    mrz_c = td3("AL-TAEE", "HUDA MAJID", "C2222222", datetime.date(1995, 6, 25), "F", YEARS5)
    p = srv.cli("visa", "apply", "--mrz", mrz_c, "--purpose", "tourism", "--entry-date", day(20),
                "--days", "10", "--json")
    capp = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(p.returncode == 0 and capp.get("state") == "approved", "ubur visa apply --json",
           p.stderr)
    p = srv.cli("visa", "issue", capp.get("id", "x"), "--json")
    cv = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(p.returncode == 0 and len(cv.get("visa_number", "")) == 9 and
           isinstance(cv.get("mrz"), list) and len(cv["mrz"]) == 2 and
           all(c in "0123456789abcdef" for c in cv.get("seal", "x")),
           "ubur visa issue ID --json gives visa_number, mrz (array) and seal (hex)", p.stderr)
    p = srv.cli("visa", "apply", "--mrz", mrz_c, "--purpose", "tourism", "--entry-date",
                "tomorrow", "--days", "10")
    tap.ok(p.returncode == 1 and "entry_date" in p.stderr, "CLI validation names the field",
           p.stderr)
    p = srv.cli("visa", "decide", capp.get("id", "x"), "--approve")
    tap.ok(p.returncode == 1 and "issued" in p.stderr, "CLI: an illegal decision fails", p.stderr)
    p = srv.cli("visa", "decide", "x")
    tap.eq(p.returncode, 2, "CLI: decide without a decision is a usage error")
    p = srv.cli("visa", "list", "--queue", "--json")
    tap.ok(p.returncode == 0 and isinstance(json.loads(p.stdout), list), "ubur visa list --queue")
    cg = {"group_ref": "CLI-GROUP-1",
          "applications": [{"passport_mrz": td3("AL-RUBAIE", g, "K%07d" % i,
                                                 datetime.date(1970 + i, 3, 4), "M", YEARS5),
                            "purpose": "tourism", "entry_date": day(15), "days": 5}
                           for i, g in enumerate(("ABBAS SAAD", "KARIM SAAD"))]}
    p = srv.cli("visa", "apply-group", "-", "--json", stdin=json.dumps(cg))
    out = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(out.get("submitted") == 2 and out.get("approved_automatically") == 2,
           "ubur visa apply-group submits a group from JSON", p.stdout + p.stderr)
    p = srv.cli("visa", "issue", "--group", "CLI-GROUP-1", "--json")
    out = json.loads(p.stdout) if p.returncode == 0 else {}
    tap.ok(out.get("issued") == 2 and all(v["seal"] and len(v["mrz"]) == 2
                                          for v in out.get("visas", [])),
           "ubur visa issue --group issues every member with its seal", p.stdout + p.stderr)
    p = srv.cli("visa", "apply-group", "-", stdin="{not json")
    tap.ok(p.returncode == 1 and "not a JSON group" in p.stderr,
           "apply-group refuses what is not JSON", p.stderr)
    p = srv.cli("visa", "show", cv.get("visa_number", "x"))
    tap.ok(p.returncode == 0 and cv.get("visa_number", "?") in p.stdout, "ubur visa show NUMBER")

    # ---- audit ----
    st, body, _ = srv.req("GET", "/api/v1/audit?object_id=" + patient["id"], token=admin)
    acts = {e["action"] for e in body.get("entries", [])}
    st, body, _ = srv.req("GET", "/api/v1/audit?object_id=" + pvisa["id"], token=admin)
    acts = sorted(acts | {e["action"] for e in body.get("entries", [])})
    tap.ok({"visa.submit", "visa.review", "visa.approve", "visa.issue", "visa.extend",
            "visa.revoke"} <= set(acts),
           "every transition is audited", acts)

shutil.rmtree(keys, ignore_errors=True)
tap.done()
