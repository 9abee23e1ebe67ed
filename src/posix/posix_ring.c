/* SPDX-License-Identifier: MIT */
/*
 * POSIX rings: an object without a name (memfd_create on Linux, elsewhere a
 * shm_open object unlinked at once), mapped twice inside one reservation.
 * Nothing ever appears in a directory, and the memory lives as long as a map
 * of it: in this process and in the children it forks.
 */
#define _GNU_SOURCE /* memfd_create */
#include "internal.h"
#include "posix/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef __linux__
#  include <sys/sysinfo.h>
#endif

/* How many names to try for an unnamed shm object before giving up. */
#define NAME_ATTEMPTS 64

/* A shm_open object whose name is gone before anyone else could use it. */
static int unnamed_shm_object(void)
{
    static unsigned counter;
    char name[64];
    int attempt, fd = -1;

    for (attempt = 0; attempt < NAME_ATTEMPTS && fd < 0; attempt++) {
        unsigned n = memmap_fetch_add_relaxed(&counter, 1);
        snprintf(name, sizeof name, "/memmap-ring-%ld-%u-%lx", (long)getpid(), n,
                 (unsigned long)(uintptr_t)name ^ (unsigned long)attempt << 20);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            shm_unlink(name);
        else if (errno != EEXIST)
            return -1;
    }
    return fd;
}

/*
 * A memfd has no size limit of its own, and its pages are allocated one by
 * one: asked for more than the machine has, the allocation would run until
 * the OOM killer ends the process.  Refuse what RAM and swap together cannot
 * hold, the answer the kernel's overcommit heuristic gives anonymous memory.
 */
static int more_than_memory(size_t length)
{
#ifdef __linux__
    struct sysinfo info;
    if (sysinfo(&info) == 0) {
        unsigned long long total = ((unsigned long long)info.totalram + info.totalswap) * info.mem_unit;
        return (unsigned long long)length > total;
    }
#else
    (void)length;
#endif
    return 0;
}

int memmap_os_ring_object(memmap_t *m, size_t length)
{
    int fd = -1;

    if (more_than_memory(length))
        return memmap_fail(MEMMAP_ENOMEM);
#if defined(__linux__) && defined(MFD_CLOEXEC)
    fd = memfd_create("memmap-ring", MFD_CLOEXEC);
    /* Kernels before 3.17 (and some sandboxes) lack it. */
    if (fd < 0 && errno != ENOSYS && errno != EPERM)
        return memmap_os_error(errno);
#endif
    if (fd < 0 && (fd = unnamed_shm_object()) < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    /* Allocated now: a full /dev/shm is MEMMAP_ENOSPC here, not SIGBUS later. */
    return m->kind->set_size(m, 0, length, 1);
}

int memmap_os_map_mirror(memmap_t *m, size_t length)
{
    return memmap_map_mirror_reserved(m, length);
}
