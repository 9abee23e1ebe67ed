/* SPDX-License-Identifier: MIT */
/*
 * Windows forms of the POSIX-only file tests (descriptor access, FIFOs and
 * devices, permissions, close-on-exec, allocation, truncation by another
 * process), and what only Windows has: UTF-16 paths, sharing modes, the 64 KiB
 * allocation granularity.
 */
// labels: win32
#include "harness.h"
#include "internal.h"

#include <stdlib.h>
#include <wchar.h>
#include <windows.h>

/* test_path(name) as UTF-16 (the harness's directory is in the ANSI code page). */
static wchar_t *wide_path(const wchar_t *name)
{
    static wchar_t path[1400];
    int n = MultiByteToWideChar(CP_ACP, 0, test_dir(), -1, path, 1200);
    REQUIRE(n > 0);
    _snwprintf(path + n - 1, 1400 - (size_t)n, L"\\%ls", name);
    return path;
}

static HANDLE open_handle(const char *path, DWORD access)
{
    return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
}

static void write_pattern_file(const char *path, size_t len)
{
    unsigned char *buf = malloc(len);
    REQUIRE(buf != NULL);
    test_pattern(buf, 0, len);
    REQUIRE(test_write_file(path, buf, len) == 0);
    free(buf);
}

static uint64_t allocated_bytes(const char *path)
{
    FILE_STANDARD_INFO info;
    HANDLE h = open_handle(path, GENERIC_READ);
    BOOL ok;
    REQUIRE(h != INVALID_HANDLE_VALUE);
    ok = GetFileInformationByHandleEx(h, FileStandardInfo, &info, sizeof info);
    CloseHandle(h);
    REQUIRE(ok);
    return (uint64_t)info.AllocationSize.QuadPart;
}

/* The Windows form of write_only_descriptor_is_eacces: the handle's access is checked. */
TEST(handle_access_is_checked)
{
    const char *path = test_path("f");
    memmap_t *m = (memmap_t *)1;
    HANDLE h;
    write_pattern_file(path, 1000);

    h = open_handle(path, GENERIC_WRITE);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    CHECK_CODE(memmap_open_file(&m, h, MEMMAP_READ, NULL), MEMMAP_EACCES);
    CHECK(m == NULL);
    CloseHandle(h);

    h = open_handle(path, GENERIC_READ);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    CHECK_CODE(memmap_open_file(&m, h, MEMMAP_WRITE, NULL), MEMMAP_EACCES);
    REQUIRE_OK(memmap_open_file(&m, h, MEMMAP_COPY, NULL));
    CloseHandle(h); /* the map holds its own handle */
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 1000), (size_t)-1);
    memmap_close(m);

    CHECK_CODE(memmap_open_file(&m, INVALID_HANDLE_VALUE, MEMMAP_READ, NULL), MEMMAP_EBADF);
    CHECK_CODE(memmap_open_file(&m, NULL, MEMMAP_READ, NULL), MEMMAP_EBADF);
}

/* The Windows form of fifo_socket_and_terminal_are_enodev and devices_need_a_length. */
TEST(pipes_and_devices_are_enodev)
{
    memmap_options opt = {0, 4096, 0};
    memmap_t *m;
    HANDLE rd, wr;
    REQUIRE(CreatePipe(&rd, &wr, NULL, 0));
    CHECK_CODE(memmap_open_file(&m, rd, MEMMAP_READ, &opt), MEMMAP_ENODEV);
    CloseHandle(rd);
    CloseHandle(wr);
    CHECK_CODE(memmap_open(&m, "NUL", MEMMAP_READ, &opt), MEMMAP_ENODEV);
    CHECK_CODE(memmap_open(&m, "NUL", MEMMAP_READ, NULL), MEMMAP_ENODEV);
}

static int under_wine(void)
{
    return GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version") != NULL;
}

/* The Windows form of read_only_file_cannot_be_opened_for_write. */
TEST(read_only_attribute_refuses_write)
{
    const char *path = test_path("ro");
    memmap_t *m;
    HANDLE h;
    write_pattern_file(path, 100);
    REQUIRE(SetFileAttributesA(path, FILE_ATTRIBUTE_READONLY));
    h = open_handle(path, GENERIC_WRITE);
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        if (under_wine())
            SKIP("Wine keeps the read-only attribute as Unix permission bits, which root bypasses");
        test_fail(__FILE__, __LINE__, "Windows let a read-only file be opened for writing");
        return;
    }
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE, NULL), MEMMAP_EACCES);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, NULL));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 100), (size_t)-1);
    memmap_close(m);
}

