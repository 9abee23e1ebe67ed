/* SPDX-License-Identifier: MIT */
/*
 * memmap.mmap: a drop-in for the standard library's mmap.mmap, as Python 3.11
 * to 3.15 have it (trackfd, seekable, flush flags, set_name), on top of the
 * memmap library and the object core both map types share (core.c).
 *
 * It takes the same arguments, has the same methods, attributes, constants and
 * errors (exception types and, where code may test them, messages), and keeps
 * the same file-like cursor.  What differs, on purpose:
 *  - offset needs no alignment;
 *  - every copy is guarded, so a truncated file raises OSError, not SIGBUS;
 *  - a writable map that grows a file allocates its blocks (a full disk is an
 *    OSError at resize time, not a SIGBUS later);
 *  - madvise exists on every platform; MADV_DONTNEED never discards data;
 *  - anonymous memory that grows again after a shrink reads as zero there (the
 *    standard module's mremap brings back the stale bytes of the last page);
 *  - resize(0) gives an empty map (the standard module's mremap fails with
 *    EINVAL on Linux);
 *  - on Windows a tagname names a memmap shared memory object (so the same
 *    name also works with memmap.shared_memory on every platform).
 */
#include "bindings.h"

#include <errno.h>
#include <string.h>
#include <structmember.h>

#ifndef _WIN32
#  include <sys/mman.h>
#endif

#ifndef _WIN32
/* prot takes the memmap values (memmap.PROT_*): they must be the OS's for the drop-in to hold. */
#  if PROT_READ != 0x1 || PROT_WRITE != 0x2 || PROT_EXEC != 0x4
#    error "PROT_* differ from MEMMAP_READ/WRITE/EXEC: translate them in translate_access"
#  endif
#endif

enum access_mode { ACCESS_DEFAULT, ACCESS_READ, ACCESS_WRITE, ACCESS_COPY };

/* MAP_SHARED and MAP_PRIVATE where the OS has none (Windows). */
#ifndef MAP_SHARED
#  define MAP_SHARED 0x01
#endif
#ifndef MAP_PRIVATE
#  define MAP_PRIVATE 0x02
#endif
/* flush()'s flags where the OS has no msync (Windows): Linux's values. */
#ifndef MS_ASYNC
#  define MS_ASYNC 1
#  define MS_INVALIDATE 2
#  define MS_SYNC 4
#endif

#if defined(__linux__)
#  include <sys/prctl.h>
#  ifndef PR_SET_VMA
#    define PR_SET_VMA 0x53564d41
#    define PR_SET_VMA_ANON_NAME 0
#  endif
#endif

typedef struct {
    pymm_object base;
    Py_ssize_t pos;      /* the file-like cursor; may exceed the size after a resize */
    int access;          /* enum access_mode, as the standard module reports it */
    int file_backed;     /* a map of a file, not anonymous memory */
    int trackfd;         /* size() and resize() may use the file (trackfd=True) */
} MmapObject;

PyTypeObject *pymm_mmap_Type;

#define BASE(self) ((pymm_object *)(self))

static int mmap_writable(pymm_object *self)
{
    return ((MmapObject *)self)->access != ACCESS_READ;
}

/* The standard module's wording, which callers match on. */
static const pymm_kind mmap_kind = {
    "mmap closed or invalid",
    "mmap can't modify a readonly memory map.",
    "mmap index out of range",
    "mmap indices must be integers",
    "mmap indices must be integer",
    "mmap item value must be an int",
    "mmap item value must be in range(0, 256)",
    0,
    "mmap slice assignment is wrong size",
    1,
    "mmap doesn't support item deletion",
    "mmap object doesn't support slice deletion",
    "cannot close exported pointers exist",
    "mmap can't resize with extant buffers exported.",
    0,
    0,
    1,
    mmap_writable,
    NULL,
};

static memmap_t *valid_map(MmapObject *self)
{
    return pymm_enter(BASE(self));
}

static Py_ssize_t map_size(MmapObject *self)
{
    return (Py_ssize_t)memmap_size(self->base.map);
}

static int is_writable(MmapObject *self)
{
    return pymm_require_writable(BASE(self)) == 0;
}

/* --- creation ------------------------------------------------------------------ */

/*
 * Checks the requested range against the file as the standard module does
 * (only regular files; its messages), and turns length 0 into "to the end".
 */
