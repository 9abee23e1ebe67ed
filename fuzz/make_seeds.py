#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seeds of fuzz/corpus: short call sequences that reach
the interesting states at once (a file shrunk under its maps, a COPY map, a
protected page, shared memory grown and truncated).  The byte layout is the
one fuzz_api.c reads: an opcode byte (taken modulo 10), then each operation's
own bytes; a size is two bytes, pages then a shape selector (0: whole pages,
1: plus half a page).
"""
import os

OPEN_FILE, OPEN_SHM, ANON, WRITE, READ, PROBE, RESIZE, PROTECT, HINT, TRUNCATE = range(10)
R, W, COPY, W_TRUNC = range(4)  # access index of op_open
CREATE, EXCL, SPARSE, POPULATE, AT_OFFSET = 1, 2, 4, 8, 16


def size(pages, half=False):
    return [pages, 1 if half else 0]


SEEDS = {
    "truncated-under-map": [
        OPEN_FILE, 0, W, CREATE, *size(3),
        WRITE, 0, 0x41, *size(0), *size(2, True),
        TRUNCATE, 0, *size(1),
        READ, 0, *size(0), *size(3),
        PROBE, 0, 1, *size(0), *size(0),
        RESIZE, 0, 0, *size(5),
        READ, 0, *size(0), *size(5),
        HINT, 0, 3, 0,
    ],
    "shm-anon-protect": [
        OPEN_SHM, 1, W, CREATE, *size(2),
        ANON, 2, *size(2), 0,
        PROTECT, 1, 0, *size(0, True), 10,
        HINT, 2, 0, 5,
        RESIZE, 2, 0, *size(4),
        TRUNCATE, 1, *size(1),
        READ, 1, *size(0), *size(2),
    ],
    "copy-and-truncate": [
        OPEN_FILE, 0, W, CREATE, *size(2),
        OPEN_FILE, 1, COPY, 0, *size(0),
        WRITE, 1, 0x55, *size(0), *size(1),
        READ, 0, *size(0), *size(2),
        OPEN_FILE, 2, W_TRUNC, 0, *size(1),
        READ, 1, *size(0), *size(2),
        PROBE, 0, 0, *size(0), *size(0),
    ],
    "offset-sparse-grow": [
        OPEN_FILE, 0, W, CREATE | SPARSE | AT_OFFSET, *size(1, True), *size(2),
        OPEN_FILE, 1, R, 0, *size(0),
        RESIZE, 0, 1, *size(4),
        RESIZE, 1, 2, *size(1),
        HINT, 0, 1, 0,
        HINT, 0, 2, 0,
    ],
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(here, exist_ok=True)
for name, ops in SEEDS.items():
    with open(os.path.join(here, "seed-" + name), "wb") as f:
        f.write(bytes(b & 0xFF for b in ops))
