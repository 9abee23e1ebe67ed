/* SPDX-License-Identifier: MIT */
/*
 * Placeholder reservations, for maps whose views come from a section (files
 * and named shared memory), on Windows 10 1803 and later.
 *
 * The reservation is a placeholder (VirtualAlloc2 with
 * MEM_RESERVE_PLACEHOLDER).  Growing splits off the pages wanted
 * (VirtualFree with MEM_PRESERVE_PLACEHOLDER) and replaces them with a view
 * (MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER, where page alignment
 * suffices), so the map is a row of views followed by one placeholder.
 * Shrinking turns whole views back into placeholders (UnmapViewOfFile2 with
 * MEM_PRESERVE_PLACEHOLDER) and merges them with the one after
 * (MEM_COALESCE_PLACEHOLDERS).  Windows cannot unmap part of a view: where a
 * cut falls inside one, its pages past the cut stay mapped but PAGE_NOACCESS,
 * and a later growth gives them back their access before it maps new views
 * (copy-on-write pages are read from the file again, as a new view's would
 * be).  Every other call leaves the pages outside its range alone, so other
 * threads can keep using the rest of the map.
 *
 * The calls are looked up at run time (mingw-w64 10 declares none of them).
 * Where they are missing or refuse placeholders (Wine 8 says "invalid
 * parameter"), reserving is MEMMAP_ENOTSUP and nothing changes.
 */
#include "win32.h"

#include <stdlib.h>

#ifndef MEM_RESERVE_PLACEHOLDER
#  define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#  define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#  define MEM_PRESERVE_PLACEHOLDER 0x00000002
#endif
#ifndef MEM_COALESCE_PLACEHOLDERS
#  define MEM_COALESCE_PLACEHOLDERS 0x00000001
#endif

