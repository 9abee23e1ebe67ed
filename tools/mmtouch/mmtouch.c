/* SPDX-License-Identifier: MIT */
/*
 * mmtouch: see, load, evict and lock the pages of files in memory, through
 * memmap.  The vmtouch idea, on Linux and Windows alike.
 * Usage: mmtouch [-t|-e|-l] [-v] [-r] [-q] FILE|DIR...
 *
 * Files are mapped read-only in windows of 256 MiB, so any file size works
 * in any address space; each window is examined, touched, evicted or locked,
 * and closed again (locked windows stay mapped until the end).
 */
#include "platform.h"

#include <memmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_BYTES ((uint64_t)256 << 20) /* a multiple of every platform's granularity */
#define TOUCH_STEP ((size_t)4 << 20)       /* bytes touched between progress updates */
#define BAR_COLUMNS 60

static const char usage_text[] =
"Usage: mmtouch [-t | -e | -l] [-v] [-r] [-q] FILE|DIR...\n"
"Show how much of each file is in memory; load it (-t), evict it (-e) or lock it (-l).\n";

static const char help_text[] =
"\n"
"Without an action, mmtouch reports for each FILE the pages that are resident,\n"
"the total, their sizes and the share in per cent, then the totals of all files.\n"
"It maps files read-only and never changes them.\n"
"\n"
"Actions (at most one):\n"
"  -t        touch: bring every page into memory (read-ahead hint first, then one\n"
"            read per page); a terminal sees progress with the rate\n"
"  -e        evict: drop the pages from memory where the system allows it (dirty\n"
"            pages are written back first, nothing is lost)\n"
"  -l        lock: touch every page, lock it into memory, then wait until\n"
"            interrupted (Ctrl-C, SIGINT, SIGTERM, SIGHUP); the pages stay locked\n"
"            until then.  Needs the memory-lock limit (ulimit -l, RLIMIT_MEMLOCK;\n"
"            the working-set quota on Windows) to hold the files\n"
"\n"
"Options:\n"
"  -r        recurse into directories (symbolic links inside them are not followed;\n"
"            devices, FIFOs and sockets are skipped)\n"
"  -v        draw a residency bar per file: 'O' every page of that part resident,\n"
"            'o' some, ' ' none\n"
"  -q        quiet: print errors only (the exit status still tells)\n"
"  -h, --help     this text\n"
"  -V, --version  the versions of mmtouch and memmap\n"
"  --        the arguments after it are paths, even when they start with '-'\n"
"\n"
"Output:\n"
"  one line per file:  PERCENT  RESIDENT/TOTAL (size)  RESIDENT/TOTAL pages  PATH\n"
"  then:               Files: N  Directories: N\n"
"                      Resident: R/T pages  R/T (size)  PERCENT\n"
"                      Elapsed: SECONDS s\n"
"  Sizes are powers of 1024 (K, M, G, T).  Pages are memmap_page_size() bytes.\n"
"\n"
"What \"resident\" means (it is what memmap_residency reports):\n"
"  Linux    in the page cache, whoever loaded it - for files you own or may\n"
"           write.  For other files the kernel hides the page cache (mincore\n"
"           pretends all is resident, cachestat refuses): mmtouch then counts only\n"
"           the pages it mapped itself, a lower bound (0% unless -t or -l).  Run\n"
"           it as the owner, or as root, to see the whole cache.\n"
"  Windows  in mmtouch's own working set: the system file cache is not visible\n"
"           per file.  A report without -t or -l therefore shows 0%.\n"
"\n"
"What eviction can do:\n"
"  Linux    clean pages no other process maps leave the page cache (dirty ones are\n"
"           written back first).  Files on tmpfs and shared memory are their own\n"
"           page cache: they stay resident unless there is swap.  Pages locked by\n"
"           another process stay.\n"
"  Windows  the pages leave the working set; the system may keep them on its\n"
"           standby list, from where they return without reading the disk.\n"
"\n"
"Exit status:\n"
"  0  every path was handled\n"
"  1  at least one path failed (its error was printed; the others were handled)\n"
"  2  the command line was wrong\n"
"\n"
"Examples:\n"
"  mmtouch model.gguf             how much of the model is cached\n"
"  mmtouch -t -v model.gguf       load it, with a bar of what is resident\n"
"  mmtouch -e -r /var/lib/db      drop a database directory from the cache\n"
"  mmtouch -l index.bin &         keep an index in memory until killed\n";

