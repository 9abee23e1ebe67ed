/* SPDX-License-Identifier: MIT */
/*
 * The platform-independent part of memmap: argument checks, the arithmetic of
 * ranges and slack, and the decision of when a file must grow.  Everything
 * that touches the OS goes through the memmap_os_* functions of the backend.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define ACCESS_FLAGS    (MEMMAP_READ | MEMMAP_WRITE | MEMMAP_COPY | MEMMAP_EXEC)
#define OPEN_FILE_FLAGS (ACCESS_FLAGS | MEMMAP_TRUNCATE | MEMMAP_POPULATE | MEMMAP_SPARSE)
#define OPEN_FLAGS      (OPEN_FILE_FLAGS | MEMMAP_CREATE | MEMMAP_EXCL)
#define ANON_FLAGS      (MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC | MEMMAP_SHARED | MEMMAP_POPULATE | MEMMAP_HUGE)
#define SHM_FLAGS       (MEMMAP_READ | MEMMAP_WRITE | MEMMAP_CREATE | MEMMAP_EXCL | MEMMAP_TRUNCATE | \
                         MEMMAP_POPULATE | MEMMAP_SPARSE)
#define PROT_FLAGS      (MEMMAP_READ | MEMMAP_WRITE | MEMMAP_EXEC)

#define MAX_FILE_SIZE   ((uint64_t)INT64_MAX)

/* --- Creating and destroying map objects --------------------------------- */

static int check_flag_combination(unsigned flags)
{
    if ((flags & MEMMAP_WRITE) && (flags & MEMMAP_COPY))
        return memmap_fail(MEMMAP_EINVAL);
    if ((flags & MEMMAP_EXCL) && !(flags & MEMMAP_CREATE))
        return memmap_fail(MEMMAP_EINVAL);
    if ((flags & MEMMAP_TRUNCATE) && !(flags & MEMMAP_WRITE))
        return memmap_fail(MEMMAP_EINVAL);
    return 0;
}

memmap_t *memmap_new_map(const struct memmap_kind *kind, unsigned flags)
{
    memmap_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->kind = kind;
    m->flags = flags | MEMMAP_READ;
    m->data = memmap_empty_data();
    memmap_os_init(m);
    return m;
}

/* Frees m and what it holds; the result of the first step that failed. */
static int destroy_map(memmap_t *m)
{
    int rc = memmap_os_unmap(m);
    int rc2 = m->kind->release(m);
    free(m);
    return rc ? rc : rc2;
}

int memmap_hand_over(memmap_t **out, memmap_t *m, int rc)
{
    if (rc != 0) {
        destroy_map(m);
        return rc;
    }
    *out = m;
    return 0;
}

int memmap_view_size_fits(size_t slack, size_t length)
{
    return length <= SIZE_MAX - slack - memmap_os_granularity();
}

/* Maps [offset, offset+length) of m's file, aligning down to the granularity
 * and hiding the slack.  A zero length gives an empty map without an OS call. */
static int map_view(memmap_t *m, uint64_t offset, size_t length, int populate)
{
    size_t slack = (size_t)(offset % memmap_os_granularity());
    int rc;

    m->offset = offset;
    m->slack = slack;
    if (length == 0)
        return 0;
    if (!memmap_view_size_fits(slack, length))
        return memmap_fail(MEMMAP_ENOMEM);
    rc = memmap_os_map(m, offset - slack, slack + length, populate);
    if (rc != 0)
        return rc;
    m->data = m->view.base + slack;
    m->size = length;
    return 0;
}

