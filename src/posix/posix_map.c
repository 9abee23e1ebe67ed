/* SPDX-License-Identifier: MIT */
/*
 * POSIX views: mapping, unmapping and resizing a map that has no reservation
 * (posix_reserve.c handles those that have one).
 */
#define _GNU_SOURCE /* mremap, MAP_POPULATE */
#include "internal.h"
#include "posix/posix.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t memmap_os_page_size(void)
{
    /* Asked twice per open; sysconf costs ~50 instructions even without a system call.
     * Threads may race to fill the cache: they all store the same value. */
    static size_t cached;
    size_t page = memmap_load_relaxed(&cached);
    if (page == 0) {
        page = (size_t)sysconf(_SC_PAGESIZE);
        memmap_store_relaxed(&cached, page);
    }
    return page;
}

size_t memmap_os_granularity(void)
{
    return memmap_os_page_size();
}

int memmap_posix_view_protection(const memmap_t *m)
{
    int prot = PROT_READ;
    if (m->flags & (MEMMAP_WRITE | MEMMAP_COPY))
        prot |= PROT_WRITE;
    if (m->flags & MEMMAP_EXEC)
        prot |= PROT_EXEC;
    return prot;
}

/* Anonymous memory has no descriptor: fd -1 is what MAP_ANONYMOUS wants. */
static int view_flags(const memmap_t *m)
{
    return (memmap_is_private(m) ? MAP_PRIVATE : MAP_SHARED) | (m->os.fd < 0 ? MAP_ANONYMOUS : 0);
}

/*
 * The shared code has checked every argument, so EINVAL from mmap or mremap
 * can only mean the length is more than the address space takes (Linux says
 * ENOMEM for that, valgrind and mremap say EINVAL).
 */
int memmap_posix_size_error(int e)
{
    return e == EINVAL ? memmap_fail_os(MEMMAP_ENOMEM, e) : memmap_os_error(e);
}

void *memmap_posix_map_pages(const memmap_t *m, void *hint, uint64_t map_offset, size_t size, int extra_flags)
{
    return mmap(hint, size, memmap_posix_view_protection(m), view_flags(m) | extra_flags, m->os.fd, (off_t)map_offset);
}

int memmap_os_map(memmap_t *m, uint64_t map_offset, size_t view_size, int populate)
{
    int huge = (m->flags & MEMMAP_HUGE) != 0;
    int extra = 0;
    void *view;

#ifdef MAP_POPULATE
    if (populate && !huge)
        extra |= MAP_POPULATE;
#endif
    view = memmap_posix_map_pages(m, huge ? memmap_posix_huge_hint(view_size) : NULL, map_offset, view_size, extra);
    if (view == MAP_FAILED)
        return memmap_posix_size_error(errno);
    if (huge) {
        memmap_posix_use_huge_pages(m, view, view_size, populate);
        populate = 0;
    }
#ifndef MAP_POPULATE
    if (populate)
        madvise(view, view_size, MADV_WILLNEED);
#endif
    m->view.base = view;
    m->view.length = view_size;
    m->view.offset = map_offset;
    return 0;
}

int memmap_os_unmap(memmap_t *m)
{
    /* A reservation holds the view: unmapping it takes both. */
    size_t span = m->reservation.length ? m->reservation.length : memmap_round_to_pages(m->view.length);
    int rc = 0;

    if (m->view.base && munmap(m->view.base, span) != 0)
        rc = memmap_os_error(errno);
    m->view.base = m->reservation.base = NULL;
    m->view.length = m->reservation.length = 0;
    return rc;
}

/* Maps the pages right after the view if that address is free; never moves
 * anything.  Whether it did. */
static int extend_in_place(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t old_span = memmap_round_to_pages(m->view.length), new_span = memmap_round_to_pages(plan->new_view_size);
    unsigned char *want = m->view.base + old_span;
    void *tail = memmap_posix_map_pages(m, want, plan->map_offset + old_span, new_span - old_span, 0);

    if (tail == want)
        return 1;
    if (tail != MAP_FAILED)
        munmap(tail, new_span - old_span);
    return 0;
}

