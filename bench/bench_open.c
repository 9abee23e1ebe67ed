/* SPDX-License-Identifier: MIT */
/*
 * The fixed cost of a map: open, map, touch one byte, unmap and close a 4 KiB
 * file, through memmap and through the raw open/fstat/mmap/munmap/close
 * sequence.  This is the overhead the library adds per map, so it must stay
 * within a few percent of the raw calls.
 *
 * The two loops are also run alone (bench_open_loop_only) so that run.sh can
 * count their instructions with callgrind, which unlike a clock is not
 * disturbed by whatever else runs on the machine.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memmap.h"

#if defined(__GNUC__)
/* callgrind counts these functions by name (--toggle-collect). */
#  define BENCH_NOINLINE __attribute__((noinline))
#else
#  define BENCH_NOINLINE
#endif

#define SMALL_FILE 4096

struct open_ctx {
    char path[4096];
    uint64_t iterations; /* per repetition */
};

BENCH_NOINLINE static uint64_t open_loop_memmap(const char *path, uint64_t iterations)
{
    uint64_t touched = 0, i;
    for (i = 0; i < iterations; i++) {
        memmap_t *m;
        bench_check(memmap_open(&m, path, MEMMAP_READ, NULL), "memmap_open");
        touched += *(const volatile unsigned char *)memmap_data(m);
        bench_check(memmap_close(m), "memmap_close");
    }
    return touched;
}

BENCH_NOINLINE static uint64_t open_loop_raw(const char *path, uint64_t iterations)
{
    uint64_t touched = 0, i;
    for (i = 0; i < iterations; i++) {
        struct stat st;
        void *p;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            bench_die("open %s: %s", path, strerror(errno));
        if (fstat(fd, &st) != 0)
            bench_die("fstat: %s", strerror(errno));
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            bench_die("mmap: %s", strerror(errno));
        touched += *(const volatile unsigned char *)p;
        munmap(p, (size_t)st.st_size);
        close(fd);
    }
    return touched;
}

/*
 * The raw sequence plus what any API that hands out a map object must add: a
 * malloc'd handle holding the descriptor, address and size.  Not a contender
 * to beat but the floor under every such library, to read the memmap figure
 * against.
 */
struct raw_handle {
    void *data;
    size_t size;
    int fd;
};

BENCH_NOINLINE static uint64_t open_loop_raw_handle(const char *path, uint64_t iterations)
{
    uint64_t touched = 0, i;
    for (i = 0; i < iterations; i++) {
        struct stat st;
        struct raw_handle *h = malloc(sizeof *h);
        if (!h)
            bench_die("out of memory");
        h->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (h->fd < 0)
            bench_die("open %s: %s", path, strerror(errno));
        if (fstat(h->fd, &st) != 0)
            bench_die("fstat: %s", strerror(errno));
        h->size = (size_t)st.st_size;
        h->data = mmap(NULL, h->size, PROT_READ, MAP_SHARED, h->fd, 0);
        if (h->data == MAP_FAILED)
            bench_die("mmap: %s", strerror(errno));
        touched += *(const volatile unsigned char *)h->data;
        munmap(h->data, h->size);
        close(h->fd);
        free(h);
    }
    return touched;
}

static double time_open_raw_handle(void *arg, uint64_t *sum)
{
    struct open_ctx *o = arg;
    double t0 = bench_now();
    *sum = open_loop_raw_handle(o->path, o->iterations);
    return bench_now() - t0;
}

static double time_open_memmap(void *arg, uint64_t *sum)
{
    struct open_ctx *o = arg;
    double t0 = bench_now();
    *sum = open_loop_memmap(o->path, o->iterations);
    return bench_now() - t0;
}

static double time_open_raw(void *arg, uint64_t *sum)
{
    struct open_ctx *o = arg;
    double t0 = bench_now();
    *sum = open_loop_raw(o->path, o->iterations);
    return bench_now() - t0;
}

static void make_small_file(const char *path)
{
    uint64_t record[SMALL_FILE / sizeof(uint64_t)];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("cannot create %s: %s", path, strerror(errno));
    bench_fill_record(record, sizeof record, 7);
    *(unsigned char *)record = 1; /* the byte each iteration touches: the checksum counts touches */
    if (write(fd, record, sizeof record) != (ssize_t)sizeof record)
        bench_die("write %s failed", path);
    close(fd);
}

void bench_case_open(const struct bench_config *cfg)
{
    struct open_ctx o;
    struct bench_group g;
    int reps = bench_reps(cfg, 10);
    bench_path(o.path, sizeof o.path, cfg->dir, "memmap-bench-small.bin");
    make_small_file(o.path);
    /* The total is split into rounds so that the two contenders alternate. */
    o.iterations = cfg->open_iterations / (uint64_t)reps;
    if (o.iterations == 0)
        o.iterations = 1;

    bench_group_init(&g, "open", "open, map, touch 1 byte, unmap, close a 4 KiB file", BENCH_OPS,
                     (double)o.iterations, reps);
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "raw open/fstat/mmap/munmap/close", time_open_raw, &o, 1);
    bench_group_add(&g, "memmap_open/memmap_close", time_open_memmap, &o, 0);
    bench_group_add(&g, "raw + malloc'd handle (floor)", time_open_raw_handle, &o, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
}

void bench_open_loop_only(const struct bench_config *cfg, const char *which, uint64_t iterations)
{
    char path[4096];
    uint64_t touched;
    bench_path(path, sizeof path, cfg->dir, "memmap-bench-small.bin");
    make_small_file(path);
    if (strcmp(which, "memmap") == 0)
        touched = open_loop_memmap(path, iterations);
    else if (strcmp(which, "raw") == 0)
        touched = open_loop_raw(path, iterations);
    else if (strcmp(which, "raw_handle") == 0)
        touched = open_loop_raw_handle(path, iterations);
    else
        bench_die("--open-loop takes memmap, raw or raw_handle, not %s", which);
    if (touched != iterations)
        bench_die("the loop touched %llu bytes in %llu iterations", (unsigned long long)touched,
                  (unsigned long long)iterations);
}
