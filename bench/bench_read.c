/* SPDX-License-Identifier: MIT */
/*
 * Reading a cached file: the memory-bandwidth ceiling, a sequential scan and
 * random 4 KiB reads.  Every repetition opens, maps, reads and closes, as a
 * program that reads a file does; the page cache already holds the file, so
 * what is measured is the cost of getting at cached data, not the disk.
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

#define PREAD_BUFFER ((size_t)1 << 20)
#define RECORD 4096

struct read_ctx {
    char path[4096];
    uint64_t size;
    unsigned char *buf;  /* the pread contender's buffer */
    uint64_t *offsets;   /* random reads: the offsets, the same for every contender */
    uint64_t count;      /* random reads: how many */
    unsigned char *copy; /* random reads: the file's bytes in resident memory */
};

/* --- Raw calls ------------------------------------------------------------- */

static int open_or_die(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        bench_die("open %s: %s", path, strerror(errno));
    return fd;
}

/* open + fstat + mmap, as a program without the library would map a whole file. */
static const unsigned char *raw_map_whole(const char *path, int *fd, size_t *size)
{
    struct stat st;
    void *p;
    *fd = open_or_die(path);
    if (fstat(*fd, &st) != 0)
        bench_die("fstat: %s", strerror(errno));
    *size = (size_t)st.st_size;
    p = mmap(NULL, *size, PROT_READ, MAP_SHARED, *fd, 0);
    if (p == MAP_FAILED)
        bench_die("mmap: %s", strerror(errno));
    return p;
}

static void raw_unmap(const unsigned char *p, size_t size, int fd)
{
    munmap((void *)p, size);
    close(fd);
}

static memmap_t *memmap_open_or_die(const char *path, unsigned flags, int advice)
{
    memmap_t *m;
    bench_check(memmap_open(&m, path, MEMMAP_READ | flags, NULL), "memmap_open");
    if (advice >= 0)
        bench_check(memmap_advise(m, 0, 0, advice), "memmap_advise");
    return m;
}

/* --- Bandwidth ceiling ----------------------------------------------------- */

static double sum_resident(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    *sum = bench_sum_words(r->buf, (size_t)r->size);
    return bench_now() - t0;
}

void bench_case_bandwidth(const struct bench_config *cfg)
{
    struct read_ctx r;
    struct bench_group g;
    memset(&r, 0, sizeof r);
    /* The same amount as the scan, so the two read the same number of cache lines. */
    r.size = cfg->size;
    r.buf = bench_alloc_resident((size_t)r.size);
    bench_fill_record(r.buf, (size_t)r.size, 1);

    bench_group_init(&g, "bandwidth", "memory bandwidth ceiling: sum over a resident buffer", BENCH_BYTES,
                     (double)r.size, bench_reps(cfg, 11));
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "resident buffer (huge pages)", sum_resident, &r, 1);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    bench_free_resident(r.buf, (size_t)r.size);
}

/* --- Sequential scan --------------------------------------------------------- */

static double scan_memmap_with(struct read_ctx *r, uint64_t *sum, unsigned flags, int advice)
{
    double t0 = bench_now();
    memmap_t *m = memmap_open_or_die(r->path, flags, advice);
    *sum = bench_sum_words(memmap_data(m), memmap_size(m));
    bench_check(memmap_close(m), "memmap_close");
    return bench_now() - t0;
}

static double scan_memmap(void *arg, uint64_t *sum)
{
    return scan_memmap_with(arg, sum, 0, -1);
}

static double scan_memmap_sequential(void *arg, uint64_t *sum)
{
    return scan_memmap_with(arg, sum, 0, MEMMAP_ADVICE_SEQUENTIAL);
}

static double scan_memmap_populate(void *arg, uint64_t *sum)
{
    return scan_memmap_with(arg, sum, MEMMAP_POPULATE, -1);
}

static double scan_raw_mmap(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    int fd;
    size_t size;
    const unsigned char *p = raw_map_whole(r->path, &fd, &size);
    *sum = bench_sum_words(p, size);
    raw_unmap(p, size, fd);
    return bench_now() - t0;
}

static double scan_pread(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    int fd = open_or_die(r->path);
    uint64_t off = 0, total = 0;
    size_t n;
    while ((n = bench_pread(fd, r->buf, PREAD_BUFFER, off)) > 0) {
        total += bench_sum_words(r->buf, n);
        off += n;
    }
    close(fd);
    *sum = total;
    return bench_now() - t0;
}

