/* SPDX-License-Identifier: MIT */
/* Translation of GetLastError() values into MEMMAP_E* codes. */
#include "win32.h"

/* Windows has hundreds of error codes; these are the ones the calls this
 * backend makes are documented or known to return.  Anything else is an OS
 * failure with no closer code. */
static int translate(DWORD error)
{
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_DIRECTORY:         /* a path component is not a directory */
        return MEMMAP_ENOENT;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return MEMMAP_EEXIST;
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT:
    case ERROR_INVALID_ACCESS:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_CANT_ACCESS_FILE:
        return MEMMAP_EACCES;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_NONPAGED_SYSTEM_RESOURCES:
    case ERROR_PAGED_SYSTEM_RESOURCES:
    case ERROR_WORKING_SET_QUOTA:
    case ERROR_PAGEFILE_QUOTA:
    case ERROR_INVALID_ADDRESS:   /* no room for the view in the address space */
        return MEMMAP_ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return MEMMAP_ENOSPC;
    case ERROR_FILE_TOO_LARGE:
        return MEMMAP_EFBIG;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_USER_MAPPED_FILE:  /* shrinking a file that has a mapping */
    case ERROR_BUSY:
        return MEMMAP_EBUSY;
    case ERROR_INVALID_HANDLE:
        return MEMMAP_EBADF;
    case ERROR_TOO_MANY_OPEN_FILES:
        return MEMMAP_EMFILE;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_NAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_MAPPED_ALIGNMENT:
    case ERROR_NEGATIVE_SEEK:
        return MEMMAP_EINVAL;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_INVALID_FUNCTION:
        return MEMMAP_ENOTSUP;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_FILE_INVALID:      /* the file cannot back a section */
        return MEMMAP_ENODEV;
    default:
        return MEMMAP_EIO;
    }
}

int memmap_os_error(int os_code)
{
    return memmap_fail_os(translate((DWORD)os_code), os_code);
}
