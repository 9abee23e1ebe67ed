# SPDX-License-Identifier: MIT
"""memmap.open and memmap.open_fd: every mode, offsets, lengths, growth, empty files, errors."""
import errno
import os
import pathlib

import pytest

import memmap

PAGE = memmap.PAGE_SIZE


def test_read_only_maps_whole_file(make_file):
    path = make_file(b"hello world")
    with memmap.open(path) as m:
        assert len(m) == m.size == 11
        assert m.offset == 0
        assert not m.writable and not m.copy_on_write and not m.closed
        assert m[:] == b"hello world"


@pytest.mark.parametrize("convert", [str, os.fsencode, pathlib.Path], ids=["str", "bytes", "PathLike"])
def test_path_types(make_file, convert):
    path = make_file(b"abc")
    with memmap.open(convert(str(path))) as m:
        assert m[:] == b"abc"


def test_read_write_reaches_the_file(make_file):
    path = make_file(b"0123456789")
    with memmap.open(path, "r+") as m:
        assert m.writable
        m[0:3] = b"abc"
        m[9] = ord("Z")
        m.sync()
    assert path.read_bytes() == b"abc345678Z"


def test_read_write_is_shared_between_maps(make_file):
    path = make_file(b"\0" * 100)
    with memmap.open(path, "r+") as a, memmap.open(path, "r") as b:
        a[10:15] = b"hello"
        assert b[10:15] == b"hello"


def test_w_plus_creates_and_truncates(tmp_path):
    path = tmp_path / "new.bin"
    with memmap.open(path, "w+", length=4 * PAGE) as m:
        assert len(m) == 4 * PAGE
        assert m[:] == bytes(4 * PAGE)
        m[-1] = 7
    assert path.stat().st_size == 4 * PAGE
    assert path.read_bytes()[-1] == 7
    # Again: an existing file is cut to offset + length.
    with memmap.open(path, "w+", length=10) as m:
        assert m[:] == bytes(10)
    assert path.stat().st_size == 10


def test_w_plus_without_length_gives_an_empty_map(make_file):
    path = make_file(b"old contents")
    with memmap.open(path, "w+") as m:
        assert len(m) == 0
    assert path.stat().st_size == 0


def test_x_plus_creates_only_new_files(tmp_path, make_file):
    path = tmp_path / "fresh.bin"
    with memmap.open(path, "x+", length=16) as m:
        m[:4] = b"new!"
    assert path.read_bytes()[:4] == b"new!"
    with pytest.raises(FileExistsError) as info:
        memmap.open(path, "x+", length=16)
    assert info.value.errno == errno.EEXIST
    assert info.value.filename == str(path)


def test_permissions_of_a_created_file(tmp_path):
    path = tmp_path / "perm.bin"
    old = os.umask(0)
    try:
        memmap.open(path, "x+", length=1, permissions=0o640).close()
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o640


def test_copy_on_write_never_reaches_the_file(make_file):
    path = make_file(b"original")
    with memmap.open(path, "c") as m:
        assert m.writable and m.copy_on_write
        m[:] = b"modified"
        assert m[:] == b"modified"
        m.sync()  # succeeds, does nothing
    assert path.read_bytes() == b"original"


