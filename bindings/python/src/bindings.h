/* SPDX-License-Identifier: MIT */
/*
 * Declarations shared by the files of the memmap._memmap extension.
 *
 * The extension is built against the limited API of Python 3.11 (abi3): the
 * buffer protocol became part of it in 3.11, and it is the only part of the
 * full API a mapping type really needs.  One consequence: the type objects
 * live in static variables (PyType_GetModuleByDef is not in the 3.11 limited
 * API), so the module supports one interpreter per process.
 *
 * Files:
 *   module.c       the module: functions that create maps, constants, initialisation
 *   args.c         argument conversion shared by the functions and both types
 *   errors.c       MEMMAP_E* codes to Python exceptions
 *   gate.c         who may use a map's memory while resize() and close() replace it
 *   exports.c      how far the buffers a map has exported reach
 *   core.c         the object both types are: lifecycle, buffers, items and slices
 *   copy.c         guarded copies and searches, with the GIL released for big ones
 *   map_object.c   memmap.Map, the native map object
 *   mmap_object.c  memmap.mmap, the drop-in for the standard library's mmap.mmap
 */
#ifndef PYMEMMAP_BINDINGS_H
#define PYMEMMAP_BINDINGS_H

#ifndef Py_LIMITED_API
#  define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "memmap.h"

typedef struct pymm_kind pymm_kind;
typedef struct pymm_extent pymm_extent;

/*
 * The object both map types are (each adds its own fields after it).
 *
 * A map's memory may be in use by C code in two ways the object has to know
 * about before it unmaps anything:
 *   exports  buffers handed out through the buffer protocol and not yet
 *            released, each covering the map from its first byte to the size
 *            it had then (its extent): close() refuses with BufferError
 *            meanwhile, as the standard mmap does, and so does a resize
 *            unless it leaves every extent where it is (exports.c);
 *   users    calls running with the GIL released (big copies, sync, lock):
 *            close() and resize() wait for them to finish, and calls that
 *            arrive while a close or resize waits, wait in turn (gate.c).
 */
typedef struct {
    PyObject_HEAD
    memmap_t *map;             /* NULL once closed */
    const pymm_kind *kind;     /* what differs between Map and mmap */
    Py_ssize_t exports;        /* live exports, of any extent */
    pymm_extent *extents;      /* their distinct extents, with a count each (exports.c) */
    Py_ssize_t extent_count;   /* entries in use in extents */
    Py_ssize_t extent_room;    /* entries allocated */
    Py_ssize_t users;
    int exclusive;             /* a resize or close is replacing the mapping without the GIL */
    int exclusive_waiting;     /* threads waiting to resize or close */
    PyObject *weakreflist;
} pymm_object;

/*
 * What the two types do differently in the shared parts: their messages (the
 * drop-in keeps the standard module's, which callers match on), what an item
 * is, and who may write.
 */
struct pymm_kind {
    const char *closed;             /* ValueError: the map is closed */
    const char *read_only;          /* TypeError: storing into a read-only map */
    const char *index_range;        /* IndexError: index outside the map */
    const char *index_type;         /* TypeError: a key that is neither int nor slice */
    const char *index_type_store;   /* ... in a store (the standard mmap words it differently) */
    const char *item_type;          /* TypeError: an item value that is not an int */
    const char *item_range;         /* ValueError: an item value outside range(256) */
    int item_value_first;           /* the item value is checked before the index (bytearray's order, not mmap's) */
    const char *slice_size;         /* slice assignment of the wrong length */
    int slice_size_is_index_error;  /* ... raised as IndexError (else ValueError) */
    const char *item_delete;        /* TypeError: del m[i] */
    const char *slice_delete;       /* TypeError: del m[a:b] */
    const char *exported_close;     /* BufferError: close() while buffers are exported */
    const char *exported_resize;    /* BufferError: resize() while buffers are exported */
    int resize_keeps_exports;       /* a resize that keeps every export's bytes in place is allowed (Map;
                                       the standard mmap refuses any resize while buffers are exported) */
    int name_the_type;              /* TypeErrors end with ", not <type>" */
    int iterate_bytes;              /* iteration yields 1-byte bytes (the standard mmap), not ints */
    int (*writable)(pymm_object *self);
    void (*clear)(pymm_object *self); /* releases the type's own references at dealloc; may be NULL */
};

