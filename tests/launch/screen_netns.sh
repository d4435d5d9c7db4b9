#!/usr/bin/env bash
# usage: screen_netns.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA [LAUNCHER]
# Link screens on 6 emulated hosts, one rank each, 400 Mbit/s links, started without mpirun:
# with every link equal no bandwidth is flagged; a slower link planted on host 3
# (--host-rate) names rank 3 slow in both directions and nothing else, under the pairwise and
# the neighbours screen; an egress-only limit on host 2 names rank 2 slow to send. The exit
# status is 4 exactly when something (bandwidth or latency) was flagged.
# LAUNCHER is netns-hosts.sh's --launcher (default env; mpirun runs the same cases under MPI).
# Exits 77 (skipped) where namespaces cannot be created.
set -uo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4 launcher=${5:-env}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Latency on a 2-core machine running 6 busy-polling ranks is noisy (a pair now and then at
# 20 times the median), so only the bandwidth verdicts are asserted; a factor 2 keeps them to
# what the links do (a planted 100 Mbit/s link is 4 times slower than the others).
screen=(-b 8 -e 4M -n 3 -w 0 --outlier-change 1)
# run NAME [netns flags...] -- collbench flags: the screen's exit status goes to NAME.rc.
run() {
  local name=$1 rc=0
  shift
  "$netns" --launcher "$launcher" -H 6 -r 1 --rate 400mbit --collbench "$collbench" "$@" \
    -J "$dir/$name.json" >"$dir/$name.txt" 2>&1 || rc=$?
  [ "$rc" -ne 77 ] || exit 77
  echo "$rc" >"$dir/$name.rc"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
    cat "$dir/$name.txt" >&2
    echo "screen_netns: $name exited $rc" >&2
    exit 1
  fi
  "$validator" "$schema" "$dir/$name.json" --state complete >/dev/null || exit 1
  grep -E "^(# verdict|SLOW|# (pairwise|neighbors) screen)" "$dir/$name.txt"
}
run clean -- --collective pairwise "${screen[@]}"
run node --host-rate 3=100mbit -- --collective pairwise "${screen[@]}"
run node_neighbors --host-rate 3=100mbit -- --collective neighbors "${screen[@]}"
run egress --host-egress-rate 2=100mbit -- --collective pairwise "${screen[@]}"
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def found(name):
    """The bandwidth verdicts; the exit status must be 4 exactly when there is any verdict."""
    s = json.load(open(f"{d}/{name}.json"))["screen"]
    rc = int(open(f"{d}/{name}.rc").read())
    assert rc == (4 if s["verdicts"] else 0), (name, rc, s["verdicts"])
    return sorted((v["metric"], v["what"], v["rank"], v["peer"]) for v in s["verdicts"]
                  if v["metric"] == "bandwidth")
assert found("clean") == [], found("clean")
assert found("node") == [("bandwidth", "rank", 3, None)], found("node")
assert found("node_neighbors") == [("bandwidth", "rank", 3, None)], found("node_neighbors")
# Host 2's slow egress also carries the ACKs of what it receives, so a direction into it may
# measure slow too: that is host 2's link as well, not a healthy host.
egress = found("egress")
assert ("bandwidth", "rank sending", 2, None) in egress, egress
assert all(2 in (rank, peer) for _, _, rank, peer in egress), egress
pw = json.load(open(f"{d}/node.json"))["screen"]
slow = [pw["bandwidth_gbps"][3][p] for p in range(6) if p != 3]
assert all(v <= 100e6 / 8 / 1e9 * 1.1 for v in slow), slow
print("screen_netns: planted host 3 (both ways) and host 2 (sending) named, no healthy host")
PY
