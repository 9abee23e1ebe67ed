/* SPDX-License-Identifier: MIT */
/*
 * POSIX views: mmap, munmap, mremap, msync, mprotect, madvise, mlock.
 */
#define _GNU_SOURCE /* mremap, MAP_POPULATE, MADV_COLD */
#include "internal.h"
#include "posix/posix.h"

#include <errno.h>
#include <fcntl.h> /* F_FULLFSYNC on Apple */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_ANONYMOUS
#  define MAP_ANONYMOUS MAP_ANON
#endif

size_t memmap_os_page_size(void)
{
    /* Asked twice per open; sysconf costs ~50 instructions even without a system call.
     * Threads may race to fill the cache: they all store the same value. */
    static size_t cached;
    size_t page = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (page == 0) {
        page = (size_t)sysconf(_SC_PAGESIZE);
        __atomic_store_n(&cached, page, __ATOMIC_RELAXED);
    }
    return page;
}

size_t memmap_os_granularity(void)
{
    return memmap_os_page_size();
}

static int is_private(const memmap_t *m)
{
    if (m->kind == MEMMAP_KIND_ANON)
        return !(m->flags & MEMMAP_SHARED);
    return (m->flags & MEMMAP_COPY) != 0;
}

static int view_protection(const memmap_t *m)
{
    int prot = PROT_READ;
    if (m->flags & (MEMMAP_WRITE | MEMMAP_COPY))
        prot |= PROT_WRITE;
    if (m->flags & MEMMAP_EXEC)
        prot |= PROT_EXEC;
    return prot;
}

static int view_flags(const memmap_t *m)
{
    int flags = is_private(m) ? MAP_PRIVATE : MAP_SHARED;
    if (m->kind == MEMMAP_KIND_ANON)
        flags |= MAP_ANONYMOUS;
    return flags;
}

/*
 * The code for a failed mmap or mremap.  The shared code has checked every
 * argument, so EINVAL can only mean the length is more than the address space
 * takes (Linux says ENOMEM for that, valgrind and mremap say EINVAL).
 */
static int size_error(int e)
{
    return e == EINVAL ? memmap_fail_os(MEMMAP_ENOMEM, e) : memmap_os_error(e);
}

/* mmap with the map's protection and sharing; MAP_FAILED on failure. */
static void *map_pages(const memmap_t *m, void *hint, uint64_t map_offset, size_t size, int extra_flags)
{
    int fd = m->kind == MEMMAP_KIND_ANON ? -1 : m->os.fd;
    return mmap(hint, size, view_protection(m), view_flags(m) | extra_flags, fd, (off_t)map_offset);
}

int memmap_os_map(memmap_t *m, uint64_t map_offset, size_t view_size, int populate)
{
    int huge = (m->flags & MEMMAP_HUGE) != 0;
    int extra = 0;
    void *view;

#ifdef MAP_POPULATE
    if (populate && !huge)
        extra |= MAP_POPULATE;
#endif
    view = map_pages(m, huge ? memmap_posix_huge_hint(view_size) : NULL, map_offset, view_size, extra);
    if (view == MAP_FAILED)
        return size_error(errno);
    if (huge) {
        memmap_posix_use_huge_pages(m, view, view_size, populate);
        populate = 0;
    }
#ifndef MAP_POPULATE
    if (populate)
        madvise(view, view_size, MADV_WILLNEED);
#endif
    m->view = view;
    m->view_size = view_size;
    return 0;
}

int memmap_os_unmap(memmap_t *m)
{
    int rc = 0;
    if (m->view && munmap(m->view, m->view_size) != 0)
        rc = memmap_os_error(errno);
    m->view = NULL;
    m->view_size = 0;
    return rc;
}

static size_t round_to_pages(size_t size)
{
    size_t page = memmap_os_page_size();
    return (size + page - 1) / page * page;
}

/* Maps the pages right after the view if that address is free; never moves
 * anything.  Whether it did. */
static int extend_in_place(memmap_t *m, const struct memmap_resize_plan *plan)
{
    size_t old_span = round_to_pages(m->view_size), new_span = round_to_pages(plan->new_view_size);
    unsigned char *want = (unsigned char *)m->view + old_span;
    void *tail = map_pages(m, want, plan->map_offset + old_span, new_span - old_span, 0);

    if (tail == want)
        return 1;
    if (tail != MAP_FAILED)
        munmap(tail, new_span - old_span);
    return 0;
}

/*
 * Maps the whole new range elsewhere.  Private pages exist nowhere else, so
 * they are copied over; the caller may have protected some of them, and the
 * old view is about to go, so it is made readable for the copy if need be.
 */
