# SPDX-License-Identifier: MIT
"""The page cache: Map.residency(), Map.evict(), huge-page advice and anonymous(huge=True)."""
import errno
import os
import sys
import threading
import time

import pytest

import memmap

PAGE = memmap.PAGE_SIZE
PAGES = 64


def resident(m, offset=0, length=None):
    return m.residency(offset, length)[1]


def touch_all(m):
    """Reads one byte of every page."""
    return sum(m[i] for i in range(0, len(m), PAGE))


def eviction_unobservable(path):
    """Why evicting the file at path cannot be seen here, or None when it can.

    The C tests (tests/test_cache.c) say the same: on tmpfs the pages are the
    file, and only Linux's page cache is checked (Windows reports a working set).
    """
    if sys.platform != "linux":
        return "eviction is checked on Linux only"
    path = os.path.realpath(path)
    best, fstype = "", None
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            point = fields[1].replace("\\040", " ")
            inside = path == point or path.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(best):
                best, fstype = point, fields[2]
    if fstype == "tmpfs":
        return "the file is on tmpfs, whose pages are the file and cannot be evicted"
    return None


def synced_file(make_file, data):
    """A file whose data is on the disk, so the page cache may drop it."""
    path = make_file(data)
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
    return path


# --- residency ------------------------------------------------------------------

def test_touched_anonymous_pages_are_all_resident():
    with memmap.anonymous(PAGES * PAGE) as m:
        for i in range(0, len(m), PAGE):
            m[i] = 1
        vector, count = m.residency()
        assert count == PAGES
        assert vector == b"\x01" * PAGES


def test_untouched_anonymous_memory_has_no_resident_pages():
    with memmap.anonymous(PAGES * PAGE) as m:
        assert m.residency() == (bytes(PAGES), 0)
        m[5 * PAGE] = 1
        vector, count = m.residency()
        assert count == 1 and vector[5] == 1 and vector.count(0) == PAGES - 1


def test_vector_has_one_byte_per_page_of_the_widened_range():
    with memmap.anonymous(8 * PAGE) as m:
        assert len(m.residency()[0]) == 8
        assert len(m.residency(PAGE)[0]) == 7
        assert len(m.residency(0, 1)[0]) == 1
        assert len(m.residency(PAGE - 1, 2)[0]) == 2        # across a page boundary
        assert len(m.residency(1, 2 * PAGE)[0]) == 3
        assert m.residency(len(m)) == (b"", 0)                # an empty range asks nothing
        assert m.residency(3, 0) == (b"", 0)
        assert m.residency(offset=PAGE, length=PAGE)[0] == b"\x00"
    with memmap.anonymous(0) as empty:
        assert empty.residency() == (b"", 0)


def test_vector_widens_from_the_mapped_address(make_file):
    # The map starts 100 bytes into a page: one page of data spans two pages.
    path = make_file(bytes(4 * PAGE))
    with memmap.open(path, "r", offset=100, length=PAGE) as m:
        vector, count = m.residency()
        assert len(vector) == 2 and 0 <= count <= 2
        assert len(m.residency(0, PAGE - 100)[0]) == 1


def test_vector_is_bytes_and_works_with_numpy():
    np = pytest.importorskip("numpy", reason="numpy is not installed (Debian: python3-numpy)")
    with memmap.anonymous(16 * PAGE) as m:
        m[0:PAGE] = b"\x01" * PAGE
        m[9 * PAGE] = 1
        vector, count = m.residency()
        assert type(vector) is bytes
        pages = np.frombuffer(vector, dtype=np.uint8)
        assert pages.shape == (16,)
        assert int((pages & 1).sum()) == count == 2
        assert np.flatnonzero(pages & 1).tolist() == [0, 9]


def test_file_pages_are_resident_after_reading(make_file):
    with memmap.open(make_file(os.urandom(PAGES * PAGE)), "r") as m:
        touch_all(m)
        assert m.residency() == (b"\x01" * PAGES, PAGES)


# --- eviction -------------------------------------------------------------------

def test_evict_drops_clean_file_pages(make_file):
    path = synced_file(make_file, os.urandom(PAGES * PAGE))
    why = eviction_unobservable(path)
    if why:
        pytest.skip(why)
    data = path.read_bytes()
    with memmap.open(path, "r") as m:
        touch_all(m)
        assert resident(m) == PAGES
        assert m.evict() is None
        # As in the C tests: a page or two the kernel's readahead may bring back.
        assert resident(m) <= 2
        assert m[:] == data                                   # read again from the disk


