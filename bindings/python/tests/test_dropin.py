# SPDX-License-Identifier: MIT
"""memmap.mmap against the standard library's mmap.mmap, side by side.

CPython's own test_mmap is run against memmap.mmap by run_test_mmap.py; these
tests add a differential check (the same operations on both, same results or
same exception types) and the drop-in's extras.
"""
import mmap as std_mmap
import errno
import os
import sys
import pickle
import re

import pytest

import memmap

PAGE = memmap.PAGE_SIZE
DATA = b"line one\nline two\n\nlast line without newline" + bytes(range(256)) * 40


def test_constants_match_the_standard_module():
    for name in dir(std_mmap):
        if name.isupper():
            assert getattr(memmap, name) == getattr(std_mmap, name), name
    assert memmap.error is OSError


def test_every_method_exists():
    for name in dir(std_mmap.mmap):
        if not name.startswith("_") or name in ("__enter__", "__exit__", "__getitem__", "__setitem__", "__len__"):
            assert hasattr(memmap.mmap, name), name


def seek_to(m, *args):
    """seek() then tell(): Python 3.13's seek returns the position, 3.11's None."""
    m.seek(*args)
    return m.tell()


# Each operation takes a map and returns something comparable.
OPERATIONS = {
    "len": lambda m: len(m),
    "slice": lambda m: m[5:30],
    "step": lambda m: m[::-7],
    "index": lambda m: m[-1],
    "bad index": lambda m: m[len(m)],
    "read all": lambda m: (seek_to(m, 10), m.read(), m.tell()),
    "read some": lambda m: (m.read(4), m.read(None), m.read(-3)),
    "read bad": lambda m: m.read("4"),
    "read_byte": lambda m: (m.read_byte(), m.read_byte(), m.tell()),
    "readline": lambda m: [m.readline() for _ in range(5)],
    "seek": lambda m: (seek_to(m, 5), seek_to(m, 3, 1), m.tell(), seek_to(m, -1, 2), m.tell()),
    "seek bad": lambda m: seek_to(m, -1),
    "seek whence": lambda m: seek_to(m, 0, 3),
    "seek past": lambda m: seek_to(m, 1, 2),
    "find": lambda m: (m.find(b"line"), m.find(b"line", 1), m.find(b"line", 1, -1), m.find(b"zzz")),
    "find cursor": lambda m: (seek_to(m, 3), m.find(b"line"), m.rfind(b"line")),
    "find negative": lambda m: (m.find(b"l", -50), m.rfind(b"l", -10**9, 10**9), m.find(b"")),
    "rfind": lambda m: (m.rfind(b"line"), m.rfind(b"line", 0, 20), m.rfind(b"\0")),
    "write": lambda m: (seek_to(m, 2), m.write(b"XYZ"), m.tell(), m[0:8]),
    "write past": lambda m: (seek_to(m, len(m) - 1), m.write(b"ab")),
    "write_byte": lambda m: (m.write_byte(65), m[0]),
    "write_byte bad": lambda m: m.write_byte(256),
    "setitem": lambda m: (m.__setitem__(0, 66), m[0]),
    "setitem bad": lambda m: m.__setitem__(0, 300),
    "setitem bytes": lambda m: m.__setitem__(0, b"a"),
    "setslice": lambda m: (m.__setitem__(slice(0, 3), b"abc"), m[0:3]),
    "setslice size": lambda m: m.__setitem__(slice(0, 3), b"ab"),
    "delitem": lambda m: m.__delitem__(0),
    "move": lambda m: (m.move(0, 10, 20), m[0:30]),
    "move bad": lambda m: m.move(0, len(m), 1),
    "flush": lambda m: (m.flush(), m.flush(0, PAGE)),
    "flush bad": lambda m: m.flush(0, len(m) + 1),
    "flush unaligned": lambda m: m.flush(1, 10),
    "madvise": lambda m: (m.madvise(std_mmap.MADV_NORMAL), m.madvise(std_mmap.MADV_WILLNEED, 0, PAGE)),
    "madvise bad": lambda m: m.madvise(std_mmap.MADV_NORMAL, len(m)),
    "madvise unaligned": lambda m: m.madvise(std_mmap.MADV_NORMAL, 1, 10),
    "index float": lambda m: m[1.5],
    "setitem float": lambda m: m.__setitem__(1.5, 1),
    "size": lambda m: m.size(),
    "closed": lambda m: m.closed,
    "regex": lambda m: re.findall(rb"line \w+", m),
    "memoryview": lambda m: (memoryview(m)[3:9].tobytes(), memoryview(m).readonly),
    "bytes": lambda m: bytes(m)[:50],
    "iter": lambda m: list(m)[:3],
    "concat": lambda m: m + m,
    "close twice": lambda m: (m.close(), m.close(), m.closed),
    "after close": lambda m: (m.close(), m[0]),
    "pickle": lambda m: pickle.dumps(m),
}

