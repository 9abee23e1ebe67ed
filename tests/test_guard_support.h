/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the reliability tests (test_guard*, test_faults, test_limits,
 * test_durability, test_concurrency*, test_bad_input, test_security).
 */
#ifndef MEMMAP_TEST_GUARD_SUPPORT_H
#define MEMMAP_TEST_GUARD_SUPPORT_H

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define UNDER_SANITIZER 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#    define UNDER_SANITIZER 1
#  endif
#endif
#ifndef UNDER_SANITIZER
#  define UNDER_SANITIZER 0
#endif

/*
 * Whether valgrind runs this process: it preloads its own libraries into the
 * program it runs.  (valgrind.h's RUNNING_ON_VALGRIND would need the header
 * on every build machine, including the Windows cross build.)
 */
static inline int under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

#ifndef _WIN32
/*
 * Runs CHILD(child) with this case's directory as its argument: limits and
 * mounts it sets up die with it.  A child that exits 77 could not set its
 * situation up and says why in its output; the case skips with skip_reason.
 */
static inline void run_setup_child(const char *child, const char *skip_reason)
{
    const char *args[1];
    int status;
    args[0] = test_dir();
    status = test_spawn_self(child, args, 1);
    if (status == 77)
        SKIP("%s", skip_reason);
    if (status > 128)
        test_fail(__FILE__, __LINE__, "the child was killed by signal %d", status - 128);
    CHECK_EQ(status, 0);
}
#endif

#ifdef __linux__
#  include <sched.h>
#  include <sys/mount.h>
/*
 * Mounts a fresh file system of type (with options and mount flags) on dir,
 * in a mount namespace of this process's own, so that the mount dies with it.
 * NULL, or why it could not.  Needs _GNU_SOURCE (unshare).
 */
static inline const char *mount_private(const char *dir, const char *type, const char *options,
                                        unsigned long flags)
{
    if (unshare(CLONE_NEWNS) != 0)
        return "unshare(CLONE_NEWNS) failed: not privileged";
    /* The kernel ignores source and type here; valgrind wants them readable. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return "cannot make the mount namespace private";
    if (mount("memmap-test", dir, type, flags, options) != 0)
        return "mounting the file system failed";
    return NULL;
}
#endif

#endif
