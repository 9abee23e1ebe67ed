/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: random sequences of API calls on a temporary file, a
 * shared memory object and anonymous memory, checked against a model.
 *
 * The model knows the contents and size of the file and of the object, and
 * of every anonymous map.  After every call it checks what the header
 * promises:
 *   - every result is 0 or a documented MEMMAP_E* code;
 *   - a failed create leaves *map NULL, a failed resize leaves the map and
 *     the file as they were;
 *   - sizes are what was asked for, data survives resize, advice and
 *     protection changes, and the file's size on disk is what the calls made it;
 *   - a guarded read or probe fails with MEMMAP_EIO exactly when a page of its
 *     range lies wholly past the end of the file (the file is shrunk behind
 *     the maps' backs on purpose), and never crashes;
 *   - stores to a COPY map never reach the file.
 * Any broken promise aborts, which libFuzzer reports with the input.
 *
 * Input format: a stream of operations, each an opcode byte followed by the
 * bytes it consumes; a short input simply runs out (missing bytes read as 0).
 */
#define _GNU_SOURCE
#include "memmap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOTS 4
#define MAX_PAGES 6
#define MAX_OPS 64

/* --- Reading the input ---------------------------------------------------------- */

struct input {
    const uint8_t *data;
    size_t size, at;
};

static unsigned next_byte(struct input *in)
{
    return in->at < in->size ? in->data[in->at++] : 0;
}

static size_t next_size(struct input *in, size_t page)
{
    /* Mostly whole or half pages and small odd amounts: where the edges are. */
    unsigned b = next_byte(in), pages = b % (MAX_PAGES + 1);
    switch (next_byte(in) % 4) {
    case 0: return pages * page;
    case 1: return pages * page + page / 2;
    case 2: return pages * page + (next_byte(in) % 16);
    default: return pages * page - (pages ? 1 + next_byte(in) % 16 : 0);
    }
}

/* --- The model ---------------------------------------------------------------------- */

/* What backs a map: the file, the shared memory object, or its own anonymous memory. */
enum backing { FILE_BACKED, SHM_BACKED, ANON_BACKED };

struct object {
    unsigned char *bytes; /* the contents, up to size */
    size_t size;
    int exists;
};

struct slot {
    memmap_t *map;
    enum backing backing;
    unsigned flags;
    uint64_t offset;
    unsigned char *anon; /* ANON_BACKED: the contents */
};

static char dir[64], path[128], shm_name[64];
static size_t page;
static struct object objects[2]; /* FILE_BACKED, SHM_BACKED */
static struct slot slots[SLOTS];

#define CHECK(cond)                                                                 \
    do { if (!(cond)) { fprintf(stderr, "fuzz_api: broken promise at line %d: %s\n", \
                                __LINE__, #cond); abort(); } } while (0)

/* MEMMAP_FUZZ_TRACE=1 prints every call, to replay a crash by hand. */
static int tracing;
#define TRACE(...) do { if (tracing) fprintf(stderr, __VA_ARGS__); } while (0)

/* How many error codes there are: they run from -1 down to -ERROR_CODES. */
#define COUNT_ONE(name, message) +1
enum { ERROR_CODES = 0 MEMMAP_ERRNO_MAP(COUNT_ONE) };
#undef COUNT_ONE

static void check_code(int rc)
{
    CHECK(rc <= 0 && rc >= -ERROR_CODES);
    CHECK(strncmp(memmap_errname(rc), "MEMMAP_", 7) == 0 && strcmp(memmap_errname(rc), "MEMMAP_UNKNOWN") != 0);
    CHECK(memmap_strerror(rc)[0] != '\0');
}

/* The size the object has on the system right now (-1 if it does not exist). */
static long long os_size(enum backing b)
{
    char p[160];
    struct stat st;
    if (b == FILE_BACKED)
        snprintf(p, sizeof p, "%s", path);
    else
        snprintf(p, sizeof p, "/dev/shm/%s", shm_name);
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Makes the model's size new_size: a shorter object loses its tail, a longer one gains zeros. */
static void model_resize(struct object *o, size_t new_size)
{
    if (new_size > o->size) {
        unsigned char *grown = realloc(o->bytes, new_size);
        CHECK(grown != NULL);
        memset(grown + o->size, 0, new_size - o->size);
        o->bytes = grown;
    }
    o->size = new_size;
}

/* Checks the system agrees with the model about the object's existence and size. */
static void check_object_size(enum backing b)
{
    long long size = os_size(b);
    if (!objects[b].exists)
        CHECK(size == -1);
    else
        CHECK(size == (long long)objects[b].size);
}

/* After a call that may have created the object (failing or not), take note. */
static void note_created(enum backing b)
{
    if (!objects[b].exists && os_size(b) >= 0) {
        objects[b].exists = 1;
        model_resize(&objects[b], 0);
    }
}

static int is_file_like(const struct slot *s)
{
    return s->backing != ANON_BACKED;
}

/*
 * Whether every page of the map's bytes [at, at+len) is inside its object:
 * the kernel faults on a page that starts at or after the end.
 */
static int accessible(const struct slot *s, size_t at, size_t len)
{
    uint64_t last_page;
    if (!is_file_like(s) || len == 0)
        return 1;
    last_page = (s->offset + at + len - 1) / page * page;
    return last_page < objects[s->backing].size;
}

/* Compares buf, read from the map's bytes [at, at+len), with the model. */
static void check_contents(const struct slot *s, size_t at, const unsigned char *buf, size_t len)
{
    size_t i;
    if (s->backing == ANON_BACKED) {
        CHECK(memcmp(buf, s->anon + at, len) == 0);
        return;
    }
    if (s->flags & MEMMAP_COPY)
        return; /* private pages: the file's bytes or this map's own stores */
    for (i = 0; i < len; i++) {
        uint64_t x = s->offset + at + i;
        if (x < objects[s->backing].size)
            CHECK(buf[i] == objects[s->backing].bytes[x]);
    }
}

/* Reads the whole map through the guarded path and checks it. */
static void verify_slot(const struct slot *s)
{
    size_t size = memmap_size(s->map);
    unsigned char *buf;
    int rc;
    if (size == 0)
        return;
    buf = malloc(size);
    CHECK(buf != NULL);
    rc = memmap_read(s->map, 0, buf, size);
    if (accessible(s, 0, size)) {
        if (s->flags & MEMMAP_COPY)
            CHECK(rc == 0 || rc == MEMMAP_EIO);
        else
            CHECK(rc == 0);
        if (rc == 0)
            check_contents(s, 0, buf, size);
    } else {
        CHECK(rc == MEMMAP_EIO);
    }
    free(buf);
}

/* --- Operations ------------------------------------------------------------------------ */

static struct slot *free_slot(struct input *in)
{
    struct slot *s = &slots[next_byte(in) % SLOTS];
    return s->map ? NULL : s;
}

static struct slot *used_slot(struct input *in)
{
    struct slot *s = &slots[next_byte(in) % SLOTS];
    return s->map ? s : NULL;
}

static void close_slot(struct slot *s)
{
    check_code(memmap_close(s->map));
    free(s->anon);
    memset(s, 0, sizeof *s);
}

/* Opens the file or the object; predicts size and growth, checks them. */
static void op_open(struct input *in, enum backing b)
{
    static const unsigned access[] = {MEMMAP_READ, MEMMAP_WRITE, MEMMAP_COPY, MEMMAP_WRITE | MEMMAP_TRUNCATE};
    struct slot *s = free_slot(in);
    struct object *o = &objects[b];
    memmap_t *m = (memmap_t *)(uintptr_t)1;
    unsigned flags = access[next_byte(in) % 4], extra = next_byte(in);
    memmap_options opt = {0, 0, 0};
    size_t old_size = o->size;
    int existed = o->exists, rc, may_grow;
    uint64_t end;

    if (!s)
        return;
    if (extra & 1)
        flags |= MEMMAP_CREATE;
    if ((extra & 2) && (flags & MEMMAP_CREATE))
        flags |= MEMMAP_EXCL;
    if (extra & 4)
        flags |= MEMMAP_SPARSE;
    if (extra & 8)
        flags |= MEMMAP_POPULATE;
    if (b == FILE_BACKED && (extra & 32) && o->exists) {
        /* The caller's own descriptor, closed again as soon as the map holds its copy. */
        static const int modes[] = {O_RDONLY, O_RDWR, O_WRONLY};
        int mode = modes[next_byte(in) % 3], fd = open(path, mode | O_CLOEXEC);
        CHECK(fd >= 0);
        flags &= ~(unsigned)(MEMMAP_CREATE | MEMMAP_EXCL);
        opt.offset = (extra & 16) ? next_size(in, page) : 0;
        opt.length = next_size(in, page);
        rc = memmap_open_file(&m, fd, flags, &opt);
        close(fd);
        TRACE("open_file(mode %d, flags 0x%x, offset %llu, length %zu) = %d (file size %zu)\n", mode, flags,
              (unsigned long long)opt.offset, opt.length, rc, old_size);
        if (mode == O_WRONLY || (mode == O_RDONLY && (flags & (MEMMAP_WRITE | MEMMAP_TRUNCATE))))
            CHECK(rc == MEMMAP_EACCES);
    } else if (b == FILE_BACKED) {
        opt.offset = (extra & 16) ? next_size(in, page) : 0;
        opt.length = next_size(in, page);
        rc = memmap_open(&m, path, flags, &opt);
        TRACE("open(file, flags 0x%x, offset %llu, length %zu) = %d (file size %zu)\n", flags,
              (unsigned long long)opt.offset, opt.length, rc, old_size);
    } else {
        flags &= ~(unsigned)MEMMAP_COPY;
        if (!(flags & MEMMAP_WRITE))
            flags |= MEMMAP_READ;
        opt.length = next_size(in, page);
        rc = memmap_shm_open(&m, shm_name, opt.length, flags);
        TRACE("shm_open(flags 0x%x, length %zu) = %d (object size %zu)\n", flags, opt.length, rc, old_size);
    }
    check_code(rc);
    note_created(b);
    if (rc != 0) {
        CHECK(m == NULL);
        /* A failed open leaves the size alone (a file it just created stays empty). */
        CHECK(!o->exists || os_size(b) == (long long)(existed ? old_size : 0));
        return;
    }
    CHECK(m != NULL && memmap_data(m) != NULL);
    CHECK(existed || (flags & MEMMAP_CREATE));
    CHECK(!(existed && (flags & MEMMAP_EXCL)));
    /* A new object or a WRITE map may grow it; TRUNCATE sets the size. */
    may_grow = (flags & MEMMAP_WRITE) || (b == SHM_BACKED && !existed);
    if (opt.length == 0 && !(flags & MEMMAP_TRUNCATE)) {
        CHECK(opt.offset <= old_size || !existed);
        CHECK(memmap_size(m) == (existed ? old_size - opt.offset : 0));
    } else {
        CHECK(memmap_size(m) == opt.length);
    }
    end = opt.offset + memmap_size(m);
    if (flags & MEMMAP_TRUNCATE)
        model_resize(o, (size_t)end);
    else if (end > o->size) {
        CHECK(may_grow);
        model_resize(o, (size_t)end);
    }
    CHECK(memmap_offset(m) == (b == FILE_BACKED ? opt.offset : 0));
    check_object_size(b);
    s->map = m;
    s->backing = b;
    s->flags = memmap_flags(m);
    s->offset = opt.offset;
    verify_slot(s);
}

static void op_anon(struct input *in)
{
    struct slot *s = free_slot(in);
    memmap_t *m = NULL;
    size_t len = next_size(in, page);
    unsigned flags = (next_byte(in) & 1) ? MEMMAP_SHARED : 0;
    int rc;
    if (!s)
        return;
    rc = memmap_anon(&m, len, flags);
    TRACE("anon(%zu, 0x%x) = %d\n", len, flags, rc);
    check_code(rc);
    if (rc != 0) {
        CHECK(m == NULL);
        return;
    }
    CHECK(memmap_size(m) == len && memmap_data(m) != NULL);
    s->map = m;
    s->backing = ANON_BACKED;
    s->flags = memmap_flags(m) | flags;
    s->anon = calloc(1, len + 1);
    CHECK(s->anon != NULL);
    verify_slot(s);
}

static void op_write(struct input *in)
{
    struct slot *s = used_slot(in);
    size_t size, at, len, i;
    unsigned char *buf;
    unsigned char seed = (unsigned char)next_byte(in);
    int rc;
    if (!s)
        return;
    size = memmap_size(s->map);
    at = size ? next_size(in, page) % (size + 1) : 0;
    len = next_size(in, page);
    buf = malloc(len + 1);
    CHECK(buf != NULL);
    for (i = 0; i < len; i++)
        buf[i] = (unsigned char)(seed + i * 7);
    /*
     * A store that crosses the end of the object is skipped unless all of it
     * lies in pages past the end: bytes past the end are not kept, and a copy
     * that faults part way may have changed some bytes before the fault.
     */
    if (is_file_like(s) && at + len <= size && s->offset + at + len > objects[s->backing].size &&
        (s->offset + at) / page * page < objects[s->backing].size) {
        free(buf);
        return;
    }
    rc = memmap_write(s->map, at, buf, len);
    TRACE("write(slot %d, %zu, %zu) = %d\n", (int)(s - slots), at, len, rc);
    check_code(rc);
    /* Both wrong: the header does not say which is reported first. */
    if (at + len > size && !(s->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        CHECK(rc == MEMMAP_ERANGE || rc == MEMMAP_EACCES);
    else if (at + len > size)
        CHECK(rc == MEMMAP_ERANGE);
    else if (!(s->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        CHECK(rc == MEMMAP_EACCES);
    else if (!accessible(s, at, len))
        CHECK(rc == MEMMAP_EIO);
    else
        CHECK(rc == 0);
    if (rc == 0 && len > 0) {
        if (s->backing == ANON_BACKED)
            memcpy(s->anon + at, buf, len);
        else if (!(s->flags & MEMMAP_COPY))
            memcpy(objects[s->backing].bytes + s->offset + at, buf, len);
    }
    free(buf);
}

static void op_read(struct input *in)
{
    struct slot *s = used_slot(in);
    size_t size, at, len;
    unsigned char *buf;
    int rc;
    if (!s)
        return;
    size = memmap_size(s->map);
    at = next_size(in, page) % (size + 2);
    len = next_size(in, page);
    buf = malloc(len + 1);
    CHECK(buf != NULL);
    rc = memmap_read(s->map, at, buf, len);
    TRACE("read(slot %d, %zu, %zu) = %d\n", (int)(s - slots), at, len, rc);
    check_code(rc);
    if (at > size || len > size - at)
        CHECK(rc == MEMMAP_ERANGE);
    else if (!accessible(s, at, len))
        CHECK(rc == MEMMAP_EIO);
    else if (s->flags & MEMMAP_COPY)
        CHECK(rc == 0 || rc == MEMMAP_EIO);
    else
        CHECK(rc == 0);
    if (rc == 0)
        check_contents(s, at, buf, len);
    free(buf);
}

static void op_probe(struct input *in)
{
    struct slot *s = used_slot(in);
    unsigned access = next_byte(in) & 3;
    size_t size, at, len;
    int rc;
    if (!s)
        return;
    size = memmap_size(s->map);
    at = next_size(in, page) % (size + 2);
    len = next_size(in, page);
    rc = memmap_probe(s->map, at, len, access);
    TRACE("probe(slot %d, %zu, %zu, %u) = %d\n", (int)(s - slots), at, len, access, rc);
    check_code(rc);
    if ((access & MEMMAP_WRITE) && !(s->flags & (MEMMAP_WRITE | MEMMAP_COPY)))
        CHECK(rc == MEMMAP_EACCES || rc == MEMMAP_ERANGE);
    else if (at > size || (len && len > size - at))
        CHECK(rc == MEMMAP_ERANGE);
    else if (!accessible(s, at, len ? len : size - at))
        CHECK(rc == MEMMAP_EIO);
    else if (!(s->flags & MEMMAP_COPY))
        CHECK(rc == 0);
    /* Probing never changes data. */
    verify_slot(s);
}

static void op_resize(struct input *in)
{
    struct slot *s = used_slot(in);
    size_t old_len, new_len, keep, end;
    unsigned flags = 0, extra = next_byte(in);
    unsigned char *before = NULL;
    struct object *o;
    size_t old_obj_size = 0;
    int rc, before_ok = 0;
    if (!s)
        return;
    if (extra & 1)
        flags |= MEMMAP_NOMOVE;
    if (extra & 2)
        flags |= MEMMAP_TRUNCATE;
    if (extra & 4)
        flags |= MEMMAP_SPARSE;
    old_len = memmap_size(s->map);
    new_len = next_size(in, page);
    o = is_file_like(s) ? &objects[s->backing] : NULL;
    if (o)
        old_obj_size = o->size;
    if (old_len) {
        before = malloc(old_len);
        CHECK(before != NULL);
        before_ok = memmap_read(s->map, 0, before, old_len) == 0;
    }
    rc = memmap_resize(s->map, new_len, flags);
    TRACE("resize(slot %d, %zu -> %zu, flags 0x%x) = %d (object size %zu, os %lld)\n", (int)(s - slots),
          old_len, new_len, flags, rc, old_obj_size, o ? os_size(s->backing) : -1LL);
    check_code(rc);
    if (rc != 0) {
        CHECK(memmap_size(s->map) == old_len);
        if (o)
            check_object_size(s->backing);
    } else {
        CHECK(memmap_size(s->map) == new_len);
        CHECK(memmap_data(s->map) != NULL);
        if (o && new_len == old_len && !(flags & MEMMAP_TRUNCATE)) {
            /* The same length is nothing to do, even over a file shrunk meanwhile. */
            check_object_size(s->backing);
        } else if (o) {
            end = (size_t)s->offset + new_len;
            if (flags & MEMMAP_TRUNCATE)
                model_resize(o, end);
            else if (end > o->size && new_len > 0) {
                CHECK(s->flags & MEMMAP_WRITE);
                model_resize(o, end);
            }
            check_object_size(s->backing);
        } else {
            unsigned char *grown = realloc(s->anon, new_len + 1);
            CHECK(grown != NULL);
            if (new_len > old_len)
                memset(grown + old_len, 0, new_len - old_len);
            s->anon = grown;
        }
        /* What the map held before is still there, up to the shorter length. */
        keep = old_len < new_len ? old_len : new_len;
        if (before_ok && keep && o && !(s->flags & MEMMAP_COPY) && o->size < old_obj_size)
            keep = 0; /* the file lost bytes: the model has them already */
        if (before_ok && keep && !(s->flags & MEMMAP_COPY)) {
            unsigned char *after = malloc(keep);
            CHECK(after != NULL);
            if (memmap_read(s->map, 0, after, keep) == 0) {
                size_t i, limit = keep;
                if (o && s->offset + limit > o->size)
                    limit = o->size > s->offset ? (size_t)(o->size - s->offset) : 0;
                for (i = 0; i < limit; i++)
                    CHECK(after[i] == before[i]);
            }
            free(after);
        }
    }
    free(before);
    verify_slot(s);
}

static void op_protect(struct input *in)
{
    static const unsigned prots[] = {MEMMAP_NONE, MEMMAP_READ, MEMMAP_READ | MEMMAP_WRITE};
    struct slot *s = used_slot(in);
    unsigned prot = prots[next_byte(in) % 3], restore;
    size_t size, at, len;
    unsigned char byte;
    int rc;
    if (!s)
        return;
    size = memmap_size(s->map);
    at = size ? next_size(in, page) % size : 0;
    len = 1 + next_byte(in) % 64;
    if (at + len > size)
        len = size - at;
    rc = memmap_protect(s->map, at, len, prot);
    TRACE("protect(slot %d, %zu, %zu, %u) = %d\n", (int)(s - slots), at, len, prot, rc);
    check_code(rc);
    if ((prot & MEMMAP_WRITE) && !(s->flags & (MEMMAP_WRITE | MEMMAP_COPY))) {
        CHECK(rc == MEMMAP_EACCES);
        return;
    }
    if (rc != 0 || len == 0)
        return;
    /* The protected byte faults cleanly; a readable one reads. */
    rc = memmap_read(s->map, at, &byte, 1);
    if (prot == MEMMAP_NONE)
        CHECK(rc == MEMMAP_EIO);
    else if (accessible(s, at, 1) && !(s->flags & MEMMAP_COPY))
        CHECK(rc == 0);
    /* Back to the map's own access: nothing else may have changed. */
    restore = s->flags & (MEMMAP_WRITE | MEMMAP_COPY) ? MEMMAP_READ | MEMMAP_WRITE : MEMMAP_READ;
    if (s->flags & MEMMAP_EXEC)
        restore |= MEMMAP_EXEC;
    CHECK(memmap_protect(s->map, at, len, restore) == 0);
    verify_slot(s);
}

static void op_hint(struct input *in)
{
    struct slot *s = used_slot(in);
    unsigned what = next_byte(in);
    int advice = (int)(next_byte(in) % 9) - 1; /* -1 and 7 are invalid */
    int rc;
    if (!s)
        return;
    TRACE("hint(slot %d, %u, advice %d)\n", (int)(s - slots), what % 4, advice);
    switch (what % 4) {
    case 0:
        rc = memmap_advise(s->map, 0, 0, advice);
        check_code(rc);
        CHECK(rc == ((advice < 0 || advice > MEMMAP_ADVICE_NOHUGEPAGE) ? MEMMAP_EINVAL : 0));
        if (what & 8) {
            /* Eviction drops pages, never data: verify_slot below checks the contents. */
            rc = memmap_evict(s->map, 0, 0);
            check_code(rc);
            CHECK(rc == 0 || rc == MEMMAP_EIO);
        }
        if (what & 16) {
            size_t n = SIZE_MAX, pages = (memmap_size(s->map) + page - 1) / page + 1;
            rc = memmap_residency(s->map, 0, 0, NULL, &n);
            check_code(rc);
            CHECK(rc == 0 && n <= pages);
        }
        break;
    case 1:
        rc = memmap_sync(s->map, 0, 0, (what & 4) ? MEMMAP_SYNC_ASYNC : 0);
        check_code(rc);
        CHECK(rc == 0 || rc == MEMMAP_EIO);
        break;
    case 2:
        rc = memmap_lock(s->map, 0, 0);
        check_code(rc);
        CHECK(rc == 0 || rc == MEMMAP_ENOMEM || rc == MEMMAP_EIO);
        if (rc == 0)
            CHECK(memmap_unlock(s->map, 0, 0) == 0);
        break;
    default:
        close_slot(s);
        return;
    }
    /* DONTNEED and friends never lose data. */
    verify_slot(s);
}

/* Another process shortens or lengthens the file or object behind the maps. */
static void op_external_truncate(struct input *in)
{
    enum backing b = (next_byte(in) & 1) ? SHM_BACKED : FILE_BACKED;
    size_t new_size = next_size(in, page);
    char p[160];
    int fd;
    if (!objects[b].exists)
        return;
    if (b == FILE_BACKED)
        snprintf(p, sizeof p, "%s", path);
    else
        snprintf(p, sizeof p, "/dev/shm/%s", shm_name);
    fd = open(p, O_RDWR | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, (off_t)new_size) == 0);
    TRACE("external truncate(%s, %zu)\n", b == FILE_BACKED ? "file" : "shm", new_size);
    close(fd);
    model_resize(&objects[b], new_size);
}

/* --- Setup and the entry point ------------------------------------------------------------- */

static void reset(void)
{
    int i;
    for (i = 0; i < SLOTS; i++)
        if (slots[i].map)
            close_slot(&slots[i]);
    unlink(path);
    memmap_shm_unlink(shm_name);
    for (i = 0; i < 2; i++) {
        free(objects[i].bytes);
        memset(&objects[i], 0, sizeof objects[i]);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");
    (void)argc;
    (void)argv;
    page = memmap_page_size();
    tracing = getenv("MEMMAP_FUZZ_TRACE") != NULL;
    snprintf(dir, sizeof dir, "%s/memmap-fuzz-XXXXXX", base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/file", dir);
    snprintf(shm_name, sizeof shm_name, "memmap-fuzz-%d", (int)getpid());
    return 0;
}

/* Removes the directory when libFuzzer exits normally. */
__attribute__((destructor)) static void remove_dir(void)
{
    if (dir[0]) {
        reset();
        rmdir(dir);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    int ops;

    for (ops = 0; ops < MAX_OPS && in.at < in.size; ops++) {
        switch (next_byte(&in) % 10) {
        case 0: op_open(&in, FILE_BACKED); break;
        case 1: op_open(&in, SHM_BACKED); break;
        case 2: op_anon(&in); break;
        case 3: op_write(&in); break;
        case 4: op_read(&in); break;
        case 5: op_probe(&in); break;
        case 6: op_resize(&in); break;
        case 7: op_protect(&in); break;
        case 8: op_hint(&in); break;
        default: op_external_truncate(&in); break;
        }
        check_object_size(FILE_BACKED);
        check_object_size(SHM_BACKED);
    }
    reset();
    return 0;
}
