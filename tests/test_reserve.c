/* SPDX-License-Identifier: MIT */
/*
 * memmap_reserve and memmap_capacity: a map that grows and shrinks inside its
 * capacity keeps its address, leaves the bytes in use alone, allocates file
 * blocks as it grows, gives cut pages back, and fails without a trace.
 *
 * On Windows, reserving a file or shared memory needs placeholders; where the
 * system lacks them (Wine 8) memmap_reserve is MEMMAP_ENOTSUP, which
 * reserve_or_skip asserts when the test stage says placeholders are missing.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  define WIN32_LEAN_AND_MEAN
#  include <windows.h>
#else
#  include <sys/mman.h>
#  include <unistd.h>
#endif

static size_t page(void) { return memmap_page_size(); }
static size_t granule(void) { return memmap_granularity(); }

/* The map's kind, for messages and for the Windows placeholder rule. */
enum kind { FILE_MAP, ANON_MAP, SHM_MAP };

/*
 * Reserves capacity for m.  Windows without placeholders refuses file and
 * shared memory maps with MEMMAP_ENOTSUP: asserted when the stage says so
 * (MEMMAP_TEST_WINE_PLACEHOLDERS=0), then the case skips.
 */
static void reserve_or_skip(memmap_t *m, enum kind kind, size_t capacity, unsigned flags)
{
    int rc = memmap_reserve(m, capacity, flags);
#ifdef _WIN32
    const char *expect = getenv("MEMMAP_TEST_WINE_PLACEHOLDERS");
    if (kind != ANON_MAP && rc == MEMMAP_ENOTSUP && (!expect || strcmp(expect, "1") != 0)) {
        memmap_close(m);
        SKIP("this Windows has no placeholders: reserving a file or shared memory map is MEMMAP_ENOTSUP "
             "(test_win32_reserve asserts it)");
    }
#else
    (void)kind;
#endif
    if (rc != 0)
        memmap_close(m);
    REQUIRE_OK(rc);
}

static memmap_t *open_file(const char *name, size_t length, unsigned flags)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    opt.length = length;
    REQUIRE_OK(memmap_open(&m, test_path(name), MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | flags, &opt));
    return m;
}

static memmap_t *make_map(enum kind kind, size_t length)
{
    memmap_t *m = NULL;
    switch (kind) {
    case FILE_MAP:
        return open_file("f", length, 0);
    case ANON_MAP:
        REQUIRE_OK(memmap_anon(&m, length, 0));
        return m;
    default:
        memmap_shm_unlink(test_shm_name("r"));
        REQUIRE_OK(memmap_shm_open(&m, test_shm_name("r"), length, MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE));
        return m;
    }
}

static void close_map(enum kind kind, memmap_t *m)
{
    CHECK_OK(memmap_close(m));
    if (kind == SHM_MAP)
        memmap_shm_unlink(test_shm_name("r"));
}

/* Whether the first byte at p can be read now, asked without touching it. */
static int accessible(const void *p)
{
#ifdef _WIN32
    MEMORY_BASIC_INFORMATION info;
    if (VirtualQuery(p, &info, sizeof info) == 0 || info.State != MEM_COMMIT)
        return 0;
    return !(info.Protect & (PAGE_NOACCESS | PAGE_GUARD));
#elif defined(__linux__)
    /* The kernel's own list of this process's mappings and their protection. */
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512], perms[8];
    unsigned long long start, end, at = (unsigned long long)(uintptr_t)p;
    int readable = 0;
    if (!maps)
        return -1;
    while (fgets(line, sizeof line, maps))
        if (sscanf(line, "%llx-%llx %7s", &start, &end, perms) == 3 && start <= at && at < end)
            readable = perms[0] == 'r';
    fclose(maps);
    return readable;
#else
    /* A pipe write reads the byte in the kernel: EFAULT, not a signal, when it cannot. */
    int fds[2], ok;
    char c;
    if (pipe(fds) != 0)
        return -1;
    ok = write(fds[1], p, 1) == 1;
    if (ok)
        (void)!read(fds[0], &c, 1);
    close(fds[0]);
    close(fds[1]);
    return ok;
