#!/usr/bin/env bash
# usage: netns_env.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA
# Emulated hosts without mpirun (scripts/netns-hosts.sh --launcher env): the ranks meet at host
# 0's address on the bridge. 2 hosts of 2 ranks run ring, tree and hier with every element
# checked, each host's ranks found from its host name (LOCAL_RANK given by the launcher); then 3
# hosts of 1 rank behind 400 Mbit/s links, where no algorithm, ours or Gloo's, may beat the
# link. Last, a bad link planted on one host (--host-rate, --host-egress-rate) is where it was
# asked for, in the directions asked for, and a pingpong across it runs at its rate. Every host
# runs the congestion control asked for (--tcp-cc; cubic unless told), which the result file
# records (COLLBENCH_LINK_EMULATION, and each host's own reading); an unknown one is refused by
# name. Exits 77 (skipped) where namespaces cannot be
# created.
set -euo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if out=$("$netns" --tcp-cc nosuch -- -b 8 -e 8 2>&1); then
  echo "netns_env: --tcp-cc nosuch was accepted" >&2; exit 1
fi
[[ $out == *"--tcp-cc: 'nosuch' is not one of this kernel's congestion controls"* ]] ||
  { echo "netns_env: --tcp-cc nosuch: $out" >&2; exit 1; }
algos=ring,tree,hier
"$netns" --launcher env -H 2 -r 2 --collbench "$collbench" -- --algo $algos -b 4 -e 256K -f 8 \
  -d float32,int64 -o sum,max -n 2 -w 1 -J "$dir/h2.json" || exit $?
"$validator" "$schema" "$dir/h2.json" --ranks 4 --algos $algos --state complete --checked \
  --bootstrap env
every=ring,tree,recursive-doubling
[[ $("$collbench" --list) != *gloo-ring:* ]] || every+=,gloo-ring
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
every_doc = json.load(open(f"{d}/every.json"))
emulation = every_doc["run"]["environment"]["COLLBENCH_LINK_EMULATION"]
assert emulation == "tbf rate=400mbit burst=262144 cc=cubic", emulation
hosts = every_doc["run"]["hosts"]
assert [h["tcp_congestion_control"] for h in hosts] == ["cubic"] * 3, hosts
link = 400e6 / 8 / 1e9  # GB/s
every = {m["algorithm"]: m for m in every_doc["measurements"]}
for name, m in every.items():
    assert m["hosts"] == 3, m
    assert m["busbw_gbps"] <= link * 1.1, f"{name} busbw {m['busbw_gbps']} above the {link} GB/s link"
print("netns_env: busbw on a", link, "GB/s link without mpirun:",
      ", ".join(f"{n} {m['busbw_gbps']:.4f}" for n, m in every.items()))
PY
# A slower link planted on host 1 (both directions), then one slow direction only.
"$netns" --launcher env -H 2 -r 1 --rate 400mbit --host-rate 1=100mbit --keep \
  --collbench "$collbench" -- --collective pingpong -b 4M -e 4M -n 2 -w 1 --in-place no \
  -J "$dir/planted.json" >/dev/null || exit $?
qdiscs() { echo "out $(ip netns exec "cbh$1" tc qdisc show dev cb0) in $(tc qdisc show dev "cbv$1")"; }
[[ $(qdiscs 1) =~ out\ .*rate\ 100Mbit.*in\ .*rate\ 100Mbit ]] || { echo "netns_env: host 1: $(qdiscs 1)" >&2; exit 1; }
[[ $(qdiscs 0) =~ out\ .*rate\ 400Mbit.*in\ .*rate\ 400Mbit ]] || { echo "netns_env: host 0: $(qdiscs 0)" >&2; exit 1; }
cc() { ip netns exec "cbh$1" sysctl -n net.ipv4.tcp_congestion_control; }
[ "$(cc 0) $(cc 1)" = "cubic cubic" ] || { echo "netns_env: congestion control $(cc 0) $(cc 1), not cubic" >&2; exit 1; }
"$netns" --down
"$netns" --launcher env -H 2 -r 1 --host-egress-rate 1=100mbit --tcp-cc reno --keep \
  --collbench "$collbench" -- -b 8 -e 8 -n 1 -w 0 --algo ring -J "$dir/reno.json" >/dev/null ||
  exit $?
[ "$(cc 0) $(cc 1)" = "reno reno" ] || { echo "netns_env: --tcp-cc reno gave $(cc 0) $(cc 1)" >&2; exit 1; }
recorded=$(/usr/bin/python3 -c 'import json, sys
print(*[h["tcp_congestion_control"] for h in json.load(open(sys.argv[1]))["run"]["hosts"]])' "$dir/reno.json")
[ "$recorded" = "reno reno" ] || { echo "netns_env: --tcp-cc reno recorded as '$recorded'" >&2; exit 1; }
[[ $(qdiscs 1) =~ out\ .*rate\ 100Mbit.*in\ qdisc\ noqueue ]] || { echo "netns_env: host 1 egress: $(qdiscs 1)" >&2; exit 1; }
"$netns" --down
/usr/bin/python3 - "$dir/planted.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["measurements"][0]
slow = 100e6 / 8 / 1e9
assert slow * 0.5 <= m["busbw_gbps"] <= slow * 1.1, f"pingpong {m['busbw_gbps']} GB/s across a {slow} GB/s link"
print(f"netns_env: pingpong across host 1's planted 100 Mbit/s link: {m['busbw_gbps']:.4f} GB/s")
PY
