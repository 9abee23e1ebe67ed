/* SPDX-License-Identifier: MIT */
/*
 * Resizing on Windows, where a view cannot be extended: the library maps a
 * larger view at the same address when the address space after the view is
 * free, and otherwise moves it or, with MEMMAP_NOMOVE, fails leaving the map
 * and the file as they were.  The test decides which case it is in by
 * occupying that address space itself.
 */
// labels: win32
#include "harness.h"

#include <windows.h>

#define GRANULE 65536u

/* A 64 KiB map (one granule, so the next granule starts where it ends). */
static memmap_t *granule_map(int anonymous)
{
    memmap_options opt = {0, GRANULE, 0};
    memmap_t *m;
    if (anonymous)
        REQUIRE_OK(memmap_anon(&m, GRANULE, 0));
    else
        REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), 0, GRANULE);
    return m;
}

static void check_growth(int anonymous)
{
    memmap_t *m = granule_map(anonymous);
    unsigned char *data = memmap_data(m);
    /* Hold the granule after the view, unless something already does. */
    void *blocker = VirtualAlloc(data + GRANULE, GRANULE, MEM_RESERVE, PAGE_NOACCESS);

    CHECK_CODE(memmap_resize(m, 2 * GRANULE, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_size(m), GRANULE);
    CHECK_EQ_U(test_pattern_mismatch(data, 0, GRANULE), (size_t)-1);
    if (!anonymous)
        CHECK_EQ(test_file_size(test_path("f")), GRANULE);

    if (blocker) {
        /* Free again: the view grows where it is, with or without NOMOVE. */
        REQUIRE(VirtualFree(blocker, 0, MEM_RELEASE));
        REQUIRE_OK(memmap_resize(m, 2 * GRANULE, MEMMAP_NOMOVE));
        CHECK(memmap_data(m) == data);
        REQUIRE_OK(memmap_resize(m, 3 * GRANULE, 0));
        CHECK(memmap_data(m) == data);
    } else {
        /* Taken by someone else: the view moves, the contents with it. */
        REQUIRE_OK(memmap_resize(m, 3 * GRANULE, 0));
    }
    CHECK_EQ_U(memmap_size(m), 3 * GRANULE);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, GRANULE), (size_t)-1);
    ((unsigned char *)memmap_data(m))[3 * GRANULE - 1] = 1;
    if (!anonymous)
        CHECK_EQ(test_file_size(test_path("f")), 3 * GRANULE);
    CHECK_OK(memmap_close(m));
}

TEST(file_growth_in_place_or_cleanly_refused)
{
    check_growth(0);
}

TEST(anonymous_growth_in_place_or_cleanly_refused)
{
    check_growth(1);
}

/* Moving is the fallback, not a failure: with the space after the view
 * taken, a resize without NOMOVE moves the data and keeps it. */
TEST(growth_moves_when_the_space_after_is_taken)
{
    memmap_t *m = granule_map(0);
    unsigned char *data = memmap_data(m);
    void *blocker = VirtualAlloc(data + GRANULE, GRANULE, MEM_RESERVE, PAGE_NOACCESS);
    REQUIRE_OK(memmap_resize(m, 4 * GRANULE, 0));
    CHECK(memmap_data(m) != data);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, GRANULE), (size_t)-1);
    CHECK_EQ(test_file_size(test_path("f")), 4 * GRANULE);
    /* The old address is given back. */
    CHECK(VirtualAlloc(data, GRANULE, MEM_RESERVE, PAGE_NOACCESS) == data);
    VirtualFree(data, 0, MEM_RELEASE);
    if (blocker)
        VirtualFree(blocker, 0, MEM_RELEASE);
    CHECK_OK(memmap_close(m));
}

/* A shrink keeps the address (Windows cannot unmap part of a view); a
 * TRUNCATE shrink, which must take the view down to shorten the file, puts
 * it back at the same address. */
TEST(shrinks_keep_the_address)
{
    memmap_options opt = {0, 5 * GRANULE, 0};
    memmap_t *m;
    unsigned char *data;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    data = memmap_data(m);
    test_pattern(data, 0, 5 * GRANULE);
    REQUIRE_OK(memmap_resize(m, 3 * GRANULE, MEMMAP_NOMOVE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ(test_file_size(test_path("f")), 5 * GRANULE);
    REQUIRE_OK(memmap_resize(m, GRANULE + 10, MEMMAP_NOMOVE | MEMMAP_TRUNCATE));
    CHECK(memmap_data(m) == data);
    CHECK_EQ(test_file_size(test_path("f")), GRANULE + 10);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, GRANULE + 10), (size_t)-1);
    CHECK_OK(memmap_close(m));
}
