// Schedules of disjoint pairs for screening links (--collective pairwise, neighbors): each round
// pairs every rank with at most one partner, so that a round loads every rank once and the
// pairs of a round can be measured at the same time.
#pragma once

#include <vector>

namespace collbench {

// rounds[r][rank]: the rank's partner in round r, or -1 when it sits that round out.
using PairRounds = std::vector<std::vector<int>>;

// Every pair exactly once in n - 1 rounds (n even) or n rounds with one bye each (n odd): the
// circle method of round-robin tournaments (rank n - 1, or a phantom rank for odd n, stays put
// while the others rotate). A 1,024-rank screen is 1,023 rounds, not 523,776 runs.
PairRounds tournamentRounds(int n);

// A fast screen: each rank with its ring neighbours (two or three rounds of disjoint pairs)
// and with its XOR partner at each power of two below n (log2 n rounds; a partner past the
// last rank sits out), so every rank meets several partners on different paths.
PairRounds neighborRounds(int n);

}  // namespace collbench
