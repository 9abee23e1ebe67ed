/* SPDX-License-Identifier: MIT */
/* Files: opening by path or adopting a caller's handle, size and type, growth
 * with real allocation, sync, their sections, and closing. */
#include "win32.h"

#include <winioctl.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* NtQueryObject tells which access a handle was opened with; it lives in
 * ntdll and is looked up at run time (mingw-w64 has no import for it). */
typedef LONG (NTAPI *nt_query_object_fn)(HANDLE, int, void *, ULONG, ULONG *);

struct object_basic_information {
    ULONG attributes;
    ACCESS_MASK granted_access;
    ULONG handle_count;
    ULONG pointer_count;
    ULONG reserved[10];
};

#define OBJECT_BASIC_INFORMATION_CLASS 0

/*
 * The UTF-16 form of a UTF-8 path.  A path of MAX_PATH characters or more
 * needs the \\?\ prefix, which lifts the limit but also every normalisation,
 * so such a path is made absolute and normalised first.
 */
static int wide_path(const char *path, wchar_t **wide)
{
    static const wchar_t long_prefix[] = L"\\\\?\\", unc_prefix[] = L"\\\\?\\UNC";
    wchar_t *plain, *full, *result;
    DWORD n;
    int rc;

    *wide = NULL;
    if ((rc = memmap_win32_widen(path, NULL, &plain)) != 0)
        return rc;
    /* 12: CreateFile keeps room for an 8.3 name below MAX_PATH. */
    if (wcslen(plain) < MAX_PATH - 12 || wcsncmp(plain, long_prefix, 4) == 0) {
        *wide = plain;
        return 0;
    }
    n = GetFullPathNameW(plain, 0, NULL, NULL);
    full = n ? malloc(n * sizeof *full) : NULL;
    result = n ? malloc((n + 8) * sizeof *result) : NULL;
    if (n == 0)
        rc = memmap_win32_last_error();
    else if (!full || !result)
        rc = memmap_fail(MEMMAP_ENOMEM);
    else if (GetFullPathNameW(plain, n, full, NULL) >= n)
        rc = memmap_win32_last_error();
    if (rc != 0) {
        free(plain);
        free(full);
        free(result);
        return rc;
    }
    /* \\server\share\x becomes \\?\UNC\server\share\x; C:\x becomes \\?\C:\x. */
    if (full[0] == L'\\' && full[1] == L'\\') {
        wcscpy(result, unc_prefix);
        wcscat(result, full + 1);
    } else {
        wcscpy(result, long_prefix);
        wcscat(result, full);
    }
    free(plain);
    free(full);
    *wide = result;
    return 0;
}

void memmap_os_init(memmap_t *m)
{
    /* A map is anonymous memory until a file or object is opened for it. */
    m->os.ops = &memmap_win32_anon_ops;
    /* NULL, not INVALID_HANDLE_VALUE, means "no handle" throughout the backend. */
    m->os.file = NULL;
    m->os.section = NULL;
    m->os.section_size = 0;
    m->os.mapped_size = 0;
    m->os.pieces = NULL;
    m->os.view_count = m->os.piece_count = m->os.piece_capacity = 0;
}

/*
 * Opens wide for access.  With MEMMAP_CREATE the file is created exclusively
 * first, so that we know whether a later failure must remove it.  The handle
 * never has DELETE access, which the caller never asked for, an existing
 * file's ACL may deny, and which would keep every program that opens the file
 * without FILE_SHARE_DELETE (the C runtime's fopen, for one) out of it for as
 * long as the map lives.
 */
static HANDLE open_wide(const wchar_t *wide, unsigned flags, DWORD access, DWORD attributes, int *created)
{
    /* Another process may still open, rename or delete the file while it is
     * mapped, as on POSIX.  No SECURITY_ATTRIBUTES: the handle is not
     * inherited by child processes. */
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    HANDLE h;

    *created = 0;
    if (flags & MEMMAP_CREATE) {
        h = CreateFileW(wide, access, share, NULL, CREATE_NEW, attributes, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            *created = 1;
            return h;
        }
        if ((GetLastError() != ERROR_FILE_EXISTS && GetLastError() != ERROR_ALREADY_EXISTS) || (flags & MEMMAP_EXCL))
            return h;
    }
    h = CreateFileW(wide, access, share, NULL, OPEN_EXISTING, attributes, NULL);
    /* Removed in between: create it the ordinary way, not knowing whether this call made it. */
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND && (flags & MEMMAP_CREATE))
        h = CreateFileW(wide, access, share, NULL, OPEN_ALWAYS, attributes, NULL);
    return h;
}

