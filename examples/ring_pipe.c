/* SPDX-License-Identifier: MIT */
/*
 * ring_pipe: a pipe between two unrelated processes through a named mirrored
 * ring in shared memory.  The sender reads its standard input straight into
 * the ring and the receiver writes its standard output straight from it:
 * no byte is copied on the way, and thanks to the ring's mirror no read or
 * write is ever split at the end of the ring.
 * Usage: ring_pipe recv|send|unlink [-l LENGTH] [-w SECONDS] NAME
 *
 * The receiver creates the names (the ring NAME, the control block NAME.ctl,
 * and on Windows two events) and removes them as soon as a sender has
 * attached, so a process that dies later leaves nothing behind.  The sender
 * opens them, waiting up to SECONDS for the receiver to create them.  Start
 * the two in either order.  The protocol is in ring_protocol.h.
 */
#define _GNU_SOURCE /* syscall, kill and nanosleep under -std=c99 (ring_protocol.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmap.h"
#include "ring_protocol.h"

#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#  define getpid() ((uint64_t)GetCurrentProcessId())
#else
#  include <signal.h>
#  include <unistd.h>
#endif

static const char help_text[] =
"  ring_pipe recv [-l LENGTH] [-w SECONDS] NAME > OUTPUT\n"
"      create the ring NAME, wait for a sender, write what it sends to\n"
"      standard output until it ends the stream\n"
"  ring_pipe send [-w SECONDS] NAME < INPUT\n"
"      attach to the ring NAME and send standard input through it\n"
"  ring_pipe unlink NAME\n"
"      remove the names a receiver left behind (POSIX, after it was killed\n"
"      before a sender attached)\n"
"\n"
"  -l LENGTH   the ring's length in bytes, a multiple of the system's\n"
"              allocation granularity (64 KiB on Windows); K and M suffixes\n"
"              (default 1M)\n"
"  -w SECONDS  how long to wait for the other side to appear, 1 to 86400\n"
"              (default 30)\n"
"\n"
"NAME follows memmap_shm_open's rules ([A-Za-z0-9._-]), at most 196\n"
"characters: NAME.ctl names the control block.\n"
"\n"
"Exit status: 0 when the whole stream arrived (the sender: when the whole\n"
"input was sent), 1 when it did not: the other side exited without ending\n"
"the stream, an input or output failed, or no peer came; the message says\n"
"which.  2 for a wrong command line.\n";

#define DEFAULT_LENGTH ((size_t)1 << 20)
#define DEFAULT_WAIT_SECONDS 30
#define MAX_WAIT_SECONDS 86400 /* a day: the waits count milliseconds in an unsigned */
#define ATTACH_POLL_MS 10 /* how often a side looks for the other one while attaching */

struct endpoint {
    const char *name;
    char control_name[MEMMAP_SHM_NAME_MAX + 1];
    memmap_t *ring;
    memmap_t *control_map;
    struct ring_control *control;
    unsigned char *data;
    size_t length;
    struct ring_waiter waiter;
};

/* --- Small portable pieces ----------------------------------------------------- */

static void nap_ms(unsigned ms)
{
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
#endif
}

/* One read(2) from standard input, retried on EINTR: bytes read, 0 at the end, -1 on an error. */
static long read_input(void *buf, size_t len)
{
#ifdef _WIN32
    return _read(0, buf, len > 0x40000000u ? 0x40000000u : (unsigned)len);
#else
    ssize_t n;
    do
        n = read(0, buf, len);
    while (n < 0 && errno == EINTR);
    return (long)n;
#endif
}

/* One write(2) to standard output, retried on EINTR: bytes written, -1 on an error. */
static long write_output(const void *buf, size_t len)
{
#ifdef _WIN32
    return _write(1, buf, len > 0x40000000u ? 0x40000000u : (unsigned)len);
#else
    ssize_t n;
    do
        n = write(1, buf, len);
    while (n < 0 && errno == EINTR);
    return (long)n;
#endif
}

static int fail(const struct endpoint *e, const char *what, int code)
{
    if (code)
        fprintf(stderr, "ring_pipe: %s: %s: %s\n", e->name, what, memmap_strerror(code));
    else
        fprintf(stderr, "ring_pipe: %s: %s\n", e->name, what);
    return 1;
}

