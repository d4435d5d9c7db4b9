#!/usr/bin/env bash
# usage: sweep_warmup.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# --sweep-warmup: before each algorithm's first size the run makes that many untimed calls at
# the largest size and says so in one note per algorithm (with the slowest rank's time); the
# run records the setting; with 0 there is no warm-up and no note. Every result is checked.
set -euo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
out=$(mktemp --suffix=.json) none=$(mktemp --suffix=.json)
trap 'rm -f "$out" "$none"' EXIT
run() { "$mpiexec" -np 3 --oversubscribe "$collbench" --algo ring,best -b 16 -e 1M -f 16 -n 3 \
  --in-place no "$@"; }
run --sweep-warmup 3 -J "$out"
run --sweep-warmup 0 -J "$none"
for f in "$out" "$none"; do
  "$validator" "$schema" "$f" --ranks 3 --algos ring,best --state complete --checked
done
/usr/bin/python3 - "$out" "$none" <<'PY'
import json, re, sys
doc, none = (json.load(open(p)) for p in sys.argv[1:3])
assert doc["run"]["options"]["sweep_warmup"] == "3", doc["run"]["options"]
pattern = r"all_reduce (\S+) 1 MiB float32 sum sweep warm-up: 3 calls before the first size, [0-9.]+ ms"
warmed = [m.group(1) for n in doc["run"]["notes"] if (m := re.match(pattern, n))]
assert warmed == ["ring", "best"], doc["run"]["notes"]
assert not [n for n in none["run"]["notes"] if "warm-up" in n], none["run"]["notes"]
print("sweep_warmup: notes:", warmed)
PY
