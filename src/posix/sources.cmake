# The POSIX backend: one file per job.
set(MEMMAP_BACKEND_SOURCES
  src/posix/posix_error.c
  src/posix/posix_file.c
  src/posix/posix_map.c
  src/posix/posix_guard.c)
set(MEMMAP_BACKEND_LIBS)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  # shm_open lives in librt before glibc 2.34.
  find_library(MEMMAP_LIBRT rt)
  if(MEMMAP_LIBRT)
    set(MEMMAP_BACKEND_LIBS rt)
  endif()
endif()
