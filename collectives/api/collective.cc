#include "collectives/api/collective.h"

#include <stdexcept>

namespace collbench {
namespace {

double allreduceBusFactor(int ranks) { return ranks > 1 ? 2.0 * (ranks - 1) / ranks : 0.0; }
double pointToPointBusFactor(int) { return 1.0; }

void fillAllreduce(const CollArgs& a, int rank, int ranks, std::uint64_t seed, void* input) {
  fillInput(a.dtype, a.op, rank, ranks, seed, input, a.count);
}

CheckResult checkAllreduce(const CollArgs& a, int, int ranks, std::uint64_t seed, const void* out) {
  return checkOutput(a.dtype, a.op, ranks, seed, out, a.count);
}

// Pingpong inputs are the sum-op inputs; after a round trip both members of a pair hold the
// even member's.
void fillPingpong(const CollArgs& a, int rank, int ranks, std::uint64_t seed, void* input) {
  fillInput(a.dtype, ReduceOp::kSum, rank, ranks, seed, input, a.count);
}

CheckResult checkPingpong(const CollArgs& a, int rank, int ranks, std::uint64_t seed,
                          const void* out) {
  const int source = pingpongPartner(rank, ranks) < 0 ? rank : (rank & ~1);
  CheckResult result;
  for (std::size_t i = 0; i < a.count; ++i) {
    const double want = inputValue(a.dtype, ReduceOp::kSum, source, ranks, seed, i);
    const double got = loadElement(a.dtype, out, i);
    if (got == want) continue;
    if (result.wrong++ == 0) {
      result.first_wrong = i;
      result.got = got;
      result.expected = want;
    }
  }
  return result;
}

const std::vector<CollectiveDescriptor>& table() {
  static const std::vector<CollectiveDescriptor> t = {
      {"allreduce", allreduceBusFactor, 1.0, true, fillAllreduce, checkAllreduce},
      {"pingpong", pointToPointBusFactor, 0.5, false, fillPingpong, checkPingpong},
  };
  return t;
}

}  // namespace

const CollectiveDescriptor& describeCollective(const std::string& name) {
  for (const auto& d : table()) {
    if (d.name == name) return d;
  }
  throw std::invalid_argument("unknown collective '" + name + "'");
}

std::vector<std::string> collectiveNames() {
  std::vector<std::string> names;
  for (const auto& d : table()) names.push_back(d.name);
  return names;
}

int pingpongPartner(int rank, int ranks) {
  const int partner = rank ^ 1;
  return partner < ranks ? partner : -1;
}

}  // namespace collbench
