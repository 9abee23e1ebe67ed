/* SPDX-License-Identifier: MIT */
/* Residency, eviction and huge pages: memmap_residency, memmap_evict, MEMMAP_HUGE. */
#if defined(__linux__)
#  define _GNU_SOURCE
#endif
#include "harness.h"

#include <errno.h>
#include <stdlib.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <sys/stat.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif
#ifdef __linux__
#  include <sys/prctl.h>
#  include <sys/vfs.h>
#  define TMPFS_MAGIC_NUMBER 0x01021994
#endif

#define PAGES 256

static size_t page(void) { return memmap_page_size(); }

/* Reads one byte of every page of the map. */
static unsigned touch_all(memmap_t *m)
{
    volatile unsigned char *p = memmap_data(m);
    unsigned sum = 0;
    size_t i;
    for (i = 0; i < memmap_size(m); i += page())
        sum += p[i];
    return sum;
}

static size_t resident_pages(memmap_t *m)
{
    size_t n = (size_t)-1;
    CHECK_OK(memmap_residency(m, 0, 0, NULL, &n));
    return n;
}

/* A pattern file whose data is on the disk, so the page cache may drop it. */
static const char *written_pattern_file(const char *name, size_t len)
{
    const char *path = test_pattern_file(name, len);
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, NULL));
    REQUIRE_OK(memmap_sync(m, 0, 0, 0));
    memmap_close(m);
    return path;
}

/* As written_pattern_file, written one page per write() so that the page cache
 * holds it in single pages: Linux caches big writes in large folios, and
 * evicts a folio only when the range covers it whole. */
static const char *paged_pattern_file(const char *name, size_t pages)
{
    const char *path = test_path(name);
    unsigned char *buf = malloc(page());
    FILE *f = fopen(path, "wb");
    memmap_t *m;
    size_t i;
    REQUIRE(buf && f);
    setvbuf(f, NULL, _IONBF, 0);
    for (i = 0; i < pages; i++) {
        test_pattern(buf, (uint64_t)i * page(), page());
        REQUIRE(fwrite(buf, 1, page(), f) == page());
    }
    fclose(f);
    free(buf);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, NULL));
    REQUIRE_OK(memmap_sync(m, 0, 0, 0));
    memmap_close(m);
    return path;
}

/* Why eviction cannot be checked here, or NULL when it can. */
static const char *eviction_unobservable(void)
{
#if defined(_WIN32)
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll && GetProcAddress(ntdll, "wine_get_version"))
        return "under Wine, VirtualUnlock does not trim the working set QueryWorkingSetEx reports";
    return NULL;
#elif defined(__linux__)
    struct statfs fs;
    if (statfs(test_dir(), &fs) == 0 && (unsigned long)fs.f_type == TMPFS_MAGIC_NUMBER)
        return "the temporary directory is on tmpfs, whose pages are the file and cannot be evicted";
    return NULL;
#else
    return "eviction is only checked on Linux and Windows";
#endif
}

/* --- Residency ------------------------------------------------------------- */

TEST(touched_pages_are_resident)
{
    memmap_t *m;
    unsigned char *vec = malloc(PAGES);
    size_t i, n;

    REQUIRE(vec);
    REQUIRE_OK(memmap_open(&m, test_pattern_file("f", PAGES * page()), MEMMAP_READ, NULL));
    touch_all(m);
    CHECK_OK(memmap_residency(m, 0, 0, vec, &n));
    CHECK_EQ_U(n, PAGES);
    for (i = 0; i < PAGES; i++)
        CHECK_EQ(vec[i], 1);
    memmap_close(m);
    free(vec);
}

TEST(residency_vector_covers_the_widened_range_only)
{
    memmap_t *m;
    unsigned char vec[4] = {0xAA, 0xAA, 0xAA, 0xAA};
    size_t n;

    REQUIRE_OK(memmap_anon(&m, 8 * page(), 0));
    ((unsigned char *)memmap_data(m))[2 * page()] = 1;
    /* Two bytes across the boundary of pages 1 and 2: two entries, nothing more written. */
    CHECK_OK(memmap_residency(m, 2 * page() - 1, 2, vec, &n));
    CHECK_EQ(vec[1], 1);
    CHECK(vec[0] == 0 || vec[0] == 1);
    CHECK_EQ(vec[2], 0xAA);
    CHECK_EQ(vec[3], 0xAA);
    CHECK(n >= 1 && n <= 2);
    /* Anonymous memory never written has no pages. */
    CHECK_OK(memmap_residency(m, 5 * page(), page(), vec, &n));
    CHECK_EQ_U(n, 0);
    CHECK_EQ(vec[0], 0);
    memmap_close(m);
}

