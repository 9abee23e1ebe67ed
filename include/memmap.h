/* SPDX-License-Identifier: MIT */
/*
 * memmap: portable memory-mapped files, anonymous memory and named shared memory.
 *
 * One API over mmap/munmap/msync/mprotect/madvise/mlock (POSIX) and
 * CreateFileMapping/MapViewOfFile (Windows).  The library hides what makes raw
 * mapping hard: offsets of any alignment, page-size slack, empty files, ranges
 * past the end of a file (grown up front instead of a SIGBUS later), durable
 * sync, and errors that differ per OS.
 *
 * Conventions
 *  - Every function returning int returns 0 on success or a negative
 *    MEMMAP_E* code.  The codes have the same values on every platform.
 *  - Functions that create a map set *map to NULL on failure; nothing leaks.
 *  - Paths and names are UTF-8.
 *  - Offsets and lengths given to the functions that act on part of a map
 *    (sync, protect, advise, lock, read, write, probe) are relative to
 *    memmap_data(); a length of 0 means "to the end of the map".
 *
 * Thread safety
 *  - Distinct maps may be used from distinct threads without locking.
 *  - On one map, any number of threads may read and write its memory and call
 *    memmap_data/size/offset/flags, sync, protect, advise, lock, unlock, read,
 *    write and probe at the same time.
 *  - memmap_resize to a length within memmap_capacity() keeps memmap_data()
 *    and never unmaps, remaps or reprotects the bytes the old and new lengths
 *    share: other threads may read and write those bytes (through pointers or
 *    the calls above, memmap_size and memmap_capacity included) while it
 *    runs.  (On Windows a resize with MEMMAP_TRUNCATE that cuts the file is
 *    the exception: Windows cannot cut a mapped file.)
 *  - memmap_reserve, memmap_resize past the capacity, memmap_close, and two
 *    resizes of one map at once change the mapping itself: the caller must
 *    make sure no other thread uses that map (or pointers into it) while they
 *    run.
 *
 * This header is C99 and C++ compatible.
 */
#ifndef MEMMAP_H
#define MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(MEMMAP_STATIC)
#    define MEMMAP_API
#  elif defined(MEMMAP_BUILDING)
#    define MEMMAP_API __declspec(dllexport)
#  else
#    define MEMMAP_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && defined(MEMMAP_BUILDING)
#  define MEMMAP_API __attribute__((visibility("default")))
#else
#  define MEMMAP_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this header.  These three lines are the project's only record
 * of its version: CMake, the Python package and the Debian packaging read them.
 * While MAJOR is 0, each MINOR release may change the ABI: the shared library's
 * soname carries MAJOR.MINOR (libmemmap.so.0.1), and find_package(memmap X.Y)
 * accepts only the same MAJOR.MINOR.
 */
#define MEMMAP_VERSION_MAJOR 0
#define MEMMAP_VERSION_MINOR 1
#define MEMMAP_VERSION_PATCH 0

/* One mapping.  Opaque. */
typedef struct memmap memmap_t;

/* An open file: a file descriptor on POSIX, a HANDLE on Windows. */
#ifdef _WIN32
typedef void *memmap_file_t;
#else
typedef int memmap_file_t;
#endif

/*
 * Where and how much of a file to map.  A NULL pointer or a zeroed struct means
 * the defaults.
 *   offset  first byte of the file to map; any value, no alignment needed.
 *   length  bytes to map; 0 maps from offset to the end of the file.
 *   mode    permission bits for a file that MEMMAP_CREATE creates; 0 means
 *           0666.  The process umask applies either way.
 */
typedef struct memmap_options {
    uint64_t offset;
    size_t length;
    unsigned mode;
} memmap_options;

/*
 * Flags, OR-ed together.  Each function documents which it accepts; any other
 * bit is MEMMAP_EINVAL.
 */
