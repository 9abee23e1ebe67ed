/* SPDX-License-Identifier: MIT */
/* What the POSIX backend's files share with each other and nobody else. */
#ifndef MEMMAP_POSIX_H
#define MEMMAP_POSIX_H

#include "internal.h"

#include <sys/mman.h>

/* The BSDs' older name. */
#ifndef MAP_ANONYMOUS
#  define MAP_ANONYMOUS MAP_ANON
#endif

/* ThreadSanitizer does not intercept mremap (google/sanitizers#1099): it keeps
 * the moved pages' access history and reports races on whatever is mapped
 * there next.  TSan builds move and grow views the portable way instead. */
#if defined(__SANITIZE_THREAD__)
#  define MEMMAP_NO_MREMAP 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define MEMMAP_NO_MREMAP 1
#  endif
#endif

/*
 * Faults in every page of [addr, addr+len) (page-aligned) for reading, or for
 * writing without changing a byte.  0, MEMMAP_EIO for a page that faults
 * (SIGBUS: truncated, unreadable, no space to back it) or another code.
 */
int memmap_posix_touch(void *addr, size_t len, int write);

/* An address where a view of size bytes would start on a huge page boundary,
 * to pass to mmap as a hint; NULL when huge pages do not exist here. */
void *memmap_posix_huge_hint(size_t size);
/* Asks for huge pages on m's new view and clears MEMMAP_HUGE from m->flags
 * when they are refused.  Then prefaults the view when populate is set (the
 * advice has to come first, or the pages fault in small). */
void memmap_posix_use_huge_pages(memmap_t *m, void *view, size_t size, int populate);

/* The operations files and shared memory objects share (posix_file.c): both
 * are a descriptor with a size. */
int memmap_posix_describe(memmap_t *m, enum memmap_file_type *type, uint64_t *size);
int memmap_posix_set_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate);
int memmap_posix_sync(memmap_t *m, void *addr, size_t len, int durable);
int memmap_posix_close(memmap_t *m);
/* Whether a map with these flags needs its descriptor open for writing. */
int memmap_posix_needs_write_access(unsigned flags);

/* mmap's protection and sharing flags for m's views. */
int memmap_posix_view_protection(const memmap_t *m);
/* Maps size bytes of m's file (or anonymous memory: no descriptor) from
 * map_offset at hint, exactly there when extra_flags has MAP_FIXED; MAP_FAILED
 * on failure. */
void *memmap_posix_map_pages(const memmap_t *m, void *hint, uint64_t map_offset, size_t size, int extra_flags);
/* The code for a failed mmap or mremap (EINVAL: a length the address space cannot take). */
int memmap_posix_size_error(int e);
/* Copies the private pages of the view to its new place at dst (both
 * mappings exist); the caller may have protected some of the old ones. */
int memmap_posix_copy_private(memmap_t *m, unsigned char *dst);

#endif
