#!/usr/bin/env bash
# An mpiexec look-alike over scripts/launch-local.sh, so that the fault tests written for
# mpirun (tests/mpi/fault.sh) run the same faults without MPI, over the env bootstrap.
#   mpiexec_env.sh -np N [--oversubscribe] [--mca NAME VALUE]... COMMAND [ARGS]
set -euo pipefail
np=""
while [ $# -gt 0 ]; do
  case $1 in
    -np) np=$2; shift 2 ;;
    --oversubscribe) shift ;;
    --mca) shift 3 ;;
    *) break ;;
  esac
done
exec "$(cd -P "$(dirname "$0")/../.." && pwd)/scripts/launch-local.sh" -n "$np" -- "$@"
