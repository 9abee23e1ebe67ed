/* SPDX-License-Identifier: MIT */
/*
 * The protocol ring_pipe speaks: one producer and one consumer move bytes
 * through a mirrored ring (memmap_ring) and a control block in shared memory.
 * examples/ring_pipe.c and bench/bench_ring.c both include it, so the
 * benchmark measures exactly what the example does.
 *
 * - head and tail are 64-bit byte counters that only grow; the producer alone
 *   stores head, the consumer alone stores tail.  head - tail bytes are ready,
 *   starting at data + tail % length, and thanks to the mirror they are one
 *   contiguous range however they lie across the end of the ring.  Likewise
 *   the length - (head - tail) free bytes start at data + head % length.
 * - A counter is stored with release order after the bytes it covers, and
 *   loaded with acquire order before they are touched.
 * - A side with nothing to do spins briefly (a transfer in full flow refills
 *   the ring within microseconds), then sleeps on the other side's doorbell:
 *   a futex on a 32-bit word of the control block on Linux (not the private
 *   kind: the two processes map the block separately), a named auto-reset
 *   event on Windows, and elsewhere naps of RING_NAP_US (no portable
 *   cross-process wait exists there).  Sleeps last at most RING_SLICE_MS,
 *   after which the sleeper asks whether the other process still lives.
 * - The producer sets `done` after its last byte; the consumer sets `closed`
 *   when it stops reading early.  Each rings the doorbell after.
 *
 * The code is static: each program that includes this compiles its own copy.
 * Compiles with GCC and Clang (the __atomic built-ins), MinGW-w64 included;
 * on Linux, define _GNU_SOURCE before the first #include (syscall, kill).
 */
#ifndef RING_PROTOCOL_H
#define RING_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <errno.h>
#  include <signal.h>
#  include <sys/types.h>
#  include <time.h>
#  include <unistd.h>
#  ifdef __linux__
#    include <poll.h>
#    include <sys/syscall.h>
/* The kernel's values (linux/futex.h), spelled here because musl's
 * toolchain ships no linux/ headers. */
#    ifndef FUTEX_WAIT
#      define FUTEX_WAIT 0
#      define FUTEX_WAKE 1
#    endif
#  endif
#endif

#define RING_MAGIC 0x52696e67u /* "Ring": the block is filled in */
#define RING_VERSION 1u
#ifndef RING_SPINS
#  define RING_SPINS 64        /* polls before sleeping, by default: 3 µs here (a pause is 49 ns on
                                  this AMD EPYC, 10 to 40 on others) */
#endif
#define RING_SLICE_MS 100      /* longest sleep before the peer is checked */
#define RING_NAP_US 200        /* the nap where no futex or event exists */

/* One direction's wake-up.  The side that waits sets `sleeping`, reads the
 * condition once more and sleeps only if it still holds; the side that makes
 * progress publishes it, then (after a full fence) rings only if `sleeping`
 * is set.  One of the two always sees the other's store, so no wake-up is
 * lost, and a transfer in full flow makes no system call. */
struct ring_doorbell {
    uint32_t seq;      /* the futex word: bumped at every ring */
    uint32_t sleeping; /* 1 while the waiting side may be asleep */
};

/* The control block: the first bytes of its own shared memory object.  Each
 * side's counter sits on its own cache line, so that the two cores do not
 * fight over one line at every update. */
struct ring_control {
    uint32_t magic;         /* RING_MAGIC, stored last (release) by the creator */
    uint32_t version;
    uint64_t length;        /* the ring's length in bytes */
    uint64_t consumer_pid;  /* the receiver's process id (GetCurrentProcessId on Windows) */
    uint64_t producer_pid;  /* 0 until a sender claims the ring (compare and swap) */
    char pad0[64 - 32];
    uint64_t head;          /* producer: bytes published */
    uint32_t done;          /* producer: RING_END or RING_FAILED once no byte will follow head */
    struct ring_doorbell data; /* rung by the producer, slept on by the consumer */
    char pad1[64 - 20];
    uint64_t tail;          /* consumer: bytes consumed */
    uint32_t closed;        /* consumer: stopped reading, no more room will come */
    struct ring_doorbell space; /* rung by the consumer, slept on by the producer */
    char pad2[64 - 20];
};

/* The values of `done`: how the stream ended. */
#define RING_END 1    /* the whole input was sent */
#define RING_FAILED 2 /* the producer gave up (its input failed): the stream is cut short */

