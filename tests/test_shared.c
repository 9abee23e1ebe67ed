/* SPDX-License-Identifier: MIT */
/* Anonymous memory, sharing across fork, and named shared memory between unrelated processes. */
#include "harness.h"

#include <stdlib.h>

#ifndef _WIN32
#  include <sys/stat.h>
#  include <sys/wait.h>
#  include <fcntl.h>
#  include <unistd.h>
#endif

/* --- Anonymous memory ----------------------------------------------------------- */

TEST(anonymous_memory_is_zeroed_and_writable)
{
    memmap_t *m;
    size_t i, n = 3 * 1024 * 1024 + 5;
    unsigned char *p;
    REQUIRE_OK(memmap_anon(&m, n, 0));
    CHECK_EQ_U(memmap_size(m), n);
    CHECK_EQ_U(memmap_offset(m), 0);
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_WRITE);
    p = memmap_data(m);
    for (i = 0; i < n; i += 4093)
        CHECK_EQ(p[i], 0);
    memset(p, 0xAB, n);
    CHECK_EQ(p[n - 1], 0xAB);
    CHECK_OK(memmap_close(m));
}

TEST(anonymous_zero_length_is_empty)
{
    memmap_t *m;
    REQUIRE_OK(memmap_anon(&m, 0, 0));
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK(memmap_data(m) != NULL);
    REQUIRE_OK(memmap_resize(m, 100, 0));
    CHECK_EQ(((unsigned char *)memmap_data(m))[99], 0);
    memmap_close(m);
    REQUIRE_OK(memmap_anon(&m, 0, MEMMAP_SHARED));
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK(memmap_data(m) != NULL);
    memmap_close(m);
}

TEST(anonymous_flags_are_checked)
{
    memmap_t *m = (memmap_t *)1;
    CHECK_CODE(memmap_anon(NULL, 10, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_anon(&m, 10, MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK(m == NULL);
    CHECK_CODE(memmap_anon(&m, 10, MEMMAP_COPY), MEMMAP_EINVAL);
    CHECK_CODE(memmap_anon(&m, 10, MEMMAP_SPARSE), MEMMAP_EINVAL);
    REQUIRE_OK(memmap_anon(&m, 10, MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC | MEMMAP_POPULATE));
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC);
    memmap_close(m);
}

#ifndef _WIN32
/* The classic demo: parent and child take turns incrementing one counter. */
TEST(shared_anonymous_memory_is_shared_across_fork)
{
    memmap_t *shared, *private_map;
    volatile long *counter, *own;
    pid_t pid;
    int status;
    REQUIRE_OK(memmap_anon(&shared, sizeof(long), MEMMAP_SHARED));
    REQUIRE_OK(memmap_anon(&private_map, sizeof(long), 0));
    counter = memmap_data(shared);
    own = memmap_data(private_map);
    *counter = 41;
    *own = 41;
    fflush(NULL);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        *counter += 1;
        *own += 1;
        _exit(*counter == 42 ? 0 : 1);
    }
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(*counter, 42); /* the child's store is visible here */
    CHECK_EQ(*own, 41);     /* private memory was copied, not shared */
    memmap_close(shared);
    memmap_close(private_map);
}
#endif

/* --- Named shared memory ------------------------------------------------------------ */

TEST(shm_create_write_reopen_unlink)
{
    const char *name = test_shm_name("a");
    memmap_t *w, *r;
    REQUIRE_OK(memmap_shm_open(&w, name, 10000, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    CHECK_EQ_U(memmap_size(w), 10000);
    CHECK_EQ(((unsigned char *)memmap_data(w))[9999], 0);
    test_pattern(memmap_data(w), 0, 10000);
    /* Length 0 maps the existing object whole. */
    REQUIRE_OK(memmap_shm_open(&r, name, 0, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(r), 10000);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(r), 0, 10000), (size_t)-1);
    CHECK_EQ_U(memmap_flags(r), MEMMAP_READ);
    CHECK_CODE(memmap_protect(r, 0, 0, MEMMAP_WRITE), MEMMAP_EACCES);
    memmap_close(r);
    CHECK_OK(memmap_shm_unlink(name));
    /* Maps stay valid after unlink. */
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(w), 0, 10000), (size_t)-1);
    CHECK_OK(memmap_close(w));
#ifndef _WIN32
    CHECK_CODE(memmap_shm_open(&r, name, 0, MEMMAP_READ), MEMMAP_ENOENT);
    CHECK_CODE(memmap_shm_unlink(name), MEMMAP_ENOENT);
#endif
}

TEST(shm_excl_refuses_an_existing_object)
{
    const char *name = test_shm_name("b");
    memmap_t *a, *b;
    REQUIRE_OK(memmap_shm_open(&a, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE));
    ((unsigned char *)memmap_data(a))[0] = 5;
    CHECK_CODE(memmap_shm_open(&b, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL), MEMMAP_EEXIST);
    CHECK(b == NULL);
    /* CREATE without EXCL opens it, contents intact. */
    REQUIRE_OK(memmap_shm_open(&b, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE));
    CHECK_EQ(((unsigned char *)memmap_data(b))[0], 5);
    memmap_close(b);
    memmap_close(a);
    memmap_shm_unlink(name);
}

TEST(shm_missing_without_create_is_enoent)
{
    memmap_t *m = (memmap_t *)1;
    CHECK_CODE(memmap_shm_open(&m, test_shm_name("missing"), 0, MEMMAP_READ), MEMMAP_ENOENT);
    CHECK(m == NULL);
    CHECK_CODE(memmap_shm_open(&m, test_shm_name("missing"), 100, MEMMAP_WRITE), MEMMAP_ENOENT);
}