#define MEMMAP_READ       0x0001u /* readable; always implied */
#define MEMMAP_WRITE      0x0002u /* shared writable: stores reach the file and every other map of it */
#define MEMMAP_EXEC       0x0004u /* executable */
#define MEMMAP_COPY       0x0008u /* private copy-on-write: writable, stores never reach the file */
#define MEMMAP_CREATE     0x0010u /* create the file or shared memory object if missing */
#define MEMMAP_EXCL       0x0020u /* with CREATE: fail with MEMMAP_EEXIST if it exists (atomic) */
#define MEMMAP_TRUNCATE   0x0040u /* open: set the file's length to offset+length; resize: shorten the file too */
#define MEMMAP_SHARED     0x0080u /* anonymous memory shared with children created by fork */
#define MEMMAP_POPULATE   0x0100u /* prefault the pages when mapping */
#define MEMMAP_SPARSE     0x0200u /* grow files without allocating disk blocks (see memmap_open) */
#define MEMMAP_NOMOVE     0x0400u /* resize: fail with MEMMAP_EBUSY rather than move the data */
#define MEMMAP_SYNC_ASYNC 0x0800u /* sync: start writing back and return without waiting */

/* Access rights for memmap_protect and memmap_probe. */
#define MEMMAP_NONE 0u /* no access at all (protect only) */

/* Hints for memmap_advise (HUGEPAGE and NOHUGEPAGE are further down). */
#define MEMMAP_ADVICE_NORMAL     0
#define MEMMAP_ADVICE_SEQUENTIAL 1
#define MEMMAP_ADVICE_RANDOM     2
#define MEMMAP_ADVICE_WILLNEED   3
#define MEMMAP_ADVICE_DONTNEED   4

/*
 * Error codes.  memmap_last_os_error() gives the raw errno/GetLastError value
 * behind the most recent failure in the calling thread.
 */
#define MEMMAP_OK        0     /* success */
#define MEMMAP_EINVAL  (-1)  /* invalid argument: NULL pointer, unknown flag, bad name, overflowing range */
#define MEMMAP_ENOENT  (-2)  /* no such file or shared memory object */
#define MEMMAP_EEXIST  (-3)  /* MEMMAP_CREATE|MEMMAP_EXCL and it already exists */
#define MEMMAP_EACCES  (-4)  /* permission denied, read-only file or file system, or access the map lacks */
#define MEMMAP_ENOMEM  (-5)  /* out of memory or address space, or a locked-memory limit */
#define MEMMAP_ENOSPC  (-6)  /* no space left to grow the file or object */
#define MEMMAP_EFBIG   (-7)  /* the file would exceed the largest size allowed (file system or RLIMIT_FSIZE) */
#define MEMMAP_ERANGE  (-8)  /* range outside the map, or past the end of a file this map may not grow */
#define MEMMAP_ENOTSUP (-9)  /* the platform cannot do this for this kind of map */
#define MEMMAP_EBUSY   (-10) /* resize with MEMMAP_NOMOVE could not keep the address; or the file is in use */
#define MEMMAP_EIO     (-11) /* I/O error, a page that could not be read or written, or an OS failure with no closer code */
#define MEMMAP_EBADF   (-12) /* not a valid open file */
#define MEMMAP_EISDIR  (-13) /* the path is a directory */
#define MEMMAP_ENODEV  (-14) /* the file cannot be mapped: pipe, socket, terminal, device without mmap */
#define MEMMAP_EMFILE  (-15) /* too many open files (process or system limit) */

/*
 * MEMMAP_ERRNO_MAP(X) calls X(NAME, message) once for each error code above,
 * from -1 down, so a table of your own (a binding's errno map) is written from
 * it rather than copied: MEMMAP_##NAME is the code, NAME the errno of the same
 * name, message what memmap_strerror says.  The codes have no gap, so there
 * are as many as the map has entries.
 *
 * A new code gets its #define line above (value, documentation) and its entry
 * here (message); man/generate.py fails the build if the two lists differ.
 */