/* What a wait ended with. */
enum ring_wait_result {
    RING_READY,    /* the counter moved, or the end flag is set */
    RING_PEER_GONE /* the other process exited without saying so */
};

/* How this process sleeps and watches the other side (its own handles). */
struct ring_waiter {
    int spins;          /* polls before sleeping: RING_SPINS, 0 to sleep at once */
#ifdef _WIN32
    HANDLE sleep_event; /* set by the peer when it rings our doorbell */
    HANDLE wake_event;  /* the one we set to ring the peer's */
    HANDLE peer;        /* the peer process, for SYNCHRONIZE; NULL until known */
#else
    pid_t peer;         /* 0 until known */
    int peer_fd;        /* a pidfd on Linux: immune to the pid being reused, and
                           it reports a zombie as gone; -1 elsewhere */
#endif
};

static inline uint64_t ring_load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void ring_store(uint64_t *p, uint64_t value)
{
    __atomic_store_n(p, value, __ATOMIC_RELEASE);
}

static inline void ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* --- The peer ------------------------------------------------------------ */

/* A waiter that watches no process and holds no handle yet. */
static inline void ring_waiter_init(struct ring_waiter *w)
{
    memset(w, 0, sizeof *w);
    w->spins = RING_SPINS;
#ifndef _WIN32
    w->peer_fd = -1;
#endif
}

/* Starts watching process pid.  Returns 0, or -1 if it is already gone. */
static inline int ring_watch_peer(struct ring_waiter *w, uint64_t pid)
{
#ifdef _WIN32
    w->peer = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    return w->peer != NULL ? 0 : -1;
#else
    w->peer = (pid_t)pid;
    w->peer_fd = -1;
#  if defined(__linux__) && defined(SYS_pidfd_open)
    w->peer_fd = (int)syscall(SYS_pidfd_open, w->peer, 0);
    if (w->peer_fd < 0 && errno == ESRCH)
        return -1;
#  endif
    return kill(w->peer, 0) == 0 || errno == EPERM ? 0 : -1;
#endif
}

/* 1 while the watched process lives (or none is watched yet), 0 once it has exited. */
static inline int ring_peer_alive(const struct ring_waiter *w)
{
#ifdef _WIN32
    return w->peer == NULL || WaitForSingleObject(w->peer, 0) != WAIT_OBJECT_0;
#else
#  ifdef __linux__
    if (w->peer_fd >= 0) {
        struct pollfd p;
        p.fd = w->peer_fd;
        p.events = POLLIN;
        return poll(&p, 1, 0) == 0;
    }
#  endif
    /* Without a pidfd a zombie still answers kill: a peer's parent reaps it soon. */
    return w->peer == 0 || kill(w->peer, 0) == 0 || errno == EPERM;
#endif
}

static inline void ring_forget_peer(struct ring_waiter *w)
{
#ifdef _WIN32
    if (w->peer)
        CloseHandle(w->peer);
    w->peer = NULL;
#else
    if (w->peer_fd >= 0)
        close(w->peer_fd);
    w->peer_fd = -1;
    w->peer = 0;
#endif
}

/* --- Sleeping and waking -------------------------------------------------- */

#ifdef _WIN32
/* The events of ring NAME are "NAME.data" and "NAME.space" in the session's
 * Local namespace.  The receiver creates them, the sender opens them. */
static inline HANDLE ring_event(const char *name, const char *which, int create)
{
    char full[300];
    snprintf(full, sizeof full, "Local\\memmap-ring-%s.%s", name, which);
    return create ? CreateEventA(NULL, FALSE, FALSE, full)
                  : OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, full);
}
#endif

/* Sleeps until bell rings, RING_SLICE_MS pass, or seq no longer reads seen. */
static inline void ring_sleep(struct ring_doorbell *bell, uint32_t seen, const struct ring_waiter *w)
{
#if defined(_WIN32)
    (void)bell;
    (void)seen;
    WaitForSingleObject(w->sleep_event, RING_SLICE_MS);
#elif defined(__linux__)
    struct timespec slice;
    (void)w;
    slice.tv_sec = 0;
    slice.tv_nsec = RING_SLICE_MS * 1000000L;
    syscall(SYS_futex, &bell->seq, FUTEX_WAIT, seen, &slice, NULL, 0);
#else
    struct timespec nap;
    (void)bell;
    (void)seen;
    (void)w;
    nap.tv_sec = 0;
    nap.tv_nsec = RING_NAP_US * 1000L;
    nanosleep(&nap, NULL);
#endif
}

