/* SPDX-License-Identifier: MIT */
/*
 * The object both map types are: its lifecycle, buffer exports, length, items
 * and slices.  The two types differ here only in what their pymm_kind says.
 *
 * Every function converts its arguments first, then enters the map
 * (pymm_enter) and only then looks at it: converting an argument can run
 * Python code (an __index__ method) that closes or resizes the map.  Stores
 * check the map is open and writable before converting too, as the standard
 * mmap does, and check again after.
 */
#include "bindings.h"

#include <string.h>

pymm_object *pymm_alloc(PyTypeObject *type, const pymm_kind *kind)
{
    pymm_object *self = (pymm_object *)((allocfunc)PyType_GetSlot(type, Py_tp_alloc))(type, 0);
    if (self)
        self->kind = kind;
    return self;
}

int pymm_require_writable(pymm_object *self)
{
    if (self->kind->writable(self))
        return 0;
    PyErr_SetString(PyExc_TypeError, self->kind->read_only);
    return -1;
}

static void raise_type(pymm_object *self, const char *message, PyObject *obj)
{
    if (self->kind->name_the_type)
        pymm_raise_type(message, obj);
    else
        PyErr_SetString(PyExc_TypeError, message);
}

void pymm_dealloc(PyObject *obj)
{
    pymm_object *self = (pymm_object *)obj;
    PyTypeObject *type = Py_TYPE(obj);
    if (self->weakreflist)
        PyObject_ClearWeakRefs(obj);
    /* No export or user can be alive here: each holds a reference to the object. */
    memmap_close(self->map);
    self->map = NULL;
    pymm_exports_free(self);
    if (self->kind && self->kind->clear)
        self->kind->clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(obj);
    Py_DECREF(type);
}

/*
 * Whether a resize to new_length leaves every exported byte where it is.
 * Within the capacity memmap_resize keeps the data's address and never
 * unmaps, remaps or reprotects the bytes both lengths share, so exports that
 * end at or before new_length are untouched, even while other threads use
 * them without the GIL.  Past the capacity the data may move.
 */
static int exports_survive(pymm_object *self, size_t new_length, unsigned flags)
{
    if (self->exports == 0)
        return 1;
    if (!self->kind->resize_keeps_exports)
        return 0;
#ifdef _WIN32
    /* Windows cannot cut a mapped file: such a cut unmaps the whole view for a moment. */
    if (flags & MEMMAP_TRUNCATE)
        return 0;
#else
    (void)flags;
#endif
    return new_length <= memmap_capacity(self->map) && new_length >= pymm_exports_reach(self);
}

static void raise_exported_resize(pymm_object *self, size_t new_length)
{
    if (!self->kind->resize_keeps_exports) {
        PyErr_SetString(PyExc_BufferError, self->kind->exported_resize);
        return;
    }
    PyErr_Format(PyExc_BufferError, "%s, except to a length within the capacity (%zu bytes) and not below "
                 "the %zu bytes they cover (asked: %zu); release the memoryview or delete the array first, "
                 "or reserve() room before exporting", self->kind->exported_resize, memmap_capacity(self->map),
                 pymm_exports_reach(self), new_length);
}

int pymm_resize(pymm_object *self, size_t new_length, unsigned flags, int *rc)
{
    memmap_t *map;
    /* A kind that keeps exports checks them below, once no new one can start. */
    if (pymm_exclusive_begin(self, self->kind->resize_keeps_exports ? NULL : self->kind->exported_resize) != 0)
        return -1;
    map = self->map;
    if (!exports_survive(self, new_length, flags)) {
        raise_exported_resize(self, new_length);
        pymm_exclusive_end(self);
        return -1;
    }
    /* The capacity already says the data stays; should the library ever
     * disagree, an error is better than buffers left pointing at nothing. */
    if (self->exports > 0)
        flags |= MEMMAP_NOMOVE;
    Py_BEGIN_ALLOW_THREADS
    *rc = memmap_resize(map, new_length, flags);
    Py_END_ALLOW_THREADS
    pymm_exclusive_end(self);
    return 0;
}

