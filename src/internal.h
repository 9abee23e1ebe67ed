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
#include "atomic.h"

#ifdef _WIN32
#  include "win32/win32_state.h"
#else
#  include "posix/posix_state.h"
#endif

/* What memmap_os_file_info() reports about an open file. */
enum memmap_file_type {
    MEMMAP_FILE_REGULAR,   /* sized, growable: the normal case */
    MEMMAP_FILE_DEVICE,    /* a character device: mapped as asked, no size */
    MEMMAP_FILE_DIRECTORY,
    MEMMAP_FILE_UNMAPPABLE /* FIFO, socket, terminal, anything else */
};

/*
 * A range of address space a map owns.  For the view: the bytes of the file
 * (or memory) that are mapped, slack included, from the file offset.  For the
 * reservation: the address space held so that the view can grow without
 * moving; it starts where the view starts, its length is a multiple of the
 * page size, and its offset is unused.
 */
struct memmap_view {
    unsigned char *base;  /* granularity-aligned; NULL when there is none */
    size_t length;        /* view: slack + size, not rounded; reservation: whole pages, 0 when none */
    uint64_t offset;      /* view: the aligned file offset mapped at base */
};

/*
 * What differs between the kinds of map (a file, anonymous memory, a named
 * shared memory object) is a table of operations, one per kind, defined by
 * each backend.  Shared code asks the table, never which kind it is.
 */
struct memmap_kind {
    const char *name;
    /* Type and current size of the file or object behind the map; NULL for
     * anonymous memory, which has neither: nothing to size, cut or sync. */
    int (*describe)(memmap_t *m, enum memmap_file_type *type, uint64_t *size);
    /* Sets that size.  Growing allocates blocks when allocate is set, so that
     * a full disk fails here; on failure the size is old_size. */
    int (*set_size)(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate);
    /* Writes page-aligned [addr, addr+len) back to the file; durable: waits
     * until it, and a size the library changed, reach stable storage. */
    int (*sync)(memmap_t *m, void *addr, size_t len, int durable);
    /* Closes what the map holds besides its views (descriptor, handles). */
    int (*release)(memmap_t *m);
};

extern const struct memmap_kind memmap_os_file_kind; /* a file opened by path or adopted */
extern const struct memmap_kind memmap_os_anon_kind; /* anonymous memory */
extern const struct memmap_kind memmap_os_shm_kind;  /* a named shared memory object */

/*
 * One owner per field: the shared code (the files of src/) writes data, size, offset,
 * flags, kind, slack and size_dirty; the backend writes view, reservation and
 * os (and clears MEMMAP_HUGE from flags when it cannot keep huge pages).
 */
struct memmap {
    unsigned char *data;  /* what memmap_data returns: view base + slack, or a sentinel when empty */
    size_t size;          /* what memmap_size returns; atomic, as other threads read it during a resize */
    uint64_t offset;      /* the caller's file offset of data */
    unsigned flags;       /* the flags the map was created with, plus MEMMAP_READ */
    const struct memmap_kind *kind;
    int size_dirty;       /* atomic: the library changed the file's size since the last durable sync */
    size_t slack;         /* offset minus the aligned offset the view starts at */
    int mirrored;         /* a ring: the memory is mapped again right after the first size bytes */
    struct memmap_view view;
    struct memmap_view reservation;
    struct memmap_os os;  /* the backend's handles */
};

/* Whether m is anonymous memory (no file or object behind it). */
#define memmap_is_anonymous(m) ((m)->kind->describe == NULL)
/* Private pages exist nowhere but in this process's view: anonymous memory
 * without MEMMAP_SHARED, and COPY maps. */
#define memmap_is_private(m) \
    (memmap_is_anonymous(m) ? !((m)->flags & MEMMAP_SHARED) : ((m)->flags & MEMMAP_COPY) != 0)

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

/* A map of kind that holds nothing yet, with flags plus MEMMAP_READ; NULL
 * when out of memory. */
memmap_t *memmap_new_map(const struct memmap_kind *kind, unsigned flags);
/* Gives a finished map to the caller, or frees a failed one (rc not 0): on
 * failure *out stays NULL and nothing leaks, whatever step failed. */
int memmap_hand_over(memmap_t **out, memmap_t *m, int rc);

/* The map's size, read by a thread other than the one that may be resizing it. */
static inline size_t memmap_current_size(const memmap_t *m)
{
    return memmap_load_acquire(&m->size);
}

