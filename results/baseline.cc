#include "results/baseline.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

namespace collbench {
namespace {

// The fields that say what a measurement measured, by name.
const std::vector<std::pair<const char*, std::function<std::string(const Measurement&)>>>&
keyFields() {
  static const std::vector<std::pair<const char*, std::function<std::string(const Measurement&)>>>
      fields = {
          {"collective", [](const Measurement& m) { return m.collective; }},
          {"algorithm", [](const Measurement& m) { return m.algorithm; }},
          {"transport", [](const Measurement& m) { return m.transport; }},
          {"ranks", [](const Measurement& m) { return std::to_string(m.ranks); }},
          {"bytes", [](const Measurement& m) { return std::to_string(m.bytes); }},
          {"dtype", [](const Measurement& m) { return m.dtype; }},
          {"op", [](const Measurement& m) { return m.op; }},
          {"root", [](const Measurement& m) { return std::to_string(m.root); }},
          {"in_place", [](const Measurement& m) { return m.in_place ? "yes" : "no"; }},
      };
  return fields;
}

std::string key(const Measurement& m) {
  std::string k;
  for (const auto& [name, value] : keyFields()) k += value(m) + '\x1f';
  return k;
}

std::string valueList(const std::set<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + v;
  return s;
}

// Fields whose values in the two sets have nothing in common.
std::vector<std::string> mismatchedFields(const std::vector<Measurement>& before,
                                          const std::vector<Measurement>& after) {
  std::vector<std::string> out;
  for (const auto& [name, value] : keyFields()) {
    std::set<std::string> a, b;
    for (const auto& m : before) a.insert(value(m));
    for (const auto& m : after) b.insert(value(m));
    const bool shared = std::any_of(a.begin(), a.end(), [&b](auto& v) { return b.count(v); });
    if (!shared) {
      out.push_back(std::string(name) + ": " + valueList(a) + " in the baseline, " + valueList(b) +
                    " in the new results");
    }
  }
  return out;
}

std::string number(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

BaselineComparison compareWithBaseline(const std::vector<Measurement>& before,
                                       const std::vector<Measurement>& after, double tolerance) {
  std::map<std::string, const Measurement*> latest;
  for (const auto& m : after) latest[key(m)] = &m;
  std::map<std::string, const Measurement*> baseline;
  for (const auto& m : before) baseline[key(m)] = &m;
  BaselineComparison c;
  for (const auto& [k, old] : baseline) {
    auto it = latest.find(k);
    if (it == latest.end()) {
      ++c.only_before;
      continue;
    }
    const double change =
        old->time_us.mean > 0 ? it->second->time_us.mean / old->time_us.mean - 1 : 0;
    c.matched.push_back({*old, *it->second, change});
    if (change > tolerance) c.regressions.push_back(c.matched.back());
  }
  c.only_after = static_cast<int>(latest.size() - c.matched.size());
  std::sort(c.regressions.begin(), c.regressions.end(),
            [](const BaselinePair& a, const BaselinePair& b) { return a.change > b.change; });
  if (c.matched.empty() && !before.empty() && !after.empty()) {
    c.mismatches = mismatchedFields(before, after);
  }
  return c;
}

double parseTolerance(const std::string& text) {
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool percent = used > 0 && used + 1 == text.size() && text.back() == '%';
  if (used == 0 || (used != text.size() && !percent) || v < 0 || (percent ? v : v * 100) > 1000) {
    throw std::invalid_argument("'" + text + "' is not a tolerance: give a percentage such as " +
                                "10% (or 0.1), from 0% to 1000%");
  }
  return percent ? v / 100 : v;
}

namespace {

// Compares one metric's matrices; `higher_is_better` for bandwidth.
void compareMatrix(const char* metric, const std::vector<std::vector<double>>& before,
                   const std::vector<std::vector<double>>& after, bool higher_is_better,
                   double tolerance, ScreenComparison& c) {
  for (std::size_t a = 0; a < before.size(); ++a) {
    for (std::size_t b = 0; b < before.size(); ++b) {
      const double x = before[a][b], y = after[a][b];
      if (a == b || x < 0 || y < 0) continue;
      if (!higher_is_better && a > b) continue;  // latency: one value per pair
      ++c.compared;
      const bool worse = higher_is_better ? y * (1 + tolerance) < x : y > x * (1 + tolerance);
      if (worse) c.regressions.push_back({metric, static_cast<int>(a), static_cast<int>(b), x, y});
    }
  }
}

}  // namespace

ScreenComparison compareScreens(const PairScreen& before, const PairScreen& after,
                                double tolerance) {
  if (before.hosts.size() != after.hosts.size()) {
    throw std::invalid_argument("the screens have " + std::to_string(before.hosts.size()) +
                                " and " + std::to_string(after.hosts.size()) +
                                " ranks: pairs cannot be matched");
  }
  ScreenComparison c;
  compareMatrix("bandwidth", before.bandwidth_gbps, after.bandwidth_gbps, true, tolerance, c);
  compareMatrix("latency", before.latency_us, after.latency_us, false, tolerance, c);
  return c;
}

bool printScreenComparison(std::ostream& out, const PairScreen& after, const ScreenComparison& c,
                           double tolerance) {
  auto at = [&after](int r) {
    return after.hosts[static_cast<std::size_t>(r)] + " (rank " + std::to_string(r) + ")";
  };
  for (const auto& r : c.regressions) {
    const bool bw = r.metric == "bandwidth";
    out << "REGRESSED: " << after.kind << " screen " << r.metric << " " << at(r.from)
        << (bw ? " -> " : " <-> ") << at(r.to) << ": "
        << number(bw ? (r.before / r.after - 1) * 100 : (r.after / r.before - 1) * 100, "%.1f")
        << "% " << (bw ? "slower" : "longer") << " than the baseline (" << number(r.before, "%.4g")
        << " -> " << number(r.after, "%.4g") << (bw ? " GB/s)\n" : " us)\n");
  }
  out << "# baseline: " << c.compared << " pair values compared, " << c.regressions.size()
      << " worse by more than a factor " << number(1 + tolerance, "%g") << "\n";
  return c.regressions.empty();
}

bool printComparison(std::ostream& out, const BaselineComparison& c, double tolerance) {
  for (const auto& r : c.regressions) {
    out << "REGRESSED: " << describeMeasurement(r.after) << ": " << number(r.change * 100, "%.1f")
        << "% slower than the baseline (time " << number(r.before.time_us.mean, "%.2f") << " -> "
        << number(r.after.time_us.mean, "%.2f") << " us, busbw "
        << number(r.before.busbw_gbps, "%.4g") << " -> " << number(r.after.busbw_gbps, "%.4g")
        << " GB/s)\n";
  }
  out << "# baseline: " << c.matched.size() << " measurements compared, " << c.regressions.size()
      << " slower by more than " << number(tolerance * 100, "%g") << "%";
  if (c.only_before || c.only_after) {
    out << "; " << c.only_before << " only in the baseline, " << c.only_after
        << " only in the new results";
  }
  out << "\n";
  return c.regressions.empty();
}

}  // namespace collbench
