#!/usr/bin/env bash
# The container image's build steps (scripts/container/Dockerfile), runnable outside Docker:
# installs the packages a build without MPI needs (BUILD_PACKAGES in scripts/common.sh),
# builds collbench with COLLBENCH_WITH_MPI=OFF into OUT, and writes OUT/runtime-packages.txt,
# the Debian packages that hold the libraries the binary loads.
#   scripts/container/build.sh SRC OUT [CMAKE_ARG...] [--targets TARGET...]
# CMAKE_ARGs come after the image's own (a later -D wins) and TARGETs are built beside
# collbench: scripts/test.sh builds its sanitizer pass, which is also CI's build without MPI,
# through this script (the CMake tree is OUT/cmake).
set -euo pipefail
src=$(cd "$1" && pwd -P)
out=$2
shift 2
cmake_args=() targets=(collbench)
while [ $# -gt 0 ]; do
  case $1 in
    --targets) shift; targets+=("$@"); break ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done
source "$src/scripts/common.sh"
PACKAGES=("${BUILD_PACKAGES[@]}")
install_packages
mkdir -p "$out"
cmake -S "$src" -B "$out/cmake" -DCMAKE_BUILD_TYPE=Release -DCOLLBENCH_WITH_MPI=OFF \
  -DCOLLBENCH_WITH_NCCL=OFF -DCOLLBENCH_BUILD_TESTS=OFF "${cmake_args[@]}"
cmake --build "$out/cmake" -j "$(nproc)" --target "${targets[@]}"
cp "$out/cmake/collbench" "$out/collbench"
# libfabric is opened at run time (transports/libfabric/library.cc), so ldd does not list it.
"$src/scripts/container/runtime-packages.sh" "$out/collbench" libfabric.so.1 >"$out/runtime-packages.txt"
echo "container build: $out/collbench; runtime packages: $(tr '\n' ' ' <"$out/runtime-packages.txt")"
