// Our all-reduce algorithms, written once against the Transport interface.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

std::unique_ptr<Algorithm> makeRingAllreduce();
std::unique_ptr<Algorithm> makeTreeAllreduce();
std::unique_ptr<Algorithm> makeRecursiveDoublingAllreduce();
std::unique_ptr<Algorithm> makeHierAllreduce(std::unique_ptr<Algorithm> across_hosts);

// The two halves of the ring, for algorithms built from them. After ringReduceScatter, chunk
// ringOwnedChunk(rank, n, kAllreduceRingShift) of args.recv (chunks as evenChunk(count, n, c))
// holds the reduction over every rank (an average already divided by n); ringAllGather, called with
// the same args, then gives every rank all chunks. Collective.
void ringReduceScatter(Communicator& comm, const CollArgs& args);
void ringAllGather(Communicator& comm, const CollArgs& args);

// Shared by the algorithms: the answer for one rank (or zero elements) without any traffic.
// Returns true when it handled the call.
bool allreduceTrivially(const Communicator& comm, const CollArgs& args);

}  // namespace collbench
