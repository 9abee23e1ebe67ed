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
            return ("ok", m.seek(rng.randrange(-size, 2 * size), rng.choice([0, 1, 2, 3])))
        if op == "find":
            needle = bytes(m[rng.randrange(size):][:rng.choice([0, 1, 2, 5])])
            return ("ok", m.find(needle, *[random_index(rng, size) for _ in range(rng.randrange(3))]))
        if op == "rfind":
            needle = bytes(m[rng.randrange(size):][:rng.choice([0, 1, 2, 5])])
            return ("ok", m.rfind(needle, *[random_index(rng, size) for _ in range(rng.randrange(3))]))
        if op == "move":
            return ("ok", m.move(*[rng.choice([0, 1, size // 2, size - 1, size, -1]) for _ in range(3)]))
        if op == "readline":
            return ("ok", m.readline())
        if op == "tell":
            return ("ok", m.tell())
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e))
    raise AssertionError(op)


@pytest.mark.parametrize("seed", range(8))
def test_dropin_behaves_like_the_standard_mmap(seed):
    rng = random.Random(seed)
    initial = bytes(rng.choice(b"ab\n\0") for _ in range(SIZE))
    theirs = std_mmap.mmap(-1, SIZE)
    ours = memmap.mmap(-1, SIZE)
    theirs[:] = initial
    ours[:] = initial
    for step in range(600):
        op = rng.choice(DROPIN_OPS)
        state = rng.random()
        assert apply_dropin(ours, state, op) == apply_dropin(theirs, state, op), (seed, step, op)
        assert ours.tell() == theirs.tell()
        assert ours[:] == theirs[:]
    theirs.close()
    ours.close()
