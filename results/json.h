// The JSON result file: schema_version, a run object and a measurements array. The schema is
// results/schema/result.schema.json; keep both in step and bump kResultSchemaVersion when a
// change is not backward compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

nlohmann::json toJson(const Measurement& m);
nlohmann::json toJson(const RunInfo& run);
nlohmann::json resultDocument(const RunInfo& run, const std::vector<Measurement>& measurements);

// The same document built up as text, for a file rewritten after every size of a long sweep:
// each measurement is serialized once, when it is added (one compact object per line), so
// rewriting costs the bytes written rather than a rebuild of every measurement so far.
class ResultText {
 public:
  void add(const Measurement& m);
  // The whole document with `run`; parses to resultDocument(run, everything added).
  std::string text(const RunInfo& run) const;

 private:
  std::string measurements_;  // "    {...},\n    {...}"
};

// Writes `text` to `path` atomically: a temporary file in the same folder, then rename, so a
// reader (or a run that dies) never sees a half-written file. Throws std::runtime_error.
void writeFileAtomically(const std::string& path, const std::string& text);
void writeJsonAtomically(const std::string& path, const nlohmann::json& doc);

// A result file that is not what collbench writes; what() names the file and the field.
class ResultFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResultFile {
  RunInfo run;
  std::vector<Measurement> measurements;
};

// Reads what resultDocument() wrote (schema versions 1 and 2). Checks the fields collbench
// needs to evaluate and plot a measurement: their presence, types and ranges. `source` names
// the input in messages. Throws ResultFormatError.
ResultFile parseResultFile(const std::string& text, const std::string& source);
ResultFile readResultFile(const std::string& path);

}  // namespace collbench
