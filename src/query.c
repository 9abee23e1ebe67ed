/* SPDX-License-Identifier: MIT */
/*
 * What a binding asks about a map beyond memmap_data/size/offset/flags, so
 * that it never has to reach for the descriptor or handle behind the map.
 */
#include "internal.h"

int memmap_file_size(memmap_t *map, uint64_t *size)
{
    enum memmap_file_type type;

    if (!map || !size)
        return memmap_fail(MEMMAP_EINVAL);
    if (memmap_is_anonymous(map)) {
        *size = memmap_current_size(map);
        return 0;
    }
    return map->kind->describe(map, &type, size);
}

int memmap_file_length(memmap_file_t file, uint64_t *size)
{
    enum memmap_file_type type;
    uint64_t length;
    int rc;

    if (!size)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = memmap_os_describe_file(file, &type, &length)) != 0)
        return rc;
    switch (type) {
    case MEMMAP_FILE_REGULAR:
        *size = length;
        return 0;
    case MEMMAP_FILE_DIRECTORY:
        return memmap_fail(MEMMAP_EISDIR);
    case MEMMAP_FILE_DEVICE:
        return memmap_fail(MEMMAP_ENOTSUP);
    default:
        return memmap_fail(MEMMAP_ENODEV);
    }
}
