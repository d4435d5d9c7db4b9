#include "collectives/api/communicator.h"

#include <algorithm>

#include "collectives/api/algorithm.h"

namespace collbench {

Communicator::Communicator(Transport& transport, CommOptions options)
    : transport_(transport), options_(options) {}

MemoryRegion& Communicator::region(const void* ptr, std::size_t bytes) {
  for (auto& r : regions_) {
    if (r->contains(ptr, bytes)) return *r;
  }
  regions_.push_back(transport_.registerMemory(const_cast<void*>(ptr), bytes, MemoryKind::kHost));
  return *regions_.back();
}

void Communicator::releaseRegions() { regions_.clear(); }

MemoryRegion& Communicator::scratch(std::size_t bytes) {
  if (!scratch_region_ || scratch_memory_.size() < bytes) {
    scratch_region_.reset();
    scratch_memory_.assign(std::max<std::size_t>(bytes, 1), std::byte{0});
    scratch_region_ = transport_.registerMemory(scratch_memory_.data(), scratch_memory_.size(),
                                                MemoryKind::kHost);
  }
  return *scratch_region_;
}

void Communicator::barrier() {
  const int n = size(), me = rank();
  if (n == 1) return;
  const Tag tag = nextTagBase() | 0xFFFF;
  MemoryRegion& token = scratch(1);
  for (int distance = 1; distance < n; distance <<= 1) {
    Request reqs[2] = {
        transport_.postRecv((me - distance % n + n) % n, tag, token, 0, 0),
        transport_.postSend((me + distance) % n, tag, token, 0, 0),
    };
    transport_.wait(reqs, 2, deadline());
  }
}

}  // namespace collbench
