/* SPDX-License-Identifier: MIT */
/*
 * Placeholder reservations, for maps whose views come from a section (files
 * and named shared memory), on Windows 10 1803 and later.
 *
 * The reservation is a placeholder (VirtualAlloc2 with
 * MEM_RESERVE_PLACEHOLDER), cut into pieces as the map changes: views from
 * its start, then placeholders.  Growing maps a view over each placeholder
 * piece it covers (MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER, where page
 * alignment suffices), splitting the last one first (VirtualFree with
 * MEM_PRESERVE_PLACEHOLDER) since a view replaces a placeholder whole.
 * Shrinking turns whole views back into placeholders (UnmapViewOfFile2 with
 * MEM_PRESERVE_PLACEHOLDER).  Pieces are never merged again: Wine 10
 * loses track of address space that MEM_COALESCE_PLACEHOLDERS merges (a later
 * split then trips an assertion inside Wine), and pieces cost nothing but an
 * entry each, at most one per page of the capacity.
 *
 * Windows cannot unmap part of a view: where a cut falls inside one, its
 * pages past the cut stay mapped but PAGE_NOACCESS, and a later growth gives
 * them back their access before it maps anything new (copy-on-write pages
 * are read from the file again, as a new view's would be).  Every call leaves
 * the pages outside its range alone, so other threads can keep using the
 * rest of the map.
 *
 * The calls are looked up at run time (mingw-w64 10 declares none of them).
 * Where they are missing or refuse placeholders (Wine 8 says "invalid
 * parameter"), reserving is MEMMAP_ENOTSUP and nothing changes.
 */
#include "win32.h"

#include <stdlib.h>
#include <string.h>

#ifndef MEM_RESERVE_PLACEHOLDER
#  define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#  define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#  define MEM_PRESERVE_PLACEHOLDER 0x00000002
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

static struct placeholder_calls found;
static INIT_ONCE found_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK look_up_calls(INIT_ONCE *once, void *param, void **context)
{
    (void)once; (void)param; (void)context;
    found.virtual_alloc2 = (virtual_alloc2_fn)(void (*)(void))lookup("VirtualAlloc2");
    found.map_view3 = (map_view3_fn)(void (*)(void))lookup("MapViewOfFile3");
    found.unmap_view2 = (unmap_view2_fn)(void (*)(void))lookup("UnmapViewOfFile2");
    found.unmap_view_ex = (unmap_view_ex_fn)(void (*)(void))lookup("UnmapViewOfFileEx");
    return TRUE;
}

/* Fills calls (looked up once per process); whether every call the reservation needs is there. */
static int find_calls(struct placeholder_calls *calls)
{
    InitOnceExecuteOnce(&found_once, look_up_calls, NULL, NULL);
    *calls = found;
    return calls->virtual_alloc2 && calls->map_view3 && (calls->unmap_view2 || calls->unmap_view_ex);
}

/* Turns the view at base back into a placeholder. */
static BOOL unmap_to_placeholder(const struct placeholder_calls *calls, void *base)
{
    if (calls->unmap_view2)
        return calls->unmap_view2(GetCurrentProcess(), base, MEM_PRESERVE_PLACEHOLDER);
    return calls->unmap_view_ex(base, MEM_PRESERVE_PLACEHOLDER);
}

/* A reservation under construction or in use: the address space and its pieces. */
struct placeholders {
    unsigned char *base;
    size_t span;
    struct memmap_win32_piece *pieces;
    size_t views, count, capacity; /* views: how many of the count pieces are views */
};

