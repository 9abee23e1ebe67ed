/* SPDX-License-Identifier: MIT */
/*
 * POSIX residency, eviction and huge pages: mincore (with /proc/self/pagemap
 * where Linux hides the page cache), msync + madvise + posix_fadvise, and
 * transparent huge pages.
 */
#define _GNU_SOURCE /* MADV_PAGEOUT, MADV_HUGEPAGE, MADV_POPULATE_WRITE, AT_EACCESS */
#include "internal.h"
#include "posix/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- Residency ------------------------------------------------------------ */

#ifdef __linux__
/*
 * Whether mincore tells the truth about m's file.  Since Linux 5.2 it reports
 * the page cache only for files the caller owns or may write; for any other
 * file it claims every page is resident (and cachestat(2) fails with EPERM).
 */
static int page_cache_visible(const memmap_t *m)
{
    char path[64];
    struct stat st;

    if (memmap_is_anonymous(m))
        return 1;
    if (fstat(m->os.fd, &st) == 0 && st.st_uid == geteuid())
        return 1;
    /* The kernel's test is write permission on the inode (capabilities count). */
    snprintf(path, sizeof path, "/proc/self/fd/%d", m->os.fd);
    return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0;
}

/* Which pages of [addr, addr+len) this process has mapped, from the "present"
 * bit (63) of /proc/self/pagemap, which any process may read for itself. */
static int pages_mapped_here(void *addr, size_t len, unsigned char *vec)
{
    size_t page = memmap_os_page_size(), pages = len / page, done = 0, i, n;
    uint64_t entries[512];
    off_t at = (off_t)((uintptr_t)addr / page * sizeof entries[0]);
    ssize_t got;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return memmap_fail_os(MEMMAP_ENOTSUP, errno);
    while (done < pages) {
        n = pages - done < 512 ? pages - done : 512;
        got = pread(fd, entries, n * sizeof entries[0], at + (off_t)(done * sizeof entries[0]));
        if (got <= 0) {
            int e = got < 0 ? errno : EIO;
            close(fd);
            return memmap_fail_os(MEMMAP_ENOTSUP, e);
        }
        n = (size_t)got / sizeof entries[0];
        for (i = 0; i < n; i++)
            vec[done + i] = (unsigned char)(entries[i] >> 63);
        done += n;
    }
    close(fd);
    return 0;
}
#endif

int memmap_os_residency(memmap_t *m, void *addr, size_t len, unsigned char *vec)
{
    size_t i, pages = len / memmap_os_page_size();

#ifdef __linux__
    if (!page_cache_visible(m))
        return pages_mapped_here(addr, len, vec);
    if (mincore(addr, len, vec) != 0)
        return memmap_os_error(errno);
#else
    /* BSD and macOS declare the vector as char *; bit 0 is "in core" there too. */
    if (mincore(addr, len, (void *)vec) != 0)
        return memmap_os_error(errno);
#endif
    for (i = 0; i < pages; i++)
        vec[i] &= 1;
    return 0;
}

/* --- Eviction ------------------------------------------------------------- */

/* The file offset of addr inside m's view. */
static uint64_t file_offset_of(const memmap_t *m, const void *addr)
{
    return m->view.offset + (uint64_t)((const unsigned char *)addr - m->view.base);
}

