// Measurements as CSV: a header line, then one row per measurement, for spreadsheets and
// plotting tools. The columns are those of the JSON measurement, flattened (time_p50_us, ...),
// with the run's label first so that files from several runs can be concatenated.
#pragma once

#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

std::string csvHeader();
std::string csvRow(const std::string& label, const Measurement& m);
std::string csvDocument(const std::string& label, const std::vector<Measurement>& measurements);

// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csvField(const std::string& text);

}  // namespace collbench
