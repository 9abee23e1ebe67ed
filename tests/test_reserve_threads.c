/* SPDX-License-Identifier: MIT */
// labels: threads
/*
 * A map resized inside its capacity while other threads use it.  One thread
 * grows and shrinks the map 10,000 times; reader threads check every byte of
 * the part that is never cut, continuously, through plain pointers, and read
 * the bytes past it whenever they see a larger size; a writer thread stores
 * into the kept part and reads its stores back.  Nothing may fault, move or
 * change under them.  ThreadSanitizer runs these cases (label "threads").
 *
 * Reading past the kept part while a shrink takes those pages away would be
 * the readers' race, not the library's: before a shrink the resizing thread
 * waits until no reader is in the growing part (a Dekker handshake of two
 * counters), and readers never enter it while a shrink is pending.  Growth
 * does not wait for anyone.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define CYCLES 10000
#define READERS 2
#define KEPT_PAGES 4   /* the part no resize cuts */
#define MAX_PAGES 64   /* the capacity */

enum growth_bytes { ZEROS, PATTERN };

struct shared {
    memmap_t *map;
    unsigned char *data;
    size_t kept, capacity;
    enum growth_bytes growth;  /* what the bytes past the kept part hold */
    int stop;                  /* atomic: the resizer is done */
    int shrink_pending;        /* atomic: the resizer wants the growing part back */
    int in_growing_part;       /* atomic: readers reading past the kept part */
    int failures;              /* atomic */
    long long new_bytes_seen;  /* atomic: bytes past the kept part readers checked */
    long long writes;          /* atomic */
};

static size_t page(void) { return memmap_page_size(); }