int memmap_os_evict(memmap_t *m, void *addr, size_t len)
{
    /* Dirty pages go to the file first: the cache may drop only clean pages. */
    if (!memmap_is_anonymous(m) && (m->flags & MEMMAP_WRITE) && msync(addr, len, MS_SYNC) != 0)
        return memmap_os_error(errno);
#ifdef SYNC_FILE_RANGE_WRITE
    /* Through a read-only map msync writes nothing; pages other processes (or
     * write()) dirtied would stay.  sync_file_range needs no write access.
     * A device has no page cache to write back (ESPIPE, EINVAL). */
    if (!memmap_is_anonymous(m) && !(m->flags & MEMMAP_WRITE) &&
        sync_file_range(m->os.fd, (off_t)file_offset_of(m, addr), (off_t)len,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0 &&
        errno != ESPIPE && errno != EINVAL)
        return memmap_os_error(errno);
#endif

    if (memmap_is_anonymous(m) || (m->flags & MEMMAP_COPY)) {
        /* MADV_DONTNEED would discard private data; MADV_PAGEOUT writes it to swap. */
#ifdef MADV_PAGEOUT
        (void)madvise(addr, len, MADV_PAGEOUT);
#endif
    } else {
        /* Shared pages: dropping this process's mappings loses nothing, and a
         * page no one maps any more is one the page cache can let go. */
        (void)madvise(addr, len, MADV_DONTNEED);
    }
#if defined(POSIX_FADV_DONTNEED) && !defined(__APPLE__)
    if (!memmap_is_anonymous(m)) {
        (void)posix_fadvise(m->os.fd, (off_t)file_offset_of(m, addr), (off_t)len, POSIX_FADV_DONTNEED);
    }
#endif
    /* The hints above are best effort: the kernel keeps what it must (locked
     * pages, pages other processes map, tmpfs without swap). */
    return 0;
}

/* --- Huge pages ------------------------------------------------------------ */

#if defined(__linux__) && defined(MADV_HUGEPAGE)
/* The transparent huge page size, 0 when the kernel has none. */
static size_t huge_page_size(void)
{
    static size_t cached = (size_t)-1;
    size_t size = memmap_load_relaxed(&cached);
    unsigned long long value = 0;
    FILE *f;

    if (size != (size_t)-1)
        return size;
    f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re");
    if (f) {
        if (fscanf(f, "%llu", &value) != 1)
            value = 0;
        fclose(f);
    }
    size = (size_t)value;
    memmap_store_relaxed(&cached, size);
    return size;
}

/* Whether the THP setting in the sysfs file name lets an madvise'd range have
 * huge pages: the selected mode is the word in brackets. */
static int thp_allows_advice(const char *name)
{
    char path[96], line[160], *mode;
    FILE *f;

    snprintf(path, sizeof path, "/sys/kernel/mm/transparent_hugepage/%s", name);
    if (!(f = fopen(path, "re")))
        return 0;
    mode = fgets(line, sizeof line, f) ? strchr(line, '[') : NULL;
    fclose(f);
    if (!mode)
        return 0;
    return strncmp(mode, "[never]", 7) != 0 && strncmp(mode, "[deny]", 6) != 0;
}

void *memmap_posix_huge_hint(size_t size)
{
    size_t huge = huge_page_size();
    unsigned char *probe;
    uintptr_t aligned;

    if (huge == 0 || size < huge)
        return NULL;
    /* Reserve room for the view plus one huge page, keep the aligned address,
     * give the room back.  Another thread may take it meanwhile: then the view
     * lands elsewhere, still valid, merely unaligned. */
    probe = mmap(NULL, size + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe == MAP_FAILED)
        return NULL;
    aligned = ((uintptr_t)probe + huge - 1) & ~(uintptr_t)(huge - 1);
    munmap(probe, size + huge);
    return (void *)aligned;
}

void memmap_posix_use_huge_pages(memmap_t *m, void *view, size_t size, int populate)
{
    const char *setting = (m->flags & MEMMAP_SHARED) ? "shmem_enabled" : "enabled";
    int granted = huge_page_size() != 0 && size >= huge_page_size() && thp_allows_advice(setting) &&
                  madvise(view, size, MADV_HUGEPAGE) == 0;

    if (!granted)
        m->flags &= ~MEMMAP_HUGE;
    if (!populate)
        return;
#ifdef MADV_POPULATE_WRITE
    if (madvise(view, size, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    /* Before Linux 5.14: write-fault every page; anonymous memory is zero, so
     * storing a zero changes nothing. */
    {
        volatile unsigned char *p = view;
        size_t i, page = memmap_os_page_size();
        for (i = 0; i < size; i += page)
            p[i] = 0;
    }
}
#else
void *memmap_posix_huge_hint(size_t size)
{
    (void)size;
    return NULL;
}

void memmap_posix_use_huge_pages(memmap_t *m, void *view, size_t size, int populate)
{
    m->flags &= ~MEMMAP_HUGE;
    if (populate)
        madvise(view, size, MADV_WILLNEED);
}
#endif
