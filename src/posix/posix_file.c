/* SPDX-License-Identifier: MIT */
/*
 * POSIX files and shared memory objects: opening, inspecting and sizing them.
 */
#define _GNU_SOURCE /* fallocate, O_CLOEXEC on older systems */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* shm_open names are "/name": the shared code has checked name is at most 200 bytes. */
#define SHM_PATH_MAX 256

/* How often to retry opening a shm object that disappears between create and open. */
#define SHM_OPEN_RETRIES 100

void memmap_os_init(memmap_t *m)
{
    m->os.fd = -1;
}

static int needs_write_access(unsigned flags)
{
    return (flags & (MEMMAP_WRITE | MEMMAP_TRUNCATE)) != 0;
}

int memmap_os_open_path(memmap_t *m, const char *path, unsigned mode)
{
    /* O_NONBLOCK: opening a FIFO read-only would otherwise wait for a writer. */
    int oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int fd;

    oflags |= needs_write_access(m->flags) ? O_RDWR : O_RDONLY;
    if (m->flags & MEMMAP_CREATE)
        oflags |= O_CREAT;
    if (m->flags & MEMMAP_EXCL)
        oflags |= O_EXCL;
    do
        fd = open(path, oflags, (mode_t)mode);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    return 0;
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
    if (access == O_WRONLY || (needs_write_access(m->flags) && access != O_RDWR))
        return memmap_fail(MEMMAP_EACCES);
    /* Our own descriptor: the caller may close theirs as soon as we return. */
    fd = fcntl(file, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return memmap_os_error(errno);
    m->os.fd = fd;
    return 0;
}

static void shm_path(char *buf, const char *name)
{
    snprintf(buf, SHM_PATH_MAX, "/%s", name);
}

int memmap_os_shm_open(memmap_t *m, const char *name, size_t length, int *created)
{
    char path[SHM_PATH_MAX];
    /* A new object must be sized, which needs write access even for a read-only map. */
    int access = (needs_write_access(m->flags) || (m->flags & MEMMAP_CREATE)) ? O_RDWR : O_RDONLY;
    int fd = -1, tries;

    (void)length; /* sized later through memmap_os_set_file_size */
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

int memmap_os_file_info(memmap_t *m, enum memmap_file_type *type, uint64_t *size)
{
    struct stat st;

    if (fstat(m->os.fd, &st) != 0)
        return memmap_os_error(errno);
    *size = 0;
    if (S_ISREG(st.st_mode)) {
        *type = MEMMAP_FILE_REGULAR;
        *size = (uint64_t)st.st_size;
    } else if (S_ISDIR(st.st_mode)) {
        *type = MEMMAP_FILE_DIRECTORY;
    } else if ((S_ISCHR(st.st_mode) && !isatty(m->os.fd)) || S_ISBLK(st.st_mode)) {
        *type = MEMMAP_FILE_DEVICE;
    } else {
        *type = MEMMAP_FILE_UNMAPPABLE;
    }
    return 0;
}

/* Growing past RLIMIT_FSIZE would raise SIGXFSZ, which kills by default: refuse first. */
static int check_file_size_limit(uint64_t new_size)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && new_size > (uint64_t)lim.rlim_cur)
        return memmap_fail_os(MEMMAP_EFBIG, EFBIG);
    return 0;
}

/* Writes one zero byte at pos; returns 0 or an errno value. */
static int write_zero_byte(int fd, uint64_t pos)
{
    static const char zero = 0;
    ssize_t n;
    do
        n = pwrite(fd, &zero, 1, (off_t)pos);
    while (n < 0 && errno == EINTR);
    if (n == 1)
        return 0;
    return n < 0 ? errno : EIO;
}

/*
 * The fallback where the file system cannot allocate: write a zero byte into
 * every block of the new part.  Everything past the old end reads as zero
 * already, so this changes no data; it only makes the file system find space.
 */
static int write_zero_blocks(int fd, uint64_t old_size, uint64_t new_size)
{
    struct stat st;
    uint64_t block, pos;
    int err = 0;

    block = (fstat(fd, &st) == 0 && st.st_blksize > 0) ? (uint64_t)st.st_blksize : 4096;
    for (pos = (old_size + block - 1) / block * block; pos < new_size && !err; pos += block)
        err = write_zero_byte(fd, pos);
    return err ? err : write_zero_byte(fd, new_size - 1);
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
        err = write_zero_blocks(fd, old_size, new_size);
    return err;
}

static int truncate_file(int fd, uint64_t size)
{
    int err;
    do
        err = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
    while (err == EINTR);
    return err;
}

int memmap_os_set_file_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate)
{
    int fd = m->os.fd, err, rc;

    if (new_size > old_size && (rc = check_file_size_limit(new_size)) != 0)
        return rc;
    if (new_size > old_size && allocate)
        err = allocate_blocks(fd, old_size, new_size);
    else
        err = truncate_file(fd, new_size);
    if (err != 0) {
        if (new_size > old_size)
            truncate_file(fd, old_size); /* a partial allocation must not change the size */
        return memmap_os_error(err);
    }
    return 0;
}

int memmap_os_release(memmap_t *m)
{
    if (m->os.fd >= 0) {
        /* close() may report a deferred write error, but the descriptor is gone either way (no retry). */
        close(m->os.fd);
        m->os.fd = -1;
    }
    return 0;
}