#define MEMMAP_ERRNO_MAP(X)                                                     \
    X(EINVAL, "invalid argument")                                               \
    X(ENOENT, "no such file or shared memory object")                           \
    X(EEXIST, "file or shared memory object already exists")                    \
    X(EACCES, "permission denied")                                              \
    X(ENOMEM, "out of memory, address space or locked-memory allowance")        \
    X(ENOSPC, "no space left on device")                                        \
    X(EFBIG, "file too large")                                                  \
    X(ERANGE, "range outside the map or past the end of the file")              \
    X(ENOTSUP, "operation not supported for this map on this platform")         \
    X(EBUSY, "resource busy: the map cannot stay at its address")               \
    X(EIO, "input/output error")                                                \
    X(EBADF, "bad file descriptor or handle")                                   \
    X(EISDIR, "is a directory")                                                 \
    X(ENODEV, "file type cannot be mapped")                                     \
    X(EMFILE, "too many open files")

/* --- Creating and closing maps ------------------------------------------ */

/*
 * Maps part of the file at path.
 * flags: READ, WRITE or COPY (not both), EXEC, CREATE, EXCL, TRUNCATE, POPULATE, SPARSE.
 *
 * - A range of any alignment works; memmap_data() points at exactly opt->offset.
 * - An empty file, or offset == file size with length 0, gives a valid empty map
 *   (size 0, data not NULL).  Offset past the end with length 0 is MEMMAP_ERANGE.
 * - WRITE: when offset+length is past the end of the file, the file is first
 *   grown with its blocks really allocated, so a full disk is MEMMAP_ENOSPC now,
 *   never a SIGBUS later.  MEMMAP_SPARSE grows it without allocating (holes).
 *   Growth never changes a byte that exists, even with other processes
 *   writing or growing the same file.
 * - Read-only and COPY maps past the end of the file are MEMMAP_ERANGE.
 * - TRUNCATE (needs WRITE) sets the file's length to offset+length, shorter or longer.
 * - On failure nothing is left behind: a file this call created is removed
 *   (while the path still names it), and an existing file keeps its size and
 *   bytes (on Windows a TRUNCATE that shortens comes before the map and stays).
 * - Regular files only, plus character devices when opt->length is given
 *   (the device decides; /dev/null is MEMMAP_ENODEV).
 * - The file is opened close-on-exec and is closed by memmap_close.
 */
MEMMAP_API int memmap_open(memmap_t **map, const char *path, unsigned flags, const memmap_options *opt);

/*
 * As memmap_open, for a file the caller has opened.  The caller keeps ownership
 * of file and may close it at once: the map holds its own duplicate.  The file
 * must be open for reading, and for writing too with WRITE or TRUNCATE
 * (else MEMMAP_EACCES).  flags: as memmap_open without CREATE and EXCL.
 */
MEMMAP_API int memmap_open_file(memmap_t **map, memmap_file_t file, unsigned flags, const memmap_options *opt);

/*
 * Zero-filled anonymous memory of length bytes, readable and writable.
 * flags: READ, WRITE (both implied), EXEC, SHARED, POPULATE, HUGE (see below).
 * Private to the process unless MEMMAP_SHARED, which shares it with children
 * created by fork (Windows has no fork; it is accepted and changes nothing).
 * length 0 gives an empty map.
 */
MEMMAP_API int memmap_anon(memmap_t **map, size_t length, unsigned flags);

/*
 * Named shared memory between unrelated processes.
 * name: 1 to 200 characters of [A-Za-z0-9._-], and not "." or ".."; anything
 * else is MEMMAP_EINVAL.  The OS name is "/name" (shm_open) on POSIX and
 * "Local\memmap-name" on Windows.
 * flags: READ, WRITE, CREATE, EXCL, TRUNCATE, POPULATE, SPARSE.
 * - CREATE makes the object if missing: length bytes, zeroed, mode 0600.
 *   With EXCL, an existing object is MEMMAP_EEXIST (checked atomically).
 * - length 0 maps an existing object whole.  A length larger than the object
 *   grows it (WRITE, as files grow) or is MEMMAP_ERANGE (read-only).
 * - TRUNCATE (needs WRITE) sets the object's size to length.
 * On POSIX the object lives until memmap_shm_unlink; on Windows it lives until
 * its last handle is closed, and its size is fixed at creation: growing it, or
 * TRUNCATE to another size, is MEMMAP_ENOTSUP there.
 */
