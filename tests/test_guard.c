/* SPDX-License-Identifier: MIT */
/*
 * Guarded access: memmap_read, memmap_write and memmap_probe turn a fault in
 * the map into MEMMAP_EIO and leave the map usable, and only faults inside the
 * map are theirs: every other fault reaches the program's own handler, or
 * kills the process as it would without the library.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <stdlib.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <pthread.h>
#  include <setjmp.h>
#  include <signal.h>
#  include <sys/mman.h>
#  include <unistd.h>
#endif

#define PAGES 4

static size_t page(void) { return memmap_page_size(); }

/* A WRITE map of a new file of `pages` pages holding the test pattern. */
static memmap_t *patterned_map(const char *name, size_t pages)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    unsigned char *buf;
    opt.length = pages * page();
    REQUIRE_OK(memmap_open(&m, test_path(name), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    buf = malloc(opt.length);
    REQUIRE(buf != NULL);
    test_pattern(buf, 0, opt.length);
    CHECK_OK(memmap_write(m, 0, buf, opt.length));
    free(buf);
    return m;
}

TEST(read_write_round_trip)
{
    memmap_t *m = patterned_map("f", PAGES);
    size_t len = PAGES * page();
    unsigned char *buf = malloc(len);
    REQUIRE(buf != NULL);
    /* Unaligned offsets and lengths cross page boundaries. */
    CHECK_OK(memmap_read(m, 0, buf, len));
    CHECK_EQ_U(test_pattern_mismatch(buf, 0, len), (size_t)-1);
    CHECK_OK(memmap_read(m, page() - 3, buf, page() + 7));
    CHECK_EQ_U(test_pattern_mismatch(buf, page() - 3, page() + 7), (size_t)-1);
    test_pattern(buf, 1000, 5000);
    CHECK_OK(memmap_write(m, 1000, buf, 5000));
    CHECK_EQ_U(test_pattern_mismatch((unsigned char *)memmap_data(m) + 1000, 1000, 5000), (size_t)-1);
    CHECK_OK(memmap_read(m, len, buf, 0));
    CHECK_OK(memmap_write(m, len, buf, 0));
    free(buf);
    CHECK_OK(memmap_close(m));
}

TEST(out_of_range_is_erange)
{
    memmap_t *m = patterned_map("f", 1);
    unsigned char buf[16];
    size_t size = memmap_size(m);
    CHECK_CODE(memmap_read(m, size, buf, 1), MEMMAP_ERANGE);
    CHECK_CODE(memmap_read(m, size - 1, buf, 2), MEMMAP_ERANGE);
    CHECK_CODE(memmap_read(m, size + 1, buf, 0), MEMMAP_ERANGE);
    CHECK_CODE(memmap_read(m, 1, buf, (size_t)-1), MEMMAP_ERANGE);
    CHECK_CODE(memmap_write(m, (size_t)-1, buf, 2), MEMMAP_ERANGE);
    CHECK_CODE(memmap_probe(m, size, 1, MEMMAP_READ), MEMMAP_ERANGE);
    CHECK_CODE(memmap_probe(m, 2, (size_t)-1, MEMMAP_READ), MEMMAP_ERANGE);
    CHECK_OK(memmap_close(m));
}

/* A protection fault is a fault like any other: EIO, then the map works again. */
TEST(protected_page_is_eio_and_map_recovers)
{
    memmap_t *m;
    unsigned char buf[64], *data;
    int round;

    /* memcheck rightly reports every access to a PROT_NONE page, guarded or not. */
    if (under_valgrind())
        SKIP("valgrind reports the deliberate accesses to protected pages as errors");
    m = patterned_map("f", PAGES);
    data = memmap_data(m);
    for (round = 0; round < 100; round++) {
        REQUIRE_OK(memmap_protect(m, page(), page(), MEMMAP_NONE));
        CHECK_CODE(memmap_read(m, page() + 10, buf, sizeof buf), MEMMAP_EIO);
        CHECK_CODE(memmap_read(m, page() - 8, buf, 16), MEMMAP_EIO);
        CHECK_CODE(memmap_write(m, page() + 100, buf, 16), MEMMAP_EIO);
        CHECK_CODE(memmap_probe(m, page(), 1, MEMMAP_READ), MEMMAP_EIO);
        CHECK_CODE(memmap_probe(m, 0, 0, MEMMAP_WRITE), MEMMAP_EIO);
        /* The pages around it were never affected. */
        CHECK_OK(memmap_read(m, 0, buf, sizeof buf));
        CHECK_OK(memmap_probe(m, 2 * page(), 2 * page(), MEMMAP_READ | MEMMAP_WRITE));

        REQUIRE_OK(memmap_protect(m, page(), page(), MEMMAP_READ));
        CHECK_OK(memmap_read(m, page() + 10, buf, sizeof buf));
        CHECK_EQ_U(test_pattern_mismatch(buf, page() + 10, sizeof buf), (size_t)-1);
        CHECK_OK(memmap_probe(m, page(), page(), MEMMAP_READ));
        CHECK_CODE(memmap_probe(m, page(), page(), MEMMAP_WRITE), MEMMAP_EIO);
        CHECK_CODE(memmap_write(m, page() + 1, buf, 1), MEMMAP_EIO);

        REQUIRE_OK(memmap_protect(m, page(), page(), MEMMAP_READ | MEMMAP_WRITE));
    }
    /* The failed writes, all on protected pages, changed nothing. */
    CHECK_EQ_U(test_pattern_mismatch(data, 0, PAGES * page()), (size_t)-1);
    CHECK_OK(memmap_close(m));
}

TEST(probe_write_keeps_data)
{
    memmap_t *m = patterned_map("f", PAGES);
    CHECK_OK(memmap_probe(m, 0, 0, MEMMAP_WRITE));
    CHECK_OK(memmap_probe(m, 5, 3 * page(), MEMMAP_READ | MEMMAP_WRITE));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, PAGES * page()), (size_t)-1);
    CHECK_OK(memmap_close(m));
    /* And the file got no stray change either. */
    {
        memmap_t *r = NULL;
        REQUIRE_OK(memmap_open(&r, test_path("f"), MEMMAP_READ, NULL));
        CHECK_EQ_U(memmap_size(r), PAGES * page());
        CHECK_EQ_U(test_pattern_mismatch(memmap_data(r), 0, PAGES * page()), (size_t)-1);
        CHECK_OK(memmap_close(r));
    }
}

