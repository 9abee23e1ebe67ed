"""Builds memmap._memmap from the bindings and the C library's own sources.

The library is compiled into the extension (no shared library to find at run
time).  Its sources are found two directories up, in the repository this
package lives in; pip builds in place (pip >= 21.3), so
``pip install --no-build-isolation ./bindings/python`` sees them.
"""
import os
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def library_sources():
    if not os.path.isfile(os.path.join(ROOT, "include", "memmap.h")):
        sys.exit("memmap: the C library's sources were not found in %s; build from a "
                 "checkout of the repository" % ROOT)
    backend = "win32" if sys.platform == "win32" else "posix"
    shared = ["memmap.c", "error.c", "guard.c"]
    files = [os.path.join(ROOT, "src", name) for name in shared]
    backend_dir = os.path.join(ROOT, "src", backend)
    files += sorted(os.path.join(backend_dir, name) for name in os.listdir(backend_dir)
                    if name.endswith(".c"))
    return files


def bindings_sources():
    names = ["module.c", "errors.c", "copy.c", "map_object.c", "mmap_object.c"]
    return [os.path.join(HERE, "src", name) for name in names]


# Absolute paths: setuptools then puts the objects under build/ instead of
# next to the sources ("../.." would escape the build directory).
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
            include_dirs=[os.path.join(ROOT, "include"), os.path.join(ROOT, "src")],
            define_macros=[("MEMMAP_STATIC", None), ("Py_LIMITED_API", "0x030B0000")],
            extra_compile_args=compile_args,
            libraries=libraries,
            py_limited_api=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
