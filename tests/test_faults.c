/* SPDX-License-Identifier: MIT */
/*
 * Faults from outside the process: another process truncating the mapped
 * file, and a full disk or a file size limit when a file must grow.  Each
 * case checks that every failure is reported as a documented code and that
 * nothing already in the map or the file was lost.
 *
 * POSIX only: Windows refuses to shrink a mapped file, and the disk-full
 * cases mount a file system or set RLIMIT_FSIZE.
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
#  include <signal.h>
#  include <sys/resource.h>
#  include <sys/stat.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

#define PAGES 8
#define ROUNDS 1000

#ifndef _WIN32

static size_t page(void) { return memmap_page_size(); }

/* --- Truncation by another process ------------------------------------------- */

/*
 * The truncating process: reads a page count from `commands`, sets the file
 * to that many pages, and answers on `acks`.  A count above PAGES ends it.
 */
static void truncator(const char *path, int commands, int acks)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    unsigned char pages;
    if (fd < 0)
        _exit(2);
    while (read(commands, &pages, 1) == 1 && pages <= PAGES) {
        unsigned char ok = ftruncate(fd, (off_t)(pages * page())) == 0;
        if (write(acks, &ok, 1) != 1)
            _exit(3);
    }
    _exit(0);
}

static int set_pages(int commands, int acks, unsigned char pages)
{
    unsigned char ok = 0;
    if (write(commands, &pages, 1) != 1 || read(acks, &ok, 1) != 1)
        return -1;
    return ok ? 0 : -1;
}

static size_t count_nonzero(const unsigned char *p, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += p[i] != 0;
    return n;
}

#endif

/*
 * 1,000 rounds: another process shrinks the file to 0..7 of its 8 pages; every
 * guarded access that touches a lost page must fail with MEMMAP_EIO and every
 * one that does not must succeed with the data intact; then the file grows
 * back and the same map must read the kept pages unchanged, the lost ones as
 * zeros, and take writes again.
 */
TEST(truncated_by_another_process_1000_rounds)
{
#ifdef _WIN32
    SKIP("Windows refuses to shrink a file while it is mapped");
#else
    size_t len = PAGES * page();
    unsigned char *buf = malloc(len);
    int commands[2], acks[2], status, round;
    int eio_read = 0, eio_write = 0, eio_probe = 0, wrong = 0;
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    pid_t pid;

    REQUIRE(buf != NULL);
    opt.length = len;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(buf, 0, len);
    REQUIRE_OK(memmap_write(m, 0, buf, len));
    REQUIRE(pipe(commands) == 0 && pipe(acks) == 0);
    fflush(NULL);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(commands[1]);
        close(acks[0]);
        truncator(test_path("f"), commands[0], acks[1]);
    }
    close(commands[0]);
    close(acks[1]);

    for (round = 0; round < ROUNDS; round++) {
        unsigned char kept = (unsigned char)(round % PAGES);
        size_t kept_len = kept * page();
        int rc;

        REQUIRE(set_pages(commands[1], acks[0], kept) == 0);
        rc = memmap_read(m, 0, buf, len);
        eio_read += rc == MEMMAP_EIO;
        wrong += rc != MEMMAP_EIO;
        rc = memmap_write(m, len - 100, buf, 100);
        eio_write += rc == MEMMAP_EIO;
        wrong += rc != MEMMAP_EIO;
        rc = memmap_probe(m, kept_len, 0, MEMMAP_READ);
        eio_probe += rc == MEMMAP_EIO;
        wrong += rc != MEMMAP_EIO;
        if (kept_len > 0) {
            wrong += memmap_read(m, 0, buf, kept_len) != 0;
            wrong += test_pattern_mismatch(buf, 0, kept_len) != (size_t)-1;
            wrong += memmap_probe(m, 0, kept_len, MEMMAP_READ | MEMMAP_WRITE) != 0;
        }

        REQUIRE(set_pages(commands[1], acks[0], PAGES) == 0);
        wrong += memmap_read(m, 0, buf, len) != 0;
        wrong += test_pattern_mismatch(buf, 0, kept_len) != (size_t)-1;
        wrong += count_nonzero(buf + kept_len, len - kept_len) != 0;
        test_pattern(buf, 0, len);
        wrong += memmap_write(m, kept_len, buf + kept_len, len - kept_len) != 0;
        wrong += test_pattern_mismatch(memmap_data(m), 0, len) != (size_t)-1;
        if (wrong)
            break;
    }
    {
        unsigned char quit = PAGES + 1;
        CHECK(write(commands[1], &quit, 1) == 1);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(commands[1]);
    close(acks[0]);

    CHECK_EQ(wrong, 0);
    CHECK_EQ(eio_read, ROUNDS);
    CHECK_EQ(eio_write, ROUNDS);
    CHECK_EQ(eio_probe, ROUNDS);
    /* What the map holds reached the file. */
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_EQ(test_read_file(test_path("f"), 0, buf, len), (long long)len);
    CHECK_EQ_U(test_pattern_mismatch(buf, 0, len), (size_t)-1);
    CHECK_OK(memmap_close(m));
    free(buf);
#endif
}

