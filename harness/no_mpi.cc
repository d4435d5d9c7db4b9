// The MPI bootstrap's entry points in a build without MPI (COLLBENCH_WITH_MPI=OFF).
#include "harness/job_bootstrap.h"

namespace collbench {

std::unique_ptr<JobBootstrap> startMpiBootstrap(const Options&, int&, char**&) {
  throw UsageError("--bootstrap mpi: collbench was built without MPI (COLLBENCH_WITH_MPI=OFF)");
}

std::string mpiLibraryVersion() { return "none (built without MPI: COLLBENCH_WITH_MPI=OFF)"; }

bool mpiBuiltIn() { return false; }

}  // namespace collbench
