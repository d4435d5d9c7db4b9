#!/usr/bin/env bash
# usage: fault.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA REGEX [collbench fault flags...]
# Runs 3 ranks of ring all-reduce with a fault injected at the second size (caught by a
# transport's deadline, or by the watchdog where the step has none), and passes when
# the run fails (non-zero), some rank's message matches REGEX (the culprit and the operation),
# rank 0's one verdict names rank 2 (where every fault is planted) as what ranks 0 and 1
# waited for, and the result file is still valid, holds the first size and the verdict with
# both survivors' reports.
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
grep -Eq -- "(FAILED: |no progress for [0-9.]+ s in )all_reduce ring 256 KiB float32 sum out-of-place" \
  "$log" ||
  { echo "fault.sh: the failed operation is not named" >&2; exit 1; }
grep -Eq -- "collbench: verdict: [^ ]+ \(rank 2\) sent no report; ranks 0 and 1 waited for it" \
  "$log" || { echo "fault.sh: no verdict naming rank 2" >&2; exit 1; }
"$validator" "$schema" "$out" --ranks 3 --sizes 1 --state failed || exit 1
python3 - "$out" <<'PY' || exit 1
import json, sys
status = json.load(open(sys.argv[1]))["run"]["status"]
reports = sorted(r["rank"] for r in status.get("reports", []))
if status["failed_rank"] != 2 or "(rank 2) sent no report" not in status.get("verdict", "") \
        or reports != [0, 1]:
    sys.exit(f"fault.sh: the result file's status lacks the verdict: {status}")
PY
echo "fault.sh: ok"