/* --- closing --------------------------------------------------------------- */

PyObject *pymm_close(PyObject *obj, PyObject *unused)
{
    pymm_object *self = (pymm_object *)obj;
    memmap_t *map;
    int rc;
    (void)unused;
    if (!pymm_enter(self)) {
        PyErr_Clear(); /* closing a closed map does nothing */
        Py_RETURN_NONE;
    }
    if (pymm_exclusive_begin(self, self->kind->exported_close) != 0) {
        if (self->map)
            return NULL;
        PyErr_Clear(); /* another thread closed it first */
        Py_RETURN_NONE;
    }
    /* Once map is NULL nobody can reach the mapping: unmap without the gate. */
    map = self->map;
    self->map = NULL;
    pymm_exclusive_end(self);
    /* memmap_close frees the map even when it reports an error. */
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_close(map);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

PyObject *pymm_context_enter(PyObject *obj, PyObject *unused)
{
    (void)unused;
    if (!pymm_enter((pymm_object *)obj))
        return NULL;
    Py_INCREF(obj);
    return obj;
}

PyObject *pymm_context_exit(PyObject *obj, PyObject *args)
{
    PyObject *result;
    (void)args;
    result = pymm_close(obj, NULL);
    if (!result)
        return NULL;
    Py_DECREF(result);
    Py_RETURN_NONE;
}

PyObject *pymm_get_closed(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((pymm_object *)obj)->map == NULL);
}

/* --- the buffer protocol ------------------------------------------------------ */

int pymm_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    pymm_object *self = (pymm_object *)obj;
    memmap_t *map = pymm_enter(self);
    size_t size;
    if (!map) {
        view->obj = NULL;
        return -1;
    }
    /* The whole map as it is now: a buffer taken after a resize sees the new size. */
    size = memmap_size(map);
    if (PyBuffer_FillInfo(view, obj, memmap_data(map), (Py_ssize_t)size, !self->kind->writable(self), flags) != 0)
        return -1;
    if (pymm_exports_add(self, size) != 0) {
        Py_CLEAR(view->obj);
        return -1;
    }
    return 0;
}

void pymm_releasebuffer(PyObject *obj, Py_buffer *view)
{
    /* The Py_buffer comes back as it was lent: len is the extent recorded. */
    pymm_exports_remove((pymm_object *)obj, (size_t)view->len);
}

/* --- length, items and slices ---------------------------------------------------- */

Py_ssize_t pymm_length(PyObject *obj)
{
    memmap_t *map = pymm_enter((pymm_object *)obj);
    return map ? (Py_ssize_t)memmap_size(map) : -1;
}

/* An index, negative counting from the end, checked against the map's size. */
static int item_offset(pymm_object *self, Py_ssize_t index, size_t *at)
{
    Py_ssize_t size = (Py_ssize_t)memmap_size(self->map);
    if (index < 0)
        index += size;
    if (index < 0 || index >= size) {
        PyErr_SetString(PyExc_IndexError, self->kind->index_range);
        return -1;
    }
    *at = (size_t)index;
    return 0;
}

static PyObject *read_item(pymm_object *self, Py_ssize_t index, int as_bytes)
{
    unsigned char byte;
    size_t at;
    if (!pymm_enter(self) || item_offset(self, index, &at) != 0)
        return NULL;
    if (as_bytes)
        return pymm_read_bytes(self, at, 1);
    if (pymm_read(self, at, &byte, 1) != 0)
        return NULL;
    return PyLong_FromLong(byte);
}

/* What iteration and PySequence_GetItem see. */
PyObject *pymm_item(PyObject *obj, Py_ssize_t index)
{
    pymm_object *self = (pymm_object *)obj;
    return read_item(self, index, self->kind->iterate_bytes);
}

PyObject *pymm_bytes(PyObject *obj, PyObject *unused)
{
    pymm_object *self = (pymm_object *)obj;
    memmap_t *map = pymm_enter(self);
    (void)unused;
    return map ? pymm_read_bytes(self, 0, memmap_size(map)) : NULL;
}

