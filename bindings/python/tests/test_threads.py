# SPDX-License-Identifier: MIT
"""Threads sharing one map: copies and resize()/close() wait for each other.

A copy of at least 256 KiB runs without the GIL.  resize() and close() wait
for the copies already running and hold back new ones, so they succeed however
many threads keep copying; the copies wait while the mapping is replaced and
never see it half-done.  Only an exported buffer (a memoryview) makes resize()
and close() refuse, as with the standard mmap.
"""
import os
import sys
import threading

import pytest

import memmap

PAGE = memmap.PAGE_SIZE
BIG = 512 * 1024  # above the 256 KiB from which copies release the GIL
THREADS = 8


def new_anonymous(kind, length):
    return memmap.anonymous(length) if kind == "Map" else memmap.mmap(-1, length, flags=memmap.MAP_PRIVATE)


def start_copiers(m, stop, failures, closed_ok=False):
    """THREADS threads copying the whole map (and a find) until stop is set."""

    def copy_loop():
        try:
            while not stop.is_set():
                data = m[:]
                assert len(data) >= BIG and data[:4] == b"\x07" * 4
                if isinstance(m, memmap.mmap):
                    assert m.find(b"\x08", 0) == -1
        except ValueError:
            if not closed_ok:
                failures.append(sys.exc_info()[1])
        except Exception as e:  # noqa: BLE001  (anything else is a failure)
            failures.append(e)

    threads = [threading.Thread(target=copy_loop) for _ in range(THREADS)]
    for t in threads:
        t.start()
    return threads


def join_all(threads):
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a copying thread never finished"


@pytest.mark.parametrize("kind", ["Map", "mmap"])
def test_resize_succeeds_while_threads_copy(kind):
    m = new_anonymous(kind, BIG)
    m[:] = b"\x07" * BIG
    stop, failures = threading.Event(), []
    threads = start_copiers(m, stop, failures)
    try:
        for i in range(100):
            new_length = BIG + PAGE * (i % 5)
            m.resize(new_length)  # never BufferError: no buffer is exported
            assert len(m) == new_length
            m[BIG:] = b"\x07" * (new_length - BIG)
    finally:
        stop.set()
        join_all(threads)
    assert failures == []
    m.close()


@pytest.mark.parametrize("kind", ["Map", "mmap"])
def test_close_succeeds_while_threads_copy(kind):
    m = new_anonymous(kind, BIG)
    m[:] = b"\x07" * BIG
    stop, failures = threading.Event(), []
    threads = start_copiers(m, stop, failures, closed_ok=True)
    try:
        m[:4]  # the copiers are running
        m.close()  # waits for the copies in flight, then closes; never BufferError
        assert m.closed
    finally:
        stop.set()
        join_all(threads)  # each copier ends on the closed map's ValueError
    assert failures == []


@pytest.mark.parametrize("kind", ["Map", "mmap"])
def test_memoryviews_block_resize_until_released(kind):
    m = new_anonymous(kind, BIG)
    held = threading.Barrier(THREADS + 1)
    release = threading.Event()
    views_released = threading.Barrier(THREADS + 1)

    def hold_view():
        view = memoryview(m)
        held.wait()
        release.wait()
        view.release()
        views_released.wait()

    threads = [threading.Thread(target=hold_view) for _ in range(THREADS)]
    for t in threads:
        t.start()
    held.wait()
    with pytest.raises(BufferError):
        m.resize(BIG * 2)
    with pytest.raises(BufferError):
        m.close()
    release.set()
    views_released.wait()
    m.resize(BIG * 2)
    assert len(m) == BIG * 2
    m.close()
    for t in threads:
        t.join()


class ClosingIndex:
    def __init__(self, m, value):
        self.m, self.value = m, value

    def __index__(self):
        self.m.close()
        return self.value


@pytest.mark.parametrize("kind, message", [("Map", "operation on a closed map"), ("mmap", "mmap closed or invalid")])
def test_an_item_value_that_closes_the_map(kind, message):
    # The same error whichever argument's conversion closes the map, on both
    # types: the core checks the map again after converting.
    for store in (lambda m: m.__setitem__(0, ClosingIndex(m, 1)),
                  lambda m: m.__setitem__(ClosingIndex(m, 0), 1),
                  lambda m: m.__getitem__(ClosingIndex(m, 0))):
        m = new_anonymous(kind, PAGE)
        with pytest.raises(ValueError, match=message):
            store(m)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd (Linux)")
def test_a_file_map_holds_one_descriptor(make_file):
    path = make_file(b"x" * PAGE)
    before = len(os.listdir("/proc/self/fd"))
    maps = []
    with open(path, "r+b") as f:
        for _ in range(10):
            maps.append(memmap.mmap(f.fileno(), 0))
    assert len(os.listdir("/proc/self/fd")) == before + 10
    assert all(m.size() == PAGE for m in maps)
    for m in maps:
        m.close()
    assert len(os.listdir("/proc/self/fd")) == before
