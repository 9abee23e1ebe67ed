/* SPDX-License-Identifier: MIT */
/*
 * POSIX guarded access: copies and probes that survive a fault.
 *
 * A page of a file map faults when the file was truncated under it, when the
 * disk cannot supply it (I/O error) or cannot allocate it (a full disk under a
 * sparse file), and when its protection forbids the access.  The kernel reports
 * that as SIGBUS (Linux, the BSDs) or SIGSEGV (macOS, protection faults), which
 * kills the process unless someone handles it.
 *
 * One process-wide handler for both signals is installed the first time a
 * guard is needed.  A guarded operation publishes, in a thread-local variable,
 * the address range it touches and a recovery point; the handler jumps back to
 * that point only when the faulting thread has a guard active and the faulting
 * address lies in its range.  Every other fault belongs to someone else (a
 * crash in the program, a runtime that handles its own faults) and is passed
 * to the handler that was installed before ours, exactly as if we were not
 * there.
 */
#if defined(__linux__)
#  define _GNU_SOURCE /* MADV_POPULATE_*, madvise */
#elif defined(__APPLE__)
#  define _DARWIN_C_SOURCE
#endif

#include "posix/posix.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The handler reads the thread-local guard.  In a library loaded with dlopen
 * (a Python extension), the default TLS model may allocate a thread's block on
 * its first access, which must never happen inside a signal handler; the
 * initial-exec model places the variable in the static TLS block instead.
 */
#if defined(__GNUC__) && defined(__ELF__)
#  define GUARD_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#  define GUARD_TLS_MODEL
#endif

struct guard {
    sigjmp_buf recover;       /* where the handler resumes this thread */
    const unsigned char *lo;  /* the range whose faults are ours */
    size_t len;
};

/*
 * The guard active in this thread, or NULL.  volatile: the stores around the
 * copy look dead to the compiler (nothing it can see reads them), and without
 * volatile gcc removed them.
 */
static MEMMAP_THREAD_LOCAL struct guard *volatile active_guard GUARD_TLS_MODEL;

/* The dispositions found when the handler was installed, for chaining. */
static struct sigaction previous_bus;
static struct sigaction previous_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_errno;
static int installed; /* set (release) once the handler is in place */
/* SIGBUS and SIGSEGV: what a guarded operation must be able to receive. */
static sigset_t fault_signals;

/* --- Chaining faults that are not ours ----------------------------------- */

/* Whether the kernel raised sig for an instruction (it recurs if ignored),
 * rather than someone sending it with kill or sigqueue. */
static int raised_by_fault(const siginfo_t *info)
{
    return info != NULL && info->si_code > 0;
}