/* The Windows form of created_files_honour_mode_and_umask: the one permission
 * Windows has at creation is read-only, set when the owner may not write. */
TEST(mode_without_owner_write_creates_a_read_only_file)
{
    memmap_options opt = {0, 100, 0444};
    memmap_t *m;
    DWORD attributes;
    REQUIRE_OK(memmap_open(&m, test_path("ro"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt));
    ((unsigned char *)memmap_data(m))[5] = 5; /* like open(O_CREAT|O_RDWR, 0444): this handle writes */
    CHECK_OK(memmap_close(m));
    attributes = GetFileAttributesA(test_path("ro"));
    CHECK(attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_READONLY));
    REQUIRE_OK(memmap_open(&m, test_path("ro"), MEMMAP_READ, NULL));
    CHECK_EQ(((unsigned char *)memmap_data(m))[5], 5);
    memmap_close(m);

    opt.mode = 0600;
    REQUIRE_OK(memmap_open(&m, test_path("rw"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt));
    memmap_close(m);
    attributes = GetFileAttributesA(test_path("rw"));
    CHECK(attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_READONLY));
}

static int inheritable(void *handle)
{
    DWORD flags = 0;
    REQUIRE(GetHandleInformation(handle, &flags));
    return (flags & HANDLE_FLAG_INHERIT) != 0;
}

/* The Windows form of library_descriptors_are_close_on_exec (white-box). */
TEST(library_handles_are_not_inheritable)
{
    memmap_options opt = {0, 100, 0};
    memmap_t *f, *s, *a;
    HANDLE h;
    REQUIRE_OK(memmap_open(&f, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    REQUIRE_OK(memmap_shm_open(&s, test_shm_name("inherit"), 100, MEMMAP_WRITE | MEMMAP_CREATE));
    REQUIRE_OK(memmap_anon(&a, 100, 0));
    CHECK(!inheritable(f->os.file));
    CHECK(!inheritable(f->os.section));
    CHECK(!inheritable(s->os.section));
    CHECK(!inheritable(a->os.section));
    memmap_close(f);

    /* Even the copy of an inheritable handle the caller passes. */
    h = open_handle(test_path("f"), GENERIC_READ);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    REQUIRE(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    REQUIRE_OK(memmap_open_file(&f, h, MEMMAP_READ, NULL));
    CHECK(!inheritable(f->os.file));
    CloseHandle(h);
    memmap_close(f);
    memmap_close(s);
    memmap_close(a);
}

/* The Windows form of growth_allocates_blocks_unless_sparse. */
TEST(growth_allocates_unless_sparse)
{
    size_t len = 8u << 20;
    memmap_options opt = {0, 0, 0};
    memmap_t *m;
    opt.length = len;
    REQUIRE_OK(memmap_open(&m, test_path("full"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    memmap_close(m);
    CHECK_EQ(test_file_size(test_path("full")), (long long)len);
    CHECK(allocated_bytes(test_path("full")) >= len);

    REQUIRE_OK(memmap_open(&m, test_path("sparse"), MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_SPARSE, &opt));
    memmap_close(m);
    CHECK_EQ(test_file_size(test_path("sparse")), (long long)len);
    CHECK(allocated_bytes(test_path("sparse")) < len / 2);
}

/* Opens the file argv[0] and tries to cut it to argv[1] bytes: exit code 0
 * when Windows refuses because the file is mapped, 1 when it allows it. */
CHILD(shorten_file)
{
    FILE_END_OF_FILE_INFO eof;
    HANDLE h;
    BOOL ok;
    if (argc < 2)
        return 2;
    h = open_handle(argv[0], GENERIC_READ | GENERIC_WRITE);
    if (h == INVALID_HANDLE_VALUE)
        return 3;
    eof.EndOfFile.QuadPart = atoll(argv[1]);
    ok = SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof);
    CloseHandle(h);
    return ok ? 1 : 0;
}

/* The Windows form of truncated_by_another_process: Windows refuses to
 * shorten a mapped file, so the map can never lose pages under it. */
TEST(mapped_file_cannot_be_shortened_by_another_process)
{
    const char *path = test_path("f");
    const char *args[2];
    memmap_t *m;
    write_pattern_file(path, 100000);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, NULL));
    args[0] = path;
    args[1] = "10";
    CHECK_EQ(test_spawn_self("shorten_file", args, 2), 0);
    CHECK_EQ(test_file_size(path), 100000);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 100000), (size_t)-1);
    memmap_close(m);
    /* With the map gone it can. */
    CHECK_EQ(test_spawn_self("shorten_file", args, 2), 1);
    CHECK_EQ(test_file_size(path), 10);
}

/* Paths are UTF-8, converted to UTF-16: the file has the intended name. */
TEST(utf8_paths_name_the_right_file)
{
    static const char name[] = "\xc3\xa9t\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.bin"; /* "été-日本.bin" */
    char path[1300];
    memmap_options opt = {0, 4, 0};
    memmap_t *m;
    HANDLE h;
    char got[4];
    DWORD n = 0;
    snprintf(path, sizeof path, "%s\\%s", test_dir(), name);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt));
    memcpy(memmap_data(m), "utf8", 4);
    CHECK_OK(memmap_close(m));
    h = CreateFileW(wide_path(L"\u00e9t\u00e9-\u65e5\u672c.bin"), GENERIC_READ, FILE_SHARE_READ, NULL,
                    OPEN_EXISTING, 0, NULL);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    CHECK(ReadFile(h, got, 4, &n, NULL) && n == 4 && memcmp(got, "utf8", 4) == 0);
    CloseHandle(h);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, NULL));
    CHECK_EQ_U(memmap_size(m), 4);
    memmap_close(m);
}