enum action { REPORT, TOUCH, EVICT, LOCK };

struct options {
    enum action action;
    int recurse;
    int verbose;
    int quiet;
};

struct run {
    struct options opt;
    size_t page;
    uint64_t files, directories, pages, resident;
    int failures;
    memmap_t **locked; /* maps kept open for -l */
    size_t locked_count, locked_cap;
};

/* One file's pages, gathered window by window. */
struct file_pages {
    uint64_t total, resident;
    size_t columns; /* BAR_COLUMNS, or fewer for a file of fewer pages */
    uint64_t column_pages[BAR_COLUMNS], column_resident[BAR_COLUMNS];
};

/* --- Output -------------------------------------------------------------- */

/* bytes in powers of 1024 with one decimal, e.g. "12.0M"; buf holds 16 bytes. */
static const char *human(uint64_t bytes, char *buf)
{
    static const char units[] = "BKMGTPE";
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, 16, "%lluB", (unsigned long long)bytes);
    else
        snprintf(buf, 16, "%.1f%c", v, units[u]);
    return buf;
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_file(const struct run *r, const char *path, const struct file_pages *fp)
{
    char a[16], b[16];
    size_t i;

    if (r->opt.quiet)
        return;
    printf("%6.1f%%  %s/%s  %llu/%llu pages  %s\n", percent(fp->resident, fp->total),
           human(fp->resident * r->page, a), human(fp->total * r->page, b),
           (unsigned long long)fp->resident, (unsigned long long)fp->total, path);
    if (!r->opt.verbose || fp->total == 0)
        return;
    putchar('[');
    for (i = 0; i < fp->columns; i++) {
        char c = ' ';
        if (fp->column_resident[i] == fp->column_pages[i])
            c = 'O';
        else if (fp->column_resident[i])
            c = 'o';
        putchar(c);
    }
    puts("]");
}

static void fail(struct run *r, const char *path, const char *what, int code)
{
    if (code)
        fprintf(stderr, "mmtouch: %s: %s: %s (%s)\n", path, what, memmap_strerror(code), memmap_errname(code));
    else
        fprintf(stderr, "mmtouch: %s: %s\n", path, what);
    r->failures++;
}

/* --- One file ------------------------------------------------------------ */

/* Progress of a touch on a terminal: how far, and how fast. */
static void show_progress(const char *path, uint64_t done, uint64_t total, double started)
{
    char a[16];
    double seconds = now_seconds() - started;
    fprintf(stderr, "\r\033[Ktouching %s  %5.1f%%  %s/s", path, percent(done, total),
            human(seconds > 0 ? (uint64_t)((double)done / seconds) : 0, a));
    fflush(stderr);
}

/* Brings one window into memory: read-ahead for all of it, then a guarded read
 * of every page (a page that cannot be read is an error, not a crash). */
static int touch_window(memmap_t *m, const char *path, uint64_t before, uint64_t total, double started,
                        int progress)
{
    size_t size = memmap_size(m), at, step;
    int rc;

    (void)memmap_advise(m, 0, 0, MEMMAP_ADVICE_WILLNEED);
    for (at = 0; at < size; at += step) {
        step = size - at < TOUCH_STEP ? size - at : TOUCH_STEP;
        if ((rc = memmap_probe(m, at, step, MEMMAP_READ)) != 0)
            return rc;
        if (progress)
            show_progress(path, before + at + step, total, started);
    }
    return 0;
}