TEST(read_only_map_refuses_write_access)
{
    memmap_t *w = patterned_map("f", 1), *r = NULL;
    unsigned char byte = 0;
    CHECK_OK(memmap_close(w));
    REQUIRE_OK(memmap_open(&r, test_path("f"), MEMMAP_READ, NULL));
    CHECK_CODE(memmap_write(r, 0, &byte, 1), MEMMAP_EACCES);
    CHECK_CODE(memmap_probe(r, 0, 1, MEMMAP_WRITE), MEMMAP_EACCES);
    CHECK_OK(memmap_probe(r, 0, 1, MEMMAP_READ));
    CHECK_OK(memmap_read(r, 0, &byte, 1));
    CHECK_OK(memmap_close(r));
}

/* Anonymous and private maps are guarded the same way. */
TEST(anonymous_and_copy_maps)
{
    memmap_t *a = NULL, *c = NULL, *w = patterned_map("f", 2);
    unsigned char buf[32];
    CHECK_OK(memmap_close(w));
    if (under_valgrind())
        SKIP("valgrind reports the deliberate access to a protected page as an error");

    REQUIRE_OK(memmap_anon(&a, 2 * page(), 0));
    memset(buf, 0xA5, sizeof buf);
    CHECK_OK(memmap_write(a, page() - 16, buf, sizeof buf));
    memset(buf, 0, sizeof buf);
    CHECK_OK(memmap_read(a, page() - 16, buf, sizeof buf));
    CHECK(buf[0] == 0xA5 && buf[31] == 0xA5);
    CHECK_OK(memmap_probe(a, 0, 0, MEMMAP_WRITE));
    REQUIRE_OK(memmap_protect(a, page(), page(), MEMMAP_NONE));
    CHECK_CODE(memmap_read(a, page(), buf, 1), MEMMAP_EIO);
    CHECK_OK(memmap_close(a));

    REQUIRE_OK(memmap_open(&c, test_path("f"), MEMMAP_COPY, NULL));
    CHECK_OK(memmap_write(c, 0, buf, 8));
    CHECK_OK(memmap_probe(c, 0, 0, MEMMAP_WRITE));
    CHECK_OK(memmap_close(c));
}

