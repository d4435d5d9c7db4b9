#!/usr/bin/env bash
# Point-to-point figures of collbench's transports next to libfabric's own fi_pingpong
# (Debian's libfabric-bin) on the same provider, and of the TCP transport next to one plain
# socket (tests/bench/raw_socket_pingpong, spinning and blocking), measured in the same run,
# as a Markdown table: one-way latency (half the round trip) and bandwidth, with the ratio
# collbench / peer (the peer's columns are headed fi_pingpong; for tcp they hold the raw
# socket's figures).
#   scripts/bench-p2p.sh [SIZES]        default SIZES: "8 1048576 67108864"
# Needs a build (scripts/run.sh --version builds one). Runs 2 ranks on this host.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sizes=${1:-"8 1048576 67108864"}
bin=$BUILD_DIR/collbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046
mpirun_cmd=(mpirun -np 2 $(mpirun_flags))

pin_prefix() { [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null && echo "taskset -c $1"; }
pin() { local core=$1; shift; $(pin_prefix "$core") "$@"; }

iterations() { if [ "$1" -le 65536 ]; then echo 2000; elif [ "$1" -le 4194304 ]; then echo 200; else echo 20; fi; }

# fi_pingpong: one server, one client on 127.0.0.1; prints "<one-way us> <GB/s>" (from its
# usec/xfer and MB/sec columns).
fi_pingpong_run() {
  local provider=$1 size=$2 iters port=$((47000 + RANDOM % 2000))
  iters=$(iterations "$size")
  # Pinned to cores 0 and 1, as mpirun binds collbench's two ranks, so neither side of either
  # benchmark shares a core with the other.
  pin 0 fi_pingpong -p "$provider" -e rdm -B "$port" -S "$size" -I "$iters" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  timeout 120 $(pin_prefix 1) fi_pingpong -p "$provider" -e rdm -P "$port" -S "$size" -I "$iters" 127.0.0.1 2>/dev/null |
    awk 'NR == 2 { print $7, $6 / 1000 }'
  wait "$server" 2>/dev/null || true
}

collbench_run() {  # transport provider size -> JSON file
  local transport=$1 provider=$2 size=$3 out=$4 iters
  iters=$(iterations "$size")
  local extra=()
  [ "$transport" = libfabric ] && extra=(--fi-provider "$provider")
  "${mpirun_cmd[@]}" "$bin" --collective pingpong --transport "$transport" "${extra[@]}" \
    -b "$size" -e "$size" -n "$iters" -w 10 --in-place no -J "$out" >/dev/null
}

# One table row: collbench's pingpong (the JSON just written) against its peer's figures.
row() {  # transport peer size peer_us peer_gbs
  python3 - "$work/cb.json" "$@" <<'PY'
import json, sys
path, transport, peer, size, peer_us, peer_gbs = sys.argv[1:]
m = json.load(open(path))["measurements"][0]
us, gbs = m["time_us"]["p50"], m["bytes"] / (m["time_us"]["p50"] * 1e3)
peer_us, peer_gbs = float(peer_us), float(peer_gbs)
ratio = lambda a, b: f"{a / b:.2f}" if b == b and b > 0 else "-"
print(f"| {transport} | {peer} | {size} | {us:.2f} | {peer_us:.2f} | {ratio(us, peer_us)} | "
      f"{gbs:.3f} | {peer_gbs:.3f} | {ratio(gbs, peer_gbs)} |")
PY
}

echo "| transport | provider | size (B) | collbench one-way (us) | fi_pingpong (us) | latency ratio | collbench GB/s | fi_pingpong GB/s | bandwidth ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for provider in tcp shm; do
  for size in $sizes; do
    read -r fi_us fi_gbs < <(fi_pingpong_run "$provider" "$size" || echo "nan nan")
    collbench_run libfabric "$provider" "$size" "$work/cb.json"
    row libfabric "$provider" "$size" "$fi_us" "$fi_gbs"
  done
done
# The TCP transport against one plain socket (tests/bench/raw_socket_pingpong.cc), pinned the
# same way: the ratio is what the transport adds per message. The socket runs twice: spinning
# on recv(MSG_DONTWAIT), as the transport spins while it has a core (--tcp-spin-us), and
# blocking in recv(), the floor for a rank that sleeps between messages.
raw=$BUILD_DIR/tests/raw_socket_pingpong
raw_run() {  # size mode
  local size=$1 mode=$2 iters port=$((47000 + RANDOM % 2000))
  iters=$(iterations "$size")
  pin 0 "$raw" server "$port" "$size" "$iters" 10 "$mode" &
  local server=$!
  $(pin_prefix 1) "$raw" client 127.0.0.1 "$port" "$size" "$iters" 10 "$mode"
  wait "$server"
}
for size in $sizes; do
  for mode in spin block; do
    read -r raw_us raw_gbs < <(raw_run "$size" "$mode" || echo "nan nan")
    collbench_run tcp - "$size" "$work/cb.json"
    row tcp "raw socket ($mode)" "$size" "$raw_us" "$raw_gbs"
  done
done
