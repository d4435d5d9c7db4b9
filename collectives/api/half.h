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

inline float halfToFloat(std::uint16_t h) {
  const std::uint32_t w = static_cast<std::uint32_t>(h) << 16;
  const std::uint32_t sign = w & 0x80000000u;
  const std::uint32_t two_w = w + w;
  // Normal numbers: move the exponent and mantissa into place, then rebias by scaling.
  const float normalized = bitsToFloat((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  // Subnormals: build 0.5 + m * 2^-24 exactly and subtract 0.5.
  const float denormalized = bitsToFloat((two_w >> 17) | (126u << 23)) - 0.5f;
  const std::uint32_t bits =
      sign | (two_w < (1u << 27) ? floatToBits(denormalized) : floatToBits(normalized));
  return bitsToFloat(bits);
}

inline std::uint16_t floatToHalf(float f) {
  // Scaling up then down makes the FPU round the mantissa to binary16 precision.
  float base = (__builtin_fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
  const std::uint32_t w = floatToBits(f);
  const std::uint32_t shl1_w = w + w;
  const std::uint32_t sign = w & 0x80000000u;
  std::uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = bitsToFloat((bias >> 1) + 0x07800000u) + base;
  const std::uint32_t bits = floatToBits(base);
  const std::uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const std::uint32_t mantissa_bits = bits & 0x00000FFFu;
  const std::uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<std::uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

inline float bfloat16ToFloat(std::uint16_t b) {
  return bitsToFloat(static_cast<std::uint32_t>(b) << 16);
}

inline std::uint16_t floatToBfloat16(float f) {
  const std::uint32_t w = floatToBits(f);
  const bool is_nan = (w & 0x7FFFFFFFu) > 0x7F800000u;
  const std::uint32_t rounded = w + 0x7FFFu + ((w >> 16) & 1u);
  return static_cast<std::uint16_t>(is_nan ? ((w >> 16) | 0x0040u) : (rounded >> 16));
}

}  // namespace collbench
