/* SPDX-License-Identifier: MIT */
/* The Windows backend's part of struct memmap.
 *
 * Handles are kept as void * so that internal.h, which every source includes,
 * does not drag <windows.h> in. */
#ifndef MEMMAP_WIN32_STATE_H
#define MEMMAP_WIN32_STATE_H

#include <stddef.h>
#include <stdint.h>

/* Windows refuses to cut a file while a section of it exists: the cut must
 * come before the view is made. */
#define MEMMAP_OS_CUTS_MAPPED_FILES 0

struct memmap_os {
    void *file;            /* HANDLE of the file the map owns; NULL for anonymous and shared memory */
    void *section;         /* HANDLE of the file mapping object behind the view; NULL when none */
    uint64_t section_size; /* bytes the section covers (for shared memory: the object's size) */
    size_t mapped_size;    /* bytes really mapped at view: at least view_size, since a shrink keeps the view */
};

#endif
