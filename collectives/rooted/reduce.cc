// Reduce to any root: the broadcast shapes run upwards with a reduction at every rank, a
// pipelined chain (bandwidth) and a pipelined binary tree (latency); collectives/common/rooted.h.
#include "collectives/common/rooted.h"
#include "collectives/rooted/rooted.h"

namespace collbench {

std::unique_ptr<Algorithm> makeChainReduce() {
  return makeRootedAlgorithm("reduce", "chain", "chain",
                             "pipelined chain ... -> root+1 -> root, reducing at every hop: "
                             "each link carries the buffer once (bandwidth-optimal)",
                             rootedReduce, rootedChain);
}

std::unique_ptr<Algorithm> makeTreeReduce() {
  return makeRootedAlgorithm("reduce", "tree", "binary-tree",
                             "pipelined binary tree toward the root, reducing at every inner "
                             "rank: depth ~ log2(n)",
                             rootedReduce, rootedBinaryTree);
}

}  // namespace collbench
