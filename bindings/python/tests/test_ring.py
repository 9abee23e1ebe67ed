# SPDX-License-Identifier: MIT
"""Mirrored rings (memmap.ring): both views in one buffer, across processes.

Run as a script (``python test_ring.py recv RING CONTROL``), this file is the
receiving side of the two-process test.
"""
import errno
import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest

import memmap

GRAN = memmap.GRANULARITY
PAGE = memmap.PAGE_SIZE
HAS_FORK = hasattr(os, "fork")


def child_env():
    """The environment a child interpreter needs to import this same memmap."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(memmap.__file__)))
    path = os.pathsep.join([package_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    return dict(os.environ, PYTHONPATH=path)


@pytest.fixture(params=["anonymous", "named"])
def any_ring(request, shm_name):
    """A fresh ring of 4 granules, without a name and with one."""
    name = shm_name if request.param == "named" else None
    r = memmap.ring(4 * GRAN, name, create=name is not None)
    yield r
    r.close()


# --- the two views --------------------------------------------------------------

def test_size_length_and_buffer_cover_both_views(any_ring):
    r = any_ring
    size = 4 * GRAN
    assert r.size == size and r.capacity == size
    assert len(r) == 2 * size and r.mirrored and r.writable and r.offset == 0
    assert "ring" in repr(r)
    a = np.frombuffer(r, dtype=np.uint8)
    assert a.shape == (2 * size,) and a.flags.writeable
    with memoryview(r) as view:
        assert view.nbytes == 2 * size and not view.readonly
    assert len(bytes(r)) == 2 * size
    del a


def test_other_maps_are_not_mirrored(shm_name):
    with memmap.anonymous(GRAN) as m:
        assert not m.mirrored and len(m) == m.size
    with memmap.shared_memory(shm_name, GRAN, create=True) as m:
        assert not m.mirrored


def test_mirror_identity_at_every_offset(any_ring):
    r = any_ring
    size = r.size
    a = np.frombuffer(r, dtype=np.uint8)
    rng = np.random.default_rng(12)
    # Random bytes differ from their neighbours: a view shifted by any amount fails.
    first = rng.integers(0, 256, size, dtype=np.uint8)
    a[:size] = first
    assert np.array_equal(a[size:], first)
    second = rng.integers(0, 256, size, dtype=np.uint8)
    a[size:] = second
    assert np.array_equal(a[:size], second)
    # One byte at a time, each view in turn, seen by the other and by the guarded copies.
    for i in range(size):
        a[i] = i % 251
        assert a[i + size] == i % 251
        a[i + size] = 255 - i % 251
        assert a[i] == 255 - i % 251
    for i in random.Random(5).sample(range(size), 200):
        assert r[i] == r[i + size] == 255 - i % 251
        assert r[i - size] == r[i]  # negative indexes count from the end of the second view
    del a


def test_wider_dtypes_see_the_mirror(any_ring):
    r = any_ring
    words = np.frombuffer(r, dtype=np.uint64)
    half = len(words) // 2
    words[:half] = np.arange(half, dtype=np.uint64) * 0x0101010101010101
    assert np.array_equal(words[half:], words[:half])
    del words


def test_record_straddling_the_wrap(any_ring):
    r = any_ring
    size = r.size
    record = bytes(random.Random(7).randrange(256) for _ in range(1000))
    start = size - 300
    # One guarded slice assignment across the end of the first view ...
    r[start:start + len(record)] = record
    a = np.frombuffer(r, dtype=np.uint8)
    # ... read back as one numpy slice, and in its two pieces.
    assert a[start:start + len(record)].tobytes() == record
    assert a[start:size].tobytes() == record[:300]
    assert a[:700].tobytes() == record[300:]
    # The other way round: one numpy store across the wrap, one guarded read.
    record2 = np.frombuffer(record[::-1], dtype=np.uint8)
    a[start:start + 1000] = record2
    assert r[start:start + 1000] == record[::-1]
    assert r.read_at(start, 1000) == record[::-1]
    # A typed record across the wrap: uint64 values read in one piece.
    values = np.array([1, 2, 3, 2 ** 64 - 1], dtype=np.uint64)
    assert r.write_at(size - 16, values.tobytes()) == 32
    assert np.array_equal(np.frombuffer(r, dtype=np.uint64, count=4, offset=size - 16), values)
    del a


def test_slices_and_copies_reach_both_views_only(any_ring):
    r = any_ring
    size = r.size
    r[2 * size - 1] = 9
    assert r[size - 1] == 9 and r[-1] == 9
    with pytest.raises(IndexError):
        r[2 * size]
    assert len(r[size - 4:]) == size + 4  # slices clip at 2 * size
    with pytest.raises(ValueError):
        r.read_at(2 * size - 10, 20)
    with pytest.raises(ValueError):
        r.write_at(2 * size - 1, b"xy")
    # A source that is the ring itself, in the other view: overlap handled.
    r[:8] = b"abcdefgh"
    with memoryview(r) as view:
        r[4:12] = view[size:size + 8]
    assert r[:12] == b"abcdabcdefgh"


def test_range_operations_act_on_both_views(any_ring):
    r = any_ring
    size = r.size
    r.sync()
    r.advise(memmap.WILLNEED)
    r.lock(0, PAGE)
    r.unlock(0, PAGE)
    vector, count = r.residency()
    assert len(vector) == size // PAGE
    # They take ranges in the first view only ...
    with pytest.raises(ValueError):
        r.sync(size, 1)
    with pytest.raises(ValueError):
        r.protect(memmap.PROT_READ, size - PAGE, 2 * PAGE)
    # ... and act on both: a page made read-only is read-only at its mirror too.
    r.protect(memmap.PROT_READ, 0, PAGE)
    try:
        with pytest.raises(OSError) as info:
            r[size + 1] = 1
        assert info.value.errno == errno.EIO
        assert r[size + 1] == r[1]  # still readable
    finally:
        r.protect(memmap.PROT_READ | memmap.PROT_WRITE, 0, PAGE)
    r[size + 1] = 1
    assert r[1] == 1


def test_resize_and_reserve_are_refused(any_ring):
    r = any_ring
    size = r.size
    for new_length in (size, 2 * size, size // 2):
        with pytest.raises(OSError) as info:
            r.resize(new_length)
        assert info.value.errno == errno.ENOTSUP
    r.reserve(size)  # not above the capacity: nothing to do
    with pytest.raises(OSError) as info:
        r.reserve(2 * size)
    assert info.value.errno == errno.ENOTSUP
    # The same answers while an array of the ring is alive: not BufferError.
    a = np.frombuffer(r, dtype=np.uint8)
    with pytest.raises(OSError) as info:
        r.resize(2 * size)
    assert info.value.errno == errno.ENOTSUP
    with pytest.raises(OSError) as info:
        r.reserve(2 * size)
    assert info.value.errno == errno.ENOTSUP
    with pytest.raises(BufferError):
        r.close()
    del a
    assert len(r) == 2 * size and r.capacity == size


def test_closed_ring():
    r = memmap.ring(GRAN)
    r.close()
    assert r.closed
    with pytest.raises(ValueError):
        len(r)
    with pytest.raises(ValueError):
        r.mirrored
    assert "closed" in repr(r)


# --- arguments -------------------------------------------------------------------

@pytest.mark.parametrize("length", [0, -GRAN, -1, 1, GRAN // 2, GRAN + 1, 3 * GRAN - PAGE // 2])
def test_bad_lengths(length, shm_name):
    with pytest.raises(ValueError, match="GRANULARITY"):
        memmap.ring(length)
    with pytest.raises(ValueError, match="GRANULARITY"):
        memmap.ring(length, shm_name, create=True)
    with pytest.raises(FileNotFoundError):  # nothing was created
        memmap.unlink_shared_memory(shm_name)


def test_lengths_out_of_reach():
    # Not tried: a huge multiple of GRANULARITY (sys.maxsize // GRAN * GRAN).  The C
    # library sizes the unnamed object with its blocks allocated, and a memfd has no
    # size limit, so it fills memory until the OOM killer ends the process.
    with pytest.raises(OverflowError):
        memmap.ring(2 ** 64)
    with pytest.raises(TypeError):
        memmap.ring("4096")


def test_bad_names_and_flags(shm_name):
    with pytest.raises(TypeError):
        memmap.ring(GRAN, b"bytes-name")
    for name in ("", "..", "a/b", "x" * 201, "a\0b"):
        with pytest.raises(ValueError):
            memmap.ring(GRAN, name, create=True)
    for kwargs in ({"create": True}, {"exclusive": True}, {"readonly": True}):
        with pytest.raises(ValueError, match="need a name"):
            memmap.ring(GRAN, **kwargs)
    with pytest.raises(ValueError, match="exclusive=True needs create=True"):
        memmap.ring(GRAN, shm_name, exclusive=True)
    with pytest.raises(ValueError, match="readonly=False"):
        memmap.ring(GRAN, shm_name, create=True, readonly=True)


# --- named rings -------------------------------------------------------------------

def test_create_exclusive_twice(shm_name):
    with memmap.ring(GRAN, shm_name, create=True, exclusive=True) as r:
        assert shm_name in repr(r)
        with pytest.raises(FileExistsError) as info:
            memmap.ring(GRAN, shm_name, create=True, exclusive=True)
        assert info.value.errno == errno.EEXIST and info.value.filename == shm_name
        # create without exclusive opens the existing ring
        with memmap.ring(GRAN, shm_name, create=True) as again:
            r[GRAN - 2:GRAN + 2] = b"wrap"
            assert again[GRAN - 2:GRAN + 2] == b"wrap" and again[:2] == b"ap"


def test_two_maps_of_one_name_are_one_ring(shm_name):
    with memmap.ring(2 * GRAN, shm_name, create=True) as a, memmap.ring(2 * GRAN, shm_name) as b:
        a[:5] = b"first"
        assert b[:5] == b[2 * GRAN:2 * GRAN + 5] == b"first"
        b[4 * GRAN - 3:4 * GRAN] = b"end"
        assert a[2 * GRAN - 3:2 * GRAN] == b"end"


def test_missing_and_other_sized_names(shm_name):
    with pytest.raises(FileNotFoundError) as info:
        memmap.ring(GRAN, shm_name)
    assert info.value.filename == shm_name
    with memmap.ring(2 * GRAN, shm_name, create=True):
        for other in (GRAN, 4 * GRAN):
            with pytest.raises(OSError) as info:
                memmap.ring(other, shm_name)
            assert info.value.errno == errno.EINVAL and info.value.filename == shm_name
    # A shared memory object of another size is not a ring of this one either.
    memmap.unlink_shared_memory(shm_name)
    memmap.shared_memory(shm_name, GRAN + 1, create=True).close()
    with pytest.raises(OSError) as info:
        memmap.ring(GRAN, shm_name, create=True)
    assert info.value.errno == errno.EINVAL


def test_unlink_removes_the_name(shm_name):
    r = memmap.ring(GRAN, shm_name, create=True, exclusive=True)
    r[0] = 42
    memmap.unlink_shared_memory(shm_name)
    with pytest.raises(FileNotFoundError):
        memmap.ring(GRAN, shm_name)
    with pytest.raises(FileNotFoundError):
        memmap.unlink_shared_memory(shm_name)
    # The ring itself lives on, both views, until closed.
    r[GRAN + 1] = 43
    assert r[GRAN] == 42 and r[1] == 43
    # The name is free again: a new ring, not the old one.
    with memmap.ring(GRAN, shm_name, create=True, exclusive=True) as fresh:
        assert fresh[:2] == b"\0\0"
    r.close()


def test_read_only_ring_refuses_writes(shm_name):
    with memmap.ring(GRAN, shm_name, create=True) as writer:
        writer[GRAN - 1:GRAN + 1] = b"RO"
        with memmap.ring(GRAN, shm_name, readonly=True) as r:
            assert not r.writable and r.mirrored and "read-only" in repr(r)
            assert r[GRAN - 1:GRAN + 1] == b"RO" and r[0] == ord("O")
            with pytest.raises(TypeError, match="read-only"):
                r[0] = 1
            with pytest.raises(TypeError, match="read-only"):
                r[GRAN:GRAN + 2] = b"no"
            with pytest.raises(TypeError, match="read-only"):
                r.write_at(0, b"no")
            with memoryview(r) as view:
                assert view.readonly and view.nbytes == 2 * GRAN
            a = np.frombuffer(r, dtype=np.uint8)
            assert not a.flags.writeable
            with pytest.raises(ValueError):
                a[0] = 1
            del a
            with pytest.raises(PermissionError):
                r.protect(memmap.PROT_READ | memmap.PROT_WRITE)
            assert r[GRAN - 1:GRAN + 1] == b"RO"


@pytest.mark.skipif(not HAS_FORK, reason="needs os.fork: an unnamed ring is shared with forked children only")
def test_unnamed_ring_is_shared_with_a_forked_child():
    r = memmap.ring(GRAN)
    pid = os.fork()
    if pid == 0:  # the child writes across the wrap and leaves at once
        try:
            r[GRAN - 3:GRAN + 3] = b"forked"
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert r[GRAN - 3:GRAN] == b"for" and r[:3] == b"ked"
    r.close()


# --- a stream between two processes ---------------------------------------------------
#
# The sender (the test) and the receiver (this file run as a script) share a
# named ring of 64 KiB and a control page (named shared memory): two uint64
# counters, HEAD the bytes written so far, TAIL the bytes consumed.  The sender
# writes at HEAD % size, the receiver checks at TAIL % size, each one record
# as one contiguous piece whatever the wrap, then moves its own counter.  Each
# waits for the other's counter, yielding the CPU, and gives up when the other
# process is gone.  The counters are plain numpy loads and stores, each its
# own C call: the compiler cannot reorder them across, and x86-64 keeps stores
# in order, and loads too; on weaker CPUs a real program needs atomics
# (examples/ring_pipe has them).

RING_LENGTH = 64 * 1024
STREAM_LENGTH = 8 * 1024 * 1024
HEAD, TAIL = 0, 1
# Irregular record sizes, up to the whole ring: most straddle the wrap somewhere.
SEND_SIZES = (1, 4093, 65536, 12345, 32773, 777, 65535, 20000)
RECEIVE_SIZES = (65536, 3000, 50001, 9999)
WAIT_SECONDS = 60


def stream_bytes(start, count):
    """Bytes start .. start+count of the stream: each differs from its neighbours and from
    the byte a whole ring length earlier, so a misplaced or stale byte shows."""
    i = np.arange(start, start + count, dtype=np.uint64)
    return (i ^ (i >> np.uint64(8)) ^ (i >> np.uint64(16))).astype(np.uint8)


def wait_for(ready, peer_alive, what):
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        if not peer_alive():
            raise RuntimeError("the other process is gone while waiting for %s" % what)
        if time.monotonic() > deadline:
            raise TimeoutError("no progress in %d s waiting for %s" % (WAIT_SECONDS, what))
        time.sleep(0)  # yields the CPU to the other side


def receive(ring_name, control_name):
    """The receiving process: checks every byte of the stream in place, in the ring."""
    parent = os.getppid()
    ring = memmap.ring(RING_LENGTH, ring_name)
    control = memmap.shared_memory(control_name)
    counters = np.frombuffer(control, dtype=np.uint64, count=2)
    data = np.frombuffer(ring, dtype=np.uint8)
    tail, records = 0, 0
    while tail < STREAM_LENGTH:
        wait_for(lambda: int(counters[HEAD]) > tail, lambda: os.getppid() == parent, "data")
        count = min(int(counters[HEAD]) - tail, RECEIVE_SIZES[records % len(RECEIVE_SIZES)])
        at = tail % RING_LENGTH
        if records % 3 == 0:  # through a guarded copy
            received = np.frombuffer(ring[at:at + count], dtype=np.uint8)
        else:  # in place, through the buffer
            received = data[at:at + count]
        expected = stream_bytes(tail, count)
        if not np.array_equal(received, expected):
            bad = int(np.flatnonzero(received != expected)[0])
            sys.exit("byte %d of the stream is %d, not %d" % (tail + bad, received[bad], expected[bad]))
        tail += count
        records += 1
        counters[TAIL] = tail
    del counters, data, received  # the arrays pin the maps
    control.close()
    ring.close()
    print("received %d bytes in %d records" % (tail, records))


def test_stream_between_two_processes(shm_name):
    ring_name, control_name = shm_name, shm_name + "-control"
    ring = memmap.ring(RING_LENGTH, ring_name, create=True, exclusive=True)
    control = memmap.shared_memory(control_name, PAGE, create=True, exclusive=True)
    counters = np.frombuffer(control, dtype=np.uint64, count=2)
    data = np.frombuffer(ring, dtype=np.uint8)
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "recv", ring_name, control_name],
                             env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    head, records, failure = 0, 0, None
    try:
        try:
            while head < STREAM_LENGTH:
                count = min(SEND_SIZES[records % len(SEND_SIZES)], STREAM_LENGTH - head)
                wait_for(lambda: head + count - int(counters[TAIL]) <= RING_LENGTH, lambda: child.poll() is None,
                         "room")
                at = head % RING_LENGTH
                record = stream_bytes(head, count)
                if records % 2 == 0:  # one guarded slice assignment, across the wrap or not
                    ring[at:at + count] = record
                else:  # one numpy store
                    data[at:at + count] = record
                head += count
                records += 1
                counters[HEAD] = head
        except (RuntimeError, TimeoutError) as error:
            failure = error  # the receiver's own report below says more
        out, err = child.communicate(timeout=WAIT_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        del counters, data
        control.close()
        ring.close()
        memmap.unlink_shared_memory(control_name)
    assert child.returncode == 0, err
    assert failure is None, failure
    assert out.startswith("received %d bytes" % STREAM_LENGTH), out
    assert records > STREAM_LENGTH // RING_LENGTH


if __name__ == "__main__" and sys.argv[1:2] == ["recv"]:
    receive(*sys.argv[2:4])
