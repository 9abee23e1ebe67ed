# SPDX-License-Identifier: MIT
"""The Map object: properties, indexing, slicing, read_at/write_at, range operations, resize, close."""
import errno
import gc
import sys
import threading
import weakref

import pytest

import memmap

PAGE = memmap.PAGE_SIZE


@pytest.fixture
def rw(make_file):
    """A read/write map of a 3-page file holding bytes 0..255 repeated."""
    data = bytes(range(256)) * (3 * PAGE // 256)
    m = memmap.open(make_file(data), "r+")
    yield m, bytearray(data)
    m.close()


@pytest.fixture
def ro(make_file):
    m = memmap.open(make_file(b"read only data"), "r")
    yield m
    m.close()


def test_properties(rw):
    m, data = rw
    assert len(m) == m.size == len(data)
    assert m.offset == 0
    assert m.writable and not m.closed
    assert "read-write" in repr(m) and "size=%d" % len(data) in repr(m)


def test_map_cannot_be_instantiated_directly():
    with pytest.raises(TypeError):
        memmap.Map()


def test_int_indexing(rw):
    m, data = rw
    for i in (0, 1, 255, 256, len(data) - 1, -1, -len(data)):
        assert m[i] == data[i]
    for i in (len(data), -len(data) - 1, sys.maxsize, -sys.maxsize - 1):
        with pytest.raises(IndexError):
            m[i]
    with pytest.raises(TypeError):
        m["0"]
    with pytest.raises(TypeError):
        m[1.0]


@pytest.mark.parametrize("key", [
    slice(None), slice(3, 10), slice(-10, None), slice(None, None, 2), slice(None, None, -1),
    slice(10, 3, -2), slice(5, 5), slice(100, 0), slice(-sys.maxsize, sys.maxsize, 7),
    slice(0, None, PAGE), slice(1, None, 3 * PAGE + 1),
])
def test_slicing_matches_bytes(rw, key):
    m, data = rw
    assert m[key] == bytes(data)[key]


def test_iteration_gives_ints(make_file):
    with memmap.open(make_file(b"\x01\x02\x03")) as m:
        assert list(m) == [1, 2, 3]
        assert 2 in m


def test_item_assignment(rw):
    m, data = rw
    m[0] = 255
    m[-1] = 0
    assert m[0] == 255 and m[len(data) - 1] == 0
    for bad, exc in ((256, ValueError), (-1, ValueError), (b"a", TypeError), ("a", TypeError), (1.5, TypeError)):
        with pytest.raises(exc):
            m[1] = bad
    with pytest.raises(IndexError):
        m[len(data)] = 1
    with pytest.raises(TypeError):
        del m[0]


@pytest.mark.parametrize("key", [slice(0, 4), slice(-4, None), slice(None, None, 3 * PAGE // 4),
                                 slice(10, 2, -2), slice(5, 5)])
def test_slice_assignment_matches_bytearray(rw, key):
    m, data = rw
    count = len(data[key])
    new = bytes((i * 7 + 1) % 256 for i in range(count))
    m[key] = new
    data[key] = new
    assert m[:] == bytes(data)


def test_slice_assignment_accepts_any_buffer(rw):
    m, _ = rw
    m[0:3] = bytearray(b"abc")
    m[3:6] = memoryview(b"def")
    import array
    m[6:10] = array.array("B", [1, 2, 3, 4])
    assert m[0:10] == b"abcdef\x01\x02\x03\x04"


def test_slice_assignment_errors(rw):
    m, _ = rw
    with pytest.raises(ValueError):
        m[0:4] = b"abc"
    with pytest.raises(ValueError):
        m[0:4:2] = b"abc"
    with pytest.raises(TypeError):
        m[0:3] = "abc"
    with pytest.raises(TypeError):
        del m[0:3]


def test_slice_assignment_from_the_map_itself(rw):
    m, data = rw
    view = memoryview(m)
    m[1:101] = view[0:100]   # overlapping source and destination
    view.release()
    data[1:101] = bytes(data[0:100])
    assert m[:] == bytes(data)


def test_read_only_map_refuses_writes(ro):
    with pytest.raises(TypeError):
        ro[0] = 1
    with pytest.raises(TypeError):
        ro[0:2] = b"xx"
    with pytest.raises(TypeError):
        ro.write_at(0, b"x")
    assert ro[:] == b"read only data"


def test_read_at_and_write_at(rw):
    m, data = rw
    assert m.read_at(10, 5) == bytes(data[10:15])
    assert m.read_at(len(data) - 3) == bytes(data[-3:])
    assert m.read_at(len(data)) == b""
    assert m.write_at(100, b"hello") == 5
    assert m.write_at(0, b"") == 0
    assert m.read_at(100, 5) == b"hello"
    assert m.read_at(offset=100, length=5) == b"hello"
    with pytest.raises(ValueError):
        m.read_at(len(data) + 1)
    with pytest.raises(ValueError):
        m.read_at(len(data) - 2, 3)
    with pytest.raises(ValueError):
        m.write_at(len(data) - 2, b"abc")
    with pytest.raises(ValueError):
        m.read_at(-1, 1)
    with pytest.raises(TypeError):
        m.read_at("1")
    with pytest.raises(TypeError):
        m.write_at(0, "text")


def test_bytes_is_a_copy(rw):
    m, data = rw
    copy = bytes(m)
    assert copy == bytes(data)
    m[0] = (data[0] + 1) % 256
    assert copy[0] == data[0]


# --- range operations -------------------------------------------------------------

def test_sync_variants(make_file):
    path = make_file(bytes(3 * PAGE))
    with memmap.open(path, "r+") as m:
        m[5] = 1
        assert m.sync() is None
        m[PAGE + 5] = 2
        assert m.sync(PAGE + 1, 10) is None       # no alignment needed
        m[2 * PAGE] = 3
        assert m.sync(wait=False) is None
        assert m.sync(offset=0, length=0) is None  # empty range: nothing to do
        with pytest.raises(ValueError):
            m.sync(0, 3 * PAGE + 1)
        with pytest.raises(ValueError):
            m.sync(3 * PAGE + 1)
    content = path.read_bytes()
    assert content[5] == 1 and content[PAGE + 5] == 2 and content[2 * PAGE] == 3


@pytest.mark.parametrize("advice", [memmap.NORMAL, memmap.SEQUENTIAL, memmap.RANDOM, memmap.WILLNEED,
                                    memmap.DONTNEED])
def test_advise(rw, advice):
    m, data = rw
    assert m.advise(advice) is None
    assert m.advise(advice, 1, 10) is None
    assert m[:] == bytes(data)  # DONTNEED never discards data


def test_advise_errors(rw):
    m, _ = rw
    with pytest.raises(ValueError):
        m.advise(99)
    with pytest.raises(ValueError):
        m.advise(memmap.NORMAL, len(m) + 1)
    with pytest.raises(TypeError):
        m.advise("normal")


def test_protect(make_file):
    with memmap.open(make_file(bytes(2 * PAGE)), "r+") as m:
        m.protect(memmap.PROT_READ)
        assert m[0] == 0
        m.protect(memmap.PROT_READ | memmap.PROT_WRITE)
        m[0] = 9
        m.protect(memmap.PROT_NONE, 0, PAGE)
        # A guarded copy of a protected page raises instead of crashing.
        with pytest.raises(OSError) as info:
            m[0]
        assert info.value.errno == errno.EIO
        with pytest.raises(OSError):
            m.write_at(10, b"x")
        assert m[PAGE] == 0  # the other page is untouched
        m.protect(memmap.PROT_READ | memmap.PROT_WRITE, 0, PAGE)
        assert m[0] == 9


def test_protect_errors(ro):
    with pytest.raises(PermissionError):
        ro.protect(memmap.PROT_READ | memmap.PROT_WRITE)
    with pytest.raises(ValueError):
        ro.protect(0x100)
    with pytest.raises(ValueError):
        ro.protect(-1)


def test_lock_and_unlock(rw):
    m, _ = rw
    try:
        m.lock(0, PAGE)
    except OSError as e:
        # Only a locked-memory limit may refuse, and it says so with ENOMEM.
        assert e.errno == errno.ENOMEM
        pytest.skip("RLIMIT_MEMLOCK too small to lock one page here")
    m.unlock(0, PAGE)
    m.lock()
    m.unlock()


# --- resize -----------------------------------------------------------------------

def test_resize_grows_the_file(make_file):
    path = make_file(b"abc")
    m = memmap.open(path, "r+")
    m.resize(2 * PAGE)
    assert len(m) == 2 * PAGE and m[:3] == b"abc"
    m[-1] = 1
    assert path.stat().st_size == 2 * PAGE
    m.resize(10)
    assert len(m) == 10
    assert path.stat().st_size == 2 * PAGE     # shrinking keeps the file
    m.resize(5, truncate=True)
    assert path.stat().st_size == 5
    m.close()


def test_resize_read_only_past_end_fails_and_keeps_the_map(make_file):
    path = make_file(b"0123456789")
    with memmap.open(path) as m:
        with pytest.raises(OSError) as info:
            m.resize(100)
        assert info.value.errno == errno.ERANGE
        assert len(m) == 10 and m[:] == b"0123456789"
        m.resize(4)
        assert m[:] == b"0123"


def test_resize_anonymous_and_to_zero():
    m = memmap.anonymous(PAGE)
    m[0] = 5
    m.resize(10 * PAGE)
    assert m[0] == 5 and m[-1] == 0
    m.resize(0)
    assert len(m) == 0
    m.resize(3)
    assert m[:] == bytes(3)
    m.close()


def test_resize_without_moving(make_file):
    with memmap.open(make_file(bytes(PAGE)), "r+") as m:
        try:
            m.resize(4096 * PAGE, may_move=False)
        except OSError as e:
            assert e.errno == errno.EBUSY
            assert len(m) == PAGE
        else:
            assert len(m) == 4096 * PAGE


def test_resize_errors(rw):
    m, _ = rw
    with pytest.raises(ValueError):
        m.resize(-1)
    with pytest.raises(TypeError):
        m.resize("1")


# --- exported buffers -------------------------------------------------------------

def test_buffer_is_zero_copy_both_ways(rw):
    m, data = rw
    view = memoryview(m)
    assert view.nbytes == len(data) and not view.readonly
    view[0] = 42
    assert m[0] == 42
    m[1] = 43
    assert view[1] == 43
    view.release()


def test_read_only_map_exports_read_only_buffers(ro):
    view = memoryview(ro)
    assert view.readonly
    with pytest.raises(TypeError):
        view[0] = 1
    view.release()
    # A consumer asking for a writable buffer is refused, and the refusal leaves
    # no export behind (close() still works).
    import io
    with pytest.raises(TypeError):
        io.BytesIO(b"xyz").readinto(ro)
    ro.close()


def test_close_and_resize_refuse_while_exported(rw):
    m, _ = rw
    view = memoryview(m)
    with pytest.raises(BufferError):
        m.close()
    with pytest.raises(BufferError):
        m.resize(10)
    assert not m.closed and m[0] == view[0]
    second = memoryview(m)[10:20]
    view.release()
    with pytest.raises(BufferError):
        m.close()
    second.release()
    m.resize(10)
    m.close()
    assert m.closed


def test_buffer_of_closed_map(rw):
    m, _ = rw
    m.close()
    with pytest.raises(ValueError):
        memoryview(m)


# --- closed maps and re-entrancy ----------------------------------------------------

CLOSED_CALLS = [
    lambda m: len(m), lambda m: m[0], lambda m: m[0:1], lambda m: m.__setitem__(0, 1),
    lambda m: m.read_at(0), lambda m: m.write_at(0, b"x"), lambda m: m.sync(), lambda m: m.advise(0),
    lambda m: m.protect(1), lambda m: m.lock(), lambda m: m.unlock(), lambda m: m.resize(1),
    lambda m: m.size, lambda m: m.offset, lambda m: m.writable, lambda m: bytes(m),
    lambda m: m.__enter__(),
]


@pytest.mark.parametrize("call", CLOSED_CALLS)
def test_closed_map_raises_value_error(rw, call):
    m, _ = rw
    m.close()
    m.close()  # twice is fine
    assert m.closed
    with pytest.raises(ValueError):
        call(m)
    assert "closed" in repr(m)


class ClosingIndex:
    """An index whose conversion closes the map it is used on."""

    def __init__(self, m, value=0):
        self.m, self.value = m, value

    def __index__(self):
        self.m.close()
        return self.value


@pytest.mark.parametrize("call", [
    lambda m, i: m[i], lambda m, i: m[i:i], lambda m, i: m.__setitem__(i, 1),
    lambda m, i: m.__setitem__(slice(i, 1), b"x"), lambda m, i: m.read_at(i), lambda m, i: m.write_at(i, b"x"),
    lambda m, i: m.sync(i), lambda m, i: m.advise(0, i), lambda m, i: m.protect(1, i), lambda m, i: m.lock(i),
    lambda m, i: m.unlock(i), lambda m, i: m.resize(i), lambda m, i: m.read_at(0, i),
])
def test_argument_conversion_that_closes_the_map(rw, call):
    m, _ = rw
    with pytest.raises(ValueError, match="closed"):
        call(m, ClosingIndex(m))


def test_context_manager_closes(make_file):
    with memmap.open(make_file(b"x")) as m:
        assert not m.closed
    assert m.closed
    with pytest.raises(KeyError):
        with memmap.anonymous(10) as m2:
            raise KeyError("passes through")
    assert m2.closed


def test_weakref_and_garbage_collection():
    m = memmap.anonymous(10)
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


def test_dropping_an_exported_map_is_safe():
    view = memoryview(memmap.anonymous(PAGE))  # the view keeps the map alive
    view[0] = 1
    gc.collect()
    assert view[0] == 1
    view.release()


def test_threads_cannot_close_a_map_in_use():
    # A big copy in one thread uses the map with the GIL released; close() in
    # another thread must not unmap under it: it waits for the copy, then
    # succeeds.  The copying thread then sees a closed map.
    m = memmap.anonymous(256 * PAGE)
    errors = []

    def worker():
        try:
            for _ in range(200):
                m.read_at(0)  # large copy: runs without the GIL
        except ValueError:
            pass  # closed under us: reported as closed, not a crash
        except Exception as e:  # pragma: no cover
            errors.append(e)

    t = threading.Thread(target=worker)
    t.start()
    m.close()
    t.join()
    assert not errors


def test_threads_use_a_map_while_another_resizes_it(make_file):
    # resize() runs without the GIL; meanwhile other threads' calls on the map
    # wait for it instead of touching a mapping that is being replaced.
    # Whatever the interleaving: no crash, no exception in the readers (resize
    # may meet a reader's memoryview: BufferError), and the data survives.
    m = memmap.open(make_file(b"\x07" * PAGE), "r+")
    stop = threading.Event()
    unexpected = []

    def reader():
        while not stop.is_set():
            try:
                assert m[0] == 7 and m.read_at(0, 16) == b"\x07" * 16
                memoryview(m).release()
                m.sync(0, 1)
            except Exception as e:  # pragma: no cover
                unexpected.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(200):
            try:
                m.resize(PAGE * (1 + i % 64))
            except BufferError:
                pass  # a reader held an export or a GIL-free call at that moment
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not unexpected
    assert m[0] == 7
    m.close()
