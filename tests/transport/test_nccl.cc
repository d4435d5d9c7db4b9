// The NCCL transport's mapping of tagged messages onto NCCL's ordered, grouped point-to-point,
// over the CPU simulation of NCCL (transports/nccl/simulated.h), and the simulation's own
// semantics: if it were lax, the tests over it would prove nothing.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/support/world.h"
#include "transports/nccl/simulated.h"

namespace collbench {
namespace {

using namespace std::chrono_literals;

// Two groups per rank, each a receive then a send, issued in that order on both ranks: on
// NCCL each rank's first group waits for a send that sits in the other's second group.
TEST(SimulatedNccl, GroupsRunInStreamOrderSoCrossedReceivesDeadlock) {
  auto fabric = makeSimulatedNcclFabric(2, 1);
  auto b0 = makeSimulatedNcclBackend(fabric, 0), b1 = makeSimulatedNcclBackend(fabric, 1);
  std::byte x{}, y{};
  std::vector<std::shared_ptr<NcclGroup>> first;
  for (auto* b : {b0.get(), b1.get()}) {
    b->begin();
    b->recv(0, b == b0.get() ? 1 : 0, &x, 1);
    first.push_back(b->end());
    b->begin();
    b->send(0, b == b0.get() ? 1 : 0, &y, 1);
    b->end();
  }
  EXPECT_FALSE(first[0]->done());
  EXPECT_FALSE(first[1]->done());
}

TEST(SimulatedNccl, PairsInOrderPerLaneAndMovesBytes) {
  auto fabric = makeSimulatedNcclFabric(2, 2);
  auto b0 = makeSimulatedNcclBackend(fabric, 0), b1 = makeSimulatedNcclBackend(fabric, 1);
  const int a = 1, b = 2, c = 3;
  int got[3] = {0, 0, 0};
  b0->begin();
  b0->send(0, 1, &a, sizeof a);
  b0->send(1, 1, &b, sizeof b);
  b0->send(0, 1, &c, sizeof c);
  auto sends = b0->end();
  b1->begin();
  b1->recv(1, 0, &got[1], sizeof(int));  // lane 1 first: lanes pair independently
  b1->recv(0, 0, &got[0], sizeof(int));
  b1->recv(0, 0, &got[2], sizeof(int));
  auto recvs = b1->end();
  EXPECT_TRUE(sends->done());
  EXPECT_TRUE(recvs->done());
  EXPECT_EQ(got[0], 1);
  EXPECT_EQ(got[1], 2);
  EXPECT_EQ(got[2], 3);
}

// Rank 0 posts two receives on different lanes but waits only for the second; rank 1 sends
// the second and only then, after that wait, the first. Issued together, the first receive
// would hold rank 0's stream for ever; the transport must keep it back until it is waited for.
TEST(NcclTransport, ReceivesPostedAheadDoNotBlockTheStream) {
  testing::runWorld("nccl:sim", 2, [](Transport& tr, Bootstrap& boot) {
    std::vector<int> buf{0, 0, 7, 8};
    auto region = tr.registerMemory(buf.data(), sizeof(int) * buf.size(), MemoryKind::kHost);
    const auto deadline = Clock::now() + 5s;
    if (tr.rank() == 0) {
      Request first = tr.postRecv(1, 0x101, *region, 0, sizeof(int));
      Request second = tr.postRecv(1, 0x102, *region, sizeof(int), sizeof(int));
      tr.wait(second, deadline);
      EXPECT_EQ(buf[1], 8);
      Request go = tr.postSend(1, 0x103, *region, 0, 0);
      tr.wait(go, deadline);
      tr.wait(first, deadline);
      EXPECT_EQ(buf[0], 7);
    } else {
      Request second = tr.postSend(0, 0x102, *region, 3 * sizeof(int), sizeof(int));
      tr.wait(second, deadline);
      Request go = tr.postRecv(0, 0x103, *region, 0, 0);
      tr.wait(go, deadline);
      Request first = tr.postSend(0, 0x101, *region, 2 * sizeof(int), sizeof(int));
      tr.wait(first, deadline);
    }
    boot.barrier();
  });
}

// Both ranks post two receives from each other on one lane, then send the first segment and
// wait for it with the first receive (sendrecv's pattern). Waiting for a send must not issue
// the second receive, which the peer's send matches only after this wait.
TEST(NcclTransport, WaitingForASendLeavesLaterReceivesQueued) {
  testing::runWorld("nccl:sim", 2, [](Transport& tr, Bootstrap& boot) {
    const int me = tr.rank(), peer = 1 - me;
    std::vector<int> buf{10 * me, 10 * me + 1, -1, -1};
    auto region = tr.registerMemory(buf.data(), sizeof(int) * buf.size(), MemoryKind::kHost);
    const auto deadline = Clock::now() + 5s;
    Request recvs[2] = {tr.postRecv(peer, 0x101, *region, 2 * sizeof(int), sizeof(int)),
                        tr.postRecv(peer, 0x101, *region, 3 * sizeof(int), sizeof(int))};
    for (int k = 0; k < 2; ++k) {
      Request pair[2] = {std::move(recvs[k]),
                         tr.postSend(peer, 0x101, *region, k * sizeof(int), sizeof(int))};
      tr.wait(pair, 2, deadline);
    }
    EXPECT_EQ(buf[2], 10 * peer);
    EXPECT_EQ(buf[3], 10 * peer + 1);
    boot.barrier();
  });
}

TEST(NcclTransport, RejectsMemoryItCannotMove) {
  auto fabric = makeSimulatedNcclFabric(1);
  NcclTransport tr(makeSimulatedNcclBackend(fabric, 0), 0, 1);
  int x = 0;
  try {
    tr.registerMemory(&x, sizeof x, MemoryKind::kCuda);
    ADD_FAILURE() << "the simulation moves host memory only";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot move cuda memory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace collbench
