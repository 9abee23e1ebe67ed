/* SPDX-License-Identifier: MIT */
/* Opening files: access modes, creation, truncation, adopting a caller's file, file types. */
#include "harness.h"

#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <sys/socket.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

TEST(read_only_sees_file_contents)
{
    const char *path = test_pattern_file("f", 10000);
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, NULL));
    CHECK_EQ_U(memmap_size(m), 10000);
    CHECK_EQ_U(memmap_offset(m), 0);
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 10000), (size_t)-1);
    CHECK_OK(memmap_close(m));
}

TEST(read_flag_is_implied)
{
    const char *path = test_pattern_file("f", 100);
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, 0, NULL));
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 100), (size_t)-1);
    memmap_close(m);
}

TEST(write_reaches_file_and_other_maps)
{
    const char *path = test_pattern_file("f", 8192);
    memmap_t *a, *b;
    unsigned char byte = 0;
    REQUIRE_OK(memmap_open(&a, path, MEMMAP_WRITE, NULL));
    REQUIRE_OK(memmap_open(&b, path, MEMMAP_READ, NULL));
    CHECK_EQ_U(memmap_flags(a), MEMMAP_READ | MEMMAP_WRITE);
    ((unsigned char *)memmap_data(a))[5000] = 0xA5;
    CHECK_EQ(((unsigned char *)memmap_data(b))[5000], 0xA5);
    CHECK_OK(memmap_sync(a, 0, 0, 0));
    CHECK_EQ(test_read_file(path, 5000, &byte, 1), 1);
    CHECK_EQ(byte, 0xA5);
    CHECK_OK(memmap_close(a));
    CHECK_OK(memmap_close(b));
}

TEST(copy_is_private)
{
    const char *path = test_pattern_file("f", 8192);
    memmap_t *c, *r;
    unsigned char byte = 0, before;
    REQUIRE_OK(memmap_open(&c, path, MEMMAP_COPY, NULL));
    REQUIRE_OK(memmap_open(&r, path, MEMMAP_READ, NULL));
    CHECK_EQ_U(memmap_flags(c), MEMMAP_READ | MEMMAP_COPY);
    before = ((unsigned char *)memmap_data(r))[100];
    ((unsigned char *)memmap_data(c))[100] = (unsigned char)~before;
    CHECK_EQ(((unsigned char *)memmap_data(c))[100], (unsigned char)~before);
    CHECK_EQ(((unsigned char *)memmap_data(r))[100], before);
    CHECK_OK(memmap_sync(c, 0, 0, 0));
    CHECK_OK(memmap_close(c));
    CHECK_EQ(test_read_file(path, 100, &byte, 1), 1);
    CHECK_EQ(byte, before);
    CHECK_OK(memmap_close(r));
}

TEST(write_and_copy_together_is_einval)
{
    const char *path = test_pattern_file("f", 100);
    memmap_t *m = (memmap_t *)1;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_COPY, NULL), MEMMAP_EINVAL);
    CHECK(m == NULL);
}

TEST(create_makes_file)
{
    const char *path = test_path("new");
    memmap_options opt = {0, 4096, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    CHECK_EQ(test_file_size(path), 4096);
    CHECK_EQ(((unsigned char *)memmap_data(m))[4095], 0);
    memcpy(memmap_data(m), "hello", 5);
    CHECK_OK(memmap_close(m));
    {
        char buf[5];
        CHECK_EQ(test_read_file(path, 0, buf, 5), 5);
        CHECK(memcmp(buf, "hello", 5) == 0);
    }
}

TEST(create_without_length_gives_empty_map)
{
    const char *path = test_path("new");
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, NULL));
    CHECK_EQ_U(memmap_size(m), 0);
    CHECK(memmap_data(m) != NULL);
    CHECK_EQ(test_file_size(path), 0);
    memmap_close(m);
}

TEST(excl_refuses_existing_file)
{
    const char *path = test_pattern_file("f", 10);
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, NULL), MEMMAP_EEXIST);
    CHECK(m == NULL);
    CHECK_EQ(test_file_size(path), 10);
    REQUIRE_OK(memmap_open(&m, test_path("other"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, NULL));
    memmap_close(m);
}