int memmap_posix_copy_private(memmap_t *m, unsigned char *dst)
{
    unsigned char *src = m->view.base;
    size_t len = m->view.length;
    int rc;

    if (!memmap_is_private(m) || memmap_os_guarded_copy(dst, src, len, src, len) == 0)
        return 0;
    /* The old view is about to go: make it readable for the copy, or put it
     * back as it was when even that fails (a COPY map of a truncated file). */
    mprotect(src, memmap_round_to_pages(len), PROT_READ);
    rc = memmap_os_guarded_copy(dst, src, len, src, len);
    if (rc != 0)
        mprotect(src, memmap_round_to_pages(len), memmap_posix_view_protection(m));
    return rc;
}

/* Maps the whole new range elsewhere, carrying private pages over (they exist
 * nowhere else). */
static int move_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    unsigned char *view = memmap_posix_map_pages(m, NULL, plan->map_offset, plan->new_view_size, 0);
    int rc;

    if (view == MAP_FAILED)
        return memmap_posix_size_error(errno);
    if ((rc = memmap_posix_copy_private(m, view)) != 0) {
        munmap(view, plan->new_view_size);
        return rc;
    }
    munmap(m->view.base, memmap_round_to_pages(m->view.length));
    m->view.base = view;
    return 0;
}

/* Grows the view in place, or moves it when the plan allows; on failure the view is as it was. */
static int grow_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
#if defined(__linux__) && !defined(MEMMAP_NO_MREMAP)
    /* mremap grows or moves the view in one call and keeps its pages, locks and
     * protection -- but only while the view is one kernel mapping.  protect,
     * advise or lock of part of it splits it, and then mremap says EFAULT
     * (valgrind's says EINVAL).  On any failure the portable path below gets
     * its turn: it works on a split view, and where there really is no room
     * it fails just as mremap did. */
    void *view = mremap(m->view.base, m->view.length, plan->new_view_size, plan->may_move ? MREMAP_MAYMOVE : 0);
    if (view != MAP_FAILED) {
        m->view.base = view;
        return 0;
    }
#endif
    if (extend_in_place(m, plan))
        return 0;
    if (!plan->may_move)
        return memmap_fail(MEMMAP_EBUSY);
    return move_view(m, plan);
}

/* Gives back the pages past new_view_size (which is not 0); never moves the view. */
static void shrink_view(memmap_t *m, size_t new_view_size)
{
    size_t keep = memmap_round_to_pages(new_view_size), span = memmap_round_to_pages(m->view.length);
    if (keep < span)
        munmap(m->view.base + keep, span - keep);
}

/* Gives the view its new size; only growing can fail, and then the view is as it was. */
static int change_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int rc;
    if (plan->new_view_size == 0)
        return memmap_os_unmap(m);
    if (!m->view.base)
        return memmap_os_map(m, plan->map_offset, plan->new_view_size, 0);
    if (memmap_round_to_pages(plan->new_view_size) > memmap_round_to_pages(m->view.length)) {
        if ((rc = grow_view(m, plan)) != 0)
            return rc;
    } else {
        shrink_view(m, plan->new_view_size);
    }
    m->view.length = plan->new_view_size;
    return 0;
}

/*
 * Growth of the file comes first: if it fails, nothing has changed yet, and
 * a view that then cannot change gives the growth back.  A cut cannot be
 * given back (the bytes are gone), so it comes last, once the view has its
 * new size; if the cut fails, the view gets its old size again.
 */
int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int grows = plan->new_file_size > plan->old_file_size, cuts = plan->new_file_size < plan->old_file_size;
    size_t old_view_size = m->view.length;
    int rc;

    if (grows && (rc = m->kind->set_size(m, plan->old_file_size, plan->new_file_size, plan->allocate)) != 0)
        return rc;
    if ((rc = change_view(m, plan)) != 0) {
        if (grows)
            m->kind->set_size(m, plan->new_file_size, plan->old_file_size, 0);
        return rc;
    }
    if (cuts && (rc = m->kind->set_size(m, plan->old_file_size, plan->new_file_size, 0)) != 0) {
        struct memmap_resize_plan back = *plan;
        int os_code = memmap_last_os_error();
        back.new_view_size = old_view_size;
        (void)change_view(m, &back);
        return memmap_fail_os(rc, os_code);
    }
    return 0;
}
