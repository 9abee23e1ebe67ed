/* SPDX-License-Identifier: MIT */
/*
 * memmap.mmap: a drop-in for the standard library's mmap.mmap (Python 3.11),
 * on top of the memmap library.
 *
 * It takes the same arguments, has the same methods, attributes, constants and
 * errors (exception types and, where code may test them, messages), and keeps
 * the same file-like cursor.  What differs, on purpose:
 *  - offset needs no alignment;
 *  - every copy is guarded, so a truncated file raises OSError, not SIGBUS;
 *  - a writable map that grows a file allocates its blocks (a full disk is an
 *    OSError at resize time, not a SIGBUS later);
 *  - madvise exists on every platform; MADV_DONTNEED never discards data;
 *  - growing a MAP_SHARED anonymous map raises SystemError (the standard module
 *    on Linux grows the mapping but not the memory behind it: touching the new
 *    part raises SIGBUS);
 *  - anonymous memory that grows again after a shrink reads as zero there (the
 *    standard module's mremap brings back the stale bytes of the last page);
 *  - resize(0) gives an empty map (the standard module's mremap fails with
 *    EINVAL on Linux), and size() of anonymous memory is its length (the
 *    standard module asks fstat(-1) on POSIX and fails with EBADF);
 *  - on Windows a tagname names a memmap shared memory object (so the same
 *    name also works with memmap.shared_memory on every platform).
 */
#include "bindings.h"

#include <errno.h>
#include <string.h>
#include <structmember.h>

#ifdef _WIN32
#  include <io.h>
#  include <sys/stat.h>
#  ifndef S_ISREG
#    define S_ISREG(mode) (((mode) & _S_IFMT) == _S_IFREG)
#  endif
#else
#  include <sys/mman.h>
#  include <sys/stat.h>
#  include <unistd.h>
#  include <fcntl.h>
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

typedef struct {
    PyObject_HEAD
    pymm_core core;
    Py_ssize_t pos;      /* the file-like cursor; may exceed the size after a resize */
    int access;          /* enum access_mode, as the standard module reports it */
    int fd;              /* our duplicate of the file, for size(); -1 for anonymous memory */
    PyObject *weakreflist;
} MmapObject;

PyTypeObject *pymm_mmap_Type;

#define CORE(self) (&((MmapObject *)(self))->core)

/* The standard module's wording, which callers match on. */
#define MSG_CLOSED "mmap closed or invalid"
#define MSG_READONLY "mmap can't modify a readonly memory map."

static memmap_t *valid_map(MmapObject *self)
{
    if (!self->core.map) {
        PyErr_SetString(PyExc_ValueError, MSG_CLOSED);
        return NULL;
    }
    if (pymm_check_not_resizing(&self->core) != 0)
        return NULL;
    return self->core.map;
}

static Py_ssize_t map_size(MmapObject *self)
{
    return (Py_ssize_t)memmap_size(self->core.map);
}

static int is_writable(MmapObject *self)
{
    if (self->access != ACCESS_READ)
        return 1;
    PyErr_SetString(PyExc_TypeError, MSG_READONLY);
    return 0;
}

/* --- creation ------------------------------------------------------------------ */

/* Closes our duplicate of the file. */
static void close_fd(MmapObject *self)
{
    if (self->fd >= 0) {
#ifdef _WIN32
        _close(self->fd);
#else
        close(self->fd);
#endif
        self->fd = -1;
    }
}

/* A duplicate of fd that the child of an exec does not inherit. */
static int duplicate_fd(int fd)
{
#ifdef _WIN32
    return _dup(fd);
#else
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
#endif
}

#ifdef _WIN32
typedef struct _stat64 file_status;
#  define fstat_fd _fstat64
#else
typedef struct stat file_status;
#  define fstat_fd fstat
#endif

