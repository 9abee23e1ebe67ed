/* SPDX-License-Identifier: MIT */
/*
 * A byte stream between two processes (issue 12).
 *
 * ring_stream: a parent produces --ring-size bytes (default 4 GiB) in records
 * of 4 KiB, 64 KiB or 1 MiB and a forked child checks every 64-bit word.
 * Through ring_pipe's protocol (examples/ring_protocol.h: a mirrored ring, a
 * control block, spin then futex) the producer writes each record in place in
 * the ring and the consumer checks it in place; through a pipe and a
 * socketpair the producer fills a user buffer and write()s it, the consumer
 * read()s into a user buffer and checks it there.  The ring runs twice: with
 * records that never cross its end (the counters start at 0 and its length
 * is a multiple of the record) and with records of which one per lap
 * straddles the end (the counters start half a record in), which the mirror
 * must make free.  The ring holds 16 records, at least 256 KiB.
 *
 * ring_pingpong: one byte there and back, ring (two rings, spin then futex;
 * and futex at once, the cost of the sleeping path alone) against two pipes;
 * the median and the 99th percentile of the round trip.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memmap.h"
#include "ring_protocol.h"

#define RING_RECORDS 16
#define MIN_RING ((size_t)256 << 10)
#define PATTERN 0x9E3779B97F4A7C15ull

/* --- The producer and the checker every contender shares --------------------------- */

/* Word number i of the stream. */
static inline uint64_t stream_word(uint64_t i)
{
    return (i + 1) * PATTERN;
}

static void produce(void *record, size_t bytes, uint64_t first_word)
{
    uint64_t *w = record;
    size_t i, n = bytes / sizeof(uint64_t);
    for (i = 0; i < n; i++)
        w[i] = stream_word(first_word + i);
}

/* The number of words that are not what the producer wrote. */
static uint64_t check(const void *record, size_t bytes, uint64_t first_word)
{
    const uint64_t *w = record;
    size_t i, n = bytes / sizeof(uint64_t);
    uint64_t wrong = 0;
    for (i = 0; i < n; i++)
        wrong += w[i] != stream_word(first_word + i);
    return wrong;
}

/* --- One contender ------------------------------------------------------------------- */

enum transport { VIA_PIPE, VIA_SOCKETPAIR, VIA_RING };

struct stream {
    enum transport transport;
    size_t record;
    uint64_t total;
    uint64_t start;               /* where the ring's counters start */
    size_t ring_length;
    unsigned char *ring_data;     /* the ring, mapped before the fork */
    struct ring_control *control; /* in MAP_SHARED anonymous memory */
    uint64_t *child_result;       /* the words the child checked, ~0 on a mismatch */
    double cpu_seconds;           /* both processes' CPU time, over every round */
    double wall_seconds;          /* the rounds' wall time */
};

