/* SPDX-License-Identifier: MIT */
/* The harness: interleaved repetitions, medians, the report, and data files. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memmap.h"

/* --- Tools ----------------------------------------------------------------- */

/* The clock bench_now reads: set by bench_group_run for the group it runs. */
static clockid_t current_clock = CLOCK_MONOTONIC;

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(current_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("memmap_bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void bench_check(int code, const char *what)
{
    if (code != MEMMAP_OK)
        bench_die("%s: %s (%s, os error %d)", what, memmap_strerror(code), memmap_errname(code),
                  memmap_last_os_error());
}

uint64_t bench_sum_words(const void *p, size_t bytes)
{
    const uint64_t *w = p;
    size_t n = bytes / sizeof(uint64_t);
    uint64_t sum = 0;
    size_t i;
    for (i = 0; i < n; i++)
        sum += w[i];
    return sum;
}

uint64_t bench_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void bench_fill_record(void *record, size_t bytes, uint64_t number)
{
    uint64_t *w = record;
    size_t n = bytes / sizeof(uint64_t);
    size_t i;
    for (i = 0; i < n; i++)
        w[i] = number * 0x9E3779B97F4A7C15ull + i;
}

void bench_path(char *path, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(path, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        bench_die("path too long: %s/%s", dir, name);
}

void *bench_alloc_resident(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bench_die("no memory for a %zu-byte resident buffer", size);
#ifdef MADV_HUGEPAGE
    /* Transparent huge pages are often enabled only on request ("madvise"). */
    madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void bench_free_resident(void *p, size_t size)
{
    munmap(p, size);
}

/* --- Data files -------------------------------------------------------------- */

/* The file is made of 1 MiB blocks, each generated from its own seed, so any
 * block can be checked without generating the ones before it. */
#define DATA_BLOCK ((size_t)1 << 20)

static void generate_block(uint64_t *words, uint64_t block)
{
    uint64_t state = block * 0x9E3779B97F4A7C15ull + 1;
    size_t i;
    for (i = 0; i < DATA_BLOCK / sizeof(uint64_t); i++)
        words[i] = bench_random(&state);
}

size_t bench_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    ssize_t n;
    do
        n = pread(fd, buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        bench_die("pread: %s", strerror(errno));
    return (size_t)n;
}

static void read_fully(int fd, void *buf, size_t len, uint64_t offset)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bench_die("pread: %s", n == 0 ? "unexpected end of file" : strerror(errno));
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
}

static void write_fully(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            bench_die("write: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

/* A file left by an earlier run is reused when its size and its first and last
 * blocks are what this run would write: making 1 GiB costs seconds of disk. */
static int data_file_is_current(const char *path, uint64_t size, uint64_t *expect, uint64_t *got)
{
    struct stat st;
    uint64_t blocks = size / DATA_BLOCK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int current = 0;
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size == size) {
        generate_block(expect, 0);
        read_fully(fd, got, DATA_BLOCK, 0);
        current = memcmp(expect, got, DATA_BLOCK) == 0;
        if (current) {
            generate_block(expect, blocks - 1);
            read_fully(fd, got, DATA_BLOCK, (blocks - 1) * DATA_BLOCK);
            current = memcmp(expect, got, DATA_BLOCK) == 0;
        }
    }
    close(fd);
    return current;
}

static void write_data_file(const char *path, uint64_t size, uint64_t *block_buf)
{
    uint64_t blocks = size / DATA_BLOCK, b;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("cannot create %s: %s", path, strerror(errno));
    for (b = 0; b < blocks; b++) {
        generate_block(block_buf, b);
        write_fully(fd, block_buf, DATA_BLOCK);
    }
    /* Written back now, so no write-back runs under the read benchmarks. */
    if (fdatasync(fd) != 0)
        bench_die("fdatasync %s: %s", path, strerror(errno));
    close(fd);
}

static void read_into_cache(const char *path, uint64_t size, void *buf)
{
    uint64_t off;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        bench_die("cannot open %s: %s", path, strerror(errno));
    for (off = 0; off < size; off += DATA_BLOCK)
        read_fully(fd, buf, DATA_BLOCK, off);
    close(fd);
}

void bench_make_data_file(const char *path, uint64_t size)
{
    uint64_t *expect, *got;
    if (size == 0 || size % DATA_BLOCK != 0)
        bench_die("data size must be a positive multiple of 1 MiB");
    expect = malloc(DATA_BLOCK);
    got = malloc(DATA_BLOCK);
    if (!expect || !got)
        bench_die("out of memory");
    if (!data_file_is_current(path, size, expect, got)) {
        printf("making %s (%llu MiB)...\n", path, (unsigned long long)(size >> 20));
        fflush(stdout);
        write_data_file(path, size, expect);
    }
    read_into_cache(path, size, got);
    free(expect);
    free(got);
}

/* Reads a produced file back, so a contender that wrote too little or the
 * wrong bytes fails instead of winning. */
uint64_t bench_checksum_file(const char *path, uint64_t expect_size)
{
    static uint64_t buf[(1 << 20) / sizeof(uint64_t)];
    struct stat st;
    uint64_t sum = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        bench_die("cannot check %s: %s", path, strerror(errno));
    if ((uint64_t)st.st_size != expect_size)
        bench_die("%s has %lld bytes, not %llu", path, (long long)st.st_size, (unsigned long long)expect_size);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        sum += bench_sum_words(buf, (size_t)n);
    close(fd);
    return sum;
}

/* The file system finishes with a removed file later (journal commit, and
 * discards on a disk mounted with -o discard): syncfs waits for that here,
 * so that no run pays for its predecessor's cleanup. */
void bench_remove_and_settle(const char *path, const char *dir)
{
    int fd;
    unlink(path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        syncfs(fd);
        close(fd);
    }
}

/* --- Groups ------------------------------------------------------------------ */

int bench_reps(const struct bench_config *cfg, int default_reps)
{
    int reps = cfg->reps > 0 ? cfg->reps : default_reps;
    return reps > BENCH_MAX_REPS ? BENCH_MAX_REPS : reps;
}

void bench_group_init(struct bench_group *g, const char *id, const char *title,
                      enum bench_unit unit, double work, int reps)
{
    memset(g, 0, sizeof *g);
    g->id = id;
    g->title = title;
    g->unit = unit;
    g->work = work;
    g->clock = BENCH_WALL_CLOCK;
    g->check_sums = 1;
    g->reference = -1;
    g->reps = reps;
}

void bench_group_add(struct bench_group *g, const char *name, bench_run_fn run, void *ctx, int is_reference)
{
    struct bench_contender *c;
    if (g->count == BENCH_MAX_CONTENDERS)
        bench_die("too many contenders in %s", g->id);
    c = &g->contenders[g->count];
    c->name = name;
    c->run = run;
    c->ctx = ctx;
    if (is_reference && g->reference < 0)
        g->reference = (int)g->count;
    g->count++;
}

static void check_checksum(struct bench_group *g, size_t i, uint64_t sum)
{
    g->contenders[i].checksum = sum;
    if (!g->check_sums)
        return;
    if (!g->have_expected) {
        g->expected = sum;
        g->have_expected = 1;
    } else if (sum != g->expected) {
        bench_die("%s: %s computed %016llx where another contender computed %016llx", g->id,
                  g->contenders[i].name, (unsigned long long)sum, (unsigned long long)g->expected);
    }
}

void bench_group_use_cpu_clock(struct bench_group *g, const struct bench_config *cfg)
{
    if (!cfg->wall_clock_only)
        g->clock = BENCH_CPU_CLOCK;
}

void bench_group_run(struct bench_group *g)
{
    int round;
    size_t k;
    uint64_t sum;

    printf("\n%s (%d rounds, %s)\n", g->title, g->reps, g->clock == BENCH_CPU_CLOCK ? "CPU time" : "wall time");
    fflush(stdout);
    current_clock = g->clock == BENCH_CPU_CLOCK ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
    /* One untimed round first: it faults in the code, the buffers and the
     * allocator, which would otherwise all land on the first contender. */
    for (k = 0; k < g->count; k++) {
        g->contenders[k].run(g->contenders[k].ctx, &sum);
        check_checksum(g, k, sum);
    }
    for (round = 0; round < g->reps; round++) {
        for (k = 0; k < g->count; k++) {
            size_t i = ((size_t)round + k) % g->count;
            struct bench_contender *c = &g->contenders[i];
            c->seconds[round] = c->run(c->ctx, &sum);
            check_checksum(g, i, sum);
        }
    }
    current_clock = CLOCK_MONOTONIC;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct summary {
    double median, min, max;
    double q1, q3; /* quartiles: the middle half of the rounds lies between them */
};

static struct summary summarize(const struct bench_contender *c, int reps)
{
    double sorted[BENCH_MAX_REPS];
    struct summary s;
    memcpy(sorted, c->seconds, (size_t)reps * sizeof(double));
    qsort(sorted, (size_t)reps, sizeof(double), compare_double);
    s.min = sorted[0];
    s.max = sorted[reps - 1];
    s.median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
    s.q1 = sorted[(reps - 1) / 4];
    s.q3 = sorted[reps - 1 - (reps - 1) / 4];
    return s;
}

static const char *unit_label(enum bench_unit unit)
{
    switch (unit) {
    case BENCH_BYTES: return "GB/s";
    case BENCH_OPS: return "ns/op";
    default: return "ms/run";
    }
}

static const char *unit_key(enum bench_unit unit)
{
    switch (unit) {
    case BENCH_BYTES: return "bytes";
    case BENCH_OPS: return "ops";
    default: return "runs";
    }
}

/* The figure a reader wants for a repetition of the given seconds. */
static double display_value(const struct bench_group *g, double seconds)
{
    switch (g->unit) {
    case BENCH_BYTES: return g->work / seconds / 1e9;
    case BENCH_OPS: return seconds / g->work * 1e9;
    default: return seconds * 1e3;
    }
}

/* Every round's figure in the order the rounds ran. */
static void print_samples(const struct bench_group *g, const struct bench_contender *c)
{
    int round;
    printf("    rounds:");
    for (round = 0; round < g->reps; round++)
        printf(" %.2f", display_value(g, c->seconds[round]));
    printf("\n");
}

void bench_group_report(const struct bench_group *g, const struct bench_config *cfg)
{
    struct summary ref = summarize(&g->contenders[g->reference < 0 ? 0 : g->reference], g->reps);
    size_t i;

    printf("  %-38s %12s %9s %9s\n", "contender", unit_label(g->unit), "range", "speed");
    for (i = 0; i < g->count; i++) {
        const struct bench_contender *c = &g->contenders[i];
        struct summary s = summarize(c, g->reps);
        printf("  %-38s %12.2f %8.1f%% %8.2fx%s\n", c->name, display_value(g, s.median),
               100.0 * (s.max - s.min) / s.median, ref.median / s.median,
               (int)i == g->reference ? "  (reference)" : "");
        if (cfg->show_samples)
            print_samples(g, c);
        if (cfg->tsv)
            fprintf(cfg->tsv, "timing\t%s\t%s\t%s\t%d\t%s\t%s\t%.0f\t%d\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\n",
                    g->id, g->title, c->name, (int)i == g->reference, unit_key(g->unit),
                    g->clock == BENCH_CPU_CLOCK ? "cpu" : "wall", g->work, g->reps, s.median, s.min, s.max,
                    s.q1, s.q3);
    }
    if (cfg->tsv)
        fflush(cfg->tsv);
    fflush(stdout);
}

void bench_report_value(const struct bench_config *cfg, const char *id, const char *title,
                        const char *name, const char *unit, double value)
{
    printf("  %-38s %12.2f %s\n", name, value, unit);
    if (cfg->tsv) {
        fprintf(cfg->tsv, "value\t%s\t%s\t%s\t%s\t%.9g\n", id, title, name, unit, value);
        fflush(cfg->tsv);
    }
}
