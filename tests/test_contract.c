/* SPDX-License-Identifier: MIT */
/*
 * The contract, kept where an outside tester broke it: 64-bit offsets on
 * 32-bit systems, guarded calls in every signal state, shrinking protected or
 * shared memory, the growth fallback of file systems without fallocate,
 * resizing a map that a hint split, and failed calls that must leave no trace.
 * Each case is named after the behaviour it holds.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#if !defined(_WIN32)
#  define _FILE_OFFSET_BITS 64 /* this file's own stat and pread of files past 4 GiB */
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <errno.h>
#include <stdlib.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <pthread.h>
#  include <signal.h>
#  include <sys/mman.h>
#  include <sys/resource.h>
#  include <sys/stat.h>
#  include <sys/time.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

static size_t page(void) { return memmap_page_size(); }

/* --- 64-bit offsets everywhere ----------------------------------------------- */

TEST(offset_past_4_gib_lands_at_that_byte)
{
    const uint64_t offset = ((uint64_t)1 << 32) + 5;
    memmap_options opt = {offset, 10, 0};
    char got[10], zero[10];
    memmap_t *m = NULL;

    REQUIRE_OK(memmap_open(&m, test_path("big"), MEMMAP_CREATE | MEMMAP_WRITE | MEMMAP_SPARSE, &opt));
    CHECK_EQ_U(memmap_offset(m), offset);
    memcpy(memmap_data(m), "0123456789", 10);
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_file_size(test_path("big")), (long long)(offset + 10));
    CHECK_EQ(test_read_file(test_path("big"), offset, got, 10), 10);
    CHECK(memcmp(got, "0123456789", 10) == 0);
    /* Nothing landed at the offset modulo 2^32. */
    memset(zero, 0, sizeof zero);
    CHECK_EQ(test_read_file(test_path("big"), 5, got, 10), 10);
    CHECK(memcmp(got, zero, 10) == 0);
}

TEST(offset_of_3_gib_maps_that_byte)
{
    const uint64_t offset = (uint64_t)3 << 30;
    memmap_options at = {offset, 4096, 0}, whole = {0, 0, 0};
    memmap_t *m = NULL;
    int rc;

    /* A 3 GiB + 4 KiB sparse file with a marker at 3 GiB. */
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_CREATE | MEMMAP_WRITE | MEMMAP_SPARSE, &at));
    memcpy(memmap_data(m), "marker", 6);
    CHECK_OK(memmap_close(m));

    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_READ, &at));
    CHECK(memcmp(memmap_data(m), "marker", 6) == 0);
    CHECK_OK(memmap_close(m));

    /* The whole file: fine with 64-bit pointers, out of address space (never
     * "too big" or "invalid") with 32-bit ones. */
    rc = memmap_open(&m, test_path("f"), MEMMAP_READ, &whole);
    if (sizeof(void *) >= 8) {
        CHECK_OK(rc);
        CHECK_EQ_U(memmap_size(m), offset + 4096);
    } else {
        CHECK_CODE(rc, MEMMAP_ENOMEM);
    }
    CHECK_OK(memmap_close(m));
}

/* --- Ranges at the edge of 2^63 ------------------------------------------------- */

TEST(read_only_map_ending_past_2_63_is_erange)
{
    const uint64_t last = (uint64_t)INT64_MAX;
    memmap_options opt = {last, 1, 0};
    memmap_t *m = NULL;

    REQUIRE(test_write_file(test_path("f"), "0123456789", 10) == 0);
    CHECK_CODE(memmap_open(&m, test_path("f"), MEMMAP_READ, &opt), MEMMAP_ERANGE);
    CHECK_CODE(memmap_open(&m, test_path("f"), MEMMAP_COPY, &opt), MEMMAP_ERANGE);
    /* A map that may grow the file cannot make it that large. */
    CHECK_CODE(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_SPARSE, &opt), MEMMAP_EFBIG);
    CHECK(m == NULL);
    CHECK_EQ(test_file_size(test_path("f")), 10);
}

/* --- NOMOVE means the data does not move ----------------------------------------- */

