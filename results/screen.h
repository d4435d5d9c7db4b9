// A link screen (--collective pairwise or neighbors): every measured pair's latency and each
// direction's bandwidth, and the verdicts that localise what is slow: a rank (slow with most of
// its partners), a link (one pair, both directions) or a direction (one pair, one way).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace collbench {

// When a value is an outlier: worse than the median of every pair by more than `mads` robust
// standard deviations (1.4826 x the median absolute deviation) and by more than a factor of
// 1 + `min_change` (bandwidth below median / 1.25, latency above median x 1.25 by default). The
// relative floor keeps a clean fabric, whose MAD is tiny, from flagging noise; the MAD term keeps a
// noisy one from flagging its spread. docs/SCREEN.md justifies the defaults.
struct OutlierRule {
  double mads = 4;
  double min_change = 0.25;
};

struct PairVerdict {
  std::string metric;   // "bandwidth" or "latency"
  std::string what;     // "rank", "rank sending", "rank receiving", "link", "direction"
  int rank = -1;        // the rank, or the link's (direction's) first (sending) rank
  int peer = -1;        // the link's other (receiving) rank; -1 for a rank
  double measured = 0;  // the value (for a rank: the median over its pairs)
  double median = 0;    // the median over every pair
  int agreeing = 0;     // partners whose pair with the rank was an outlier
  int partners = 0;     // partners measured
};

struct PairScreen {
  std::string kind;  // "pairwise" or "neighbors"
  std::uint64_t latency_bytes = 0, bandwidth_bytes = 0;
  int iterations = 0;
  int rounds = 0;
  double seconds = 0;              // the screen's wall time on rank 0
  std::vector<std::string> hosts;  // each rank's host
  // [from][to]; negative where not measured (the diagonal, pairs a neighbour screen skips).
  // Latency is half the round trip, the same both ways; bandwidth is from -> to, measured
  // while to -> from ran at the same time.
  std::vector<std::vector<double>> latency_us, bandwidth_gbps;
  OutlierRule rule;
  std::vector<PairVerdict> verdicts;
};

// The verdicts for the screen's matrices under its rule: ranks first, then links and
// directions that no flagged rank explains. A rank needs at least 3 partners to be told apart
// from a link.
std::vector<PairVerdict> localise(const PairScreen& screen);

// Medians over partners: a rank's row (latency, its bandwidth sending and receiving), or a
// host's (every pair of its ranks with any other rank); -1 where nothing was measured.
struct RowMedians {
  std::string name;  // the host; for a rank, its host too
  double latency_us = -1, send_gbps = -1, recv_gbps = -1;
};
std::vector<RowMedians> rankMedians(const PairScreen& screen);
std::vector<RowMedians> hostMedians(const PairScreen& screen);  // hosts in order of first rank

// The console's account: per rank the median over its partners, then the verdict table.
void printScreen(std::ostream& out, const PairScreen& screen);

// One CSV row per measured direction: from, to, their hosts, latency_us, bandwidth_gbps.
std::string screenCsv(const PairScreen& screen);

}  // namespace collbench
