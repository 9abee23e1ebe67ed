/* SPDX-License-Identifier: MIT */
/*
 * Writing: producing a file by appending records, durable at the end, and the
 * cost of making a few scattered changes durable.  These reach the disk, so
 * their figures depend on it as much as on the library; the ratios between
 * contenders are what to read.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memmap.h"

#define RECORD 4096
/* Where the geometric growth starts; it doubles from here. */
#define APPEND_FIRST_CAPACITY ((size_t)64 << 10)

enum append_way {
    APPEND_WRITE,           /* write() per record, fdatasync at the end */
    APPEND_GEOMETRIC,       /* memmap, doubling the map when full */
    APPEND_GEOMETRIC_SPARSE,/* the same with MEMMAP_SPARSE: growth without allocating blocks */
    APPEND_PER_RECORD,      /* memmap, growing by one record at a time */
    APPEND_RAW_GEOMETRIC    /* what memmap does, in raw calls: fallocate + mremap doubling */
};

struct append_ctx {
    char path[4096];
    const char *dir;
    uint64_t size;
    enum append_way way;
    int calls;                               /* runs so far, the untimed warm-up included */
    double produce[BENCH_MAX_REPS + 1];      /* seconds until the data was written, before the sync */
};

/* --- Append -------------------------------------------------------------------- */

