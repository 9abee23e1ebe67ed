/*
 * Every byte the bindings copy out of or into a map goes through memmap_read
 * and memmap_write: they turn the fault of a page that cannot be read (the
 * file was truncated behind our back, an I/O error) into MEMMAP_EIO, so
 * Python gets an OSError instead of the interpreter dying of SIGBUS.
 *
 * Copies of at least BLOCKING_THRESHOLD bytes run without the GIL: a page
 * fault on a cold file can take as long as a disk read.
 */
#include "bindings.h"

#include <string.h>

#define BLOCKING_THRESHOLD ((size_t)256 * 1024)
/* Searches and moves work through a bounce buffer of this size. */
#define CHUNK_SIZE ((size_t)1024 * 1024)
/* A strided slice spanning at most this many bytes is read in one copy. */
#define STRIDED_SPAN_LIMIT ((size_t)4 * 1024 * 1024)

/* Raises the error of a failed guarded copy, saying what EIO means here. */
static int copy_failed(int rc, int writing)
{
    PyObject *exc;
    if (rc != MEMMAP_EIO) {
        pymm_raise(rc, NULL);
        return -1;
    }
    exc = PyObject_CallFunction(PyExc_OSError, "is", pymm_errno_for(rc),
                                writing ? "could not write to the map: a page cannot be accessed "
                                          "(the file was truncated, an I/O error, a full disk, or protect())"
                                        : "could not read from the map: a page cannot be accessed "
                                          "(the file was truncated, an I/O error, or protect())");
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return -1;
}

int pymm_read(pymm_object *self, size_t offset, void *buf, size_t length)
{
    int rc;
    if (length >= BLOCKING_THRESHOLD) {
        PYMM_BEGIN_BLOCKING(self);
        rc = memmap_read(self->map, offset, buf, length);
        PYMM_END_BLOCKING(self);
    } else {
        rc = memmap_read(self->map, offset, buf, length);
    }
    if (rc != 0)
        return copy_failed(rc, 0);
    return 0;
}

int pymm_write(pymm_object *self, size_t offset, const void *buf, size_t length)
{
    int rc;
    if (length >= BLOCKING_THRESHOLD) {
        PYMM_BEGIN_BLOCKING(self);
        rc = memmap_write(self->map, offset, buf, length);
        PYMM_END_BLOCKING(self);
    } else {
        rc = memmap_write(self->map, offset, buf, length);
    }
    if (rc != 0)
        return copy_failed(rc, 1);
    return 0;
}

int pymm_write_buffer(pymm_object *self, size_t offset, const void *data, size_t length)
{
    /* memmap_write copies with memcpy, which must not see overlapping ranges. */
    const unsigned char *base = memmap_data(self->map), *src = data;
    if (length && src >= base && src < base + memmap_size(self->map))
        return pymm_move(self, offset, (size_t)(src - base), length);
    return pymm_write(self, offset, data, length);
}

PyObject *pymm_read_bytes(pymm_object *self, size_t offset, size_t length)
{
    PyObject *bytes;
    if (length > (size_t)PY_SSIZE_T_MAX)
        return PyErr_NoMemory();
    bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)length);
    if (!bytes)
        return NULL;
    if (length && pymm_read(self, offset, PyBytes_AsString(bytes), length) != 0) {
        Py_DECREF(bytes);
        return NULL;
    }
    return bytes;
}

PyObject *pymm_read_strided(pymm_object *self, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count)
{
    PyObject *bytes;
    unsigned char *out;
    Py_ssize_t last, low, i;
    size_t span;

    bytes = PyBytes_FromStringAndSize(NULL, count);
    if (!bytes || count == 0)
        return bytes;
    out = (unsigned char *)PyBytes_AsString(bytes);
    last = start + (count - 1) * step;
    low = step > 0 ? start : last;
    span = (size_t)((step > 0 ? last : start) - low) + 1;

    if (span <= STRIDED_SPAN_LIMIT) {
        /* One guarded copy of the whole span, then pick the bytes. */
        unsigned char *tmp = PyMem_Malloc(span);
        if (!tmp) {
            Py_DECREF(bytes);
            return PyErr_NoMemory();
        }
        if (pymm_read(self, (size_t)low, tmp, span) != 0) {
            PyMem_Free(tmp);
            Py_DECREF(bytes);
            return NULL;
        }
        for (i = 0; i < count; i++)
            out[i] = tmp[start + i * step - low];
        PyMem_Free(tmp);
        return bytes;
    }
    for (i = 0; i < count; i++) {
        if (pymm_read(self, (size_t)(start + i * step), &out[i], 1) != 0) {
            Py_DECREF(bytes);
            return NULL;
        }
    }
    return bytes;
}

int pymm_write_strided(pymm_object *self, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count,
                       const unsigned char *data)
{
    /*
     * Byte by byte: reading the span and writing it back whole would also
     * rewrite the bytes between the steps, racing with other writers of them.
     */
    Py_ssize_t i;
    for (i = 0; i < count; i++) {
        if (pymm_write(self, (size_t)(start + i * step), &data[i], 1) != 0)
            return -1;
    }
    return 0;
}

