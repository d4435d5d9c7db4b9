#!/usr/bin/env bash
# usage: netns_model.sh NETNS_HOSTS_SCRIPT COLLBENCH
# A cost model fitted on emulated hosts finds the link: 4 hosts, one rank each, behind
# 400 Mbit/s (0.05 GB/s) tbf links; ring all-reduce at 2 and 4 ranks from 64 KiB to 4 MiB;
# `collbench model fit` must leave out the calls below the links' 256 KiB token bucket, naming
# them, and fit a beta within 20% of the link. Exits 77 (skipped) where namespaces cannot be
# created.
set -euo pipefail
netns=$1 collbench=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$netns" -H 4 -r 1 --rate 400mbit --collbench "$collbench" -- --ranks 2,4 --algo ring \
  -b 64K -e 4M -f 2 -n 3 -w 1 --in-place no -J "$dir/r.json" >/dev/null || exit $?
"$collbench" model fit "$dir/r.json" -o "$dir/m.json" | tee "$dir/fit.txt"
grep -q "token bucket per rank across hosts (tc tbf burst 262144 B)" "$dir/fit.txt"
grep -q "tcp all_reduce ring 2 ranks: 65536,131072 B" "$dir/fit.txt"
"$collbench" model compare --model "$dir/m.json" "$dir/r.json" | grep -q "^# 4 calls below"
/usr/bin/python3 - "$dir/m.json" <<'PY'
import json, sys
ring = json.load(open(sys.argv[1]))["models"][0]
beta = 1e-3 / ring["params"]["beta_us_per_byte"]  # GB/s
link = 400e6 / 8 / 1e9
assert abs(beta - link) <= 0.2 * link, f"fitted beta {beta:.4f} GB/s, link {link} GB/s"
print(f"netns_model: fitted beta {beta:.4f} GB/s on a {link} GB/s link, R^2 {ring['fit']['r2']:.3f}")
PY
