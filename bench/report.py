#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the benchmark's result rows into bench/results/results.md and a chart.

usage: report.py --out DIR [--command CMD] [--note TEXT] [--section TITLE] RESULTS.tsv...

With --section, the results become a section "## TITLE" of DIR/results.md,
replacing a section of that title or added at the end; the rest of the file
and the chart are left as they are.

The inputs are the rows memmap_bench (C) and bench.py (Python) write:
  timing <id> <title> <contender> <is_reference> <unit> <clock> <work> <reps> <median_s> <min_s> <max_s> <q1_s> <q3_s>
  value  <id> <title> <name> <unit> <value>
Only the standard library is used, so this runs without numpy or the bindings.
The chart is drawn by gnuplot when it is installed.
"""

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
from collections import OrderedDict


# --- Reading the rows ---------------------------------------------------------

class Timing:
    def __init__(self, fields):
        (self.group, self.title, self.name, ref, self.unit, self.clock, work, reps,
         median, low, high, q1, q3) = fields
        self.is_reference = ref == "1"
        self.work = float(work)
        self.reps = int(reps)
        self.median = float(median)
        self.min = float(low)
        self.max = float(high)
        self.q1 = float(q1)
        self.q3 = float(q3)

    def display(self):
        """The figure a reader wants: throughput, time per operation, or time per run."""
        if self.unit == "bytes":
            return "%.2f GB/s" % (self.work / self.median / 1e9)
        if self.unit == "ops":
            per_op = self.median / self.work
            return "%.0f ns" % (per_op * 1e9) if per_op < 1e-4 else "%.2f ms" % (per_op * 1e3)
        return "%.1f ms" % (self.median * 1e3)

    def spread(self):
        """The whole range of the rounds, relative to the median."""
        return (self.max - self.min) / self.median

    def noise(self):
        """The interquartile range relative to the median: the noise without the outliers."""
        return (self.q3 - self.q1) / self.median


class Group:
    def __init__(self, group_id, title):
        self.id = group_id
        self.title = title
        self.rows = []

    def reference(self):
        for row in self.rows:
            if row.is_reference:
                return row
        return self.rows[0] if self.rows else None

    def find(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        return None

    def speed(self, name, against=None):
        """How many times faster name is than against (default: the reference)."""
        row = self.find(name)
        other = self.find(against) if against else self.reference()
        if row is None or other is None:
            return None
        return other.median / row.median


def read_results(paths):
    groups = OrderedDict()
    values = OrderedDict()
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if fields[0] == "timing" and len(fields) == 14:
                    row = Timing(fields[1:])
                    group = groups.setdefault(row.group, Group(row.group, row.title))
                    group.rows.append(row)
                elif fields[0] == "value" and len(fields) == 6:
                    _, group_id, title, name, unit, value = fields
                    values.setdefault(group_id, (title, []))[1].append((name, unit, float(value)))
    return groups, values


def value_of(values, group_id, name):
    for entry_name, _, value in values.get(group_id, ("", []))[1]:
        if entry_name == name:
            return value
    return None


# --- The machine ----------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return 0.0


def filesystem_of(path):
    """The file system type of the mount that holds path, from /proc/mounts."""
    best, fstype = "", "unknown"
    path = os.path.realpath(path)
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                mount = parts[1]
                if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
                    best, fstype = mount, parts[2]
    except OSError:
        pass
    return fstype


def machine_lines(args):
    lines = [
        "- CPU: %s, %d logical cores" % (cpu_model(), os.cpu_count() or 0),
        "- Memory: %.1f GiB" % memory_gib(),
        "- Kernel: %s %s" % (platform.system(), platform.release()),
        "- Data on: %s" % filesystem_of(args.data_dir),
    ]
    if args.revision:
        lines.append("- memmap: commit %s" % args.revision)
    if args.compiler:
        lines.append("- Compiler: %s" % args.compiler)
    if args.python:
        lines.append("- Python: %s" % args.python)
    if args.load:
        lines.append("- Load average (1 min) before and after the run: %s" % args.load)
    return lines


# --- Targets --------------------------------------------------------------------

class Check:
    """One target of issue 5: a ratio, the bound it must meet, the noise of the
    two figures it came from, and a note."""

    def __init__(self, label, value, bound, higher_is_better, note="", noise=0.0, unit="×"):
        self.unit = unit
        self.label = label
        self.value = value
        self.bound = bound
        self.higher_is_better = higher_is_better
        self.note = note
        self.noise = noise

    def status(self):
        if self.value is None:
            return "not measured"
        ok = self.value >= self.bound if self.higher_is_better else self.value <= self.bound
        if ok:
            return "met"
        if abs(self.value - self.bound) / self.bound <= self.noise:
            return "missed, within the noise (±%.0f%%)" % (100 * self.noise)
        return "**missed**"

    def measured(self):
        if self.value is None:
            return "n/a"
        return "%.3f×" % self.value if self.unit == "×" else "%.1f %s" % (self.value, self.unit)

    def wanted(self):
        if self.unit != "×":
            return ("≥ %g %s" if self.higher_is_better else "< %g %s") % (self.bound, self.unit)
        return ("≥ %.2f×" if self.higher_is_better else "≤ %.2f×") % self.bound


def timed_check(label, group, name, against, bound, higher_is_better, note="", as_time=False):
    """A target on the speed of name against another contender (or, as_time, on its time)."""
    row = group.find(name)
    other = group.find(against) if against else group.reference()
    if row is None or other is None:
        return Check(label, None, bound, higher_is_better, note)
    ratio = other.median / row.median
    # Half of each figure's interquartile range is how far its median may be off; the ratio inherits both.
    noise = (row.noise() + other.noise()) / 2
    return Check(label, 1 / ratio if as_time else ratio, bound, higher_is_better, note, noise)


def per_resize_note(before):
    """Why geometric growth cannot be 10x the per-record resize: the arithmetic,
    from the fastest rounds (the least disturbed) before the final sync."""
    geo = before.find("memmap, geometric resize")
    naive = before.find("memmap, resize per record")
    if geo is None or naive is None:
        return ""
    records = geo.work / 4096
    record_us = geo.min / records * 1e6
    resize_us = (naive.min - geo.min) / records * 1e6
    if resize_us <= 0:
        return ""
    return ("before the final sync the ratio is %.2f×; in the fastest rounds a one-record resize (fstat, "
            "getrlimit, fallocate, mremap) costs %.1f µs and producing a record %.1f µs: 10× would need "
            "resizes %.1f× slower than they are" % (naive.median / geo.median, resize_us, record_us,
                                                   9 * record_us / resize_us))


def python_scan_note(scan, pyscan):
    """What bounds a Python scan that maps the file: C with raw mmap, and memory already resident."""
    notes = []
    c_raw, py_memmap = scan.find("raw mmap"), pyscan.find("numpy.memmap")
    if c_raw and py_memmap and c_raw.unit == py_memmap.unit == "bytes":
        c_speed = c_raw.work / c_raw.median
        py_speed = py_memmap.work / py_memmap.median
        notes.append("a C program mapping the file with raw mmap scans at %.2f× numpy.memmap's speed" %
                     (c_speed / py_speed))
    ceiling = pyscan.speed("resident array (ceiling, no file)", "numpy.memmap")
    if ceiling is not None:
        notes.append("numpy's sum over an array already in memory (no file, no faults) is %.2f× numpy.memmap"
                     % ceiling)
    return "; ".join(notes)


def checks(groups, values):
    g = lambda key: groups.get(key, Group(key, key))
    scan, rand, opn, app, pyscan, pyopen = (g("scan"), g("random"), g("open"), g("append"),
                                            g("py_scan"), g("py_open"))
    out = []

    out.append(timed_check("scan: memmap vs raw mmap (speed)", scan, "memmap", None, 0.98, True))
    out.append(timed_check("scan: memmap vs pread (speed)", scan, "memmap", "pread, 1 MiB buffer", 1.3, True))
    out.append(timed_check("random reads: memmap vs raw mmap (speed)", rand, "memmap", None, 0.98, True))
    ceiling = rand.speed("resident copy in huge pages (ceiling)", "pread, 4 KiB buffer")
    out.append(timed_check("random reads: memmap vs pread (speed)", rand, "memmap", "pread, 4 KiB buffer", 2.0, True,
                           "" if ceiling is None else
                           "a resident copy in huge pages, with no file at all, is %.2f× pread: the ceiling" % ceiling))

    out.append(timed_check("open/map/close: memmap vs raw (time)", opn, "memmap_open/memmap_close", None,
                           1.10, False, as_time=True))
    ir_lib = value_of(values, "open_ir", "memmap_open/memmap_close")
    ir_raw = value_of(values, "open_ir", "raw open/fstat/mmap/munmap/close")
    ir_floor = value_of(values, "open_ir", "raw + malloc'd handle (floor)")
    out.append(Check("open/map/close: memmap vs raw (instructions)",
                     ir_lib / ir_raw if ir_lib and ir_raw else None, 1.2, False,
                     "" if not (ir_floor and ir_raw) else
                     "the raw calls plus one malloc/free of a handle are already %.2f× raw" % (ir_floor / ir_raw)))

    out.append(timed_check("append: memmap geometric vs write() (speed)", app, "memmap, geometric resize", None,
                           0.9, True))
    out.append(timed_check("append: memmap geometric vs resize per record (speed)", app,
                           "memmap, geometric resize", "memmap, resize per record", 10.0, True,
                           per_resize_note(g("append_nosync"))))

    out.append(timed_check("Python scan: memmap vs mmap + frombuffer (speed)", pyscan, "memmap.open + numpy sum",
                           "mmap.mmap + numpy.frombuffer", 1.0, True))
    out.append(timed_check("Python scan: memmap vs numpy.memmap (speed)", pyscan, "memmap.open + numpy sum",
                           "numpy.memmap", 1.3, True, python_scan_note(scan, pyscan)))
    out.append(timed_check("Python open/close: memmap vs open() + mmap.mmap (time)", pyopen, "memmap.open + close",
                           "open() + mmap.mmap", 0.8, False, as_time=True))
    return out


COLD_PATH = "memmap + SEQUENTIAL advice"
RAW_COLD = ("raw mmap", "raw mmap + MADV_SEQUENTIAL", "raw mmap + MAP_POPULATE", "pread, 1 MiB buffer")


def cache_checks(groups, values):
    """The targets of issue 13: the documented cold path, and huge pages."""
    cold = groups.get("cold_scan", Group("cold_scan", "cold_scan"))
    tlb = groups.get("tlb", Group("tlb", "tlb"))
    raw = [row for row in cold.rows if row.name in RAW_COLD]
    best = min(raw, key=lambda row: row.median).name if raw else None
    granted = value_of(values, "tlb_granted", "memmap_anon + MEMMAP_HUGE")
    return [
        timed_check("cold scan: %s vs the best raw contender (%s)" % (COLD_PATH, best or "none"), cold,
                    COLD_PATH, best, 1.0, True),
        timed_check("cold scan: %s vs raw mmap" % COLD_PATH, cold, COLD_PATH, "raw mmap", 1.2, True),
        timed_check("random reads over anonymous memory: MEMMAP_HUGE vs normal pages", tlb,
                    "memmap_anon + MEMMAP_HUGE", "memmap_anon, normal pages", 1.3, True,
                    "" if granted is None else ("huge pages granted in every round" if granted else
                                                "**huge pages were refused in some round**")),
    ]


GROW_RESERVED = "memmap with a capacity (reserve)"
GROW_RWLOCK = "rwlock around each resize (no capacity)"
RECORD_RESERVED = "memmap, resize per record inside a capacity"
RECORD_RAW = "raw fallocate + mmap MAP_FIXED per record"


def writer_note(values):
    """How often each writer had to give up its core: the rwlock's cost on a busy machine."""
    locked = value_of(values, "append_read_gaps", GROW_RWLOCK + ": writer context switches per record")
    free = value_of(values, "append_read_gaps", GROW_RESERVED + ": writer context switches per record")
    if locked is None or free is None:
        return ""
    return ("the writer lost its core %.2f times per record with the rwlock and %.2f times with a capacity "
            "(2 cores, 3 busy threads)" % (locked, free))


