# SPDX-License-Identifier: MIT
"""The public surface: every name is documented and has a type stub."""
import ast
import os

import pytest

import memmap

STUB = os.path.join(os.path.dirname(memmap.__file__), "__init__.pyi")


def stub_names():
    """Top-level names and class members declared in the .pyi."""
    with open(STUB, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names, members = set(), {}

    def collect(body, into):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                into.add(node.name)
            elif isinstance(node, ast.AnnAssign):
                into.add(node.target.id)
            elif isinstance(node, ast.Assign):
                into.update(t.id for t in node.targets)
            elif isinstance(node, ast.If):
                collect(node.body, into)
                collect(node.orelse, into)

    collect(tree.body, names)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members[node.name] = set()
            collect(node.body, members[node.name])
    return names, members


def test_stub_is_installed_beside_the_package():
    assert os.path.isfile(STUB)
    assert os.path.isfile(os.path.join(os.path.dirname(memmap.__file__), "py.typed"))


def test_every_public_name_has_a_stub():
    names, _ = stub_names()
    missing = [name for name in memmap.__all__ if name not in names]
    assert not missing


@pytest.mark.parametrize("cls", ["Map", "mmap"])
def test_every_public_method_has_a_stub_and_a_docstring(cls):
    _, members = stub_names()
    runtime = getattr(memmap, cls)
    public = [n for n in dir(runtime) if not n.startswith("_")]
    assert public
    for name in public:
        assert name in members[cls], "%s.%s has no stub" % (cls, name)
        assert getattr(runtime, name).__doc__, "%s.%s has no docstring" % (cls, name)
    assert runtime.__doc__


@pytest.mark.parametrize("name", ["open", "open_fd", "anonymous", "shared_memory", "unlink_shared_memory", "ring"])
def test_functions_have_docstrings_and_signatures(name):
    import inspect
    function = getattr(memmap, name)
    assert function.__doc__ and len(function.__doc__) > 40
    inspect.signature(function)  # from the docstring's first line


def test_module_docstring_and_version():
    assert "shared_memory" in memmap.__doc__
    assert memmap.__version__.count(".") == 2


def test_constants():
    assert memmap.PAGE_SIZE > 0 and memmap.PAGE_SIZE & (memmap.PAGE_SIZE - 1) == 0
    assert memmap.GRANULARITY % memmap.PAGE_SIZE == 0
    assert memmap.PAGESIZE == memmap.PAGE_SIZE
    assert memmap.ALLOCATIONGRANULARITY == memmap.GRANULARITY
    assert len({memmap.NORMAL, memmap.SEQUENTIAL, memmap.RANDOM, memmap.WILLNEED, memmap.DONTNEED}) == 5
    assert memmap.PROT_NONE == 0
    assert memmap.PROT_READ | memmap.PROT_WRITE | memmap.PROT_EXEC == 7
