/* Named shared memory: pagefile-backed sections named "Local\memmap-<name>".
 *
 * Such a section lives as long as a handle to it is open anywhere, so there is
 * nothing to unlink; and its size is fixed when it is created. */
#include "win32.h"

#include <stdlib.h>

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

/* The size of an existing section.  An opener cannot know the size its
 * creator asked for, so it is asked of the system, never guessed. */
static int section_size(HANDLE section, uint64_t *size)
{
    nt_query_section_fn query = (nt_query_section_fn)(void (*)(void))
        memmap_win32_lookup(L"ntdll.dll", "NtQuerySection");
    struct section_basic_information info;
    MEMORY_BASIC_INFORMATION region;
    void *view;

    if (query && query(section, SECTION_BASIC_INFORMATION_CLASS, &info, sizeof info, NULL) >= 0) {
        *size = (uint64_t)info.size.QuadPart;
        return 0;
    }
    /* Without NtQuerySection: a view of the whole section spans its size,
     * rounded up to whole pages. */
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (!view)
        return memmap_win32_last_error();
    if (VirtualQuery(view, &region, sizeof region) == 0) {
        int rc = memmap_win32_last_error();
        UnmapViewOfFile(view);
        return rc;
    }
    UnmapViewOfFile(view);
    *size = region.RegionSize;
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
    if ((flags & MEMMAP_CREATE) && length > 0) {
        /* Always read-write, whatever this process maps: another process may
         * open the object for writing, as with shm_open's mode 0600. */
        section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                     (DWORD)((uint64_t)length >> 32), (DWORD)length, wide);
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
        }
    } else {
        /* Windows cannot create an empty section, so CREATE with length 0 can
         * only open an object that exists. */
        section = open_existing(wide, flags);
        error = GetLastError();
        if (!section && error == ERROR_FILE_NOT_FOUND && (flags & MEMMAP_CREATE)) {
            free(wide);
            return memmap_fail_os(MEMMAP_ENOTSUP, (int)error);
        }
    }
    free(wide);
    if (!section)
        return memmap_os_error((int)error);
    if (!*created && (rc = section_size(section, &size)) != 0) {
        CloseHandle(section);
        return rc;
    }
    m->os.section = section;
    m->os.section_size = size;
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
    /* Closing the creator's handle, which the caller does next, destroys it. */
    (void)name;
}
