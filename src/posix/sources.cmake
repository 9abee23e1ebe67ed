# SPDX-License-Identifier: MIT
# The POSIX backend: one file per job.
set(MEMMAP_BACKEND_SOURCES
  src/posix/posix_error.c
  src/posix/posix_file.c
  src/posix/posix_shm.c
  src/posix/posix_anon.c
  src/posix/posix_map.c
  src/posix/posix_range.c
  src/posix/posix_reserve.c
  src/posix/posix_ring.c
  src/posix/posix_guard.c
  src/posix/posix_describe.c
  src/posix/posix_cache.c)
set(MEMMAP_BACKEND_LIBS)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  # shm_open lives in librt before glibc 2.34.
  find_library(MEMMAP_LIBRT rt)
  if(MEMMAP_LIBRT)
    list(APPEND MEMMAP_BACKEND_LIBS rt)
  endif()
endif()
# The fault guard uses pthread_once and pthread_sigmask (in libc since glibc 2.34, separate elsewhere).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
if(CMAKE_THREAD_LIBS_INIT)
  list(APPEND MEMMAP_BACKEND_LIBS ${CMAKE_THREAD_LIBS_INIT})
endif()