TEST(excl_without_create_is_einval)
{
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, test_path("x"), MEMMAP_WRITE | MEMMAP_EXCL, NULL), MEMMAP_EINVAL);
}

TEST(truncate_sets_length_to_offset_plus_length)
{
    const char *path = test_pattern_file("f", 100000);
    memmap_options opt = {1000, 500, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_TRUNCATE, &opt));
    CHECK_EQ(test_file_size(path), 1500);
    CHECK_EQ_U(memmap_size(m), 500);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 1000, 500), (size_t)-1);
    memmap_close(m);

    opt.length = 0;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_TRUNCATE, &opt));
    CHECK_EQ(test_file_size(path), 1000);
    CHECK_EQ_U(memmap_size(m), 0);
    memmap_close(m);

    opt.length = 9000;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_TRUNCATE, &opt));
    CHECK_EQ(test_file_size(path), 10000);
    CHECK_EQ(((unsigned char *)memmap_data(m))[8999], 0);
    memmap_close(m);
}

TEST(truncate_needs_write)
{
    const char *path = test_pattern_file("f", 100);
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, path, MEMMAP_TRUNCATE, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_COPY | MEMMAP_TRUNCATE, NULL), MEMMAP_EINVAL);
    CHECK_EQ(test_file_size(path), 100);
}

TEST(missing_file_is_enoent)
{
    memmap_t *m = (memmap_t *)1;
    CHECK_CODE(memmap_open(&m, test_path("missing"), MEMMAP_READ, NULL), MEMMAP_ENOENT);
    CHECK(m == NULL);
    CHECK(memmap_last_os_error() != 0);
    CHECK_CODE(memmap_open(&m, test_path("missing/below"), MEMMAP_WRITE | MEMMAP_CREATE, NULL), MEMMAP_ENOENT);
}

TEST(directory_is_eisdir)
{
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, test_dir(), MEMMAP_READ, NULL), MEMMAP_EISDIR);
#ifndef _WIN32
    CHECK_CODE(memmap_open(&m, test_dir(), MEMMAP_WRITE, NULL), MEMMAP_EISDIR);
#endif
}

TEST(bad_arguments_are_einval)
{
    const char *path = test_pattern_file("f", 100);
    memmap_options bad_mode = {0, 0, 010000};
    memmap_t *m;
    CHECK_CODE(memmap_open(NULL, path, MEMMAP_READ, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, NULL, MEMMAP_READ, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, path, 0x80000000u, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_SHARED, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_NOMOVE, NULL), MEMMAP_EINVAL);
    CHECK_CODE(memmap_open(&m, path, MEMMAP_READ, &bad_mode), MEMMAP_EINVAL);
    CHECK_EQ(memmap_last_os_error(), 0);
}

TEST(exec_map_is_readable)
{
    const char *path = test_pattern_file("f", 4096);
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ | MEMMAP_EXEC, NULL));
    CHECK_EQ_U(memmap_flags(m), MEMMAP_READ | MEMMAP_EXEC);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 4096), (size_t)-1);
    memmap_close(m);
}

TEST(populate_maps_the_same_data)
{
    const char *path = test_pattern_file("f", 300000);
    memmap_t *m;
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ | MEMMAP_POPULATE, NULL));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 300000), (size_t)-1);
    memmap_close(m);
}

TEST(null_map_accessors_are_safe)
{
    CHECK(memmap_data(NULL) == NULL);
    CHECK_EQ_U(memmap_size(NULL), 0);
    CHECK_EQ_U(memmap_offset(NULL), 0);
    CHECK_EQ_U(memmap_flags(NULL), 0);
    CHECK_OK(memmap_close(NULL));
}

/* --- memmap_open_file ------------------------------------------------------- */

