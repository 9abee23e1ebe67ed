"""Builds memmap._memmap from the bindings and the C library's own sources.

The library is compiled into the extension (no shared library to find at run
time).  Its sources are found two directories up, in the repository this
package lives in; pip builds in place (pip >= 21.3), so
``pip install --no-build-isolation ./bindings/python`` sees them.
"""
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def library_sources():
    if not os.path.isfile(os.path.join(ROOT, "include", "memmap.h")):
        sys.exit("memmap: the C library's sources were not found in %s; build from a "
                 "checkout of the repository" % ROOT)
    backend = "win32" if sys.platform == "win32" else "posix"
    shared = ["memmap.c", "error.c", "guard.c", "query.c"]
    files = ["../../src/" + name for name in shared]
    backend_dir = os.path.join(ROOT, "src", backend)
    files += sorted("../../src/%s/%s" % (backend, name) for name in os.listdir(backend_dir)
                    if name.endswith(".c"))
    return files


def bindings_sources():
    names = ["module.c", "args.c", "errors.c", "gate.c", "core.c", "copy.c", "map_object.c", "mmap_object.c"]
    return ["src/" + name for name in names]


class BuildExt(build_ext):
    """Compiles from absolute paths, so the objects of ../../src land under
    build/ instead of escaping it (setup() itself only takes relative paths)."""

    def build_extension(self, ext):
        ext.sources = [os.path.join(HERE, source) for source in ext.sources]
        super().build_extension(ext)


sources = bindings_sources() + library_sources()
libraries = []
compile_args = []
if sys.platform == "win32":
    libraries = ["kernel32", "advapi32"]
else:
    compile_args = ["-std=c99", "-fvisibility=hidden"]
    if sys.platform.startswith("linux"):
        libraries = ["rt", "pthread"]

setup(
    ext_modules=[
        Extension(
            "memmap._memmap",
            sources=sources,
            include_dirs=["../../include", "../../src"],
            define_macros=[("MEMMAP_STATIC", None), ("Py_LIMITED_API", "0x030B0000")],
            extra_compile_args=compile_args,
            libraries=libraries,
            py_limited_api=True,
        )
    ],
    cmdclass={"build_ext": BuildExt},
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
