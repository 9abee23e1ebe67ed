# SPDX-License-Identifier: MIT
# The Windows backend: one file per job.
set(MEMMAP_BACKEND_SOURCES
  src/win32/win32_error.c
  src/win32/win32_util.c
  src/win32/win32_file.c
  src/win32/win32_shm.c
  src/win32/win32_anon.c
  src/win32/win32_map.c
  src/win32/win32_placeholder.c
  src/win32/win32_ring.c
  src/win32/win32_range.c
  src/win32/win32_guard.c
  src/win32/win32_describe.c
  src/win32/win32_cache.c)
# Everything used is in kernel32, which every program links; newer calls
# (PrefetchVirtualMemory, NtQuerySection, NtQueryObject, K32QueryWorkingSetEx) are looked up at run time.
set(MEMMAP_BACKEND_LIBS)
