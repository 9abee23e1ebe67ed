/* SPDX-License-Identifier: MIT */
/* What the Windows backend's files share; only the files of src/win32 include it. */
#ifndef MEMMAP_WIN32_H
#define MEMMAP_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "internal.h"

/* Converts a UTF-8 string to a newly allocated UTF-16 one (free() it).
 * MEMMAP_EINVAL for invalid UTF-8, MEMMAP_ENOMEM when out of memory. */
int memmap_win32_widen(const char *utf8, const wchar_t *prefix, wchar_t **wide);

/* The page protection of a section, and the access of a view, for the map's
 * creation flags (READ, WRITE, COPY, EXEC). */
DWORD memmap_win32_section_protection(unsigned flags);
DWORD memmap_win32_view_access(unsigned flags);

/* A function of a system DLL that may be missing (newer than Windows 7, or
 * absent under Wine): NULL when it is not there. */
FARPROC memmap_win32_lookup(const wchar_t *module, const char *name);

/* Maps size bytes of anonymous memory for m in large pages (win32_cache.c):
 * 0 when granted, with m's view and section set; -1, with nothing changed, when
 * the privilege, the size or the system refuses. */
int memmap_win32_map_large_pages(memmap_t *m, size_t size);

/* Records GetLastError() as the last OS error and returns its MEMMAP_E* code. */
int memmap_win32_last_error(void);

#endif
