/* SPDX-License-Identifier: MIT */
/* mmtouch's Windows layer: paths are UTF-8 outside, UTF-16 towards Windows. */
#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <shellapi.h>

#include "platform.h"

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A newly allocated UTF-16 copy of a UTF-8 string, NULL on failure. */
static wchar_t *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

/* A newly allocated UTF-8 copy of a UTF-16 string, NULL on failure. */
static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

/* Windows' text for the last error, in a static buffer. */
static const char *last_error_text(void)
{
    static char text[256];
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             GetLastError(), 0, text, sizeof text, NULL);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.'))
        text[--n] = '\0';
    if (n == 0)
        snprintf(text, sizeof text, "Windows error %lu", (unsigned long)GetLastError());
    return text;
}

enum path_kind path_examine(const char *path, int follow, uint64_t *size, const char **error)
{
    WIN32_FILE_ATTRIBUTE_DATA data;
    wchar_t *w = widen(path);
    BOOL ok;

    *size = 0;
    if (!w) {
        *error = "not a valid UTF-8 path";
        return PATH_MISSING;
    }
    ok = GetFileAttributesExW(w, GetFileExInfoStandard, &data);
    free(w);
    if (!ok) {
        *error = last_error_text();
        return PATH_MISSING;
    }
    if (!follow && (data.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
        return PATH_SYMLINK;
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        return PATH_DIRECTORY;
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DEVICE)
        return PATH_OTHER;
    *size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    return PATH_FILE;
}

int dir_each(const char *dir, void (*visit)(const char *path, void *ctx), void *ctx, const char **error)
{
    size_t dir_len = strlen(dir);
    int sep = dir_len > 0 && (dir[dir_len - 1] == '\\' || dir[dir_len - 1] == '/');
    char *pattern = malloc(dir_len + 3);
    wchar_t *wpattern;
    WIN32_FIND_DATAW found;
    HANDLE h;

    if (!pattern) {
        *error = "out of memory";
        return -1;
    }
    snprintf(pattern, dir_len + 3, "%s%s*", dir, sep ? "" : "\\");
    wpattern = widen(pattern);
    free(pattern);
    if (!wpattern) {
        *error = "not a valid UTF-8 path";
        return -1;
    }
    h = FindFirstFileW(wpattern, &found);
    free(wpattern);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_NOT_FOUND)
            return 0; /* an empty directory (no "." on some file systems) */
        *error = last_error_text();
        return -1;
    }
    do {
        char *name, *path;
        size_t n;
        if (!wcscmp(found.cFileName, L".") || !wcscmp(found.cFileName, L".."))
            continue;
        if (!(name = narrow(found.cFileName)))
            continue;
        n = dir_len + 1 + strlen(name) + 1;
        if ((path = malloc(n)) != NULL) {
            snprintf(path, n, "%s%s%s", dir, sep ? "" : "\\", name);
            visit(path, ctx);
            free(path);
        }
        free(name);
    } while (FindNextFileW(h, &found));
    FindClose(h);
    return 0;
}

int stderr_is_terminal(void)
{
    return _isatty(_fileno(stderr));
}

double now_seconds(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER t;
    if (frequency.QuadPart == 0)
        QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)frequency.QuadPart;
}

static HANDLE stop_event;

static BOOL WINAPI on_console_event(DWORD type)
{
    (void)type;
    SetEvent(stop_event);
    return TRUE; /* handled: main returns and closes the maps */
}

void catch_interrupts(void)
{
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (stop_event)
        SetConsoleCtrlHandler(on_console_event, TRUE);
}

void wait_for_interrupt(void)
{
    if (stop_event)
        WaitForSingleObject(stop_event, INFINITE);
}

char **utf8_arguments(int argc, char **argv)
{
    int n, i;
    wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    if (!wide || n != argc)
        return argv;
    /* Lives until the process exits, as argv does. */
    if (!(out = calloc((size_t)n + 1, sizeof *out)))
        return argv;
    for (i = 0; i < n; i++)
        if (!(out[i] = narrow(wide[i])))
            return argv;
    LocalFree(wide);
    return out;
}
