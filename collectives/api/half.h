// float16 and bfloat16 <-> float conversions, branch-free so that loops using them vectorise.
// float16 follows the IEEE 754 binary16 layout with round-to-nearest-even; the technique
// (scale by powers of two so the FPU does the rounding) is the one of Maratyszcza's FP16
// library. bfloat16 is the top half of a float32, rounded to nearest even.
#pragma once

#include <cstdint>
#include <cstring>

namespace collbench {

inline float bitsToFloat(std::uint32_t w) {
  float f;
  std::memcpy(&f, &w, sizeof f);
  return f;
}

inline std::uint32_t floatToBits(float f) {
  std::uint32_t w;
  std::memcpy(&w, &f, sizeof w);
  return w;
}

// All ones when `c` holds, else zero: selects written as masks rather than ?: so that GCC
// emits no branch and the loops using them vectorise.
inline std::uint32_t maskIf(bool c) { return 0u - static_cast<std::uint32_t>(c); }

inline std::uint32_t select(std::uint32_t mask, std::uint32_t yes, std::uint32_t no) {
  return (yes & mask) | (no & ~mask);
}

inline float halfToFloat(std::uint16_t h) {
  const std::uint32_t w = static_cast<std::uint32_t>(h) << 16;
  const std::uint32_t sign = w & 0x80000000u;
  const std::uint32_t two_w = w + w;
  // Normal numbers: move the exponent and mantissa into place and rebias the exponent in
  // integer arithmetic (Inf and NaN get the maximum exponent).
  const std::uint32_t inf_or_nan = maskIf(two_w >= 0xF8000000u);
  const std::uint32_t normalized = (two_w >> 4) + (112u << 23) + (inf_or_nan & (112u << 23));
  // Subnormals: build 0.5 + m * 2^-24 exactly and subtract 0.5.
  const float denormalized = bitsToFloat((two_w >> 17) | (126u << 23)) - 0.5f;
  const std::uint32_t subnormal = maskIf(two_w < (1u << 27));
  return bitsToFloat(sign | select(subnormal, floatToBits(denormalized), normalized));
}

inline std::uint16_t floatToHalf(float f) {
  // Scaling up then down makes the FPU round the mantissa to binary16 precision.
  float base = (__builtin_fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
  const std::uint32_t w = floatToBits(f);
  const std::uint32_t shl1_w = w + w;
  const std::uint32_t sign = w & 0x80000000u;
  const std::uint32_t exponent = shl1_w & 0xFF000000u;
  const std::uint32_t bias = select(maskIf(exponent < 0x71000000u), 0x71000000u, exponent);
  base = bitsToFloat((bias >> 1) + 0x07800000u) + base;
  const std::uint32_t bits = floatToBits(base);
  const std::uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const std::uint32_t mantissa_bits = bits & 0x00000FFFu;
  const std::uint32_t nonsign = exp_bits + mantissa_bits;
  const std::uint32_t nan = maskIf(shl1_w > 0xFF000000u);
  return static_cast<std::uint16_t>((sign >> 16) | select(nan, 0x7E00u, nonsign));
}

inline float bfloat16ToFloat(std::uint16_t b) {
  return bitsToFloat(static_cast<std::uint32_t>(b) << 16);
}

inline std::uint16_t floatToBfloat16(float f) {
  const std::uint32_t w = floatToBits(f);
  const std::uint32_t nan = maskIf((w & 0x7FFFFFFFu) > 0x7F800000u);
  const std::uint32_t rounded = w + 0x7FFFu + ((w >> 16) & 1u);
  return static_cast<std::uint16_t>(select(nan, (w >> 16) | 0x0040u, rounded >> 16));
}

}  // namespace collbench