#ifndef _WIN32

/* --- Truncation (POSIX: Windows refuses to shrink a mapped file) ------------ */

static int shrink_file(const char *path, off_t size)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    int rc;
    if (fd < 0)
        return -1;
    rc = ftruncate(fd, size);
    close(fd);
    return rc;
}

static sigset_t current_mask(void)
{
    sigset_t set;
    sigemptyset(&set);
    pthread_sigmask(SIG_BLOCK, NULL, &set);
    return set;
}

static void posix_truncated_file_is_eio_and_map_recovers(void)
{
    memmap_t *m = patterned_map("f", PAGES);
    size_t len = PAGES * page();
    unsigned char *buf = malloc(len);
    sigset_t mask;
    REQUIRE(buf != NULL);

    REQUIRE(shrink_file(test_path("f"), (off_t)page()) == 0);
    CHECK_CODE(memmap_read(m, 0, buf, len), MEMMAP_EIO);
    CHECK_CODE(memmap_read(m, page(), buf, 1), MEMMAP_EIO);
    CHECK_CODE(memmap_write(m, 3 * page(), buf, 10), MEMMAP_EIO);
    CHECK_CODE(memmap_probe(m, 0, 0, MEMMAP_READ), MEMMAP_EIO);
    CHECK_CODE(memmap_probe(m, 2 * page(), 1, MEMMAP_WRITE), MEMMAP_EIO);
    /* The recovery left neither SIGBUS nor SIGSEGV blocked in this thread. */
    mask = current_mask();
    CHECK(!sigismember(&mask, SIGBUS));
    CHECK(!sigismember(&mask, SIGSEGV));
    /* The page still inside the file works throughout. */
    CHECK_OK(memmap_read(m, 0, buf, page()));
    CHECK_EQ_U(test_pattern_mismatch(buf, 0, page()), (size_t)-1);
    CHECK_OK(memmap_probe(m, 0, page(), MEMMAP_READ | MEMMAP_WRITE));

    /* Grown back, the same map reads the lost pages as zeros and takes writes. */
    REQUIRE(shrink_file(test_path("f"), (off_t)len) == 0);
    CHECK_OK(memmap_probe(m, 0, 0, MEMMAP_READ));
    CHECK_OK(memmap_read(m, 0, buf, len));
    CHECK_EQ_U(test_pattern_mismatch(buf, 0, page()), (size_t)-1);
    {
        size_t i, nonzero = 0;
        for (i = page(); i < len; i++)
            nonzero += buf[i] != 0;
        CHECK_EQ_U(nonzero, 0);
    }
    test_pattern(buf, 0, len);
    CHECK_OK(memmap_write(m, 0, buf, len));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, len), (size_t)-1);
    free(buf);
    CHECK_OK(memmap_close(m));
}

/* --- Faults that are not the library's ---------------------------------------- */

static sigjmp_buf app_recover;
static void *volatile app_fault_addr;
static volatile sig_atomic_t app_faults;

