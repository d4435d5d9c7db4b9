// Rank arithmetic of the ring: neighbours, the chunk each rank owns, and which chunk moves at
// each step of reduce-scatter and all-gather. Pure functions, no transport.
#pragma once

#include <cstddef>

namespace collbench {

struct Range {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool empty() const { return end == begin; }
};

inline int ringNext(int rank, int size) { return (rank + 1) % size; }
inline int ringPrev(int rank, int size) { return (rank + size - 1) % size; }
inline int mod(int x, int n) { return ((x % n) + n) % n; }

// Chunk c of `count` elements split `parts` ways as evenly as possible (sizes differ by at
// most one; the first count % parts chunks get the extra element).
inline Range evenChunk(std::size_t count, int parts, int c) {
  const std::size_t base = count / parts, extra = count % parts;
  const std::size_t uc = static_cast<std::size_t>(c);
  const std::size_t begin = uc * base + (uc < extra ? uc : extra);
  return {begin, begin + base + (uc < extra ? 1 : 0)};
}

// Which chunk each rank owns: rank r owns chunk r + shift (mod size) when reduce-scatter ends
// and all-gather starts. The all-reduce ring uses kAllreduceRingShift (its reduce-scatter
// starts by sending chunk r, so chunk r + 1 is the one that completes at rank r); all-gather
// and reduce-scatter on their own use shift 0, so that rank r's block is chunk r, as
// nccl-tests lays the buffers out.
constexpr int kAllreduceRingShift = 1;
inline int ringOwnedChunk(int rank, int size, int shift) { return mod(rank + shift, size); }

// Reduce-scatter step s (0 .. size-2): the chunk this rank sends to its next neighbour and the
// chunk it receives from its previous one and reduces. After the last step, this rank holds
// the fully reduced chunk ringOwnedChunk().
inline int ringReduceScatterSendChunk(int rank, int size, int step, int shift) {
  return mod(rank + shift - 1 - step, size);
}
inline int ringReduceScatterRecvChunk(int rank, int size, int step, int shift) {
  return mod(rank + shift - 2 - step, size);
}

// All-gather step s (0 .. size-2): the chunk sent (already final) and the chunk received.
inline int ringAllGatherSendChunk(int rank, int size, int step, int shift) {
  return mod(rank + shift - step, size);
}
inline int ringAllGatherRecvChunk(int rank, int size, int step, int shift) {
  return mod(rank + shift - 1 - step, size);
}

// Segment j of `range`, segments of `seg` elements (the last one may be shorter or empty).
inline Range segmentOf(Range range, std::size_t seg, std::size_t j) {
  const std::size_t begin = range.begin + j * seg;
  if (begin >= range.end) return {range.end, range.end};
  return {begin, begin + seg < range.end ? begin + seg : range.end};
}

inline std::size_t segmentCount(std::size_t elements, std::size_t seg) {
  return (elements + seg - 1) / seg;
}

}  // namespace collbench
