# SPDX-License-Identifier: MIT
"""Builds memmap._memmap from the bindings and the C library's own sources.

The library is compiled into the extension (no shared library to find at run
time).  Its sources come from the repository this package lives in (two
directories up) or, in an sdist, from the copy under _lib/ that the sdist
command puts there, so an sdist builds anywhere.  What to compile and the
version are not written here: the source lists are read from the CMake files
(CMakeLists.txt, src/<backend>/sources.cmake, sources.cmake) and the version
from MEMMAP_VERSION_* in include/memmap.h.

    pip install --no-build-isolation ./bindings/python     # from a checkout
    python3 setup.py sdist                                  # a self-contained sdist
"""
import os
import re
import shutil
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
VENDORED = "_lib"


def library_root():
    """(absolute, relative to HERE) directory holding include/ and src/ of the C library."""
    for relative in (VENDORED, os.path.join("..", "..")):
        absolute = os.path.normpath(os.path.join(HERE, relative))
        if os.path.isfile(os.path.join(absolute, "include", "memmap.h")):
            return absolute, relative
    sys.exit("memmap: the C library's sources were found neither in %s nor two directories up; "
             "build from a checkout of the repository or from an sdist" % VENDORED)


def cmake_list(path, variable):
    """The items of set(<variable> ...) in a CMake file, without ${...} references."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    match = re.search(r"set\(\s*%s\s+([^)]*)\)" % re.escape(variable), text)
    if not match:
        sys.exit("memmap: no set(%s ...) in %s" % (variable, path))
    return [item for item in match.group(1).split() if not item.startswith("${")]


def library_sources(root_abs, root_rel):
    backend = "win32" if sys.platform == "win32" else "posix"
    names = cmake_list(os.path.join(root_abs, "CMakeLists.txt"), "MEMMAP_SOURCES")
    names += cmake_list(os.path.join(root_abs, "src", backend, "sources.cmake"), "MEMMAP_BACKEND_SOURCES")
    return [os.path.join(root_rel, name) for name in names]


def version(root_abs):
    with open(os.path.join(root_abs, "include", "memmap.h"), encoding="utf-8") as f:
        header = f.read()
    parts = [re.search(r"#define MEMMAP_VERSION_%s (\d+)" % part, header) for part in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        sys.exit("memmap: MEMMAP_VERSION_MAJOR/MINOR/PATCH not found in memmap.h")
    return ".".join(match.group(1) for match in parts)


class BuildExt(build_ext):
    """Compiles from absolute paths, so the objects of ../../src land under
    build/ instead of escaping it (setup() itself only takes relative paths)."""

    def build_extension(self, ext):
        ext.sources = [os.path.join(HERE, source) for source in ext.sources]
        super().build_extension(ext)


class SelfContainedSdist(sdist):
    """Puts the C library's sources (and the CMake files listing them) into the
    sdist under _lib/, so that it builds outside the repository."""

    def make_release_tree(self, base_dir, files):
        # The extension's sources outside this directory come in under _lib/ instead.
        inside = [name for name in files if not os.path.normpath(name).startswith("..")]
        super().make_release_tree(base_dir, inside)
        root_abs, _ = library_root()
        target = os.path.join(base_dir, VENDORED)
        if os.path.abspath(root_abs) == os.path.abspath(os.path.join(HERE, VENDORED)):
            shutil.copytree(root_abs, target, dirs_exist_ok=True)  # an sdist made from an sdist
            return
        os.makedirs(target, exist_ok=True)
        shutil.copy2(os.path.join(root_abs, "CMakeLists.txt"), target)
        for sub in ("include", "src"):
            shutil.copytree(os.path.join(root_abs, sub), os.path.join(target, sub), dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.o", "__pycache__"))


root_abs, root_rel = library_root()
sources = cmake_list(os.path.join(HERE, "sources.cmake"), "MEMMAP_PYTHON_SOURCES") + library_sources(root_abs, root_rel)
libraries = []
compile_args = []
if sys.platform == "win32":
    libraries = ["kernel32", "advapi32"]
else:
    compile_args = ["-std=c99", "-fvisibility=hidden"]
    if sys.platform.startswith("linux"):
        libraries = ["rt", "pthread"]

setup(
    version=version(root_abs),
    ext_modules=[
        Extension(
            "memmap._memmap",
            sources=sources,
            include_dirs=[os.path.join(root_rel, "include"), os.path.join(root_rel, "src")],
            define_macros=[("MEMMAP_STATIC", None), ("Py_LIMITED_API", "0x030B0000")],
            extra_compile_args=compile_args,
            libraries=libraries,
            py_limited_api=True,
        )
    ],
    cmdclass={"build_ext": BuildExt, "sdist": SelfContainedSdist},
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
