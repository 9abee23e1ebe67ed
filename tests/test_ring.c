/* SPDX-License-Identifier: MIT */
/*
 * memmap_ring: one object mapped twice, back to back.  The mirror holds at
 * every offset, ranges across the wrap are contiguous, two processes see one
 * named ring, the name goes away, bad lengths are refused, and no file shows
 * up anywhere.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#elif !defined(_WIN32)
#  define _XOPEN_SOURCE 700
#  define _DARWIN_C_SOURCE
#endif
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#  include <dirent.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

static size_t granule(void) { return memmap_granularity(); }

static memmap_t *anonymous_ring(size_t length)
{
    memmap_t *m = NULL;
    REQUIRE_OK(memmap_ring(&m, NULL, length, 0));
    return m;
}

TEST(mirror_holds_at_every_offset)
{
    size_t len = 2 * granule(), i;
    memmap_t *m = anonymous_ring(len);
    unsigned char *data = memmap_data(m);

    CHECK_EQ_U(memmap_size(m), len);
    CHECK_EQ_U(memmap_capacity(m), len);
    for (i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 7 + 1);
    for (i = 0; i < len; i++)
        if (data[i + len] != (unsigned char)(i * 7 + 1))
            break;
    CHECK_EQ_U(i, len);
    /* And the other way: stores through the second view show in the first. */
    for (i = 0; i < len; i++)
        data[len + i] = (unsigned char)(i * 13 + 5);
    for (i = 0; i < len; i++)
        if (data[i] != (unsigned char)(i * 13 + 5))
            break;
    CHECK_EQ_U(i, len);
    CHECK_OK(memmap_close(m));
}

TEST(ranges_across_the_wrap_are_contiguous)
{
    size_t len = granule(), at;
    memmap_t *m = anonymous_ring(len);
    unsigned char *data = memmap_data(m), *record = malloc(len), *back = malloc(len);

    REQUIRE(record && back);
    /* A record of the ring's whole length, at every start a page apart and
     * at odd starts near the end: written in one piece, it wraps. */
    for (at = 1; at < len; at += at < len - 64 ? memmap_page_size() - 1 : 1) {
        test_pattern(record, at, len);
        memcpy(data + at, record, len);
        /* Read back in two pieces at the wrap, as a ring without a mirror must. */
        memcpy(back, data + at, len - at);
        memcpy(back + (len - at), data, at);
        CHECK(memcmp(back, record, len) == 0);
        /* And through the guarded calls, in one piece. */
        CHECK_OK(memmap_read(m, at, back, len));
        CHECK(memcmp(back, record, len) == 0);
    }
    free(record);
    free(back);
    CHECK_OK(memmap_close(m));
}

TEST(guarded_calls_reach_both_views)
{
    size_t len = granule();
    memmap_t *m = anonymous_ring(len);
    unsigned char buf[32];
    size_t found = 0;

    CHECK_OK(memmap_write(m, len - 10, "across the wrap!", 16));
    CHECK(memcmp(memmap_data(m), " wrap!", 6) == 0);
    CHECK_OK(memmap_read(m, 2 * len - 16, buf, 16));
    CHECK_CODE(memmap_read(m, 2 * len - 15, buf, 16), MEMMAP_ERANGE);
    CHECK_CODE(memmap_write(m, 2 * len, buf, 1), MEMMAP_ERANGE);
    CHECK_OK(memmap_probe(m, 0, 2 * len, MEMMAP_READ | MEMMAP_WRITE));
    CHECK_OK(memmap_find(m, 0, 2 * len, "wrap", 4, 0, &found));
    CHECK_EQ_U(found, 1);
    CHECK_OK(memmap_find(m, 0, 2 * len, "the wrap", 8, 0, &found));
    CHECK_EQ_U(found, len - 3);
    CHECK_OK(memmap_move(m, 2 * len - 6, len - 10, 6));
    CHECK(memcmp((unsigned char *)memmap_data(m) + len - 6, "across", 6) == 0);
    CHECK_OK(memmap_close(m));
}

