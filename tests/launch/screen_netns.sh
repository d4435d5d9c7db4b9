#!/usr/bin/env bash
# usage: screen_netns.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA [mpirun]
# Link screens on 6 emulated hosts, one rank each, 400 Mbit/s links, started without mpirun:
# with every link equal nothing is flagged (exit 0); a slower link planted on host 3
# (--host-rate) names rank 3 slow in both directions and nothing else, under the pairwise and
# the neighbours screen (exit 4); an egress-only limit on host 2 names rank 2 slow to send.
# With "mpirun" the ranks start under mpirun instead, and only the planted host 3 is screened.
# Exits 77 (skipped) where namespaces cannot be created.
set -uo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4 launcher=${5:-env}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Latency on a 2-core machine running 6 ranks is noisy; a factor 2 keeps the test to what the
# links do (a planted 100 Mbit/s link is 4 times slower than the others).
screen=(-b 8 -e 2M -n 3 -w 1 --outlier-change 1)
run() { # NAME EXPECTED_STATUS [netns flags...] -- collbench flags
  local name=$1 expected=$2 rc=0
  shift 2
  "$netns" --launcher "$launcher" -H 6 -r 1 --rate 400mbit --collbench "$collbench" "$@" \
    -J "$dir/$name.json" >"$dir/$name.txt" 2>&1 || rc=$?
  [ "$rc" -ne 77 ] || exit 77
  if [ "$rc" -ne "$expected" ]; then
    cat "$dir/$name.txt" >&2
    echo "screen_netns: $name exited $rc, expected $expected" >&2
    exit 1
  fi
  "$validator" "$schema" "$dir/$name.json" --state complete >/dev/null || exit 1
  grep -E "^(# verdict|SLOW|# (pairwise|neighbors) screen)" "$dir/$name.txt"
}
if [ "$launcher" = mpirun ]; then
  run node 4 --host-rate 3=100mbit -- --collective pairwise "${screen[@]}"
  /usr/bin/python3 - "$dir/node.json" <<'PY' || exit 1
import json, sys
found = [(v["what"], v["rank"]) for v in json.load(open(sys.argv[1]))["screen"]["verdicts"]
         if v["metric"] == "bandwidth"]
assert found == [("rank", 3)], found
print("screen_netns: under mpirun, planted host 3 named, nothing else")
PY
  exit 0
fi
run clean 0 -- --collective pairwise "${screen[@]}"
run node 4 --host-rate 3=100mbit -- --collective pairwise "${screen[@]}"
run node_neighbors 4 --host-rate 3=100mbit -- --collective neighbors "${screen[@]}"
run egress 4 --host-egress-rate 2=100mbit -- --collective pairwise "${screen[@]}"
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def found(name):
    s = json.load(open(f"{d}/{name}.json"))["screen"]
    return sorted((v["metric"], v["what"], v["rank"], v["peer"]) for v in s["verdicts"]
                  if v["metric"] == "bandwidth")
assert found("clean") == [], found("clean")
assert found("node") == [("bandwidth", "rank", 3, None)], found("node")
assert found("node_neighbors") == [("bandwidth", "rank", 3, None)], found("node_neighbors")
assert found("egress") == [("bandwidth", "rank sending", 2, None)], found("egress")
pw = json.load(open(f"{d}/node.json"))["screen"]
slow = [pw["bandwidth_gbps"][3][p] for p in range(6) if p != 3]
assert all(v <= 100e6 / 8 / 1e9 * 1.1 for v in slow), slow
print("screen_netns: planted host 3 (both ways) and host 2 (sending) named, nothing else")
PY
