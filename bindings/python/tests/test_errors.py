# SPDX-License-Identifier: MIT
"""Library error codes that need a special setting to appear, each as its OSError."""
import errno
import os
import subprocess
import sys

import pytest

import memmap

PAGE = memmap.PAGE_SIZE


def run_child(code, *args):
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(memmap.__file__)))
    env = dict(os.environ, PYTHONPATH=package_parent)
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_is_efbig(tmp_path):
    # In a child: the limit would also stop pytest's own files.  Python ignores
    # SIGXFSZ, so the growth fails with EFBIG instead of killing the process.
    code = ("import errno, resource, sys, memmap\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))\n"
            "try:\n"
            "    memmap.open(sys.argv[1], 'w+', length=2 << 20)\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno], e.filename == sys.argv[1])\n")
    path = str(tmp_path / "big.bin")
    assert run_child(code, path) == "EFBIG True"
    assert not os.path.exists(path)  # a failed create leaves no file behind


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")
def test_too_many_open_files_is_emfile(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x")
    code = ("import errno, os, resource, sys, memmap\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))\n"
            "held = []\n"
            "try:\n"
            "    while True:\n"
            "        held.append(os.open(sys.argv[1], os.O_RDONLY))\n"
            "except OSError:\n"
            "    pass\n"
            "try:\n"
            "    memmap.open(sys.argv[1])\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n")
    assert run_child(code, str(path)) == "EMFILE"


def test_offset_overflow_is_einval(make_file):
    with pytest.raises(OSError) as info:
        memmap.open(make_file(b"x"), "r+", offset=2**64 - 1, length=10)
    assert info.value.errno in (errno.EINVAL, errno.EFBIG)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX: shared anonymous memory cannot grow")
def test_growing_shared_anonymous_memory_is_enotsup():
    with memmap.anonymous(PAGE, shared=True) as m:
        with pytest.raises(OSError) as info:
            m.resize(2 * PAGE)
        assert info.value.errno == errno.ENOTSUP


def test_every_error_is_an_oserror_with_its_errno():
    # Each library code comes out as the errno of the same name.
    cases = [
        (lambda: memmap.open("/nonexistent-dir/x"), errno.ENOENT, FileNotFoundError),
        (lambda: memmap.open("/"), errno.EISDIR, IsADirectoryError),
        (lambda: memmap.open("/dev/null", length=1), errno.ENODEV, OSError),
        (lambda: memmap.open_fd(-1), errno.EBADF, OSError),
        (lambda: memmap.anonymous(sys.maxsize), errno.ENOMEM, OSError),
    ]
    for call, code, exc_type in cases:
        with pytest.raises(exc_type) as info:
            call()
        assert info.value.errno == code
        assert info.value.strerror
