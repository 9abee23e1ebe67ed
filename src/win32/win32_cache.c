/* SPDX-License-Identifier: MIT */
/*
 * Windows residency, eviction and large pages.  Windows reports and trims a
 * process's working set, not the system file cache: residency is
 * QueryWorkingSetEx, and eviction takes pages out of the working set (they may
 * stay in the standby list, from where they return without disk I/O).  Large
 * pages back anonymous memory when the process holds SeLockMemoryPrivilege.
 */
#include "win32.h"

#include <psapi.h>

/* Pages asked of QueryWorkingSetEx at once. */
#define QUERY_PAGES 512

/* K32QueryWorkingSetEx is kernel32's own copy of psapi's QueryWorkingSetEx
 * (Windows 7+): looked up so that nothing links psapi.dll. */
typedef BOOL (WINAPI *query_fn)(HANDLE, PVOID, DWORD);

static query_fn working_set_query(void)
{
    return (query_fn)(void (*)(void))memmap_win32_lookup(L"kernel32.dll", "K32QueryWorkingSetEx");
}

/* Fills info[0..n) for the n pages from addr; MEMMAP_ENOTSUP without the call. */
static int query_pages(unsigned char *addr, size_t n, PSAPI_WORKING_SET_EX_INFORMATION *info)
{
    size_t page = memmap_os_page_size(), i;
    query_fn query = working_set_query();

    if (!query)
        return memmap_fail(MEMMAP_ENOTSUP);
    for (i = 0; i < n; i++)
        info[i].VirtualAddress = addr + i * page;
    if (!query(GetCurrentProcess(), info, (DWORD)(n * sizeof info[0])))
        return memmap_win32_last_error();
    return 0;
}

int memmap_os_residency(memmap_t *m, void *addr, size_t len, unsigned char *vec)
{
    PSAPI_WORKING_SET_EX_INFORMATION info[QUERY_PAGES];
    size_t page = memmap_os_page_size(), pages = len / page, done, n, i;
    int rc;

    (void)m;
    for (done = 0; done < pages; done += n) {
        n = pages - done < QUERY_PAGES ? pages - done : QUERY_PAGES;
        if ((rc = query_pages((unsigned char *)addr + done * page, n, info)) != 0)
            return rc;
        for (i = 0; i < n; i++)
            vec[done + i] = info[i].VirtualAttributes.Valid ? 1 : 0;
    }
    return 0;
}

/* VirtualUnlock on pages that are not locked removes them from the working
 * set (documented), and fails with ERROR_NOT_LOCKED, which is expected. */
static int trim_view(unsigned char *addr, size_t len, void *arg)
{
    (void)arg;
    (void)VirtualUnlock(addr, len);
    return 0;
}

static void trim(memmap_t *m, unsigned char *addr, size_t len)
{
    if (len)
        (void)memmap_win32_on_views(m, addr, len, trim_view, NULL);
}

int memmap_os_evict(memmap_t *m, void *addr, size_t len)
{
    PSAPI_WORKING_SET_EX_INFORMATION info[QUERY_PAGES];
    size_t page = memmap_os_page_size(), pages = len / page, done, n, i, run;
    unsigned char *base = addr;
    int rc;

    /* Modified pages of a shared view go to the file now rather than whenever
     * the modified page writer gets to them. */
    if (m->kind->sync && (m->flags & MEMMAP_WRITE) && (rc = m->kind->sync(m, addr, len, 0)) != 0)
        return rc;
    /* Pages memmap_lock locked stay locked: only runs of unlocked resident
     * pages are trimmed (VirtualUnlock would unlock the others). */
    for (done = 0; done < pages; done += n) {
        n = pages - done < QUERY_PAGES ? pages - done : QUERY_PAGES;
        if ((rc = query_pages(base + done * page, n, info)) != 0)
            return rc;
        for (i = 0, run = 0; i < n; i++) {
            if (info[i].VirtualAttributes.Valid && !info[i].VirtualAttributes.Locked) {
                run++;
                continue;
            }
            trim(m, base + (done + i - run) * page, run * page);
            run = 0;
        }
        trim(m, base + (done + n - run) * page, run * page);
    }
    return 0;
}

/* --- Large pages ------------------------------------------------------------ */

/* Enables SeLockMemoryPrivilege in the process token: large pages need it.
 * AdjustTokenPrivileges succeeds even for a privilege the token lacks, and
 * then says so with ERROR_NOT_ALL_ASSIGNED. */
static int lock_memory_privilege_enabled(void)
{
    TOKEN_PRIVILEGES tp;
    HANDLE token;
    int ok;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
        return 0;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    ok = LookupPrivilegeValueW(NULL, L"SeLockMemoryPrivilege", &tp.Privileges[0].Luid) &&
         AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL) && GetLastError() == ERROR_SUCCESS;
    CloseHandle(token);
    return ok;
}

/* Whether the page at p is a large page, as the memory manager reports it. */
static int is_large_page(unsigned char *p)
{
    PSAPI_WORKING_SET_EX_INFORMATION info;
    return query_pages(p, 1, &info) == 0 && info.VirtualAttributes.Valid && info.VirtualAttributes.LargePage;
}

int memmap_win32_map_large_pages(memmap_t *m, size_t size)
{
    SIZE_T large = GetLargePageMinimum();
    unsigned access = MEMMAP_READ | MEMMAP_WRITE | (m->flags & MEMMAP_EXEC);
    HANDLE section;
    unsigned char *view;

    /* A large-page section is a whole number of large pages, all committed. */
    if (large == 0 || size % large != 0 || !lock_memory_privilege_enabled())
        return -1;
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                 memmap_win32_section_protection(access) | SEC_COMMIT | SEC_LARGE_PAGES,
                                 (DWORD)((uint64_t)size >> 32), (DWORD)size, NULL);
    if (!section)
        return -1;
    view = MapViewOfFile(section, memmap_win32_view_access(access) | FILE_MAP_LARGE_PAGES, 0, 0, size);
    /* Wine accepts SEC_LARGE_PAGES and gives normal pages: believe the page, not the call. */
    if (!view || !is_large_page(view)) {
        if (view)
            UnmapViewOfFile(view);
        CloseHandle(section);
        return -1;
    }
    m->view.base = view;
    m->view.length = size;
    m->view.offset = 0;
    m->os.section = section;
    m->os.section_size = size;
    m->os.mapped_size = size;
    return 0;
}
