#include "collectives/patterns/pairs.h"

namespace collbench {
namespace {

// Pairs (a, b) as a round: both name each other, every other rank sits out.
void pair(std::vector<int>& round, int a, int b) {
  round[static_cast<std::size_t>(a)] = b;
  round[static_cast<std::size_t>(b)] = a;
}

}  // namespace

PairRounds tournamentRounds(int n) {
  if (n < 2) return {};
  const int m = n % 2 == 0 ? n : n + 1;  // with a phantom rank m - 1 for odd n: its partner rests
  PairRounds rounds;
  for (int r = 0; r < m - 1; ++r) {
    std::vector<int> round(static_cast<std::size_t>(n), -1);
    // Slot 0 holds rank m - 1; slots 1 .. m-1 hold the others rotated by r.
    auto at = [&](int slot) { return slot == 0 ? m - 1 : (slot - 1 + r) % (m - 1); };
    for (int k = 0; k < m / 2; ++k) {
      const int a = at(k), b = at(m - 1 - k);
      if (a < n && b < n) pair(round, a, b);
    }
    rounds.push_back(round);
  }
  return rounds;
}

PairRounds neighborRounds(int n) {
  if (n < 2) return {};
  PairRounds rounds;
  // Ring neighbours (r, r + 1): even r, then odd r, then the wrap-around pair when n is odd.
  for (int parity = 0; parity < 2; ++parity) {
    std::vector<int> round(static_cast<std::size_t>(n), -1);
    for (int r = parity; r + 1 < n; r += 2) pair(round, r, r + 1);
    rounds.push_back(round);
  }
  if (n > 2) {  // the wrap-around pair, which neither round above holds
    std::vector<int> round(static_cast<std::size_t>(n), -1);
    pair(round, n - 1, 0);
    rounds.push_back(round);
  }
  for (int bit = 2; bit < n; bit *= 2) {  // XOR 1 is a ring neighbour already
    std::vector<int> round(static_cast<std::size_t>(n), -1);
    for (int r = 0; r < n; ++r) {
      if ((r ^ bit) < n) round[static_cast<std::size_t>(r)] = r ^ bit;
    }
    rounds.push_back(round);
  }
  return rounds;
}

}  // namespace collbench
