#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "collectives/api/check.h"
#include "collectives/api/collectives_json.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// The closed-form expected values must equal a brute-force reduction of every rank's input.
TEST(Check, ClosedFormMatchesBruteForceReduction) {
  for (DataType t : allDataTypes()) {
    for (ReduceOp op : allReduceOps()) {
      for (int ranks : {1, 2, 3, 5, 8, 13}) {
        const std::size_t count = 257;
        const std::size_t bytes = count * dtypeSize(t);
        std::vector<std::uint8_t> acc(bytes), in(bytes);
        fillInput(t, op, 0, ranks, 42, acc.data(), count);
        for (int r = 1; r < ranks; ++r) {
          fillInput(t, op, r, ranks, 42, in.data(), count);
          reduce(t, op, acc.data(), acc.data(), in.data(), count);
        }
        if (op == ReduceOp::kAvg) finishAverage(t, acc.data(), count, ranks);
        CheckResult res = checkOutput(t, op, ranks, 42, acc.data(), count);
        EXPECT_EQ(res.wrong, 0u) << dtypeName(t) << " " << opName(op) << " ranks=" << ranks
                                 << " first wrong " << res.first_wrong << " got " << res.got
                                 << " expected " << res.expected;
      }
    }
  }
}

// A missing, doubled or misplaced contribution must show up as wrong elements.
TEST(Check, DetectsMissingAndMisplacedContributions) {
  const DataType t = DataType::kFloat32;
  for (ReduceOp op : allReduceOps()) {
    const int ranks = 4;
    const std::size_t count = 1000;
    std::vector<float> acc(count), in(count);
    fillInput(t, op, 0, ranks, 7, acc.data(), count);
    for (int r = 1; r < ranks - 1; ++r) {  // rank 3's contribution is missing
      fillInput(t, op, r, ranks, 7, in.data(), count);
      reduce(t, op, acc.data(), acc.data(), in.data(), count);
    }
    if (op == ReduceOp::kAvg) finishAverage(t, acc.data(), count, ranks);
    EXPECT_GT(checkOutput(t, op, ranks, 7, acc.data(), count).wrong, count / 10) << opName(op);
  }
  std::vector<float> good(100);
  for (std::size_t i = 0; i < good.size(); ++i) {
    good[i] = static_cast<float>(expectedValue(t, ReduceOp::kSum, 3, 1, i));
  }
  EXPECT_EQ(checkOutput(t, ReduceOp::kSum, 3, 1, good.data(), good.size()).wrong, 0u);
  std::swap(good[10], good[11]);
  CheckResult res = checkOutput(t, ReduceOp::kSum, 3, 1, good.data(), good.size());
  EXPECT_GE(res.wrong, 1u);
  good[10] += 1;
  EXPECT_GE(checkOutput(t, ReduceOp::kSum, 3, 1, good.data(), good.size()).wrong, 1u);
}

TEST(Check, ReportsFirstWrongIndexAndValues) {
  std::vector<std::int32_t> v(50);
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<std::int32_t>(expectedValue(DataType::kInt32, ReduceOp::kMax, 5, 9, i));
  }
  v[17] += 100;
  v[40] -= 1;
  CheckResult res = checkOutput(DataType::kInt32, ReduceOp::kMax, 5, 9, v.data(), v.size());
  EXPECT_EQ(res.wrong, 2u);
  EXPECT_EQ(res.first_wrong, 17u);
  EXPECT_EQ(res.got, res.expected + 100);
}

TEST(Types, NamesParseBothWays) {
  for (DataType t : allDataTypes()) EXPECT_EQ(parseDataType(dtypeName(t)), t);
  for (ReduceOp op : allReduceOps()) EXPECT_EQ(parseReduceOp(opName(op)), op);
  EXPECT_EQ(parseDataType("float"), DataType::kFloat32);
  EXPECT_EQ(parseDataType("half"), DataType::kFloat16);
  EXPECT_FALSE(parseDataType("float8").has_value());
  EXPECT_FALSE(parseReduceOp("xor").has_value());
}

// The report tool, its importers and the validator read element sizes from collectives.json.
TEST(Types, SizesAreTheOnesCollectivesJsonGives) {
  const auto sizes = nlohmann::json::parse(kCollectivesJson)["dtypes"];
  ASSERT_EQ(sizes.size(), allDataTypes().size());
  for (DataType t : allDataTypes()) {
    ASSERT_TRUE(sizes.contains(dtypeName(t))) << dtypeName(t);
    EXPECT_EQ(sizes[dtypeName(t)].get<std::size_t>(), dtypeSize(t)) << dtypeName(t);
  }
}

}  // namespace
}  // namespace collbench
