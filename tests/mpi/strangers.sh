#!/usr/bin/env bash
# usage: strangers.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# While a 4-rank TCP job runs, connects to every port its ranks listen on and sends: garbage
# bytes, an HTTP request (a port scanner), and a well-formed handshake with another job's
# token (a replay). Passes when every stranger was dropped and logged, and the job still
# ends with every result correct.
set -uo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
out=$(mktemp --suffix=.json)
log=$(mktemp)
trap 'rm -f "$out" "$log"; [ -n "${job:-}" ] && kill -9 "$job" 2>/dev/null' EXIT

"$mpiexec" -np 4 --oversubscribe "$collbench" -b 1K -e 8M -f 2 -n 20 -w 2 --algo ring,tree \
  -J "$out" >"$log" 2>&1 &
job=$!
ports=
for _ in $(seq 300); do
  ports=$(for pid in $(pgrep -P "$job"); do
            # Our transport listens on 127.0.0.1 when all ranks share a host; Open MPI's own
            # TCP listeners are on the wildcard address.
            ss -ltnpH 2>/dev/null | grep "pid=$pid," | awk '$4 ~ /^127\.0\.0\.1:/ {print $4}' |
              sed 's/.*://'
          done | sort -u)
  [ "$(echo "$ports" | grep -c .)" -ge 4 ] && break
  sleep 0.1
done
[ "$(echo "$ports" | grep -c .)" -ge 4 ] || { cat "$log"; echo "strangers.sh: no listening ports found" >&2; exit 1; }
echo "strangers.sh: job listens on ports:" $ports
/usr/bin/python3 - $ports <<'PY'
import os, socket, struct, sys
for port in map(int, sys.argv[1:]):
    for payload in (os.urandom(4096), b"GET / HTTP/1.0\r\n\r\n" + b"x" * 64,
                    struct.pack("<IIIIQ", 0x43425431, 0, 0, 1, 0x1234567890ABCDEF)):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(payload)
PY
wait "$job"
status=$?
job=
cat "$log"
[ "$status" -eq 0 ] || { echo "strangers.sh: the job failed (status $status)" >&2; exit 1; }
for why in "not a collbench handshake" "wrong job token"; do
  grep -q "tcp: dropped a connection: $why" "$log" ||
    { echo "strangers.sh: no stranger was logged as '$why'" >&2; exit 1; }
done
"$validator" "$schema" "$out" --ranks 4 --state complete --algos ring,tree || exit 1
echo "strangers.sh: ok"
