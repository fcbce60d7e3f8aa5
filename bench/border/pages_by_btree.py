#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Which B-trees the database pages a server wrote belong to (docs/BENCHMARKS.md,
# border, session 6). Reads a `perf trace -e pwrite64 -o TRACE -p <server>`
# output, keeps the 4 KB writes to descriptor FD (the checkpointer's database
# file: `ls -l /proc/<server>/fd`), and maps each page to its table or index
# by walking every B-tree's interior pages (leaves are never read, so a 10 GB
# file takes minutes, not hours; run it after the server has stopped).
# Prints distinct pages per record, RECORDS being the border records written
# while the trace ran.
#   python3 bench/border/pages_by_btree.py DB TRACE FD RECORDS
import sqlite3, struct, sys, collections, re
db = sys.argv[1]; trace = sys.argv[2]; fdsel = sys.argv[3]; nrec = int(sys.argv[4])
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
roots = con.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0").fetchall()
con.close()
f = open(db, "rb")
def page(n):
    f.seek((n - 1) * 4096); return f.read(4096)
want = collections.Counter()
pat = re.compile(r"pwrite64\(fd: %s, .*count: 4096, pos: (\d+)\)" % fdsel)
for line in open(trace):
    m = pat.search(line)
    if m: want[int(m.group(1)) // 4096 + 1] += 1
wanted = set(want)
owner = {}
for name, root in roots:
    stack = [root]
    while stack:
        n = stack.pop()
        if n in wanted: owner[n] = name
        p = page(n); off = 100 if n == 1 else 0
        t = p[off]
        if t in (2, 5):
            nc = struct.unpack(">H", p[off+3:off+5])[0]
            stack.append(struct.unpack(">I", p[off+8:off+12])[0])
            for i in range(nc):
                c = struct.unpack(">H", p[off+12+2*i:off+14+2*i])[0]
                stack.append(struct.unpack(">I", p[c:c+4])[0])
        elif t in (10, 13):
            pass
c = collections.Counter(owner.get(n, "?") for n in want)
w = collections.Counter()
for n, k in want.items(): w[owner.get(n, "?")] += k
print("distinct pages %d, writes %d, records %d: %.2f distinct pages per record" % (len(want), sum(want.values()), nrec, len(want) / nrec))
for name, k in c.most_common():
    print("%-40s %6d distinct (%.2f per record), %6d writes" % (name, k, k / nrec, w[name]))
