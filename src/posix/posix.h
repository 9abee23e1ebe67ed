/* SPDX-License-Identifier: MIT */
/* What the POSIX backend's files share with each other and nobody else. */
#ifndef MEMMAP_POSIX_H
#define MEMMAP_POSIX_H

#include "internal.h"

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

#endif
