/* SPDX-License-Identifier: MIT */
/*
 * memmap.Map: one mapping, as returned by open(), open_fd(), anonymous() and
 * shared_memory().
 *
 * Every method converts its arguments first and only then looks at the map:
 * converting an argument can run Python code (an __index__ method) that
 * closes or resizes the map, so nothing about it may be read before.
 */
#include "bindings.h"

#include <string.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    pymm_core core;
    PyObject *filename;    /* path or shared memory name, for repr; NULL for others */
    PyObject *weakreflist;
} MapObject;

PyTypeObject *pymm_Map_Type;

#define CORE(self) (&((MapObject *)(self))->core)

/* The map of an open object, or NULL with ValueError raised. */
static memmap_t *open_map(PyObject *self)
{
    memmap_t *map = CORE(self)->map;
    if (!map) {
        pymm_raise_closed();
        return NULL;
    }
    if (pymm_check_not_resizing(CORE(self)) != 0)
        return NULL;
    return map;
}

static int is_writable(memmap_t *map)
{
    return (memmap_flags(map) & (MEMMAP_WRITE | MEMMAP_COPY)) != 0;
}

static int require_writable(memmap_t *map)
{
    if (is_writable(map))
        return 0;
    PyErr_SetString(PyExc_TypeError, "the map is read-only");
    return -1;
}

PyObject *pymm_map_new(memmap_t *map, PyObject *filename)
{
    MapObject *self = (MapObject *)PyType_GenericAlloc(pymm_Map_Type, 0);
    if (!self) {
        memmap_close(map);
        return NULL;
    }
    self->core.map = map;
    Py_XINCREF(filename);
    self->filename = filename;
    return (PyObject *)self;
}

static void Map_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    MapObject *m = (MapObject *)self;
    if (m->weakreflist)
        PyObject_ClearWeakRefs(self);
    /* No export can be alive here: each holds a reference to the object. */
    memmap_close(m->core.map);
    m->core.map = NULL;
    Py_CLEAR(m->filename);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

static PyObject *Map_repr(PyObject *self)
{
    MapObject *m = (MapObject *)self;
    memmap_t *map = m->core.map;
    unsigned flags;
    const char *access;
    if (!map)
        return PyUnicode_FromString("<memmap.Map closed>");
    flags = memmap_flags(map);
    access = (flags & MEMMAP_COPY) ? "copy" : (flags & MEMMAP_WRITE) ? "read-write" : "read-only";
    if (m->filename)
        return PyUnicode_FromFormat("<memmap.Map %R %s size=%zu offset=%llu>", m->filename, access,
                                    memmap_size(map), (unsigned long long)memmap_offset(map));
    return PyUnicode_FromFormat("<memmap.Map %s size=%zu offset=%llu>", access, memmap_size(map),
                                (unsigned long long)memmap_offset(map));
}

/* --- closing --------------------------------------------------------------- */

PyDoc_STRVAR(close_doc,
"close()\n--\n\n"
"Unmap the memory and release what the map holds.  Closing a closed map does\n"
"nothing.  BufferError while buffers are exported (a memoryview or numpy array\n"
"of the map is alive): release them first.");

static PyObject *Map_close(PyObject *self, PyObject *unused)
{
    pymm_core *core = CORE(self);
    memmap_t *map = core->map;
    int rc;
    (void)unused;
    if (!map)
        Py_RETURN_NONE;
    if (pymm_check_unused(core, "close the map") != 0)
        return NULL;
    core->map = NULL;
    /* memmap_close frees the map even when it reports an error. */
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_close(map);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyObject *Map_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    if (!open_map(self))
        return NULL;
    Py_INCREF(self);
    return self;
}

static PyObject *Map_exit(PyObject *self, PyObject *args)
{
    PyObject *result;
    (void)args;
    result = Map_close(self, NULL);
    if (!result)
        return NULL;
    Py_DECREF(result);
    Py_RETURN_FALSE;
}

