// MPI_Allreduce as an algorithm, the vendor baseline measured with our timers and formulas.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

// Runs on MPI_COMM_WORLD, whose ranks must be the communicator's ranks in the same order.
// supports() is false when MPI is not initialised (threads-as-ranks tests) or the count does
// not fit MPI's int.
std::unique_ptr<Algorithm> makeMpiAllreduce();

}  // namespace collbench
