#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "collectives/api/check.h"
#include "collectives/api/half.h"
#include "collectives/reduce/isa.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

double reference(ReduceOp op, double x, double y) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return x + y;
    case ReduceOp::kProd:
      return x * y;
    case ReduceOp::kMin:
      return std::min(x, y);
    case ReduceOp::kMax:
      return std::max(x, y);
  }
  return 0;
}

// Small integer operands are exact in every dtype, so the kernel must match the plain
// reference exactly, for every dtype and op, at lengths around the vector widths.
TEST(Reduce, EveryDtypeAndOpMatchesReference) {
  for (DataType t : allDataTypes()) {
    for (ReduceOp op : allReduceOps()) {
      for (std::size_t n : {0u, 1u, 3u, 15u, 16u, 17u, 64u, 1000u}) {
        const std::size_t es = dtypeSize(t);
        std::vector<std::uint8_t> a(n * es + 1), b(n * es + 1), d(n * es + 1);
        for (std::size_t i = 0; i < n; ++i) {
          double sign = (isSigned(t) && i % 3 == 0) ? -1 : 1;
          storeElement(t, a.data(), i, sign * static_cast<double>(i % 11));
          storeElement(t, b.data(), i, static_cast<double>((i * 7) % 13));
        }
        reduce(t, op, d.data(), a.data(), b.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
          double x = loadElement(t, a.data(), i), y = loadElement(t, b.data(), i);
          std::uint8_t want[8];
          storeElement(t, want, 0, reference(op, x, y));
          ASSERT_EQ(loadElement(t, d.data(), i), loadElement(t, want, 0))
              << dtypeName(t) << " " << opName(op) << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

TEST(Reduce, InPlaceDestinationMayAliasEitherOperand) {
  std::vector<float> a = {1, 2, 3, 4, 5}, b = {10, 20, 30, 40, 50};
  reduce(DataType::kFloat32, ReduceOp::kSum, a.data(), a.data(), b.data(), a.size());
  EXPECT_EQ(a, (std::vector<float>{11, 22, 33, 44, 55}));
  reduce(DataType::kFloat32, ReduceOp::kMax, b.data(), a.data(), b.data(), a.size());
  EXPECT_EQ(b, (std::vector<float>{11, 22, 33, 44, 55}));
}

TEST(Reduce, IntegerSumAndProdWrapLikeUnsigned) {
  std::int32_t a = INT32_MAX, b = 1, d = 0;
  reduce(DataType::kInt32, ReduceOp::kSum, &d, &a, &b, 1);
  EXPECT_EQ(d, INT32_MIN);
  std::uint8_t x = 200, y = 100, z = 0;
  reduce(DataType::kUInt8, ReduceOp::kSum, &z, &x, &y, 1);
  EXPECT_EQ(z, 44);
  reduce(DataType::kUInt8, ReduceOp::kProd, &z, &x, &y, 1);
  EXPECT_EQ(z, static_cast<std::uint8_t>(20000));
}

TEST(Reduce, SignedMinMaxCompareSigned) {
  std::int64_t a[2] = {-5, 7}, b[2] = {3, -9}, d[2];
  reduce(DataType::kInt64, ReduceOp::kMin, d, a, b, 2);
  EXPECT_EQ(d[0], -5);
  EXPECT_EQ(d[1], -9);
}

TEST(Reduce, FinishAverageDividesOnceWithTruncationForIntegers) {
  std::vector<std::int32_t> v = {10, -10, 7};
  finishAverage(DataType::kInt32, v.data(), v.size(), 4);
  EXPECT_EQ(v, (std::vector<std::int32_t>{2, -2, 1}));
  std::vector<std::uint8_t> u = {255, 100};
  finishAverage(DataType::kUInt8, u.data(), u.size(), 300);  // more ranks than a uint8 holds
  EXPECT_EQ(u, (std::vector<std::uint8_t>{0, 0}));
  std::vector<std::uint16_t> h = {floatToHalf(3.0f)};
  finishAverage(DataType::kFloat16, h.data(), 1, 2);
  EXPECT_EQ(halfToFloat(h[0]), 1.5f);
}

TEST(Half, Float16RoundTripsEveryFiniteValue) {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF)) continue;  // NaN payloads
    ASSERT_EQ(floatToHalf(halfToFloat(h)), h) << std::hex << bits;
  }
}

TEST(Half, Float16KnownValuesAndRounding) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));         // smallest subnormal
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00);                      // rounds to infinity
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie to even
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  EXPECT_EQ(halfToFloat(0x7C00), INFINITY);
  EXPECT_EQ(halfToFloat(0xFC00), -INFINITY);
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E01)));
  EXPECT_TRUE(std::isnan(halfToFloat(0xFD00)));
}

TEST(Half, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(bfloat16ToFloat(floatToBfloat16(1.0f)), 1.0f);
  EXPECT_EQ(floatToBfloat16(1.0f + std::ldexp(1.0f, -8)), floatToBfloat16(1.0f));  // tie, even
  EXPECT_EQ(bfloat16ToFloat(floatToBfloat16(1.0f + std::ldexp(3.0f, -9))),
            1.0f + std::ldexp(1.0f, -7));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBfloat16(NAN))));
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto b = static_cast<std::uint16_t>(bits);
    if ((b & 0x7F80) == 0x7F80 && (b & 0x7F)) continue;
    ASSERT_EQ(floatToBfloat16(bfloat16ToFloat(b)), b);
  }
}

