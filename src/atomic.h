/* SPDX-License-Identifier: MIT */
/*
 * Atomics and thread-local storage, in one place.  The rest of memmap says
 * what it needs (publish a size, read a flag another thread may set, write a
 * byte without changing it) and this header says how each compiler does it.
 *
 * Written for the __atomic builtins of GCC and Clang, which mingw-w64 has
 * too; a port to another compiler changes this file only.
 */
#ifndef MEMMAP_ATOMIC_H
#define MEMMAP_ATOMIC_H

#include <stddef.h>

#if defined(__GNUC__)
#  define MEMMAP_THREAD_LOCAL __thread
#elif defined(_MSC_VER)
#  define MEMMAP_THREAD_LOCAL __declspec(thread)
#else
#  define MEMMAP_THREAD_LOCAL _Thread_local
#endif

#if defined(__GNUC__)

/* A value other threads read without a lock; no ordering with anything else. */
#  define memmap_load_relaxed(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#  define memmap_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Publishing: what this thread did before the release store is visible to a
 * thread whose acquire load sees the stored value. */
#  define memmap_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define memmap_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Adds v and returns the value before, atomically; no ordering with anything else. */
#  define memmap_fetch_add_relaxed(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
/* Keeps the compiler from moving memory accesses across it, for code that
 * shares data with a signal handler on its own thread (the CPU needs no fence). */
#  define memmap_signal_fence()      __atomic_signal_fence(__ATOMIC_SEQ_CST)

/*
 * Writes the byte at p without changing it, so that its page faults as a
 * write would, even while other threads (or processes) store to it.  A
 * compare-and-swap of the byte's own value, not an add or or of zero: the
 * compilers turn those idempotent operations into plain loads.
 */
static inline void memmap_touch_for_write(unsigned char *p)
{
    unsigned char value = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(p, &value, value, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

#else
#  error "memmap needs the __atomic builtins of GCC or Clang (mingw-w64 has them)"
#endif

#endif /* MEMMAP_ATOMIC_H */
