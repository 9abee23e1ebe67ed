/* SPDX-License-Identifier: MIT */
/*
 * Changing a map's length, and reserving room for it to grow in place.
 *
 * A map without a reservation is resized by the backend as a whole
 * (memmap_os_resize: mremap, or a new section and view on Windows).  A map
 * with one grows and shrinks inside it: new pages are mapped past the old
 * end and cut pages handed back, so the bytes both lengths share are never
 * unmapped, remapped or reprotected, and other threads may use them the whole
 * time.  That path is written here once, from the backend's three primitives.
 */
#include "internal.h"

#define RESIZE_FLAGS (MEMMAP_NOMOVE | MEMMAP_TRUNCATE | MEMMAP_SPARSE)

/* Fills in the file-size part of plan for a file or object map; new_length is the map's new length. */
static int plan_resize_file(memmap_t *m, size_t new_length, unsigned flags, struct memmap_resize_plan *plan)
{
    enum memmap_file_type type;
    uint64_t size;
    size_t length = new_length;
    int rc;

    /* Ask the OS: another process may have changed the size since the map was made. */
    if ((rc = m->kind->describe(m, &type, &size)) != 0)
        return rc;
    plan->old_file_size = plan->new_file_size = size;
    if (type != MEMMAP_FILE_REGULAR)
        return (flags & MEMMAP_TRUNCATE) ? memmap_fail(MEMMAP_ENODEV) : 0;
    if (length == 0 && !(flags & MEMMAP_TRUNCATE))
        return 0; /* unmapping everything needs no file */
    return memmap_plan_file_size(size, m->offset, &length, flags, (m->flags & MEMMAP_WRITE) != 0,
                                 &plan->new_file_size);
}

/*
 * Private anonymous memory has no file to read back from: bytes a shrink cut
 * off must read as zero if the map grows again.  Whole pages past the new end
 * are unmapped and come back zeroed; the page holding the new end stays, so
 * its tail is cleared here, before anything changes.  The caller may have
 * protected that page: then it cannot be cleared and the shrink is refused.
 * (Shared anonymous memory is left alone where it can never grow again:
 * children still use the cut bytes.  Where it can grow -- Windows, with no
 * fork -- it is cleared like private memory.)
 */
static int clear_cut_tail(memmap_t *m, size_t new_length)
{
    size_t kept = memmap_round_to_pages(m->slack + new_length) - m->slack;
    size_t end = kept < m->size ? kept : m->size;

    if (!memmap_is_anonymous(m) || (!memmap_is_private(m) && !MEMMAP_OS_GROWS_SHARED_ANON) || new_length == 0 ||
        end <= new_length)
        return 0;
    if (memmap_os_guarded_zero(m->data + new_length, end - new_length) != 0)
        return memmap_fail(MEMMAP_EACCES);
    return 0;
}

/* Makes the file the size plan says, undone by undo_file_size. */
static int apply_file_size(memmap_t *m, const struct memmap_resize_plan *plan)
{
    if (plan->new_file_size == plan->old_file_size)
        return 0;
    return m->kind->set_size(m, plan->old_file_size, plan->new_file_size,
                             plan->new_file_size > plan->old_file_size && plan->allocate);
}

static void undo_file_size(memmap_t *m, const struct memmap_resize_plan *plan)
{
    if (plan->new_file_size > plan->old_file_size)
        (void)m->kind->set_size(m, plan->new_file_size, plan->old_file_size, 0);
}

/* Maps the file's pages for [from, to) of the view (both page multiples) into the reservation. */
static int map_view_pages(memmap_t *m, size_t from, size_t to)
{
    if (to <= from)
        return 0;
    return memmap_os_map_reserved(m, m->view.base + from, m->view.offset + from, to - from);
}

/*
 * Growth inside the reservation: the file first, so that a full disk fails
 * before anything is mapped, then the new pages past the old ones.  A cut
 * cannot be undone, so when the file is cut (TRUNCATE to an end before the
 * file's) it comes last, and a failed cut takes the new pages back.
 */