#endif
}

/* --- Capacity ------------------------------------------------------------- */

TEST(capacity_of_unreserved_map_is_its_size)
{
    memmap_t *m = make_map(FILE_MAP, 1000);
    CHECK_EQ_U(memmap_capacity(m), 1000);
    CHECK_OK(memmap_resize(m, 5000, 0));
    CHECK_EQ_U(memmap_capacity(m), 5000);
    CHECK_OK(memmap_resize(m, 10, 0));
    CHECK_EQ_U(memmap_capacity(m), 10);
    memmap_close(m);
    REQUIRE_OK(memmap_anon(&m, 0, 0));
    CHECK_EQ_U(memmap_capacity(m), 0);
    memmap_close(m);
    CHECK_EQ_U(memmap_capacity(NULL), 0);
}

TEST(reserve_rejects_bad_arguments)
{
    memmap_t *m = make_map(ANON_MAP, page());
    void *data = memmap_data(m);
    CHECK_CODE(memmap_reserve(NULL, 100, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_reserve(m, 100 * page(), MEMMAP_TRUNCATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_reserve(m, 100 * page(), 0x80000000u), MEMMAP_EINVAL);
    CHECK_CODE(memmap_reserve(m, SIZE_MAX, 0), MEMMAP_ENOMEM);
    CHECK_CODE(memmap_reserve(m, TEST_LENGTH_PAST_ADDRESS_SPACE, 0), MEMMAP_ENOMEM);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_capacity(m), page());
    memmap_close(m);
}

TEST(reserve_not_above_capacity_changes_nothing)
{
    memmap_t *m = make_map(ANON_MAP, 3 * page());
    void *data = memmap_data(m);
    CHECK_OK(memmap_reserve(m, page(), 0));
    CHECK_OK(memmap_reserve(m, 3 * page(), MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_capacity(m), 3 * page());
    CHECK_OK(memmap_reserve(m, 64 * page(), 0));
    data = memmap_data(m);
    CHECK(memmap_capacity(m) >= 64 * page());
    CHECK_OK(memmap_reserve(m, 8 * page(), MEMMAP_NOMOVE));
    CHECK(memmap_capacity(m) >= 64 * page());
    CHECK(memmap_data(m) == data);
    memmap_close(m);
}

/* --- Growing and shrinking inside the capacity ----------------------------- */

/* Grows and shrinks a map of kind inside a capacity, checking at each step
 * that the address stays, the old bytes stay, and the new ones are there. */
static void grow_and_shrink_in_place(enum kind kind)
{
    size_t capacity = 40 * page() + 123, len = page() / 2, steps[] = {
        3 * page(), 3 * page() + 1, 17 * page() - 5, 2 * page(), 40 * page() + 123, 1, 9 * page(),
    };
    memmap_t *m = make_map(kind, len);
    unsigned char *data, *buf = malloc(capacity);
    size_t i, filled = len, written = len;

    REQUIRE(buf != NULL);
    test_pattern(memmap_data(m), 0, len);
    reserve_or_skip(m, kind, capacity, 0);
    data = memmap_data(m);
    CHECK(memmap_capacity(m) >= capacity);
    CHECK_EQ_U(memmap_size(m), len);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, len), (size_t)-1);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        size_t n = steps[i];
        REQUIRE_OK(memmap_resize(m, n, MEMMAP_NOMOVE));
        CHECK(memmap_data(m) == data);
        CHECK_EQ_U(memmap_size(m), n);
        /* What was written and kept is still there; fill the rest. */
        CHECK_EQ_U(test_pattern_mismatch(data, 0, n < filled ? n : filled), (size_t)-1);
        if (n > filled) {
            /* A file keeps what a shrink cut off (no TRUNCATE); anonymous
             * memory comes back zeroed, as do file bytes never written. */
            size_t kept = kind == ANON_MAP ? filled : (written < n ? written : n);
            if (kept > filled)
                CHECK_EQ_U(test_pattern_mismatch(data + filled, filled, kept - filled), (size_t)-1);
            memset(buf, 0, n - kept);
            CHECK(memcmp(data + kept, buf, n - kept) == 0);
            test_pattern(data + filled, filled, n - filled);
        }
        filled = n;
        if (n > written)
            written = n;
        if (kind == FILE_MAP)
            CHECK(test_file_size(test_path("f")) >= (long long)n);
    }
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    if (kind == FILE_MAP) {
        /* The file has what the map wrote, at the right offsets. */
        REQUIRE(test_read_file(test_path("f"), 0, buf, filled) == (long long)filled);
        CHECK_EQ_U(test_pattern_mismatch(buf, 0, filled), (size_t)-1);
    }
    close_map(kind, m);
    free(buf);
}

