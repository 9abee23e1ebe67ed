/* SPDX-License-Identifier: MIT */
/*
 * Windows forms of the POSIX-only guard tests: the library's vectored
 * exception handler takes only faults inside a guarded range, so every other
 * fault reaches the program's own handlers, or ends the process as it would
 * without the library.
 */
// labels: win32
#include "harness.h"

#include <stdlib.h>
#include <windows.h>

/* A page no map covers, and what the program's own handler saw of it. */
static volatile unsigned char *volatile foreign_page;
static volatile LONG foreign_faults;

/* The program's handler: opens the foreign page and retries the access. */
static LONG CALLBACK program_handler(EXCEPTION_POINTERS *info)
{
    const EXCEPTION_RECORD *r = info->ExceptionRecord;
    DWORD old;
    if (r->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || r->NumberParameters < 2)
        return EXCEPTION_CONTINUE_SEARCH;
    if ((uintptr_t)r->ExceptionInformation[1] - (uintptr_t)foreign_page >= memmap_page_size())
        return EXCEPTION_CONTINUE_SEARCH;
    InterlockedIncrement(&foreign_faults);
    VirtualProtect((void *)foreign_page, memmap_page_size(), PAGE_READWRITE, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* A file map, after one guarded read so the library's handler is installed. */
static memmap_t *guarded_map(void)
{
    memmap_options opt = {0, 8192, 0};
    memmap_t *m;
    unsigned char b;
    REQUIRE_OK(memmap_open(&m, test_path("f"), MEMMAP_WRITE | MEMMAP_CREATE, &opt));
    test_pattern(memmap_data(m), 0, 8192);
    REQUIRE_OK(memmap_read(m, 0, &b, 1));
    return m;
}

static void *program_handler_install(void)
{
    DWORD old;
    foreign_faults = 0;
    foreign_page = VirtualAlloc(NULL, memmap_page_size(), MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    REQUIRE(foreign_page != NULL);
    REQUIRE(VirtualProtect((void *)foreign_page, memmap_page_size(), PAGE_NOACCESS, &old));
    /* Last in the chain: the library's handler, first, must pass it on. */
    return AddVectoredExceptionHandler(0, program_handler);
}

static void program_handler_remove(void *handler)
{
    RemoveVectoredExceptionHandler(handler);
    VirtualFree((void *)foreign_page, 0, MEM_RELEASE);
}

/* The Windows form of foreign_sigbus_reaches_previous_handler. */
TEST(foreign_fault_reaches_the_programs_handler)
{
    memmap_t *m = guarded_map();
    void *handler = program_handler_install();
    REQUIRE(handler != NULL);
    foreign_page[10] = 42;
    CHECK_EQ(foreign_faults, 1);
    CHECK_EQ(foreign_page[10], 42);
    program_handler_remove(handler);
    memmap_close(m);
}

/* The Windows form of fault_on_callers_buffer_is_not_swallowed: a guarded copy
 * faulting on the caller's buffer, outside the map, is not the library's. */
TEST(fault_on_callers_buffer_is_not_swallowed)
{
    memmap_t *m = guarded_map();
    void *handler = program_handler_install();
    REQUIRE(handler != NULL);
    CHECK_OK(memmap_read(m, 100, (void *)foreign_page, 64));
    CHECK_EQ(foreign_faults, 1);
    CHECK_EQ_U(test_pattern_mismatch((const void *)foreign_page, 100, 64), (size_t)-1);
    program_handler_remove(handler);
    memmap_close(m);
}

#define REACHED_TOP_LEVEL 42

static LONG WINAPI top_level_filter(EXCEPTION_POINTERS *info)
{
    (void)info;
    /* The fault got past every vectored handler: end as an unhandled fault would. */
    TerminateProcess(GetCurrentProcess(), REACHED_TOP_LEVEL);
    return EXCEPTION_EXECUTE_HANDLER;
}

/* Installs the library's handler, then faults outside any map. */
CHILD(fault_outside_maps)
{
    memmap_options opt = {0, 4096, 0};
    memmap_t *m;
    unsigned char b;
    volatile unsigned char *bad;
    (void)argc;
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetUnhandledExceptionFilter(top_level_filter);
    if (memmap_open(&m, argv[0], MEMMAP_WRITE | MEMMAP_CREATE, &opt) != 0 || memmap_read(m, 0, &b, 1) != 0)
        return 2;
    bad = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_NOACCESS);
    if (!bad)
        return 3;
    bad[1] = 1;
    return 0; /* the fault was swallowed */
}

/* The Windows form of unhandled_faults_still_kill. */
TEST(unhandled_faults_still_end_the_process)
{
    const char *args[1];
    args[0] = test_path("f");
    CHECK_EQ(test_spawn_self("fault_outside_maps", args, 1), REACHED_TOP_LEVEL);
}

/* A guarded write to a page the map protected, from many threads at once:
 * each thread's fault comes back to that thread as MEMMAP_EIO. */
static memmap_t *shared_map;
static volatile LONG wrong_results;

static DWORD WINAPI write_protected_page(void *arg)
{
    unsigned char buf[32] = {0};
    int i;
    (void)arg;
    for (i = 0; i < 500; i++) {
        if (memmap_write(shared_map, memmap_page_size() + 7, buf, sizeof buf) != MEMMAP_EIO ||
            memmap_write(shared_map, 7, buf, sizeof buf) != 0)
            InterlockedIncrement(&wrong_results);
    }
    return 0;
}

TEST(guarded_faults_from_many_threads)
{
    HANDLE threads[4];
    int i;
    shared_map = guarded_map();
    wrong_results = 0;
    REQUIRE_OK(memmap_protect(shared_map, memmap_page_size(), memmap_page_size(), MEMMAP_READ));
    for (i = 0; i < 4; i++) {
        threads[i] = CreateThread(NULL, 0, write_protected_page, NULL, 0, NULL);
        REQUIRE(threads[i] != NULL);
    }
    WaitForMultipleObjects(4, threads, TRUE, INFINITE);
    for (i = 0; i < 4; i++)
        CloseHandle(threads[i]);
    CHECK_EQ(wrong_results, 0);
    CHECK_EQ_U(test_pattern_mismatch((unsigned char *)memmap_data(shared_map) + memmap_page_size(),
                                     memmap_page_size(), memmap_page_size()), (size_t)-1);
    memmap_close(shared_map);
}