static int grow_in_reservation(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t from = memmap_round_to_pages(m->view.length), to = memmap_round_to_pages(plan->new_view_size);
    int cuts = plan->new_file_size < plan->old_file_size, rc, os_code;

    if (!cuts && (rc = apply_file_size(m, plan)) != 0)
        return rc;
    if ((rc = map_view_pages(m, from, to)) != 0) {
        os_code = memmap_last_os_error();
        if (!cuts)
            undo_file_size(m, plan);
        return memmap_fail_os(rc, os_code);
    }
    if (cuts && (rc = apply_file_size(m, plan)) != 0) {
        os_code = memmap_last_os_error();
        if (to > from)
            (void)memmap_os_unmap_reserved(m, m->view.base + from, to - from);
        return memmap_fail_os(rc, os_code);
    }
    m->view.length = plan->new_view_size;
    return 0;
}

/* Shrinking inside the reservation: the cut pages go back to it, then the
 * file is cut; a cut that fails maps back what was unmapped, from the file
 * that still has it. */
static int shrink_in_reservation(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t old_span = memmap_round_to_pages(m->view.length), new_span = memmap_round_to_pages(plan->new_view_size);
    int rc, os_code;

    if (new_span < old_span && (rc = memmap_os_unmap_reserved(m, m->view.base + new_span, old_span - new_span)) != 0)
        return rc;
    if ((rc = apply_file_size(m, plan)) != 0) {
        os_code = memmap_last_os_error();
        (void)map_view_pages(m, new_span, old_span);
        return memmap_fail_os(rc, os_code);
    }
    m->view.length = plan->new_view_size;
    return 0;
}

/*
 * Where the OS cannot cut a mapped file (Windows), a cut needs every page
 * unmapped: the kept pages are mapped again at the same place afterwards.
 * That keeps the address but not the promise to concurrent readers (the
 * header says so).
 */
static int cut_unmapped(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t old_span = memmap_round_to_pages(m->view.length), new_span = memmap_round_to_pages(plan->new_view_size);
    int rc, os_code;

    if (old_span && (rc = memmap_os_unmap_reserved(m, m->view.base, old_span)) != 0)
        return rc;
    m->view.length = 0;
    if ((rc = apply_file_size(m, plan)) != 0) {
        os_code = memmap_last_os_error();
        if (map_view_pages(m, 0, old_span) == 0)
            m->view.length = old_span;
        return memmap_fail_os(rc, os_code);
    }
    /* The file is cut and cannot be put back: if the map fails now it is empty. */
    if ((rc = map_view_pages(m, 0, new_span)) != 0)
        return rc;
    m->view.length = plan->new_view_size;
    return 0;
}

static int resize_in_reservation(memmap_t *m, const struct memmap_resize_plan *plan)
{
    if (plan->new_file_size < plan->old_file_size && !MEMMAP_OS_CUTS_MAPPED_FILES)
        return cut_unmapped(m, plan);
    if (plan->new_view_size >= m->view.length)
        return grow_in_reservation(m, plan);
    return shrink_in_reservation(m, plan);
}

size_t memmap_capacity(const memmap_t *map)
{
    if (!map)
        return 0;
    if (map->reservation.length == 0 || map->mirrored)
        return memmap_current_size(map);
    return map->reservation.length - map->slack;
}

int memmap_reserve(memmap_t *map, size_t capacity, unsigned flags)
{
    size_t span;
    int rc;

    if (!map || (flags & ~MEMMAP_NOMOVE))
        return memmap_fail(MEMMAP_EINVAL);
    if (capacity <= memmap_capacity(map))
        return 0;
    if (map->mirrored)
        return memmap_fail(MEMMAP_ENOTSUP); /* a ring's length is fixed */
    if (!memmap_view_size_fits(map->slack, capacity))
        return memmap_fail(MEMMAP_ENOMEM);
    /* An empty map's data is a sentinel: giving it address space moves it. */
    if ((flags & MEMMAP_NOMOVE) && !map->view.base)
        return memmap_fail(MEMMAP_EBUSY);
    span = memmap_round_to_pages(map->slack + capacity);
    if ((rc = memmap_os_reserve(map, span, !(flags & MEMMAP_NOMOVE))) != 0)
        return rc;
    map->data = map->view.base + map->slack;
    return 0;
}