TEST(nomove_resize_to_zero_is_ebusy_and_keeps_the_map)
{
    memmap_t *m = NULL;
    void *data;

    REQUIRE_OK(memmap_anon(&m, 8192, 0));
    data = memmap_data(m);
    memset(data, 'x', 8192);
    CHECK_CODE(memmap_resize(m, 0, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_size(m), 8192);
    CHECK(((unsigned char *)data)[8191] == 'x');
    /* Without NOMOVE it is allowed, and then growing with NOMOVE is the one refused. */
    CHECK_OK(memmap_resize(m, 0, 0));
    CHECK_CODE(memmap_resize(m, 4096, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK_OK(memmap_close(m));
}

/* --- Shrinking memory the caller protected ----------------------------------------- */

TEST(shrink_of_read_only_anonymous_memory_is_refused_not_a_crash)
{
    memmap_t *m = NULL;
    unsigned char *data;

    REQUIRE_OK(memmap_anon(&m, 2 * page(), 0));
    data = memmap_data(m);
    memset(data, 'a', 2 * page());
    REQUIRE_OK(memmap_protect(m, 0, 0, MEMMAP_READ));
    /* The cut bytes of the first page cannot be cleared: refused, nothing changed. */
    CHECK_CODE(memmap_resize(m, 100, 0), MEMMAP_EACCES);
    CHECK_EQ_U(memmap_size(m), 2 * page());
    CHECK(data[100] == 'a' && data[2 * page() - 1] == 'a');
    /* A cut on a page boundary clears nothing and works. */
    CHECK_OK(memmap_resize(m, page(), 0));
    CHECK_EQ_U(memmap_size(m), page());
    /* With write access back, the shrink works and the cut bytes come back as zeros. */
    REQUIRE_OK(memmap_protect(m, 0, 0, MEMMAP_READ | MEMMAP_WRITE));
    CHECK_OK(memmap_resize(m, 100, 0));
    CHECK_OK(memmap_resize(m, 2 * page(), 0));
    data = memmap_data(m);
    CHECK(data[99] == 'a' && data[100] == 0 && data[page() - 1] == 0 && data[page()] == 0);
    CHECK_OK(memmap_close(m));
}

#ifndef _WIN32
/* The child writes 'S' into the shared page, the parent shrinks its map, the child checks. */
TEST(shrinking_shared_anonymous_memory_keeps_the_childs_bytes)
{
    int to_child[2], to_parent[2], status;
    memmap_t *m = NULL;
    unsigned char *data;
    char token = 0;
    pid_t pid;

    REQUIRE_OK(memmap_anon(&m, 2 * page(), MEMMAP_SHARED));
    data = memmap_data(m);
    REQUIRE(pipe(to_child) == 0 && pipe(to_parent) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        size_t i;
        int bad = 0;
        memset(data + 100, 'S', page() - 100);
        if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &token, 1) != 1)
            _exit(2);
        for (i = 100; i < page(); i++)
            bad += data[i] != 'S';
        _exit(bad ? 1 : 0);
    }
    REQUIRE(read(to_parent[0], &token, 1) == 1);
    CHECK_OK(memmap_resize(m, 50, 0));
    CHECK_EQ_U(memmap_size(m), 50);
    REQUIRE(write(to_child[1], "r", 1) == 1);
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(memmap_close(m));
    close(to_child[0]); close(to_child[1]); close(to_parent[0]); close(to_parent[1]);
}
#endif

/* --- Resizing after a hint, a protection or a lock split the mapping ---------------- */

enum split_by { SPLIT_ADVISE, SPLIT_PROTECT, SPLIT_LOCK };

static void check_resize_after_split(memmap_t *m, enum split_by how)
{
    const size_t big = (size_t)1 << 20;
    unsigned char *data = memmap_data(m);
    size_t size = memmap_size(m);

    test_pattern(data, 0, size);
    if (how == SPLIT_ADVISE)
        REQUIRE_OK(memmap_advise(m, 0, page(), MEMMAP_ADVICE_SEQUENTIAL));
    else if (how == SPLIT_PROTECT)
        REQUIRE_OK(memmap_protect(m, 0, page(), MEMMAP_READ));
    else
        REQUIRE_OK(memmap_lock(m, 0, page()));
    REQUIRE_OK(memmap_resize(m, big, 0));
    CHECK_EQ_U(memmap_size(m), big);
    CHECK(test_pattern_mismatch(memmap_data(m), 0, size) == (size_t)-1);
    /* The new part is usable: the access the map was made with. */
    CHECK_OK(memmap_write(m, big - 1, "z", 1));
    CHECK(((unsigned char *)memmap_data(m))[big - 1] == 'z');
    CHECK_OK(memmap_resize(m, size / 2, 0));
    CHECK(test_pattern_mismatch(memmap_data(m), 0, size / 2) == (size_t)-1);
    CHECK_OK(memmap_close(m));
}

static memmap_t *file_map(const char *name, size_t size)
{
    memmap_options opt = {0, size, 0};
    memmap_t *m = NULL;
    REQUIRE_OK(memmap_open(&m, test_path(name), MEMMAP_CREATE | MEMMAP_WRITE, &opt));
    return m;
}

static memmap_t *anon_map(size_t size)
{
    memmap_t *m = NULL;
    REQUIRE_OK(memmap_anon(&m, size, 0));
    return m;
}

TEST(resize_after_partial_advise_works)
{
    check_resize_after_split(file_map("f", 16 * page()), SPLIT_ADVISE);
    check_resize_after_split(anon_map(16 * page()), SPLIT_ADVISE);
}

TEST(resize_after_partial_protect_works)
{
    check_resize_after_split(file_map("f", 16 * page()), SPLIT_PROTECT);
    check_resize_after_split(anon_map(16 * page()), SPLIT_PROTECT);
}

TEST(resize_after_partial_lock_works)
{
    check_resize_after_split(file_map("f", 16 * page()), SPLIT_LOCK);
    check_resize_after_split(anon_map(16 * page()), SPLIT_LOCK);
}

#ifndef _WIN32
/* A split private map with an inaccessible page must move (the address after
 * it is taken): its contents still come along. */
TEST(split_private_map_moves_with_its_contents)
{
    const size_t size = 16 * page();
    memmap_t *m = anon_map(size);
    unsigned char *data = memmap_data(m), *after = data + size;
    void *blocker;

    test_pattern(data, 0, size);
    REQUIRE_OK(memmap_protect(m, page(), page(), MEMMAP_NONE));
    /* Take the page after the map; if the hint is not honoured, something else has it already. */
    blocker = mmap(after, page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(blocker != MAP_FAILED);
    CHECK_CODE(memmap_resize(m, 2 * size, MEMMAP_NOMOVE), MEMMAP_EBUSY);
    CHECK(memmap_data(m) == data);
    CHECK_OK(memmap_resize(m, 2 * size, 0));
    CHECK(memmap_data(m) != data);
    CHECK(test_pattern_mismatch(memmap_data(m), 0, size) == (size_t)-1);
    CHECK(((unsigned char *)memmap_data(m))[2 * size - 1] == 0);
    munmap(blocker, page());
    CHECK_OK(memmap_close(m));
}
#endif

/* --- A failed call leaves no trace --------------------------------------------------- */

TEST(failed_create_leaves_no_file)
{
    memmap_options opt = {0, 4096, 0};
    memmap_t *m = NULL;

    /* Read-only with a length past the end of the (new, empty) file. */
    CHECK_CODE(memmap_open(&m, test_path("new"), MEMMAP_READ | MEMMAP_CREATE, &opt), MEMMAP_ERANGE);
    CHECK_EQ(test_file_size(test_path("new")), -1);
    CHECK_CODE(memmap_open(&m, test_path("new"), MEMMAP_READ | MEMMAP_CREATE | MEMMAP_EXCL, &opt), MEMMAP_ERANGE);
    CHECK_EQ(test_file_size(test_path("new")), -1);
    /* So the retry is not EEXIST. */
    CHECK_OK(memmap_open(&m, test_path("new"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt));
    CHECK_OK(memmap_close(m));
    CHECK_EQ(test_file_size(test_path("new")), 4096);
}

TEST(failed_open_keeps_a_file_it_did_not_create)
{
    memmap_options opt = {0, 4096, 0};
    memmap_t *m = NULL;

    REQUIRE(test_write_file(test_path("old"), "12345", 5) == 0);
    CHECK_CODE(memmap_open(&m, test_path("old"), MEMMAP_READ | MEMMAP_CREATE, &opt), MEMMAP_ERANGE);
    CHECK_EQ(test_file_size(test_path("old")), 5);
}

#ifndef _WIN32
/* An empty file survives memmap_close of a map that created it: only failures remove. */
CHILD(create_under_file_size_limit)
{
    memmap_options opt = {0, 2u << 20, 0};
    struct rlimit lim;
    memmap_t *m = NULL;
    char path[1200];
    int failures = 0;

    (void)argc;
    signal(SIGXFSZ, SIG_DFL);
    if (getrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 2;
    lim.rlim_cur = 1u << 20;
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 2;
    snprintf(path, sizeof path, "%s/limited", argv[0]);
    failures += memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt) != MEMMAP_EFBIG;
    failures += test_file_size(path) != -1;
    /* The retry is EFBIG again, not EEXIST. */
    failures += memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt) != MEMMAP_EFBIG;
    failures += test_file_size(path) != -1;
    return failures ? 1 : 0;
}

TEST(failed_create_under_file_size_limit_leaves_no_file)
{
    run_setup_child("create_under_file_size_limit", "the child could not set the file size limit");
}
#endif

#ifdef __linux__
#define NOEXEC_FILE_SIZE 100000

/* argv: a directory to mount a noexec tmpfs on. */
CHILD(truncate_on_noexec)
{
    memmap_options opt = {0, 10, 0};
    memmap_t *m = NULL;
    const char *why;
    char path[1200];
    static char content[NOEXEC_FILE_SIZE];
    int failures = 0;

    (void)argc;
    if ((why = mount_private(argv[0], "tmpfs", "size=1m", MS_NOEXEC)) != NULL) {
        printf("%s\n", why);
        return 77;
    }
    snprintf(path, sizeof path, "%s/f", argv[0]);
    test_pattern(content, 0, sizeof content);
    if (test_write_file(path, content, sizeof content) != 0)
        return 2;
    failures += memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_TRUNCATE | MEMMAP_EXEC, &opt) != MEMMAP_EACCES;
    failures += test_file_size(path) != NOEXEC_FILE_SIZE;
    failures += test_read_file(path, 0, content, sizeof content) != NOEXEC_FILE_SIZE;
    failures += test_pattern_mismatch(content, 0, sizeof content) != (size_t)-1;
    /* The same open without EXEC cuts the file, as asked. */
    failures += memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_TRUNCATE, &opt) != 0;
    failures += test_file_size(path) != 10;
    memmap_close(m);
    umount2(argv[0], MNT_DETACH);
    if (failures)
        printf("%d checks failed\n", failures);
    return failures ? 1 : 0;
}