/* fstat with 64-bit sizes everywhere; -1 with OSError raised. */
static int status_of(int fd, file_status *st)
{
    if (fstat_fd(fd, st) != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return 0;
}

/* The size of the file behind fd, or -1 with OSError raised. */
static long long file_size_of(int fd)
{
    file_status st;
    return status_of(fd, &st) == 0 ? (long long)st.st_size : -1;
}

/*
 * Checks the requested range against the file as the standard module does
 * (only regular files; its messages), and turns length 0 into "to the end".
 */
static int check_file_range(int fd, Py_ssize_t *length, long long offset, int writable)
{
    file_status st;
    if (status_of(fd, &st) != 0)
        return -1;
    (void)writable;
    if (!S_ISREG(st.st_mode))
        return 0;
    if (*length == 0) {
        if (st.st_size == 0) {
            PyErr_SetString(PyExc_ValueError, "cannot mmap an empty file");
            return -1;
        }
        if (offset >= (long long)st.st_size) {
            PyErr_SetString(PyExc_ValueError, "mmap offset is greater than file size");
            return -1;
        }
        if ((unsigned long long)(st.st_size - offset) > (unsigned long long)PY_SSIZE_T_MAX) {
            PyErr_SetString(PyExc_ValueError, "mmap length is too large");
            return -1;
        }
        *length = (Py_ssize_t)(st.st_size - offset);
        return 0;
    }
#ifdef _WIN32
    /* Windows grows the file to fit a writable map, as the standard module does there. */
    if (writable)
        return 0;
#endif
    if (offset > (long long)st.st_size || (long long)st.st_size - offset < (long long)*length) {
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

/* Maps what the constructor asked for; sets self->core.map and self->fd, or raises. */
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
            self->core.map = map;
            return 0;
        }
#else
        (void)tagname;
#endif
        Py_BEGIN_ALLOW_THREADS
        rc = memmap_anon(&map, (size_t)length, anon_flags);
        Py_END_ALLOW_THREADS
    } else {
        memmap_options opt;
        memmap_file_t file;
#ifdef _WIN32
        intptr_t handle = _get_osfhandle(fileno);
        if (handle == -1) {
            pymm_raise(MEMMAP_EBADF, NULL);
            return -1;
        }
        file = (memmap_file_t)handle;
#else
        file = fileno;
#endif
        if (check_file_range(fileno, &length, offset, (mflags & MEMMAP_WRITE) != 0) != 0)
            return -1;
        self->fd = duplicate_fd(fileno);
        if (self->fd < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
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
    self->core.map = map;
    return 0;
}

static PyObject *mmap_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
#ifdef _WIN32
    static char *keywords[] = {"fileno", "length", "tagname", "access", "offset", NULL};
#else
    static char *keywords[] = {"fileno", "length", "flags", "prot", "access", "offset", NULL};
#endif
    int fileno, flags = MAP_SHARED, prot = MEMMAP_READ | MEMMAP_WRITE, access = ACCESS_DEFAULT;
    Py_ssize_t length;
    long long offset = 0;
    PyObject *tagname = NULL;
    unsigned mflags;
    MmapObject *self;

#ifdef _WIN32
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "in|OiL:mmap", keywords, &fileno, &length, &tagname, &access,
                                     &offset))
        return NULL;
#else
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "in|iiiL:mmap", keywords, &fileno, &length, &flags, &prot,
                                     &access, &offset))
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

    self = (MmapObject *)((allocfunc)PyType_GetSlot(type, Py_tp_alloc))(type, 0);
    if (!self)
        return NULL;
    self->fd = -1;
    self->access = access;
    if (map_for(self, fileno, length, offset, mflags, tagname) != 0) {
        Py_DECREF(self);
        return NULL;
    }
    if (prot == 0 && memmap_size(self->core.map) > 0) {
        /* PROT_NONE, as asked: guarded copies raise, exported buffers fault. */
        int rc = memmap_protect(self->core.map, 0, 0, MEMMAP_NONE);
        if (rc != 0) {
            Py_DECREF(self);
            return pymm_raise(rc, NULL);
        }
    }
    return (PyObject *)self;
}

