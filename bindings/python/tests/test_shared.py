# SPDX-License-Identifier: MIT
"""Anonymous memory and named shared memory, within and across processes."""
import errno
import multiprocessing
import os
import subprocess
import sys

import pytest

import memmap

PAGE = memmap.PAGE_SIZE
HAS_FORK = hasattr(os, "fork")


def child_env():
    """The environment a child interpreter needs to import this same memmap."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(memmap.__file__)))
    path = os.pathsep.join([package_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    return dict(os.environ, PYTHONPATH=path)


def run_child(code, *args):
    return subprocess.run([sys.executable, "-c", code, *args], env=child_env(), capture_output=True,
                          text=True, timeout=60)


# --- anonymous memory ---------------------------------------------------------

def test_anonymous_is_zeroed_and_writable():
    with memmap.anonymous(3 * PAGE) as m:
        assert len(m) == 3 * PAGE and m.writable and m.offset == 0
        assert m[:] == bytes(3 * PAGE)
        m[:5] = b"hello"
        assert m[:5] == b"hello"


def test_anonymous_empty_and_populate():
    with memmap.anonymous(0) as m:
        assert len(m) == 0 and m[:] == b""
    with memmap.anonymous(4 * PAGE, populate=True) as m:
        assert m[::PAGE] == bytes(4)


def test_anonymous_errors():
    with pytest.raises(ValueError):
        memmap.anonymous(-1)
    with pytest.raises(TypeError):
        memmap.anonymous("10")
    with pytest.raises(OSError) as info:
        memmap.anonymous(sys.maxsize)
    assert info.value.errno == errno.ENOMEM


@pytest.mark.skipif(not HAS_FORK, reason="needs os.fork")
@pytest.mark.parametrize("shared", [True, False])
def test_anonymous_sharing_with_a_forked_child(shared):
    m = memmap.anonymous(PAGE, shared=shared)
    pid = os.fork()
    if pid == 0:  # the child writes and leaves at once
        try:
            m[0:5] = b"child"
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert m[0:5] == (b"child" if shared else bytes(5))
    m.close()


@pytest.mark.skipif(not HAS_FORK or sys.platform == "win32", reason="POSIX fork semantics")
def test_growing_shared_anonymous_memory_is_refused():
    with memmap.anonymous(PAGE, shared=True) as m:
        with pytest.raises(OSError):
            m.resize(2 * PAGE)
        assert len(m) == PAGE
        m.resize(10)  # shrinking is fine
        assert len(m) == 10


# --- named shared memory --------------------------------------------------------

def test_shared_memory_create_open_unlink(shm_name):
    with memmap.shared_memory(shm_name, 2 * PAGE, create=True) as a:
        assert len(a) == 2 * PAGE and a.writable and a[:] == bytes(2 * PAGE)
        a[:6] = b"shared"
        with memmap.shared_memory(shm_name) as b:  # length 0: the whole object
            assert len(b) == 2 * PAGE
            assert b[:6] == b"shared"
            b[6] = ord("!")
        assert a[6] == ord("!")
        assert shm_name in repr(a)
    memmap.unlink_shared_memory(shm_name)
    with pytest.raises(FileNotFoundError) as info:
        memmap.shared_memory(shm_name)
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == shm_name
    with pytest.raises(FileNotFoundError):
        memmap.unlink_shared_memory(shm_name)


def test_shared_memory_stays_valid_after_unlink(shm_name):
    m = memmap.shared_memory(shm_name, PAGE, create=True)
    memmap.unlink_shared_memory(shm_name)
    m[0] = 1
    assert m[0] == 1
    m.close()


def test_shared_memory_exclusive(shm_name):
    memmap.shared_memory(shm_name, PAGE, create=True, exclusive=True).close()
    with pytest.raises(FileExistsError) as info:
        memmap.shared_memory(shm_name, PAGE, create=True, exclusive=True)
    assert info.value.filename == shm_name
    # create without exclusive opens the existing object
    memmap.shared_memory(shm_name, PAGE, create=True).close()


def test_shared_memory_grows_and_read_only(shm_name):
    memmap.shared_memory(shm_name, PAGE, create=True).close()
    with memmap.shared_memory(shm_name, 3 * PAGE) as m:
        assert len(m) == 3 * PAGE
    with memmap.shared_memory(shm_name, readonly=True) as ro:
        assert len(ro) == 3 * PAGE and not ro.writable
        assert memoryview(ro).readonly
        with pytest.raises(TypeError):
            ro[0] = 1
    with pytest.raises(OSError) as info:
        memmap.shared_memory(shm_name, 10 * PAGE, readonly=True)
    assert info.value.errno == errno.ERANGE


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "with space", "x" * 201, "é", "a\0b"])
def test_shared_memory_bad_names(name):
    with pytest.raises(ValueError):
        memmap.shared_memory(name, PAGE, create=True)
    with pytest.raises(ValueError):
        memmap.unlink_shared_memory(name)


def test_shared_memory_bad_arguments(shm_name):
    with pytest.raises(TypeError):
        memmap.shared_memory(b"bytes-name")
    with pytest.raises(TypeError):
        memmap.unlink_shared_memory(3)
    with pytest.raises(ValueError):
        memmap.shared_memory(shm_name, -1, create=True)
    with pytest.raises(ValueError):
        memmap.shared_memory(shm_name, PAGE, exclusive=True)
    with pytest.raises(ValueError):
        memmap.shared_memory(shm_name, PAGE, create=True, readonly=True)


def test_shared_memory_with_a_subprocess(shm_name):
    parent = memmap.shared_memory(shm_name, PAGE, create=True)
    parent[:4] = b"ping"
    code = ("import memmap, sys\n"
            "m = memmap.shared_memory(sys.argv[1])\n"
            "assert m[:4] == b'ping', m[:4]\n"
            "m[:4] = b'pong'\n"
            "m.close()\n")
    result = run_child(code, shm_name)
    assert result.returncode == 0, result.stderr
    assert parent[:4] == b"pong"
    parent.close()


def test_shared_memory_outlives_its_creator(shm_name):
    # No resource tracker: an object created by a process that exits stays.
    code = ("import memmap, sys\n"
            "m = memmap.shared_memory(sys.argv[1], 4096, create=True)\n"
            "m[:5] = b'still'\n")
    result = run_child(code, shm_name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no resource-tracker warning either
    with memmap.shared_memory(shm_name) as m:
        assert m[:5] == b"still"


def _multiprocessing_child(name, index):
    with memmap.shared_memory(name) as m:
        m[index] = index + 1


@pytest.mark.parametrize("method", [m for m in ("spawn", "fork", "forkserver")
                                    if m in multiprocessing.get_all_start_methods()])
def test_shared_memory_with_multiprocessing(shm_name, method):
    context = multiprocessing.get_context(method)
    workers = 4
    with memmap.shared_memory(shm_name, PAGE, create=True) as m:
        # The children import this module: make sure they find the same memmap.
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = child_env()["PYTHONPATH"]
        try:
            procs = [context.Process(target=_multiprocessing_child, args=(shm_name, i)) for i in range(workers)]
            for p in procs:
                p.start()
            for p in procs:
                p.join(60)
        finally:
            if old is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = old
        assert [p.exitcode for p in procs] == [0] * workers
        assert m[:workers] == bytes(range(1, workers + 1))