TEST(failed_truncating_open_keeps_the_file_size)
{
    run_setup_child("truncate_on_noexec", "the child could not mount a noexec tmpfs (see its output)");
}

/* --- The growth fallback, on a file system without fallocate ---------------------------- */

/* Mounts a ramfs on dir; 77 with the reason printed when impossible or when it allocates after all. */
static int mount_ramfs(const char *dir)
{
    char probe[1200];
    const char *why;
    int fd, err;

    if ((why = mount_private(dir, "ramfs", "mode=0700", 0)) != NULL) {
        printf("%s\n", why);
        return 77;
    }
    snprintf(probe, sizeof probe, "%s/probe", dir);
    fd = open(probe, O_RDWR | O_CREAT, 0600);
    if (fd < 0)
        return 2;
    err = fallocate(fd, 0, 0, 4096) == 0 ? 0 : errno;
    close(fd);
    unlink(probe);
    if (err != EOPNOTSUPP) {
        printf("ramfs here has fallocate (%d): the fallback cannot be tested on it\n", err);
        return 77;
    }
    return 0;
}

/* argv: a directory to mount a ramfs on. */
CHILD(growth_fallback_append_descriptor)
{
    memmap_options opt = {0, 20000, 0};
    memmap_t *m = NULL;
    char path[1200], head[5];
    int fd, rc, failures = 0;

    (void)argc;
    if ((rc = mount_ramfs(argv[0])) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/log", argv[0]);
    if (test_write_file(path, "hello", 5) != 0 || (fd = open(path, O_RDWR | O_APPEND)) < 0)
        return 2;
    failures += memmap_open_file(&m, fd, MEMMAP_WRITE, &opt) != 0;
    failures += test_file_size(path) != 20000;
    if (m) {
        /* Every byte of the map is backed: the last one is writable, no SIGBUS. */
        ((unsigned char *)memmap_data(m))[19999] = 'e';
        failures += memmap_probe(m, 0, 0, MEMMAP_WRITE) != 0;
        failures += memcmp(memmap_data(m), "hello", 5) != 0;
        memmap_close(m);
    }
    failures += test_read_file(path, 0, head, 5) != 5 || memcmp(head, "hello", 5) != 0;
    close(fd);
    umount2(argv[0], MNT_DETACH);
    if (failures)
        printf("%d checks failed\n", failures);
    return failures ? 1 : 0;
}

TEST(growth_fallback_grows_an_append_only_descriptor)
{
    run_setup_child("growth_fallback_append_descriptor", "the child could not mount a ramfs (see its output)");
}

/* Slots of many blocks, so that each growth takes long enough for the other
 * writer to grow and fill its own slot meanwhile, and of an odd size, so that
 * the two writers' slots share blocks. */
#define SLOT (64 * 4096 + 100)
#define SLOTS_EACH 40

/* Writer `who` (0 or 1) takes every other slot, growing the file to reach each. */
static int grow_and_fill_slots(const char *path, int who)
{
    int j;
    for (j = 0; j < SLOTS_EACH; j++) {
        uint64_t slot = (uint64_t)(2 * j + who);
        memmap_options opt = {slot * SLOT, SLOT, 0};
        memmap_t *m = NULL;
        if (memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, &opt) != 0)
            return 1;
        memset(memmap_data(m), 'A' + who, SLOT);
        memmap_close(m);
    }
    return 0;
}

