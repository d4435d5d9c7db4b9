#!/usr/bin/env bash
# usage: fault.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA REGEX [collbench fault flags...]
# Runs 3 ranks of ring all-reduce with a fault injected at the second size, and passes when
# the run fails (non-zero), some rank's message matches REGEX (the culprit and the operation),
# and the result file is still valid and holds the first size.
set -uo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4 pattern=$5
shift 5
out=$(mktemp --suffix=.json)
log=$(mktemp)
trap 'rm -f "$out" "$log"' EXIT
# Open MPI would kill the survivors as soon as one rank exits non-zero, before they can say
# what they saw; the real launch does that too, but here we want to read their messages.
"$mpiexec" -np 3 --oversubscribe --mca orte_abort_on_non_zero_status 0 "$collbench" -b 64K -e 1M -f 4 -n 5 -w 1 --algo ring \
  -J "$out" "$@" >"$log" 2>&1
status=$?
cat "$log"
[ "$status" -ne 0 ] || { echo "fault.sh: run succeeded despite the fault" >&2; exit 1; }
# Every rank's message is written in one piece: a line holds at most one "collbench:", at its
# start (ranks share mpirun's stderr; a message printed in pieces interleaves mid-line).
if grep -n '.collbench: ' "$log"; then echo "fault.sh: messages interleave mid-line" >&2; exit 1; fi
grep -Eq -- "$pattern" "$log" || { echo "fault.sh: no message matches: $pattern" >&2; exit 1; }
grep -Eq -- "FAILED: all_reduce ring 256 KiB float32 sum out-of-place" "$log" ||
  { echo "fault.sh: the failed operation is not named" >&2; exit 1; }
"$validator" "$schema" "$out" --ranks 3 --sizes 1 --state failed || exit 1
echo "fault.sh: ok"
