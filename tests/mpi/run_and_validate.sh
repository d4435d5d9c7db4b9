#!/usr/bin/env bash
# usage: run_and_validate.sh MPIEXEC NP COLLBENCH VALIDATOR SCHEMA -- [collbench flags]
# Runs collbench under mpirun with -J into a temporary file, then validates the file and checks
# that it holds measurements of every algorithm in $ALGOS (default ring,tree,mpi).
set -euo pipefail
mpiexec=$1 np=$2 collbench=$3 validator=$4 schema=$5
shift 6
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
"$mpiexec" -np "$np" --oversubscribe "$collbench" -J "$out" "$@"
"$validator" "$schema" "$out" --ranks "$np" --algos "${ALGOS:-ring,tree,mpi}"
