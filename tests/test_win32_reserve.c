/* SPDX-License-Identifier: MIT */
/*
 * Reservations on Windows: what the portable tests (test_reserve.c) cannot
 * see.  Anonymous memory reserves and commits everywhere.  Files and shared
 * memory need placeholders, which Wine 8 refuses and Wine 10 has: whether
 * this system has them is asked of the system itself (a placeholder of our
 * own), and the stages say which they expect in MEMMAP_TEST_WINE_PLACEHOLDERS
 * (1 or 0), so that a wrong answer from that probe fails too.
 */
// labels: win32
#include "harness.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define PAGE 4096u
#define PROBE_RESERVE_PLACEHOLDER 0x00040000

typedef void *(WINAPI *virtual_alloc2_fn)(HANDLE, void *, SIZE_T, ULONG, ULONG, void *, ULONG);

/* Whether this system makes placeholders, checked against what the stage expects. */
static int system_has_placeholders(void)
{
    HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll");
    virtual_alloc2_fn alloc2 = kernelbase ? (virtual_alloc2_fn)(void (*)(void))
                                                GetProcAddress(kernelbase, "VirtualAlloc2") : NULL;
    const char *expected = getenv("MEMMAP_TEST_WINE_PLACEHOLDERS");
    void *space = alloc2 ? alloc2(GetCurrentProcess(), NULL, 16 * PAGE, MEM_RESERVE | PROBE_RESERVE_PLACEHOLDER,
                                  PAGE_NOACCESS, NULL, 0) : NULL;
    int have = space != NULL;

    if (space)
        VirtualFree(space, 0, MEM_RELEASE);
    if (expected && *expected)
        CHECK_EQ(have, atoi(expected));
    return have;
}

static void require_placeholders(void)
{
    if (!system_has_placeholders())
        SKIP("this system has no placeholders (Wine 8, Windows before 10 1803): "
             "file_and_shm_reserve_is_enotsup_without_placeholders covers it");
}

/* The page at p as the memory manager sees it. */
static int page_is_accessible(const void *p)
{
    MEMORY_BASIC_INFORMATION region;
    REQUIRE(VirtualQuery(p, &region, sizeof region) != 0);
    return region.State == MEM_COMMIT && !(region.Protect & (PAGE_NOACCESS | PAGE_GUARD));
}

static int all_zero(const unsigned char *p, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (p[i])
            return 0;
    return 1;
}

/* A 5-page file of the test pattern, mapped for writing. */
static memmap_t *pattern_file_map(unsigned flags)
{
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, test_pattern_file("f", 5 * PAGE), flags, NULL));
    return m;
}

/* Anonymous memory reserves on every Windows: the data moves once, keeps its
 * bytes, then grows and shrinks in place; cut bytes read as zero. */
