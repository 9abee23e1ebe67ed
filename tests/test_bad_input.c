/* SPDX-License-Identifier: MIT */
/*
 * Bad input: a table of calls that must fail, across every function of the
 * API, each with the code the header documents for it.  A failing call must
 * change nothing: creating functions leave *map NULL, and the maps and files
 * the table uses are intact afterwards.
 *
 * Runs on POSIX and under Wine; the rows that need POSIX objects (FIFOs,
 * pipes, sockets, /dev/null) are POSIX only.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"
#include "test_guard_support.h"

#include <stdlib.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <sys/socket.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

enum fn {
    OPEN, OPEN_FILE, ANON, SHM_OPEN, SHM_UNLINK, SYNC, PROTECT, ADVISE,
    LOCK, UNLOCK, RESIZE, READ, WRITE, PROBE
};

/* What a row's call works on. */
enum target {
    NONE,        /* a NULL map, path or name */
    /* maps */
    M_RW, M_RO, M_COPY, M_ANON, M_SHARED_ANON, M_SUCCESSOR,
    /* paths */
    P_FILE, P_EMPTY, P_MISSING, P_MISSING_DIR, P_DIR, P_DEVNULL, P_FIFO,
    /* open files */
    F_INVALID, F_CLOSED, F_RDONLY, F_WRONLY, F_PIPE, F_DIR, F_SOCKET, F_DEVNULL,
    /* a shared memory name given in the row */
    S_NAME, S_EXISTING,
    TARGETS
};

struct bad_call {
    const char *what;
    enum fn fn;
    enum target target;
    const char *name;  /* S_NAME rows: the name */
    uint64_t offset;   /* file offset, or the range offset of range calls */
    size_t length;
    unsigned flags;    /* flags, prot, access; advice for ADVISE */
    int want;
    int posix_only;
};

#define KB 1024u
#define BIG TEST_LENGTH_PAST_ADDRESS_SPACE
#define FLAG_UNKNOWN 0x80000000u
#define NAME_201 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "a"

/* The file behind M_RW, M_RO and M_COPY: two pages and a bit (set at run time). */
static size_t file_size;