// Operands that reach every path of the conversions: for the 16-bit types every bit pattern
// (zeros, subnormals, rounding ties, infinities, NaNs) against a scrambled partner; for the
// others random bits plus the special values. The count is not a multiple of the vector width,
// so the scalar tail runs too.
struct IsaOperands {
  std::vector<std::uint8_t> a, b;
  std::size_t count;
};

IsaOperands isaOperands(DataType t) {
  const std::size_t es = dtypeSize(t);
  const std::size_t count = es == 2 ? 0x10000 + 5 : 40003;
  IsaOperands ops{std::vector<std::uint8_t>(count * es), std::vector<std::uint8_t>(count * es),
                  count};
  std::mt19937_64 rng(7);
  for (auto& byte : ops.a) byte = static_cast<std::uint8_t>(rng());
  for (auto& byte : ops.b) byte = static_cast<std::uint8_t>(rng());
  if (es == 2) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto x = static_cast<std::uint16_t>(i), y = static_cast<std::uint16_t>(i * 40503u + 17);
      std::memcpy(&ops.a[i * 2], &x, 2);
      std::memcpy(&ops.b[i * 2], &y, 2);
    }
  } else if (t == DataType::kFloat32) {
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, 3.4e38f, -1.0f};
    for (std::size_t i = 0; i < 64; ++i) {
      std::memcpy(&ops.a[i * 4], &special[i % 8], 4);
      std::memcpy(&ops.b[i * 4], &special[(i / 8) % 8], 4);
    }
  }
  return ops;
}

// Bit for bit, except that when both builds produce a NaN its sign and payload may differ
// (which operand's NaN propagates is the compiler's choice in the scalar code).
bool sameResult(DataType t, const std::uint8_t* x, const std::uint8_t* y) {
  const std::size_t es = dtypeSize(t);
  if (std::memcmp(x, y, es) == 0) return true;
  const bool is_float = t == DataType::kFloat32 || t == DataType::kFloat64 ||
                        t == DataType::kFloat16 || t == DataType::kBFloat16;
  return is_float && std::isnan(loadElement(t, x, 0)) && std::isnan(loadElement(t, y, 0));
}

TEST(ReduceIsa, EveryBuildGivesTheGenericBuildsBits) {
  const auto isas = supportedReduceIsas();
  ASSERT_EQ(isas.front(), ReduceIsa::kGeneric);
  if (isas.size() == 1) GTEST_SKIP() << "this CPU runs only the generic kernels";
  for (DataType t : allDataTypes()) {
    const IsaOperands in = isaOperands(t);
    const std::size_t es = dtypeSize(t);
    for (ReduceOp op : allReduceOps()) {
      std::vector<std::uint8_t> want(in.a.size()), got(in.a.size());
      reduceWithIsa(ReduceIsa::kGeneric, t, op, want.data(), in.a.data(), in.b.data(), in.count);
      finishAverageWithIsa(ReduceIsa::kGeneric, t, want.data(), in.count, 3);
      for (std::size_t k = 1; k < isas.size(); ++k) {
        reduceWithIsa(isas[k], t, op, got.data(), in.a.data(), in.b.data(), in.count);
        finishAverageWithIsa(isas[k], t, got.data(), in.count, 3);
        for (std::size_t i = 0; i < in.count; ++i) {
          ASSERT_TRUE(sameResult(t, &want[i * es], &got[i * es]))
              << reduceIsaName(isas[k]) << " " << dtypeName(t) << " " << opName(op) << " i=" << i
              << ": " << loadElement(t, got.data(), i) << " vs generic "
              << loadElement(t, want.data(), i);
        }
      }
    }
  }
}

// Half-precision NaNs narrow to one canonical pattern per sign in every build.
TEST(ReduceIsa, HalfNanResultsAreCanonical) {
  const std::uint16_t nan_in[2] = {0x7D01, 0xFC01};  // signalling NaNs, both signs
  const std::uint16_t one[16] = {0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00,
                                 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00};
  for (ReduceIsa isa : supportedReduceIsas()) {
    std::uint16_t a[16], d[16];
    for (int i = 0; i < 16; ++i) a[i] = nan_in[i % 2];
    reduceWithIsa(isa, DataType::kFloat16, ReduceOp::kSum, d, a, one, 16);
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(d[i], i % 2 ? 0xFE00 : 0x7E00) << reduceIsaName(isa) << " i=" << i;
    }
  }
}

TEST(ReduceIsa, NamesParseAndUnknownNamesAreRefused) {
  for (ReduceIsa isa : supportedReduceIsas()) {
    EXPECT_EQ(parseReduceIsa(reduceIsaName(isa)), isa);
  }
  try {
    parseReduceIsa("avx9");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("COLLBENCH_REDUCE_ISA=avx9"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("generic"), std::string::npos);
  }
}

}  // namespace
}  // namespace collbench