void bench_case_scan(const struct bench_config *cfg)
{
    struct read_ctx r;
    struct bench_group g;
    memset(&r, 0, sizeof r);
    bench_path(r.path, sizeof r.path, cfg->dir, "memmap-bench-data.bin");
    r.size = cfg->size;
    r.buf = malloc(PREAD_BUFFER);
    if (!r.buf)
        bench_die("out of memory");
    bench_make_data_file(r.path, r.size);

    bench_group_init(&g, "scan", "sequential scan of a cached file (sum of 64-bit words)", BENCH_BYTES,
                     (double)r.size, bench_reps(cfg, 11));
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "raw mmap", scan_raw_mmap, &r, 1);
    bench_group_add(&g, "memmap", scan_memmap, &r, 0);
    bench_group_add(&g, "memmap + SEQUENTIAL advice", scan_memmap_sequential, &r, 0);
    bench_group_add(&g, "memmap + POPULATE", scan_memmap_populate, &r, 0);
    bench_group_add(&g, "pread, 1 MiB buffer", scan_pread, &r, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    free(r.buf);
}

/* --- Random 4 KiB reads -------------------------------------------------------- */

static uint64_t sum_records_at(const unsigned char *base, const uint64_t *offsets, uint64_t count)
{
    uint64_t total = 0, i;
    for (i = 0; i < count; i++)
        total += bench_sum_words(base + offsets[i], RECORD);
    return total;
}

static double random_memmap_with(struct read_ctx *r, uint64_t *sum, int advice)
{
    double t0 = bench_now();
    memmap_t *m = memmap_open_or_die(r->path, 0, advice);
    *sum = sum_records_at(memmap_data(m), r->offsets, r->count);
    bench_check(memmap_close(m), "memmap_close");
    return bench_now() - t0;
}

static double random_memmap(void *arg, uint64_t *sum)
{
    return random_memmap_with(arg, sum, -1);
}

static double random_memmap_random(void *arg, uint64_t *sum)
{
    return random_memmap_with(arg, sum, MEMMAP_ADVICE_RANDOM);
}

static double random_raw_mmap(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    int fd;
    size_t size;
    const unsigned char *p = raw_map_whole(r->path, &fd, &size);
    *sum = sum_records_at(p, r->offsets, r->count);
    raw_unmap(p, size, fd);
    return bench_now() - t0;
}

/* The same reads from memory that is already resident and mapped: no open, no
 * fault, no copy.  No way of reading a file can beat this; it is the ceiling
 * the other contenders are read against. */
static double random_resident(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    *sum = sum_records_at(r->copy, r->offsets, r->count);
    return bench_now() - t0;
}

static void load_resident_copy(struct read_ctx *r)
{
    uint64_t off;
    int fd = open_or_die(r->path);
    r->copy = bench_alloc_resident((size_t)r->size);
    for (off = 0; off < r->size;) {
        size_t n = bench_pread(fd, r->copy + off, (size_t)(r->size - off), off);
        if (n == 0)
            bench_die("%s is shorter than expected", r->path);
        off += n;
    }
    close(fd);
}

static double random_pread(void *arg, uint64_t *sum)
{
    struct read_ctx *r = arg;
    double t0 = bench_now();
    int fd = open_or_die(r->path);
    uint64_t total = 0, i;
    for (i = 0; i < r->count; i++) {
        if (bench_pread(fd, r->buf, RECORD, r->offsets[i]) != RECORD)
            bench_die("short pread");
        total += bench_sum_words(r->buf, RECORD);
    }
    close(fd);
    *sum = total;
    return bench_now() - t0;
}

void bench_case_random(const struct bench_config *cfg)
{
    struct read_ctx r;
    struct bench_group g;
    uint64_t seed = 42, records, i;
    memset(&r, 0, sizeof r);
    bench_path(r.path, sizeof r.path, cfg->dir, "memmap-bench-data.bin");
    r.size = cfg->size;
    r.count = cfg->random_reads;
    r.buf = malloc(RECORD);
    r.offsets = malloc((size_t)r.count * sizeof *r.offsets);
    if (!r.buf || !r.offsets)
        bench_die("out of memory");
    bench_make_data_file(r.path, r.size);
    /* Aligned records, as a page-structured file (a B-tree, a hash table) has. */
    records = r.size / RECORD;
    for (i = 0; i < r.count; i++)
        r.offsets[i] = (bench_random(&seed) % records) * RECORD;
    load_resident_copy(&r);

    bench_group_init(&g, "random", "random 4 KiB reads of a cached file (fixed seed)", BENCH_OPS,
                     (double)r.count, bench_reps(cfg, 7));
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "raw mmap", random_raw_mmap, &r, 1);
    bench_group_add(&g, "memmap", random_memmap, &r, 0);
    bench_group_add(&g, "memmap + RANDOM advice", random_memmap_random, &r, 0);
    bench_group_add(&g, "pread, 4 KiB buffer", random_pread, &r, 0);
    bench_group_add(&g, "resident copy in huge pages (ceiling)", random_resident, &r, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    free(r.buf);
    free(r.offsets);
    bench_free_resident(r.copy, (size_t)r.size);
}
