/* SPDX-License-Identifier: MIT */
/* The test harness: case registry, runner, temporary directories, child processes. */
#if !defined(_WIN32)
#  define _XOPEN_SOURCE 700
/* Test files past 4 GiB are read and sized here on 32-bit systems too. */
#  define _FILE_OFFSET_BITS 64
#endif
#include "harness.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#ifdef _WIN32
#  include <windows.h>
#  include <process.h>
#  define getpid _getpid
#else
#  include <ftw.h>
#  include <signal.h>
#  include <sys/stat.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

#define MAX_CASES 512

struct test_case {
    const char *name;
    test_fn fn;
    int (*child)(int, char **);
};

static struct test_case cases[MAX_CASES];
static int case_count;
static int failures;
static jmp_buf case_exit;
static const char *current_case = "";
static char case_dir[1024];
static char self_path[1024];

static void register_case(const char *name, test_fn fn, int (*child)(int, char **))
{
    if (case_count == MAX_CASES) {
        fprintf(stderr, "harness: too many cases\n");
        exit(2);
    }
    cases[case_count].name = name;
    cases[case_count].fn = fn;
    cases[case_count].child = child;
    case_count++;
}

void test_register(const char *name, test_fn fn) { register_case(name, fn, NULL); }
void test_register_child(const char *name, int (*fn)(int, char **)) { register_case(name, NULL, fn); }

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    failures++;
    fprintf(stderr, "%s:%d: [%s] ", file, line, current_case);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void test_stop(void) { longjmp(case_exit, 1); }

void test_skip(const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "SKIP %s: ", current_case);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    longjmp(case_exit, 2);
}

/* --- Files and names ------------------------------------------------------ */

const char *test_dir(void) { return case_dir; }

const char *test_path(const char *name)
{
    /* A small ring so a case can hold several paths at once. */
    static char paths[8][1200];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", case_dir, name);
    return p;
}

int test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return -1;
    ok = len == 0 || fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

long long test_read_file(const char *path, uint64_t offset, void *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    size_t got;
    int sought;
    if (!f)
        return -1;
#ifdef _WIN32
    sought = _fseeki64(f, (long long)offset, SEEK_SET) == 0;
#else
    sought = fseeko(f, (off_t)offset, SEEK_SET) == 0;
#endif
    got = sought ? fread(buf, 1, len, f) : 0;
    fclose(f);
    return sought ? (long long)got : -1;
}

long long test_file_size(const char *path)
{
#ifdef _WIN32
    WIN32_FILE_ATTRIBUTE_DATA info;
    if (!GetFileAttributesExA(path, GetFileExInfoStandard, &info))
        return -1;
    return ((long long)info.nFileSizeHigh << 32) | info.nFileSizeLow;
#else
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
#endif
}

static unsigned char pattern_byte(uint64_t offset)
{
    uint64_t x = offset * 0x9E3779B97F4A7C15ull;
    return (unsigned char)((x >> 56) ^ (offset >> 12) ^ offset);
}

void test_pattern(void *buf, uint64_t offset, size_t len)
{
    unsigned char *p = buf;
    size_t i;
    for (i = 0; i < len; i++)
        p[i] = pattern_byte(offset + i);
}

const char *test_pattern_file(const char *name, size_t len)
{
    const char *path = test_path(name);
    unsigned char *buf = malloc(len ? len : 1);
    int ok;
    if (!buf) {
        test_fail(__FILE__, __LINE__, "out of memory for a %zu-byte file", len);
        test_stop();
    }
    test_pattern(buf, 0, len);
    ok = test_write_file(path, buf, len) == 0;
    free(buf);
    if (!ok) {
        test_fail(__FILE__, __LINE__, "cannot write %s", path);
        test_stop();
    }
    return path;
}

size_t test_pattern_mismatch(const void *buf, uint64_t offset, size_t len)
{
    const unsigned char *p = buf;
    size_t i;
    for (i = 0; i < len; i++)
        if (p[i] != pattern_byte(offset + i))
            return i;
    return (size_t)-1;
}

const char *test_shm_name(const char *tag)
{
    static char names[4][128];
    static int next;
    char *n = names[next++ % 4];
    snprintf(n, sizeof names[0], "memmap-test-%d-%s", (int)getpid(), tag);
    return n;
}

/* --- Temporary directories -------------------------------------------------- */

