/* SPDX-License-Identifier: MIT */
/* Argument conversion shared by the module's functions and both map types (see bindings.h). */
#include "bindings.h"

#ifdef _WIN32
#  include <io.h>
#endif

int pymm_offset_arg(PyObject *obj, const char *what, Py_ssize_t *out)
{
    Py_ssize_t value;
    if (!obj) {
        *out = 0;
        return 0;
    }
    if (!PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer", what);
        return -1;
    }
    value = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (value < 0) {
        PyErr_Format(PyExc_ValueError, "%s must not be negative", what);
        return -1;
    }
    *out = value;
    return 0;
}

int pymm_length_arg(PyObject *obj, const char *what, Py_ssize_t *out)
{
    if (!obj || obj == Py_None) {
        *out = -1;
        return 0;
    }
    return pymm_offset_arg(obj, what, out);
}

int pymm_check_range(Py_ssize_t offset, Py_ssize_t length, size_t map_size, size_t *range_offset,
                     size_t *range_length)
{
    if ((size_t)offset > map_size) {
        PyErr_Format(PyExc_ValueError, "offset %zd is past the end of the map (%zu bytes)", offset, map_size);
        return -1;
    }
    if (length < 0) {
        length = (Py_ssize_t)(map_size - (size_t)offset);
    } else if ((size_t)length > map_size - (size_t)offset) {
        PyErr_Format(PyExc_ValueError, "range [%zd, %zd + %zd) is outside the map (%zu bytes)",
                     offset, offset, length, map_size);
        return -1;
    }
    *range_offset = (size_t)offset;
    *range_length = (size_t)length;
    return 0;
}

int pymm_file_offset_arg(PyObject *obj, uint64_t *offset)
{
    PyObject *index, *zero;
    int negative;
    unsigned long long value;

    if (!PyIndex_Check(obj)) {
        pymm_raise_type("offset must be an integer", obj);
        return -1;
    }
    if (!(index = PyNumber_Index(obj)))
        return -1;
    zero = PyLong_FromLong(0);
    negative = zero ? PyObject_RichCompareBool(index, zero, Py_LT) : -1;
    Py_XDECREF(zero);
    if (negative != 0) {
        Py_DECREF(index);
        if (negative > 0)
            PyErr_SetString(PyExc_ValueError, "offset must not be negative");
        return -1;
    }
    value = PyLong_AsUnsignedLongLong(index);
    Py_DECREF(index);
    if (value == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *offset = (uint64_t)value;
    return 0;
}

int pymm_file_from_fd(int fd, memmap_file_t *file)
{
#ifdef _WIN32
    intptr_t handle = _get_osfhandle(fd);
    if (handle == -1) {
        pymm_raise(MEMMAP_EBADF, NULL);
        return -1;
    }
    *file = (memmap_file_t)handle;
#else
    *file = fd;
#endif
    return 0;
}

int pymm_add_object(PyObject *module, const char *name, PyObject *value)
{
    int rc;
    if (!value)
        return -1;
    rc = PyModule_AddObjectRef(module, name, value);
    Py_DECREF(value);
    return rc;
}
