/* SPDX-License-Identifier: MIT */
/*
 * grow_ints: writes the integers 0..N-1 to a file through a map that grows as
 * it fills (doubling), then trims the file to its exact size and syncs.  No
 * lseek-and-write-a-byte trick: memmap_resize grows the file with real blocks.
 * Usage: grow_ints FILE [N]
 */
#include <stdio.h>
#include <stdlib.h>

#include "memmap.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "grow_ints: %s: %s\n", what, memmap_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    memmap_options opt = {0, 4096, 0};
    unsigned long long n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000, i;
    uint64_t *values;
    memmap_t *m;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: grow_ints FILE [N]\n");
        return 2;
    }
    if ((rc = memmap_open(&m, argv[1], MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_TRUNCATE, &opt)) != 0)
        return fail("open", rc);
    for (i = 0; i < n; i++) {
        if ((i + 1) * sizeof *values > memmap_size(m) &&
            (rc = memmap_resize(m, memmap_size(m) * 2, 0)) != 0)
            return fail("grow", rc);
        values = memmap_data(m); /* the map may have moved */
        values[i] = i;
    }
    if ((rc = memmap_resize(m, n * sizeof *values, MEMMAP_TRUNCATE)) != 0)
        return fail("trim", rc);
    if ((rc = memmap_sync(m, 0, 0, 0)) != 0)
        return fail("sync", rc);
    memmap_close(m);

    /* Read it back through a fresh read-only map. */
    if ((rc = memmap_open(&m, argv[1], MEMMAP_READ, NULL)) != 0)
        return fail("reopen", rc);
    values = memmap_data(m);
    if (memmap_size(m) != n * sizeof *values)
        return fail("file size", MEMMAP_EIO);
    for (i = 0; i < n; i++)
        if (values[i] != i)
            return fail("contents", MEMMAP_EIO);
    memmap_close(m);
    printf("wrote and verified %llu integers (%llu bytes)\n", n, n * (unsigned long long)sizeof *values);
    return 0;
}
