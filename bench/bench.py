#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python half of the memmap benchmarks.

usage: bench.py [--size 1G] [--reps N] [--open-iterations N] [--dir DIR] [--tsv FILE] [--wall-clock]

Two groups, run as the C program runs its own: the contenders of a group
interleaved in one process, the order rotated every round, after one untimed
warm-up round, each reporting a checksum that must agree with the others.

  py_scan  sum the 64-bit words of a cached file with numpy:
           memmap.open + frombuffer, mmap.mmap + frombuffer (the reference),
           numpy.memmap, numpy.fromfile, and the same sum over a resident
           array (the ceiling)
  py_open  open, map, read one byte and close a 4 KiB file:
           memmap.open vs open() + mmap.mmap (the reference)

Needs numpy and the memmap extension (bench/run.sh finds the one it built).
"""

import argparse
import mmap
import os
import statistics
import sys
import time

import numpy

import memmap

BLOCK = 1 << 20
SMALL_FILE = 4096

# Both groups only compute and fault pages in, so they are timed with the
# thread's CPU clock, which other jobs on a busy machine disturb far less than
# the wall clock (--wall-clock switches back).
clock = time.thread_time
CLOCK_NAME = "cpu"


# --- Data -------------------------------------------------------------------------

def data_file(directory, size):
    """The C benchmark's data file when it has the wanted size, else one of our own."""
    shared = os.path.join(directory, "memmap-bench-data.bin")
    if os.path.exists(shared) and os.path.getsize(shared) == size:
        path = shared
    else:
        path = os.path.join(directory, "memmap-bench-py.bin")
        if not (os.path.exists(path) and os.path.getsize(path) == size):
            print("making %s (%d MiB)..." % (path, size >> 20), flush=True)
            rng = numpy.random.default_rng(42)
            with open(path, "wb") as f:
                for _ in range(size // BLOCK):
                    f.write(rng.integers(0, 2**64 - 1, BLOCK // 8, dtype=numpy.uint64, endpoint=True).tobytes())
                f.flush()
                os.fdatasync(f.fileno())
    # Read it once so that every contender finds it in the page cache.
    with open(path, "rb", buffering=0) as f:
        while f.read(BLOCK * 16):
            pass
    return path


def small_file(directory):
    path = os.path.join(directory, "memmap-bench-small-py.bin")
    with open(path, "wb") as f:
        f.write(bytes([1]) + bytes(SMALL_FILE - 1))
    return path


# --- Scan contenders: each returns (seconds, checksum) ------------------------------

def scan_memmap(path):
    t0 = clock()
    with memmap.open(path) as m:
        words = numpy.frombuffer(m, dtype=numpy.uint64)
        total = int(words.sum())
        del words  # the map cannot close while numpy holds its buffer
    return clock() - t0, total


def scan_mmap_frombuffer(path):
    t0 = clock()
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        words = numpy.frombuffer(mm, dtype=numpy.uint64)
        total = int(words.sum())
        del words
    return clock() - t0, total


def scan_numpy_memmap(path):
    t0 = clock()
    words = numpy.memmap(path, dtype=numpy.uint64, mode="r")
    total = int(words.sum())
    del words
    return clock() - t0, total


def scan_resident(words):
    """numpy's sum over an array already in memory: the ceiling for every contender,
    since all of them end in this same sum."""
    t0 = clock()
    total = int(words.sum())
    return clock() - t0, total


def scan_numpy_fromfile(path):
    t0 = clock()
    total = int(numpy.fromfile(path, dtype=numpy.uint64).sum())
    return clock() - t0, total


# --- Open/close contenders: each returns (seconds, checksum) for n iterations -------

def open_memmap(path, n):
    t0 = clock()
    touched = 0
    for _ in range(n):
        m = memmap.open(path)
        touched += m[0]
        m.close()
    return clock() - t0, touched


def open_file_and_mmap(path, n):
    t0 = clock()
    touched = 0
    for _ in range(n):
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            touched += mm[0]
            mm.close()
    return clock() - t0, touched


# --- Running and reporting -------------------------------------------------------------

class Group:
    def __init__(self, group_id, title, unit, work, reps):
        self.id, self.title, self.unit, self.work, self.reps = group_id, title, unit, work, reps
        self.contenders = []  # [name, function, is_reference, seconds]

    def add(self, name, run, is_reference=False):
        self.contenders.append([name, run, is_reference, []])

    def run(self):
        print("\n%s (%d rounds, %s time)" % (self.title, self.reps, "CPU" if CLOCK_NAME == "cpu" else "wall"),
              flush=True)
        expected = None
        for rnd in range(-1, self.reps):  # round -1 is the untimed warm-up
            for k in range(len(self.contenders)):
                name, run, _, seconds = self.contenders[(max(rnd, 0) + k) % len(self.contenders)]
                elapsed, checksum = run()
                if expected is None:
                    expected = checksum
                elif checksum != expected:
                    sys.exit("bench.py: %s computed %d where another contender computed %d"
                             % (name, checksum, expected))
                if rnd >= 0:
                    seconds.append(elapsed)

    def display(self, seconds):
        if self.unit == "bytes":
            return "%8.2f GB/s" % (self.work / seconds / 1e9)
        return "%8.0f ns/op" % (seconds / self.work * 1e9)

    def report(self, tsv):
        ref = statistics.median(next(c for c in self.contenders if c[2])[3])
        for name, _, is_reference, seconds in self.contenders:
            med = statistics.median(seconds)
            print("  %-38s %s %7.1f%% %7.2fx%s" % (name, self.display(med), 100 * (max(seconds) - min(seconds)) / med,
                                                ref / med, "  (reference)" if is_reference else ""))
            if tsv:
                ordered = sorted(seconds)
                q1, q3 = ordered[(len(ordered) - 1) // 4], ordered[len(ordered) - 1 - (len(ordered) - 1) // 4]
                tsv.write("timing\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\n"
                          % (self.id, self.title, name, is_reference, self.unit, CLOCK_NAME, self.work,
                             self.reps, med, min(seconds), max(seconds), q1, q3))
        sys.stdout.flush()


def parse_size(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if text[-1:].lower() in units:
        return int(text[:-1]) * units[text[-1].lower()]
    return int(text)


def main():
    parser = argparse.ArgumentParser(description="memmap's Python benchmarks")
    parser.add_argument("--size", default="1G", help="data file size (default 1G)")
    parser.add_argument("--reps", type=int, default=0, help="rounds (default: 9 scan, 11 open/close)")
    parser.add_argument("--open-iterations", type=int, default=10000, help="open/close iterations per round")
    parser.add_argument("--dir", default=".", help="where data files live")
    parser.add_argument("--tsv", help="write result rows here")
    parser.add_argument("--wall-clock", action="store_true", help="time with the wall clock, not CPU time")
    args = parser.parse_args()
    if args.wall_clock:
        global clock, CLOCK_NAME
        clock, CLOCK_NAME = time.perf_counter, "wall"
    size = parse_size(args.size)
    if size <= 0 or size % BLOCK:
        sys.exit("bench.py: the size must be a positive multiple of 1 MiB")
    tsv = open(args.tsv, "w") if args.tsv else None

    path = data_file(args.dir, size)
    scan = Group("py_scan", "Python: sum a cached file with numpy", "bytes", size, args.reps or 9)
    scan.add("mmap.mmap + numpy.frombuffer", lambda: scan_mmap_frombuffer(path), True)
    scan.add("memmap.open + numpy sum", lambda: scan_memmap(path))
    scan.add("numpy.memmap", lambda: scan_numpy_memmap(path))
    scan.add("numpy.fromfile", lambda: scan_numpy_fromfile(path))
    resident = numpy.fromfile(path, dtype=numpy.uint64)
    scan.add("resident array (ceiling, no file)", lambda: scan_resident(resident))
    scan.run()
    scan.report(tsv)
    del resident

    small = small_file(args.dir)
    n = args.open_iterations
    opening = Group("py_open", "Python: open, map, read 1 byte, close a 4 KiB file", "ops", n, args.reps or 11)
    opening.add("open() + mmap.mmap", lambda: open_file_and_mmap(small, n), True)
    opening.add("memmap.open + close", lambda: open_memmap(small, n))
    opening.run()
    opening.report(tsv)

    if tsv:
        tsv.close()


if __name__ == "__main__":
    main()
