/* POSIX guarded copies.  PLACEHOLDER: copies without catching faults yet. */
#include "internal.h"

#include <string.h>

int memmap_os_guarded_copy(void *dst, const void *src, size_t len, const void *lo, size_t guard_len)
{
    (void)lo;
    (void)guard_len;
    memcpy(dst, src, len);
    return 0;
}

int memmap_os_probe(memmap_t *m, void *addr, size_t len, int write)
{
    (void)m; (void)addr; (void)len; (void)write;
    return 0;
}
