#!/usr/bin/env bash
# usage: ranks_sweep.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# One launch of 4 ranks sweeps 2, 3 and 4 of them (--ranks): every algorithm measured at every
# rank count, results correct, the file valid; then `collbench model fit` and `compare` on it.
set -euo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mpiexec" -np 4 --oversubscribe "$collbench" --ranks 2,3,4 --algo ring,tree,hier,mpi \
  -b 8 -e 1M -f 16 -n 3 -w 1 -J "$dir/r.json" | tee "$dir/out.txt"
grep -q "^# ranks 2 of 4, on 1 host" "$dir/out.txt"
"$validator" "$schema" "$dir/r.json"
/usr/bin/python3 - "$dir/r.json" <<'PY'
import json, sys
ms = json.load(open(sys.argv[1]))["measurements"]
seen = {(m["algorithm"], m["ranks"]) for m in ms}
want = {(a, n) for a in ("ring", "tree", "hier", "mpi") for n in (2, 3, 4)}
assert seen == want, f"measured {sorted(seen)}, expected {sorted(want)}"
for m in ms:
    assert m["wrong"] == 0, m
    assert m["hosts"] == 1, m
    expect = None if m["algorithm"] == "mpi" else 0  # one host: nothing crosses the network
    assert m["inter_host_bytes"] == expect, m
print("ranks_sweep: every algorithm at 2, 3 and 4 ranks, all correct")
PY
"$collbench" model fit "$dir/r.json" -o "$dir/model.json" | tee "$dir/fit.txt"
grep -Eq "^ tcp +all_reduce +ring +ring .* 2,3,4$" "$dir/fit.txt"
"$collbench" model compare --model "$dir/model.json" "$dir/r.json" | grep -q "^# largest error"
echo "ranks_sweep: ok"
