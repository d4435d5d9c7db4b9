#!/usr/bin/env bash
# usage: netns.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA
# Emulated hosts (scripts/netns-hosts.sh): 2 and 3 hosts of 2 ranks run ring, tree, hier and
# hier-tree with every result checked; then 2 hosts behind 400 Mbit/s links, where the link
# must show as the limit of busbw (it cannot be beaten; unlimited, this size runs at about
# 1 GB/s) and hier must send a third of what ring sends across hosts. Exits 77 (skipped) where
# namespaces cannot be created.
set -euo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
algos=ring,tree,hier,hier-tree
for hosts in 2 3; do
  "$netns" -H "$hosts" -r 2 --collbench "$collbench" -- --algo $algos -b 4 -e 256K -f 8 \
    -d float32,int64 -o sum,max -n 2 -w 1 -J "$dir/h$hosts.json" || exit $?
  "$validator" "$schema" "$dir/h$hosts.json" --ranks $((hosts * 2)) --algos $algos --state complete
done
"$netns" -H 2 -r 2 --rate 400mbit --collbench "$collbench" -- --algo ring,hier -b 4M -e 4M \
  -n 2 -w 1 --in-place no -J "$dir/limited.json" || exit $?
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
for hosts in (2, 3):
    doc = json.load(open(f"{d}/h{hosts}.json"))
    names = [h["name"] for h in doc["run"]["hosts"]]
    assert names == [f"host{i}" for i in range(hosts)], names
    assert [h["rank_list"] for h in doc["run"]["hosts"]] == [[2 * i, 2 * i + 1] for i in range(hosts)]
    for m in doc["measurements"]:
        assert m["wrong"] == 0 and m["hosts"] == hosts, m
limited = {m["algorithm"]: m for m in json.load(open(f"{d}/limited.json"))["measurements"]}
link = 400e6 / 8 / 1e9  # GB/s
ring, hier = limited["ring"], limited["hier"]
size = ring["bytes"]
assert ring["busbw_gbps"] <= link * 1.1, f"ring busbw {ring['busbw_gbps']} above the {link} GB/s link"
assert ring["inter_host_bytes"] == size * 3 // 2, ring
assert hier["inter_host_bytes"] == size // 2, hier
print(f"netns: ring busbw {ring['busbw_gbps']:.4f} GB/s, hier {hier['busbw_gbps']:.4f} GB/s "
      f"on a {link} GB/s link; inter-host bytes ring {ring['inter_host_bytes']}, "
      f"hier {hier['inter_host_bytes']}")
PY