static void app_handler(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    app_faults++;
    app_fault_addr = info->si_addr;
    siglongjmp(app_recover, 1);
}

static void install_app_handler(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = app_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

/* A program's own SIGBUS handler installed before the library still gets the
 * faults of its own unguarded accesses, with the right address. */
static void posix_foreign_sigbus_reaches_previous_handler(void)
{
    memmap_t *m;
    unsigned char buf[8];
    volatile unsigned char *raw;
    volatile unsigned char sink = 0;

    /* Installed before the library's handler, which then chains to it. */
    install_app_handler(SIGBUS);
    m = patterned_map("f", PAGES);
    raw = memmap_data(m);
    REQUIRE(shrink_file(test_path("f"), (off_t)page()) == 0);
    CHECK_CODE(memmap_read(m, 2 * page(), buf, sizeof buf), MEMMAP_EIO);
    CHECK_EQ(app_faults, 0);
    if (sigsetjmp(app_recover, 1) == 0) {
        sink = raw[2 * page() + 5]; /* unguarded: the program's own fault */
        CHECK(!"the unguarded read past the end of the file did not fault");
    }
    (void)sink;
    CHECK_EQ(app_faults, 1);
    CHECK(app_fault_addr == (void *)(raw + 2 * page() + 5));
    /* And the library's guard still works after the program handled one. */
    CHECK_CODE(memmap_read(m, 3 * page(), buf, sizeof buf), MEMMAP_EIO);
    CHECK_EQ(app_faults, 1);
    CHECK_OK(memmap_close(m));
}

/* A fault on the caller's buffer during a guarded copy is not the map's: it
 * goes to the program's handler instead of becoming MEMMAP_EIO. */
static void posix_fault_on_callers_buffer_is_not_swallowed(void)
{
    memmap_t *m;
    void *bad = mmap(NULL, page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile int rc = 12345;
    REQUIRE(bad != MAP_FAILED);
    install_app_handler(SIGSEGV);
    m = patterned_map("f", 1); /* its guarded write puts the library's handler in place */
    if (sigsetjmp(app_recover, 1) == 0)
        rc = memmap_read(m, 0, bad, 16); /* the destination is read-only */
    CHECK_EQ(rc, 12345);
    CHECK_EQ(app_faults, 1);
    CHECK(app_fault_addr >= bad && (unsigned char *)app_fault_addr < (unsigned char *)bad + 16);
    munmap(bad, page());
    CHECK_OK(memmap_close(m));
}

/*
 * A handler installed after the library's, that passes faults on the way
 * Python's faulthandler does: put the previous handler back and raise the
 * signal again.  The re-raised signal has no fault address; the guard must
 * let the copy fault again rather than treat it as a foreign fault.
 */
static struct sigaction reraiser_previous;
static volatile sig_atomic_t reraiser_calls;

static void reraiser(int sig, siginfo_t *info, void *context)
{
    (void)info;
    (void)context;
    reraiser_calls++;
    sigaction(sig, &reraiser_previous, NULL);
    raise(sig);
}

static void check_guard_survives_reraiser(int flags)
{
    memmap_t *m = patterned_map("f", PAGES);
    struct sigaction sa;
    unsigned char buf[8];

    /* The library's handler is in place (patterned_map wrote through the guard). */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = reraiser;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGBUS, &sa, &reraiser_previous) == 0);
    REQUIRE(shrink_file(test_path("f"), (off_t)page()) == 0);
    CHECK_CODE(memmap_read(m, 2 * page(), buf, sizeof buf), MEMMAP_EIO);
    CHECK_EQ(reraiser_calls, 1);
    /* The re-raiser put the library's handler back: later faults are caught directly. */
    CHECK_CODE(memmap_read(m, 3 * page(), buf, sizeof buf), MEMMAP_EIO);
    CHECK_EQ(reraiser_calls, 1);
    CHECK_OK(memmap_read(m, 0, buf, sizeof buf));
    CHECK_OK(memmap_close(m));
}