static void check_anonymous_reserve(unsigned flags)
{
    memmap_t *m;
    unsigned char *data;

    REQUIRE_OK(memmap_anon(&m, 10000, flags));
    test_pattern(memmap_data(m), 0, 10000);
    REQUIRE_OK(memmap_reserve(m, 256 * PAGE, 0));
    CHECK(memmap_capacity(m) >= 256 * PAGE);
    data = memmap_data(m);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 10000), (size_t)-1);
    CHECK(!page_is_accessible(data + 4 * PAGE));

    REQUIRE_OK(memmap_resize(m, 256 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK(all_zero(data + 10000, 256 * PAGE - 10000));
    memset(data + 10000, 0xAB, 256 * PAGE - 10000);
    REQUIRE_OK(memmap_resize(m, 5000, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK(!page_is_accessible(data + 2 * PAGE));
    REQUIRE_OK(memmap_resize(m, 100 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 5000), (size_t)-1);
    CHECK(all_zero(data + 5000, 100 * PAGE - 5000));
    CHECK_OK(memmap_close(m));
}

TEST(anonymous_reserve_commits_as_it_grows)
{
    check_anonymous_reserve(0);
}

/* MEMMAP_SHARED anonymous memory can grow on Windows (there is no fork), and
 * its cut bytes read as zero when it grows back, as private memory's do. */
TEST(shared_anonymous_reserve_grows_and_regrows_zeroed)
{
    check_anonymous_reserve(MEMMAP_SHARED);
}

/* A section's view cannot become committed memory, nor part of a placeholder,
 * where it is: MEMMAP_NOMOVE refuses, and nothing changes. */
TEST(nomove_reserve_of_a_mapped_view_is_ebusy_or_enotsup)
{
    int placeholders = system_has_placeholders();
    memmap_t *m;
    unsigned char *data;

    REQUIRE_OK(memmap_anon(&m, 3 * PAGE, 0));
    data = memmap_data(m);
    CHECK_CODE(memmap_reserve(m, 64 * PAGE, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_capacity(m), 3 * PAGE);
    CHECK_OK(memmap_close(m));

    m = pattern_file_map(MEMMAP_WRITE);
    data = memmap_data(m);
    CHECK_CODE(memmap_reserve(m, 64 * PAGE, MEMMAP_NOMOVE), placeholders ? MEMMAP_EBUSY : MEMMAP_ENOTSUP);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_capacity(m), 5 * PAGE);
    CHECK_OK(memmap_close(m));
}

/* Without placeholders a file or shared memory cannot be reserved: ENOTSUP,
 * never a fake, with the map as it was.  With them it works. */
TEST(file_and_shm_reserve_is_enotsup_without_placeholders)
{
    int placeholders = system_has_placeholders();
    const char *name = test_shm_name("reserve");
    memmap_t *maps[2];
    int i;

    maps[0] = pattern_file_map(MEMMAP_WRITE);
    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_shm_open(&maps[1], name, 5 * PAGE, MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(maps[1]), 0, 5 * PAGE);
    for (i = 0; i < 2; i++) {
        memmap_t *m = maps[i];
        unsigned char *data = memmap_data(m);
        if (!placeholders) {
            CHECK_CODE(memmap_reserve(m, 64 * PAGE, 0), MEMMAP_ENOTSUP);
            CHECK(memmap_data(m) == data);
            CHECK_EQ_U(memmap_capacity(m), 5 * PAGE);
        } else {
            REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
            CHECK_EQ_U(memmap_capacity(m), 64 * PAGE);
        }
        CHECK_EQ_U(memmap_size(m), 5 * PAGE);
        CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 5 * PAGE), (size_t)-1);
        CHECK_OK(memmap_close(m));
    }
    memmap_shm_unlink(name);
}

/* Each growth maps a view of its own; shrinks that cut inside a view close its
 * pages, shrinks past whole views give them back; regrowth shows the file. */
TEST(views_split_shrink_and_regrow_in_place)
{
    memmap_t *m;
    unsigned char *data;
    int rc;

    require_placeholders();
    m = pattern_file_map(MEMMAP_WRITE);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    data = memmap_data(m);
    REQUIRE_OK(memmap_resize(m, 10 * PAGE, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 20 * PAGE + 100, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 30 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK(m->os.view_count == 4);
    test_pattern(data + 5 * PAGE, 5 * PAGE, 25 * PAGE);
    CHECK_EQ(test_file_size(test_path("f")), 30 * PAGE);
    /* Calls over a range that spans views work (Windows takes them one view at a time). */
    REQUIRE_OK(memmap_protect(m, 4 * PAGE, 22 * PAGE, MEMMAP_READ));
    CHECK_CODE(memmap_probe(m, 4 * PAGE, 22 * PAGE, MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_CODE(memmap_probe(m, 20 * PAGE, PAGE, MEMMAP_WRITE), MEMMAP_EIO);
    REQUIRE_OK(memmap_protect(m, 0, 0, MEMMAP_READ | MEMMAP_WRITE));
    CHECK_OK(memmap_probe(m, 0, 0, MEMMAP_WRITE));
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    if (memmap_lock(m, 0, 0) == 0)
        CHECK_OK(memmap_unlock(m, 0, 0));

    /* Inside the third view: its pages past the cut close, the fourth becomes
     * a placeholder again. */
    REQUIRE_OK(memmap_resize(m, 15 * PAGE, MEMMAP_NOMOVE));
    CHECK(m->os.view_count == 3);
    CHECK(m->os.piece_count == 5);
    CHECK(page_is_accessible(data + 14 * PAGE));
    CHECK(!page_is_accessible(data + 15 * PAGE));
    CHECK(!page_is_accessible(data + 25 * PAGE));
    /* Regrowth opens them again and maps new views past them: one in the
     * fourth view's place, one split off the placeholder after it. */
    REQUIRE_OK(memmap_resize(m, 40 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK(m->os.view_count == 5);
    CHECK(m->os.piece_count == 6);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 30 * PAGE), (size_t)-1);
    CHECK(all_zero(data + 30 * PAGE, 10 * PAGE));

    /* Inside the first view, then back. */
    REQUIRE_OK(memmap_resize(m, 2 * PAGE, MEMMAP_NOMOVE));
    CHECK(m->os.view_count == 1);
    CHECK(!page_is_accessible(data + 3 * PAGE));
    rc = memmap_resize(m, 64 * PAGE, MEMMAP_NOMOVE);
    CHECK_OK(rc);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 30 * PAGE), (size_t)-1);
    data[64 * PAGE - 1] = 7;
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_file_size(test_path("f")), 64 * PAGE);
}

/* A TRUNCATE shrink takes every view down to cut the file (Windows cannot cut
 * a mapped file) and maps the kept part back at the same address. */
TEST(truncate_within_capacity_keeps_the_address)
{
    memmap_t *m;
    unsigned char *data;
    unsigned char byte = 0;

    require_placeholders();
    m = pattern_file_map(MEMMAP_WRITE);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    data = memmap_data(m);
    REQUIRE_OK(memmap_resize(m, 3 * PAGE + 10, MEMMAP_NOMOVE | MEMMAP_TRUNCATE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ(test_file_size(test_path("f")), 3 * PAGE + 10);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 3 * PAGE + 10), (size_t)-1);
    CHECK(!page_is_accessible(data + 4 * PAGE));
    REQUIRE_OK(memmap_resize(m, 50 * PAGE, MEMMAP_NOMOVE | MEMMAP_TRUNCATE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ(test_file_size(test_path("f")), 50 * PAGE);
    /* The bytes past the old end of the file read as zero, in the file too. */
    CHECK(all_zero(data + 3 * PAGE + 10, 47 * PAGE - 10));
    data[50 * PAGE - 1] = 9;
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_read_file(test_path("f"), 50 * PAGE - 1, &byte, 1), 1);
    CHECK_EQ(byte, 9);
}

/* Protecting part of a reserved map splits nothing the resize depends on:
 * growth and shrinks inside the capacity still work and keep the data. */
static void check_resize_after_protect(memmap_t *m)
{
    unsigned char *data = memmap_data(m);
    size_t size = memmap_size(m);

    REQUIRE_OK(memmap_protect(m, PAGE, PAGE, MEMMAP_READ));
    REQUIRE_OK(memmap_resize(m, size + 20 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 2 * PAGE), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 3 * PAGE, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 30 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 2 * PAGE), (size_t)-1);
    CHECK_OK(memmap_probe(m, 0, 0, MEMMAP_READ));
    CHECK_CODE(memmap_probe(m, PAGE, PAGE, MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_OK(memmap_probe(m, 2 * PAGE, 0, MEMMAP_WRITE));
    CHECK_OK(memmap_close(m));
}

TEST(anonymous_resize_after_a_protect_split)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 5 * PAGE, 0));
    test_pattern(memmap_data(m), 0, 5 * PAGE);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    check_resize_after_protect(m);
}

TEST(file_resize_after_a_protect_split)
{
    memmap_t *m;
    require_placeholders();
    m = pattern_file_map(MEMMAP_WRITE);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    check_resize_after_protect(m);
}

/* A named object keeps its size: a reserved shm map shrinks and grows back
 * inside it, and cannot grow past it. */
TEST(shm_reserve_shrinks_and_regrows_inside_the_object)
{
    const char *name = test_shm_name("reserve2");
    memmap_t *m;
    unsigned char *data;

    require_placeholders();
    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_shm_open(&m, name, 8 * PAGE, MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(m), 0, 8 * PAGE);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    data = memmap_data(m);
    REQUIRE_OK(memmap_resize(m, 2 * PAGE, MEMMAP_NOMOVE));
    CHECK(!page_is_accessible(data + 3 * PAGE));
    REQUIRE_OK(memmap_resize(m, 8 * PAGE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, 8 * PAGE), (size_t)-1);
    CHECK_CODE(memmap_resize(m, 9 * PAGE, MEMMAP_NOMOVE), MEMMAP_ENOTSUP);
    CHECK_EQ_U(memmap_size(m), 8 * PAGE);
    CHECK_OK(memmap_close(m));
    memmap_shm_unlink(name);
}

/* A COPY map's private bytes in pages a shrink cut are gone when the map grows
 * back, as if those pages had been unmapped: they show the file again. */
TEST(copy_map_regrowth_shows_the_file_again)
{
    memmap_options opt = {0, 5 * PAGE, 0};
    memmap_t *m;
    unsigned char *data;

    require_placeholders();
    REQUIRE_OK(memmap_open(&m, test_pattern_file("f", 20 * PAGE + 100), MEMMAP_COPY, &opt));
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    data = memmap_data(m);
    REQUIRE_OK(memmap_resize(m, 20 * PAGE + 100, MEMMAP_NOMOVE));
    memset(data, 0xEE, 20 * PAGE + 100);
    /* Inside the second view, then inside the first. */
    REQUIRE_OK(memmap_resize(m, 8 * PAGE, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 20 * PAGE + 100, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(data[8 * PAGE - 1], 0xEE);
    CHECK_EQ_U(test_pattern_mismatch(data + 8 * PAGE, 8 * PAGE, 12 * PAGE + 100), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 3 * PAGE, MEMMAP_NOMOVE));
    REQUIRE_OK(memmap_resize(m, 20 * PAGE + 100, MEMMAP_NOMOVE));
    CHECK_EQ_U(data[3 * PAGE - 1], 0xEE);
    CHECK_EQ_U(test_pattern_mismatch(data + 3 * PAGE, 3 * PAGE, 17 * PAGE + 100), (size_t)-1);
    CHECK(all_zero(data + 20 * PAGE + 100, PAGE - 100));
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_file_size(test_path("f")), 20 * PAGE + 100);
}

/* A second, larger reservation moves the data once more and keeps it; so
 * does a resize past the capacity. */
static void check_second_reservation(memmap_t *m)
{
    size_t size = memmap_size(m);
    REQUIRE_OK(memmap_reserve(m, 16 * PAGE, 0));
    REQUIRE_OK(memmap_resize(m, 16 * PAGE, MEMMAP_NOMOVE));
    test_pattern((unsigned char *)memmap_data(m) + size, size, 16 * PAGE - size);
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    CHECK_EQ_U(memmap_capacity(m), 64 * PAGE);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 16 * PAGE), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 100 * PAGE, 0));
    CHECK(memmap_capacity(m) >= 100 * PAGE);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 16 * PAGE), (size_t)-1);
    REQUIRE_OK(memmap_resize(m, 50 * PAGE, MEMMAP_NOMOVE));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 16 * PAGE), (size_t)-1);
    CHECK_OK(memmap_close(m));
}

