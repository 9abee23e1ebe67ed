/* SPDX-License-Identifier: MIT */
// labels: threads
/*
 * Guarded access from many threads at once: each thread's faults are its own
 * (a thread reading a good range never sees another thread's MEMMAP_EIO), and
 * every call the header allows on one map from several threads at once is
 * free of data races (ThreadSanitizer runs these cases).
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <pthread.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <unistd.h>
#endif

#define THREADS 8
#define PAGES 8

static size_t page(void) { return memmap_page_size(); }

struct worker {
    pthread_t thread;
    memmap_t *map;
    int index;
    int rounds;
    int wrong;      /* results that were not what this thread expected */
    int faults;     /* MEMMAP_EIO results, expected ones included */
};

static int start_all(struct worker *w, int n, void *(*fn)(void *))
{
    int i;
    for (i = 0; i < n; i++)
        if (pthread_create(&w[i].thread, NULL, fn, &w[i]) != 0)
            return -1;
    for (i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    return 0;
}

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

/* Even threads read the bad half and must get EIO; odd ones read the good half
 * and must get the data. */
static void *read_half(void *arg)
{
    struct worker *w = arg;
    size_t half = PAGES / 2 * page();
    unsigned char *buf = malloc(half);
    int i;
    if (!buf) {
        w->wrong++;
        return NULL;
    }
    for (i = 0; i < w->rounds; i++) {
        size_t at = (size_t)(i * 977) % page();
        size_t len = half - at;
        if (w->index % 2 == 0) {
            int rc = memmap_read(w->map, half + at, buf, len);
            w->faults += rc == MEMMAP_EIO;
            w->wrong += rc != MEMMAP_EIO;
        } else {
            int rc = memmap_read(w->map, at, buf, len);
            w->wrong += rc != 0 || test_pattern_mismatch(buf, at, len) != (size_t)-1;
        }
    }
    free(buf);
    return NULL;
}

TEST(faults_stay_in_their_thread)
{
    struct worker w[THREADS];
    memmap_t *m = patterned_map("f", PAGES);
    int i, faults = 0;

#ifdef _WIN32
    /* Windows cannot shrink a mapped file: a protected half faults instead. */
    REQUIRE_OK(memmap_protect(m, PAGES / 2 * page(), 0, MEMMAP_NONE));
#else
    {
        int fd = open(test_path("f"), O_RDWR | O_CLOEXEC);
        REQUIRE(fd >= 0);
        REQUIRE(ftruncate(fd, (off_t)(PAGES / 2 * page())) == 0);
        close(fd);
    }
#endif
    memset(w, 0, sizeof w);
    for (i = 0; i < THREADS; i++) {
        w[i].map = m;
        w[i].index = i;
        w[i].rounds = 2000;
    }
    REQUIRE(start_all(w, THREADS, read_half) == 0);
    for (i = 0; i < THREADS; i++) {
        CHECK_EQ(w[i].wrong, 0);
        faults += w[i].faults;
    }
    CHECK_EQ(faults, THREADS / 2 * 2000);
    CHECK_OK(memmap_close(m));
}

/*
 * Every operation the header allows on one map from several threads at once,
 * each thread on its own pages: sync (both kinds), protect, advise, lock,
 * read, write, probe and the accessors.
 */
static void *use_own_pages(void *arg)
{
    struct worker *w = arg;
    size_t off = (size_t)w->index * page();
    unsigned char buf[256];
    int i, rc;
    for (i = 0; i < w->rounds; i++) {
        test_pattern(buf, off + (size_t)i, sizeof buf);
        w->wrong += memmap_write(w->map, off, buf, sizeof buf) != 0;
        memset(buf, 0, sizeof buf);
        w->wrong += memmap_read(w->map, off, buf, sizeof buf) != 0;
        w->wrong += test_pattern_mismatch(buf, off + (size_t)i, sizeof buf) != (size_t)-1;
        w->wrong += memmap_probe(w->map, off, page(), MEMMAP_READ | MEMMAP_WRITE) != 0;
        w->wrong += memmap_sync(w->map, off, page(), i % 2 ? MEMMAP_SYNC_ASYNC : 0) != 0;
        w->wrong += memmap_protect(w->map, off, page(), MEMMAP_READ | MEMMAP_WRITE) != 0;
        w->wrong += memmap_advise(w->map, off, page(), i % 5) != 0;
        rc = memmap_lock(w->map, off, page());
        /* A locked-memory limit is the environment's, not a race. */
        if (rc == 0)
            w->wrong += memmap_unlock(w->map, off, page()) != 0;
        else
            w->wrong += rc != MEMMAP_ENOMEM;
        w->wrong += memmap_size(w->map) != PAGES * page();
        w->wrong += memmap_data(w->map) == NULL;
        w->wrong += (memmap_flags(w->map) & MEMMAP_WRITE) == 0;
    }
    return NULL;
}

TEST(shared_map_operations_from_threads)
{
    struct worker w[THREADS];
    memmap_t *m;
    int i;

    /* The file is grown by the library, so the first durable syncs also flush its size. */
    m = patterned_map("f", PAGES);
    memset(w, 0, sizeof w);
    for (i = 0; i < THREADS; i++) {
        w[i].map = m;
        w[i].index = i;
        w[i].rounds = 200;
    }
    REQUIRE(start_all(w, THREADS, use_own_pages) == 0);
    for (i = 0; i < THREADS; i++)
        CHECK_EQ(w[i].wrong, 0);
    CHECK_OK(memmap_close(m));
}
