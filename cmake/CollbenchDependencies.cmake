# Required and optional dependencies. Optional ones take COLLBENCH_WITH_<NAME>=AUTO|ON|OFF:
# AUTO uses them when found, ON fails the configure when they are missing, OFF ignores them.

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
endif()
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)  # acceptance specs
find_package(Threads REQUIRED)
find_package(PkgConfig)

set(COLLBENCH_OPTIONAL_NAMES MPI LIBFABRIC NCCL GLOO)
foreach(dep ${COLLBENCH_OPTIONAL_NAMES})
  set(COLLBENCH_WITH_${dep} AUTO CACHE STRING "Use ${dep}: AUTO, ON or OFF")
  set_property(CACHE COLLBENCH_WITH_${dep} PROPERTY STRINGS AUTO ON OFF)
endforeach()

# Sets COLLBENCH_HAVE_<dep> from `found` and the option, failing when ON and not found.
function(collbench_resolve dep found version)
  set(have OFF)
  if(COLLBENCH_WITH_${dep} STREQUAL "ON" AND NOT found)
    message(FATAL_ERROR "COLLBENCH_WITH_${dep}=ON but ${dep} was not found")
  endif()
  if(found AND NOT COLLBENCH_WITH_${dep} STREQUAL "OFF")
    set(have ON)
  endif()
  set(COLLBENCH_HAVE_${dep} ${have} PARENT_SCOPE)
  set(COLLBENCH_${dep}_VERSION "${version}" PARENT_SCOPE)
endfunction()

# MPI: the mpi bootstrap and baselines. Without it collbench starts through the environment
# (--bootstrap env, harness/env_bootstrap.h), as in a container image with no MPI.
set(_found OFF)
set(_version "")
if(NOT COLLBENCH_WITH_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(_found ON)
    set(_version "${MPI_CXX_VERSION}")
  endif()
endif()
collbench_resolve(MPI ${_found} "${_version}")

# libfabric
set(_found OFF)
set(_version "")
if(PkgConfig_FOUND AND NOT COLLBENCH_WITH_LIBFABRIC STREQUAL "OFF")
  pkg_check_modules(LIBFABRIC IMPORTED_TARGET libfabric)
  if(LIBFABRIC_FOUND)
    set(_found ON)
    set(_version ${LIBFABRIC_VERSION})
  endif()
endif()
collbench_resolve(LIBFABRIC ${_found} "${_version}")

# NCCL (with CUDA, at CUDA's default prefix unless CUDAToolkit_ROOT says otherwise)
set(_found OFF)
set(_version "")
if(NOT COLLBENCH_WITH_NCCL STREQUAL "OFF")
  find_package(CUDAToolkit QUIET)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
  if(CUDAToolkit_FOUND AND NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    file(STRINGS ${NCCL_INCLUDE_DIR}/nccl.h _nccl_defs REGEX "^#define NCCL_(MAJOR|MINOR|PATCH) ")
    string(REGEX REPLACE ".*NCCL_MAJOR ([0-9]+).*NCCL_MINOR ([0-9]+).*NCCL_PATCH ([0-9]+).*"
                         "\\1.\\2.\\3" _nccl_version "${_nccl_defs}")
    set(_found ON)
    set(_version "${_nccl_version} (CUDA ${CUDAToolkit_VERSION})")
  endif()
endif()
collbench_resolve(NCCL ${_found} "${_version}")
# With NCCL comes CUDA: nvcc compiles the reduction kernels (collectives/reduce/cuda.cu) for
# A100 (80) and H100/H200 (90) unless CMAKE_CUDA_ARCHITECTURES says otherwise.
if(COLLBENCH_HAVE_NCCL)
  if(NOT CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER ${CUDAToolkit_NVCC_EXECUTABLE})
  endif()
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
endif()

# Gloo
set(_found OFF)
set(_version "")
if(NOT COLLBENCH_WITH_GLOO STREQUAL "OFF")
  find_path(GLOO_INCLUDE_DIR gloo/config.h)
  find_library(GLOO_LIBRARY gloo)
  if(GLOO_INCLUDE_DIR AND GLOO_LIBRARY)
    file(STRINGS ${GLOO_INCLUDE_DIR}/gloo/config.h _gloo_defs
         REGEX "^#define GLOO_VERSION_(MAJOR|MINOR|PATCH) ")
    string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3"
                         _version "${_gloo_defs}")
    set(_found ON)
  endif()
endif()
collbench_resolve(GLOO ${_found} "${_version}")

# Git revision, for --version and result files.
execute_process(COMMAND git describe --always --dirty --abbrev=12
                WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE COLLBENCH_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT COLLBENCH_GIT_REVISION)
  set(COLLBENCH_GIT_REVISION "unknown")
endif()

function(collbench_print_summary)
  message(STATUS "collbench ${PROJECT_VERSION} (${COLLBENCH_GIT_REVISION}) configuration:")
  foreach(dep ${COLLBENCH_OPTIONAL_NAMES})
    if(COLLBENCH_HAVE_${dep})
      set(_state "found ${COLLBENCH_${dep}_VERSION}")
    else()
      set(_state "not used")
    endif()
    message(STATUS "  ${dep} (COLLBENCH_WITH_${dep}=${COLLBENCH_WITH_${dep}}): ${_state}")
  endforeach()
  message(STATUS "  tests: ${COLLBENCH_BUILD_TESTS}  sanitizer: ${COLLBENCH_SANITIZE}")
endfunction()
