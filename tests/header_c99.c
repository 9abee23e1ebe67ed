/* SPDX-License-Identifier: MIT */
/* Compiled with -std=c99 -pedantic-errors: the public header must be plain C99. */
#include "memmap.h"

/* Every public type and flag used once, so a typo in the header fails here. */
int memmap_header_check(void);
int memmap_header_check(void)
{
    memmap_options opt = {0, 0, 0};
    memmap_t *map = (memmap_t *)0;
    memmap_file_t file;
    unsigned flags = MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC | MEMMAP_COPY | MEMMAP_CREATE | MEMMAP_EXCL |
                     MEMMAP_TRUNCATE | MEMMAP_SHARED | MEMMAP_POPULATE | MEMMAP_SPARSE | MEMMAP_NOMOVE |
                     MEMMAP_SYNC_ASYNC | MEMMAP_NONE;
    (void)file;
    (void)map;
    return (int)(flags + opt.mode) + MEMMAP_ADVICE_DONTNEED + MEMMAP_EMFILE;
}
