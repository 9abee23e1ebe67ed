/* SPDX-License-Identifier: MIT */
/*
 * Windows forms of the POSIX-only sharing tests: a child started with
 * CreateProcess opens named memory where POSIX forks; anonymous memory has no
 * fork to share with; named sections have a fixed size and live until their
 * last handle closes.
 */
// labels: win32
#include "harness.h"

#include <stdlib.h>
#include <windows.h>

/* Opens the object argv[0], checks it holds 41, and adds argv[1] to it. */
CHILD(add_to_counter)
{
    memmap_t *m;
    volatile LONG *counter;
    long i, n;
    if (argc < 2 || memmap_shm_open(&m, argv[0], 0, MEMMAP_WRITE) != 0)
        return 2;
    counter = memmap_data(m);
    if (memmap_size(m) != sizeof(LONG) || *counter != 41)
        return 3;
    n = atol(argv[1]);
    for (i = 0; i < n; i++)
        InterlockedIncrement(counter);
    memmap_close(m);
    return 0;
}

/* The Windows form of shared_anonymous_memory_is_shared_across_fork. */
TEST(named_memory_is_shared_with_a_child_process)
{
    const char *name = test_shm_name("counter");
    const char *args[2];
    memmap_t *m;
    volatile LONG *counter;
    REQUIRE_OK(memmap_shm_open(&m, name, sizeof(LONG), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    counter = memmap_data(m);
    *counter = 41;
    args[0] = name;
    args[1] = "1000";
    CHECK_EQ(test_spawn_self("add_to_counter", args, 2), 0);
    CHECK_EQ(*counter, 1041); /* the child's stores are visible here */
    CHECK_OK(memmap_close(m));
}

/* The Windows form of growing_shared_anonymous_memory_is_enotsup: with no
 * fork there is nobody to share with, so SHARED memory grows like any other. */
TEST(shared_anonymous_memory_grows)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 10000, MEMMAP_SHARED));
    test_pattern(memmap_data(m), 0, 10000);
    REQUIRE_OK(memmap_resize(m, 1 << 20, 0));
    CHECK_EQ_U(memmap_size(m), 1 << 20);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 10000), (size_t)-1);
    CHECK_EQ(((unsigned char *)memmap_data(m))[(1 << 20) - 1], 0);
    CHECK_OK(memmap_close(m));
}

/* Anonymous memory shrunk and grown again reads as new, zeroed memory. */
TEST(anonymous_memory_regrown_after_a_shrink_is_zero)
{
    memmap_t *m;
    unsigned char *p;
    size_t i, nonzero = 0;
    REQUIRE_OK(memmap_anon(&m, 200000, 0));
    memset(memmap_data(m), 0xAB, 200000);
    REQUIRE_OK(memmap_resize(m, 1000, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 200000, 0));
    p = memmap_data(m);
    for (i = 0; i < 1000; i++)
        nonzero += p[i] != 0xAB;
    CHECK_EQ_U(nonzero, 0);
    for (nonzero = 0, i = 1000; i < 200000; i++)
        nonzero += p[i] != 0;
    CHECK_EQ_U(nonzero, 0);
    CHECK_OK(memmap_close(m));
}

/* The Windows form of shm_grows_and_truncates: a section's size is fixed. */
TEST(shm_size_is_fixed_at_creation)
{
    const char *name = test_shm_name("fixed");
    memmap_t *a, *b;
    REQUIRE_OK(memmap_shm_open(&a, name, 5000, MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(a), 0, 5000);
    CHECK_CODE(memmap_resize(a, 1 << 20, 0), MEMMAP_ENOTSUP);
    CHECK_CODE(memmap_resize(a, 100, MEMMAP_TRUNCATE), MEMMAP_ENOTSUP);
    CHECK_CODE(memmap_shm_open(&b, name, 8000, MEMMAP_WRITE), MEMMAP_ENOTSUP);
    CHECK_CODE(memmap_shm_open(&b, name, 100, MEMMAP_WRITE | MEMMAP_TRUNCATE), MEMMAP_ENOTSUP);
    /* Failures changed nothing; a shorter view and back is fine. */
    CHECK_EQ_U(memmap_size(a), 5000);
    REQUIRE_OK(memmap_resize(a, 100, 0));
    REQUIRE_OK(memmap_resize(a, 5000, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(a), 0, 5000), (size_t)-1);
    /* Its size is exact, not rounded to pages, for every opener. */
    REQUIRE_OK(memmap_shm_open(&b, name, 0, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(b), 5000);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(b), 0, 5000), (size_t)-1);
    memmap_close(b);
    REQUIRE_OK(memmap_shm_open(&b, name, 5000, MEMMAP_WRITE | MEMMAP_TRUNCATE));
    memmap_close(b);
    memmap_close(a);
}

TEST(shm_may_be_empty)
{
    const char *name = test_shm_name("empty");
    memmap_t *a, *b;
    REQUIRE_OK(memmap_shm_open(&a, name, 0, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    CHECK_EQ_U(memmap_size(a), 0);
    CHECK(memmap_data(a) != NULL);
    REQUIRE_OK(memmap_shm_open(&b, name, 0, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(b), 0);
    memmap_close(b);
    memmap_close(a);
}

/* The object lives until its last handle closes; unlink has nothing to remove. */
TEST(shm_lives_until_its_last_handle_closes)
{
    const char *name = test_shm_name("life");
    memmap_t *a, *b;
    REQUIRE_OK(memmap_shm_open(&a, name, 100, MEMMAP_WRITE | MEMMAP_CREATE));
    ((unsigned char *)memmap_data(a))[7] = 7;
    CHECK_OK(memmap_shm_unlink(name));
    /* Still there while a is open, unlike POSIX after shm_unlink. */
    REQUIRE_OK(memmap_shm_open(&b, name, 0, MEMMAP_READ));
    CHECK_EQ(((unsigned char *)memmap_data(b))[7], 7);
    memmap_close(b);
    memmap_close(a);
    /* Gone with the last handle. */
    b = (memmap_t *)1;
    CHECK_CODE(memmap_shm_open(&b, name, 0, MEMMAP_READ), MEMMAP_ENOENT);
    CHECK(b == NULL);
    /* And a new object of the same name starts zeroed. */
    REQUIRE_OK(memmap_shm_open(&a, name, 100, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    CHECK_EQ(((unsigned char *)memmap_data(a))[7], 0);
    memmap_close(a);
}
