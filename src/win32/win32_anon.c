/* SPDX-License-Identifier: MIT */
/*
 * Anonymous memory: a pagefile-backed section while the map has no
 * reservation, and plain reserved-and-committed memory once it has one.
 *
 * A reservation is address space taken with VirtualAlloc(MEM_RESERVE) and
 * committed as the map grows; a shrink decommits the cut pages, which come
 * back zeroed when committed again, as cut anonymous bytes must.  Every call
 * works on whole pages, so nothing outside the range asked for is touched,
 * and it works on every Windows and every Wine.  The data moves into the
 * reservation once, by copy: a section's view cannot become committed memory
 * where it is, so a reservation with MEMMAP_NOMOVE is MEMMAP_EBUSY.
 */
#include "win32.h"

/* Every argument but the size is ours, so Wine's "invalid parameter" means a
 * size no commit limit could hold: out of memory, as Windows itself says. */
static int create_anon_section(memmap_t *m, uint64_t size, HANDLE *section)
{
    DWORD error;

    *section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, memmap_win32_section_protection(m->flags),
                                  (DWORD)(size >> 32), (DWORD)size, NULL);
    if (*section)
        return 0;
    error = GetLastError();
    if (error == ERROR_INVALID_PARAMETER)
        return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
    return memmap_os_error((int)error);
}

/* The protection of committed pages: anonymous memory is readable and writable. */
static DWORD committed_protection(const memmap_t *m)
{
    return (m->flags & MEMMAP_EXEC) ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
}

static int commit_pages(memmap_t *m, unsigned char *addr, size_t len)
{
    if (len && !VirtualAlloc(addr, len, MEM_COMMIT, committed_protection(m))) {
        DWORD error = GetLastError();
        /* A commit the system cannot back is out of memory, whatever Wine calls it. */
        return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
    }
    return 0;
}

static int reserve_committed(memmap_t *m, size_t span, int may_move)
{
    size_t view_length = m->view.length, view_span = memmap_round_to_pages(view_length);
    unsigned char *space;
    int rc;

    if (!may_move)
        return memmap_fail(MEMMAP_EBUSY);
    space = VirtualAlloc(NULL, span, MEM_RESERVE, PAGE_NOACCESS);
    if (!space)
        return memmap_fail_os(MEMMAP_ENOMEM, (int)GetLastError());
    if ((rc = commit_pages(m, space, view_span)) != 0 ||
        (m->view.base && (rc = memmap_win32_copy_view(m, space)) != 0)) {
        int os_code = memmap_last_os_error();
        VirtualFree(space, 0, MEM_RELEASE);
        return memmap_fail_os(rc, os_code);
    }
    /* The old pages go: a smaller reservation's, or the section's view. */
    if (m->reservation.length)
        VirtualFree(m->reservation.base, 0, MEM_RELEASE);
    else if (m->view.base)
        (void)memmap_win32_unmap_view(m);
    m->flags &= ~MEMMAP_HUGE; /* committed memory has normal pages */
    m->view.base = m->reservation.base = space;
    m->view.length = view_length;
    m->view.offset = 0;
    m->reservation.length = span;
    return 0;
}

static int map_committed(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len)
{
    (void)offset;
    return commit_pages(m, addr, len);
}

static int unmap_committed(memmap_t *m, unsigned char *addr, size_t len)
{
    (void)m;
    if (!VirtualFree(addr, len, MEM_DECOMMIT))
        return memmap_win32_last_error();
    return 0;
}

static int release_committed(memmap_t *m)
{
    int rc = 0;
    if (!VirtualFree(m->reservation.base, 0, MEM_RELEASE))
        rc = memmap_win32_last_error();
    m->view.base = m->reservation.base = NULL;
    m->view.length = m->reservation.length = 0;
    return rc;
}

/* The section of an unreserved map lives as long as its view: nothing else to close. */
static int release_nothing(memmap_t *m)
{
    (void)m;
    return 0;
}

const struct memmap_kind memmap_os_anon_kind = {
    "anonymous", NULL, NULL, NULL, release_nothing,
};

const struct memmap_win32_ops memmap_win32_anon_ops = {
    create_anon_section, 0,
    reserve_committed, map_committed, unmap_committed, release_committed,
};
