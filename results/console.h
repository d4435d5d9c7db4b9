// The console table, laid out like nccl-tests' so that people read it at once: one row per
// algorithm and size, out-of-place columns then in-place columns; notes as "# " lines.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "results/measurement.h"
#include "results/reporter.h"

namespace collbench {

class ConsoleReporter : public Reporter {
 public:
  explicit ConsoleReporter(std::ostream& out) : out_(out) {}
  void begin(const RunInfo& run) override;
  // A null half of the row is left blank.
  void add(const Measurement* out_of_place, const Measurement* in_place) override;
  void note(const std::string& line) override;
  void screen(const PairScreen& s) override;
  // A complete run closes with nccl-tests' summary: wrong elements and the average busbw of
  // the rows printed, after the rank the others kept waiting for, if one was consistently last. A
  // failed run's cause is printed by the rank that saw it.
  void finish(const RunStatus& status, std::int64_t total_wrong) override;

 private:
  void printColumns();
  void printStraggler() const;
  std::ostream& out_;
  std::vector<HostInfo> hosts_;
  std::vector<Measurement> measured_;
  bool columns_printed_ = false;
  bool screened_ = false;
  std::string section_;  // collective, ranks and root of the rows printed last
  double busbw_sum_ = 0;
  int busbw_rows_ = 0;
};

}  // namespace collbench
