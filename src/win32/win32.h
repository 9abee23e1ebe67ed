/* SPDX-License-Identifier: MIT */
/* What the Windows backend's files share; only the files of src/win32 include it. */
#ifndef MEMMAP_WIN32_H
#define MEMMAP_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "internal.h"

/*
 * What differs between the kinds of map inside this backend, beside the
 * shared table (struct memmap_kind).  Each kind's file defines its own, and
 * the call that opens the kind's file or object sets m->os.ops; a map is
 * anonymous memory until then (memmap_os_init).
 */
struct memmap_win32_ops {
    /* Creates a section of size bytes for the map's views (file and anonymous
     * maps make their own; NULL for shared memory, whose section is the object
     * in m->os.section). */
    int (*create_section)(memmap_t *m, uint64_t size, HANDLE *section);
    /* The object's size is fixed at creation (a pagefile-backed named section). */
    int fixed_size;
    /* The reservation primitives of internal.h, and releasing the
     * reservation with every view in it. */
    int (*reserve)(memmap_t *m, size_t span, int may_move);
    int (*map_reserved)(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len);
    int (*unmap_reserved)(memmap_t *m, unsigned char *addr, size_t len);
    int (*release_reservation)(memmap_t *m);
};

extern const struct memmap_win32_ops memmap_win32_anon_ops; /* win32_anon.c */
extern const struct memmap_win32_ops memmap_win32_file_ops; /* win32_file.c */
extern const struct memmap_win32_ops memmap_win32_shm_ops;  /* win32_shm.c */

/* Placeholder reservations, for maps whose views come from a section (files
 * and shared memory): win32_placeholder.c. */
int memmap_win32_placeholder_reserve(memmap_t *m, size_t span, int may_move);
int memmap_win32_placeholder_map(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len);
int memmap_win32_placeholder_unmap(memmap_t *m, unsigned char *addr, size_t len);
int memmap_win32_placeholder_release(memmap_t *m);

/* Rings without placeholders (win32_ring.c): maps m's section twice, back to
 * back, at free address space found and given back first, trying up to
 * attempts times; MEMMAP_ENOMEM when every attempt lost the address.  race,
 * when not NULL, runs between giving the space back and mapping there: tests
 * use it to be the thread that takes the address. */
typedef void (*memmap_win32_race_fn)(void *base, size_t span);
int memmap_win32_mirror_at_free_address(memmap_t *m, size_t length, int attempts, memmap_win32_race_fn race);

/* Runs fn over [addr, addr+len) one OS view at a time: calls such as
 * VirtualProtect and FlushViewOfFile refuse a range that spans two views,
 * and a placeholder reservation holds several.  The first failure stops it. */
typedef int (*memmap_win32_view_fn)(unsigned char *addr, size_t len, void *arg);
int memmap_win32_on_views(memmap_t *m, unsigned char *addr, size_t len, memmap_win32_view_fn fn, void *arg);

/* Makes the private (copy-on-write) pages [addr, addr+len) show the file's
 * bytes from offset again, zeros past its end (win32_file.c). */
int memmap_win32_reread_file(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len);

/* Converts a UTF-8 string to a newly allocated UTF-16 one (free() it).
 * MEMMAP_EINVAL for invalid UTF-8, MEMMAP_ENOMEM when out of memory. */
int memmap_win32_widen(const char *utf8, const wchar_t *prefix, wchar_t **wide);

/* The page protection of a section, and the access of a view, for the map's
 * creation flags (READ, WRITE, COPY, EXEC). */
DWORD memmap_win32_section_protection(unsigned flags);
DWORD memmap_win32_view_access(unsigned flags);

/* A function of a system DLL that may be missing (newer than Windows 7, or
 * absent under Wine): NULL when it is not there. */
FARPROC memmap_win32_lookup(const wchar_t *module, const char *name);

/* Maps size bytes of anonymous memory for m in large pages (win32_cache.c):
 * 0 when granted, with m's view set; -1, with nothing changed, when the
 * privilege, the size or the system refuses. */
int memmap_win32_map_large_pages(memmap_t *m, size_t size);

/* Writes [addr, addr+len) of the map back to its file or object (win32_range.c);
 * len 0 does nothing. */
int memmap_win32_flush(memmap_t *m, void *addr, size_t len);

/* Copies the bytes of m's view to dst, where they move (win32_map.c). */
int memmap_win32_copy_view(memmap_t *m, unsigned char *dst);

/* Unmaps an unreserved view and closes the section the map made for it (win32_map.c). */
int memmap_win32_unmap_view(memmap_t *m);

/* Records GetLastError() as the last OS error and returns its MEMMAP_E* code. */
int memmap_win32_last_error(void);

#endif