/* Where the views end and the placeholders begin. */
static unsigned char *views_end(const struct placeholders *p)
{
    return p->views ? p->pieces[p->views - 1].base + p->pieces[p->views - 1].length : p->base;
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

/* Makes room for one more piece, before anything changes. */
static int make_room(struct placeholders *p)
{
    struct memmap_win32_piece *grown;
    size_t capacity;

    if (p->count < p->capacity)
        return 0;
    capacity = p->capacity ? 2 * p->capacity : 8;
    grown = realloc(p->pieces, capacity * sizeof *grown);
    if (!grown)
        return memmap_fail(MEMMAP_ENOMEM);
    p->pieces = grown;
    p->capacity = capacity;
    return 0;
}

/* Splits the first placeholder piece (at most len bytes remain in it) after
 * its first len bytes. */
static int split_first_placeholder(struct placeholders *p, size_t len)
{
    struct memmap_win32_piece *first;
    int rc;

    if ((rc = make_room(p)) != 0)
        return rc;
    first = &p->pieces[p->views];
    if (!VirtualFree(first->base, len, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER))
        return memmap_win32_last_error();
    memmove(first + 2, first + 1, (p->count - p->views - 1) * sizeof *first);
    first[1].base = first->base + len;
    first[1].length = first->length - len;
    first->length = len;
    p->count++;
    return 0;
}

/* Replaces the first placeholder piece with a view of the map's file or
 * object from offset. */
static int map_first_placeholder(memmap_t *m, const struct placeholder_calls *calls, struct placeholders *p,
                                 uint64_t offset)
{
    struct memmap_win32_piece *piece = &p->pieces[p->views];
    HANDLE section;
    size_t covered;
    int owned, rc;
    void *view;
    DWORD error;

    if ((rc = section_for(m, offset, piece->length, &section, &owned, &covered)) != 0)
        return rc;
    view = calls->map_view3(section, GetCurrentProcess(), piece->base, offset, covered, MEM_REPLACE_PLACEHOLDER,
                            view_protection(m), NULL, 0);
    error = GetLastError();
    if (owned)
        CloseHandle(section); /* the view keeps the section alive */
    if (view != piece->base)
        return memmap_os_error((int)error);
    p->views++;
    return 0;
}

/* Turns views back into placeholders from the last one down to the first one
 * at or after addr.  The pieces keep their bounds. */
static int unmap_views_from(const struct placeholder_calls *calls, struct placeholders *p, unsigned char *addr)
{
    while (p->views > 0 && p->pieces[p->views - 1].base >= addr) {
        if (!unmap_to_placeholder(calls, p->pieces[p->views - 1].base))
            return memmap_win32_last_error();
        p->views--;
    }
    return 0;
}

/* Maps [addr, addr+len) into p: pages of the last view that a cut closed get
 * their access back, the placeholders after it become views. */
static int map_pages(memmap_t *m, const struct placeholder_calls *calls, struct placeholders *p,
                     unsigned char *addr, uint64_t offset, size_t len)
{
    unsigned char *mapped_end = views_end(p), *start = addr;
    size_t revived = 0;
    DWORD old;
    int rc = 0;

    if (addr < mapped_end) {
        revived = (size_t)(mapped_end - addr) < len ? (size_t)(mapped_end - addr) : len;
        if (!VirtualProtect(addr, revived, view_protection(m), &old))
            return memmap_win32_last_error();
        /* A cut must drop what private pages held, as unmapping would have:
         * they show the file again. */
        if (memmap_is_private(m))
            rc = memmap_win32_reread_file(m, addr, offset, revived);
        addr += revived;
        offset += revived;
        len -= revived;
    }
    while (rc == 0 && len > 0) {
        size_t piece;
        if (p->views == p->count) {
            rc = memmap_fail(MEMMAP_ERANGE); /* past the reservation: not asked by the shared code */
            break;
        }
        piece = p->pieces[p->views].length;
        if (piece > len && (rc = split_first_placeholder(p, len)) != 0)
            break;
        if ((rc = map_first_placeholder(m, calls, p, offset)) != 0)
            break;
        piece = p->pieces[p->views - 1].length;
        addr += piece;
        offset += piece;
        len -= piece;
    }
    if (rc != 0) {
        /* Back as it was: new views unmapped (their pieces stay split), revived pages closed. */
        int os_code = memmap_last_os_error();
        (void)unmap_views_from(calls, p, mapped_end);
        if (revived)
            VirtualProtect(start, revived, PAGE_NOACCESS, &old);
        return memmap_fail_os(rc, os_code);
    }
    return 0;
}

/* Gives every piece of p back to the system. */
static void release_all(struct placeholders *p)
{
    size_t i;

    for (i = 0; i < p->count; i++) {
        if (i < p->views)
            UnmapViewOfFile(p->pieces[i].base);
        else
            VirtualFree(p->pieces[i].base, 0, MEM_RELEASE);
    }
    free(p->pieces);
    p->pieces = NULL;
    p->views = p->count = p->capacity = 0;
}

/* A fresh reservation of span bytes: one placeholder piece. */
static int new_placeholders(const struct placeholder_calls *calls, size_t span, struct placeholders *p)
{
    DWORD error;

    p->pieces = NULL;
    p->views = p->count = p->capacity = 0;
    p->base = calls->virtual_alloc2(GetCurrentProcess(), NULL, span, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                    PAGE_NOACCESS, NULL, 0);
    if (!p->base) {
        error = GetLastError();
        /* Wine 8 knows the call but not the flag. */
        if (error == ERROR_INVALID_PARAMETER || error == ERROR_NOT_SUPPORTED || error == ERROR_CALL_NOT_IMPLEMENTED)
            return memmap_fail_os(MEMMAP_ENOTSUP, (int)error);
        return memmap_os_error((int)error);
    }
    p->span = span;
    if (make_room(p) != 0) {
        VirtualFree(p->base, 0, MEM_RELEASE);
        return memmap_fail(MEMMAP_ENOMEM);
    }
    p->pieces[0].base = p->base;
    p->pieces[0].length = span;
    p->count = 1;
    return 0;
}

static void load(const memmap_t *m, struct placeholders *p)
{
    p->base = m->reservation.base;
    p->span = m->reservation.length;
    p->pieces = m->os.pieces;
    p->views = m->os.view_count;
    p->count = m->os.piece_count;
    p->capacity = m->os.piece_capacity;
}

static void store(memmap_t *m, const struct placeholders *p)
{
    m->reservation.base = p->base;
    m->reservation.length = p->span;
    m->os.pieces = p->pieces;
    m->os.view_count = p->views;
    m->os.piece_count = p->count;
    m->os.piece_capacity = p->capacity;
}

int memmap_win32_placeholder_reserve(memmap_t *m, size_t span, int may_move)
{
    struct placeholder_calls calls;
    struct placeholders fresh, old;
    size_t view_length = m->view.length, view_span = memmap_round_to_pages(view_length);
    uint64_t offset = m->view.base ? m->view.offset : m->offset - m->slack;
    int rc;

    if (!find_calls(&calls))
        return memmap_fail(MEMMAP_ENOTSUP);
    if ((rc = new_placeholders(&calls, span, &fresh)) != 0)
        return rc;
    /* A view that exists cannot become part of a placeholder where it is. */
    if (!may_move) {
        release_all(&fresh);
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
    unsigned char *end;
    DWORD old;
    int rc;

    /* A cut runs to the end of the map (src/resize.c): every view from addr
     * on goes, and pages already closed past the size stay closed. */
    (void)len;
    if (!find_calls(&calls))
        return memmap_fail(MEMMAP_ENOTSUP);
    load(m, &p);
    rc = unmap_views_from(&calls, &p, addr);
    /* A cut inside a view: its pages past the cut stay, closed. */
    if (rc == 0 && (end = views_end(&p)) > addr && !VirtualProtect(addr, (size_t)(end - addr), PAGE_NOACCESS, &old))
        rc = memmap_win32_last_error();
    store(m, &p);
    return rc;
}

int memmap_win32_placeholder_release(memmap_t *m)
{
    struct placeholders p;

    load(m, &p);
    release_all(&p);
    store(m, &p);
    m->view.base = m->reservation.base = NULL;
    m->view.length = m->reservation.length = 0;
    return 0;
}

int memmap_win32_on_views(memmap_t *m, unsigned char *addr, size_t len, memmap_win32_view_fn fn, void *arg)
{
    size_t i;
    int rc;

    if (m->os.view_count == 0)
        return fn(addr, len, arg);
    for (i = 0; i < m->os.view_count && len > 0; i++) {
        const struct memmap_win32_piece *v = &m->os.pieces[i];
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