def test_evict_of_a_dirty_shared_file_map_loses_nothing(make_file):
    path = synced_file(make_file, os.urandom(PAGES * PAGE))
    want = bytearray(path.read_bytes())
    with memmap.open(path, "r+") as m:
        for i in (0, 17 * PAGE + 5, len(m) - 1):
            m[i] = want[i] = want[i] ^ 0xFF
        m.evict()                                             # no sync() called
        if not eviction_unobservable(path):
            # Dirty pages cannot leave the page cache: gone means written back.
            assert resident(m) <= 2
        assert m[:] == want
    assert path.read_bytes() == want


def test_evict_of_private_and_anonymous_maps_keeps_the_data(make_file):
    original = os.urandom(PAGES * PAGE)
    path = synced_file(make_file, original)
    changes = os.urandom(PAGES * PAGE)
    with memmap.open(path, "c") as private, memmap.anonymous(PAGES * PAGE) as anon, \
            memmap.anonymous(PAGES * PAGE, shared=True) as shared:
        for m in (private, anon, shared):
            m[:] = changes
            m.evict()
            assert m[:] == changes                            # never discarded (MADV_DONTNEED would)
        private.evict(PAGE, PAGE)
        assert private[:] == changes
    assert path.read_bytes() == original                      # ... and never reach the file


def test_evict_of_part_of_a_map(make_file):
    with memmap.anonymous(8 * PAGE) as m:
        m[:] = b"\x05" * len(m)
        m.evict(PAGE + 1, PAGE)
        m.evict(len(m))                                       # an empty range does nothing
        assert m[:] == b"\x05" * len(m)


# --- huge pages -----------------------------------------------------------------

@pytest.mark.parametrize("advice", [memmap.HUGEPAGE, memmap.NOHUGEPAGE])
def test_advise_huge_pages(make_file, advice):
    assert len({memmap.NORMAL, memmap.SEQUENTIAL, memmap.RANDOM, memmap.WILLNEED, memmap.DONTNEED,
                memmap.HUGEPAGE, memmap.NOHUGEPAGE}) == 7
    with memmap.anonymous(4 * PAGE) as m:
        m[:] = b"\x03" * len(m)
        assert m.advise(advice) is None
        assert m.advise(advice, 1, PAGE) is None
        assert m[:] == b"\x03" * len(m)
    with memmap.open(make_file(b"\x04" * 2 * PAGE), "r") as f:
        assert f.advise(advice) is None                       # a file: accepted, a hint as others
        assert f[:] == b"\x04" * 2 * PAGE


def thp_expected(length):
    """Whether the C library grants huge=True for private anonymous memory of length bytes,
    by its documented rule; None where the rule depends on what cannot be read here."""
    if sys.platform != "linux":
        return None if sys.platform == "win32" else False
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii") as f:
            enabled = f.read()
        with open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", encoding="ascii") as f:
            huge_page = int(f.read())
    except OSError:
        return None
    return "[never]" not in enabled and length >= huge_page


