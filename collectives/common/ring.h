// The ring's two halves as building blocks, shared by the ring all-reduce, the ring all-gather,
// the ring reduce-scatter and hier. Both run around 0 -> 1 -> ... -> n-1 -> 0 over a buffer of
// `count` elements cut into n chunks (evenChunk), each chunk travelling in segments with
// receives posted `segments_in_flight` ahead, so that sending segment j overlaps receiving and
// reducing the next ones.
#pragma once

#include <cstddef>

#include "collectives/api/algorithm.h"

namespace collbench {

struct RingBuffers {
  const void* in = nullptr;  // reduce-scatter's input (count elements); may equal out
  void* out = nullptr;       // where chunks are reduced and gathered (count elements)
  std::size_t count = 0;
  DataType dtype = DataType::kFloat32;
  ReduceOp op = ReduceOp::kSum;
  int shift = 0;  // rank r owns chunk r + shift (patterns/ring.h)
};

// n-1 steps; afterwards chunk ringOwnedChunk(rank, n, shift) of out holds the reduction over
// every rank (an average already divided by n). Other chunks of out hold partial sums.
// Collective; blocks until this rank's part is done.
void ringReduceScatterPhase(Communicator& comm, const RingBuffers& b);

// n-1 steps; chunk ringOwnedChunk(rank, n, shift) of out must be final on entry; afterwards
// every chunk is. `in` is not read. Collective.
void ringAllGatherPhase(Communicator& comm, const RingBuffers& b);

}  // namespace collbench
