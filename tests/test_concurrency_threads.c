/* SPDX-License-Identifier: MIT */
// labels: threads
/*
 * Threads creating, resizing and closing distinct maps at the same time share
 * nothing by accident: no data race (ThreadSanitizer runs these cases), no
 * lost data, and each thread's last OS error is its own.
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

#define THREADS 8

struct worker {
    pthread_t thread;
    int index;
    int rounds;
    char path[1200];
    char shm[128];
    int wrong;      /* the first failing step, or 0 */
    int wrong_code; /* what that step returned */
};

#define STEP(w, step, expr)                                                  \
    do { int rc_ = (expr);                                                   \
         if (rc_ != 0 && (w)->wrong == 0) { (w)->wrong = (step); (w)->wrong_code = rc_; } \
    } while (0)

static size_t page(void) { return memmap_page_size(); }

/* One round of a file map's life: create, fill, grow, check, shrink, close. */
static void file_round(struct worker *w, int round, unsigned char *buf)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    size_t len = (size_t)(1 + round % 3) * page() + (size_t)w->index * 17;

    opt.length = len;
    STEP(w, 1, memmap_open(&m, w->path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE, &opt));
    if (!m)
        return;
    test_pattern(buf, (uint64_t)round, len);
    STEP(w, 2, memmap_write(m, 0, buf, len));
    STEP(w, 3, memmap_resize(m, 4 * len, 0));
    STEP(w, 4, memmap_size(m) == 4 * len ? 0 : -100);
    STEP(w, 5, test_pattern_mismatch(memmap_data(m), (uint64_t)round, len) == (size_t)-1 ? 0 : -101);
    STEP(w, 6, memmap_sync(m, 0, 0, 0));
    STEP(w, 7, memmap_resize(m, len / 2, MEMMAP_TRUNCATE));
    STEP(w, 8, test_pattern_mismatch(memmap_data(m), (uint64_t)round, len / 2) == (size_t)-1 ? 0 : -102);
    STEP(w, 9, memmap_close(m));
}

static void anon_and_shm_round(struct worker *w, int round)
{
    memmap_t *a = NULL, *s = NULL, *t = NULL;
    unsigned char *p;
    size_t len = (size_t)(1 + round % 4) * page();

    STEP(w, 20, memmap_anon(&a, len, 0));
    if (a) {
        p = memmap_data(a);
        p[0] = (unsigned char)round;
        p[len - 1] = (unsigned char)w->index;
        STEP(w, 21, memmap_resize(a, 3 * len, 0));
        p = memmap_data(a);
        STEP(w, 22, p[0] == (unsigned char)round && p[len - 1] == (unsigned char)w->index ? 0 : -103);
        STEP(w, 23, memmap_close(a));
    }
    STEP(w, 30, memmap_shm_open(&s, w->shm, len, MEMMAP_WRITE | MEMMAP_CREATE));
    if (s) {
        ((unsigned char *)memmap_data(s))[1] = (unsigned char)(round + 1);
        /* A second map of the same object sees the store. */
        STEP(w, 31, memmap_shm_open(&t, w->shm, 0, MEMMAP_READ));
        if (t) {
            STEP(w, 32, ((unsigned char *)memmap_data(t))[1] == (unsigned char)(round + 1) ? 0 : -104);
            STEP(w, 33, memmap_close(t));
        }
        STEP(w, 34, memmap_close(s));
    }
    STEP(w, 35, memmap_shm_unlink(w->shm));
}

static void *churn(void *arg)
{
    struct worker *w = arg;
    unsigned char *buf = malloc(4 * page() + THREADS * 17);
    int round;
    if (!buf) {
        w->wrong = -1;
        return NULL;
    }
    for (round = 0; round < w->rounds && w->wrong == 0; round++) {
        file_round(w, round, buf);
        anon_and_shm_round(w, round);
    }
    free(buf);
    return NULL;
}

TEST(threads_open_resize_close_distinct_maps)
{
    struct worker w[THREADS];
    int i;
    memset(w, 0, sizeof w);
    for (i = 0; i < THREADS; i++) {
        char name[32];
        w[i].index = i;
        w[i].rounds = 100;
        snprintf(name, sizeof name, "file%d", i);
        snprintf(w[i].path, sizeof w[i].path, "%s", test_path(name));
        snprintf(name, sizeof name, "t%d", i);
        snprintf(w[i].shm, sizeof w[i].shm, "%s", test_shm_name(name));
    }
    for (i = 0; i < THREADS; i++)
        REQUIRE(pthread_create(&w[i].thread, NULL, churn, &w[i]) == 0);
    for (i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    for (i = 0; i < THREADS; i++) {
        if (w[i].wrong != 0)
            test_fail(__FILE__, __LINE__, "thread %d: step %d returned %s", i, w[i].wrong,
                      memmap_errname(w[i].wrong_code));
    }
}

/* --- memmap_last_os_error is per thread --------------------------------------- */

struct error_worker {
    pthread_t thread;
    const char *missing;  /* a path that does not exist */
    const char *existing; /* a path that does */
    int index;
    int wrong;
};

static void *fail_in_own_way(void *arg)
{
    struct error_worker *e = arg;
    int i;
    for (i = 0; i < 2000; i++) {
        memmap_t *m = NULL;
        if (e->index % 2 == 0) {
            /* ENOENT from the OS: a non-zero last OS error. */
            e->wrong += memmap_open(&m, e->missing, MEMMAP_READ, NULL) != MEMMAP_ENOENT;
            e->wrong += memmap_last_os_error() == 0;
        } else {
            /* A failure decided without the OS: the last OS error is 0. */
            e->wrong += memmap_open(&m, e->existing, MEMMAP_WRITE | MEMMAP_COPY, NULL) != MEMMAP_EINVAL;
            e->wrong += memmap_last_os_error() != 0;
        }
        e->wrong += m != NULL;
    }
    return NULL;
}

TEST(last_os_error_is_per_thread)
{
    struct error_worker e[THREADS];
    char missing[1200], existing[1200];
    int i;
    snprintf(missing, sizeof missing, "%s", test_path("missing"));
    snprintf(existing, sizeof existing, "%s", test_path("exists"));
    REQUIRE(test_write_file(existing, "x", 1) == 0);
    memset(e, 0, sizeof e);
    for (i = 0; i < THREADS; i++) {
        e[i].index = i;
        e[i].missing = missing;
        e[i].existing = existing;
        REQUIRE(pthread_create(&e[i].thread, NULL, fail_in_own_way, &e[i]) == 0);
    }
    for (i = 0; i < THREADS; i++)
        pthread_join(e[i].thread, NULL);
    for (i = 0; i < THREADS; i++)
        CHECK_EQ(e[i].wrong, 0);
}