@pytest.mark.parametrize("offset", [0, 1, 7, PAGE - 1, PAGE, PAGE + 3, 3 * PAGE - 1])
def test_any_offset_alignment(make_file, offset):
    data = bytes(range(256)) * (3 * PAGE // 256)
    path = make_file(data)
    with memmap.open(path, "r+", offset=offset) as m:
        assert m.offset == offset
        assert len(m) == len(data) - offset
        assert m[:] == data[offset:]
        m[0] = 0xEE
    assert path.read_bytes()[offset] == 0xEE


def test_offset_and_length(make_file):
    path = make_file(b"0123456789")
    with memmap.open(path, offset=2, length=5) as m:
        assert m[:] == b"23456"
    with memmap.open(path, offset=2, length=None) as m:
        assert m[:] == b"23456789"
    with memmap.open(path, offset=2, length=0) as m:  # 0 also means "to the end"
        assert m[:] == b"23456789"


def test_writable_map_past_the_end_grows_the_file(make_file):
    path = make_file(b"abc")
    with memmap.open(path, "r+", length=3 * PAGE) as m:
        assert len(m) == 3 * PAGE
        assert m[:3] == b"abc" and m[3:] == bytes(3 * PAGE - 3)
        m[-1] = 1
    assert path.stat().st_size == 3 * PAGE
    st = os.stat(path)
    # Allocated, not sparse: the blocks back the whole file (512-byte units).
    assert st.st_blocks * 512 >= 3 * PAGE


def test_sparse_growth_leaves_holes(make_file):
    path = make_file(b"")
    size = 64 * PAGE
    with memmap.open(path, "r+", length=size, sparse=True) as m:
        assert len(m) == size
    st = os.stat(path)
    assert st.st_size == size
    if st.st_blocks * 512 >= size:
        pytest.skip("this file system allocates blocks even for ftruncate (no holes)")
    assert st.st_blocks * 512 < size


def test_populate(make_file):
    path = make_file(b"z" * (8 * PAGE))
    with memmap.open(path, populate=True) as m:
        assert m[::PAGE] == b"z" * 8


def test_read_only_map_past_the_end_is_an_error(make_file):
    path = make_file(b"short")
    with pytest.raises(OSError) as info:
        memmap.open(path, "r", length=100)
    assert info.value.errno == errno.ERANGE
    with pytest.raises(OSError):
        memmap.open(path, "c", length=100)
    with pytest.raises(OSError):
        memmap.open(path, "r", offset=100)


@pytest.mark.parametrize("mode", ["r", "r+", "c"])
def test_empty_file_gives_an_empty_map(make_file, mode):
    path = make_file(b"")
    with memmap.open(path, mode) as m:
        assert len(m) == 0
        assert m[:] == b""
        assert bytes(m) == b""
        assert memoryview(m).nbytes == 0
        with pytest.raises(IndexError):
            m[0]


def test_offset_at_end_of_file_gives_an_empty_map(make_file):
    path = make_file(b"12345")
    with memmap.open(path, offset=5) as m:
        assert len(m) == 0 and m.offset == 5


def test_missing_file(tmp_path):
    path = tmp_path / "missing.bin"
    with pytest.raises(FileNotFoundError) as info:
        memmap.open(path)
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(path)


def test_directory(tmp_path):
    with pytest.raises(IsADirectoryError) as info:
        memmap.open(tmp_path)
    assert info.value.errno == errno.EISDIR


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open any file; the open_fd test covers EACCES")
def test_no_permission(make_file):
    path = make_file(b"secret")
    path.chmod(0o400)
    with pytest.raises(PermissionError) as info:
        memmap.open(path, "r+")
    assert info.value.filename == str(path)


def test_unmappable_file():
    with pytest.raises(OSError) as info:
        memmap.open("/dev/null", "r", length=10)
    assert info.value.errno == errno.ENODEV


@pytest.mark.parametrize("mode", ["", "w", "rw", "a", "r+b", "x"])
def test_bad_mode(make_file, mode):
    with pytest.raises(ValueError):
        memmap.open(make_file(b"x"), mode)


@pytest.mark.parametrize("kwargs, exc", [
    ({"offset": -1}, ValueError),
    ({"offset": "1"}, TypeError),
    ({"offset": 1.0}, TypeError),
    ({"length": -1}, ValueError),
    ({"length": "1"}, TypeError),
    ({"offset": 2**64}, OverflowError),
    ({"permissions": 0o10000}, ValueError),
])
def test_bad_arguments(make_file, kwargs, exc):
    with pytest.raises(exc):
        memmap.open(make_file(b"abc"), "r", **kwargs)


def test_bad_path_types():
    with pytest.raises(TypeError):
        memmap.open(123)
    with pytest.raises(ValueError):
        memmap.open("a\0b")


# --- open_fd ------------------------------------------------------------------

def test_open_fd_keeps_its_own_file(make_file):
    path = make_file(b"through fd")
    fd = os.open(path, os.O_RDWR)
    m = memmap.open_fd(fd, "r+")
    os.close(fd)  # the map holds its own duplicate
    m[0:7] = b"THROUGH"
    m.close()
    assert path.read_bytes() == b"THROUGH fd"


def test_open_fd_modes_and_ranges(make_file):
    path = make_file(b"0123456789")
    with open(path, "r+b") as f:
        with memmap.open_fd(f.fileno(), offset=3, length=4) as m:
            assert m[:] == b"3456" and not m.writable
        with memmap.open_fd(f.fileno(), "c") as m:
            m[0] = ord("X")
        with memmap.open_fd(f.fileno(), "w+", length=4) as m:
            assert m[:] == b"0123"
    assert path.read_bytes() == b"0123"


def test_open_fd_needs_a_writable_file_for_r_plus(make_file):
    path = make_file(b"read only fd")
    with open(path, "rb") as f:
        with pytest.raises(PermissionError) as info:
            memmap.open_fd(f.fileno(), "r+")
        assert info.value.errno == errno.EACCES


def test_open_fd_bad_descriptor():
    with pytest.raises(OSError) as info:
        memmap.open_fd(-5)
    assert info.value.errno == errno.EBADF


def test_open_fd_pipe_is_not_mappable():
    r, w = os.pipe()
    try:
        with pytest.raises(OSError) as info:
            memmap.open_fd(r, length=10)
        assert info.value.errno == errno.ENODEV
    finally:
        os.close(r)
        os.close(w)


def test_open_fd_rejects_x_plus(make_file):
    with open(make_file(b"x"), "r+b") as f, pytest.raises(ValueError):
        memmap.open_fd(f.fileno(), "x+")


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names are bytes; Windows ones are UTF-16")
def test_non_utf8_file_names(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/\xffodd.bin"
    with open(raw, "wb") as f:
        f.write(b"abc")
    with memmap.open(raw) as m:
        assert m[:] == b"abc"
    with memmap.open(os.fsdecode(raw)) as m:  # surrogate-escaped str
        assert m[:] == b"abc"
    os.unlink(raw)
    with pytest.raises(FileNotFoundError) as info:
        memmap.open(os.fsdecode(raw))
    assert info.value.filename == os.fsdecode(raw)
