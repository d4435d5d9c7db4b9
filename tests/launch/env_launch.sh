#!/usr/bin/env bash
# usage: env_launch.sh ROOT COLLBENCH VALIDATOR SCHEMA
# Launches without mpirun (scripts/launch-local.sh sets RANK, WORLD_SIZE, MASTER_ADDR, ...):
# 1, 2, 3 and 4 processes over the env bootstrap, every element checked, the result file
# saying how the ranks met; a --ranks sweep inside one launch; Gloo's rendezvous carried by the
# env bootstrap where Gloo is built in; then the faults: a rank that never starts is named by
# number, WORLD_SIZE or the options disagreeing between ranks is a usage error naming the
# rank, MPI's baselines are refused by name, and a port already taken is said.
set -euo pipefail
root=$1 collbench=$2 validator=$3 schema=$4
launch=$root/scripts/launch-local.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "env_launch: FAILED: $*" >&2
  exit 1
}
# expect STATUS REGEX -- COMMAND...: COMMAND exits STATUS and its output matches REGEX.
expect() {
  local status=$1 regex=$2 rc=0
  shift 3
  "$@" >"$dir/out" 2>&1 || rc=$?
  [ "$rc" -eq "$status" ] || { cat "$dir/out" >&2; fail "exit $rc, expected $status: $*"; }
  grep -Eq -- "$regex" "$dir/out" || { cat "$dir/out" >&2; fail "no line matches '$regex': $*"; }
}

algos=ring,tree,recursive-doubling
for np in 1 2 3 4; do
  "$launch" -n "$np" -- "$collbench" -b 4 -e 300K -f 9 -d float32,int64 -o sum,max -n 2 -w 1 \
    --algo $algos -J "$dir/np$np.json" >"$dir/np$np.txt" 2>&1 ||
    { cat "$dir/np$np.txt" >&2; fail "$np ranks"; }
  "$validator" "$schema" "$dir/np$np.json" --ranks "$np" --algos $algos --state complete \
    --checked --bootstrap env --launcher "environment (RANK, WORLD_SIZE)"
  met="rendezvous at 127.0.0.1:[0-9]* from RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT"
  [ "$np" -gt 1 ] || met="one rank, no rendezvous; RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT"
  grep -q "bootstrap env ($met), every rank in" "$dir/np$np.txt" ||
    fail "$np ranks: the console does not say how the ranks met"
done
echo "env_launch: 1-4 ranks over the env bootstrap, every element checked"

# --ranks stages without MPI: the first 2, then all 4.
"$launch" -n 4 -- "$collbench" -b 1K -e 64K -f 8 -n 2 -w 1 --algo ring --ranks 2,4 \
  -J "$dir/stages.json" >/dev/null
python3 - "$dir/stages.json" <<'PY'
import json, sys
ranks = sorted({m["ranks"] for m in json.load(open(sys.argv[1]))["measurements"]})
assert ranks == [2, 4], f"--ranks 2,4 measured at {ranks}"
PY
if [[ $("$collbench" --list) == *gloo-ring* ]]; then
  "$launch" -n 3 -- "$collbench" -b 8 -e 64K -f 16 -n 2 -w 1 --algo gloo-ring,gloo-bcube \
    -J "$dir/gloo.json" >/dev/null
  "$validator" "$schema" "$dir/gloo.json" --ranks 3 --algos gloo-ring,gloo-bcube --checked \
    --state complete --bootstrap env
  echo "env_launch: Gloo's rendezvous over the env bootstrap"
fi

# A link screen over the env bootstrap: every pair of 4 ranks measured, in the result file and
# the CSV. Whether a pair is flagged is timing (a sanitizer build beside other tests can stall
# one pair tenfold), so the test asserts only that the exit status agrees with the verdicts.
rc=0
"$launch" -n 4 -- "$collbench" --collective pairwise -b 8 -e 64K -n 3 -w 1 --outlier-change 9 \
  -J "$dir/screen.json" --csv "$dir/screen.csv" >"$dir/screen.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || { cat "$dir/screen.txt" >&2; fail "screen exited $rc"; }
"$validator" "$schema" "$dir/screen.json" --state complete --bootstrap env >/dev/null
python3 - "$dir/screen.json" "$dir/screen.csv" "$rc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["screen"]
assert s["kind"] == "pairwise" and s["rounds"] == 3, s
assert (s["verdicts"] == []) == (sys.argv[3] == "0"), (sys.argv[3], s["verdicts"])
for i in range(4):
    for j in range(4):
        for m in ("latency_us", "bandwidth_gbps"):
            assert (s[m][i][j] is None) == (i == j), (m, i, j, s[m][i][j])
rows = open(sys.argv[2]).read().splitlines()
assert rows[0] == "from,to,from_host,to_host,latency_us,bandwidth_gbps" and len(rows) == 13, rows
PY
echo "env_launch: a pairwise screen of 4 ranks, every pair measured"

export COLLBENCH_LAUNCH_GRACE=3
expect 1 "error: rank\(s\) 2 of 3 did not join the rendezvous on .* within 2 s" -- \
  "$launch" -n 3 -- "$collbench" --timeout 2 --inject-late-join-rank 2 -b 8 -e 8 -n 1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
expect 2 "error: WORLD_SIZE differs between ranks: rank 1 \(.*\) has 3, rank 0 \(.*\) has 2" -- \
  sh -c "RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \"$collbench\" -e 8 & \
         sleep 0.3; RANK=1 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \"$collbench\" -e 8; \
         rc=\$?; wait; exit \$rc"
# Every rank must run the same sweep: compared over the env bootstrap as over MPI.
expect 2 "error: options differ between ranks: rank 0 has maxbytes=1024, rank 1 has maxbytes=2048" -- \
  sh -c "RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \"$collbench\" -e 1K & \
         RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \"$collbench\" -e 2K; \
         rc=\$?; wait \$! || rc=\$?; exit \$rc"
expect 2 "error: --algo mpi: (MPI's collectives need --bootstrap mpi|collbench was built without MPI)" -- \
  env RANK=0 WORLD_SIZE=1 "$collbench" --algo ring,mpi -e 8
expect 2 "error: --bootstrap: 'pmix' is not one of mpi, env, auto" -- "$collbench" --bootstrap pmix
# A second job on a port in use: rank 0 cannot listen there and says so. The other job takes
# a port of its own choosing and says which once it listens ($port, used above, may still be
# held by the connections of the runs before: reusing it made this step flaky).
exec {busy}< <(python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("", 0)); s.listen(); print(s.getsockname()[1], flush=True)
time.sleep(10)')
read -r -t 5 taken <&"$busy" || fail "the listener standing in for another job did not start"
expect 1 "rank 0 cannot listen on port $taken: Address already in use .another job" -- \
  env RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$taken "$collbench" -e 8 --timeout 5
exec {busy}<&-
# A rank that dies in the middle of a screen: the round and the pair are named, and the result
# file says the run failed.
expect 1 "FAILED: pairwise screen, round 2 of 3, with rank [0-9] .*(connection closed by|Connection reset by peer)" -- \
  "$launch" -n 4 -- "$collbench" --collective pairwise -b 8 -e 8K -n 2 -w 0 --inject-exit-rank 2 \
  -J "$dir/screen-failed.json"
"$validator" "$schema" "$dir/screen-failed.json" --state failed >/dev/null
echo "env_launch: faults named"
