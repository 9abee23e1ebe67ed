/* SPDX-License-Identifier: MIT */
/* Operations on a range of a view: protection, advice and locking. */
#define _GNU_SOURCE /* madvise and its advice, MADV_COLD */
#include "internal.h"

#include <errno.h>
#include <sys/mman.h>

int memmap_os_protect(memmap_t *m, void *addr, size_t len, unsigned prot)
{
    int os_prot = PROT_NONE;
    (void)m;
    /* Write or execute without read is not readable everywhere: always add read. */
    if (prot)
        os_prot |= PROT_READ;
    if (prot & MEMMAP_WRITE)
        os_prot |= PROT_WRITE;
    if (prot & MEMMAP_EXEC)
        os_prot |= PROT_EXEC;
    if (mprotect(addr, len, os_prot) != 0)
        return memmap_os_error(errno);
    return 0;
}

/* The madvise hint for DONTNEED: never one that discards private data. */
static int dontneed_advice(const memmap_t *m)
{
    if (!memmap_is_private(m))
        return MADV_DONTNEED; /* shared pages are dropped from this process only; the data stays */
#ifdef MADV_COLD
    return MADV_COLD; /* Linux 5.4+: page out when memory is short, keep the contents */
#else
    return -1;
#endif
}

int memmap_os_advise(memmap_t *m, void *addr, size_t len, int advice)
{
    int os_advice;
    switch (advice) {
    case MEMMAP_ADVICE_SEQUENTIAL: os_advice = MADV_SEQUENTIAL; break;
    case MEMMAP_ADVICE_RANDOM:     os_advice = MADV_RANDOM; break;
    case MEMMAP_ADVICE_WILLNEED:   os_advice = MADV_WILLNEED; break;
    case MEMMAP_ADVICE_DONTNEED:   os_advice = dontneed_advice(m); break;
#ifdef MADV_HUGEPAGE
    case MEMMAP_ADVICE_HUGEPAGE:   os_advice = MADV_HUGEPAGE; break;
    case MEMMAP_ADVICE_NOHUGEPAGE: os_advice = MADV_NOHUGEPAGE; break;
#else
    case MEMMAP_ADVICE_HUGEPAGE:   /* fall through: no huge pages, nothing to ask */
    case MEMMAP_ADVICE_NOHUGEPAGE: os_advice = -1; break;
#endif
    default:                       os_advice = MADV_NORMAL; break;
    }
    /* A hint the kernel lacks or refuses is not the caller's error: the arguments were checked. */
    if (os_advice >= 0)
        madvise(addr, len, os_advice);
    return 0;
}

int memmap_os_lock(memmap_t *m, void *addr, size_t len)
{
    (void)m;
    if (mlock(addr, len) == 0)
        return 0;
    /* EPERM is a RLIMIT_MEMLOCK of 0 without CAP_IPC_LOCK: a locked-memory limit like ENOMEM. */
    if (errno == EPERM || errno == EAGAIN)
        return memmap_fail_os(MEMMAP_ENOMEM, errno);
    return memmap_os_error(errno);
}

int memmap_os_unlock(memmap_t *m, void *addr, size_t len)
{
    (void)m;
    if (munlock(addr, len) != 0)
        return memmap_os_error(errno);
    return 0;
}
