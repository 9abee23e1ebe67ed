/* SPDX-License-Identifier: MIT */
/*
 * memmap_move: memmove inside a map, guarded.  The bytes go through a bounce
 * buffer with memmap_read and memmap_write, so a page that faults is
 * MEMMAP_EIO here as it is for any other copy, and the guarded copy never
 * sees overlapping source and destination.
 */
#include "internal.h"

#include <stdlib.h>

/* The bounce buffer: big enough that the per-copy cost of the guard vanishes. */
#define MOVE_CHUNK ((size_t)1024 * 1024)

int memmap_move(memmap_t *map, size_t dst_offset, size_t src_offset, size_t length)
{
    unsigned char *chunk;
    size_t chunk_size, size, done = 0;
    int rc = 0;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    if (!(map->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        return memmap_fail(MEMMAP_EACCES);
    size = memmap_reach(map);
    if (dst_offset > size || src_offset > size || length > size - dst_offset || length > size - src_offset)
        return memmap_fail(MEMMAP_ERANGE);
    if (length == 0 || dst_offset == src_offset)
        return 0;
    chunk_size = length < MOVE_CHUNK ? length : MOVE_CHUNK;
    if (!(chunk = malloc(chunk_size)))
        return memmap_fail(MEMMAP_ENOMEM);
    /* Forwards when the destination is below the source, else backwards, as
     * memmove: a chunk is read before anything overwrites it. */
    while (done < length) {
        size_t n = length - done < chunk_size ? length - done : chunk_size;
        size_t at = dst_offset < src_offset ? done : length - done - n;
        if ((rc = memmap_read(map, src_offset + at, chunk, n)) != 0 ||
            (rc = memmap_write(map, dst_offset + at, chunk, n)) != 0)
            break;
        done += n;
    }
    free(chunk);
    return rc;
}
