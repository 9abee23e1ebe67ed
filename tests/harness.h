/* SPDX-License-Identifier: MIT */
/*
 * A small test harness.  Each test program holds cases declared with TEST(name);
 * CMake registers every case as its own CTest test, run as `program name`.
 *
 * Checks record a failure and let the case continue; the case fails at the end.
 * REQUIRE* checks stop the case at once.  SKIP(reason) ends the case with exit
 * code 77, which CTest reports as skipped, and prints the reason.
 *
 * Multi-process cases start the same program again with test_spawn_self():
 * fork+exec on POSIX, CreateProcess on Windows.
 */
#ifndef MEMMAP_TEST_HARNESS_H
#define MEMMAP_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memmap.h"

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_register_child(const char *name, int (*fn)(int argc, char **argv));

/* A case: TEST(name) { body } */
#define TEST(name)                                                              \
    static void test_##name(void);                                              \
    __attribute__((constructor)) static void test_register_##name(void)         \
    { test_register(#name, test_##name); }                                      \
    static void test_##name(void)

/* A child entry point for test_spawn_self: CHILD(name) { ...; return exit code; } */
#define CHILD(name)                                                             \
    static int child_##name(int argc, char **argv);                             \
    __attribute__((constructor)) static void child_register_##name(void)        \
    { test_register_child(#name, child_##name); }                               \
    static int child_##name(int argc, char **argv)

void test_fail(const char *file, int line, const char *fmt, ...);
void test_stop(void);  /* ends the current case as failed */
void test_skip(const char *fmt, ...);

#define CHECK(cond) \
    do { if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)
#define REQUIRE(cond) \
    do { if (!(cond)) { test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond); test_stop(); } } while (0)
#define CHECK_EQ(a, b)                                                                        \
    do { long long a_ = (long long)(a), b_ = (long long)(b);                                  \
         if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)
#define CHECK_EQ_U(a, b)                                                                      \
    do { unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);       \
         if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, a_, b_); \
    } while (0)
/* expr returns a memmap code that must be `code`. */
#define CHECK_CODE(expr, code)                                                                 \
    do { int got_ = (expr), want_ = (code);                                                    \
         if (got_ != want_) test_fail(__FILE__, __LINE__, "%s: got %s, want %s", #expr,        \
                                      memmap_errname(got_), memmap_errname(want_));            \
    } while (0)
#define CHECK_OK(expr) CHECK_CODE(expr, 0)
#define REQUIRE_OK(expr)                                                                       \
    do { int got_ = (expr);                                                                    \
         if (got_ != 0) { test_fail(__FILE__, __LINE__, "%s: got %s (os error %d)", #expr,      \
                                    memmap_errname(got_), memmap_last_os_error()); test_stop(); } \
    } while (0)
#define SKIP(...) test_skip(__VA_ARGS__)

/* A length no address space holds: half of it with 64-bit pointers (valgrind
 * mishandles mremap lengths closer to SIZE_MAX), 15/16 of it with 32-bit ones
 * (where half of it can be free). */
#define TEST_LENGTH_PAST_ADDRESS_SPACE (sizeof(size_t) >= 8 ? SIZE_MAX / 2 : SIZE_MAX - SIZE_MAX / 16)

/* A path in this case's own temporary directory (removed when the case ends). */
const char *test_path(const char *name);
/* The case's temporary directory. */
const char *test_dir(void);

/* Writes len bytes of data to path (creating or replacing it); size_t(-1) on failure. */
int test_write_file(const char *path, const void *data, size_t len);
/* Creates the file `name` in the case's directory holding len bytes of the pattern
 * (see test_pattern) and returns its path; stops the case if it cannot. */
const char *test_pattern_file(const char *name, size_t len);
/* Fills buf with a pattern that depends on the absolute offset, so misplaced bytes show. */
void test_pattern(void *buf, uint64_t offset, size_t len);
/* Checks buf holds the pattern for offset; returns the first bad index or (size_t)-1. */
size_t test_pattern_mismatch(const void *buf, uint64_t offset, size_t len);
/* Reads up to len bytes at offset of the file at path; returns the count read or -1. */
long long test_read_file(const char *path, uint64_t offset, void *buf, size_t len);
/* The size of the file at path, or -1. */
long long test_file_size(const char *path);
/* A name for shared memory unique to this process and case. */
const char *test_shm_name(const char *tag);

/* Runs this program again as CHILD(child) with extra arguments; returns its exit code
 * (or -1 if it could not start, 128+signal if a signal ended it). */
int test_spawn_self(const char *child, const char *const *args, int nargs);

#endif
