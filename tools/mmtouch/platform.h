/* SPDX-License-Identifier: MIT */
/* What mmtouch needs from the operating system besides memmap: walking
 * directories, file sizes, terminals, clocks and waiting for a signal. */
#ifndef MMTOUCH_PLATFORM_H
#define MMTOUCH_PLATFORM_H

#include <stdint.h>

enum path_kind {
    PATH_FILE,      /* a regular file */
    PATH_DIRECTORY,
    PATH_OTHER,     /* device, FIFO, socket: nothing to map */
    PATH_SYMLINK,   /* seen while recursing: not followed */
    PATH_MISSING    /* could not be examined; errno-like text in the error */
};

/* What path is (following symlinks when follow is set) and, for a file, its size.
 * On PATH_MISSING, *error says why. */
enum path_kind path_examine(const char *path, int follow, uint64_t *size, const char **error);

/* Calls visit(path, ctx) for every entry of directory dir (not "." or ".."),
 * with path = dir + separator + name.  Returns 0, or -1 with *error set when
 * the directory cannot be read. */
int dir_each(const char *dir, void (*visit)(const char *path, void *ctx), void *ctx, const char **error);

/* Whether standard error is a terminal (progress is drawn only there). */
int stderr_is_terminal(void);

/* Seconds on a monotonic clock. */
double now_seconds(void);

/* Makes the requests to stop (SIGINT, SIGTERM, SIGHUP; Ctrl-C and console
 * close on Windows) wait for wait_for_interrupt instead of ending the process;
 * one that arrives in between is not lost. */
void catch_interrupts(void);
/* Blocks until such a request arrives. */
void wait_for_interrupt(void);

/* Arguments as UTF-8 (Windows converts its UTF-16 command line); argv on POSIX. */
char **utf8_arguments(int argc, char **argv);

#endif