int memmap_plan_file_size(uint64_t file_size, uint64_t offset, size_t *length, unsigned flags,
                          int may_grow, uint64_t *new_file_size)
{
    uint64_t end;

    if (*length == 0 && !(flags & MEMMAP_TRUNCATE)) {
        if (offset > file_size)
            return memmap_fail(MEMMAP_ERANGE);
        if (file_size - offset > SIZE_MAX)
            return memmap_fail(MEMMAP_ENOMEM);
        *length = (size_t)(file_size - offset);
    }
    if ((uint64_t)*length > UINT64_MAX - offset)
        return memmap_fail(MEMMAP_EINVAL);
    end = offset + *length;
    /* Past the end of a file this map may not grow: out of range, however far. */
    if (end > file_size && !may_grow)
        return memmap_fail(MEMMAP_ERANGE);
    if (end > MAX_FILE_SIZE)
        return memmap_fail(MEMMAP_EFBIG);
    *new_file_size = (flags & MEMMAP_TRUNCATE) || end > file_size ? end : file_size;
    return 0;
}

/* Sizes m's open file (or object) for the range and maps it. */
static int map_open_file(memmap_t *m, uint64_t offset, size_t length, unsigned flags, int may_grow)
{
    enum memmap_file_type type;
    uint64_t file_size, new_size = 0;
    int rc;

    if ((rc = m->kind->describe(m, &type, &file_size)) != 0)
        return rc;
    switch (type) {
    case MEMMAP_FILE_REGULAR:
        break;
    case MEMMAP_FILE_DIRECTORY:
        return memmap_fail(MEMMAP_EISDIR);
    case MEMMAP_FILE_DEVICE:
        /* A device has no size to check or grow: map what was asked, and let it refuse. */
        if (length == 0 || (flags & MEMMAP_TRUNCATE))
            return memmap_fail(MEMMAP_ENODEV);
        if ((uint64_t)length > UINT64_MAX - offset)
            return memmap_fail(MEMMAP_EINVAL);
        return map_view(m, offset, length, (flags & MEMMAP_POPULATE) != 0);
    default:
        return memmap_fail(MEMMAP_ENODEV);
    }

    if ((rc = memmap_plan_file_size(file_size, offset, &length, flags, may_grow, &new_size)) != 0)
        return rc;
    /*
     * A failed open must leave the file as it found it.  Growth comes first,
     * so that a full disk fails before anything is mapped, and is undone if
     * the map then fails.  A cut cannot be undone, so it comes last, once the
     * map exists -- except where the OS refuses to cut a mapped file.
     */
    if (new_size > file_size || (new_size < file_size && !MEMMAP_OS_CUTS_MAPPED_FILES)) {
        if ((rc = m->kind->set_size(m, file_size, new_size, !(flags & MEMMAP_SPARSE))) != 0)
            return rc;
        m->size_dirty = 1;
    }
    rc = map_view(m, offset, length, (flags & MEMMAP_POPULATE) != 0);
    if (rc != 0) {
        if (new_size > file_size)
            m->kind->set_size(m, new_size, file_size, 0);
        return rc;
    }
    if (new_size < file_size && MEMMAP_OS_CUTS_MAPPED_FILES) {
        if ((rc = m->kind->set_size(m, file_size, new_size, 0)) != 0)
            return rc; /* the caller unmaps the view */
        m->size_dirty = 1;
    }
    return 0;
}

static const memmap_options default_options = {0, 0, 0};

int memmap_open(memmap_t **map, const char *path, unsigned flags, const memmap_options *opt)
{
    memmap_t *m;
    int created = 0, rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    *map = NULL;
    if (!opt)
        opt = &default_options;
    if (!path || (flags & ~OPEN_FLAGS) || (opt->mode & ~07777u))
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = check_flag_combination(flags)) != 0)
        return rc;
    if (!(m = memmap_new_map(&memmap_os_file_kind, flags)))
        return memmap_fail(MEMMAP_ENOMEM);
    rc = memmap_os_open_path(m, path, opt->mode ? opt->mode : 0666u, &created);
    if (rc == 0)
        rc = map_open_file(m, opt->offset, opt->length, flags, (flags & MEMMAP_WRITE) != 0);
    if (rc != 0 && created) {
        /* A failed create leaves no file behind (the error code stays the first failure's). */
        int os_code = memmap_last_os_error();
        memmap_os_unmap(m);
        memmap_os_discard_created(m, path);
        memmap_fail_os(rc, os_code);
    }
    return memmap_hand_over(map, m, rc);
}

