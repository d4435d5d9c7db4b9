// Rank arithmetic of the hierarchical all-reduce: which ranks share a host, and how the
// buffer is cut so that each piece can cross the network between exactly one rank per host.
// Pure functions, no transport.
#pragma once

#include <cstddef>
#include <vector>

#include "collectives/patterns/ring.h"

namespace collbench {

// The ranks of each host in rank order; hosts in the order of their first rank. `host_of_rank`
// has one entry per rank (equal values: same host); empty means all `n` ranks on one host.
std::vector<std::vector<int>> ranksByHost(const std::vector<int>& host_of_rank, int n);

// A range of elements and, for each host (in ranksByHost order), the rank that holds it after
// the intra-host ring reduce-scatter.
struct HierPiece {
  Range range;
  std::vector<int> owners;
};

// After a ring reduce-scatter inside each host, local rank i of a host with L ranks owns chunk
// ringOwnedChunk(i, L) of evenChunk(count, L, .). Hosts with different L cut the buffer at
// different places, so the buffer is cut at every host's chunk boundaries: each piece then lies
// inside one owned chunk on every host. With equal L there are L pieces, one per local rank.
// Empty pieces are left out; pieces come in buffer order.
std::vector<HierPiece> hierPieces(std::size_t count, const std::vector<std::vector<int>>& hosts);

}  // namespace collbench
