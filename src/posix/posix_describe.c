/* SPDX-License-Identifier: MIT */
/* What kind of file a caller's descriptor is, and its size, before any map of it exists. */
#include "internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int memmap_os_describe_file(memmap_file_t file, enum memmap_file_type *type, uint64_t *size)
{
    struct stat st;

    if (file < 0)
        return memmap_fail_os(MEMMAP_EBADF, EBADF);
    if (fstat(file, &st) != 0)
        return memmap_os_error(errno);
    *size = 0;
    if (S_ISREG(st.st_mode)) {
        *type = MEMMAP_FILE_REGULAR;
        *size = (uint64_t)st.st_size;
    } else if (S_ISDIR(st.st_mode)) {
        *type = MEMMAP_FILE_DIRECTORY;
    } else if ((S_ISCHR(st.st_mode) && !isatty(file)) || S_ISBLK(st.st_mode)) {
        *type = MEMMAP_FILE_DEVICE;
    } else {
        *type = MEMMAP_FILE_UNMAPPABLE;
    }
    return 0;
}
