# SPDX-License-Identifier: Apache-2.0
"""Compares ubur's MRZ parser with the npm `mrz` package document by document
and sorts every disagreement into a named category. Each category must be
explained in docs/internals/mrz-differential.md (its name in backquotes in the
table); a disagreement outside the known categories, or a category missing
from that table, fails the test. Prints TAP.

Usage: mrz_compare.py INPUTS.jsonl UBUR.jsonl NPM.jsonl DOC.md
  INPUTS: {"id", "source", "lines" | "text"}; UBUR: ubur's JSON object + "id";
  NPM: the output of mrz_npm.mjs.
"""
import collections
import json
import re
import sys

SEX = {"M": "male", "F": "female", "X": "nonspecified"}


def yymmdd(iso):
    return None if iso is None else iso[2:4] + iso[5:7] + iso[8:10]


def canonical(text):
    """Lines of one width (30, 36, 44) in the MRZ alphabet, "\n" between them."""
    lines = text.rstrip("\n").split("\n")
    return (len(lines) in (2, 3) and len({len(l) for l in lines}) == 1
            and len(lines[0]) in (30, 36, 44)
            and all(re.fullmatch(r"[A-Z0-9<]+", l) for l in lines))


def categorise(inp, ours, npm):
    """Returns None when both agree, else a category name."""
    text = inp.get("text") or "\n".join(inp["lines"])
    uto = "UTO" in text
    if ours["valid"] and not canonical(text) and ("throws" in npm or not npm["valid"]):
        return "scanner_input"
    if "throws" in npm:
        if ours["format"] is None:
            return None  # both refuse the shape of the input
        return "npm_throws"
    bad = {i["field"] for i in npm["invalid"]}
    if ours["format"] in ("MRVA", "MRVB"):
        allowed = {"documentCode", "compositeCheckDigit", "personalNumberCheckDigit"}
        if uto:
            allowed |= {"issuingState", "nationality"}
        if not npm["valid"] and bad <= allowed and ours["valid"]:
            return "visa_formats"
        if not ours["valid"] and not npm["valid"]:
            return None
        return "visa_other"
    if ours["valid"] and not npm["valid"] and uto and bad <= {"issuingState", "nationality"}:
        return "state_uto"
    if ours["valid"] and ours["corrected"] and not npm["valid"]:
        return "ocr_repair"
    if ours["valid"] and ours["warnings"]:
        return "lenient_" + ours["warnings"][0]["code"]
    if not ours["valid"] and npm["valid"]:
        codes = {e["field"] for e in ours["errors"]}
        msgs = " ".join(e["message"] for e in ours["errors"])
        if "lenient mode accepts" in msgs and "Belgian" in msgs:
            return "strict_belgian_number"
        if "pre-2021 French" in msgs:
            return "strict_french_card"
        if "primary identifier is empty" in msgs:
            return "strict_empty_primary"
        if codes <= {"birth_date", "expiry_date"} and "is not a date" in msgs:
            return "impossible_date"
        if "name field starts with a single filler" in msgs:
            return "name_leading_filler"
        if "the name field is empty" in msgs:
            return "name_field_empty"
        return "ubur_rejects"
    if ours["valid"] != npm["valid"]:
        return "validity"
    if not ours["valid"]:
        return None  # both reject; reasons may differ
    f = npm["fields"]
    checks = [
        ("document_number", ours["document_number"], npm.get("documentNumber")),
        ("surname", ours["surname"], f.get("lastName")),
        ("given_names", ours["given_names"], f.get("firstName")),
        ("issuing_state", ours["issuing_state"], f.get("issuingState")),
        ("nationality", ours["nationality"], f.get("nationality")),
        ("sex", SEX.get(ours["sex"]), f.get("sex")),
    ]
    for key, npm_key in (("birth_date", "birthDate"), ("expiry_date", "expirationDate")):
        if ours[key] is None and (f.get(npm_key) or "").find("<") >= 0:
            continue  # unknown parts: ubur says null, npm keeps "74<<<<"
        checks.append((key, yymmdd(ours[key]), f.get(npm_key)))
    if ours["format"] == "TD3":
        checks.append(("optional_data", ours["optional_data"], f.get("personalNumber") or ""))
    for name, a, b in checks:
        if a != b:
            if (name == "given_names" and a == "" and b == f.get("lastName")
                    and "<<" not in text.split("\n")[2 if ours["format"] == "TD1" else 0][5:]):
                return "npm_name_without_separator"
            return "field_" + name
    return None


def main():
    inputs_path, ours_path, npm_path, doc_path = sys.argv[1:5]
    inputs = {}
    for line in open(inputs_path):
        d = json.loads(line)
        inputs[d["id"]] = d
    ours = {json.loads(l)["id"]: json.loads(l) for l in open(ours_path) if l.strip()}
    npm = {json.loads(l)["id"]: json.loads(l) for l in open(npm_path) if l.strip()}
    doc = open(doc_path).read()
    documented = set(re.findall(r"^\|\s*`([a-z0-9_]+)`", doc, re.M))

    n = 0
    cats = collections.defaultdict(list)
    sources = collections.Counter()
    agree = 0
    for i, inp in inputs.items():
        sources[inp["source"]] += 1
        if i not in ours or i not in npm:
            cats["missing_output"].append(i)
            continue
        c = categorise(inp, ours[i], npm[i])
        if c is None:
            agree += 1
        else:
            cats[c].append(i)

    n += 1
    print("ok %d - %d documents (%s); %d agree, %d disagree in %d categories" % (
        n, len(inputs), ", ".join("%d %s" % (v, k) for k, v in sorted(sources.items())),
        agree, sum(len(v) for v in cats.values()), len(cats)))
    failed = False
    for c, ids in sorted(cats.items()):
        n += 1
        ok = c in documented
        failed |= not ok
        example = inputs[ids[0]]
        print("%s %d - `%s`: %d document(s)%s" % ("ok" if ok else "not ok", n, c, len(ids),
              "" if ok else " NOT EXPLAINED in " + doc_path))
        if not ok:
            print("#   example %s (%s):" % (ids[0], example["source"]))
            for l in (example.get("text") or "\n".join(example["lines"])).split("\n"):
                print("#     " + l)
            print("#   ubur: %s" % json.dumps(ours.get(ids[0]))[:600])
            print("#   npm:  %s" % json.dumps(npm.get(ids[0]))[:600])
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
