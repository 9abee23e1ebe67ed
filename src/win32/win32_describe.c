/* SPDX-License-Identifier: MIT */
/* What kind of file a caller's handle is, and its size, before any map of it exists. */
#include "win32.h"

int memmap_os_describe_file(memmap_file_t file, enum memmap_file_type *type, uint64_t *size)
{
    BY_HANDLE_FILE_INFORMATION info;
    DWORD file_type;

    if (file == NULL || file == INVALID_HANDLE_VALUE)
        return memmap_fail(MEMMAP_EBADF);
    *size = 0;
    file_type = GetFileType((HANDLE)file);
    if (file_type == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR)
        return memmap_win32_last_error();
    if (file_type != FILE_TYPE_DISK) {
        /* Consoles, pipes and devices cannot back a section. */
        *type = MEMMAP_FILE_UNMAPPABLE;
        return 0;
    }
    if (!GetFileInformationByHandle((HANDLE)file, &info))
        return memmap_win32_last_error();
    *type = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? MEMMAP_FILE_DIRECTORY : MEMMAP_FILE_REGULAR;
    *size = ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    return 0;
}
