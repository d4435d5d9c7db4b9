#!/usr/bin/env bash
# Starts N ranks of a command on this machine without mpirun, the way torchrun --no-python
# does: each process gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
# MASTER_PORT, and collbench's env bootstrap (--bootstrap env, docs/LAUNCH.md) does the rest.
#
# usage: scripts/launch-local.sh -n RANKS [--per-host K] [--addr ADDR] [--port PORT] -- CMD [ARGS]
#   -n RANKS       processes to start (1 to 1024)
#   --per-host K   LOCAL_WORLD_SIZE; LOCAL_RANK is RANK mod K (default: RANKS, one host)
#   --addr ADDR    MASTER_ADDR, rank 0's host (default 127.0.0.1)
#   --port PORT    MASTER_PORT (default: a port free on this machine now)
# A fresh COLLBENCH_JOB_TOKEN is exported unless one is set. Waits for every rank; when one
# fails, the others get GRACE seconds (COLLBENCH_LAUNCH_GRACE, default 10) to notice and say so
# before they are killed, as torchrun and mpirun end a job. Exits with rank 0's status when it
# failed, else the first failure's, else 0. Ctrl-C stops them all.
set -euo pipefail

die() {
  echo "launch-local: $*" >&2
  exit 2
}

n="" per_host="" addr=127.0.0.1 port=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=$2; shift 2 ;;
    --per-host) per_host=$2; shift 2 ;;
    --addr) addr=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument '$1' (see the usage at the top of $0)" ;;
  esac
done
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 1024 ] || die "-n: '$n' is not a rank count from 1 to 1024"
per_host=${per_host:-$n}
[[ $per_host =~ ^[0-9]+$ ]] && [ "$per_host" -ge 1 ] || die "--per-host: '$per_host' is not a count >= 1"
[ $# -gt 0 ] || die "no command after --"
if [ -z "$port" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
fi
[[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "--port: '$port' is not a port"

export WORLD_SIZE=$n MASTER_ADDR=$addr MASTER_PORT=$port LOCAL_WORLD_SIZE=$per_host
export COLLBENCH_JOB_TOKEN=${COLLBENCH_JOB_TOKEN:-local-$$-$RANDOM}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM
for ((r = 0; r < n; r++)); do
  RANK=$r LOCAL_RANK=$((r % per_host)) "$@" &
  pids+=($!)
done
# Reaps the ranks as they end (wait -n over the ones still running).
declare -A rank_of
for r in "${!pids[@]}"; do rank_of[${pids[$r]}]=$r; done
status=0 killer=""
while [ ${#rank_of[@]} -gt 0 ]; do
  rc=0 pid=""
  wait -n -p pid "${!rank_of[@]}" || rc=$?
  if [ -z "${pid:-}" ]; then
    # wait -n names no process (and unsets pid) when bash had reaped the rank already, or a
    # signal cut the wait short: find an ended rank and take its status from wait.
    for p in "${!rank_of[@]}"; do
      if ! kill -0 "$p" 2>/dev/null; then
        pid=$p rc=0
        wait "$p" || rc=$?
        break
      fi
    done
    [ -n "${pid:-}" ] || { sleep 0.1; continue; }
  fi
  r=${rank_of[$pid]}
  unset "rank_of[$pid]"
  if [ "$rc" -ne 0 ] && { [ "$r" = 0 ] || [ "$status" -eq 0 ]; }; then status=$rc; fi
  if [ "$rc" -ne 0 ] && [ -z "$killer" ] && [ ${#rank_of[@]} -gt 0 ]; then
    (sleep "${COLLBENCH_LAUNCH_GRACE:-10}" && kill "${!rank_of[@]}" 2>/dev/null) &
    killer=$!
  fi
done
[ -z "$killer" ] || kill "$killer" 2>/dev/null || true
exit "$status"
