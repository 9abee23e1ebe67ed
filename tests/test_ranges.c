/* SPDX-License-Identifier: MIT */
/* Offsets of any alignment, empty maps, and files too short for the range. */
#include "harness.h"

#ifndef _WIN32
#  include <sys/stat.h>
#endif

#define FILE_SIZE (300 * 1024)

static const char *pattern_file(size_t len)
{
    return test_pattern_file("data", len);
}

/* Maps [offset, offset+length) read-only, read-write and copy-on-write and checks each sees the right bytes. */
static void check_range(const char *path, uint64_t offset, size_t length)
{
    static const unsigned modes[] = {MEMMAP_READ, MEMMAP_WRITE, MEMMAP_COPY};
    size_t i;
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        memmap_options opt;
        memmap_t *m;
        size_t bad;
        opt.offset = offset;
        opt.length = length;
        opt.mode = 0;
        REQUIRE_OK(memmap_open(&m, path, modes[i], &opt));
        CHECK_EQ_U(memmap_offset(m), offset);
        CHECK_EQ_U(memmap_size(m), length ? length : FILE_SIZE - offset);
        bad = test_pattern_mismatch(memmap_data(m), offset, memmap_size(m));
        if (bad != (size_t)-1)
            test_fail(__FILE__, __LINE__, "offset %llu mode %u: byte %zu differs",
                      (unsigned long long)offset, modes[i], bad);
        memmap_close(m);
    }
}

TEST(any_offset_maps_exactly_there)
{
    const char *path = pattern_file(FILE_SIZE);
    size_t page = memmap_page_size(), gran = memmap_granularity();
    uint64_t offsets[] = {0, 1, page - 1, page, page + 1, gran - 1, gran, gran + 1, 2 * gran + 12345};
    size_t i;
    for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        check_range(path, offsets[i], 0);
        check_range(path, offsets[i], 1);
        check_range(path, offsets[i], page + 3);
    }
}

TEST(granularity_is_a_multiple_of_the_page_size)
{
    size_t page = memmap_page_size(), gran = memmap_granularity();
    CHECK(page >= 4096);
    CHECK((page & (page - 1)) == 0);
    CHECK(gran >= page);
    CHECK(gran % page == 0);
#ifdef _WIN32
    CHECK_EQ_U(gran, 65536);
#else
    CHECK_EQ_U(gran, page);
#endif
}

TEST(writes_at_unaligned_offsets_land_at_that_offset)
{
    const char *path = pattern_file(FILE_SIZE);
    memmap_options opt = {12345, 100, 0};
    memmap_t *m;
    unsigned char buf[3];
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, &opt));
    memcpy(memmap_data(m), "\x01\x02\x03", 3);
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_read_file(path, 12345, buf, 3), 3);
    CHECK(memcmp(buf, "\x01\x02\x03", 3) == 0);
    CHECK_EQ(test_read_file(path, 12344, buf, 1), 1);
    CHECK_EQ_U(test_pattern_mismatch(buf, 12344, 1), (size_t)-1);
    CHECK_EQ(test_read_file(path, 12348, buf, 1), 1);
    CHECK_EQ_U(test_pattern_mismatch(buf, 12348, 1), (size_t)-1);
}

TEST(offsets_above_4gib_in_a_sparse_file)
{
    const uint64_t base = 5ull << 30; /* 5 GiB */
    memmap_options opt;
    memmap_t *m;
    unsigned char probe[64];
    opt.offset = base + 777;
    opt.length = 64;
    opt.mode = 0;
    /* SPARSE: a 5 GiB file with one written page, no 5 GiB of disk. */
    REQUIRE_OK(memmap_open(&m, test_path("big"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE, &opt));
    CHECK_EQ(test_file_size(test_path("big")), (long long)(base + 777 + 64));
    test_pattern(memmap_data(m), base + 777, 64);
    CHECK_OK(memmap_close(m));

    opt.offset = base + 777 + 10;
    opt.length = 0;
    REQUIRE_OK(memmap_open(&m, test_path("big"), MEMMAP_READ, &opt));
    CHECK_EQ_U(memmap_size(m), 54);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), base + 787, 54), (size_t)-1);
    memmap_close(m);
    CHECK_EQ(test_read_file(test_path("big"), base + 777, probe, 64), 64);
    CHECK_EQ_U(test_pattern_mismatch(probe, base + 777, 64), (size_t)-1);
}