#ifdef _WIN32
typedef HANDLE native_file;
static native_file open_native(const char *path, int writable)
{
    return CreateFileA(path, GENERIC_READ | (writable ? GENERIC_WRITE : 0), FILE_SHARE_READ | FILE_SHARE_WRITE,
                       NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
}
static void close_native(native_file f) { CloseHandle(f); }
#else
typedef int native_file;
static native_file open_native(const char *path, int writable)
{
    return open(path, writable ? O_RDWR : O_RDONLY);
}
static void close_native(native_file f) { close(f); }
#endif

TEST(open_file_maps_and_caller_may_close)
{
    const char *path = test_pattern_file("f", 20000);
    native_file f = open_native(path, 1);
    memmap_options opt = {3, 10000, 0};
    memmap_t *m;
    REQUIRE_OK(memmap_open_file(&m, f, MEMMAP_WRITE, &opt));
    close_native(f);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 3, 10000), (size_t)-1);
    ((unsigned char *)memmap_data(m))[0] = 0x11;
    /* Sync and resize use the map's own duplicate of the file. */
    CHECK_OK(memmap_sync(m, 0, 1, 0));
    CHECK_OK(memmap_resize(m, 30000, 0));
    CHECK_EQ(test_file_size(path), 30003);
    CHECK_OK(memmap_close(m));
    {
        unsigned char b = 0;
        CHECK_EQ(test_read_file(path, 3, &b, 1), 1);
        CHECK_EQ(b, 0x11);
    }
}

TEST(open_file_needs_matching_access)
{
    const char *path = test_pattern_file("f", 100);
    native_file f = open_native(path, 0);
    memmap_t *m;
    CHECK_CODE(memmap_open_file(&m, f, MEMMAP_WRITE, NULL), MEMMAP_EACCES);
    CHECK(m == NULL);
    CHECK_CODE(memmap_open_file(&m, f, MEMMAP_WRITE | MEMMAP_TRUNCATE, NULL), MEMMAP_EACCES);
    REQUIRE_OK(memmap_open_file(&m, f, MEMMAP_COPY, NULL));
    memmap_close(m);
    CHECK_CODE(memmap_open_file(&m, f, MEMMAP_READ | MEMMAP_CREATE, NULL), MEMMAP_EINVAL);
    close_native(f);
}

TEST(open_file_rejects_invalid_files)
{
    memmap_t *m;
#ifdef _WIN32
    CHECK_CODE(memmap_open_file(&m, INVALID_HANDLE_VALUE, MEMMAP_READ, NULL), MEMMAP_EBADF);
    CHECK_CODE(memmap_open_file(&m, NULL, MEMMAP_READ, NULL), MEMMAP_EBADF);
#else
    int fd = open(test_pattern_file("f", 10), O_RDONLY);
    close(fd); /* now a closed descriptor */
    CHECK_CODE(memmap_open_file(&m, -1, MEMMAP_READ, NULL), MEMMAP_EBADF);
    CHECK_CODE(memmap_open_file(&m, fd, MEMMAP_READ, NULL), MEMMAP_EBADF);
    CHECK_CODE(memmap_open_file(&m, 1 << 20, MEMMAP_READ, NULL), MEMMAP_EBADF);
#endif
    CHECK(m == NULL);
}

#ifndef _WIN32
TEST(write_only_descriptor_is_eacces)
{
    int fd = open(test_pattern_file("f", 100), O_WRONLY);
    memmap_t *m;
    CHECK_CODE(memmap_open_file(&m, fd, MEMMAP_READ, NULL), MEMMAP_EACCES);
    close(fd);
}

TEST(fifo_socket_and_terminal_are_enodev)
{
    const char *fifo = test_path("fifo");
    int sv[2];
    memmap_t *m;
    memmap_options opt = {0, 4096, 0};
    REQUIRE(mkfifo(fifo, 0600) == 0);
    /* Opened read-only with no writer: must not block. */
    CHECK_CODE(memmap_open(&m, fifo, MEMMAP_READ, NULL), MEMMAP_ENODEV);
    CHECK_CODE(memmap_open(&m, fifo, MEMMAP_WRITE, &opt), MEMMAP_ENODEV);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_CODE(memmap_open_file(&m, sv[0], MEMMAP_READ, NULL), MEMMAP_ENODEV);
    CHECK_CODE(memmap_open_file(&m, sv[0], MEMMAP_READ, &opt), MEMMAP_ENODEV);
    close(sv[0]);
    close(sv[1]);
    {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        CHECK_CODE(memmap_open_file(&m, fds[0], MEMMAP_READ, &opt), MEMMAP_ENODEV);
        close(fds[0]);
        close(fds[1]);
    }
    {
        int tty = open("/dev/ptmx", O_RDWR | O_NOCTTY);
        if (tty >= 0) {
            CHECK_CODE(memmap_open_file(&m, tty, MEMMAP_READ, &opt), MEMMAP_ENODEV);
            close(tty);
        }
    }
}

