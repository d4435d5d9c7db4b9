// Gloo's all-reduce (ring and bcube, over Gloo's own TCP transport) as algorithms, the baseline
// PyTorch's CPU collectives use, measured with our timers, correctness check and formulas.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

enum class GlooAlgorithm { kRing, kBcube };

// Runs on MPI_COMM_WORLD (Gloo's rendezvous is carried by MPI), whose ranks must be the
// communicator's ranks. Gloo opens its own TCP connections on first use, during the
// correctness pass, on the address of this host's name or of the interface named by
// GLOO_SOCKET_IFNAME (the variable PyTorch uses). Elements are reduced by our kernels, so the
// comparison is of algorithm and transport, not of reduction code.
std::unique_ptr<Algorithm> makeGlooAllreduce(GlooAlgorithm which);

}  // namespace collbench
