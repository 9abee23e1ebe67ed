/* SPDX-License-Identifier: MIT */
/* Sections and views: mapping, unmapping and resizing a map.
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

/* The map's flags as the section and view see them: anonymous memory is
 * always readable and writable, never copy-on-write. */
static unsigned access_flags(const memmap_t *m)
{
    if (m->kind == MEMMAP_KIND_ANON)
        return MEMMAP_READ | MEMMAP_WRITE | (m->flags & MEMMAP_EXEC);
    return m->flags;
}

static int owns_section(const memmap_t *m)
{
    return m->kind != MEMMAP_KIND_SHM;
}

/* A section for a file or anonymous map covering size bytes. */
static HANDLE create_section(const memmap_t *m, uint64_t size)
{
    HANDLE file = m->kind == MEMMAP_KIND_FILE ? m->os.file : INVALID_HANDLE_VALUE;
    return CreateFileMappingW(file, NULL, memmap_win32_section_protection(access_flags(m)),
                              (DWORD)(size >> 32), (DWORD)size, NULL);
}

/* Why create_section failed.  For pagefile-backed memory every argument but
 * the size is ours, so Wine's "invalid parameter" means a size no commit
 * limit could hold: out of memory, as Windows itself reports it. */
static int section_error(const memmap_t *m)
{
    DWORD error = GetLastError();
    if (m->kind == MEMMAP_KIND_ANON && error == ERROR_INVALID_PARAMETER)
        return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
    return memmap_os_error((int)error);
}

