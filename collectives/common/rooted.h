// Broadcast and reduce down (or up) a chain or a binary tree rooted anywhere, pipelined in
// segments: shared by the chain and tree algorithms of both collectives.
#pragma once

#include <memory>
#include <string>

#include "collectives/api/algorithm.h"
#include "collectives/patterns/tree.h"

namespace collbench {

// The shape of the rooted pipeline: a node's parent and children for (rank, size, root).
using RootedShape = TreeNode (*)(int rank, int size, int root);

// The root's args.send reaches every rank's args.recv (the root's too). Each rank passes
// segment k to its children as soon as it has arrived from its parent, with receives posted
// `segments_in_flight` ahead. Collective.
void rootedBroadcast(Communicator& comm, const CollArgs& args, RootedShape shape);

// The reduction of every rank's args.send lands in the root's args.recv. Each rank receives
// segment k from its children into scratch slots posted ahead, reduces it with its own input
// into its args.recv (a working area on ranks other than the root) and passes it to its
// parent. Collective.
void rootedReduce(Communicator& comm, const CollArgs& args, RootedShape shape);

// An algorithm of `collective` that runs `run` (one of the two above) over `shape`;
// `cost_form` names its cost model (Algorithm::costForm).
using RootedRun = void (*)(Communicator& comm, const CollArgs& args, RootedShape shape);
std::unique_ptr<Algorithm> makeRootedAlgorithm(std::string collective, std::string name,
                                               std::string cost_form, std::string description,
                                               RootedRun run, RootedShape shape);

}  // namespace collbench
