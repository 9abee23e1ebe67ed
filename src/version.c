/* SPDX-License-Identifier: MIT */
/* The library's version at run time, built from the header's three macros. */
#include "internal.h"

#define MEMMAP_STRINGIFY_(x) #x
#define MEMMAP_STRINGIFY(x) MEMMAP_STRINGIFY_(x)

const char *memmap_version(void)
{
    return MEMMAP_STRINGIFY(MEMMAP_VERSION_MAJOR) "." MEMMAP_STRINGIFY(MEMMAP_VERSION_MINOR) "."
           MEMMAP_STRINGIFY(MEMMAP_VERSION_PATCH);
}
