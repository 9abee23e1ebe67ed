/* SPDX-License-Identifier: MIT */
/* Error codes: names, messages, and the per-thread last OS error. */
#include "internal.h"

struct error_info {
    const char *name;
    const char *message;
};

/* Indexed by -code: MEMMAP_OK first, then MEMMAP_ERRNO_MAP in its order. */
static const struct error_info errors[] = {
    {"MEMMAP_OK", "success"},
#define ERROR_INFO(name, message) {"MEMMAP_" #name, message},
    MEMMAP_ERRNO_MAP(ERROR_INFO)
#undef ERROR_INFO
};

/*
 * The index above is only right if the map lists the codes from -1 down with
 * no gap, so the build proves it: each entry's place in the map must equal
 * minus its value.  (C99 has no static_assert; a negative array size fails.)
 */
enum error_place {
    PLACE_OF_OK,
#define ERROR_PLACE(name, message) PLACE_OF_##name,
    MEMMAP_ERRNO_MAP(ERROR_PLACE)
#undef ERROR_PLACE
    ERROR_COUNT
};
#define ERROR_IN_PLACE(name, message) typedef char error_in_place_##name[-MEMMAP_##name == PLACE_OF_##name ? 1 : -1];
MEMMAP_ERRNO_MAP(ERROR_IN_PLACE)
#undef ERROR_IN_PLACE
typedef char error_table_complete[sizeof errors / sizeof errors[0] == ERROR_COUNT ? 1 : -1];

static MEMMAP_THREAD_LOCAL int last_os_error;

static const struct error_info *find_error(int code)
{
    /* Compared as int before negating: -INT_MIN would overflow. */
    if (code > 0 || code <= -ERROR_COUNT)
        return NULL;
    return &errors[-code];
}

const char *memmap_strerror(int code)
{
    const struct error_info *e = find_error(code);
    return e ? e->message : "unknown error";
}

const char *memmap_errname(int code)
{
    const struct error_info *e = find_error(code);
    return e ? e->name : "MEMMAP_UNKNOWN";
}

int memmap_last_os_error(void)
{
    return last_os_error;
}

int memmap_fail_os(int code, int os_code)
{
    last_os_error = os_code;
    return code;
}

int memmap_fail(int code)
{
    last_os_error = 0;
    return code;
}

unsigned char *memmap_empty_data(void)
{
    /* Empty maps need a data pointer that is not NULL; nothing is ever written through it. */
    static const unsigned char empty[1];
    return (unsigned char *)empty;
}
