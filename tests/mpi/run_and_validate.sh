#!/usr/bin/env bash
# usage: run_and_validate.sh MPIEXEC NP COLLBENCH VALIDATOR SCHEMA -- [collbench flags]
# Runs collbench under mpirun with -J into a temporary file, then validates the file and checks
# that it holds measurements of every algorithm in $ALGOS (default ring,tree,mpi), that the run
# is marked complete, and that the --csv file written beside it holds the same measurements.
set -euo pipefail
mpiexec=$1 np=$2 collbench=$3 validator=$4 schema=$5
shift 6
out=$(mktemp --suffix=.json)
csv=${out%.json}.csv
trap 'rm -f "$out" "$csv"' EXIT
"$mpiexec" -np "$np" --oversubscribe "$collbench" -J "$out" --csv "$csv" "$@"
"$validator" "$schema" "$out" --ranks "$np" --algos "${ALGOS:-ring,tree,mpi}" --state complete \
  --csv "$csv"
