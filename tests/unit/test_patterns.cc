#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "collectives/patterns/hier.h"
#include "collectives/patterns/pairs.h"
#include "collectives/patterns/ring.h"
#include "collectives/patterns/tree.h"

namespace collbench {
namespace {

TEST(Ring, NeighboursWrapAround) {
  EXPECT_EQ(ringNext(0, 5), 1);
  EXPECT_EQ(ringNext(4, 5), 0);
  EXPECT_EQ(ringPrev(0, 5), 4);
  EXPECT_EQ(ringPrev(3, 5), 2);
  EXPECT_EQ(ringNext(0, 1), 0);
}

TEST(Ring, EvenChunksCoverTheBufferInOrder) {
  for (std::size_t count : {0u, 1u, 2u, 7u, 1000u, 1048579u}) {
    for (int parts : {1, 2, 3, 5, 7, 8, 13}) {
      std::size_t expect_begin = 0;
      for (int c = 0; c < parts; ++c) {
        Range r = evenChunk(count, parts, c);
        EXPECT_EQ(r.begin, expect_begin) << count << "/" << parts << " chunk " << c;
        EXPECT_LE(r.size(), count / parts + 1);
        EXPECT_GE(r.size(), count / parts);
        expect_begin = r.end;
      }
      EXPECT_EQ(expect_begin, count);
    }
  }
}

// After n-1 reduce-scatter steps the chunk a rank owns has received a contribution from every
// other rank exactly once, and what a rank receives at step s is what its previous neighbour
// sends at step s.
TEST(Ring, ReduceScatterScheduleGathersEveryRankOnce) {
  for (int shift : {0, kAllreduceRingShift})
    for (int n : {2, 3, 4, 5, 7, 8}) {
      // contributions[rank][chunk]: ranks whose data is in that rank's partial of the chunk
      std::vector<std::vector<std::set<int>>> have(n, std::vector<std::set<int>>(n));
      for (int r = 0; r < n; ++r) {
        for (int c = 0; c < n; ++c) have[r][c] = {r};
      }
      for (int s = 0; s < n - 1; ++s) {
        auto next = have;
        for (int r = 0; r < n; ++r) {
          int prev = ringPrev(r, n);
          int c = ringReduceScatterRecvChunk(r, n, s, shift);
          ASSERT_EQ(c, ringReduceScatterSendChunk(prev, n, s, shift));
          next[r][c].insert(have[prev][c].begin(), have[prev][c].end());
        }
        have = next;
      }
      for (int r = 0; r < n; ++r) {
        EXPECT_EQ(have[r][ringOwnedChunk(r, n, shift)].size(), static_cast<std::size_t>(n))
            << "n=" << n << " rank " << r << " shift " << shift;
        // Step 0 sends the rank's own input of the chunk it sends.
        EXPECT_EQ(ringReduceScatterSendChunk(r, n, 0, shift), mod(r + shift - 1, n));
      }
    }
}

TEST(Ring, AllGatherScheduleDeliversEveryChunk) {
  for (int shift : {0, kAllreduceRingShift})
    for (int n : {2, 3, 4, 5, 8}) {
      std::vector<std::set<int>> final_chunks(n);
      for (int r = 0; r < n; ++r) final_chunks[r] = {ringOwnedChunk(r, n, shift)};
      for (int s = 0; s < n - 1; ++s) {
        auto next = final_chunks;
        for (int r = 0; r < n; ++r) {
          int prev = ringPrev(r, n);
          int sent = ringAllGatherSendChunk(prev, n, s, shift);
          ASSERT_TRUE(final_chunks[prev].count(sent)) << "rank " << prev << " sends unfinished";
          ASSERT_EQ(sent, ringAllGatherRecvChunk(r, n, s, shift));
          next[r].insert(sent);
        }
        final_chunks = next;
      }
      for (int r = 0; r < n; ++r) EXPECT_EQ(final_chunks[r].size(), static_cast<std::size_t>(n));
    }
}

TEST(Ring, SegmentsTileTheRange) {
  Range r{10, 35};
  EXPECT_EQ(segmentCount(r.size(), 10), 3u);
  EXPECT_EQ(segmentOf(r, 10, 0).begin, 10u);
  EXPECT_EQ(segmentOf(r, 10, 2).begin, 30u);
  EXPECT_EQ(segmentOf(r, 10, 2).end, 35u);
  EXPECT_TRUE(segmentOf(r, 10, 3).empty());
}

TEST(BinaryTree, KnownShapeForEight) {
  // 0 -> 4 -> {2 -> {1,3}, 6 -> {5,7}}
  EXPECT_EQ(binaryTree(0, 8).parent, -1);
  EXPECT_EQ(binaryTree(0, 8).children, std::vector<int>{4});
  EXPECT_EQ(binaryTree(4, 8).children, (std::vector<int>{2, 6}));
  EXPECT_EQ(binaryTree(6, 8).children, (std::vector<int>{5, 7}));
  EXPECT_EQ(binaryTree(7, 8).parent, 6);
  EXPECT_TRUE(binaryTree(7, 8).children.empty());
}

// Every tree is a spanning tree: parent and child links agree, at most two children, every
// rank reaches the root, and the depth is at most ceil(log2(n)) + 1.
void expectSpanningTree(int n, int t) {
  const int root = treeRoot(n, t);
  int depth_bound = 1;
  while ((1 << (depth_bound - 1)) < n) ++depth_bound;
  for (int r = 0; r < n; ++r) {
    TreeNode node = doubleBinaryTree(r, n, t);
    EXPECT_LE(node.children.size(), 2u);
    EXPECT_EQ(node.parent == -1, r == root) << "n=" << n << " t=" << t << " rank " << r;
    for (int c : node.children) {
      ASSERT_GE(c, 0);
      ASSERT_LT(c, n);
      EXPECT_EQ(doubleBinaryTree(c, n, t).parent, r) << "n=" << n << " t=" << t;
    }
    if (node.parent >= 0) {
      auto kids = doubleBinaryTree(node.parent, n, t).children;
      EXPECT_NE(std::find(kids.begin(), kids.end(), r), kids.end());
    }
    int steps = 0;
    for (int x = r; x != root; x = doubleBinaryTree(x, n, t).parent) {
      ASSERT_LE(++steps, depth_bound) << "n=" << n << " t=" << t << " rank " << r;
    }
  }
}

TEST(DoubleBinaryTree, BothTreesSpanForManySizes) {
  for (int n = 1; n <= 130; ++n) {
    expectSpanningTree(n, 0);
    expectSpanningTree(n, 1);
  }
  for (int n : {255, 256, 257, 1000, 1024, 4097}) {
    expectSpanningTree(n, 0);
    expectSpanningTree(n, 1);
  }
}

// Rooted trees and chains for broadcast and reduce: spanning, rooted where asked, links that
// agree both ways, a chain of depth n-1 and a tree of depth at most ceil(log2(n)) + 1.
void expectRootedSpanning(TreeNode (*shape)(int, int, int), int n, int root, int depth_bound) {
  for (int r = 0; r < n; ++r) {
    TreeNode node = shape(r, n, root);
    EXPECT_EQ(node.parent == -1, r == root) << "n=" << n << " root " << root << " rank " << r;
    EXPECT_LE(node.children.size(), 2u);
    for (int c : node.children) EXPECT_EQ(shape(c, n, root).parent, r);
    int steps = 0;
    for (int x = r; x != root; x = shape(x, n, root).parent) {
      ASSERT_LE(++steps, depth_bound) << "n=" << n << " root " << root << " rank " << r;
    }
  }
}

TEST(RootedTree, SpansFromEveryRoot) {
  for (int n = 1; n <= 40; ++n) {
    int log_bound = 1;
    while ((1 << (log_bound - 1)) < n) ++log_bound;
    for (int root = 0; root < n; ++root) {
      expectRootedSpanning(rootedBinaryTree, n, root, log_bound);
      expectRootedSpanning(rootedChain, n, root, n - 1);
    }
  }
  EXPECT_EQ(rootedChain(2, 5, 3).parent, 1);  // 3 -> 4 -> 0 -> 1 -> 2
  EXPECT_EQ(rootedChain(4, 5, 3).children, (std::vector<int>{0}));
  EXPECT_TRUE(rootedChain(2, 5, 3).children.empty());
}

// The point of two trees: for even sizes no rank is an inner node of both, so each rank's
// links carry about the same load.
TEST(DoubleBinaryTree, InnerNodesOfOneTreeAreLeavesOfTheOtherForEvenSizes) {
  for (int n : {2, 4, 6, 8, 16, 24, 64}) {
    for (int r = 0; r < n; ++r) {
      bool inner0 = !doubleBinaryTree(r, n, 0).children.empty();
      bool inner1 = !doubleBinaryTree(r, n, 1).children.empty();
      EXPECT_FALSE(inner0 && inner1) << "n=" << n << " rank " << r;
    }
  }
}

// The depth is the longest path to the root of either tree of the double binary tree.
TEST(DoubleBinaryTree, DepthIsTheLongestPathToTheRoot) {
  for (int n = 1; n <= 40; ++n) {
    int longest = 0;
    for (int t = 0; t < 2; ++t) {
      for (int r = 0; r < n; ++r) {
        int steps = 0;
        for (int x = r; doubleBinaryTree(x, n, t).parent >= 0; x = doubleBinaryTree(x, n, t).parent)
          ++steps;
        longest = std::max(longest, steps);
      }
    }
    EXPECT_EQ(treeDepth(n), longest) << "n=" << n;
  }
}

// NCCL's rule for its tree's chunk: a call too short to fill the tree's levels gets smaller
// segments, never below the floor of the rule that asks for them, never above the maximum.
TEST(DoubleBinaryTree, SegmentShrinksToFillTheTree) {
  constexpr std::size_t K = 1024;
  EXPECT_EQ(treeSegmentBytes(512 * K, 3, 256 * K), 64 * K);    // 1 MiB at 8 ranks: 8 segments
  EXPECT_EQ(treeSegmentBytes(2048 * K, 3, 256 * K), 128 * K);  // 4 MiB: 16 (8 x 3 not reached)
  EXPECT_EQ(treeSegmentBytes(6144 * K, 3, 256 * K), 256 * K);  // 12 MiB: 24 = 8 x depth
  EXPECT_EQ(treeSegmentBytes(6143 * K, 3, 256 * K), 128 * K);
  EXPECT_EQ(treeSegmentBytes(512 * K, 1, 256 * K), 128 * K);  // 2 ranks: 4 segments do
  EXPECT_EQ(treeSegmentBytes(200 * K, 3, 256 * K), 64 * K);   // 3 segments = depth
  EXPECT_EQ(treeSegmentBytes(100 * K, 3, 256 * K), 32 * K);   // the last floor
  EXPECT_EQ(treeSegmentBytes(0, 5, 256 * K), 32 * K);
  EXPECT_EQ(treeSegmentBytes(0, 5, 16 * K), 16 * K);  // at or below every floor: as given
  EXPECT_EQ(treeSegmentBytes(500, 3, 64), 64u);
  EXPECT_EQ(treeSegmentBytes(1 << 30, 6, 4096 * K), 4096 * K);  // long calls keep the maximum
}

TEST(Hier, RanksGroupedByHostInOrderOfFirstRank) {
  using Hosts = std::vector<std::vector<int>>;
  EXPECT_EQ(ranksByHost({7, 3, 7, 3, 5}, 5), (Hosts{{0, 2}, {1, 3}, {4}}));
  EXPECT_EQ(ranksByHost({}, 3), (Hosts{{0, 1, 2}}));
}

TEST(Hier, EvenHostsGiveOnePiecePerLocalRank) {
  // 2 hosts x 2 ranks, 10 elements: chunks [0,5) and [5,10); local rank 1 owns chunk 0.
  auto pieces = hierPieces(10, {{0, 1}, {2, 3}});
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].range.begin, 0u);
  EXPECT_EQ(pieces[0].range.end, 5u);
  EXPECT_EQ(pieces[0].owners, (std::vector<int>{1, 3}));
  EXPECT_EQ(pieces[1].owners, (std::vector<int>{0, 2}));
}

