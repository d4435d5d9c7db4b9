#include "results/json.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace collbench {

nlohmann::json toJson(const Measurement& m) {
  const TimeStats& t = m.time_us;
  nlohmann::json j = {
      {"collective", m.collective},
      {"algorithm", m.algorithm},
      {"transport", m.transport},
      {"ranks", m.ranks},
      {"bytes", m.bytes},
      {"count", m.count},
      {"dtype", m.dtype},
      {"op", m.op},
      {"in_place", m.in_place},
      {"iterations", m.iterations},
      {"warmup_iterations", m.warmup_iterations},
      {"time_us",
       {{"min", t.min},
        {"mean", t.mean},
        {"p50", t.p50},
        {"p95", t.p95},
        {"p99", t.p99},
        {"max", t.max},
        {"samples", t.samples}}},
      {"algbw_gbps", m.algbw_gbps},
      {"busbw_gbps", m.busbw_gbps},
  };
  j["wrong"] = m.wrong < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.wrong);
  return j;
}

nlohmann::json toJson(const RunInfo& run) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : run.hosts) hosts.push_back({{"name", h.name}, {"ranks", h.ranks}});
  return {
      {"command_line", run.command_line},
      {"version", run.version},
      {"git_revision", run.git_revision},
      {"start_time", run.start_time},
      {"label", run.label},
      {"transport", run.transport},
      {"transport_provider", run.transport_provider},
      {"link_gbps", run.link_gbps > 0 ? nlohmann::json(run.link_gbps) : nlohmann::json(nullptr)},
      {"memory_registration", {{"bytes", run.registered_bytes}, {"time_us", run.registration_us}}},
      {"ranks", run.ranks},
      {"hosts", hosts},
      {"libraries", run.libraries},
      {"environment", run.environment},
      {"options", run.options},
  };
}

nlohmann::json resultDocument(const RunInfo& run, const std::vector<Measurement>& measurements) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : measurements) list.push_back(toJson(m));
  return {{"schema_version", kResultSchemaVersion}, {"run", toJson(run)}, {"measurements", list}};
}

void writeJsonAtomically(const std::string& path, const nlohmann::json& doc) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << doc.dump(2) << "\n";
    out.flush();
    if (!out) throw std::runtime_error("error writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

}  // namespace collbench