static void pass_to_previous(int sig, siginfo_t *info, void *context)
{
    const struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;
    const ucontext_t *uc = (const ucontext_t *)context;
    sigset_t mask, saved;
    int other;

    if (prev->sa_handler == SIG_IGN && !raised_by_fault(info))
        return;
    if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
        /*
         * Put the default back and raise the signal again: it stays pending
         * while this handler blocks it and ends the process as it would have
         * without us once the handler returns.  A fault cannot be ignored
         * (the instruction would fault forever), so SIG_IGN ends here too,
         * as the kernel itself does for a blocked or ignored fault.
         */
        struct sigaction fallback;
        memset(&fallback, 0, sizeof fallback);
        fallback.sa_handler = SIG_DFL;
        sigemptyset(&fallback.sa_mask);
        sigaction(sig, &fallback, NULL);
        raise(sig);
        return;
    }
    /* Call the previous handler under the mask the kernel would have given it:
     * the interrupted code's, plus its sa_mask, plus sig unless SA_NODEFER. */
    mask = uc->uc_sigmask;
    for (other = 1; other < NSIG; other++)
        if (sigismember(&prev->sa_mask, other) == 1)
            sigaddset(&mask, other);
    if (!(prev->sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    pthread_sigmask(SIG_SETMASK, &mask, &saved);
    if (prev->sa_flags & SA_SIGINFO)
        prev->sa_sigaction(sig, info, context);
    else
        prev->sa_handler(sig);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

/* --- The handler ---------------------------------------------------------- */

static void on_fault(int sig, siginfo_t *info, void *context)
{
    struct guard *g = active_guard;
    int saved_errno = errno;

    if (g != NULL && info != NULL && !raised_by_fault(info) && info->si_pid == getpid()) {
        /*
         * A handler installed after ours caught our fault first and passed it
         * on the way faulthandler and crash reporters do: it put our handler
         * back and raised the signal again.  That signal carries no fault
         * address; returning lets the copy fault once more, and that fault,
         * with its address, comes to us.
         */
        errno = saved_errno;
        return;
    }
    if (g != NULL && info != NULL) {
        const unsigned char *addr = (const unsigned char *)info->si_addr;
        if (addr >= g->lo && (size_t)(addr - g->lo) < g->len) {
            /*
             * Ours.  Jump with every signal still blocked: the recovery point
             * puts the caller's mask back once it has landed.  (Unblocking
             * here would let a signal in while the jump runs, and under
             * AddressSanitizer the jump calls code that is not
             * async-signal-safe: a handler arriving then deadlocked.)
             */
            active_guard = NULL;
            siglongjmp(g->recover, 1);
        }
    }
    /*
     * Not ours.  The previous handler may jump out of the interrupted copy
     * (abandoning it) or return and let it go on, so the guard is hidden
     * while it runs and published again only if it returns.
     */
    active_guard = NULL;
    pass_to_previous(sig, info, context);
    active_guard = g;
    errno = saved_errno;
}

static int install_one(int sig, struct sigaction *previous)
{
    struct sigaction action;

    /* Read the old action first, so that it is complete before any fault can
     * reach our handler and chain to it. */
    if (sigaction(sig, NULL, previous) != 0)
        return errno;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    /* Nothing may interrupt the handler: a signal handler of the program's
     * that made a guarded call in there would fault with SIGBUS blocked,
     * which the kernel answers by killing the process. */
    sigfillset(&action.sa_mask);
    /* SA_ONSTACK: a thread with an alternate signal stack (a runtime such as
     * Go's, or a program catching stack overflows) expects handlers to use it. */
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    if (sigaction(sig, &action, NULL) != 0)
        return errno;
    return 0;
}

static void install_handler(void)
{
    sigemptyset(&fault_signals);
    sigaddset(&fault_signals, SIGBUS);
    sigaddset(&fault_signals, SIGSEGV);
    install_errno = install_one(SIGBUS, &previous_bus);
    if (install_errno == 0)
        install_errno = install_one(SIGSEGV, &previous_segv);
    if (install_errno == 0)
        memmap_store_release(&installed, 1);
}

/*
 * Installs the handler on first use; 0 or an errno value.  pthread_once is
 * not async-signal-safe: a signal handler that made a guarded call while its
 * own thread was inside the installation would wait for itself forever.  So
 * the installing thread blocks every signal while it runs; other threads'
 * handlers just wait for it.
 */
static int ensure_handler(void)
{
    sigset_t all, saved;
    if (memmap_load_acquire(&installed))
        return 0;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    pthread_once(&install_once, install_handler);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return install_errno;
}

/* --- Running code under a guard -------------------------------------------- */

enum guarded_op {
    OP_COPY,        /* memcpy(dst, src, len) */
    OP_ZERO,        /* memset(dst, 0, len) */
    OP_TOUCH_READ,  /* read one byte of every page of [dst, dst+len) */
    OP_TOUCH_WRITE  /* write access to every page, leaving the data as it is */
};

/*
 * Where touch_pages leaves what it read.  A load whose value goes nowhere is
 * dropped by binary translators such as valgrind even when it is volatile,
 * and then the probe would not notice an unreadable page.  Stored atomically
 * because threads probe at the same time.
 */
static unsigned char touched_sink;

static void touch_pages(unsigned char *addr, size_t len, int write)
{
    size_t page = memmap_os_page_size();
    unsigned char seen = 0;
    size_t at;

    for (at = 0; at < len; at += page) {
        if (write) {
            /* Cannot lose a store another thread or process makes meanwhile. */
            memmap_touch_for_write(addr + at);
        } else {
            seen ^= *(volatile const unsigned char *)(addr + at);
        }
    }
    memmap_store_relaxed(&touched_sink, seen);
}

/*
 * Runs op with faults inside [lo, lo+guard_len) turned into MEMMAP_EIO.
 * Nothing changed between sigsetjmp and the jump back is read afterwards,
 * so no local needs to be volatile.
 */
static int run_guarded(enum guarded_op op, void *dst, const void *src, size_t len,
                       const void *lo, size_t guard_len)
{
    struct guard g;
    struct guard *outer;
    sigset_t caller_mask;
    int restore_mask, install_error = ensure_handler();

    if (install_error != 0)
        return memmap_os_error(install_error);

    /*
     * A fault while its signal is blocked kills the process, whatever handler
     * is installed: a thread that blocks every signal (sigwait designs), or a
     * signal handler whose mask holds SIGBUS, must still get MEMMAP_EIO.  So
     * the two are unblocked for the operation -- one system call -- and the
     * caller's mask comes back afterwards only where it differs.
     */
    pthread_sigmask(SIG_UNBLOCK, &fault_signals, &caller_mask);
    restore_mask = sigismember(&caller_mask, SIGBUS) == 1 || sigismember(&caller_mask, SIGSEGV) == 1;

    g.lo = (const unsigned char *)lo;
    g.len = guard_len;
    /* A signal handler of the caller's may itself use the library while a
     * guard is active; it gets its own and puts the outer one back. */
    outer = active_guard;
    /* The recovery point is taken without the signal mask (saving it is a
     * system call on every copy); the handler jumps here with every signal
     * blocked, and the caller's mask comes back now. */
    if (sigsetjmp(g.recover, 0) != 0) {
        active_guard = outer;
        pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
        return memmap_fail(MEMMAP_EIO);
    }
    active_guard = &g;
    memmap_signal_fence();
    if (op == OP_COPY)
        memcpy(dst, src, len);
    else if (op == OP_ZERO)
        memset(dst, 0, len);
    else
        touch_pages((unsigned char *)dst, len, op == OP_TOUCH_WRITE);
    memmap_signal_fence();
    active_guard = outer;
    if (restore_mask)
        pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
    return 0;
}

int memmap_os_guarded_copy(void *dst, const void *src, size_t len, const void *lo, size_t guard_len)
{
    return run_guarded(OP_COPY, dst, src, len, lo, guard_len);
}

int memmap_os_guarded_zero(void *dst, size_t len)
{
    return run_guarded(OP_ZERO, dst, NULL, len, dst, len);
}

/* --- Probing ---------------------------------------------------------------- */

#if defined(MADV_POPULATE_READ) && defined(MADV_POPULATE_WRITE)
/*
 * Linux 5.14+ faults the pages in without touching them and reports what
 * would have been a SIGBUS as EFAULT.  Returns 1 when the kernel could not
 * answer (it lacks the advice, or the range's protection or kind rules it
 * out, both EINVAL), so the caller must probe by touching.
 */
static int probe_by_populating(void *addr, size_t len, int write, int *rc)
{
    int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
    int r;

    do
        r = madvise(addr, len, advice);
    while (r != 0 && errno == EINTR);
    if (r == 0) {
        *rc = 0;
        return 0;
    }
    switch (errno) {
    case EINVAL:
        return 1;
    case EFAULT:
#  ifdef EHWPOISON
    case EHWPOISON:
#  endif
        *rc = memmap_fail_os(MEMMAP_EIO, errno);
        return 0;
    default:
        *rc = memmap_os_error(errno);
        return 0;
    }
}
#endif

int memmap_posix_touch(void *addr, size_t len, int write)
{
#if defined(MADV_POPULATE_READ) && defined(MADV_POPULATE_WRITE)
    int rc;
    if (!probe_by_populating(addr, len, write, &rc))
        return rc;
#endif
    return run_guarded(write ? OP_TOUCH_WRITE : OP_TOUCH_READ, addr, NULL, len, addr, len);
}

int memmap_os_probe(memmap_t *m, void *addr, size_t len, int write)
{
    (void)m;
    return memmap_posix_touch(addr, len, write);
}