TEST(Hier, UnevenHostsCutAtEveryBoundary) {
  // Host A has 2 ranks (chunks [0,6) [6,12)), host B 3 ([0,4) [4,8) [8,12)).
  auto pieces = hierPieces(12, {{0, 1}, {2, 3, 4}});
  std::vector<std::size_t> begins;
  std::vector<std::vector<int>> owners;
  for (const auto& p : pieces) begins.push_back(p.range.begin), owners.push_back(p.owners);
  EXPECT_EQ(begins, (std::vector<std::size_t>{0, 4, 6, 8}));
  EXPECT_EQ(owners, (std::vector<std::vector<int>>{{1, 4}, {1, 2}, {0, 2}, {0, 3}}));
  EXPECT_EQ(pieces.back().range.end, 12u);
}

TEST(Hier, PiecesCoverTheBufferForTinyCounts) {
  for (std::size_t count : {0u, 1u, 2u, 5u}) {
    std::size_t covered = 0;
    for (const auto& p : hierPieces(count, {{0, 1, 2}, {3, 4}, {5}})) {
      EXPECT_EQ(p.range.begin, covered);
      EXPECT_FALSE(p.range.empty());
      EXPECT_EQ(p.owners.size(), 3u);
      covered = p.range.end;
    }
    EXPECT_EQ(covered, count);
  }
}