int memmap_os_open_path(memmap_t *m, const char *path, unsigned mode, int *created)
{
    unsigned flags = m->flags;
    DWORD access = GENERIC_READ, attributes = FILE_ATTRIBUTE_NORMAL, error;
    wchar_t *wide;
    HANDLE h;
    int rc;

    if (flags & (MEMMAP_WRITE | MEMMAP_TRUNCATE))
        access |= GENERIC_WRITE;
    if (flags & MEMMAP_EXEC)
        access |= GENERIC_EXECUTE; /* a PAGE_EXECUTE_* section needs it */
    /* The only permission Windows can give a new file is read-only.  Like the
     * C runtime's _open, a mode without the owner's write bit sets it. */
    if (mode != 0 && !(mode & 0200))
        attributes = FILE_ATTRIBUTE_READONLY;

    if ((rc = wide_path(path, &wide)) != 0)
        return rc;
    h = open_wide(wide, flags, access, attributes, created);
    error = GetLastError();
    if (h == INVALID_HANDLE_VALUE && error == ERROR_ACCESS_DENIED) {
        /* Opening a directory without FILE_FLAG_BACKUP_SEMANTICS is refused as
         * access denied; tell the two apart as POSIX does. */
        DWORD attr = GetFileAttributesW(wide);
        if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
            free(wide);
            return memmap_fail_os(MEMMAP_EISDIR, (int)error);
        }
    }
    free(wide);
    if (h == INVALID_HANDLE_VALUE)
        return memmap_os_error((int)error);
    m->os.file = h;
    m->os.ops = &memmap_win32_file_ops;
    return 0;
}

/* Whether a and b are the same file: the same volume and file index. */
static int same_file(HANDLE a, HANDLE b)
{
    BY_HANDLE_FILE_INFORMATION x, y;
    return GetFileInformationByHandle(a, &x) && GetFileInformationByHandle(b, &y) &&
           x.dwVolumeSerialNumber == y.dwVolumeSerialNumber && x.nFileIndexHigh == y.nFileIndexHigh &&
           x.nFileIndexLow == y.nFileIndexLow;
}

