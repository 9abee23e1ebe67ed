/* SPDX-License-Identifier: MIT */
/*
 * mmcat: cat through a mapping.  Each file is mapped read-only with
 * sequential advice and copied out with memmap_read, so a file that another
 * process truncates while we read is an error message, not a SIGBUS.
 * Usage: mmcat FILE...
 */
#include <stdio.h>
#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#endif

#include "memmap.h"

#define CHUNK (256 * 1024)

static int cat(const char *path)
{
    static char buf[CHUNK];
    memmap_t *m;
    size_t done, n;
    int rc = memmap_open(&m, path, MEMMAP_READ, NULL);
    if (rc != 0) {
        fprintf(stderr, "mmcat: %s: %s\n", path, memmap_strerror(rc));
        return 1;
    }
    memmap_advise(m, 0, 0, MEMMAP_ADVICE_SEQUENTIAL);
    for (done = 0; done < memmap_size(m); done += n) {
        n = memmap_size(m) - done < CHUNK ? memmap_size(m) - done : CHUNK;
        if ((rc = memmap_read(m, done, buf, n)) != 0 || fwrite(buf, 1, n, stdout) != n) {
            fprintf(stderr, "mmcat: %s: %s\n", path, rc ? memmap_strerror(rc) : "write error");
            memmap_close(m);
            return 1;
        }
    }
    memmap_close(m);
    return 0;
}

int main(int argc, char **argv)
{
    int i, status = 0;
#ifdef _WIN32
    /* The C runtime's stdout is in text mode: it would turn \n into \r\n. */
    _setmode(_fileno(stdout), _O_BINARY);
#endif
    for (i = 1; i < argc; i++)
        status |= cat(argv[i]);
    return fflush(stdout) == 0 ? status : 1;
}
