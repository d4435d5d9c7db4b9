#include "harness/launch.h"

#include <cstdlib>

namespace collbench {
namespace {

std::string value(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? v : "";
}

bool anySet(const EnvLookup& env, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (env(n)) return true;
  }
  return false;
}

// mpirun is checked first: inside a Slurm allocation it starts its daemons with srun, so its
// ranks may inherit a Slurm step of their own.
std::string launcherName(const EnvLookup& env) {
  if (anySet(env, {"OMPI_MCA_orte_hnp_uri", "OMPI_MCA_orte_launch", "PRTE_LAUNCHED"}))
    return "mpirun (Open MPI)";
  if (anySet(env, {"SLURM_STEP_ID", "SLURM_STEPID"}) && env("SLURM_PROCID")) {
    const std::string mpi = value(env, "SLURM_MPI_TYPE");
    return mpi.empty() ? "srun" : "srun --mpi=" + mpi;
  }
  if (anySet(env, {"PMI_FD", "HYDI_CONTROL_FD"})) return "mpiexec (Hydra)";
  if (anySet(env, {"PMIX_RANK", "PMI_RANK"})) return "a PMI launcher";
  return "none (a single process)";
}

}  // namespace

LaunchInfo detectLaunch(const EnvLookup& lookup) {
  const EnvLookup env =
      lookup ? lookup : [](const char* n) -> const char* { return std::getenv(n); };
  LaunchInfo l;
  l.launcher = launcherName(env);
  l.slurm_job_id = value(env, "SLURM_JOB_ID");
  if (l.slurm_job_id.empty()) return l;
  l.slurm_step_id = value(env, "SLURM_STEP_ID");
  if (l.slurm_step_id.empty()) l.slurm_step_id = value(env, "SLURM_STEPID");
  l.slurm_nodelist = value(env, "SLURM_JOB_NODELIST");
  if (l.slurm_nodelist.empty()) l.slurm_nodelist = value(env, "SLURM_NODELIST");
  return l;
}

}  // namespace collbench
