// "best": per call shape, the fastest of a collective's own algorithms, as NCCL's tuner picks
// between ring and tree per size, but chosen by measuring rather than by a model.
#pragma once

#include <memory>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

// Calibration before the first call of each shape (counts, dtype, op, root, placement): each
// candidate that supports it runs kCalibrationWarmup + kCalibrationRuns times on the call's own
// buffers (an in-place input is put back afterwards); every rank's median over the timed runs
// goes to every rank through the communicator's bootstrap, and the candidate whose slowest
// rank's median is least is chosen, the same on every rank. Needs comm.bootstrap().
inline constexpr int kCalibrationWarmup = 1;
inline constexpr int kCalibrationRuns = 3;

std::unique_ptr<Algorithm> makeBest(std::vector<std::unique_ptr<Algorithm>> candidates);

}  // namespace collbench
