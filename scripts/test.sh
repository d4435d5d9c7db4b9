#!/usr/bin/env bash
# Installs missing packages (as root), builds with tests, and runs every test; then builds the
# in-process tests and collbench with AddressSanitizer and UndefinedBehaviorSanitizer, without
# MPI (through scripts/container/build.sh, the image's steps), and runs them and the launches
# without mpirun; the transport tests with ThreadSanitizer; and the libFuzzer targets
# (scripts/fuzz.sh).
#   scripts/test.sh                 the whole suite
#   scripts/test.sh -L unit         one slice (labels: unit, transport, collective, cli, env, mpi, slurm)
# COLLBENCH_SANITIZE_TESTS=0 skips the sanitizer pass; COLLBENCH_FUZZ_SECONDS (default 10) is
# how long each libFuzzer target runs, 0 skips them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# phase NAME: prints how long the previous phase took, so a slow CI run says where its time went.
phase_start=$SECONDS
phase() {
  echo "collbench: [$((SECONDS - phase_start)) s] $1"
  phase_start=$SECONDS
}
install_packages "${TEST_PACKAGES[@]}"
phase "packages checked; building"
build
phase "built; running the tests"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$(nproc)" -LE bench "$@")
phase "tests done"

if [ "${COLLBENCH_SANITIZE_TESTS:-1}" != 0 ] && [ $# -eq 0 ]; then
  # The in-process tests only (unit, transport conformance, loopback collectives, pingpong);
  # the network collective grid already ran above and would double the time under ASan, and
  # so would 5 to 8 loopback ranks, the 10^5 and 10^6 element counts (the same code paths
  # with more segments) and best (which runs the others): the Release run has them all.
  # (gtest_discover_tests names end in "  # GetParam() = ...", hence "( |$)".)
  phase "sanitizer pass (address, undefined), built without MPI, over the in-process tests"
  # Built by the container image's own steps (scripts/container/build.sh) with MPI off, so this
  # pass is also CI's build without MPI: the in-process tests and the env-bootstrap launches
  # run on it, and its binary must load no MPI library. The libFuzzer targets are built in the
  # same tree (the fuzzing phase below runs them): one clang build instead of two.
  asan=$BUILD_DIR-asan
  CC=$SANITIZER_CC CXX=$SANITIZER_CXX \
    "$COLLBENCH_ROOT/scripts/container/build.sh" "$COLLBENCH_ROOT" "$asan" \
    -DCOLLBENCH_BUILD_TESTS=ON "${SANITIZER_CMAKE_FLAGS[@]}" -DCOLLBENCH_SANITIZE=address,undefined \
    -DCOLLBENCH_BUILD_FUZZERS=ON \
    --targets unit_tests harness_tests results_tests transport_tests collective_tests \
    fuzz_spec fuzz_result fuzz_size
  if grep -q mpi "$asan/runtime-packages.txt"; then
    echo "collbench: the build without MPI loads MPI: $(tr '\n' ' ' <"$asan/runtime-packages.txt")" >&2
    exit 1
  fi
  cd "$asan/cmake"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    ctest --output-on-failure -j "$(nproc)" -L "unit|transport|collective|env" \
    -E "^Network/|^format$|^layering|^report_pytest$|^cli_|^env_netns|^env_screen|_rank_|_[5-8]ranks_|_100003( |$)|_1048579( |$)|best"
fi

if [ "${COLLBENCH_SANITIZE_TESTS:-1}" != 0 ] && [ $# -eq 0 ]; then
  # ThreadSanitizer over the transport conformance tests: ranks as threads in one process,
  # each with its own progress engine (TCP epoll, libfabric completion queues, loopback).
  phase "thread sanitizer pass over the transport tests"
  tsan=$BUILD_DIR-tsan
  CC=$SANITIZER_CC CXX=$SANITIZER_CXX cmake -S "$COLLBENCH_ROOT" -B "$tsan" \
    -DCOLLBENCH_BUILD_TESTS=ON "${SANITIZER_CMAKE_FLAGS[@]}" \
    -DCOLLBENCH_SANITIZE=thread
  cmake --build "$tsan" -j "$(nproc)" --target transport_tests
  (cd "$tsan" && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --output-on-failure -j "$(nproc)" -L transport)
fi

export COLLBENCH_FUZZ_SECONDS=${COLLBENCH_FUZZ_SECONDS:-10}
if [ "$COLLBENCH_FUZZ_SECONDS" != 0 ] && [ $# -eq 0 ]; then
  phase "fuzzing"
  if [ "${COLLBENCH_SANITIZE_TESTS:-1}" != 0 ]; then
    "$COLLBENCH_ROOT/scripts/fuzz.sh" --prebuilt "$BUILD_DIR-asan/cmake"
  else
    "$COLLBENCH_ROOT/scripts/fuzz.sh"
  fi
fi
phase "all done in ${SECONDS} s"