TEST(residency_counts_without_a_vector_past_the_scratch_size)
{
    /* More pages than src/cache.c asks the backend for at once. */
    size_t pages = 5000, n = 0;
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, pages * page(), MEMMAP_POPULATE));
    CHECK_OK(memmap_residency(m, 0, 0, NULL, &n));
    CHECK_EQ_U(n, pages);
    CHECK_OK(memmap_residency(m, page(), 4097 * page(), NULL, NULL));
    memmap_close(m);
}

TEST(residency_and_evict_check_their_arguments)
{
    memmap_t *m, *empty;
    size_t n = 7;
    REQUIRE_OK(memmap_anon(&m, 10000, 0));
    REQUIRE_OK(memmap_anon(&empty, 0, 0));
    CHECK_CODE(memmap_residency(NULL, 0, 0, NULL, &n), MEMMAP_EINVAL);
    CHECK_EQ_U(n, 0);
    CHECK_CODE(memmap_residency(m, 10001, 0, NULL, NULL), MEMMAP_ERANGE);
    CHECK_CODE(memmap_residency(m, 9999, 2, NULL, NULL), MEMMAP_ERANGE);
    CHECK_CODE(memmap_residency(m, 1, SIZE_MAX, NULL, NULL), MEMMAP_ERANGE);
    n = 7;
    CHECK_OK(memmap_residency(m, 10000, 0, NULL, &n));
    CHECK_EQ_U(n, 0);
    n = 7;
    CHECK_OK(memmap_residency(empty, 0, 0, NULL, &n));
    CHECK_EQ_U(n, 0);
    CHECK_CODE(memmap_evict(NULL, 0, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_evict(m, 10001, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_evict(m, 0, 10001), MEMMAP_ERANGE);
    CHECK_OK(memmap_evict(m, 10000, 0));
    CHECK_OK(memmap_evict(empty, 0, 0));
    memmap_close(m);
    memmap_close(empty);
}

#ifdef __linux__
static volatile unsigned char touched_byte;

/* Maps argv[0] as an unprivileged user who neither owns nor may write it, and
 * checks residency reports the pages this process touched, not the "all
 * resident" mincore pretends for such files. */
CHILD(residency_of_a_file_the_caller_cannot_write)
{
    memmap_t *m;
    size_t n;
    unsigned char vec[64];
    (void)argc;
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 10;
    /* Changing user made the process undumpable, which hides /proc/self/pagemap
     * from it; a program started as that user is dumpable. */
    if (prctl(PR_SET_DUMPABLE, 1) != 0)
        return 15;
    if (access(argv[0], W_OK) == 0)
        return 11; /* still privileged: the check would prove nothing */
    if (memmap_open(&m, argv[0], MEMMAP_READ, NULL) != 0 || memmap_size(m) != sizeof vec * memmap_page_size())
        return 12;
    if (memmap_residency(m, 0, 0, vec, &n) != 0 || n != 0) {
        memmap_close(m);
        return 13;
    }
    /* The fault maps page 3, and maybe neighbours the same read brought in
     * (fault-around, or the whole large folio holding page 3).  The byte is
     * stored: valgrind drops a load whose value is never used. */
    touched_byte = ((volatile unsigned char *)memmap_data(m))[3 * memmap_page_size()];
    if (memmap_residency(m, 0, 0, vec, &n) != 0 || vec[3] != 1 || n < 1) {
        memmap_close(m);
        return 14;
    }
    memmap_close(m);
    return 0;
}
#endif

TEST(residency_of_a_file_the_caller_cannot_write_is_not_invented)
{
#ifndef __linux__
    SKIP("Linux hides the page cache of such files; other platforms do not");
#else
    const char *args[1];
    memmap_t *m;
    if (geteuid() != 0)
        SKIP("needs root to start a child as another user");
    args[0] = written_pattern_file("f", 64 * page());
    /* Cold: nothing of it cached, and not mapped in the child yet. */
    REQUIRE_OK(memmap_open(&m, args[0], MEMMAP_READ, NULL));
    REQUIRE_OK(memmap_evict(m, 0, 0));
    CHECK_EQ_U(resident_pages(m), 0);
    memmap_close(m);
    REQUIRE(chmod(args[0], 0644) == 0);
    REQUIRE(chmod(test_dir(), 0755) == 0);
    CHECK_EQ(test_spawn_self("residency_of_a_file_the_caller_cannot_write", args, 1), 0);
#endif
}

#ifdef __linux__
/* As above, but left undumpable, as a change of user leaves a process: Linux
 * then refuses it /proc/self/pagemap, and residency says it cannot tell. */
CHILD(residency_without_pagemap)
{
    memmap_t *m;
    size_t n = 7;
    int rc;
    (void)argc;
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 10;
    if (memmap_open(&m, argv[0], MEMMAP_READ, NULL) != 0)
        return 12;
    rc = memmap_residency(m, 0, 0, NULL, &n);
    memmap_close(m);
    return rc == MEMMAP_ENOTSUP && n == 0 && memmap_last_os_error() == EACCES ? 0 : 13;
}
#endif

TEST(residency_that_cannot_be_known_is_enotsup)
{
#ifndef __linux__
    SKIP("Linux hides the page cache of such files; other platforms do not");
#else
    const char *args[1];
    if (geteuid() != 0)
        SKIP("needs root to start a child as another user");
    args[0] = written_pattern_file("f", 4 * page());
    REQUIRE(chmod(args[0], 0644) == 0);
    REQUIRE(chmod(test_dir(), 0755) == 0);
    CHECK_EQ(test_spawn_self("residency_without_pagemap", args, 1), 0);
#endif
}

/* --- Eviction -------------------------------------------------------------- */

TEST(evicted_file_pages_leave_memory)
{
    const char *why = eviction_unobservable();
    memmap_t *m;
    size_t after;
    if (why)
        SKIP("%s", why);
    REQUIRE_OK(memmap_open(&m, written_pattern_file("f", PAGES * page()), MEMMAP_READ, NULL));
    touch_all(m);
    CHECK_EQ_U(resident_pages(m), PAGES);
    CHECK_OK(memmap_evict(m, 0, 0));
    /* Nothing else maps or dirties this file: every page can go.  The bound
     * allows a page or two that the kernel's own readahead might bring back. */
    after = resident_pages(m);
    CHECK(after <= 2);
    /* The data comes back from the disk unchanged. */
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, memmap_size(m)), (size_t)-1);
    memmap_close(m);
}

