/* SPDX-License-Identifier: MIT */
/* The memmap._memmap module: the functions that create maps, constants, initialisation. */
#include "bindings.h"

#include <string.h>

/* --- creating maps ------------------------------------------------------- */

/* Flags for a mode string of open() and open_fd(). */
static int mode_flags(const char *mode, int by_path, unsigned *flags)
{
    if (strcmp(mode, "r") == 0)
        *flags = MEMMAP_READ;
    else if (strcmp(mode, "r+") == 0)
        *flags = MEMMAP_READ | MEMMAP_WRITE;
    else if (strcmp(mode, "w+") == 0)
        *flags = MEMMAP_READ | MEMMAP_WRITE | MEMMAP_TRUNCATE | (by_path ? MEMMAP_CREATE : 0);
    else if (strcmp(mode, "x+") == 0 && by_path)
        *flags = MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL;
    else if (strcmp(mode, "c") == 0)
        *flags = MEMMAP_READ | MEMMAP_COPY;
    else {
        PyErr_Format(PyExc_ValueError, "invalid mode '%s': expected 'r', 'r+', 'w+', %s'c'", mode,
                     by_path ? "'x+', " : "");
        return -1;
    }
    return 0;
}

/* The options of open() and open_fd(), converted; the flags include POPULATE and SPARSE. */
static int file_options(const char *mode, int by_path, PyObject *offset_obj, PyObject *length_obj,
                        int populate, int sparse, unsigned *flags, memmap_options *opt)
{
    Py_ssize_t length;

    if (mode_flags(mode, by_path, flags) != 0)
        return -1;
    if (populate)
        *flags |= MEMMAP_POPULATE;
    if (sparse)
        *flags |= MEMMAP_SPARSE;
    memset(opt, 0, sizeof *opt);
    if (offset_obj && pymm_file_offset_arg(offset_obj, &opt->offset) != 0)
        return -1;
    if (pymm_length_arg(length_obj, "length", &length) != 0)
        return -1;
    opt->length = length < 0 ? 0 : (size_t)length;
    return 0;
}

/* capacity=: an int >= 0, or None (stored as -1) for no reservation. */
static int capacity_arg(PyObject *obj, Py_ssize_t *capacity)
{
    return pymm_length_arg(obj, "capacity", capacity);
}

/*
 * capacity= of the functions that open maps: room to grow in place, made
 * before anyone has seen the map, so the one move it may cost is free.  A
 * refusal closes the map and fails the call as a whole.  Runs without the
 * GIL, with the open.
 */
static int reserve_new_map(memmap_t **map, Py_ssize_t capacity)
{
    int rc;
    if (capacity <= 0)
        return 0;
    if ((rc = memmap_reserve(*map, (size_t)capacity, 0)) != 0) {
        memmap_close(*map);
        *map = NULL;
    }
    return rc;
}

PyDoc_STRVAR(open_doc,
"open(path, mode='r', offset=0, length=None, *, populate=False, sparse=False, permissions=0o666,\n"
"     capacity=None)\n--\n\n"
"Map part of the file at path (str, bytes or os.PathLike) and return a Map.\n\n"
"mode: 'r' read-only; 'r+' read/write, shared with the file and every other map\n"
"of it; 'w+' create or truncate the file to offset+length, read/write; 'x+'\n"
"create a new file (FileExistsError if it exists), read/write; 'c' private\n"
"copy-on-write (writable, the file never changes).\n"
"offset: any value, no alignment needed.  length: None (or 0) maps to the end of\n"
"the file.  A writable map that reaches past the end of the file grows the file\n"
"first, with its blocks allocated (sparse=True leaves holes), so a full disk is an\n"
"OSError now rather than a crash later.  An empty file gives an empty map.\n"
"populate=True prefaults the pages.  permissions applies to a file the call creates.\n"
"capacity reserves room for the map to grow to that many bytes without moving\n"
"(see Map.reserve); if that fails the map is closed and the call raises (a file\n"
"it created or cut stays so).\n"
"Errors are OSError subclasses (FileNotFoundError, PermissionError, ...) with\n"
"errno and filename set.");

