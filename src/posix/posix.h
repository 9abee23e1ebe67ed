/* SPDX-License-Identifier: MIT */
/* What the POSIX backend's files share with each other and nobody else. */
#ifndef MEMMAP_POSIX_H
#define MEMMAP_POSIX_H

#include "internal.h"

/*
 * Faults in every page of [addr, addr+len) (page-aligned) for reading, or for
 * writing without changing a byte.  0, MEMMAP_EIO for a page that faults
 * (SIGBUS: truncated, unreadable, no space to back it) or another code.
 */
int memmap_posix_touch(void *addr, size_t len, int write);

#endif
