// The one list of algorithms. Adding an algorithm is one file plus one line in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

struct AlgorithmInfo {
  std::string name;
  std::string collective;
  std::string description;
};

std::vector<AlgorithmInfo> listAlgorithms();
// nullptr for an unknown name.
std::unique_ptr<Algorithm> makeAlgorithm(const std::string& name);
std::string algorithmNames();  // "ring, tree, mpi" for messages

}  // namespace collbench
