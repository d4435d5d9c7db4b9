#!/usr/bin/env bash
# usage: iter_time.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# --iter-time: 2 ranks, 8 B to 8 MiB, 0.05 s per size. Every result is checked and valid; each
# measurement records the count it used: at least 5, and more than ten times as many at 8 B as
# at 8 MiB (a call at 8 B is hundreds of times faster); the run records the setting.
set -euo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
"$mpiexec" -np 2 --oversubscribe "$collbench" --algo ring -b 8 -e 8M -f 32 --iter-time 0.05 \
  --in-place no -J "$out"
"$validator" "$schema" "$out" --ranks 2 --algos ring --state complete --checked
/usr/bin/python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["run"]["options"]["iter_time_s"].startswith("0.05"), doc["run"]["options"]
counts = {m["bytes"]: m["iterations"] for m in doc["measurements"]}
assert all(n >= 5 for n in counts.values()), counts
assert counts[8] > 10 * counts[8388608], counts
print("iter_time: iterations per size:", counts)
PY
