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

#endif
