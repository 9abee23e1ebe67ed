/* SPDX-License-Identifier: MIT */
/* The POSIX backend's part of struct memmap. */
#ifndef MEMMAP_POSIX_STATE_H
#define MEMMAP_POSIX_STATE_H

/* POSIX lets a file be cut while it is mapped (the pages past the end then fault). */
#define MEMMAP_OS_CUTS_MAPPED_FILES 1
/* Growing MAP_SHARED anonymous memory would give the new pages to this
 * process alone, not to the children that share the rest. */
#define MEMMAP_OS_GROWS_SHARED_ANON 0

struct memmap_os {
    int fd; /* the file or shm object the map owns; -1 for anonymous memory */
};

#endif
