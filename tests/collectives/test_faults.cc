// Faults injected on the loopback transport: a message lost on the way makes the receiver time
// out with a message that names the peer it waited for and the algorithm's step.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "collectives/registry.h"
#include "transports/loopback/bootstrap.h"
#include "transports/loopback/transport.h"

namespace collbench {
namespace {

// Runs `algo` once on 4 ranks with the nth send from rank 1 to `dst` lost; returns each rank's
// error message ("" for a rank that finished).
std::vector<std::string> runWithLostMessage(const std::string& algo, int dst, int nth) {
  constexpr int kRanks = 4;
  auto fabric = std::make_shared<LoopbackFabric>(kRanks);
  fabric->dropSend(1, dst, nth);
  std::vector<std::string> errors(kRanks);
  std::mutex mu;
  runThreads(kRanks, [&](int rank) {
    LoopbackTransport tr(fabric, rank);
    Communicator comm(tr, CommOptions{1024, 2, std::chrono::milliseconds(300)});
    std::vector<float> in(4096, 1.0f), out(4096);
    try {
      makeAlgorithm("all_reduce", algo)
          ->run(comm, sameShapeArgs(in.data(), out.data(), in.size(), DataType::kFloat32));
    } catch (const TransportError& e) {
      std::lock_guard<std::mutex> lock(mu);
      errors[rank] = e.what();
    }
  });
  return errors;
}

TEST(LostMessage, RingTimeoutNamesPeerAndStep) {
  // Rank 1's ring successor is rank 2. Reduce-scatter sends 3 steps x 4 segments of 1 KiB on
  // one tag, matched in order; losing the last of them leaves rank 2 waiting at step 3,
  // segment 3. (Losing an earlier one shifts the matching, so rank 2 also stalls there.)
  auto errors = runWithLostMessage("ring", 2, 12);
  EXPECT_NE(errors[2].find("rank 2: timed out waiting for recv from rank 1 "), std::string::npos)
      << errors[2];
  EXPECT_NE(errors[2].find(" in ring reduce-scatter step 3 of 3, segment 3"), std::string::npos)
      << errors[2];
}

TEST(LostMessage, TreeTimeoutNamesPeerAndStep) {
  // With 4 ranks, rank 1 is a child of rank 2 in the first tree; its first send goes up. Its
  // later chunks, on the same tag, then match one receive early, so rank 2 waits for the last.
  auto errors = runWithLostMessage("tree", 2, 1);
  bool named = false;
  for (const auto& e : errors) {
    named |= e.find("rank 2: timed out waiting for recv from rank 1") != std::string::npos &&
             e.find(" in tree 0 reduce from child rank 1, chunk ") != std::string::npos;
  }
  EXPECT_TRUE(named) << errors[0] << "\n" << errors[2];
}

TEST(LostMessage, NothingLostWithoutInjection) {
  for (const auto& e : runWithLostMessage("ring", 3, 1)) EXPECT_EQ(e, "");  // 1 never sends to 3
}

}  // namespace
}  // namespace collbench
