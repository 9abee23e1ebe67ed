/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness shared by the cases in the bench_*.c files.
 *
 * A case builds a group of contenders that do the same work in different ways,
 * one of them the reference.  bench_group_run() runs them interleaved, one
 * repetition of each in turn and the order rotated every round, so that a
 * disturbance on this shared machine (a compile, page-cache pressure) hits
 * every contender alike instead of one of them.  Each contender times the part
 * it is meant to measure itself and reports a checksum of what it read or
 * wrote, so that a contender that skipped work cannot look fast.
 */
#ifndef MEMMAP_BENCH_H
#define MEMMAP_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_CONTENDERS 8
#define BENCH_MAX_REPS 64

/* How one repetition's work is counted, which decides how a result is shown. */
enum bench_unit {
    BENCH_BYTES, /* work is bytes: shown as GB/s */
    BENCH_OPS,   /* work is operations: shown as ns per operation */
    BENCH_RUNS   /* work is one run: shown as milliseconds per run */
};

/* Which clock a group is timed with. */
enum bench_clock {
    BENCH_WALL_CLOCK, /* CLOCK_MONOTONIC: for work that waits on the disk */
    BENCH_CPU_CLOCK   /* the thread's CPU time: for work that only computes and faults
                         pages in, so that time spent waiting for a core that
                         other jobs hold is not counted */
};

/* One timed repetition: returns the seconds it measured, sets *checksum. */
typedef double (*bench_run_fn)(void *ctx, uint64_t *checksum);

struct bench_contender {
    const char *name;
    bench_run_fn run;
    void *ctx;
    double seconds[BENCH_MAX_REPS];
    uint64_t checksum;
};

struct bench_group {
    const char *id;    /* short key for reports and targets, e.g. "scan" */
    const char *title; /* what a reader sees, e.g. "sequential scan, 1 GiB cached" */
    enum bench_unit unit;
    enum bench_clock clock;
    double work;       /* bytes or operations per repetition */
    int check_sums;    /* every contender must report the same checksum */
    int have_expected;
    uint64_t expected; /* the checksum the first run reported */
    int reference;     /* index of the reference contender */
    int reps;
    size_t count;
    struct bench_contender contenders[BENCH_MAX_CONTENDERS];
};

/* Settings from the command line that every case sees. */
struct bench_config {
    uint64_t size;       /* the big data file (scan, random reads) */
    uint64_t write_size; /* the file the append and sync cases produce */
    uint64_t random_reads;
    uint64_t open_iterations;
    uint64_t cold_reads;  /* cold random reads per round */
    uint64_t anon_size;   /* the anonymous memory of the TLB case */
    uint64_t tlb_reads;   /* random reads per round over it */
    uint64_t ring_size;   /* bytes moved between two processes per round (ring_stream) */
    uint64_t pings;       /* one-byte round trips per contender (ring_pingpong) */
    int reps;            /* 0: each case's default */
    const char *dir;     /* where data files live */
    FILE *tsv;           /* machine-readable results, or NULL */
    int show_samples;    /* print every round's time, to see where noise comes from */
    int wall_clock_only; /* time every group with the wall clock */
};

/* --- Running and reporting ------------------------------------------------ */

void bench_group_init(struct bench_group *g, const char *id, const char *title,
                      enum bench_unit unit, double work, int reps);
/* Adds a contender; the first one added with is_reference set is the reference. */
void bench_group_add(struct bench_group *g, const char *name, bench_run_fn run, void *ctx, int is_reference);
/* Times g with the thread's CPU clock, unless the user asked for wall time only. */
void bench_group_use_cpu_clock(struct bench_group *g, const struct bench_config *cfg);
void bench_group_run(struct bench_group *g);
/* Prints the group as a table on stdout and as rows of cfg->tsv. */
void bench_group_report(const struct bench_group *g, const struct bench_config *cfg);
/* Writes one extra result row (used for figures that are not timings). */
void bench_report_value(const struct bench_config *cfg, const char *id, const char *title,
                        const char *name, const char *unit, double value);

/* Repetitions for a case: the user's choice or the case's default, capped. */
int bench_reps(const struct bench_config *cfg, int default_reps);

/* --- Tools ----------------------------------------------------------------- */

/* Seconds on the clock of the group being run (the wall clock outside a run). */
double bench_now(void);
void bench_die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
/* Dies with the library's description of code when it is not MEMMAP_OK. */
void bench_check(int code, const char *what);
/* One pread (retried on EINTR): the bytes read, 0 at the end; dies on an error. */
size_t bench_pread(int fd, void *buf, size_t len, uint64_t offset);

/* The sum of the 64-bit words in [p, p+bytes): the work every scan does. */
uint64_t bench_sum_words(const void *p, size_t bytes);
/* A small, fast, deterministic generator (xorshift64*). */
uint64_t bench_random(uint64_t *state);
/* Fills one record of an appended file with words derived from its number. */
void bench_fill_record(void *record, size_t bytes, uint64_t number);

/* Memory for a resident copy: anonymous, backed by huge pages where the kernel
 * allows it, so that it is the best case the machine offers (fewer TLB misses)
 * and a fair ceiling.  Dies when out of memory. */
void *bench_alloc_resident(size_t size);
void bench_free_resident(void *p, size_t size);

/* Creates (or keeps, when it already holds the right bytes) a file of size
 * bytes of pseudo-random words at path, then reads it once so it is cached. */
void bench_make_data_file(const char *path, uint64_t size);
/* path = dir + "/" + name, dying when it does not fit. */
void bench_path(char *path, size_t cap, const char *dir, const char *name);
/* The sum of the words of a file that must be expect_size bytes long (else dies). */
uint64_t bench_checksum_file(const char *path, uint64_t expect_size);
/* Removes path and waits (syncfs of dir) until the file system is done with it. */
void bench_remove_and_settle(const char *path, const char *dir);

/* --- The cases (one file each) ---------------------------------------------- */

void bench_case_bandwidth(const struct bench_config *cfg);
void bench_case_scan(const struct bench_config *cfg);
void bench_case_random(const struct bench_config *cfg);
void bench_case_guard(const struct bench_config *cfg);
void bench_case_open(const struct bench_config *cfg);
/* The bare open/map/touch/unmap/close loop, for counting instructions under
 * callgrind: which is "memmap", "raw" or "raw_handle". */
void bench_open_loop_only(const struct bench_config *cfg, const char *which, uint64_t iterations);
void bench_case_append(const struct bench_config *cfg);
void bench_case_sync(const struct bench_config *cfg);
/* bench_cold.c: cold scans and reads of an evicted file, and huge pages. */
void bench_case_cold_scan(const struct bench_config *cfg);
void bench_case_cold_random(const struct bench_config *cfg);
void bench_case_tlb(const struct bench_config *cfg);
/* bench_grow.c: growing a file in place (issue 11). */
void bench_case_append_read(const struct bench_config *cfg);
void bench_case_record_resize(const struct bench_config *cfg);
/* bench_ring.c: a byte stream between two processes (issue 12). */
void bench_case_ring_stream(const struct bench_config *cfg);
void bench_case_ring_pingpong(const struct bench_config *cfg);

#endif
