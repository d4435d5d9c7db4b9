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

// Whether an MPI launcher started this process (mpirun, mpiexec, srun with PMI or PMIx).
bool mpiLaunched(const EnvLookup& env = {});

// The bootstrap --bootstrap REQUESTED means here: "mpi" or "env" as given; for "auto", MPI when
// an MPI launcher started the job (and MPI is built in), else the environment when it names
// ranks (RANK and WORLD_SIZE, or SLURM_PROCID), else MPI when built in (a single process).
std::string resolveBootstrap(const std::string& requested, bool mpi_built,
                             const EnvLookup& env = {});

}  // namespace collbench