TEST(evict_through_a_read_only_map_writes_back_what_others_dirtied)
{
    const char *why = eviction_unobservable();
    memmap_t *m;
    if (why)
        SKIP("%s", why);
    /* Just written with write(): dirty in the page cache, never synced. */
    REQUIRE_OK(memmap_open(&m, test_pattern_file("f", PAGES * page()), MEMMAP_READ, NULL));
    CHECK_OK(memmap_evict(m, 0, 0));
    CHECK(resident_pages(m) <= 2);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, memmap_size(m)), (size_t)-1);
    memmap_close(m);
}

TEST(evict_of_part_keeps_the_rest)
{
    const char *why = eviction_unobservable();
    memmap_t *m;
    unsigned char *vec = malloc(PAGES);
    size_t i, n;
    if (why)
        SKIP("%s", why);
    REQUIRE(vec);
    REQUIRE_OK(memmap_open(&m, paged_pattern_file("f", PAGES), MEMMAP_READ, NULL));
    touch_all(m);
    /* Bytes 1 of page 10 .. 1 of page 20 widen to pages 10 to 20. */
    CHECK_OK(memmap_evict(m, 10 * page() + 1, 10 * page()));
    CHECK_OK(memmap_residency(m, 0, 0, vec, &n));
    for (i = 0; i < PAGES; i++) {
        if (i >= 10 && i <= 20)
            CHECK_EQ(vec[i], 0);
        else
            CHECK_EQ(vec[i], 1);
    }
    CHECK_EQ_U(n, PAGES - 11);
    memmap_close(m);
    free(vec);
}

TEST(evict_writes_dirty_shared_pages_back_first)
{
    memmap_t *m;
    const char *path = written_pattern_file("f", PAGES * page());
    unsigned char *p, got[3];
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, NULL));
    p = memmap_data(m);
    p[0] = 0x11;
    p[100 * page() + 5] = 0x22;
    p[PAGES * page() - 1] = 0x33;
    CHECK_OK(memmap_evict(m, 0, 0));
    /* Written back, hence clean, hence gone from memory (where that can be seen). */
    if (!eviction_unobservable())
        CHECK(resident_pages(m) <= 2);
    /* The file has the changes (written back by the eviction, no sync called)... */
    CHECK_EQ(test_read_file(path, 0, got, 1), 1);
    CHECK_EQ(test_read_file(path, 100 * page() + 5, got + 1, 1), 1);
    CHECK_EQ(test_read_file(path, PAGES * page() - 1, got + 2, 1), 1);
    CHECK_EQ(got[0], 0x11);
    CHECK_EQ(got[1], 0x22);
    CHECK_EQ(got[2], 0x33);
    /* ... and so does the map. */
    CHECK_EQ(p[0], 0x11);
    CHECK_EQ(p[100 * page() + 5], 0x22);
    CHECK_EQ(p[PAGES * page() - 1], 0x33);
    CHECK_EQ_U(test_pattern_mismatch(p + 1, 1, 100 * page() + 4), (size_t)-1);
    memmap_close(m);
}