ACCESSES = ["ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY"]


def outcome(module, path, access, operation):
    with open(path, "r+b") as f:
        m = module.mmap(f.fileno(), 0, access=getattr(module, access))
    try:
        return ("ok", OPERATIONS[operation](m))
    except Exception as e:  # noqa: BLE001  (the type is what is compared)
        return ("raises", type(e))
    finally:
        if not m.closed:
            m.close()


@pytest.mark.parametrize("access", ACCESSES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_same_behaviour_as_the_standard_mmap(make_file, access, operation):
    theirs = outcome(std_mmap, make_file(DATA), access, operation)
    ours = outcome(memmap, make_file(DATA), access, operation)
    assert ours == theirs


@pytest.mark.parametrize("access", ACCESSES)
def test_resize_like_the_standard_mmap(make_file, access):
    results = []
    for module in (std_mmap, memmap):
        path = make_file(b"x" * (2 * PAGE))
        with open(path, "r+b") as f:
            m = module.mmap(f.fileno(), PAGE, access=getattr(module, access), offset=0)
        try:
            m.resize(3 * PAGE)
            results.append(("ok", len(m), m.size(), os.path.getsize(path), m[PAGE - 1], m[-1]))
            m.resize(100)
            results.append(("ok", len(m), m.size(), os.path.getsize(path)))
        except Exception as e:  # noqa: BLE001
            results.append(("raises", type(e)))
        m.close()
    assert results[: len(results) // 2] == results[len(results) // 2:]


def test_anonymous_like_the_standard_mmap():
    for module in (std_mmap, memmap):
        m = module.mmap(-1, 100)
        m.write(b"hello")
        assert m[:5] == b"hello"
        m.resize(50)
        assert len(m) == 50
        m.close()
    # An extra: the standard module's size() of anonymous memory fails with
    # EBADF on POSIX (it asks fstat(-1)); memmap's gives the length, as on Windows.
    with memmap.mmap(-1, 100) as m:
        assert m.size() == 100
    private = memmap.mmap(-1, PAGE, flags=memmap.MAP_PRIVATE)
    private.resize(4 * PAGE)
    assert len(private) == 4 * PAGE
    private.close()


def test_growing_shared_anonymous_memory_raises_value_error():
    # Python 3.11's module grows the mapping but not the memory behind it
    # (SIGBUS when touched); memmap says it cannot, with the ValueError of
    # Python 3.14.
    m = memmap.mmap(-1, PAGE)
    with pytest.raises(ValueError):
        m.resize(2 * PAGE)
    assert len(m) == PAGE
    m.close()


def test_keywords_and_positional_arguments(make_file):
    path = make_file(DATA)
    with open(path, "r+b") as f:
        m = memmap.mmap(fileno=f.fileno(), length=10, flags=memmap.MAP_SHARED,
                        prot=memmap.PROT_READ | memmap.PROT_WRITE, offset=0)
        assert m[:] == DATA[:10]
        m.close()
        m = memmap.mmap(f.fileno(), 10, memmap.MAP_PRIVATE, memmap.PROT_READ | memmap.PROT_WRITE)
        m[0] = 0
        m.close()
        m = memmap.mmap(f.fileno(), 10, prot=memmap.PROT_READ)
        assert "ACCESS_READ" in repr(m)
        with pytest.raises(TypeError):
            m[0] = 1
        m.close()
    assert path.read_bytes() == DATA


def test_unaligned_offset_is_an_extra(make_file):
    path = make_file(DATA)
    with open(path, "r+b") as f:
        with pytest.raises(OSError):
            std_mmap.mmap(f.fileno(), 10, offset=3)
        with memmap.mmap(f.fileno(), 10, offset=3) as m:
            assert m[:] == DATA[3:13]
            assert "offset=3" in repr(m)


def test_errors_like_the_standard_mmap(make_file, tmp_path):
    empty = make_file(b"")
    short = make_file(b"abc")
    for module in (std_mmap, memmap):
        with open(empty, "rb") as f:
            with pytest.raises(ValueError, match="cannot mmap an empty file"):
                module.mmap(f.fileno(), 0, access=module.ACCESS_READ)
        with open(short, "r+b") as f:
            with pytest.raises(ValueError, match="mmap length is greater than file size"):
                module.mmap(f.fileno(), 10)
            with pytest.raises(ValueError, match="mmap offset is greater than file size"):
                module.mmap(f.fileno(), 0, offset=PAGE * 4)
            with pytest.raises(OverflowError):
                module.mmap(f.fileno(), -1)
            with pytest.raises(OverflowError):
                module.mmap(f.fileno(), 1, offset=-1)
            with pytest.raises(ValueError):
                module.mmap(f.fileno(), 1, access=7)
            with pytest.raises(ValueError):
                module.mmap(f.fileno(), 1, flags=module.MAP_PRIVATE, access=module.ACCESS_READ)
        with pytest.raises(OSError):
            module.mmap(-2, 10)
        with pytest.raises(TypeError):
            module.mmap("0", 10)


def error_of(call):
    """(type, errno, strerror, message) of what call raises."""
    try:
        call()
    except Exception as e:  # noqa: BLE001  (compared below)
        return type(e), getattr(e, "errno", None), getattr(e, "strerror", None), str(e)
    raise AssertionError("no error")


def test_refusals_and_their_messages_like_the_standard_mmap(tmp_path, make_file):
    # The same exception type, errno, the system's text for it, and message.
    directory = os.open(tmp_path, os.O_RDONLY)
    path = make_file(DATA)
    try:
        with open(path, "r+b") as f:
            for call in (lambda mod: mod.mmap(-1, 0),
                         lambda mod: mod.mmap(f.fileno(), 0, flags=0),
                         lambda mod: mod.mmap(directory, 0),
                         lambda mod: mod.mmap(directory, 0, access=mod.ACCESS_READ),
                         lambda mod: mod.mmap(directory, 10, access=mod.ACCESS_READ),
                         lambda mod: mod.mmap(-1, 10)[1.5],
                         lambda mod: mod.mmap(-1, 10).__setitem__(1.5, 1),
                         lambda mod: mod.mmap(-1, 10).__setitem__(10, b"x"),
                         lambda mod: mod.mmap(-1, 3 * PAGE).madvise(mod.MADV_NORMAL, 1, 10)):
                assert error_of(lambda: call(memmap)) == error_of(lambda: call(std_mmap))
    finally:
        os.close(directory)


def test_new_api_of_later_pythons(make_file):
    # seekable() and seek's position (3.13), size() of anonymous memory,
    # trackfd=False (3.13), flush flags and flush to the end (3.15).
    path = make_file(DATA)
    with open(path, "r+b") as f:
        with memmap.mmap(f.fileno(), 0) as m:
            assert m.seekable() is True
            assert m.seek(5) == 5 and m.seek(2, 1) == 7 and m.seek(-1, 2) == len(DATA) - 1
            m[0:1] = b"Z"
            assert m.flush(PAGE) is None  # from PAGE to the end
            assert m.flush(0, PAGE, flags=memmap.MS_ASYNC) is None
            assert m.flush(0, PAGE, flags=memmap.MS_SYNC | memmap.MS_INVALIDATE) is None
            with pytest.raises(OSError) as info:
                m.flush(flags=memmap.MS_SYNC | memmap.MS_ASYNC)
            assert info.value.errno == errno.EINVAL
        with memmap.mmap(f.fileno(), 0, trackfd=False) as m:
            for call in (m.size, lambda: m.resize(10)):
                with pytest.raises(ValueError) as info:  # 3.15
                    call()
                assert isinstance(info.value, OSError) and info.value.errno == errno.EBADF  # 3.13
            assert m[0:1] == b"Z"
    with memmap.mmap(-1, 100) as m:
        assert m.size() == 100
    with memmap.mmap(-1, PAGE, trackfd=False) as m:
        with pytest.raises(ValueError):
            m.size()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="set_name names Linux anonymous memory")
def test_set_name(make_file):
    with memmap.mmap(-1, PAGE) as m:
        with pytest.raises(ValueError):
            m.set_name("x" * 67)  # the kernel's 80 bytes, less "cpython:mmap:" and the NUL
        try:
            assert m.set_name("x" * 66) is None
        except OSError as e:
            # A kernel without CONFIG_ANON_VMA_NAME refuses every name.
            assert e.errno == errno.EINVAL
    with open(make_file(DATA), "r+b") as f, memmap.mmap(f.fileno(), 0) as m:
        with pytest.raises(ValueError):
            m.set_name("file")


def test_exported_buffers_block_close_and_resize():
    m = memmap.mmap(-1, 100, flags=memmap.MAP_PRIVATE)
    view = memoryview(m)
    with pytest.raises(BufferError):
        m.close()
    with pytest.raises(BufferError):
        m.resize(50)
    view.release()
    m.resize(50)
    m.close()


def test_subclass_and_repr():
    class Anon(memmap.mmap):
        def __new__(cls, size):
            return memmap.mmap.__new__(cls, -1, size)

    a = Anon(PAGE)
    assert isinstance(a, memmap.mmap) and len(a) == PAGE
    assert repr(a).startswith("<")
    a.close()
    assert "closed=True" in repr(a)


def test_size_follows_the_file(make_file):
    path = make_file(b"x" * 100)
    with open(path, "r+b") as f, memmap.mmap(f.fileno(), 50) as m:
        assert m.size() == 100
        f.truncate(200)
        assert m.size() == 200


class ClosingIndex:
    """An index whose conversion closes the map (the standard module does not survive all of these)."""

    def __init__(self, m):
        self.m = m

    def __index__(self):
        self.m.close()
        return 0


@pytest.mark.parametrize("call", [
    lambda m, i: m.read(i), lambda m, i: m.seek(i), lambda m, i: m.find(b"x", i), lambda m, i: m.rfind(b"x", 0, i),
    lambda m, i: m.flush(i), lambda m, i: m.madvise(memmap.MADV_NORMAL, i), lambda m, i: m.move(i, 0, 1),
    lambda m, i: m.resize(i), lambda m, i: m[i], lambda m, i: m[i:1], lambda m, i: m.__setitem__(i, 1),
    lambda m, i: m.__setitem__(slice(i, 1), b"x"),
])
def test_argument_conversion_that_closes_the_map(call):
    m = memmap.mmap(-1, PAGE, flags=memmap.MAP_PRIVATE)
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        call(m, ClosingIndex(m))
    assert m.closed


def test_find_and_rfind_bounds_exhaustively():
    data = b"ab\nab\0ab\nab\0ab\nab\0ab"
    n = len(data)
    theirs, ours = std_mmap.mmap(-1, n), memmap.mmap(-1, n)
    theirs[:] = ours[:] = data
    for needle in (b"", b"a", b"ab", b"b\n", b"zz", data, data + b"x"):
        for start in range(-n - 2, n + 3):
            for end in range(-n - 2, n + 3):
                for method in ("find", "rfind"):
                    expected = getattr(theirs, method)(needle, start, end)
                    if start > n:
                        expected = -1  # Python 3.15: nothing is found past the end, not even b""
                    assert getattr(ours, method)(needle, start, end) == expected, (needle, start, end, method)


def test_writing_the_map_into_itself():
    # Overlapping source and destination behave as memmove (the standard
    # module's memcpy gives no such promise, so it is not compared).
    data = bytes(range(200))
    for module in (memmap,):
        m = module.mmap(-1, 200)
        m[:] = data
        view = memoryview(m)
        m.seek(5)
        m.write(view[0:100])
        m[50:150] = view[0:100]
        view.release()
        expected = bytearray(data)
        expected[5:105] = data[0:100]
        expected[50:150] = bytes(expected[0:100])
        assert m[:] == bytes(expected), module.__name__
        m.close()
