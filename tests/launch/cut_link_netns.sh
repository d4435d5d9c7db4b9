#!/usr/bin/env bash
# usage: cut_link_netns.sh NETNS_HOSTS_SCRIPT COLLBENCH VALIDATOR SCHEMA [LAUNCHER]
# The failure verdict on the case that asked for it: 3 emulated hosts, one rank each, and
# host2's cable pulled mid-sweep (its veth taken down once the first size is saved). Every rank
# times out (--timeout 3) naming whom it waited for; rank 2 cannot reach rank 0 to report.
# Rank 0 must print one verdict naming host2 (rank 2) as what ranks 0 and 1 waited for, record
# it in the result file's failed status with both survivors' reports, and keep the sizes
# measured before the cut. No sweep warm-up: its 64 MiB call takes 2 s on these links, before
# the first size, and the cut needs only a sweep still running. LAUNCHER is netns-hosts.sh's
# --launcher (default mpirun).
# Exits 77 (skipped) where namespaces cannot be created.
set -uo pipefail
netns=$1 collbench=$2 validator=$3 schema=$4 launcher=${5:-mpirun}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$netns" --launcher "$launcher" -H 3 -r 1 --rate 400mbit --collbench "$collbench" -- \
  --algo ring -b 256K -e 64M -f 2 -n 5 -w 1 --sweep-warmup 0 --timeout 3 -J "$dir/cut.json" \
  >"$dir/out.txt" 2>&1 &
run=$!
# Cut host2's link once a size is saved (the file is rewritten whole after each size).
for _ in $(seq 600); do
  grep -q '"busbw_gbps"' "$dir/cut.json" 2>/dev/null && break
  kill -0 "$run" 2>/dev/null || break
  sleep 0.1
done
ip link set cbv2 down 2>/dev/null
cut_at=$SECONDS
wait "$run"
rc=$?
cat "$dir/out.txt"
[ "$rc" -ne 77 ] || exit 77
fail() {
  echo "cut_link_netns: FAILED: $*" >&2
  exit 1
}
[ "$rc" -ne 0 ] || fail "the run succeeded with host2's link cut"
echo "cut_link_netns: the job ended $((SECONDS - cut_at)) s after the cut, exit $rc"
grep -Eq "collbench: verdict: host2 \(rank 2\) sent no report; ranks 0 and 1 waited for it" \
  "$dir/out.txt" || fail "no verdict naming host2 (rank 2)"
[ "$(grep -c "collbench: verdict:" "$dir/out.txt")" -eq 1 ] || fail "more than one verdict"
"$validator" "$schema" "$dir/cut.json" --ranks 3 --state failed >/dev/null || exit 1
python3 - "$dir/cut.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
status = doc["run"]["status"]
reports = sorted(r["rank"] for r in status.get("reports", []))
if status["failed_rank"] != 2 or status["failed_host"] != "host2" or reports != [0, 1] \
        or "host2 (rank 2) sent no report" not in status.get("verdict", ""):
    sys.exit(f"cut_link_netns: the failed status lacks the verdict: {status}")
if not doc["measurements"]:
    sys.exit("cut_link_netns: the sizes measured before the cut are lost")
PY
echo "cut_link_netns: one verdict names host2 (rank 2), in the console and the result file"
