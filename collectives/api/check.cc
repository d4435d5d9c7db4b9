#include "collectives/api/check.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "collectives/api/half.h"

namespace collbench {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Per-element choices shared by every rank.
struct Draw {
  std::int64_t base;  // small offset
  int owner;          // the rank with the distinguished value
  bool negate;        // prod on signed types: one other rank contributes -1
};

Draw draw(DataType t, ReduceOp op, int ranks, std::uint64_t seed, std::size_t i) {
  const std::uint64_t h = mix(seed ^ mix(i));
  Draw d{};
  const bool small = op == ReduceOp::kSum || op == ReduceOp::kAvg;
  d.base = small ? static_cast<std::int64_t>(h % 3) : static_cast<std::int64_t>(h % 50);
  if (!small && isSigned(t)) d.base -= 25;
  d.owner = static_cast<int>((h >> 8) % static_cast<std::uint64_t>(ranks));
  d.negate = isSigned(t) && ranks > 1 && ((h >> 40) & 1);
  return d;
}

double exactLimit(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return 0x1p24;
    case DataType::kFloat64:
      return 0x1p53;
    case DataType::kFloat16:
      return 0x1p11;
    case DataType::kBFloat16:
      return 0x1p8;
    default:
      return std::numeric_limits<double>::infinity();
  }
}

double epsilon(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return 0x1p-23;
    case DataType::kFloat64:
      return 0x1p-52;
    case DataType::kFloat16:
      return 0x1p-10;
    case DataType::kBFloat16:
      return 0x1p-7;
    default:
      return 0;
  }
}

// Integer results wrap like the dtype's unsigned arithmetic; floats are left alone.
double wrapToType(DataType t, double v) {
  if (isFloating(t)) return v;
  std::uint8_t buf[8];
  storeElement(t, buf, 0, v);
  return loadElement(t, buf, 0);
}

}  // namespace

double inputValue(DataType t, ReduceOp op, int rank, int ranks, std::uint64_t seed, std::size_t i) {
  const Draw d = draw(t, op, ranks, seed, i);
  const bool owner = rank == d.owner;
  const auto ri = static_cast<std::int64_t>((static_cast<std::uint64_t>(rank) + i) % 12);
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return static_cast<double>(d.base + (ri & 1));
    case ReduceOp::kProd:
      if (owner) return 2;
      return (d.negate && rank == (d.owner + 1) % ranks) ? -1 : 1;
    case ReduceOp::kMin:
      return static_cast<double>(d.base + (owner ? 0 : 1 + ri % 3));
    case ReduceOp::kMax:
      return static_cast<double>(d.base + (owner ? 4 : ri % 4));
  }
  return 0;
}

double expectedValue(DataType t, ReduceOp op, int ranks, std::uint64_t seed, std::size_t i) {
  const Draw d = draw(t, op, ranks, seed, i);
  // Ranks r in [0, ranks) with (r + i) odd.
  const std::int64_t odd = (i & 1) ? (ranks + 1) / 2 : ranks / 2;
  const double sum = wrapToType(t, static_cast<double>(d.base * ranks + odd));
  switch (op) {
    case ReduceOp::kSum:
      return sum;
    case ReduceOp::kAvg:
      return isFloating(t) ? sum / ranks : std::trunc(sum / ranks);
    case ReduceOp::kProd:
      return wrapToType(t, d.negate ? -2 : 2);
    case ReduceOp::kMin:
      return static_cast<double>(d.base);
    case ReduceOp::kMax:
      return static_cast<double>(d.base + 4);
  }
  return 0;
}

double tolerance(DataType t, ReduceOp op, int ranks, double expected) {
  if (!isFloating(t) || op == ReduceOp::kMin || op == ReduceOp::kMax || op == ReduceOp::kProd) {
    return 0;
  }
  double tol = 0;
  if (3.0 * ranks > exactLimit(t)) tol = epsilon(t) * ranks * std::fabs(expected);
  if (op == ReduceOp::kAvg) tol += epsilon(t) * std::fabs(expected);
  return tol;
}

void fillInput(DataType t, ReduceOp op, int rank, int ranks, std::uint64_t seed, void* buf,
               std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    storeElement(t, buf, i, inputValue(t, op, rank, ranks, seed, i));
  }
}

CheckResult checkOutput(DataType t, ReduceOp op, int ranks, std::uint64_t seed, const void* buf,
                        std::size_t count, std::size_t first) {
  CheckResult result;
  for (std::size_t i = 0; i < count; ++i) {
    const double want = expectedValue(t, op, ranks, seed, first + i);
    const double got = loadElement(t, buf, i);
    if (std::fabs(got - want) <= tolerance(t, op, ranks, want)) continue;
    if (result.wrong++ == 0) {
      result.first_wrong = i;
      result.got = got;
      result.expected = want;
    }
  }
  return result;
}

double movedValue(DataType, int rank, std::uint64_t seed, std::size_t i) {
  constexpr std::uint64_t kPrime = 251;
  const std::uint64_t r = static_cast<std::uint64_t>(rank) % kPrime;
  return static_cast<double>((r * 61 + mix(seed ^ mix(i)) % kPrime) % kPrime);
}

double loadElement(DataType t, const void* buf, std::size_t i) {
  const auto* p = static_cast<const std::byte*>(buf) + i * dtypeSize(t);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  switch (t) {
    case DataType::kFloat32:
      return load(float{});
    case DataType::kFloat64:
      return load(double{});
    case DataType::kFloat16:
      return halfToFloat(load(std::uint16_t{}));
    case DataType::kBFloat16:
      return bfloat16ToFloat(load(std::uint16_t{}));
    case DataType::kInt32:
      return load(std::int32_t{});
    case DataType::kInt64:
      return static_cast<double>(load(std::int64_t{}));
    case DataType::kUInt8:
      return load(std::uint8_t{});
  }
  return 0;
}

void storeElement(DataType t, void* buf, std::size_t i, double v) {
  auto* p = static_cast<std::byte*>(buf) + i * dtypeSize(t);
  auto store = [p](auto x) { std::memcpy(p, &x, sizeof x); };
  // Integers wrap modulo 2^bits, as the reduction kernels' unsigned arithmetic does.
  const auto as_int = static_cast<std::int64_t>(v);
  switch (t) {
    case DataType::kFloat32:
      return store(static_cast<float>(v));
    case DataType::kFloat64:
      return store(v);
    case DataType::kFloat16:
      return store(floatToHalf(static_cast<float>(v)));
    case DataType::kBFloat16:
      return store(floatToBfloat16(static_cast<float>(v)));
    case DataType::kInt32:
      return store(static_cast<std::int32_t>(static_cast<std::uint32_t>(as_int)));
    case DataType::kInt64:
      return store(as_int);
    case DataType::kUInt8:
      return store(static_cast<std::uint8_t>(as_int));
  }
}

}  // namespace collbench
