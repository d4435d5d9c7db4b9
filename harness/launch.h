// How this process was started: the launcher (mpirun, srun, ...) and, under Slurm, the job,
// step and node list. Read from the environment the launcher leaves, so it also works before
// MPI_Init (for --version).
#pragma once

#include <functional>
#include <string>

#include "results/measurement.h"

namespace collbench {

using EnvLookup = std::function<const char*(const char*)>;

// `env` defaults to std::getenv; tests pass their own.
LaunchInfo detectLaunch(const EnvLookup& env = {});

}  // namespace collbench