static void *map_view(const memmap_t *m, HANDLE section, uint64_t offset, size_t size, void *base)
{
    return MapViewOfFileEx(section, memmap_win32_view_access(access_flags(m)),
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
        drop_section(m);
        section = create_section(m, map_offset + view_size);
        if (!section)
            return section_error(m);
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
    m->view = view;
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
        m->view_size = view_size;
    if (rc == 0 && populate) {
        /* Prefault by reading every page, as MAP_POPULATE does; a page that
         * cannot be read is left for the caller to meet later. */
        (void)memmap_os_probe(m, m->view, view_size, 0);
    }
    return rc;
}

int memmap_os_unmap(memmap_t *m)
{
    int rc = 0;
    if (m->view) {
        if (!UnmapViewOfFile(m->view))
            rc = memmap_win32_last_error();
        m->view = NULL;
        m->view_size = 0;
        m->os.mapped_size = 0;
    }
    /* With the view gone the section is useless, and an open section would
     * stop the file from ever being shortened. */
    drop_section(m);
    return rc;
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

static size_t round_up_to_page(size_t n)
{
    size_t page = memmap_os_page_size();
    return (n + page - 1) & ~(page - 1);
}

/* Puts a file back to its old size after a failed resize grew it.  Windows
 * refuses to shorten a file while a section of it exists, so the view is
 * taken down and mapped again around the change. */
static void undo_file_growth(memmap_t *m, const struct memmap_resize_plan *plan)
{
    void *base = m->view;
    size_t mapped = m->os.mapped_size;
    uint64_t map_offset = plan->map_offset;

    if (m->kind != MEMMAP_KIND_FILE || plan->new_file_size <= plan->old_file_size)
        return;
    if (base) {
        UnmapViewOfFile(base);
        m->view = NULL;
    }
    drop_section(m);
    (void)memmap_os_set_file_size(m, plan->new_file_size, plan->old_file_size, 0);
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
    size_t page = memmap_os_page_size(), fresh = (m->view_size + page - 1) / page * page;

    /* Whole pages past the old end come back with the map's own access, as new
     * pages do on POSIX, whatever the caller made of them before the shrink. */
    if (plan->new_view_size > fresh) {
        unsigned access = MEMMAP_READ | (m->flags & MEMMAP_EXEC) |
                          ((m->flags & (MEMMAP_WRITE | MEMMAP_COPY)) ? MEMMAP_WRITE : 0);
        int rc = memmap_os_protect(m, (unsigned char *)m->view + fresh, plan->new_view_size - fresh, access);
        if (rc != 0)
            return rc;
    }
    /* Memory handed out again after a shrink must read as new zeroed memory,
     * as on POSIX.  The caller may have protected its last kept page: refuse,
     * never fault. */
    if (m->kind == MEMMAP_KIND_ANON && plan->new_view_size > m->view_size &&
        memmap_os_guarded_zero((unsigned char *)m->view + m->view_size, plan->new_view_size - m->view_size) != 0)
        return memmap_fail(MEMMAP_EACCES);
    m->view_size = plan->new_view_size;
    return 0;
}

/* Shortening the file: every view and section must go first. */
static int resize_shrinking_file(memmap_t *m, const struct memmap_resize_plan *plan)
{
    void *base = m->view;
    size_t old_mapped = m->os.mapped_size;
    int rc, os_code;

    if (base && !UnmapViewOfFile(base))
        return memmap_win32_last_error();
    m->view = NULL;
    drop_section(m);
    rc = memmap_os_set_file_size(m, plan->old_file_size, plan->new_file_size, 0);
    if (rc == 0 && plan->new_view_size > 0)
        rc = map_at(m, plan->map_offset, plan->new_view_size, base, plan->may_move);
    if (rc == 0) {
        if (plan->new_view_size == 0)
            m->os.mapped_size = 0;
        m->view_size = plan->new_view_size;
        return 0;
    }
    /* Put back the old size (the cut-off bytes are lost: they read as zeros)
     * and the old view. */
    os_code = memmap_last_os_error();
    (void)memmap_os_set_file_size(m, plan->new_file_size, plan->old_file_size, 0);
    if (base)
        (void)map_at(m, plan->map_offset, old_mapped, base, 1);
    return memmap_fail_os(rc, os_code);
}

/* Growing past the current view: a larger section and view replace the old
 * ones, at the same address when the address space after the view is free. */
static int resize_growing_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    unsigned char *old_view = m->view;
    HANDLE old_section = m->os.section, new_section;
    size_t new_size = plan->new_view_size;
    uint64_t new_section_size = plan->map_offset + new_size;
    int in_place, rc;
    void *view = NULL;

    in_place = address_range_free(old_view + round_up_to_page(m->os.mapped_size),
                                  new_size - round_up_to_page(m->os.mapped_size));
    if (!in_place && !plan->may_move)
        return memmap_fail(MEMMAP_EBUSY);
    if (plan->new_file_size > plan->old_file_size) {
        /* Growing a file is allowed while it is mapped. */
        rc = memmap_os_set_file_size(m, plan->old_file_size, plan->new_file_size, plan->allocate);
        if (rc)
            return rc;
    }
    if (owns_section(m)) {
        new_section = create_section(m, new_section_size);
        if (!new_section)
            return fail_after_growth(m, plan, section_error(m));
    } else {
        new_section = old_section; /* shared memory: the object, whose size set_file_size checked */
    }
    if (m->kind == MEMMAP_KIND_ANON) {
        /* Anonymous contents live only in the old section: copy them over
         * through a temporary view of the new one. */
        void *copy = map_view(m, new_section, 0, new_size, NULL);
        if (!copy) {
            rc = memmap_win32_last_error();
            CloseHandle(new_section);
            return rc;
        }
        memcpy(copy, old_view, m->view_size);
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
            m->view = back;
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
    m->view = view;
    m->os.mapped_size = new_size;
    m->view_size = new_size;
    return 0;
}

int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int rc;

    if (m->kind == MEMMAP_KIND_SHM && plan->new_file_size != plan->old_file_size)
        return memmap_fail(MEMMAP_ENOTSUP); /* a named section's size is fixed */
    if (plan->new_file_size < plan->old_file_size)
        return resize_shrinking_file(m, plan);
    if (m->view && plan->new_view_size <= m->os.mapped_size) {
        if (plan->new_view_size == 0) {
            if ((rc = memmap_os_unmap(m)) != 0)
                return rc;
            m->view_size = 0;
            m->flags &= ~MEMMAP_HUGE; /* nothing left in large pages */
            return 0;
        }
        return resize_within_view(m, plan);
    }
    if (m->view) {
        /* The larger section has normal pages: large ones are made only by memmap_anon. */
        if ((rc = resize_growing_view(m, plan)) == 0)
            m->flags &= ~MEMMAP_HUGE;
        return rc;
    }
    /* Nothing mapped yet (the map was empty): map afresh. */
    if (plan->new_view_size == 0)
        return 0;
    if (plan->new_file_size > plan->old_file_size) {
        rc = memmap_os_set_file_size(m, plan->old_file_size, plan->new_file_size, plan->allocate);
        if (rc)
            return rc;
    }
    rc = map_at(m, plan->map_offset, plan->new_view_size, NULL, 1);
    if (rc)
        return fail_after_growth(m, plan, rc);
    m->view_size = plan->new_view_size;
    return 0;
}