static const struct bad_call table[] = {
    /* memmap_open */
    {"open: NULL map", OPEN, P_FILE, NULL, 0, 0, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"open: NULL path", OPEN, NONE, NULL, 0, 0, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"open: unknown flag", OPEN, P_FILE, NULL, 0, 0, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"open: SHARED is for anon", OPEN, P_FILE, NULL, 0, 0, MEMMAP_SHARED, MEMMAP_EINVAL, 0},
    {"open: NOMOVE is for resize", OPEN, P_FILE, NULL, 0, 0, MEMMAP_NOMOVE, MEMMAP_EINVAL, 0},
    {"open: SYNC_ASYNC is for sync", OPEN, P_FILE, NULL, 0, 0, MEMMAP_SYNC_ASYNC, MEMMAP_EINVAL, 0},
    {"open: WRITE with COPY", OPEN, P_FILE, NULL, 0, 0, MEMMAP_WRITE | MEMMAP_COPY, MEMMAP_EINVAL, 0},
    {"open: EXCL without CREATE", OPEN, P_FILE, NULL, 0, 0, MEMMAP_WRITE | MEMMAP_EXCL, MEMMAP_EINVAL, 0},
    {"open: TRUNCATE without WRITE", OPEN, P_FILE, NULL, 0, 0, MEMMAP_TRUNCATE, MEMMAP_EINVAL, 0},
    {"open: missing file", OPEN, P_MISSING, NULL, 0, 0, MEMMAP_READ, MEMMAP_ENOENT, 0},
    {"open: missing file, WRITE", OPEN, P_MISSING, NULL, 0, 0, MEMMAP_WRITE, MEMMAP_ENOENT, 0},
    {"open: CREATE in a missing directory", OPEN, P_MISSING_DIR, NULL, 0, 4 * KB,
     MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_ENOENT, 0},
    {"open: a directory", OPEN, P_DIR, NULL, 0, 0, MEMMAP_READ, MEMMAP_EISDIR, 1},
    {"open: CREATE|EXCL on an existing file", OPEN, P_FILE, NULL, 0, 4 * KB,
     MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, MEMMAP_EEXIST, 0},
    {"open: offset past the end, length 0", OPEN, P_FILE, NULL, 64 * KB, 0, MEMMAP_READ, MEMMAP_ERANGE, 0},
    {"open: read-only range past the end", OPEN, P_FILE, NULL, 0, 64 * KB, MEMMAP_READ, MEMMAP_ERANGE, 0},
    {"open: COPY range past the end", OPEN, P_FILE, NULL, 4 * KB, 64 * KB, MEMMAP_COPY, MEMMAP_ERANGE, 0},
    {"open: empty file, offset 1", OPEN, P_EMPTY, NULL, 1, 0, MEMMAP_READ, MEMMAP_ERANGE, 0},
    {"open: offset+length overflows", OPEN, P_FILE, NULL, UINT64_MAX, 2, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"open: offset+length overflows, WRITE", OPEN, P_FILE, NULL, UINT64_MAX - 1, 16, MEMMAP_WRITE, MEMMAP_EINVAL, 0},
    {"open: WRITE past the largest file size", OPEN, P_FILE, NULL, (uint64_t)INT64_MAX, 4 * KB,
     MEMMAP_WRITE, MEMMAP_EFBIG, 0},
    {"open: /dev/null", OPEN, P_DEVNULL, NULL, 0, 0, MEMMAP_READ, MEMMAP_ENODEV, 1},
    {"open: /dev/null with a length", OPEN, P_DEVNULL, NULL, 0, 4 * KB, MEMMAP_READ, MEMMAP_ENODEV, 1},
    {"open: a FIFO", OPEN, P_FIFO, NULL, 0, 0, MEMMAP_READ, MEMMAP_ENODEV, 1},

    /* memmap_open_file */
    {"open_file: NULL map", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"open_file: invalid file", OPEN_FILE, F_INVALID, NULL, 0, 0, MEMMAP_READ, MEMMAP_EBADF, 0},
    {"open_file: closed file", OPEN_FILE, F_CLOSED, NULL, 0, 0, MEMMAP_READ, MEMMAP_EBADF, 1},
    {"open_file: write-only file", OPEN_FILE, F_WRONLY, NULL, 0, 0, MEMMAP_READ, MEMMAP_EACCES, 0},
    {"open_file: WRITE on a read-only file", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_WRITE, MEMMAP_EACCES, 0},
    {"open_file: TRUNCATE on a read-only file", OPEN_FILE, F_RDONLY, NULL, 0, 4 * KB,
     MEMMAP_WRITE | MEMMAP_TRUNCATE, MEMMAP_EACCES, 0},
    {"open_file: CREATE", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"open_file: EXCL", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_EXCL, MEMMAP_EINVAL, 0},
    {"open_file: SHARED", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_SHARED, MEMMAP_EINVAL, 0},
    {"open_file: unknown flag", OPEN_FILE, F_RDONLY, NULL, 0, 0, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"open_file: WRITE with COPY", OPEN_FILE, F_RDONLY, NULL, 0, 0, MEMMAP_WRITE | MEMMAP_COPY, MEMMAP_EINVAL, 0},
    {"open_file: range past the end", OPEN_FILE, F_RDONLY, NULL, 0, 64 * KB, MEMMAP_READ, MEMMAP_ERANGE, 0},
    {"open_file: a pipe", OPEN_FILE, F_PIPE, NULL, 0, 0, MEMMAP_READ, MEMMAP_ENODEV, 1},
    {"open_file: a pipe with a length", OPEN_FILE, F_PIPE, NULL, 0, 4 * KB, MEMMAP_READ, MEMMAP_ENODEV, 1},
    {"open_file: a socket", OPEN_FILE, F_SOCKET, NULL, 0, 4 * KB, MEMMAP_READ, MEMMAP_ENODEV, 1},
    {"open_file: a directory", OPEN_FILE, F_DIR, NULL, 0, 0, MEMMAP_READ, MEMMAP_EISDIR, 1},
    {"open_file: /dev/null with a length", OPEN_FILE, F_DEVNULL, NULL, 0, 4 * KB, MEMMAP_READ, MEMMAP_ENODEV, 1},

    /* memmap_anon */
    {"anon: NULL map", ANON, NONE, NULL, 0, 4 * KB, 0, MEMMAP_EINVAL, 0},
    {"anon: COPY", ANON, NONE, NULL, 0, 4 * KB, MEMMAP_COPY, MEMMAP_EINVAL, 0},
    {"anon: CREATE", ANON, NONE, NULL, 0, 4 * KB, MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"anon: TRUNCATE", ANON, NONE, NULL, 0, 4 * KB, MEMMAP_TRUNCATE, MEMMAP_EINVAL, 0},
    {"anon: SPARSE", ANON, NONE, NULL, 0, 4 * KB, MEMMAP_SPARSE, MEMMAP_EINVAL, 0},
    {"anon: unknown flag", ANON, NONE, NULL, 0, 4 * KB, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"anon: more than the address space", ANON, NONE, NULL, 0, BIG, 0, MEMMAP_ENOMEM, 0},
    {"anon: SIZE_MAX", ANON, NONE, NULL, 0, SIZE_MAX, 0, MEMMAP_ENOMEM, 0},

    /* memmap_shm_open */
    {"shm_open: NULL map", SHM_OPEN, S_EXISTING, NULL, 0, 4 * KB, MEMMAP_WRITE, MEMMAP_EINVAL, 0},
    {"shm_open: NULL name", SHM_OPEN, NONE, NULL, 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: empty name", SHM_OPEN, S_NAME, "", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: \".\"", SHM_OPEN, S_NAME, ".", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: \"..\"", SHM_OPEN, S_NAME, "..", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: a slash inside", SHM_OPEN, S_NAME, "a/b", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: a leading slash", SHM_OPEN, S_NAME, "/memmap-bad", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE,
     MEMMAP_EINVAL, 0},
    {"shm_open: a backslash", SHM_OPEN, S_NAME, "Global\\memmap-bad", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE,
     MEMMAP_EINVAL, 0},
    {"shm_open: a space", SHM_OPEN, S_NAME, "memmap bad", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: a path climbing out", SHM_OPEN, S_NAME, "../../tmp/memmap-bad", 0, 4 * KB,
     MEMMAP_WRITE | MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"shm_open: non-ASCII", SHM_OPEN, S_NAME, "memmap-\xc3\xa9", 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE,
     MEMMAP_EINVAL, 0},
    {"shm_open: 201 characters", SHM_OPEN, S_NAME, NAME_201, 0, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE,
     MEMMAP_EINVAL, 0},
    {"shm_open: COPY", SHM_OPEN, S_EXISTING, NULL, 0, 0, MEMMAP_COPY, MEMMAP_EINVAL, 0},
    {"shm_open: EXEC", SHM_OPEN, S_EXISTING, NULL, 0, 0, MEMMAP_EXEC, MEMMAP_EINVAL, 0},
    {"shm_open: SHARED", SHM_OPEN, S_EXISTING, NULL, 0, 0, MEMMAP_SHARED, MEMMAP_EINVAL, 0},
    {"shm_open: unknown flag", SHM_OPEN, S_EXISTING, NULL, 0, 0, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"shm_open: EXCL without CREATE", SHM_OPEN, S_EXISTING, NULL, 0, 0, MEMMAP_WRITE | MEMMAP_EXCL, MEMMAP_EINVAL, 0},
    {"shm_open: TRUNCATE without WRITE", SHM_OPEN, S_EXISTING, NULL, 0, 4 * KB, MEMMAP_TRUNCATE, MEMMAP_EINVAL, 0},
    {"shm_open: missing object", SHM_OPEN, S_NAME, "memmap-test-no-such-object", 0, 0, MEMMAP_READ,
     MEMMAP_ENOENT, 0},
    {"shm_open: CREATE|EXCL on an existing object", SHM_OPEN, S_EXISTING, NULL, 0, 4 * KB,
     MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, MEMMAP_EEXIST, 0},
    {"shm_open: read-only, longer than the object", SHM_OPEN, S_EXISTING, NULL, 0, 1024 * KB, MEMMAP_READ,
     MEMMAP_ERANGE, 0},

    /* memmap_shm_unlink */
    {"shm_unlink: NULL name", SHM_UNLINK, NONE, NULL, 0, 0, 0, MEMMAP_EINVAL, 0},
    {"shm_unlink: empty name", SHM_UNLINK, S_NAME, "", 0, 0, 0, MEMMAP_EINVAL, 0},
    {"shm_unlink: \"..\"", SHM_UNLINK, S_NAME, "..", 0, 0, 0, MEMMAP_EINVAL, 0},
    {"shm_unlink: a slash inside", SHM_UNLINK, S_NAME, "a/b", 0, 0, 0, MEMMAP_EINVAL, 0},
    {"shm_unlink: 201 characters", SHM_UNLINK, S_NAME, NAME_201, 0, 0, 0, MEMMAP_EINVAL, 0},
    {"shm_unlink: missing object", SHM_UNLINK, S_NAME, "memmap-test-no-such-object", 0, 0, 0,
     MEMMAP_ENOENT, 1},

    /* memmap_sync */
    {"sync: NULL map", SYNC, NONE, NULL, 0, 0, 0, MEMMAP_EINVAL, 0},
    {"sync: WRITE is not a sync flag", SYNC, M_RW, NULL, 0, 0, MEMMAP_WRITE, MEMMAP_EINVAL, 0},
    {"sync: unknown flag", SYNC, M_RW, NULL, 0, 0, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"sync: offset past the end", SYNC, M_RW, NULL, 64 * KB, 0, 0, MEMMAP_ERANGE, 0},
    {"sync: range past the end", SYNC, M_RW, NULL, 4 * KB, 64 * KB, 0, MEMMAP_ERANGE, 0},
    {"sync: length overflows", SYNC, M_RW, NULL, 1, SIZE_MAX, 0, MEMMAP_ERANGE, 0},

    /* memmap_protect */
    {"protect: NULL map", PROTECT, NONE, NULL, 0, 0, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"protect: COPY is not a protection", PROTECT, M_RW, NULL, 0, 0, MEMMAP_COPY, MEMMAP_EINVAL, 0},
    {"protect: unknown bit", PROTECT, M_RW, NULL, 0, 0, 0x100, MEMMAP_EINVAL, 0},
    {"protect: WRITE on a read-only map", PROTECT, M_RO, NULL, 0, 0, MEMMAP_READ | MEMMAP_WRITE, MEMMAP_EACCES, 0},
    {"protect: EXEC on a map without EXEC", PROTECT, M_RW, NULL, 0, 0, MEMMAP_READ | MEMMAP_EXEC, MEMMAP_EACCES, 0},
    {"protect: range past the end", PROTECT, M_RW, NULL, 4 * KB, 64 * KB, MEMMAP_READ, MEMMAP_ERANGE, 0},
    {"protect: length overflows", PROTECT, M_RW, NULL, 8, SIZE_MAX, MEMMAP_READ, MEMMAP_ERANGE, 0},

    /* memmap_advise */
    {"advise: NULL map", ADVISE, NONE, NULL, 0, 0, MEMMAP_ADVICE_NORMAL, MEMMAP_EINVAL, 0},
    {"advise: negative advice", ADVISE, M_RW, NULL, 0, 0, (unsigned)-1, MEMMAP_EINVAL, 0},
    {"advise: advice past the last", ADVISE, M_RW, NULL, 0, 0, MEMMAP_ADVICE_NOHUGEPAGE + 1, MEMMAP_EINVAL, 0},
    {"advise: range past the end", ADVISE, M_RW, NULL, 64 * KB, 0, MEMMAP_ADVICE_WILLNEED, MEMMAP_ERANGE, 0},

    /* memmap_lock and memmap_unlock */
    {"lock: NULL map", LOCK, NONE, NULL, 0, 0, 0, MEMMAP_EINVAL, 0},
    {"lock: range past the end", LOCK, M_RW, NULL, 0, 64 * KB, 0, MEMMAP_ERANGE, 0},
    {"lock: offset past the end", LOCK, M_ANON, NULL, 64 * KB, 1, 0, MEMMAP_ERANGE, 0},
    {"unlock: NULL map", UNLOCK, NONE, NULL, 0, 0, 0, MEMMAP_EINVAL, 0},
    {"unlock: range past the end", UNLOCK, M_RW, NULL, 8, SIZE_MAX - 4, 0, MEMMAP_ERANGE, 0},

    /* memmap_resize */
    {"resize: NULL map", RESIZE, NONE, NULL, 0, 4 * KB, 0, MEMMAP_EINVAL, 0},
    {"resize: WRITE is not a resize flag", RESIZE, M_RW, NULL, 0, 4 * KB, MEMMAP_WRITE, MEMMAP_EINVAL, 0},
    {"resize: CREATE", RESIZE, M_RW, NULL, 0, 4 * KB, MEMMAP_CREATE, MEMMAP_EINVAL, 0},
    {"resize: unknown flag", RESIZE, M_RW, NULL, 0, 4 * KB, FLAG_UNKNOWN, MEMMAP_EINVAL, 0},
    {"resize: read-only map past the end", RESIZE, M_RO, NULL, 0, 64 * KB, 0, MEMMAP_ERANGE, 0},
    {"resize: COPY map past the end", RESIZE, M_COPY, NULL, 0, 64 * KB, 0, MEMMAP_ERANGE, 0},
    {"resize: TRUNCATE on a read-only map", RESIZE, M_RO, NULL, 0, 4 * KB, MEMMAP_TRUNCATE, MEMMAP_EACCES, 0},
    {"resize: TRUNCATE on anonymous memory", RESIZE, M_ANON, NULL, 0, 4 * KB, MEMMAP_TRUNCATE, MEMMAP_EINVAL, 0},
    {"resize: growing SHARED anonymous memory", RESIZE, M_SHARED_ANON, NULL, 0, 64 * KB, 0, MEMMAP_ENOTSUP, 1},
    {"resize: anonymous memory to SIZE_MAX", RESIZE, M_ANON, NULL, 0, SIZE_MAX, 0, MEMMAP_ENOMEM, 0},

    /* memmap_read, memmap_write, memmap_probe */
    {"read: NULL map", READ, NONE, NULL, 0, 1, 0, MEMMAP_EINVAL, 0},
    {"read: NULL buffer", READ, M_RW, NULL, 0, 1, 1, MEMMAP_EINVAL, 0},
    {"read: range past the end", READ, M_RW, NULL, 8 * KB, 8 * KB, 0, MEMMAP_ERANGE, 0},
    {"read: length overflows", READ, M_RO, NULL, 2, SIZE_MAX, 0, MEMMAP_ERANGE, 0},
    {"write: NULL map", WRITE, NONE, NULL, 0, 1, 0, MEMMAP_EINVAL, 0},
    {"write: NULL buffer", WRITE, M_RW, NULL, 0, 1, 1, MEMMAP_EINVAL, 0},
    {"write: a read-only map", WRITE, M_RO, NULL, 0, 1, 0, MEMMAP_EACCES, 0},
    {"write: range past the end", WRITE, M_RW, NULL, 64 * KB, 1, 0, MEMMAP_ERANGE, 0},
    {"probe: NULL map", PROBE, NONE, NULL, 0, 0, MEMMAP_READ, MEMMAP_EINVAL, 0},
    {"probe: EXEC is not an access", PROBE, M_RW, NULL, 0, 0, MEMMAP_EXEC, MEMMAP_EINVAL, 0},
    {"probe: unknown bit", PROBE, M_RW, NULL, 0, 0, 0x100, MEMMAP_EINVAL, 0},
    {"probe: WRITE on a read-only map", PROBE, M_RO, NULL, 0, 0, MEMMAP_WRITE, MEMMAP_EACCES, 0},
    {"probe: range past the end", PROBE, M_ANON, NULL, 0, 64 * KB, MEMMAP_READ, MEMMAP_ERANGE, 0},

    /* A map created where a closed one was: it has its own size and access. */
    {"successor: write to the read-only successor", WRITE, M_SUCCESSOR, NULL, 0, 1, 0, MEMMAP_EACCES, 0},
    {"successor: read past its own end", READ, M_SUCCESSOR, NULL, 0, 2, 0, MEMMAP_ERANGE, 0},
    {"successor: protect for WRITE", PROTECT, M_SUCCESSOR, NULL, 0, 0, MEMMAP_READ | MEMMAP_WRITE, MEMMAP_EACCES, 0},
    {"successor: grow past its file", RESIZE, M_SUCCESSOR, NULL, 0, 8 * KB, 0, MEMMAP_ERANGE, 0},
    {"successor: sync past its end", SYNC, M_SUCCESSOR, NULL, 2, 0, 0, MEMMAP_ERANGE, 0},
};

