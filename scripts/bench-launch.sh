#!/usr/bin/env bash
# Start-up time of the env bootstrap against MPI_Init, all ranks on this host: for 2, 4 and 8
# ranks, REPEATS launches each (interleaved), of a one-size sweep. Prints, per rank count and
# bootstrap, the median of `startup_s` from the result file (the start of rank 0's main() to
# every rank having joined) and of the whole launch's wall time (mpirun or
# scripts/launch-local.sh included), and the ratios env / mpi.
#   scripts/bench-launch.sh [REPEATS]    (default 3; the build in build/ is used)
set -euo pipefail
root=$(cd -P "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh"
repeats=${1:-3}
collbench=$BUILD_DIR/collbench
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
sweep=(-b 8 -e 8 -n 1 -w 0 --algo ring)
launch() { # BOOTSTRAP RANKS JSON
  case $1 in
    mpi) mpirun $(mpirun_flags) -np "$2" "$collbench" --bootstrap mpi "${sweep[@]}" -J "$3" ;;
    env) "$root/scripts/launch-local.sh" -n "$2" -- "$collbench" --bootstrap env "${sweep[@]}" -J "$3" ;;
  esac >/dev/null
}
for ranks in 2 4 8; do
  for ((i = 0; i < repeats; i++)); do
    for boot in mpi env; do
      start=$(date +%s.%N)
      launch "$boot" "$ranks" "$dir/$boot-$ranks-$i.json"
      echo "$(date +%s.%N) - $start" | bc >"$dir/$boot-$ranks-$i.wall"
    done
  done
done
python3 - "$dir" "$repeats" <<'PY'
import json, statistics, sys
d, repeats = sys.argv[1], int(sys.argv[2])
print(f"{'ranks':>5} {'bootstrap':>9} {'startup ms':>10} {'launch wall ms':>15}   (medians of {repeats})")
for ranks in (2, 4, 8):
    row = {}
    for boot in ("mpi", "env"):
        startup = statistics.median(json.load(open(f"{d}/{boot}-{ranks}-{i}.json"))["run"]["launch"]["startup_s"] for i in range(repeats))
        wall = statistics.median(float(open(f"{d}/{boot}-{ranks}-{i}.wall").read()) for i in range(repeats))
        row[boot] = (startup, wall)
        print(f"{ranks:>5} {boot:>9} {startup * 1e3:>10.1f} {wall * 1e3:>15.0f}")
    print(f"{ranks:>5} {'env/mpi':>9} {row['env'][0] / row['mpi'][0]:>10.3f} {row['env'][1] / row['mpi'][1]:>15.2f}")
PY
