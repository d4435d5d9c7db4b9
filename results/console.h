// The console table, laid out like nccl-tests' so that people read it at once: one row per
// algorithm and size, out-of-place columns then in-place columns.
#pragma once

#include <ostream>
#include <string>

#include "results/measurement.h"

namespace collbench {

class ConsoleReporter {
 public:
  explicit ConsoleReporter(std::ostream& out) : out_(out) {}
  void header(const RunInfo& run);
  // Either pointer may be null (that half of the row is left blank).
  void row(const Measurement* out_of_place, const Measurement* in_place);
  // Closing summary: the average busbw of the rows printed, as nccl-tests ends its output.
  void footer(std::int64_t total_wrong);

 private:
  std::ostream& out_;
  std::string section_;  // collective, ranks and root of the rows printed last
  double busbw_sum_ = 0;
  int busbw_rows_ = 0;
};

}  // namespace collbench