TEST(empty_file_gives_empty_map)
{
    const char *path = pattern_file(0);
    static const unsigned modes[] = {MEMMAP_READ, MEMMAP_WRITE, MEMMAP_COPY, MEMMAP_READ | MEMMAP_POPULATE};
    size_t i;
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        memmap_t *m;
        REQUIRE_OK(memmap_open(&m, path, modes[i], NULL));
        CHECK_EQ_U(memmap_size(m), 0);
        CHECK(memmap_data(m) != NULL);
        CHECK_OK(memmap_sync(m, 0, 0, 0));
        CHECK_OK(memmap_advise(m, 0, 0, MEMMAP_ADVICE_WILLNEED));
        CHECK_OK(memmap_lock(m, 0, 0));
        CHECK_OK(memmap_unlock(m, 0, 0));
        CHECK_OK(memmap_protect(m, 0, 0, MEMMAP_READ));
        CHECK_CODE(memmap_sync(m, 1, 0, 0), MEMMAP_ERANGE);
        CHECK_OK(memmap_close(m));
    }
    CHECK_EQ(test_file_size(path), 0);
}

TEST(offset_at_end_gives_empty_map)
{
    const char *path = pattern_file(5000);
    memmap_options opt = {5000, 0, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, &opt));
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK_EQ_U(memmap_offset(m), 5000);
    CHECK(memmap_data(m) != NULL);
    memmap_close(m);
}

TEST(offset_past_end_is_erange)
{
    const char *path = pattern_file(5000);
    memmap_options opt = {5001, 0, 0};
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_READ, &opt), MEMMAP_ERANGE);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE, &opt), MEMMAP_ERANGE);
    CHECK(m == NULL);
}

TEST(read_only_and_copy_past_end_are_erange)
{
    const char *path = pattern_file(5000);
    memmap_options opt = {4000, 1001, 0};
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_READ, &opt), MEMMAP_ERANGE);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_COPY, &opt), MEMMAP_ERANGE);
    CHECK_EQ(test_file_size(path), 5000);
    opt.length = 1000;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_COPY, &opt));
    memmap_close(m);
}

TEST(write_past_end_grows_the_file)
{
    const char *path = pattern_file(5000);
    memmap_options opt = {4000, 100000, 0};
    memmap_t *m;
    unsigned char *p;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, &opt));
    CHECK_EQ(test_file_size(path), 104000);
    p = memmap_data(m);
    CHECK_EQ_U(test_pattern_mismatch(p, 4000, 1000), (size_t)-1);
    CHECK_EQ(p[1000], 0);
    CHECK_EQ(p[99999], 0);
    p[99999] = 7; /* the last byte is backed by the file: no SIGBUS */
    CHECK_OK(memmap_close(m));
    {
        unsigned char b = 0;
        CHECK_EQ(test_read_file(path, 103999, &b, 1), 1);
        CHECK_EQ(b, 7);
    }
}

TEST(write_past_end_from_an_offset_past_end)
{
    const char *path = pattern_file(100);
    memmap_options opt = {200000, 10, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, &opt));
    CHECK_EQ(test_file_size(path), 200010);
    ((unsigned char *)memmap_data(m))[9] = 1;
    memmap_close(m);
}

#ifndef _WIN32
static long long allocated_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_blocks * 512 : -1;
}

TEST(growth_allocates_blocks_unless_sparse)
{
    const size_t len = 8u << 20;
    memmap_options opt = {0, 0, 0};
    memmap_t *m;
    opt.length = len;
    REQUIRE_OK(memmap_open(&m, test_path("dense"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    CHECK(allocated_bytes(test_path("dense")) >= (long long)len);
    memmap_close(m);

    REQUIRE_OK(memmap_open(&m, test_path("sparse"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE, &opt));
    CHECK_EQ(test_file_size(test_path("sparse")), (long long)len);
    CHECK(allocated_bytes(test_path("sparse")) < (long long)len / 2);
    memmap_close(m);
}
#endif

TEST(length_overflowing_the_offset_is_einval)
{
    const char *path = pattern_file(100);
    memmap_options opt;
    memmap_t *m;
    opt.offset = UINT64_MAX - 10;
    opt.length = 100;
    opt.mode = 0;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE, &opt), MEMMAP_EINVAL);
    /* Past the largest file any system allows. */
    opt.offset = (uint64_t)INT64_MAX;
    opt.length = 100;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE, &opt), MEMMAP_EFBIG);
    CHECK_EQ(test_file_size(path), 100);
}

TEST(huge_anonymous_length_is_enomem)
{
    memmap_t *m;
    CHECK_CODE(memmap_anon(&m, SIZE_MAX - 100, 0), MEMMAP_ENOMEM);
    CHECK(m == NULL);
    CHECK_CODE(memmap_anon(&m, TEST_LENGTH_PAST_ADDRESS_SPACE, 0), MEMMAP_ENOMEM);
}
