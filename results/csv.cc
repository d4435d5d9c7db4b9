#include "results/csv.h"

#include <iterator>
#include <sstream>

namespace collbench {

namespace {

constexpr const char* kColumns[] = {"label",
                                    "collective",
                                    "algorithm",
                                    "transport",
                                    "ranks",
                                    "bytes",
                                    "count",
                                    "dtype",
                                    "op",
                                    "root",
                                    "in_place",
                                    "iterations",
                                    "warmup_iterations",
                                    "time_min_us",
                                    "time_mean_us",
                                    "time_p50_us",
                                    "time_p95_us",
                                    "time_p99_us",
                                    "time_max_us",
                                    "samples",
                                    "algbw_gbps",
                                    "busbw_gbps",
                                    "bus_factor",
                                    "cost_form",
                                    "link_utilization",
                                    "wrong",
                                    "slowest_rank",
                                    "slowest_mean_us",
                                    "fastest_rank",
                                    "fastest_mean_us",
                                    "rank_spread_us",
                                    "hosts",
                                    "inter_host_bytes",
                                    "last_arrival_rank",
                                    "last_arrival_iterations",
                                    "last_arrival_wait_us",
                                    "chosen_algorithm"};

std::string number(double v) {
  std::ostringstream out;
  out.precision(9);
  out << v;
  return out.str();
}

std::string joinLine(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line + "\n";
}

}  // namespace

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csvHeader() {
  return joinLine(std::vector<std::string>(std::begin(kColumns), std::end(kColumns)));
}

std::string csvRow(const std::string& label, const Measurement& m) {
  const TimeStats& t = m.time_us;
  const std::vector<std::string> fields = {
      csvField(label),
      csvField(m.collective),
      csvField(m.algorithm),
      csvField(m.transport),
      std::to_string(m.ranks),
      std::to_string(m.bytes),
      std::to_string(m.count),
      csvField(m.dtype),
      csvField(m.op),
      m.root < 0 ? "" : std::to_string(m.root),
      m.in_place ? "1" : "0",
      std::to_string(m.iterations),
      std::to_string(m.warmup_iterations),
      number(t.min),
      number(t.mean),
      number(t.p50),
      number(t.p95),
      number(t.p99),
      number(t.max),
      std::to_string(t.samples),
      number(m.algbw_gbps),
      number(m.busbw_gbps),
      number(m.bus_factor),
      csvField(m.cost_form),
      m.link_utilization < 0 ? "" : number(m.link_utilization),
      m.wrong < 0 ? "" : std::to_string(m.wrong),
      std::to_string(m.skew.slowest_rank),
      number(m.skew.slowest_mean_us),
      std::to_string(m.skew.fastest_rank),
      number(m.skew.fastest_mean_us),
      number(m.skew.spread_us()),
      std::to_string(m.hosts),
      m.inter_host_bytes < 0 ? "" : std::to_string(m.inter_host_bytes),
      m.skew.last_arrival_rank < 0 ? "" : std::to_string(m.skew.last_arrival_rank),
      m.skew.last_arrival_rank < 0 ? "" : std::to_string(m.skew.last_arrival_count),
      m.skew.last_arrival_rank < 0 ? "" : number(m.skew.last_arrival_wait_us),
      csvField(m.chosen_algorithm),
  };
  return joinLine(fields);
}

std::string csvDocument(const std::string& label, const std::vector<Measurement>& measurements) {
  std::string doc = csvHeader();
  for (const auto& m : measurements) doc += csvRow(label, m);
  return doc;
}

void CsvFileReporter::begin(const RunInfo& run) {
  label_ = run.label;
  text_ = csvHeader();
  save();
}

void CsvFileReporter::add(const Measurement* oop, const Measurement* ip) {
  for (const Measurement* m : {oop, ip}) {
    if (m) text_ += csvRow(label_, *m);
  }
  save();
}

void CsvFileReporter::save() const { writeFileAtomically(path_, text_); }

}  // namespace collbench
