/* SPDX-License-Identifier: MIT */
/*
 * The seam between the platform-independent part of memmap (the .c files in src/) and the
 * backends (src/posix, src/win32).
 *
 * The shared code validates arguments, does the range and slack arithmetic,
 * decides whether a file must grow, and keeps struct memmap consistent.  A
 * backend function does the platform part only and reports failures as
 * MEMMAP_E* codes through memmap_os_error(), which also records the raw code
 * for memmap_last_os_error().
 */
#ifndef MEMMAP_INTERNAL_H
#define MEMMAP_INTERNAL_H

/*
 * 64-bit file offsets in every POSIX build, whatever the consumer compiles
 * with: on i386 glibc off_t is 32 bits by default, and offsets past 4 GiB
 * would wrap silently.  Every source includes this header before any system
 * header, so the definition reaches all of them.  (musl's off_t is always 64
 * bits; Windows passes offsets as two DWORDs.)  posix_file.c checks at compile
 * time that it took effect.
 */
#if !defined(_WIN32)
#  undef _FILE_OFFSET_BITS
#  define _FILE_OFFSET_BITS 64
#endif

#include "memmap.h"

#ifdef _WIN32
#  include "win32/win32_state.h"
#else
#  include "posix/posix_state.h"
#endif

#if defined(__GNUC__)
#  define MEMMAP_THREAD_LOCAL __thread
#elif defined(_MSC_VER)
#  define MEMMAP_THREAD_LOCAL __declspec(thread)
#else
#  define MEMMAP_THREAD_LOCAL _Thread_local
#endif

enum memmap_kind {
    MEMMAP_KIND_FILE, /* a file opened by path or adopted from the caller */
    MEMMAP_KIND_ANON, /* anonymous memory */
    MEMMAP_KIND_SHM   /* a named shared memory object */
};

/* What memmap_os_file_info() reports about an open file. */
enum memmap_file_type {
    MEMMAP_FILE_REGULAR,   /* sized, growable: the normal case */
    MEMMAP_FILE_DEVICE,    /* a character device: mapped as asked, no size */
    MEMMAP_FILE_DIRECTORY,
    MEMMAP_FILE_UNMAPPABLE /* FIFO, socket, terminal, anything else */
};

struct memmap {
    unsigned char *data;  /* what memmap_data returns: view + slack, or a sentinel when empty */
    size_t size;          /* what memmap_size returns */
    uint64_t offset;      /* the caller's file offset of data */
    unsigned flags;       /* the flags the map was created with, plus MEMMAP_READ */
    enum memmap_kind kind;
    int size_dirty;       /* the library changed the file's size since the last durable sync */
    void *view;           /* start of the OS mapping (granularity-aligned), NULL when nothing is mapped */
    size_t view_size;     /* slack + size: bytes of the file mapped at view */
    size_t slack;         /* offset minus the aligned offset the view starts at */
    struct memmap_os os;  /* the backend's handles */
};

/* What memmap_resize asks of the backend. */
struct memmap_resize_plan {
    uint64_t map_offset;    /* the aligned file offset the view starts at (unchanged) */
    size_t new_view_size;   /* slack + the new length; 0 to unmap everything */
    uint64_t old_file_size; /* file or object size now */
    uint64_t new_file_size; /* size it must have afterwards; equal to old_file_size when unchanged */
    int allocate;           /* when growing the file: allocate its blocks */
    int may_move;           /* the view may move to a new address */
};

/* --- Helpers shared by every file (src/memmap.c, src/error.c) ------------ */

/* Records os_code as this thread's last OS error and returns code. */
int memmap_fail_os(int code, int os_code);
/* Returns code for a failure that involved no OS call (the last OS error becomes 0). */
int memmap_fail(int code);
/* The sentinel data pointer of empty maps: not NULL, never written. */
unsigned char *memmap_empty_data(void);

/* The page-aligned span of [offset, offset+length) of m (length 0: to the end);
 * MEMMAP_ERANGE outside the map, *len 0 for an empty range (src/memmap.c). */
