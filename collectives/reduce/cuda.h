// CUDA memory for the algorithms: device buffers of the calling thread's current device,
// reduction and average kernels with 16-byte vector loads, cudaMemcpy for copies. Built only
// with CUDA (COLLBENCH_HAVE_NCCL); the header has no CUDA types so that plain C++ can call it.
// One device per process: the harness selects it (cudaSetDevice) before the first call.
#pragma once

#include <cstddef>

#include "collectives/api/memory_ops.h"
#include "collectives/api/types.h"

namespace collbench {

// Every call blocks until its work on the device is done. Failures throw std::runtime_error
// with CUDA's error string.
const MemoryOps& cudaMemoryOps();

// Enqueues dst[i] = a[i] op b[i] on `stream` (a cudaStream_t; nullptr is the legacy default
// stream) and returns at once: for micro-benchmarks that time kernels with CUDA events.
void cudaReduceAsync(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                     std::size_t count, void* stream);

// Throws std::runtime_error("<what>: <CUDA's error string>") unless `status` (a cudaError_t)
// is cudaSuccess.
void throwIfCudaFailed(int status, const char* what);

}  // namespace collbench
