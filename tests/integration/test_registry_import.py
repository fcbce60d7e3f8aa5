# SPDX-License-Identifier: Apache-2.0
"""`ubur registry import` on either backend (on PostgreSQL a batch goes in by COPY when it
commits): a clean file is imported whole (groups, members, history, documents, needs, the
focal point, the statistics), an export of it imports back elsewhere, and a duplicate number
inside a batch or against the database rejects that batch only, naming the input line, with
nothing of it written."""
import csv
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, Tap, parse_args  # noqa: E402

args = parse_args()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="ubur-regimport-")
NOW = "2026-01-01T00:00:00Z"
COLS = ["group", "group_number", "relationship", "given_name", "family_name", "given_name_ar",
        "sex", "birth_date", "origin", "population_type", "location", "registered_on",
        "document_type", "document_number", "specific_needs"]


def add_locations(srv):
    srv.sql("INSERT INTO reg_location (id, pcode, parent_id, level, country, name_en,"
            " location_type, accommodation_type, created_at, updated_at)"
            " VALUES ('0190d1c4-0000-7000-8000-000000000001', 'SY', NULL, 'country', 'SYR',"
            " 'Syria', 'V', 'U', ?, ?)", (NOW, NOW))
    srv.sql("INSERT INTO reg_location (id, pcode, parent_id, level, country, governorate_id,"
            " name_en, location_type, accommodation_type, created_at, updated_at)"
            " VALUES ('0190d1c4-0000-7000-8000-000000000002', 'SY-HA', "
            " '0190d1c4-0000-7000-8000-000000000001', 'governorate', 'SYR',"
            " '0190d1c4-0000-7000-8000-000000000002', 'Al-Hasakah', 'V', 'U', ?, ?)",
            (NOW, NOW))
    srv.restart()  # locations are cached per connection


def people(n_groups, prefix="g", numbers=None):
    """CSV text: groups of 1 to 4, a few with documents (one with an apostrophe in a name)
    and specific needs."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLS)
    for g in range(n_groups):
        size = 1 + g % 4
        number = numbers[g] if numbers else ""
        for k in range(size):
            rel = "focal_point" if k == 0 else "child"
            given = "Ahmad" if k % 2 else "Fatima"
            fam = "Al-Ma'mun" if g == 3 else "Al-Jubouri"
            doc = ("passport", "N%07d" % (g * 10 + k)) if g % 5 == 0 else ("", "")
            needs = "SM;DS" if (g + k) % 7 == 0 else ""
            w.writerow(["%s%d" % (prefix, g), number, rel, given, fam,
                        "فاطمة" if k == 0 else "", "M" if k % 2 else "F",
                        "%04d-%02d-%02d" % (1960 + (g + k) % 50, 1 + g % 12, 1 + k),
                        "IRQ", "REF" if g % 3 else "ASY", "SY-HA", "2021-12-01",
                        doc[0], doc[1], needs])
    return out.getvalue()


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def count(srv, table):
    return srv.sql("SELECT COUNT(*) FROM " + table)[0][0]


with Server(args) as srv:
    add_locations(srv)
    n_groups = 300
    n_people = sum(1 + g % 4 for g in range(n_groups))
    p = srv.cli("registry", "import", write("a.csv", people(n_groups)), "--batch", "200")
    tap.eq(p.returncode, 0, "a clean file imports (%s)" % p.stderr.strip()[-200:])
    tap.eq(count(srv, "reg_individual"), n_people, "every person is there")
    tap.eq(count(srv, "reg_group"), n_groups, "every group is there")
    tap.eq(count(srv, "reg_history"), n_people, "each person has a history row")
    tap.eq(srv.sql("SELECT COUNT(*) FROM reg_group g JOIN reg_individual i"
                   " ON i.id = g.focal_point_id AND i.group_id = g.id"
                   " WHERE i.relationship = 'focal_point'")[0][0], n_groups,
           "each group's focal point is its focal_point member")
    docs = sum(1 + g % 4 for g in range(n_groups) if g % 5 == 0)
    tap.eq(count(srv, "reg_document"), docs, "documents imported")
    needs = sum(1 for g in range(n_groups) for k in range(1 + g % 4) if (g + k) % 7 == 0)
    tap.eq(count(srv, "reg_specific_need"), 2 * needs, "specific needs imported")
    tap.eq(srv.sql("SELECT family_name FROM reg_individual WHERE individual_number ="
                   " (SELECT group_number FROM reg_group WHERE id = (SELECT group_id FROM"
                   " reg_individual WHERE family_name LIKE '%mun' LIMIT 1)) || '-01'")[0][0],
           "Al-Ma'mun", "an apostrophe survives")
    tap.eq(srv.sql("SELECT given_name_ar FROM reg_individual WHERE given_name_ar IS NOT NULL"
                   " LIMIT 1")[0][0], "فاطمة", "Arabic script survives")
    p = srv.cli("stats", "population", "--by", "type", "--format", "csv")
    total = sum(int(line.split(",")[-1]) for line in p.stdout.strip().splitlines()[1:])
    tap.eq(total, n_people, "the statistics count everyone imported")
    exported = srv.cli("registry", "export", check=True).stdout

    # duplicates: batch 1 is clean, batch 2 repeats a group number of its own, batch 3 one
    # already in the database
    taken = srv.sql("SELECT group_number FROM reg_group LIMIT 1")[0][0]
    numbers = ["D-%03d" % i for i in range(12)]
    numbers[7] = numbers[5]
    numbers[10] = taken
    before = count(srv, "reg_individual")
    p = srv.cli("registry", "import", write("b.csv", people(12, "d", numbers)), "--batch", "8")
    tap.ok(p.returncode != 0, "duplicates fail the import")
    lines = [line for line in p.stderr.splitlines() if "already exists" in line]
    tap.ok(len(lines) == 2 and all("line " in line for line in lines),
           "each conflict is reported with its line", p.stderr)
    added = count(srv, "reg_individual") - before
    tap.eq(added, sum(1 + g % 4 for g in range(12) if g < 4),
           "only the clean batch was written")

    # a member's own conflict is reported at the member's line, not the focal point's
    taken = srv.sql("SELECT individual_number FROM reg_individual LIMIT 1")[0][0]
    p = srv.cli("registry", "import", write("m.csv",
                "group,relationship,individual_number,given_name,family_name,sex,birth_date,"
                "origin,population_type,location,registered_on\n"
                "m1,focal_point,,Karim,Al-Saadi,M,1980-01-01,IRQ,REF,SY-HA,2021-12-01\n"
                "m1,spouse,%s,Huda,Al-Saadi,F,1982-01-01,IRQ,REF,SY-HA,2021-12-01\n" % taken))
    lines = [line for line in p.stderr.splitlines() if "already exists" in line]
    tap.ok(p.returncode != 0 and len(lines) == 1 and "line 3" in lines[0]
           and "line 2" not in lines[0], "a member's conflict names the member's line", p.stderr)

with Server(args) as other:
    add_locations(other)
    p = other.cli("registry", "import", write("export.csv", exported))
    tap.eq(p.returncode, 0, "the export imports into another database (%s)"
           % p.stderr.strip()[-200:])
    tap.eq(count(other, "reg_individual"), n_people, "with everyone")
tap.done()
