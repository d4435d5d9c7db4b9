#include "collectives/registry.h"

#include <functional>
#include <utility>

#include "collectives/allreduce/allreduce.h"
#include "collectives/native/mpi.h"
#if COLLBENCH_HAVE_GLOO
#include "collectives/native/gloo.h"
#endif
#if COLLBENCH_HAVE_NCCL
#include "collectives/native/nccl.h"
#endif
#include "collectives/p2p/p2p.h"

namespace collbench {
namespace {

using Factory = std::function<std::unique_ptr<Algorithm>()>;

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
    {"ring", makeRingAllreduce},
    {"tree", makeTreeAllreduce},
    {"hier", [] { return makeHierAllreduce(makeRingAllreduce()); }},
    {"hier-tree", [] { return makeHierAllreduce(makeTreeAllreduce()); }},
    {"mpi", makeMpiAllreduce},
#if COLLBENCH_HAVE_GLOO
    {"gloo-ring", [] { return makeGlooAllreduce(GlooAlgorithm::kRing); }},
    {"gloo-bcube", [] { return makeGlooAllreduce(GlooAlgorithm::kBcube); }},
#endif
#if COLLBENCH_HAVE_NCCL
    {"nccl", [] { return makeNcclAllreduce(""); }},
    {"nccl-ring", [] { return makeNcclAllreduce("Ring"); }},
    {"nccl-tree", [] { return makeNcclAllreduce("Tree"); }},
#endif
    {"pingpong", makePingpong},
  };
  return table;
}

}  // namespace

std::vector<AlgorithmInfo> listAlgorithms() {
  std::vector<AlgorithmInfo> out;
  for (const auto& [name, make] : factories()) {
    auto algo = make();
    out.push_back({name, algo->collective(), algo->description()});
  }
  return out;
}

std::unique_ptr<Algorithm> makeAlgorithm(const std::string& name) {
  for (const auto& [n, make] : factories()) {
    if (n == name) return make();
  }
  return nullptr;
}

std::string algorithmNames() {
  std::string s;
  for (const auto& entry : factories()) s += (s.empty() ? "" : ", ") + entry.first;
  return s;
}

}  // namespace collbench
