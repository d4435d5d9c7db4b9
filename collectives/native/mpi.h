// MPI_Allreduce as an algorithm, the vendor baseline measured with our timers and formulas.
#pragma once

#include <mpi.h>

#include <memory>

#include "collectives/api/algorithm.h"
#include "collectives/api/communicator.h"

namespace collbench {

// Runs on the MPI communicator of the communicator's ranks (mpiCommOf). supports() is false
// when MPI is not initialised (threads-as-ranks tests) or the count does not fit MPI's int.
std::unique_ptr<Algorithm> makeMpiAllreduce();

// The MPI communicator with the same ranks as `comm`, in the same order: MPI_COMM_WORLD when
// comm spans it, else one made (collectively over those ranks only) the first time and kept
// until MPI_Finalize. Assumes the root transport's ranks are MPI_COMM_WORLD's, as the harness
// makes them. Main thread only.
MPI_Comm mpiCommOf(const Communicator& comm);

}  // namespace collbench
