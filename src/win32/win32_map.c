/* SPDX-License-Identifier: MIT */
/* Sections and views: mapping, unmapping and resizing a map that has no
 * reservation (win32_anon.c and win32_placeholder.c handle those that have).
 *
 * A file or anonymous map owns one section sized to cover exactly the view
 * (aligned offset + view size: a view larger than its section fails, and a
 * section larger than the file would silently grow it).  A shared memory
 * map's section is the object itself and is made in win32_shm.c. */
#include "win32.h"

#include <string.h>

static SYSTEM_INFO info;
static INIT_ONCE info_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK read_system_info(INIT_ONCE *once, void *param, void **context)
{
    (void)once; (void)param; (void)context;
    GetSystemInfo(&info);
    return TRUE;
}

static const SYSTEM_INFO *system_info(void)
{
    InitOnceExecuteOnce(&info_once, read_system_info, NULL, NULL);
    return &info;
}

size_t memmap_os_page_size(void)
{
    return system_info()->dwPageSize;
}

size_t memmap_os_granularity(void)
{
    /* View offsets and base addresses must be multiples of this (64 KiB),
     * not of the page size. */
    return system_info()->dwAllocationGranularity;
}

/* Whether the map makes its own sections (file and anonymous maps) rather
 * than mapping a named object's. */
static int owns_section(const memmap_t *m)
{
    return m->os.ops->create_section != NULL;
}

/* Anonymous maps already carry MEMMAP_WRITE: m->flags is what the section and view need. */
static void *map_view(const memmap_t *m, HANDLE section, uint64_t offset, size_t size, void *base)
{
    return MapViewOfFileEx(section, memmap_win32_view_access(m->flags),
                           (DWORD)(offset >> 32), (DWORD)offset, size, base);
}

/* Closes the section a file or anonymous map owns. */
static void drop_section(memmap_t *m)
{
    if (owns_section(m) && m->os.section) {
        CloseHandle(m->os.section);
        m->os.section = NULL;
        m->os.section_size = 0;
    }
}

/* Maps view_size bytes at map_offset, at base if given; failing that anywhere
 * when may_move.  Creates the section a file or anonymous map needs. */
static int map_at(memmap_t *m, uint64_t map_offset, size_t view_size, void *base, int may_move)
{
    HANDLE section = m->os.section;
    void *view;
    DWORD error;

    if (owns_section(m)) {
        int rc;
        drop_section(m);
        if ((rc = m->os.ops->create_section(m, map_offset + view_size, &section)) != 0)
            return rc;
    }
    view = map_view(m, section, map_offset, view_size, base);
    if (!view && base && may_move)
        view = map_view(m, section, map_offset, view_size, NULL);
    if (!view) {
        error = GetLastError();
        if (owns_section(m))
            CloseHandle(section);
        /* At a fixed address, failing means someone else took it. */
        return base && !may_move ? memmap_fail_os(MEMMAP_EBUSY, (int)error)
                                 : memmap_os_error((int)error);
    }
    if (owns_section(m)) {
        m->os.section = section;
        m->os.section_size = map_offset + view_size;
    }
    m->view.base = view;
    m->view.offset = map_offset;
    m->os.mapped_size = view_size;
    return 0;
}

int memmap_os_map(memmap_t *m, uint64_t map_offset, size_t view_size, int populate)
{
    int rc;

    if ((m->flags & MEMMAP_HUGE) && memmap_win32_map_large_pages(m, view_size) == 0)
        return 0; /* large pages are committed and resident already: nothing to populate */
    m->flags &= ~MEMMAP_HUGE;
    rc = map_at(m, map_offset, view_size, NULL, 1);
    if (rc == 0)
        m->view.length = view_size;
    if (rc == 0 && populate) {
        /* Prefault by reading every page, as MAP_POPULATE does; a page that
         * cannot be read is left for the caller to meet later. */
        (void)memmap_os_probe(m, m->view.base, view_size, 0);
    }
    return rc;
}

int memmap_win32_copy_view(memmap_t *m, unsigned char *dst)
{
    unsigned char *src = m->view.base;
    size_t len = m->view.length;
    int rc;

    if (memmap_os_guarded_copy(dst, src, len, src, len) == 0)
        return 0;
    /* The caller protected some of the pages, which are going anyway: open them for the copy. */
    if ((rc = memmap_os_protect(m, src, memmap_round_to_pages(len), MEMMAP_READ)) != 0)
        return rc;
    return memmap_os_guarded_copy(dst, src, len, src, len);
}

int memmap_win32_unmap_view(memmap_t *m)
{
    int rc = 0;
    if (m->view.base) {
        if (!UnmapViewOfFile(m->view.base))
            rc = memmap_win32_last_error();
        m->view.base = NULL;
        m->view.length = 0;
        m->os.mapped_size = 0;
    }
    /* With the view gone the section is useless, and an open section would
     * stop the file from ever being shortened. */
    drop_section(m);
    return rc;
}