/* --- properties ------------------------------------------------------------ */

static PyObject *Map_get_size(PyObject *self, void *closure)
{
    memmap_t *map = open_map(self);
    (void)closure;
    return map ? PyLong_FromSize_t(memmap_size(map)) : NULL;
}

static PyObject *Map_get_offset(PyObject *self, void *closure)
{
    memmap_t *map = open_map(self);
    (void)closure;
    return map ? PyLong_FromUnsignedLongLong(memmap_offset(map)) : NULL;
}

static PyObject *Map_get_closed(PyObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(CORE(self)->map == NULL);
}

static PyObject *Map_get_writable(PyObject *self, void *closure)
{
    memmap_t *map = open_map(self);
    (void)closure;
    return map ? PyBool_FromLong(is_writable(map)) : NULL;
}

static PyObject *Map_get_copy_on_write(PyObject *self, void *closure)
{
    memmap_t *map = open_map(self);
    (void)closure;
    return map ? PyBool_FromLong((memmap_flags(map) & MEMMAP_COPY) != 0) : NULL;
}

static PyGetSetDef Map_getset[] = {
    {"size", Map_get_size, NULL, "Mapped length in bytes (len(map)).", NULL},
    {"offset", Map_get_offset, NULL, "File offset of the first mapped byte (0 for anonymous and shared memory).", NULL},
    {"closed", Map_get_closed, NULL, "True once close() has run.", NULL},
    {"writable", Map_get_writable, NULL, "True for 'r+', 'w+', 'x+' and 'c' maps, anonymous and writable shared memory.", NULL},
    {"copy_on_write", Map_get_copy_on_write, NULL, "True for a private copy-on-write ('c') map.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

/* --- the buffer protocol ---------------------------------------------------- */

static int Map_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    pymm_core *core = CORE(self);
    memmap_t *map = open_map(self);
    if (!map) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, self, memmap_data(map), (Py_ssize_t)memmap_size(map), !is_writable(map), flags) != 0)
        return -1;
    core->exports++;
    return 0;
}

static void Map_releasebuffer(PyObject *self, Py_buffer *view)
{
    (void)view;
    CORE(self)->exports--;
}

/* --- sequence and mapping ----------------------------------------------------- */

static Py_ssize_t Map_length(PyObject *self)
{
    memmap_t *map = open_map(self);
    return map ? (Py_ssize_t)memmap_size(map) : -1;
}

/* An int index, negative counting from the end, checked against the map's size. */
static int item_index(memmap_t *map, Py_ssize_t index, size_t *at)
{
    Py_ssize_t size = (Py_ssize_t)memmap_size(map);
    if (index < 0)
        index += size;
    if (index < 0 || index >= size) {
        PyErr_SetString(PyExc_IndexError, "map index out of range");
        return -1;
    }
    *at = (size_t)index;
    return 0;
}

/* Iteration yields ints, as iterating over bytes does. */
static PyObject *Map_item(PyObject *self, Py_ssize_t index)
{
    memmap_t *map = open_map(self);
    unsigned char byte;
    size_t at;
    if (!map || item_index(map, index, &at) != 0 || pymm_read(CORE(self), at, &byte, 1) != 0)
        return NULL;
    return PyLong_FromLong(byte);
}

static PyObject *Map_bytes(PyObject *self, PyObject *unused)
{
    memmap_t *map = open_map(self);
    (void)unused;
    return map ? pymm_read_bytes(CORE(self), 0, memmap_size(map)) : NULL;
}

