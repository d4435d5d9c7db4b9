// Acceptance specs: rules that select measurements (collective, algorithm, transport, size
// range, rank counts) and bound them (minimum busbw or link utilisation, maximum p50/p99 time,
// maximum wrong elements). A YAML file holds them:
//
//   rules:
//     - name: ring-large            # required, unique
//       collective: allreduce       # selectors, all optional
//       algorithm: ring
//       transport: tcp
//       min_bytes: 4M               # a number of bytes, or with K/M/G (powers of 1024)
//       max_bytes: 64M
//       ranks: [2, 4]               # a number or a list
//       min_busbw_gbps: 1.5         # bounds: at least one
//       min_link_utilization: 0.8
//       max_p50_us: 500
//       max_p99_us: 900
//       max_wrong: 0
//
// Every bound of a rule applies to every measurement the rule selects; a rule that selects
// nothing fails. A rule may instead bound a link screen's worst pair (--collective pairwise or
// neighbors, results/screen.h), alone, without selectors or other bounds:
//
//     - name: worst-pair
//       min_pair_busbw_gbps: 10     # every direction of every pair at least this
//       max_pair_latency_us: 30     # every pair's latency at most this
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "results/measurement.h"
#include "results/screen.h"

namespace collbench {

struct SpecRule {
  std::string name;
  int line = 0;                                  // where the rule starts in its file, for messages
  std::string collective, algorithm, transport;  // empty: any
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = UINT64_MAX;
  std::vector<int> ranks;  // empty: any
  std::optional<double> min_busbw_gbps, min_link_utilization, max_p50_us, max_p99_us;
  std::optional<std::int64_t> max_wrong;
  std::optional<double> min_pair_busbw_gbps, max_pair_latency_us;  // a link screen's pairs

  bool selects(const Measurement& m) const;
  bool boundsPairs() const { return min_pair_busbw_gbps || max_pair_latency_us; }
};

struct Spec {
  std::string source;  // the file it came from
  std::vector<SpecRule> rules;
};

// A spec that cannot be used; what() names the file, the line and the key.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses YAML text; `source` names it in messages. Throws SpecError.
Spec parseSpec(const std::string& text, const std::string& source);
Spec loadSpec(const std::string& path);

// One bound of one rule applied to one measurement, or a rule that selected nothing.
struct Verdict {
  std::string rule;
  std::string measurement;  // "allreduce ring tcp 4 ranks 4 MiB float32 sum out-of-place"
  std::string bound;        // "min_busbw_gbps", or "selection" for a rule that matched nothing
  std::string limit;        // as text, e.g. ">= 1.5"
  std::string value;        // "1.73", "unknown"
  bool pass = false;
};

struct SpecReport {
  std::vector<Verdict> verdicts;
  int failures() const;
  bool passed() const { return failures() == 0; }
};

// `screen`: the run's link screen, or null; a pair rule fails when there is none.
SpecReport evaluate(const Spec& spec, const std::vector<Measurement>& measurements,
                    const PairScreen* screen = nullptr);

// The verdict table, with a summary line.
void printVerdicts(std::ostream& out, const SpecReport& report);

// The verdicts as JUnit XML: one testsuite per spec, one testcase per verdict.
std::string junitXml(const Spec& spec, const SpecReport& report);

}  // namespace collbench
