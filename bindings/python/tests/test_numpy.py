# SPDX-License-Identifier: MIT
"""numpy sees the mapped memory itself: writes through either side show in the other."""
import pytest

import memmap

np = pytest.importorskip("numpy", reason="numpy is not installed (Debian: python3-numpy)")

PAGE = memmap.PAGE_SIZE


def test_frombuffer_is_zero_copy_both_ways(make_file):
    path = make_file(bytes(8 * 1000))
    with memmap.open(path, "r+") as m:
        arr = np.frombuffer(m, dtype=np.int64)
        assert arr.shape == (1000,) and arr.flags.writeable and not arr.flags.owndata
        arr[:] = np.arange(1000)
        assert m.read_at(8 * 999, 8) == (999).to_bytes(8, "little")   # array -> map
        m.write_at(0, (-5).to_bytes(8, "little", signed=True))
        assert arr[0] == -5                                              # map -> array
        del arr
        m.sync()
    assert np.fromfile(path, dtype=np.int64)[1:].tolist() == list(range(1, 1000))


def test_array_keeps_the_map_open_until_deleted():
    m = memmap.anonymous(PAGE)
    arr = np.frombuffer(m, dtype=np.uint8)
    with pytest.raises(BufferError):
        m.close()
    with pytest.raises(BufferError):
        m.resize(2 * PAGE)
    view = arr[10:20]  # a view of the array holds the same export
    del arr
    with pytest.raises(BufferError):
        m.close()
    del view
    m.close()


def test_read_only_map_gives_read_only_array(make_file):
    with memmap.open(make_file(bytes(range(16))), "r") as m:
        arr = np.frombuffer(m, dtype=np.uint8)
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1
        assert arr.sum() == sum(range(16))
        del arr


def test_copy_on_write_array(make_file):
    path = make_file(bytes(16))
    with memmap.open(path, "c") as m:
        arr = np.frombuffer(m, dtype=np.uint8)
        arr[:] = 7
        assert m[:] == bytes([7]) * 16
        del arr
    assert path.read_bytes() == bytes(16)


def test_numpy_in_shared_memory(shm_name):
    with memmap.shared_memory(shm_name, 4 * 256, create=True) as a, memmap.shared_memory(shm_name) as b:
        x = np.frombuffer(a, dtype=np.float32)
        y = np.frombuffer(b, dtype=np.float32)
        x[:] = np.linspace(0, 1, 256, dtype=np.float32)
        assert np.array_equal(x, y)
        del x, y


def test_numpy_writes_into_the_map_with_asarray_and_memoryview():
    with memmap.anonymous(64) as m:
        view = memoryview(m)
        arr = np.asarray(view).view(np.uint32)
        arr[3] = 0xDEADBEEF
        assert m[12:16] == (0xDEADBEEF).to_bytes(4, "little")
        del arr
        view.release()
