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

#include <stdint.h>
#include <string.h>
#include <structmember.h>

typedef struct {
    pymm_object base;
    PyObject *filename; /* path or shared memory name, for repr; NULL for others */
} MapObject;

PyTypeObject *pymm_Map_Type;

#define BASE(self) ((pymm_object *)(self))

static int map_writable(pymm_object *self)
{
    return (memmap_flags(self->map) & (MEMMAP_WRITE | MEMMAP_COPY)) != 0;
}

static void map_clear(pymm_object *self)
{
    Py_CLEAR(((MapObject *)self)->filename);
}

static const pymm_kind map_kind = {
    "operation on a closed map",
    "the map is read-only",
    "map index out of range",
    "map indices must be integers or slices",
    "map indices must be integers or slices",
    "a map item must be an int in range(256)",
    "a map item must be in range(256)",
    1,
    "slice assignment would change the map's size",
    0,
    "map items cannot be deleted",
    "map items cannot be deleted",
    "cannot close the map: exported buffers still use it (release the memoryview or delete the array first)",
    "cannot resize the map while buffers are exported",
    1,
    1,
    0,
    map_writable,
    map_clear,
};

PyObject *pymm_map_new(memmap_t *map, PyObject *filename)
{
    MapObject *self = (MapObject *)pymm_alloc(pymm_Map_Type, &map_kind);
    if (!self) {
        memmap_close(map);
        return NULL;
    }
    self->base.map = map;
    Py_XINCREF(filename);
    self->filename = filename;
    return (PyObject *)self;
}

