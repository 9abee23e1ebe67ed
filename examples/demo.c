/* SPDX-License-Identifier: MIT */
/*
 * demo: what memmap does that raw mmap makes hard, in one run.
 *   1. maps a range at an unaligned offset of a file;
 *   2. maps a writable range past the end, which grows the file first;
 *   3. grows the map and syncs it durably;
 *   4. maps an empty file.
 * Usage: demo [directory]   (default: the current directory)
 */
#include <stdio.h>
#include <string.h>

#include "memmap.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "demo: %s: %s (%s)\n", what, memmap_strerror(rc), memmap_errname(rc));
    return 1;
}

int main(int argc, char **argv)
{
    char path[4096], empty_path[4096];
    const char *dir = argc > 1 ? argv[1] : ".";
    memmap_options opt = {0, 0, 0};
    memmap_t *m;
    FILE *f;
    int rc;

    snprintf(path, sizeof path, "%s/memmap-demo.dat", dir);
    snprintf(empty_path, sizeof empty_path, "%s/memmap-demo-empty.dat", dir);
    printf("page size %zu bytes, offset granularity %zu bytes\n", memmap_page_size(), memmap_granularity());

    /* A file with some text in it. */
    f = fopen(path, "wb");
    if (!f || fputs("memmap maps any byte range: no alignment, no SIGBUS, no surprises.\n", f) < 0 || fclose(f))
        return fail("writing the demo file", MEMMAP_EIO);

    /* 1. Offset 7 is not page-aligned: the library aligns down and hides the slack. */
    opt.offset = 7;
    opt.length = 24;
    if ((rc = memmap_open(&m, path, MEMMAP_READ, &opt)) != 0)
        return fail("mapping at offset 7", rc);
    printf("bytes 7..30: \"%.*s\"\n", (int)memmap_size(m), (const char *)memmap_data(m));
    memmap_close(m);

    /* 2. A writable range past the end: the file grows (with its blocks allocated) before mapping. */
    opt.offset = 1000;
    opt.length = 100;
    if ((rc = memmap_open(&m, path, MEMMAP_WRITE, &opt)) != 0)
        return fail("mapping past the end", rc);
    memcpy(memmap_data(m), "written past the old end", 24);
    printf("file grown to %llu bytes for a map of %zu bytes at offset %llu\n",
           (unsigned long long)(memmap_offset(m) + memmap_size(m)), memmap_size(m),
           (unsigned long long)memmap_offset(m));

    /* 3. Grow the map (and the file) and make it durable. */
    if ((rc = memmap_resize(m, 1 << 20, 0)) != 0)
        return fail("resizing", rc);
    ((char *)memmap_data(m))[(1 << 20) - 1] = '\n';
    if ((rc = memmap_sync(m, 0, 0, 0)) != 0)
        return fail("syncing", rc);
    printf("resized to %zu bytes and synced to stable storage\n", memmap_size(m));
    memmap_close(m);

    /* 4. An empty file is an empty map, not an error. */
    f = fopen(empty_path, "wb");
    if (!f || fclose(f))
        return fail("creating an empty file", MEMMAP_EIO);
    if ((rc = memmap_open(&m, empty_path, MEMMAP_READ, NULL)) != 0)
        return fail("mapping an empty file", rc);
    printf("empty file: size %zu, data %s\n", memmap_size(m), memmap_data(m) ? "not NULL" : "NULL");
    memmap_close(m);

    /* Errors are the same codes everywhere. */
    rc = memmap_open(&m, path, MEMMAP_WRITE | MEMMAP_COPY, NULL);
    printf("WRITE|COPY together: %s\n", memmap_errname(rc));

    remove(path);
    remove(empty_path);
    printf("demo finished\n");
    return 0;
}