MEMMAP_API int memmap_shm_open(memmap_t **map, const char *name, size_t length, unsigned flags);

/*
 * Removes the name of a shared memory object; maps of it stay valid.
 * MEMMAP_ENOENT if there is no such object.  On Windows, where the object
 * disappears with its last handle, this checks the name and succeeds.
 */
MEMMAP_API int memmap_shm_unlink(const char *name);

/*
 * Unmaps and releases what the library opened.  NULL is a no-op returning 0.
 * The map is freed even when an error is returned.
 */
MEMMAP_API int memmap_close(memmap_t *map);

/* --- Looking at a map ---------------------------------------------------- */

/* The first mapped byte: exactly the requested offset.  Never NULL for a valid map. */
MEMMAP_API void *memmap_data(const memmap_t *map);
/* Mapped length in bytes. */
MEMMAP_API size_t memmap_size(const memmap_t *map);
/* File offset of memmap_data() (0 for anonymous and shared memory). */
MEMMAP_API uint64_t memmap_offset(const memmap_t *map);
/* The access the map was created with: MEMMAP_READ plus WRITE, COPY and EXEC as given,
 * and MEMMAP_HUGE when huge pages were asked for and granted. */
MEMMAP_API unsigned memmap_flags(const memmap_t *map);

/* --- Operating on a map -------------------------------------------------- */

/*
 * Writes changes in [offset, offset+length) back to the file.  Without
 * MEMMAP_SYNC_ASYNC it returns only when the data, and the file's size if the
 * library changed it, are on stable storage (msync + fdatasync/F_FULLFSYNC;
 * FlushViewOfFile + FlushFileBuffers).  With it, write-back is started only.
 * Offsets need no alignment.  Anonymous and COPY maps succeed doing nothing.
 * flags: SYNC_ASYNC.
 */
MEMMAP_API int memmap_sync(memmap_t *map, size_t offset, size_t length, unsigned flags);

/*
 * Changes the access to [offset, offset+length).  prot: MEMMAP_NONE or
 * READ|WRITE|EXEC (WRITE and EXEC imply READ).  The range widens to whole
 * pages, so bytes just outside it that share a page change too.  WRITE on a
 * read-only map, and EXEC on a map created without MEMMAP_EXEC, are
 * MEMMAP_EACCES (Windows cannot add either to a view; POSIX keeps the same rule).
 */
MEMMAP_API int memmap_protect(memmap_t *map, size_t offset, size_t length, unsigned prot);

/*
 * A hint about how [offset, offset+length) will be used.  A hint the platform
 * lacks succeeds doing nothing; only bad arguments fail.  DONTNEED never
 * discards data: on private memory it is at most a hint to page out.
 */
MEMMAP_API int memmap_advise(memmap_t *map, size_t offset, size_t length, int advice);

/*
 * Locks [offset, offset+length) (widened to whole pages) into RAM, faulting it
 * in.  MEMMAP_ENOMEM when a locked-memory limit (RLIMIT_MEMLOCK, the Windows
 * working set) is reached and cannot be raised.
 */
MEMMAP_API int memmap_lock(memmap_t *map, size_t offset, size_t length);
MEMMAP_API int memmap_unlock(memmap_t *map, size_t offset, size_t length);

