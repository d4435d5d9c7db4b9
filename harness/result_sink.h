// Where measurements go: the harness's list of reporters (results/reporter.h): the console
// table, the JSON result file, the CSV file. Only rank 0 reports; other ranks hold a sink with
// no console and no paths. The files are rewritten atomically after every size, so a run that
// dies leaves valid files holding every size that completed; the JSON file also says whether
// the run is running, complete or failed, even when the process is terminated mid-operation.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "results/json.h"
#include "results/measurement.h"
#include "results/reporter.h"

namespace collbench {

struct SinkPaths {
  std::string json;
  std::string csv;
};

class ResultSink {
 public:
  ResultSink(std::ostream* console, const SinkPaths& paths);
  ~ResultSink();
  ResultSink(const ResultSink&) = delete;
  ResultSink& operator=(const ResultSink&) = delete;

  void begin(RunInfo run);
  // Says what is being measured now: a JSON file to write if the process is terminated (by
  // SIGTERM from the launcher, or by the watchdog) is prepared here, naming this operation.
  void starting(const std::string& operation);
  void add(const Measurement& out_of_place, const Measurement& in_place, bool have_oop,
           bool have_ip);
  void note(const std::string& line);
  void screen(const PairScreen& s);
  // Records the end of the run; `status.state` is "complete" or "failed".
  void finish(const RunStatus& status, std::int64_t total_wrong);
  const std::vector<Measurement>& measurements() const { return measurements_; }
  const RunInfo& run() const { return run_; }

 private:
  void prepareLastWords(const std::string& operation);
  RunInfo run_;
  std::vector<std::unique_ptr<Reporter>> reporters_;
  const JsonFileReporter* json_ = nullptr;  // one of reporters_, for the last words
  std::vector<Measurement> measurements_;
  std::string operation_;
};

// Writes the prepared "failed" JSON file now, if there is one. Async-signal-safe; the watchdog
// calls it before it exits, and a SIGTERM handler installed by the first sink with a JSON path.
void writeLastWords();

}  // namespace collbench
