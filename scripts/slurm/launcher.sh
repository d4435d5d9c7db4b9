# Sourced by the job files in scripts/slurm/: sets the array `launch` to the command that
# starts one collbench rank per task of the allocation.
#   COLLBENCH_LAUNCHER=srun     srun --mpi=pmix: Slurm starts the ranks itself and Open MPI
#                               wires up through Slurm's PMIx plugin (needs Slurm built with
#                               PMIx: `srun --mpi=list` lists pmix)
#   COLLBENCH_LAUNCHER=mpirun   mpirun inside the allocation: Open MPI reads the allocation
#                               from Slurm and starts its daemons with srun
#   COLLBENCH_LAUNCHER=srun-env srun --mpi=none: no MPI at all; the ranks meet through
#                               collbench's env bootstrap (SLURM_PROCID, SLURM_NTASKS,
#                               SLURM_LAUNCH_NODE_IPADDR; docs/LAUNCH.md), as a build with
#                               COLLBENCH_WITH_MPI=OFF must
#   COLLBENCH_LAUNCHER=auto     (default) srun where Slurm has PMIx, else mpirun
launcher=${COLLBENCH_LAUNCHER:-auto}
if [ "$launcher" = auto ]; then
  if srun --mpi=list 2>&1 | grep -qw 'pmix'; then launcher=srun; else launcher=mpirun; fi
fi
case $launcher in
  srun) launch=(srun --mpi=pmix) ;;
  srun-env) launch=(srun --mpi=none) ;;
  mpirun)
    launch=(mpirun -np "${SLURM_NTASKS:?mpirun needs an allocation: SLURM_NTASKS is unset}")
    [ "$(id -u)" -ne 0 ] || launch+=(--allow-run-as-root)
    ;;
  *)
    echo "collbench: COLLBENCH_LAUNCHER must be srun, srun-env, mpirun or auto, not '$launcher'" >&2
    exit 2
    ;;
esac
echo "collbench: launching with: ${launch[*]}"
