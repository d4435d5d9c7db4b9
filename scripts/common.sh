# Shared by run.sh and test.sh: install what collbench needs from Debian's packages, then
# configure and build. Source it; do not run it.

COLLBENCH_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${COLLBENCH_BUILD_DIR:-$COLLBENCH_ROOT/build}

# What a build without MPI needs (COLLBENCH_WITH_MPI=OFF: the container image,
# scripts/container/build.sh): the compiler, the required libraries, libfabric and Gloo.
BUILD_PACKAGES=(g++ cmake make pkg-config libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
                libfabric-dev libgloo-dev)
# The above, MPI, what the tests need, and the libfabric tools.
PACKAGES=("${BUILD_PACKAGES[@]}" libopenmpi-dev openmpi-bin libgtest-dev libgmock-dev python3
          python3-jsonschema python3-matplotlib python3-pytest python3-yaml clang
          libclang-rt-14-dev iproute2 procps bc libbenchmark-dev libfabric-bin)

# What only the tests need: a one-node Slurm cluster (tests/slurm/sbatch.sh).
TEST_PACKAGES=(slurmctld slurmd slurm-client munge)

# install_packages [EXTRA...]: PACKAGES and the extra packages named, those not installed yet.
install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "collbench: missing packages: ${missing[*]}" >&2
    echo "collbench: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "collbench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build [TARGET...]: configures build/ (Release, tests included) and builds the targets given,
# or everything.
build() {
  cmake -S "$COLLBENCH_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j "$(nproc)" "${targets[@]}"
}

# Flags for the sanitizer test builds (test.sh): -O0 with line tables only. Measured on 2
# cores, 2026-12-05, the ASan/UBSan pass's build and tests: -O1 284 s + 76 s, -O0 140 s + 87 s
# (CLI11 and nlohmann::json's templates, instrumented, are most of the compile and little of
# the run). Reports stay readable and assertions stay on. Built with clang (SANITIZER_CC and
# SANITIZER_CXX): the ASan/UBSan build took 161 s with clang 14 against 242 s with GCC 12 on the
# same 2 cores (2026-12-06), and clang is installed for the fuzzers anyway.
SANITIZER_CC=clang
SANITIZER_CXX=clang++
SANITIZER_CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O0 -g1"
                       "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O0 -g1")
# The fuzzers' build (fuzz.sh): -O1, because a fuzzer's worth is the inputs it runs in its
# seconds, and -O1 still compiles about 2.5x faster than RelWithDebInfo's -O2 -g.
FUZZ_CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
                  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1")

# mpirun flags for this host: root needs --allow-run-as-root; a laptop or CI box usually has
# fewer cores than ranks.
mpirun_flags() {
  local flags=(--oversubscribe)
  [ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
  echo "${flags[@]}"
}