static PyObject *Map_subscript(PyObject *self, PyObject *key)
{
    memmap_t *map;
    if (PyIndex_Check(key)) {
        Py_ssize_t index = PyNumber_AsSsize_t(key, PyExc_IndexError);
        unsigned char byte;
        size_t at;
        if (index == -1 && PyErr_Occurred())
            return NULL;
        if (!(map = open_map(self)) || item_index(map, index, &at) != 0)
            return NULL;
        if (pymm_read(CORE(self), at, &byte, 1) != 0)
            return NULL;
        return PyLong_FromLong(byte);
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step, count;
        if (PySlice_Unpack(key, &start, &stop, &step) != 0)
            return NULL;
        if (!(map = open_map(self)))
            return NULL;
        count = PySlice_AdjustIndices((Py_ssize_t)memmap_size(map), &start, &stop, step);
        if (step == 1)
            return pymm_read_bytes(CORE(self), (size_t)start, (size_t)count);
        return pymm_read_strided(CORE(self), start, step, count);
    }
    pymm_raise_type("map indices must be integers or slices", key);
    return NULL;
}

static int assign_item(PyObject *self, PyObject *key, PyObject *value)
{
    Py_ssize_t index = PyNumber_AsSsize_t(key, PyExc_IndexError);
    long byte;
    memmap_t *map;
    unsigned char b;
    size_t at;

    if (index == -1 && PyErr_Occurred())
        return -1;
    if (!PyIndex_Check(value)) {
        pymm_raise_type("a map item must be an int in range(256)", value);
        return -1;
    }
    byte = PyLong_AsLong(value);
    if (byte == -1 && PyErr_Occurred())
        return -1;
    if (byte < 0 || byte > 255) {
        PyErr_SetString(PyExc_ValueError, "a map item must be in range(256)");
        return -1;
    }
    if (!(map = open_map(self)) || require_writable(map) != 0 || item_index(map, index, &at) != 0)
        return -1;
    b = (unsigned char)byte;
    return pymm_write(CORE(self), at, &b, 1);
}

static int assign_slice(PyObject *self, PyObject *key, PyObject *value)
{
    Py_ssize_t start, stop, step, count;
    Py_buffer data;
    memmap_t *map;
    int rc = -1;

    if (PySlice_Unpack(key, &start, &stop, &step) != 0)
        return -1;
    if (PyObject_GetBuffer(value, &data, PyBUF_SIMPLE) != 0)
        return -1;
    if (!(map = open_map(self)) || require_writable(map) != 0)
        goto done;
    count = PySlice_AdjustIndices((Py_ssize_t)memmap_size(map), &start, &stop, step);
    if (data.len != count) {
        PyErr_Format(PyExc_ValueError, "slice assignment would change the map's size "
                     "(%zd bytes given for a slice of %zd)", data.len, count);
        goto done;
    }
    if (step == 1) {
        rc = pymm_write_buffer(CORE(self), (size_t)start, data.buf, (size_t)count);
    } else {
        /* Through a private copy when the data lies in the map itself. */
        unsigned char *copy = PyMem_Malloc(count ? (size_t)count : 1);
        if (!copy) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(copy, data.buf, (size_t)count);
        rc = pymm_write_strided(CORE(self), start, step, count, copy);
        PyMem_Free(copy);
    }
done:
    PyBuffer_Release(&data);
    return rc;
}

static int Map_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_TypeError, "map items cannot be deleted");
        return -1;
    }
    if (PyIndex_Check(key))
        return assign_item(self, key, value);
    if (PySlice_Check(key))
        return assign_slice(self, key, value);
    pymm_raise_type("map indices must be integers or slices", key);
    return -1;
}

/* --- read_at and write_at ------------------------------------------------------- */

PyDoc_STRVAR(read_at_doc,
"read_at(offset, length=None)\n--\n\n"
"Return a copy of length bytes at offset (to the end when length is None).\n"
"Unlike a raw buffer, the copy is guarded: a page that cannot be read (the file\n"
"was truncated by someone else, an I/O error) raises OSError (errno EIO)\n"
"instead of killing the process.  ValueError when the range is outside the map.");

