// What each collective is, as nccl-tests describes it: how its time and bus bandwidth are
// reported, and how its inputs are made and its outputs checked. The harness measures every
// algorithm through the descriptor of its collective.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"
#include "collectives/api/check.h"

namespace collbench {

struct CollectiveDescriptor {
  std::string name;
  // busbw = algbw * busFactor(ranks): 2(n-1)/n for all-reduce, 1 for point-to-point.
  double (*bus_factor)(int ranks);
  // The reported time of one iteration: pingpong reports half the round trip.
  double time_scale;
  // Whether the reduction op means anything (false: the op is reported as "none").
  bool uses_op;
  // Writes this rank's seeded input into `input` (args.count elements of args.dtype).
  void (*fill)(const CollArgs& args, int rank, int ranks, std::uint64_t seed, void* input);
  // Checks this rank's output element by element.
  CheckResult (*check)(const CollArgs& args, int rank, int ranks, std::uint64_t seed,
                       const void* output);
};

// Throws std::invalid_argument for an unknown name.
const CollectiveDescriptor& describeCollective(const std::string& name);
std::vector<std::string> collectiveNames();

// pingpong pairs ranks 0-1, 2-3, ...; the last rank of an odd group has no partner (-1).
int pingpongPartner(int rank, int ranks);

}  // namespace collbench
