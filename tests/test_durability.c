/* SPDX-License-Identifier: MIT */
/*
 * Durability: what memmap_sync reported as written is in the file, even when
 * the writer dies at once; and a durable sync really writes the pages back
 * (the kernel no longer holds them dirty).
 *
 * POSIX only: the writer is killed with SIGKILL, and the page state comes
 * from Linux's /proc/self/pagemap and /proc/kpageflags.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <errno.h>
#include <stdlib.h>

#ifndef _WIN32
#  include <fcntl.h>
#  include <signal.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif
#ifdef __linux__
#  include <sys/vfs.h>
#endif

#define CHUNK ((size_t)16 * 1024)
#define CHUNKS 64
#define ACKED_BEFORE_KILL 24

#ifndef _WIN32
/*
 * The writer: fills the file chunk after chunk through the map's plain
 * pointer, syncs each chunk and reports its number only after the sync
 * returned; it never stops on its own (it starts over at chunk 0 after the
 * last), so the kill always lands in the middle of unsynced writes.
 */
static void writer(const char *path, int acks)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, CHUNKS * CHUNK, 0};
    unsigned char *data;
    unsigned i;

    if (memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, &opt) != 0)
        _exit(2);
    data = memmap_data(m);
    for (i = 0;; i = (i + 1) % CHUNKS) {
        unsigned char n = (unsigned char)i;
        test_pattern(data + i * CHUNK, i * CHUNK, CHUNK);
        if (memmap_sync(m, i * CHUNK, CHUNK, 0) != 0)
            _exit(3);
        if (write(acks, &n, 1) != 1)
            _exit(4);
    }
}
#endif

TEST(synced_data_survives_sigkill)
{
#ifdef _WIN32
    SKIP("kills the writer with SIGKILL; POSIX only");
#else
    unsigned char *file = malloc(CHUNKS * CHUNK);
    int acks[2], status, acked = 0;
    size_t i, unexpected = 0;
    pid_t pid;

    REQUIRE(file != NULL);
    REQUIRE(pipe(acks) == 0);
    fflush(NULL);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(acks[0]);
        writer(test_path("f"), acks[1]);
    }
    close(acks[1]);
    while (acked < ACKED_BEFORE_KILL) {
        unsigned char n;
        if (read(acks[0], &n, 1) != 1)
            break;
        CHECK_EQ(n, acked);
        acked++;
    }
    kill(pid, SIGKILL);
    REQUIRE(waitpid(pid, &status, 0) == pid);
    close(acks[0]);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    REQUIRE(acked == ACKED_BEFORE_KILL);

    /* The size the library gave the file, and every synced byte, are there. */
    CHECK_EQ(test_file_size(test_path("f")), (long long)(CHUNKS * CHUNK));
    CHECK_EQ(test_read_file(test_path("f"), 0, file, CHUNKS * CHUNK), (long long)(CHUNKS * CHUNK));
    CHECK_EQ_U(test_pattern_mismatch(file, 0, (size_t)acked * CHUNK), (size_t)-1);
    /* The rest holds either the writer's bytes or the zeros of the new file. */
    for (i = (size_t)acked * CHUNK; i < CHUNKS * CHUNK; i++) {
        unsigned char want;
        test_pattern(&want, i, 1);
        unexpected += file[i] != 0 && file[i] != want;
    }
    CHECK_EQ_U(unexpected, 0);
    free(file);
#endif
}

#ifdef __linux__
#define KPF_DIRTY     4
#define KPF_WRITEBACK 8
#define TMPFS_MAGIC_NUMBER 0x01021994

/*
 * The kernel's flags for the page behind addr: 0 and *flags set, or -1 when
 * they cannot be read (no privilege: the PFN reads as 0 without CAP_SYS_ADMIN).
 */
static int page_flags(const void *addr, uint64_t *flags)
{
    uint64_t entry = 0, pfn;
    size_t page = memmap_page_size();
    int fd;
    ssize_t got;

    fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    got = pread(fd, &entry, sizeof entry, (off_t)((uintptr_t)addr / page * sizeof entry));
    close(fd);
    pfn = entry & ((1ull << 55) - 1);
    if (got != (ssize_t)sizeof entry || !(entry >> 63) || pfn == 0)
        return -1;
    fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    got = pread(fd, flags, sizeof *flags, (off_t)(pfn * sizeof *flags));
    close(fd);
    return got == (ssize_t)sizeof *flags ? 0 : -1;
}

/* How many of the map's pages are dirty or under write-back; -1 if unknown. */
static int unwritten_pages(memmap_t *m)
{
    size_t page = memmap_page_size(), at;
    int n = 0;
    for (at = 0; at < memmap_size(m); at += page) {
        uint64_t flags;
        if (page_flags((unsigned char *)memmap_data(m) + at, &flags) != 0)
            return -1;
        n += (flags & ((1ull << KPF_DIRTY) | (1ull << KPF_WRITEBACK))) != 0;
    }
    return n;
}
#endif

TEST(durable_sync_leaves_no_dirty_pages)
{
#ifndef __linux__
    SKIP("reads page state from Linux's /proc/kpageflags");
#else
    memmap_t *m = NULL;
    memmap_options opt = {0, 32 * 4096, 0};
    struct statfs fs;
    int before, after;

    if (statfs(test_dir(), &fs) == 0 && (unsigned long)fs.f_type == TMPFS_MAGIC_NUMBER)
        SKIP("the temporary directory is on tmpfs, which has nothing to write back to");
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), 0, memmap_size(m));
    before = unwritten_pages(m);
    if (before < 0) {
        memmap_close(m);
        SKIP("cannot read page flags (needs CAP_SYS_ADMIN for /proc/kpageflags)");
    }
    /* Just written: the kernel must hold them dirty, or this check shows nothing. */
    CHECK(before > 0);
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    after = unwritten_pages(m);
    CHECK_EQ(after, 0);
    /* Unaligned ranges are widened to whole pages: a byte dirties its page (and
     * the rest of its folio, which may span several pages) and a sync of that
     * one byte cleans it. */
    ((unsigned char *)memmap_data(m))[5 * 4096 + 7] ^= 0xFF;
    CHECK(unwritten_pages(m) >= 1);
    CHECK_OK(memmap_sync(m, 5 * 4096 + 7, 1, 0));
    CHECK_EQ(unwritten_pages(m), 0);
    CHECK_OK(memmap_close(m));
#endif
}
