// "best": per call shape, the fastest of a collective's own algorithms, as NCCL's tuner picks
// between ring and tree per size, but chosen by measuring rather than by a model.
#pragma once

#include <memory>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

// Calibration before the first call of each shape (counts, dtype, op, root, placement), on the
// call's own buffers (an in-place input is put back afterwards): each candidate that supports
// the shape runs kCalibrationWarmup calls, then kCalibrationRounds rounds in which each in turn
// runs kCalibrationRuns calls back to back after a barrier; a rank's time for a candidate is
// the median over rounds of its time per call. Every rank's times go to every rank through the
// communicator's bootstrap, and the candidate whose slowest rank's time is least is chosen, the
// same on every rank. Needs comm.bootstrap().
inline constexpr int kCalibrationWarmup = 1;
inline constexpr int kCalibrationRounds = 3;
inline constexpr int kCalibrationRuns = 2;

std::unique_ptr<Algorithm> makeBest(std::vector<std::unique_ptr<Algorithm>> candidates);

}  // namespace collbench