/* The bytes from memmap_data() that guarded calls may reach: a ring's two
 * views (its size is fixed), or the map's size. */
static inline size_t memmap_reach(const memmap_t *m)
{
    return m->mirrored ? 2 * m->size : memmap_current_size(m);
}

/* Whether slack + length bytes, rounded up to whole pages or granules, fit in a size_t. */
int memmap_view_size_fits(size_t slack, size_t length);

/*
 * Decides the file size a map of [offset, offset+*length) needs and whether it
 * may have it.  *length 0 means "to the end of the file" and is replaced by
 * the real length.  may_grow says the map may extend the file.
 */
int memmap_plan_file_size(uint64_t file_size, uint64_t offset, size_t *length, unsigned flags, int may_grow,
                          uint64_t *new_file_size);

/* The page-aligned span of [offset, offset+length) of m (length 0: to the end);
 * MEMMAP_ERANGE outside the map, *len 0 for an empty range (src/memmap.c). */
int memmap_page_span(const memmap_t *m, size_t offset, size_t length, void **addr, size_t *len);
/* Checks map and [offset, offset+length) and runs a backend call (lock, unlock,
 * evict) over its whole pages; an empty range succeeds without a call. */
int memmap_on_pages(memmap_t *map, size_t offset, size_t length, int (*os_call)(memmap_t *, void *, size_t));

/* --- The backend --------------------------------------------------------- */

/* Rings (src/ring.c checks, the backend's *_ring.c does):
 * memmap_os_ring_object gives m an object of length bytes that has no name
 * and lives as long as its maps (and a POSIX process's forked children).
 * memmap_os_map_mirror maps m's object twice, back to back: length bytes
 * from offset 0 at the view's base and again right after it; it sets
 * m->view (length bytes) and m->reservation (both views). */
int memmap_os_ring_object(memmap_t *m, size_t length);
int memmap_os_map_mirror(memmap_t *m, size_t length);
/* The mirror made from the reservation primitives: a reservation of both
 * views, and the object mapped twice into it (src/ring.c).  What a backend's
 * memmap_os_map_mirror does where reservations can hold section views. */
int memmap_map_mirror_reserved(memmap_t *m, size_t length);

/* Translates a raw errno or GetLastError() value into a MEMMAP_E* code and records it. */
int memmap_os_error(int os_code);

size_t memmap_os_page_size(void);
size_t memmap_os_granularity(void);

/* n rounded up to a whole number of pages (the caller knows it cannot overflow). */
static inline size_t memmap_round_to_pages(size_t n)
{
    size_t page = memmap_os_page_size();
    return (n + page - 1) / page * page;
}

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

/* Type and current size of a caller's open file, before any map of it exists. */
int memmap_os_describe_file(memmap_file_t file, enum memmap_file_type *type, uint64_t *size);

/* Maps view_size bytes from map_offset of m's file (or anonymous memory) and sets m->view. */
int memmap_os_map(memmap_t *m, uint64_t map_offset, size_t view_size, int populate);
/* Unmaps m->view and releases m->reservation (each when there is one). */
int memmap_os_unmap(memmap_t *m);
/* Carries out plan for a map without a reservation: changes the file size and
 * the view; sets m->view.  On failure m, its view and the file size are as
 * they were. */
int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan);

/*
 * Reservations (src/reserve.c decides, the backend does):
 *
 * memmap_os_reserve makes m->reservation span bytes long (a multiple of the
 * page size, more than it is now), starting at m->view.base, and sets both.
 * The view moves into new address space when may_move is set and the space
 * after it is taken; without may_move that is MEMMAP_EBUSY.  An empty map
 * gets a reservation and a view of length 0 at its start.  Nothing past the
 * view is accessible or committed.  On failure nothing has changed.
 *
 * memmap_os_map_reserved maps len bytes of m's file or memory from file
 * offset at addr, inside the reservation and past the view; addr, offset and
 * len are page-aligned.  It does not touch any page outside [addr, addr+len).
 *
 * memmap_os_unmap_reserved hands [addr, addr+len) (page-aligned, inside the
 * reservation) back to it: inaccessible again, nothing committed, and what
 * private memory held there gone.  Pages before addr are not touched.
 */
int memmap_os_reserve(memmap_t *m, size_t span, int may_move);
int memmap_os_map_reserved(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len);
int memmap_os_unmap_reserved(memmap_t *m, unsigned char *addr, size_t len);

/* The range functions get page-aligned addr and len inside m->view. */
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