/* --- The things the table works on ----------------------------------------------- */

static memmap_t *maps[TARGETS];
static char paths[TARGETS][1200];
static memmap_file_t files[TARGETS];
static char existing_shm[128];

#ifdef _WIN32
static memmap_file_t open_for(const char *path, DWORD access)
{
    HANDLE h = CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    return h;
}
#endif

static void set_up(void)
{
    unsigned char *buf;
    memmap_t *gone = NULL;
    memmap_options opt = {0, 0, 0};
    int i;

    file_size = 2 * memmap_page_size() + 100;
    for (i = 0; i < TARGETS; i++)
        files[i] = (memmap_file_t)(intptr_t)-1;
    snprintf(paths[P_FILE], sizeof paths[0], "%s", test_path("file"));
    snprintf(paths[P_EMPTY], sizeof paths[0], "%s", test_path("empty"));
    snprintf(paths[P_MISSING], sizeof paths[0], "%s", test_path("missing"));
    snprintf(paths[P_MISSING_DIR], sizeof paths[0], "%s", test_path("no-dir/file"));
    snprintf(paths[P_DIR], sizeof paths[0], "%s", test_dir());
    snprintf(paths[P_DEVNULL], sizeof paths[0], "/dev/null");
    snprintf(paths[P_FIFO], sizeof paths[0], "%s", test_path("fifo"));
    snprintf(paths[M_SUCCESSOR], sizeof paths[0], "%s", test_path("one-byte"));

    buf = malloc(file_size);
    REQUIRE(buf != NULL);
    test_pattern(buf, 0, file_size);
    REQUIRE(test_write_file(paths[P_FILE], buf, file_size) == 0);
    free(buf);
    REQUIRE(test_write_file(paths[P_EMPTY], "", 0) == 0);
    REQUIRE(test_write_file(paths[M_SUCCESSOR], "x", 1) == 0);

    REQUIRE_OK(memmap_open(&maps[M_RW], paths[P_FILE], MEMMAP_WRITE, NULL));
    REQUIRE_OK(memmap_open(&maps[M_RO], paths[P_FILE], MEMMAP_READ, NULL));
    REQUIRE_OK(memmap_open(&maps[M_COPY], paths[P_FILE], MEMMAP_COPY, NULL));
    REQUIRE_OK(memmap_anon(&maps[M_ANON], 4 * KB, 0));
    REQUIRE_OK(memmap_anon(&maps[M_SHARED_ANON], 4 * KB, MEMMAP_SHARED));
    /* The successor most likely reuses the closed map's memory. */
    opt.length = 8 * KB;
    REQUIRE_OK(memmap_open(&gone, test_path("writable"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    REQUIRE_OK(memmap_close(gone));
    REQUIRE_OK(memmap_open(&maps[M_SUCCESSOR], paths[M_SUCCESSOR], MEMMAP_READ, NULL));

    snprintf(existing_shm, sizeof existing_shm, "%s", test_shm_name("bad-input"));
    REQUIRE_OK(memmap_shm_open(&maps[S_EXISTING], existing_shm, 4 * KB, MEMMAP_WRITE | MEMMAP_CREATE));

#ifdef _WIN32
    files[F_INVALID] = INVALID_HANDLE_VALUE;
    files[F_RDONLY] = open_for(paths[P_FILE], GENERIC_READ);
    files[F_WRONLY] = open_for(paths[P_FILE], GENERIC_WRITE);
    REQUIRE(files[F_RDONLY] != INVALID_HANDLE_VALUE && files[F_WRONLY] != INVALID_HANDLE_VALUE);
#else
    files[F_INVALID] = -1;
    files[F_RDONLY] = open(paths[P_FILE], O_RDONLY | O_CLOEXEC);
    files[F_WRONLY] = open(paths[P_FILE], O_WRONLY | O_CLOEXEC);
    files[F_DIR] = open(test_dir(), O_RDONLY | O_CLOEXEC);
    files[F_DEVNULL] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    {
        int p[2], s[2];
        REQUIRE(pipe(p) == 0);
        files[F_PIPE] = p[0];
        close(p[1]);
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
        files[F_SOCKET] = s[0];
        close(s[1]);
        /* A descriptor number that was valid and is closed now. */
        files[F_CLOSED] = open(paths[P_FILE], O_RDONLY | O_CLOEXEC);
        close(files[F_CLOSED]);
    }
    REQUIRE(files[F_RDONLY] >= 0 && files[F_WRONLY] >= 0 && files[F_DIR] >= 0 && files[F_DEVNULL] >= 0);
    REQUIRE(mkfifo(paths[P_FIFO], 0600) == 0);
#endif
}

static void tear_down(void)
{
    int i;
    for (i = 0; i < TARGETS; i++)
        if (maps[i])
            CHECK_OK(memmap_close(maps[i]));
#ifdef _WIN32
    CloseHandle(files[F_RDONLY]);
    CloseHandle(files[F_WRONLY]);
#else
    for (i = F_RDONLY; i <= F_DEVNULL; i++)
        if (files[i] >= 0)
            close(files[i]);
#endif
    memmap_shm_unlink(existing_shm);
}

/* --- Nothing printed ------------------------------------------------------------------- */

/*
 * The library never prints.  While the table runs, standard output and error
 * go to a file; whatever lands there is shown afterwards and fails the case
 * (mismatches the loop reports land there too, and fail it anyway).
 */
#ifndef _WIN32
static int capture_fd = -1, saved_stdout = -1, saved_stderr = -1;

/* A descriptor number far from the low ones, which the table's "closed file" must keep free. */
static int high_dup(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 100);
}

static void start_capture(void)
{
    int fd = open(test_path("output"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    fflush(NULL);
    capture_fd = high_dup(fd);
    close(fd);
    saved_stdout = high_dup(1);
    saved_stderr = high_dup(2);
    REQUIRE(capture_fd >= 0 && saved_stdout >= 0 && saved_stderr >= 0);
    dup2(capture_fd, 1);
    dup2(capture_fd, 2);
}

static void end_capture(void)
{
    char text[4096];
    off_t printed;
    ssize_t got;
    fflush(NULL);
    dup2(saved_stdout, 1);
    dup2(saved_stderr, 2);
    close(saved_stdout);
    close(saved_stderr);
    printed = lseek(capture_fd, 0, SEEK_END);
    if (printed > 0) {
        got = pread(capture_fd, text, sizeof text - 1, 0);
        text[got > 0 ? got : 0] = '\0';
        fprintf(stderr, "%s", text);
        test_fail(__FILE__, __LINE__, "%lld bytes were printed while the bad calls ran", (long long)printed);
    }
    close(capture_fd);
}
#else
/* Windows: the C runtime's descriptors would need their own dance; the POSIX run covers it. */
static void start_capture(void) {}
static void end_capture(void) {}
#endif

/* --- Running a row ------------------------------------------------------------------ */

#define NOT_NULL ((memmap_t *)(uintptr_t)0x10)

/* Calls the row's function; for creating functions, checks *map is NULL after failure. */
static int call(const struct bad_call *c)
{
    memmap_t *out = NOT_NULL, **outp = &out;
    memmap_options opt;
    /* Large enough that a wrongly accepted range of the table cannot overrun it. */
    static unsigned char buf[128 * 1024];
    const char *name = c->target == S_NAME ? c->name : c->target == S_EXISTING ? existing_shm : NULL;
    const char *path = c->target == NONE ? NULL : paths[c->target];
    memmap_t *map = c->target == NONE ? NULL : maps[c->target];
    int rc;

    /* A NULL map out-pointer is how the "NULL map" rows of creating functions are spelled. */
    if (c->what && strstr(c->what, ": NULL map") && c->fn <= SHM_OPEN)
        outp = NULL;
    opt.offset = c->offset;
    opt.length = c->length;
    opt.mode = 0;
    switch (c->fn) {
    case OPEN:       rc = memmap_open(outp, path, c->flags, &opt); break;
    case OPEN_FILE:  rc = memmap_open_file(outp, files[c->target], c->flags, &opt); break;
    case ANON:       rc = memmap_anon(outp, c->length, c->flags); break;
    case SHM_OPEN:   rc = memmap_shm_open(outp, name, c->length, c->flags); break;
    case SHM_UNLINK: return memmap_shm_unlink(name);
    case SYNC:       return memmap_sync(map, (size_t)c->offset, c->length, c->flags);
    case PROTECT:    return memmap_protect(map, (size_t)c->offset, c->length, c->flags);
    case ADVISE:     return memmap_advise(map, (size_t)c->offset, c->length, (int)c->flags);
    case LOCK:       return memmap_lock(map, (size_t)c->offset, c->length);
    case UNLOCK:     return memmap_unlock(map, (size_t)c->offset, c->length);
    case RESIZE:     return memmap_resize(map, c->length, c->flags);
    /* flags 1 asks for a NULL buffer */
    case READ:       return memmap_read(map, (size_t)c->offset, c->flags ? NULL : buf, c->length);
    case WRITE:      return memmap_write(map, (size_t)c->offset, c->flags ? NULL : buf, c->length);
    case PROBE:      return memmap_probe(map, (size_t)c->offset, c->length, c->flags);
    default:         return 12345;
    }
    if (rc != 0 && outp && out != NULL) {
        test_fail(__FILE__, __LINE__, "%s: *map is not NULL after the failure", c->what);
        if (out != NOT_NULL)
            memmap_close(out);
    }
    if (rc == 0 && out != NULL && out != NOT_NULL)
        memmap_close(out); /* the row's failure shows below */
    return rc;
}

TEST(table_of_bad_calls)
{
    size_t i, ran = 0, n = sizeof table / sizeof table[0];
    unsigned char *check;

    set_up();
    start_capture();
    for (i = 0; i < n; i++) {
        const struct bad_call *c = &table[i];
        int got;
#ifdef _WIN32
        if (c->posix_only)
            continue;
#endif
        got = call(c);
        ran++;
        if (got != c->want)
            test_fail(__FILE__, __LINE__, "%s: got %s, want %s", c->what, memmap_errname(got),
                      memmap_errname(c->want));
    }
    end_capture();
    printf("%u bad calls of %u in the table ran\n", (unsigned)ran, (unsigned)n);
    CHECK(ran >= 80);

    /* Nothing the failing calls touched changed. */
    CHECK_EQ(test_file_size(paths[P_FILE]), (long long)file_size);
    CHECK_EQ(test_file_size(paths[P_EMPTY]), 0);
    CHECK_EQ(test_file_size(paths[M_SUCCESSOR]), 1);
    CHECK_EQ(test_file_size(paths[P_MISSING]), -1);
    CHECK_EQ_U(memmap_size(maps[M_RW]), file_size);
    CHECK_EQ_U(memmap_size(maps[M_SUCCESSOR]), 1);
    CHECK_EQ_U(memmap_size(maps[M_ANON]), 4 * KB);
    CHECK_EQ_U(memmap_size(maps[M_SHARED_ANON]), 4 * KB);
    check = malloc(file_size);
    REQUIRE(check != NULL);
    CHECK_OK(memmap_read(maps[M_RW], 0, check, file_size));
    CHECK_EQ_U(test_pattern_mismatch(check, 0, file_size), (size_t)-1);
    CHECK_OK(memmap_read(maps[M_COPY], 0, check, file_size));
    CHECK_EQ_U(test_pattern_mismatch(check, 0, file_size), (size_t)-1);
    free(check);
    /* The names that were refused created nothing. */
    {
        memmap_t *m = NULL;
        CHECK_CODE(memmap_shm_open(&m, "memmap-bad", 0, MEMMAP_READ), MEMMAP_ENOENT);
        CHECK_CODE(memmap_shm_open(&m, "memmap-test-no-such-object", 0, MEMMAP_READ), MEMMAP_ENOENT);
    }
    tear_down();
}

/* Freeing nothing is fine; the accessors of a real map answer. */
TEST(close_null_and_accessors)
{
    memmap_t *m = NULL;
    CHECK_OK(memmap_close(NULL));
    REQUIRE_OK(memmap_anon(&m, 4 * KB, 0));
    CHECK(memmap_data(m) != NULL);
    CHECK_EQ_U(memmap_size(m), 4 * KB);
    CHECK_EQ_U(memmap_offset(m), 0);
    CHECK(memmap_flags(m) & MEMMAP_READ);
    CHECK_OK(memmap_close(m));
    CHECK(memmap_strerror(12345) != NULL);
    CHECK(strcmp(memmap_errname(12345), "MEMMAP_UNKNOWN") == 0);
    CHECK(strcmp(memmap_errname(1), "MEMMAP_UNKNOWN") == 0);
}
