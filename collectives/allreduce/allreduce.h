// Our all-reduce algorithms, written once against the Transport interface.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

std::unique_ptr<Algorithm> makeRingAllreduce();
std::unique_ptr<Algorithm> makeTreeAllreduce();

// Shared by the algorithms: the answer for one rank (or zero elements) without any traffic.
// Returns true when it handled the call.
bool allreduceTrivially(const Communicator& comm, const CollArgs& args);

}  // namespace collbench
