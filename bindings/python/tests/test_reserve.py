# SPDX-License-Identifier: MIT
"""Map.reserve, Map.capacity and capacity=: maps that grow in place while buffers are exported."""
import errno
import os
import sys
import threading

import pytest

import memmap

np = pytest.importorskip("numpy", reason="numpy is not installed (Debian: python3-numpy)")

PAGE = memmap.PAGE_SIZE
KINDS = ["file", "anonymous", "shm"]


@pytest.fixture
def new_map(make_file, shm_name):
    """new_map(kind, length, **options) -> a writable Map of that kind, closed after the test."""
    made = []

    def make(kind, length, **options):
        if kind == "file":
            m = memmap.open(make_file(), "r+", length=length, **options)
        elif kind == "anonymous":
            m = memmap.anonymous(length, **options)
        else:
            m = memmap.shared_memory(shm_name, length, create=True, **options)
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


def address(m):
    """Where the map's data is now (a short-lived export)."""
    view = np.frombuffer(m, dtype=np.uint8)
    try:
        return view.__array_interface__["data"][0]
    finally:
        del view


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


# --- reserve and capacity ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_capacity_is_the_size_until_reserved(new_map, kind):
    m = new_map(kind, 3 * PAGE)
    assert m.capacity == m.size == 3 * PAGE
    m.resize(2 * PAGE)
    assert m.capacity == 2 * PAGE