TEST(evict_keeps_private_changes)
{
    memmap_t *c, *a;
    const char *path = written_pattern_file("f", PAGES * page());
    unsigned char *p, *q, got;
    size_t i;

    REQUIRE_OK(memmap_open(&c, path, MEMMAP_COPY, NULL));
    REQUIRE_OK(memmap_anon(&a, PAGES * page(), 0));
    p = memmap_data(c);
    q = memmap_data(a);
    for (i = 0; i < PAGES; i += 2)
        p[i * page()] ^= 0xFF;
    test_pattern(q, 0, PAGES * page());
    CHECK_OK(memmap_evict(c, 0, 0));
    CHECK_OK(memmap_evict(a, 0, 0));
    /* Private pages are never discarded (MADV_DONTNEED would zero them). */
    for (i = 0; i < PAGES; i++) {
        unsigned char want;
        test_pattern(&want, i * page(), 1);
        CHECK_EQ(p[i * page()], (i % 2 == 0) ? (unsigned char)(want ^ 0xFF) : want);
    }
    CHECK_EQ_U(test_pattern_mismatch(q, 0, PAGES * page()), (size_t)-1);
    /* ... and never reach the file. */
    CHECK_EQ(test_read_file(path, 0, &got, 1), 1);
    test_pattern(&i, 0, 0);
    {
        unsigned char want;
        test_pattern(&want, 0, 1);
        CHECK_EQ(got, want);
    }
    memmap_close(c);
    memmap_close(a);
}

TEST(evicted_shared_memory_stays_resident_without_swap)
{
#ifndef __linux__
    SKIP("checks the documented tmpfs result of Linux");
#else
    memmap_t *m;
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    unsigned long long swap = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "SwapTotal: %llu", &swap) == 1)
            break;
    if (f)
        fclose(f);
    if (swap != 0)
        SKIP("this machine has swap, where shared memory pages may go");
    REQUIRE_OK(memmap_shm_open(&m, test_shm_name("evict"), 64 * page(), MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(m), 0, 64 * page());
    CHECK_OK(memmap_evict(m, 0, 0));
    /* The object is its page cache: with nowhere to go, every page stays. */
    CHECK_EQ_U(resident_pages(m), 64);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 64 * page()), (size_t)-1);
    memmap_close(m);
    memmap_shm_unlink(test_shm_name("evict"));
#endif
}

TEST(a_device_map_reports_and_evicts)
{
#ifndef __linux__
    SKIP("maps /dev/zero, a Linux character device");
#else
    memmap_options opt = {0, 8 * 4096, 0};
    memmap_t *m;
    size_t n = 99;
    REQUIRE_OK(memmap_open(&m, "/dev/zero", MEMMAP_READ, &opt));
    CHECK_OK(memmap_residency(m, 0, 0, NULL, &n));
    CHECK(n <= 8);
    /* A device has no page cache to write back or drop: eviction is a no-op, not an error. */
    CHECK_OK(memmap_evict(m, 0, 0));
    CHECK_EQ(((unsigned char *)memmap_data(m))[100], 0);
    memmap_close(m);
#endif
}

/* --- Huge pages ------------------------------------------------------------ */

#ifdef _WIN32
#  include <psapi.h>
/* Whether the page at p is a large page, as QueryWorkingSetEx reports it. */
static int large_page_at(void *p)
{
    typedef BOOL (WINAPI *query_fn)(HANDLE, PVOID, DWORD);
    query_fn query = (query_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                                "K32QueryWorkingSetEx");
    PSAPI_WORKING_SET_EX_INFORMATION info;
    info.VirtualAddress = p;
    return query && query(GetCurrentProcess(), &info, sizeof info) && info.VirtualAttributes.Valid &&
           info.VirtualAttributes.LargePage;
}
#endif

