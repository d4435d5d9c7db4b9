// NCCL's own all-reduce (ncclAllReduce) as algorithms, the GPU vendor baseline measured with our
// timers, sizes, check and formulas: `nccl` lets NCCL choose; `nccl-ring` and `nccl-tree` force
// its algorithm (NCCL_ALGO=Ring / Tree while their communicator is made), so that a report can
// separate the algorithm from the fabric. Built only with NCCL.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

// forced_algo: "" (NCCL chooses), "Ring" or "Tree". Runs on CUDA buffers only, on a
// communicator of its own over comm's ranks (its unique id shared through comm.bootstrap() the
// first time, kept until exit); supports() is false with host memory or without a bootstrap.
// NCCL's own collectives on device buffers, one per collective NCCL has (named "nccl"), plus
// the all-reduce with NCCL_ALGO forced to Ring and to Tree ("nccl-ring", "nccl-tree").
std::vector<std::unique_ptr<Algorithm>> makeNcclCollectives();

}  // namespace collbench