static int check_file_range(memmap_file_t file, Py_ssize_t *length, long long offset, int writable)
{
    uint64_t size;
    int rc = memmap_file_length(file, &size);
    (void)writable;
    if (rc == MEMMAP_EISDIR) {
        /* What the system's mmap says: EINVAL for length 0 (the standard
         * module maps a non-regular file as asked), ENODEV otherwise. */
        errno = *length == 0 ? EINVAL : ENODEV;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    if (rc == MEMMAP_ENOTSUP || rc == MEMMAP_ENODEV)
        return 0; /* not a regular file: mapped as asked, and memmap_open_file decides */
    if (rc != 0) {
        pymm_raise(rc, NULL);
        return -1;
    }
    if (*length == 0) {
        if (size == 0) {
            PyErr_SetString(PyExc_ValueError, "cannot mmap an empty file");
            return -1;
        }
        if ((uint64_t)offset >= size) {
            PyErr_SetString(PyExc_ValueError, "mmap offset is greater than file size");
            return -1;
        }
        if (size - (uint64_t)offset > (uint64_t)PY_SSIZE_T_MAX) {
            PyErr_SetString(PyExc_ValueError, "mmap length is too large");
            return -1;
        }
        *length = (Py_ssize_t)(size - (uint64_t)offset);
        return 0;
    }
#ifdef _WIN32
    /* Windows grows the file to fit a writable map, as the standard module does there. */
    if (writable)
        return 0;
#endif
    if ((uint64_t)offset > size || size - (uint64_t)offset < (uint64_t)*length) {
        PyErr_SetString(PyExc_ValueError, "mmap length is greater than file size");
        return -1;
    }
    return 0;
}

/* memmap flags for the standard module's flags/prot/access trio; sets *access as it does. */
static int translate_access(int flags, int prot, int *access, unsigned *mflags)
{
    if (*access != ACCESS_DEFAULT && (flags != MAP_SHARED || prot != (MEMMAP_READ | MEMMAP_WRITE))) {
        PyErr_SetString(PyExc_ValueError, "mmap can't specify both access and flags, prot.");
        return -1;
    }
    switch (*access) {
    case ACCESS_READ:
        flags = MAP_SHARED;
        prot = MEMMAP_READ;
        break;
    case ACCESS_WRITE:
        flags = MAP_SHARED;
        prot = MEMMAP_READ | MEMMAP_WRITE;
        break;
    case ACCESS_COPY:
        flags = MAP_PRIVATE;
        prot = MEMMAP_READ | MEMMAP_WRITE;
        break;
    case ACCESS_DEFAULT:
        if ((prot & MEMMAP_READ) && (prot & MEMMAP_WRITE))
            break;
        *access = (prot & MEMMAP_WRITE) ? ACCESS_WRITE : ACCESS_READ;
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "mmap invalid access parameter.");
        return -1;
    }
    if (!(flags & (MAP_SHARED | MAP_PRIVATE))) {
        errno = EINVAL; /* what mmap says to neither */
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    *mflags = MEMMAP_READ;
    if (prot & MEMMAP_WRITE)
        *mflags |= (flags & MAP_PRIVATE) ? MEMMAP_COPY : MEMMAP_WRITE;
    if (prot & MEMMAP_EXEC)
        *mflags |= MEMMAP_EXEC;
#ifdef MAP_POPULATE
    if (flags & MAP_POPULATE)
        *mflags |= MEMMAP_POPULATE;
#endif
    if (!(flags & MAP_PRIVATE))
        *mflags |= MEMMAP_SHARED; /* only anonymous maps keep it */
    return 0;
}

/* Maps what the constructor asked for into self->base.map, or raises. */
static int map_for(MmapObject *self, int fileno, Py_ssize_t length, long long offset, unsigned mflags,
                   PyObject *tagname)
{
    memmap_t *map = NULL;
    int rc;

    if (fileno == -1) {
        unsigned anon_flags = mflags & (MEMMAP_EXEC | MEMMAP_POPULATE | MEMMAP_SHARED);
#ifdef _WIN32
        if (tagname && tagname != Py_None) {
            const char *name;
            if (!PyUnicode_Check(tagname)) {
                pymm_raise_type("tagname must be str or None", tagname);
                return -1;
            }
            if (!(name = PyUnicode_AsUTF8AndSize(tagname, NULL)))
                return -1;
            Py_BEGIN_ALLOW_THREADS
            rc = memmap_shm_open(&map, name, (size_t)length, MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE);
            Py_END_ALLOW_THREADS
            if (rc != 0) {
                pymm_raise(rc, tagname);
                return -1;
            }
            self->base.map = map;
            return 0;
        }
#else
        (void)tagname;
#endif
        if (length == 0) {
            /* What the system's mmap says to an empty anonymous map. */
            errno = EINVAL;
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        Py_BEGIN_ALLOW_THREADS
        rc = memmap_anon(&map, (size_t)length, anon_flags);
        Py_END_ALLOW_THREADS
    } else {
        memmap_options opt;
        memmap_file_t file;
        if (pymm_file_from_fd(fileno, &file) != 0)
            return -1;
        if (check_file_range(file, &length, offset, (mflags & MEMMAP_WRITE) != 0) != 0)
            return -1;
        self->file_backed = 1;
        /* The map holds the one duplicate of the file it needs (size(), resize()). */
        memset(&opt, 0, sizeof opt);
        opt.offset = (uint64_t)offset;
        opt.length = (size_t)length;
        Py_BEGIN_ALLOW_THREADS
        rc = memmap_open_file(&map, file, mflags & ~MEMMAP_SHARED, &opt);
        Py_END_ALLOW_THREADS
    }
    if (rc != 0) {
        pymm_raise(rc, NULL);
        return -1;
    }
    self->base.map = map;
    return 0;
}

static PyObject *mmap_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
#ifdef _WIN32
    static char *keywords[] = {"fileno", "length", "tagname", "access", "offset", "trackfd", NULL};
#else
    static char *keywords[] = {"fileno", "length", "flags", "prot", "access", "offset", "trackfd", NULL};
#endif
    int fileno, flags = MAP_SHARED, prot = MEMMAP_READ | MEMMAP_WRITE, access = ACCESS_DEFAULT, trackfd = 1;
    Py_ssize_t length;
    long long offset = 0;
    PyObject *tagname = NULL;
    unsigned mflags;
    MmapObject *self;

#ifdef _WIN32
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "in|OiL$p:mmap", keywords, &fileno, &length, &tagname, &access,
                                     &offset, &trackfd))
        return NULL;
