#!/usr/bin/env bash
# usage: raw_pingpong.sh RAW_SOCKET_PINGPONG
# The benchmark's raw-socket peer (scripts/bench-p2p.sh) exchanges and prints "<us> <GB/s>";
# a missing argument is refused with its usage.
set -euo pipefail
raw=$1
port=$((40000 + RANDOM % 9000))
"$raw" server "$port" 4096 50 5 &
server=$!
out=$("$raw" client 127.0.0.1 "$port" 4096 50 5)
wait "$server"
echo "raw_pingpong: $out"
[[ $out =~ ^[0-9]+\.[0-9]+\ [0-9]+\.[0-9]+$ ]] || { echo "unexpected output '$out'" >&2; exit 1; }
if "$raw" client 127.0.0.1 2>/tmp/raw_pingpong.err; then exit 1; fi
grep -q "usage: raw_socket_pingpong server PORT SIZE ITERS WARMUP" /tmp/raw_pingpong.err
