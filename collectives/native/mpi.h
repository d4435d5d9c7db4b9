// MPI's collectives as algorithms, the vendor baselines measured with our timers and formulas.
#pragma once

#include <mpi.h>

#include <memory>
#include <vector>

#include "collectives/api/algorithm.h"
#include "collectives/api/communicator.h"

namespace collbench {

// The MPI baseline of every collective MPI has (all but pingpong), each named "mpi". They run
// on the MPI communicator of the communicator's ranks (mpiCommOf). supports() is false when
// MPI is not initialised (threads-as-ranks tests) or a count does not fit MPI's int.
std::vector<std::unique_ptr<Algorithm>> makeMpiCollectives();

// The MPI communicator with the same ranks as `comm`, in the same order: MPI_COMM_WORLD when
// comm spans it, else one made (collectively over those ranks only) the first time and kept
// until MPI_Finalize. Assumes the root transport's ranks are MPI_COMM_WORLD's, as the harness
// makes them. Main thread only.
MPI_Comm mpiCommOf(const Communicator& comm);

}  // namespace collbench