/* For a failed read or write of the standard streams: errno says why. */
static int fail_io(const struct endpoint *e, const char *what)
{
    fprintf(stderr, "ring_pipe: %s: %s: %s\n", e->name, what, strerror(errno));
    return 1;
}

static void close_endpoint(struct endpoint *e)
{
    ring_forget_peer(&e->waiter);
#ifdef _WIN32
    if (e->waiter.sleep_event)
        CloseHandle(e->waiter.sleep_event);
    if (e->waiter.wake_event)
        CloseHandle(e->waiter.wake_event);
#endif
    memmap_close(e->ring);
    memmap_close(e->control_map);
}

/* --- The receiver -------------------------------------------------------------- */

/* Creates the ring, its control block (and events), all or none.  The control
 * block's magic is stored last: a sender that sees it sees the rest. */
static int create_names(struct endpoint *e)
{
    int rc = memmap_ring(&e->ring, e->name, e->length, MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL);
    if (rc != 0)
        return fail(e, rc == MEMMAP_EEXIST ? "cannot create the ring (a receiver runs, or one was "
                                             "killed: ring_pipe unlink NAME removes what it left)"
                                           : "cannot create the ring", rc);
    rc = memmap_shm_open(&e->control_map, e->control_name, sizeof *e->control,
                         MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL);
    if (rc != 0) {
        memmap_shm_unlink(e->name);
        return fail(e, "cannot create the control block NAME.ctl", rc);
    }
#ifdef _WIN32
    e->waiter.sleep_event = ring_event(e->name, "data", 1);
    e->waiter.wake_event = ring_event(e->name, "space", 1);
    if (!e->waiter.sleep_event || !e->waiter.wake_event) {
        memmap_shm_unlink(e->name);
        memmap_shm_unlink(e->control_name);
        return fail(e, "cannot create the ring's events", 0);
    }
#endif
    e->control = memmap_data(e->control_map);
    e->data = memmap_data(e->ring);
    e->control->version = RING_VERSION;
    e->control->length = e->length;
    e->control->consumer_pid = (uint64_t)getpid();
    __atomic_store_n(&e->control->magic, RING_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

/* Waits up to seconds for a sender to claim the ring, then removes the names
 * either way: once both sides hold them, the names are no longer needed. */
static int wait_for_sender(struct endpoint *e, unsigned seconds)
{
    unsigned waited_ms = 0;
    uint64_t sender;
    while ((sender = __atomic_load_n(&e->control->producer_pid, __ATOMIC_ACQUIRE)) == 0 &&
           waited_ms < seconds * 1000u) {
        nap_ms(ATTACH_POLL_MS);
        waited_ms += ATTACH_POLL_MS;
    }
    memmap_shm_unlink(e->name);
    memmap_shm_unlink(e->control_name);
    if (sender == 0) {
        fprintf(stderr, "ring_pipe: %s: no sender attached within %u s\n", e->name, seconds);
        return 1;
    }
    /* A sender that has already ended its stream may be gone: what it sent is still here. */
    if (ring_watch_peer(&e->waiter, sender) != 0 && !__atomic_load_n(&e->control->done, __ATOMIC_ACQUIRE)) {
        fprintf(stderr, "ring_pipe: %s: the sender (process %llu) exited before sending\n", e->name,
                (unsigned long long)sender);
        return 1;
    }
    return 0;
}

/* Writes out whatever the sender publishes, straight from the ring. */
static int receive(struct endpoint *e)
{
    struct ring_control *c = e->control;
    uint64_t tail = 0;
    for (;;) {
        size_t ready = ring_ready(c, tail);
        long n;
        if (ready > e->length)
            return fail(e, "the control block is corrupt (more bytes ready than the ring holds)", 0);
        if (ready == 0) {
            if (ring_drained(c, tail))
                break;
            if (ring_wait_data(c, tail, &e->waiter) == RING_PEER_GONE) {
                fprintf(stderr, "ring_pipe: %s: the sender (process %llu) exited without ending the stream, "
                        "after %llu bytes\n", e->name, (unsigned long long)c->producer_pid,
                        (unsigned long long)tail);
                return 1;
            }
            continue;
        }
        /* A quarter of the ring at most, so the sender can refill behind us. */
        n = write_output(e->data + tail % e->length, ready < e->length / 4 ? ready : e->length / 4);
        if (n <= 0) {
            int why = errno;
            ring_close(c, &e->waiter);
            errno = why;
            return fail_io(e, "cannot write the standard output");
        }
        tail = ring_consume(c, tail, (size_t)n, &e->waiter);
    }
    if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != RING_END) {
        fprintf(stderr, "ring_pipe: %s: the sender could not read its input: the stream was cut short after "
                "%llu bytes\n", e->name, (unsigned long long)tail);
        return 1;
    }
    return 0;
}

static int run_receiver(struct endpoint *e, unsigned seconds)
{
    int status;
#ifndef _WIN32
    /* A closed output is an error message and an early stop, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
#endif
    if (create_names(e) != 0)
        return 1;
    status = wait_for_sender(e, seconds);
    if (status == 0)
        status = receive(e);
    return status;
}

/* --- The sender ----------------------------------------------------------------- */

/* Opens NAME.ctl, waiting up to seconds for a receiver to create and fill it in. */
static int open_control(struct endpoint *e, unsigned seconds)
{
    unsigned waited_ms = 0;
    int rc;
    for (;;) {
        rc = memmap_shm_open(&e->control_map, e->control_name, 0, MEMMAP_READ | MEMMAP_WRITE);
        if (rc == 0 && memmap_size(e->control_map) >= sizeof *e->control) {
            e->control = memmap_data(e->control_map);
            if (__atomic_load_n(&e->control->magic, __ATOMIC_ACQUIRE) == RING_MAGIC)
                break;
        }
        /* Not there yet, or created but not yet sized or filled in. */
        if (rc != 0 && rc != MEMMAP_ENOENT && rc != MEMMAP_EINVAL)
            return fail(e, "cannot open the control block NAME.ctl", rc);
        memmap_close(e->control_map);
        e->control_map = NULL;
        if (waited_ms >= seconds * 1000u) {
            fprintf(stderr, "ring_pipe: %s: no receiver created the ring within %u s\n", e->name, seconds);
            return 1;
        }
        nap_ms(ATTACH_POLL_MS);
        waited_ms += ATTACH_POLL_MS;
    }
    if (e->control->version != RING_VERSION)
        return fail(e, "the receiver speaks another version of the protocol", 0);
    return 0;
}

/* Opens the ring and the events, then claims the ring: the receiver removes
 * the names once it sees the claim, so everything is opened before. */
static int attach(struct endpoint *e, unsigned seconds)
{
    struct ring_control *c;
    uint64_t nobody = 0;
    int rc;
    if (open_control(e, seconds) != 0)
        return 1;
    c = e->control;
    e->length = (size_t)c->length;
    rc = memmap_ring(&e->ring, e->name, e->length, MEMMAP_READ | MEMMAP_WRITE);
    if (rc != 0)
        return fail(e, "cannot open the ring", rc);
    e->data = memmap_data(e->ring);
#ifdef _WIN32
    e->waiter.sleep_event = ring_event(e->name, "space", 0);
    e->waiter.wake_event = ring_event(e->name, "data", 0);
    if (!e->waiter.sleep_event || !e->waiter.wake_event)
        return fail(e, "cannot open the ring's events", 0);
#endif
    if (ring_watch_peer(&e->waiter, c->consumer_pid) != 0) {
        fprintf(stderr, "ring_pipe: %s: the receiver (process %llu) is gone\n", e->name,
                (unsigned long long)c->consumer_pid);
        return 1;
    }
    if (!__atomic_compare_exchange_n(&c->producer_pid, &nobody, (uint64_t)getpid(), 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return fail(e, "another sender is attached to this ring", 0);
    return 0;
}

/* Reads standard input straight into the ring's free space. */
static int send_input(struct endpoint *e)
{
    struct ring_control *c = e->control;
    uint64_t head = 0;
    for (;;) {
        size_t room = ring_free(c, head);
        long n;
        if (room > e->length)
            return fail(e, "the control block is corrupt (more room than the ring holds)", 0);
        if (__atomic_load_n(&c->closed, __ATOMIC_ACQUIRE)) {
            fprintf(stderr, "ring_pipe: %s: the receiver stopped reading after %llu bytes\n", e->name,
                    (unsigned long long)ring_load(&c->tail));
            return 1;
        }
        if (room == 0) {
            if (ring_wait_space(c, head - e->length, &e->waiter) == RING_PEER_GONE) {
                fprintf(stderr, "ring_pipe: %s: the receiver (process %llu) exited before reading "
                        "everything, after %llu bytes\n", e->name, (unsigned long long)c->consumer_pid,
                        (unsigned long long)ring_load(&c->tail));
                return 1;
            }
            continue;
        }
        /* A quarter of the ring at most, so the receiver can start on it early. */
        n = read_input(e->data + head % e->length, room < e->length / 4 ? room : e->length / 4);
        if (n < 0) {
            int why = errno;
            ring_finish(c, RING_FAILED, &e->waiter);
            errno = why;
            return fail_io(e, "cannot read the standard input");
        }
        if (n == 0)
            break;
        head = ring_publish(c, head, (size_t)n, &e->waiter);
    }
    ring_finish(c, RING_END, &e->waiter);
    return 0;
}

static int run_sender(struct endpoint *e, unsigned seconds)
{
    if (attach(e, seconds) != 0)
        return 1;
    return send_input(e);
}

/* --- The command line ------------------------------------------------------------- */

static int usage(void)
{
    fputs("usage: ring_pipe recv|send|unlink [-l LENGTH] [-w SECONDS] NAME\n", stderr);
    fputs(help_text, stderr);
    return 2;
}

/* A length such as 65536, 64K or 1M; 0 if it is not one. */
static size_t parse_length(const char *text)
{
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (end == text)
        return 0;
    if (*end == 'K' || *end == 'k') {
        value <<= 10;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        value <<= 20;
        end++;
    }
    return *end == '\0' && value <= (unsigned long long)SIZE_MAX / 2 ? (size_t)value : 0;
}

int main(int argc, char **argv)
{
    struct endpoint e;
    const char *command;
    unsigned seconds = DEFAULT_WAIT_SECONDS;
    int i, status;

    memset(&e, 0, sizeof e);
    ring_waiter_init(&e.waiter);
    e.length = DEFAULT_LENGTH;
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(help_text, stdout);
        return 0;
    }
    if (argc < 3)
        return usage();
    command = argv[1];
    for (i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-l") && (e.length = parse_length(argv[i + 1])) != 0)
            continue;
        if (!strcmp(argv[i], "-w") && atoi(argv[i + 1]) > 0 && atoi(argv[i + 1]) <= MAX_WAIT_SECONDS) {
            seconds = (unsigned)atoi(argv[i + 1]);
            continue;
        }
        return usage();
    }
    if (i != argc - 1)
        return usage();
    e.name = argv[i];
    if (strlen(e.name) + 4 > MEMMAP_SHM_NAME_MAX || memmap_shm_check_name(e.name) != 0) {
        fprintf(stderr, "ring_pipe: %s: not a name memmap_shm_open takes, or longer than %d characters\n",
                e.name, MEMMAP_SHM_NAME_MAX - 4);
        return 2;
    }
    snprintf(e.control_name, sizeof e.control_name, "%s.ctl", e.name);
    if (e.length % memmap_granularity() != 0) {
        fprintf(stderr, "ring_pipe: the length must be a multiple of %zu bytes\n", memmap_granularity());
        return 2;
    }
#ifdef _WIN32
    /* The C runtime's standard streams are in text mode: \n would become \r\n. */
    _setmode(0, _O_BINARY);
    _setmode(1, _O_BINARY);
#endif
    if (!strcmp(command, "unlink")) {
        int ring_rc = memmap_shm_unlink(e.name), control_rc = memmap_shm_unlink(e.control_name);
        return ring_rc == 0 || control_rc == 0 ? 0 : fail(&e, "nothing to remove", ring_rc);
    }
    if (!strcmp(command, "recv"))
        status = run_receiver(&e, seconds);
    else if (!strcmp(command, "send"))
        status = run_sender(&e, seconds);
    else
        return usage();
    close_endpoint(&e);
    return status;
}