int memmap_resize(memmap_t *map, size_t new_length, unsigned flags)
{
    struct memmap_resize_plan plan;
    int anonymous, rc;

    if (!map || (flags & ~RESIZE_FLAGS))
        return memmap_fail(MEMMAP_EINVAL);
    if (map->mirrored)
        return memmap_fail(MEMMAP_ENOTSUP); /* a ring's length is fixed */
    anonymous = memmap_is_anonymous(map);
    if ((flags & MEMMAP_TRUNCATE) && anonymous)
        return memmap_fail(MEMMAP_EINVAL);
    if ((flags & MEMMAP_TRUNCATE) && !(map->flags & MEMMAP_WRITE))
        return memmap_fail(MEMMAP_EACCES);
    if (new_length == map->size && !(flags & MEMMAP_TRUNCATE))
        return 0;
    if (anonymous && !memmap_view_size_fits(map->slack, new_length))
        return memmap_fail(MEMMAP_ENOMEM);
    /* Growing shared anonymous memory would give the new pages to this process alone. */
    if (anonymous && (map->flags & MEMMAP_SHARED) && new_length > map->size && !MEMMAP_OS_GROWS_SHARED_ANON)
        return memmap_fail(MEMMAP_ENOTSUP);
    /* An empty map's data is a sentinel: giving it pages, or taking all its
     * pages away, moves it -- unless it has a reservation. */
    if ((flags & MEMMAP_NOMOVE) && !map->reservation.length && (!map->view.base) != (new_length == 0))
        return memmap_fail(MEMMAP_EBUSY);

    plan.map_offset = map->offset - map->slack;
    plan.new_view_size = new_length || map->reservation.length ? map->slack + new_length : 0;
    plan.old_file_size = plan.new_file_size = 0;
    plan.allocate = !((map->flags | flags) & MEMMAP_SPARSE);
    plan.may_move = !(flags & MEMMAP_NOMOVE);
    if (!anonymous && (rc = plan_resize_file(map, new_length, flags, &plan)) != 0)
        return rc;
    if (!memmap_view_size_fits(map->slack, new_length))
        return memmap_fail(MEMMAP_ENOMEM);
    if (new_length < map->size && (rc = clear_cut_tail(map, new_length)) != 0)
        return rc;
    /* Past its capacity a reserved map takes a larger reservation (and may
     * move, once, into it). */
    if (map->reservation.length && new_length > memmap_capacity(map) &&
        (rc = memmap_reserve(map, new_length, flags & MEMMAP_NOMOVE)) != 0)
        return rc;

    if (map->reservation.length) {
        /* Readers of the shrinking map see the smaller size before its pages go. */
        size_t old_size = map->size;
        if (new_length < old_size)
            memmap_store_release(&map->size, new_length);
        if ((rc = resize_in_reservation(map, &plan)) != 0) {
            /* Unchanged -- unless a cut file could not be mapped again (see cut_unmapped). */
            size_t mapped = map->view.length > map->slack ? map->view.length - map->slack : 0;
            memmap_store_release(&map->size, mapped < old_size ? mapped : old_size);
            return rc;
        }
    } else {
        rc = memmap_os_resize(map, &plan);
        /* The view may have moved even on failure: Windows puts it back elsewhere when its address was taken. */
        map->data = map->view.base ? map->view.base + map->slack : memmap_empty_data();
        if (rc != 0)
            return rc;
    }
    memmap_store_release(&map->size, new_length);
    if (plan.new_file_size != plan.old_file_size)
        memmap_store_relaxed(&map->size_dirty, 1);
    return 0;
}