#ifdef _WIN32
static void remove_tree(const char *dir)
{
    char pattern[1200], path[1200];
    WIN32_FIND_DATAA fd;
    HANDLE h;
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    h = FindFirstFileA(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (!strcmp(fd.cFileName, ".") || !strcmp(fd.cFileName, ".."))
                continue;
            snprintf(path, sizeof path, "%s\\%s", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(path);
            else {
                SetFileAttributesA(path, FILE_ATTRIBUTE_NORMAL);
                DeleteFileA(path);
            }
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
}

static int make_case_dir(void)
{
    char base[MAX_PATH];
    DWORD n = GetTempPathA(sizeof base, base);
    if (n == 0 || n >= sizeof base)
        return -1;
    int attempt;
    /* Process ids are reused (quickly under Wine): a name left by an earlier run gets a suffix. */
    for (attempt = 0; attempt < 1000; attempt++) {
        snprintf(case_dir, sizeof case_dir, "%smemmap-test-%lu-%s-%d", base,
                 (unsigned long)GetCurrentProcessId(), current_case, attempt);
        if (CreateDirectoryA(case_dir, NULL))
            return 0;
        if (GetLastError() != ERROR_ALREADY_EXISTS)
            return -1;
    }
    return -1;
}
#else
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    chmod(path, 0700); /* a case may leave read-only files behind */
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_case_dir(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(case_dir, sizeof case_dir, "%s/memmap-test-XXXXXX", base);
    return mkdtemp(case_dir) ? 0 : -1;
}
#endif

/* --- Child processes -------------------------------------------------------- */

#ifdef _WIN32
int test_spawn_self(const char *child, const char *const *args, int nargs)
{
    char cmd[8192];
    size_t used;
    int i;
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code;

    used = (size_t)snprintf(cmd, sizeof cmd, "\"%s\" --child %s", self_path, child);
    for (i = 0; i < nargs && used < sizeof cmd; i++)
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, " \"%s\"", args[i]);
    if (used >= sizeof cmd)
        return -1;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(self_path, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return -1;
    WaitForSingleObject(pi.hProcess, INFINITE);
    if (!GetExitCodeProcess(pi.hProcess, &code))
        code = (DWORD)-1;
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}
#else
int test_spawn_self(const char *child, const char *const *args, int nargs)
{
    char *argv[64];
    int i, status;
    pid_t pid;

    if (nargs > 60)
        return -1;
    argv[0] = self_path;
    argv[1] = (char *)"--child";
    argv[2] = (char *)child;
    for (i = 0; i < nargs; i++)
        argv[3 + i] = (char *)args[i];
    argv[3 + nargs] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(self_path, argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
#endif

static void find_self(const char *argv0)
{
#ifdef _WIN32
    (void)argv0;
    GetModuleFileNameA(NULL, self_path, sizeof self_path);
#else
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n > 0)
        self_path[n] = '\0';
    else if (!realpath(argv0, self_path))
        snprintf(self_path, sizeof self_path, "%s", argv0);
#endif
}

/* --- The runner ---------------------------------------------------------------- */

/* Returns 0 for a pass, 1 for a failure, 77 for a skip. */
static int run_case(const struct test_case *c)
{
    int how, result;
    current_case = c->name;
    failures = 0;
    if (make_case_dir() != 0) {
        fprintf(stderr, "[%s] cannot create a temporary directory\n", c->name);
        return 1;
    }
    how = setjmp(case_exit);
    if (how == 0)
        c->fn();
    remove_tree(case_dir);
    if (how == 2)
        return 77;
    result = failures ? 1 : 0;
    printf("%s %s\n", result ? "FAIL" : "PASS", c->name);
    return result;
}

static const struct test_case *find_case(const char *name, int child)
{
    int i;
    for (i = 0; i < case_count; i++)
        if (!strcmp(cases[i].name, name) && (cases[i].child != NULL) == child)
            return &cases[i];
    return NULL;
}

int main(int argc, char **argv)
{
    int i, worst = 0;
    find_self(argv[0]);
    setvbuf(stdout, NULL, _IONBF, 0);
#ifndef _WIN32
    /* A case that crashes a child must not take the runner with it through SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
#endif
    if (argc >= 3 && !strcmp(argv[1], "--child")) {
        const struct test_case *c = find_case(argv[2], 1);
        if (!c) {
            fprintf(stderr, "harness: no child %s\n", argv[2]);
            return 2;
        }
        current_case = c->name;
        return c->child(argc - 3, argv + 3);
    }
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (i = 0; i < case_count; i++)
            if (cases[i].fn)
                printf("%s\n", cases[i].name);
        return 0;
    }
    /* CMake registers every TEST(name) it finds in the source, including cases
     * that #ifdef leaves out on this platform: those are skips, never passes. */
    for (i = 1; i < argc; i++) {
        if (!find_case(argv[i], 0)) {
            printf("SKIP %s: not built on this platform\n", argv[i]);
            return 77;
        }
    }
    for (i = 0; i < case_count; i++) {
        int r, j, wanted = argc < 2;
        if (!cases[i].fn)
            continue;
        for (j = 1; j < argc; j++)
            if (!strcmp(argv[j], cases[i].name))
                wanted = 1;
        if (!wanted)
            continue;
        r = run_case(&cases[i]);
        if (r == 1 || (r == 77 && worst == 0))
            worst = r;
    }
    return worst;
}
