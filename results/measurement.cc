#include "results/measurement.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

namespace collbench {

namespace {

double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

TimeStats summarize(std::vector<double> samples) {
  TimeStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.samples = samples.size();
  s.min = samples.front();
  s.max = samples.back();
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
  s.p50 = percentile(samples, 50);
  s.p95 = percentile(samples, 95);
  s.p99 = percentile(samples, 99);
  return s;
}

double gbps(std::uint64_t bytes, double microseconds) {
  return microseconds > 0 ? static_cast<double>(bytes) / (microseconds * 1e3) : 0;
}

double linkUtilization(double busbw_gbps, double link_gbps) {
  return link_gbps > 0 ? busbw_gbps * 8 / link_gbps : -1;
}

std::uint64_t parseByteSize(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos == 0) throw std::invalid_argument("'" + text + "' is not a size (e.g. 8, 64K, 1M, 2G)");
  std::string unit = text.substr(pos);
  for (auto& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();
  int shift = 0;
  if (unit == "K")
    shift = 10;
  else if (unit == "M")
    shift = 20;
  else if (unit == "G")
    shift = 30;
  else if (!unit.empty() && unit != "B") {
    throw std::invalid_argument("'" + text +
                                "' has an unknown unit; use K, M or G (powers of 1024)");
  }
  const std::string digits = text.substr(0, pos);
  if (digits.size() > 15) throw std::invalid_argument("'" + text + "' is too large");
  const std::uint64_t value = std::stoull(digits);
  if (shift && value > (~0ull >> shift)) throw std::invalid_argument("'" + text + "' is too large");
  return value << shift;
}

std::string describeMeasurement(const Measurement& m) {
  std::ostringstream s;
  s << m.collective << " " << m.algorithm << " " << m.transport << " " << m.ranks << " ranks "
    << m.bytes << " B " << m.dtype << " " << m.op << (m.in_place ? " in-place" : " out-of-place");
  return s.str();
}

std::string describeLaunch(const LaunchInfo& l) {
  std::string text = l.launcher;
  if (!l.slurm_job_id.empty()) {
    text += ", Slurm job " + l.slurm_job_id;
    if (!l.slurm_step_id.empty()) text += " (step " + l.slurm_step_id + ")";
    if (!l.slurm_nodelist.empty()) text += " on " + l.slurm_nodelist;
  }
  if (l.bootstrap.empty()) return text;
  std::ostringstream s;
  s.precision(3);
  s << text << "; bootstrap " << l.bootstrap << " (" << l.bootstrap_detail << "), every rank in "
    << l.startup_s << " s";
  return s.str();
}

}  // namespace collbench
