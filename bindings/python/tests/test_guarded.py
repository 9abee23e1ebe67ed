# SPDX-License-Identifier: MIT
"""Guarded copies: a file truncated under a map raises OSError instead of killing the process."""
import errno
import os

import pytest

import memmap

PAGE = memmap.PAGE_SIZE


@pytest.fixture
def truncated(make_file):
    """A 4-page read/write map whose file was then cut to one page (by "someone else")."""
    path = make_file(b"a" * (4 * PAGE))
    m = memmap.open(path, "r+")
    os.truncate(path, PAGE)
    yield m
    m.close()


@pytest.mark.parametrize("access", [
    lambda m: m[2 * PAGE],
    lambda m: m[PAGE:2 * PAGE],
    lambda m: m[::PAGE],
    lambda m: m.read_at(3 * PAGE, 10),
    lambda m: bytes(m),
    lambda m: list(m),
    lambda m: m.__setitem__(2 * PAGE, 1),
    lambda m: m.__setitem__(slice(2 * PAGE, 2 * PAGE + 3), b"xyz"),
    lambda m: m.write_at(3 * PAGE, b"x"),
])
def test_lost_pages_raise_eio(truncated, access):
    with pytest.raises(OSError) as info:
        access(truncated)
    assert info.value.errno == errno.EIO
    # The map stays usable where the file still is.
    assert truncated[:3] == b"aaa"
    truncated[0] = ord("b")
    assert truncated[0] == ord("b")


def test_pages_come_back_when_the_file_grows(make_file):
    path = make_file(b"a" * (2 * PAGE))
    with memmap.open(path, "r") as m:
        os.truncate(path, PAGE)
        with pytest.raises(OSError):
            m[PAGE]
        os.truncate(path, 2 * PAGE)
        assert m[PAGE] == 0


def test_dropin_mmap_is_guarded_too(make_file):
    path = make_file(b"a" * (4 * PAGE))
    with open(path, "r+b") as f:
        m = memmap.mmap(f.fileno(), 0)
    os.truncate(path, PAGE)
    for access in (lambda: m[2 * PAGE], lambda: m[PAGE:PAGE + 10], lambda: m.find(b"zz"),
                   lambda: m.rfind(b"a"), lambda: bytes(m), lambda: (m.seek(2 * PAGE), m.read(5)),
                   lambda: (m.seek(2 * PAGE), m.readline()), lambda: (m.seek(2 * PAGE), m.write(b"x")),
                   lambda: m.move(0, 2 * PAGE, 10)):
        with pytest.raises(OSError) as info:
            access()
        assert info.value.errno == errno.EIO
    # A match before the lost pages is still found, as a plain search would find it.
    assert m.find(b"a", 0) == 0
    assert m.find(b"aa", PAGE - 2) == PAGE - 2
    with pytest.raises(OSError):
        m.find(b"b", 0)
    m.close()


def _run_guarded_read_in_child(enable_faulthandler_first):
    import subprocess
    import sys
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(memmap.__file__)))
    code = ("import faulthandler, os, sys, tempfile, memmap\n"
            "if sys.argv[1] == 'first':\n"
            "    faulthandler.enable()\n"
            "path = os.path.join(tempfile.mkdtemp(), 'f')\n"
            "open(path, 'wb').write(b'x' * 3 * memmap.PAGE_SIZE)\n"
            "m = memmap.open(path)\n"
            "m.read_at(0, 1)\n"
            "if sys.argv[1] == 'later':\n"
            "    faulthandler.enable()\n"
            "os.truncate(path, memmap.PAGE_SIZE)\n"
            "try:\n"
            "    m.read_at(2 * memmap.PAGE_SIZE, 1)\n"
            "except OSError as e:\n"
            "    print(e.errno)\n")
    return subprocess.run([sys.executable, "-c", code, "first" if enable_faulthandler_first else "later"],
                          env=dict(os.environ, PYTHONPATH=package_parent), capture_output=True, text=True,
                          timeout=60)


def test_guard_works_with_faulthandler_enabled_first():
    # python -X faulthandler, -X dev and pytest enable it at start-up.
    result = _run_guarded_read_in_child(True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(errno.EIO)


def test_guard_works_with_faulthandler_enabled_later():
    # faulthandler, on top, catches the fault first: it prints its report,
    # puts the previous handler back and raises the signal again.  The guard
    # must let the copy fault once more and catch that.
    result = _run_guarded_read_in_child(False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(errno.EIO)
