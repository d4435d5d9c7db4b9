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

}  // namespace
}  // namespace collbench
