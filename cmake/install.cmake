# SPDX-License-Identifier: MIT
# Installation: the header, the libraries, a CMake package (find_package(memmap)
# gives memmap::memmap, and memmap::memmap_static when built) and a pkg-config file.
include(CMakePackageConfigHelpers)

set(MEMMAP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/memmap)

install(FILES ${PROJECT_SOURCE_DIR}/include/memmap.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${MEMMAP_INSTALL_TARGETS}
  EXPORT memmapTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT memmapTargets NAMESPACE memmap:: DESTINATION ${MEMMAP_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/memmapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/memmapConfig.cmake INSTALL_DESTINATION ${MEMMAP_CMAKE_DIR})
# The same rule as the soname: while the major version is 0, only the same
# minor version is compatible (find_package(memmap 0.1) must not take 0.0.5 or 0.2).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(memmap_compatibility SameMinorVersion)
else()
  set(memmap_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/memmapConfigVersion.cmake
  COMPATIBILITY ${memmap_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/memmapConfig.cmake ${PROJECT_BINARY_DIR}/memmapConfigVersion.cmake
  DESTINATION ${MEMMAP_CMAKE_DIR})

# pkg-config: `pkg-config --libs memmap` for the shared library, `--static` adds what the static one needs.
set(MEMMAP_PC_LIBS_PRIVATE "")
foreach(lib IN LISTS MEMMAP_BACKEND_LIBS)
  if(lib MATCHES "^-")
    string(APPEND MEMMAP_PC_LIBS_PRIVATE " ${lib}")  # a flag such as -pthread
  else()
    string(APPEND MEMMAP_PC_LIBS_PRIVATE " -l${lib}")
  endif()
endforeach()
set(MEMMAP_PC_CFLAGS "")
if(NOT MEMMAP_BUILD_SHARED)
  set(MEMMAP_PC_CFLAGS " -DMEMMAP_STATIC")
endif()
# Relocatable: the prefix is found from where the .pc file is, so `cmake --install --prefix X` works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MEMMAP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH up "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(MEMMAP_PC_PREFIX "\${pcfiledir}/${up}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/memmap.pc.in ${PROJECT_BINARY_DIR}/memmap.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/memmap.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
