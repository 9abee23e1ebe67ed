# SPDX-License-Identifier: MIT
"""memmap: memory-mapped files, anonymous memory and named shared memory.

Quick start::

    import memmap

    with memmap.open("data.bin", "r+") as m:     # read/write, shared with the file
        header = m[:16]                           # bytes (a guarded copy)
        m[0:4] = b"MMAP"                          # written into the file
        view = memoryview(m)                      # zero-copy buffer
        ...
        view.release()                            # before close() or resize()

    m = memmap.shared_memory("jobs", 1 << 20, create=True)   # any process can open "jobs"
    memmap.unlink_shared_memory("jobs")                       # when no longer needed

    r = memmap.ring(1 << 16)                      # 64 KiB mapped twice: len(r) == 2 * r.size
    r[r.size - 2:r.size + 2] = b"wrap"            # one piece across the wrap; r[:2] == b"ap"

``memmap.mmap`` is a drop-in for the standard library's ``mmap.mmap``:
``import memmap as mmap`` and existing code keeps working, with guarded copies
and unaligned offsets on top.

Errors are Python exceptions: OSError subclasses with errno (and filename where
a path or name was involved) for what the system refused, ValueError and
TypeError for bad arguments, BufferError for close() or resize() while buffers
are exported.
"""
from ._memmap import (
    # The native API.
    Map,
    open,
    open_fd,
    anonymous,
    shared_memory,
    unlink_shared_memory,
    ring,
    PAGE_SIZE,
    GRANULARITY,
    NORMAL,
    SEQUENTIAL,
    RANDOM,
    WILLNEED,
    DONTNEED,
    HUGEPAGE,
    NOHUGEPAGE,
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
    PROT_EXEC,
    # The drop-in for the standard library's mmap module.
    mmap,
    error,
    PAGESIZE,
    ALLOCATIONGRANULARITY,
    ACCESS_DEFAULT,
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_COPY,
)
from . import _memmap

# The platform's MAP_*, MADV_* and MS_* constants, as the standard mmap module has them.
_PLATFORM_PREFIXES = ("MAP_", "MADV_", "MS_")
globals().update({name: getattr(_memmap, name) for name in dir(_memmap)
                  if name.startswith(_PLATFORM_PREFIXES)})

__version__ = "%d.%d.%d" % (_memmap.VERSION_MAJOR, _memmap.VERSION_MINOR, _memmap.VERSION_PATCH)

__all__ = [
    "Map", "open", "open_fd", "anonymous", "shared_memory", "unlink_shared_memory", "ring",
    "PAGE_SIZE", "GRANULARITY", "NORMAL", "SEQUENTIAL", "RANDOM", "WILLNEED", "DONTNEED",
    "HUGEPAGE", "NOHUGEPAGE", "PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC",
    "mmap", "error", "PAGESIZE", "ALLOCATIONGRANULARITY",
    "ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY",
] + sorted(name for name in dir(_memmap) if name.startswith(_PLATFORM_PREFIXES))

del _memmap, _PLATFORM_PREFIXES
