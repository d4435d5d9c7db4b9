#include "collectives/patterns/tree.h"

namespace collbench {

TreeNode binaryTree(int rank, int size) {
  TreeNode node;
  if (size <= 1) return node;
  int bit = 1;
  while (bit < size && !(bit & rank)) bit <<= 1;
  if (rank == 0) {
    node.children.push_back(bit >> 1);  // bit is the first power of two >= size
    return node;
  }
  const int up = (rank ^ bit) | (bit << 1);
  node.parent = up < size ? up : (rank ^ bit);
  for (int low = bit >> 1; low > 0; low >>= 1) {
    if (node.children.empty()) node.children.push_back(rank - low);
    if (rank + low < size) {
      node.children.push_back(rank + low);
      break;
    }
  }
  return node;
}

namespace {

int mapRank(int r, int size, int t) {
  if (t == 0 || r < 0) return r;
  return size % 2 == 1 ? (r + 1) % size : size - 1 - r;
}

int unmapRank(int r, int size, int t) {
  if (t == 0 || r < 0) return r;
  return size % 2 == 1 ? (r - 1 + size) % size : size - 1 - r;
}

}  // namespace

TreeNode doubleBinaryTree(int rank, int size, int t) {
  TreeNode base = binaryTree(unmapRank(rank, size, t), size);
  TreeNode node;
  node.parent = mapRank(base.parent, size, t);
  for (int c : base.children) node.children.push_back(mapRank(c, size, t));
  return node;
}

int treeRoot(int size, int t) { return mapRank(0, size, t); }

namespace {

int fromRoot(int r, int size, int root) { return r < 0 ? r : (r + root) % size; }

}  // namespace

TreeNode rootedBinaryTree(int rank, int size, int root) {
  TreeNode base = binaryTree((rank - root + size) % size, size);
  TreeNode node;
  node.parent = fromRoot(base.parent, size, root);
  for (int c : base.children) node.children.push_back(fromRoot(c, size, root));
  return node;
}

TreeNode rootedChain(int rank, int size, int root) {
  const int v = (rank - root + size) % size;
  TreeNode node;
  if (v > 0) node.parent = fromRoot(v - 1, size, root);
  if (v + 1 < size) node.children.push_back(fromRoot(v + 1, size, root));
  return node;
}

int treeDepth(int size) {
  int depth = 0;
  while ((1 << depth) < size) ++depth;
  return depth;
}

std::size_t treeSegmentBytes(std::size_t tree_bytes, int depth, std::size_t max_segment) {
  struct Rule {
    int segments_per_level;
    std::size_t floor;
  };
  constexpr Rule kRules[] = {
      {8, std::size_t{128} << 10}, {4, std::size_t{64} << 10}, {1, std::size_t{32} << 10}};
  std::size_t segment = max_segment;
  for (const Rule& rule : kRules) {
    const auto wanted = static_cast<std::size_t>(rule.segments_per_level) * depth;
    while (tree_bytes / segment < wanted && segment > rule.floor) segment /= 2;
  }
  return segment;
}

}  // namespace collbench
