// Pingpong over every test transport: after one round trip both members of a pair hold the
// even member's data, element by element; a rank without a partner keeps its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/registry.h"
#include "tests/support/world.h"

namespace collbench {
namespace {

using Param = std::tuple<std::string, int>;

class PingpongTest : public ::testing::TestWithParam<Param> {};

TEST_P(PingpongTest, RoundTripReturnsTheEvenRanksData) {
  const std::string& transport = std::get<0>(GetParam());
  const int ranks = std::get<1>(GetParam());  // not a structured binding: the lambda captures it
  const CollectiveDescriptor& coll = describeCollective("pingpong");
  std::vector<std::string> failures(ranks);
  testing::runWorld(transport, ranks, [&](Transport& tr, Bootstrap& boot) {
    Communicator comm(tr, CommOptions{});
    auto algo = makeAlgorithm("pingpong", "pingpong");
    ASSERT_EQ(algo->collective(), "pingpong");
    for (std::size_t count : {0u, 1u, 1000u, 1048579u}) {
      for (bool in_place : {false, true}) {
        std::vector<std::byte> send(count * 8 + 1), recv(count * 8 + 1, std::byte{0x77});
        CollArgs args = sameShapeArgs(in_place ? recv.data() : send.data(), recv.data(), count,
                                      DataType::kFloat64);
        coll.fill(args, boot.rank(), ranks, 5, const_cast<void*>(args.send));
        algo->run(comm, args);
        comm.releaseRegions();
        CheckResult res = coll.check(args, boot.rank(), ranks, 5, recv.data());
        if (res.wrong && failures[boot.rank()].empty()) {
          failures[boot.rank()] = "count " + std::to_string(count) + (in_place ? " in" : " out") +
                                  "-of-place: " + std::to_string(res.wrong) + " wrong from " +
                                  std::to_string(res.first_wrong);
        }
      }
    }
  });
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

INSTANTIATE_TEST_SUITE_P(All, PingpongTest,
                         ::testing::Combine(::testing::ValuesIn(testing::testTransports()),
                                            ::testing::Values(2, 3, 4)),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param) + "_" +
                                              std::to_string(std::get<1>(info.param)) + "ranks";
                           std::replace(name.begin(), name.end(), ':', '_');
                           return name;
                         });

TEST(PingpongDescriptor, PairsHalvesTheRoundTripAndUsesBusFactorOne) {
  const CollectiveDescriptor& coll = describeCollective("pingpong");
  EXPECT_EQ(coll.time_scale, 0.5);
  EXPECT_EQ(coll.busFactor(8), 1.0);
  EXPECT_FALSE(coll.uses_op);
  EXPECT_EQ(pingpongPartner(0, 4), 1);
  EXPECT_EQ(pingpongPartner(3, 4), 2);
  EXPECT_EQ(pingpongPartner(2, 3), -1);
  EXPECT_EQ(describeCollective("allreduce").busFactor(4), 1.5);
  EXPECT_EQ(&describeCollective("allreduce"), &describeCollective("all_reduce"));
  EXPECT_THROW(describeCollective("alltoallv"), std::invalid_argument);
}

TEST(Pingpong, NeedsTwoRanks) {
  for (int ranks : {1, 2}) {
    testing::runWorld("loopback", ranks, [&](Transport& tr, Bootstrap&) {
      Communicator comm(tr, CommOptions{});
      std::vector<std::byte> buf(8);
      const CollArgs args = sameShapeArgs(buf.data(), buf.data(), 2, DataType::kFloat32);
      EXPECT_EQ(makeAlgorithm("pingpong", "pingpong")->supports(comm, args), ranks == 2);
    });
  }
}

TEST(PingpongDescriptor, OnlyEachPairsInitiatorTimesAnIteration) {
  const CollectiveDescriptor& coll = describeCollective("pingpong");
  std::vector<bool> timing;
  for (int r = 0; r < 5; ++r) timing.push_back(coll.timesIteration(r, 5));
  EXPECT_EQ(timing, (std::vector<bool>{true, false, true, false, false}));  // 4 sits out
  for (int r = 0; r < 5; ++r) EXPECT_TRUE(describeCollective("all_reduce").timesIteration(r, 5));
}

// The check is not vacuous: a pair that swapped nothing is caught.
TEST(PingpongDescriptor, CheckCatchesDataThatDidNotTravel) {
  const CollectiveDescriptor& coll = describeCollective("pingpong");
  std::vector<std::int32_t> buf(100);
  CollArgs args = sameShapeArgs(buf.data(), buf.data(), buf.size(), DataType::kInt32);
  coll.fill(args, 1, 2, 9, buf.data());  // rank 1 kept its own data
  EXPECT_GT(coll.check(args, 1, 2, 9, buf.data()).wrong, 0u);
  coll.fill(args, 0, 2, 9, buf.data());
  EXPECT_EQ(coll.check(args, 1, 2, 9, buf.data()).wrong, 0u);
}

}  // namespace
}  // namespace collbench