int memmap_page_span(const memmap_t *m, size_t offset, size_t length, void **addr, size_t *len);
/* Checks map and [offset, offset+length) and runs a backend call (lock, unlock,
 * evict) over its whole pages; an empty range succeeds without a call. */
int memmap_on_pages(memmap_t *map, size_t offset, size_t length, int (*os_call)(memmap_t *, void *, size_t));

/* --- The backend --------------------------------------------------------- */

/* Translates a raw errno or GetLastError() value into a MEMMAP_E* code and records it. */
int memmap_os_error(int os_code);

size_t memmap_os_page_size(void);
size_t memmap_os_granularity(void);

/* Sets m->os to "holds nothing" (called once on a zeroed map, before anything else). */
void memmap_os_init(memmap_t *m);
/* Opens path for the access in m->flags (CREATE, EXCL, WRITE/TRUNCATE), close-on-exec;
 * *created tells whether this call created the file. */
int memmap_os_open_path(memmap_t *m, const char *path, unsigned mode, int *created);
/* Removes the file memmap_os_open_path created, after a later step failed, but
 * only while path still names that file (another process may have replaced it). */
void memmap_os_discard_created(memmap_t *m, const char *path);
/* Duplicates the caller's file into m->os after checking it is open for the access in m->flags. */
int memmap_os_adopt_file(memmap_t *m, memmap_file_t file);
/* Opens or creates the named object (name already validated); *created tells which happened. */
int memmap_os_shm_open(memmap_t *m, const char *name, size_t length, int *created);
int memmap_os_shm_unlink(const char *name);
/* Removes an object memmap_os_shm_open created, after a later step failed. */
void memmap_os_shm_discard(const char *name);

/* Type and current size of the file or object behind m. */
int memmap_os_file_info(memmap_t *m, enum memmap_file_type *type, uint64_t *size);
/* Type and current size of a caller's open file, before any map of it exists. */
int memmap_os_describe_file(memmap_file_t file, enum memmap_file_type *type, uint64_t *size);
/* Sets the size of the file behind m.  Growing allocates blocks when allocate
 * is set, so that a full disk fails here; on failure the size is old_size. */
int memmap_os_set_file_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate);
/* Closes what m->os holds. */
int memmap_os_release(memmap_t *m);

/* Maps view_size bytes from map_offset of m's file (or anonymous memory) and sets m->view. */
int memmap_os_map(memmap_t *m, uint64_t map_offset, size_t view_size, int populate);
/* Unmaps m->view (when not NULL). */
int memmap_os_unmap(memmap_t *m);
/* Carries out plan: changes the file size and the view; sets m->view and m->view_size.
 * On failure m, its view and the file size are as they were. */
int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan);

/* The range functions get page-aligned addr and len inside m->view. */
int memmap_os_sync(memmap_t *m, void *addr, size_t len, int durable);
int memmap_os_protect(memmap_t *m, void *addr, size_t len, unsigned prot);
int memmap_os_advise(memmap_t *m, void *addr, size_t len, int advice);
int memmap_os_lock(memmap_t *m, void *addr, size_t len);
int memmap_os_unlock(memmap_t *m, void *addr, size_t len);

/* Residency and eviction (src/cache.c does the checks), over page-aligned addr and len
 * inside m->view.  memmap_os_residency sets vec[i] to 1 when page i is resident, else 0. */
int memmap_os_residency(memmap_t *m, void *addr, size_t len, unsigned char *vec);
int memmap_os_evict(memmap_t *m, void *addr, size_t len);

/* Copies len bytes from src to dst, one of which lies in the mapped range
 * [lo, lo+guard_len).  Returns MEMMAP_EIO, not a signal or an exception, when
 * a page of that range faults. */
int memmap_os_guarded_copy(void *dst, const void *src, size_t len, const void *lo, size_t guard_len);
/* Zeroes [dst, dst+len) of a view; MEMMAP_EIO instead of a fault when a page
 * of it cannot be written (the caller protected it). */
int memmap_os_guarded_zero(void *dst, size_t len);
/* Checks that [addr, addr+len) (page-aligned) can be touched now; write asks for write access. */
int memmap_os_probe(memmap_t *m, void *addr, size_t len, int write);

#endif /* MEMMAP_INTERNAL_H */
