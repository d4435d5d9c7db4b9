// CPU reduction kernels: element-wise dst = a op b for every dtype and op. The loops are in
// kernels.h, built for the baseline target and, on x86-64, for AVX2 + F16C; the best build the
// CPU supports runs (collectives/reduce/isa.h). float16 and bfloat16 are widened to float in
// registers, with no temporary array.
#pragma once

#include <cstddef>

#include "collectives/api/communicator.h"
#include "collectives/api/memory_ops.h"
#include "collectives/api/types.h"

namespace collbench {

// dst[i] = a[i] op b[i] for i < count. dst may be the same pointer as a or b (not a partial
// overlap). kAvg reduces as a sum; finishAverage() divides once at the end. Integer sum and
// prod wrap modulo 2^bits (computed unsigned, so there is no undefined overflow).
void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b, std::size_t count);

// buf[i] /= ranks. Integers divide with truncation toward zero.
void finishAverage(DataType t, void* buf, std::size_t count, int ranks);

// Host memory: the kernels above, memcpy and new[].
const MemoryOps& hostMemoryOps();

// The operations for the memory comm's buffers live in (CommOptions::memory, else host).
const MemoryOps& memoryOps(const Communicator& comm);

}  // namespace collbench
