/* SPDX-License-Identifier: MIT */
/*
 * POSIX files: opening, inspecting, sizing and syncing them.  Shared memory
 * objects are sized and synced the same way (posix_shm.c opens them).
 */
#define _GNU_SOURCE /* fallocate, O_CLOEXEC on older systems */
#include "internal.h"

#include "posix/posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* internal.h asks for 64-bit file offsets; a 32-bit off_t here would wrap offsets past 4 GiB. */
typedef char off_t_must_be_64_bits[sizeof(off_t) == 8 ? 1 : -1];

void memmap_os_init(memmap_t *m)
{
    m->os.fd = -1;
}

int memmap_posix_needs_write_access(unsigned flags)
{
    return (flags & (MEMMAP_WRITE | MEMMAP_TRUNCATE)) != 0;
}

static int open_retrying(const char *path, int oflags, unsigned mode)
{
    int fd;
    do
        fd = open(path, oflags, (mode_t)mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int memmap_os_open_path(memmap_t *m, const char *path, unsigned mode, int *created)
{
    /* O_NONBLOCK: opening a FIFO read-only would otherwise wait for a writer. */
    int oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (memmap_posix_needs_write_access(m->flags) ? O_RDWR : O_RDONLY);
    int fd = -1;

    *created = 0;
    if (m->flags & MEMMAP_CREATE) {
        /* Exclusively first, to know whether a later failure must remove the file. */
        fd = open_retrying(path, oflags | O_CREAT | O_EXCL, mode);
        if (fd >= 0)
            *created = 1;
        else if (errno != EEXIST || (m->flags & MEMMAP_EXCL))
            return memmap_os_error(errno);
    }
    if (fd < 0)
        fd = open_retrying(path, oflags, 0);
    /* Gone in between, or a dangling symbolic link (which O_EXCL never follows):
     * create it the ordinary way, not knowing whether this call made it. */
    if (fd < 0 && errno == ENOENT && (m->flags & MEMMAP_CREATE))
        fd = open_retrying(path, oflags | O_CREAT, mode);
    if (fd < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    return 0;
}

void memmap_os_discard_created(memmap_t *m, const char *path)
{
    struct stat ours, named;
    /* Only while path still names our file: another process may have removed
     * it and made a new one there since. */
    if (fstat(m->os.fd, &ours) == 0 && lstat(path, &named) == 0 &&
        ours.st_dev == named.st_dev && ours.st_ino == named.st_ino)
        unlink(path);
}

int memmap_os_adopt_file(memmap_t *m, memmap_file_t file)
{
    int status, access, fd;

    if (file < 0)
        return memmap_fail_os(MEMMAP_EBADF, EBADF);
    status = fcntl(file, F_GETFL);
    if (status < 0)
        return memmap_os_error(errno);
    access = status & O_ACCMODE;
    /* mmap needs read access always, and write access for shared writable maps. */
    if (access == O_WRONLY || (memmap_posix_needs_write_access(m->flags) && access != O_RDWR))
        return memmap_fail(MEMMAP_EACCES);
    /* Our own descriptor: the caller may close theirs as soon as we return. */
    fd = fcntl(file, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    return 0;
}

int memmap_posix_describe(memmap_t *m, enum memmap_file_type *type, uint64_t *size)
{
    return memmap_os_describe_file(m->os.fd, type, size);
}

/* Growing past RLIMIT_FSIZE would raise SIGXFSZ, which kills by default: refuse first. */
static int check_file_size_limit(uint64_t new_size)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && new_size > (uint64_t)lim.rlim_cur)
        return memmap_fail_os(MEMMAP_EFBIG, EFBIG);
    return 0;
}

/*
 * Size changes that look at the size first (extend with ftruncate, cut) are
 * serialised among every memmap user of the file, in this process and others,
 * with an open-file-description lock on one byte far past any real data, where
 * it cannot meet the program's own locks.  Without such locks (not Linux), or
 * on a file system that refuses them, the change goes ahead unlocked.
 */
#define SIZE_LOCK_BYTE ((off_t)1 << 62)

static void size_lock(int fd, short type)
{
#ifdef F_OFD_SETLKW
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = SIZE_LOCK_BYTE;
    lock.l_len = 1;
    while (fcntl(fd, F_OFD_SETLKW, &lock) != 0 && errno == EINTR)
        ;
#else
    (void)fd;
    (void)type;
#endif
}

static int file_size_now(int fd, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno;
    *size = (uint64_t)st.st_size;
    return 0;
}

static int truncate_file(int fd, uint64_t size)
{
    int err;
    do
        err = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
    while (err == EINTR);
    return err;
}

/* Makes the file at least new_size bytes long, never shorter: another process
 * may have grown it past new_size since we looked.  Returns 0 or an errno value. */
static int extend_file(int fd, uint64_t new_size)
{
    uint64_t size = 0;
    int err;

    size_lock(fd, F_WRLCK);
    err = file_size_now(fd, &size);
    if (err == 0 && size < new_size)
        err = truncate_file(fd, new_size);
    size_lock(fd, F_UNLCK);
    return err;
}

/* Cuts the file to new_size unless it is already longer than expected_size:
 * then someone else grew it since the caller looked, and a cut would destroy
 * their bytes.  Returns 0, EBUSY or an errno value. */
static int cut_file(int fd, uint64_t expected_size, uint64_t new_size)
{
    uint64_t size = 0;
    int err;

    size_lock(fd, F_WRLCK);
    err = file_size_now(fd, &size);
    if (err == 0)
        err = size > expected_size ? EBUSY : truncate_file(fd, new_size);
    size_lock(fd, F_UNLCK);
    return err;
}

/* How much of the file the write-fault fallback maps at a time: bounded, so
 * that growing by more than the free address space (on 32-bit) still works. */
#define TOUCH_WINDOW ((size_t)64 << 20)

/*
 * Where the file system cannot allocate (ramfs, ext2, some network file
 * systems): extend the file, then write-fault every page of the new part
 * through a temporary shared mapping, which makes the file system find its
 * blocks.  The write faults store nothing (populate, or an atomic store of
 * each byte's own value), so bytes another process writes there meanwhile
 * survive, and a mapping ignores the O_APPEND that would make pwrite append.
 */
static int allocate_by_touching(int fd, uint64_t old_size, uint64_t new_size)
{
    uint64_t page = memmap_os_page_size(), pos;
    int err = extend_file(fd, new_size), rc = 0;

    for (pos = old_size / page * page; err == 0 && rc == 0 && pos < new_size; pos += TOUCH_WINDOW) {
        size_t len = new_size - pos < TOUCH_WINDOW ? (size_t)(new_size - pos) : TOUCH_WINDOW;
        void *window = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)pos);
        if (window == MAP_FAILED)
            return errno;
        rc = memmap_posix_touch(window, len, 1);
        munmap(window, len);
    }
    if (err != 0 || rc == 0)
        return err;
    /* A page that cannot be backed faults: the file system found no space for it. */
    if (rc == MEMMAP_EIO)
        return ENOSPC;
    return memmap_last_os_error() ? memmap_last_os_error() : EIO;
}

