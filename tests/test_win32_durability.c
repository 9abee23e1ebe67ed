/* SPDX-License-Identifier: MIT */
/*
 * The Windows form of synced_data_survives_sigkill: the writer ends itself
 * with TerminateProcess, Windows' uncatchable kill, in the middle of writes
 * it has not synced.
 */
// labels: win32
#include "harness.h"

#include <stdlib.h>
#include <windows.h>

#define CHUNK ((size_t)16 * 1024)
#define CHUNKS 64
#define SYNCED_CHUNKS 24
#define KILLED 9

/* Writes and syncs SYNCED_CHUNKS chunks of argv[0], writes half of the next
 * one, and is killed before syncing it. */
CHILD(write_sync_and_die)
{
    memmap_t *m = NULL;
    memmap_options opt = {0, CHUNKS * CHUNK, 0};
    unsigned char *data;
    size_t i;
    if (argc < 1 || memmap_open(&m, argv[0], MEMMAP_WRITE | MEMMAP_CREATE, &opt) != 0)
        return 2;
    data = memmap_data(m);
    for (i = 0; i < SYNCED_CHUNKS; i++) {
        test_pattern(data + i * CHUNK, i * CHUNK, CHUNK);
        if (memmap_sync(m, i * CHUNK, CHUNK, 0) != 0)
            return 3;
    }
    test_pattern(data + i * CHUNK, i * CHUNK, CHUNK / 2);
    TerminateProcess(GetCurrentProcess(), KILLED);
    return 4; /* not reached */
}

TEST(synced_data_survives_terminate_process)
{
    const char *args[1];
    unsigned char *file = malloc(CHUNKS * CHUNK);
    size_t i, unexpected = 0;
    REQUIRE(file != NULL);
    args[0] = test_path("f");
    REQUIRE(test_spawn_self("write_sync_and_die", args, 1) == KILLED);
    /* The size the library gave the file, and every synced byte, are there. */
    CHECK_EQ(test_file_size(test_path("f")), (long long)(CHUNKS * CHUNK));
    CHECK_EQ(test_read_file(test_path("f"), 0, file, CHUNKS * CHUNK), (long long)(CHUNKS * CHUNK));
    CHECK_EQ_U(test_pattern_mismatch(file, 0, SYNCED_CHUNKS * CHUNK), (size_t)-1);
    /* The rest holds either the writer's bytes or the zeros of the new file. */
    for (i = SYNCED_CHUNKS * CHUNK; i < CHUNKS * CHUNK; i++) {
        unsigned char want;
        test_pattern(&want, i, 1);
        unexpected += file[i] != 0 && file[i] != want;
    }
    CHECK_EQ_U(unexpected, 0);
    free(file);
}