TEST(file_grows_and_shrinks_in_place) { grow_and_shrink_in_place(FILE_MAP); }
TEST(anon_grows_and_shrinks_in_place) { grow_and_shrink_in_place(ANON_MAP); }
TEST(shm_grows_and_shrinks_in_place)
{
#ifdef _WIN32
    SKIP("a Windows shared memory object cannot grow (test_win32_reserve shrinks one in place)");
#endif
    grow_and_shrink_in_place(SHM_MAP);
}

TEST(reserve_keeps_contents_and_size)
{
    memmap_t *m = make_map(FILE_MAP, 5 * page() + 7);
    test_pattern(memmap_data(m), 0, 5 * page() + 7);
    reserve_or_skip(m, FILE_MAP, 1 << 20, 0);
    CHECK_EQ_U(memmap_size(m), 5 * page() + 7);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 5 * page() + 7), (size_t)-1);
    /* The file did not grow: only address space was reserved. */
    CHECK_EQ(test_file_size(test_path("f")), (long long)(5 * page() + 7));
    memmap_close(m);
}

TEST(reserve_keeps_private_changes_of_copy_map)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    unsigned char *data;
    REQUIRE(test_write_file(test_path("c"), "0123456789", 10) == 0);
    REQUIRE_OK(memmap_open(&m, test_path("c"), MEMMAP_COPY, &opt));
    ((unsigned char *)memmap_data(m))[3] = 'x';
    reserve_or_skip(m, FILE_MAP, 64 * page(), 0);
    data = memmap_data(m);
    CHECK(memcmp(data, "012x456789", 10) == 0);
    /* A COPY map may not grow past the file. */
    CHECK_CODE(memmap_resize(m, 11, 0), MEMMAP_ERANGE);
    CHECK_OK(memmap_resize(m, 4, 0));
    CHECK(memmap_data(m) == data);
    CHECK(memcmp(data, "012x", 4) == 0);
    memmap_close(m);
}

TEST(read_only_map_cannot_grow_past_the_file)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    REQUIRE(test_write_file(test_path("r"), "abcdef", 6) == 0);
    REQUIRE_OK(memmap_open(&m, test_path("r"), MEMMAP_READ, &opt));
    reserve_or_skip(m, FILE_MAP, 16 * page(), 0);
    CHECK_CODE(memmap_resize(m, 7, 0), MEMMAP_ERANGE);
    CHECK_OK(memmap_resize(m, 2, 0));
    CHECK_OK(memmap_resize(m, 6, 0));
    CHECK(memcmp(memmap_data(m), "abcdef", 6) == 0);
    CHECK_EQ(test_file_size(test_path("r")), 6);
    memmap_close(m);
}

TEST(file_map_at_an_offset_grows_in_place)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    unsigned char *data;
    size_t len = 3 * granule();
    opt.offset = granule() + 100; /* slack before the data */
    opt.length = 50;
    REQUIRE_OK(memmap_open(&m, test_path("o"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), opt.offset, 50);
    reserve_or_skip(m, FILE_MAP, len, 0);
    data = memmap_data(m);
    REQUIRE_OK(memmap_resize(m, len, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, opt.offset, 50), (size_t)-1);
    test_pattern(data + 50, opt.offset + 50, len - 50);
    CHECK_EQ(test_file_size(test_path("o")), (long long)(opt.offset + len));
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    memmap_close(m);
    {
        unsigned char *buf = malloc(len);
        REQUIRE(buf != NULL);
        REQUIRE(test_read_file(test_path("o"), opt.offset, buf, len) == (long long)len);
        CHECK_EQ_U(test_pattern_mismatch(buf, opt.offset, len), (size_t)-1);
        free(buf);
    }
}