#else
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "in|iiiL$p:mmap", keywords, &fileno, &length, &flags, &prot,
                                     &access, &offset, &trackfd))
        return NULL;
#endif
    if (length < 0) {
        PyErr_SetString(PyExc_OverflowError, "memory mapped length must be positive");
        return NULL;
    }
    if (offset < 0) {
        PyErr_SetString(PyExc_OverflowError, "memory mapped offset must be positive");
        return NULL;
    }
    if (translate_access(flags, prot, &access, &mflags) != 0)
        return NULL;

    self = (MmapObject *)pymm_alloc(type, &mmap_kind);
    if (!self)
        return NULL;
    self->access = access;
    self->trackfd = trackfd;
    if (map_for(self, fileno, length, offset, mflags, tagname) != 0) {
        Py_DECREF(self);
        return NULL;
    }
    if (prot == 0 && memmap_size(self->base.map) > 0) {
        /* PROT_NONE, as asked: guarded copies raise, exported buffers fault. */
        int rc = memmap_protect(self->base.map, 0, 0, MEMMAP_NONE);
        if (rc != 0) {
            Py_DECREF(self);
            return pymm_raise(rc, NULL);
        }
    }
    return (PyObject *)self;
}

static PyObject *mmap_repr(PyObject *obj)
{
    static const char *const access_names[] = {"ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY"};
    MmapObject *self = (MmapObject *)obj;
    PyObject *name, *repr;
    /* The exact type reports itself as the standard module's does. */
    if (Py_TYPE(obj) == pymm_mmap_Type)
        name = PyUnicode_FromString("mmap.mmap");
    else
        name = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__qualname__");
    if (!name)
        return NULL;
    if (!self->base.map)
        repr = PyUnicode_FromFormat("<%U closed=True>", name);
    else
        repr = PyUnicode_FromFormat("<%U closed=False, access=%s, length=%zd, pos=%zd, offset=%llu>", name,
                                    access_names[self->access], map_size(self), self->pos,
                                    (unsigned long long)memmap_offset(self->base.map));
    Py_DECREF(name);
    return repr;
}

/* --- the cursor: read, write, seek ------------------------------------------------- */

/* Bytes from the cursor to the end (0 when a resize left the cursor past it). */
static Py_ssize_t remaining(MmapObject *self)
{
    Py_ssize_t size = map_size(self);
    return self->pos < size ? size - self->pos : 0;
}

static PyObject *mmap_read(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    PyObject *n_obj = Py_None, *result;
    Py_ssize_t n = -1, left;

    if (!PyArg_ParseTuple(args, "|O:read", &n_obj))
        return NULL;
    if (n_obj != Py_None) {
        if (!PyIndex_Check(n_obj)) {
            return pymm_raise_type("argument should be integer or None", n_obj);
        }
        n = PyNumber_AsSsize_t(n_obj, PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred())
            return NULL;
    }
    if (!valid_map(self))
        return NULL;
    left = remaining(self);
    if (n < 0 || n > left)
        n = left;
    result = pymm_read_bytes(BASE(self), (size_t)self->pos, (size_t)n);
    if (result)
        self->pos += n;
    return result;
}

static PyObject *mmap_read_byte(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    unsigned char byte;
    (void)unused;
    if (!valid_map(self))
        return NULL;
    if (self->pos >= map_size(self)) {
        PyErr_SetString(PyExc_ValueError, "read byte out of range");
        return NULL;
    }
    if (pymm_read(BASE(self), (size_t)self->pos, &byte, 1) != 0)
        return NULL;
    self->pos++;
    return PyLong_FromLong(byte);
}