TEST(anonymous_second_reservation_keeps_the_data)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 3 * PAGE + 5, 0));
    test_pattern(memmap_data(m), 0, 3 * PAGE + 5);
    check_second_reservation(m);
}

TEST(file_second_reservation_keeps_the_data)
{
    require_placeholders();
    check_second_reservation(pattern_file_map(MEMMAP_WRITE));
}

/* Private bytes move by copy, also from pages the caller closed. */
TEST(reserve_copies_private_pages_the_caller_protected)
{
    int placeholders = system_has_placeholders();
    memmap_t *m;

    REQUIRE_OK(memmap_anon(&m, 4 * PAGE, 0));
    test_pattern(memmap_data(m), 0, 4 * PAGE);
    REQUIRE_OK(memmap_protect(m, PAGE, PAGE, MEMMAP_NONE));
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 4 * PAGE), (size_t)-1);
    CHECK_OK(memmap_close(m));

    if (!placeholders)
        return;
    m = pattern_file_map(MEMMAP_COPY);
    memset(memmap_data(m), 0x5A, 5 * PAGE);
    REQUIRE_OK(memmap_protect(m, 2 * PAGE, PAGE, MEMMAP_NONE));
    REQUIRE_OK(memmap_reserve(m, 64 * PAGE, 0));
    CHECK_EQ_U(((unsigned char *)memmap_data(m))[2 * PAGE + 7], 0x5A);
    CHECK_EQ_U(((unsigned char *)memmap_data(m))[5 * PAGE - 1], 0x5A);
    CHECK_OK(memmap_close(m));
}
