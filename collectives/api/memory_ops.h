// What an algorithm does to buffer contents itself, beside moving them: copy, reduce, divide,
// and allocate scratch space. The memory the buffers live in decides how: host memory uses the
// CPU kernels of collectives/reduce, CUDA memory its CUDA kernels. A Communicator carries one
// MemoryOps for all its buffers (CommOptions::memory).
#pragma once

#include <cstddef>
#include <memory>

#include "collectives/api/types.h"
#include "transports/api/memory.h"

namespace collbench {

class MemoryOps {
 public:
  virtual ~MemoryOps() = default;
  virtual MemoryKind kind() const = 0;
  // At least `bytes` bytes of this kind of memory (zero-filled); freed when the last copy of
  // the handle goes.
  virtual std::shared_ptr<std::byte> allocate(std::size_t bytes) const = 0;
  // Copies `bytes` bytes; either side may be this kind of memory or host memory. Blocks until
  // the copy is done.
  virtual void copy(void* dst, const void* src, std::size_t bytes) const = 0;
  // dst[i] = a[i] op b[i], with the semantics of collectives/reduce/reduce.h. Blocks until
  // the result is in dst.
  virtual void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                      std::size_t count) const = 0;
  // buf[i] /= ranks, as finishAverage() in collectives/reduce/reduce.h. Blocks.
  virtual void finishAverage(DataType t, void* buf, std::size_t count, int ranks) const = 0;
};

}  // namespace collbench
