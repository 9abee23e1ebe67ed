/* SPDX-License-Identifier: MIT */
/*
 * fork_counter: parent and child increment one counter in turn, in shared
 * anonymous memory: the classic /dev/zero or MAP_ANONYMOUS demo, through
 * memmap.  POSIX only: Windows has no fork (see shm_talk for processes that
 * share memory by name).
 */
#include <stdio.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memmap.h"

#define ROUNDS 1000

struct shared {
    volatile int turn; /* 0: parent's turn, 1: child's */
    volatile long counter;
};

int main(void)
{
    struct shared *s;
    memmap_t *m;
    pid_t pid;
    int i, status, rc;

    if ((rc = memmap_anon(&m, sizeof *s, MEMMAP_SHARED)) != 0) {
        fprintf(stderr, "fork_counter: %s\n", memmap_strerror(rc));
        return 1;
    }
    s = memmap_data(m);
    fflush(NULL);
    if ((pid = fork()) < 0)
        return 1;
    for (i = 0; i < ROUNDS; i++) {
        int me = pid == 0;
        while (__atomic_load_n(&s->turn, __ATOMIC_ACQUIRE) != me)
            sched_yield(); /* one core may have to run both */
        s->counter++;
        __atomic_store_n(&s->turn, !me, __ATOMIC_RELEASE);
    }
    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    printf("counter = %ld after %d increments by each process\n", s->counter, ROUNDS);
    rc = s->counter == 2 * ROUNDS && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    memmap_close(m);
    return rc;
}