/* The extended-parameter arguments are never used: void * stands for them. */
typedef void *(WINAPI *virtual_alloc2_fn)(HANDLE, void *, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef void *(WINAPI *map_view3_fn)(HANDLE, HANDLE, void *, ULONG64, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef BOOL (WINAPI *unmap_view2_fn)(HANDLE, void *, ULONG);
typedef BOOL (WINAPI *unmap_view_ex_fn)(void *, ULONG);

struct placeholder_calls {
    virtual_alloc2_fn virtual_alloc2;
    map_view3_fn map_view3;
    unmap_view2_fn unmap_view2;     /* either this one ... */
    unmap_view_ex_fn unmap_view_ex; /* ... or this one */
};

/* Newer functions live in kernelbase.dll; kernel32.dll forwards some of them. */
static FARPROC lookup(const char *name)
{
    FARPROC f = memmap_win32_lookup(L"kernelbase.dll", name);
    return f ? f : memmap_win32_lookup(L"kernel32.dll", name);
}

/* Fills calls; whether every call the reservation needs is there. */
static int find_calls(struct placeholder_calls *calls)
{
    calls->virtual_alloc2 = (virtual_alloc2_fn)(void (*)(void))lookup("VirtualAlloc2");
    calls->map_view3 = (map_view3_fn)(void (*)(void))lookup("MapViewOfFile3");
    calls->unmap_view2 = (unmap_view2_fn)(void (*)(void))lookup("UnmapViewOfFile2");
    calls->unmap_view_ex = (unmap_view_ex_fn)(void (*)(void))lookup("UnmapViewOfFileEx");
    return calls->virtual_alloc2 && calls->map_view3 && (calls->unmap_view2 || calls->unmap_view_ex);
}

/* Turns the view at base back into a placeholder. */
static BOOL unmap_to_placeholder(const struct placeholder_calls *calls, void *base)
{
    if (calls->unmap_view2)
        return calls->unmap_view2(GetCurrentProcess(), base, MEM_PRESERVE_PLACEHOLDER);
    return calls->unmap_view_ex(base, MEM_PRESERVE_PLACEHOLDER);
}

static size_t round_to_pages(size_t n)
{
    size_t page = memmap_os_page_size();
    return (n + page - 1) / page * page;
}

/* A reservation under construction or in use: the address space, and the views in it. */
struct placeholders {
    unsigned char *base;
    size_t span;
    struct memmap_win32_view *views;
    size_t count, capacity;
};

/* Where the views end and the placeholder begins. */
static unsigned char *views_end(const struct placeholders *p)
{
    return p->count ? p->views[p->count - 1].base + p->views[p->count - 1].length : p->base;
}

/* The page protection the map's views are created with and given back. */
static DWORD view_protection(const memmap_t *m)
{
    return memmap_win32_section_protection(m->flags);
}

/* The section the view of [offset, offset+len) comes from, and how many of
 * those bytes it holds: a file's own section covers no more than the file
 * (a larger one would grow it), so the last page may be partly past its
 * end.  *owned: the caller closes the section once the view exists. */
static int section_for(memmap_t *m, uint64_t offset, size_t len, HANDLE *section, int *owned, size_t *covered)
{
    enum memmap_file_type type;
    uint64_t size, end = offset + len;
    int rc;

    *covered = len;
    *owned = m->os.ops->create_section != NULL;
    if (!*owned) {
        *section = m->os.section;
        return 0;
    }
    if ((rc = m->kind->describe(m, &type, &size)) != 0)
        return rc;
    if (size <= offset)
        return memmap_fail(MEMMAP_ERANGE);
    if (end > size) {
        end = size;
        *covered = (size_t)(end - offset);
    }
    return m->os.ops->create_section(m, end, section);
}

/* Makes room for one more view in p's list, before anything changes. */
static int make_room(struct placeholders *p)
{
    struct memmap_win32_view *grown;
    size_t capacity;

    if (p->count < p->capacity)
        return 0;
    capacity = p->capacity ? 2 * p->capacity : 8;
    grown = realloc(p->views, capacity * sizeof *grown);
    if (!grown)
        return memmap_fail(MEMMAP_ENOMEM);
    p->views = grown;
    p->capacity = capacity;
    return 0;
}

/* Maps [offset, offset+len) of the map's file or object at addr, the start of
 * p's placeholder, as one new view. */
static int map_new_view(memmap_t *m, const struct placeholder_calls *calls, struct placeholders *p,
                        unsigned char *addr, uint64_t offset, size_t len)
{
    unsigned char *end = p->base + p->span;
    HANDLE section;
    size_t covered;
    int owned, split = 0, rc;
    void *view;
    DWORD error;

    if ((rc = make_room(p)) != 0)
        return rc;
    if ((rc = section_for(m, offset, len, &section, &owned, &covered)) != 0)
        return rc;
    /* A placeholder is replaced whole: split off exactly the pages wanted. */
    if (addr + len < end) {
        if (!VirtualFree(addr, len, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER)) {
            rc = memmap_win32_last_error();
            if (owned)
                CloseHandle(section);
            return rc;
        }
        split = 1;
    }
    view = calls->map_view3(section, GetCurrentProcess(), addr, offset, covered, MEM_REPLACE_PLACEHOLDER,
                            view_protection(m), NULL, 0);
    error = GetLastError();
    if (owned)
        CloseHandle(section); /* the view keeps the section alive */
    if (view != addr) {
        if (split)
            VirtualFree(addr, (size_t)(end - addr), MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS);
        return memmap_os_error((int)error);
    }
    p->views[p->count].base = addr;
    p->views[p->count].length = len;
    p->count++;
    return 0;
}

/* Maps [addr, addr+len) into p: pages of the last view that a cut closed get
 * their access back, the rest becomes a new view. */
static int map_pages(memmap_t *m, const struct placeholder_calls *calls, struct placeholders *p,
                     unsigned char *addr, uint64_t offset, size_t len)
{
    unsigned char *mapped_end = views_end(p);
    size_t revived = 0;
    DWORD old;
    int rc;

    if (addr < mapped_end) {
        revived = (size_t)(mapped_end - addr) < len ? (size_t)(mapped_end - addr) : len;
        if (!VirtualProtect(addr, revived, view_protection(m), &old))
            return memmap_win32_last_error();
        /* A cut must drop what private pages held, as unmapping would have:
         * they show the file again. */
        if (memmap_is_private(m) && (rc = memmap_win32_reread_file(m, addr, offset, revived)) != 0) {
            int os_code = memmap_last_os_error();
            VirtualProtect(addr, revived, PAGE_NOACCESS, &old);
            return memmap_fail_os(rc, os_code);
        }
    }
    if (revived == len)
        return 0;
    rc = map_new_view(m, calls, p, addr + revived, offset + revived, len - revived);
    if (rc != 0 && revived) {
        int os_code = memmap_last_os_error();
        VirtualProtect(addr, revived, PAGE_NOACCESS, &old);
        return memmap_fail_os(rc, os_code);
    }
    return rc;
}

/* Gives every view and the placeholder of p back to the system. */
static void release_all(struct placeholders *p)
{
    unsigned char *tail = views_end(p);
    size_t i;

    for (i = 0; i < p->count; i++)
        UnmapViewOfFile(p->views[i].base);
    if (tail < p->base + p->span)
        VirtualFree(tail, 0, MEM_RELEASE);
    free(p->views);
    p->views = NULL;
    p->count = p->capacity = 0;
}

static void load(const memmap_t *m, struct placeholders *p)
{
    p->base = m->reservation.base;
    p->span = m->reservation.length;
    p->views = m->os.views;
    p->count = m->os.view_count;
    p->capacity = m->os.view_capacity;
}

static void store(memmap_t *m, const struct placeholders *p)
{
    m->reservation.base = p->base;
    m->reservation.length = p->span;
    m->os.views = p->views;
    m->os.view_count = p->count;
    m->os.view_capacity = p->capacity;
}

int memmap_win32_placeholder_reserve(memmap_t *m, size_t span, int may_move)
{
    struct placeholder_calls calls;
    struct placeholders fresh = {NULL, 0, NULL, 0, 0}, old;
    size_t view_length = m->view.length, view_span = round_to_pages(view_length);
    uint64_t offset = m->view.base ? m->view.offset : m->offset - m->slack;
    DWORD error;
    int rc;

    if (!find_calls(&calls))
        return memmap_fail(MEMMAP_ENOTSUP);
    fresh.base = calls.virtual_alloc2(GetCurrentProcess(), NULL, span, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                      PAGE_NOACCESS, NULL, 0);
    if (!fresh.base) {
        error = GetLastError();
        /* Wine 8 knows the call but not the flag. */
        if (error == ERROR_INVALID_PARAMETER || error == ERROR_NOT_SUPPORTED || error == ERROR_CALL_NOT_IMPLEMENTED)
            return memmap_fail_os(MEMMAP_ENOTSUP, (int)error);
        return memmap_os_error((int)error);
    }
    fresh.span = span;
    /* A view that exists cannot become part of a placeholder where it is. */
    if (!may_move) {
        VirtualFree(fresh.base, 0, MEM_RELEASE);
        return memmap_fail(MEMMAP_EBUSY);
    }
    if ((view_span && (rc = map_pages(m, &calls, &fresh, fresh.base, offset, view_span)) != 0) ||
        /* A private (COPY) view holds bytes the file does not: they move by copy. */
        (m->view.base && memmap_is_private(m) && (rc = memmap_win32_copy_view(m, fresh.base)) != 0)) {
        int os_code = memmap_last_os_error();
        release_all(&fresh);
        return memmap_fail_os(rc, os_code);
    }
    /* The old views go: a smaller reservation's, or the unreserved view. */
    if (m->reservation.length) {
        load(m, &old);
        release_all(&old);
    } else if (m->view.base) {
        (void)memmap_win32_unmap_view(m);
    }
    /* Views map sections of their own, which they keep alive. */
    if (m->os.ops->create_section && m->os.section) {
        CloseHandle(m->os.section);
        m->os.section = NULL;
        m->os.section_size = 0;
    }
    store(m, &fresh);
    m->view.base = fresh.base;
    m->view.length = view_length;
    m->view.offset = offset;
    return 0;
}

int memmap_win32_placeholder_map(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len)
{
    struct placeholder_calls calls;
    struct placeholders p;
    int rc;

    if (!find_calls(&calls))
        return memmap_fail(MEMMAP_ENOTSUP); /* not reached: reserving needed them */
    load(m, &p);
    rc = map_pages(m, &calls, &p, addr, offset, len);
    store(m, &p);
    return rc;
}

int memmap_win32_placeholder_unmap(memmap_t *m, unsigned char *addr, size_t len)
{
    struct placeholder_calls calls;
    struct placeholders p;
    unsigned char *end = NULL, *first_freed = NULL, *reservation_end;
    size_t placeholders;
    DWORD old;
    int rc = 0;

    (void)len; /* the range runs to the end of the views */
    if (!find_calls(&calls))
        return memmap_fail(MEMMAP_ENOTSUP);
    load(m, &p);
    reservation_end = p.base + p.span;
    /* The placeholder after the views, if any, is one more to merge. */
    placeholders = views_end(&p) < reservation_end ? 1 : 0;
    while (p.count > 0 && p.views[p.count - 1].base >= addr) {
        unsigned char *base = p.views[p.count - 1].base;
        if (!unmap_to_placeholder(&calls, base)) {
            rc = memmap_win32_last_error();
            break;
        }
        p.count--;
        first_freed = base;
        placeholders++;
    }
    /* A cut inside a view: its pages past the cut stay, closed. */
    if (rc == 0 && p.count > 0 && (end = views_end(&p)) > addr &&
        !VirtualProtect(addr, (size_t)(end - addr), PAGE_NOACCESS, &old))
        rc = memmap_win32_last_error();
    /* One placeholder again after the views, as map_new_view expects. */
    if (first_freed && placeholders > 1 &&
        !VirtualFree(first_freed, (size_t)(reservation_end - first_freed), MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS) &&
        rc == 0)
        rc = memmap_win32_last_error();
    store(m, &p);
    return rc;
}

int memmap_win32_placeholder_release(memmap_t *m)
{
    struct placeholders p;

    load(m, &p);
    release_all(&p);
    m->view.base = m->reservation.base = NULL;
    m->view.length = m->reservation.length = 0;
    m->os.views = NULL;
    m->os.view_count = m->os.view_capacity = 0;
    return 0;
}

int memmap_win32_on_views(memmap_t *m, unsigned char *addr, size_t len, memmap_win32_view_fn fn, void *arg)
{
    size_t i;
    int rc;

    if (m->os.view_count == 0)
        return fn(addr, len, arg);
    for (i = 0; i < m->os.view_count && len > 0; i++) {
        const struct memmap_win32_view *v = &m->os.views[i];
        size_t part;
        if (addr >= v->base + v->length)
            continue;
        part = (size_t)(v->base + v->length - addr) < len ? (size_t)(v->base + v->length - addr) : len;
        if ((rc = fn(addr, part, arg)) != 0)
            return rc;
        addr += part;
        len -= part;
    }
    return 0;
}
