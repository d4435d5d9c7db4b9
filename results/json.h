// The JSON result file: schema_version, a run object and a measurements array. The schema is
// results/schema/result.schema.json; keep both in step and bump kResultSchemaVersion when a
// change is not backward compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "results/measurement.h"
#include "results/reporter.h"

namespace collbench {

nlohmann::json toJson(const Measurement& m);
nlohmann::json toJson(const RunInfo& run);
nlohmann::json toJson(const PairScreen& s);
// A host as the result file records it (run.hosts[]), and back; the ranks' exchange of their
// hosts' descriptions (harness/topology.cc) travels in the same shape. hostFromJson throws
// ResultFormatError naming `source` and the field.
nlohmann::json toJson(const HostInfo& h);
HostInfo hostFromJson(const nlohmann::json& j, const std::string& source);
// `screen`: the link screen's object, or null when the run measured collectives.
nlohmann::json resultDocument(const RunInfo& run, const std::vector<Measurement>& measurements,
                              const nlohmann::json& screen = nullptr);

// The same document built up as text, for a file rewritten after every size of a long sweep:
// each measurement is serialized once, when it is added (one compact object per line), so
// rewriting costs the bytes written rather than a rebuild of every measurement so far.
class ResultText {
 public:
  void add(const Measurement& m);
  void setScreen(nlohmann::json screen) { screen_ = std::move(screen); }
  // The whole document with `run`; parses to resultDocument(run, everything added).
  std::string text(const RunInfo& run) const;

 private:
  std::string measurements_;  // "    {...},\n    {...}"
  nlohmann::json screen_;
};

// The JSON result file as a Reporter: rewritten atomically after every row, so a run that dies
// leaves a valid file holding every size that completed, with `run.status.state` "running";
// notes are kept in `run.notes`.
class JsonFileReporter : public Reporter {
 public:
  explicit JsonFileReporter(std::string path) : path_(std::move(path)) {}
  void begin(const RunInfo& run) override;
  void add(const Measurement* out_of_place, const Measurement* in_place) override;
  void note(const std::string& line) override;
  void screen(const PairScreen& s) override;
  void finish(const RunStatus& status, std::int64_t total_wrong) override;
  // The document as it would read if the run ended now with `status` (the text a terminated
  // rank leaves behind); nothing is written.
  std::string textWith(const RunStatus& status) const;

 private:
  void save() const;
  std::string path_;
  RunInfo run_;
  ResultText text_;
};

// writeFileAtomically (results/reporter.h) with the document indented by two spaces.
void writeJsonAtomically(const std::string& path, const nlohmann::json& doc);

// A result file that is not what collbench writes; what() names the file and the field.
class ResultFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResultFile {
  RunInfo run;
  std::vector<Measurement> measurements;
  std::optional<PairScreen> screen;  // a link screen's file
};

// Reads what resultDocument() wrote (schema versions 1 and 2). Checks the fields collbench
// needs to evaluate and plot a measurement: their presence, types and ranges. `source` names
// the input in messages. Throws ResultFormatError.
ResultFile parseResultFile(const std::string& text, const std::string& source);
ResultFile readResultFile(const std::string& path);
// The same from a parsed document; isResultDocument() tells a collbench result (an object with
// a schema_version) from other JSON, such as nccl-tests' -J output.
bool isResultDocument(const nlohmann::json& doc);
ResultFile parseResultDocument(const nlohmann::json& doc, const std::string& source);

// The whole file at `path`; nullopt when it cannot be opened.
std::optional<std::string> readWholeFile(const std::string& path);

}  // namespace collbench
