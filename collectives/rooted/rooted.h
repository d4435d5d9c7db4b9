// Our broadcast and reduce algorithms, written once against the Transport interface.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

std::unique_ptr<Algorithm> makeChainBroadcast();
std::unique_ptr<Algorithm> makeTreeBroadcast();
std::unique_ptr<Algorithm> makeChainReduce();
std::unique_ptr<Algorithm> makeTreeReduce();

}  // namespace collbench