static PyObject *pymm_open(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"path", "mode", "offset", "length", "populate", "sparse", "permissions", "capacity",
                               NULL};
    PyObject *path_obj, *offset_obj = NULL, *length_obj = NULL, *capacity_obj = NULL, *fspath, *encoded = NULL;
    PyObject *result;
    const char *mode = "r";
    Py_ssize_t capacity;
    int populate = 0, sparse = 0, permissions = 0666, rc;
    unsigned flags;
    memmap_options opt;
    memmap_t *map = NULL;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|sOO$ppiO:open", keywords, &path_obj, &mode, &offset_obj,
                                     &length_obj, &populate, &sparse, &permissions, &capacity_obj))
        return NULL;
    if (file_options(mode, 1, offset_obj, length_obj, populate, sparse, &flags, &opt) != 0 ||
        capacity_arg(capacity_obj, &capacity) != 0)
        return NULL;
    if (permissions < 0 || permissions > 07777) {
        PyErr_SetString(PyExc_ValueError, "permissions must be between 0 and 0o7777");
        return NULL;
    }
    opt.mode = (unsigned)permissions; /* 0 reads as the default 0o666 in the C API */
    fspath = PyOS_FSPath(path_obj);
    if (!fspath)
        return NULL;
    if (!PyUnicode_FSConverter(fspath, &encoded)) {
        Py_DECREF(fspath);
        return NULL;
    }
    {
        const char *path = PyBytes_AsString(encoded);
        Py_BEGIN_ALLOW_THREADS
        if ((rc = memmap_open(&map, path, flags, &opt)) == 0)
            rc = reserve_new_map(&map, capacity);
        Py_END_ALLOW_THREADS
    }
    Py_DECREF(encoded);
    if (rc != 0) {
        pymm_raise(rc, fspath);
        Py_DECREF(fspath);
        return NULL;
    }
    result = pymm_map_new(map, fspath);
    Py_DECREF(fspath);
    return result;
}

PyDoc_STRVAR(open_fd_doc,
"open_fd(fd, mode='r', offset=0, length=None, *, populate=False, sparse=False, capacity=None)\n--\n\n"
"As open(), for a file descriptor the caller opened (for example f.fileno()).\n"
"The map keeps its own duplicate: the caller may close fd at once.  The file must\n"
"be open for reading, and for writing too with 'r+' and 'w+' (PermissionError\n"
"otherwise).  'w+' sets the file's length to offset+length; 'x+' is not accepted.\n"
"capacity: as for open().");

static PyObject *pymm_open_fd(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"fd", "mode", "offset", "length", "populate", "sparse", "capacity", NULL};
    PyObject *offset_obj = NULL, *length_obj = NULL, *capacity_obj = NULL;
    const char *mode = "r";
    Py_ssize_t capacity;
    int fd, populate = 0, sparse = 0, rc;
    unsigned flags;
    memmap_options opt;
    memmap_file_t file;
    memmap_t *map = NULL;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "i|sOO$ppO:open_fd", keywords, &fd, &mode, &offset_obj,
                                     &length_obj, &populate, &sparse, &capacity_obj))
        return NULL;
    if (file_options(mode, 0, offset_obj, length_obj, populate, sparse, &flags, &opt) != 0 ||
        capacity_arg(capacity_obj, &capacity) != 0)
        return NULL;
    if (pymm_file_from_fd(fd, &file) != 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    if ((rc = memmap_open_file(&map, file, flags, &opt)) == 0)
        rc = reserve_new_map(&map, capacity);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, NULL);
    return pymm_map_new(map, NULL);
}

PyDoc_STRVAR(anonymous_doc,
"anonymous(length, shared=False, *, populate=False, huge=False, capacity=None)\n--\n\n"
"Zero-filled memory of length bytes, readable and writable, backed by no file.\n"
"shared=True shares it with child processes created by fork (os.fork, the\n"
"'fork' start method of multiprocessing); elsewhere it changes nothing.\n"
"length 0 gives an empty map.\n"
"huge=True asks for huge pages (fewer TLB misses on large, randomly accessed\n"
"memory): transparent huge pages on Linux (granted unless THP is disabled and\n"
"the length is at least one huge page), large pages on Windows (with the\n"
"lock-memory privilege).  A refusal is not an error: the map then has normal\n"
"pages, and its huge attribute is False.\n"
"capacity reserves room to grow to that many bytes without moving (see\n"
"Map.reserve); the reserved pages are normal pages.  If that fails, the call\n"
"raises.");

