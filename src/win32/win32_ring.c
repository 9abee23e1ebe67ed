/* SPDX-License-Identifier: MIT */
/*
 * Windows rings: a pagefile-backed section (unnamed, or the named object)
 * mapped twice, back to back.
 *
 * With placeholders the two views go into one reservation, and nothing else
 * can take the address between them.  Without (Wine 8, Windows before 10
 * 1803) the only way is to find free address space for both views, give it
 * back, and map the views there before another thread of the process takes
 * it: that can lose the race, so it is retried a bounded number of times and
 * then fails cleanly.
 */
#include "win32.h"

#include <stdlib.h>

/* How often the race for free address space is run before giving up. */
#define MIRROR_ATTEMPTS 64

int memmap_os_ring_object(memmap_t *m, size_t length)
{
    /* SEC_COMMIT (the default) charges the whole length to the commit limit
     * now: a ring too large for it fails here, not at a later touch. */
    HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, (DWORD)((uint64_t)length >> 32),
                                        (DWORD)length, NULL);
    DWORD error;

    if (!section) {
        error = GetLastError();
        /* Every argument but the size is ours: an invalid one is a size no commit limit could hold. */
        if (error == ERROR_INVALID_PARAMETER)
            return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
        return memmap_os_error((int)error);
    }
    m->os.section = section;
    m->os.section_size = length;
    m->os.ops = &memmap_win32_shm_ops;
    return 0;
}

/* Records the two views as the map's reservation, as win32_placeholder.c
 * records its pieces, so that closing, protecting and syncing find them. */
static void keep_views(memmap_t *m, struct memmap_win32_piece *pieces, unsigned char *base, size_t length)
{
    pieces[0].base = base;
    pieces[0].length = length;
    pieces[1].base = base + length;
    pieces[1].length = length;
    m->os.pieces = pieces;
    m->os.view_count = m->os.piece_count = m->os.piece_capacity = 2;
    m->view.base = m->reservation.base = base;
    m->view.length = length;
    m->view.offset = 0;
    m->reservation.length = 2 * length;
}

int memmap_win32_mirror_at_free_address(memmap_t *m, size_t length, int attempts, memmap_win32_race_fn race)
{
    DWORD access = memmap_win32_view_access(m->flags);
    struct memmap_win32_piece *pieces = malloc(2 * sizeof *pieces);
    DWORD error = 0;
    int attempt;

    if (!pieces)
        return memmap_fail(MEMMAP_ENOMEM);
    for (attempt = 0; attempt < attempts; attempt++) {
        unsigned char *base = VirtualAlloc(NULL, 2 * length, MEM_RESERVE, PAGE_NOACCESS);
        void *first, *second;
        if (!base) {
            error = GetLastError();
            break; /* no address space that large at all: retrying cannot help */
        }
        VirtualFree(base, 0, MEM_RELEASE);
        if (race)
            race(base, 2 * length);
        first = MapViewOfFileEx(m->os.section, access, 0, 0, length, base);
        if (!first) {
            error = GetLastError();
            continue;
        }
        second = MapViewOfFileEx(m->os.section, access, 0, 0, length, base + length);
        if (second) {
            keep_views(m, pieces, base, length);
            return 0;
        }
        error = GetLastError();
        UnmapViewOfFile(first);
    }
    free(pieces);
    return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
}

int memmap_os_map_mirror(memmap_t *m, size_t length)
{
    int rc = memmap_map_mirror_reserved(m, length);
    /* No placeholders here: nothing was reserved or mapped. */
    if (rc == MEMMAP_ENOTSUP)
        rc = memmap_win32_mirror_at_free_address(m, length, MIRROR_ATTEMPTS, NULL);
    return rc;
}