int pymm_move(pymm_object *self, size_t dst, size_t src, size_t count)
{
    size_t chunk = count < CHUNK_SIZE ? count : CHUNK_SIZE;
    size_t done = 0;
    unsigned char *tmp;

    if (count == 0 || dst == src)
        return 0;
    tmp = PyMem_Malloc(chunk);
    if (!tmp) {
        PyErr_NoMemory();
        return -1;
    }
    /* Forwards when the destination is below the source, else backwards, as memmove. */
    while (done < count) {
        size_t n = count - done < chunk ? count - done : chunk;
        size_t at = dst < src ? done : count - done - n;
        if (pymm_read(self, src + at, tmp, n) != 0 || pymm_write(self, dst + at, tmp, n) != 0) {
            PyMem_Free(tmp);
            return -1;
        }
        done += n;
    }
    PyMem_Free(tmp);
    return 0;
}

/* Offset of the first (or last) needle in hay, or -1. */
static Py_ssize_t search_block(const unsigned char *hay, size_t hay_len, const unsigned char *needle,
                               size_t needle_len, int reverse)
{
    size_t i;
    if (needle_len > hay_len)
        return -1;
    if (!reverse) {
        const unsigned char *p = hay, *end = hay + (hay_len - needle_len) + 1;
        while (p < end && (p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
            if (memcmp(p, needle, needle_len) == 0)
                return (Py_ssize_t)(p - hay);
            p++;
        }
        return -1;
    }
    for (i = hay_len - needle_len + 1; i-- > 0;) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, needle_len) == 0)
            return (Py_ssize_t)i;
    }
    return -1;
}

/*
 * Reads as much of [from, from+length) as can be read: on a fault, page by
 * page up to the first page that fails.  *got is the readable prefix; when it
 * is short of length, the fault's exception is left set.
 */
static int read_prefix(pymm_object *self, size_t from, unsigned char *buf, size_t length, size_t *got)
{
    size_t page = memmap_page_size(), at = 0;
    *got = 0;
    if (pymm_read(self, from, buf, length) == 0) {
        *got = length;
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_OSError))
        return -1;
    PyErr_Clear();
    while (at < length) {
        size_t n = page - (from + at) % page;
        if (n > length - at)
            n = length - at;
        if (pymm_read(self, from + at, buf + at, n) != 0)
            break;
        at += n;
    }
    *got = at;
    return 0;
}

int pymm_find(pymm_object *self, const void *needle, size_t needle_len, size_t start, size_t end,
              int reverse, Py_ssize_t *found)
{
    size_t window, low, high;
    unsigned char *tmp;

    /* The empty needle is found at start (end, backwards) even when end <
     * start: that is what the standard mmap answers. */
    if (needle_len == 0) {
        *found = (Py_ssize_t)(reverse ? end : start);
        return 0;
    }
    *found = -1;
    if (end < start || needle_len > end - start)
        return 0;
    /* A window must hold a whole needle plus room to move on. */
    window = CHUNK_SIZE > 2 * needle_len ? CHUNK_SIZE : 2 * needle_len;
    if (window > end - start)
        window = end - start;
    tmp = PyMem_Malloc(window);
    if (!tmp) {
        PyErr_NoMemory();
        return -1;
    }
    /* Consecutive windows overlap by needle_len - 1 bytes so no match straddles unseen. */
    low = start;
    high = end;
    for (;;) {
        size_t from = reverse ? (high - start > window ? high - window : start) : low;
        size_t to = reverse ? high : (end - low > window ? low + window : end);
        size_t got = to - from;
        Py_ssize_t at;
        /*
         * Forwards, a match before a page that cannot be read is still found,
         * as it would be by a plain search that stops there; backwards the
         * search meets the last pages first, so any fault is an error.
         */
        if (reverse ? pymm_read(self, from, tmp, got) != 0 : read_prefix(self, from, tmp, got, &got) != 0) {
            PyMem_Free(tmp);
            return -1;
        }
        at = search_block(tmp, got, needle, needle_len, reverse);
        if (at >= 0) {
            PyErr_Clear(); /* a fault past the match does not matter */
            *found = (Py_ssize_t)from + at;
            break;
        }
        if (got < to - from) { /* the fault's exception is set */
            PyMem_Free(tmp);
            return -1;
        }
        if (reverse ? from == start : to == end)
            break;
        if (reverse)
            high = from + needle_len - 1;
        else
            low = to - (needle_len - 1);
    }
    PyMem_Free(tmp);
    return 0;
}

Py_ssize_t pymm_find_newline(pymm_object *self, size_t start, size_t end)
{
    unsigned char block[4096];
    size_t at = start;
    while (at < end) {
        size_t n = end - at < sizeof block ? end - at : sizeof block;
        const unsigned char *nl;
        if (pymm_read(self, at, block, n) != 0)
            return -1;
        nl = memchr(block, '\n', n);
        if (nl)
            return (Py_ssize_t)(at + (size_t)(nl - block));
        at += n;
    }
    return (Py_ssize_t)end;
}