#ifdef __linux__
/* Whether the THP setting in file selects a mode that honours MADV_HUGEPAGE. */
static int thp_mode_allows(const char *file)
{
    char path[128], line[160], *mode;
    FILE *f;
    snprintf(path, sizeof path, "/sys/kernel/mm/transparent_hugepage/%s", file);
    if (!(f = fopen(path, "r")))
        return 0;
    mode = fgets(line, sizeof line, f) ? strchr(line, '[') : NULL;
    fclose(f);
    return mode && strncmp(mode, "[never]", 7) != 0 && strncmp(mode, "[deny]", 6) != 0;
}

/* kB of AnonHugePages in the mapping that holds addr, from /proc/self/smaps. */
static long anon_huge_kb(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[256];
    int inside = 0;
    long kb = -1;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
            continue;
        }
        if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    }
    if (f)
        fclose(f);
    return kb;
}
#endif

TEST(huge_is_kept_only_when_granted)
{
    size_t len = 16u << 20;
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, len, MEMMAP_HUGE | MEMMAP_POPULATE));
#ifdef __linux__
    if (thp_mode_allows("enabled")) {
        long kb;
        CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_WRITE | MEMMAP_HUGE);
        /* Granted means used: some of the populated memory sits in huge pages.
         * (The kernel may fall back to small pages when memory is fragmented.) */
        kb = anon_huge_kb(memmap_data(m));
        CHECK(kb > 0);
    } else {
        CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_WRITE);
    }
#elif defined(_WIN32)
    /* Granted exactly when the memory manager reports large pages (it does not
     * under Wine, nor without SeLockMemoryPrivilege). */
    ((volatile unsigned char *)memmap_data(m))[0];
    CHECK_EQ(!!(memmap_flags(m) & MEMMAP_HUGE), large_page_at(memmap_data(m)));
#else
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_WRITE);
#endif
    /* Huge or not, it is ordinary zeroed memory. */
    CHECK_EQ(((unsigned char *)memmap_data(m))[len - 1], 0);
    ((unsigned char *)memmap_data(m))[len - 1] = 5;
    CHECK_OK(memmap_resize(m, len / 2, 0));
    memmap_close(m);
}

TEST(huge_is_refused_where_it_cannot_be)
{
    memmap_t *small, *empty, *shared;
    REQUIRE_OK(memmap_anon(&small, page(), MEMMAP_HUGE));
    REQUIRE_OK(memmap_anon(&empty, 0, MEMMAP_HUGE));
    CHECK_EQ_U(memmap_flags(small), MEMMAP_READ | MEMMAP_WRITE);
    CHECK_EQ_U(memmap_flags(empty), MEMMAP_READ | MEMMAP_WRITE);
    REQUIRE_OK(memmap_anon(&shared, 8u << 20, MEMMAP_HUGE | MEMMAP_SHARED));
#ifdef __linux__
    /* Shared anonymous memory is shmem, with its own THP setting. */
    CHECK_EQ(!!(memmap_flags(shared) & MEMMAP_HUGE), thp_mode_allows("shmem_enabled"));
#elif defined(_WIN32)
    ((volatile unsigned char *)memmap_data(shared))[0];
    CHECK_EQ(!!(memmap_flags(shared) & MEMMAP_HUGE), large_page_at(memmap_data(shared)));
#else
    CHECK_EQ_U(memmap_flags(shared) & MEMMAP_HUGE, 0);
#endif
    memmap_close(small);
    memmap_close(empty);
    memmap_close(shared);
}

TEST(huge_is_only_for_anonymous_memory)
{
    memmap_t *m = (memmap_t *)1;
    memmap_options opt = {0, 100, 0};
    CHECK_CODE(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_HUGE, &opt), MEMMAP_EINVAL);
    CHECK(m == NULL);
    CHECK_CODE(memmap_shm_open(&m, test_shm_name("h"), 4096, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_HUGE),
               MEMMAP_EINVAL);
    CHECK(m == NULL);
}

TEST(huge_page_advice_is_accepted)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 4u << 20, 0));
    CHECK_OK(memmap_advise(m, 0, 0, MEMMAP_ADVICE_HUGEPAGE));
    CHECK_OK(memmap_advise(m, page(), page(), MEMMAP_ADVICE_NOHUGEPAGE));
    CHECK_CODE(memmap_advise(m, 0, 0, MEMMAP_ADVICE_NOHUGEPAGE + 1), MEMMAP_EINVAL);
    ((unsigned char *)memmap_data(m))[0] = 1;
    CHECK_EQ(((unsigned char *)memmap_data(m))[0], 1);
    memmap_close(m);
}