static int keep_locked(struct run *r, memmap_t *m)
{
    if (r->locked_count == r->locked_cap) {
        size_t cap = r->locked_cap ? 2 * r->locked_cap : 16;
        memmap_t **grown = realloc(r->locked, cap * sizeof *grown);
        if (!grown)
            return MEMMAP_ENOMEM;
        r->locked = grown;
        r->locked_cap = cap;
    }
    r->locked[r->locked_count++] = m;
    return 0;
}

/* Adds a window's residency vector to the file's counts and bar columns. */
static void count_pages(struct file_pages *fp, uint64_t first_page, const unsigned char *vec, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        size_t column = (size_t)((first_page + i) * fp->columns / fp->total);
        fp->column_pages[column]++;
        fp->column_resident[column] += vec[i] & 1;
        fp->resident += vec[i] & 1;
    }
}

/* Runs the action on one window of the file and adds its residency to fp.
 * Returns 0, or a memmap code with *what naming the step that failed. */
static int do_window(struct run *r, const char *path, uint64_t offset, size_t length, uint64_t file_size,
                     double started, unsigned char *vec, struct file_pages *fp, const char **what)
{
    memmap_options mo = {0, 0, 0};
    memmap_t *m;
    size_t resident;
    int rc, keep = 0, progress = r->opt.action != REPORT && r->opt.action != EVICT && !r->opt.quiet &&
                                 stderr_is_terminal();

    mo.offset = offset;
    mo.length = length;
    *what = "cannot map";
    if ((rc = memmap_open(&m, path, MEMMAP_READ, &mo)) != 0)
        return rc;
    switch (r->opt.action) {
    case TOUCH:
        *what = "cannot read";
        rc = touch_window(m, path, offset, file_size, started, progress);
        break;
    case EVICT:
        *what = "cannot evict";
        rc = memmap_evict(m, 0, 0);
        break;
    case LOCK:
        *what = "cannot read";
        if ((rc = touch_window(m, path, offset, file_size, started, progress)) != 0)
            break;
        *what = "cannot lock";
        if ((rc = memmap_lock(m, 0, 0)) == 0 && (rc = keep_locked(r, m)) == 0)
            keep = 1;
        break;
    default:
        break;
    }
    if (rc == 0) {
        *what = "cannot tell residency";
        rc = memmap_residency(m, 0, 0, vec, &resident);
        if (rc == 0)
            count_pages(fp, offset / r->page, vec, (length + r->page - 1) / r->page);
    }
    if (!keep)
        memmap_close(m);
    return rc;
}

static void do_file(struct run *r, const char *path, uint64_t size)
{
    struct file_pages fp;
    uint64_t offset;
    unsigned char *vec;
    double started = now_seconds();
    const char *what = "";
    int rc = 0;

    memset(&fp, 0, sizeof fp);
    fp.total = (size + r->page - 1) / r->page;
    fp.columns = fp.total < BAR_COLUMNS ? (size_t)fp.total : BAR_COLUMNS;
    if (!(vec = malloc((size_t)(WINDOW_BYTES / r->page)))) {
        fail(r, path, "cannot allocate", MEMMAP_ENOMEM);
        return;
    }
    for (offset = 0; offset < size && rc == 0; offset += WINDOW_BYTES) {
        size_t length = (size_t)(size - offset < WINDOW_BYTES ? size - offset : WINDOW_BYTES);
        rc = do_window(r, path, offset, length, size, started, vec, &fp, &what);
    }
    free(vec);
    if (r->opt.action != REPORT && r->opt.action != EVICT && !r->opt.quiet && stderr_is_terminal())
        fputs("\r\033[K", stderr);
    if (rc != 0) {
        fail(r, path, what, rc);
        return;
    }
    r->files++;
    r->pages += fp.total;
    r->resident += fp.resident;
    print_file(r, path, &fp);
}

/* --- Paths and directories --------------------------------------------------- */

static void do_path(struct run *r, const char *path, int named);

static void visit_entry(const char *path, void *ctx)
{
    do_path(ctx, path, 0);
}

/* named: given on the command line (followed if a link, and reported when it is
 * not a file); otherwise found while recursing (links and specials skipped). */
