// Where measurements go. Every output (the console table, the JSON result file, the CSV file)
// implements this one interface, and the harness holds a list of them, as Google Benchmark holds
// its reporters: a new output is one new class and one line where the list is built
// (harness/result_sink.cc).
#pragma once

#include <cstdint>
#include <string>

#include "results/screen.h"

#include "results/measurement.h"

namespace collbench {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // The run, described before any measurement: command line, ranks, hosts, transport, label.
  virtual void begin(const RunInfo& run) = 0;
  // One size of one algorithm: its out-of-place and its in-place measurement; either may be
  // null when that placement was not measured.
  virtual void add(const Measurement* out_of_place, const Measurement* in_place) = 0;
  // A line of commentary for the reader: a skipped algorithm, rounded sizes, a warning.
  virtual void note(const std::string& line) = 0;
  // A link screen's matrices and verdicts (--collective pairwise or neighbors), measured
  // instead of collectives.
  virtual void screen(const PairScreen&) {}
  // The end of the run. `status` says complete or failed (and what failed); `total_wrong` is
  // the number of wrong elements over every measurement.
  virtual void finish(const RunStatus& status, std::int64_t total_wrong) = 0;
};

// Writes `text` to `path` atomically: a temporary file in the same folder, then rename, so a
// reader (or a run that dies) never sees a half-written file. Throws std::runtime_error.
void writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace collbench
