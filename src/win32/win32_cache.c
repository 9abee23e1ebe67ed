/* SPDX-License-Identifier: MIT */
/*
 * Windows residency and eviction.  Windows reports and trims a process's
 * working set, not the system file cache: residency is QueryWorkingSetEx, and
 * eviction takes pages out of the working set (they may stay in the standby
 * list, from where they return without disk I/O).
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
static void trim(unsigned char *addr, size_t len)
{
    if (len)
        (void)VirtualUnlock(addr, len);
}

int memmap_os_evict(memmap_t *m, void *addr, size_t len)
{
    PSAPI_WORKING_SET_EX_INFORMATION info[QUERY_PAGES];
    size_t page = memmap_os_page_size(), pages = len / page, done, n, i, run;
    unsigned char *base = addr;
    int rc;

    /* Modified pages of a shared view go to the file now rather than whenever
     * the modified page writer gets to them. */
    if (m->kind != MEMMAP_KIND_ANON && (m->flags & MEMMAP_WRITE) && (rc = memmap_os_sync(m, addr, len, 0)) != 0)
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
            trim(base + (done + i - run) * page, run * page);
            run = 0;
        }
        trim(base + (done + n - run) * page, run * page);
    }
    return 0;
}
