/* SPDX-License-Identifier: MIT */
/*
 * The page cache in the way: cold sequential scans and cold random reads of a
 * file evicted before every round, and random reads over anonymous memory with
 * and without MEMMAP_HUGE.
 *
 * A cold round starts, untimed, by evicting the data file (fdatasync, then
 * posix_fadvise DONTNEED) and checking with memmap_residency that no page of
 * it is left; the timed part is then open, map, read, close, as in the cached
 * groups.  These groups use the wall clock: waiting for the disk is the cost.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memmap.h"

#define PREAD_BUFFER ((size_t)1 << 20)
#define RECORD 4096
/* The reader-driven WILLNEED window: while reading window k, window k+1 is requested. */
#define AHEAD_WINDOW ((size_t)32 << 20)

enum scan_way {
    SCAN_RAW_MMAP,
    SCAN_RAW_SEQUENTIAL,
    SCAN_RAW_POPULATE,
    SCAN_PREAD,
    SCAN_MEMMAP_SEQUENTIAL,
    SCAN_MEMMAP_POPULATE,
    SCAN_MEMMAP_WILLNEED_AHEAD
};

enum random_way {
    RANDOM_RAW_MMAP,
    RANDOM_RAW_RANDOM,
    RANDOM_MEMMAP,
    RANDOM_MEMMAP_RANDOM,
    RANDOM_PREAD
};

struct cold_file {
    char path[4096];
    uint64_t size;
    unsigned char *buf;
    uint64_t *offsets;  /* random reads */
    uint64_t count;
    uint64_t distinct;  /* distinct records among the offsets */
};

/* One contender: the file, its way of reading, and what each round cost in faults and cache. */
struct cold_contender {
    struct cold_file *file;
    int way;
    int rounds;
    double major_faults[BENCH_MAX_REPS];
    double cached_pages[BENCH_MAX_REPS];
};

/* --- Helpers -------------------------------------------------------------- */

static int open_or_die(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        bench_die("open %s: %s", path, strerror(errno));
    return fd;
}

static long major_faults_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_majflt;
}

/* Pages of the file in the page cache (root, or the file's owner, sees them all). */
static size_t cached_pages(const char *path)
{
    memmap_t *m;
    size_t n;
    bench_check(memmap_open(&m, path, MEMMAP_READ, NULL), "memmap_open");
    bench_check(memmap_residency(m, 0, 0, NULL, &n), "memmap_residency");
    memmap_close(m);
    return n;
}

/* Drops the whole file from the page cache and checks it is gone. */
static void evict_file(const char *path)
{
    int fd = open_or_die(path), attempt;
    for (attempt = 0; attempt < 5; attempt++) {
        fdatasync(fd);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (cached_pages(path) == 0) {
            close(fd);
            return;
        }
    }
    bench_die("%s stays in the page cache (%zu pages) after posix_fadvise DONTNEED", path, cached_pages(path));
}

static const unsigned char *raw_map(int fd, size_t size, int flags)
{
    void *p = mmap(NULL, size, PROT_READ, MAP_SHARED | flags, fd, 0);
    if (p == MAP_FAILED)
        bench_die("mmap: %s", strerror(errno));
    return p;
}

/* --- Cold sequential scan ------------------------------------------------------ */

/* memmap's cold paths (README, "Performance"): SEQUENTIAL advice right after
 * opening (a stream), or POPULATE (everything loaded before the first read).
 * The third way, WILLNEED for the next window while the reader is in this one,
 * is measured to show why it is not recommended. */