/* CPU time (user + system) of this process, or of its reaped children. */
static double cpu_time(int who)
{
    struct rusage r;
    getrusage(who, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec * 1e-6 + (double)r.ru_stime.tv_sec +
           (double)r.ru_stime.tv_usec * 1e-6;
}

static void write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bench_die("write: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

/* Reads exactly len bytes, as a consumer of whole records does. */
static void read_all(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bench_die("read: %s", n == 0 ? "the stream ended early" : strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static uint64_t consume_fd(const struct stream *s, int fd)
{
    unsigned char *buf = malloc(s->record);
    uint64_t done, wrong = 0;
    if (!buf)
        bench_die("out of memory");
    for (done = 0; done < s->total; done += s->record) {
        read_all(fd, buf, s->record);
        wrong += check(buf, s->record, done / sizeof(uint64_t));
    }
    free(buf);
    return wrong;
}

static void produce_fd(const struct stream *s, int fd)
{
    unsigned char *buf = malloc(s->record);
    uint64_t done;
    if (!buf)
        bench_die("out of memory");
    for (done = 0; done < s->total; done += s->record) {
        produce(buf, s->record, done / sizeof(uint64_t));
        write_all(fd, buf, s->record);
    }
    free(buf);
}

static uint64_t consume_ring(const struct stream *s, struct ring_waiter *w)
{
    struct ring_control *c = s->control;
    uint64_t tail = s->start, wrong = 0, done;
    for (done = 0; done < s->total; done += s->record) {
        size_t ready;
        while ((ready = ring_ready(c, tail)) < s->record)
            if (ring_wait_data(c, tail + ready, w) == RING_PEER_GONE)
                bench_die("ring: the producer died");
        wrong += check(s->ring_data + tail % s->ring_length, s->record, done / sizeof(uint64_t));
        tail = ring_consume(c, tail, s->record, w);
    }
    return wrong;
}

static void produce_ring(const struct stream *s, struct ring_waiter *w)
{
    struct ring_control *c = s->control;
    uint64_t head = s->start, done;
    for (done = 0; done < s->total; done += s->record) {
        size_t room;
        while ((room = ring_free(c, head)) < s->record)
            if (ring_wait_space(c, head - s->ring_length + room, w) == RING_PEER_GONE)
                bench_die("ring: the consumer died");
        produce(s->ring_data + head % s->ring_length, s->record, done / sizeof(uint64_t));
        head = ring_publish(c, head, s->record, w);
    }
    ring_finish(c, RING_END, w);
}

/* The consumer's half, in the child: never returns. */
static void run_consumer(struct stream *s, int fd, pid_t parent)
{
    uint64_t wrong;
    if (s->transport == VIA_RING) {
        struct ring_waiter w;
        ring_waiter_init(&w);
        if (ring_watch_peer(&w, (uint64_t)parent) != 0)
            _exit(1);
        wrong = consume_ring(s, &w);
        ring_forget_peer(&w);
    } else {
        wrong = consume_fd(s, fd);
    }
    *s->child_result = wrong ? ~(uint64_t)0 : s->total / sizeof(uint64_t);
    _exit(0);
}

static double run_stream(void *ctx, uint64_t *checksum)
{
    struct stream *s = ctx;
    int fds[2] = {-1, -1}, status;
    pid_t parent = getpid(), child;
    double start, cpu_before = cpu_time(RUSAGE_SELF) + cpu_time(RUSAGE_CHILDREN);

    *s->child_result = 0;
    if (s->transport == VIA_RING) {
        memset(s->control, 0, sizeof *s->control);
        s->control->length = s->ring_length;
        s->control->head = s->control->tail = s->start;
    } else if ((s->transport == VIA_PIPE ? pipe(fds) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) != 0) {
        bench_die("pipe/socketpair: %s", strerror(errno));
    }
    start = bench_now();
    child = fork();
    if (child < 0)
        bench_die("fork: %s", strerror(errno));
    if (child == 0) {
        if (fds[1] >= 0)
            close(fds[1]);
        run_consumer(s, fds[0], parent);
    }
    if (s->transport == VIA_RING) {
        struct ring_waiter w;
        ring_waiter_init(&w);
        if (ring_watch_peer(&w, (uint64_t)child) != 0)
            bench_die("ring: the consumer died at once");
        produce_ring(s, &w);
        ring_forget_peer(&w);
    } else {
        close(fds[0]);
        produce_fd(s, fds[1]);
        close(fds[1]);
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("the consumer failed");
    start = bench_now() - start;
    s->cpu_seconds += cpu_time(RUSAGE_SELF) + cpu_time(RUSAGE_CHILDREN) - cpu_before;
    s->wall_seconds += start;
    if (*s->child_result == ~(uint64_t)0)
        bench_die("the consumer found words that differ from what was produced");
    *checksum = *s->child_result;
    return start;
}

static void *shared_anonymous(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bench_die("mmap of %zu shared bytes: %s", bytes, strerror(errno));
    return p;
}

static void stream_group(const struct bench_config *cfg, size_t record, const char *id, const char *title,
                         const char *size_name)
{
    static const char cores_title[] = "cores the two processes had: CPU time / wall time, all rounds (2 = both "
                                      "cores all the time; less: other jobs had them, or a side slept)";
    char label[96];
    struct bench_group g;
    struct stream s[4];
    memmap_t *ring;
    size_t length = record * RING_RECORDS < MIN_RING ? MIN_RING : record * RING_RECORDS;
    uint64_t total = cfg->ring_size / record * record;
    /* One page: the control block, then the child's result on its own cache line. */
    unsigned char *shared = shared_anonymous(4096);
    int i;

    bench_check(memmap_ring(&ring, NULL, length, 0), "memmap_ring");
    memset(s, 0, sizeof s);
    for (i = 0; i < 4; i++) {
        s[i].transport = i == 0 ? VIA_PIPE : i == 1 ? VIA_SOCKETPAIR : VIA_RING;
        s[i].record = record;
        s[i].total = total;
        s[i].start = i == 3 ? record / 2 : 0;
        s[i].ring_length = length;
        s[i].ring_data = memmap_data(ring);
        s[i].control = (struct ring_control *)shared;
        s[i].child_result = (uint64_t *)(shared + 2048);
    }
    bench_group_init(&g, id, title, BENCH_BYTES, (double)total, bench_reps(cfg, 3));
    bench_group_add(&g, "pipe", run_stream, &s[0], 1);
    bench_group_add(&g, "socketpair", run_stream, &s[1], 0);
    bench_group_add(&g, "ring", run_stream, &s[2], 0);
    bench_group_add(&g, "ring, records straddling the wrap", run_stream, &s[3], 0);
    bench_group_run(&g);
    bench_group_report(&g, cfg);
    for (i = 0; i < 4; i++) {
        snprintf(label, sizeof label, "%s records: %s", size_name, g.contenders[i].name);
        bench_report_value(cfg, "ring_cores", cores_title, label, "cores", s[i].cpu_seconds / s[i].wall_seconds);
    }
    memmap_close(ring);
    munmap(shared, 4096);
}

void bench_case_ring_stream(const struct bench_config *cfg)
{
    static char titles[3][128];
    static const size_t records[3] = {(size_t)4 << 10, (size_t)64 << 10, (size_t)1 << 20};
    static const char *const ids[3] = {"ring_4k", "ring_64k", "ring_1m"};
    static const char *const names[3] = {"4 KiB", "64 KiB", "1 MiB"};
    int i;
    for (i = 0; i < 3; i++) {
        snprintf(titles[i], sizeof titles[i], "%.1f GiB between two processes in %s records",
                 (double)cfg->ring_size / (1 << 30), names[i]);
        stream_group(cfg, records[i], ids[i], titles[i], names[i]);
    }
}

/* --- Ping-pong ----------------------------------------------------------------------- */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One ring in each direction: the byte goes out on one, comes back on the other. */
struct duplex {
    unsigned char *data[2];
    struct ring_control *control[2];
    size_t length;
};

static void ring_send_byte(struct duplex *d, int way, uint64_t *head, unsigned char byte, struct ring_waiter *w)
{
    struct ring_control *c = d->control[way];
    size_t room;
    while ((room = ring_free(c, *head)) == 0)
        if (ring_wait_space(c, *head - d->length, w) == RING_PEER_GONE)
            bench_die("ping-pong: the other process died");
    d->data[way][*head % d->length] = byte;
    *head = ring_publish(c, *head, 1, w);
}

static unsigned char ring_receive_byte(struct duplex *d, int way, uint64_t *tail, struct ring_waiter *w)
{
    struct ring_control *c = d->control[way];
    unsigned char byte;
    while (ring_ready(c, *tail) == 0)
        if (ring_wait_data(c, *tail, w) == RING_PEER_GONE)
            bench_die("ping-pong: the other process died");
    byte = d->data[way][*tail % d->length];
    *tail = ring_consume(c, *tail, 1, w);
    return byte;
}

/* Round trips in µs, sorted; trips[] has n entries.  spins: how long each
 * side polls before it sleeps on the futex (0: at once). */
static void ping_pong_ring(double *trips, uint64_t n, int spins)
{
    struct duplex d;
    memmap_t *rings[2];
    unsigned char *shared = shared_anonymous(4096);
    struct ring_waiter w;
    uint64_t i, head = 0, tail = 0;
    pid_t parent = getpid(), child;
    int way, status;

    d.length = memmap_granularity();
    for (way = 0; way < 2; way++) {
        bench_check(memmap_ring(&rings[way], NULL, d.length, 0), "memmap_ring");
        d.data[way] = memmap_data(rings[way]);
        d.control[way] = (struct ring_control *)(shared + (size_t)way * 1024);
        d.control[way]->length = d.length;
    }
    ring_waiter_init(&w);
    w.spins = spins;
    child = fork();
    if (child < 0)
        bench_die("fork: %s", strerror(errno));
    if (child == 0) {
        /* Echo: reads on way 0, answers on way 1. */
        if (ring_watch_peer(&w, (uint64_t)parent) != 0)
            _exit(1);
        for (i = 0; i < n; i++)
            ring_send_byte(&d, 1, &head, ring_receive_byte(&d, 0, &tail, &w), &w);
        _exit(0);
    }
    if (ring_watch_peer(&w, (uint64_t)child) != 0)
        bench_die("ping-pong: the echo process died at once");
    for (i = 0; i < n; i++) {
        double start = now_us();
        ring_send_byte(&d, 0, &head, (unsigned char)i, &w);
        if (ring_receive_byte(&d, 1, &tail, &w) != (unsigned char)i)
            bench_die("ping-pong: the ring echoed another byte");
        trips[i] = now_us() - start;
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("ping-pong: the echo process failed");
    ring_forget_peer(&w);
    for (way = 0; way < 2; way++)
        memmap_close(rings[way]);
    munmap(shared, 4096);
    qsort(trips, n, sizeof *trips, compare_doubles);
}

static void ping_pong_pipe(double *trips, uint64_t n)
{
    int there[2], back[2], status;
    unsigned char byte;
    uint64_t i;
    pid_t child;
    if (pipe(there) != 0 || pipe(back) != 0)
        bench_die("pipe: %s", strerror(errno));
    child = fork();
    if (child < 0)
        bench_die("fork: %s", strerror(errno));
    if (child == 0) {
        for (i = 0; i < n; i++) {
            read_all(there[0], &byte, 1);
            write_all(back[1], &byte, 1);
        }
        _exit(0);
    }
    for (i = 0; i < n; i++) {
        double start = now_us();
        byte = (unsigned char)i;
        write_all(there[1], &byte, 1);
        read_all(back[0], &byte, 1);
        if (byte != (unsigned char)i)
            bench_die("ping-pong: the pipe echoed another byte");
        trips[i] = now_us() - start;
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("ping-pong: the echo process failed");
    close(there[0]);
    close(there[1]);
    close(back[0]);
    close(back[1]);
    qsort(trips, n, sizeof *trips, compare_doubles);
}

void bench_case_ring_pingpong(const struct bench_config *cfg)
{
    static const char title[] = "one-byte round trip between two processes";
    uint64_t n = cfg->pings;
    double *trips = malloc(n * sizeof *trips);
    int which;
    if (!trips || n < 100)
        bench_die("ping-pong: --pings must be at least 100");
    for (which = 0; which < 3; which++) {
        static const char *const names[3] = {"ring (spin, then futex)", "ring (futex at once, no spin)", "pipe"};
        const char *name = names[which];
        char label[96];
        if (which < 2)
            ping_pong_ring(trips, n, which == 0 ? RING_SPINS : 0);
        else
            ping_pong_pipe(trips, n);
        snprintf(label, sizeof label, "%s: median", name);
        bench_report_value(cfg, "ring_pingpong", title, label, "µs", trips[n / 2]);
        snprintf(label, sizeof label, "%s: p99", name);
        bench_report_value(cfg, "ring_pingpong", title, label, "µs", trips[n * 99 / 100]);
    }
    free(trips);
}
