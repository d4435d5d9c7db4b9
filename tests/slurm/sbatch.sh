#!/usr/bin/env bash
# usage: sbatch.sh ROOT COLLBENCH VALIDATOR SCHEMA
# Starts a one-node Slurm cluster (scripts/slurm/local-cluster.sh), submits
# scripts/slurm/collbench.sbatch with sbatch, one job after another: 1 task with the launcher chosen for it
# (auto: srun --mpi=pmix here), 2 tasks under srun --mpi=pmix, 2 tasks under mpirun inside
# the allocation, and 2 tasks under srun --mpi=none with no MPI (the env bootstrap); then validates each job's result file: every element checked and correct,
# every algorithm present, the run complete, launched as asked, under that job's id. Exits 77 (skipped) when the cluster cannot start here.
set -euo pipefail
root=$1 collbench=$2 validator=$3 schema=$4
dir=$(mktemp -d /tmp/collbench-slurm.XXXXXX)
cleanup() {
  "$root/scripts/slurm/local-cluster.sh" down "$dir/cluster" || true
  rm -rf "$dir"
}
trap cleanup EXIT
status=0
"$root/scripts/slurm/local-cluster.sh" up "$dir/cluster" || status=$?
if [ "$status" -eq 77 ]; then
  echo "sbatch.sh: skipped: no Slurm cluster can run here (reason above)"
  exit 77
fi
[ "$status" -eq 0 ] || exit "$status"
export SLURM_CONF=$dir/cluster/slurm.conf
mkdir -p "$dir/jobs"
cd "$dir/jobs"

# finished JOB: waits for the job to end, polling every 0.2 s (sbatch --wait polls at 2 s and
# more, which was half of this test's time); succeeds when it completed with exit code 0.
finished() {
  local state=""
  for _ in $(seq 600); do
    state=$(scontrol show job -o "$1" | grep -o 'JobState=[A-Z_]* .*ExitCode=[0-9:]*' || true)
    case $state in
      JobState=COMPLETED*ExitCode=0:0) return 0 ;;
      JobState=PENDING* | JobState=CONFIGURING* | JobState=RUNNING* | JobState=COMPLETING*) sleep 0.2 ;;
      *) break ;;
    esac
  done
  echo "sbatch.sh: job $1 did not complete: ${state:-no state}" >&2
  return 1
}

# submit TASKS LAUNCHER EXPECTED_LAUNCHER ALGOS: one job, then its result file checked.
submit() {
  local tasks=$1 launcher=$2 expected=$3 algos=$4 bootstrap=${5:-mpi} job
  job=$(COLLBENCH_ROOT=$root COLLBENCH_BIN=$collbench COLLBENCH_LAUNCHER=$launcher \
    sbatch --parsable --nodes=1 --ntasks="$tasks" --ntasks-per-node="$tasks" --time=5 \
    "$root/scripts/slurm/collbench.sbatch" -b 8 -e 64K -f 8 -n 5 -w 1 --algo "$algos")
  job=${job%%;*}
  finished "$job" || {
    echo "sbatch.sh: the $launcher job with $tasks task(s) failed; its output:" >&2
    cat "collbench-$job.out" >&2
    return 1
  }
  echo "sbatch.sh: job $job ($tasks task(s), $launcher) done:"
  cat "collbench-$job.out"
  "$validator" "$schema" "collbench-$job.json" --ranks "$tasks" --algos "$algos" --checked \
    --state complete --sizes 5 --launcher "$expected" --slurm-job "$job" --bootstrap "$bootstrap"
}

submit 1 auto "srun --mpi=pmix" ring,tree,mpi
submit 2 srun "srun --mpi=pmix" ring,tree,recursive-doubling,mpi
submit 2 mpirun "mpirun (Open MPI)" ring,tree,mpi
# No MPI: srun starts the ranks and they meet through the env bootstrap.
submit 2 srun-env "srun" ring,tree,recursive-doubling env
echo "sbatch.sh: ok"