/* --- gate.c -------------------------------------------------------------- */

/*
 * Every use of a map starts with pymm_enter, after its arguments have been
 * converted (conversion may run Python code that closes or resizes the map).
 * It waits while a resize or close runs or waits, then returns the map, or
 * NULL with the kind's ValueError when it is closed.  The map stays valid
 * while the caller holds the GIL and runs no Python code.
 */
memmap_t *pymm_enter(pymm_object *self);
/*
 * Brackets a resize, reserve or close: BufferError (exported_message) while
 * buffers are exported, unless exported_message is NULL (the caller then
 * checks the exports itself, once it owns the map); else waits until no call
 * uses the map without the GIL (new ones wait meanwhile), then owns it until
 * pymm_exclusive_end.  ValueError if the map was closed meanwhile.  While it
 * is owned no new export can start.
 */
int pymm_exclusive_begin(pymm_object *self, const char *exported_message);
void pymm_exclusive_end(pymm_object *self);
/* Marks the map in use around a call made without the GIL (after pymm_enter). */
void pymm_users_add(pymm_object *self);
void pymm_users_remove(pymm_object *self);

#define PYMM_BEGIN_BLOCKING(self) do { pymm_users_add(self); Py_BEGIN_ALLOW_THREADS
#define PYMM_END_BLOCKING(self) Py_END_ALLOW_THREADS pymm_users_remove(self); } while (0)

/* --- exports.c ----------------------------------------------------------- */

/*
 * Records a new export of extent bytes (the map's size when it was made);
 * MemoryError and -1 when there is no memory to record it.  Called with the
 * GIL held, as are the two below.
 */
int pymm_exports_add(pymm_object *self, size_t extent);
/* Forgets one export of extent bytes. */
void pymm_exports_remove(pymm_object *self, size_t extent);
/* The largest extent of the live exports; 0 when there are none. */
size_t pymm_exports_reach(const pymm_object *self);
/* Frees the record (at dealloc, when no export can be alive). */
void pymm_exports_free(pymm_object *self);

/* --- core.c -------------------------------------------------------------- */

/* A new object of type (a subtype of one of ours) with no map yet. */
pymm_object *pymm_alloc(PyTypeObject *type, const pymm_kind *kind);
/* TypeError (the kind's message) unless the map may be written; -1 then. */
int pymm_require_writable(pymm_object *self);
/*
 * Runs memmap_resize on the open map, waiting for its users.  Raises and
 * returns -1 when it cannot run (BufferError, ValueError); else returns 0
 * with the library's result in *rc.  With buffers exported, only a kind that
 * keeps exports resizes, and only within the capacity and not below an
 * export's extent (then the C library keeps those bytes where they are).
 */
int pymm_resize(pymm_object *self, size_t new_length, unsigned flags, int *rc);

/* The slots and methods both types share. */
void pymm_dealloc(PyObject *self);
int pymm_getbuffer(PyObject *self, Py_buffer *view, int flags);
void pymm_releasebuffer(PyObject *self, Py_buffer *view);
Py_ssize_t pymm_length(PyObject *self);
PyObject *pymm_item(PyObject *self, Py_ssize_t index);
PyObject *pymm_subscript(PyObject *self, PyObject *key);
int pymm_ass_subscript(PyObject *self, PyObject *key, PyObject *value);
PyObject *pymm_close(PyObject *self, PyObject *unused);
PyObject *pymm_context_enter(PyObject *self, PyObject *unused);
PyObject *pymm_context_exit(PyObject *self, PyObject *args);
PyObject *pymm_bytes(PyObject *self, PyObject *unused);
PyObject *pymm_get_closed(PyObject *self, void *closure);

#define PYMM_CORE_SLOTS                             \
    {Py_tp_dealloc, pymm_dealloc},                  \
    {Py_bf_getbuffer, pymm_getbuffer},              \
    {Py_bf_releasebuffer, pymm_releasebuffer},      \
    {Py_sq_length, pymm_length},                    \
    {Py_sq_item, pymm_item},                        \
    {Py_mp_length, pymm_length},                    \
    {Py_mp_subscript, pymm_subscript},              \
    {Py_mp_ass_subscript, pymm_ass_subscript}