static PyObject *Map_read_at(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "length", NULL};
    PyObject *offset_obj, *length_obj = NULL;
    Py_ssize_t offset, length;
    size_t at, n;
    memmap_t *map;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:read_at", keywords, &offset_obj, &length_obj))
        return NULL;
    if (pymm_offset_arg(offset_obj, "offset", &offset) != 0 || pymm_length_arg(length_obj, "length", &length) != 0)
        return NULL;
    if (!(map = open_map(self)) || pymm_check_range(offset, length, memmap_size(map), &at, &n) != 0)
        return NULL;
    return pymm_read_bytes(CORE(self), at, n);
}

PyDoc_STRVAR(write_at_doc,
"write_at(offset, data)\n--\n\n"
"Copy the bytes-like data into the map at offset and return how many bytes were\n"
"written (len(data)).  Guarded like read_at(): a page that cannot be written\n"
"raises OSError (errno EIO).  ValueError when the data does not fit, TypeError\n"
"on a read-only map.");

static PyObject *Map_write_at(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "data", NULL};
    PyObject *offset_obj, *result = NULL;
    Py_ssize_t offset;
    Py_buffer data;
    size_t at, n;
    memmap_t *map;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Oy*:write_at", keywords, &offset_obj, &data))
        return NULL;
    if (pymm_offset_arg(offset_obj, "offset", &offset) != 0)
        goto done;
    if (!(map = open_map(self)) || require_writable(map) != 0 ||
        pymm_check_range(offset, data.len, memmap_size(map), &at, &n) != 0)
        goto done;
    if (pymm_write_buffer(CORE(self), at, data.buf, n) == 0)
        result = PyLong_FromSsize_t(data.len);
done:
    PyBuffer_Release(&data);
    return result;
}

/* --- operations on a range ---------------------------------------------------------- */

/* Converts the (offset, length) objects and resolves them against the open map. */
static memmap_t *range_of(PyObject *self, PyObject *offset_obj, PyObject *length_obj, size_t *at, size_t *n)
{
    Py_ssize_t offset, length;
    memmap_t *map;
    if (pymm_offset_arg(offset_obj, "offset", &offset) != 0 || pymm_length_arg(length_obj, "length", &length) != 0)
        return NULL;
    if (!(map = open_map(self)) || pymm_check_range(offset, length, memmap_size(map), at, n) != 0)
        return NULL;
    return map;
}

/* Runs a range operation without the GIL (they can wait for the disk or the
 * kernel) and turns its result into None or an exception.  An empty range
 * does nothing: the C API reads a length of 0 as "to the end". */
#define RUN_RANGE_OP(self, n, call)                          \
    do {                                                     \
        int rc_ = 0;                                         \
        if ((n) > 0) {                                       \
            PYMM_BEGIN_BLOCKING(CORE(self));                 \
            rc_ = (call);                                    \
            PYMM_END_BLOCKING(CORE(self));                   \
        }                                                    \
        if (rc_ != 0)                                        \
            return pymm_raise(rc_, NULL);                    \
        Py_RETURN_NONE;                                      \
    } while (0)

PyDoc_STRVAR(sync_doc,
"sync(offset=0, length=None, wait=True)\n--\n\n"
"Write changes in [offset, offset+length) back to the file.  With wait=True it\n"
"returns once the data (and the file's size, if the map changed it) is on stable\n"
"storage; wait=False only starts the write-back.  No alignment needed.  Anonymous\n"
"and copy-on-write maps succeed doing nothing.");

static PyObject *Map_sync(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "length", "wait", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    int wait = 1;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOp:sync", keywords, &offset_obj, &length_obj, &wait))
        return NULL;
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, memmap_sync(map, at, n, wait ? 0u : MEMMAP_SYNC_ASYNC));
}

PyDoc_STRVAR(advise_doc,
"advise(advice, offset=0, length=None)\n--\n\n"
"Tell the system how [offset, offset+length) will be used: NORMAL, SEQUENTIAL,\n"
"RANDOM, WILLNEED or DONTNEED.  A hint the platform lacks is accepted and does\n"
"nothing.  DONTNEED never discards data.");

