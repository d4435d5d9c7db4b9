// The one list of algorithms, keyed by (collective, algorithm name): "ring" for all_gather is
// not "ring" for all_reduce. Adding an algorithm is one file plus one line in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

struct AlgorithmInfo {
  std::string collective;
  std::string name;
  std::string description;
  std::string library;  // "" for ours, else the vendor library
  std::vector<MemoryKind> memory_kinds;
  bool by_default = false;  // measured when --algo is not given (and the memory kind fits)
};

std::vector<AlgorithmInfo> listAlgorithms();
// nullptr for an unknown (collective, name).
std::unique_ptr<Algorithm> makeAlgorithm(const std::string& collective, const std::string& name);
// The algorithms measured by default for `collective` with buffers in `kind`.
std::vector<std::string> defaultAlgorithms(const std::string& collective, MemoryKind kind);
// Every algorithm of `collective` built into this binary that runs on buffers in `kind`
// (--algo all): ours, best, and the vendor baselines.
std::vector<std::string> allAlgorithms(const std::string& collective, MemoryKind kind);
// "ring, tree, mpi" for messages: the algorithms of one collective.
std::string algorithmNames(const std::string& collective);

}  // namespace collbench
