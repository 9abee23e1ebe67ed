/* SPDX-License-Identifier: MIT */
/*
 * POSIX reservations: address space held with PROT_NONE so that a view can
 * grow without moving.  Pages of the file are mapped over it with MAP_FIXED,
 * which replaces the reserved pages in one step, and handed back the same
 * way; neither touches a page outside its range, so other threads can keep
 * using the rest of the view.
 */
#define _GNU_SOURCE /* mremap, MAP_NORESERVE */
#include "internal.h"
#include "posix/posix.h"

#include <errno.h>
#include <sys/mman.h>

#ifndef MAP_NORESERVE
#  define MAP_NORESERVE 0
#endif

/* Inaccessible address space; MAP_NORESERVE: no swap is set aside for it
 * (the pages mapped into it later are accounted as they come). */
static void *reserve_space(void *hint, size_t len, int extra_flags)
{
    return mmap(hint, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra_flags, -1, 0);
}

/* Reserves exactly [at, at+len) when it is free, else nothing: whether it did. */
static int reserve_exactly(unsigned char *at, size_t len)
{
    void *space = reserve_space(at, len, 0);
    if (space == at)
        return 1;
    if (space != MAP_FAILED)
        munmap(space, len);
    return 0;
}

/*
 * Puts the view's pages at the start of space (a fresh reservation).  mremap
 * moves them whole, locks and protection included, but only while the view is
 * one kernel mapping; otherwise the file is mapped there again and private
 * pages are copied.  Whether the old pages are gone already.
 */
static int move_view_into(memmap_t *m, unsigned char *space, int *old_pages_gone)
{
    size_t len = memmap_round_to_pages(m->view.length);
    void *moved;

    *old_pages_gone = 0;
#if defined(__linux__) && !defined(MEMMAP_NO_MREMAP)
    moved = mremap(m->view.base, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, space);
    if (moved == space) {
        *old_pages_gone = 1;
        return 0;
    }
#endif
    moved = memmap_posix_map_pages(m, space, m->view.offset, len, MAP_FIXED);
    if (moved == MAP_FAILED)
        return memmap_posix_size_error(errno);
    /* The new pages are small pages, whatever the old ones were. */
    m->flags &= ~MEMMAP_HUGE;
    return memmap_posix_copy_private(m, space);
}

int memmap_os_reserve(memmap_t *m, size_t span, int may_move)
{
    unsigned char *old_base = m->view.base, *space;
    size_t old_span = m->reservation.length ? m->reservation.length : memmap_round_to_pages(m->view.length);
    size_t view_span = memmap_round_to_pages(m->view.length);
    int old_pages_gone = 0, rc;

    if (old_base && reserve_exactly(old_base + old_span, span - old_span)) {
        m->reservation.base = old_base;
        m->reservation.length = span;
        return 0;
    }
    if (!may_move)
        return memmap_fail(MEMMAP_EBUSY);
    space = reserve_space(NULL, span, 0);
    if (space == MAP_FAILED)
        return memmap_posix_size_error(errno);
    if (old_base && (rc = move_view_into(m, space, &old_pages_gone)) != 0) {
        munmap(space, span);
        return rc;
    }
    /* Pages mremap moved are unmapped already, and their addresses may be
     * someone else's by now: only what is still ours goes. */
    if (old_base) {
        size_t from = old_pages_gone ? view_span : 0;
        if (old_span > from)
            munmap(old_base + from, old_span - from);
    } else {
        m->view.offset = m->offset - m->slack;
        m->view.length = 0;
    }
    m->view.base = m->reservation.base = space;
    m->reservation.length = span;
    return 0;
}

int memmap_os_map_reserved(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len)
{
    if (memmap_posix_map_pages(m, addr, offset, len, MAP_FIXED) == MAP_FAILED)
        return memmap_posix_size_error(errno);
    return 0;
}

int memmap_os_unmap_reserved(memmap_t *m, unsigned char *addr, size_t len)
{
    (void)m;
    if (reserve_space(addr, len, MAP_FIXED) == MAP_FAILED)
        return memmap_os_error(errno);
    return 0;
}