#define PYMM_CORE_METHODS                                                           \
    {"__bytes__", pymm_bytes, METH_NOARGS, "A guarded copy of the whole map."},     \
    {"__enter__", pymm_context_enter, METH_NOARGS, "Return the map itself."},       \
    {"__exit__", pymm_context_exit, METH_VARARGS, "Close the map."}

/* --- errors.c ------------------------------------------------------------ */

/* The errno value that best matches a MEMMAP_E* code. */
int pymm_errno_for(int code);
/* Raises the OSError subclass for code (filename may be NULL); returns NULL. */
PyObject *pymm_raise(int code, PyObject *filename);
/* Raises TypeError("<what>, not <type of obj>") and returns NULL. */
PyObject *pymm_raise_type(const char *what, PyObject *obj);

/* --- copy.c -------------------------------------------------------------- */

/*
 * Guarded copies between the map and memory the caller owns, after
 * pymm_enter.  They release the GIL for large copies (the map marked in use
 * meanwhile) and run no Python code.  On failure they raise and return -1.
 */
int pymm_read(pymm_object *self, size_t offset, void *buf, size_t length);
int pymm_write(pymm_object *self, size_t offset, const void *buf, size_t length);
/* As pymm_write, for data that may lie in the map itself (a memoryview of it). */
int pymm_write_buffer(pymm_object *self, size_t offset, const void *data, size_t length);
/* Reads [offset, offset+length) of the map into a new bytes object. */
PyObject *pymm_read_bytes(pymm_object *self, size_t offset, size_t length);
/* Reads the bytes at start, start+step, ... (count of them) into a new bytes object. */
PyObject *pymm_read_strided(pymm_object *self, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count);
/* Writes count bytes from data to start, start+step, ... */
int pymm_write_strided(pymm_object *self, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count,
                       const unsigned char *data);
/* Copies count bytes inside the map from src to dst (overlap allowed). */
int pymm_move(pymm_object *self, size_t dst, size_t src, size_t count);
/*
 * Searches [start, end) of the map for needle: the first occurrence, or the
 * last when reverse is set.  *found is its offset, or -1.  Returns -1 with an
 * exception set on failure.
 */
int pymm_find(pymm_object *self, const void *needle, size_t needle_len, size_t start, size_t end,
              int reverse, Py_ssize_t *found);
/* Offset of the first '\n' in [start, end), or end when there is none; -1 on failure. */
Py_ssize_t pymm_find_newline(pymm_object *self, size_t start, size_t end);

/* --- args.c -------------------------------------------------------------- */

/*
 * Arguments are converted in two steps.  First the Python objects become
 * numbers (this may run a user's __index__, which may close the map); then,
 * after pymm_enter, the numbers are checked against the map's current size.
 *
 * pymm_offset_arg: an int >= 0 (ValueError if negative).  pymm_length_arg: the
 * same, or None (or a NULL object) for "to the end", stored as -1.
 */
int pymm_offset_arg(PyObject *obj, const char *what, Py_ssize_t *out);
int pymm_length_arg(PyObject *obj, const char *what, Py_ssize_t *out);
/* A file offset: an int from 0 to 2**64-1 (wider than Py_ssize_t on 32-bit systems). */
int pymm_file_offset_arg(PyObject *obj, uint64_t *offset);
/* Checks [offset, offset+length) lies inside a map of map_size bytes; ValueError if not. */
int pymm_check_range(Py_ssize_t offset, Py_ssize_t length, size_t map_size, size_t *range_offset,
                     size_t *range_length);
/* The platform's file for a Python file descriptor; OSError(EBADF) if there is none. */
int pymm_file_from_fd(int fd, memmap_file_t *file);
/* Adds value to the module as name, taking the reference in every case (value may be NULL after a failed call). */
int pymm_add_object(PyObject *module, const char *name, PyObject *value);

/* --- the types ------------------------------------------------------------ */

extern PyTypeObject *pymm_Map_Type;
extern PyTypeObject *pymm_mmap_Type;

int pymm_map_type_init(PyObject *module);
int pymm_mmap_type_init(PyObject *module);
/* Wraps an open map in a new memmap.Map (takes ownership: closes it on failure). */
PyObject *pymm_map_new(memmap_t *map, PyObject *filename);

#endif
