// A group of ranks as an algorithm sees it: a transport, its rank and size, tuning options, a
// cache of memory registrations, scratch space and a tag sequence.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transports/api/errors.h"
#include "transports/api/transport.h"

namespace collbench {

struct CommOptions {
  std::size_t segment_bytes = std::size_t{256} << 10;  // pipelining unit of ring and tree
  int segments_in_flight = 4;  // receives posted ahead of the one being reduced
  std::chrono::milliseconds timeout{300000};
};

class Communicator {
 public:
  Communicator(Transport& transport, CommOptions options);

  Transport& transport() { return transport_; }
  const Transport& transport() const { return transport_; }
  int rank() const { return transport_.rank(); }
  int size() const { return transport_.size(); }
  const CommOptions& options() const { return options_; }

  // Region covering [ptr, ptr + bytes): a cached registration or a new one. Registration is
  // done once per buffer; releaseRegions() drops them (the harness calls it when it frees
  // its buffers).
  MemoryRegion& region(const void* ptr, std::size_t bytes);
  void releaseRegions();

  // Registered scratch space of at least `bytes` bytes, kept between calls.
  MemoryRegion& scratch(std::size_t bytes);

  // A fresh tag base for one collective call; every rank must make the same calls in the
  // same order. The low 16 bits are free for the algorithm's channels. Calling it tells the
  // transport that the tags of earlier calls are done with.
  Tag nextTagBase() {
    transport_.releaseTagsBelow((call_seq_ + 1) << 16);
    return (++call_seq_) << 16;
  }

  Deadline deadline() const { return Clock::now() + options_.timeout; }

  // Blocks until every rank has entered it: a dissemination barrier (log2(n) rounds of
  // zero-byte messages) over the transport, so that a rank that never arrives is named by
  // the TimeoutError or PeerError it causes. Collective.
  void barrier();

 private:
  Transport& transport_;
  CommOptions options_;
  std::vector<std::unique_ptr<MemoryRegion>> regions_;
  std::vector<std::byte> scratch_memory_;
  std::unique_ptr<MemoryRegion> scratch_region_;
  std::uint64_t call_seq_ = 0;
};

// Runs `wait`; a TimeoutError or PeerError from it is thrown again with " in " + where()
// appended, so that the message says where in the algorithm the rank was ("ring reduce-scatter
// step 2 of 3, segment 0"). where() runs only on failure: nothing is built on the fast path.
template <typename Wait, typename Where>
void waitAt(Wait&& wait, Where&& where) {
  try {
    wait();
  } catch (const TimeoutError& e) {
    throw TimeoutError(std::string(e.what()) + " in " + where(), e.peer(), e.tag());
  } catch (const PeerError& e) {
    throw PeerError(std::string(e.what()) + " in " + where(), e.peer());
  }
}

}  // namespace collbench
