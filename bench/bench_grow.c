/* SPDX-License-Identifier: MIT */
/*
 * Growing a file in place while it is read (issue 11).
 *
 * append_read: one writer appends 4 KiB records to a file while two reader
 * threads scan what it has published.  With a capacity (memmap_reserve) the
 * writer resizes while the readers run: the bytes they read never move.
 * Without one, a resize may move the data, so the readers must be kept out:
 * a rwlock around every resize, taken for reading around every chunk a reader
 * reads, is what a program has to do today.  The writer's throughput is the
 * timing; how long the readers were held up is reported beside it.
 *
 * record_resize: the cost of one resize per 4 KiB record inside a capacity,
 * against write() per record, the same resize without a capacity, and the
 * system calls the library makes per record done by hand.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memmap.h"

#define RECORD 4096
#define READERS 2
/* A reader's unit of work: up to 16 records (64 KiB) per iteration, and per
 * read lock in the rwlock design. */
#define CHUNK_RECORDS 16

/* --- Reader gaps ------------------------------------------------------------------ */

/*
 * A reader's gap is the time from the end of one chunk read to the end of the
 * next: the lock wait, the read itself, and any time the thread was not on a
 * core.  They are counted in a histogram: 100 ns buckets up to 1 ms, 10 µs
 * buckets up to 101 ms, one bucket past that; the longest is kept exactly.
 */
#define FINE_BUCKETS 10000
#define FINE_NS 100
#define COARSE_BUCKETS 10000
#define COARSE_NS 10000
#define GAP_BUCKETS (FINE_BUCKETS + COARSE_BUCKETS + 1)