static void append_with_write(struct append_ctx *a, double *produced_at)
{
    uint64_t record[RECORD / sizeof(uint64_t)];
    uint64_t n, records = a->size / RECORD;
    int fd = open(a->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("create %s: %s", a->path, strerror(errno));
    for (n = 0; n < records; n++) {
        bench_fill_record(record, RECORD, n);
        if (write(fd, record, RECORD) != RECORD)
            bench_die("write: %s", strerror(errno));
    }
    *produced_at = bench_now();
    if (fdatasync(fd) != 0)
        bench_die("fdatasync: %s", strerror(errno));
    close(fd);
}

/* Next capacity for a map that is full: doubling, or one record more. */
static size_t grown_capacity(size_t capacity, int geometric)
{
    return geometric ? capacity * 2 : capacity + RECORD;
}

static void append_with_memmap(struct append_ctx *a, double *produced_at)
{
    int geometric = a->way != APPEND_PER_RECORD;
    unsigned sparse = a->way == APPEND_GEOMETRIC_SPARSE ? MEMMAP_SPARSE : 0;
    memmap_options opt;
    memmap_t *m;
    size_t used = 0, capacity = geometric ? APPEND_FIRST_CAPACITY : RECORD;
    uint64_t n, records = a->size / RECORD;

    memset(&opt, 0, sizeof opt);
    opt.length = capacity;
    bench_check(memmap_open(&m, a->path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE | sparse, &opt),
                "memmap_open");
    for (n = 0; n < records; n++) {
        if (used + RECORD > capacity) {
            capacity = grown_capacity(capacity, geometric);
            bench_check(memmap_resize(m, capacity, sparse), "memmap_resize");
        }
        bench_fill_record((unsigned char *)memmap_data(m) + used, RECORD, n);
        used += RECORD;
    }
    /* Give back what the last doubling reserved beyond the data. */
    bench_check(memmap_resize(m, used, MEMMAP_TRUNCATE), "memmap_resize (truncate)");
    *produced_at = bench_now();
    bench_check(memmap_sync(m, 0, 0, 0), "memmap_sync");
    bench_check(memmap_close(m), "memmap_close");
}

/* The geometric append without the library, to tell the library's cost from
 * the kernel's: fallocate the next doubling, mremap, msync + fdatasync. */
static void append_with_raw_mmap(struct append_ctx *a, double *produced_at)
{
    size_t used = 0, capacity = APPEND_FIRST_CAPACITY;
    uint64_t n, records = a->size / RECORD;
    unsigned char *data;
    int fd = open(a->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("create %s: %s", a->path, strerror(errno));
    if (fallocate(fd, 0, 0, (off_t)capacity) != 0)
        bench_die("fallocate: %s", strerror(errno));
    data = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (data == MAP_FAILED)
        bench_die("mmap: %s", strerror(errno));
    for (n = 0; n < records; n++) {
        if (used + RECORD > capacity) {
            if (fallocate(fd, 0, (off_t)capacity, (off_t)capacity) != 0)
                bench_die("fallocate: %s", strerror(errno));
            data = mremap(data, capacity, capacity * 2, MREMAP_MAYMOVE);
            if (data == MAP_FAILED)
                bench_die("mremap: %s", strerror(errno));
            capacity *= 2;
        }
        bench_fill_record(data + used, RECORD, n);
        used += RECORD;
    }
    if (used < capacity && ftruncate(fd, (off_t)used) != 0)
        bench_die("ftruncate: %s", strerror(errno));
    *produced_at = bench_now();
    if (msync(data, used, MS_SYNC) != 0 || fdatasync(fd) != 0)
        bench_die("msync/fdatasync: %s", strerror(errno));
    munmap(data, capacity);
    close(fd);
}

static double run_append(void *arg, uint64_t *sum)
{
    struct append_ctx *a = arg;
    double t0, produced_at, t1;
    bench_remove_and_settle(a->path, a->dir); /* every run produces a new file */
    t0 = bench_now();
    if (a->way == APPEND_WRITE)
        append_with_write(a, &produced_at);
    else if (a->way == APPEND_RAW_GEOMETRIC)
        append_with_raw_mmap(a, &produced_at);
    else
        append_with_memmap(a, &produced_at);
    t1 = bench_now();
    if (a->calls <= BENCH_MAX_REPS)
        a->produce[a->calls] = produced_at - t0;
    a->calls++;
    *sum = bench_checksum_file(a->path, a->size);
    return t1 - t0;
}

/* The same runs seen before the final sync: what the library itself costs,
 * without the disk write that every contender pays alike. */
static void report_before_sync(const struct bench_group *g, struct append_ctx *ctx, const struct bench_config *cfg)
{
    struct bench_group before;
    size_t i;
    int round;
    bench_group_init(&before, "append_nosync", "append, time to produce the data (before the final sync)",
                     BENCH_BYTES, g->work, g->reps);
    for (i = 0; i < g->count; i++) {
        bench_group_add(&before, g->contenders[i].name, NULL, NULL, (int)i == g->reference);
        /* produce[0] is the untimed warm-up run. */
        for (round = 0; round < g->reps; round++)
            before.contenders[i].seconds[round] = ctx[i].produce[round + 1];
    }
    printf("\n%s\n", before.title);
    bench_group_report(&before, cfg);
}

void bench_case_append(const struct bench_config *cfg)
{
    static const struct {
        const char *name;
        enum append_way way;
    } ways[] = {
        {"write() per record", APPEND_WRITE},
        {"memmap, geometric resize", APPEND_GEOMETRIC},
        {"memmap, geometric resize, SPARSE", APPEND_GEOMETRIC_SPARSE},
        {"memmap, resize per record", APPEND_PER_RECORD},
        {"raw fallocate + mremap, geometric", APPEND_RAW_GEOMETRIC},
    };
    struct append_ctx ctx[sizeof ways / sizeof ways[0]];
    struct bench_group g;
    size_t i;
    char path[4096];

    if (cfg->write_size == 0 || cfg->write_size % APPEND_FIRST_CAPACITY != 0)
        bench_die("the write size must be a positive multiple of 64 KiB");
    bench_path(path, sizeof path, cfg->dir, "memmap-bench-append.bin");
    bench_group_init(&g, "append", "append 4 KiB records, durable at the end", BENCH_BYTES,
                     (double)cfg->write_size, bench_reps(cfg, 5));
    for (i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        memset(&ctx[i], 0, sizeof ctx[i]);
        memcpy(ctx[i].path, path, sizeof path);
        ctx[i].dir = cfg->dir;
        ctx[i].size = cfg->write_size;
        ctx[i].way = ways[i].way;
        bench_group_add(&g, ways[i].name, run_append, &ctx[i], ways[i].way == APPEND_WRITE);
    }
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    report_before_sync(&g, ctx, cfg);
    unlink(path);
}

/* --- Sync ---------------------------------------------------------------------- */

enum sync_way {
    SYNC_MSYNC,          /* msync(MS_SYNC) of the whole map */
    SYNC_MSYNC_FDATASYNC,/* the same followed by fdatasync: what "durable" takes by the book */
    SYNC_MEMMAP          /* memmap_sync of the whole map */
};

struct sync_ctx {
    enum sync_way way;
    unsigned char *data; /* the map this contender dirties */
    size_t size;
    int fd;              /* raw contenders: the file behind data */
    memmap_t *map;       /* memmap contender */
    int calls;
};

/* Dirties 1% of the pages, chosen by the run number so that in every round
 * each contender dirties the same pages. */
static void dirty_one_percent(unsigned char *data, size_t size, int run)
{
    uint64_t state = 0x5EEDull + (uint64_t)run * 0x9E3779B97F4A7C15ull;
    size_t pages = size / RECORD, dirty = pages / 100, i;
    for (i = 0; i < dirty; i++) {
        size_t page = (size_t)(bench_random(&state) % pages);
        data[page * RECORD + (size_t)run % RECORD] ^= 0xA5;
    }
}

static double run_sync(void *arg, uint64_t *sum)
{
    struct sync_ctx *s = arg;
    double t0;
    dirty_one_percent(s->data, s->size, s->calls++);
    t0 = bench_now();
    switch (s->way) {
    case SYNC_MEMMAP:
        bench_check(memmap_sync(s->map, 0, 0, 0), "memmap_sync");
        break;
    case SYNC_MSYNC_FDATASYNC:
    case SYNC_MSYNC:
        if (msync(s->data, s->size, MS_SYNC) != 0)
            bench_die("msync: %s", strerror(errno));
        if (s->way == SYNC_MSYNC_FDATASYNC && fdatasync(s->fd) != 0)
            bench_die("fdatasync: %s", strerror(errno));
        break;
    }
    *sum = 0;
    return bench_now() - t0;
}

static void make_sync_file(const char *path, uint64_t size)
{
    static uint64_t block[(1 << 16) / sizeof(uint64_t)];
    uint64_t off;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("create %s: %s", path, strerror(errno));
    for (off = 0; off < size; off += sizeof block) {
        bench_fill_record(block, sizeof block, off);
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
            bench_die("write %s: %s", path, strerror(errno));
    }
    if (fdatasync(fd) != 0)
        bench_die("fdatasync: %s", strerror(errno));
    close(fd);
}

static void open_raw_sync_ctx(struct sync_ctx *s, const char *path, size_t size, enum sync_way way)
{
    s->way = way;
    s->size = size;
    s->fd = open(path, O_RDWR | O_CLOEXEC);
    if (s->fd < 0)
        bench_die("open %s: %s", path, strerror(errno));
    s->data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (s->data == MAP_FAILED)
        bench_die("mmap: %s", strerror(errno));
}

void bench_case_sync(const struct bench_config *cfg)
{
    struct sync_ctx raw, raw_durable, lib;
    struct bench_group g;
    char path[4096];
    size_t size = (size_t)cfg->write_size;

    bench_path(path, sizeof path, cfg->dir, "memmap-bench-sync.bin");
    make_sync_file(path, size);
    memset(&raw, 0, sizeof raw);
    memset(&raw_durable, 0, sizeof raw_durable);
    memset(&lib, 0, sizeof lib);
    open_raw_sync_ctx(&raw, path, size, SYNC_MSYNC);
    open_raw_sync_ctx(&raw_durable, path, size, SYNC_MSYNC_FDATASYNC);
    lib.way = SYNC_MEMMAP;
    lib.size = size;
    bench_check(memmap_open(&lib.map, path, MEMMAP_WRITE, NULL), "memmap_open");
    lib.data = memmap_data(lib.map);

    bench_group_init(&g, "sync", "sync after dirtying 1% of the pages at random", BENCH_RUNS, 1,
                     bench_reps(cfg, 11));
    g.check_sums = 0;
    bench_group_add(&g, "msync(MS_SYNC) whole map", run_sync, &raw, 1);
    bench_group_add(&g, "msync(MS_SYNC) + fdatasync", run_sync, &raw_durable, 0);
    bench_group_add(&g, "memmap_sync whole map", run_sync, &lib, 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);

    bench_check(memmap_close(lib.map), "memmap_close");
    munmap(raw.data, size);
    munmap(raw_durable.data, size);
    close(raw.fd);
    close(raw_durable.fd);
    unlink(path);
}
