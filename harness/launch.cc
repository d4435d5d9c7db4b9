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
  if (env("TORCHELASTIC_RUN_ID")) return "torchrun";
  if (env("RANK") && env("WORLD_SIZE")) return "environment (RANK, WORLD_SIZE)";
  return "none (a single process)";
}

EnvLookup orGetenv(const EnvLookup& lookup) {
  if (lookup) return lookup;
  return [](const char* n) -> const char* { return std::getenv(n); };
}

}  // namespace

bool mpiLaunched(const EnvLookup& lookup) {
  const EnvLookup env = orGetenv(lookup);
  return anySet(env, {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "PMI_FD",
                      "HYDI_CONTROL_FD", "MPI_LOCALNRANKS"});
}

std::string resolveBootstrap(const std::string& requested, bool mpi_built,
                             const EnvLookup& lookup) {
  const EnvLookup env = orGetenv(lookup);
  if (requested == "mpi" || requested == "env") return requested;
  if (mpi_built && mpiLaunched(env)) return "mpi";
  if ((env("RANK") && env("WORLD_SIZE")) || env("SLURM_PROCID")) return "env";
  return mpi_built ? "mpi" : "env";
}

LaunchInfo detectLaunch(const EnvLookup& lookup) {
  const EnvLookup env = orGetenv(lookup);
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