struct gap_histogram {
    uint64_t count[GAP_BUCKETS];
    uint64_t total;
    uint64_t max_ns;
};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void gap_add(struct gap_histogram *h, uint64_t ns)
{
    size_t bucket;
    if (ns < (uint64_t)FINE_BUCKETS * FINE_NS)
        bucket = (size_t)(ns / FINE_NS);
    else if (ns < (uint64_t)FINE_BUCKETS * FINE_NS + (uint64_t)COARSE_BUCKETS * COARSE_NS)
        bucket = FINE_BUCKETS + (size_t)((ns - (uint64_t)FINE_BUCKETS * FINE_NS) / COARSE_NS);
    else
        bucket = GAP_BUCKETS - 1;
    h->count[bucket]++;
    h->total++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

static void gap_merge(struct gap_histogram *into, const struct gap_histogram *from)
{
    size_t i;
    for (i = 0; i < GAP_BUCKETS; i++)
        into->count[i] += from->count[i];
    into->total += from->total;
    if (from->max_ns > into->max_ns)
        into->max_ns = from->max_ns;
}

/* The upper edge of the bucket that holds the given fraction of the gaps: a
 * bound the quantile does not exceed, never an underestimate. */
static double gap_quantile_us(const struct gap_histogram *h, double fraction)
{
    uint64_t rank = (uint64_t)((double)h->total * fraction), seen = 0;
    size_t i;
    for (i = 0; i < GAP_BUCKETS - 1; i++) {
        seen += h->count[i];
        if (seen > rank) {
            uint64_t edge = i < FINE_BUCKETS ? (uint64_t)(i + 1) * FINE_NS
                                             : (uint64_t)FINE_BUCKETS * FINE_NS +
                                                   (uint64_t)(i - FINE_BUCKETS + 1) * COARSE_NS;
            return (double)(edge < h->max_ns ? edge : h->max_ns) / 1e3;
        }
    }
    return (double)h->max_ns / 1e3;
}

static uint64_t gaps_over(const struct gap_histogram *h, uint64_t ns)
{
    uint64_t n = 0;
    size_t i;
    for (i = (size_t)(ns / FINE_NS); i < FINE_BUCKETS; i++)
        n += h->count[i];
    for (i = FINE_BUCKETS; i < GAP_BUCKETS; i++)
        n += h->count[i];
    return n;
}

/* --- Append while reading --------------------------------------------------------- */

enum append_read_way {
    AR_RESERVED, /* memmap_reserve(total) first; readers never wait */
    AR_RWLOCK    /* no capacity: a rwlock around every resize and every chunk read */
};

struct append_read_ctx {
    enum append_read_way way;
    char path[4096];
    const char *dir;
    uint64_t records;
    memmap_t *map;
    pthread_rwlock_t lock;        /* AR_RWLOCK only */
    uint64_t published;           /* records the readers may read (release/acquire) */
    int done;                     /* the writer has finished (release/acquire) */
    int calls;                    /* runs so far, the untimed warm-up included */
    struct gap_histogram gaps;    /* both readers, every timed run */
    uint64_t chunks;              /* chunks read, every timed run */
    uint64_t writer_switches;     /* the writer's context switches, every timed run */
    uint64_t appended;            /* records appended, every timed run */
};

struct reader {
    struct append_read_ctx *ctx;
    struct gap_histogram gaps;
    uint64_t next_new; /* the first record this reader has not read yet */
    uint64_t cursor;   /* where it re-reads when nothing is new */
    uint64_t sum;
};

/* Sums records [first, first+count) and checks each is the one the writer
 * wrote there, whole: a record read before it was written, or through a
 * stale pointer, stops the benchmark. */
static uint64_t read_records(const unsigned char *base, uint64_t first, uint64_t count)
{
    const size_t words = RECORD / sizeof(uint64_t);
    uint64_t sum = 0, n;
    for (n = first; n < first + count; n++) {
        const uint64_t *w = (const uint64_t *)(base + n * RECORD);
        if (w[0] != n * 0x9E3779B97F4A7C15ull || w[words - 1] != n * 0x9E3779B97F4A7C15ull + words - 1)
            bench_die("append_read: record %llu read before it was complete", (unsigned long long)n);
        sum += bench_sum_words(w, RECORD);
    }
    return sum;
}

/* The next chunk for a reader: new records first, else the published part again. */
static uint64_t next_chunk(struct reader *r, uint64_t published, uint64_t *count)
{
    uint64_t first;
    if (r->next_new < published) {
        first = r->next_new;
        *count = published - first < CHUNK_RECORDS ? published - first : CHUNK_RECORDS;
        r->next_new = first + *count;
    } else {
        first = r->cursor < published ? r->cursor : 0;
        *count = published - first < CHUNK_RECORDS ? published - first : CHUNK_RECORDS;
        r->cursor = first + *count;
    }
    return first;
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    struct append_read_ctx *a = r->ctx;
    uint64_t last = monotonic_ns(), now;

    while (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE)) {
        uint64_t count, published = __atomic_load_n(&a->published, __ATOMIC_ACQUIRE);
        uint64_t first = next_chunk(r, published, &count);
        if (a->way == AR_RWLOCK) {
            pthread_rwlock_rdlock(&a->lock);
            r->sum += read_records(memmap_data(a->map), first, count);
            pthread_rwlock_unlock(&a->lock);
        } else {
            r->sum += read_records(memmap_data(a->map), first, count);
        }
        now = monotonic_ns();
        gap_add(&r->gaps, now - last);
        last = now;
    }
    return NULL;
}

/* The timed part: records 1.. appended, each resized for, written in place
 * and published. */
static void append_records(struct append_read_ctx *a)
{
    unsigned char *const reserved_data = memmap_data(a->map);
    uint64_t n;
    for (n = 1; n < a->records; n++) {
        size_t new_size = (size_t)(n + 1) * RECORD;
        if (a->way == AR_RWLOCK) {
            pthread_rwlock_wrlock(&a->lock);
            bench_check(memmap_resize(a->map, new_size, 0), "memmap_resize");
            pthread_rwlock_unlock(&a->lock);
        } else {
            bench_check(memmap_resize(a->map, new_size, 0), "memmap_resize (inside the capacity)");
            if (memmap_data(a->map) != reserved_data)
                bench_die("append_read: a resize inside the capacity moved the data");
        }
        /* Only this thread moves the data, so it may read memmap_data() unlocked. */
        bench_fill_record((unsigned char *)memmap_data(a->map) + n * RECORD, RECORD, n);
        __atomic_store_n(&a->published, n + 1, __ATOMIC_RELEASE);
    }
}

