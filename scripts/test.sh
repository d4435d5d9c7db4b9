#!/usr/bin/env bash
# Installs missing packages (as root), builds with tests, and runs every test.
#   scripts/test.sh                 the whole suite
#   scripts/test.sh -L unit         one slice (labels: unit, transport, collective, cli, mpi)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages
build -DCOLLBENCH_BUILD_TESTS=ON
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