def test_huge_anonymous_memory_works_and_says_whether_it_was_granted():
    length = 4 << 20
    with memmap.anonymous(length, huge=True) as m:
        assert len(m) == length and isinstance(m.huge, bool)
        expected = thp_expected(length)
        if expected is not None:
            assert m.huge == expected
        data = os.urandom(PAGE) * (length // PAGE)
        m[:] = data
        assert m[:] == data
        # Residency counts pages of PAGE_SIZE, huge or not.
        assert m.residency() == (b"\x01" * (length // PAGE), length // PAGE)
        m.advise(memmap.NOHUGEPAGE)
        assert m[:] == data


def test_huge_is_false_unless_asked_for(make_file):
    with memmap.anonymous(4 << 20) as m:
        assert m.huge is False
    with memmap.anonymous(4 << 20, huge=False) as m:
        assert m.huge is False
    with memmap.open(make_file(b"x" * PAGE)) as f:
        assert f.huge is False
    # Too small for a huge page: refused, and not an error.
    with memmap.anonymous(PAGE, huge=True) as small:
        small[0] = 1
        assert isinstance(small.huge, bool)
        if sys.platform == "linux":
            assert small.huge is False
    with pytest.raises(TypeError):
        memmap.anonymous(PAGE, False, False, True)         # huge is keyword-only, as populate


# --- errors ---------------------------------------------------------------------

RANGE_CALLS = {"residency": lambda m, *a: m.residency(*a), "evict": lambda m, *a: m.evict(*a),
               "lock": lambda m, *a: m.lock(*a)}


@pytest.mark.parametrize("name", sorted(RANGE_CALLS))
def test_bad_ranges_raise_what_other_range_methods_raise(name):
    call = RANGE_CALLS[name]
    with memmap.anonymous(4 * PAGE) as m:
        for args, exc in (((len(m) + 1,), ValueError), ((len(m) - 2, 3), ValueError), ((0, len(m) + 1), ValueError),
                          ((-1,), ValueError), ((0, -1), ValueError), (("1",), TypeError), ((0, 1.5), TypeError),
                          ((2 ** 70,), OverflowError)):
            with pytest.raises(exc):
                call(m, *args)


def test_residency_that_cannot_be_known_is_an_oserror_with_errno():
    # A process that changed user is undumpable, so Linux refuses it
    # /proc/self/pagemap, and for a file it may not write the page cache is
    # hidden too: the C library says ENOTSUP, which arrives as an OSError.
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("needs Linux and root to become another user")
    target = os.path.realpath(sys.executable)                 # root's, not writable by nobody
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            with memmap.open(target) as m:
                try:
                    m.residency()
                    code = 2
                except OSError as e:
                    code = 0 if type(e) is OSError and e.errno == errno.ENOTSUP else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


CLOSED_CALLS = [lambda m: m.residency(), lambda m: m.residency(0, 1), lambda m: m.evict(),
                lambda m: m.evict(0, 1), lambda m: m.huge, lambda m: m.advise(memmap.HUGEPAGE)]


@pytest.mark.parametrize("call", CLOSED_CALLS)
def test_calls_on_a_closed_map_raise_value_error(call):
    m = memmap.anonymous(PAGE)
    m.close()
    with pytest.raises(ValueError, match="closed"):
        call(m)


class ClosingIndex:
    """An index whose conversion closes the map it is used on."""

    def __init__(self, m):
        self.m = m

    def __index__(self):
        self.m.close()
        return 0


@pytest.mark.parametrize("call", [lambda m, i: m.residency(i), lambda m, i: m.residency(0, i),
                                  lambda m, i: m.evict(i), lambda m, i: m.evict(0, i)])
def test_argument_conversion_that_closes_the_map(call):
    m = memmap.anonymous(PAGE)
    with pytest.raises(ValueError, match="closed"):
        call(m, ClosingIndex(m))


# --- threads --------------------------------------------------------------------

def test_residency_and_evict_while_another_thread_resizes_or_closes():
    # Both run without the GIL; resize() and close() wait for them, so the
    # vector always matches the map's size at the time of the call.
    m = memmap.anonymous(PAGE, huge=False)
    stop = threading.Event()
    unexpected = []

    def worker():
        while not stop.is_set():
            try:
                vector, count = m.residency()
                assert 1 <= len(vector) <= 64 and count <= len(vector)
                m.evict()
            except ValueError:
                return  # closed under us: reported as closed
            except Exception as e:  # pragma: no cover
                unexpected.append(e)
                return

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(200):
            m.resize(PAGE * (1 + i % 64))
            m[len(m) - 1] = 1
    finally:
        m.close()
        stop.set()
        for t in threads:
            t.join()
    assert not unexpected


def residency_until_closed(m, started, results, unexpected):
    """Calls m.residency() until the map is closed, keeping the results."""
    try:
        while True:
            started.set()
            results.append(m.residency())
    except ValueError:
        pass  # closed between two calls: reported as closed
    except Exception as e:  # pragma: no cover
        unexpected.append(e)


def test_close_waits_for_residency_in_another_thread():
    # A large map (never touched: it costs no memory) keeps residency() busy
    # without the GIL for a while; close() must wait for it rather than unmap
    # the pages the kernel is looking at.  Several rounds, as this is a race.
    for _ in range(20):
        m = memmap.anonymous(1 << 30)
        pages = len(m) // PAGE
        started = threading.Event()
        results, unexpected = [], []
        t = threading.Thread(target=residency_until_closed, args=(m, started, results, unexpected))
        t.start()
        started.wait()
        time.sleep(0.002)
        m.close()
        t.join()
        assert not unexpected
        assert all(vector == bytes(pages) and count == 0 for vector, count in results)
