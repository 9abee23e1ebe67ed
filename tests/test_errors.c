/* SPDX-License-Identifier: MIT */
/* Error codes: stable values, names, messages, and the last OS error. */
#include "harness.h"

/* Every code, written from the header's MEMMAP_ERRNO_MAP: MEMMAP_OK first, then the map in its order. */
static const struct {
    int code;
    const char *name;
    const char *message;
} codes[] = {
    {MEMMAP_OK, "MEMMAP_OK", "success"},
#define CODE_ENTRY(name, message) {MEMMAP_##name, "MEMMAP_" #name, message},
    MEMMAP_ERRNO_MAP(CODE_ENTRY)
#undef CODE_ENTRY
};
#define CODE_COUNT ((int)(sizeof codes / sizeof codes[0]))

TEST(codes_run_from_zero_down_without_a_gap)
{
    /* Entry i is code -i: no value is missing, none is used twice, and a
     * binding can size a table by the count. */
    int i;
    for (i = 0; i < CODE_COUNT; i++)
        CHECK_EQ(codes[i].code, -i);
}

TEST(codes_round_trip_through_their_name_and_message)
{
    int i, j;
    for (i = 0; i < CODE_COUNT; i++) {
        CHECK(strcmp(memmap_errname(codes[i].code), codes[i].name) == 0);
        CHECK(strcmp(memmap_strerror(codes[i].code), codes[i].message) == 0);
        CHECK(strlen(codes[i].message) > 0);
        for (j = 0; j < i; j++) {
            CHECK(strcmp(codes[i].name, codes[j].name) != 0);
            CHECK(strcmp(codes[i].message, codes[j].message) != 0);
        }
    }
}

TEST(unknown_codes_still_give_text)
{
    /* The first value past either end of the list, and the extremes. */
    const int unknown[] = {1, 2, -CODE_COUNT, -CODE_COUNT - 1, -100, 12345, -2147483647 - 1, 2147483647};
    size_t i;
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(strcmp(memmap_errname(unknown[i]), "MEMMAP_UNKNOWN") == 0);
        CHECK(strcmp(memmap_strerror(unknown[i]), "unknown error") == 0);
    }
}

TEST(last_os_error_follows_the_last_failure)
{
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, test_path("missing"), MEMMAP_READ, NULL), MEMMAP_ENOENT);
    CHECK(memmap_last_os_error() != 0);
    /* A failure the library found without asking the OS has no OS error. */
    CHECK_CODE(memmap_open(&m, NULL, MEMMAP_READ, NULL), MEMMAP_EINVAL);
    CHECK_EQ(memmap_last_os_error(), 0);
}