/*
 * Changes the mapped length to new_length, keeping the contents.
 * - A WRITE file map (or shared memory object) whose new end is past the end
 *   of the file grows the file as memmap_open does (allocated unless SPARSE).
 *   Read-only and COPY maps past the end are MEMMAP_ERANGE.
 * - Shrinking never shortens the file unless MEMMAP_TRUNCATE is passed.
 *   Anonymous memory has no file: what a shrink cuts off reads as zero if the
 *   map grows again; a shrink that would have to clear a page the caller
 *   protected without WRITE is MEMMAP_EACCES.  (MEMMAP_SHARED anonymous
 *   memory keeps the cut bytes for the children that still see them.)
 * - The data may move (mremap where it exists).  With MEMMAP_NOMOVE it fails
 *   with MEMMAP_EBUSY rather than move memmap_data(); a resize to 0 or from 0
 *   always moves it.
 * - Protect, advise or lock of part of the map does not stop it.
 * - Growing MEMMAP_SHARED anonymous memory is MEMMAP_ENOTSUP on POSIX: the
 *   children sharing it could not see the new pages.
 * On failure the map is unchanged and still valid, and the file keeps its size.
 * flags: NOMOVE, TRUNCATE, SPARSE.
 */
MEMMAP_API int memmap_resize(memmap_t *map, size_t new_length, unsigned flags);

/*
 * Makes room for the map to grow to capacity bytes (counted from
 * memmap_data()) without moving: address space is reserved past the map,
 * inaccessible and not committed, and later resizes within it keep
 * memmap_data() and leave the bytes in use alone while other threads use
 * them (see Thread safety).  The data may move once, during this call; with
 * MEMMAP_NOMOVE it fails with MEMMAP_EBUSY rather than move (always, for an
 * empty map).  A capacity not above the current one succeeds and changes
 * nothing.  Works for every kind of map; growing a file inside the capacity
 * still allocates its blocks (MEMMAP_ENOSPC at the resize, never SIGBUS
 * later), a shrink gives the cut pages back to the reservation, and bytes
 * past the size are not accessible.  A resize past the capacity takes a new
 * reservation for the new length (and may move).  On Windows, reserving for
 * a file or shared memory needs placeholders (Windows 10 1803 and later); where
 * the system lacks them it is MEMMAP_ENOTSUP.  flags: NOMOVE.
 */
MEMMAP_API int memmap_reserve(memmap_t *map, size_t capacity, unsigned flags);

/* The bytes the map can grow to without moving: its size unless reserved. */
MEMMAP_API size_t memmap_capacity(const memmap_t *map);

/* --- Guarded access ------------------------------------------------------ */

/*
 * Copies between buf and [offset, offset+length) of the map, turning a fault
 * (file truncated by another process, I/O error, full disk under a sparse
 * file) into MEMMAP_EIO instead of a SIGBUS or an access violation; the map
 * stays usable.  A range outside the map is MEMMAP_ERANGE.  Thread-safe, and
 * safe in a signal handler and in a thread with any signal mask (POSIX
 * unblocks SIGBUS and SIGSEGV for the call).  Plain pointers from
 * memmap_data() are not protected.
 */
MEMMAP_API int memmap_read(memmap_t *map, size_t offset, void *buf, size_t length);
MEMMAP_API int memmap_write(memmap_t *map, size_t offset, const void *buf, size_t length);

/*
 * Tells whether [offset, offset+length) can be accessed now without faulting:
 * 0 if it can, MEMMAP_EIO if a page cannot be read (or written, with
 * MEMMAP_WRITE in access), MEMMAP_EACCES if the map lacks that access.
 * access: READ, WRITE.  Probing for WRITE does not change the data.
 */
MEMMAP_API int memmap_probe(memmap_t *map, size_t offset, size_t length, unsigned access);

/* --- Residency, eviction and huge pages ----------------------------------- */