static PyObject *pymm_anonymous(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"length", "shared", "populate", "huge", "capacity", NULL};
    PyObject *capacity_obj = NULL;
    Py_ssize_t length, capacity;
    int shared = 0, populate = 0, huge = 0, rc;
    memmap_t *map = NULL;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "n|p$ppO:anonymous", keywords, &length, &shared, &populate,
                                     &huge, &capacity_obj))
        return NULL;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "length must not be negative");
        return NULL;
    }
    if (capacity_arg(capacity_obj, &capacity) != 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_anon(&map, (size_t)length,
                     (shared ? MEMMAP_SHARED : 0u) | (populate ? MEMMAP_POPULATE : 0u) | (huge ? MEMMAP_HUGE : 0u));
    if (rc == 0)
        rc = reserve_new_map(&map, capacity);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, NULL);
    return pymm_map_new(map, NULL);
}

/* Checks a shared memory name here, so a bad one is a ValueError naming the rule. */
static int check_shm_name(PyObject *name_obj, const char **name)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(name_obj, &n);
    if (!s)
        return -1;
    /* An embedded NUL would cut the name short in C. */
    if ((size_t)n != strlen(s) || memmap_shm_check_name(s) != 0) {
        PyErr_Format(PyExc_ValueError,
                     "invalid shared memory name %R: use 1 to %d characters of A-Z a-z 0-9 . _ - "
                     "(not '.' or '..')", name_obj, MEMMAP_SHM_NAME_MAX);
        return -1;
    }
    *name = s;
    return 0;
}

PyDoc_STRVAR(shared_memory_doc,
"shared_memory(name, length=0, create=False, exclusive=False, *, readonly=False, capacity=None)\n--\n\n"
"Named shared memory between unrelated processes, the same on Linux and Windows.\n"
"name: 1 to 200 characters of A-Z a-z 0-9 . _ - (ValueError otherwise).\n"
"create=True makes the object when missing (length bytes, zeroed, mode 0600);\n"
"with exclusive=True an existing object is FileExistsError.  length 0 maps an\n"
"existing object whole; a larger length grows it (unless readonly).\n"
"Nothing deletes the object behind your back (there is no resource tracker):\n"
"on POSIX it lives until unlink_shared_memory(name); on Windows until the last\n"
"map of it is closed.\n"
"capacity reserves room for this map to grow to that many bytes without moving\n"
"(see Map.reserve); if that fails the map is closed and the call raises (an\n"
"object it created stays, as with any other failure after the creation).");

static PyObject *pymm_shared_memory(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"name", "length", "create", "exclusive", "readonly", "capacity", NULL};
    PyObject *name_obj, *capacity_obj = NULL;
    const char *name;
    Py_ssize_t length = 0, capacity;
    int create = 0, exclusive = 0, readonly = 0, rc;
    unsigned flags;
    memmap_t *map = NULL;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U|npp$pO:shared_memory", keywords, &name_obj, &length, &create,
                                     &exclusive, &readonly, &capacity_obj))
        return NULL;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "length must not be negative");
        return NULL;
    }
    if (exclusive && !create) {
        PyErr_SetString(PyExc_ValueError, "exclusive=True needs create=True");
        return NULL;
    }
    if (readonly && create) {
        PyErr_SetString(PyExc_ValueError, "create=True needs a writable map (readonly=False)");
        return NULL;
    }
    if (capacity_arg(capacity_obj, &capacity) != 0 || check_shm_name(name_obj, &name) != 0)
        return NULL;
    flags = MEMMAP_READ | (readonly ? 0u : MEMMAP_WRITE) | (create ? MEMMAP_CREATE : 0u) |
            (exclusive ? MEMMAP_EXCL : 0u);
    Py_BEGIN_ALLOW_THREADS
    if ((rc = memmap_shm_open(&map, name, (size_t)length, flags)) == 0)
        rc = reserve_new_map(&map, capacity);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, name_obj);
    return pymm_map_new(map, name_obj);
}

