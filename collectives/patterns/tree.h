// The double binary tree NCCL uses for all-reduce: two binary trees over the same ranks, the
// second the mirror (even size) or the shift by one (odd size) of the first, so that a rank
// that is an inner node of one tree is a leaf of the other and both halves of the data keep
// every link busy. Depth is about log2(size).
#pragma once

#include <cstddef>
#include <vector>

namespace collbench {

struct TreeNode {
  int parent = -1;            // -1 at the root
  std::vector<int> children;  // zero, one or two ranks
};

// Binary tree rooted at rank 0: a rank's parent clears its lowest set bit and sets the next
// one (or just clears it when that would fall outside the group); children are rank -+ half
// of the lowest set bit.
TreeNode binaryTree(int rank, int size);

// Tree t (0 or 1) of the double binary tree.
TreeNode doubleBinaryTree(int rank, int size, int t);

int treeRoot(int size, int t);

// For rooted collectives (broadcast, reduce) rooted at `root`: binaryTree() over the ranks
// relabelled so that `root` takes rank 0's place (depth about log2(size)), and the chain
// root -> root+1 -> ... -> root-1 (mod size).
TreeNode rootedBinaryTree(int rank, int size, int root);
TreeNode rootedChain(int rank, int size, int root);

// The levels below the root of the double binary tree of `size` ranks, about: ceil(log2(size)).
int treeDepth(int size);

// The segment one tree of a double binary tree all-reduce pipelines `tree_bytes` in: at most
// `max_segment`, halved while the call is too short to fill the tree's `depth` levels. NCCL's
// rule for its tree (src/enqueue.cc, the tree's chunk size): halve while there are fewer than
// 8 x depth segments and the segment is above 128 KiB, fewer than 4 x depth above 64 KiB, fewer
// than depth above 32 KiB. A segment at or below a floor is never halved by that floor's rule.
std::size_t treeSegmentBytes(std::size_t tree_bytes, int depth, std::size_t max_segment);

}  // namespace collbench
