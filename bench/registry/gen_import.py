#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes N individuals as registry import CSV (docs/registry-csv.md) in groups
# of 1 to 8, placed in the demo's locations. Deterministic. python3 stdlib only.
#   gen_import.py N > people.csv
import csv, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
r = random.Random(42)
given_m = ["Muhammad", "Ahmad", "Ali", "Hussein", "Hassan", "Omar", "Khalid", "Mahmoud", "Yusuf",
           "Ibrahim", "Abbas", "Karim", "Saad", "Qasim", "Haidar", "Mahdi", "Salih", "Ziad"]
given_f = ["Fatima", "Zainab", "Maryam", "Aisha", "Nour", "Sara", "Huda", "Amina", "Layla", "Salma"]
family = ["Al-Jubouri", "Al-Dulaimi", "Al-Obaidi", "Al-Tamimi", "Al-Shammari", "Al-Zubaidi",
          "Al-Hashimi", "Al-Tikriti", "Al-Mosuli", "Al-Khafaji", "Al-Saadi", "Al-Rubaie"]
locs = ["SY-DI-DAM", "SY-RD-JAR", "SY-HA-HSK", "SY-HA-QAM", "SY-HA-HOL", "SY-HA-ROJ", "SY-HL-ALE"]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["group", "relationship", "given_name", "family_name", "sex", "birth_date", "origin",
            "population_type", "location", "registered_on"])
i = g = 0
while i < n:
    size = min(n - i, r.randint(1, 8))
    g += 1
    fam = r.choice(family)
    loc = r.choice(locs)
    typ = r.choice(["REF", "ASY", "ASY", "REF", "OOC"])
    reg = "%04d-%02d-%02d" % (r.randint(2010, 2023), r.randint(1, 12), r.randint(1, 28))
    for k in range(size):
        female = r.random() < 0.5
        y = r.randint(1950, 2009)
        w.writerow(["b%d" % g, "focal_point" if k == 0 else "child" if k > 1 else "spouse",
                    r.choice(given_f if female else given_m), fam, "F" if female else "M",
                    "%04d-%02d-%02d" % (y, r.randint(1, 12), r.randint(1, 28)), "IRQ", typ, loc,
                    reg])
        i += 1