/* argv: a directory to mount a ramfs on. */
CHILD(growth_fallback_two_processes)
{
    char path[1200];
    static unsigned char content[2 * SLOTS_EACH * SLOT];
    int rc, status, failures = 0;
    size_t i, lost = 0;
    pid_t other;

    (void)argc;
    if ((rc = mount_ramfs(argv[0])) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/shared", argv[0]);
    other = fork();
    if (other < 0)
        return 2;
    if (other == 0)
        _exit(grow_and_fill_slots(path, 1));
    failures += grow_and_fill_slots(path, 0);
    failures += waitpid(other, &status, 0) != other || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    failures += test_read_file(path, 0, content, sizeof content) != (long long)sizeof content;
    for (i = 0; i < sizeof content; i++)
        lost += content[i] != (unsigned char)('A' + (i / SLOT) % 2);
    if (lost)
        printf("%zu bytes written by one process were changed by the other's growth\n", lost);
    umount2(argv[0], MNT_DETACH);
    return failures || lost ? 1 : 0;
}

TEST(growth_fallback_never_changes_another_process_bytes)
{
    run_setup_child("growth_fallback_two_processes", "the child could not mount a ramfs (see its output)");
}
#endif /* __linux__ */

/* --- Guarded calls in every signal state ------------------------------------------------ */

#ifndef _WIN32
/* A read-only map of two pages whose second page is past the end of the file. */
static memmap_t *truncated_map(void)
{
    static unsigned char content[65536];
    memmap_options opt = {0, 2 * page(), 0};
    memmap_t *m = NULL;

    REQUIRE(test_write_file(test_path("t"), content, 2 * page()) == 0);
    REQUIRE_OK(memmap_open(&m, test_path("t"), MEMMAP_READ, &opt));
    REQUIRE(truncate(test_path("t"), (off_t)page()) == 0);
    return m;
}

#define HANDLER_CALLS 1000

static memmap_t *volatile handler_map;
static volatile sig_atomic_t handler_calls, handler_failures;

static void read_from_handler(int sig)
{
    static const struct itimerval off = {{0, 0}, {0, 0}};
    unsigned char byte;
    int saved = errno;
    (void)sig;
    /* Where a handler takes longer than the period (sanitizers), the next
     * signal is always pending and the thread would never leave handlers:
     * the handler itself stops the timer when it has done its part. */
    if (++handler_calls >= HANDLER_CALLS)
        setitimer(ITIMER_REAL, &off, NULL);
    handler_failures += memmap_read(handler_map, page(), &byte, 1) != MEMMAP_EIO;
    handler_failures += memmap_read(handler_map, 0, &byte, 1) != 0;
    errno = saved;
}

/* valgrind cannot grow the main thread's stack while it delivers a signal,
 * and the nested handlers below reach deeper than this test has been yet:
 * use that much stack once beforehand. */
static void use_stack(int blocks)
{
    volatile unsigned char room[64 * 1024];
    room[0] = 1;
    if (blocks > 1)
        use_stack(blocks - 1);
    room[sizeof room - 1] = room[0];
}

/* SIGALRM every 50 us, its handler installed with handler_mask, doing guarded
 * reads of a truncated page while this thread does the same. */
static void guarded_reads_under_a_timer(const sigset_t *handler_mask)
{
    struct itimerval every = {{0, 50}, {0, 50}}, off = {{0, 0}, {0, 0}};
    struct sigaction action, previous;
    unsigned char byte;
    int i, failures = 0;

    use_stack(4);
    handler_map = truncated_map();
    handler_calls = handler_failures = 0;
    memset(&action, 0, sizeof action);
    action.sa_handler = read_from_handler;
    action.sa_mask = *handler_mask;
    action.sa_flags = SA_RESTART;
    REQUIRE(sigaction(SIGALRM, &action, &previous) == 0);
    REQUIRE(setitimer(ITIMER_REAL, &every, NULL) == 0);
    for (i = 0; i < 5000 && handler_calls < HANDLER_CALLS; i++)
        failures += memmap_read(handler_map, page(), &byte, 1) != MEMMAP_EIO;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &previous, NULL);
    CHECK_EQ(failures, 0);
    CHECK_EQ(handler_failures, 0);
    CHECK(handler_calls > 0);
    CHECK_OK(memmap_close(handler_map));
}

