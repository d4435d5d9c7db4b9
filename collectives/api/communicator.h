// A group of ranks as an algorithm sees it: a transport, its rank and size, tuning options, a
// cache of memory registrations, scratch space and a tag sequence.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collectives/api/memory_ops.h"
#include "transports/api/bootstrap.h"
#include "transports/api/errors.h"
#include "transports/api/subgroup.h"
#include "transports/api/tag.h"
#include "transports/api/transport.h"

namespace collbench {

// One buffer inside a registered region: algorithms post against `region` at `base` + offset.
// (A buffer handed to a collective may lie inside a larger registration, as the pieces of a
// hierarchical all-reduce do.)
struct RegisteredBuffer {
  MemoryRegion& region;
  std::size_t base;  // bytes from region.data() to the buffer
  std::byte* data() const { return region.data() + base; }
};

struct CommOptions {
  std::size_t segment_bytes = std::size_t{256} << 10;  // pipelining unit of ring and tree
  int segments_in_flight = 4;  // receives posted ahead of the one being reduced
  std::chrono::milliseconds timeout{300000};
  // The memory the buffers of every call live in, and how to copy and reduce it; null means
  // host memory and the CPU kernels. Not owned; outlives the communicator.
  const MemoryOps* memory = nullptr;
  int peers_in_flight = 1;  // pairwise alltoall: rounds of exchanges posted at once
};

class Communicator {
 public:
  // `first_call`: the call number to continue from, so that the tags of a group made for a
  // later stage of a sweep stay above every tag used before (see SubgroupTags::kShared).
  Communicator(Transport& transport, CommOptions options, std::uint64_t first_call = 0);

  Transport& transport() { return transport_; }
  const Transport& transport() const { return transport_; }
  int rank() const { return transport_.rank(); }
  int size() const { return transport_.size(); }
  const CommOptions& options() const { return options_; }
  MemoryKind memoryKind() const {
    return options_.memory ? options_.memory->kind() : MemoryKind::kHost;
  }

  // Region covering [ptr, ptr + bytes): a cached registration or a new one. Registration is
  // done once per buffer; releaseRegions() drops them (the harness calls it when it frees
  // its buffers). A subgroup's communicator uses its parent's cache.
  MemoryRegion& region(const void* ptr, std::size_t bytes);
  RegisteredBuffer buffer(const void* ptr, std::size_t bytes) {
    MemoryRegion& r = region(ptr, bytes);
    return {r, static_cast<std::size_t>(static_cast<const std::byte*>(ptr) - r.data())};
  }
  void releaseRegions();

  // Registered scratch space of at least `bytes` bytes, kept between calls (the parent's, for
  // a subgroup: one collective at a time uses it). For receive slots and small staging.
  MemoryRegion& scratch(std::size_t bytes) { return area(0, bytes); }
  // A second registered area, apart from scratch(), for a whole buffer's worth of work (the
  // partial sums of an out-of-place reduce-scatter, a copy of an in-place alltoall's input).
  MemoryRegion& workspace(std::size_t bytes) { return area(1, bytes); }

  // The host of each rank, as small integers (equal means same host); empty means one host.
  const std::vector<int>& hosts() const { return hosts_; }
  void setHosts(std::vector<int> hosts) { hosts_ = std::move(hosts); }
  int hostOf(int rank) const { return hosts_.empty() ? 0 : hosts_[static_cast<std::size_t>(rank)]; }
  int hostCount() const;

  // Out-of-band services over exactly this communicator's ranks, in its rank order: what the
  // vendor baselines (Gloo, NCCL) make their own communicators with. Set by the harness on the
  // communicator of a sweep stage; null elsewhere (a vendor baseline then does not run).
  // Not owned.
  Bootstrap* bootstrap() const { return bootstrap_; }
  void setBootstrap(Bootstrap* boot) { bootstrap_ = boot; }

  // Each rank's rank in the transport at the root of the subgroup chain (for a communicator
  // that is no subgroup, 0 .. size-1). Vendor collectives use it to find the same ranks.
  std::vector<int> rootRanks() const;

  // Calls made so far (nextTagBase() and barrier() count).
  std::uint64_t calls() const { return call_seq_; }

  // A fresh tag base for one collective call (transports/api/tag.h); every rank must make the
  // same calls in the same order. Add channels with withChannel(). Calling it tells the
  // transport that the tags of earlier calls are done with. Throws std::overflow_error past
  // the call field's 2^23 calls.
  Tag nextTagBase() {
    const Tag base = callTag(call_seq_ + 1);
    transport_.releaseTagsBelow(base);
    ++call_seq_;
    return base;
  }

  Deadline deadline() const { return Clock::now() + options_.timeout; }

  // Blocks until every rank has entered it: a dissemination barrier (log2(n) rounds of
  // zero-byte messages) over the transport, so that a rank that never arrives is named by
  // the TimeoutError or PeerError it causes. Collective.
  void barrier();

 private:
  friend class Subgroup;
  Transport& transport_;
  CommOptions options_;
  Communicator* parent_ = nullptr;  // for a subgroup: whose regions and scratch to use
  std::vector<int> hosts_;
  Bootstrap* bootstrap_ = nullptr;
  std::vector<int> root_ranks_;  // empty: 0 .. size-1
  std::vector<std::unique_ptr<MemoryRegion>> regions_;
  struct Area {
    std::shared_ptr<std::byte> memory;
    std::size_t bytes = 0;
    std::unique_ptr<MemoryRegion> region;
  };
  MemoryRegion& area(int which, std::size_t bytes);
  Area areas_[2];
  std::uint64_t call_seq_ = 0;
};

// Some ranks of a communicator as a communicator of their own, over a SubgroupTransport: same
// connections, options, registrations and scratch; hosts carried over. Only members construct
// it. Lives no longer than `parent`.
class Subgroup {
 public:
  Subgroup(Communicator& parent, std::vector<int> members, SubgroupTags tags,
           std::uint64_t first_call = 0);
  Communicator& comm() { return comm_; }
  SubgroupTransport& transport() { return transport_; }
  const std::vector<int>& members() const { return transport_.members(); }

 private:
  SubgroupTransport transport_;
  Communicator comm_;
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
