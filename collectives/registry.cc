#include "collectives/registry.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "collectives/allgather/allgather.h"
#include "collectives/allreduce/allreduce.h"
#include "collectives/alltoall/alltoall.h"
#include "collectives/p2p/p2p.h"
#include "collectives/reducescatter/reducescatter.h"
#include "collectives/rooted/rooted.h"
#include "collectives/select/best.h"
#if COLLBENCH_HAVE_MPI
#include "collectives/native/mpi.h"
#endif
#if COLLBENCH_HAVE_GLOO
#include "collectives/native/gloo.h"
#endif
#if COLLBENCH_HAVE_NCCL
#include "collectives/native/nccl.h"
#endif

namespace collbench {
namespace {

struct Registered {
  std::unique_ptr<Algorithm> algo;
  bool by_default;
};

// Our algorithms (over the communicator's transport), fresh: the one list, read again for
// best's candidates.
std::vector<Registered> ours() {
  std::vector<Registered> all;
  auto add = [&all](std::unique_ptr<Algorithm> algo, bool by_default) {
    all.push_back({std::move(algo), by_default});
  };
  add(makeRingAllreduce(), true);
  add(makeTreeAllreduce(), true);
  add(makeRecursiveDoublingAllreduce(), true);
  add(makeHierAllreduce(makeRingAllreduce()), false);
  add(makeHierAllreduce(makeTreeAllreduce()), false);
  add(makeRingAllGather(), true);
  add(makeRingReduceScatter(), true);
  add(makeChainBroadcast(), true);
  add(makeTreeBroadcast(), true);
  add(makeChainReduce(), true);
  add(makeTreeReduce(), true);
  add(makePairwiseAlltoall(), true);
  add(makeAllAtOnceAlltoall(), true);
  add(makeRingSendrecv(), true);
  add(makePingpong(), true);
  return all;
}

// best (not measured by default) for each collective with two or more of our algorithms,
// choosing among all of them, in the list's order.
void addBest(std::vector<Registered>& all) {
  std::vector<std::pair<std::string, std::vector<std::unique_ptr<Algorithm>>>> by_collective;
  for (auto& r : ours()) {
    const std::string collective = r.algo->collective();
    auto it = std::find_if(by_collective.begin(), by_collective.end(),
                           [&](const auto& c) { return c.first == collective; });
    if (it == by_collective.end()) {
      by_collective.emplace_back();
      by_collective.back().first = collective;
      it = std::prev(by_collective.end());
    }
    it->second.push_back(std::move(r.algo));
  }
  for (auto& [collective, candidates] : by_collective) {
    if (candidates.size() >= 2) all.push_back({makeBest(std::move(candidates)), false});
  }
}

// Every algorithm, fresh. Constructors do no work, so this is cheap.
std::vector<Registered> registered() {
  std::vector<Registered> all = ours();
  addBest(all);
  auto add = [&all](std::unique_ptr<Algorithm> algo, bool by_default) {
    all.push_back({std::move(algo), by_default});
  };
#if COLLBENCH_HAVE_MPI
  for (auto& algo : makeMpiCollectives()) add(std::move(algo), true);
#endif
#if COLLBENCH_HAVE_GLOO
  for (auto& algo : makeGlooCollectives()) add(std::move(algo), false);
#endif
#if COLLBENCH_HAVE_NCCL
  for (auto& algo : makeNcclCollectives()) {
    const bool by_default = algo->name() == "nccl";
    add(std::move(algo), by_default);
  }
#endif
  return all;
}

bool handles(const Algorithm& algo, MemoryKind kind) {
  const auto kinds = algo.memoryKinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// The names of `collective`'s algorithms that run on buffers in `kind`: every one, or only
// those measured by default.
std::vector<std::string> namesFor(const std::string& collective, MemoryKind kind,
                                  bool defaults_only) {
  std::vector<std::string> names;
  for (const auto& r : registered()) {
    if (r.algo->collective() == collective && (r.by_default || !defaults_only) &&
        handles(*r.algo, kind))
      names.push_back(r.algo->name());
  }
  return names;
}

}  // namespace

std::vector<AlgorithmInfo> listAlgorithms() {
  std::vector<AlgorithmInfo> out;
  for (const auto& r : registered()) {
    out.push_back({r.algo->collective(), r.algo->name(), r.algo->description(), r.algo->library(),
                   r.algo->memoryKinds(), r.by_default});
  }
  return out;
}

std::unique_ptr<Algorithm> makeAlgorithm(const std::string& collective, const std::string& name) {
  for (auto& r : registered()) {
    if (r.algo->collective() == collective && r.algo->name() == name) return std::move(r.algo);
  }
  return nullptr;
}

std::vector<std::string> defaultAlgorithms(const std::string& collective, MemoryKind kind) {
  return namesFor(collective, kind, true);
}

std::vector<std::string> allAlgorithms(const std::string& collective, MemoryKind kind) {
  return namesFor(collective, kind, false);
}

std::string algorithmNames(const std::string& collective) {
  std::string s;
  for (const auto& r : registered()) {
    if (r.algo->collective() == collective) s += (s.empty() ? "" : ", ") + r.algo->name();
  }
  return s;
}

}  // namespace collbench
