// Some ranks of a transport seen as a group of their own, without new connections: rank i of
// the subgroup is rank members[i] of the parent, and every call goes to the parent with the
// peer translated. Used for rank-count sweeps (the first k ranks of the launch) and inside
// hierarchical collectives (the ranks of one host; one rank per host).
//
// Tags: the parent numbers messages per (peer, tag), so two groups may use the same tag as
// long as every pair of ranks posts in the same order, which sequential collectives do.
//   kShared: tags pass through and releaseTagsBelow() is forwarded. The caller keeps tags
//            increasing across groups (Communicator's first call number), so that a release
//            never drops a counter a rank outside the group still holds.
//   kNested: kNestedTagBit is set on every tag and releases are dropped. For groups made
//            inside one collective call, which start their tags afresh every call: the
//            counters of those few tags are kept for the life of the parent.
// Errors and Request states name the parent's ranks, as the parent made them.
// Threading: as the parent's (one thread drives both).
#pragma once

#include <cstdint>
#include <vector>

#include "transports/api/tag.h"
#include "transports/api/transport.h"

namespace collbench {

enum class SubgroupTags { kShared, kNested };

// See transports/api/tag.h for the layout.
constexpr Tag kNestedTagBit = TagLayout::kNestedTagBit;

class SubgroupTransport : public Transport {
 public:
  // `members`: distinct parent ranks in subgroup order; the calling rank must be one of them
  // (throws TransportError otherwise).
  SubgroupTransport(Transport& parent, std::vector<int> members, SubgroupTags tags);

  const TransportProps& props() const override { return parent_.props(); }
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(members_.size()); }
  const std::vector<int>& members() const { return members_; }

  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override {
    return parent_.registerMemory(data, bytes, kind);
  }
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override {
    parent_.progressUntil(reqs, n, until, deadline);
  }
  void releaseTagsBelow(Tag bound) override;

  // Bytes posted for sending to each subgroup rank since the last reset (for the result
  // file's inter-host traffic).
  const std::vector<std::uint64_t>& sentBytes() const { return sent_; }
  void resetSentBytes();

 private:
  Tag wireTag(Tag tag) const { return tags_ == SubgroupTags::kNested ? tag | kNestedTagBit : tag; }

  Transport& parent_;
  std::vector<int> members_;
  SubgroupTags tags_;
  int rank_ = -1;
  std::vector<std::uint64_t> sent_;
};

}  // namespace collbench