TEST(invalid_utf8_paths_are_einval)
{
    memmap_t *m;
    char path[1300];
    snprintf(path, sizeof path, "%s\\bad\xff\xfe.bin", test_dir());
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, NULL), MEMMAP_EINVAL);
    snprintf(path, sizeof path, "%s\\cut\xe6\x97.bin", test_dir());
    CHECK_CODE(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE, NULL), MEMMAP_EINVAL);
}

/* FILE_SHARE_DELETE: others may rename and delete a mapped file, as on POSIX. */
TEST(mapped_file_can_be_renamed_and_deleted)
{
    const char *path = test_path("f"), *moved = test_path("g");
    memmap_t *m;
    write_pattern_file(path, 70000);
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE, NULL));
    CHECK(MoveFileExA(path, moved, 0));
    CHECK(DeleteFileA(moved));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 70000), (size_t)-1);
    ((unsigned char *)memmap_data(m))[0] ^= 1;
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_OK(memmap_close(m));
}

/* A directory is EISDIR, as on POSIX (CreateFileW calls it access denied). */
TEST(directory_is_eisdir)
{
    memmap_t *m;
    CHECK_CODE(memmap_open(&m, test_dir(), MEMMAP_READ, NULL), MEMMAP_EISDIR);
    CHECK_CODE(memmap_open(&m, test_dir(), MEMMAP_WRITE | MEMMAP_CREATE, NULL), MEMMAP_EISDIR);
}

/* The platform's units come from the system, and offsets between two
 * granules (4 KiB-aligned, which MapViewOfFile refuses) work. */
TEST(granularity_is_the_allocation_granularity)
{
    SYSTEM_INFO info;
    memmap_options opt = {0, 5000, 0};
    memmap_t *m;
    GetSystemInfo(&info);
    CHECK_EQ_U(memmap_granularity(), info.dwAllocationGranularity);
    CHECK_EQ_U(memmap_page_size(), info.dwPageSize);
    write_pattern_file(test_path("f"), 200000);
    opt.offset = 65536 + 4096;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_READ, &opt));
    CHECK_EQ_U(((uintptr_t)m->view.base) % info.dwAllocationGranularity, 0);
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), opt.offset, 5000), (size_t)-1);
    memmap_close(m);
}

