#include <gtest/gtest.h>

#include "transports/api/tag_sequences.h"

namespace collbench {
namespace {

TEST(TagSequences, CountPerTagAndForgetFinishedCalls) {
  TagSequences seqs;
  EXPECT_EQ(seqs.next(0x10001), 0u);
  EXPECT_EQ(seqs.next(0x10001), 1u);
  EXPECT_EQ(seqs.next(0x10002), 0u);
  EXPECT_EQ(seqs.next(0x20001), 0u);
  seqs.releaseBelow(0x20000);  // call 1 is over; call 2 goes on
  EXPECT_EQ(seqs.next(0x10001), 0u) << "counter of a released tag starts again";
  EXPECT_EQ(seqs.next(0x20001), 1u) << "counter of a live tag survives";
}

}  // namespace
}  // namespace collbench
