#!/usr/bin/env bash
# usage: iteration_times.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# --iteration-times: every measurement of the file holds its timed iterations' times, as many
# as -n, of which time_us's min, mean and max are the summary; --iter-time's counts too; the
# run records the setting; without the flag no measurement holds them. Every result is checked.
set -euo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
out=$(mktemp --suffix=.json) timed=$(mktemp --suffix=.json) none=$(mktemp --suffix=.json)
trap 'rm -f "$out" "$timed" "$none"' EXIT
run() { "$mpiexec" -np 3 --oversubscribe "$collbench" --algo ring,tree -b 16 -e 64K -f 64 "$@"; }
run -n 7 --iteration-times -J "$out"
run --iter-time 0.005 --iteration-times -J "$timed"
run -n 2 -J "$none"
for f in "$out" "$timed" "$none"; do
  "$validator" "$schema" "$f" --ranks 3 --algos ring,tree --state complete --checked
done
/usr/bin/python3 - "$out" "$timed" "$none" <<'PY'
import json, math, sys
out, timed, none = (json.load(open(p)) for p in sys.argv[1:4])
assert out["run"]["options"]["iteration_times"] == "1", out["run"]["options"]
assert none["run"]["options"]["iteration_times"] == "0", none["run"]["options"]
for doc, fixed in ((out, 7), (timed, None)):
    for m in doc["measurements"]:
        times, stats = m["iteration_us"], m["time_us"]
        assert len(times) == (fixed or m["iterations"]) == stats["samples"], (len(times), m)
        assert min(times) == stats["min"] and max(times) == stats["max"], (times, stats)
        assert math.isclose(sum(times) / len(times), stats["mean"], rel_tol=1e-9), (times, stats)
assert not [m for m in none["measurements"] if "iteration_us" in m]
print("iteration_times:", len(out["measurements"]), "and", len(timed["measurements"]),
      "measurements hold their times")
PY