def record_note(before):
    """Why a resize per record is slower than write(): the per-record costs, from the fastest rounds
    (the least disturbed) before the final sync."""
    write, reserved, raw = before.find("write() per record"), before.find(RECORD_RESERVED), before.find(RECORD_RAW)
    if write is None or reserved is None or raw is None:
        return ""
    per_record = lambda row: row.min / (row.work / 4096) * 1e6
    return ("before the final sync, in the fastest rounds: write() %.1f µs per record, a resize inside the "
            "capacity plus the copy %.1f µs, and the same two system calls by hand (fallocate + mmap MAP_FIXED, "
            "no library) %.1f µs, %.2f× write(): the floor of any design that allocates and maps per record"
            % (per_record(write), per_record(reserved), per_record(raw), write.min / raw.min))


def grow_checks(groups, values):
    """The targets of issue 11: appending while others read, and one resize per record."""
    g = lambda key: groups.get(key, Group(key, key))
    p999 = value_of(values, "append_read_gaps", GROW_RESERVED + ": p99.9 gap")
    return [
        timed_check("append while reading: writer, memmap with a capacity vs rwlock (speed)", g("append_read"),
                    GROW_RESERVED, GROW_RWLOCK, 2.0, True, writer_note(values)),
        Check("append while reading: readers' p99.9 gap, memmap with a capacity", p999, 100, False,
              "the time from the end of one 64 KiB chunk read to the end of the next, over every chunk both "
              "readers read", unit="µs"),
        timed_check("one resize per 4 KiB record inside a capacity vs write() per record (speed)",
                    g("record_resize"), RECORD_RESERVED, None, 0.8, True, record_note(g("record_resize_nosync"))),
    ]