static void mmap_dealloc(PyObject *obj)
{
    MmapObject *self = (MmapObject *)obj;
    PyTypeObject *type = Py_TYPE(obj);
    if (self->weakreflist)
        PyObject_ClearWeakRefs(obj);
    memmap_close(self->core.map);
    self->core.map = NULL;
    close_fd(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(obj);
    Py_DECREF(type);
}

/* --- closing -------------------------------------------------------------------- */

static PyObject *mmap_close(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    memmap_t *map = self->core.map;
    int rc;
    (void)unused;
    if (self->core.exports > 0) {
        PyErr_SetString(PyExc_BufferError, "cannot close exported pointers exist");
        return NULL;
    }
    if (pymm_check_unused(&self->core, "close the mmap") != 0)
        return NULL;
    self->core.map = NULL;
    close_fd(self);
    if (!map)
        Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_close(map);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyObject *mmap_enter(PyObject *obj, PyObject *unused)
{
    (void)unused;
    if (!valid_map((MmapObject *)obj))
        return NULL;
    Py_INCREF(obj);
    return obj;
}

static PyObject *mmap_exit(PyObject *obj, PyObject *args)
{
    PyObject *result;
    (void)args;
    result = mmap_close(obj, NULL);
    if (!result)
        return NULL;
    Py_DECREF(result);
    Py_RETURN_NONE;
}

static PyObject *mmap_get_closed(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((MmapObject *)obj)->core.map == NULL);
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
    if (!self->core.map)
        repr = PyUnicode_FromFormat("<%U closed=True>", name);
    else
        repr = PyUnicode_FromFormat("<%U closed=False, access=%s, length=%zd, pos=%zd, offset=%llu>", name,
                                    access_names[self->access], map_size(self), self->pos,
                                    (unsigned long long)memmap_offset(self->core.map));
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
    result = pymm_read_bytes(&self->core, (size_t)self->pos, (size_t)n);
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
    if (pymm_read(&self->core, (size_t)self->pos, &byte, 1) != 0)
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
    newline = pymm_find_newline(&self->core, (size_t)start, (size_t)end);
    if (newline < 0)
        return NULL;
    if (newline < end)
        newline++; /* the line keeps its '\n' */
    line = pymm_read_bytes(&self->core, (size_t)start, (size_t)(newline - start));
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
    if (pymm_write_buffer(&self->core, (size_t)self->pos, data.buf, (size_t)data.len) != 0)
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
    if (pymm_write(&self->core, (size_t)self->pos, &byte, 1) != 0)
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
    Py_RETURN_NONE;
out_of_range:
    PyErr_SetString(PyExc_ValueError, "seek out of range");
    return NULL;
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
    /* The search starts at the cursor unless told otherwise. */
    start = clamp_bound(start == PY_SSIZE_T_MIN ? self->pos : start, size);
    end = clamp_bound(end, size);
    if (pymm_find(&self->core, needle.buf, (size_t)needle.len, (size_t)start, (size_t)end, reverse, &found) == 0)
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
    if (pymm_move(&self->core, (size_t)dest, (size_t)src, (size_t)count) != 0)
        return NULL;
    Py_RETURN_NONE;
}

/* --- flush, madvise, size, resize ---------------------------------------------------- */

static PyObject *mmap_flush(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t offset = 0, size = PY_SSIZE_T_MIN, map_len;
    int rc = 0;
    if (!PyArg_ParseTuple(args, "|nn:flush", &offset, &size))
        return NULL;
    if (!valid_map(self))
        return NULL;
    map_len = map_size(self);
    if (size == PY_SSIZE_T_MIN)
        size = map_len;
    if (size < 0 || offset < 0 || map_len - offset < size) {
        PyErr_SetString(PyExc_ValueError, "flush values out of range");
        return NULL;
    }
    if (self->access == ACCESS_READ || self->access == ACCESS_COPY)
        Py_RETURN_NONE;
#ifndef _WIN32
    /* msync, which the standard module calls directly, wants a page-aligned
     * start; keep its error so code written for it behaves the same. */
    if (((uintptr_t)memmap_data(self->core.map) + (uintptr_t)offset) % memmap_page_size() != 0) {
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
#endif
    if (size > 0) {
        PYMM_BEGIN_BLOCKING(&self->core);
        rc = memmap_sync(self->core.map, (size_t)offset, (size_t)size, 0);
        PYMM_END_BLOCKING(&self->core);
    }
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
    advice = advice_for(option);
    if (advice < 0) {
#ifndef _WIN32
        /* A Linux-only advice (MADV_HUGEPAGE, MADV_FREE, ...): straight to the
         * kernel, as the standard module does, alignment rules included. */
        unsigned char *addr = (unsigned char *)memmap_data(self->core.map) + start;
        PYMM_BEGIN_BLOCKING(&self->core);
        rc = madvise(addr, (size_t)length, option);
        PYMM_END_BLOCKING(&self->core);
        if (rc != 0)
            return PyErr_SetFromErrno(PyExc_OSError);
        Py_RETURN_NONE;
#else
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
#endif
    }
    PYMM_BEGIN_BLOCKING(&self->core);
    rc = memmap_advise(self->core.map, (size_t)start, (size_t)length, advice);
    PYMM_END_BLOCKING(&self->core);
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyObject *mmap_size(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    long long size;
    (void)unused;
    if (!valid_map(self))
        return NULL;
    if (self->fd < 0)
        return PyLong_FromSsize_t(map_size(self));
    size = file_size_of(self->fd);
    return size < 0 ? NULL : PyLong_FromLongLong(size);
}

static PyObject *mmap_resize(PyObject *obj, PyObject *args)
{
    MmapObject *self = (MmapObject *)obj;
    Py_ssize_t new_size;
    int rc;
    if (!PyArg_ParseTuple(args, "n:resize", &new_size))
        return NULL;
    if (!valid_map(self))
        return NULL;
    if (self->core.exports > 0) {
        PyErr_SetString(PyExc_BufferError, "mmap can't resize with extant buffers exported.");
        return NULL;
    }
    if (self->access != ACCESS_WRITE && self->access != ACCESS_DEFAULT) {
        PyErr_SetString(PyExc_TypeError, "mmap can't resize a readonly or copy-on-write memory map.");
        return NULL;
    }
    if (new_size < 0 || (unsigned long long)(PY_SSIZE_T_MAX - new_size) < memmap_offset(self->core.map)) {
        PyErr_SetString(PyExc_ValueError, "new size out of range");
        return NULL;
    }
    if (pymm_check_unused(&self->core, "resize the mmap") != 0)
        return NULL;
    /* A file's length becomes offset + new_size, shorter or longer, as with the standard module. */
    self->core.resizing = 1;
    PYMM_BEGIN_BLOCKING(&self->core);
    rc = memmap_resize(self->core.map, (size_t)new_size, self->fd >= 0 ? MEMMAP_TRUNCATE : 0u);
    PYMM_END_BLOCKING(&self->core);
    self->core.resizing = 0;
    if (rc == MEMMAP_ENOTSUP) {
        /* The standard module's way of saying this map cannot be resized here. */
        PyErr_SetString(PyExc_SystemError, "mmap: cannot grow MAP_SHARED anonymous memory "
                        "(processes sharing it could not see the new pages)");
        return NULL;
    }
    if (rc != 0)
        return pymm_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* --- sequence, mapping, buffer ---------------------------------------------------------- */

static Py_ssize_t mmap_length(PyObject *obj)
{
    MmapObject *self = (MmapObject *)obj;
    return valid_map(self) ? map_size(self) : -1;
}

/* Iteration and PySequence_GetItem give 1-byte bytes objects, as the standard module's do. */
static PyObject *mmap_item(PyObject *obj, Py_ssize_t i)
{
    MmapObject *self = (MmapObject *)obj;
    if (!valid_map(self))
        return NULL;
    if (i < 0 || i >= map_size(self)) {
        PyErr_SetString(PyExc_IndexError, "mmap index out of range");
        return NULL;
    }
    return pymm_read_bytes(&self->core, (size_t)i, 1);
}

/* bytes(m): a guarded copy (the standard module's copies straight from its buffer). */
static PyObject *mmap_bytes(PyObject *obj, PyObject *unused)
{
    MmapObject *self = (MmapObject *)obj;
    (void)unused;
    if (!valid_map(self))
        return NULL;
    return pymm_read_bytes(&self->core, 0, (size_t)map_size(self));
}

static PyObject *mmap_subscript(PyObject *obj, PyObject *key)
{
    MmapObject *self = (MmapObject *)obj;
    if (PyIndex_Check(key)) {
        Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
        unsigned char byte;
        if (i == -1 && PyErr_Occurred())
            return NULL;
        if (!valid_map(self))
            return NULL;
        if (i < 0)
            i += map_size(self);
        if (i < 0 || i >= map_size(self)) {
            PyErr_SetString(PyExc_IndexError, "mmap index out of range");
            return NULL;
        }
        if (pymm_read(&self->core, (size_t)i, &byte, 1) != 0)
            return NULL;
        return PyLong_FromLong(byte);
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step, count;
        if (PySlice_Unpack(key, &start, &stop, &step) != 0)
            return NULL;
        if (!valid_map(self))
            return NULL;
        count = PySlice_AdjustIndices(map_size(self), &start, &stop, step);
        if (step == 1)
            return pymm_read_bytes(&self->core, (size_t)start, (size_t)count);
        return pymm_read_strided(&self->core, start, step, count);
    }
    PyErr_SetString(PyExc_TypeError, "mmap indices must be integer");
    return NULL;
}

static int mmap_ass_item(MmapObject *self, PyObject *key, PyObject *value)
{
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
    long byte;
    unsigned char b;
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (!valid_map(self))
        return -1;
    if (i < 0)
        i += map_size(self);
    if (i < 0 || i >= map_size(self)) {
        PyErr_SetString(PyExc_IndexError, "mmap index out of range");
        return -1;
    }
    if (!value) {
        PyErr_SetString(PyExc_TypeError, "mmap doesn't support item deletion");
        return -1;
    }
    if (!PyIndex_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "mmap item value must be an int");
        return -1;
    }
    byte = PyLong_AsLong(value);
    if (byte == -1 && PyErr_Occurred())
        return -1;
    if (byte < 0 || byte > 255) {
        PyErr_SetString(PyExc_ValueError, "mmap item value must be in range(0, 256)");
        return -1;
    }
    b = (unsigned char)byte;
    return pymm_write(&self->core, (size_t)i, &b, 1);
}

static int mmap_ass_slice(MmapObject *self, PyObject *key, PyObject *value)
{
    Py_ssize_t start, stop, step, count;
    Py_buffer data;
    int rc = -1;

    if (PySlice_Unpack(key, &start, &stop, &step) != 0)
        return -1;
    if (!value) {
        PyErr_SetString(PyExc_TypeError, "mmap object doesn't support slice deletion");
        return -1;
    }
    if (PyObject_GetBuffer(value, &data, PyBUF_SIMPLE) != 0)
        return -1;
    if (!valid_map(self))
        goto done;
    count = PySlice_AdjustIndices(map_size(self), &start, &stop, step);
    if (data.len != count) {
        PyErr_SetString(PyExc_IndexError, "mmap slice assignment is wrong size");
        goto done;
    }
    if (step == 1) {
        rc = pymm_write_buffer(&self->core, (size_t)start, data.buf, (size_t)count);
    } else {
        unsigned char *copy = PyMem_Malloc(count ? (size_t)count : 1);
        if (!copy) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(copy, data.buf, (size_t)count);
        rc = pymm_write_strided(&self->core, start, step, count, copy);
        PyMem_Free(copy);
    }
done:
    PyBuffer_Release(&data);
    return rc;
}

static int mmap_ass_subscript(PyObject *obj, PyObject *key, PyObject *value)
{
    MmapObject *self = (MmapObject *)obj;
    if (!valid_map(self) || !is_writable(self))
        return -1;
    if (PyIndex_Check(key))
        return mmap_ass_item(self, key, value);
    if (PySlice_Check(key))
        return mmap_ass_slice(self, key, value);
    PyErr_SetString(PyExc_TypeError, "mmap indices must be integer");
    return -1;
}

static int mmap_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    MmapObject *self = (MmapObject *)obj;
    if (!valid_map(self)) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, obj, memmap_data(self->core.map), map_size(self), self->access == ACCESS_READ,
                          flags) != 0)
        return -1;
    self->core.exports++;
    return 0;
}

