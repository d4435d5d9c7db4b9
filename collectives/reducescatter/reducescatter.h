// Our reduce-scatter algorithms, written once against the Transport interface.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

std::unique_ptr<Algorithm> makeRingReduceScatter();

}  // namespace collbench