RING_GROUPS = (("ring_4k", "4 KiB"), ("ring_64k", "64 KiB"), ("ring_1m", "1 MiB"))
RING_STRADDLE = "ring, records straddling the wrap"


def ring_stream_note(group, values, size):
    """The ring's and the pipe's speed, the figures a ratio hides, and the cores the two processes
    had: far below 2, other jobs held the machine and the ring could not run its two sides at once."""
    ring, pipe = group.find("ring"), group.find("pipe")
    if ring is None or pipe is None:
        return ""
    note = "ring %s, pipe %s" % (ring.display(), pipe.display())
    cores = value_of(values, "ring_cores", "%s records: ring" % size)
    if cores is not None:
        note += "; the ring's two processes had %.2f of the 2 cores" % cores
    return note


def ring_checks(groups, values):
    """The targets of issue 12: the ring against a pipe, and records across the wrap."""
    g = lambda key: groups.get(key, Group(key, key))
    out = [
        timed_check("64 KiB records: ring vs pipe (speed)", g("ring_64k"), "ring", "pipe", 3.0, True,
                    ring_stream_note(g("ring_64k"), values, "64 KiB")),
        timed_check("1 MiB records: ring vs pipe (speed)", g("ring_1m"), "ring", "pipe", 5.0, True,
                    ring_stream_note(g("ring_1m"), values, "1 MiB")),
    ]
    for group_id, size in RING_GROUPS:
        out.append(timed_check("%s records straddling the wrap vs not (speed)" % size, g(group_id), RING_STRADDLE,
                               "ring", 1.0, True, "no slower: 1.00× or more, within the noise"))
    ring = value_of(values, "ring_pingpong", "ring (spin, then futex): median")
    pipe = value_of(values, "ring_pingpong", "pipe: median")
    asleep = value_of(values, "ring_pingpong", "ring (futex at once, no spin): median")
    if ring and pipe:
        out.append(Check("one-byte round trip: ring (spin, then futex) vs pipe (median, speed)", pipe / ring, 1.0,
                         True, "no target in the issue; sleeping at once on the futex: %.1f µs, a pipe: %.1f µs"
                         % (asleep or 0.0, pipe)))
    return out