static PyObject *Map_repr(PyObject *self)
{
    MapObject *m = (MapObject *)self;
    memmap_t *map = m->base.map;
    unsigned flags;
    const char *access;
    if (!map)
        return PyUnicode_FromString("<memmap.Map closed>");
    if (!(map = pymm_enter(BASE(self)))) /* waits for a resize in another thread */
        return NULL;
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

/* --- properties ------------------------------------------------------------ */

static PyObject *Map_get_size(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    return map ? PyLong_FromSize_t(memmap_size(map)) : NULL;
}

static PyObject *Map_get_offset(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    return map ? PyLong_FromUnsignedLongLong(memmap_offset(map)) : NULL;
}

static PyObject *Map_get_writable(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    return map ? PyBool_FromLong(map_writable(BASE(self))) : NULL;
}

static PyObject *Map_get_copy_on_write(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    return map ? PyBool_FromLong((memmap_flags(map) & MEMMAP_COPY) != 0) : NULL;
}

static PyObject *Map_get_huge(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    /* The library keeps MEMMAP_HUGE only when the platform granted it. */
    return map ? PyBool_FromLong((memmap_flags(map) & MEMMAP_HUGE) != 0) : NULL;
}

static PyObject *Map_get_capacity(PyObject *self, void *closure)
{
    memmap_t *map = pymm_enter(BASE(self));
    (void)closure;
    return map ? PyLong_FromSize_t(memmap_capacity(map)) : NULL;
}

static PyGetSetDef Map_getset[] = {
    {"size", Map_get_size, NULL, "Mapped length in bytes (len(map)).", NULL},
    {"offset", Map_get_offset, NULL, "File offset of the first mapped byte (0 for anonymous and shared memory).", NULL},
    {"closed", pymm_get_closed, NULL, "True once close() has run.", NULL},
    {"writable", Map_get_writable, NULL, "True for 'r+', 'w+', 'x+' and 'c' maps, anonymous and writable shared memory.", NULL},
    {"copy_on_write", Map_get_copy_on_write, NULL, "True for a private copy-on-write ('c') map.", NULL},
    {"capacity", Map_get_capacity, NULL, "The length the map can reach without moving: its size unless "
     "reserve() (or capacity= where it was opened) made room.", NULL},
    {"huge", Map_get_huge, NULL, "True when anonymous(..., huge=True) was granted huge pages (False when the "
     "platform refused, and after a resize moved the map to normal pages).", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

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
    if (!(map = pymm_enter(BASE(self))) || pymm_check_range(offset, length, memmap_size(map), &at, &n) != 0)
        return NULL;
    return pymm_read_bytes(BASE(self), at, n);
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
    if (!(map = pymm_enter(BASE(self))) || pymm_require_writable(BASE(self)) != 0 ||
        pymm_check_range(offset, data.len, memmap_size(map), &at, &n) != 0)
        goto done;
    if (pymm_write_buffer(BASE(self), at, data.buf, n) == 0)
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
    if (!(map = pymm_enter(BASE(self))) || pymm_check_range(offset, length, memmap_size(map), at, n) != 0)
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
            PYMM_BEGIN_BLOCKING(BASE(self));                 \
            rc_ = (call);                                    \
            PYMM_END_BLOCKING(BASE(self));                   \
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
"RANDOM, WILLNEED or DONTNEED; or ask for (HUGEPAGE) or refuse (NOHUGEPAGE)\n"
"transparent huge pages for it (Linux).  A hint the platform lacks is accepted\n"
"and does nothing.  DONTNEED never discards data.");

static PyObject *Map_advise(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"advice", "offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    int advice;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "i|OO:advise", keywords, &advice, &offset_obj, &length_obj))
        return NULL;
    if (advice < MEMMAP_ADVICE_NORMAL || advice > MEMMAP_ADVICE_NOHUGEPAGE) {
        PyErr_Format(PyExc_ValueError, "unknown advice %d: use memmap.NORMAL, SEQUENTIAL, RANDOM, WILLNEED, "
                     "DONTNEED, HUGEPAGE or NOHUGEPAGE", advice);
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

/* lock(), unlock() and evict(): a call on [offset, offset+length) and nothing else. */
static PyObject *on_range(PyObject *self, PyObject *args, PyObject *kwargs, const char *format,
                          int (*call)(memmap_t *, size_t, size_t))
{
    static char *keywords[] = {"offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL;
    size_t at, n;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &offset_obj, &length_obj))
        return NULL;
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    RUN_RANGE_OP(self, n, call(map, at, n));
}

PyDoc_STRVAR(lock_doc,
"lock(offset=0, length=None)\n--\n\n"
"Lock [offset, offset+length), widened to whole pages, into RAM, faulting it in.\n"
"OSError (errno ENOMEM) when a locked-memory limit is reached.");

static PyObject *Map_lock(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return on_range(self, args, kwargs, "|OO:lock", memmap_lock);
}

PyDoc_STRVAR(unlock_doc,
"unlock(offset=0, length=None)\n--\n\n"
"Undo lock() for [offset, offset+length).");

static PyObject *Map_unlock(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return on_range(self, args, kwargs, "|OO:unlock", memmap_unlock);
}

/* --- the page cache ---------------------------------------------------------------- */

/* Pages in [at, at+n) widened to whole pages, as the C library widens it: the
 * length of residency()'s vector.  Pages are counted from the mapped address,
 * which need not be page-aligned at offset 0 (memmap hides the granularity). */
static size_t span_pages(memmap_t *map, size_t at, size_t n)
{
    uintptr_t page = memmap_page_size();
    uintptr_t start = (uintptr_t)memmap_data(map) + at;
    if (n == 0)
        return 0;
    return (size_t)((((start + n + page - 1) & ~(page - 1)) - (start & ~(page - 1))) / page);
}

PyDoc_STRVAR(residency_doc,
"residency(offset=0, length=None)\n--\n\n"
"Report which pages of [offset, offset+length), widened to whole pages, are in\n"
"memory now.  Returns (vector, count): vector is a bytes object with one byte\n"
"per page, bit 0 set when the page is resident (numpy.frombuffer(vector,\n"
"dtype=numpy.uint8) gives an array of it); count is the number of resident\n"
"pages.  An empty range gives (b'', 0).  What resident means depends on the\n"
"platform: on Linux the page cache (for a file the caller may not write, only\n"
"the pages this process has mapped in), on Windows this process's working set.\n"
"ValueError when the range is outside the map.");

static PyObject *Map_residency(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "length", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL, *vector;
    size_t at, n, pages, count = 0;
    memmap_t *map;
    int rc = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:residency", keywords, &offset_obj, &length_obj))
        return NULL;
    if (!(map = range_of(self, offset_obj, length_obj, &at, &n)))
        return NULL;
    pages = span_pages(map, at, n);
    /* Filled in place before anyone else sees it.  Allocating runs no Python
     * code, so the map found above stays valid. */
    if (!(vector = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)pages)))
        return NULL;
    /* An empty range asks nothing: the C API reads a length of 0 as "to the end". */
    if (pages > 0) {
        unsigned char *vec = (unsigned char *)PyBytes_AsString(vector);
        /* Without the GIL: a large map has many pages to ask the kernel about. */
        PYMM_BEGIN_BLOCKING(BASE(self));
        rc = memmap_residency(map, at, n, vec, &count);
        PYMM_END_BLOCKING(BASE(self));
    }
    if (rc != 0) {
        Py_DECREF(vector);
        return pymm_raise(rc, NULL);
    }
    return Py_BuildValue("(NN)", vector, PyLong_FromSize_t(count));
}

PyDoc_STRVAR(evict_doc,
"evict(offset=0, length=None)\n--\n\n"
"Drop the pages of [offset, offset+length), widened to whole pages, from memory\n"
"where the platform allows it.  No data is lost: changes of a shared file map\n"
"are written to the file first, and changes of a private or anonymous map are\n"
"kept (or go to swap).  Succeeds where nothing can be evicted (tmpfs, no swap,\n"
"pages another process maps): residency() tells what stayed.  ValueError when\n"
"the range is outside the map; OSError (errno EIO) when writing back fails.");

static PyObject *Map_evict(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return on_range(self, args, kwargs, "|OO:evict", memmap_evict);
}

PyDoc_STRVAR(resize_doc,
"resize(new_length, *, truncate=False, sparse=False, may_move=True)\n--\n\n"
"Change the mapped length, keeping the contents.  A writable file map (or shared\n"
"memory) whose new end is past the end of the file grows the file, allocated\n"
"unless sparse=True; read-only and copy-on-write maps cannot reach past it\n"
"(OSError, errno ERANGE).  Shrinking leaves the file alone unless truncate=True.\n"
"Within the capacity the data stays where it is; past it the data may move to\n"
"a new address, and may_move=False raises OSError (errno EBUSY) instead.\n"
"While buffers are exported (a memoryview or numpy array of the map is alive)\n"
"only a resize within the capacity that keeps every byte they cover is allowed;\n"
"they stay valid and see the map's new writes.  Any other raises BufferError.\n"
"On failure the map is unchanged.");

static PyObject *Map_resize(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"new_length", "truncate", "sparse", "may_move", NULL};
    PyObject *length_obj;
    Py_ssize_t length;
    int truncate = 0, sparse = 0, may_move = 1, rc;
    unsigned flags;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$ppp:resize", keywords, &length_obj, &truncate, &sparse,
                                     &may_move))
        return NULL;
    if (pymm_offset_arg(length_obj, "new_length", &length) != 0)
        return NULL;
    if (!pymm_enter(BASE(self)))
        return NULL;
    flags = (truncate ? MEMMAP_TRUNCATE : 0u) | (sparse ? MEMMAP_SPARSE : 0u) | (may_move ? 0u : MEMMAP_NOMOVE);
    if (pymm_resize(BASE(self), (size_t)length, flags, &rc) != 0)
        return NULL;
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(reserve_doc,
"reserve(capacity, *, nomove=False)\n--\n\n"
"Make room for the map to grow to capacity bytes without moving: address space\n"
"past its end is set aside (inaccessible, using no memory), and later resizes\n"
"up to the capacity keep the data where it is, even while buffers are exported.\n"
"The data may move once, during this call; nomove=True raises OSError (errno\n"
"EBUSY) instead (always, for an empty map).  A capacity not above the current\n"
"one does nothing.  BufferError while buffers are exported (unless it does\n"
"nothing).  Windows: OSError (ENOTSUP) for a file or shared memory map on a\n"
"system without placeholders (before Windows 10 1803).");