static uint64_t scan_memmap(const char *path, int way)
{
    memmap_t *m;
    const unsigned char *p;
    size_t size, at, n;
    uint64_t sum = 0;

    bench_check(memmap_open(&m, path, MEMMAP_READ | (way == SCAN_MEMMAP_POPULATE ? MEMMAP_POPULATE : 0), NULL),
                "memmap_open");
    p = memmap_data(m);
    size = memmap_size(m);
    if (way == SCAN_MEMMAP_SEQUENTIAL)
        bench_check(memmap_advise(m, 0, 0, MEMMAP_ADVICE_SEQUENTIAL), "memmap_advise");
    if (way != SCAN_MEMMAP_WILLNEED_AHEAD) {
        sum = bench_sum_words(p, size);
        bench_check(memmap_close(m), "memmap_close");
        return sum;
    }
    bench_check(memmap_advise(m, 0, size < AHEAD_WINDOW ? size : AHEAD_WINDOW, MEMMAP_ADVICE_WILLNEED),
                "memmap_advise");
    for (at = 0; at < size; at += n) {
        n = size - at < AHEAD_WINDOW ? size - at : AHEAD_WINDOW;
        if (at + n < size) {
            size_t next = size - (at + n) < AHEAD_WINDOW ? size - (at + n) : AHEAD_WINDOW;
            bench_check(memmap_advise(m, at + n, next, MEMMAP_ADVICE_WILLNEED), "memmap_advise");
        }
        sum += bench_sum_words(p + at, n);
    }
    bench_check(memmap_close(m), "memmap_close");
    return sum;
}

static double cold_scan(void *arg, uint64_t *sum)
{
    struct cold_contender *c = arg;
    const char *path = c->file->path;
    size_t size = (size_t)c->file->size;
    long faults;
    double t0;
    int fd;

    evict_file(path);
    faults = major_faults_now();
    t0 = bench_now();
    switch (c->way) {
    case SCAN_RAW_MMAP:
    case SCAN_RAW_SEQUENTIAL:
    case SCAN_RAW_POPULATE: {
        const unsigned char *p;
        fd = open_or_die(path);
        p = raw_map(fd, size, c->way == SCAN_RAW_POPULATE ? MAP_POPULATE : 0);
        if (c->way == SCAN_RAW_SEQUENTIAL)
            madvise((void *)p, size, MADV_SEQUENTIAL);
        *sum = bench_sum_words(p, size);
        munmap((void *)p, size);
        close(fd);
        break;
    }
    case SCAN_PREAD: {
        uint64_t off = 0, total = 0;
        size_t n;
        fd = open_or_die(path);
        while ((n = bench_pread(fd, c->file->buf, PREAD_BUFFER, off)) > 0) {
            total += bench_sum_words(c->file->buf, n);
            off += n;
        }
        close(fd);
        *sum = total;
        break;
    }
    default:
        *sum = scan_memmap(path, c->way);
        break;
    }
    t0 = bench_now() - t0;
    if (c->rounds < BENCH_MAX_REPS)
        c->major_faults[c->rounds++] = (double)(major_faults_now() - faults);
    return t0;
}

/* --- Cold random reads ------------------------------------------------------------ */

static double cold_random(void *arg, uint64_t *sum)
{
    struct cold_contender *c = arg;
    struct cold_file *f = c->file;
    uint64_t total = 0, i;
    double t0;

    evict_file(f->path);
    t0 = bench_now();
    if (c->way == RANDOM_PREAD) {
        int fd = open_or_die(f->path);
        for (i = 0; i < f->count; i++) {
            if (bench_pread(fd, f->buf, RECORD, f->offsets[i]) != RECORD)
                bench_die("short pread");
            total += bench_sum_words(f->buf, RECORD);
        }
        close(fd);
    } else if (c->way == RANDOM_MEMMAP || c->way == RANDOM_MEMMAP_RANDOM) {
        memmap_t *m;
        bench_check(memmap_open(&m, f->path, MEMMAP_READ, NULL), "memmap_open");
        if (c->way == RANDOM_MEMMAP_RANDOM)
            bench_check(memmap_advise(m, 0, 0, MEMMAP_ADVICE_RANDOM), "memmap_advise");
        for (i = 0; i < f->count; i++)
            total += bench_sum_words((const unsigned char *)memmap_data(m) + f->offsets[i], RECORD);
        memmap_close(m);
    } else {
        int fd = open_or_die(f->path);
        const unsigned char *p = raw_map(fd, (size_t)f->size, 0);
        if (c->way == RANDOM_RAW_RANDOM)
            madvise((void *)p, (size_t)f->size, MADV_RANDOM);
        for (i = 0; i < f->count; i++)
            total += bench_sum_words(p + f->offsets[i], RECORD);
        munmap((void *)p, (size_t)f->size);
        close(fd);
    }
    t0 = bench_now() - t0;
    *sum = total;
    /* What the reads brought into the page cache, untimed. */
    if (c->rounds < BENCH_MAX_REPS)
        c->cached_pages[c->rounds++] = (double)cached_pages(f->path);
    return t0;
}

