// The bootstrap a launch runs on (--bootstrap): MPI, or a TCP rendezvous configured from the
// launcher's environment (harness/env_bootstrap.h). Besides Bootstrap's services it knows the
// launch as a whole: which ranks share a host, the --ranks stages, and how to end the job.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "harness/options.h"
#include "transports/api/bootstrap.h"

namespace collbench {

class JobBootstrap : public Bootstrap {
 public:
  // "mpi" or "env", and one line saying how the ranks met ("rendezvous at node1:29500").
  virtual std::string kind() const = 0;
  virtual std::string detail() const = 0;
  // Ranks on this host and this rank's index among them.
  virtual int localSize() const = 0;
  virtual int localRank() const = 0;
  // Equal exactly on ranks that share a host (see gatherHostIds).
  virtual std::string hostKey() const = 0;
  // Collective over every rank: a bootstrap over ranks 0 .. k-1 on those ranks, in that order,
  // and nullptr on the others. Used for the --ranks stages.
  virtual std::unique_ptr<Bootstrap> firstRanks(int k) = 0;
  // Collective: the largest of every rank's `mine`, waited for without spinning (ranks outside
  // a stage wait here for the whole stage and must leave the cores to it).
  virtual std::uint64_t maxOverRanks(std::uint64_t mine) = 0;
  // Ends the job from this rank with exit status `code`, taking the other ranks down where the
  // launcher can (MPI_Abort); otherwise they see this rank's connections close.
  [[noreturn]] virtual void abort(int code) = 0;
};

// Starts the bootstrap Options::bootstrap names, waiting at most options.comm.timeout for every
// rank. Throws UsageError for a configuration error (exit 2), std::runtime_error when ranks
// never meet, naming them (exit 1).
std::unique_ptr<JobBootstrap> startMpiBootstrap(const Options& options, int& argc, char**& argv);
std::unique_ptr<JobBootstrap> startEnvBootstrap(const Options& options);

// MPI's library version (first line), or why there is none ("none: built without MPI").
std::string mpiLibraryVersion();
// Whether this build has MPI (COLLBENCH_WITH_MPI).
bool mpiBuiltIn();

}  // namespace collbench
