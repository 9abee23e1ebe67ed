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
/* No fork: anonymous memory has no other process to share its new pages
 * with, so MEMMAP_SHARED anonymous memory grows like private memory. */
#define MEMMAP_OS_GROWS_SHARED_ANON 1

struct memmap_win32_ops;

/* A piece of a placeholder reservation: a view or a placeholder (win32_placeholder.c). */
struct memmap_win32_piece {
    unsigned char *base;
    size_t length; /* whole pages */
};

struct memmap_os {
    const struct memmap_win32_ops *ops; /* what this kind of map does differently (win32.h) */
    void *file;            /* HANDLE of the file the map owns; NULL for anonymous and shared memory */
    void *section;         /* HANDLE of the section behind the view (shared memory: the object); NULL when none */
    uint64_t section_size; /* bytes the section covers (for shared memory: the object's size) */
    size_t mapped_size;    /* without a reservation: bytes mapped at view.base, at least view.length,
                            * since a shrink keeps the view */
    /* With a placeholder reservation: the pieces it is split into, in address
     * order from its start: view_count views, then placeholders. */
    struct memmap_win32_piece *pieces;
    size_t view_count, piece_count, piece_capacity;
};

#endif
