// The JSON result file: schema_version, a run object and a measurements array. The schema is
// results/schema/result.schema.json; keep both in step and bump kResultSchemaVersion when a
// change is not backward compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

nlohmann::json toJson(const Measurement& m);
nlohmann::json toJson(const RunInfo& run);
nlohmann::json resultDocument(const RunInfo& run, const std::vector<Measurement>& measurements);

// Writes `doc` to `path` atomically: a temporary file in the same folder, then rename, so a
// reader (or a run that dies) never sees a half-written file. Throws std::runtime_error.
void writeJsonAtomically(const std::string& path, const nlohmann::json& doc);

}  // namespace collbench
