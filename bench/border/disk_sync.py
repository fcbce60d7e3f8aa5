#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What the disk's own fdatasync costs, with nothing of ubur in the way: the floor under the
border benchmark's paced p99 (docs/BENCHMARKS.md, border, session 8).

A "log" file gets RATE commits a second, each FRAMES 4 KB pages written with pwrite and then
one fdatasync, as the writer's pipeline does; the latency of each fdatasync is recorded.
Three ways, each for SECONDS:
  append     the file grows with every commit (ext4 must also commit the new size and blocks)
  overwrite  the same pages rewritten in a file already that long (a restarted WAL)
  +ckpt      overwrite, with a second thread writing random pages into a large "database"
             file beside it, 5,000 a second, synced every 32 pages (the checkpointer's trickle)
Prints p50, p90, p99, p99.9 and the longest, in ms. The files go in DIR (default: the
benchmark database's directory, the same disk), removed at the end.
    flock /tmp/ubur-bench.lock bench/border/disk_sync.py [DIR]
Environment: RATE (250), FRAMES (10), SECONDS (10), CKPT_PAGES (5000 a second), DB_MB (2048).
"""
import os
import random
import sys
import threading
import time

RATE = int(os.environ.get("RATE", "250"))
FRAMES = int(os.environ.get("FRAMES", "10"))
SECONDS = float(os.environ.get("SECONDS", "10"))
CKPT_PAGES = int(os.environ.get("CKPT_PAGES", "5000"))
DB_MB = int(os.environ.get("DB_MB", "2048"))
PAGE = 4096


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def log_run(path, grow, stop_flag=None):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    buf = os.urandom(PAGE * FRAMES)
    n = int(RATE * SECONDS)
    span = n * FRAMES * PAGE
    if not grow:  # the file is already that long and on disk: rewrites only
        os.pwrite(fd, b"\0" * (1 << 20), 0)
        for off in range(0, span, 1 << 20):
            os.pwrite(fd, b"\1" * (1 << 20), off)
        os.fsync(fd)
    lat = []
    t0 = time.monotonic()
    for i in range(n):
        due = t0 + i / RATE
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        os.pwrite(fd, buf, i * FRAMES * PAGE)
        s = time.monotonic()
        os.fdatasync(fd)
        lat.append((time.monotonic() - s) * 1000)
    os.close(fd)
    os.unlink(path)
    return lat


def ckpt_thread(path, stop):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    size = DB_MB << 20
    os.ftruncate(fd, size)
    page = os.urandom(PAGE)
    pages = size // PAGE
    t0 = time.monotonic()
    i = 0
    while not stop.is_set():
        due = t0 + i / CKPT_PAGES
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        os.pwrite(fd, page, random.randrange(pages) * PAGE)
        i += 1
        if i % 32 == 0:
            os.fdatasync(fd)
    os.close(fd)
    os.unlink(path)


def report(name, lat):
    print("%-10s %5d syncs: p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, longest %.2f ms"
          % (name, len(lat), pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 99.9), max(lat)))
    sys.stdout.flush()


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "../../build/bench")
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "disk-sync-log.%d" % os.getpid())
    db = os.path.join(d, "disk-sync-db.%d" % os.getpid())
    print("%d commits/s of %d pages each, %g s per way, in %s, load %s"
          % (RATE, FRAMES, SECONDS, d, open("/proc/loadavg").read().split()[0]))
    report("append", log_run(log, True))
    report("overwrite", log_run(log, False))
    stop = threading.Event()
    th = threading.Thread(target=ckpt_thread, args=(db, stop))
    th.start()
    time.sleep(0.5)
    report("+ckpt", log_run(log, False))
    stop.set()
    th.join()


if __name__ == "__main__":
    main()