/* Paths of MAX_PATH (260) characters or more work, forward slashes included. */
TEST(paths_longer_than_max_path_work)
{
    static const char segment[] = "a-directory-name-of-fifty-characters-for-the-path";
    wchar_t dirs[6][1400];
    char path[1400];
    size_t used;
    int i;
    memmap_options opt = {0, 10, 0};
    memmap_t *m;

    /* The directories, made with the \\?\ prefix the library must add itself. */
    used = (size_t)snprintf(path, sizeof path, "%s", test_dir());
    for (i = 0; i < 6; i++) {
        wchar_t tail[1400];
        used += (size_t)snprintf(path + used, sizeof path - used, "/%s", segment);
        REQUIRE(MultiByteToWideChar(CP_ACP, 0, path, -1, tail, 1400) > 0);
        _snwprintf(dirs[i], 1400, L"\\\\?\\%ls", tail);
        for (wchar_t *c = dirs[i]; *c; c++)
            if (*c == L'/')
                *c = L'\\';
        REQUIRE(CreateDirectoryW(dirs[i], NULL));
    }
    snprintf(path + used, sizeof path - used, "/file.bin");
    REQUIRE(strlen(path) > 300);

    REQUIRE_OK(memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL, &opt));
    memcpy(memmap_data(m), "long path", 10);
    CHECK_OK(memmap_close(m));
    REQUIRE_OK(memmap_open(&m, path, MEMMAP_READ, NULL));
    CHECK(memcmp(memmap_data(m), "long path", 10) == 0);
    memmap_close(m);

    /* Clean up here: the harness removes its directory with MAX_PATH-bound calls. */
    {
        wchar_t file[1500];
        _snwprintf(file, 1500, L"%ls\\file.bin", dirs[5]);
        CHECK(DeleteFileW(file));
        for (i = 5; i >= 0; i--)
            CHECK(RemoveDirectoryW(dirs[i]));
    }
}

/* EXEC maps are PAGE_EXECUTE_* sections seen through FILE_MAP_EXECUTE views,
 * which needs a file opened with execute access: code placed in them runs. */
TEST(exec_maps_run_code)
{
#if defined(__x86_64__)
    static const unsigned char return_42[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3}; /* mov eax, 42; ret */
    typedef int (*fn)(void);
    memmap_t *m;
    fn f;

    REQUIRE_OK(memmap_anon(&m, 4096, MEMMAP_EXEC));
    memcpy(memmap_data(m), return_42, sizeof return_42);
    FlushInstructionCache(GetCurrentProcess(), memmap_data(m), sizeof return_42);
    f = (fn)(uintptr_t)memmap_data(m);
    CHECK_EQ(f(), 42);
    memmap_close(m);

    REQUIRE(test_write_file(test_path("code"), return_42, sizeof return_42) == 0);
    REQUIRE_OK(memmap_open(&m, test_path("code"), MEMMAP_READ | MEMMAP_EXEC, NULL));
    f = (fn)(uintptr_t)memmap_data(m);
    CHECK_EQ(f(), 42);
    memmap_close(m);

    /* A private copy may be patched and run without touching the file. */
    REQUIRE_OK(memmap_open(&m, test_path("code"), MEMMAP_COPY | MEMMAP_EXEC, NULL));
    ((unsigned char *)memmap_data(m))[1] = 7;
    FlushInstructionCache(GetCurrentProcess(), memmap_data(m), sizeof return_42);
    f = (fn)(uintptr_t)memmap_data(m);
    CHECK_EQ(f(), 7);
    memmap_close(m);
    REQUIRE_OK(memmap_open(&m, test_path("code"), MEMMAP_READ, NULL));
    CHECK_EQ(((unsigned char *)memmap_data(m))[1], 42);
    memmap_close(m);
#else
    SKIP("the test's machine code is x86-64");
#endif
}

/* A caller's handle opened for overlapped I/O works like any other, growth
 * included (under Wine growth writes through the handle). */
TEST(overlapped_handles_work)
{
    memmap_options opt = {0, 300000, 0};
    memmap_t *m;
    HANDLE h = CreateFileA(test_path("f"), GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_OVERLAPPED, NULL);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    REQUIRE_OK(memmap_open_file(&m, h, MEMMAP_WRITE, &opt));
    CHECK_EQ(test_file_size(test_path("f")), 300000);
    test_pattern(memmap_data(m), 0, 300000);
    REQUIRE_OK(memmap_resize(m, 1000000, 0));
    CHECK_EQ(test_file_size(test_path("f")), 1000000);
    REQUIRE_OK(memmap_resize(m, 2000000, MEMMAP_SPARSE));
    CHECK_EQ(test_file_size(test_path("f")), 2000000);
    CHECK_OK(memmap_sync(m, 0, 0, 0));
    CHECK_EQ_U(test_pattern_mismatch(memmap_data(m), 0, 300000), (size_t)-1);
    CHECK_OK(memmap_close(m));
    CloseHandle(h);
}
