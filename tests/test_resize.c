/* SPDX-License-Identifier: MIT */
/* memmap_resize: growing, shrinking, keeping contents, NOMOVE, TRUNCATE, and failures that change nothing. */
#ifdef __linux__
#  define _GNU_SOURCE /* MAP_FIXED_NOREPLACE */
#endif
#include "harness.h"

#include <stdlib.h>

#ifdef __linux__
#  include <errno.h>
#  include <sys/mman.h>
#endif

static memmap_t *open_new(const char *name, size_t length, unsigned extra)
{
    memmap_options opt = {0, 0, 0};
    memmap_t *m;
    opt.length = length;
    REQUIRE_OK(memmap_open(&m, test_path(name), MEMMAP_WRITE | MEMMAP_CREATE | extra, &opt));
    return m;
}

TEST(grow_keeps_contents_and_grows_the_file)
{
    memmap_t *m = open_new("f", 10000, 0);
    test_pattern(memmap_data(m), 0, 10000);
    REQUIRE_OK(memmap_resize(m, 5u << 20, 0));
    CHECK_EQ_U(memmap_size(m), 5u << 20);
    CHECK_EQ(test_file_size(test_path("f")), 5 << 20);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 10000), (size_t)-1);
    CHECK_EQ(((unsigned char *)memmap_data(m))[(5u << 20) - 1], 0);
    ((unsigned char *)memmap_data(m))[(5u << 20) - 1] = 9;
    CHECK_OK(memmap_close(m));
}

TEST(shrink_keeps_the_file_unless_truncate)
{
    memmap_t *m = open_new("f", 100000, 0);
    test_pattern(memmap_data(m), 0, 100000);
    REQUIRE_OK(memmap_resize(m, 5000, 0));
    CHECK_EQ_U(memmap_size(m), 5000);
    CHECK_EQ(test_file_size(test_path("f")), 100000);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 5000), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 3000, MEMMAP_TRUNCATE));
    CHECK_EQ(test_file_size(test_path("f")), 3000);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 3000), (size_t)-1);
    /* Growing again reads the old bytes back: they were never cut from the file before TRUNCATE. */
    REQUIRE_OK(memmap_resize(m, 4000, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 3000), (size_t)-1);
    CHECK_EQ(((unsigned char *)memmap_data(m))[3500], 0);
    memmap_close(m);
}

TEST(resize_at_an_unaligned_offset)
{
    memmap_options opt = {70001, 10, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), 70001, 10);
    REQUIRE_OK(memmap_resize(m, 300000, 0));
    CHECK_EQ_U(memmap_offset(m), 70001);
    CHECK_EQ(test_file_size(test_path("f")), 370001);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 70001, 10), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 7, MEMMAP_TRUNCATE));
    CHECK_EQ(test_file_size(test_path("f")), 70008);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 70001, 7), (size_t)-1);
    memmap_close(m);
}

