#!/usr/bin/env bash
# usage: straggler.sh ROOT COLLBENCH VALIDATOR SCHEMA
# A planted straggler is named: rank 1 of 3 sleeps 20 ms (kInjectedLateness) before each timed call
# (--inject-late-rank), so in every iteration the others wait for it. Every all-reduce and
# all-gather measurement (3 sizes, both placements) must name rank 1 as the rank that arrived
# last in most timed iterations (more than half: the definition; a loaded machine now and then
# delays another rank past the planted 20 ms), with the others' wait more than half the 20 ms
# planted (a loaded machine also delays the others' arrival by a few ms);
# broadcast, whose root returns without waiting for anyone, names no one; the console's
# summary names rank 1 and its host.
# Launched without mpirun, so that it also runs in the build without MPI.
set -euo pipefail
root=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$root/scripts/launch-local.sh" -n 3 -- "$collbench" --collective all_reduce,all_gather,broadcast \
  --algo ring,chain -b 1K -e 64K -f 8 -n 8 -w 1 --inject-late-rank 1 -J "$dir/late.json" \
  >"$dir/late.txt" 2>&1 || { cat "$dir/late.txt" >&2; exit 1; }
"$validator" "$schema" "$dir/late.json" --ranks 3 --state complete --checked
grep -Eq "^# Arrived last +: rank 1 \(host [^)]+\), in most timed iterations of ([7-9]|1[0-2]) of 12 " \
  "$dir/late.txt" || { cat "$dir/late.txt" >&2; echo "straggler: rank 1 not named" >&2; exit 1; }
python3 - "$dir/late.json" <<'PY'
import json, sys
problems = []
for m in json.load(open(sys.argv[1]))["measurements"]:
    what = f"{m['collective']} {m['algorithm']} {m['bytes']} B"
    last = m["skew"]["last_arrival"]
    if m["collective"] == "broadcast":
        if last is not None:
            problems.append(f"{what}: names {last} though its ranks do not wait for each other")
    elif last is None or last["rank"] != 1 or 2 * last["iterations"] <= m["iterations"] \
            or not 10000 < last["wait_us"] < 100000:
        problems.append(f"{what}: last arrival {last}, expected rank 1 in most of "
                        f"{m['iterations']} iterations after about 20000 us")
if problems:
    sys.exit("straggler: " + "\n  ".join(problems))
PY
echo "straggler: the late rank is named in every all-reduce and all-gather measurement"