TEST(shrink_gives_pages_back)
{
    memmap_t *m = make_map(ANON_MAP, 8 * page());
    unsigned char *data;
    reserve_or_skip(m, ANON_MAP, 32 * page(), 0);
    data = memmap_data(m);
    memset(data, 0xAB, 8 * page());
    CHECK_OK(memmap_resize(m, 2 * page(), 0));
    /* The cut pages are address space again: not accessible, and new memory
     * (zero) once the map grows back over them. */
    CHECK_EQ(accessible(data + 2 * page()), 0);
    CHECK_EQ(accessible(data + 7 * page()), 0);
    CHECK_EQ(accessible(data + 2 * page() - 1), 1);
    CHECK_EQ(accessible(data + 20 * page()), 0);
    CHECK_OK(memmap_resize(m, 8 * page(), MEMMAP_NOMOVE));
    CHECK(data[2 * page() - 1] == 0xAB);
    CHECK(data[2 * page()] == 0 && data[8 * page() - 1] == 0);
    memmap_close(m);
}

TEST(cut_anonymous_bytes_read_zero_inside_a_page)
{
    memmap_t *m = make_map(ANON_MAP, page());
    unsigned char *data;
    reserve_or_skip(m, ANON_MAP, 4 * page(), 0);
    data = memmap_data(m);
    memset(data, 0x5A, page());
    CHECK_OK(memmap_resize(m, 10, 0));
    CHECK_OK(memmap_resize(m, 3 * page(), 0));
    CHECK(data[9] == 0x5A && data[10] == 0 && data[page() - 1] == 0);
    memmap_close(m);
}

TEST(truncate_inside_capacity_cuts_the_file)
{
    memmap_t *m = make_map(FILE_MAP, 10 * page());
    unsigned char *data;
    reserve_or_skip(m, FILE_MAP, 20 * page(), 0);
    data = memmap_data(m);
    test_pattern(data, 0, 10 * page());
    CHECK_OK(memmap_resize(m, 3 * page() + 5, MEMMAP_TRUNCATE | MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ(test_file_size(test_path("f")), (long long)(3 * page() + 5));
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 3 * page() + 5), (size_t)-1);
    /* Grown again, the cut part is new zero bytes of the file. */
    CHECK_OK(memmap_resize(m, 12 * page(), MEMMAP_NOMOVE));
    CHECK(data[3 * page() + 5] == 0 && data[12 * page() - 1] == 0);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 3 * page() + 5), (size_t)-1);
    memmap_close(m);
}

TEST(shrink_keeps_the_file_without_truncate)
{
    memmap_t *m = make_map(FILE_MAP, 6 * page());
    unsigned char *data;
    reserve_or_skip(m, FILE_MAP, 20 * page(), 0);
    data = memmap_data(m);
    test_pattern(data, 0, 6 * page());
    CHECK_OK(memmap_resize(m, page(), 0));
    CHECK_EQ(test_file_size(test_path("f")), (long long)(6 * page()));
    /* The file still has the bytes, and the map sees them again. */
    CHECK_OK(memmap_resize(m, 6 * page(), MEMMAP_NOMOVE));
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 6 * page()), (size_t)-1);
    memmap_close(m);
}

/* --- Past the capacity ----------------------------------------------------- */

