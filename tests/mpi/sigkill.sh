#!/usr/bin/env bash
# usage: sigkill.sh MPIEXEC COLLBENCH VALIDATOR SCHEMA
# Kills rank 2 of a 4-rank ring all-reduce sweep with SIGKILL once the result file holds two
# sizes, and passes when: the job ends within 30 s of the kill, non-zero; a message names
# rank 2; and the result file is valid, marked failed, and still holds every size measured
# before the kill.
set -uo pipefail
mpiexec=$1 collbench=$2 validator=$3 schema=$4
out=$(mktemp --suffix=.json)
log=$(mktemp)
trap 'rm -f "$out" "$log"; [ -n "${job:-}" ] && kill -9 "$job" 2>/dev/null' EXIT
count() { /usr/bin/python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['measurements']))" "$out" 2>/dev/null || echo 0; }

"$mpiexec" -np 4 --oversubscribe "$collbench" -b 64K -e 256M -f 2 -n 10 -w 1 --algo ring \
  --in-place no -J "$out" >"$log" 2>&1 &
job=$!
for _ in $(seq 600); do
  [ "$(count)" -ge 2 ] && break
  sleep 0.1
done
before=$(count)
[ "$before" -ge 2 ] || { cat "$log"; echo "sigkill.sh: the sweep never got going" >&2; exit 1; }
victim=
for pid in $(pgrep -P "$job"); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2"; then
    victim=$pid
  fi
done
[ -n "$victim" ] || { echo "sigkill.sh: rank 2 not found among mpirun's children" >&2; exit 1; }
start=$(date +%s.%N)
kill -9 "$victim"
wait "$job"
status=$?
job=
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
cat "$log"
echo "sigkill.sh: killed rank 2 (pid $victim) after $before measurements; job ended in ${elapsed}s, status $status"
[ "$status" -ne 0 ] || { echo "sigkill.sh: the job succeeded" >&2; exit 1; }
(( $(echo "$elapsed < 30" | bc) )) || { echo "sigkill.sh: took ${elapsed}s to end" >&2; exit 1; }
# A surviving rank names it ("... rank 2 (host): Connection reset by peer"), or mpirun does when
# it takes the job down first ("process rank 2 with PID ... exited on signal 9").
grep -Eq "rank 2 \(|process rank 2 with PID" "$log" ||
  { echo "sigkill.sh: no message names rank 2" >&2; exit 1; }
"$validator" "$schema" "$out" --ranks 4 --state failed || exit 1
after=$(count)
[ "$after" -ge "$before" ] || { echo "sigkill.sh: $after measurements kept, $before were saved" >&2; exit 1; }
echo "sigkill.sh: ok ($after measurements kept)"
