/* SPDX-License-Identifier: MIT */
/*
 * Resource limits: running out of file descriptors, address space or
 * lockable memory gives a documented code, leaves earlier maps working, and
 * leaks nothing (no descriptor, no shared memory object).
 *
 * Each case sets its limit in a child process (test_spawn_self), so limits
 * never leak into the test runner.  POSIX only: these are rlimits.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <errno.h>
#include <stdlib.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <sys/resource.h>
#  include <unistd.h>
#endif

#ifndef _WIN32

static int child_failures;

#define EXPECT(cond)                                                                 \
    do { if (!(cond)) { fprintf(stderr, "%s:%d: EXPECT(%s)\n", __FILE__, __LINE__, #cond); \
                        child_failures++; } } while (0)
#define EXPECT_CODE(expr, want)                                                      \
    do { int got_ = (expr);                                                          \
         if (got_ != (want)) { fprintf(stderr, "%s:%d: %s: got %s (os error %d), want %s\n", __FILE__, \
                                       __LINE__, #expr, memmap_errname(got_), memmap_last_os_error(),  \
                                       memmap_errname(want));                                          \
                               child_failures++; } } while (0)

static size_t page(void) { return memmap_page_size(); }

/* The number of open descriptors below limit. */
static int count_fds(int limit)
{
    int fd, n = 0;
    for (fd = 0; fd < limit; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* The descriptor limit that leaves exactly `room` free descriptors: the
 * kernel hands out the lowest free number and refuses numbers at or above it. */
static int limit_leaving(int room)
{
    int fd;
    for (fd = 0; room > 0; fd++)
        room -= fcntl(fd, F_GETFD) == -1;
    return fd;
}

static int set_soft_limit(int resource, rlim_t value)
{
    struct rlimit lim;
    if (getrlimit(resource, &lim) != 0)
        return -1;
    if (lim.rlim_max != RLIM_INFINITY && value > lim.rlim_max)
        value = lim.rlim_max;
    lim.rlim_cur = value;
    return setrlimit(resource, &lim);
}

static char *join(const char *dir, const char *name)
{
    static char paths[4][1200];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* --- File descriptors --------------------------------------------------------- */

#define FD_ROOM 6

/* argv: a directory holding a file "f". */
CHILD(descriptor_limit)
{
    memmap_t *maps[FD_ROOM + 2], *m = NULL;
    const char *name;
    int limit, baseline, opened = 0, i, fd;
    (void)argc;

    if (under_valgrind()) {
        /* It lets the kernel create a file, then refuses the descriptor itself. */
        printf("valgrind enforces the descriptor limit in its own way\n");
        return 77;
    }
    fd = open(join(argv[0], "f"), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 3;
    limit = limit_leaving(FD_ROOM);
    if (set_soft_limit(RLIMIT_NOFILE, (rlim_t)limit) != 0)
        return 2;
    baseline = count_fds(limit);

    /* Each file map holds one descriptor: open until the limit is reached. */
    for (i = 0; i < FD_ROOM + 2; i++) {
        int rc = memmap_open(&maps[i], join(argv[0], "f"), MEMMAP_READ, NULL);
        if (rc != 0) {
            EXPECT_CODE(rc, MEMMAP_EMFILE);
            EXPECT(maps[i] == NULL);
            break;
        }
        opened++;
    }
    EXPECT(opened == FD_ROOM);
    EXPECT(count_fds(limit) == baseline + opened);

    /* Every call that needs a descriptor fails the same way and leaks nothing. */
    name = test_shm_name("nofile");
    EXPECT_CODE(memmap_shm_open(&m, name, page(), MEMMAP_WRITE | MEMMAP_CREATE), MEMMAP_EMFILE);
    EXPECT_CODE(memmap_open_file(&m, fd, MEMMAP_WRITE, NULL), MEMMAP_EMFILE);
    EXPECT_CODE(memmap_open(&m, join(argv[0], "new"), MEMMAP_WRITE | MEMMAP_CREATE, NULL), MEMMAP_EMFILE);
    EXPECT(m == NULL);
    EXPECT(count_fds(limit) == baseline + opened);
    /* No object was left behind under the name. */
    EXPECT_CODE(memmap_shm_unlink(name), MEMMAP_ENOENT);

    /* Anonymous memory needs no descriptor; the open maps still work. */
    EXPECT_CODE(memmap_anon(&m, page(), 0), 0);
    EXPECT_CODE(memmap_close(m), 0);
    for (i = 0; i < opened; i++) {
        unsigned char b;
        EXPECT_CODE(memmap_read(maps[i], 0, &b, 1), 0);
        EXPECT_CODE(memmap_close(maps[i]), 0);
    }
    EXPECT(count_fds(limit) == baseline);

    /* With descriptors free again, the same calls work. */
    EXPECT_CODE(memmap_open_file(&m, fd, MEMMAP_WRITE, NULL), 0);
    EXPECT_CODE(memmap_close(m), 0);
    close(fd);
    return child_failures ? 1 : 0;
}

/* --- Address space -------------------------------------------------------------- */

#ifdef __linux__
/* The process's mapped address space in bytes, from /proc/self/statm. */
static size_t address_space_used(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    return (size_t)pages * page();
}
#endif

#define AS_ROOM ((size_t)64 << 20)
#define TOO_BIG ((size_t)1 << 30)

/* argv: a directory holding "big", a sparse file of TOO_BIG bytes. */
CHILD(address_space_limit)
{
#ifdef __linux__
    memmap_t *small = NULL, *m = NULL;
    const char *name = test_shm_name("as");
    size_t used;
    int fd, baseline, limit = 1024;
    unsigned char *p;
    (void)argc;

    if (UNDER_SANITIZER) {
        printf("the sanitizer's shadow memory does not fit under a small RLIMIT_AS\n");
        return 77;
    }
    EXPECT_CODE(memmap_anon(&small, 4 * page(), 0), 0);
    if (!small)
        return 1;
    p = memmap_data(small);
    memset(p, 0x5A, 4 * page());
    used = address_space_used();
    if (used == 0 || set_soft_limit(RLIMIT_AS, (rlim_t)(used + AS_ROOM)) != 0)
        return 2;
    baseline = count_fds(limit);

    EXPECT_CODE(memmap_anon(&m, TOO_BIG, 0), MEMMAP_ENOMEM);
    EXPECT_CODE(memmap_open(&m, join(argv[0], "big"), MEMMAP_READ, NULL), MEMMAP_ENOMEM);
    EXPECT_CODE(memmap_shm_open(&m, name, TOO_BIG, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE), MEMMAP_ENOMEM);
    EXPECT(m == NULL);
    /* The object created for the failed map was removed again. */
    EXPECT_CODE(memmap_shm_unlink(name), MEMMAP_ENOENT);
    EXPECT(count_fds(limit) == baseline);

    /* A map that cannot grow stays as it was. */
    EXPECT_CODE(memmap_resize(small, TOO_BIG, 0), MEMMAP_ENOMEM);
    EXPECT(memmap_size(small) == 4 * page());
    p = memmap_data(small);
    EXPECT(p[0] == 0x5A && p[4 * page() - 1] == 0x5A);

    /* Small maps still fit. */
    EXPECT_CODE(memmap_anon(&m, 16 * page(), 0), 0);
    EXPECT_CODE(memmap_close(m), 0);
    EXPECT_CODE(memmap_close(small), 0);
    fd = count_fds(limit);
    EXPECT(fd == baseline);
    return child_failures ? 1 : 0;
#else
    (void)argc;
    (void)argv;
    printf("RLIMIT_AS is enforced on Linux only\n");
    return 77;
#endif
}

/* --- Locked memory ---------------------------------------------------------------- */

#define LOCK_LIMIT ((size_t)64 * 1024)

/*
 * The caller must not be able to raise or bypass the limit: root (with
 * CAP_IPC_LOCK) becomes nobody first.
 */
static const char *become_unprivileged(void)
{
    if (geteuid() != 0)
        return NULL;
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return "running as root and cannot drop to an unprivileged user";
    return NULL;
}

CHILD(memlock_limit)
{
    memmap_t *m = NULL;
    const char *why;
    size_t len = 64 * page();
    (void)argc;
    (void)argv;

    if (UNDER_SANITIZER) {
        printf("the sanitizers replace mlock with a no-op that always succeeds\n");
        return 77;
    }
    if (set_soft_limit(RLIMIT_MEMLOCK, LOCK_LIMIT) != 0)
        return 2;
    {
        struct rlimit lim;
        getrlimit(RLIMIT_MEMLOCK, &lim);
        lim.rlim_max = LOCK_LIMIT;
        setrlimit(RLIMIT_MEMLOCK, &lim); /* root could otherwise raise it back */
    }
    if ((why = become_unprivileged()) != NULL) {
        printf("%s\n", why);
        return 77;
    }
    EXPECT_CODE(memmap_anon(&m, len, 0), 0);
    if (!m)
        return 1;
    EXPECT_CODE(memmap_lock(m, 0, 0), MEMMAP_ENOMEM);
    EXPECT_CODE(memmap_lock(m, 0, LOCK_LIMIT + page()), MEMMAP_ENOMEM);
    /* Within the limit it works, and unlocking gives the room back. */
    EXPECT_CODE(memmap_lock(m, 0, 4 * page()), 0);
    EXPECT_CODE(memmap_unlock(m, 0, 4 * page()), 0);
    EXPECT_CODE(memmap_lock(m, page(), LOCK_LIMIT - page()), 0);
    EXPECT_CODE(memmap_unlock(m, 0, 0), 0);
    ((unsigned char *)memmap_data(m))[len - 1] = 1; /* the map is untouched by the failures */
    /* A limit of zero is reached too: the same code, not a permission error. */
    EXPECT(set_soft_limit(RLIMIT_MEMLOCK, 0) == 0);
    EXPECT_CODE(memmap_lock(m, 0, page()), MEMMAP_ENOMEM);
    EXPECT_CODE(memmap_close(m), 0);
    return child_failures ? 1 : 0;
}


#endif /* !_WIN32 */

TEST(descriptor_limit_is_emfile_and_leaks_nothing)
{
#ifdef _WIN32
    SKIP("RLIMIT_NOFILE is POSIX");
#else
    REQUIRE(test_write_file(test_path("f"), "0123456789", 10) == 0);
    run_setup_child("descriptor_limit", "the child could not set the limit up (see its output)");
#endif
}

TEST(address_space_limit_is_enomem_and_leaks_nothing)
{
#ifdef _WIN32
    SKIP("RLIMIT_AS is POSIX");
#else
    int fd = open(test_path("big"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, (off_t)TOO_BIG) == 0);
    close(fd);
    run_setup_child("address_space_limit", "the child could not set the limit up (see its output)");
#endif
}

TEST(memlock_limit_is_enomem)
{
#ifdef _WIN32
    SKIP("RLIMIT_MEMLOCK is POSIX");
#else
    run_setup_child("memlock_limit", "the child could not set the limit up (see its output)");
#endif
}