TEST(resize_to_zero_and_back)
{
    memmap_t *m = open_new("f", 8192, 0);
    test_pattern(memmap_data(m), 0, 8192);
    REQUIRE_OK(memmap_resize(m, 0, 0));
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK(memmap_data(m) != NULL);
    CHECK_EQ(test_file_size(test_path("f")), 8192);
    /* An empty map has no address to keep. */
    CHECK_CODE(memmap_resize(m, 100, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    REQUIRE_OK(memmap_resize(m, 8192, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 8192), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 0, MEMMAP_TRUNCATE));
    CHECK_EQ(test_file_size(test_path("f")), 0);
    memmap_close(m);
}

TEST(nomove_keeps_the_address_or_fails_with_ebusy)
{
    memmap_t *m = open_new("f", 4096, 0);
    void *before = memmap_data(m);
    int rc;
    /* Shrinking and growing within the mapped pages never move. */
    REQUIRE_OK(memmap_resize(m, 100, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == before);
    REQUIRE_OK(memmap_resize(m, 4096, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == before);
    /* Growing may or may not find room in place; either way the address holds or the call says EBUSY. */
    rc = memmap_resize(m, 64u << 20, MEMMAP_NOMOVE);
    CHECK(rc == 0 || rc == MEMMAP_EBUSY);
    CHECK(memmap_data(m) == before);
    CHECK_EQ_U(memmap_size(m), rc == 0 ? 64u << 20 : 4096);
    if (rc == MEMMAP_EBUSY)
        CHECK_EQ(test_file_size(test_path("f")), 4096);
    memmap_close(m);
}

#ifdef __linux__
TEST(nomove_with_the_next_pages_taken_is_ebusy_and_changes_nothing)
{
    size_t page = memmap_page_size();
    memmap_t *m = open_new("f", page, 0);
    unsigned char *data = memmap_data(m);
    void *next = data + page;
    /* Occupy the page after the view so it cannot grow in place. */
    void *blocker = mmap(next, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    REQUIRE(blocker == next || (blocker == MAP_FAILED && errno == EEXIST));
    CHECK_CODE(memmap_resize(m, 2 * page, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_size(m), page);
    CHECK_EQ(test_file_size(test_path("f")), (long long)page);
    /* Without NOMOVE it moves and keeps the contents. */
    data[0] = 42;
    REQUIRE_OK(memmap_resize(m, 2 * page, 0));
    CHECK_EQ(((unsigned char *)memmap_data(m))[0], 42);
    if (blocker == next)
        munmap(blocker, page);
    memmap_close(m);
}
#endif

TEST(read_only_and_copy_cannot_grow_past_the_end)
{
    const char *path = test_path("f");
    unsigned char data[5000];
    memmap_t *r, *c;
    test_pattern(data, 0, sizeof data);
    REQUIRE(test_write_file(path, data, sizeof data) == 0);
    REQUIRE_OK(memmap_open(&r, path, MEMMAP_READ, NULL));
    REQUIRE_OK(memmap_open(&c, path, MEMMAP_COPY, NULL));
    CHECK_CODE(memmap_resize(r, 5001, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_resize(c, 5001, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_resize(r, 10, MEMMAP_TRUNCATE), MEMMAP_EACCES);
    CHECK_EQ_U(memmap_size(r), 5000);
    CHECK_EQ(test_file_size(path), 5000);
    /* Shrinking and growing back within the file is fine. */
    REQUIRE_OK(memmap_resize(r, 10, 0));
    REQUIRE_OK(memmap_resize(r, 5000, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(r), 0, 5000), (size_t)-1);
    memmap_close(r);
    memmap_close(c);
}

TEST(copy_resize_keeps_private_changes)
{
    const char *path = test_path("f");
    unsigned char *data = calloc(1, 1 << 20);
    memmap_t *c;
    REQUIRE(data != NULL);
    REQUIRE(test_write_file(path, data, 1 << 20) == 0);
    free(data);
    REQUIRE_OK(memmap_open(&c, path, MEMMAP_COPY, NULL));
    REQUIRE_OK(memmap_resize(c, 4096, 0));
    memset(memmap_data(c), 0x5A, 4096);
    REQUIRE_OK(memmap_resize(c, 1 << 20, 0));
    CHECK_EQ(((unsigned char *)memmap_data(c))[4095], 0x5A);
    CHECK_EQ(((unsigned char *)memmap_data(c))[4096], 0);
    memmap_close(c);
}

TEST(sees_growth_made_by_someone_else)
{
    memmap_t *a = open_new("f", 1000, 0), *b;
    memmap_options opt = {0, 0, 0};
    REQUIRE_OK(memmap_open(&b, test_path("f"), MEMMAP_WRITE, &opt));
    REQUIRE_OK(memmap_resize(a, 50000, 0));
    ((unsigned char *)memmap_data(a))[49999] = 3;
    /* b is read-write too, but must not shrink the file a grew. */
    REQUIRE_OK(memmap_resize(b, 50000, 0));
    CHECK_EQ(((unsigned char *)memmap_data(b))[49999], 3);
    CHECK_EQ(test_file_size(test_path("f")), 50000);
    memmap_close(a);
    memmap_close(b);
}

TEST(anonymous_resize_keeps_contents)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 10000, 0));
    test_pattern(memmap_data(m), 0, 10000);
    REQUIRE_OK(memmap_resize(m, 10u << 20, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 10000), (size_t)-1);
    CHECK_EQ(((unsigned char *)memmap_data(m))[(10u << 20) - 1], 0);
    REQUIRE_OK(memmap_resize(m, 100, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 100), (size_t)-1);
    CHECK_CODE(memmap_resize(m, 10, MEMMAP_TRUNCATE), MEMMAP_EINVAL);
    /* What a shrink cut off is gone: growing again, within the same page or past it, shows zeros. */
    REQUIRE_OK(memmap_resize(m, 50, 0));
    REQUIRE_OK(memmap_resize(m, 3000, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 50), (size_t)-1);
    {
        size_t i, nonzero = 0;
        for (i = 50; i < 3000; i++)
            nonzero += ((unsigned char *)memmap_data(m))[i] != 0;
        CHECK_EQ_U(nonzero, 0);
    }
    memmap_close(m);
}

#ifndef _WIN32
TEST(growing_shared_anonymous_memory_is_enotsup)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 8192, MEMMAP_SHARED));
    CHECK_CODE(memmap_resize(m, 1 << 20, 0), MEMMAP_ENOTSUP);
    CHECK_EQ_U(memmap_size(m), 8192);
    REQUIRE_OK(memmap_resize(m, 4096, 0));
    memmap_close(m);
}
#endif

TEST(bad_resize_arguments)
{
    memmap_t *m = open_new("f", 100, 0);
    CHECK_CODE(memmap_resize(NULL, 10, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_resize(m, 10, MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_resize(m, 10, 0x80000000u), MEMMAP_EINVAL);
    /* No file may be that large (64-bit), no address space holds that much (32-bit);
     * either way the file is left alone. */
    CHECK_CODE(memmap_resize(m, SIZE_MAX, 0), sizeof(size_t) >= 8 ? MEMMAP_EFBIG : MEMMAP_ENOMEM);
    CHECK_EQ_U(memmap_size(m), 100);
    CHECK_EQ(test_file_size(test_path("f")), 100);
    memmap_close(m);
    REQUIRE_OK(memmap_anon(&m, 100, 0));
    CHECK_CODE(memmap_resize(m, SIZE_MAX, 0), MEMMAP_ENOMEM);
    CHECK_CODE(memmap_resize(m, TEST_LENGTH_PAST_ADDRESS_SPACE, 0), MEMMAP_ENOMEM);
    CHECK_EQ_U(memmap_size(m), 100);
    memmap_close(m);
}

TEST(sparse_resize_makes_holes)
{
    memmap_t *m = open_new("f", 10, MEMMAP_SPARSE);
    REQUIRE_OK(memmap_resize(m, 1u << 30, 0)); /* 1 GiB without 1 GiB of disk */
    CHECK_EQ(test_file_size(test_path("f")), 1 << 30);
    ((unsigned char *)memmap_data(m))[(1u << 30) - 1] = 1;
    memmap_close(m);
    m = open_new("g", 10, 0);
    REQUIRE_OK(memmap_resize(m, 1u << 30, MEMMAP_SPARSE));
    CHECK_EQ(test_file_size(test_path("g")), 1 << 30);
    memmap_close(m);
}
