/* SPDX-License-Identifier: MIT */
/*
 * What the guard costs: small reads of a cached, mapped file through
 * memmap_read (guarded: a fault becomes MEMMAP_EIO) against a plain memcpy
 * from memmap_data() (unguarded) and a pread of the same bytes.  The map is
 * made once, outside the timing, so each repetition measures only the copies;
 * a guarded copy pays for its recovery point and for unblocking SIGBUS and
 * SIGSEGV (one pthread_sigmask), which is what lets it work in any thread
 * whatever its signal mask.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memmap.h"

#define SMALL_READ 64

struct guard_ctx {
    memmap_t *map;
    int fd;
    uint64_t *offsets;
    uint64_t count;
};

static double copy_unguarded(void *arg, uint64_t *sum)
{
    struct guard_ctx *c = arg;
    const unsigned char *base = memmap_data(c->map);
    unsigned char buf[SMALL_READ];
    uint64_t total = 0, i;
    double t0 = bench_now();
    for (i = 0; i < c->count; i++) {
        memcpy(buf, base + c->offsets[i], SMALL_READ);
        total += bench_sum_words(buf, SMALL_READ);
    }
    *sum = total;
    return bench_now() - t0;
}

static double copy_guarded(void *arg, uint64_t *sum)
{
    struct guard_ctx *c = arg;
    unsigned char buf[SMALL_READ];
    uint64_t total = 0, i;
    double t0 = bench_now();
    for (i = 0; i < c->count; i++) {
        bench_check(memmap_read(c->map, (size_t)c->offsets[i], buf, SMALL_READ), "memmap_read");
        total += bench_sum_words(buf, SMALL_READ);
    }
    *sum = total;
    return bench_now() - t0;
}

static double copy_pread(void *arg, uint64_t *sum)
{
    struct guard_ctx *c = arg;
    unsigned char buf[SMALL_READ];
    uint64_t total = 0, i;
    double t0 = bench_now();
    for (i = 0; i < c->count; i++) {
        if (bench_pread(c->fd, buf, SMALL_READ, c->offsets[i]) != SMALL_READ)
            bench_die("short pread");
        total += bench_sum_words(buf, SMALL_READ);
    }
    *sum = total;
    return bench_now() - t0;
}

void bench_case_guard(const struct bench_config *cfg)
{
    struct guard_ctx c;
    struct bench_group g;
    char path[4096];
    uint64_t seed = 7, slots, i;

    memset(&c, 0, sizeof c);
    bench_path(path, sizeof path, cfg->dir, "memmap-bench-data.bin");
    bench_make_data_file(path, cfg->size);
    c.count = cfg->random_reads;
    c.offsets = malloc((size_t)c.count * sizeof *c.offsets);
    if (!c.offsets)
        bench_die("out of memory");
    slots = cfg->size / SMALL_READ;
    for (i = 0; i < c.count; i++)
        c.offsets[i] = (bench_random(&seed) % slots) * SMALL_READ;
    bench_check(memmap_open(&c.map, path, MEMMAP_READ | MEMMAP_POPULATE, NULL), "memmap_open");
    if ((c.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        bench_die("cannot open %s", path);

    bench_group_init(&g, "guard", "random 64-byte reads of a mapped, cached file", BENCH_OPS,
                     (double)c.count, bench_reps(cfg, 7));
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "memcpy from memmap_data() (unguarded)", copy_unguarded, &c, 1);
    bench_group_add(&g, "memmap_read (guarded)", copy_guarded, &c, 0);
    bench_group_add(&g, "pread, 64 bytes", copy_pread, &c, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    close(c.fd);
    bench_check(memmap_close(c.map), "memmap_close");
    free(c.offsets);
}
