# SPDX-License-Identifier: Apache-2.0
"""Writes a watchlist CSV of N (default 100,000) synthetic people for the
border benchmark, in the import format of `ubur watchlist import`:
reference,name,aliases,dob,nationality,sex,action. Given names are the
common Arabic names travellers also carry (so screening meets the candidate
loads of real lists, where Muhammad and Ali are everywhere); family names are
built from syllables, so an exact match with a traveller is rare, as it is
at a real border. Deterministic for a seed."""
import random
import sys

GIVEN = ["MUHAMMAD", "AHMAD", "ALI", "HASAN", "HUSAYN", "OMAR", "KHALID", "YUSUF", "IBRAHIM",
         "MAHMOUD", "ABD AL-RAHMAN", "ABD AL-KARIM", "ABD ALLAH", "SALIM", "JASIM", "KARIM",
         "MUSTAFA", "HAMID", "TARIQ", "WALID", "SAMIR", "NABIL", "FAISAL", "ADNAN", "BASSAM",
         "ZIAD", "MAJID", "QASIM", "HAYDAR", "ABBAS", "JAFAR", "SAID", "AMIR", "ABU BAKR",
         "FATIMA", "ZAYNAB", "MARYAM", "AISHA", "KHADIJA", "UMM KULTHUM"]
SYL = ["BA", "DA", "HA", "JA", "KA", "MA", "NA", "RA", "SA", "TA", "ZA", "QA", "BI", "DI",
       "HI", "JU", "KU", "MU", "NU", "RI", "SU", "TU", "ZU", "LA", "LI", "FA", "GHA", "SHA"]
NATS = ["IRQ"] * 4 + ["SYR"] * 4 + ["SAU", "JOR", "LBN", "YEM", "TUN", "EGY", "LBY", "AFG"]
ACTIONS = ["refuse_entry", "arrest", "discreet_check", "inform_issuing_state"]


def family(r):
    return ("AL-" if r.random() < 0.7 else "") + "".join(
        r.choice(SYL) for _ in range(r.randint(2, 3)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    r = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2021)
    out = sys.stdout
    out.write("reference,name,aliases,dob,nationality,sex,action\n")
    for i in range(n):
        g = r.choice(GIVEN)
        name = "%s %s %s" % (g, r.choice(GIVEN[:34]), family(r))
        alias = "%s BIN %s" % (g, name.split()[-1]) if r.random() < 0.2 else ""
        dob = str(r.randint(1950, 2000)) if r.random() < 0.5 else "%d-%02d-%02d" % (
            r.randint(1950, 2000), r.randint(1, 12), r.randint(1, 28))
        sex = "F" if g in ("FATIMA", "ZAYNAB", "MARYAM", "AISHA", "KHADIJA", "UMM KULTHUM") \
            else "M"
        out.write("BW-%06d,%s,%s,%s,%s,%s,%s\n" % (i + 1, name, alias, dob, r.choice(NATS), sex,
                                                  r.choice(ACTIONS)))


main()
