/* SPDX-License-Identifier: MIT */
/* Uses an installed memmap: maps anonymous memory, writes, reads back. */
#include <memmap.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    memmap_t *m;
    int rc = memmap_anon(&m, 4096, 0);
    if (rc != 0) {
        fprintf(stderr, "consumer: %s\n", memmap_strerror(rc));
        return 1;
    }
    strcpy(memmap_data(m), "installed memmap works");
    puts((const char *)memmap_data(m));
    return memmap_close(m);
}
