/* SPDX-License-Identifier: MIT */
// labels: threads
/*
 * Windows rings without placeholders: the two views are mapped at address
 * space found free and given back, which another thread can take in between.
 * These cases call that path directly (white box), so they run it under Wine
 * 10 too, where memmap_ring itself uses placeholders: losing every race is a
 * clean MEMMAP_ENOMEM with nothing left behind, and threads allocating memory
 * the whole time never make it crash, hang or return a broken mirror.
 */
#include "harness.h"
#include "win32/win32.h"

#include <pthread.h>
#include <string.h>

/* An empty map holding an unnamed ring object of length bytes, not mapped yet. */
static memmap_t *unmapped_ring(size_t length)
{
    memmap_t *m = memmap_new_map(&memmap_os_shm_kind, MEMMAP_READ | MEMMAP_WRITE);
    REQUIRE(m != NULL);
    m->mirrored = 1;
    REQUIRE_OK(memmap_os_ring_object(m, length));
    return m;
}

/* Finishes what memmap_ring does after mapping, so memmap_close and the
 * guarded calls see a ring. */
static void finish_ring(memmap_t *m, size_t length)
{
    m->data = m->view.base;
    m->size = length;
}

static int mirror_holds(memmap_t *m, size_t length)
{
    unsigned char *p = memmap_data(m);
    size_t i;
    for (i = 0; i < length; i += 4093) {
        p[i] = (unsigned char)(i * 31 + 7);
        if (p[i + length] != p[i])
            return 0;
    }
    return 1;
}

/* The addresses the races took, to give back afterwards. */
static void *taken[16];
static int taken_count;

/* Plays the other thread: takes the start of the space just given back. */
static void take_the_address(void *base, size_t span)
{
    (void)span;
    if (taken_count < 16)
        taken[taken_count++] = VirtualAlloc(base, memmap_granularity(), MEM_RESERVE, PAGE_NOACCESS);
}

TEST(losing_every_race_is_a_clean_enomem)
{
    size_t length = 2 * memmap_granularity();
    memmap_t *m = unmapped_ring(length);
    int i;

    taken_count = 0;
    CHECK_CODE(memmap_win32_mirror_at_free_address(m, length, 5, take_the_address), MEMMAP_ENOMEM);
    CHECK_EQ(taken_count, 5);
    CHECK(m->view.base == NULL && m->reservation.length == 0 && m->os.pieces == NULL);
    CHECK_OK(memmap_close(m));
    for (i = 0; i < taken_count; i++) {
        CHECK(taken[i] != NULL);
        VirtualFree(taken[i], 0, MEM_RELEASE);
    }

    /* Nobody in the way: the same call works the first time. */
    m = unmapped_ring(length);
    REQUIRE_OK(memmap_win32_mirror_at_free_address(m, length, 1, NULL));
    finish_ring(m, length);
    CHECK(mirror_holds(m, length));
    CHECK_OK(memmap_protect(m, 0, memmap_page_size(), MEMMAP_READ));
    CHECK_CODE(memmap_probe(m, length, 1, MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_OK(memmap_close(m));
}

static volatile LONG stop_allocating;

/* Allocates and frees address space of changing sizes until told to stop. */
static void *allocate_all_the_time(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    while (!InterlockedCompareExchange(&stop_allocating, 0, 0)) {
        size_t size;
        void *p;
        seed = seed * 1103515245u + 12345u;
        size = ((seed >> 16) % 64 + 1) * memmap_granularity();
        p = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (p) {
            ((volatile unsigned char *)p)[0] = 1;
            VirtualFree(p, 0, MEM_RELEASE);
        }
    }
    return NULL;
}

TEST(rings_made_while_threads_allocate)
{
    pthread_t threads[3];
    size_t length = 4 * memmap_granularity();
    int i, made = 0, lost = 0, broken = 0, other = 0;

    stop_allocating = 0;
    for (i = 0; i < 3; i++)
        REQUIRE(pthread_create(&threads[i], NULL, allocate_all_the_time, (void *)(size_t)(i + 1)) == 0);
    for (i = 0; i < 300; i++) {
        memmap_t *m = unmapped_ring(length);
        int rc = memmap_win32_mirror_at_free_address(m, length, 64, NULL);
        if (rc == 0) {
            finish_ring(m, length);
            made++;
            broken += !mirror_holds(m, length);
        } else if (rc == MEMMAP_ENOMEM) {
            lost++;
        } else {
            other++;
        }
        memmap_close(m);
    }
    InterlockedExchange(&stop_allocating, 1);
    for (i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    /* Every ring made is a true mirror; a failure is only ever the clean one. */
    CHECK_EQ(broken, 0);
    CHECK_EQ(other, 0);
    CHECK(made > 0);
    CHECK_EQ(made + lost, 300);

    /* And memmap_ring itself (placeholders where the system has them). */
    {
        memmap_t *m = NULL;
        REQUIRE_OK(memmap_ring(&m, NULL, length, 0));
        CHECK(mirror_holds(m, length));
        memmap_close(m);
    }
}
