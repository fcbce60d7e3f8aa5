# SPDX-License-Identifier: Apache-2.0
"""Machine readable zones end to end: `ubur mrz parse|make` (output and exit
codes) and POST /api/v1/documents/mrz, which must answer exactly the object
the CLI prints, for every golden input in tests/data/mrz/parse."""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
NOW = "2025-06-01T00:00:00Z"  # the golden files' "today"
ENV = dict(os.environ, UBUR_NOW=NOW)


def ubur(*argv, stdin=None):
    return subprocess.run([args.bin] + list(argv), input=stdin, capture_output=True, env=ENV)


SPECIMEN = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]

# --- CLI contract -----------------------------------------------------------
p = ubur("mrz", "parse", "--json", *SPECIMEN)
tap.eq(p.returncode, 0, "parse of a valid TD3 exits 0")
obj = json.loads(p.stdout)
tap.eq(list(obj.keys()), ["format", "document_code", "issuing_state", "surname", "given_names",
                          "document_number", "nationality", "birth_date", "expiry_date", "sex",
                          "optional_data", "optional_data_2", "valid", "corrected", "errors",
                          "warnings"], "the JSON object has the contract's keys in order")
tap.eq((obj["format"], obj["given_names"], obj["birth_date"], obj["optional_data_2"]),
       ("TD3", "ANNA MARIA", "1974-08-12", None), "values as the contract says")

p = ubur("mrz", "parse", "--json", stdin="\n".join(SPECIMEN).lower().encode())
tap.eq((p.returncode, json.loads(p.stdout)["surname"]), (0, "ERIKSSON"),
       "parse reads stdin when no lines are given, lowercase accepted")
p = ubur("mrz", "parse", SPECIMEN[0], SPECIMEN[1].replace("10", "11"))
tap.eq(p.returncode, 1, "an invalid MRZ exits 1")
tap.ok(b"composite" in p.stdout and b"valid           no" in p.stdout,
       "the readable summary names the failing field", p.stdout.decode())
p = ubur("mrz", "parse", "--json", "garbage")
tap.eq((p.returncode, json.loads(p.stdout)["errors"][0]["field"]), (1, "mrz"),
       "garbage exits 1 with an error on 'mrz'")
for argv, what in ((["mrz"], "no subcommand"), (["mrz", "frobnicate"], "unknown subcommand"),
                   (["mrz", "parse", "--bogus"], "unknown option"),
                   (["mrz", "parse", "--today", "yesterday"], "bad --today"),
                   (["mrz", "make", "--format", "TD3"], "missing required options"),
                   (["mrz", "make", "--format", "TD9", "--state", "IRQ", "--surname", "A",
                     "--number", "1", "--nationality", "IRQ", "--birth", "2000-01-01",
                     "--sex", "M", "--expiry", "2030-01-01"], "unknown format")):
    p = ubur(*argv)
    tap.eq(p.returncode, 2, "usage error exits 2: %s" % what)
p = ubur("mrz", "parse", "--help")
tap.eq(p.returncode, 0, "--help exits 0")

make = ["mrz", "make", "--format", "TD3", "--state", "IRQ", "--surname", "محمود",
        "--given", "عبدالرحيم", "--number", "A1234567", "--nationality", "IRQ",
        "--birth", "1980-03-15", "--sex", "M", "--expiry", "2030-01-01"]
p = ubur(*make)
lines = p.stdout.decode().split("\n")
tap.eq((p.returncode, lines[0]), (0, "P<IRQMXHMWD<<EBDALRXHYM<<<<<<<<<<<<<<<<<<<<<"),
       "make transliterates Arabic names as Doc 9303 Part 3 does")
q = ubur("mrz", "parse", "--json", stdin=p.stdout)
tap.eq((q.returncode, json.loads(q.stdout)["document_number"]), (0, "A1234567"),
       "what make prints, parse accepts")
bad = list(make)
bad[bad.index("IRQ")] = "XYZ"
p = ubur(*bad)
tap.eq(p.returncode, 1, "make with an unknown state exits 1")
tap.ok(b"issuing_state" in p.stderr, "and names the field", p.stderr.decode())

# --- API: same object as the CLI, for every golden input --------------------
with Server(args, env={"UBUR_NOW": NOW}) as srv:
    tok = srv.login("admin")
    st, body, _ = srv.req("POST", "/api/v1/documents/mrz", {"mrz": "\n".join(SPECIMEN)})
    tap.eq(st, 401, "the MRZ route needs credentials")
    st, body, _ = srv.req("POST", "/api/v1/documents/mrz", {}, token=tok)
    tap.eq((st, body.get("error", {}).get("field")), (400, "mrz"), "a missing 'mrz' is a 400 on 'mrz'")
    st, body, _ = srv.req("POST", "/api/v1/documents/mrz", {"mrz": ""}, token=tok)
    tap.eq((st, body.get("error", {}).get("field")), (400, "mrz"), "an empty 'mrz' is a 400")
    st, body, _ = srv.req("POST", "/api/v1/documents/mrz", {"mrz": 42}, token=tok)
    tap.eq((st, body.get("error", {}).get("field")), (400, "mrz"), "a non-string 'mrz' is a 400")
    st, body, _ = srv.req("POST", "/api/v1/documents/mrz", {"mrz": "<" * 5000}, token=tok)
    tap.ok(st in (400, 413) and body.get("error", {}).get("field") == "mrz",
           "an oversized 'mrz' is refused naming the field", body)

    same, differ = 0, []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/data/mrz/parse/*.mrz"))):
        name = os.path.basename(path)[:-4]
        if name.startswith("norepair-") or name == "err-empty":
            continue  # the API always repairs; an empty string is a request error (below)
        raw = open(path, "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not representable as a JSON string
        body = {"mrz": text}
        cli = ["mrz", "parse", "--json"]
        if name.startswith("lenient-"):
            body["lenient"] = True
            cli.append("--lenient")
        st, api, _ = srv.req("POST", "/api/v1/documents/mrz", body, token=tok)
        out = json.loads(ubur(*cli, stdin=raw).stdout)
        want = json.load(open(path[:-4] + ".json"))
        if st == 200 and api == out == want:
            same += 1
        else:
            differ.append("%s: status %s\napi  %s\ncli  %s" % (name, st, api, out))
    tap.ok(not differ and same >= 50,
           "API and CLI answer the golden object for %d inputs" % same, "\n".join(differ[:3]))

tap.done()
