/* SPDX-License-Identifier: MIT */
/* Named shared memory: pagefile-backed sections named "Local\memmap-<name>".
 *
 * Such a section lives as long as a handle to it is open anywhere, so there is
 * nothing to unlink; its size is fixed when it is created; and even an empty
 * object has a page, which holds the size (see write_trailer). */
#include "win32.h"

#include <stdlib.h>
#include <string.h>

#define SHM_PREFIX L"Local\\memmap-"

/* NtQuerySection reports a section's size; it lives in ntdll, undeclared by
 * mingw-w64, and is looked up at run time. */
typedef LONG (NTAPI *nt_query_section_fn)(HANDLE, int, void *, SIZE_T, SIZE_T *);

struct section_basic_information {
    void *base_address;
    ULONG attributes;
    LARGE_INTEGER size;
};

#define SECTION_BASIC_INFORMATION_CLASS 0

/* The capacity of an existing section: its size rounded up to whole pages,
 * which is all the system reports (NtQuerySection under Wine, and a view of
 * the whole section everywhere). */
static int section_capacity(HANDLE section, uint64_t *capacity)
{
    nt_query_section_fn query = (nt_query_section_fn)(void (*)(void))
        memmap_win32_lookup(L"ntdll.dll", "NtQuerySection");
    struct section_basic_information info;
    MEMORY_BASIC_INFORMATION region;
    void *view;
    uint64_t page = memmap_os_page_size();

    *capacity = 0;
    if (query && query(section, SECTION_BASIC_INFORMATION_CLASS, &info, sizeof info, NULL) >= 0) {
        *capacity = ((uint64_t)info.size.QuadPart + page - 1) / page * page;
        return 0;
    }
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (!view)
        return memmap_win32_last_error();
    if (VirtualQuery(view, &region, sizeof region) == 0) {
        int rc = memmap_win32_last_error();
        UnmapViewOfFile(view);
        return rc;
    }
    UnmapViewOfFile(view);
    *capacity = region.RegionSize;
    return 0;
}

/*
 * A section's size is only known to whole pages, but an object has the exact
 * size it was created with, as on POSIX.  So the creator stores that size in
 * a trailer in the last bytes of the section's last page, past the data, where
 * no map of the object reaches.
 */
#define TRAILER_MAGIC UINT64_C(0x657a69732d70616d) /* "map-size" */

struct trailer {
    uint64_t magic;
    uint64_t size;
};

/* The section capacity that holds length bytes and the trailer. */
static int capacity_for(size_t length, uint64_t *capacity)
{
    uint64_t page = memmap_os_page_size(), need = (uint64_t)length + sizeof(struct trailer);
    *capacity = 0;
    if (need < length || need > UINT64_MAX - page)
        return memmap_fail(MEMMAP_ENOMEM);
    *capacity = (need + page - 1) / page * page;
    return 0;
}

/* Maps the page holding the trailer of a section of the given capacity. */
static unsigned char *map_trailer_page(HANDLE section, uint64_t capacity, DWORD access,
                                       void **view)
{
    uint64_t at = capacity - sizeof(struct trailer);
    uint64_t start = at - at % memmap_os_granularity();
    *view = MapViewOfFile(section, access, (DWORD)(start >> 32), (DWORD)start,
                          (SIZE_T)(capacity - start));
    return *view ? (unsigned char *)*view + (at - start) : NULL;
}

static int write_trailer(HANDLE section, uint64_t capacity, size_t length)
{
    struct trailer t;
    void *view;
    unsigned char *p = map_trailer_page(section, capacity, FILE_MAP_WRITE, &view);
    if (!p)
        return memmap_win32_last_error();
    t.magic = TRAILER_MAGIC;
    t.size = length;
    memcpy(p, &t, sizeof t);
    UnmapViewOfFile(view);
    return 0;
}

/* The exact size of an existing object. */
static int object_size(HANDLE section, uint64_t *size)
{
    struct trailer t;
    uint64_t capacity;
    void *view;
    unsigned char *p;
    int rc, attempt;

    if ((rc = section_capacity(section, &capacity)) != 0)
        return rc;
    *size = capacity;
    if (capacity < sizeof t)
        return 0;
    p = map_trailer_page(section, capacity, FILE_MAP_READ, &view);
    if (!p)
        return memmap_win32_last_error();
    /* The creator writes the trailer right after creating the section; an
     * opener that comes in between waits for it, briefly.  A section without
     * one (not made by memmap) is taken at its capacity. */
    for (attempt = 0; attempt < 100; attempt++) {
        memcpy(&t, (const void *)p, sizeof t);
        if (t.magic != 0)
            break;
        Sleep(1);
    }
    UnmapViewOfFile(view);
    if (t.magic == TRAILER_MAGIC && t.size + sizeof t <= capacity)
        *size = t.size;
    return 0;
}

