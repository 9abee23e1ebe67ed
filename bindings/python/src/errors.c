/* SPDX-License-Identifier: MIT */
/* MEMMAP_E* codes to Python exceptions. */
#include "bindings.h"

#include <errno.h>
#include <string.h>

/* No ENOTSUP in this C library: ENOSYS is the closest errno it has. */
#ifndef ENOTSUP
#define ENOTSUP ENOSYS
#endif

/*
 * Every code becomes an OSError built with an errno value, so Python's own
 * errno-to-subclass table picks FileNotFoundError, PermissionError,
 * FileExistsError, IsADirectoryError and the rest, the same way os.open does.
 * Each MEMMAP_Exxx maps to the errno named Exxx, taken from the C library
 * Python was built with, so the errno attribute compares equal to the errno
 * module's constants on every platform.
 */
int pymm_errno_for(int code)
{
    switch (code) {
#define ERRNO_CASE(name, message) case MEMMAP_##name: return name;
    MEMMAP_ERRNO_MAP(ERRNO_CASE)
#undef ERRNO_CASE
    default:
        return EIO;
    }
}

PyObject *pymm_raise(int code, PyObject *filename)
{
    PyObject *exc;
    int err = pymm_errno_for(code);
    /* The C library's text for the errno, as os.open and the standard mmap give it. */
    const char *message = strerror(err);

    if (filename)
        exc = PyObject_CallFunction(PyExc_OSError, "isO", err, message, filename);
    else
        exc = PyObject_CallFunction(PyExc_OSError, "is", err, message);
    if (!exc)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *pymm_raise_type(const char *what, PyObject *obj)
{
    /* The limited API hides tp_name: ask the type for its name. */
    PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__name__");
    if (!name)
        return NULL;
    PyErr_Format(PyExc_TypeError, "%s, not %U", what, name);
    Py_DECREF(name);
    return NULL;
}