@pytest.mark.parametrize("kind", KINDS)
def test_reserve_keeps_the_data_and_growth_inside_keeps_the_address(new_map, kind):
    m = new_map(kind, 2 * PAGE)
    m[:] = bytes(range(256)) * (2 * PAGE // 256)
    assert m.reserve(64 * PAGE) is None
    # The capacity is counted in whole pages of address space.
    assert 64 * PAGE <= m.capacity < 65 * PAGE
    assert m.size == 2 * PAGE and m[:] == bytes(range(256)) * (2 * PAGE // 256)
    at = address(m)
    for pages in (3, 64, 1, 40, 2):
        m.resize(pages * PAGE, may_move=False)
        assert address(m) == at and len(m) == pages * PAGE
        assert m[:256] == bytes(range(256))
        m[-1] = 0xAB
        assert m[-1] == 0xAB
    assert m.capacity >= 64 * PAGE


@pytest.mark.parametrize("kind", KINDS)
def test_a_capacity_not_above_the_current_one_changes_nothing(new_map, kind):
    m = new_map(kind, 4 * PAGE)
    at = address(m)
    m.reserve(2 * PAGE)
    m.reserve(0)
    assert m.capacity == 4 * PAGE and address(m) == at
    m.reserve(16 * PAGE)
    capacity = m.capacity
    m.reserve(8 * PAGE, nomove=True)
    assert m.capacity == capacity


def test_growth_inside_the_capacity_grows_the_file(make_file):
    path = make_file(b"head")
    with memmap.open(path, "r+", capacity=16 * PAGE) as m:
        assert len(m) == 4 and m[:] == b"head"
        m.resize(5 * PAGE)
        m[5 * PAGE - 4:] = b"tail"
        m.sync()
        assert os.path.getsize(path) == 5 * PAGE
        m.resize(PAGE, truncate=True)
        assert os.path.getsize(path) == PAGE and m[:4] == b"head"
    assert path.read_bytes()[:4] == b"head"


def test_past_the_capacity_a_map_takes_more_room(new_map):
    m = new_map("anonymous", PAGE, capacity=4 * PAGE)
    m[0] = 9
    m.resize(32 * PAGE)
    assert m.capacity >= 32 * PAGE and m[0] == 9
    at = address(m)
    m.resize(2 * PAGE)
    m.resize(32 * PAGE, may_move=False)
    assert address(m) == at


def test_nomove_on_an_empty_map_is_ebusy():
    # An empty map has no address of its own to keep: reserving must move it.
    with memmap.anonymous(0) as m:
        with pytest.raises(OSError) as caught:
            m.reserve(PAGE, nomove=True)
        assert caught.value.errno == errno.EBUSY
        assert m.capacity == 0
        m.reserve(PAGE)
        assert m.capacity >= PAGE and len(m) == 0
        m.resize(PAGE, may_move=False)
        m[0] = 1
        assert m[0] == 1


@pytest.mark.skipif(sys.platform != "linux", reason="places a mapping with Linux's MAP_FIXED_NOREPLACE")
def test_nomove_where_the_next_pages_are_taken_is_ebusy():
    import ctypes
    import mmap as std_mmap

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    map_fixed_noreplace = 0x100000
    with memmap.anonymous(2 * PAGE) as m:
        m[0] = 7
        at = address(m)
        # Take the page right after the map (EEXIST: something has it already -- just as good).
        flags = std_mmap.MAP_PRIVATE | std_mmap.MAP_ANONYMOUS | map_fixed_noreplace
        got = libc.mmap(at + 2 * PAGE, PAGE, 0, flags, -1, 0)  # PROT_NONE
        if got is not None and got not in (at + 2 * PAGE, ctypes.c_void_p(-1).value):
            libc.munmap(got, PAGE)
            pytest.skip("the kernel predates MAP_FIXED_NOREPLACE (Linux 4.17) and placed the page elsewhere")
        try:
            with pytest.raises(OSError) as caught:
                m.reserve(64 * PAGE, nomove=True)
            assert caught.value.errno == errno.EBUSY
            assert m.capacity == 2 * PAGE and address(m) == at and m[0] == 7
            with pytest.raises(OSError) as caught:
                m.resize(3 * PAGE, may_move=False)
            assert caught.value.errno == errno.EBUSY
            m.reserve(64 * PAGE)         # may move: it does, and keeps the data
            assert m.capacity >= 64 * PAGE and m[0] == 7
        finally:
            if got == at + 2 * PAGE:
                libc.munmap(got, PAGE)


def test_bad_capacities(new_map):
    m = new_map("anonymous", PAGE)
    with pytest.raises(ValueError, match="capacity must not be negative"):
        m.reserve(-1)
    for bad in (1.5, "4096", None, b"x"):
        with pytest.raises(TypeError, match="capacity must be an integer"):
            m.reserve(bad)
    with pytest.raises(OverflowError):
        m.reserve(1 << 80)
    with pytest.raises(TypeError):
        m.reserve(PAGE, True)  # nomove is keyword-only
    with pytest.raises(TypeError):
        m.reserve()
    # More address space than there is: the library's ENOMEM.
    with pytest.raises(OSError) as caught:
        m.reserve((1 << 62) + 1)
    assert caught.value.errno == errno.ENOMEM
    assert m.capacity == PAGE and len(m) == PAGE
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.reserve(2 * PAGE)
    with pytest.raises(ValueError, match="closed"):
        m.capacity


def test_reserve_converts_its_argument_before_looking_at_the_map(new_map):
    m = new_map("anonymous", PAGE)

    class Closing:
        def __index__(self):
            m.close()
            return 4 * PAGE

    with pytest.raises(ValueError, match="closed"):
        m.reserve(Closing())


# --- capacity= where maps are opened ---------------------------------------------------------


def test_capacity_at_open(make_file, shm_name, tmp_path):
    path = make_file(b"x" * PAGE)
    with memmap.open(path, "r+", capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE and m[:] == b"x" * PAGE
    with open(path, "rb") as f, memmap.open_fd(f.fileno(), capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE and m[:] == b"x" * PAGE
    with memmap.open(tmp_path / "new.bin", "x+", length=PAGE, capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE
    with memmap.anonymous(PAGE, capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE
    with memmap.anonymous(0, capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE and len(m) == 0
    with memmap.shared_memory(shm_name, PAGE, create=True, capacity=8 * PAGE) as m:
        assert m.capacity >= 8 * PAGE
        m.resize(8 * PAGE)
        m[-1] = 5
        with memmap.shared_memory(shm_name) as other:
            assert len(other) == 8 * PAGE and other[-1] == 5
    for capacity in (None, 0, PAGE // 2):
        with memmap.anonymous(PAGE, capacity=capacity) as m:
            assert m.capacity == PAGE


@pytest.mark.parametrize("opener", ["open", "open_fd", "anonymous", "shared_memory"])
def test_bad_capacity_at_open(opener, make_file, shm_name):
    path = make_file(b"x" * PAGE)

    def call(capacity):
        if opener == "open":
            return memmap.open(path, capacity=capacity)
        if opener == "open_fd":
            with open(path, "rb") as f:
                return memmap.open_fd(f.fileno(), capacity=capacity)
        if opener == "anonymous":
            return memmap.anonymous(PAGE, capacity=capacity)
        return memmap.shared_memory(shm_name, PAGE, create=True, capacity=capacity)

    with pytest.raises(ValueError, match="capacity must not be negative"):
        call(-1)
    with pytest.raises(TypeError, match="capacity must be an integer"):
        call(2.0)
    with pytest.raises(OverflowError):
        call(1 << 80)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd (Linux)")
def test_a_refused_reservation_fails_the_open_and_closes_the_map(make_file, shm_name):
    path = make_file(b"x" * PAGE)
    too_much = (1 << 62) + 1
    before = open_descriptors()
    for call in (lambda: memmap.open(path, "r+", capacity=too_much),
                 lambda: memmap.anonymous(PAGE, capacity=too_much),
                 lambda: memmap.shared_memory(shm_name, PAGE, create=True, capacity=too_much)):
        with pytest.raises(OSError) as caught:
            call()
        assert caught.value.errno == errno.ENOMEM
    assert open_descriptors() == before
    assert path.read_bytes() == b"x" * PAGE


# --- resizing while buffers are exported ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_exported_array_survives_1000_growths_inside_the_capacity(new_map, kind):
    m = new_map(kind, PAGE, capacity=1001 * PAGE)
    first = np.frombuffer(m, dtype=np.uint8)
    at = first.__array_interface__["data"][0]
    for i in range(1, 1001):
        m.resize((i + 1) * PAGE)
        assert first.__array_interface__["data"][0] == at
        m[i % PAGE] = i % 256                   # a write through the map ...
        assert first[i % PAGE] == i % 256       # ... seen by the old array
        first[(i + 1) % PAGE] = (i + 1) % 256   # and the other way round
        assert m[(i + 1) % PAGE] == (i + 1) % 256
        m.write_at(i * PAGE, b"new")            # the new page is there
    # A buffer taken now covers the new size, at the same address.
    whole = np.frombuffer(m, dtype=np.uint8)
    assert len(whole) == 1001 * PAGE and whole.__array_interface__["data"][0] == at
    assert bytes(whole[1000 * PAGE:1000 * PAGE + 3]) == b"new"
    assert len(first) == PAGE
    del first, whole


def test_a_memoryview_taken_after_a_growth_covers_the_new_size(new_map):
    m = new_map("file", PAGE, capacity=4 * PAGE)
    view = memoryview(m)
    m.resize(3 * PAGE)
    later = memoryview(m)
    assert len(view) == PAGE and len(later) == 3 * PAGE
    later[3 * PAGE - 1] = 42
    assert m[-1] == 42
    view.release()
    later.release()


@pytest.mark.parametrize("kind", KINDS)
def test_a_shrink_that_cuts_an_export_is_refused(new_map, kind):
    m = new_map(kind, 4 * PAGE, capacity=8 * PAGE)
    arr = np.frombuffer(m, dtype=np.uint8)
    with pytest.raises(BufferError, match="exported"):
        m.resize(4 * PAGE - 1)
    with pytest.raises(BufferError):
        m.resize(0)
    assert len(m) == 4 * PAGE
    arr[-1] = 3  # still mapped
    assert m[-1] == 3
    del arr
    m.resize(PAGE)
    assert len(m) == PAGE


@pytest.mark.parametrize("kind", KINDS)
def test_a_shrink_that_cuts_no_export_is_allowed(new_map, kind):
    m = new_map(kind, 2 * PAGE, capacity=8 * PAGE)
    arr = np.frombuffer(m, dtype=np.uint8)       # covers 2 pages
    m.resize(8 * PAGE)
    m.resize(3 * PAGE)                           # cuts nothing exported
    m.resize(2 * PAGE)                           # down to the export's end exactly
    arr[:] = 1
    assert m[:] == b"\x01" * 2 * PAGE
    with pytest.raises(BufferError):
        m.resize(2 * PAGE - 1)
    del arr


def test_the_largest_live_export_is_the_limit_whatever_the_order_of_release(new_map):
    m = new_map("anonymous", PAGE, capacity=16 * PAGE)
    small = memoryview(m)               # PAGE
    m.resize(8 * PAGE)
    big = memoryview(m)                 # 8 pages
    again = memoryview(m)               # 8 pages, a second export of the same extent
    m.resize(16 * PAGE)
    with pytest.raises(BufferError):
        m.resize(4 * PAGE)
    big.release()
    with pytest.raises(BufferError):
        m.resize(4 * PAGE)              # `again` still covers 8 pages
    again.release()
    m.resize(4 * PAGE)                  # only `small` is left
    with pytest.raises(BufferError):
        m.resize(PAGE - 1)
    small.release()
    m.resize(1)
    assert len(m) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_past_the_capacity_with_an_export_is_refused(new_map, kind):
    m = new_map(kind, PAGE, capacity=4 * PAGE)
    arr = np.frombuffer(m, dtype=np.uint8)
    at = arr.__array_interface__["data"][0]
    m.resize(m.capacity)                 # the very end of the capacity is inside it
    with pytest.raises(BufferError, match="capacity"):
        m.resize(m.capacity + 1)
    assert len(m) == m.capacity and address(m) == at
    # An unreserved map's capacity is its size: no growth at all with an export.
    plain = new_map("anonymous", PAGE)
    view = memoryview(plain)
    with pytest.raises(BufferError):
        plain.resize(2 * PAGE)
    view.release()
    plain.resize(2 * PAGE)
    del arr


def test_reserve_with_an_export_is_refused_unless_it_changes_nothing(new_map):
    m = new_map("anonymous", PAGE, capacity=4 * PAGE)
    view = memoryview(m)
    m.reserve(2 * PAGE)                  # nothing to do: allowed
    with pytest.raises(BufferError, match="exported"):
        m.reserve(8 * PAGE)
    with pytest.raises(BufferError):
        m.reserve(8 * PAGE, nomove=True)
    assert m.capacity < 8 * PAGE
    view.release()
    m.reserve(8 * PAGE)
    assert m.capacity >= 8 * PAGE


def test_close_still_refuses_any_export(new_map):
    m = new_map("anonymous", PAGE, capacity=4 * PAGE)
    view = memoryview(m)
    m.resize(2 * PAGE)
    with pytest.raises(BufferError):
        m.close()
    view.release()
    m.close()


def test_a_truncating_shrink_that_cuts_no_export(make_file):
    path = make_file(bytes(4 * PAGE))
    with memmap.open(path, "r+", capacity=8 * PAGE) as m:
        arr = np.frombuffer(m, dtype=np.uint8, count=PAGE)  # np.frombuffer exports all 4 pages
        with pytest.raises(BufferError):
            m.resize(PAGE, truncate=True)
        del arr
        view = memoryview(m)
        m.resize(8 * PAGE)
        m.resize(4 * PAGE, truncate=True)
        assert os.path.getsize(path) == 4 * PAGE
        view[0] = 1
        view.release()


def test_the_mmap_drop_in_keeps_the_standard_rules():
    # The standard mmap refuses any resize while buffers are exported, and has no reserve().
    m = memmap.mmap(-1, 4 * PAGE)
    assert not hasattr(m, "reserve") and not hasattr(m, "capacity")
    view = memoryview(m)
    with pytest.raises(BufferError, match="mmap can't resize with extant buffers exported."):
        m.resize(2 * PAGE)
    with pytest.raises(BufferError, match="mmap can't resize with extant buffers exported."):
        m.resize(4 * PAGE)
    view.release()
    m.resize(2 * PAGE)
    m.close()


# --- threads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_readers_run_while_the_map_grows_and_shrinks(new_map, kind):
    # Reader threads sum an exported array (numpy releases the GIL for big
    # reductions) and read through the map while this thread resizes it inside
    # the capacity, never below the array's end: no crash, every sum right,
    # and the data never moves.  The readers signal each pass so the test
    # waits for real overlap rather than sleeping.
    head = 64 * PAGE
    m = new_map(kind, head, capacity=512 * PAGE)
    m[:] = b"\x01" * head
    first = np.frombuffer(m, dtype=np.uint8)
    at = first.__array_interface__["data"][0]
    stop = threading.Event()
    passes = [0, 0]
    errors = []

    def reader(slot):
        try:
            while not stop.is_set():
                assert int(first.sum()) == head
                assert m[head - 1] == 1
                passes[slot] += 1
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(2)]
    # Each resize hands the GIL over twice; the default 5 ms switch interval
    # would make that a convoy of waits, not a test.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    for t in threads:
        t.start()
    try:
        for i in range(1000):
            m.resize(head + (i * 37 % 448) * PAGE + i % PAGE)
            if i % 2:
                m.write_at(len(m) - 1, b"\x02")
            if errors:
                break
        # Keep going until each reader has run beside the resizes a while.
        i = 0
        while min(passes) < 200 and not errors:
            m.resize(head + (i % 448) * PAGE)
            i += 1
    finally:
        stop.set()
        for t in threads:
            t.join()
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert first.__array_interface__["data"][0] == at and address(m) == at
    assert int(first.sum()) == head
    del first