PyDoc_STRVAR(unlink_shared_memory_doc,
"unlink_shared_memory(name)\n--\n\n"
"Remove the name of a shared memory object; maps of it stay valid.\n"
"FileNotFoundError if there is no such object (on POSIX).  On Windows, where an\n"
"object disappears with its last map, this only checks the name.");

static PyObject *pymm_unlink_shared_memory(PyObject *module, PyObject *name_obj)
{
    const char *name;
    int rc;
    (void)module;
    if (!PyUnicode_Check(name_obj)) {
        pymm_raise_type("name must be str", name_obj);
        return NULL;
    }
    if (check_shm_name(name_obj, &name) != 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = memmap_shm_unlink(name);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return pymm_raise(rc, name_obj);
    Py_RETURN_NONE;
}

static PyMethodDef module_functions[] = {
    {"open", (PyCFunction)(void (*)(void))pymm_open, METH_VARARGS | METH_KEYWORDS, open_doc},
    {"open_fd", (PyCFunction)(void (*)(void))pymm_open_fd, METH_VARARGS | METH_KEYWORDS, open_fd_doc},
    {"anonymous", (PyCFunction)(void (*)(void))pymm_anonymous, METH_VARARGS | METH_KEYWORDS, anonymous_doc},
    {"shared_memory", (PyCFunction)(void (*)(void))pymm_shared_memory, METH_VARARGS | METH_KEYWORDS,
     shared_memory_doc},
    {"unlink_shared_memory", pymm_unlink_shared_memory, METH_O, unlink_shared_memory_doc},
    {NULL, NULL, 0, NULL}
};

/* --- the module ---------------------------------------------------------- */

static int add_constants(PyObject *module)
{
    static const struct { const char *name; long value; } ints[] = {
        {"NORMAL", MEMMAP_ADVICE_NORMAL},
        {"SEQUENTIAL", MEMMAP_ADVICE_SEQUENTIAL},
        {"RANDOM", MEMMAP_ADVICE_RANDOM},
        {"WILLNEED", MEMMAP_ADVICE_WILLNEED},
        {"DONTNEED", MEMMAP_ADVICE_DONTNEED},
        {"HUGEPAGE", MEMMAP_ADVICE_HUGEPAGE},
        {"NOHUGEPAGE", MEMMAP_ADVICE_NOHUGEPAGE},
        /* Shared with the mmap drop-in, whose prot argument takes them too: on
         * POSIX they equal the OS's PROT_* values, as the standard mmap's do. */
        {"PROT_NONE", MEMMAP_NONE},
        {"PROT_READ", MEMMAP_READ},
        {"PROT_WRITE", MEMMAP_WRITE},
        {"PROT_EXEC", MEMMAP_EXEC},
        {"VERSION_MAJOR", MEMMAP_VERSION_MAJOR},
        {"VERSION_MINOR", MEMMAP_VERSION_MINOR},
        {"VERSION_PATCH", MEMMAP_VERSION_PATCH},
    };
    size_t i;
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (PyModule_AddIntConstant(module, ints[i].name, ints[i].value) != 0)
            return -1;
    }
    if (pymm_add_object(module, "PAGE_SIZE", PyLong_FromSize_t(memmap_page_size())) != 0 ||
        pymm_add_object(module, "GRANULARITY", PyLong_FromSize_t(memmap_granularity())) != 0)
        return -1;
    return 0;
}

PyDoc_STRVAR(module_doc,
"The C part of the memmap package: see the package's documentation.");

static struct PyModuleDef memmap_module = {
    PyModuleDef_HEAD_INIT, "memmap._memmap", module_doc, -1, module_functions, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__memmap(void);

PyMODINIT_FUNC PyInit__memmap(void)
{
    PyObject *module = PyModule_Create(&memmap_module);
    if (!module)
        return NULL;
    if (add_constants(module) != 0 || pymm_map_type_init(module) != 0 || pymm_mmap_type_init(module) != 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
