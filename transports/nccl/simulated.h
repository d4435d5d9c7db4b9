// NCCL's point-to-point semantics simulated on the CPU, for tests of NcclTransport and of the
// algorithms over it without a GPU. Ranks are threads of one process sharing a fabric; each
// rank has one "stream" on which its groups run one after another. The n-th send from A to B
// on a lane pairs with the n-th receive on B from A on that lane, and moves its bytes only when
// the groups holding both are at the heads of their streams, as NCCL's kernels would be, so an
// ordering that would deadlock or mismatch on NCCL does so here too. A size mismatch fails
// both operations (NCCL itself would hang or corrupt). Memory is host memory.
#pragma once

#include <memory>

#include "transports/nccl/transport.h"

namespace collbench {

class SimulatedNcclFabric;

// The fabric for `ranks` ranks with `lanes` lanes each.
std::shared_ptr<SimulatedNcclFabric> makeSimulatedNcclFabric(int ranks, int lanes = kNcclLanes);

// Rank `rank`'s backend over `fabric`.
std::unique_ptr<NcclBackend> makeSimulatedNcclBackend(std::shared_ptr<SimulatedNcclFabric> fabric,
                                                      int rank);

}  // namespace collbench
