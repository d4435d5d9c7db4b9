#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (address + undefined sanitizers) and runs each for
# COLLBENCH_FUZZ_SECONDS (default 15) on its checked-in corpus, tests/fuzz/corpus/NAME. New
# inputs found go to a scratch folder, not into the repository. A crash, hang (-timeout) or
# sanitizer report fails the script, leaving the input under $BUILD/fuzz-artifacts/.
#   scripts/fuzz.sh [NAME...]                 default: spec result size
#   scripts/fuzz.sh --prebuilt DIR [NAME...]  runs the fuzzers already built in the CMake tree
#                                             DIR (COLLBENCH_BUILD_FUZZERS=ON): test.sh's
#                                             sanitizer tree
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
seconds=${COLLBENCH_FUZZ_SECONDS:-15}
build=$BUILD_DIR-fuzz
prebuilt=0
if [ "${1:-}" = --prebuilt ]; then
  [ $# -ge 2 ] || { echo "fuzz.sh: --prebuilt needs a CMake build directory" >&2; exit 2; }
  build=$2 prebuilt=1
  shift 2
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(spec result size)
if [ "$prebuilt" = 0 ]; then
  CC=clang CXX=clang++ cmake -S "$COLLBENCH_ROOT" -B "$build" "${FUZZ_CMAKE_FLAGS[@]}" \
    -DCOLLBENCH_BUILD_TESTS=OFF -DCOLLBENCH_BUILD_FUZZERS=ON \
    -DCOLLBENCH_SANITIZE=address,undefined >/dev/null
  targets=()
  for n in "${names[@]}"; do targets+=(--target "fuzz_$n"); done
  cmake --build "$build" -j "$(nproc)" "${targets[@]}"
fi
for n in "${names[@]}"; do
  [ -x "$build/tests/fuzz/fuzz_$n" ] || { echo "fuzz.sh: no fuzz_$n under $build/tests/fuzz" >&2; exit 2; }
done
mkdir -p "$build/fuzz-artifacts"
for n in "${names[@]}"; do
  scratch=$(mktemp -d)
  echo "collbench: fuzzing $n for ${seconds}s"
  log=$build/fuzz-$n.log
  status=0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$build/tests/fuzz/fuzz_$n" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$build/fuzz-artifacts/$n-" -print_final_stats=1 \
    "$scratch" "$COLLBENCH_ROOT/tests/fuzz/corpus/$n" >"$log" 2>&1 || status=$?
  rm -rf "$scratch"
  grep -E "^Done [0-9]+ runs|^stat::number_of_executed_units" "$log" || true
  [ "$status" -eq 0 ] || tail -60 "$log" >&2
  if [ "$status" -ne 0 ]; then
    echo "collbench: fuzz_$n failed (status $status); input saved under $build/fuzz-artifacts/" >&2
    exit 1
  fi
done
echo "collbench: fuzzers ran clean: ${names[*]}"
