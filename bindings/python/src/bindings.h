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
 *   module.c       the module: functions, constants, initialisation
 *   errors.c       MEMMAP_E* codes to Python exceptions
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

/*
 * What both map types hold.  A map object's memory may be in use by C code in
 * two ways the object has to know about before it unmaps anything:
 *   exports  buffers handed out through the buffer protocol and not yet released
 *   busy     calls running with the GIL released (sync, lock, big copies)
 * close() and resize() refuse with BufferError while either is non-zero.
 * While a resize runs without the GIL, the mapping itself changes: every other
 * use of the map raises RuntimeError until it is done (resizing).
 */
typedef struct {
    memmap_t *map; /* NULL once closed */
    Py_ssize_t exports;
    Py_ssize_t busy;
    int resizing;
} pymm_core;

/* --- errors.c ------------------------------------------------------------ */

/* The errno value that best matches a MEMMAP_E* code. */
int pymm_errno_for(int code);
/* Raises the OSError subclass for code (filename may be NULL); returns NULL. */
PyObject *pymm_raise(int code, PyObject *filename);
/* Raises TypeError("<what>, not <type of obj>") and returns NULL. */
PyObject *pymm_raise_type(const char *what, PyObject *obj);
/* Raises ValueError("... closed") and returns NULL. */
PyObject *pymm_raise_closed(void);
/* Raises BufferError when the map's memory is in use; returns -1 then, else 0. */
int pymm_check_unused(const pymm_core *core, const char *action);
/* Raises RuntimeError when another thread is resizing the map; returns -1 then, else 0. */
int pymm_check_not_resizing(const pymm_core *core);

/* --- copy.c -------------------------------------------------------------- */

/*
 * Guarded copies between the map and memory the caller owns.  They release the
 * GIL for large copies, marking the core busy meanwhile.  On failure they raise
 * and return -1.
 */
int pymm_read(pymm_core *core, size_t offset, void *buf, size_t length);
int pymm_write(pymm_core *core, size_t offset, const void *buf, size_t length);
/* As pymm_write, for data that may lie in the map itself (a memoryview of it). */
int pymm_write_buffer(pymm_core *core, size_t offset, const void *data, size_t length);
/* Reads [offset, offset+length) of the map into a new bytes object. */
PyObject *pymm_read_bytes(pymm_core *core, size_t offset, size_t length);
/* Reads the bytes at start, start+step, ... (count of them) into a new bytes object. */
PyObject *pymm_read_strided(pymm_core *core, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count);
/* Writes count bytes from data to start, start+step, ... */
int pymm_write_strided(pymm_core *core, Py_ssize_t start, Py_ssize_t step, Py_ssize_t count,
                       const unsigned char *data);
/* Copies count bytes inside the map from src to dst (overlap allowed). */
int pymm_move(pymm_core *core, size_t dst, size_t src, size_t count);
/*
 * Searches [start, end) of the map for needle: the first occurrence, or the
 * last when reverse is set.  *found is its offset, or -1.  Returns -1 with an
 * exception set on failure.
 */
int pymm_find(pymm_core *core, const void *needle, size_t needle_len, size_t start, size_t end,
              int reverse, Py_ssize_t *found);
/* Offset of the first '\n' in [start, end), or end when there is none; -1 on failure. */
Py_ssize_t pymm_find_newline(pymm_core *core, size_t start, size_t end);

/* Marks the core busy around a call made without the GIL. */
#define PYMM_BEGIN_BLOCKING(core) do { (core)->busy++; Py_BEGIN_ALLOW_THREADS
#define PYMM_END_BLOCKING(core) Py_END_ALLOW_THREADS (core)->busy--; } while (0)

/* --- argument helpers (module.c) ----------------------------------------- */

/*
 * Arguments are converted in two steps.  First the Python objects become
 * numbers (this may run a user's __index__, which may close the map); then,
 * after the caller has checked the map is still open, the numbers are checked
 * against the map's current size.
 *
 * pymm_offset_arg: an int >= 0 (ValueError if negative).  pymm_length_arg: the
 * same, or None (or a NULL object) for "to the end", stored as -1.
 */
int pymm_offset_arg(PyObject *obj, const char *what, Py_ssize_t *out);
int pymm_length_arg(PyObject *obj, const char *what, Py_ssize_t *out);
/* Checks [offset, offset+length) lies inside a map of map_size bytes; ValueError if not. */
int pymm_check_range(Py_ssize_t offset, Py_ssize_t length, size_t map_size, size_t *range_offset,
                     size_t *range_length);

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