TEST(devices_need_a_length_and_may_refuse)
{
    memmap_options opt = {0, 8192, 0};
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, "/dev/null", MEMMAP_READ, NULL), MEMMAP_ENODEV);
    CHECK_CODE(memmap_open(&m, "/dev/null", MEMMAP_READ, &opt), MEMMAP_ENODEV);
    /* /dev/zero can be mapped: a private map of it reads zeros. */
    REQUIRE_OK(memmap_open(&m, "/dev/zero", MEMMAP_COPY, &opt));
    CHECK_EQ_U(memmap_size(m), 8192);
    CHECK_EQ(((unsigned char *)memmap_data(m))[8191], 0);
    ((unsigned char *)memmap_data(m))[0] = 1;
    memmap_close(m);
}

/* Tries to open argv[0] for writing, as an unprivileged user when started as root. */
CHILD(open_read_only_file_for_write)
{
    memmap_t *m;
    int rc;
    (void)argc;
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        return 10;
    if (access(argv[0], W_OK) == 0)
        return 11; /* still privileged: the check would prove nothing */
    if ((rc = memmap_open(&m, argv[0], MEMMAP_WRITE, NULL)) != MEMMAP_EACCES)
        return 12;
    if ((rc = memmap_open(&m, argv[0], MEMMAP_READ, NULL)) != 0)
        return 13;
    memmap_close(m);
    return 0;
}

TEST(read_only_file_cannot_be_opened_for_write)
{
    const char *path = test_pattern_file("f", 100);
    const char *args[1];
    REQUIRE(chmod(path, 0444) == 0);
    /* Let the unprivileged child reach the file. */
    REQUIRE(chmod(test_dir(), 0755) == 0);
    args[0] = path;
    CHECK_EQ(test_spawn_self("open_read_only_file_for_write", args, 1), 0);
}

TEST(created_files_honour_mode_and_umask)
{
    memmap_options opt = {0, 10, 0640};
    memmap_t *m;
    struct stat st;
    mode_t old = umask(027);
    int rc = memmap_open(&m, test_path("a"), MEMMAP_WRITE | MEMMAP_CREATE, &opt);
    umask(old);
    REQUIRE_OK(rc);
    memmap_close(m);
    REQUIRE(stat(test_path("a"), &st) == 0);
    CHECK_EQ(st.st_mode & 0777, 0640);

    old = umask(077);
    rc = memmap_open(&m, test_path("b"), MEMMAP_WRITE | MEMMAP_CREATE, NULL);
    umask(old);
    REQUIRE_OK(rc);
    memmap_close(m);
    REQUIRE(stat(test_path("b"), &st) == 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
}

TEST(library_descriptors_are_close_on_exec)
{
    const char *path = test_pattern_file("f", 100);
    int fd = open(path, O_RDONLY), before, after;
    memmap_t *a, *b;
    close(fd);
    before = fd; /* the lowest free descriptor */
    REQUIRE_OK(memmap_open(&a, path, MEMMAP_READ, NULL));
    fd = open(path, O_RDONLY);
    REQUIRE_OK(memmap_open_file(&b, fd, MEMMAP_READ, NULL));
    close(fd);
    /* The library's descriptors are the lowest ones it got: check their flags. */
    for (after = before; after < before + 4; after++) {
        int flags = fcntl(after, F_GETFD);
        if (flags >= 0 && after != fd)
            CHECK(flags & FD_CLOEXEC);
    }
    memmap_close(a);
    memmap_close(b);
}
#endif
