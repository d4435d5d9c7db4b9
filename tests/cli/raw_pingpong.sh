#!/usr/bin/env bash
# usage: raw_pingpong.sh RAW_SOCKET_PINGPONG
# The benchmark's raw-socket peer (scripts/bench-p2p.sh) exchanges and prints "<us> <GB/s>" in
# both modes (blocking recv and spinning recv); a missing argument or an unknown mode is
# refused with its usage.
set -euo pipefail
raw=$1
for mode in block spin; do
  port=$((40000 + RANDOM % 9000))
  "$raw" server "$port" 4096 50 5 "$mode" &
  server=$!
  out=$("$raw" client 127.0.0.1 "$port" 4096 50 5 "$mode")
  wait "$server"
  echo "raw_pingpong $mode: $out"
  [[ $out =~ ^[0-9]+\.[0-9]+\ [0-9]+\.[0-9]+$ ]] || { echo "unexpected output '$out'" >&2; exit 1; }
done
usage="usage: raw_socket_pingpong server PORT SIZE ITERS WARMUP \[block|spin\]"
if "$raw" client 127.0.0.1 2>/tmp/raw_pingpong.err; then exit 1; fi
grep -q "$usage" /tmp/raw_pingpong.err
if "$raw" server 4000 8 10 1 poll 2>/tmp/raw_pingpong.err; then exit 1; fi
grep -q "$usage" /tmp/raw_pingpong.err