// Each round is a set of disjoint pairs: partners name each other, nobody pairs with itself.
void expectDisjointPairs(const PairRounds& rounds, int n) {
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    ASSERT_EQ(rounds[r].size(), static_cast<std::size_t>(n));
    for (int rank = 0; rank < n; ++rank) {
      const int p = rounds[r][static_cast<std::size_t>(rank)];
      if (p < 0) continue;
      ASSERT_LT(p, n);
      EXPECT_NE(p, rank) << "n " << n << " round " << r;
      EXPECT_EQ(rounds[r][static_cast<std::size_t>(p)], rank) << "n " << n << " round " << r;
    }
  }
}

TEST(PairRounds, TournamentMeetsEveryPairExactlyOnce) {
  for (int n = 2; n <= 130; ++n) {
    const PairRounds rounds = tournamentRounds(n);
    ASSERT_EQ(static_cast<int>(rounds.size()), n % 2 == 0 ? n - 1 : n) << n;
    expectDisjointPairs(rounds, n);
    std::vector<int> met(static_cast<std::size_t>(n * n), 0), byes(static_cast<std::size_t>(n), 0);
    for (const auto& round : rounds) {
      for (int rank = 0; rank < n; ++rank) {
        const int p = round[static_cast<std::size_t>(rank)];
        if (p < 0)
          ++byes[static_cast<std::size_t>(rank)];
        else
          ++met[static_cast<std::size_t>(rank * n + p)];
      }
    }
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) EXPECT_EQ(met[static_cast<std::size_t>(a * n + b)], a != b);
      EXPECT_EQ(byes[static_cast<std::size_t>(a)], n % 2) << "n " << n << " rank " << a;
    }
  }
}

TEST(PairRounds, NeighboursMeetRingAndXorPartners) {
  EXPECT_TRUE(neighborRounds(1).empty());
  for (int n = 2; n <= 130; ++n) {
    const PairRounds rounds = neighborRounds(n);
    expectDisjointPairs(rounds, n);
    auto meets = [&](int a, int b) {
      for (const auto& round : rounds) {
        if (round[static_cast<std::size_t>(a)] == b) return true;
      }
      return false;
    };
    int log2n = 0;
    while ((2 << log2n) < n) ++log2n;
    EXPECT_EQ(static_cast<int>(rounds.size()), (n > 2 ? 3 : 2) + log2n) << n;
    for (int r = 0; r < n; ++r) {
      EXPECT_TRUE(meets(r, (r + 1) % n)) << n << ": " << r;
      for (int bit = 1; bit < n; bit *= 2) {
        if ((r ^ bit) < n) {
          EXPECT_TRUE(meets(r, r ^ bit)) << n << ": " << r << " ^ " << bit;
        }
      }
    }
  }
}

}  // namespace
}  // namespace collbench
