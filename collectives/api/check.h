// Correctness data for the collectives: seeded inputs whose reduction has a closed form, so each
// rank checks its whole output element by element in O(count), at any rank count.
//
// Values are small integers (and +-2 for prod), exact in every dtype; a float sum is exact
// while 3 * ranks stays below the dtype's exact-integer limit, and beyond that is checked
// with the bound that sequential rounding justifies (ranks * epsilon * |sum|).
#pragma once

#include <cstddef>
#include <cstdint>

#include "collectives/api/types.h"

namespace collbench {

// Element i of the input of `rank`.
double inputValue(DataType t, ReduceOp op, int rank, int ranks, std::uint64_t seed, std::size_t i);
// Element i of the exact result (before rounding to the dtype).
double expectedValue(DataType t, ReduceOp op, int ranks, std::uint64_t seed, std::size_t i);
// The absolute error allowed for element i (0 for integers and exact float cases).
double tolerance(DataType t, ReduceOp op, int ranks, double expected);

void fillInput(DataType t, ReduceOp op, int rank, int ranks, std::uint64_t seed, void* buf,
               std::size_t count);

struct CheckResult {
  std::uint64_t wrong = 0;
  std::size_t first_wrong = 0;  // valid when wrong > 0
  double got = 0;
  double expected = 0;
};

// Checks buf[0 .. count) against the exact results of elements first .. first + count.
CheckResult checkOutput(DataType t, ReduceOp op, int ranks, std::uint64_t seed, const void* buf,
                        std::size_t count, std::size_t first = 0);

// Element i of rank `rank`'s input to a collective that moves data without reducing it: an
// integer in [0, 250], exact in every dtype, that differs between any two ranks less than 251
// apart at the same index and looks random along i, so that a block from the wrong rank or at
// the wrong offset is caught.
double movedValue(DataType t, int rank, std::uint64_t seed, std::size_t i);

// Element access through double, for checks and tests (values must be representable).
double loadElement(DataType t, const void* buf, std::size_t i);
void storeElement(DataType t, void* buf, std::size_t i, double v);

}  // namespace collbench
