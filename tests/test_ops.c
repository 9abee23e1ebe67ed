/* SPDX-License-Identifier: MIT */
/* Operations on part of a map: sync, protect, advise, lock. */
#include "harness.h"

static memmap_t *open_pattern(const char *name, size_t len, unsigned flags)
{
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, test_pattern_file(name, len), flags, NULL));
    return m;
}

/* --- sync ------------------------------------------------------------------- */

TEST(sync_writes_changes_at_any_offset)
{
    memmap_t *m = open_pattern("f", 50000, MEMMAP_WRITE);
    unsigned char *p = memmap_data(m), got[2];
    p[12345] = 0xEE;
    p[40000] = 0xDD;
    CHECK_OK(memmap_sync(m, 12345, 1, 0));
    CHECK_OK(memmap_sync(m, 39999, 3, MEMMAP_SYNC_ASYNC));
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_EQ(test_read_file(test_path("f"), 12345, got, 1), 1);
    CHECK_EQ(got[0], 0xEE);
    CHECK_EQ(test_read_file(test_path("f"), 40000, got, 1), 1);
    CHECK_EQ(got[0], 0xDD);
    memmap_close(m);
}

TEST(sync_after_growth_and_truncation)
{
    memmap_options opt = {0, 100, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    REQUIRE_OK(memmap_resize(m, 1 << 20, 0));
    ((unsigned char *)memmap_data(m))[(1 << 20) - 1] = 1;
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    REQUIRE_OK(memmap_resize(m, 0, MEMMAP_TRUNCATE));
    /* An empty map whose file size changed still syncs (the size). */
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_EQ(test_file_size(test_path("f")), 0);
    memmap_close(m);
}

TEST(sync_of_private_and_anonymous_memory_succeeds)
{
    memmap_t *c = open_pattern("f", 10000, MEMMAP_COPY), *a, *r = open_pattern("g", 100, MEMMAP_READ);
    REQUIRE_OK(memmap_anon(&a, 10000, 0));
    ((unsigned char *)memmap_data(c))[0] ^= 1;
    CHECK_OK(memmap_sync(c, 0, 0, 0));
    CHECK_OK(memmap_sync(a, 10, 100, MEMMAP_SYNC_ASYNC));
    CHECK_OK(memmap_sync(r, 0, 0, 0));
    memmap_close(c);
    memmap_close(a);
    memmap_close(r);
}

TEST(sync_range_and_flags_are_checked)
{
    memmap_t *m = open_pattern("f", 10000, MEMMAP_WRITE);
    CHECK_CODE(memmap_sync(NULL, 0, 0, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_sync(m, 0, 0, MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_sync(m, 10001, 0, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_sync(m, 9999, 2, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_sync(m, 1, SIZE_MAX, 0), MEMMAP_ERANGE);
    CHECK_OK(memmap_sync(m, 10000, 0, 0));
    CHECK_OK(memmap_sync(m, 9999, 1, 0));
    memmap_close(m);
}

/* --- protect -------------------------------------------------------------------- */

CHILD(write_to_read_only_page)
{
    memmap_t *m;
    (void)argc;
    if (memmap_open(&m, argv[0], MEMMAP_WRITE, NULL) != 0)
        return 2;
    if (memmap_protect(m, 0, 1, MEMMAP_READ) != 0)
        return 3;
    ((volatile unsigned char *)memmap_data(m))[10] = 1; /* must fault */
    return 0;
}

TEST(writing_a_read_only_page_faults)
{
    const char *path = test_path("f");
    const char *args[1];
    unsigned char zero[100] = {0};
    int status;
    REQUIRE(test_write_file(path, zero, sizeof zero) == 0);
    args[0] = path;
    status = test_spawn_self("write_to_read_only_page", args, 1);
    /* Killed by the fault (SIGSEGV on POSIX, an access violation on Windows), never a clean exit. */
    CHECK(status != 0 && status != 2 && status != 3 && status != -1);
}

TEST(protect_changes_access_and_restores_it)
{
    memmap_t *m = open_pattern("f", 3 * 4096 + 10, MEMMAP_WRITE);
    unsigned char *p = memmap_data(m);
    CHECK_OK(memmap_protect(m, 0, 0, MEMMAP_READ));
    CHECK_EQ_U(test_pattern_mismatch(p, 0, memmap_size(m)), (size_t)-1);
    CHECK_OK(memmap_protect(m, 100, 10, MEMMAP_NONE));
    CHECK_OK(memmap_protect(m, 0, 0, MEMMAP_READ | MEMMAP_WRITE));
    p[5000] = 1;
    CHECK_EQ(p[5000], 1);
    memmap_close(m);
}

TEST(protect_refuses_access_the_map_lacks)
{
    memmap_t *r = open_pattern("f", 4096, MEMMAP_READ), *c = open_pattern("g", 4096, MEMMAP_COPY);
    CHECK_CODE(memmap_protect(r, 0, 0, MEMMAP_WRITE), MEMMAP_EACCES);
    CHECK_CODE(memmap_protect(r, 0, 0, MEMMAP_READ | MEMMAP_WRITE), MEMMAP_EACCES);
    CHECK_CODE(memmap_protect(r, 0, 0, MEMMAP_EXEC), MEMMAP_EACCES);
    CHECK_OK(memmap_protect(c, 0, 0, MEMMAP_READ | MEMMAP_WRITE));
    ((unsigned char *)memmap_data(c))[0] = 1;
    CHECK_CODE(memmap_protect(r, 0, 0, 0x100), MEMMAP_EINVAL);
    CHECK_CODE(memmap_protect(r, 4097, 0, MEMMAP_READ), MEMMAP_ERANGE);
    CHECK_CODE(memmap_protect(NULL, 0, 0, MEMMAP_READ), MEMMAP_EINVAL);
    memmap_close(r);
    memmap_close(c);
}

TEST(protect_exec_on_an_exec_map)
{
    memmap_t *m = open_pattern("f", 4096, MEMMAP_READ | MEMMAP_EXEC);
    CHECK_OK(memmap_protect(m, 0, 0, MEMMAP_READ));
    CHECK_OK(memmap_protect(m, 0, 0, MEMMAP_EXEC));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 4096), (size_t)-1);
    memmap_close(m);
}

/* --- advise -------------------------------------------------------------------- */

TEST(every_advice_is_accepted_and_keeps_data)
{
    memmap_t *maps[4];
    size_t i;
    int advice;
    maps[0] = open_pattern("f", 100000, MEMMAP_WRITE);
    maps[1] = open_pattern("g", 100000, MEMMAP_COPY);
    maps[2] = open_pattern("h", 100000, MEMMAP_READ);
    REQUIRE_OK(memmap_anon(&maps[3], 100000, 0));
    test_pattern(memmap_data(maps[3]), 0, 100000);
    /* Private changes too: DONTNEED must never discard them. */
    ((unsigned char *)memmap_data(maps[1]))[50000] ^= 0xFF;
    ((unsigned char *)memmap_data(maps[1]))[50000] ^= 0xFF;
    for (i = 0; i < 4; i++) {
        for (advice = MEMMAP_ADVICE_NORMAL; advice <= MEMMAP_ADVICE_DONTNEED; advice++) {
            CHECK_OK(memmap_advise(maps[i], 0, 0, advice));
            CHECK_OK(memmap_advise(maps[i], 4097, 3, advice));
        }
        CHECK_EQ_U(test_pattern_mismatch(memmap_data(maps[i]), 0, 100000), (size_t)-1);
        memmap_close(maps[i]);
    }
}

TEST(dontneed_keeps_private_writes)
{
    memmap_t *a;
    REQUIRE_OK(memmap_anon(&a, 1 << 20, 0));
    memset(memmap_data(a), 0x77, 1 << 20);
    CHECK_OK(memmap_advise(a, 0, 0, MEMMAP_ADVICE_DONTNEED));
    CHECK_EQ(((unsigned char *)memmap_data(a))[12345], 0x77);
    CHECK_EQ(((unsigned char *)memmap_data(a))[(1 << 20) - 1], 0x77);
    memmap_close(a);
}

TEST(advise_arguments_are_checked)
{
    memmap_t *m = open_pattern("f", 4096, MEMMAP_READ);
    CHECK_CODE(memmap_advise(m, 0, 0, -1), MEMMAP_EINVAL);
    CHECK_CODE(memmap_advise(m, 0, 0, MEMMAP_ADVICE_NOHUGEPAGE + 1), MEMMAP_EINVAL);
    CHECK_CODE(memmap_advise(m, 4097, 0, MEMMAP_ADVICE_NORMAL), MEMMAP_ERANGE);
    CHECK_CODE(memmap_advise(m, 0, 4097, MEMMAP_ADVICE_NORMAL), MEMMAP_ERANGE);
    CHECK_CODE(memmap_advise(NULL, 0, 0, MEMMAP_ADVICE_NORMAL), MEMMAP_EINVAL);
    memmap_close(m);
}

/* --- lock -------------------------------------------------------------------- */

TEST(lock_and_unlock_a_range)
{
    memmap_t *m = open_pattern("f", 64 * 1024, MEMMAP_WRITE);
    CHECK_OK(memmap_lock(m, 100, 5000));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 64 * 1024), (size_t)-1);
    CHECK_OK(memmap_unlock(m, 100, 5000));
    CHECK_OK(memmap_lock(m, 0, 0));
    CHECK_OK(memmap_unlock(m, 0, 0));
    CHECK_CODE(memmap_lock(m, 64 * 1024 + 1, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_unlock(m, 0, 64 * 1024 + 1), MEMMAP_ERANGE);
    CHECK_CODE(memmap_lock(NULL, 0, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_unlock(NULL, 0, 0), MEMMAP_EINVAL);
    memmap_close(m);
}
