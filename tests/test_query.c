/* SPDX-License-Identifier: MIT */
/* The functions for bindings: memmap_file_size, memmap_move, memmap_find, memmap_shm_check_name. */
#include "harness.h"

#include <stdlib.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <unistd.h>
#endif

TEST(file_size_follows_the_file_not_the_map)
{
    memmap_options opt = {100, 50, 0};
    memmap_t *m, *other;
    uint64_t size = 0;
    REQUIRE_OK(memmap_open(&m, test_pattern_file("f", 1000), MEMMAP_READ, &opt));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 1000);
    /* Another map grows the file: the first map's size stays, the file's changes. */
    REQUIRE_OK(memmap_open(&other, test_path("f"), MEMMAP_WRITE, NULL));
    REQUIRE_OK(memmap_resize(other, 5000, 0));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 5000);
    CHECK_EQ_U(memmap_size(m), 50);
    memmap_close(other);
    memmap_close(m);
}

TEST(file_size_of_an_empty_file)
{
    memmap_t *m;
    uint64_t size = 1;
    REQUIRE(test_write_file(test_path("empty"), "", 0) == 0);
    REQUIRE_OK(memmap_open(&m, test_path("empty"), MEMMAP_READ, NULL));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 0);
    memmap_close(m);
}

TEST(file_size_of_anonymous_memory_is_its_length)
{
    memmap_t *m;
    uint64_t size = 0;
    REQUIRE_OK(memmap_anon(&m, 12345, 0));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 12345);
    REQUIRE_OK(memmap_resize(m, 100, 0));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 100);
    memmap_close(m);
}

TEST(file_size_of_shared_memory_is_the_object_size)
{
    const char *name = test_shm_name("query");
    memmap_t *m;
    uint64_t size = 0;
    REQUIRE_OK(memmap_shm_open(&m, name, 8192, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    CHECK_OK(memmap_file_size(m, &size));
    CHECK_EQ_U(size, 8192);
    memmap_close(m);
    memmap_shm_unlink(name);
}

TEST(file_size_rejects_null_arguments)
{
    memmap_t *m;
    uint64_t size;
    CHECK_CODE(memmap_file_size(NULL, &size), MEMMAP_EINVAL);
    REQUIRE_OK(memmap_anon(&m, 10, 0));
    CHECK_CODE(memmap_file_size(m, NULL), MEMMAP_EINVAL);
    memmap_close(m);
}

/* --- memmap_file_length ------------------------------------------------------ */

#ifdef _WIN32
static memmap_file_t open_for_reading(const char *path)
{
    /* FILE_FLAG_BACKUP_SEMANTICS lets CreateFile open directories too. */
    return CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                       FILE_FLAG_BACKUP_SEMANTICS, NULL);
}
static void close_file(memmap_file_t f) { CloseHandle(f); }
#else
static memmap_file_t open_for_reading(const char *path) { return open(path, O_RDONLY); }
static void close_file(memmap_file_t f) { close(f); }
#endif

TEST(file_length_of_open_files)
{
    memmap_file_t f = open_for_reading(test_pattern_file("f", 12345)), e, d;
    uint64_t size = 0;
    REQUIRE(test_write_file(test_path("empty"), "", 0) == 0);
    e = open_for_reading(test_path("empty"));
    d = open_for_reading(test_dir());
    CHECK_OK(memmap_file_length(f, &size));
    CHECK_EQ_U(size, 12345);
    CHECK_OK(memmap_file_length(e, &size));
    CHECK_EQ_U(size, 0);
    CHECK_CODE(memmap_file_length(d, &size), MEMMAP_EISDIR);
    CHECK_CODE(memmap_file_length(f, NULL), MEMMAP_EINVAL);
    close_file(f);
    close_file(e);
    close_file(d);
}

TEST(file_length_of_what_has_none)
{
    uint64_t size;
#ifdef _WIN32
    HANDLE r, w;
    REQUIRE(CreatePipe(&r, &w, NULL, 0));
    CHECK_CODE(memmap_file_length(r, &size), MEMMAP_ENODEV);
    CloseHandle(r);
    CloseHandle(w);
    CHECK_CODE(memmap_file_length(INVALID_HANDLE_VALUE, &size), MEMMAP_EBADF);
    CHECK_CODE(memmap_file_length(NULL, &size), MEMMAP_EBADF);
#else
    int fds[2], null_fd;
    REQUIRE(pipe(fds) == 0);
    CHECK_CODE(memmap_file_length(fds[0], &size), MEMMAP_ENODEV);
    close(fds[0]);
    close(fds[1]);
    null_fd = open("/dev/null", O_RDONLY);
    REQUIRE(null_fd >= 0);
    CHECK_CODE(memmap_file_length(null_fd, &size), MEMMAP_ENOTSUP); /* a device: no size */
    close(null_fd);
    CHECK_CODE(memmap_file_length(-1, &size), MEMMAP_EBADF);
    CHECK_CODE(memmap_file_length(1 << 20, &size), MEMMAP_EBADF);
#endif
}

/* --- memmap_move ------------------------------------------------------------ */

static memmap_t *pattern_anon(size_t length)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, length, 0));
    test_pattern(memmap_data(m), 0, length);
    return m;
}