/*
 * The same without lock-step: the other process shrinks and regrows the file
 * as fast as it can while this one reads.  Every read either succeeds or
 * reports MEMMAP_EIO, and the first page, never truncated, is always intact.
 */
TEST(racing_truncation_never_crashes)
{
#ifdef _WIN32
    SKIP("Windows refuses to shrink a file while it is mapped");
#else
    size_t len = PAGES * page();
    unsigned char *buf = malloc(len);
    int status, reads = 0, failures = 0, wrong = 0, done = 0;
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    pid_t pid;

    REQUIRE(buf != NULL);
    opt.length = len;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(buf, 0, len);
    REQUIRE_OK(memmap_write(m, 0, buf, len));
    fflush(NULL);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int fd = open(test_path("f"), O_RDWR | O_CLOEXEC), i;
        for (i = 0; fd >= 0 && i < ROUNDS; i++)
            if (ftruncate(fd, (off_t)page()) != 0 || ftruncate(fd, (off_t)len) != 0)
                _exit(3);
        _exit(fd >= 0 ? 0 : 2);
    }
    while (!done) {
        int rc;
        done = waitpid(pid, &status, WNOHANG) == pid;
        rc = memmap_read(m, 0, buf, len);
        reads++;
        failures += rc == MEMMAP_EIO;
        wrong += rc != 0 && rc != MEMMAP_EIO;
        wrong += memmap_read(m, 0, buf, page()) != 0;
        wrong += test_pattern_mismatch(buf, 0, page()) != (size_t)-1;
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(wrong, 0);
    /* The file ended at full size: the whole map reads again. */
    CHECK_OK(memmap_read(m, 0, buf, len));
    printf("racing truncation: %d reads, %d reported MEMMAP_EIO\n", reads, failures);
    CHECK_OK(memmap_close(m));
    free(buf);
#endif
}

/* --- Disk full and file size limits ---------------------------------------------- */

#ifndef _WIN32

static int child_failures;

