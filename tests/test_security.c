/* SPDX-License-Identifier: MIT */
/*
 * Security defaults: the library's descriptors do not leak into programs the
 * process executes, shared memory is private to its owner, exclusive creation
 * is atomic, created files honour the umask, and a path is resolved once.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"
#include "internal.h" /* white-box: the descriptor a map holds */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

#define THREADS 8

#ifndef _WIN32

/* --- Close-on-exec ------------------------------------------------------------ */

/* argv: descriptor numbers that must not be open in this freshly executed program. */
CHILD(no_inherited_descriptors)
{
    int i, leaked = 0;
    for (i = 0; i < argc; i++) {
        int fd = atoi(argv[i]);
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            fprintf(stderr, "descriptor %d was inherited across exec\n", fd);
            leaked++;
        }
    }
    return leaked ? 1 : 0;
}

#endif

TEST(descriptors_are_close_on_exec)
{
#ifdef _WIN32
    SKIP("the harness starts children without handle inheritance; handle flags are the Windows backend's tests");
#else
    memmap_t *file = NULL, *adopted = NULL, *shm = NULL;
    const char *name = test_shm_name("cloexec");
    memmap_options opt = {0, 4096, 0};
    char numbers[3][16];
    const char *args[3];
    int raw, i;

    REQUIRE_OK(memmap_open(&file, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    /* The caller's descriptor is inheritable; the map's duplicate must not be. */
    raw = open(test_path("f"), O_RDWR);
    REQUIRE(raw >= 0);
    REQUIRE_OK(memmap_open_file(&adopted, raw, MEMMAP_WRITE, NULL));
    close(raw);
    REQUIRE_OK(memmap_shm_open(&shm, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE));

    args[0] = numbers[0];
    args[1] = numbers[1];
    args[2] = numbers[2];
    snprintf(numbers[0], sizeof numbers[0], "%d", file->os.fd);
    snprintf(numbers[1], sizeof numbers[1], "%d", adopted->os.fd);
    snprintf(numbers[2], sizeof numbers[2], "%d", shm->os.fd);
    for (i = 0; i < 3; i++)
        REQUIRE(atoi(numbers[i]) >= 0);
    CHECK(fcntl(file->os.fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(adopted->os.fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(shm->os.fd, F_GETFD) & FD_CLOEXEC);
    CHECK_EQ(test_spawn_self("no_inherited_descriptors", args, 3), 0);

    CHECK_OK(memmap_close(file));
    CHECK_OK(memmap_close(adopted));
    CHECK_OK(memmap_close(shm));
    CHECK_OK(memmap_shm_unlink(name));
#endif
}

/* --- Permissions ------------------------------------------------------------------ */

TEST(shared_memory_is_owner_only)
{
#ifdef _WIN32
    SKIP("POSIX permission bits; Windows sections get the default security of the session");
#else
    memmap_t *m = NULL;
    const char *name = test_shm_name("mode");
    struct stat st;
    mode_t old = umask(0); /* even with nothing masked */
    int rc = memmap_shm_open(&m, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL);
    umask(old);
    REQUIRE_OK(rc);
    REQUIRE(fstat(m->os.fd, &st) == 0);
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_OK(memmap_close(m));
    CHECK_OK(memmap_shm_unlink(name));
#endif
}

#ifndef _WIN32
static unsigned created_mode(const char *name, unsigned mode, mode_t mask)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 4096, 0};
    struct stat st;
    mode_t old = umask(mask);
    int rc;
    opt.mode = mode;
    rc = memmap_open(&m, test_path(name), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt);
    umask(old);
    if (rc != 0 || stat(test_path(name), &st) != 0) {
        memmap_close(m);
        return 0xFFFFu;
    }
    memmap_close(m);
    return (unsigned)(st.st_mode & 07777);
}
#endif

TEST(created_files_honour_umask)
{
#ifdef _WIN32
    SKIP("POSIX permission bits");
#else
    CHECK_EQ(created_mode("default", 0, 022), 0644);
    CHECK_EQ(created_mode("default-027", 0, 027), 0640);
    CHECK_EQ(created_mode("given-027", 0666, 027), 0640);
    CHECK_EQ(created_mode("private", 0600, 0), 0600);
    CHECK_EQ(created_mode("no-mask", 0664, 0), 0664);
    CHECK_EQ(created_mode("masked-all", 0666, 0777), 0);
#endif
}

/* --- Exclusive creation under a race ------------------------------------------------- */

/* A barrier that works where pthread_barrier_t does not exist (macOS). */
struct start_line {
    pthread_mutex_t lock;
    pthread_cond_t go;
    int waiting, round;
};

static void wait_at(struct start_line *s)
{
    int round;
    pthread_mutex_lock(&s->lock);
    round = s->round;
    if (++s->waiting == THREADS) {
        s->waiting = 0;
        s->round++;
        pthread_cond_broadcast(&s->go);
    } else {
        while (round == s->round)
            pthread_cond_wait(&s->go, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

#define EXCL_ROUNDS 200

struct racer {
    pthread_t thread;
    struct start_line *start;
    const char *dir_or_prefix;
    int shm;              /* race on shared memory names rather than files */
    int won[EXCL_ROUNDS]; /* 1 if this thread created the round's object */
    int wrong;            /* results other than success or MEMMAP_EEXIST */
};

static void *race(void *arg)
{
    struct racer *r = arg;
    char target[1300];
    int round;
    memmap_t *held = NULL;
    for (round = 0; round < EXCL_ROUNDS; round++) {
        memmap_t *m = NULL;
        int rc;
        snprintf(target, sizeof target, r->shm ? "%s-%d" : "%s/r%d", r->dir_or_prefix, round);
        wait_at(r->start);
        /* Every thread has tried the last round now.  The winner's map was held
         * until here: a Windows object dies with its last handle, and a late
         * thread would otherwise create a new one. */
        memmap_close(held);
        held = NULL;
        if (r->shm)
            rc = memmap_shm_open(&m, target, 4096, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL);
        else {
            memmap_options opt = {0, 4096, 0};
            rc = memmap_open(&m, target, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt);
        }
        r->won[round] = rc == 0;
        r->wrong += rc != 0 && rc != MEMMAP_EEXIST;
        held = m;
    }
    wait_at(r->start);
    memmap_close(held);
    return NULL;
}

static void run_race(int shm, const char *dir_or_prefix)
{
    struct racer r[THREADS];
    struct start_line start;
    int i, round, bad_rounds = 0;

    memset(r, 0, sizeof r);
    pthread_mutex_init(&start.lock, NULL);
    pthread_cond_init(&start.go, NULL);
    start.waiting = start.round = 0;
    for (i = 0; i < THREADS; i++) {
        r[i].start = &start;
        r[i].dir_or_prefix = dir_or_prefix;
        r[i].shm = shm;
        REQUIRE(pthread_create(&r[i].thread, NULL, race, &r[i]) == 0);
    }
    for (i = 0; i < THREADS; i++)
        pthread_join(r[i].thread, NULL);
    for (round = 0; round < EXCL_ROUNDS; round++) {
        int winners = 0;
        for (i = 0; i < THREADS; i++)
            winners += r[i].won[round];
        bad_rounds += winners != 1;
        if (shm) {
            char name[200];
            snprintf(name, sizeof name, "%s-%d", dir_or_prefix, round);
            memmap_shm_unlink(name);
        }
    }
    for (i = 0; i < THREADS; i++)
        CHECK_EQ(r[i].wrong, 0);
    CHECK_EQ(bad_rounds, 0);
    pthread_cond_destroy(&start.go);
    pthread_mutex_destroy(&start.lock);
}

TEST(exclusive_file_creation_has_one_winner)
{
    run_race(0, test_dir());
}

TEST(exclusive_shm_creation_has_one_winner)
{
    run_race(1, test_shm_name("excl"));
}

/* --- Paths ---------------------------------------------------------------------------- */

/* CREATE|EXCL never follows a symbolic link, even one pointing nowhere. */
TEST(exclusive_creation_refuses_symlinks)
{
#ifdef _WIN32
    SKIP("symbolic links need a privilege on Windows");
#else
    memmap_t *m = NULL;
    memmap_options opt = {0, 4096, 0};
    char victim[1200];
    snprintf(victim, sizeof victim, "%s", test_path("victim"));
    REQUIRE(symlink(victim, test_path("link")) == 0);
    CHECK_CODE(memmap_open(&m, test_path("link"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt),
               MEMMAP_EEXIST);
    CHECK(m == NULL);
    CHECK_EQ(test_file_size(victim), -1);
#endif
}

#ifndef _WIN32
struct flipper {
    pthread_t thread;
    const char *dir;
    volatile int stop;
    int flips;
};

/* Points "link" at "a" and at "b" in turn, each time atomically (rename over it). */
static void *flip_link(void *arg)
{
    struct flipper *f = arg;
    char tmp[1300], link[1300], a[1300], b[1300];
    snprintf(tmp, sizeof tmp, "%s/link.tmp", f->dir);
    snprintf(link, sizeof link, "%s/link", f->dir);
    snprintf(a, sizeof a, "%s/a", f->dir);
    snprintf(b, sizeof b, "%s/b", f->dir);
    while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
        unlink(tmp);
        if (symlink(f->flips % 2 ? a : b, tmp) != 0 || rename(tmp, link) != 0)
            break;
        f->flips++;
    }
    return NULL;
}
#endif

/*
 * Opening resolves the path once: while another thread swaps what the path
 * names between a 1-page file of 'a' and a 3-page file of 'b', every map
 * must be wholly one file or wholly the other.  A library that looked at
 * the path (stat) and then opened it would now and then pair one file's
 * size with the other's contents.
 */
TEST(path_is_resolved_once)
{
#ifdef _WIN32
    SKIP("symbolic links need a privilege on Windows");
#else
    size_t page = memmap_page_size();
    unsigned char *content = malloc(3 * page);
    struct flipper f;
    int i, mixed = 0, failed = 0, as_a = 0, as_b = 0;

    REQUIRE(content != NULL);
    memset(content, 'a', page);
    REQUIRE(test_write_file(test_path("a"), content, page) == 0);
    memset(content, 'b', 3 * page);
    REQUIRE(test_write_file(test_path("b"), content, 3 * page) == 0);
    REQUIRE(symlink(test_path("a"), test_path("link")) == 0);
    memset(&f, 0, sizeof f);
    f.dir = test_dir();
    REQUIRE(pthread_create(&f.thread, NULL, flip_link, &f) == 0);
    for (i = 0; i < 3000; i++) {
        memmap_t *m = NULL;
        const unsigned char *p;
        size_t size, j, count_a = 0;
        if (memmap_open(&m, test_path("link"), MEMMAP_READ, NULL) != 0) {
            failed++;
            continue;
        }
        p = memmap_data(m);
        size = memmap_size(m);
        for (j = 0; j < size; j++)
            count_a += p[j] == 'a';
        if (size == page && count_a == page)
            as_a++;
        else if (size == 3 * page && count_a == 0)
            as_b++;
        else
            mixed++;
        memmap_close(m);
    }
    __atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
    pthread_join(f.thread, NULL);
    free(content);
    CHECK_EQ(mixed, 0);
    CHECK_EQ(failed, 0);
    CHECK(as_a + as_b == 3000);
    printf("path swapped %d times: %d maps of a, %d of b\n", f.flips, as_a, as_b);
#endif
}