/* The calling thread's context switches so far, voluntary (it waited: a
 * lock) and not (the scheduler gave its core away). */
static uint64_t thread_switches(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

static double run_append_read(void *arg, uint64_t *sum)
{
    struct append_read_ctx *a = arg;
    struct reader readers[READERS];
    pthread_t threads[READERS];
    memmap_options opt;
    uint64_t switches;
    double t0, t1;
    int i;

    bench_remove_and_settle(a->path, a->dir);
    memset(&opt, 0, sizeof opt);
    opt.length = RECORD;
    bench_check(memmap_open(&a->map, a->path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE, &opt),
                "memmap_open");
    if (a->way == AR_RESERVED)
        bench_check(memmap_reserve(a->map, (size_t)(a->records * RECORD), 0), "memmap_reserve");
    /* Record 0 is there before the readers start, so they never find nothing to read. */
    bench_fill_record(memmap_data(a->map), RECORD, 0);
    a->published = 1;
    a->done = 0;

    memset(readers, 0, sizeof readers);
    for (i = 0; i < READERS; i++) {
        readers[i].ctx = a;
        if (pthread_create(&threads[i], NULL, reader_main, &readers[i]) != 0)
            bench_die("pthread_create failed");
    }
    switches = thread_switches();
    t0 = bench_now();
    append_records(a);
    t1 = bench_now();
    switches = thread_switches() - switches;
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    for (i = 0; i < READERS; i++) {
        pthread_join(threads[i], NULL);
        if (a->calls > 0) { /* run 0 is the untimed warm-up */
            gap_merge(&a->gaps, &readers[i].gaps);
            a->chunks += readers[i].gaps.total;
        }
    }
    if (a->calls > 0) {
        a->writer_switches += switches;
        a->appended += a->records - 1;
    }
    a->calls++;
    bench_check(memmap_close(a->map), "memmap_close");
    a->map = NULL;
    *sum = bench_checksum_file(a->path, a->records * RECORD);
    return t1 - t0;
}

static void init_rwlock(pthread_rwlock_t *lock)
{
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* glibc's default prefers readers: two readers that take the lock back to
     * back would starve the writer.  Preferring the writer is the fair design. */
#ifdef PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    if (pthread_rwlock_init(lock, &attr) != 0)
        bench_die("pthread_rwlock_init failed");
    pthread_rwlockattr_destroy(&attr);
}

static void report_gaps(const struct bench_config *cfg, const char *name, const struct append_read_ctx *a)
{
    static const char title[] = "reader gaps while appending (every chunk read by both readers, timed rounds)";
    char label[200];
    snprintf(label, sizeof label, "%s: p99.9 gap", name);
    bench_report_value(cfg, "append_read_gaps", title, label, "µs", gap_quantile_us(&a->gaps, 0.999));
    snprintf(label, sizeof label, "%s: longest gap", name);
    bench_report_value(cfg, "append_read_gaps", title, label, "µs", (double)a->gaps.max_ns / 1e3);
    snprintf(label, sizeof label, "%s: gaps over 100 µs", name);
    bench_report_value(cfg, "append_read_gaps", title, label, "", (double)gaps_over(&a->gaps, 100000));
    snprintf(label, sizeof label, "%s: chunks read", name);
    bench_report_value(cfg, "append_read_gaps", title, label, "", (double)a->chunks);
    snprintf(label, sizeof label, "%s: writer context switches per record", name);
    bench_report_value(cfg, "append_read_gaps", title, label, "",
                       a->appended ? (double)a->writer_switches / (double)a->appended : 0.0);
}

void bench_case_append_read(const struct bench_config *cfg)
{
    static const struct {
        const char *name;
        enum append_read_way way;
    } ways[] = {
        {"rwlock around each resize (no capacity)", AR_RWLOCK},
        {"memmap with a capacity (reserve)", AR_RESERVED},
    };
    enum { WAYS = sizeof ways / sizeof ways[0] };
    struct append_read_ctx *ctx = calloc(WAYS, sizeof *ctx);
    struct bench_group g;
    char path[4096];
    size_t i;

    if (!ctx)
        bench_die("out of memory");
    if (cfg->write_size < 2 * RECORD || cfg->write_size % RECORD != 0)
        bench_die("the write size must be a multiple of 4 KiB, two records at least");
    bench_path(path, sizeof path, cfg->dir, "memmap-bench-append-read.bin");
    bench_group_init(&g, "append_read", "append 4 KiB records while two threads read them (writer throughput)",
                     BENCH_BYTES, (double)(cfg->write_size - RECORD), bench_reps(cfg, 5));
    for (i = 0; i < WAYS; i++) {
        memcpy(ctx[i].path, path, sizeof path);
        ctx[i].dir = cfg->dir;
        ctx[i].records = cfg->write_size / RECORD;
        ctx[i].way = ways[i].way;
        if (ways[i].way == AR_RWLOCK)
            init_rwlock(&ctx[i].lock);
        bench_group_add(&g, ways[i].name, run_append_read, &ctx[i], ways[i].way == AR_RWLOCK);
    }
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    printf("\nreader gaps (end of one chunk read to the end of the next)\n");
    for (i = 0; i < WAYS; i++)
        report_gaps(cfg, ways[i].name, &ctx[i]);
    for (i = 0; i < WAYS; i++)
        if (ways[i].way == AR_RWLOCK)
            pthread_rwlock_destroy(&ctx[i].lock);
    free(ctx);
    unlink(path);
}

/* --- One resize per record ------------------------------------------------------- */

enum record_way {
    RR_WRITE,          /* write() per record */
    RR_RESERVED,       /* memmap_reserve(total), then memmap_resize per record */
    RR_RESERVED_SPARSE,/* the same with MEMMAP_SPARSE: no block allocation per record */
    RR_UNRESERVED,     /* memmap_resize per record, no capacity (mremap) */
    RR_RAW             /* by hand: a PROT_NONE reservation, fallocate + mmap MAP_FIXED per record */
};

struct record_ctx {
    enum record_way way;
    char path[4096];
    const char *dir;
    uint64_t records;
    int calls;
    double produce[BENCH_MAX_REPS + 1]; /* seconds until the data was written, before the sync */
};

static int create_file(const char *path, int flags)
{
    int fd = open(path, flags | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("create %s: %s", path, strerror(errno));
    return fd;
}

static void records_with_write(struct record_ctx *r, double *produced_at)
{
    uint64_t record[RECORD / sizeof(uint64_t)], n;
    int fd = create_file(r->path, O_WRONLY);
    for (n = 0; n < r->records; n++) {
        bench_fill_record(record, RECORD, n);
        if (write(fd, record, RECORD) != RECORD)
            bench_die("write: %s", strerror(errno));
    }
    *produced_at = bench_now();
    if (fdatasync(fd) != 0)
        bench_die("fdatasync: %s", strerror(errno));
    close(fd);
}

static void records_with_memmap(struct record_ctx *r, double *produced_at)
{
    uint64_t record[RECORD / sizeof(uint64_t)], n;
    unsigned flags = r->way == RR_RESERVED_SPARSE ? MEMMAP_SPARSE : 0;
    memmap_options opt;
    memmap_t *m;

    memset(&opt, 0, sizeof opt);
    opt.length = RECORD;
    bench_check(memmap_open(&m, r->path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE | flags, &opt),
                "memmap_open");
    if (r->way != RR_UNRESERVED)
        bench_check(memmap_reserve(m, (size_t)(r->records * RECORD), 0), "memmap_reserve");
    for (n = 0; n < r->records; n++) {
        if (n > 0)
            bench_check(memmap_resize(m, (size_t)(n + 1) * RECORD, flags), "memmap_resize");
        bench_fill_record(record, RECORD, n);
        memcpy((unsigned char *)memmap_data(m) + n * RECORD, record, RECORD);
    }
    *produced_at = bench_now();
    bench_check(memmap_sync(m, 0, 0, 0), "memmap_sync");
    bench_check(memmap_close(m), "memmap_close");
}

/* The floor for this design: the two calls a resize inside a reservation
 * cannot do without, and nothing else. */
static void records_by_hand(struct record_ctx *r, double *produced_at)
{
    uint64_t record[RECORD / sizeof(uint64_t)], n;
    size_t total = (size_t)(r->records * RECORD);
    int fd = create_file(r->path, O_RDWR);
    unsigned char *base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        bench_die("mmap (reservation): %s", strerror(errno));
    for (n = 0; n < r->records; n++) {
        off_t at = (off_t)(n * RECORD);
        if (fallocate(fd, 0, at, RECORD) != 0)
            bench_die("fallocate: %s", strerror(errno));
        if (mmap(base + at, RECORD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, at) == MAP_FAILED)
            bench_die("mmap MAP_FIXED: %s", strerror(errno));
        bench_fill_record(record, RECORD, n);
        memcpy(base + at, record, RECORD);
    }
    *produced_at = bench_now();
    if (msync(base, total, MS_SYNC) != 0 || fdatasync(fd) != 0)
        bench_die("msync/fdatasync: %s", strerror(errno));
    munmap(base, total);
    close(fd);
}

static double run_records(void *arg, uint64_t *sum)
{
    struct record_ctx *r = arg;
    double t0, produced_at, t1;
    bench_remove_and_settle(r->path, r->dir);
    t0 = bench_now();
    if (r->way == RR_WRITE)
        records_with_write(r, &produced_at);
    else if (r->way == RR_RAW)
        records_by_hand(r, &produced_at);
    else
        records_with_memmap(r, &produced_at);
    t1 = bench_now();
    if (r->calls <= BENCH_MAX_REPS)
        r->produce[r->calls] = produced_at - t0;
    r->calls++;
    *sum = bench_checksum_file(r->path, r->records * RECORD);
    return t1 - t0;
}

static void report_records_before_sync(const struct bench_group *g, const struct record_ctx *ctx,
                                       const struct bench_config *cfg)
{
    struct bench_group before;
    size_t i;
    int round;
    bench_group_init(&before, "record_resize_nosync",
                     "one resize per 4 KiB record, time to produce the data (before the final sync)", BENCH_BYTES,
                     g->work, g->reps);
    for (i = 0; i < g->count; i++) {
        bench_group_add(&before, g->contenders[i].name, NULL, NULL, (int)i == g->reference);
        for (round = 0; round < g->reps; round++)
            before.contenders[i].seconds[round] = ctx[i].produce[round + 1]; /* [0] is the warm-up */
    }
    printf("\n%s\n", before.title);
    bench_group_report(&before, cfg);
}

void bench_case_record_resize(const struct bench_config *cfg)
{
    static const struct {
        const char *name;
        enum record_way way;
    } ways[] = {
        {"write() per record", RR_WRITE},
        {"memmap, resize per record inside a capacity", RR_RESERVED},
        {"memmap, resize per record inside a capacity, SPARSE", RR_RESERVED_SPARSE},
        {"memmap, resize per record, no capacity", RR_UNRESERVED},
        {"raw fallocate + mmap MAP_FIXED per record", RR_RAW},
    };
    enum { WAYS = sizeof ways / sizeof ways[0] };
    struct record_ctx ctx[WAYS];
    struct bench_group g;
    char path[4096];
    size_t i;

    if (cfg->write_size < RECORD || cfg->write_size % RECORD != 0)
        bench_die("the write size must be a positive multiple of 4 KiB");
    bench_path(path, sizeof path, cfg->dir, "memmap-bench-record.bin");
    bench_group_init(&g, "record_resize", "one resize per 4 KiB record, durable at the end", BENCH_BYTES,
                     (double)cfg->write_size, bench_reps(cfg, 5));
    for (i = 0; i < WAYS; i++) {
        memset(&ctx[i], 0, sizeof ctx[i]);
        memcpy(ctx[i].path, path, sizeof path);
        ctx[i].dir = cfg->dir;
        ctx[i].records = cfg->write_size / RECORD;
        ctx[i].way = ways[i].way;
        bench_group_add(&g, ways[i].name, run_records, &ctx[i], ways[i].way == RR_WRITE);
    }
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    report_records_before_sync(&g, ctx, cfg);
    unlink(path);
}
