/* SPDX-License-Identifier: MIT */
/*
 * POSIX anonymous memory: no file behind it, so nothing to describe, size,
 * sync or close.  Its views are MAP_ANONYMOUS because it has no descriptor
 * (posix_map.c).
 */
#include "internal.h"

static int release_nothing(memmap_t *m)
{
    (void)m;
    return 0;
}

const struct memmap_kind memmap_os_anon_kind = {
    "anonymous", NULL, NULL, NULL, release_nothing,
};
