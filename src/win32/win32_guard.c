/* SPDX-License-Identifier: MIT */
/* Guarded copies and probes: a fault in the guarded range becomes MEMMAP_EIO.
 *
 * mingw-w64 gcc has no __try, so a vectored exception handler does the work.
 * Before touching the range a thread publishes, in a TLS slot, the range and
 * a CPU context captured just before the access.  On a fault inside the range
 * the handler marks the guard and resumes the thread at that context, where
 * the guarded function sees the mark and returns MEMMAP_EIO.
 *
 * Windows reports a page that cannot be read in (I/O error, full disk under a
 * sparse file) as EXCEPTION_IN_PAGE_ERROR.  A page memmap_protect closed is an
 * EXCEPTION_ACCESS_VIOLATION, and so, under Wine, is a page past the end of a
 * truncated file: both count, as SIGBUS and SIGSEGV do on POSIX, but only at
 * an address inside the guarded range. */
#include "win32.h"

#include <string.h>

struct guard {
    const unsigned char *lo;   /* the guarded range */
    size_t len;
    CONTEXT *volatile resume;  /* where to resume on a fault; NULL while not touching */
    volatile LONG faulted;
    volatile LONG os_code;     /* the NTSTATUS of an in-page error, 0 otherwise */
};

static DWORD guard_slot = TLS_OUT_OF_INDEXES;
static INIT_ONCE guard_once = INIT_ONCE_STATIC_INIT;

static LONG CALLBACK guard_handler(EXCEPTION_POINTERS *info)
{
    const EXCEPTION_RECORD *record = info->ExceptionRecord;
    DWORD code = record->ExceptionCode, saved_error;
    struct guard *g;
    uintptr_t addr;

    if (code != EXCEPTION_IN_PAGE_ERROR && code != EXCEPTION_ACCESS_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    if (record->NumberParameters < 2)
        return EXCEPTION_CONTINUE_SEARCH;
    /* TlsGetValue clears the thread's last error; this handler sees every
     * access violation in the process, so leave it as it was. */
    saved_error = GetLastError();
    g = TlsGetValue(guard_slot);
    SetLastError(saved_error);
    if (!g || !g->resume)
        return EXCEPTION_CONTINUE_SEARCH;
    addr = (uintptr_t)record->ExceptionInformation[1];
    if (addr - (uintptr_t)g->lo >= g->len)
        return EXCEPTION_CONTINUE_SEARCH; /* not ours: a real bug elsewhere */
    g->faulted = 1;
    if (code == EXCEPTION_IN_PAGE_ERROR && record->NumberParameters >= 3)
        g->os_code = (LONG)record->ExceptionInformation[2];
    *info->ContextRecord = *g->resume;
    g->resume = NULL;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static BOOL CALLBACK install_guard(INIT_ONCE *once, void *param, void **context)
{
    (void)once; (void)param; (void)context;
    guard_slot = TlsAlloc();
    if (guard_slot == TLS_OUT_OF_INDEXES)
        return FALSE;
    /* First in the chain: the process's own handlers never see our faults.
     * Installed once for the life of the process (a library cannot know when
     * its last guarded copy has returned in every thread). */
    if (!AddVectoredExceptionHandler(1, guard_handler)) {
        TlsFree(guard_slot);
        guard_slot = TLS_OUT_OF_INDEXES;
        return FALSE;
    }
    return TRUE;
}

typedef ULONG (NTAPI *nt_status_to_dos_fn)(LONG);

/* The GetLastError() form of an in-page error's NTSTATUS (such as
 * ERROR_DISK_FULL), for memmap_last_os_error(); 0 for a protection fault,
 * which has none, as on POSIX. */
static int in_page_error_code(LONG status)
{
    nt_status_to_dos_fn convert = (nt_status_to_dos_fn)(void (*)(void))
        memmap_win32_lookup(L"ntdll.dll", "RtlNtStatusToDosError");
    if (status == 0 || !convert)
        return 0;
    return (int)convert(status);
}

typedef void (*guarded_fn)(void *arg);

/* Runs fn(arg), which touches only [lo, lo+len) of mapped memory, and returns
 * MEMMAP_EIO if it faulted there. */
static int run_guarded(guarded_fn fn, void *arg, const void *lo, size_t len)
{
    CONTEXT resume;
    struct guard g;
    void *outer;

    if (!InitOnceExecuteOnce(&guard_once, install_guard, NULL, NULL))
        return memmap_win32_last_error();
    memset(&g, 0, sizeof g);
    g.lo = lo;
    g.len = len;
    outer = TlsGetValue(guard_slot);
    if (!TlsSetValue(guard_slot, &g))
        return memmap_win32_last_error();
    RtlCaptureContext(&resume);
    /* After a fault the handler resumes here, with faulted set. */
    if (!g.faulted) {
        g.resume = &resume;
        fn(arg);
        g.resume = NULL;
    }
    TlsSetValue(guard_slot, outer);
    if (g.faulted)
        return memmap_fail_os(MEMMAP_EIO, in_page_error_code(g.os_code));
    return 0;
}

struct copy_args {
    void *dst;
    const void *src;
    size_t len;
};

static void copy_bytes(void *arg)
{
    struct copy_args *a = arg;
    memcpy(a->dst, a->src, a->len);
}

int memmap_os_guarded_copy(void *dst, const void *src, size_t len, const void *lo, size_t guard_len)
{
    struct copy_args args;
    args.dst = dst;
    args.src = src;
    args.len = len;
    return run_guarded(copy_bytes, &args, lo, guard_len);
}

struct zero_args {
    void *dst;
    size_t len;
};

static void zero_bytes(void *arg)
{
    struct zero_args *a = arg;
    memset(a->dst, 0, a->len);
}

int memmap_os_guarded_zero(void *dst, size_t len)
{
    struct zero_args args;
    args.dst = dst;
    args.len = len;
    return run_guarded(zero_bytes, &args, dst, len);
}

struct touch_args {
    unsigned char *start;
    size_t len;
    size_t page;
    int write;
};

static void touch_pages(void *arg)
{
    struct touch_args *a = arg;
    size_t off;
    for (off = 0; off < a->len; off += a->page) {
        if (a->write) {
            /* Faults like a write but cannot change the byte, even with other
             * threads storing to it at the same time. */
            memmap_touch_for_write(a->start + off);
        } else {
            (void)*(volatile unsigned char *)(a->start + off);
        }
    }
}

int memmap_os_probe(memmap_t *m, void *addr, size_t len, int write)
{
    struct touch_args args;
    (void)m;
    args.start = addr;
    args.len = len;
    args.page = memmap_os_page_size();
    args.write = write;
    return run_guarded(touch_pages, &args, addr, len);
}