void memmap_os_discard_created(memmap_t *m, const char *path)
{
    FILE_DISPOSITION_INFO dispose;
    wchar_t *wide;
    HANDLE named;

    if (wide_path(path, &wide) != 0)
        return;
    /* Only while path still names our file: another process may have removed
     * or renamed it and made a new one there since. */
    named = CreateFileW(wide, DELETE | FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        NULL, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(wide);
    if (named == INVALID_HANDLE_VALUE)
        return;
    if (same_file(named, m->os.file)) {
        dispose.DeleteFile = TRUE;
        (void)SetFileInformationByHandle(named, FileDispositionInfo, &dispose, sizeof dispose);
    }
    CloseHandle(named);
}

/* Whether h was opened with every right in needed.  When the system cannot
 * tell, the answer is yes and a later call fails with access denied instead. */
static int handle_has_access(HANDLE h, ACCESS_MASK needed)
{
    nt_query_object_fn query = (nt_query_object_fn)(void (*)(void))
        memmap_win32_lookup(L"ntdll.dll", "NtQueryObject");
    struct object_basic_information info;
    if (!query || query(h, OBJECT_BASIC_INFORMATION_CLASS, &info, sizeof info, NULL) < 0)
        return 1;
    return (info.granted_access & needed) == needed;
}

int memmap_os_adopt_file(memmap_t *m, memmap_file_t file)
{
    HANDLE process = GetCurrentProcess(), dup;
    ACCESS_MASK needed = FILE_READ_DATA;

    if (file == NULL || file == INVALID_HANDLE_VALUE)
        return memmap_fail(MEMMAP_EBADF);
    if (!DuplicateHandle(process, (HANDLE)file, process, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return memmap_win32_last_error();
    if (m->flags & (MEMMAP_WRITE | MEMMAP_TRUNCATE))
        needed |= FILE_WRITE_DATA;
    if (!handle_has_access(dup, needed)) {
        CloseHandle(dup);
        return memmap_fail(MEMMAP_EACCES);
    }
    m->os.file = dup;
    m->os.ops = &memmap_win32_file_ops;
    return 0;
}

static int describe_file(memmap_t *m, enum memmap_file_type *type, uint64_t *size)
{
    return memmap_os_describe_file(m->os.file, type, size);
}

static BOOL set_end_of_file(HANDLE h, uint64_t size)
{
    FILE_END_OF_FILE_INFO eof;
    eof.EndOfFile.QuadPart = (LONGLONG)size;
    return SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof);
}

static BOOL set_allocation(HANDLE h, uint64_t size)
{
    FILE_ALLOCATION_INFO alloc;
    alloc.AllocationSize.QuadPart = (LONGLONG)size;
    return SetFileInformationByHandle(h, FileAllocationInfo, &alloc, sizeof alloc);
}

/* Writes one zero byte at pos.  The caller's handle may have been opened for
 * overlapped I/O, where WriteFile only starts the write: wait for it. */
static BOOL write_zero_byte(HANDLE h, HANDLE event, uint64_t pos)
{
    static const char zero = 0;
    OVERLAPPED at;
    DWORD written = 0;

    memset(&at, 0, sizeof at);
    at.Offset = (DWORD)pos;
    at.OffsetHigh = (DWORD)(pos >> 32);
    at.hEvent = event;
    if (!WriteFile(h, &zero, 1, &written, &at) &&
        (GetLastError() != ERROR_IO_PENDING || !GetOverlappedResult(h, &at, &written, TRUE)))
        return FALSE;
    if (written != 1) {
        SetLastError(ERROR_WRITE_FAULT);
        return FALSE;
    }
    return TRUE;
}

/*
 * The fallback where the file system cannot reserve clusters (Wine has no
 * FileAllocationInformation): write a zero byte into every page of the new
 * part, which extends the file.  Everything past the old end reads as zero
 * already, so no data changes; the file system only has to find the space.
 */
static BOOL write_zero_pages(HANDLE h, uint64_t old_size, uint64_t new_size)
{
    uint64_t page = memmap_os_page_size(), pos;
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    BOOL ok = event != NULL;

    for (pos = (old_size + page - 1) / page * page; ok && pos < new_size - 1; pos += page)
        ok = write_zero_byte(h, event, pos);
    if (ok)
        ok = write_zero_byte(h, event, new_size - 1); /* the last byte sets the size */
    if (event) {
        DWORD error = GetLastError();
        CloseHandle(event);
        SetLastError(error);
    }
    return ok;
}

/* Makes the new part of a growing file a hole.  NTFS allocates the clusters
 * of an extended file unless the file is marked sparse; file systems without
 * sparse files refuse, and the file then grows allocated, which is correct,
 * only slower. */
static void mark_sparse(HANDLE h)
{
    FILE_SET_SPARSE_BUFFER sparse;
    OVERLAPPED done; /* an overlapped handle needs one; a plain handle ignores its event */
    DWORD returned;

    memset(&done, 0, sizeof done);
    done.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!done.hEvent)
        return;
    sparse.SetSparse = TRUE;
    if (!DeviceIoControl(h, FSCTL_SET_SPARSE, &sparse, sizeof sparse, NULL, 0, &returned, &done) &&
        GetLastError() == ERROR_IO_PENDING)
        GetOverlappedResult(h, &done, &returned, TRUE);
    CloseHandle(done.hEvent);
}

static int cannot_reserve(DWORD error)
{
    return error == ERROR_CALL_NOT_IMPLEMENTED || error == ERROR_NOT_SUPPORTED ||
           error == ERROR_INVALID_PARAMETER || error == ERROR_INVALID_FUNCTION;
}

static int set_file_size(memmap_t *m, uint64_t old_size, uint64_t new_size, int allocate)
{
    HANDLE h = m->os.file;
    DWORD error;

    if (new_size > (uint64_t)INT64_MAX)
        return memmap_fail(MEMMAP_EFBIG);
    if (new_size > old_size && !allocate)
        mark_sparse(h);
    if (new_size > old_size && allocate) {
        /* Reserving the clusters first is what makes a full disk fail here,
         * with ERROR_DISK_FULL, rather than as an in-page error when a page
         * of the map is first written back. */
        if (!set_allocation(h, new_size)) {
            error = GetLastError();
            if (!cannot_reserve(error))
                return memmap_os_error((int)error);
            if (!write_zero_pages(h, old_size, new_size)) {
                error = GetLastError();
                set_end_of_file(h, old_size); /* a partial allocation must not change the size */
                return memmap_os_error((int)error);
            }
            return 0;
        }
    }
    if (!set_end_of_file(h, new_size)) {
        error = GetLastError();
        if (new_size > old_size && allocate)
            set_allocation(h, old_size); /* give the reservation back */
        if (error == NO_ERROR && new_size < old_size)
            error = ERROR_USER_MAPPED_FILE; /* Wine may leave the code unset */
        return memmap_os_error((int)error);
    }
    return 0;
}

static int sync_file(memmap_t *m, void *addr, size_t len, int durable)
{
    int rc = memmap_win32_flush(m, addr, len);
    if (rc != 0)
        return rc;
    /* FlushViewOfFile only starts writing.  FlushFileBuffers waits for the
     * data and the file's metadata (its size too) to reach the disk; it needs
     * write access, which a map that can change the file has. */
    if (durable && (m->flags & MEMMAP_WRITE) && !FlushFileBuffers(m->os.file))
        return memmap_win32_last_error();
    return 0;
}

static int release_file(memmap_t *m)
{
    int rc = 0;
    if (m->os.section) {
        if (!CloseHandle(m->os.section))
            rc = memmap_win32_last_error();
        m->os.section = NULL;
        m->os.section_size = 0;
    }
    if (m->os.file) {
        if (!CloseHandle(m->os.file) && rc == 0)
            rc = memmap_win32_last_error();
        m->os.file = NULL;
    }
    return rc;
}

/* A section of the file's first size bytes.  The file is at least that long
 * already: a section past its end would grow it. */
static int create_file_section(memmap_t *m, uint64_t size, HANDLE *section)
{
    *section = CreateFileMappingW(m->os.file, NULL, memmap_win32_section_protection(m->flags),
                                  (DWORD)(size >> 32), (DWORD)size, NULL);
    return *section ? 0 : memmap_win32_last_error();
}

int memmap_win32_reread_file(memmap_t *m, unsigned char *addr, uint64_t offset, size_t len)
{
    uint64_t size, start = offset - offset % memmap_os_granularity();
    enum memmap_file_type type;
    size_t from_file = 0;
    unsigned char *window = NULL;
    HANDLE section;
    int rc;

    if ((rc = describe_file(m, &type, &size)) != 0)
        return rc;
    if (size > offset)
        from_file = size - offset < len ? (size_t)(size - offset) : len;
    if (from_file) {
        /* A read-only section of the whole file is never larger than the file. */
        section = CreateFileMappingW(m->os.file, NULL, PAGE_READONLY, 0, 0, NULL);
        if (!section)
            return memmap_win32_last_error();
        window = MapViewOfFile(section, FILE_MAP_READ, (DWORD)(start >> 32), (DWORD)start,
                               (SIZE_T)(offset - start) + from_file);
        CloseHandle(section);
        if (!window)
            return memmap_win32_last_error();
        rc = memmap_os_guarded_copy(addr, window + (offset - start), from_file, window + (offset - start), from_file);
        UnmapViewOfFile(window);
        if (rc != 0)
            return rc;
    }
    /* Past the end of the file a page reads as zero. */
    memset(addr + from_file, 0, len - from_file);
    return 0;
}

const struct memmap_kind memmap_os_file_kind = {
    "file", describe_file, set_file_size, sync_file, release_file,
};

const struct memmap_win32_ops memmap_win32_file_ops = {
    create_file_section, 0,
    memmap_win32_placeholder_reserve, memmap_win32_placeholder_map,
    memmap_win32_placeholder_unmap, memmap_win32_placeholder_release,
};