PyObject *pymm_subscript(PyObject *obj, PyObject *key)
{
    pymm_object *self = (pymm_object *)obj;
    if (PyIndex_Check(key)) {
        Py_ssize_t index = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (index == -1 && PyErr_Occurred())
            return NULL;
        return read_item(self, index, 0);
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step, count;
        memmap_t *map;
        if (PySlice_Unpack(key, &start, &stop, &step) != 0)
            return NULL;
        if (!(map = pymm_enter(self)))
            return NULL;
        count = PySlice_AdjustIndices((Py_ssize_t)memmap_size(map), &start, &stop, step);
        if (step == 1)
            return pymm_read_bytes(self, (size_t)start, (size_t)count);
        return pymm_read_strided(self, start, step, count);
    }
    raise_type(self, self->kind->index_type, key);
    return NULL;
}

/* Open and writable: checked before converting the arguments and again after. */
static int enter_writable(pymm_object *self)
{
    return pymm_enter(self) && pymm_require_writable(self) == 0 ? 0 : -1;
}

static int assign_item(pymm_object *self, PyObject *key, PyObject *value)
{
    Py_ssize_t index = PyNumber_AsSsize_t(key, PyExc_IndexError);
    long byte;
    unsigned char b;
    size_t at;

    if (index == -1 && PyErr_Occurred())
        return -1;
    /* The standard mmap checks the index before the value, bytearray after. */
    if (!self->kind->item_value_first && (enter_writable(self) != 0 || item_offset(self, index, &at) != 0))
        return -1;
    if (!value) {
        PyErr_SetString(PyExc_TypeError, self->kind->item_delete);
        return -1;
    }
    if (!PyIndex_Check(value)) {
        raise_type(self, self->kind->item_type, value);
        return -1;
    }
    byte = PyLong_AsLong(value);
    if (byte == -1 && PyErr_Occurred())
        return -1;
    if (byte < 0 || byte > 255) {
        PyErr_SetString(PyExc_ValueError, self->kind->item_range);
        return -1;
    }
    /* Converting the value may have run Python code: look again. */
    if (enter_writable(self) != 0 || item_offset(self, index, &at) != 0)
        return -1;
    b = (unsigned char)byte;
    return pymm_write(self, at, &b, 1);
}

static int assign_slice(pymm_object *self, PyObject *key, PyObject *value)
{
    Py_ssize_t start, stop, step, count;
    Py_buffer data;
    int rc = -1;

    if (PySlice_Unpack(key, &start, &stop, &step) != 0)
        return -1;
    if (!value) {
        PyErr_SetString(PyExc_TypeError, self->kind->slice_delete);
        return -1;
    }
    if (PyObject_GetBuffer(value, &data, PyBUF_SIMPLE) != 0)
        return -1;
    if (enter_writable(self) != 0)
        goto done;
    count = PySlice_AdjustIndices((Py_ssize_t)memmap_size(self->map), &start, &stop, step);
    if (data.len != count) {
        PyErr_SetString(self->kind->slice_size_is_index_error ? PyExc_IndexError : PyExc_ValueError,
                        self->kind->slice_size);
        goto done;
    }
    if (step == 1) {
        rc = pymm_write_buffer(self, (size_t)start, data.buf, (size_t)count);
    } else {
        /* Through a private copy when the data lies in the map itself. */
        unsigned char *copy = PyMem_Malloc(count ? (size_t)count : 1);
        if (!copy) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(copy, data.buf, (size_t)count);
        rc = pymm_write_strided(self, start, step, count, copy);
        PyMem_Free(copy);
    }
done:
    PyBuffer_Release(&data);
    return rc;
}

int pymm_ass_subscript(PyObject *obj, PyObject *key, PyObject *value)
{
    pymm_object *self = (pymm_object *)obj;
    if (enter_writable(self) != 0)
        return -1;
    if (PyIndex_Check(key))
        return assign_item(self, key, value);
    if (PySlice_Check(key))
        return assign_slice(self, key, value);
    raise_type(self, self->kind->index_type_store, key);
    return -1;
}
