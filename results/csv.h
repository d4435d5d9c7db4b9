// Measurements as CSV: a header line, then one row per measurement, for spreadsheets and
// plotting tools. The columns are those of the JSON measurement, flattened (time_p50_us, ...),
// with the run's label first so that files from several runs can be concatenated.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "results/measurement.h"
#include "results/reporter.h"

namespace collbench {

std::string csvHeader();
std::string csvRow(const std::string& label, const Measurement& m);
std::string csvDocument(const std::string& label, const std::vector<Measurement>& measurements);

// The CSV file as a Reporter: rewritten atomically after every row, like the JSON file. Notes
// have no place in a table of measurements; they are in the JSON file.
class CsvFileReporter : public Reporter {
 public:
  explicit CsvFileReporter(std::string path) : path_(std::move(path)) {}
  void begin(const RunInfo& run) override;
  void add(const Measurement* out_of_place, const Measurement* in_place) override;
  void note(const std::string&) override {}
  // A screen's file holds its pairs (screenCsv) instead of measurements.
  void screen(const PairScreen& s) override {
    text_ = screenCsv(s);
    save();
  }
  void finish(const RunStatus&, std::int64_t) override {}

 private:
  void save() const;
  std::string path_;
  std::string label_;
  std::string text_;  // the header and every row so far
};

// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csvField(const std::string& text);

}  // namespace collbench