/* Extends the file to new_size with its blocks allocated; returns 0 or an errno value. */
static int allocate_blocks(int fd, uint64_t old_size, uint64_t new_size)
{
    int err;
#if defined(__linux__)
    /* fallocate directly: glibc's posix_fallocate would emulate by writing, unsafely for threads. */
    do
        err = fallocate(fd, 0, (off_t)old_size, (off_t)(new_size - old_size)) == 0 ? 0 : errno;
    while (err == EINTR);
#elif defined(__APPLE__)
    err = EOPNOTSUPP; /* no posix_fallocate */
#else
    err = posix_fallocate(fd, (off_t)old_size, (off_t)(new_size - old_size));
#endif
    if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL)
        err = allocate_by_touching(fd, old_size, new_size);
    return err;
}

int memmap_posix_set_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate)
{
    int fd = m->os.fd, err, rc;

    if (new_size > old_size) {
        if ((rc = check_file_size_limit(new_size)) != 0)
            return rc;
        err = allocate ? allocate_blocks(fd, old_size, new_size) : extend_file(fd, new_size);
        if (err != 0)
            cut_file(fd, new_size, old_size); /* a partial allocation must not change the size */
    } else {
        err = cut_file(fd, old_size, new_size);
    }
    if (err == EBUSY)
        return memmap_fail_os(MEMMAP_EBUSY, err);
    return err ? memmap_os_error(err) : 0;
}

int memmap_posix_close(memmap_t *m)
{
    if (m->os.fd >= 0) {
        /* close() may report a deferred write error, but the descriptor is gone either way (no retry). */
        close(m->os.fd);
        m->os.fd = -1;
    }
    return 0;
}

int memmap_posix_sync(memmap_t *m, void *addr, size_t len, int durable)
{
    if (len && msync(addr, len, durable ? MS_SYNC : MS_ASYNC) != 0)
        return memmap_os_error(errno);
    if (!durable)
        return 0;
#if defined(__APPLE__) && defined(F_FULLFSYNC)
    /* Apple's fsync and msync leave data in the drive's cache. */
    if (fcntl(m->os.fd, F_FULLFSYNC) != 0 && fsync(m->os.fd) != 0)
        return memmap_os_error(errno);
#elif defined(__linux__)
    /* Linux's MS_SYNC is already an fdatasync of the range; a size the library changed is
     * metadata that needs its own flush. */
    if (memmap_load_relaxed(&m->size_dirty) && fdatasync(m->os.fd) != 0)
        return memmap_os_error(errno);
#else
    /* Elsewhere msync is not known to reach stable storage by itself. */
    if (fsync(m->os.fd) != 0)
        return memmap_os_error(errno);
#endif
    return 0;
}

const struct memmap_kind memmap_os_file_kind = {
    "file", memmap_posix_describe, memmap_posix_set_size, memmap_posix_sync, memmap_posix_close,
};