static PyObject *mmap_readline(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t end, newline, start;
    PyObject *line;
    (void)unused;
    if (!valid_map(self))
        return NULL;
    start = self->pos;
    end = start + remaining(self);
    newline = pymm_find_newline(BASE(self), (size_t)start, (size_t)end);
    if (newline < 0)
        return NULL;
    if (newline < end)
        newline++; /* the line keeps its '\n' */
    line = pymm_read_bytes(BASE(self), (size_t)start, (size_t)(newline - start));
    if (line)
        self->pos = newline;
    return line;
}

static PyObject *mmap_write(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_buffer data;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "y*:write", &data))
        return NULL;
    if (!valid_map(self) || !is_writable(self))
        goto done;
    if (self->pos > map_size(self) || map_size(self) - self->pos < data.len) {
        PyErr_SetString(PyExc_ValueError, "data out of range");
        goto done;
    }
    if (pymm_write_buffer(BASE(self), (size_t)self->pos, data.buf, (size_t)data.len) != 0)
        goto done;
    self->pos += data.len;
    result = PyLong_FromSsize_t(data.len);
done:
    PyBuffer_Release(&data);
    return result;
}

static PyObject *mmap_write_byte(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    unsigned char byte;
    if (!PyArg_ParseTuple(args, "b:write_byte", &byte))
        return NULL;
    if (!valid_map(self) || !is_writable(self))
        return NULL;
    if (self->pos >= map_size(self)) {
        PyErr_SetString(PyExc_ValueError, "write byte out of range");
        return NULL;
    }
    if (pymm_write(BASE(self), (size_t)self->pos, &byte, 1) != 0)
        return NULL;
    self->pos++;
    Py_RETURN_NONE;
}

static PyObject *mmap_seek(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t distance, where, size;
    int whence = 0;
    if (!PyArg_ParseTuple(args, "n|i:seek", &distance, &whence))
        return NULL;
    if (!valid_map(self))
        return NULL;
    size = map_size(self);
    switch (whence) {
    case 0:
        where = distance;
        break;
    case 1:
        if (distance > 0 ? PY_SSIZE_T_MAX - self->pos < distance : self->pos + distance < 0)
            goto out_of_range;
        where = self->pos + distance;
        break;
    case 2:
        if (distance > 0 ? PY_SSIZE_T_MAX - size < distance : size + distance < 0)
            goto out_of_range;
        where = size + distance;
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown seek type");
        return NULL;
    }
    if (where < 0 || where > size)
        goto out_of_range;
    self->pos = where;
    return PyLong_FromSsize_t(where); /* 3.13 returns the new position */
out_of_range:
    PyErr_SetString(PyExc_ValueError, "seek out of range");
    return NULL;
}

static PyObject *mmap_seekable(PyObject *obj, PyObject *unused)
{
    (void)obj;
    (void)unused;
    Py_RETURN_TRUE;
}

static PyObject *mmap_tell(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    (void)unused;
    if (!valid_map(self))
        return NULL;
    return PyLong_FromSsize_t(self->pos);
}

/* --- searching and moving -------------------------------------------------------- */

/* A find/rfind bound as the standard module clamps it: negative counts from the end. */
static Py_ssize_t clamp_bound(Py_ssize_t value, Py_ssize_t size)
{
    if (value < 0) {
        value += size;
        if (value < 0)
            value = 0;
    } else if (value > size) {
        value = size;
    }
    return value;
}

static PyObject *find_common(MmapObject *self, PyObject *args, int reverse)
{
    Py_buffer needle;
    Py_ssize_t start = PY_SSIZE_T_MIN, end = PY_SSIZE_T_MAX, found, size;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, reverse ? "y*|nn:rfind" : "y*|nn:find", &needle, &start, &end))
        return NULL;
    if (!valid_map(self))
        goto done;
    size = map_size(self);
    if (start == PY_SSIZE_T_MIN)
        start = self->pos; /* the search starts at the cursor unless told otherwise */
    if (start > size) {
        /* Nothing, not even b'', is found past the end (Python 3.15). */
        result = PyLong_FromLong(-1);
        goto done;
    }
    start = clamp_bound(start, size);
    end = clamp_bound(end, size);
    if (pymm_find(BASE(self), needle.buf, (size_t)needle.len, (size_t)start, (size_t)end, reverse, &found) == 0)
        result = PyLong_FromSsize_t(found);
done:
    PyBuffer_Release(&needle);
    return result;
}

static PyObject *mmap_find(PyObject *obj, PyObject *args)
{
    return find_common((MmapObject *)obj, args, 0);
}

static PyObject *mmap_rfind(PyObject *obj, PyObject *args)
{
    return find_common((MmapObject *)obj, args, 1);
}