TEST(move_overlapping_both_ways_as_memmove)
{
    size_t len = 3 * 1024 * 1024 + 17; /* several bounce-buffer chunks */
    memmap_t *m = pattern_anon(len);
    unsigned char *expect = malloc(len), *p = memmap_data(m);
    REQUIRE(expect != NULL);
    test_pattern(expect, 0, len);
    memmove(expect + 1000, expect, len - 1000);
    CHECK_OK(memmap_move(m, 1000, 0, len - 1000)); /* destination above the source */
    CHECK(memcmp(p, expect, len) == 0);
    memmove(expect, expect + 12345, len - 12345);
    CHECK_OK(memmap_move(m, 0, 12345, len - 12345)); /* below */
    CHECK(memcmp(p, expect, len) == 0);
    CHECK_OK(memmap_move(m, 5, 5, 100));
    CHECK_OK(memmap_move(m, 0, 1, 0));
    CHECK(memcmp(p, expect, len) == 0);
    free(expect);
    memmap_close(m);
}

TEST(move_checks_its_arguments)
{
    memmap_t *m = pattern_anon(100), *r;
    CHECK_CODE(memmap_move(NULL, 0, 0, 1), MEMMAP_EINVAL);
    CHECK_CODE(memmap_move(m, 50, 0, 51), MEMMAP_ERANGE);
    CHECK_CODE(memmap_move(m, 0, 50, 51), MEMMAP_ERANGE);
    CHECK_CODE(memmap_move(m, 101, 0, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_move(m, (size_t)-1, 0, 2), MEMMAP_ERANGE);
    CHECK_OK(memmap_move(m, 100, 0, 0));
    REQUIRE_OK(memmap_open(&r, test_pattern_file("f", 100), MEMMAP_READ, NULL));
    CHECK_CODE(memmap_move(r, 0, 1, 10), MEMMAP_EACCES);
    memmap_close(r);
    memmap_close(m);
}

/* Under valgrind the deliberate faults below are reported as errors. */
static int can_fault_on_purpose(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return !(preload && strstr(preload, "vgpreload"));
}

TEST(move_of_a_page_that_faults_is_eio)
{
    size_t page = memmap_page_size();
    memmap_t *m;
    if (!can_fault_on_purpose())
        SKIP("valgrind reports the deliberate access to a protected page as an error");
    m = pattern_anon(4 * page);
    REQUIRE_OK(memmap_protect(m, 2 * page, page, MEMMAP_NONE));
    CHECK_CODE(memmap_move(m, 0, page, 2 * page), MEMMAP_EIO);
    CHECK_CODE(memmap_move(m, 2 * page, 0, 10), MEMMAP_EIO);
    REQUIRE_OK(memmap_protect(m, 2 * page, page, MEMMAP_READ | MEMMAP_WRITE));
    CHECK_OK(memmap_move(m, 0, page, 2 * page)); /* the map works again */
    memmap_close(m);
}

/* --- memmap_find ------------------------------------------------------------- */

TEST(find_forwards_and_backwards)
{
    static const char text[] = "one two ones two one";
    memmap_t *m;
    size_t at = 0, n = sizeof text - 1;
    REQUIRE_OK(memmap_anon(&m, n, 0));
    memcpy(memmap_data(m), text, n);
    CHECK_OK(memmap_find(m, 0, n, "one", 3, 0, &at));
    CHECK_EQ_U(at, 0);
    CHECK_OK(memmap_find(m, 1, n - 1, "one", 3, 0, &at));
    CHECK_EQ_U(at, 8);
    CHECK_OK(memmap_find(m, 0, n, "one", 3, 1, &at));
    CHECK_EQ_U(at, 17);
    CHECK_OK(memmap_find(m, 0, n - 1, "one", 3, 1, &at)); /* the last one no longer fits */
    CHECK_EQ_U(at, 8);
    CHECK_OK(memmap_find(m, 0, n, "three", 5, 0, &at));
    CHECK_EQ_U(at, SIZE_MAX);
    CHECK_OK(memmap_find(m, 0, 2, "one", 3, 0, &at)); /* longer than the range */
    CHECK_EQ_U(at, SIZE_MAX);
    CHECK_OK(memmap_find(m, 5, 3, "", 0, 0, &at)); /* the empty needle: at either end */
    CHECK_EQ_U(at, 5);
    CHECK_OK(memmap_find(m, 5, 3, NULL, 0, 1, &at));
    CHECK_EQ_U(at, 8);
    memmap_close(m);
}

TEST(find_across_window_boundaries)
{
    /* Needles placed where consecutive 1 MiB windows meet, and one longer than a window. */
    size_t len = 5 * 1024 * 1024, at = 0, big = 1024 * 1024 + 3;
    memmap_t *m;
    unsigned char *p, *needle = malloc(big);
    REQUIRE(needle != NULL);
    REQUIRE_OK(memmap_anon(&m, len, 0));
    p = memmap_data(m);
    memcpy(p + 1024 * 1024 - 2, "NEEDLE", 6);
    memcpy(p + 4 * 1024 * 1024 - 3, "NEEDLE", 6);
    CHECK_OK(memmap_find(m, 0, len, "NEEDLE", 6, 0, &at));
    CHECK_EQ_U(at, 1024 * 1024 - 2);
    CHECK_OK(memmap_find(m, 0, len, "NEEDLE", 6, 1, &at));
    CHECK_EQ_U(at, 4 * 1024 * 1024 - 3);
    /* "N" and a megabyte of zeros: only the lone N at 2 MiB - 1 has them after it. */
    memset(needle, 0, big);
    needle[0] = 'N';
    p[2 * 1024 * 1024 - 1] = 'N';
    CHECK_OK(memmap_find(m, 0, len, needle, big, 0, &at));
    CHECK_EQ_U(at, 2 * 1024 * 1024 - 1);
    CHECK_OK(memmap_find(m, 0, len, needle, big, 1, &at));
    CHECK_EQ_U(at, 2 * 1024 * 1024 - 1);
    free(needle);
    memmap_close(m);
}

TEST(find_checks_its_arguments)
{
    memmap_t *m = pattern_anon(100);
    size_t at;
    CHECK_CODE(memmap_find(NULL, 0, 1, "a", 1, 0, &at), MEMMAP_EINVAL);
    CHECK_CODE(memmap_find(m, 0, 1, "a", 1, 0, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_find(m, 0, 1, NULL, 1, 0, &at), MEMMAP_EINVAL);
    CHECK_CODE(memmap_find(m, 50, 51, "a", 1, 0, &at), MEMMAP_ERANGE);
    CHECK_CODE(memmap_find(m, 101, 0, "a", 1, 0, &at), MEMMAP_ERANGE);
    memmap_close(m);
}

TEST(find_near_a_page_that_faults)
{
    size_t page = memmap_page_size(), at = 0;
    memmap_t *m;
    unsigned char *p;
    if (!can_fault_on_purpose())
        SKIP("valgrind reports the deliberate access to a protected page as an error");
    REQUIRE_OK(memmap_anon(&m, 4 * page, 0));
    p = memmap_data(m);
    memcpy(p + page + 10, "HERE", 4);
    REQUIRE_OK(memmap_protect(m, 3 * page, page, MEMMAP_NONE));
    /* Forwards, the match before the fault is found; past it, the fault is the answer. */
    CHECK_OK(memmap_find(m, 0, 4 * page, "HERE", 4, 0, &at));
    CHECK_EQ_U(at, page + 10);
    CHECK_CODE(memmap_find(m, 0, 4 * page, "GONE", 4, 0, &at), MEMMAP_EIO);
    /* Backwards the faulting page comes first. */
    CHECK_CODE(memmap_find(m, 0, 4 * page, "HERE", 4, 1, &at), MEMMAP_EIO);
    CHECK_OK(memmap_find(m, 0, 3 * page, "HERE", 4, 1, &at));
    CHECK_EQ_U(at, page + 10);
    memmap_close(m);
}

/* --- memmap_shm_check_name ----------------------------------------------------- */

TEST(shm_name_rule)
{
    char longest[MEMMAP_SHM_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[MEMMAP_SHM_NAME_MAX] = '\0';
    CHECK_OK(memmap_shm_check_name("jobs"));
    CHECK_OK(memmap_shm_check_name("A-z_0.9"));
    CHECK_OK(memmap_shm_check_name("..."));
    CHECK_OK(memmap_shm_check_name(longest));
    longest[MEMMAP_SHM_NAME_MAX] = 'a';
    longest[MEMMAP_SHM_NAME_MAX + 1] = '\0';
    CHECK_CODE(memmap_shm_check_name(longest), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name(NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name(""), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name("."), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name(".."), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name("a/b"), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name("caf\xc3\xa9"), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_check_name("a b"), MEMMAP_EINVAL);
}
