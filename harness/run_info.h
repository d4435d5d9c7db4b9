// Facts about the build and the run: --version text, and the run object of result files.
#pragma once

#include <map>
#include <string>

#include "harness/job_bootstrap.h"
#include "harness/options.h"
#include "results/measurement.h"

namespace collbench {

std::string versionText();
// Collective over boot.
RunInfo collectRunInfo(const Options& options, JobBootstrap& boot, const std::vector<int>& host_ids,
                       int argc, char** argv);
// Environment variables that change how the run behaves (FI_*, NCCL_*, OMPI_*, ...).
std::map<std::string, std::string> relevantEnvironment();

}  // namespace collbench
