#!/usr/bin/env bash
# Installs missing packages (as root), builds, and runs the default job: ring, tree and MPI
# all-reduce over TCP on this host, 8 B to 64 MiB.
#   scripts/run.sh [collbench flags...]      e.g. scripts/run.sh -e 1M -J results.json
# COLLBENCH_NP sets the number of ranks (default 4).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages
build collbench
# shellcheck disable=SC2046
exec mpirun -np "${COLLBENCH_NP:-4}" $(mpirun_flags) "$BUILD_DIR/collbench" "$@"