TEST(range_operations_act_on_both_views)
{
    size_t len = 4 * granule(), page = memmap_page_size();
    memmap_t *m = anonymous_ring(len);

    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_OK(memmap_advise(m, 0, 0, MEMMAP_ADVICE_WILLNEED));
    CHECK_OK(memmap_protect(m, page, page, MEMMAP_READ));
    CHECK_CODE(memmap_probe(m, page, page, MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_CODE(memmap_probe(m, len + page, page, MEMMAP_WRITE), MEMMAP_EIO);
    CHECK_OK(memmap_probe(m, len + 2 * page, page, MEMMAP_WRITE));
    CHECK_OK(memmap_protect(m, page, page, MEMMAP_READ | MEMMAP_WRITE));
    CHECK_OK(memmap_probe(m, len + page, page, MEMMAP_WRITE));
    if (memmap_lock(m, 0, page) == 0)
        CHECK_OK(memmap_unlock(m, 0, page));
    /* Ranges of these calls lie in the first view. */
    CHECK_CODE(memmap_protect(m, len, page, MEMMAP_READ), MEMMAP_ERANGE);
    CHECK_CODE(memmap_sync(m, len, 1, 0), MEMMAP_ERANGE);
    CHECK_OK(memmap_close(m));
}

TEST(a_ring_cannot_change_its_length)
{
    memmap_t *m = anonymous_ring(granule());
    void *data = memmap_data(m);
    CHECK_CODE(memmap_resize(m, 2 * granule(), 0), MEMMAP_ENOTSUP);
    CHECK_CODE(memmap_resize(m, granule() / 2, 0), MEMMAP_ENOTSUP);
    CHECK_CODE(memmap_reserve(m, 4 * granule(), 0), MEMMAP_ENOTSUP);
    CHECK_OK(memmap_reserve(m, granule(), 0));
    CHECK(memmap_data(m) == data);
    CHECK_EQ_U(memmap_size(m), granule());
    CHECK_OK(memmap_close(m));
}

TEST(bad_lengths_names_and_flags_are_refused)
{
    memmap_t *m = (memmap_t *)&m;
    CHECK_CODE(memmap_ring(NULL, NULL, granule(), 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, NULL, 0, 0), MEMMAP_EINVAL);
    CHECK(m == NULL);
    CHECK_CODE(memmap_ring(&m, NULL, granule() - 1, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, NULL, granule() + 1, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, NULL, granule() / 2, 0), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, NULL, SIZE_MAX - SIZE_MAX % granule(), 0), MEMMAP_ENOMEM);
    /* Within the address space but more than the machine's memory: refused
     * before anything is allocated, not ended by the OOM killer. */
    if (sizeof(size_t) >= 8)
        CHECK_CODE(memmap_ring(&m, NULL, (SIZE_MAX / 4) - (SIZE_MAX / 4) % granule(), 0), MEMMAP_ENOMEM);
    CHECK_CODE(memmap_ring(&m, NULL, granule(), MEMMAP_CREATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, NULL, granule(), MEMMAP_TRUNCATE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, "bad/name", granule(), MEMMAP_CREATE | MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, "", granule(), MEMMAP_CREATE | MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK_CODE(memmap_ring(&m, test_shm_name("x"), granule(), MEMMAP_EXCL | MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK(m == NULL);
}

TEST(named_ring_is_shared_and_exclusive_create_works)
{
    const char *name = test_shm_name("ring");
    size_t len = granule();
    memmap_t *a = NULL, *b = NULL;

    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_ring(&a, name, len, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL));
    CHECK_CODE(memmap_ring(&b, name, len, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL), MEMMAP_EEXIST);
    REQUIRE_OK(memmap_ring(&b, name, len, MEMMAP_WRITE));
    memcpy((unsigned char *)memmap_data(a) + len - 3, "shared", 6);
    CHECK(memcmp(memmap_data(b), "red", 3) == 0);
    CHECK(memcmp((unsigned char *)memmap_data(b) + len - 3, "shared", 6) == 0);
    /* Another length is another ring. */
    CHECK_OK(memmap_close(b));
    CHECK_CODE(memmap_ring(&b, name, 2 * len, MEMMAP_WRITE), MEMMAP_EINVAL);
    CHECK(b == NULL);
    CHECK_OK(memmap_close(a));
    CHECK_OK(memmap_shm_unlink(name));
}

TEST(read_only_named_ring_refuses_writes)
{
    const char *name = test_shm_name("ro");
    memmap_t *w = NULL, *r = NULL;

    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_ring(&w, name, granule(), MEMMAP_WRITE | MEMMAP_CREATE));
    REQUIRE_OK(memmap_ring(&r, name, granule(), MEMMAP_READ));
    CHECK_EQ_U(memmap_flags(r) & MEMMAP_WRITE, 0);
    CHECK_CODE(memmap_write(r, 0, "x", 1), MEMMAP_EACCES);
    CHECK_CODE(memmap_probe(r, granule(), 1, MEMMAP_WRITE), MEMMAP_EACCES);
    ((unsigned char *)memmap_data(w))[5] = 99;
    CHECK(((unsigned char *)memmap_data(r))[granule() + 5] == 99);
    memmap_close(r);
    memmap_close(w);
    memmap_shm_unlink(name);
}

TEST(unlink_removes_the_name)
{
    const char *name = test_shm_name("gone");
    memmap_t *m = NULL, *again = NULL;

    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_ring(&m, name, granule(), MEMMAP_WRITE | MEMMAP_CREATE));
    ((unsigned char *)memmap_data(m))[0] = 1;
    CHECK_OK(memmap_shm_unlink(name));
#ifndef _WIN32
    /* POSIX removes the name now; Windows when the last map closes. */
    CHECK_CODE(memmap_ring(&again, name, granule(), MEMMAP_WRITE), MEMMAP_ENOENT);
#endif
    /* The map stays valid. */
    CHECK(((unsigned char *)memmap_data(m))[granule()] == 1);
    CHECK_OK(memmap_close(m));
    CHECK_CODE(memmap_ring(&again, name, granule(), MEMMAP_WRITE), MEMMAP_ENOENT);
}

/* argv: the ring's name and length.  Checks what the parent wrote across the
 * wrap and answers across it too. */
CHILD(ring_peer)
{
    memmap_t *m = NULL;
    size_t len;
    unsigned char *p;
    if (argc < 2)
        return 2;
    len = (size_t)strtoull(argv[1], NULL, 10);
    if (memmap_ring(&m, argv[0], len, MEMMAP_WRITE) != 0)
        return 3;
    p = memmap_data(m);
    if (memcmp(p + len - 4, "parent!!", 8) != 0 || memcmp(p, "nt!!", 4) != 0)
        return 4;
    memcpy(p + len - 2, "child", 5);
    memmap_close(m);
    return 0;
}

TEST(two_processes_share_a_named_ring)
{
    const char *name = test_shm_name("peer");
    const char *args[2];
    char len_text[32];
    memmap_t *m = NULL;
    unsigned char *p;

    memmap_shm_unlink(name);
    REQUIRE_OK(memmap_ring(&m, name, granule(), MEMMAP_WRITE | MEMMAP_CREATE));
    p = memmap_data(m);
    memcpy(p + granule() - 4, "parent!!", 8);
    snprintf(len_text, sizeof len_text, "%zu", granule());
    args[0] = name;
    args[1] = len_text;
    CHECK_EQ(test_spawn_self("ring_peer", args, 2), 0);
    CHECK(memcmp(p + granule() - 2, "child", 5) == 0);
    CHECK(memcmp(p, "ild", 3) == 0);
    memmap_close(m);
    memmap_shm_unlink(name);
}

#ifndef _WIN32
TEST(anonymous_ring_is_shared_with_forked_children)
{
    memmap_t *m = anonymous_ring(granule());
    unsigned char *p = memmap_data(m);
    pid_t child;
    int status = 0;

    child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        memcpy(p + granule() - 1, "ab", 2);
        _exit(0);
    }
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[granule() - 1] == 'a' && p[0] == 'b');
    memmap_close(m);
}

