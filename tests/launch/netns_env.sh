#!/usr/bin/env bash
# usage: netns_env.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA
# Emulated hosts without mpirun (scripts/netns-hosts.sh --launcher env): the ranks meet at host
# 0's address on the bridge. 2 hosts of 2 ranks run ring, tree and hier with every element
# checked, each host's ranks found from its host name (LOCAL_RANK given by the launcher); then 3
# hosts of 1 rank behind 400 Mbit/s links, where no algorithm, ours or Gloo's, may beat the
# link. Exits 77 (skipped) where namespaces cannot be created.
set -euo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
algos=ring,tree,hier
"$netns" --launcher env -H 2 -r 2 --collbench "$collbench" -- --algo $algos -b 4 -e 256K -f 8 \
  -d float32,int64 -o sum,max -n 2 -w 1 -J "$dir/h2.json" || exit $?
"$validator" "$schema" "$dir/h2.json" --ranks 4 --algos $algos --state complete --checked \
  --bootstrap env
every=ring,tree,recursive-doubling
"$collbench" --list | grep -q "gloo-ring:" && every+=,gloo-ring
"$netns" --launcher env -H 3 -r 1 --rate 400mbit --collbench "$collbench" -- --algo $every \
  -b 4M -e 4M -n 2 -w 1 --in-place no -J "$dir/every.json" || exit $?
"$validator" "$schema" "$dir/every.json" --ranks 3 --algos $every --state complete --checked \
  --bootstrap env
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
doc = json.load(open(f"{d}/h2.json"))
assert [h["name"] for h in doc["run"]["hosts"]] == ["host0", "host1"], doc["run"]["hosts"]
assert [h["rank_list"] for h in doc["run"]["hosts"]] == [[0, 1], [2, 3]], doc["run"]["hosts"]
assert "rendezvous at 10.77.0.1:" in doc["run"]["launch"]["bootstrap_detail"], doc["run"]["launch"]
link = 400e6 / 8 / 1e9  # GB/s
every = {m["algorithm"]: m for m in json.load(open(f"{d}/every.json"))["measurements"]}
for name, m in every.items():
    assert m["hosts"] == 3, m
    assert m["busbw_gbps"] <= link * 1.1, f"{name} busbw {m['busbw_gbps']} above the {link} GB/s link"
print("netns_env: busbw on a", link, "GB/s link without mpirun:",
      ", ".join(f"{n} {m['busbw_gbps']:.4f}" for n, m in every.items()))
PY
