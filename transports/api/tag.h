// The bit layout of a message tag: its one home. A tag is 64 bits, of which 40 are used:
//
//   bits 0 .. 15   channel: an algorithm's own message streams within one call (ring's
//                  reduce-scatter and all-gather, tree's up and down per tree, ...);
//                  kBarrierChannel is the communicator's barrier
//   bits 16 .. 38  call number: the communicator numbers its calls, so every collective call
//                  has tags of its own (2^23 calls per communicator)
//   bit 39         nested-group bit: set on the tags of groups made inside one call
//                  (SubgroupTags::kNested)
//
// What the transports do with it: libfabric sends (tag << kSequenceBits) | sequence, which
// keeps the 40 bits and adds a 24-bit sequence number per (peer, tag); NCCL runs channel
// modulo its lane count on separate streams; TCP and loopback match (peer, tag) whole.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "transports/api/errors.h"

namespace collbench {

struct TagLayout {
  static constexpr int kChannelBits = 16;
  static constexpr int kCallBits = 23;
  static constexpr int kNestedBit = kChannelBits + kCallBits;  // 39
  static constexpr int kUsedBits = kNestedBit + 1;             // 40
  static constexpr int kSequenceBits = 24;                     // libfabric's, below the tag
  static constexpr Tag kChannelMask = (Tag{1} << kChannelBits) - 1;
  static constexpr std::uint64_t kMaxCall = (std::uint64_t{1} << kCallBits) - 1;
  static constexpr Tag kNestedTagBit = Tag{1} << kNestedBit;
  static constexpr Tag kBarrierChannel = kChannelMask;
};
static_assert(TagLayout::kUsedBits + TagLayout::kSequenceBits == 64, "libfabric's wire tag");

// The base tag of call number `call` (channel 0). Throws std::overflow_error when the call
// number does not fit its field, rather than running into the nested bit.
inline Tag callTag(std::uint64_t call) {
  if (call > TagLayout::kMaxCall) {
    throw std::overflow_error("tag: call number " + std::to_string(call) + " exceeds " +
                              std::to_string(TagLayout::kMaxCall) +
                              " (the 23-bit call field); split the run into several launches");
  }
  return call << TagLayout::kChannelBits;
}

// Channel `channel` of the call whose base tag is `base`. Throws std::out_of_range for a
// channel outside its 16 bits or a base with channel bits set.
inline Tag withChannel(Tag base, Tag channel) {
  if (channel > TagLayout::kChannelMask || (base & TagLayout::kChannelMask) != 0) {
    throw std::out_of_range("tag: channel " + std::to_string(channel) + " on base " +
                            std::to_string(base) + " does not fit the channel field");
  }
  return base | channel;
}

inline Tag channelOf(Tag tag) { return tag & TagLayout::kChannelMask; }
inline std::uint64_t callOf(Tag tag) {
  return (tag >> TagLayout::kChannelBits) & TagLayout::kMaxCall;
}

}  // namespace collbench
