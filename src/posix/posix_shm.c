/* SPDX-License-Identifier: MIT */
/*
 * POSIX named shared memory: shm_open objects, sized and synced as files are
 * (posix_file.c).
 */
#define _GNU_SOURCE /* O_CLOEXEC on older systems */
#include "internal.h"

#include "posix/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>

/* shm_open names are "/name": the shared code has checked name is at most 200 bytes. */
#define SHM_PATH_MAX 256

/* How often to retry opening a shm object that disappears between create and open. */
#define SHM_OPEN_RETRIES 100

static void shm_path(char *buf, const char *name)
{
    snprintf(buf, SHM_PATH_MAX, "/%s", name);
}

int memmap_os_shm_open(memmap_t *m, const char *name, size_t length, int *created)
{
    char path[SHM_PATH_MAX];
    /* A new object must be sized, which needs write access even for a read-only map. */
    int access = (memmap_posix_needs_write_access(m->flags) || (m->flags & MEMMAP_CREATE)) ? O_RDWR : O_RDONLY;
    int fd = -1, tries;

    (void)length; /* sized later through the kind's set_size */
    shm_path(path, name);
    *created = 0;
    for (tries = 0; tries < SHM_OPEN_RETRIES && fd < 0; tries++) {
        if (m->flags & MEMMAP_CREATE) {
            /* Create exclusively first, so we know whether the object is ours to size and discard. */
            fd = shm_open(path, access | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0) {
                *created = 1;
                break;
            }
            if (errno != EEXIST || (m->flags & MEMMAP_EXCL))
                return memmap_os_error(errno);
        }
        fd = shm_open(path, access | O_CLOEXEC, 0);
        /* Without CREATE a missing object is final; with it, someone removed it in between: retry. */
        if (fd < 0 && (errno != ENOENT || !(m->flags & MEMMAP_CREATE)))
            return memmap_os_error(errno);
    }
    if (fd < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    return 0;
}

int memmap_os_shm_unlink(const char *name)
{
    char path[SHM_PATH_MAX];
    shm_path(path, name);
    if (shm_unlink(path) != 0)
        return memmap_os_error(errno);
    return 0;
}

void memmap_os_shm_discard(const char *name)
{
    char path[SHM_PATH_MAX];
    shm_path(path, name);
    shm_unlink(path);
}

const struct memmap_kind memmap_os_shm_kind = {
    "shared memory", memmap_posix_describe, memmap_posix_set_size, memmap_posix_sync, memmap_posix_close,
};
