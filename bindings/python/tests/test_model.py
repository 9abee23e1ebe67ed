# SPDX-License-Identifier: MIT
"""Random operation sequences checked against a model (fixed seeds: reproducible).

memmap.Map against a bytearray, and memmap.mmap against the standard mmap.mmap,
with every result and exception type compared after each step.
"""
import mmap as std_mmap
import random

import pytest

import memmap

SIZE = 3 * memmap.PAGE_SIZE + 123


def random_index(rng, size):
    return rng.choice([0, size - 1, size, -1, -size, -size - 1, rng.randrange(-2 * size, 2 * size)])


def random_slice(rng, size):
    def bound():
        return rng.choice([None, 0, size, -1, rng.randrange(-2 * size, 2 * size)])
    return slice(bound(), bound(), rng.choice([None, 1, 1, 2, -1, -3, 1000]))


def apply(target, rng_state, op):
    """Runs op on target; returns ("ok", value) or ("raises", type)."""
    rng = random.Random(rng_state)
    size = len(target)
    try:
        if op == "getitem":
            return ("ok", target[random_index(rng, size)])
        if op == "getslice":
            return ("ok", bytes(target[random_slice(rng, size)]))
        if op == "setitem":
            target[random_index(rng, size)] = rng.choice([0, 255, 256, -1, 17])
            return ("ok", None)
        if op == "setslice":
            key = random_slice(rng, size)
            count = len(range(*key.indices(size)))
            value = bytes(rng.randrange(256) for _ in range(count + rng.choice([0, 0, 0, 1, -1])))
            target[key] = value
            return ("ok", None)
    except Exception as e:  # noqa: BLE001  (the type is what is compared)
        return ("raises", type(e))
    raise AssertionError(op)


@pytest.mark.parametrize("seed", range(8))
def test_map_behaves_like_a_bytearray(make_file, seed):
    rng = random.Random(seed)
    initial = bytes(rng.randrange(256) for _ in range(SIZE))
    model = bytearray(initial)
    with memmap.open(make_file(initial), "r+") as m:
        for step in range(400):
            op = rng.choice(["getitem", "getslice", "setitem", "setslice"])
            state = rng.random()
            before = bytes(model)
            expected = apply(model, state, op)
            # A slice assignment of another length resizes a bytearray; a map refuses.
            if len(model) != SIZE:
                model[:] = before
                assert apply(m, state, op)[0] == "raises"
                continue
            assert apply(m, state, op) == expected, (seed, step, op)
            assert m[:] == bytes(model)


DROPIN_OPS = ["getitem", "getslice", "setitem", "setslice", "read", "read_byte", "write", "write_byte",
              "seek", "find", "rfind", "move", "readline", "tell"]


def empty_past_the_end(m, needle, bounds):
    """Python 3.15 finds nothing past the end, not even b''; 3.11 finds b'' at the end."""
    start = bounds[0] if bounds else m.tell()
    return needle == b"" and start > len(m)


def apply_dropin(m, rng_state, op):
    rng = random.Random(rng_state)
    size = len(m)
    try:
        if op in ("getitem", "getslice", "setitem", "setslice"):
            return apply(m, rng_state, op)
        if op == "read":
            return ("ok", m.read(rng.choice([None, -1, 0, 5, size])))
        if op == "read_byte":
            return ("ok", m.read_byte())
        if op == "write":
            return ("ok", m.write(bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 7, 100])))))
        if op == "write_byte":
            return ("ok", m.write_byte(rng.randrange(256)))
        if op == "seek":
            m.seek(rng.randrange(-size, 2 * size), rng.choice([0, 1, 2, 3]))
            return ("ok", m.tell())  # 3.13's seek returns the position, 3.11's None
        if op == "find":
            needle = bytes(m[rng.randrange(size):][:rng.choice([0, 1, 2, 5])])
            bounds = [random_index(rng, size) for _ in range(rng.randrange(3))]
            if empty_past_the_end(m, needle, bounds):
                return ("ok", "b'' past the end")
            return ("ok", m.find(needle, *bounds))
        if op == "rfind":
            needle = bytes(m[rng.randrange(size):][:rng.choice([0, 1, 2, 5])])
            bounds = [random_index(rng, size) for _ in range(rng.randrange(3))]
            if empty_past_the_end(m, needle, bounds):
                return ("ok", "b'' past the end")
            return ("ok", m.rfind(needle, *bounds))
        if op == "move":
            return ("ok", m.move(*[rng.choice([0, 1, size // 2, size - 1, size, -1]) for _ in range(3)]))
        if op == "readline":
            return ("ok", m.readline())
        if op == "tell":
            return ("ok", m.tell())
        if op == "resize":
            # Not 0: the standard module fails there (mremap to 0 bytes), after
            # truncating the file; memmap gives an empty map (a documented difference).
            return ("ok", m.resize(rng.choice([1, max(1, size // 2), size + 100, 2 * size, -1])), len(m))
        if op == "size":
            return ("ok", m.size())
        if op == "flush":
            return ("ok", m.flush(*rng.choice([(), (0, size), (0, size + 1), (memmap.PAGESIZE, 10), (3, 4)])))
        if op == "madvise":
            return ("ok", m.madvise(rng.choice([memmap.MADV_NORMAL, memmap.MADV_WILLNEED, memmap.MADV_RANDOM]),
                                    rng.choice([0, memmap.PAGESIZE, size, -1])))
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e))
    raise AssertionError(op)


SOURCES = ["anonymous", "file ACCESS_DEFAULT", "file ACCESS_WRITE", "file ACCESS_READ", "file ACCESS_COPY"]


def open_pair(source, make_file, initial):
    if source == "anonymous":
        # Private: growing MAP_SHARED anonymous memory is a documented difference.
        pair = [module.mmap(-1, len(initial), flags=module.MAP_PRIVATE) for module in (std_mmap, memmap)]
        for m in pair:
            m[:] = initial
        return pair, None
    access = source.split()[1]
    pair, paths = [], []
    for module in (std_mmap, memmap):
        path = make_file(initial)
        with open(path, "r+b") as f:
            pair.append(module.mmap(f.fileno(), 0, access=getattr(module, access)))
        paths.append(path)
    return pair, paths


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("seed", range(4))
def test_dropin_behaves_like_the_standard_mmap(make_file, source, seed):
    rng = random.Random(seed)
    initial = bytes(rng.choice(b"ab\n\0") for _ in range(SIZE))
    (theirs, ours), paths = open_pair(source, make_file, initial)
    ops = DROPIN_OPS + ["resize", "flush", "madvise"]
    if paths:  # size() of anonymous memory is a documented difference
        ops.append("size")
    for step in range(500):
        op = rng.choice(ops)
        state = rng.random()
        old_length = len(theirs)
        assert apply_dropin(ours, state, op) == apply_dropin(theirs, state, op), (seed, step, op)
        if not paths and len(theirs) > old_length:
            # A documented difference: memmap's anonymous memory reads as zero
            # where it grew, like a file; the standard module's mremap keeps
            # stale bytes an earlier shrink cut off in the last page.
            theirs[old_length:] = bytes(len(theirs) - old_length)
        assert ours.tell() == theirs.tell()
        assert ours[:] == theirs[:]
    theirs.close()
    ours.close()
    if paths:
        assert paths[0].read_bytes() == paths[1].read_bytes()
