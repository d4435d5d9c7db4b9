#include "collectives/api/communicator.h"

#include <algorithm>

#include "collectives/api/algorithm.h"

namespace collbench {

Communicator::Communicator(Transport& transport, CommOptions options, std::uint64_t first_call)
    : transport_(transport), options_(options), call_seq_(first_call) {}

int Communicator::hostCount() const {
  std::vector<int> seen(hosts_);
  std::sort(seen.begin(), seen.end());
  return hosts_.empty() ? 1
                        : static_cast<int>(std::unique(seen.begin(), seen.end()) - seen.begin());
}

std::vector<int> Communicator::rootRanks() const {
  if (!root_ranks_.empty()) return root_ranks_;
  std::vector<int> all(static_cast<std::size_t>(size()));
  for (int r = 0; r < size(); ++r) all[static_cast<std::size_t>(r)] = r;
  return all;
}

MemoryRegion& Communicator::region(const void* ptr, std::size_t bytes) {
  if (parent_) return parent_->region(ptr, bytes);
  for (auto& r : regions_) {
    if (r->contains(ptr, bytes)) return *r;
  }
  regions_.push_back(transport_.registerMemory(const_cast<void*>(ptr), bytes, memoryKind()));
  return *regions_.back();
}

void Communicator::releaseRegions() {
  if (parent_) return parent_->releaseRegions();
  regions_.clear();
}

MemoryRegion& Communicator::area(int which, std::size_t bytes) {
  if (parent_) return parent_->area(which, bytes);
  Area& a = areas_[which];
  if (!a.region || a.bytes < bytes) {
    a.region.reset();
    a.bytes = std::max<std::size_t>(bytes, 1);
    if (options_.memory) {
      a.memory = options_.memory->allocate(a.bytes);
    } else {
      a.memory =
          std::shared_ptr<std::byte>(new std::byte[a.bytes](), std::default_delete<std::byte[]>());
    }
    a.region = transport_.registerMemory(a.memory.get(), a.bytes, memoryKind());
  }
  return *a.region;
}

void Communicator::barrier() {
  const int n = size(), me = rank();
  if (n == 1) return;
  const Tag tag = withChannel(nextTagBase(), TagLayout::kBarrierChannel);
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

namespace collbench {

Subgroup::Subgroup(Communicator& parent, std::vector<int> members, SubgroupTags tags,
                   std::uint64_t first_call)
    : transport_(parent.transport(), std::move(members), tags),
      comm_(transport_, parent.options(), first_call) {
  comm_.parent_ = &parent;
  const std::vector<int> parent_roots = parent.rootRanks();
  for (int m : transport_.members()) comm_.root_ranks_.push_back(parent_roots[m]);
  if (parent.hosts().empty()) return;
  std::vector<int> hosts;
  for (int m : transport_.members()) hosts.push_back(parent.hostOf(m));
  comm_.setHosts(std::move(hosts));
}

}  // namespace collbench
