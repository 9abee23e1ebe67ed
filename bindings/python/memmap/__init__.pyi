# SPDX-License-Identifier: MIT
"""Type stubs for memmap: memory-mapped files, anonymous memory, named shared memory."""
import os
import sys
from types import TracebackType
from typing import Iterator, Literal, overload

from typing_extensions import Buffer, Self

__version__: str

StrOrBytesPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]
FileMode = Literal["r", "r+", "w+", "x+", "c"]
FdMode = Literal["r", "r+", "w+", "c"]

# --- the native API ----------------------------------------------------------

PAGE_SIZE: int
"""The page size: the unit of protection, locking and advice."""
GRANULARITY: int
"""The alignment of a mapping's file offset on this platform (memmap hides it)."""

NORMAL: int
SEQUENTIAL: int
RANDOM: int
WILLNEED: int
DONTNEED: int
HUGEPAGE: int
"""Advice: ask for transparent huge pages in the range (Linux; elsewhere it does nothing)."""
NOHUGEPAGE: int
"""Advice: refuse transparent huge pages in the range (Linux; elsewhere it does nothing)."""

PROT_NONE: int
PROT_READ: int
PROT_WRITE: int
PROT_EXEC: int

class Map:
    """A memory map of a file, anonymous memory or named shared memory.

    Supports len(), int indexing (-> int), slicing (-> bytes, a guarded copy),
    item and slice assignment, iteration, bytes(), the buffer protocol (zero-copy;
    read-only maps export read-only buffers) and the context manager protocol.
    """

    @property
    def size(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def writable(self) -> bool: ...
    @property
    def copy_on_write(self) -> bool: ...
    @property
    def huge(self) -> bool: ...
    @property
    def capacity(self) -> int:
        """The length the map can reach without moving: its size unless reserve() made room."""
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> bytes: ...
    @overload
    def __setitem__(self, key: int, value: int) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: Buffer) -> None: ...
    def __iter__(self) -> Iterator[int]: ...
    def __bytes__(self) -> bytes: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool: ...
    def close(self) -> None: ...
    def read_at(self, offset: int, length: int | None = None) -> bytes: ...
    def write_at(self, offset: int, data: Buffer) -> int: ...
    def sync(self, offset: int = 0, length: int | None = None, wait: bool = True) -> None: ...
    def advise(self, advice: int, offset: int = 0, length: int | None = None) -> None: ...
    def protect(self, prot: int, offset: int = 0, length: int | None = None) -> None: ...
    def lock(self, offset: int = 0, length: int | None = None) -> None: ...
    def unlock(self, offset: int = 0, length: int | None = None) -> None: ...
    def resize(self, new_length: int, *, truncate: bool = False, sparse: bool = False,
               may_move: bool = True) -> None:
        """Change the length; within the capacity the data stays put and exported buffers that
        the new length still covers stay valid (else BufferError while any is alive)."""
    def reserve(self, capacity: int, *, nomove: bool = False) -> None:
        """Make room to grow to capacity bytes without moving (the data may move once, now)."""
    def residency(self, offset: int = 0, length: int | None = None) -> tuple[bytes, int]: ...
    def evict(self, offset: int = 0, length: int | None = None) -> None: ...

def open(
    path: StrOrBytesPath,
    mode: FileMode = "r",
    offset: int = 0,
    length: int | None = None,
    *,
    populate: bool = False,
    sparse: bool = False,
    permissions: int = 0o666,
    capacity: int | None = None,
) -> Map:
    """Map part of the file at path."""

def open_fd(
    fd: int,
    mode: FdMode = "r",
    offset: int = 0,
    length: int | None = None,
    *,
    populate: bool = False,
    sparse: bool = False,
    capacity: int | None = None,
) -> Map:
    """Map part of an already open file (the map keeps its own duplicate)."""

def anonymous(
    length: int, shared: bool = False, *, populate: bool = False, huge: bool = False, capacity: int | None = None
) -> Map:
    """Zero-filled memory backed by no file; huge=True asks for huge pages (Map.huge says if granted)."""

def shared_memory(
    name: str,
    length: int = 0,
    create: bool = False,
    exclusive: bool = False,
    *,
    readonly: bool = False,
    capacity: int | None = None,
) -> Map:
    """Named shared memory between unrelated processes."""

def unlink_shared_memory(name: str) -> None:
    """Remove the name of a shared memory object."""

# --- the drop-in for the standard library's mmap module ----------------------

error = OSError

PAGESIZE: int
ALLOCATIONGRANULARITY: int
ACCESS_DEFAULT: int
ACCESS_READ: int
ACCESS_WRITE: int
ACCESS_COPY: int

MADV_NORMAL: int
MADV_RANDOM: int
MADV_SEQUENTIAL: int
MADV_WILLNEED: int
MADV_DONTNEED: int
MS_SYNC: int
MS_ASYNC: int
MS_INVALIDATE: int

if sys.platform != "win32":
    MAP_SHARED: int
    MAP_PRIVATE: int
    MAP_ANON: int
    MAP_ANONYMOUS: int
    MAP_POPULATE: int
    MAP_DENYWRITE: int
    MAP_EXECUTABLE: int
    MAP_STACK: int
    MAP_NORESERVE: int

if sys.platform == "linux":
    MAP_32BIT: int
    MADV_REMOVE: int
    MADV_DONTFORK: int
    MADV_DOFORK: int
    MADV_HWPOISON: int
    MADV_MERGEABLE: int
    MADV_UNMERGEABLE: int
    MADV_HUGEPAGE: int
    MADV_NOHUGEPAGE: int
    MADV_DONTDUMP: int
    MADV_DODUMP: int
    MADV_FREE: int

class mmap:
    """Drop-in for mmap.mmap (Python 3.11 to 3.15), with guarded copies and unaligned offsets."""

    if sys.platform == "win32":
        def __new__(
            cls, fileno: int, length: int, tagname: str | None = None, access: int = 0, offset: int = 0,
            *, trackfd: bool = True
        ) -> Self: ...
    else:
        def __new__(
            cls, fileno: int, length: int, flags: int = ..., prot: int = ..., access: int = 0, offset: int = 0,
            *, trackfd: bool = True
        ) -> Self: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def find(self, sub: Buffer, start: int = ..., end: int = ...) -> int: ...
    def rfind(self, sub: Buffer, start: int = ..., end: int = ...) -> int: ...
    def flush(self, offset: int = 0, size: int = ..., *, flags: int = ...) -> None: ...
    def madvise(self, option: int, start: int = 0, length: int = ...) -> None: ...
    def move(self, dest: int, src: int, count: int) -> None: ...
    def read(self, n: int | None = None) -> bytes: ...
    def read_byte(self) -> int: ...
    def readline(self) -> bytes: ...
    def resize(self, newsize: int) -> None: ...
    def seek(self, pos: int, whence: int = 0) -> int: ...
    def seekable(self) -> bool: ...
    def set_name(self, name: str, /) -> None: ...
    def size(self) -> int: ...
    def tell(self) -> int: ...
    def write(self, bytes: Buffer) -> int: ...
    def write_byte(self, byte: int) -> None: ...
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> bytes: ...
    @overload
    def __setitem__(self, key: int, value: int) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: Buffer) -> None: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...
