/* SPDX-License-Identifier: MIT */
/* Guarded access: argument checks for memmap_read, memmap_write and memmap_probe.
 * The fault handling itself is the backend's (memmap_os_guarded_copy). */
#include "internal.h"

/* Checks [offset, offset+length) lies inside the map. */
static int check_range(const memmap_t *map, size_t offset, size_t length)
{
    size_t size = memmap_reach(map);
    if (offset > size || length > size - offset)
        return memmap_fail(MEMMAP_ERANGE);
    return 0;
}

int memmap_read(memmap_t *map, size_t offset, void *buf, size_t length)
{
    int rc;
    if (!map || (!buf && length))
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = check_range(map, offset, length)) != 0 || length == 0)
        return rc;
    return memmap_os_guarded_copy(buf, map->data + offset, length, map->data + offset, length);
}

int memmap_write(memmap_t *map, size_t offset, const void *buf, size_t length)
{
    int rc;
    if (!map || (!buf && length))
        return memmap_fail(MEMMAP_EINVAL);
    if (!(map->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        return memmap_fail(MEMMAP_EACCES);
    if ((rc = check_range(map, offset, length)) != 0 || length == 0)
        return rc;
    return memmap_os_guarded_copy(map->data + offset, buf, length, map->data + offset, length);
}

int memmap_probe(memmap_t *map, size_t offset, size_t length, unsigned access)
{
    size_t page = memmap_os_page_size();
    uintptr_t start, end;
    int rc;
    if (!map || (access & ~(MEMMAP_READ | MEMMAP_WRITE)))
        return memmap_fail(MEMMAP_EINVAL);
    if ((access & MEMMAP_WRITE) && !(map->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        return memmap_fail(MEMMAP_EACCES);
    if (length == 0 && offset <= memmap_reach(map))
        length = memmap_reach(map) - offset;
    if ((rc = check_range(map, offset, length)) != 0 || length == 0)
        return rc;
    start = (uintptr_t)(map->data + offset) & ~(uintptr_t)(page - 1);
    end = (uintptr_t)(map->data + offset + length);
    return memmap_os_probe(map, (void *)start, (size_t)(end - start), (access & MEMMAP_WRITE) != 0);
}