/* --- Reporting -------------------------------------------------------------------- */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *values, int n)
{
    double sorted[BENCH_MAX_REPS];
    if (n <= 0)
        return 0;
    memcpy(sorted, values, (size_t)n * sizeof *values);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void prepare_file(struct cold_file *f, const struct bench_config *cfg)
{
    bench_path(f->path, sizeof f->path, cfg->dir, "memmap-bench-data.bin");
    f->size = cfg->size;
    bench_make_data_file(f->path, f->size);
}

void bench_case_cold_scan(const struct bench_config *cfg)
{
    static const struct { const char *name; int way; } ways[] = {
        {"raw mmap", SCAN_RAW_MMAP},
        {"raw mmap + MADV_SEQUENTIAL", SCAN_RAW_SEQUENTIAL},
        {"raw mmap + MAP_POPULATE", SCAN_RAW_POPULATE},
        {"pread, 1 MiB buffer", SCAN_PREAD},
        {"memmap + SEQUENTIAL advice", SCAN_MEMMAP_SEQUENTIAL},
        {"memmap + POPULATE", SCAN_MEMMAP_POPULATE},
        {"memmap + WILLNEED 32 MiB ahead", SCAN_MEMMAP_WILLNEED_AHEAD},
    };
    struct cold_contender c[sizeof ways / sizeof ways[0]];
    struct cold_file f;
    struct bench_group g;
    size_t i;

    memset(&f, 0, sizeof f);
    memset(c, 0, sizeof c);
    prepare_file(&f, cfg);
    if (!(f.buf = malloc(PREAD_BUFFER)))
        bench_die("out of memory");
    bench_group_init(&g, "cold_scan", "cold sequential scan (file evicted before every round)", BENCH_BYTES,
                     (double)f.size, bench_reps(cfg, 7));
    for (i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        c[i].file = &f;
        c[i].way = ways[i].way;
        bench_group_add(&g, ways[i].name, cold_scan, &c[i], ways[i].way == SCAN_RAW_MMAP);
    }
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    /* The warm-up round is counted too: skip it. */
    printf("  major faults per GiB (median of the timed rounds):\n");
    for (i = 0; i < sizeof ways / sizeof ways[0]; i++)
        bench_report_value(cfg, "cold_scan_faults", "major faults per GiB, cold sequential scan", ways[i].name,
                           "faults/GiB", median(c[i].major_faults + 1, c[i].rounds - 1) * (double)(1 << 30) /
                                             (double)f.size);
    free(f.buf);
}

void bench_case_cold_random(const struct bench_config *cfg)
{
    static const struct { const char *name; int way; } ways[] = {
        {"raw mmap", RANDOM_RAW_MMAP},
        {"raw mmap + MADV_RANDOM", RANDOM_RAW_RANDOM},
        {"memmap", RANDOM_MEMMAP},
        {"memmap + RANDOM advice", RANDOM_MEMMAP_RANDOM},
        {"pread, 4 KiB buffer", RANDOM_PREAD},
    };
    struct cold_contender c[sizeof ways / sizeof ways[0]];
    struct cold_file f;
    struct bench_group g;
    uint64_t seed = 7, records, i;
    unsigned char *seen;

    memset(&f, 0, sizeof f);
    memset(c, 0, sizeof c);
    prepare_file(&f, cfg);
    f.count = cfg->cold_reads;
    records = f.size / RECORD;
    f.buf = malloc(RECORD);
    f.offsets = malloc((size_t)f.count * sizeof *f.offsets);
    seen = calloc((size_t)records, 1);
    if (!f.buf || !f.offsets || !seen)
        bench_die("out of memory");
    for (i = 0; i < f.count; i++) {
        uint64_t record = bench_random(&seed) % records;
        f.offsets[i] = record * RECORD;
        f.distinct += !seen[record];
        seen[record] = 1;
    }
    free(seen);
    bench_group_init(&g, "cold_random", "cold random 4 KiB reads (file evicted before every round)", BENCH_OPS,
                     (double)f.count, bench_reps(cfg, 7));
    for (i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        c[i].file = &f;
        c[i].way = ways[i].way;
        bench_group_add(&g, ways[i].name, cold_random, &c[i], ways[i].way == RANDOM_RAW_MMAP);
    }
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    printf("  readahead waste: bytes brought into the page cache per byte read (median):\n");
    for (i = 0; i < sizeof ways / sizeof ways[0]; i++)
        bench_report_value(cfg, "cold_random_waste", "bytes cached per byte used, cold random 4 KiB reads",
                           ways[i].name, "x", median(c[i].cached_pages + 1, c[i].rounds - 1) / (double)f.distinct);
    free(f.buf);
    free(f.offsets);
}

/* --- Random reads over anonymous memory: the TLB ------------------------------------ */

struct tlb_ctx {
    size_t size;
    uint64_t reads;
    unsigned flags;
    int granted; /* memmap_flags had MEMMAP_HUGE in every round */
};

/* Dependent random 8-byte loads: each address depends on the value loaded
 * before it, so misses cannot overlap and every TLB miss is paid in full. */
static double tlb_reads(void *arg, uint64_t *sum)
{
    struct tlb_ctx *t = arg;
    memmap_t *m;
    const uint64_t *words;
    uint64_t n, x = 88172645463325252ull, total = 0, i;
    double t0;

    bench_check(memmap_anon(&m, t->size, t->flags | MEMMAP_POPULATE), "memmap_anon");
    if ((t->flags & MEMMAP_HUGE) && !(memmap_flags(m) & MEMMAP_HUGE))
        t->granted = 0;
    words = memmap_data(m);
    n = t->size / sizeof *words;
    t0 = bench_now();
    for (i = 0; i < t->reads; i++) {
        uint64_t v = words[(x ^ total) % n];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        total += v + 1;
    }
    t0 = bench_now() - t0;
    memmap_close(m);
    *sum = total;
    return t0;
}

void bench_case_tlb(const struct bench_config *cfg)
{
    struct tlb_ctx normal = {0, 0, 0, 1}, huge = {0, 0, MEMMAP_HUGE, 1};
    struct bench_group g;

    normal.size = huge.size = (size_t)cfg->anon_size;
    normal.reads = huge.reads = cfg->tlb_reads;
    bench_group_init(&g, "tlb", "random 8-byte reads over anonymous memory (dependent loads)", BENCH_OPS,
                     (double)normal.reads, bench_reps(cfg, 7));
    bench_group_use_cpu_clock(&g, cfg);
    bench_group_add(&g, "memmap_anon, normal pages", tlb_reads, &normal, 1);
    bench_group_add(&g, "memmap_anon + MEMMAP_HUGE", tlb_reads, &huge, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    bench_report_value(cfg, "tlb_granted", "MEMMAP_HUGE granted in every round (1 yes, 0 no)",
                       "memmap_anon + MEMMAP_HUGE", "", huge.granted);
}
