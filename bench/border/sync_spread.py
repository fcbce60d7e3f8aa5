#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# What spreading a checkpoint's page writes buys a committer on this disk
# (docs/BENCHMARKS.md, border, session 6). One thread appends 32 KB to a
# file and fdatasyncs it every 2 ms, as the writer's commits do; another
# writes random 4 KB pages into a 2 GB file as a checkpoint does, in the
# MODE given, for SECONDS; prints the commits' sync latency p50/p90/p99.
#   python3 bench/border/sync_spread.py DIR split|none|burst|unsynced|trickle|trickle_sync [SECONDS]
# split: N random pages, then sync_file_range (write-back) and fdatasync
# timed apart. burst: 5,000 pages then one fdatasync, once a second.
# unsynced: the same pages, never synced (the kernel writes them back).
# trickle_sync: 50 pages and an fdatasync every 10 ms. trickle: 50 pages and
# sync_file_range (write-back, no cache flush) every 10 ms. Writes 2 GB in DIR
# once (big.dat) and leaves it for the next run.
import os, random, threading, time, sys, ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
os.sync_file_range = lambda fd, o, n, f: libc.sync_file_range(fd, o, n, f)
PAGE = 4096
big = os.path.join(sys.argv[1], "big.dat")
N = 2 * 1024**3 // PAGE
if not os.path.exists(big) or os.path.getsize(big) < N * PAGE:
    with open(big, "wb") as f:
        blk = os.urandom(1 << 20)
        for _ in range(2048):
            f.write(blk)
        f.flush(); os.fsync(f.fileno())
fd = os.open(big, os.O_RDWR)
buf = os.urandom(PAGE)
SFR_WAIT_BEFORE, SFR_WRITE, SFR_WAIT_AFTER = 1, 2, 4
def ms(t0): return (time.perf_counter() - t0) * 1000

def split(n):
    for p in random.sample(range(N), n):
        os.pwrite(fd, buf, p * PAGE)
    t0 = time.perf_counter(); os.sync_file_range(fd, 0, 0, SFR_WAIT_BEFORE | SFR_WRITE | SFR_WAIT_AFTER); a = ms(t0)
    t0 = time.perf_counter(); os.fdatasync(fd); b = ms(t0)
    return a, b

mode = sys.argv[2]
if mode == "split":
    for n in (20, 100, 400, 2000):
        r = [split(n) for _ in range(3)]
        print(n, "pages: writeback %s ms, then fdatasync %s ms" % (
            "/".join("%.1f" % a for a, _ in r), "/".join("%.1f" % b for _, b in r)))
    sys.exit()

# committer + checkpointer
wal = os.open(os.path.join(sys.argv[1], "wal.dat"), os.O_RDWR | os.O_CREAT)
os.pwrite(wal, os.urandom(PAGE * 4096), 0); os.fsync(wal)
stop = False
lat = []
def committer():
    off = 0
    while not stop:
        t0 = time.perf_counter()
        os.pwrite(wal, os.urandom(PAGE * 8), off); off = (off + PAGE * 8) % (PAGE * 4000)
        os.fdatasync(wal)
        lat.append(ms(t0))
        time.sleep(0.002)
def checkpointer(kind, rate=5000):
    while not stop:
        if kind == "burst":          # 1 s of pages, then one fdatasync
            for p in random.sample(range(N), rate):
                os.pwrite(fd, buf, p * PAGE)
            os.fdatasync(fd); time.sleep(1.0)
        elif kind == "unsynced":     # pages left to the kernel (like partial passive checkpoints)
            for p in random.sample(range(N), rate):
                os.pwrite(fd, buf, p * PAGE)
            time.sleep(1.0)
        elif kind.startswith("trickle"):  # every 10 ms, rate/100 pages, then writeback (+wait)
            for p in random.sample(range(N), rate // 100):
                os.pwrite(fd, buf, p * PAGE)
            if kind == "trickle_sync":
                os.fdatasync(fd)
            else:
                os.sync_file_range(fd, 0, 0, SFR_WRITE | SFR_WAIT_AFTER)
            time.sleep(0.01)
        elif kind == "none":
            time.sleep(0.1)
threads = [threading.Thread(target=committer), threading.Thread(target=checkpointer, args=(mode,))]
for t in threads: t.start()
time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 8)
stop = True
for t in threads: t.join()
os.fdatasync(fd)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("%-13s commits %5d  p50 %.2f  p90 %.2f  p99 %.2f  max %.1f ms" % (mode, len(lat), q(.5), q(.9), q(.99), lat[-1]))