static PyObject *Map_advise(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"advice", "offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    int advice;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "i|OO:advise", keywords, &advice, &offset_obj, &length_obj))
        return NULL;
    if (advice < MEMMAP_ADVICE_NORMAL || advice > MEMMAP_ADVICE_DONTNEED) {
        PyErr_Format(PyExc_ValueError, "unknown advice %d: use memmap.NORMAL, SEQUENTIAL, RANDOM, WILLNEED "
                     "or DONTNEED", advice);
        return NULL;
    }
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, memmap_advise(map, at, n, advice));
}

PyDoc_STRVAR(protect_doc,
"protect(prot, offset=0, length=None)\n--\n\n"
"Change the access to [offset, offset+length): PROT_NONE or PROT_READ, PROT_WRITE\n"
"and PROT_EXEC OR-ed together (WRITE and EXEC imply READ).  The range widens to\n"
"whole pages.  PermissionError for PROT_WRITE on a read-only map.\n"
"Indexing, slicing, read_at and write_at of a protected range raise OSError;\n"
"touching it through an exported buffer (memoryview, numpy) crashes the process.");

static PyObject *Map_protect(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"prot", "offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    int prot;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "i|OO:protect", keywords, &prot, &offset_obj, &length_obj))
        return NULL;
    if (prot < 0 || ((unsigned)prot & ~(MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC)) != 0) {
        PyErr_Format(PyExc_ValueError, "invalid prot %d: use PROT_NONE or PROT_READ|PROT_WRITE|PROT_EXEC", prot);
        return NULL;
    }
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, memmap_protect(map, at, n, (unsigned)prot));
}

PyDoc_STRVAR(lock_doc,
"lock(offset=0, length=None)\n--\n\n"
"Lock [offset, offset+length), widened to whole pages, into RAM, faulting it in.\n"
"OSError (errno ENOMEM) when a locked-memory limit is reached.");

static PyObject *Map_lock(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:lock", keywords, &offset_obj, &length_obj))
        return NULL;
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, memmap_lock(map, at, n));
}

PyDoc_STRVAR(unlock_doc,
"unlock(offset=0, length=None)\n--\n\n"
"Undo lock() for [offset, offset+length).");

static PyObject *Map_unlock(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:unlock", keywords, &offset_obj, &length_obj))
        return NULL;
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, memmap_unlock(map, at, n));
}

PyDoc_STRVAR(resize_doc,
"resize(new_length, *, truncate=False, sparse=False, may_move=True)\n--\n\n"
"Change the mapped length, keeping the contents.  A writable file map (or shared\n"
"memory) whose new end is past the end of the file grows the file, allocated\n"
"unless sparse=True; read-only and copy-on-write maps cannot reach past it\n"
"(OSError, errno ERANGE).  Shrinking leaves the file alone unless truncate=True.\n"
"The data may move to a new address; may_move=False raises OSError (errno EBUSY)\n"
"instead.  BufferError while buffers are exported.  On failure the map is\n"
"unchanged.");

