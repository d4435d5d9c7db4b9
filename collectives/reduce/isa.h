// Which build of the CPU reduction kernels runs. reduce() and finishAverage() pick the best
// one this CPU supports, once per process; COLLBENCH_REDUCE_ISA=generic forces the portable
// build (to compare, or to rule the vector code out). Tests and micro-benchmarks call a given
// build directly to check that every build gives the same bits.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "collectives/api/types.h"

namespace collbench {

enum class ReduceIsa {
  kGeneric,  // the baseline target (x86-64: SSE2), auto-vectorised
  kAvx2,     // AVX2 + F16C: 256-bit loops, hardware float16 conversion
};

const char* reduceIsaName(ReduceIsa isa);

// The builds compiled in and supported by this CPU, kGeneric first.
std::vector<ReduceIsa> supportedReduceIsas();

// The supported build called `name`; anything else throws std::invalid_argument naming the
// choices.
ReduceIsa parseReduceIsa(const std::string& name);

// The build reduce() uses: the last of supportedReduceIsas() unless COLLBENCH_REDUCE_ISA names
// another. An unknown or unsupported name throws std::invalid_argument naming the choices.
ReduceIsa activeReduceIsa();

void reduceWithIsa(ReduceIsa isa, DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                   std::size_t count);
void finishAverageWithIsa(ReduceIsa isa, DataType t, void* buf, std::size_t count, int ranks);

}  // namespace collbench
