// Per-tag message counters, for transports that number the messages of each (peer, tag) so
// that the n-th send meets the n-th receive whatever order the wire delivers in. Not
// thread-safe; owned by one transport.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "transports/api/errors.h"

namespace collbench {

class TagSequences {
 public:
  // The sequence number of the next message with this tag (0, 1, 2, ...).
  std::uint64_t next(Tag tag) { return counters_[tag]++; }
  // Forgets the counters of tags below `bound` (see Transport::releaseTagsBelow).
  void releaseBelow(Tag bound) {
    for (auto it = counters_.begin(); it != counters_.end();) {
      it = it->first < bound ? counters_.erase(it) : std::next(it);
    }
  }

 private:
  std::unordered_map<Tag, std::uint64_t> counters_;
};

}  // namespace collbench