static void posix_handler_installed_later_that_reraises(void)
{
    /* faulthandler's way: SA_NODEFER, so raise() delivers at once. */
    check_guard_survives_reraiser(SA_NODEFER);
}

static void posix_handler_installed_later_that_reraises_deferred(void)
{
    /* Without SA_NODEFER the raised signal waits until the handler returns. */
    check_guard_survives_reraiser(0);
}

/* With no handler of the program's, an unguarded fault still kills the process
 * with the signal it always would have. */
CHILD(unguarded_fault)
{
    memmap_t *m = NULL;
    unsigned char buf[4];
    volatile unsigned char sink;
    (void)argc;
    if (memmap_open(&m, argv[0], MEMMAP_WRITE, NULL) != 0)
        return 2;
    if (shrink_file(argv[0], 0) != 0)
        return 3;
    if (memmap_read(m, 0, buf, sizeof buf) != MEMMAP_EIO)
        return 4;
    sink = ((volatile unsigned char *)memmap_data(m))[10];
    (void)sink;
    return 5; /* not reached */
}

CHILD(unguarded_segv)
{
    memmap_t *m = NULL;
    unsigned char buf[4];
    (void)argc;
    (void)argv;
    if (memmap_anon(&m, memmap_page_size(), 0) != 0)
        return 2;
    if (memmap_read(m, 0, buf, sizeof buf) != 0)
        return 3;
    {
        /* A plain crash; the address goes through a volatile so gcc -O2 cannot see it is constant. */
        volatile uintptr_t bad = 8;
        *(volatile int *)bad = 1;
    }
    return 5;
}

/* Checks a child ended the way an unhandled sig ends a process. */
static void check_killed_by(int status, int sig)
{
    if (UNDER_SANITIZER) {
        /* The sanitizer's handler was there first: it reports and exits. */
        CHECK(status != 0 && status != 5 && status != -1);
    } else {
        CHECK_EQ(status, 128 + sig);
    }
}

static void posix_unhandled_faults_still_kill(void)
{
    const char *args[1];
    CHECK_OK(memmap_close(patterned_map("f", 1)));
    args[0] = test_path("f");
    check_killed_by(test_spawn_self("unguarded_fault", args, 1), SIGBUS);
    check_killed_by(test_spawn_self("unguarded_segv", NULL, 0), SIGSEGV);
}

#endif /* !_WIN32 */

/* The cases above as tests: skipped, with the reason, on Windows. */
#ifdef _WIN32
#  define POSIX_CASE(name, why) SKIP(why)
#else
#  define POSIX_CASE(name, why) posix_##name()
#endif

TEST(truncated_file_is_eio_and_map_recovers)
{
    POSIX_CASE(truncated_file_is_eio_and_map_recovers,
               "Windows refuses to shrink a mapped file (test_win32_files covers it)");
}

TEST(foreign_sigbus_reaches_previous_handler)
{
    POSIX_CASE(foreign_sigbus_reaches_previous_handler,
               "POSIX signals; test_win32_guard covers vectored handlers");
}

TEST(fault_on_callers_buffer_is_not_swallowed)
{
    POSIX_CASE(fault_on_callers_buffer_is_not_swallowed,
               "POSIX signals; test_win32_guard covers vectored handlers");
}

TEST(handler_installed_later_that_reraises)
{
    POSIX_CASE(handler_installed_later_that_reraises,
               "POSIX signals");
}

TEST(handler_installed_later_that_reraises_deferred)
{
    POSIX_CASE(handler_installed_later_that_reraises_deferred,
               "POSIX signals");
}

TEST(unhandled_faults_still_kill)
{
    POSIX_CASE(unhandled_faults_still_kill,
               "POSIX signals; test_win32_guard covers unhandled exceptions");
}


