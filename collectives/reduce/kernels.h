// The portable reduction kernels, written once and compiled once per instruction set: reduce.cc
// builds them for the baseline target and reduce_avx2.cc with -mavx2 -mf16c, each inside its
// own namespace (COLLBENCH_KERNEL_NS) so the two instantiations never meet at link time.
// Plain loops over typed pointers that GCC and Clang vectorise; float16 and bfloat16 widen to
// float element by element in registers, with no temporary array. Include only from those two
// files.
#pragma once

#ifndef COLLBENCH_KERNEL_NS
#error "define COLLBENCH_KERNEL_NS before including collectives/reduce/kernels.h"
#endif

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "collectives/api/half.h"
#include "collectives/api/types.h"

namespace collbench {
namespace COLLBENCH_KERNEL_NS {

struct Sum {
  template <typename T>
  T operator()(T x, T y) const {
    return x + y;
  }
};
struct Prod {
  template <typename T>
  T operator()(T x, T y) const {
    return x * y;
  }
};
struct Min {
  template <typename T>
  T operator()(T x, T y) const {
    return y < x ? y : x;
  }
};
struct Max {
  template <typename T>
  T operator()(T x, T y) const {
    return x < y ? y : x;
  }
};

// Storage type T, computed in C: identity for most types; unsigned for integer sum and prod.
template <typename T, typename C, typename Op>
void loop(void* dst, const void* a, const void* b, std::size_t n) {
  auto* d = static_cast<T*>(dst);
  const auto* x = static_cast<const T*>(a);
  const auto* y = static_cast<const T*>(b);
  Op op;
#pragma GCC unroll 4
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = static_cast<T>(op(static_cast<C>(x[i]), static_cast<C>(y[i])));
  }
}

template <std::uint16_t (*ToHalf)(float), float (*FromHalf)(std::uint16_t), typename Op>
void halfLoop(void* dst, const void* a, const void* b, std::size_t n) {
  auto* d = static_cast<std::uint16_t*>(dst);
  const auto* x = static_cast<const std::uint16_t*>(a);
  const auto* y = static_cast<const std::uint16_t*>(b);
  Op op;
  for (std::size_t i = 0; i < n; ++i) d[i] = ToHalf(op(FromHalf(x[i]), FromHalf(y[i])));
}

template <typename Op>
void reduceWith(DataType t, void* dst, const void* a, const void* b, std::size_t n) {
  // Sum and prod of signed integers run on the unsigned type: same bits, defined wrap-around.
  constexpr bool kArith = std::is_same_v<Op, Sum> || std::is_same_v<Op, Prod>;
  using I32 = std::conditional_t<kArith, std::uint32_t, std::int32_t>;
  using I64 = std::conditional_t<kArith, std::uint64_t, std::int64_t>;
  switch (t) {
    case DataType::kFloat32:
      return loop<float, float, Op>(dst, a, b, n);
    case DataType::kFloat64:
      return loop<double, double, Op>(dst, a, b, n);
    case DataType::kFloat16:
      return halfLoop<floatToHalf, halfToFloat, Op>(dst, a, b, n);
    case DataType::kBFloat16:
      return halfLoop<floatToBfloat16, bfloat16ToFloat, Op>(dst, a, b, n);
    case DataType::kInt32:
      return loop<std::int32_t, I32, Op>(dst, a, b, n);
    case DataType::kInt64:
      return loop<std::int64_t, I64, Op>(dst, a, b, n);
    case DataType::kUInt8:
      return loop<std::uint8_t, std::uint32_t, Op>(dst, a, b, n);
  }
}

// Calls f(Op{}) with the functor for `op` (avg reduces as a sum).
template <typename F>
void withOp(ReduceOp op, F&& f) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return f(Sum{});
    case ReduceOp::kProd:
      return f(Prod{});
    case ReduceOp::kMin:
      return f(Min{});
    case ReduceOp::kMax:
      return f(Max{});
  }
}

inline void reduceAny(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                      std::size_t count) {
  withOp(op, [&](auto o) { reduceWith<decltype(o)>(t, dst, a, b, count); });
}

// Divides in D, wide enough to hold `ranks` (a uint8 cannot hold 256 ranks).
template <typename T, typename D>
void divide(void* buf, std::size_t n, int ranks) {
  auto* p = static_cast<T*>(buf);
  const D r = static_cast<D>(ranks);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<T>(static_cast<D>(p[i]) / r);
}

template <std::uint16_t (*ToHalf)(float), float (*FromHalf)(std::uint16_t)>
void divideHalf(void* buf, std::size_t n, int ranks) {
  auto* p = static_cast<std::uint16_t*>(buf);
  const float r = static_cast<float>(ranks);
  for (std::size_t i = 0; i < n; ++i) p[i] = ToHalf(FromHalf(p[i]) / r);
}

inline void divideAny(DataType t, void* buf, std::size_t count, int ranks) {
  switch (t) {
    case DataType::kFloat32:
      return divide<float, float>(buf, count, ranks);
    case DataType::kFloat64:
      return divide<double, double>(buf, count, ranks);
    case DataType::kFloat16:
      return divideHalf<floatToHalf, halfToFloat>(buf, count, ranks);
    case DataType::kBFloat16:
      return divideHalf<floatToBfloat16, bfloat16ToFloat>(buf, count, ranks);
    case DataType::kInt32:
      return divide<std::int32_t, std::int64_t>(buf, count, ranks);
    case DataType::kInt64:
      return divide<std::int64_t, std::int64_t>(buf, count, ranks);
    case DataType::kUInt8:
      return divide<std::uint8_t, std::int64_t>(buf, count, ranks);
  }
}

}  // namespace COLLBENCH_KERNEL_NS
}  // namespace collbench
