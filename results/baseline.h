// Comparing result files with a baseline, measurement by measurement (`collbench check
// --baseline OLD.json NEW.json`): which measurements got slower than the baseline by more than
// a tolerance. Measurements match when they measured the same thing: collective, algorithm,
// transport, ranks, size, type, op, root and placement.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "results/measurement.h"
#include "results/screen.h"

namespace collbench {

struct BaselinePair {
  Measurement before, after;
  double change = 0;  // after's mean time over before's, minus 1: 0.2 is 20% slower
};

struct BaselineComparison {
  std::vector<BaselinePair> matched;      // every pair, in the baseline's order
  std::vector<BaselinePair> regressions;  // slower beyond the tolerance, worst first
  int only_before = 0, only_after = 0;    // measurements without a partner
  // When nothing matched: what differs between the two sets ("ranks: 4 in the baseline, 8 in
  // the new results"), one item per field whose values have nothing in common.
  std::vector<std::string> mismatches;
};

// `tolerance`: the slowdown allowed, 0.1 for 10%. When a measurement appears twice in one set,
// the later one counts.
BaselineComparison compareWithBaseline(const std::vector<Measurement>& before,
                                       const std::vector<Measurement>& after, double tolerance);

// "10%" -> 0.1, "0.1" -> 0.1; throws std::invalid_argument naming the text otherwise.
double parseTolerance(const std::string& text);

// Two link screens pair by pair: each direction's bandwidth lower, or each pair's latency
// higher, than the baseline's by more than a factor 1 + tolerance. Screens of different rank
// counts cannot be compared (std::invalid_argument says so).
struct ScreenRegression {
  std::string metric;  // "bandwidth" or "latency"
  int from = -1, to = -1;
  double before = 0, after = 0;
};
struct ScreenComparison {
  int compared = 0;  // values measured in both
  std::vector<ScreenRegression> regressions;
};
ScreenComparison compareScreens(const PairScreen& before, const PairScreen& after,
                                double tolerance);
// Each regression with its hosts, then a summary line; returns whether nothing regressed.
bool printScreenComparison(std::ostream& out, const PairScreen& after, const ScreenComparison& c,
                           double tolerance);

// The comparison for people: each regression with its times and bus bandwidths, then a summary
// line. Returns whether nothing regressed.
bool printComparison(std::ostream& out, const BaselineComparison& c, double tolerance);

}  // namespace collbench
