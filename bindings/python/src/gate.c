/* SPDX-License-Identifier: MIT */
/*
 * Who may use a map's memory while resize() or close() replaces it.
 *
 * Most calls use the map with the GIL held and run no Python code meanwhile,
 * so nothing can change the mapping under them, provided a resize or close
 * never starts while they run.  The rule that makes this hold: the flag
 * `exclusive` is only set by a thread holding the GIL, and is only set once no
 * call uses the map without the GIL (`users`).  A call that sees it clear,
 * holding the GIL, is safe until it releases the GIL; the big copies that do
 * release it count themselves in `users` first.
 *
 * Neither side starves: a resize or close waits only for the calls already
 * running without the GIL (each is bounded: one copy, one sync), and while it
 * waits (`exclusive_waiting`) no new call starts, so that copies from many
 * threads cannot keep the count above zero for ever.  Calls arriving then, or
 * while the mapping is being replaced, wait for it to finish instead of
 * failing.
 *
 * Exported buffers are not users: their consumers never tell when they touch
 * the memory.  A close, and a resize of the drop-in, refuse while any is
 * alive; Map.resize checks their extents once it owns the map (no export can
 * start then), and proceeds only when the library will leave their bytes
 * alone (core.c).
 *
 * Threads wait for each other on one process-wide condition variable: resizes
 * and closes are rare, and a broadcast wakes every waiter to re-check its own
 * map.  The counters change only with both the GIL and the gate's mutex held;
 * a thread without the GIL reads them under the mutex.
 */
#include "bindings.h"

#ifdef _WIN32
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>

static SRWLOCK gate_mutex = SRWLOCK_INIT;
static CONDITION_VARIABLE gate_changed = CONDITION_VARIABLE_INIT;

static void gate_lock(void) { AcquireSRWLockExclusive(&gate_mutex); }
static void gate_unlock(void) { ReleaseSRWLockExclusive(&gate_mutex); }
static void gate_wait(void) { SleepConditionVariableSRW(&gate_changed, &gate_mutex, INFINITE, 0); }
static void gate_broadcast(void) { WakeAllConditionVariable(&gate_changed); }
#else
#  include <pthread.h>

static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_changed = PTHREAD_COND_INITIALIZER;

static void gate_lock(void) { pthread_mutex_lock(&gate_mutex); }
static void gate_unlock(void) { pthread_mutex_unlock(&gate_mutex); }
static void gate_wait(void) { pthread_cond_wait(&gate_changed, &gate_mutex); }
static void gate_broadcast(void) { pthread_cond_broadcast(&gate_changed); }
#endif

static int replacing(const pymm_object *self)
{
    return self->exclusive || self->exclusive_waiting > 0;
}

static int in_use(const pymm_object *self)
{
    return self->exclusive || self->users > 0;
}

memmap_t *pymm_enter(pymm_object *self)
{
    /* Re-checked with the GIL back: another resize may have begun meanwhile. */
    while (replacing(self)) {
        Py_BEGIN_ALLOW_THREADS
        gate_lock();
        while (replacing(self))
            gate_wait();
        gate_unlock();
        Py_END_ALLOW_THREADS
    }
    if (!self->map) {
        PyErr_SetString(PyExc_ValueError, self->kind->closed);
        return NULL;
    }
    return self->map;
}

int pymm_exclusive_begin(pymm_object *self, const char *exported_message)
{
    if (exported_message && self->exports > 0) {
        PyErr_SetString(PyExc_BufferError, exported_message);
        return -1;
    }
    gate_lock();
    self->exclusive_waiting++;
    gate_unlock();
    while (in_use(self)) {
        Py_BEGIN_ALLOW_THREADS
        gate_lock();
        while (in_use(self))
            gate_wait();
        gate_unlock();
        Py_END_ALLOW_THREADS
    }
    gate_lock();
    self->exclusive_waiting--;
    self->exclusive = 1;
    gate_unlock();
    if (!self->map) { /* another thread closed it while this one waited */
        pymm_exclusive_end(self);
        PyErr_SetString(PyExc_ValueError, self->kind->closed);
        return -1;
    }
    return 0;
}

void pymm_exclusive_end(pymm_object *self)
{
    gate_lock();
    self->exclusive = 0;
    gate_broadcast();
    gate_unlock();
}

void pymm_users_add(pymm_object *self)
{
    gate_lock();
    self->users++;
    gate_unlock();
}

void pymm_users_remove(pymm_object *self)
{
    gate_lock();
    if (--self->users == 0 && self->exclusive_waiting > 0)
        gate_broadcast();
    gate_unlock();
}