# --- Markdown -------------------------------------------------------------------

def markdown(groups, values, args):
    out = ["# memmap benchmark results", ""]
    out.append("Produced by `%s` on %s UTC." % (args.command or "bench/run.sh",
                                                datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")))
    out.append("")
    out += machine_lines(args)
    out.append("")
    out.append("Each contender ran interleaved with the others of its group in one process, "
               "the order rotated every round, after one untimed warm-up round. "
               "*median* is over the rounds; *IQR* is the interquartile range / median (the noise); "
               "*range* is (max − min) / median (the worst disturbance); "
               "*vs ref* is how many times faster than the group's reference (above 1: faster). "
               "Groups that only compute and fault pages in are timed with the thread's CPU clock, which "
               "other jobs on a shared machine disturb far less than the wall clock; append and sync, "
               "which wait on the disk, with the wall clock.")
    out.append("")
    out += group_tables(groups, values, "loop")
    out += targets_table("## Targets (issue 5)", checks(groups, values))
    if "cold_scan" in groups or "tlb" in groups:
        out += targets_table("## Targets (issue 13)", cache_checks(groups, values))
    if "append_read" in groups or "record_resize" in groups:
        out += targets_table("## Targets (issue 11)", grow_checks(groups, values))
    if "ring_64k" in groups or "ring_1m" in groups:
        out += targets_table("## Targets (issue 12)", ring_checks(groups, values))
    if args.note:
        out.append(args.note)
        out.append("")
    out.append("![memmap against the raw calls](chart.png)")
    out.append("")
    return "\n".join(out)


def group_tables(groups, values, value_label="contender"):
    """A table per timed group, then one per group of plain values."""
    out = []
    for group in groups.values():
        clock = "CPU time" if group.rows[0].clock == "cpu" else "wall time"
        out.append("### %s (%d rounds, %s)" % (group.title, group.rows[0].reps, clock))
        out.append("")
        out.append("| contender | median | IQR | range | vs ref |")
        out.append("|---|---:|---:|---:|---:|")
        ref = group.reference()
        for row in group.rows:
            name = row.name + (" *(reference)*" if row is ref else "")
            out.append("| %s | %s | %.0f%% | %.0f%% | %.2f× |" % (name, row.display(), 100 * row.noise(),
                                                              100 * row.spread(), ref.median / row.median))
        out.append("")
    for title, entries in values.values():
        out.append("### " + title)
        out.append("")
        out.append("| %s | value |" % value_label)
        out.append("|---|---:|")
        for name, unit, value in entries:
            out.append("| %s | %s %s |" % (name, ("%.2f" if abs(value) < 100 else "%.0f") % value, unit))
        out.append("")
    return out


def targets_table(heading, found):
    out = [heading, "", "| target | measured | wanted | status | note |", "|---|---:|---:|---|---|"]
    for c in found:
        out.append("| %s | %s | %s | %s | %s |" % (c.label, c.measured(), c.wanted(), c.status(), c.note))
    out.append("")
    return out


CACHE_INTRO = ("Every cold round first evicts the data file (fdatasync, posix_fadvise DONTNEED) and checks with "
               "memmap_residency that none of it is left, untimed; then it opens, maps, reads and closes. "
               "Contenders are interleaved, order rotated every round, after one warm-up round; IQR is the "
               "interquartile range / median, range is (max − min) / median. The cold groups use the wall "
               "clock (the disk is the cost), the TLB group the thread's CPU clock.")

GROW_INTRO = ("Every round starts from a new file (the last one removed, then syncfs), untimed. "
              "*append while reading*: the writer appends 4 KiB records (memmap_resize by one record, the record "
              "written in place, then the record count published with a release store) while two reader "
              "threads, started before the timing, read the published records in chunks of up to 64 KiB (new "
              "records first, else the published part again), checking every record; the timing is the "
              "writer's. With a capacity (memmap_reserve of the whole size first) the readers take no lock; "
              "without one, a writer-preferring pthread rwlock is held for writing around every resize and for "
              "reading around every chunk, and memmap_data() is fetched again under it. A reader's gap is the "
              "time from the end of one chunk read to the end of the next (lock wait, read, and time off its "
              "core), over every chunk of both readers in the timed rounds. No contender syncs: durability is "
              "not what this group measures. *one resize per record*: the file is produced by one "
              "memmap_resize per record and a memcpy, against write() per record, durable at the end (as the "
              "append group), and also timed before the final sync. Contenders are interleaved, order rotated "
              "every round, after one warm-up round; wall clock.")


RING_INTRO = ("*ring_stream*: a parent produces the bytes in records and a forked child checks every 64-bit word "
              "(the same generator and checker for every contender). Through the ring, ring_pipe's protocol "
              "(examples/ring_protocol.h: an anonymous memmap_ring of 16 records, at least 256 KiB, and a control "
              "block with 64-bit head and tail counters, acquire/release, spin then futex) has the producer write "
              "each record in place in the ring and the consumer check it in place; through a pipe (its default "
              "64 KiB buffer) and an AF_UNIX socketpair the producer fills a user buffer and write()s it, the "
              "consumer read()s whole records into a user buffer and checks them there. *straddling the wrap*: "
              "the ring's counters start half a record in, so one record per lap crosses the end of the ring "
              "(the plain ring's never do). One round: fork, the whole stream, the child's exit; wall clock, "
              "contenders interleaved, order rotated every round, after one warm-up round. *ring_pingpong*: one "
              "byte there and back, one ring (or pipe) each way, every round trip timed; the ring's sides spin "
              "64 polls (about 3 µs here) before sleeping on the futex, or sleep at once. Other jobs share this "
              "2-core machine: the load average is in the list above, and *cores* says how much of the machine "
              "each contender's two processes had (CPU time over wall time).")


def section_markdown(groups, values, args):
    """Groups run on their own (page cache, growing in place) as one section of results.md."""
    growing = "append_read" in groups or "record_resize" in groups
    ringing = any(group_id in groups for group_id, _ in RING_GROUPS) or "ring_pingpong" in values
    out = ["## " + args.section, ""]
    out.append("Produced by `%s` on %s UTC." % (args.command or "bench/run.sh",
                                                datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")))
    out.append("")
    out += machine_lines(args)
    out.append("")
    out.append(GROW_INTRO if growing else RING_INTRO if ringing else CACHE_INTRO)
    out.append("")
    out += group_tables(groups, values)
    if growing:
        out += targets_table("### Targets (issue 11)", grow_checks(groups, values))
    elif ringing:
        out += targets_table("### Targets (issue 12)", ring_checks(groups, values))
    else:
        out += targets_table("### Targets (issue 13)", cache_checks(groups, values))
    if args.note:
        out.append(args.note)
        out.append("")
    return "\n".join(out)


def replace_section(path, title, section):
    """Puts section in place of the "## title" section of the file at path, or at its end."""
    text = open(path).read() if os.path.exists(path) else ""
    lines = text.split("\n")
    heading = "## " + title
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = section.rstrip("\n").split("\n") + [""]
        text = "\n".join(lines)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n")


# --- Chart ------------------------------------------------------------------------

def chart_rows(groups):
    """(label, speed vs reference, is memmap) for every contender that is not a reference."""
    short = {"scan": "scan", "random": "random", "open": "open/close", "append": "append",
             "sync": "sync", "py_scan": "py scan", "py_open": "py open",
             "append_read": "append+read", "record_resize": "record resize"}
    rows = []
    for group in groups.values():
        if group.id not in short:
            continue
        ref = group.reference()
        for row in group.rows:
            if row is not ref:
                is_memmap = row.name.startswith("memmap")
                rows.append(("%s: %s" % (short[group.id], row.name), ref.median / row.median, is_memmap))
    return rows


def draw_chart(groups, out_dir):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("report.py: gnuplot not found, no chart drawn", file=sys.stderr)
        return
    rows = chart_rows(groups)
    data_path = os.path.join(out_dir, "chart.tmp")
    with open(data_path, "w") as f:
        for i, (label, ratio, is_memmap) in enumerate(rows):
            f.write('%d "%s" %.4f %d\n' % (i, label.replace('"', "'"), ratio, 1 if is_memmap else 0))
    script = """
set terminal pngcairo size 1400,800 font "sans,10" noenhanced
set output "{png}"
set title "Speed relative to each group's reference, above 1 is faster. Blue: memmap; grey: other ways and ceilings.\\nReferences: raw mmap (scan, random), the raw calls (open/close), write() (append, record resize), msync (sync), the rwlock (append+read), mmap.mmap (Python)."
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y 2
set yrange [0.03:4]
set ytics ("1/32" 0.03125, "1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4)
set grid ytics
set xtics rotate by -40 left
set bmargin 14
set rmargin 22
set key off
plot "{data}" using 1:3:(column(4) > 0 ? 4749480 : 10526880):xtic(2) with boxes lc rgb variable, \\
     1 with lines lw 2 lc rgb "#c03030", \\
     "{data}" using 1:3:(sprintf("%.2f", $3)) with labels offset 0,0.8
""".format(png=os.path.join(out_dir, "chart.png"), data=data_path)
    try:
        subprocess.run([gnuplot], input=script, text=True, check=True)
    finally:
        os.remove(data_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for results.md and chart.png")
    parser.add_argument("--command", default="", help="the command that produced the results")
    parser.add_argument("--data-dir", default=".", help="where the data files were")
    parser.add_argument("--compiler", default="")
    parser.add_argument("--revision", default="", help="the commit of the library measured")
    parser.add_argument("--python", default="")
    parser.add_argument("--load", default="")
    parser.add_argument("--note", default="", help="a paragraph added after the targets")
    parser.add_argument("--section", default="", help="write the results as this section of results.md")
    parser.add_argument("results", nargs="+")
    args = parser.parse_args()

    groups, values = read_results(args.results)
    if not groups:
        sys.exit("report.py: no results in %s" % " ".join(args.results))
    os.makedirs(args.out, exist_ok=True)
    if args.section:
        text = section_markdown(groups, values, args)
        replace_section(os.path.join(args.out, "results.md"), args.section, text)
        print(text)
        return
    text = markdown(groups, values, args)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    draw_chart(groups, args.out)
    print(text)


if __name__ == "__main__":
    main()