int memmap_open_file(memmap_t **map, memmap_file_t file, unsigned flags, const memmap_options *opt)
{
    memmap_t *m;
    int rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    *map = NULL;
    if (!opt)
        opt = &default_options;
    if (flags & ~OPEN_FILE_FLAGS)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = check_flag_combination(flags)) != 0)
        return rc;
    if (!(m = memmap_new_map(&memmap_os_file_kind, flags)))
        return memmap_fail(MEMMAP_ENOMEM);
    rc = memmap_os_adopt_file(m, file);
    if (rc == 0)
        rc = map_open_file(m, opt->offset, opt->length, flags, (flags & MEMMAP_WRITE) != 0);
    return memmap_hand_over(map, m, rc);
}

int memmap_anon(memmap_t **map, size_t length, unsigned flags)
{
    memmap_t *m;
    int rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    *map = NULL;
    if (flags & ~ANON_FLAGS)
        return memmap_fail(MEMMAP_EINVAL);
    /* An empty map has no pages, huge or not. */
    if (length == 0)
        flags &= ~MEMMAP_HUGE;
    /* Anonymous memory exists to be written: it is always readable and writable. */
    if (!(m = memmap_new_map(&memmap_os_anon_kind, flags | MEMMAP_WRITE)))
        return memmap_fail(MEMMAP_ENOMEM);
    rc = map_view(m, 0, length, (flags & MEMMAP_POPULATE) != 0);
    return memmap_hand_over(map, m, rc);
}

/* Portable names: 1 to 200 of [A-Za-z0-9._-], not "." or "..". */
static int valid_shm_name(const char *name)
{
    size_t n;
    if (!name || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (n = 0; name[n]; n++) {
        char c = name[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok || n >= MEMMAP_SHM_NAME_MAX)
            return 0;
    }
    return n > 0;
}

int memmap_shm_open(memmap_t **map, const char *name, size_t length, unsigned flags)
{
    memmap_t *m;
    int created = 0, rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    *map = NULL;
    if (!valid_shm_name(name) || (flags & ~SHM_FLAGS))
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = check_flag_combination(flags)) != 0)
        return rc;
    if (!(m = memmap_new_map(&memmap_os_shm_kind, flags)))
        return memmap_fail(MEMMAP_ENOMEM);
    rc = memmap_os_shm_open(m, name, length, &created);
    /* A new object is sized here even when it is mapped read-only. */
    if (rc == 0)
        rc = map_open_file(m, 0, length, flags, created || (flags & MEMMAP_WRITE));
    if ((rc = memmap_hand_over(map, m, rc)) != 0 && created)
        memmap_os_shm_discard(name);
    return rc;
}

int memmap_shm_unlink(const char *name)
{
    if (!valid_shm_name(name))
        return memmap_fail(MEMMAP_EINVAL);
    return memmap_os_shm_unlink(name);
}

int memmap_close(memmap_t *map)
{
    return map ? destroy_map(map) : 0;
}

/* --- Accessors --------------------------------------------------------------- */

void *memmap_data(const memmap_t *map) { return map ? map->data : NULL; }
size_t memmap_size(const memmap_t *map) { return map ? memmap_current_size(map) : 0; }
uint64_t memmap_offset(const memmap_t *map) { return map ? map->offset : 0; }
/* The backend clears MEMMAP_HUGE from m->flags when it could not grant it. */
unsigned memmap_flags(const memmap_t *map) { return map ? map->flags & (ACCESS_FLAGS | MEMMAP_HUGE) : 0; }
size_t memmap_page_size(void) { return memmap_os_page_size(); }
size_t memmap_granularity(void) { return memmap_os_granularity(); }

/* --- Operations on a range ------------------------------------------------------ */

/*
 * Checks [offset, offset+*length) against the map (length 0: to the end) and
 * widens it to whole pages: *addr and *len get the page-aligned span.  An
 * empty range gives *len 0.
 */