TEST(guarded_read_in_a_handler_interrupting_a_recovery)
{
    sigset_t none;
    sigemptyset(&none);
    guarded_reads_under_a_timer(&none);
}

TEST(guarded_read_in_a_handler_that_blocks_every_signal)
{
    sigset_t all;
    sigfillset(&all);
    guarded_reads_under_a_timer(&all);
}

struct blocked_thread_result {
    memmap_t *m;
    int read_rc, write_rc, probe_rc, mask_kept;
};

static void *guarded_calls_with_every_signal_blocked(void *arg)
{
    struct blocked_thread_result *r = arg;
    sigset_t all, after;
    unsigned char byte = 0;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    r->read_rc = memmap_read(r->m, page(), &byte, 1);
    r->write_rc = memmap_write(r->m, page(), &byte, 1);
    r->probe_rc = memmap_probe(r->m, page(), 1, MEMMAP_READ);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    r->mask_kept = sigismember(&after, SIGBUS) == 1 && sigismember(&after, SIGSEGV) == 1 &&
                   sigismember(&after, SIGTERM) == 1;
    return NULL;
}

TEST(guarded_calls_work_in_a_thread_that_blocks_every_signal)
{
    static unsigned char content[65536];
    memmap_options opt = {0, 2 * page(), 0};
    struct blocked_thread_result r;
    pthread_t thread;

    REQUIRE(test_write_file(test_path("t"), content, 2 * page()) == 0);
    memset(&r, 0, sizeof r);
    REQUIRE_OK(memmap_open(&r.m, test_path("t"), MEMMAP_WRITE, &opt));
    REQUIRE(truncate(test_path("t"), (off_t)page()) == 0);
    REQUIRE(pthread_create(&thread, NULL, guarded_calls_with_every_signal_blocked, &r) == 0);
    REQUIRE(pthread_join(thread, NULL) == 0);
    CHECK_CODE(r.read_rc, MEMMAP_EIO);
    CHECK_CODE(r.write_rc, MEMMAP_EIO);
    CHECK_CODE(r.probe_rc, MEMMAP_EIO);
    CHECK(r.mask_kept);
    CHECK_OK(memmap_close(r.m));
}
#endif