static HANDLE open_existing(const wchar_t *name, unsigned flags)
{
    DWORD access = SECTION_QUERY | FILE_MAP_READ;
    if (flags & MEMMAP_WRITE)
        access |= FILE_MAP_WRITE;
    return OpenFileMappingW(access, FALSE, name);
}

int memmap_os_shm_open(memmap_t *m, const char *name, size_t length, int *created)
{
    unsigned flags = m->flags;
    wchar_t *wide;
    HANDLE section;
    DWORD error;
    uint64_t size = length;
    int rc;

    *created = 0;
    if ((rc = memmap_win32_widen(name, SHM_PREFIX, &wide)) != 0)
        return rc;
    if (flags & MEMMAP_CREATE) {
        uint64_t capacity;
        if ((rc = capacity_for(length, &capacity)) != 0) {
            free(wide);
            return rc;
        }
        /* Always read-write, whatever this process maps: another process may
         * open the object for writing, as with shm_open's mode 0600. */
        section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                     (DWORD)(capacity >> 32), (DWORD)capacity, wide);
        error = GetLastError();
        if (section && error == ERROR_ALREADY_EXISTS) {
            /* The existing object at its existing size: the size passed was ignored. */
            if (flags & MEMMAP_EXCL) {
                CloseHandle(section);
                free(wide);
                return memmap_fail_os(MEMMAP_EEXIST, (int)error);
            }
        } else if (section) {
            *created = 1;
            if ((rc = write_trailer(section, capacity, length)) != 0) {
                CloseHandle(section);
                free(wide);
                return rc;
            }
        }
    } else {
        section = open_existing(wide, flags);
        error = GetLastError();
    }
    free(wide);
    /* Every argument but the size is ours: an invalid one means a size no
     * commit limit could hold. */
    if (!section && error == ERROR_INVALID_PARAMETER && (flags & MEMMAP_CREATE))
        return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
    if (!section)
        return memmap_os_error((int)error);
    if (!*created && (rc = object_size(section, &size)) != 0) {
        CloseHandle(section);
        return rc;
    }
    m->os.section = section;
    m->os.section_size = size;
    m->os.ops = &memmap_win32_shm_ops;
    return 0;
}

int memmap_os_shm_unlink(const char *name)
{
    /* The object disappears with its last handle; there is no name to remove. */
    (void)name;
    return 0;
}

void memmap_os_shm_discard(const char *name)
{
    /* The object died when the failed map closed its creating handle: nothing is left to remove. */
    (void)name;
}

/* The size recorded beside the object's data when it was opened. */
static int describe_shm(memmap_t *m, enum memmap_file_type *type, uint64_t *size)
{
    *type = MEMMAP_FILE_REGULAR;
    *size = m->os.section_size;
    return 0;
}

/* A pagefile-backed section has the size it was created with for its whole
 * life (NtExtendSection is not public and missing under Wine). */
static int set_shm_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate)
{
    (void)old_size;
    (void)allocate;
    return new_size == m->os.section_size ? 0 : memmap_fail(MEMMAP_ENOTSUP);
}

/* Pagefile-backed memory has no disk file to wait for: writing the view
 * back is all a sync can do. */
static int sync_shm(memmap_t *m, void *addr, size_t len, int durable)
{
    (void)durable;
    return memmap_win32_flush(m, addr, len);
}

static int release_shm(memmap_t *m)
{
    int rc = 0;
    if (m->os.section && !CloseHandle(m->os.section))
        rc = memmap_win32_last_error();
    m->os.section = NULL;
    m->os.section_size = 0;
    return rc;
}

const struct memmap_kind memmap_os_shm_kind = {
    "shared memory", describe_shm, set_shm_size, sync_shm, release_shm,
};

/* Views map the object itself (no section of their own). */
const struct memmap_win32_ops memmap_win32_shm_ops = {
    NULL, 1,
    memmap_win32_placeholder_reserve, memmap_win32_placeholder_map,
    memmap_win32_placeholder_unmap, memmap_win32_placeholder_release,
};