/*
 * memmap_anon flag: back the memory with huge pages (fewer TLB misses on large,
 * randomly accessed memory).  Never an error: when the platform refuses, the
 * map has normal pages, and memmap_flags() includes MEMMAP_HUGE only when the
 * request was granted.
 *  - Linux: transparent huge pages.  The view is placed at a huge-page-aligned
 *    address and advised MADV_HUGEPAGE; granted when THP is not disabled
 *    (/sys/kernel/mm/transparent_hugepage/enabled, shmem_enabled for SHARED)
 *    and the length is at least one huge page.  The kernel may still use small
 *    pages where it finds no free huge page.  The hugetlbfs pool is not used:
 *    its pages cannot be protected, locked or resized in page-size steps.
 *  - Windows: large pages (a SEC_LARGE_PAGES section), granted when the process
 *    holds SeLockMemoryPrivilege and the length is a multiple of
 *    GetLargePageMinimum(); they are locked in memory.  Growing the map
 *    with memmap_resize moves it to normal pages and clears MEMMAP_HUGE.
 *    Elsewhere: never granted.
 */
#define MEMMAP_HUGE 0x1000u

/* More hints for memmap_advise: ask for, or refuse, transparent huge pages for
 * the range (Linux MADV_HUGEPAGE / MADV_NOHUGEPAGE; elsewhere a successful no-op). */
#define MEMMAP_ADVICE_HUGEPAGE   5
#define MEMMAP_ADVICE_NOHUGEPAGE 6

/*
 * Reports which pages of [offset, offset+length) are in memory now.  The range
 * widens to whole pages; length 0 means to the end of the map.
 * - vec, when not NULL, gets one byte per page of the widened range: bit 0 is
 *   set when the page is resident, the other bits are 0.  It must hold
 *   (widened length / memmap_page_size()) bytes.
 * - *resident, when not NULL, gets the number of resident pages.
 * An empty range reports 0 pages.  MEMMAP_EINVAL for a NULL map, MEMMAP_ERANGE
 * for a range outside the map (both functions).  What "resident" means:
 * - Linux, anonymous memory and files the caller owns or may write: in RAM, in
 *   the page cache, whether or not this process has touched it (mincore).
 * - Linux, a file the caller neither owns nor may write: the kernel hides its
 *   page cache (mincore pretends every page is resident, cachestat(2) refuses
 *   with EPERM), so only the pages mapped in this process are reported (from
 *   /proc/self/pagemap): a lower bound.  MEMMAP_ENOTSUP when that cannot be
 *   read (no /proc, or a process made undumpable by a change of user).
 * - Windows: the pages in this process's working set (QueryWorkingSetEx), not
 *   the system file cache, which no per-file call reports.
 * - Other POSIX systems: mincore.
 */
MEMMAP_API int memmap_residency(memmap_t *map, size_t offset, size_t length, unsigned char *vec,
                                size_t *resident);

/*
 * Drops the pages of [offset, offset+length) (widened to whole pages; length 0:
 * to the end) from memory where the platform allows it.  Data is never lost:
 * dirty pages of a shared file map are written back first (MEMMAP_EIO if that
 * fails), and private modified pages are kept, or written to swap by the
 * kernel, never discarded.  The data reads the same afterwards, from the disk.
 * - Linux, shared file maps: msync (sync_file_range for read-only maps, which
 *   also writes back what other processes dirtied), MADV_DONTNEED (this
 *   process's page tables), then posix_fadvise DONTNEED (the page cache).
 *   Pages another process maps, or the caller has locked, stay, and so does a
 *   large folio (the kernel caches big reads and writes in units of up to
 *   2 MiB) that the range covers only in part.  Files on tmpfs, and shared
 *   memory objects, are their page cache: they stay resident (they can only
 *   go to swap).
 * - Linux, private and anonymous memory: MADV_PAGEOUT (5.4+), which writes
 *   modified pages to swap; without swap they stay resident.
 * - Windows: FlushViewOfFile, then the unlocked pages leave this process's
 *   working set (VirtualUnlock on unlocked pages); the system may keep them in
 *   its standby list (file cache), which no per-file call empties.
 * Succeeds where the platform evicts nothing; memmap_residency tells what stayed.
 */
MEMMAP_API int memmap_evict(memmap_t *map, size_t offset, size_t length);

/* --- For bindings --------------------------------------------------------- */