#define EXPECT(cond)                                                                 \
    do { if (!(cond)) { fprintf(stderr, "%s:%d: EXPECT(%s)\n", __FILE__, __LINE__, #cond); \
                        child_failures++; } } while (0)
#define EXPECT_CODE(expr, want)                                                      \
    do { int got_ = (expr);                                                          \
         if (got_ != (want)) { fprintf(stderr, "%s:%d: %s: got %s, want %s\n", __FILE__, __LINE__, \
                                       #expr, memmap_errname(got_), memmap_errname(want));          \
                               child_failures++; } } while (0)

static char *join(const char *dir, const char *name)
{
    static char paths[4][1200];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/*
 * Growth that cannot happen (want: ENOSPC or EFBIG) on dir, which holds about
 * `room` bytes: every kind of growth fails with want, files keep their sizes,
 * and the existing map and its data stay as they were.
 */
static void check_growth_refused(const char *dir, size_t room, int want)
{
    size_t small = 16 * page(), big = 4 * room;
    unsigned char *buf = malloc(small);
    memmap_t *m = NULL, *other = NULL;
    memmap_options opt = {0, 0, 0};

    if (!buf) {
        child_failures++;
        return;
    }
    opt.length = small;
    EXPECT_CODE(memmap_open(&m, join(dir, "f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt), 0);
    if (!m) {
        free(buf);
        return;
    }
    test_pattern(buf, 0, small);
    EXPECT_CODE(memmap_write(m, 0, buf, small), 0);
    EXPECT_CODE(memmap_sync(m, 0, 0, 0), 0);

    /* Resizing past the room. */
    EXPECT_CODE(memmap_resize(m, big, 0), want);
    EXPECT(memmap_size(m) == small);
    EXPECT(test_file_size(join(dir, "f")) == (long long)small);
    EXPECT(test_pattern_mismatch(memmap_data(m), 0, small) == (size_t)-1);
    EXPECT_CODE(memmap_resize(m, big, MEMMAP_NOMOVE), want);
    EXPECT(test_file_size(join(dir, "f")) == (long long)small);

    /* Opening the same file again with a range past the room. */
    opt.length = big;
    EXPECT_CODE(memmap_open(&other, join(dir, "f"), MEMMAP_WRITE, &opt), want);
    EXPECT(other == NULL);
    EXPECT(test_file_size(join(dir, "f")) == (long long)small);
    opt.offset = big;
    opt.length = page();
    EXPECT_CODE(memmap_open(&other, join(dir, "f"), MEMMAP_WRITE, &opt), want);
    EXPECT(test_file_size(join(dir, "f")) == (long long)small);
    opt.offset = 0;

    /* A new file that cannot get its size keeps the size it had: none. */
    opt.length = big;
    EXPECT_CODE(memmap_open(&other, join(dir, "g"), MEMMAP_WRITE | MEMMAP_CREATE, &opt), want);
    EXPECT(test_file_size(join(dir, "g")) <= 0);
    EXPECT_CODE(memmap_open(&other, join(dir, "g"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE, &opt), want);
    EXPECT(test_file_size(join(dir, "g")) <= 0);

    /* The map still works, and what it held is in the file. */
    EXPECT_CODE(memmap_read(m, 0, buf, small), 0);
    EXPECT(test_pattern_mismatch(buf, 0, small) == (size_t)-1);
    EXPECT_CODE(memmap_write(m, 0, buf, small), 0);
    EXPECT_CODE(memmap_close(m), 0);
    memset(buf, 0, small);
    EXPECT(test_read_file(join(dir, "f"), 0, buf, small) == (long long)small);
    EXPECT(test_pattern_mismatch(buf, 0, small) == (size_t)-1);
    free(buf);
}

/*
 * A sparse file on a full file system: growing it succeeds (no blocks are
 * needed yet), and then writing the holes through the guarded calls fails
 * with MEMMAP_EIO instead of a SIGBUS, while the pages that did get space
 * keep their data.
 */
static void check_sparse_writes_on_full_disk(const char *dir, size_t room)
{
    size_t len = 2 * room, at, written = 0;
    unsigned char *chunk = malloc(page());
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    int rc = 0;

    if (!chunk) {
        child_failures++;
        return;
    }
    opt.length = len;
    EXPECT_CODE(memmap_open(&m, join(dir, "sparse"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE, &opt), 0);
    if (!m) {
        free(chunk);
        return;
    }
    EXPECT_CODE(memmap_probe(m, 0, 0, MEMMAP_WRITE), MEMMAP_EIO);
    for (at = 0; at < len; at += page()) {
        test_pattern(chunk, at, page());
        rc = memmap_write(m, at, chunk, page());
        if (rc != 0)
            break;
        written += page();
    }
    EXPECT_CODE(rc, MEMMAP_EIO);
    EXPECT(written > 0 && written < len);
    EXPECT(test_pattern_mismatch(memmap_data(m), 0, written) == (size_t)-1);
    EXPECT_CODE(memmap_probe(m, 0, written, MEMMAP_READ | MEMMAP_WRITE), 0);
    EXPECT_CODE(memmap_probe(m, written, 0, MEMMAP_WRITE), MEMMAP_EIO);
    /* A hole reads as zeros where the file system maps holes to a zero page,
     * and fails cleanly where even reading needs space (tmpfs allocates). */
    rc = memmap_read(m, len - page(), chunk, page());
    EXPECT(rc == 0 || rc == MEMMAP_EIO);
    EXPECT(rc != 0 || (chunk[0] == 0 && chunk[page() - 1] == 0));
    EXPECT_CODE(memmap_close(m), 0);
    free(chunk);
}

#ifdef __linux__
/* Makes dir a tmpfs of `size` bytes in a mount namespace of this process's own. */
static const char *mount_small_tmpfs(const char *dir, size_t size)
{
    char options[64];
    snprintf(options, sizeof options, "size=%zu,mode=0700", size);
    return mount_private(dir, "tmpfs", options, 0);
}
#endif

#define TMPFS_SIZE (256 * 1024)

/* argv: a directory to mount the tmpfs on. */
CHILD(disk_full_tmpfs)
{
#ifdef __linux__
    const char *why;
    (void)argc;
    if ((why = mount_small_tmpfs(argv[0], TMPFS_SIZE)) != NULL) {
        printf("%s\n", why);
        return 77;
    }
    check_growth_refused(argv[0], TMPFS_SIZE, MEMMAP_ENOSPC);
    check_sparse_writes_on_full_disk(argv[0], TMPFS_SIZE);
    umount2(argv[0], MNT_DETACH);
    return child_failures ? 1 : 0;
#else
    (void)argc;
    (void)argv;
    printf("mounting a small tmpfs is done on Linux only\n");
    return 77;
#endif
}

#define FSIZE_LIMIT (256 * 1024)

/* argv: a directory. */
CHILD(file_size_limit)
{
    struct rlimit lim;
    struct sigaction dfl;
    (void)argc;
    /* SIGXFSZ at its default, which would kill this process if it were raised. */
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGXFSZ, &dfl, NULL);
    lim.rlim_cur = FSIZE_LIMIT;
    lim.rlim_max = RLIM_INFINITY;
    if (getrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 2;
    lim.rlim_cur = FSIZE_LIMIT;
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 2;
    check_growth_refused(argv[0], FSIZE_LIMIT, MEMMAP_EFBIG);
    /* A sparse file may not pass the limit either. */
    {
        memmap_t *m = NULL;
        memmap_options opt = {0, 2 * FSIZE_LIMIT, 0};
        EXPECT_CODE(memmap_open(&m, join(argv[0], "sparse"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE, &opt),
                    MEMMAP_EFBIG);
        EXPECT(test_file_size(join(argv[0], "sparse")) <= 0);
    }
    return child_failures ? 1 : 0;
}


#endif /* !_WIN32 */

TEST(disk_full_on_small_tmpfs)
{
#ifdef _WIN32
    SKIP("needs a small file system to fill; POSIX only");
#else
    run_setup_child("disk_full_tmpfs", "the child could not set up the full file system (see its output)");
#endif
}

TEST(file_size_limit_is_efbig_not_sigxfsz)
{
#ifdef _WIN32
    SKIP("RLIMIT_FSIZE is POSIX");
#else
    run_setup_child("file_size_limit", "the child could not set the file size limit up (see its output)");
#endif
}
