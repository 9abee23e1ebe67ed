# SPDX-License-Identifier: MIT
"""Shared fixtures for the memmap Python test suite.

Run it against a build tree with PYTHONPATH=<build>/bindings/python, or against
an installed package.  The header line says which memmap was imported.
"""
import os
import uuid

import pytest

import memmap


def pytest_report_header(config):
    return "memmap imported from %s" % os.path.dirname(memmap.__file__)


@pytest.fixture
def make_file(tmp_path):
    """make_file(data=b"", name=None) -> path of a new file holding data."""
    counter = [0]

    def make(data=b"", name=None):
        counter[0] += 1
        path = tmp_path / (name or "file%d.bin" % counter[0])
        path.write_bytes(data)
        return path

    return make


@pytest.fixture
def shm_name():
    """A unique shared memory name, unlinked after the test if it still exists."""
    name = "memmap-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:12])
    yield name
    try:
        memmap.unlink_shared_memory(name)
    except FileNotFoundError:
        pass


def page_multiple(n):
    return n * memmap.PAGE_SIZE
