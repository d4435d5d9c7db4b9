// Point-to-point benchmarks, written against the Transport interface like the collectives.
#pragma once

#include <memory>

#include "collectives/api/algorithm.h"

namespace collbench {

std::unique_ptr<Algorithm> makePingpong();
std::unique_ptr<Algorithm> makeRingSendrecv();

}  // namespace collbench
