/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the Windows backend: string conversion, protection
 * flags and run-time lookups of optional system functions. */
#include "win32.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int memmap_win32_widen(const char *utf8, const wchar_t *prefix, wchar_t **wide)
{
    size_t prefix_len = prefix ? wcslen(prefix) : 0;
    int n;
    wchar_t *w;

    *wide = NULL;
    /* MB_ERR_INVALID_CHARS: a malformed name is an error, not a file named
     * with U+FFFD replacement characters. */
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    if (n <= 0)
        return memmap_fail(MEMMAP_EINVAL);
    w = malloc((prefix_len + (size_t)n) * sizeof *w);
    if (!w)
        return memmap_fail(MEMMAP_ENOMEM);
    if (prefix_len)
        memcpy(w, prefix, prefix_len * sizeof *w);
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w + prefix_len, n) != n) {
        free(w);
        return memmap_fail(MEMMAP_EINVAL);
    }
    *wide = w;
    return 0;
}

DWORD memmap_win32_section_protection(unsigned flags)
{
    int exec = (flags & MEMMAP_EXEC) != 0;
    if (flags & MEMMAP_WRITE)
        return exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    if (flags & MEMMAP_COPY)
        return exec ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    return exec ? PAGE_EXECUTE_READ : PAGE_READONLY;
}

DWORD memmap_win32_view_access(unsigned flags)
{
    DWORD access;
    if (flags & MEMMAP_WRITE)
        access = FILE_MAP_WRITE; /* read and write */
    else if (flags & MEMMAP_COPY)
        access = FILE_MAP_COPY;
    else
        access = FILE_MAP_READ;
    if (flags & MEMMAP_EXEC)
        access |= FILE_MAP_EXECUTE;
    return access;
}

FARPROC memmap_win32_lookup(const wchar_t *module, const char *name)
{
    /* Every module asked for (kernel32, kernelbase, ntdll) is loaded in every
     * process, so GetModuleHandle suffices and nothing is loaded or leaked. */
    HMODULE h = GetModuleHandleW(module);
    return h ? GetProcAddress(h, name) : NULL;
}

int memmap_win32_last_error(void)
{
    return memmap_os_error((int)GetLastError());
}
