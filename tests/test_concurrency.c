/* SPDX-License-Identifier: MIT */
/*
 * Several processes on one named shared memory object: atomic operations on
 * the mapped memory are exactly as atomic as on ordinary memory, and every
 * process sees every other's stores.
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
#include <stdlib.h>

#define PROCESSES 8
#define INCREMENTS 1000000

/* The layout of the shared object. */
struct counters {
    uint64_t total;            /* incremented by every process */
    uint64_t per_process[PROCESSES]; /* each process's own count, written by it alone */
};

/* argv: name, index, increments */
CHILD(increment)
{
    memmap_t *m = NULL;
    struct counters *c;
    long i, n;
    int index;
    if (argc != 3)
        return 2;
    index = atoi(argv[1]);
    n = atol(argv[2]);
    if (index < 0 || index >= PROCESSES)
        return 2;
    if (memmap_shm_open(&m, argv[0], 0, MEMMAP_WRITE) != 0)
        return 3;
    if (memmap_size(m) < sizeof *c)
        return 4;
    c = memmap_data(m);
    for (i = 0; i < n; i++) {
        __atomic_fetch_add(&c->total, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&c->per_process[index], (uint64_t)i + 1, __ATOMIC_RELAXED);
    }
    return memmap_close(m) == 0 ? 0 : 5;
}

struct spawner {
    pthread_t thread;
    const char *name;
    char index[16];
    char count[16];
    int status;
};

/* test_spawn_self waits for its child, so one thread per child runs them together. */
static void *spawn_incrementer(void *arg)
{
    struct spawner *s = arg;
    const char *args[3];
    args[0] = s->name;
    args[1] = s->index;
    args[2] = s->count;
    s->status = test_spawn_self("increment", args, 3);
    return NULL;
}

TEST(eight_processes_increment_shared_counter)
{
    struct spawner s[PROCESSES];
    const char *name = test_shm_name("counter");
    memmap_t *m = NULL;
    struct counters *c;
    int i;

    REQUIRE_OK(memmap_shm_open(&m, name, sizeof *c, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    c = memmap_data(m);
    CHECK_EQ_U(c->total, 0);
    for (i = 0; i < PROCESSES; i++) {
        s[i].name = name;
        snprintf(s[i].index, sizeof s[i].index, "%d", i);
        snprintf(s[i].count, sizeof s[i].count, "%d", INCREMENTS);
        s[i].status = -1;
        REQUIRE(pthread_create(&s[i].thread, NULL, spawn_incrementer, &s[i]) == 0);
    }
    for (i = 0; i < PROCESSES; i++)
        pthread_join(s[i].thread, NULL);
    for (i = 0; i < PROCESSES; i++) {
        CHECK_EQ(s[i].status, 0);
        CHECK_EQ_U(c->per_process[i], INCREMENTS);
    }
    CHECK_EQ_U(c->total, (uint64_t)PROCESSES * INCREMENTS);
    CHECK_OK(memmap_close(m));
    CHECK_OK(memmap_shm_unlink(name));
}

/* A process that maps the object later sees what the others left in it. */
TEST(later_process_sees_earlier_stores)
{
    const char *name = test_shm_name("later");
    const char *args[3];
    memmap_t *m = NULL, *r = NULL;
    struct counters *c;

    REQUIRE_OK(memmap_shm_open(&m, name, sizeof *c, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    args[0] = name;
    args[1] = "3";
    args[2] = "1000";
    CHECK_EQ(test_spawn_self("increment", args, 3), 0);
    /* A new read-only map after the writer is gone (the first map keeps the
     * object alive on Windows, where it dies with its last handle). */
    REQUIRE_OK(memmap_shm_open(&r, name, 0, MEMMAP_READ));
    CHECK(memmap_size(r) >= sizeof *c);
    c = memmap_data(r);
    CHECK_EQ_U(c->total, 1000);
    CHECK_EQ_U(c->per_process[3], 1000);
    CHECK_EQ_U(c->per_process[0], 0);
    CHECK_OK(memmap_close(r));
    CHECK_OK(memmap_close(m));
    CHECK_OK(memmap_shm_unlink(name));
}
