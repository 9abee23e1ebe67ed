/* SPDX-License-Identifier: MIT */
/*
 * memmap_bench: memmap against the raw system calls it wraps.
 *
 *   memmap_bench [--size 1G] [--write-size 256M] [--reads 1000000]
 *                [--open-iterations 100000] [--reps N] [--dir DIR]
 *                [--cold-reads 5000] [--anon-size 4G] [--tlb-reads 5000000]
 *                [--ring-size 4G] [--pings 20000]
 *                [--tsv FILE] [--cases bandwidth,scan,random,open,append,sync,
 *                                     cold_scan,cold_random,tlb,append_read,
 *                                     record_resize,ring_stream,ring_pingpong]
 *                [--samples 1] [--wall-clock 1]
 *   memmap_bench --open-loop memmap|raw|raw_handle --iterations N [--dir DIR]
 *
 * The second form runs only the open/map/close loop, for callgrind (run.sh).
 * Groups that only compute and fault pages in are timed with the thread's CPU
 * clock, which a busy machine disturbs far less than the wall clock;
 * --wall-clock 1 times everything with the wall clock.
 * This is a benchmark, not a test: it never runs in CI, and its figures are
 * only meaningful as ratios between contenders of one run.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdlib.h>
#include <string.h>

static uint64_t parse_size(const char *text)
{
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    switch (*end) {
    case 'k': case 'K': value <<= 10; end++; break;
    case 'm': case 'M': value <<= 20; end++; break;
    case 'g': case 'G': value <<= 30; end++; break;
    default: break;
    }
    if (end == text || *end != '\0')
        bench_die("not a size: %s", text);
    return value;
}

static int case_selected(const char *cases, const char *name)
{
    size_t len = strlen(name);
    const char *p = cases;
    if (!cases)
        return 1;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == cases || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
            return 1;
        p += len;
    }
    return 0;
}

static void usage(void)
{
    fputs("usage: memmap_bench [--size 1G] [--write-size 256M] [--reads N] [--open-iterations N]\n"
          "                    [--reps N] [--dir DIR] [--tsv FILE] [--cases a,b,...]\n"
          "                    [--cold-reads N] [--anon-size 4G] [--tlb-reads N]\n"
          "                    [--ring-size 4G] [--pings N] [--samples 1] [--wall-clock 1]\n"
          "       memmap_bench --open-loop memmap|raw|raw_handle --iterations N [--dir DIR]\n"
          "cases: bandwidth scan random guard open append sync cold_scan cold_random tlb\n"
          "       append_read record_resize ring_stream ring_pingpong\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct bench_config cfg;
    const char *cases = NULL, *tsv_path = NULL, *open_loop = NULL;
    uint64_t loop_iterations = 1000;
    int write_size_given = 0, i;

    memset(&cfg, 0, sizeof cfg);
    cfg.size = (uint64_t)1 << 30;
    cfg.random_reads = 1000000;
    cfg.open_iterations = 100000;
    cfg.cold_reads = 5000;
    cfg.anon_size = (uint64_t)4 << 30;
    cfg.tlb_reads = 5000000;
    cfg.ring_size = (uint64_t)4 << 30;
    cfg.pings = 20000;
    cfg.dir = ".";
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value)
            usage();
        i++;
        if (strcmp(arg, "--size") == 0)
            cfg.size = parse_size(value);
        else if (strcmp(arg, "--write-size") == 0) {
            cfg.write_size = parse_size(value);
            write_size_given = 1;
        } else if (strcmp(arg, "--reads") == 0)
            cfg.random_reads = parse_size(value);
        else if (strcmp(arg, "--open-iterations") == 0)
            cfg.open_iterations = parse_size(value);
        else if (strcmp(arg, "--cold-reads") == 0)
            cfg.cold_reads = parse_size(value);
        else if (strcmp(arg, "--anon-size") == 0)
            cfg.anon_size = parse_size(value);
        else if (strcmp(arg, "--tlb-reads") == 0)
            cfg.tlb_reads = parse_size(value);
        else if (strcmp(arg, "--ring-size") == 0)
            cfg.ring_size = parse_size(value);
        else if (strcmp(arg, "--pings") == 0)
            cfg.pings = parse_size(value);
        else if (strcmp(arg, "--reps") == 0)
            cfg.reps = atoi(value);
        else if (strcmp(arg, "--dir") == 0)
            cfg.dir = value;
        else if (strcmp(arg, "--tsv") == 0)
            tsv_path = value;
        else if (strcmp(arg, "--cases") == 0)
            cases = value;
        else if (strcmp(arg, "--samples") == 0)
            cfg.show_samples = atoi(value);
        else if (strcmp(arg, "--wall-clock") == 0)
            cfg.wall_clock_only = atoi(value);
        else if (strcmp(arg, "--open-loop") == 0)
            open_loop = value;
        else if (strcmp(arg, "--iterations") == 0)
            loop_iterations = parse_size(value);
        else
            usage();
    }
    /* The files that are written default to a quarter of the read size, 256 MiB at most. */
    if (!write_size_given)
        cfg.write_size = cfg.size / 4 < ((uint64_t)256 << 20) ? cfg.size / 4 : (uint64_t)256 << 20;

    if (open_loop) {
        bench_open_loop_only(&cfg, open_loop, loop_iterations);
        return 0;
    }
    if (tsv_path && !(cfg.tsv = fopen(tsv_path, "w")))
        bench_die("cannot write %s", tsv_path);

    if (case_selected(cases, "bandwidth"))
        bench_case_bandwidth(&cfg);
    if (case_selected(cases, "scan"))
        bench_case_scan(&cfg);
    if (case_selected(cases, "random"))
        bench_case_random(&cfg);
    if (case_selected(cases, "guard"))
        bench_case_guard(&cfg);
    if (case_selected(cases, "open"))
        bench_case_open(&cfg);
    if (case_selected(cases, "append"))
        bench_case_append(&cfg);
    if (case_selected(cases, "sync"))
        bench_case_sync(&cfg);
    if (case_selected(cases, "cold_scan"))
        bench_case_cold_scan(&cfg);
    if (case_selected(cases, "cold_random"))
        bench_case_cold_random(&cfg);
    if (case_selected(cases, "tlb"))
        bench_case_tlb(&cfg);
    if (case_selected(cases, "append_read"))
        bench_case_append_read(&cfg);
    if (case_selected(cases, "record_resize"))
        bench_case_record_resize(&cfg);
    if (case_selected(cases, "ring_stream"))
        bench_case_ring_stream(&cfg);
    if (case_selected(cases, "ring_pingpong"))
        bench_case_ring_pingpong(&cfg);

    if (cfg.tsv)
        fclose(cfg.tsv);
    return 0;
}