int memmap_page_span(const memmap_t *m, size_t offset, size_t length, void **addr, size_t *len)
{
    uintptr_t page = memmap_os_page_size(), start, end;
    size_t size = memmap_current_size(m);

    *addr = NULL;
    *len = 0;
    if (offset > size)
        return memmap_fail(MEMMAP_ERANGE);
    if (length == 0)
        length = size - offset;
    else if (length > size - offset)
        return memmap_fail(MEMMAP_ERANGE);
    if (length == 0)
        return 0;
    start = (uintptr_t)(m->data + offset) & ~(page - 1);
    end = ((uintptr_t)(m->data + offset + length) + page - 1) & ~(page - 1);
    *addr = (void *)start;
    *len = (size_t)(end - start);
    return 0;
}

int memmap_sync(memmap_t *map, size_t offset, size_t length, unsigned flags)
{
    void *addr;
    size_t len;
    int durable, rc;

    if (!map || (flags & ~MEMMAP_SYNC_ASYNC))
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = memmap_page_span(map, offset, length, &addr, &len)) != 0)
        return rc;
    /* Anonymous and private memory has no file to write back to. */
    if (!map->kind->sync || (map->flags & MEMMAP_COPY))
        return 0;
    durable = !(flags & MEMMAP_SYNC_ASYNC);
    if (len == 0 && !(durable && memmap_load_relaxed(&map->size_dirty)))
        return 0;
    rc = map->kind->sync(map, addr, len, durable);
    if (rc == 0 && durable)
        memmap_store_relaxed(&map->size_dirty, 0);
    return rc;
}

int memmap_protect(memmap_t *map, size_t offset, size_t length, unsigned prot)
{
    void *addr;
    size_t len;
    int rc;

    if (!map || (prot & ~PROT_FLAGS))
        return memmap_fail(MEMMAP_EINVAL);
    /* Windows cannot add write or execute access a view was not created with; POSIX is held to the same rule. */
    if ((prot & MEMMAP_WRITE) && !(map->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        return memmap_fail(MEMMAP_EACCES);
    if ((prot & MEMMAP_EXEC) && !(map->flags & MEMMAP_EXEC))
        return memmap_fail(MEMMAP_EACCES);
    if ((rc = memmap_page_span(map, offset, length, &addr, &len)) != 0 || len == 0)
        return rc;
    rc = memmap_os_protect(map, addr, len, prot);
    /* A ring's second view is the same memory: it gets the same access. */
    if (rc == 0 && map->mirrored)
        rc = memmap_os_protect(map, (unsigned char *)addr + map->size, len, prot);
    return rc;
}

int memmap_advise(memmap_t *map, size_t offset, size_t length, int advice)
{
    void *addr;
    size_t len;
    int rc;

    if (!map || advice < MEMMAP_ADVICE_NORMAL || advice > MEMMAP_ADVICE_NOHUGEPAGE)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = memmap_page_span(map, offset, length, &addr, &len)) != 0 || len == 0)
        return rc;
    rc = memmap_os_advise(map, addr, len, advice);
    if (rc == 0 && map->mirrored)
        rc = memmap_os_advise(map, (unsigned char *)addr + map->size, len, advice);
    return rc;
}

int memmap_on_pages(memmap_t *map, size_t offset, size_t length, int (*os_call)(memmap_t *, void *, size_t))
{
    void *addr;
    size_t len;
    int rc;

    if (!map)
        return memmap_fail(MEMMAP_EINVAL);
    if ((rc = memmap_page_span(map, offset, length, &addr, &len)) != 0 || len == 0)
        return rc;
    rc = os_call(map, addr, len);
    if (rc == 0 && map->mirrored)
        rc = os_call(map, (unsigned char *)addr + map->size, len);
    return rc;
}

int memmap_lock(memmap_t *map, size_t offset, size_t length)
{
    return memmap_on_pages(map, offset, length, memmap_os_lock);
}

int memmap_unlock(memmap_t *map, size_t offset, size_t length)
{
    return memmap_on_pages(map, offset, length, memmap_os_unlock);
}

int memmap_shm_check_name(const char *name)
{
    return valid_shm_name(name) ? 0 : memmap_fail(MEMMAP_EINVAL);
}