static int move_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    void *view = map_pages(m, NULL, plan->map_offset, plan->new_view_size, 0);
    size_t old_span = round_to_pages(m->view_size);
    int rc = 0;

    if (view == MAP_FAILED)
        return size_error(errno);
    if (is_private(m) && memmap_os_guarded_copy(view, m->view, m->view_size, m->view, m->view_size) != 0) {
        mprotect(m->view, old_span, PROT_READ);
        rc = memmap_os_guarded_copy(view, m->view, m->view_size, m->view, m->view_size);
        if (rc != 0) {
            /* Unreadable even so (a COPY map of a truncated file): stay where we are. */
            mprotect(m->view, old_span, view_protection(m));
            munmap(view, plan->new_view_size);
            return rc;
        }
    }
    munmap(m->view, old_span);
    m->view = view;
    return 0;
}

/* ThreadSanitizer does not intercept mremap (google/sanitizers#1099): it keeps
 * the moved pages' access history and reports races on whatever is mapped
 * there next.  TSan builds grow views the portable way instead. */
#if defined(__SANITIZE_THREAD__)
#  define MEMMAP_NO_MREMAP 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define MEMMAP_NO_MREMAP 1
#  endif
#endif

/* Grows the view in place, or moves it when the plan allows; on failure the view is as it was. */
static int grow_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
#if defined(__linux__) && !defined(MEMMAP_NO_MREMAP)
    /* mremap grows or moves the view in one call and keeps its pages, locks and
     * protection -- but only while the view is one kernel mapping.  protect,
     * advise or lock of part of it splits it, and then mremap says EFAULT
     * (valgrind's says EINVAL).  On any failure the portable path below gets
     * its turn: it works on a split view, and where there really is no room
     * it fails just as mremap did. */
    void *view = mremap(m->view, m->view_size, plan->new_view_size, plan->may_move ? MREMAP_MAYMOVE : 0);
    if (view != MAP_FAILED) {
        m->view = view;
        return 0;
    }
#endif
    if (extend_in_place(m, plan))
        return 0;
    if (!plan->may_move)
        return memmap_fail(MEMMAP_EBUSY);
    return move_view(m, plan);
}

/* Gives back the pages past new_view_size (which is not 0); never moves the view. */
static void shrink_view(memmap_t *m, size_t new_view_size)
{
    size_t keep = round_to_pages(new_view_size), span = round_to_pages(m->view_size);
    if (keep < span)
        munmap((unsigned char *)m->view + keep, span - keep);
}

/* Gives the view its new size; only growing can fail, and then the view is as it was. */
static int change_view(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int rc;
    if (plan->new_view_size == 0)
        return memmap_os_unmap(m);
    if (!m->view)
        return memmap_os_map(m, plan->map_offset, plan->new_view_size, 0);
    if (round_to_pages(plan->new_view_size) > round_to_pages(m->view_size)) {
        if ((rc = grow_view(m, plan)) != 0)
            return rc;
    } else {
        shrink_view(m, plan->new_view_size);
    }
    m->view_size = plan->new_view_size;
    return 0;
}

int memmap_os_resize(memmap_t *m, const struct memmap_resize_plan *plan)
{
    int file_changes = plan->new_file_size != plan->old_file_size;
    int rc;

    /* Growing shared anonymous memory would give the new pages to this process alone. */
    if (m->kind == MEMMAP_KIND_ANON && (m->flags & MEMMAP_SHARED) && plan->new_view_size > m->view_size)
        return memmap_fail(MEMMAP_ENOTSUP);
    /*
     * The file first: if it cannot grow, nothing has changed yet, and the view
     * never moves on a failure.  (POSIX lets a file shrink under a mapped view;
     * the pages past the new end are unmapped right after.)
     */
    if (file_changes &&
        (rc = memmap_os_set_file_size(m, plan->old_file_size, plan->new_file_size, plan->allocate)) != 0)
        return rc;
    if ((rc = change_view(m, plan)) != 0 && file_changes)
        memmap_os_set_file_size(m, plan->new_file_size, plan->old_file_size, 0);
    return rc;
}

int memmap_os_sync(memmap_t *m, void *addr, size_t len, int durable)
{
    if (len && msync(addr, len, durable ? MS_SYNC : MS_ASYNC) != 0)
        return memmap_os_error(errno);
    if (!durable)
        return 0;
#if defined(__APPLE__) && defined(F_FULLFSYNC)
    /* Apple's fsync and msync leave data in the drive's cache. */
    if (fcntl(m->os.fd, F_FULLFSYNC) != 0 && fsync(m->os.fd) != 0)
        return memmap_os_error(errno);
#elif defined(__linux__)
    /* Linux's MS_SYNC is already an fdatasync of the range; a size the library changed is
     * metadata that needs its own flush. */
    if (__atomic_load_n(&m->size_dirty, __ATOMIC_RELAXED) && fdatasync(m->os.fd) != 0)
        return memmap_os_error(errno);
#else
    /* Elsewhere msync is not known to reach stable storage by itself. */
    if (fsync(m->os.fd) != 0)
        return memmap_os_error(errno);
#endif
    return 0;
}

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
    if (!is_private(m))
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