static PyObject *Map_reserve(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"capacity", "nomove", NULL};
    PyObject *capacity_obj;
    Py_ssize_t capacity;
    int nomove = 0, rc;
    memmap_t *map;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$p:reserve", keywords, &capacity_obj, &nomove))
        return NULL;
    if (pymm_offset_arg(capacity_obj, "capacity", &capacity) != 0)
        return NULL;
    if (!(map = pymm_enter(BASE(self))))
        return NULL;
    /* Nothing changes, so nothing needs the map to itself. */
    if ((size_t)capacity <= memmap_capacity(map))
        Py_RETURN_NONE;
    /* The data may move: exports would be left pointing at the old address. */
    if (pymm_exclusive_begin(BASE(self), "cannot reserve room for the map while buffers are exported (release "
                             "the memoryview or delete the array first)") != 0)
        return NULL;
    map = BASE(self)->map;
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_reserve(map, (size_t)capacity, nomove ? MEMMAP_NOMOVE : 0u);
    Py_END_ALLOW_THREADS
    pymm_exclusive_end(BASE(self));
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyMethodDef Map_methods[] = {
    {"close", pymm_close, METH_NOARGS, close_doc},
    PYMM_CORE_METHODS,
    {"read_at", (PyCFunction)(void (*)(void))Map_read_at, METH_VARARGS | METH_KEYWORDS, read_at_doc},
    {"write_at", (PyCFunction)(void (*)(void))Map_write_at, METH_VARARGS | METH_KEYWORDS, write_at_doc},
    {"sync", (PyCFunction)(void (*)(void))Map_sync, METH_VARARGS | METH_KEYWORDS, sync_doc},
    {"advise", (PyCFunction)(void (*)(void))Map_advise, METH_VARARGS | METH_KEYWORDS, advise_doc},
    {"protect", (PyCFunction)(void (*)(void))Map_protect, METH_VARARGS | METH_KEYWORDS, protect_doc},
    {"lock", (PyCFunction)(void (*)(void))Map_lock, METH_VARARGS | METH_KEYWORDS, lock_doc},
    {"unlock", (PyCFunction)(void (*)(void))Map_unlock, METH_VARARGS | METH_KEYWORDS, unlock_doc},
    {"resize", (PyCFunction)(void (*)(void))Map_resize, METH_VARARGS | METH_KEYWORDS, resize_doc},
    {"reserve", (PyCFunction)(void (*)(void))Map_reserve, METH_VARARGS | METH_KEYWORDS, reserve_doc},
    {"residency", (PyCFunction)(void (*)(void))Map_residency, METH_VARARGS | METH_KEYWORDS, residency_doc},
    {"evict", (PyCFunction)(void (*)(void))Map_evict, METH_VARARGS | METH_KEYWORDS, evict_doc},
    {NULL, NULL, 0, NULL}
};

static PyMemberDef Map_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(pymm_object, weakreflist), READONLY, NULL},
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
    {Py_tp_repr, Map_repr},
    {Py_tp_methods, Map_methods},
    {Py_tp_members, Map_members},
    {Py_tp_getset, Map_getset},
    PYMM_CORE_SLOTS,
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
