/* SPDX-License-Identifier: MIT */
/*
 * How far the buffers a map has exported reach.
 *
 * Every export covers the map from its first byte to the size the map had
 * when it was made: its extent.  A resize inside the capacity leaves the
 * bytes below both lengths where they are (memmap_resize's promise), so it
 * may run while buffers are exported as long as it cuts no extent: what it
 * needs is the largest extent still alive.  Exports end in any order, so the
 * record keeps each distinct extent with a count; maps are exported at few
 * distinct sizes, so a short unsorted array does.
 *
 * Getting and releasing buffers happens with the GIL held (the buffer
 * protocol requires it), and so do the resizes that read the record: the GIL
 * is its lock.  The extension is built for the limited API, which
 * free-threaded interpreters do not load, so there always is one.
 */
#include "bindings.h"

struct pymm_extent {
    size_t extent;
    Py_ssize_t count;
};

static Py_ssize_t find_extent(const pymm_object *self, size_t extent)
{
    Py_ssize_t i;
    for (i = 0; i < self->extent_count; i++) {
        if (self->extents[i].extent == extent)
            return i;
    }
    return -1;
}

int pymm_exports_add(pymm_object *self, size_t extent)
{
    Py_ssize_t i = find_extent(self, extent);
    if (i < 0) {
        if (self->extent_count == self->extent_room) {
            Py_ssize_t room = self->extent_room ? 2 * self->extent_room : 4;
            pymm_extent *grown = PyMem_Realloc(self->extents, (size_t)room * sizeof *grown);
            if (!grown) {
                PyErr_NoMemory();
                return -1;
            }
            self->extents = grown;
            self->extent_room = room;
        }
        i = self->extent_count++;
        self->extents[i].extent = extent;
        self->extents[i].count = 0;
    }
    self->extents[i].count++;
    self->exports++;
    return 0;
}

void pymm_exports_remove(pymm_object *self, size_t extent)
{
    Py_ssize_t i = find_extent(self, extent);
    /* The extent is missing only if a consumer changed the Py_buffer it was
     * lent, which the protocol forbids; the total stays right regardless, and
     * the last release leaves nothing stale behind. */
    if (--self->exports == 0)
        self->extent_count = 0;
    else if (i >= 0 && --self->extents[i].count == 0)
        self->extents[i] = self->extents[--self->extent_count];
}

size_t pymm_exports_reach(const pymm_object *self)
{
    size_t reach = 0;
    Py_ssize_t i;
    for (i = 0; i < self->extent_count; i++) {
        if (self->extents[i].extent > reach)
            reach = self->extents[i].extent;
    }
    return reach;
}

void pymm_exports_free(pymm_object *self)
{
    PyMem_Free(self->extents);
    self->extents = NULL;
    self->extent_count = self->extent_room = 0;
}