static PyObject *Map_resize(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"new_length", "truncate", "sparse", "may_move", NULL};
    PyObject *length_obj;
    Py_ssize_t length;
    int truncate = 0, sparse = 0, may_move = 1, rc;
    unsigned flags;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$ppp:resize", keywords, &length_obj, &truncate, &sparse,
                                     &may_move))
        return NULL;
    if (pymm_offset_arg(length_obj, "new_length", &length) != 0)
        return NULL;
    if (!(map = open_map(self)) || pymm_check_unused(CORE(self), "resize the map") != 0)
        return NULL;
    flags = (truncate ? MEMMAP_TRUNCATE : 0u) | (sparse ? MEMMAP_SPARSE : 0u) | (may_move ? 0u : MEMMAP_NOMOVE);
    /* resize changes the mapping itself: no other thread may touch it meanwhile
     * (resizing), nor close or resize it (busy). */
    CORE(self)->resizing = 1;
    PYMM_BEGIN_BLOCKING(CORE(self));
    rc = memmap_resize(map, (size_t)length, flags);
    PYMM_END_BLOCKING(CORE(self));
    CORE(self)->resizing = 0;
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyMethodDef Map_methods[] = {
    {"close", Map_close, METH_NOARGS, close_doc},
    {"__bytes__", Map_bytes, METH_NOARGS, "A guarded copy of the whole map."},
    {"__enter__", Map_enter, METH_NOARGS, "Return the map itself."},
    {"__exit__", Map_exit, METH_VARARGS, "Close the map."},
    {"read_at", (PyCFunction)(void (*)(void))Map_read_at, METH_VARARGS | METH_KEYWORDS, read_at_doc},
    {"write_at", (PyCFunction)(void (*)(void))Map_write_at, METH_VARARGS | METH_KEYWORDS, write_at_doc},
    {"sync", (PyCFunction)(void (*)(void))Map_sync, METH_VARARGS | METH_KEYWORDS, sync_doc},
    {"advise", (PyCFunction)(void (*)(void))Map_advise, METH_VARARGS | METH_KEYWORDS, advise_doc},
    {"protect", (PyCFunction)(void (*)(void))Map_protect, METH_VARARGS | METH_KEYWORDS, protect_doc},
    {"lock", (PyCFunction)(void (*)(void))Map_lock, METH_VARARGS | METH_KEYWORDS, lock_doc},
    {"unlock", (PyCFunction)(void (*)(void))Map_unlock, METH_VARARGS | METH_KEYWORDS, unlock_doc},
    {"resize", (PyCFunction)(void (*)(void))Map_resize, METH_VARARGS | METH_KEYWORDS, resize_doc},
    {NULL, NULL, 0, NULL}
};

static PyMemberDef Map_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MapObject, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}
};

PyDoc_STRVAR(Map_doc,
"A memory map: of a file (memmap.open, memmap.open_fd), of anonymous memory\n"
"(memmap.anonymous) or of named shared memory (memmap.shared_memory).\n\n"
"len(map) is its size.  map[i] is an int, map[a:b] a bytes copy; assigning to\n"
"them writes into the map.  memoryview(map), numpy.frombuffer(map, dtype) and\n"
"anything else taking a buffer see the mapped memory itself, without a copy;\n"
"read-only maps give read-only buffers.\n\n"
"Copies (indexing, slicing, read_at, write_at) are guarded: a page that cannot\n"
"be read or written raises OSError.  A raw exported buffer is not guarded: if\n"
"the file is truncated by another process and you touch the lost pages through\n"
"a memoryview or an array, the process gets SIGBUS, as with the standard mmap.\n"
"Catching that would need a check around every single load and store.\n\n"
"Use it as a context manager, or call close().  Maps cannot be created directly:\n"
"use the module's functions.");

static PyType_Slot Map_slots[] = {
    {Py_tp_doc, (void *)Map_doc},
    {Py_tp_dealloc, Map_dealloc},
    {Py_tp_repr, Map_repr},
    {Py_tp_methods, Map_methods},
    {Py_tp_members, Map_members},
    {Py_tp_getset, Map_getset},
    {Py_bf_getbuffer, Map_getbuffer},
    {Py_bf_releasebuffer, Map_releasebuffer},
    {Py_sq_length, Map_length},
    {Py_sq_item, Map_item},
    {Py_mp_length, Map_length},
    {Py_mp_subscript, Map_subscript},
    {Py_mp_ass_subscript, Map_ass_subscript},
    {0, NULL}
};

static PyType_Spec Map_spec = {
    "memmap.Map", sizeof(MapObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION, Map_slots
};

int pymm_map_type_init(PyObject *module)
{
    pymm_Map_Type = (PyTypeObject *)PyType_FromSpec(&Map_spec);
    if (!pymm_Map_Type)
        return -1;
    /* The static pointer keeps the reference PyType_FromSpec gave. */
    return PyModule_AddObjectRef(module, "Map", (PyObject *)pymm_Map_Type);
}