static int load(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static void add(int *p, int v) { __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

static void fail(struct shared *s, const char *what)
{
    if (__atomic_fetch_add(&s->failures, 1, __ATOMIC_SEQ_CST) == 0)
        fprintf(stderr, "first failure: %s\n", what);
}

/* The growing part [kept, size) must hold what was put there. */
static int growth_is_right(const struct shared *s, size_t from, size_t to)
{
    size_t i;
    if (s->growth == PATTERN)
        return test_pattern_mismatch(s->data + from, from, to - from) == (size_t)-1;
    for (i = from; i < to; i++)
        if (s->data[i] != 0)
            return 0;
    return 1;
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    /* The last quarter of the kept part belongs to the writer thread. */
    size_t checked = s->kept * 3 / 4;
    while (!load(&s->stop)) {
        size_t size;
        if (test_pattern_mismatch(s->data, 0, checked) != (size_t)-1)
            fail(s, "a byte of the kept part changed");
        if (load(&s->shrink_pending))
            continue;
        add(&s->in_growing_part, 1);
        if (!load(&s->shrink_pending)) {
            size = memmap_size(s->map);
            if (size < s->kept || size > s->capacity)
                fail(s, "memmap_size out of bounds");
            else if (!growth_is_right(s, s->kept, size))
                fail(s, "a byte past the kept part is wrong");
            else
                __atomic_fetch_add(&s->new_bytes_seen, (long long)(size - s->kept), __ATOMIC_RELAXED);
        }
        add(&s->in_growing_part, -1);
        /* Under valgrind, which runs one thread at a time, a reader that
         * never yields keeps the resizer waiting for whole time slices. */
        sched_yield();
    }
    return NULL;
}

/* Stores into its own words of the kept part and reads each store back. */
static void *writer(void *arg)
{
    struct shared *s = arg;
    unsigned *words = (unsigned *)(void *)(s->data + s->kept * 3 / 4);
    size_t n = s->kept / 4 / sizeof *words, i = 0;
    unsigned value = 1;
    while (!load(&s->stop)) {
        words[i] = value;
        if (words[i] != value)
            fail(s, "a store to the kept part was lost");
        i = (i + 1) % n;
        value++;
        __atomic_fetch_add(&s->writes, 1, __ATOMIC_RELAXED);
        sched_yield();
    }
    return NULL;
}

/* Takes the growing part from the readers before a shrink. */
static void begin_shrink(struct shared *s)
{
    store(&s->shrink_pending, 1);
    while (load(&s->in_growing_part) != 0)
        sched_yield();
}

/* anonymous: m is anonymous memory, which Windows reserves without placeholders. */
static void resize_under_readers(memmap_t *m, int anonymous, enum growth_bytes growth, unsigned shrink_flags)
{
    struct shared s;
    pthread_t readers[READERS], scribbler;
    unsigned seed = 12345;
    size_t pages = KEPT_PAGES;
    int i, rc = 0;

    memset(&s, 0, sizeof s);
    s.map = m;
    s.kept = KEPT_PAGES * page();
    s.capacity = MAX_PAGES * page();
    s.growth = growth;
    rc = memmap_reserve(m, s.capacity, 0);
#ifdef _WIN32
    if (rc == MEMMAP_ENOTSUP && !anonymous) {
        memmap_close(m);
        SKIP("this Windows has no placeholders: reserving a file or shared memory map is MEMMAP_ENOTSUP");
    }
#else
    (void)anonymous;
#endif
    REQUIRE_OK(rc);
    s.data = memmap_data(m);
    REQUIRE(memmap_size(m) == s.kept);
    REQUIRE(test_pattern_mismatch(s.data, 0, s.kept) == (size_t)-1);

    for (i = 0; i < READERS; i++)
        REQUIRE(pthread_create(&readers[i], NULL, reader, &s) == 0);
    REQUIRE(pthread_create(&scribbler, NULL, writer, &s) == 0);
    for (i = 0; i < CYCLES && rc == 0; i++) {
        size_t next;
        seed = seed * 1103515245u + 12345u;
        next = KEPT_PAGES + (seed >> 16) % (MAX_PAGES - KEPT_PAGES + 1);
        if (next < pages)
            begin_shrink(&s);
        rc = memmap_resize(m, next * page(), next < pages ? shrink_flags | MEMMAP_NOMOVE : MEMMAP_NOMOVE);
        store(&s.shrink_pending, 0);
        if (memmap_data(m) != s.data)
            fail(&s, "memmap_data moved");
        pages = next;
    }
    store(&s.stop, 1);
    for (i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    pthread_join(scribbler, NULL);

    CHECK_OK(rc);
    CHECK_EQ(s.failures, 0);
    /* The readers did see bytes past the kept part, and the writer did store. */
    CHECK(s.new_bytes_seen > 0);
    CHECK(s.writes > 0);
    CHECK_OK(memmap_close(m));
}

TEST(file_grows_and_is_cut_under_readers)
{
#ifdef _WIN32
    SKIP("Windows cannot cut a mapped file: a TRUNCATE resize is not concurrent there (header, Thread safety)");
#endif
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    opt.length = KEPT_PAGES * page();
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), 0, opt.length);
    resize_under_readers(m, 0, ZEROS, MEMMAP_TRUNCATE);
    CHECK(test_file_size(test_path("f")) >= (long long)(KEPT_PAGES * page()));
}

TEST(file_window_moves_under_readers)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, 0, 0};
    REQUIRE(test_pattern_file("f", MAX_PAGES * page()) != NULL);
    opt.length = KEPT_PAGES * page();
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE, &opt));
    resize_under_readers(m, 0, PATTERN, 0);
}

TEST(anon_grows_and_shrinks_under_readers)
{
    memmap_t *m = NULL;
    REQUIRE_OK(memmap_anon(&m, KEPT_PAGES * page(), 0));
    test_pattern(memmap_data(m), 0, KEPT_PAGES * page());
    resize_under_readers(m, 1, ZEROS, 0);
}

TEST(shm_grows_and_shrinks_under_readers)
{
    memmap_t *m = NULL;
    const char *name = test_shm_name("t");
    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_shm_open(&m, name, MAX_PAGES * page(), MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(m), 0, MAX_PAGES * page());
    REQUIRE_OK(memmap_resize(m, KEPT_PAGES * page(), 0));
    resize_under_readers(m, 0, PATTERN, 0);
    memmap_shm_unlink(name);
}
