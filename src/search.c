/* SPDX-License-Identifier: MIT */
/*
 * memmap_find: a guarded search of part of a map.  The map is read window by
 * window with memmap_read, so a page that cannot be read is MEMMAP_EIO
 * instead of a crash.  Consecutive windows overlap by needle_len - 1 bytes so
 * that no match straddles unseen.
 */
#if defined(__linux__)
#  define _GNU_SOURCE /* memrchr, in glibc and musl */
#endif
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_WINDOW ((size_t)1024 * 1024)

/* The last c in [p, p+n), or NULL: memrchr where the C library has it (it is
 * vectorised there, a byte loop is several times slower). */
static const unsigned char *last_byte(const unsigned char *p, unsigned char c, size_t n)
{
#if defined(__linux__)
    return memrchr(p, c, n);
#else
    while (n-- > 0) {
        if (p[n] == c)
            return p + n;
    }
    return NULL;
#endif
}

/* Offset of the first (or last) needle in hay, or SIZE_MAX. */
static size_t search_block(const unsigned char *hay, size_t hay_len, const unsigned char *needle,
                           size_t needle_len, int backwards)
{
    size_t i;
    if (needle_len > hay_len)
        return SIZE_MAX;
    if (!backwards) {
        const unsigned char *p = hay, *end = hay + (hay_len - needle_len) + 1;
        while (p < end && (p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
            if (memcmp(p, needle, needle_len) == 0)
                return (size_t)(p - hay);
            p++;
        }
        return SIZE_MAX;
    }
    /* Candidates are the places of needle[0] from the last possible start down. */
    i = hay_len - needle_len + 1;
    while (i > 0) {
        const unsigned char *p = last_byte(hay, needle[0], i);
        if (!p)
            break;
        i = (size_t)(p - hay);
        if (memcmp(p, needle, needle_len) == 0)
            return i;
    }
    return SIZE_MAX;
}

/*
 * Reads as much of [from, from+length) as can be read: on a fault, page by
 * page up to the first page that fails.  *got is the readable prefix; the
 * result is the fault's code when *got falls short of length.
 */
static int read_prefix(memmap_t *map, size_t from, unsigned char *buf, size_t length, size_t *got)
{
    size_t page = memmap_os_page_size(), at = 0;
    int rc = memmap_read(map, from, buf, length);
    if (rc != MEMMAP_EIO) {
        *got = rc == 0 ? length : 0;
        return rc;
    }
    while (at < length) {
        size_t n = page - (from + at) % page;
        if (n > length - at)
            n = length - at;
        if ((rc = memmap_read(map, from + at, buf + at, n)) != 0)
            break;
        at += n;
    }
    *got = at;
    return rc;
}

int memmap_find(memmap_t *map, size_t offset, size_t length, const void *needle, size_t needle_len,
                int backwards, size_t *found)
{
    size_t window, low, high, end, size;
    unsigned char *buf;
    int rc = 0;

    if (!map || !found || (!needle && needle_len))
        return memmap_fail(MEMMAP_EINVAL);
    size = memmap_reach(map);
    if (offset > size || length > size - offset)
        return memmap_fail(MEMMAP_ERANGE);
    end = offset + length;
    *found = SIZE_MAX;
    if (needle_len == 0) {
        *found = backwards ? end : offset;
        return 0;
    }
    if (needle_len > length)
        return 0;
    /* A window holds a whole needle and room to move on. */
    window = SEARCH_WINDOW > 2 * needle_len ? SEARCH_WINDOW : 2 * needle_len;
    if (window > length)
        window = length;
    if (!(buf = malloc(window)))
        return memmap_fail(MEMMAP_ENOMEM);
    low = offset;
    high = end;
    for (;;) {
        size_t from = backwards ? (high - offset > window ? high - window : offset) : low;
        size_t to = backwards ? high : (end - low > window ? low + window : end);
        size_t got = to - from, at;
        int fault = 0;
        /* Forwards, a match before a page that cannot be read is still found,
         * as a plain search that stopped there would find it; backwards the
         * search meets the last pages first, so any fault is the answer. */
        if (backwards)
            rc = memmap_read(map, from, buf, got);
        else
            fault = read_prefix(map, from, buf, got, &got);
        if (rc != 0)
            break;
        at = search_block(buf, got, needle, needle_len, backwards);
        if (at != SIZE_MAX) {
            *found = from + at;
            break;
        }
        if (fault != 0) {
            rc = fault;
            break;
        }
        if (backwards ? from == offset : to == end)
            break;
        if (backwards)
            high = from + needle_len - 1;
        else
            low = to - (needle_len - 1);
    }
    free(buf);
    return rc;
}