TEST(resize_past_capacity_takes_a_new_reservation)
{
    memmap_t *m = make_map(ANON_MAP, page());
    unsigned char *data;
    reserve_or_skip(m, ANON_MAP, 4 * page(), 0);
    test_pattern(memmap_data(m), 0, page());
    CHECK_OK(memmap_resize(m, 100 * page(), 0));
    data = memmap_data(m);
    CHECK(memmap_capacity(m) >= 100 * page());
    CHECK_EQ_U(test_pattern_mismatch(data, 0, page()), (size_t)-1);
    /* And the new capacity holds in place. */
    CHECK_OK(memmap_resize(m, 2 * page(), MEMMAP_NOMOVE));
    CHECK_OK(memmap_resize(m, 100 * page(), MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    memmap_close(m);
}

TEST(empty_map_gets_room_and_grows_in_place)
{
    memmap_t *m = make_map(FILE_MAP, 0);
    unsigned char *data;
    CHECK_EQ_U(memmap_size(m), 0);
    /* The data of an empty map is a placeholder pointer: giving it room moves it. */
    CHECK_CODE(memmap_reserve(m, 10 * page(), MEMMAP_NOMOVE), MEMMAP_EBUSY);
    reserve_or_skip(m, FILE_MAP, 10 * page(), 0);
    data = memmap_data(m);
    CHECK(data != NULL);
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK_OK(memmap_resize(m, 5 * page(), MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    memset(data, 7, 5 * page());
    CHECK_OK(memmap_resize(m, 0, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_OK(memmap_resize(m, 5 * page(), MEMMAP_NOMOVE));
    CHECK(data[5 * page() - 1] == 7);
    memmap_close(m);
}

/* Puts something of another owner right after the map's pages: the room a
 * reservation in place would need.  NULL when the address was not free:
 * something else holds it already, which blocks the map just as well. */
static void *occupy_after(void *end, size_t len)
{
#ifdef _WIN32
    return VirtualAlloc(end, len, MEM_RESERVE, PAGE_NOACCESS);
#else
    void *p = mmap(end, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (p != end) {
        munmap(p, len);
        return NULL;
    }
    return p;
#endif
}

static void release(void *p, size_t len)
{
#ifdef _WIN32
    (void)len;
    VirtualFree(p, 0, MEM_RELEASE);
#else
    munmap(p, len);
#endif
}

TEST(reserve_nomove_where_the_room_is_taken_is_ebusy)
{
    memmap_t *m = make_map(ANON_MAP, granule());
    unsigned char *data = memmap_data(m);
    void *blocker = occupy_after(data + granule(), granule());
    data[0] = 42;
    CHECK_CODE(memmap_reserve(m, 8 * granule(), MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_capacity(m), granule());
    CHECK_CODE(memmap_resize(m, 2 * granule(), MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK_EQ_U(memmap_size(m), granule());
    /* Without NOMOVE it moves, once, and keeps the contents. */
    CHECK_OK(memmap_reserve(m, 8 * granule(), 0));
    CHECK(((unsigned char *)memmap_data(m))[0] == 42);
    CHECK_OK(memmap_resize(m, 8 * granule(), MEMMAP_NOMOVE));
    if (blocker)
        release(blocker, granule());
    memmap_close(m);
}

TEST(nomove_past_capacity_fails_without_change)
{
    memmap_t *m = make_map(ANON_MAP, granule());
    unsigned char *data;
    void *blocker;
    reserve_or_skip(m, ANON_MAP, 2 * granule(), 0);
    data = memmap_data(m);
    blocker = occupy_after(data + 2 * granule(), granule());
    data[5] = 9;
    CHECK_CODE(memmap_resize(m, 3 * granule(), MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_size(m), granule());
    CHECK(memmap_capacity(m) >= 2 * granule());
    CHECK(data[5] == 9);
    if (blocker)
        release(blocker, granule());
    memmap_close(m);
}

/* --- Splits, failures, kinds ------------------------------------------------ */

TEST(resize_after_split_by_protect_advise_and_lock)
{
    memmap_t *m = make_map(FILE_MAP, 8 * page());
    unsigned char *data;
    reserve_or_skip(m, FILE_MAP, 64 * page(), 0);
    data = memmap_data(m);
    test_pattern(data, 0, 8 * page());
    CHECK_OK(memmap_protect(m, page(), page(), MEMMAP_READ));
    CHECK_OK(memmap_advise(m, 3 * page(), page(), MEMMAP_ADVICE_RANDOM));
    if (memmap_lock(m, 5 * page(), page()) == 0)
        CHECK_OK(memmap_unlock(m, 5 * page(), page()));
    CHECK_OK(memmap_resize(m, 30 * page(), MEMMAP_NOMOVE));
    CHECK_OK(memmap_resize(m, 6 * page(), MEMMAP_NOMOVE));
    CHECK_OK(memmap_resize(m, 64 * page(), MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 6 * page()), (size_t)-1);
    /* The protection the caller set on kept pages stays. */
    CHECK_CODE(memmap_probe(m, page(), page(), MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_OK(memmap_probe(m, 2 * page(), page(), MEMMAP_WRITE));
    memmap_close(m);
}

TEST(shared_anonymous_memory_shrinks_but_does_not_grow)
{
    memmap_t *m = NULL;
    unsigned char *data;
    REQUIRE_OK(memmap_anon(&m, 4 * page(), MEMMAP_SHARED));
    reserve_or_skip(m, ANON_MAP, 16 * page(), 0);
    data = memmap_data(m);
    data[0] = 1;
    CHECK_OK(memmap_resize(m, page(), MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data && data[0] == 1);
#ifndef _WIN32
    CHECK_CODE(memmap_resize(m, 2 * page(), MEMMAP_NOMOVE), MEMMAP_ENOTSUP);
    CHECK_EQ_U(memmap_size(m), page());
#endif
    memmap_close(m);
}

#ifdef __linux__
#  include <sys/mount.h>

#define TMPFS_SIZE (256 * 1024)

/* argv: a directory to mount a small tmpfs on. */
CHILD(growth_inside_capacity_on_full_disk)
{
    const char *why;
    char path[1200];
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    unsigned char *data;
    int rc;
    (void)argc;
    if ((why = mount_private(argv[0], "tmpfs", "size=256k,mode=0700", 0)) != NULL) {
        printf("%s\n", why);
        return 77;
    }
    snprintf(path, sizeof path, "%s/full", argv[0]);
    opt.length = 4096;
    if (memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, &opt) != 0 || memmap_reserve(m, 4 * TMPFS_SIZE, 0) != 0)
        return 2;
    data = memmap_data(m);
    data[0] = 1;
    /* The disk cannot hold it: ENOSPC now, the map and the file as they were. */
    rc = memmap_resize(m, 2 * TMPFS_SIZE, MEMMAP_NOMOVE);
    if (rc != MEMMAP_ENOSPC || memmap_size(m) != 4096 || test_file_size(path) != 4096 || data[0] != 1) {
        printf("resize past the disk: %s, size %zu, file %lld\n", memmap_errname(rc), memmap_size(m),
               test_file_size(path));
        return 1;
    }
    /* What fits is allocated now: every new byte can be written without SIGBUS. */
    if ((rc = memmap_resize(m, TMPFS_SIZE / 2, MEMMAP_NOMOVE)) != 0) {
        printf("resize within the disk: %s\n", memmap_errname(rc));
        return 1;
    }
    memset(data, 3, TMPFS_SIZE / 2);
    memmap_close(m);
    umount2(argv[0], MNT_DETACH);
    return 0;
}
#endif

TEST(growth_inside_capacity_allocates_or_fails_now)
{
#ifdef __linux__
    run_setup_child("growth_inside_capacity_on_full_disk", "the child could not mount a small tmpfs");
#else
    SKIP("mounting a small tmpfs is done on Linux only");
#endif
}

TEST(every_kind_reports_capacity_after_reserve)
{
    enum kind kinds[] = {FILE_MAP, ANON_MAP, SHM_MAP};
    size_t i;
    for (i = 0; i < 3; i++) {
        memmap_t *m = make_map(kinds[i], 3 * page());
        reserve_or_skip(m, kinds[i], 33 * page(), 0);
        CHECK(memmap_capacity(m) >= 33 * page());
        CHECK(memmap_capacity(m) < 33 * page() + granule());
        CHECK_EQ_U(memmap_size(m), 3 * page());
        close_map(kinds[i], m);
    }
}
