/* SPDX-License-Identifier: MIT */
/* Error codes: names, messages, and the per-thread last OS error. */
#include "internal.h"

struct error_info {
    int code;
    const char *name;
    const char *message;
};

static const struct error_info errors[] = {
    {MEMMAP_OK, "MEMMAP_OK", "success"},
    {MEMMAP_EINVAL, "MEMMAP_EINVAL", "invalid argument"},
    {MEMMAP_ENOENT, "MEMMAP_ENOENT", "no such file or shared memory object"},
    {MEMMAP_EEXIST, "MEMMAP_EEXIST", "file or shared memory object already exists"},
    {MEMMAP_EACCES, "MEMMAP_EACCES", "permission denied"},
    {MEMMAP_ENOMEM, "MEMMAP_ENOMEM", "out of memory, address space or locked-memory allowance"},
    {MEMMAP_ENOSPC, "MEMMAP_ENOSPC", "no space left on device"},
    {MEMMAP_EFBIG, "MEMMAP_EFBIG", "file too large"},
    {MEMMAP_ERANGE, "MEMMAP_ERANGE", "range outside the map or past the end of the file"},
    {MEMMAP_ENOTSUP, "MEMMAP_ENOTSUP", "operation not supported for this map on this platform"},
    {MEMMAP_EBUSY, "MEMMAP_EBUSY", "resource busy: the map cannot stay at its address"},
    {MEMMAP_EIO, "MEMMAP_EIO", "input/output error"},
    {MEMMAP_EBADF, "MEMMAP_EBADF", "bad file descriptor or handle"},
    {MEMMAP_EISDIR, "MEMMAP_EISDIR", "is a directory"},
    {MEMMAP_ENODEV, "MEMMAP_ENODEV", "file type cannot be mapped"},
    {MEMMAP_EMFILE, "MEMMAP_EMFILE", "too many open files"},
};

static MEMMAP_THREAD_LOCAL int last_os_error;

static const struct error_info *find_error(int code)
{
    size_t i;
    for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code)
            return &errors[i];
    return NULL;
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
