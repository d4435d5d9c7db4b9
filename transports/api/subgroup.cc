#include "transports/api/subgroup.h"

#include <algorithm>
#include <string>

namespace collbench {

SubgroupTransport::SubgroupTransport(Transport& parent, std::vector<int> members, SubgroupTags tags)
    : parent_(parent), members_(std::move(members)), tags_(tags), sent_(members_.size(), 0) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const int m = members_[i];
    if (m < 0 || m >= parent_.size() || std::count(members_.begin(), members_.end(), m) != 1) {
      throw TransportError("subgroup member " + std::to_string(m) +
                           " is not a distinct rank of a group of " +
                           std::to_string(parent_.size()));
    }
    if (m == parent_.rank()) rank_ = static_cast<int>(i);
  }
  if (rank_ < 0) {
    throw TransportError("rank " + std::to_string(parent_.rank()) +
                         " is not a member of the subgroup it tried to join");
  }
}

Request SubgroupTransport::postSend(int peer, Tag tag, const MemoryRegion& region,
                                    std::size_t offset, std::size_t bytes) {
  checkPeer(peer, rank_, size());
  sent_[static_cast<std::size_t>(peer)] += bytes;
  return parent_.postSend(members_[static_cast<std::size_t>(peer)], wireTag(tag), region, offset,
                          bytes);
}

Request SubgroupTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                                    std::size_t bytes) {
  checkPeer(peer, rank_, size());
  return parent_.postRecv(members_[static_cast<std::size_t>(peer)], wireTag(tag), region, offset,
                          bytes);
}

void SubgroupTransport::releaseTagsBelow(Tag bound) {
  if (tags_ == SubgroupTags::kShared) parent_.releaseTagsBelow(bound);
}

void SubgroupTransport::resetSentBytes() { std::fill(sent_.begin(), sent_.end(), 0); }

}  // namespace collbench
