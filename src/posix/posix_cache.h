/* SPDX-License-Identifier: MIT */
/* What posix_map.c asks of posix_cache.c to give anonymous memory huge pages. */
#ifndef MEMMAP_POSIX_CACHE_H
#define MEMMAP_POSIX_CACHE_H

#include "internal.h"

/* An address where a view of size bytes would start on a huge page boundary,
 * to pass to mmap as a hint; NULL when huge pages do not exist here. */
void *memmap_posix_huge_hint(size_t size);
/* Asks for huge pages on m's new view and clears MEMMAP_HUGE from m->flags
 * when they are refused.  Then prefaults the view when populate is set (the
 * advice has to come first, or the pages fault in small). */
void memmap_posix_use_huge_pages(memmap_t *m, void *view, size_t size, int populate);

#endif