/* Called after publishing progress: wakes the other side if it may sleep. */
static inline void ring_ring(struct ring_doorbell *bell, const struct ring_waiter *w)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&bell->sleeping, __ATOMIC_RELAXED))
        return;
    __atomic_fetch_add(&bell->seq, 1, __ATOMIC_SEQ_CST);
#if defined(_WIN32)
    SetEvent(w->wake_event);
#elif defined(__linux__)
    (void)w;
    syscall(SYS_futex, &bell->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
#else
    (void)w;
#endif
}

/* Waits until *counter differs from seen or *end is set: spins, then sleeps
 * on bell.  RING_PEER_GONE when the watched process exits meanwhile. */
static inline enum ring_wait_result ring_wait(const uint64_t *counter, uint64_t seen, const uint32_t *end,
                                              struct ring_doorbell *bell, const struct ring_waiter *w)
{
    int spin;
    for (spin = 0; spin < w->spins; spin++) {
        if (ring_load(counter) != seen || __atomic_load_n(end, __ATOMIC_ACQUIRE))
            return RING_READY;
        ring_cpu_relax();
    }
    for (;;) {
        uint32_t bell_seen = __atomic_load_n(&bell->seq, __ATOMIC_ACQUIRE);
        __atomic_store_n(&bell->sleeping, 1, __ATOMIC_RELAXED);
        /* Pairs with the fence in ring_ring: either we see the progress, or it sees us asleep. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (ring_load(counter) != seen || __atomic_load_n(end, __ATOMIC_ACQUIRE))
            break;
        ring_sleep(bell, bell_seen, w);
        if (ring_load(counter) != seen || __atomic_load_n(end, __ATOMIC_ACQUIRE))
            break;
        if (!ring_peer_alive(w)) {
            __atomic_store_n(&bell->sleeping, 0, __ATOMIC_RELAXED);
            return RING_PEER_GONE;
        }
    }
    __atomic_store_n(&bell->sleeping, 0, __ATOMIC_RELAXED);
    return RING_READY;
}

/* --- The two sides ---------------------------------------------------------- */

/* The producer's view: where free space starts and how much of it is
 * contiguous (all of it: the mirror).  head is the producer's own counter. */
static inline size_t ring_free(struct ring_control *c, uint64_t head)
{
    return (size_t)(c->length - (head - ring_load(&c->tail)));
}

/* Publishes n more bytes written at data + head % length; returns the new head. */
static inline uint64_t ring_publish(struct ring_control *c, uint64_t head, size_t n, const struct ring_waiter *w)
{
    head += n;
    ring_store(&c->head, head);
    ring_ring(&c->data, w);
    return head;
}

/* Waits until the consumer moves tail past seen_tail (or closes). */
static inline enum ring_wait_result ring_wait_space(struct ring_control *c, uint64_t seen_tail,
                                                    const struct ring_waiter *w)
{
    return ring_wait(&c->tail, seen_tail, &c->closed, &c->space, w);
}

/* The producer's last word, how: RING_END or RING_FAILED.  Nothing follows head. */
static inline void ring_finish(struct ring_control *c, uint32_t how, const struct ring_waiter *w)
{
    __atomic_store_n(&c->done, how, __ATOMIC_RELEASE);
    ring_ring(&c->data, w);
}

/* The consumer's view: bytes ready at data + tail % length. */
static inline size_t ring_ready(struct ring_control *c, uint64_t tail)
{
    return (size_t)(ring_load(&c->head) - tail);
}

/* Gives back n bytes read at data + tail % length; returns the new tail. */
static inline uint64_t ring_consume(struct ring_control *c, uint64_t tail, size_t n, const struct ring_waiter *w)
{
    tail += n;
    ring_store(&c->tail, tail);
    ring_ring(&c->space, w);
    return tail;
}

/* Waits until the producer moves head past seen_head (or finishes). */
static inline enum ring_wait_result ring_wait_data(struct ring_control *c, uint64_t seen_head,
                                                   const struct ring_waiter *w)
{
    return ring_wait(&c->head, seen_head, &c->done, &c->data, w);
}

/* 1 once the producer has finished and every byte is consumed. */
static inline int ring_drained(struct ring_control *c, uint64_t tail)
{
    return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) && ring_load(&c->head) == tail;
}

/* The consumer's early stop: the producer's waits end and it can say why. */
static inline void ring_close(struct ring_control *c, const struct ring_waiter *w)
{
    __atomic_store_n(&c->closed, 1, __ATOMIC_RELEASE);
    ring_ring(&c->space, w);
}

#endif