static PyObject *mmap_move(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t dest, src, count, size;
    if (!PyArg_ParseTuple(args, "nnn:move", &dest, &src, &count))
        return NULL;
    if (!valid_map(self) || !is_writable(self))
        return NULL;
    size = map_size(self);
    if (dest < 0 || src < 0 || count < 0 || size - dest < count || size - src < count) {
        PyErr_SetString(PyExc_ValueError, "source, destination, or count out of range");
        return NULL;
    }
    if (pymm_move(BASE(self), (size_t)dest, (size_t)src, (size_t)count) != 0)
        return NULL;
    Py_RETURN_NONE;
}

/* --- flush, madvise, size, resize ---------------------------------------------------- */

static PyObject *mmap_flush(PyObject *obj, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"offset", "size", "flags", NULL};
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t offset = 0, size = PY_SSIZE_T_MIN, map_len;
    int flags = MS_SYNC, rc = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|nn$i:flush", keywords, &offset, &size, &flags))
        return NULL;
    if (!valid_map(self))
        return NULL;
    map_len = map_size(self);
    if (size == PY_SSIZE_T_MIN) /* from offset to the end (Python 3.15) */
        size = offset >= 0 && offset <= map_len ? map_len - offset : 0;
    if (size < 0 || offset < 0 || map_len - offset < size) {
        PyErr_SetString(PyExc_ValueError, "flush values out of range");
        return NULL;
    }
    if ((flags & ~(MS_SYNC | MS_ASYNC | MS_INVALIDATE)) != 0 || (flags & MS_SYNC && flags & MS_ASYNC)) {
        errno = EINVAL; /* what msync says */
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    if (self->access == ACCESS_READ || self->access == ACCESS_COPY)
        Py_RETURN_NONE;
#ifndef _WIN32
    /* memmap_sync needs no alignment, but the standard module's msync does, and
     * code written for it may rely on the error: keep it. */
    if (((uintptr_t)memmap_data(self->base.map) + (uintptr_t)offset) % memmap_page_size() != 0) {
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
#endif
    if (size == 0)
        Py_RETURN_NONE;
    /* MS_INVALIDATE asks other maps of the file to see the data: shared maps
     * always do on the systems memmap runs on, so only the wait differs. */
    PYMM_BEGIN_BLOCKING(BASE(self));
    rc = memmap_sync(self->base.map, (size_t)offset, (size_t)size, (flags & MS_ASYNC) ? MEMMAP_SYNC_ASYNC : 0u);
    PYMM_END_BLOCKING(BASE(self));
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* The memmap advice for a MADV_* value, or -1 for one memmap has no portable equivalent of. */
static int advice_for(int option)
{
#ifdef MADV_NORMAL
    switch (option) {
    case MADV_NORMAL: return MEMMAP_ADVICE_NORMAL;
    case MADV_SEQUENTIAL: return MEMMAP_ADVICE_SEQUENTIAL;
    case MADV_RANDOM: return MEMMAP_ADVICE_RANDOM;
    case MADV_WILLNEED: return MEMMAP_ADVICE_WILLNEED;
    case MADV_DONTNEED: return MEMMAP_ADVICE_DONTNEED;
    default: return -1;
    }
#else
    return option >= MEMMAP_ADVICE_NORMAL && option <= MEMMAP_ADVICE_DONTNEED ? option : -1;
#endif
}

static PyObject *mmap_madvise(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    int option, advice, rc;
    Py_ssize_t start = 0, length = PY_SSIZE_T_MIN, size;
    if (!PyArg_ParseTuple(args, "i|nn:madvise", &option, &start, &length))
        return NULL;
    if (!valid_map(self))
        return NULL;
    size = map_size(self);
    if (start < 0 || start >= size) {
        PyErr_SetString(PyExc_ValueError, "madvise start out of bounds");
        return NULL;
    }
    if (length == PY_SSIZE_T_MIN)
        length = size - start;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "madvise length invalid");
        return NULL;
    }
    if (PY_SSIZE_T_MAX - start < length) {
        PyErr_SetString(PyExc_OverflowError, "madvise length too large");
        return NULL;
    }
    if (start + length > size)
        length = size - start;
    if (length == 0)
        Py_RETURN_NONE;
#ifndef _WIN32
    /* memmap_advise needs no alignment, but madvise, which the standard module
     * calls, wants a page-aligned start: keep its error, as flush() does. */
    if (((uintptr_t)memmap_data(self->base.map) + (uintptr_t)start) % memmap_page_size() != 0) {
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
#endif
    advice = advice_for(option);
    if (advice < 0) {
#ifndef _WIN32
        /* A Linux-only advice (MADV_HUGEPAGE, MADV_FREE, ...): straight to the
         * kernel, as the standard module does, alignment rules included. */
        unsigned char *addr = (unsigned char *)memmap_data(self->base.map) + start;
        PYMM_BEGIN_BLOCKING(BASE(self));
        rc = madvise(addr, (size_t)length, option);
        PYMM_END_BLOCKING(BASE(self));
        if (rc != 0)
            return PyErr_SetFromErrno(PyExc_OSError);
        Py_RETURN_NONE;
#else
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
#endif
    }
    PYMM_BEGIN_BLOCKING(BASE(self));
    rc = memmap_advise(self->base.map, (size_t)start, (size_t)length, advice);
    PYMM_END_BLOCKING(BASE(self));
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* The longest name set_name() takes: the kernel's 80 bytes, less the prefix and the NUL, as Python 3.15. */
#define NAME_PREFIX "cpython:mmap:"
#define NAME_MAX_LENGTH (80 - (sizeof NAME_PREFIX - 1) - 1)

/* Names anonymous memory in /proc/self/maps (Linux 5.17+). */
static PyObject *mmap_set_name(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    const char *name;
    Py_ssize_t name_len;
    if (!PyArg_ParseTuple(args, "s#:set_name", &name, &name_len))
        return NULL;
    if ((size_t)name_len > NAME_MAX_LENGTH) {
        PyErr_Format(PyExc_ValueError, "name is too long: at most %d characters", (int)NAME_MAX_LENGTH);
        return NULL;
    }
    if (!valid_map(self))
        return NULL;
    if (self->file_backed) {
        PyErr_SetString(PyExc_ValueError, "set_name() names anonymous memory, not a map of a file");
        return NULL;
    }
#if defined(__linux__)
    {
        char full[80];
        memcpy(full, NAME_PREFIX, sizeof NAME_PREFIX - 1);
        memcpy(full + sizeof NAME_PREFIX - 1, name, (size_t)name_len + 1);
        if (map_size(self) > 0 &&
            prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)memmap_data(self->base.map),
                  (unsigned long)map_size(self), (unsigned long)full) != 0)
            return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
#else
    errno = ENOTSUP;
    return PyErr_SetFromErrno(PyExc_OSError);
#endif
}

/* io.UnsupportedOperation: both OSError and ValueError. */
static PyObject *unsupported_operation;

/*
 * size() and resize() need the file: trackfd=False gives it up.  Python 3.13
 * and 3.14 raise OSError (EBADF) then, 3.15 ValueError; io.UnsupportedOperation
 * is both.
 */
static int require_trackfd(MmapObject *self)
{
    PyObject *exc;
    if (self->trackfd)
        return 0;
    exc = PyObject_CallFunction(unsupported_operation, "is", EBADF, "mmap was created with trackfd=False");
    if (exc) {
        PyErr_SetObject(unsupported_operation, exc);
        Py_DECREF(exc);
    }
    return -1;
}

static PyObject *mmap_size(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    uint64_t size;
    int rc;
    (void)unused;
    if (!valid_map(self) || require_trackfd(self) != 0)
        return NULL;
    rc = memmap_file_size(self->base.map, &size);
    if (rc != 0)
        return pymm_raise(rc, NULL);
    return PyLong_FromUnsignedLongLong(size);
}

static PyObject *mmap_resize(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t new_size;
    int rc;
    if (!PyArg_ParseTuple(args, "n:resize", &new_size))
        return NULL;
    if (!valid_map(self) || require_trackfd(self) != 0)
        return NULL;
    if (self->base.exports > 0) {
        PyErr_SetString(PyExc_BufferError, mmap_kind.exported_resize);
        return NULL;
    }
    if (self->access != ACCESS_WRITE && self->access != ACCESS_DEFAULT) {
        PyErr_SetString(PyExc_TypeError, "mmap can't resize a readonly or copy-on-write memory map.");
        return NULL;
    }
    if (new_size < 0 || (unsigned long long)(PY_SSIZE_T_MAX - new_size) < memmap_offset(self->base.map)) {
        PyErr_SetString(PyExc_ValueError, "new size out of range");
        return NULL;
    }
    /* A file's length becomes offset + new_size, shorter or longer, as with the standard module. */
    if (pymm_resize(BASE(self), (size_t)new_size, self->file_backed ? MEMMAP_TRUNCATE : 0u, &rc) != 0)
        return NULL;
    if (rc == MEMMAP_ENOTSUP) {
        /* Python 3.14's answer on Linux, where children sharing it could not see new pages. */
        PyErr_SetString(PyExc_ValueError, "mmap: can't expand a shared anonymous mapping");
        return NULL;
    }
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* --- the type -------------------------------------------------------------------------- */

static PyMethodDef mmap_methods[] = {
    {"close", pymm_close, METH_NOARGS, "close()\n--\n\nClose the map."},
    {"find", mmap_find, METH_VARARGS,
     "find(sub[, start[, end]])\n--\n\nLowest index of sub in [start, end) (start defaults to the cursor), or -1."},
    {"rfind", mmap_rfind, METH_VARARGS,
     "rfind(sub[, start[, end]])\n--\n\nHighest index of sub in [start, end) (start defaults to the cursor), or -1."},
    {"flush", (PyCFunction)(void (*)(void))mmap_flush, METH_VARARGS | METH_KEYWORDS,
     "flush([offset[, size]], *, flags=MS_SYNC)\n--\n\nWrite changes in [offset, offset+size) (to the end by default)\n"
     "back to the file; MS_SYNC waits for them, MS_ASYNC only starts the write-back."},
    {"madvise", mmap_madvise, METH_VARARGS,
     "madvise(option[, start[, length]])\n--\n\nAdvise the kernel about [start, start+length) (MADV_* constants)."},
    {"move", mmap_move, METH_VARARGS, "move(dest, src, count)\n--\n\nCopy count bytes from src to dest (overlap allowed)."},
    {"read", mmap_read, METH_VARARGS,
     "read([n])\n--\n\nRead up to n bytes from the cursor (all that is left when n is None or negative)."},
    {"read_byte", mmap_read_byte, METH_NOARGS, "read_byte()\n--\n\nRead the byte at the cursor as an int."},
    {"readline", mmap_readline, METH_NOARGS, "readline()\n--\n\nRead a line from the cursor, keeping its newline."},
    {"resize", mmap_resize, METH_VARARGS,
     "resize(newsize)\n--\n\nChange the map's length; a file's length becomes offset + newsize."},
    {"seek", mmap_seek, METH_VARARGS,
     "seek(pos[, whence])\n--\n\nMove the cursor (whence 0, 1 or 2 as for files); return the new position."},
    {"seekable", mmap_seekable, METH_NOARGS, "seekable()\n--\n\nTrue: the cursor can move."},
    {"set_name", mmap_set_name, METH_VARARGS,
     "set_name(name)\n--\n\nName anonymous memory in /proc/self/maps (Linux 5.17 and later)."},
    {"size", mmap_size, METH_NOARGS,
     "size()\n--\n\nLength of the file behind the map (the map's length for anonymous memory).\n"
     "ValueError with trackfd=False."},
    {"tell", mmap_tell, METH_NOARGS, "tell()\n--\n\nThe cursor's position."},
    {"write", mmap_write, METH_VARARGS, "write(bytes)\n--\n\nWrite the bytes at the cursor; return how many."},
    {"write_byte", mmap_write_byte, METH_VARARGS, "write_byte(byte)\n--\n\nWrite one byte (an int) at the cursor."},
    PYMM_CORE_METHODS,
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef mmap_getset[] = {
    {"closed", pymm_get_closed, NULL, "True once close() has run.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMemberDef mmap_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(pymm_object, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}
};

PyDoc_STRVAR(mmap_doc,
#ifdef _WIN32
"mmap(fileno, length, tagname=None, access=ACCESS_DEFAULT, offset=0)\n--\n\n"
#else
"mmap(fileno, length, flags=MAP_SHARED, prot=PROT_WRITE|PROT_READ, access=ACCESS_DEFAULT, offset=0)\n--\n\n"
#endif
"A drop-in replacement for the standard library's mmap.mmap, built on memmap.\n\n"
"Maps length bytes of the file open as fileno (0: to the end of the file), or\n"
"anonymous memory when fileno is -1.  Same arguments, methods, cursor, constants\n"
"and errors as mmap.mmap in Python 3.11, and in addition: offset needs no\n"
"alignment, copies out of and into the map (slicing, read, write, find, move)\n"
"raise OSError instead of crashing when the file was truncated under the map,\n"
"and madvise is available on every platform.");

static PyType_Slot mmap_slots[] = {
    {Py_tp_doc, (void *)mmap_doc},
    {Py_tp_new, mmap_new},
    {Py_tp_repr, mmap_repr},
    {Py_tp_methods, mmap_methods},
    {Py_tp_members, mmap_members},
    {Py_tp_getset, mmap_getset},
    PYMM_CORE_SLOTS,
    {0, NULL}
};

static PyType_Spec mmap_spec = {
    "memmap.mmap", sizeof(MmapObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, mmap_slots
};

/* The standard module's constants, with the platform's values. */
static int add_mmap_constants(PyObject *module)
{
    static const struct { const char *name; long value; } ints[] = {
        {"ACCESS_DEFAULT", ACCESS_DEFAULT}, {"ACCESS_READ", ACCESS_READ},
        {"ACCESS_WRITE", ACCESS_WRITE}, {"ACCESS_COPY", ACCESS_COPY},
#ifndef _WIN32
        {"MAP_SHARED", MAP_SHARED}, {"MAP_PRIVATE", MAP_PRIVATE},
#  ifdef MAP_ANONYMOUS
        {"MAP_ANONYMOUS", MAP_ANONYMOUS}, {"MAP_ANON", MAP_ANONYMOUS},
#  endif
#  ifdef MAP_DENYWRITE
        {"MAP_DENYWRITE", MAP_DENYWRITE},
#  endif
#  ifdef MAP_EXECUTABLE
        {"MAP_EXECUTABLE", MAP_EXECUTABLE},
#  endif
#  ifdef MAP_POPULATE
        {"MAP_POPULATE", MAP_POPULATE},
#  endif
#  ifdef MAP_STACK
        {"MAP_STACK", MAP_STACK},
#  endif
        /* Accepted in flags like the ones above; memmap decides how to map (README). */
#  ifdef MAP_NORESERVE
        {"MAP_NORESERVE", MAP_NORESERVE},
#  endif
#  ifdef MAP_NOEXTEND
        {"MAP_NOEXTEND", MAP_NOEXTEND},
#  endif
#  ifdef MAP_HASSEMAPHORE
        {"MAP_HASSEMAPHORE", MAP_HASSEMAPHORE},
#  endif
#  ifdef MAP_NOCACHE
        {"MAP_NOCACHE", MAP_NOCACHE},
#  endif
#  ifdef MAP_JIT
        {"MAP_JIT", MAP_JIT},
#  endif
#  ifdef MAP_32BIT
        {"MAP_32BIT", MAP_32BIT},
#  endif
#  ifdef MAP_ALIGNED_SUPER
        {"MAP_ALIGNED_SUPER", MAP_ALIGNED_SUPER},
#  endif
#  ifdef MAP_CONCEAL
        {"MAP_CONCEAL", MAP_CONCEAL},
#  endif
        {"MS_SYNC", MS_SYNC}, {"MS_ASYNC", MS_ASYNC}, {"MS_INVALIDATE", MS_INVALIDATE},
#endif
#ifdef MADV_NORMAL
        {"MADV_NORMAL", MADV_NORMAL}, {"MADV_RANDOM", MADV_RANDOM},
        {"MADV_SEQUENTIAL", MADV_SEQUENTIAL}, {"MADV_WILLNEED", MADV_WILLNEED},
        {"MADV_DONTNEED", MADV_DONTNEED},
#else
        {"MADV_NORMAL", MEMMAP_ADVICE_NORMAL}, {"MADV_RANDOM", MEMMAP_ADVICE_RANDOM},
        {"MADV_SEQUENTIAL", MEMMAP_ADVICE_SEQUENTIAL}, {"MADV_WILLNEED", MEMMAP_ADVICE_WILLNEED},
        {"MADV_DONTNEED", MEMMAP_ADVICE_DONTNEED},
#endif
#ifdef MADV_REMOVE
        {"MADV_REMOVE", MADV_REMOVE},
#endif
#ifdef MADV_DONTFORK
        {"MADV_DONTFORK", MADV_DONTFORK},
#endif
#ifdef MADV_DOFORK
        {"MADV_DOFORK", MADV_DOFORK},
#endif
#ifdef MADV_HWPOISON
        {"MADV_HWPOISON", MADV_HWPOISON},
#endif
#ifdef MADV_MERGEABLE
        {"MADV_MERGEABLE", MADV_MERGEABLE},
#endif
#ifdef MADV_UNMERGEABLE
        {"MADV_UNMERGEABLE", MADV_UNMERGEABLE},
#endif
#ifdef MADV_HUGEPAGE
        {"MADV_HUGEPAGE", MADV_HUGEPAGE},
#endif
#ifdef MADV_NOHUGEPAGE
        {"MADV_NOHUGEPAGE", MADV_NOHUGEPAGE},
#endif
#ifdef MADV_DONTDUMP
        {"MADV_DONTDUMP", MADV_DONTDUMP},
#endif
#ifdef MADV_DODUMP
        {"MADV_DODUMP", MADV_DODUMP},
#endif
#ifdef MADV_FREE
        {"MADV_FREE", MADV_FREE},
#endif
    };
    size_t i;
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (PyModule_AddIntConstant(module, ints[i].name, ints[i].value) != 0)
            return -1;
    }
    if (pymm_add_object(module, "PAGESIZE", PyLong_FromSize_t(memmap_page_size())) != 0 ||
        pymm_add_object(module, "ALLOCATIONGRANULARITY", PyLong_FromSize_t(memmap_granularity())) != 0)
        return -1;
    return PyModule_AddObjectRef(module, "error", PyExc_OSError);
}

int pymm_mmap_type_init(PyObject *module)
{
    PyObject *io = PyImport_ImportModule("io");
    if (!io)
        return -1;
    unsupported_operation = PyObject_GetAttrString(io, "UnsupportedOperation");
    Py_DECREF(io);
    if (!unsupported_operation)
        return -1;
    pymm_mmap_Type = (PyTypeObject *)PyType_FromSpec(&mmap_spec);
    if (!pymm_mmap_Type)
        return -1;
    /* The static pointer keeps the reference PyType_FromSpec gave. */
    if (PyModule_AddObjectRef(module, "mmap", (PyObject *)pymm_mmap_Type) != 0)
        return -1;
    return add_mmap_constants(module);
}
