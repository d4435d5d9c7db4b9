// compareWithBaseline: matching, the tolerance, and what is said when nothing matches.
#include <gtest/gtest.h>

#include <sstream>

#include "results/baseline.h"

namespace collbench {
namespace {

Measurement at(std::uint64_t bytes, double mean_us, int ranks = 4) {
  Measurement m;
  m.algorithm = "ring";
  m.transport = "tcp";
  m.ranks = ranks;
  m.bytes = bytes;
  m.dtype = "float32";
  m.op = "sum";
  m.time_us.mean = mean_us;
  return m;
}

TEST(Baseline, SameResultsPass) {
  const std::vector<Measurement> runs{at(8, 10), at(1024, 20)};
  const BaselineComparison c = compareWithBaseline(runs, runs, 0.1);
  EXPECT_EQ(c.matched.size(), 2u);
  EXPECT_TRUE(c.regressions.empty());
  std::ostringstream out;
  EXPECT_TRUE(printComparison(out, c, 0.1));
  EXPECT_EQ(out.str(), "# baseline: 2 measurements compared, 0 slower by more than 10%\n");
}

TEST(Baseline, SlowerBeyondTheToleranceIsNamedWorstFirst) {
  const BaselineComparison c = compareWithBaseline({at(8, 10), at(1024, 20), at(4096, 40)},
                                                   {at(8, 11.5), at(1024, 20), at(4096, 60)}, 0.1);
  ASSERT_EQ(c.regressions.size(), 2u);
  EXPECT_EQ(c.regressions[0].after.bytes, 4096u);
  EXPECT_NEAR(c.regressions[0].change, 0.5, 1e-12);
  EXPECT_EQ(c.regressions[1].after.bytes, 8u);
  std::ostringstream out;
  EXPECT_FALSE(printComparison(out, c, 0.1));
  EXPECT_EQ(out.str().substr(0, out.str().find('\n')),
            "REGRESSED: all_reduce ring tcp 4 ranks 4096 B float32 sum out-of-place: 50.0% slower "
            "than the baseline (time 40.00 -> 60.00 us, busbw 0 -> 0 GB/s)");
  // Faster, or slower within the tolerance, is no regression.
  EXPECT_TRUE(compareWithBaseline({at(8, 10)}, {at(8, 10.9)}, 0.1).regressions.empty());
  EXPECT_TRUE(compareWithBaseline({at(8, 10)}, {at(8, 5)}, 0.1).regressions.empty());
}

TEST(Baseline, UnmatchedMeasurementsAreCountedAndMismatchesNamed) {
  const BaselineComparison some = compareWithBaseline({at(8, 10), at(16, 10)}, {at(8, 10)}, 0.1);
  EXPECT_EQ(some.only_before, 1);
  EXPECT_EQ(some.only_after, 0);
  EXPECT_TRUE(some.mismatches.empty());
  const BaselineComparison none = compareWithBaseline({at(8, 10, 4)}, {at(8, 10, 8)}, 0.1);
  EXPECT_TRUE(none.matched.empty());
  EXPECT_EQ(none.mismatches,
            std::vector<std::string>{"ranks: 4 in the baseline, 8 in the new results"});
}

TEST(Baseline, ToleranceTakesPercentOrFraction) {
  EXPECT_DOUBLE_EQ(parseTolerance("10%"), 0.1);
  EXPECT_DOUBLE_EQ(parseTolerance("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(parseTolerance("0%"), 0);
  for (const char* bad : {"", "ten", "-5%", "10%%", "5000%", "10 %"}) {
    EXPECT_THROW(parseTolerance(bad), std::invalid_argument) << bad;
  }
}

PairScreen screenOf(std::vector<std::vector<double>> bw, std::vector<std::vector<double>> lat) {
  PairScreen s;
  s.kind = "pairwise";
  s.hosts.assign(bw.size(), "h");
  s.bandwidth_gbps = std::move(bw);
  s.latency_us = std::move(lat);
  return s;
}

TEST(Baseline, ScreensComparePairByPair) {
  const PairScreen before = screenOf({{-1, 1.0, 1.0}, {1.0, -1, 1.0}, {1.0, 1.0, -1}},
                                     {{-1, 10, 10}, {10, -1, 10}, {10, 10, -1}});
  const PairScreen after = screenOf({{-1, 1.0, 0.5}, {0.95, -1, 1.0}, {1.0, 1.0, -1}},
                                    {{-1, 10, 10}, {10, -1, 30}, {10, 30, -1}});
  const ScreenComparison c = compareScreens(before, after, 0.1);
  EXPECT_EQ(c.compared, 6 + 3);
  ASSERT_EQ(c.regressions.size(), 2u);
  EXPECT_EQ(c.regressions[0].metric, "bandwidth");
  EXPECT_EQ(c.regressions[0].from, 0);
  EXPECT_EQ(c.regressions[0].to, 2);
  EXPECT_EQ(c.regressions[1].metric, "latency");
  EXPECT_EQ(c.regressions[1].from, 1);
  EXPECT_EQ(c.regressions[1].to, 2);
  std::ostringstream out;
  EXPECT_FALSE(printScreenComparison(out, after, c, 0.1));
  EXPECT_EQ(out.str(),
            "REGRESSED: pairwise screen bandwidth h (rank 0) -> h (rank 2): 100.0% slower than "
            "the baseline (1 -> 0.5 GB/s)\n"
            "REGRESSED: pairwise screen latency h (rank 1) <-> h (rank 2): 200.0% longer than the "
            "baseline (10 -> 30 us)\n"
            "# baseline: 9 pair values compared, 2 worse by more than a factor 1.1\n");
  EXPECT_THROW(compareScreens(before, screenOf({{-1, 1}, {1, -1}}, {{-1, 1}, {1, -1}}), 0.1),
               std::invalid_argument);
}

}  // namespace
}  // namespace collbench
