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

double timeOf(const std::vector<double>& times, int iterations, int rank, int i) {
  return times[static_cast<std::size_t>(rank) * iterations + i];
}

void meanExtremes(const std::vector<double>& times, int ranks, int iterations, RankSkew& s) {
  for (int r = 0; r < ranks; ++r) {
    double sum = 0;
    for (int i = 0; i < iterations; ++i) sum += timeOf(times, iterations, r, i);
    const double mean = sum / iterations;
    if (s.slowest_rank < 0 || mean > s.slowest_mean_us)
      s.slowest_rank = r, s.slowest_mean_us = mean;
    if (s.fastest_rank < 0 || mean < s.fastest_mean_us)
      s.fastest_rank = r, s.fastest_mean_us = mean;
  }
}

// In each iteration the rank with the shortest call arrived last; how long the others waited
// for it is the median of their times less its own.
void lastArrivals(const std::vector<double>& times, int ranks, int iterations, RankSkew& s) {
  std::vector<std::vector<double>> waits(static_cast<std::size_t>(ranks));
  std::vector<double> others;
  for (int i = 0; i < iterations; ++i) {
    int last = 0;
    for (int r = 1; r < ranks; ++r) {
      if (timeOf(times, iterations, r, i) < timeOf(times, iterations, last, i)) last = r;
    }
    others.clear();
    for (int r = 0; r < ranks; ++r) {
      if (r != last) others.push_back(timeOf(times, iterations, r, i));
    }
    waits[static_cast<std::size_t>(last)].push_back(summarize(others).p50 -
                                                    timeOf(times, iterations, last, i));
  }
  std::size_t most = 0;
  for (std::size_t r = 1; r < waits.size(); ++r) {
    if (waits[r].size() > waits[most].size()) most = r;
  }
  s.last_arrival_rank = static_cast<int>(most);
  s.last_arrival_count = static_cast<int>(waits[most].size());
  s.last_arrival_wait_us = summarize(waits[most]).p50;
}

}  // namespace

RankSkew rankSkew(const std::vector<double>& times, int ranks, bool ends_together) {
  RankSkew s;
  const int iterations = ranks > 0 ? static_cast<int>(times.size()) / ranks : 0;
  if (iterations == 0) return s;
  meanExtremes(times, ranks, iterations, s);
  if (ends_together && ranks > 1) lastArrivals(times, ranks, iterations, s);
  return s;
}

Straggler consistentStraggler(const std::vector<Measurement>& measurements) {
  std::map<int, std::vector<double>> waits;  // rank -> its waits where it was mostly last
  Straggler s;
  for (const Measurement& m : measurements) {
    if (m.skew.last_arrival_rank < 0) continue;
    ++s.of;
    if (2 * m.skew.last_arrival_count > m.iterations)
      waits[m.skew.last_arrival_rank].push_back(m.skew.last_arrival_wait_us);
  }
  for (const auto& [rank, w] : waits) {
    if (2 * static_cast<int>(w.size()) <= s.of) continue;
    s.rank = rank, s.measurements = static_cast<int>(w.size()), s.wait_us = summarize(w).p50;
  }
  return s;
}

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
