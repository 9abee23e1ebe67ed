/* SPDX-License-Identifier: MIT */
/* memmap_version: the run-time version agrees with the header's macros. */
#include "harness.h"

#include <stdlib.h>

TEST(version_matches_header_macros)
{
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", MEMMAP_VERSION_MAJOR, MEMMAP_VERSION_MINOR,
             MEMMAP_VERSION_PATCH);
    REQUIRE(memmap_version() != NULL);
    if (strcmp(memmap_version(), expected) != 0)
        test_fail(__FILE__, __LINE__, "memmap_version() is \"%s\", the header says \"%s\"",
                  memmap_version(), expected);
}

TEST(version_is_three_decimal_numbers)
{
    const char *p = memmap_version();
    int part;
    REQUIRE(p != NULL);
    for (part = 0; part < 3; part++) {
        const char *start = p;
        while (*p >= '0' && *p <= '9')
            p++;
        CHECK(p > start);             /* at least one digit */
        CHECK(p - start == 1 || *start != '0');  /* no leading zero */
        if (part < 2) {
            CHECK_EQ(*p, '.');
            if (*p != '.')
                return;
            p++;
        }
    }
    CHECK_EQ(*p, '\0');
}
