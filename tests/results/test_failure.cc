#include <gtest/gtest.h>

#include "results/failure.h"

namespace collbench {
namespace {

FailureReport waited(int rank, int for_rank, const std::string& message = "timed out") {
  FailureReport r;
  r.rank = rank;
  r.host = "host" + std::to_string(rank);
  r.waited_for = for_rank;
  r.message = message;
  return r;
}

const std::vector<std::string> kThreeHosts = {"host0", "host1", "host2"};

// The case: host2's link cut mid-sweep. Rank 0 timed out on rank 2, rank 1 on rank 0,
// and rank 2's report never reached rank 0.
TEST(FailureVerdict, NamesTheRankEveryWaitLeadsToThatSentNoReport) {
  FailureVerdict v = judgeFailure({waited(0, 2), waited(1, 0)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "host2 (rank 2) sent no report; ranks 0 and 1 waited for it (rank 1 through rank 0): "
            "hung, or cut off from the others (reports from 2 of 3 ranks)");
}

// The watchdog's case: ranks 0 and 1 stuck in a gather of every rank (no per-peer deadline)
// while host2 was cut off; rank 1 could name rank 0 (through it), rank 0 no one.
FailureReport stuck(int rank) {
  FailureReport r = waited(rank, -1, "no progress for 9.5 s in gathering check results");
  r.waited_for_all = true;
  return r;
}

TEST(FailureVerdict, AWaitForEveryRankEndsAtTheSilentOnes) {
  FailureVerdict v = judgeFailure({stuck(0), stuck(1)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "host2 (rank 2) sent no report; ranks 0 and 1 waited for it: hung, or cut off from "
            "the others (reports from 2 of 3 ranks)");
  v = judgeFailure({stuck(0), waited(1, 0)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "host2 (rank 2) sent no report; ranks 0 and 1 waited for it (rank 1 through rank 0): "
            "hung, or cut off from the others (reports from 2 of 3 ranks)");
}

TEST(FailureVerdict, EveryRankStuckInAGatherBlamesNoSingleRank) {
  FailureVerdict v = judgeFailure({stuck(0), stuck(1), stuck(2)}, kThreeHosts);
  EXPECT_TRUE(v.culprits.empty());
  EXPECT_EQ(v.text,
            "every rank reported, ranks 0, 1 and 2 stuck in a step that waits for every rank and "
            "names none: no single rank; screen the links between them (--collective pairwise) "
            "(reports from 3 of 3 ranks)");
}

TEST(FailureVerdict, GroupsAHostsRanks) {
  const std::vector<std::string> hosts = {"a", "a", "b", "b"};
  FailureVerdict v = judgeFailure({waited(0, 2), waited(1, 3)}, hosts);
  EXPECT_EQ(v.culprits, (std::vector<int>{2, 3}));
  EXPECT_EQ(v.text,
            "b (ranks 2 and 3) sent no report; ranks 0 and 1 waited for them: hung, or cut off "
            "from the others (reports from 2 of 4 ranks)");
}

TEST(FailureVerdict, ARankThatFailedByItself) {
  FailureVerdict v =
      judgeFailure({waited(0, 1), waited(1, -1, "out of memory"), waited(2, 1)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{1});
  EXPECT_EQ(v.text,
            "host1 (rank 1) failed without waiting for another rank: out of memory; ranks 0 and "
            "2 waited for it (reports from 3 of 3 ranks)");
}

TEST(FailureVerdict, WaitsInACircleBlameNoSingleRank) {
  FailureVerdict v = judgeFailure({waited(0, 1), waited(1, 2), waited(2, 0)}, kThreeHosts);
  EXPECT_TRUE(v.culprits.empty());
  EXPECT_EQ(v.text,
            "every rank reported, and their waits go round in a circle (0 -> 1 -> 2 -> 0): no "
            "single rank; screen the links between them (--collective pairwise) (reports from 3 "
            "of 3 ranks)");
}

TEST(FailureVerdict, ACircleAmongReportersPointsAtTheSilentRank) {
  FailureVerdict v = judgeFailure({waited(0, 1), waited(1, 0)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "the ranks that reported waited on each other (0 -> 1 -> 0); rank 2 (host2) sent no "
            "report (reports from 2 of 3 ranks)");
}

TEST(FailureVerdict, SilentRanksNobodyWaitedForAreListedApart) {
  const std::vector<std::string> hosts = {"h0", "h1", "h2", "h3"};
  FailureVerdict v = judgeFailure({waited(0, 2), waited(1, 2)}, hosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "h2 (rank 2) sent no report; ranks 0 and 1 waited for it: hung, or cut off from the "
            "others. No report either from rank 3 (h3) (reports from 2 of 4 ranks)");
}

TEST(FailureVerdict, OnlyRankZerosOwnReport) {
  FailureVerdict v = judgeFailure({waited(0, 1)}, {"h0", "h1"});
  EXPECT_EQ(v.culprits, std::vector<int>{1});
  EXPECT_EQ(v.text,
            "h1 (rank 1) sent no report; rank 0 waited for it: hung, or cut off from the others "
            "(reports from 1 of 2 ranks)");
}

// A connection that closed says more than a wait that timed out: the process is gone.
TEST(FailureVerdict, ALostConnectionSaysTheProcessEnded) {
  FailureReport lost = waited(0, 2);
  lost.connection_lost = true;
  FailureVerdict v = judgeFailure({lost, waited(1, 2)}, kThreeHosts);
  EXPECT_EQ(v.culprits, std::vector<int>{2});
  EXPECT_EQ(v.text,
            "host2 (rank 2) sent no report; ranks 0 and 1 waited for it: its connections failed "
            "(the process ended or crashed, or its host or link went down) (reports from 2 of 3 "
            "ranks)");
}

}  // namespace
}  // namespace collbench