/*
 * The current size in bytes of what backs map: the file (which another
 * process may have changed since the map was made, so it can differ from
 * memmap_size), or the shared memory object.  For anonymous memory it is the
 * mapped length, and for a character device 0.  Thread-safe.
 */
MEMMAP_API int memmap_file_size(memmap_t *map, uint64_t *size);

/*
 * The size of a file the caller has opened, before mapping it (for checks of
 * the caller's own, such as a binding keeping another API's rules).
 * MEMMAP_EISDIR for a directory, MEMMAP_ENOTSUP for a device (which has no
 * size; memmap_open_file maps one when given a length), MEMMAP_ENODEV for a
 * file that cannot be mapped at all (pipe, socket, terminal), MEMMAP_EBADF
 * when file is not open.
 */
MEMMAP_API int memmap_file_length(memmap_file_t file, uint64_t *size);

/*
 * Copies length bytes inside the map from src_offset to dst_offset; the two
 * ranges may overlap (as memmove).  Guarded like memmap_write: a page that
 * faults is MEMMAP_EIO (the bytes moved before it stay moved), and the map
 * stays usable.  MEMMAP_ERANGE when either range is outside the map,
 * MEMMAP_EACCES on a read-only map, MEMMAP_ENOMEM when no bounce buffer (at
 * most 1 MiB) can be had.  Thread-safe.
 */
MEMMAP_API int memmap_move(memmap_t *map, size_t dst_offset, size_t src_offset, size_t length);

/*
 * Searches [offset, offset+length) of the map for the needle_len bytes at
 * needle: the first occurrence, or the last when backwards is non-zero.
 * *found is its offset (relative to memmap_data), or SIZE_MAX when there is
 * none; an empty needle is found at offset (offset+length backwards).
 * Guarded: a page that cannot be read is MEMMAP_EIO, except that a forward
 * search still finds a match lying wholly before it.  MEMMAP_ERANGE when the
 * range is outside the map, MEMMAP_ENOMEM when no buffer (at most 1 MiB, or
 * twice the needle) can be had.  Thread-safe.
 */
MEMMAP_API int memmap_find(memmap_t *map, size_t offset, size_t length, const void *needle, size_t needle_len,
                           int backwards, size_t *found);

/* The longest name memmap_shm_open takes, in bytes (the terminating NUL not counted). */
#define MEMMAP_SHM_NAME_MAX 200

/*
 * 0 if name is one memmap_shm_open and memmap_shm_unlink take everywhere: 1 to
 * MEMMAP_SHM_NAME_MAX characters of [A-Za-z0-9._-], not "." or "..";
 * MEMMAP_EINVAL otherwise (NULL included).  It checks the name only: whether
 * an object of that name exists is not asked.
 */
MEMMAP_API int memmap_shm_check_name(const char *name);

/* --- The platform ------------------------------------------------------- */

/* The page size: the unit of protection, locking and advice. */
MEMMAP_API size_t memmap_page_size(void);
/* The unit a mapping's file offset must be aligned to: the page size on POSIX, 64 KiB on Windows. */
MEMMAP_API size_t memmap_granularity(void);

/* --- Errors -------------------------------------------------------------- */

/* A sentence describing code; never NULL ("unknown error" for unknown codes). */
MEMMAP_API const char *memmap_strerror(int code);
/* The code's name, such as "MEMMAP_ENOENT"; never NULL ("MEMMAP_UNKNOWN" for unknown codes). */
MEMMAP_API const char *memmap_errname(int code);
/* The raw errno or GetLastError() of the last failed OS call in this thread, 0 if the last failure had none. */
MEMMAP_API int memmap_last_os_error(void);

/* --- Version ------------------------------------------------------------- */

/*
 * The version of the library running, "MAJOR.MINOR.PATCH" (such as "0.1.0");
 * never NULL, a static string.  It can differ from the MEMMAP_VERSION_* macros
 * of the header a program was compiled with when the shared library was
 * replaced: a program that needs a feature of a later release checks it here.
 */
MEMMAP_API const char *memmap_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MEMMAP_H */
