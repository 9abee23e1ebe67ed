/* SPDX-License-Identifier: MIT */
/* mmtouch's POSIX layer: stat, readdir, isatty, clock_gettime, sigwait. */
#define _POSIX_C_SOURCE 200809L
/* Files past 2 GiB, and inode numbers past 2^32, on 32-bit systems too. */
#define _FILE_OFFSET_BITS 64
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum path_kind path_examine(const char *path, int follow, uint64_t *size, const char **error)
{
    struct stat st;
    *size = 0;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) {
        *error = strerror(errno);
        return PATH_MISSING;
    }
    if (S_ISLNK(st.st_mode))
        return PATH_SYMLINK;
    if (S_ISDIR(st.st_mode))
        return PATH_DIRECTORY;
    if (!S_ISREG(st.st_mode))
        return PATH_OTHER;
    *size = (uint64_t)st.st_size;
    return PATH_FILE;
}

int dir_each(const char *dir, void (*visit)(const char *path, void *ctx), void *ctx, const char **error)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t dir_len = strlen(dir);
    int slash = dir_len > 0 && dir[dir_len - 1] == '/';

    if (!d) {
        *error = strerror(errno);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n;
        char *path;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n = dir_len + 1 + strlen(e->d_name) + 1;
        if (!(path = malloc(n))) {
            *error = strerror(ENOMEM);
            closedir(d);
            return -1;
        }
        snprintf(path, n, "%s%s%s", dir, slash ? "" : "/", e->d_name);
        visit(path, ctx);
        free(path);
    }
    closedir(d);
    return 0;
}

int stderr_is_terminal(void)
{
    return isatty(STDERR_FILENO);
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sigset_t stop_signals;

void catch_interrupts(void)
{
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    /* Blocked signals stay pending for sigwait instead of killing the process,
     * so mmtouch gets to close its maps before exiting. */
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
}

void wait_for_interrupt(void)
{
    int sig;
    sigwait(&stop_signals, &sig);
}

char **utf8_arguments(int argc, char **argv)
{
    (void)argc;
    return argv;
}
