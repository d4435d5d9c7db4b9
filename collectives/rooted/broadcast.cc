// Broadcast from any root: a pipelined chain (bandwidth: every link carries the buffer once)
// and a pipelined binary tree (latency: depth about log2(n)); collectives/common/rooted.h.
#include "collectives/common/rooted.h"
#include "collectives/rooted/rooted.h"

namespace collbench {

std::unique_ptr<Algorithm> makeChainBroadcast() {
  return makeRootedAlgorithm("broadcast", "chain", "chain",
                             "pipelined chain root -> root+1 -> ...: each link carries the "
                             "buffer once (bandwidth-optimal; latency grows with n)",
                             rootedBroadcast, rootedChain);
}

std::unique_ptr<Algorithm> makeTreeBroadcast() {
  return makeRootedAlgorithm("broadcast", "tree", "binary-tree",
                             "pipelined binary tree from the root: depth ~ log2(n), inner "
                             "ranks send every segment twice",
                             rootedBroadcast, rootedBinaryTree);
}

}  // namespace collbench
