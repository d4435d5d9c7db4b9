// Gloo's collectives (over Gloo's own TCP transport) as algorithms, the baseline PyTorch's CPU
// collectives use, measured with our timers, correctness check and formulas.
#pragma once

#include <memory>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

// The all-reduce as gloo-ring and gloo-bcube, and Gloo's allgather, broadcast, reduce and
// alltoall as "gloo" (Gloo has no reduce-scatter of nccl-tests' shape and no sendrecv
// collective). Gloo's rendezvous goes through the communicator's bootstrap (comm.bootstrap(),
// MPI or the env rendezvous), so they run without MPI too. Gloo opens its own TCP connections on
// first use, during the correctness pass, on the address of this host's name or of the interface
// named by GLOO_SOCKET_IFNAME (the variable PyTorch uses). Elements are reduced by our kernels, so
// the comparison is of algorithm and transport, not of reduction code.
std::vector<std::unique_ptr<Algorithm>> makeGlooCollectives();

}  // namespace collbench
