/* SPDX-License-Identifier: MIT */
/* Error codes: stable values, names, messages, and the last OS error. */
#include "harness.h"

static const struct {
    int code;
    int value;
    const char *name;
} codes[] = {
    {MEMMAP_OK, 0, "MEMMAP_OK"},
    {MEMMAP_EINVAL, -1, "MEMMAP_EINVAL"},
    {MEMMAP_ENOENT, -2, "MEMMAP_ENOENT"},
    {MEMMAP_EEXIST, -3, "MEMMAP_EEXIST"},
    {MEMMAP_EACCES, -4, "MEMMAP_EACCES"},
    {MEMMAP_ENOMEM, -5, "MEMMAP_ENOMEM"},
    {MEMMAP_ENOSPC, -6, "MEMMAP_ENOSPC"},
    {MEMMAP_EFBIG, -7, "MEMMAP_EFBIG"},
    {MEMMAP_ERANGE, -8, "MEMMAP_ERANGE"},
    {MEMMAP_ENOTSUP, -9, "MEMMAP_ENOTSUP"},
    {MEMMAP_EBUSY, -10, "MEMMAP_EBUSY"},
    {MEMMAP_EIO, -11, "MEMMAP_EIO"},
    {MEMMAP_EBADF, -12, "MEMMAP_EBADF"},
    {MEMMAP_EISDIR, -13, "MEMMAP_EISDIR"},
    {MEMMAP_ENODEV, -14, "MEMMAP_ENODEV"},
    {MEMMAP_EMFILE, -15, "MEMMAP_EMFILE"},
};

TEST(codes_have_fixed_values_names_and_distinct_messages)
{
    size_t i, j;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK_EQ(codes[i].code, codes[i].value);
        CHECK(strcmp(memmap_errname(codes[i].code), codes[i].name) == 0);
        CHECK(memmap_strerror(codes[i].code) != NULL);
        CHECK(strlen(memmap_strerror(codes[i].code)) > 0);
        for (j = 0; j < i; j++)
            CHECK(strcmp(memmap_strerror(codes[i].code), memmap_strerror(codes[j].code)) != 0);
    }
}

TEST(unknown_codes_still_give_text)
{
    static const int unknown[] = {1, 2, -16, -100, 12345, -2147483647 - 1, 2147483647};
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
