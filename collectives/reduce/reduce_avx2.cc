// The reduction kernels for AVX2 + F16C, compiled with -mavx2 -mf16c (and only called after
// the CPU says it has both). The portable loops of kernels.h vectorise at 256 bits here;
// float16 and bfloat16 get explicit loops: widen to float in registers (vcvtph2ps for float16,
// eight at a time; interleaving with zeros for bfloat16, sixteen at a time), reduce, and narrow
// with round-to-nearest-even. NaNs narrow to the same bits as the scalar conversions in half.h, so
// every build of the kernels gives identical results.
#define COLLBENCH_KERNEL_NS avx2
#include <immintrin.h>

#include "collectives/reduce/kernels.h"

namespace collbench {
namespace avx2 {
namespace {

// The vector form of each scalar functor. min_ps(a, b) is a < b ? a : b and max_ps(a, b) is
// a > b ? a : b: with (y, x) these are the scalar Min and Max, NaN and signed-zero cases
// included.
__m256 apply(Sum, __m256 x, __m256 y) { return _mm256_add_ps(x, y); }
__m256 apply(Prod, __m256 x, __m256 y) { return _mm256_mul_ps(x, y); }
__m256 apply(Min, __m256 x, __m256 y) { return _mm256_min_ps(y, x); }
__m256 apply(Max, __m256 x, __m256 y) { return _mm256_max_ps(y, x); }

// Eight 32-bit lanes, each holding a value below 2^16, packed to eight 16-bit lanes in order.
__m128i pack16(__m256i v) {
  return _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

// Each type reduces one block of kBlock elements at a time; the scalar functions do the tail.
struct Float16 {
  static constexpr std::size_t kBlock = 8;
  static __m256 load(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // Hardware rounding; NaN lanes become sign | 0x7E00, as floatToHalf() writes them (a branch
  // that is never taken on ordinary data).
  static __m128i narrow(__m256 v) {
    const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    if (_mm256_movemask_epi8(nan) == 0) return h;
    const __m256i bits = _mm256_castps_si256(v);
    const __m256i sign =
        _mm256_srli_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(INT32_MIN)), 16);
    const __m128i nan_h = _mm_or_si128(pack16(sign), _mm_set1_epi16(0x7E00));
    const __m128i nan16 =
        _mm_packs_epi32(_mm256_castsi256_si128(nan), _mm256_extracti128_si256(nan, 1));
    return _mm_blendv_epi8(h, nan_h, nan16);
  }
  template <typename Op>
  static void block(std::uint16_t* d, const std::uint16_t* x, const std::uint16_t* y, Op op) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d), narrow(apply(op, load(x), load(y))));
  }
  static float toFloat(std::uint16_t h) { return halfToFloat(h); }
  static std::uint16_t fromFloat(float f) { return floatToHalf(f); }
};

// Sixteen at a time: interleaving with zeros widens to float (lanes 0-3 and 8-11, then 4-7
// and 12-15), and packing the two halves back undoes exactly that order, with no permutes.
struct BFloat16 {
  static constexpr std::size_t kBlock = 16;
  // floatToBfloat16() on eight lanes, each result in the low half of its 32 bits: add 0x7FFF
  // plus the kept lowest bit and keep the top half; NaNs keep their top half, made quiet.
  static __m256i narrow(__m256 v) {
    const __m256i w = _mm256_castps_si256(v);
    const __m256i top = _mm256_srli_epi32(w, 16);
    const __m256i odd = _mm256_and_si256(top, _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(w, _mm256_set1_epi32(0x7FFF)), odd), 16);
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    if (_mm256_movemask_epi8(nan) == 0) return rounded;
    return _mm256_blendv_epi8(rounded, _mm256_or_si256(top, _mm256_set1_epi32(0x0040)), nan);
  }
  template <typename Op>
  static void block(std::uint16_t* d, const std::uint16_t* x, const std::uint16_t* y, Op op) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i vx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    const __m256i vy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y));
    const __m256 lo = apply(op, _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, vx)),
                            _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, vy)));
    const __m256 hi = apply(op, _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, vx)),
                            _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, vy)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), _mm256_packus_epi32(narrow(lo), narrow(hi)));
  }
  static float toFloat(std::uint16_t h) { return bfloat16ToFloat(h); }
  static std::uint16_t fromFloat(float f) { return floatToBfloat16(f); }
};

template <typename Half, typename Op>
void halfVectorLoop(void* dst, const void* a, const void* b, std::size_t n) {
  auto* d = static_cast<std::uint16_t*>(dst);
  const auto* x = static_cast<const std::uint16_t*>(a);
  const auto* y = static_cast<const std::uint16_t*>(b);
  std::size_t i = 0;
  Op op;
  for (; i + Half::kBlock <= n; i += Half::kBlock) Half::block(d + i, x + i, y + i, op);
  for (; i < n; ++i) d[i] = Half::fromFloat(op(Half::toFloat(x[i]), Half::toFloat(y[i])));
}

template <typename Half>
void halfReduce(ReduceOp op, void* dst, const void* a, const void* b, std::size_t n) {
  withOp(op, [&](auto o) { halfVectorLoop<Half, decltype(o)>(dst, a, b, n); });
}

}  // namespace

void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b, std::size_t count) {
  if (t == DataType::kFloat16) return halfReduce<Float16>(op, dst, a, b, count);
  if (t == DataType::kBFloat16) return halfReduce<BFloat16>(op, dst, a, b, count);
  reduceAny(t, op, dst, a, b, count);
}

void finishAverage(DataType t, void* buf, std::size_t count, int ranks) {
  divideAny(t, buf, count, ranks);
}

}  // namespace avx2
}  // namespace collbench