int memmap_os_unmap(memmap_t *m)
{
    if (m->reservation.length)
        return m->os.ops->release_reservation(m);
    return memmap_win32_unmap_view(m);
}

/* --- Reservations: each kind's own way (win32_anon.c, win32_placeholder.c) -- */

int memmap_os_reserve(memmap_t *m, size_t span, int may_move)
{
    return m->os.ops->reserve(m, span, may_move);
}

int memmap_os_map_reserved(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len)
{
    return m->os.ops->map_reserved(m, addr, offset, len);
}

int memmap_os_unmap_reserved(memmap_t *m, unsigned char *addr, size_t len)
{
    return m->os.ops->unmap_reserved(m, addr, len);
}

/* --- Resizing ------------------------------------------------------------ */

/* Whether [start, start+len) is free address space. */
static int address_range_free(const unsigned char *start, size_t len)
{
    MEMORY_BASIC_INFORMATION region;
    if (VirtualQuery(start, &region, sizeof region) == 0 || region.State != MEM_FREE)
        return 0;
    return (const unsigned char *)region.BaseAddress + region.RegionSize >= start + len;
}

/* Puts a file back to its old size after a failed resize grew it.  Windows
 * refuses to shorten a file while a section of it exists, so the view is
 * taken down and mapped again around the change. */
static void undo_file_growth(memmap_t *m, const struct memmap_resize_plan *plan)
{
    void *base = m->view.base;
    size_t mapped = m->os.mapped_size;
    uint64_t map_offset = plan->map_offset;

    /* Only a file grows (a named object's size is fixed). */
    if (plan->new_file_size <= plan->old_file_size)
        return;
    if (base) {
        UnmapViewOfFile(base);
        m->view.base = NULL;
    }
    drop_section(m);
    (void)m->kind->set_size(m, plan->new_file_size, plan->old_file_size, 0);
    if (base)
        (void)map_at(m, map_offset, mapped, base, 1);
}

/* Fails with code, after undoing the file's growth, keeping the OS code of
 * the failure rather than that of anything the undoing did. */
static int fail_after_growth(memmap_t *m, const struct memmap_resize_plan *plan, int code)
{
    int os_code = memmap_last_os_error();
    undo_file_growth(m, plan);
    return memmap_fail_os(code, os_code);
}

/* The new view lies within what is mapped already: nothing moves.  A shrink
 * keeps the whole view mapped (Windows cannot unmap part of a view); bytes
 * beyond the size are simply not handed out. */
static int resize_within_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t fresh = memmap_round_to_pages(m->view.length);

    /* Whole pages past the old end come back with the map's own access, as new
     * pages do on POSIX, whatever the caller made of them before the shrink. */
    if (plan->new_view_size > fresh) {
        unsigned access = MEMMAP_READ | (m->flags & MEMMAP_EXEC) |
                          ((m->flags & (MEMMAP_WRITE | MEMMAP_COPY)) ? MEMMAP_WRITE : 0);
        int rc = memmap_os_protect(m, m->view.base + fresh, plan->new_view_size - fresh, access);
        if (rc != 0)
            return rc;
    }
    /* Anonymous memory has no file to read back from: bytes handed out again
     * after a shrink must read as new zeroed memory, as on POSIX.  The caller
     * may have protected its last kept page: refuse, never fault. */
    if (memmap_is_anonymous(m) && plan->new_view_size > m->view.length &&
        memmap_os_guarded_zero(m->view.base + m->view.length, plan->new_view_size - m->view.length) != 0)
        return memmap_fail(MEMMAP_EACCES);
    m->view.length = plan->new_view_size;
    return 0;
}

/* Shortening the file: every view and section must go first. */
static int resize_shrinking_file(memmap_t *m, const struct memmap_resize_plan *plan)
{
    void *base = m->view.base;
    size_t old_mapped = m->os.mapped_size;
    int rc, os_code;

    if (base && !UnmapViewOfFile(base))
        return memmap_win32_last_error();
    m->view.base = NULL;
    drop_section(m);
    rc = m->kind->set_size(m, plan->old_file_size, plan->new_file_size, 0);
    if (rc == 0 && plan->new_view_size > 0)
        rc = map_at(m, plan->map_offset, plan->new_view_size, base, plan->may_move);
    if (rc == 0) {
        if (plan->new_view_size == 0)
            m->os.mapped_size = 0;
        m->view.length = plan->new_view_size;
        return 0;
    }
    /* Put back the old size (the cut-off bytes are lost: they read as zeros)
     * and the old view. */
    os_code = memmap_last_os_error();
    (void)m->kind->set_size(m, plan->new_file_size, plan->old_file_size, 0);
    if (base)
        (void)map_at(m, plan->map_offset, old_mapped, base, 1);
    return memmap_fail_os(rc, os_code);
}

