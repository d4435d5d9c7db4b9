#!/usr/bin/env bash
# usage: netns.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA
# Emulated hosts (scripts/netns-hosts.sh): 2 and 3 hosts of 2 ranks run ring, tree, hier and
# hier-tree with every result checked; then 2 hosts behind 400 Mbit/s links, where the link
# must show as the limit of busbw (it cannot be beaten; unlimited, this size runs at about
# 1 GB/s) and hier must send a third of what ring sends across hosts; the vendor baselines (MPI,
# and Gloo where built) run there too and must not beat the link either (they did, over shared
# memory, until the script held them to the emulated interface). Last, what a run leaves when a
# rank outlives it (--keep, then a process inside a host's namespace) is all removed by --down.
# Exits 77 (skipped) where namespaces cannot be created.
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
# One rank per host: all of every algorithm's traffic crosses a link, ours and the vendors'.
every=ring,tree,recursive-doubling,mpi
[[ $("$collbench" --list) != *gloo-ring:* ]] || every+=,gloo-ring
"$netns" -H 3 -r 1 --rate 400mbit --collbench "$collbench" -- --algo $every -b 4M -e 4M \
  -n 2 -w 1 --in-place no -J "$dir/every.json" || exit $?
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
        assert m["host_ranks"] == {"largest": 2, "smallest": 2}, m
limited = {m["algorithm"]: m for m in json.load(open(f"{d}/limited.json"))["measurements"]}
link = 400e6 / 8 / 1e9  # GB/s
ring, hier = limited["ring"], limited["hier"]
size = ring["bytes"]
assert ring["busbw_gbps"] <= link * 1.1, f"ring busbw {ring['busbw_gbps']} above the {link} GB/s link"
every = {m["algorithm"]: m for m in json.load(open(f"{d}/every.json"))["measurements"]}
for name, m in every.items():
    assert m["busbw_gbps"] <= link * 1.1, f"{name} busbw {m['busbw_gbps']} above the {link} GB/s link"
assert ring["inter_host_bytes"] == size * 3 // 2, ring
assert hier["inter_host_bytes"] == size // 2, hier
print("netns: busbw on a", link, "GB/s link:",
      ", ".join(f"{n} {m['busbw_gbps']:.4f}" for n, m in every.items()),
      f"; inter-host bytes ring {ring['inter_host_bytes']}, hier {hier['inter_host_bytes']}")
PY
leftovers() { { ip netns list; ip -o link show; } | grep -oE "\b(cbh[0-9]+|cbv[0-9]+|cbbr0)\b" | sort -u || true; }
[ -z "$(leftovers)" ] || { echo "netns: a finished run left: $(leftovers)" >&2; exit 1; }
# A rank that outlived its job keeps its namespace, and the veth pair, alive.
"$netns" -H 2 -r 1 --keep --collbench "$collbench" -- -b 8 -e 8 -n 1 -w 0 --algo ring >/dev/null
ip netns exec cbh1 sleep 600 &
sleep 0.5
"$netns" --down
[ -z "$(leftovers)" ] || { echo "netns: --down left: $(leftovers)" >&2; exit 1; }
echo "netns: --down removed a kept run and the process left inside it"