static void do_path(struct run *r, const char *path, int named)
{
    const char *error = "";
    uint64_t size;

    switch (path_examine(path, named, &size, &error)) {
    case PATH_FILE:
        do_file(r, path, size);
        break;
    case PATH_DIRECTORY:
        if (!r->opt.recurse) {
            fail(r, path, "is a directory (-r goes inside)", 0);
            break;
        }
        r->directories++;
        if (dir_each(path, visit_entry, r, &error) != 0)
            fail(r, path, error, 0);
        break;
    case PATH_OTHER:
        if (named)
            fail(r, path, "not a regular file", 0);
        break;
    case PATH_SYMLINK:
        break;
    default:
        fail(r, path, error, 0);
        break;
    }
}

/* --- The command line ----------------------------------------------------- */

/* Parses the options; returns the index of the first path, or -1 after
 * printing what was wrong, or 0 when the program is done (help, version). */
static int parse(int argc, char **argv, struct options *opt)
{
    int i;
    const char *p;

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            /* Built with the header's version; running with the library's. */
            printf("mmtouch %d.%d.%d (libmemmap %s)\n", MEMMAP_VERSION_MAJOR, MEMMAP_VERSION_MINOR,
                   MEMMAP_VERSION_PATCH, memmap_version());
            return 0;
        }
        if (argv[i][1] == '-') {
            fprintf(stderr, "mmtouch: unknown option %s\n%s", argv[i], usage_text);
            return -1;
        }
        for (p = argv[i] + 1; *p; p++) {
            enum action a = REPORT;
            switch (*p) {
            case 't': a = TOUCH; break;
            case 'e': a = EVICT; break;
            case 'l': a = LOCK; break;
            case 'r': opt->recurse = 1; continue;
            case 'v': opt->verbose = 1; continue;
            case 'q': opt->quiet = 1; continue;
            default:
                fprintf(stderr, "mmtouch: unknown option -%c\n%s", *p, usage_text);
                return -1;
            }
            if (opt->action != REPORT && opt->action != a) {
                fprintf(stderr, "mmtouch: -t, -e and -l exclude each other\n%s", usage_text);
                return -1;
            }
            opt->action = a;
        }
    }
    if (i == argc) {
        fprintf(stderr, "mmtouch: no file given\n%s", usage_text);
        return -1;
    }
    return i;
}

static void print_totals(const struct run *r, double seconds)
{
    char a[16], b[16];
    if (r->opt.quiet)
        return;
    printf("\nFiles: %llu  Directories: %llu\n", (unsigned long long)r->files,
           (unsigned long long)r->directories);
    printf("Resident: %llu/%llu pages  %s/%s  %.1f%%\n", (unsigned long long)r->resident,
           (unsigned long long)r->pages, human(r->resident * r->page, a), human(r->pages * r->page, b),
           percent(r->resident, r->pages));
    printf("Elapsed: %.3f s\n", seconds);
}

int main(int argc, char **argv)
{
    struct run r;
    double started = now_seconds();
    size_t i;
    int first;

    memset(&r, 0, sizeof r);
    r.page = memmap_page_size();
    argv = utf8_arguments(argc, argv);
    if ((first = parse(argc, argv, &r.opt)) <= 0)
        return first < 0 ? 2 : 0;
    for (; first < argc; first++)
        do_path(&r, argv[first], 1);
    print_totals(&r, now_seconds() - started);
    fflush(stdout);
    if (r.opt.action == LOCK && r.locked_count > 0) {
        catch_interrupts();
        if (!r.opt.quiet)
            fprintf(stderr, "mmtouch: %llu pages locked; waiting for Ctrl-C, SIGINT, SIGTERM or SIGHUP\n",
                    (unsigned long long)r.resident);
        wait_for_interrupt();
    }
    for (i = 0; i < r.locked_count; i++)
        memmap_close(r.locked[i]);
    free(r.locked);
    return r.failures ? 1 : 0;
}
