/* SPDX-License-Identifier: MIT */
/*
 * Mirrored rings: one object mapped twice, back to back, so that every range
 * of up to the ring's length is contiguous in memory, across the wrap too.
 * This file checks the arguments and sizes a named object; the backend's
 * *_ring.c makes the unnamed object and the two views.
 */
#include "internal.h"

#define RING_FLAGS (MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL)

static int check_ring_length(size_t length)
{
    size_t granularity = memmap_os_granularity();
    if (length == 0 || length % granularity != 0)
        return memmap_fail(MEMMAP_EINVAL);
    /* Both views, and the rounding of any range in them, must fit in a size_t. */
    if (length > (SIZE_MAX - granularity) / 2)
        return memmap_fail(MEMMAP_ENOMEM);
    return 0;
}

/*
 * A named ring's object holds exactly length bytes.  One this call created,
 * or one its creator has not sized yet (another process between its create
 * and its size), is given that size; one of another size is another ring.
 */
static int size_named_object(memmap_t *m, size_t length, int created)
{
    enum memmap_file_type type;
    uint64_t size;
    int rc;

    if ((rc = m->kind->describe(m, &type, &size)) != 0)
        return rc;
    if (size == length)
        return 0;
    if (size != 0 || !(created || (m->flags & MEMMAP_WRITE)))
        return memmap_fail(MEMMAP_EINVAL);
    return m->kind->set_size(m, 0, length, 1);
}

int memmap_map_mirror_reserved(memmap_t *m, size_t length)
{
    int rc;

    if ((rc = memmap_os_reserve(m, 2 * length, 1)) != 0)
        return rc;
    if ((rc = memmap_os_map_reserved(m, m->view.base, 0, length)) != 0 ||
        (rc = memmap_os_map_reserved(m, m->view.base + length, 0, length)) != 0) {
        memmap_os_unmap(m);
        return rc;
    }
    m->view.length = length;
    return 0;
}

int memmap_ring(memmap_t **map, const char *name, size_t length, unsigned flags)
{
    memmap_t *m;
    int created = 0, rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    *map = NULL;
    if ((flags & ~RING_FLAGS) || ((flags & MEMMAP_EXCL) && !(flags & MEMMAP_CREATE)))
        return memmap_fail(MEMMAP_EINVAL);
    /* Only a name can be created or exist already. */
    if (name ? memmap_shm_check_name(name) != 0 : (flags & MEMMAP_CREATE) != 0)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = check_ring_length(length)) != 0)
        return rc;
    /* An unnamed ring exists to be written, as anonymous memory does. */
    if (!(m = memmap_new_map(&memmap_os_shm_kind, name ? flags : flags | MEMMAP_WRITE)))
        return memmap_fail(MEMMAP_ENOMEM);
    m->mirrored = 1;
    if (name) {
        rc = memmap_os_shm_open(m, name, length, &created);
        if (rc == 0)
            rc = size_named_object(m, length, created);
    } else {
        rc = memmap_os_ring_object(m, length);
    }
    if (rc == 0)
        rc = memmap_os_map_mirror(m, length);
    if (rc == 0) {
        m->data = m->view.base;
        m->size = length;
    }
    if ((rc = memmap_hand_over(map, m, rc)) != 0 && created)
        memmap_os_shm_discard(name);
    return rc;
}
