/* SPDX-License-Identifier: MIT */
/* The POSIX backend's part of struct memmap. */
#ifndef MEMMAP_POSIX_STATE_H
#define MEMMAP_POSIX_STATE_H

struct memmap_os {
    int fd; /* the file or shm object the map owns; -1 for anonymous memory */
};

#endif
