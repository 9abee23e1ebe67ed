/* SPDX-License-Identifier: MIT */
/* Operations on a range of a view: writing back, protection, advice and locking. */
#include "win32.h"

/* PrefetchVirtualMemory appeared in Windows 8 (kernelbase.dll under Wine). */
typedef BOOL (WINAPI *prefetch_fn)(HANDLE, ULONG_PTR, WIN32_MEMORY_RANGE_ENTRY *, ULONG);

static int flush_view(unsigned char *addr, size_t len, void *arg)
{
    int attempt;

    (void)arg;
    /* FlushViewOfFile may fail with ERROR_LOCK_VIOLATION while the cache
     * manager holds the pages (documented as transient): try again a little.
     * len 0 (an empty map whose file size changed) has only the size to flush. */
    for (attempt = 0; len > 0 && !FlushViewOfFile(addr, len); attempt++) {
        if (GetLastError() != ERROR_LOCK_VIOLATION || attempt == 20)
            return memmap_win32_last_error();
        Sleep(1);
    }
    return 0;
}

int memmap_win32_flush(memmap_t *m, void *addr, size_t len)
{
    return memmap_win32_on_views(m, addr, len, flush_view, NULL);
}

static int protect_view(unsigned char *addr, size_t len, void *protection)
{
    DWORD old;
    /* A view allows at most the access of its section: EXEC on a map created
     * without MEMMAP_EXEC fails here with access denied. */
    if (!VirtualProtect(addr, len, *(DWORD *)protection, &old))
        return memmap_win32_last_error();
    return 0;
}

int memmap_os_protect(memmap_t *m, void *addr, size_t len, unsigned prot)
{
    int exec = (prot & MEMMAP_EXEC) != 0;
    DWORD protection;

    if (prot == MEMMAP_NONE)
        protection = PAGE_NOACCESS;
    else if ((prot & MEMMAP_WRITE) && (m->flags & MEMMAP_COPY))
        protection = exec ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY; /* stay private */
    else if (prot & MEMMAP_WRITE)
        protection = exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    else
        protection = exec ? PAGE_EXECUTE_READ : PAGE_READONLY;
    return memmap_win32_on_views(m, addr, len, protect_view, &protection);
}

int memmap_os_advise(memmap_t *m, void *addr, size_t len, int advice)
{
    (void)m;
    if (advice == MEMMAP_ADVICE_WILLNEED) {
        prefetch_fn prefetch = (prefetch_fn)(void (*)(void))
            memmap_win32_lookup(L"kernel32.dll", "PrefetchVirtualMemory");
        WIN32_MEMORY_RANGE_ENTRY range;
        if (!prefetch)
            prefetch = (prefetch_fn)(void (*)(void))
                memmap_win32_lookup(L"kernelbase.dll", "PrefetchVirtualMemory");
        if (prefetch) {
            range.VirtualAddress = addr;
            range.NumberOfBytes = len;
            /* A hint: its failure changes nothing for the caller. */
            (void)prefetch(GetCurrentProcess(), 1, &range, 0);
        }
    }
    /* SEQUENTIAL and RANDOM have no per-range equivalent for views, and
     * DONTNEED must not discard data (DiscardVirtualMemory would), nor unlock
     * what memmap_lock locked (VirtualUnlock would): they do nothing. */
    return 0;
}

/* Raises the process's working-set limits by len so that VirtualLock, which
 * may lock no more than the minimum working set, can take len more bytes. */
static int grow_working_set(size_t len)
{
    static SRWLOCK lock = SRWLOCK_INIT;
    HANDLE process = GetCurrentProcess();
    SIZE_T min_size, max_size;
    int ok;

    AcquireSRWLockExclusive(&lock);
    ok = GetProcessWorkingSetSize(process, &min_size, &max_size) &&
         min_size + len >= min_size && max_size + len >= max_size &&
         SetProcessWorkingSetSize(process, min_size + len, max_size + len);
    ReleaseSRWLockExclusive(&lock);
    return ok;
}

static int lock_view(unsigned char *addr, size_t len, void *arg)
{
    DWORD error;
    (void)arg;
    if (VirtualLock(addr, len))
        return 0;
    error = GetLastError();
    if (error == ERROR_WORKING_SET_QUOTA && grow_working_set(len)) {
        if (VirtualLock(addr, len))
            return 0;
        error = GetLastError();
    }
    if (error == ERROR_WORKING_SET_QUOTA || error == ERROR_NO_SYSTEM_RESOURCES)
        return memmap_fail_os(MEMMAP_ENOMEM, (int)error);
    return memmap_os_error((int)error);
}

int memmap_os_lock(memmap_t *m, void *addr, size_t len)
{
    return memmap_win32_on_views(m, addr, len, lock_view, NULL);
}

static int unlock_view(unsigned char *addr, size_t len, void *arg)
{
    (void)arg;
    /* Unlocking pages that are not locked succeeds on POSIX. */
    if (VirtualUnlock(addr, len) || GetLastError() == ERROR_NOT_LOCKED)
        return 0;
    return memmap_win32_last_error();
}

int memmap_os_unlock(memmap_t *m, void *addr, size_t len)
{
    return memmap_win32_on_views(m, addr, len, unlock_view, NULL);
}
