// Facts about the build and the run: --version text, and the run object of result files.
#pragma once

#include <map>
#include <string>

#include "harness/mpi_bootstrap.h"
#include "harness/options.h"
#include "results/measurement.h"

namespace collbench {

std::string versionText();
std::string mpiLibraryVersion();  // first line of MPI_Get_library_version
// Collective over boot.
RunInfo collectRunInfo(const Options& options, MpiBootstrap& boot, const std::vector<int>& host_ids,
                       int argc, char** argv);
// Environment variables that change how the run behaves (FI_*, NCCL_*, OMPI_*, ...).
std::map<std::string, std::string> relevantEnvironment();

}  // namespace collbench
