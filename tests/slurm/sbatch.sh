#!/usr/bin/env bash
# usage: sbatch.sh ROOT COLLBENCH VALIDATOR SCHEMA
# Starts a one-node Slurm cluster (scripts/slurm/local-cluster.sh), submits
# scripts/slurm/collbench.sbatch with `sbatch --wait`: 1 task with the launcher chosen for it
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

# submit TASKS LAUNCHER EXPECTED_LAUNCHER ALGOS: one job, then its result file checked.
submit() {
  local tasks=$1 launcher=$2 expected=$3 algos=$4 bootstrap=${5:-mpi} job
  job=$(COLLBENCH_ROOT=$root COLLBENCH_BIN=$collbench COLLBENCH_LAUNCHER=$launcher \
    sbatch --parsable --wait --nodes=1 --ntasks="$tasks" --ntasks-per-node="$tasks" --time=5 \
    "$root/scripts/slurm/collbench.sbatch" -b 8 -e 64K -f 8 -n 5 -w 1 --algo "$algos") || {
    echo "sbatch.sh: the $launcher job with $tasks task(s) failed; its output:" >&2
    cat collbench-*.out >&2
    return 1
  }
  job=${job%%;*}
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
