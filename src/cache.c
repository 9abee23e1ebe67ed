/* SPDX-License-Identifier: MIT */
/*
 * Residency and eviction: argument checks, the page span, and the counting.
 * What "resident" and "evicted" mean is the backend's (memmap_os_residency,
 * memmap_os_evict); memmap.h documents it per platform.
 */
#include "internal.h"

/* Pages asked of the backend at a time when the caller gives no vector: the
 * count needs a scratch vector, and it stays small and on the stack. */
#define SCRATCH_PAGES 4096

int memmap_residency(memmap_t *map, size_t offset, size_t length, unsigned char *vec, size_t *resident)
{
    unsigned char scratch[SCRATCH_PAGES], *out;
    void *addr;
    size_t page = memmap_os_page_size(), len, pages, done, chunk, i, count = 0;
    int rc;

    if (resident)
        *resident = 0;
    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = memmap_page_span(map, offset, length, &addr, &len)) != 0)
        return rc;
    pages = len / page;
    /* Without a vector from the caller, ask in scratch-sized pieces. */
    for (done = 0; done < pages; done += chunk) {
        chunk = vec ? pages - done : (pages - done < SCRATCH_PAGES ? pages - done : SCRATCH_PAGES);
        out = vec ? vec + done : scratch;
        if ((rc = memmap_os_residency(map, (unsigned char *)addr + done * page, chunk * page, out)) != 0)
            return rc;
        for (i = 0; i < chunk; i++)
            count += out[i] & 1;
    }
    if (resident)
        *resident = count;
    return 0;
}

int memmap_evict(memmap_t *map, size_t offset, size_t length)
{
    return memmap_on_pages(map, offset, length, memmap_os_evict);
}