TEST(shm_names_are_validated)
{
    static const char *const bad[] = {"", ".", "..", "a/b", "/abc", "a b", "caf\xc3\xa9", "a\\b", "x:y", "a*"};
    char long_name[202];
    memmap_t *m;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_CODE(memmap_shm_open(&m, bad[i], 10, MEMMAP_WRITE | MEMMAP_CREATE), MEMMAP_EINVAL);
        CHECK_CODE(memmap_shm_unlink(bad[i]), MEMMAP_EINVAL);
    }
    CHECK_CODE(memmap_shm_open(&m, NULL, 10, MEMMAP_WRITE | MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_unlink(NULL), MEMMAP_EINVAL);
    memset(long_name, 'n', 201);
    long_name[201] = '\0';
    CHECK_CODE(memmap_shm_open(&m, long_name, 10, MEMMAP_WRITE | MEMMAP_CREATE), MEMMAP_EINVAL);
    /* 200 characters, and every allowed character, are fine. */
    long_name[200] = '\0';
    REQUIRE_OK(memmap_shm_open(&m, long_name, 10, MEMMAP_WRITE | MEMMAP_CREATE));
    memmap_close(m);
    CHECK_OK(memmap_shm_unlink(long_name));
    REQUIRE_OK(memmap_shm_open(&m, "memmap-test.Az09_-.", 10, MEMMAP_WRITE | MEMMAP_CREATE));
    memmap_close(m);
    CHECK_OK(memmap_shm_unlink("memmap-test.Az09_-."));
}

TEST(shm_flags_are_checked)
{
    memmap_t *m;
    const char *name = test_shm_name("flags");
    CHECK_CODE(memmap_shm_open(NULL, name, 10, MEMMAP_WRITE | MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_open(&m, name, 10, MEMMAP_COPY | MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_open(&m, name, 10, MEMMAP_SHARED | MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_open(&m, name, 10, MEMMAP_EXCL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_shm_open(&m, name, 10, MEMMAP_TRUNCATE | MEMMAP_CREATE), MEMMAP_EINVAL);
}

TEST(shm_read_only_cannot_grow)
{
    const char *name = test_shm_name("ro");
    memmap_t *w, *r;
    REQUIRE_OK(memmap_shm_open(&w, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE));
    CHECK_CODE(memmap_shm_open(&r, name, 8192, MEMMAP_READ), MEMMAP_ERANGE);
    REQUIRE_OK(memmap_shm_open(&r, name, 100, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(r), 100);
    CHECK_CODE(memmap_resize(r, 8192, 0), MEMMAP_ERANGE);
    memmap_close(r);
    memmap_close(w);
    memmap_shm_unlink(name);
}

#ifndef _WIN32
/* POSIX objects can grow like files; Windows sections cannot (see the README). */
TEST(shm_grows_and_truncates)
{
    const char *name = test_shm_name("grow");
    memmap_t *a, *b;
    REQUIRE_OK(memmap_shm_open(&a, name, 4096, MEMMAP_WRITE | MEMMAP_CREATE));
    test_pattern(memmap_data(a), 0, 4096);
    REQUIRE_OK(memmap_resize(a, 1 << 20, 0));
    REQUIRE_OK(memmap_shm_open(&b, name, 0, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(b), 1 << 20);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(b), 0, 4096), (size_t)-1);
    memmap_close(b);
    REQUIRE_OK(memmap_resize(a, 100, MEMMAP_TRUNCATE));
    REQUIRE_OK(memmap_shm_open(&b, name, 0, MEMMAP_READ));
    CHECK_EQ_U(memmap_size(b), 100);
    memmap_close(b);
    memmap_close(a);
    memmap_shm_unlink(name);
}

TEST(shm_objects_are_private_to_the_owner)
{
    const char *name = test_shm_name("mode");
    char path[300];
    struct stat st;
    memmap_t *m;
    mode_t old = umask(0);
    int rc = memmap_shm_open(&m, name, 10, MEMMAP_WRITE | MEMMAP_CREATE);
    umask(old);
    REQUIRE_OK(rc);
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    if (stat(path, &st) != 0) {
        memmap_close(m);
        memmap_shm_unlink(name);
        SKIP("this system keeps shm objects outside /dev/shm, where the test looks");
    }
    CHECK_EQ(st.st_mode & 0777, 0600);
    memmap_close(m);
    memmap_shm_unlink(name);
}
#endif

/* An unrelated process (started with exec / CreateProcess) opens the object by name,
 * checks what the parent wrote, and answers through it. */
CHILD(shm_peer)
{
    memmap_t *m;
    unsigned char *p;
    if (argc < 1 || memmap_shm_open(&m, argv[0], 0, MEMMAP_WRITE) != 0)
        return 2;
    p = memmap_data(m);
    if (memmap_size(m) != 65536 || test_pattern_mismatch(p + 1, 1, 65535) != (size_t)-1)
        return 3;
    p[0] = 0x42;
    memmap_close(m);
    return 0;
}

TEST(shm_is_shared_with_an_unrelated_process)
{
    const char *name = test_shm_name("peer");
    const char *args[1];
    memmap_t *m;
    REQUIRE_OK(memmap_shm_open(&m, name, 65536, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    test_pattern(memmap_data(m), 0, 65536);
    ((unsigned char *)memmap_data(m))[0] = 0;
    args[0] = name;
    CHECK_EQ(test_spawn_self("shm_peer", args, 1), 0);
    CHECK_EQ(((unsigned char *)memmap_data(m))[0], 0x42);
    memmap_close(m);
    memmap_shm_unlink(name);
}