/* Growing past the current view: a larger section and view replace the old
 * ones, at the same address when the address space after the view is free. */
static int resize_growing_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    unsigned char *old_view = m->view.base;
    HANDLE old_section = m->os.section, new_section = old_section;
    size_t new_size = plan->new_view_size;
    uint64_t new_section_size = plan->map_offset + new_size;
    int in_place, rc;
    void *view = NULL;

    in_place = address_range_free(old_view + memmap_round_to_pages(m->os.mapped_size),
                                  new_size - memmap_round_to_pages(m->os.mapped_size));
    if (!in_place && !plan->may_move)
        return memmap_fail(MEMMAP_EBUSY);
    if (plan->new_file_size > plan->old_file_size) {
        /* Growing a file is allowed while it is mapped. */
        rc = m->kind->set_size(m, plan->old_file_size, plan->new_file_size, plan->allocate);
        if (rc)
            return rc;
    }
    /* Shared memory maps the object itself, whose size set_size checked. */
    if (owns_section(m) && (rc = m->os.ops->create_section(m, new_section_size, &new_section)) != 0)
        return fail_after_growth(m, plan, rc);
    if (memmap_is_anonymous(m)) {
        /* Anonymous contents live only in the old section: copy them over
         * through a temporary view of the new one. */
        void *copy = map_view(m, new_section, 0, new_size, NULL);
        if (!copy) {
            rc = memmap_win32_last_error();
            CloseHandle(new_section);
            return rc;
        }
        memcpy(copy, old_view, m->view.length);
        if (in_place)
            UnmapViewOfFile(copy);
        else
            view = copy;
    }
    if (in_place) {
        UnmapViewOfFile(old_view);
        view = map_view(m, new_section, plan->map_offset, new_size, old_view);
        if (!view && plan->may_move)
            view = map_view(m, new_section, plan->map_offset, new_size, NULL);
        if (!view) {
            /* Another thread took the address space in between: put the old
             * view back where it was. */
            DWORD error = GetLastError();
            void *back = map_view(m, old_section, plan->map_offset, m->os.mapped_size, old_view);
            if (!back)
                back = map_view(m, old_section, plan->map_offset, m->os.mapped_size, NULL);
            m->view.base = back;
            if (!back)
                m->os.mapped_size = 0;
            if (new_section != old_section)
                CloseHandle(new_section);
            rc = plan->may_move ? memmap_os_error((int)error) : memmap_fail_os(MEMMAP_EBUSY, (int)error);
            return fail_after_growth(m, plan, rc);
        }
    } else {
        if (!view)
            view = map_view(m, new_section, plan->map_offset, new_size, NULL);
        if (!view) {
            rc = memmap_win32_last_error();
            if (new_section != old_section)
                CloseHandle(new_section);
            return fail_after_growth(m, plan, rc);
        }
        UnmapViewOfFile(old_view);
    }
    if (new_section != old_section) {
        CloseHandle(old_section);
        m->os.section = new_section;
        m->os.section_size = new_section_size;
    }
    m->view.base = view;
    m->os.mapped_size = new_size;
    m->view.length = new_size;
    return 0;
}

int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int rc;

    if (m->os.ops->fixed_size && plan->new_file_size != plan->old_file_size)
        return memmap_fail(MEMMAP_ENOTSUP);
    if (plan->new_file_size < plan->old_file_size)
        return resize_shrinking_file(m, plan);
    if (m->view.base && plan->new_view_size <= m->os.mapped_size) {
        if (plan->new_view_size == 0) {
            if ((rc = memmap_win32_unmap_view(m)) != 0)
                return rc;
            m->flags &= ~MEMMAP_HUGE; /* nothing left in large pages */
            return 0;
        }
        return resize_within_view(m, plan);
    }
    if (m->view.base) {
        /* The larger section has normal pages: large ones are made only by memmap_anon. */
        if ((rc = resize_growing_view(m, plan)) == 0)
            m->flags &= ~MEMMAP_HUGE;
        return rc;
    }
    /* Nothing mapped yet (the map was empty): map afresh. */
    if (plan->new_view_size == 0)
        return 0;
    if (plan->new_file_size > plan->old_file_size) {
        rc = m->kind->set_size(m, plan->old_file_size, plan->new_file_size, plan->allocate);
        if (rc)
            return rc;
    }
    rc = map_at(m, plan->map_offset, plan->new_view_size, NULL, 1);
    if (rc)
        return fail_after_growth(m, plan, rc);
    m->view.length = plan->new_view_size;
    return 0;
}
