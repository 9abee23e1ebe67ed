/* SPDX-License-Identifier: MIT */
/*
 * shm_talk: two unrelated processes talk through named shared memory.
 * Run without arguments, it creates an object, writes a question, starts a
 * second copy of itself (exec / CreateProcess) that opens the object by name
 * and writes an answer, waits for it, prints the answer and removes the object.
 */
#include <stdio.h>
#include <string.h>

#include "memmap.h"

#ifdef _WIN32
#  include <process.h>
#  include <windows.h>
#  define getpid _getpid
#else
#  include <spawn.h>
#  include <sys/wait.h>
#  include <unistd.h>
extern char **environ;
#endif

struct mailbox {
    char question[128];
    char answer[128];
};

static int answer(const char *name)
{
    struct mailbox *box;
    memmap_t *m;
    int rc = memmap_shm_open(&m, name, 0, MEMMAP_WRITE);
    if (rc != 0) {
        fprintf(stderr, "shm_talk (answering): %s\n", memmap_strerror(rc));
        return 1;
    }
    box = memmap_data(m);
    snprintf(box->answer, sizeof box->answer, "process %d read \"%.60s\"", (int)getpid(), box->question);
    memmap_close(m);
    return 0;
}

/* Starts `self answer name` and waits for it; returns its exit status, -1 if it could not start. */
static int run_answerer(const char *self, const char *name)
{
#ifdef _WIN32
    char exe[MAX_PATH];
    intptr_t status;
    (void)self;
    if (!GetModuleFileNameA(NULL, exe, sizeof exe))
        return -1;
    status = _spawnl(_P_WAIT, exe, exe, "answer", name, (char *)NULL);
    return (int)status;
#else
    char *argv[4];
    pid_t pid;
    int status;
    argv[0] = (char *)self;
    argv[1] = (char *)"answer";
    argv[2] = (char *)name;
    argv[3] = NULL;
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
#endif
}

int main(int argc, char **argv)
{
    char name[64];
    struct mailbox *box;
    memmap_t *m;
    int rc, status;

    if (argc == 3 && !strcmp(argv[1], "answer"))
        return answer(argv[2]);

    snprintf(name, sizeof name, "memmap-shm-talk-%d", (int)getpid());
    rc = memmap_shm_open(&m, name, sizeof *box, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL);
    if (rc != 0) {
        fprintf(stderr, "shm_talk: %s\n", memmap_strerror(rc));
        return 1;
    }
    box = memmap_data(m);
    snprintf(box->question, sizeof box->question, "hello from process %d", (int)getpid());
    status = run_answerer(argv[0], name);
    if (status == 0 && box->answer[0])
        printf("answer: %s\n", box->answer);
    else
        fprintf(stderr, "shm_talk: the other process did not answer (status %d)\n", status);
    memmap_close(m);
    memmap_shm_unlink(name);
    return status == 0 && box != NULL ? 0 : 1;
}
