/* SPDX-License-Identifier: MIT */
/* What a map tells about what backs it: memmap_file_size. */
#include "harness.h"

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