static void mmap_releasebuffer(PyObject *obj, Py_buffer *view)
{
    (void)view;
    ((MmapObject *)obj)->core.exports--;
}

/* --- the type -------------------------------------------------------------------------- */

static PyMethodDef mmap_methods[] = {
    {"close", mmap_close, METH_NOARGS, "close()\n--\n\nClose the map (and the duplicate of its file)."},
    {"find", mmap_find, METH_VARARGS,
     "find(sub[, start[, end]])\n--\n\nLowest index of sub in [start, end) (start defaults to the cursor), or -1."},
    {"rfind", mmap_rfind, METH_VARARGS,
     "rfind(sub[, start[, end]])\n--\n\nHighest index of sub in [start, end) (start defaults to the cursor), or -1."},
    {"flush", mmap_flush, METH_VARARGS,
     "flush([offset[, size]])\n--\n\nWrite changes in [offset, offset+size) back to the file and wait for them."},
    {"madvise", mmap_madvise, METH_VARARGS,
     "madvise(option[, start[, length]])\n--\n\nAdvise the kernel about [start, start+length) (MADV_* constants)."},
    {"move", mmap_move, METH_VARARGS, "move(dest, src, count)\n--\n\nCopy count bytes from src to dest (overlap allowed)."},
    {"read", mmap_read, METH_VARARGS,
     "read([n])\n--\n\nRead up to n bytes from the cursor (all that is left when n is None or negative)."},
    {"read_byte", mmap_read_byte, METH_NOARGS, "read_byte()\n--\n\nRead the byte at the cursor as an int."},
    {"readline", mmap_readline, METH_NOARGS, "readline()\n--\n\nRead a line from the cursor, keeping its newline."},
    {"resize", mmap_resize, METH_VARARGS,
     "resize(newsize)\n--\n\nChange the map's length; a file's length becomes offset + newsize."},
    {"seek", mmap_seek, METH_VARARGS, "seek(pos[, whence])\n--\n\nMove the cursor (whence 0, 1 or 2 as for files)."},
    {"size", mmap_size, METH_NOARGS, "size()\n--\n\nLength of the file behind the map (the map's length for anonymous memory)."},
    {"tell", mmap_tell, METH_NOARGS, "tell()\n--\n\nThe cursor's position."},
    {"write", mmap_write, METH_VARARGS, "write(bytes)\n--\n\nWrite the bytes at the cursor; return how many."},
    {"write_byte", mmap_write_byte, METH_VARARGS, "write_byte(byte)\n--\n\nWrite one byte (an int) at the cursor."},
    {"__bytes__", mmap_bytes, METH_NOARGS, "A guarded copy of the whole map."},
    {"__enter__", mmap_enter, METH_NOARGS, "Return the map itself."},
    {"__exit__", mmap_exit, METH_VARARGS, "Close the map."},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef mmap_getset[] = {
    {"closed", mmap_get_closed, NULL, "True once close() has run.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMemberDef mmap_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MmapObject, weakreflist), READONLY, NULL},
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
    {Py_tp_dealloc, mmap_dealloc},
    {Py_tp_repr, mmap_repr},
    {Py_tp_methods, mmap_methods},
    {Py_tp_members, mmap_members},
    {Py_tp_getset, mmap_getset},
    {Py_bf_getbuffer, mmap_getbuffer},
    {Py_bf_releasebuffer, mmap_releasebuffer},
    {Py_sq_length, mmap_length},
    {Py_sq_item, mmap_item},
    {Py_mp_length, mmap_length},
    {Py_mp_subscript, mmap_subscript},
    {Py_mp_ass_subscript, mmap_ass_subscript},
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
    pymm_mmap_Type = (PyTypeObject *)PyType_FromSpec(&mmap_spec);
    if (!pymm_mmap_Type)
        return -1;
    /* The static pointer keeps the reference PyType_FromSpec gave. */
    if (PyModule_AddObjectRef(module, "mmap", (PyObject *)pymm_mmap_Type) != 0)
        return -1;
    return add_mmap_constants(module);
}
