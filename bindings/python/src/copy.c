/* SPDX-License-Identifier: MIT */
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

#include <stdint.h>
#include <string.h>

#define BLOCKING_THRESHOLD ((size_t)256 * 1024)
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
    if (length && src >= base && src < base + pymm_span(self, self->map))
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
    int rc;
    if (count >= BLOCKING_THRESHOLD) {
        PYMM_BEGIN_BLOCKING(self);
        rc = memmap_move(self->map, dst, src, count);
        PYMM_END_BLOCKING(self);
    } else {
        rc = memmap_move(self->map, dst, src, count);
    }
    if (rc != 0)
        return copy_failed(rc, 1);
    return 0;
}

int pymm_find(pymm_object *self, const void *needle, size_t needle_len, size_t start, size_t end,
              int reverse, Py_ssize_t *found)
{
    size_t at;
    int rc;

    /* The empty needle is found at start (end, backwards) even when end <
     * start: that is what the standard mmap answers. */
    if (needle_len == 0) {
        *found = (Py_ssize_t)(reverse ? end : start);
        return 0;
    }
    *found = -1;
    if (end < start)
        return 0;
    if (end - start >= BLOCKING_THRESHOLD) {
        PYMM_BEGIN_BLOCKING(self);
        rc = memmap_find(self->map, start, end - start, needle, needle_len, reverse, &at);
        PYMM_END_BLOCKING(self);
    } else {
        rc = memmap_find(self->map, start, end - start, needle, needle_len, reverse, &at);
    }
    if (rc != 0)
        return copy_failed(rc, 0);
    if (at != SIZE_MAX)
        *found = (Py_ssize_t)at;
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
