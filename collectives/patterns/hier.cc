#include "collectives/patterns/hier.h"

#include <algorithm>

namespace collbench {

std::vector<std::vector<int>> ranksByHost(const std::vector<int>& host_of_rank, int n) {
  std::vector<std::vector<int>> hosts;
  std::vector<int> ids;  // host id of each entry of `hosts`
  for (int r = 0; r < n; ++r) {
    const int id = host_of_rank.empty() ? 0 : host_of_rank[static_cast<std::size_t>(r)];
    auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end()) {
      ids.push_back(id);
      hosts.emplace_back();
      it = ids.end() - 1;
    }
    hosts[static_cast<std::size_t>(it - ids.begin())].push_back(r);
  }
  return hosts;
}

namespace {

// The rank of `host` whose owned chunk contains element `at`.
int ownerOf(std::size_t count, const std::vector<int>& host, std::size_t at) {
  const int local = static_cast<int>(host.size());
  for (int c = 0; c < local; ++c) {
    const Range chunk = evenChunk(count, local, c);
    if (chunk.begin <= at && at < chunk.end)
      return host[static_cast<std::size_t>(mod(c - 1, local))];
  }
  return -1;  // unreachable for at < count
}

}  // namespace

std::vector<HierPiece> hierPieces(std::size_t count, const std::vector<std::vector<int>>& hosts) {
  std::vector<std::size_t> cuts{0, count};
  for (const auto& host : hosts) {
    const int local = static_cast<int>(host.size());
    for (int c = 1; c < local; ++c) cuts.push_back(evenChunk(count, local, c).begin);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<HierPiece> pieces;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    HierPiece p{{cuts[i], cuts[i + 1]}, {}};
    for (const auto& host : hosts) p.owners.push_back(ownerOf(count, host, p.range.begin));
    pieces.push_back(std::move(p));
  }
  return pieces;
}

}  // namespace collbench