/* The entries of a directory, as one string; "" when it cannot be read. */
static char *list_directory(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *entry;
    size_t used = 0, cap = 1;
    char *all = calloc(1, 1);
    if (!dir)
        return all;
    while (all && (entry = readdir(dir)) != NULL) {
        size_t n = strlen(entry->d_name) + 1;
        char *grown = realloc(all, cap + n);
        if (!grown)
            break;
        all = grown;
        cap += n;
        memcpy(all + used, entry->d_name, n - 1);
        all[used + n - 1] = '\n';
        used += n;
        all[used] = '\0';
    }
    closedir(dir);
    return all;
}

TEST(anonymous_ring_leaves_no_file_anywhere)
{
    const char *dirs[] = {"/dev/shm", "/tmp", "/var/tmp"};
    char *before[3], *after[3];
    memmap_t *m;
    size_t i;

    for (i = 0; i < 3; i++)
        before[i] = list_directory(dirs[i]);
    m = anonymous_ring(4 * granule());
    for (i = 0; i < 3; i++)
        after[i] = list_directory(dirs[i]);
    for (i = 0; i < 3; i++) {
        CHECK(strstr(after[i], "memmap") == NULL || strstr(before[i], "memmap") != NULL);
        /* Other tests run at the same time: only memmap's own names are looked for. */
        free(before[i]);
        free(after[i]);
    }
    memmap_close(m);
}
#endif
