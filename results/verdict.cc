// Applying a spec's rules to measurements, and reporting the verdicts.
#include <cstdio>
#include <sstream>

#include "results/spec.h"

namespace collbench {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

Verdict atLeast(const std::string& bound, double limit, double value, bool known) {
  return {"",
          "",
          bound,
          ">= " + number(limit),
          known ? number(value) : "unknown",
          known && value >= limit};
}

Verdict atMost(const std::string& bound, double limit, double value, bool known) {
  return {"",
          "",
          bound,
          "<= " + number(limit),
          known ? number(value) : "unknown",
          known && value <= limit};
}

std::vector<Verdict> judge(const SpecRule& rule, const Measurement& m) {
  std::vector<Verdict> out;
  if (rule.min_busbw_gbps)
    out.push_back(atLeast("min_busbw_gbps", *rule.min_busbw_gbps, m.busbw_gbps, true));
  if (rule.min_link_utilization) {
    out.push_back(atLeast("min_link_utilization", *rule.min_link_utilization, m.link_utilization,
                          m.link_utilization >= 0));
    if (m.link_utilization < 0) out.back().value = "unknown (give --link-gbps or --fabric)";
  }
  if (rule.max_p50_us) out.push_back(atMost("max_p50_us", *rule.max_p50_us, m.time_us.p50, true));
  if (rule.max_p99_us) out.push_back(atMost("max_p99_us", *rule.max_p99_us, m.time_us.p99, true));
  if (rule.max_wrong) {
    out.push_back(atMost("max_wrong", static_cast<double>(*rule.max_wrong),
                         static_cast<double>(m.wrong), m.wrong >= 0));
    if (m.wrong < 0) out.back().value = "not checked (-c 0)";
  }
  for (auto& v : out) v.rule = rule.name, v.measurement = describeMeasurement(m);
  return out;
}

std::string xmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

}  // namespace

int SpecReport::failures() const {
  int n = 0;
  for (const auto& v : verdicts) n += v.pass ? 0 : 1;
  return n;
}

namespace {

// The worst measured pair of a screen matrix: the lowest (bandwidth) or highest (latency).
struct WorstPair {
  int from = -1, to = -1;
  double value = 0;
};

WorstPair worstPair(const std::vector<std::vector<double>>& m, bool lowest) {
  WorstPair w;
  for (std::size_t a = 0; a < m.size(); ++a) {
    for (std::size_t b = 0; b < m[a].size(); ++b) {
      const double v = m[a][b];
      if (a == b || v < 0) continue;
      if (w.from < 0 || (lowest ? v < w.value : v > w.value)) {
        w = {static_cast<int>(a), static_cast<int>(b), v};
      }
    }
  }
  return w;
}

std::string describePair(const PairScreen& s, const WorstPair& w, const char* arrow) {
  auto at = [&s](int r) {
    return s.hosts[static_cast<std::size_t>(r)] + " (rank " + std::to_string(r) + ")";
  };
  return s.kind + " screen, worst pair " + at(w.from) + arrow + at(w.to);
}

// A pair rule's bounds against the screen's worst pairs.
std::vector<Verdict> judgePairs(const SpecRule& rule, const PairScreen* screen) {
  if (!screen) {
    return {{rule.name, "(none)", "selection", "a link screen",
             "this run has no link screen (--collective pairwise or neighbors)", false}};
  }
  std::vector<Verdict> out;
  if (rule.min_pair_busbw_gbps) {
    const WorstPair w = worstPair(screen->bandwidth_gbps, true);
    out.push_back(atLeast("min_pair_busbw_gbps", *rule.min_pair_busbw_gbps, w.value, w.from >= 0));
    out.back().measurement = describePair(*screen, w, " -> ");
  }
  if (rule.max_pair_latency_us) {
    const WorstPair w = worstPair(screen->latency_us, false);
    out.push_back(atMost("max_pair_latency_us", *rule.max_pair_latency_us, w.value, w.from >= 0));
    out.back().measurement = describePair(*screen, w, " <-> ");
  }
  for (auto& v : out) v.rule = rule.name;
  return out;
}

}  // namespace

SpecReport evaluate(const Spec& spec, const std::vector<Measurement>& measurements,
                    const PairScreen* screen) {
  SpecReport report;
  for (const auto& rule : spec.rules) {
    if (rule.boundsPairs()) {
      for (auto& v : judgePairs(rule, screen)) report.verdicts.push_back(std::move(v));
      continue;
    }
    bool selected = false;
    for (const auto& m : measurements) {
      if (!rule.selects(m)) continue;
      selected = true;
      for (auto& v : judge(rule, m)) report.verdicts.push_back(std::move(v));
    }
    if (!selected) {
      report.verdicts.push_back({rule.name, "(none)", "selection", "at least one measurement",
                                 "no measurement matched this rule's selectors", false});
    }
  }
  return report;
}

void printVerdicts(std::ostream& out, const SpecReport& report) {
  char line[512];
  std::snprintf(line, sizeof line, "# %-22s %-64s %-20s %-10s %-12s %s\n", "rule", "measurement",
                "bound", "limit", "value", "verdict");
  out << "# acceptance verdicts\n" << line;
  for (const auto& v : report.verdicts) {
    std::snprintf(line, sizeof line, "  %-22s %-64s %-20s %-10s %-12s %s\n", v.rule.c_str(),
                  v.measurement.c_str(), v.bound.c_str(), v.limit.c_str(), v.value.c_str(),
                  v.pass ? "pass" : "FAIL");
    out << line;
  }
  out << "# acceptance: " << report.verdicts.size() - report.failures() << " passed, "
      << report.failures() << " failed: " << (report.passed() ? "PASSED" : "FAILED") << "\n";
}

std::string junitXml(const Spec& spec, const SpecReport& report) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"collbench acceptance\" tests=\"" << report.verdicts.size()
    << "\" failures=\"" << report.failures() << "\">\n"
    << "  <testsuite name=\"" << xmlEscape(spec.source) << "\" tests=\"" << report.verdicts.size()
    << "\" failures=\"" << report.failures() << "\" errors=\"0\">\n";
  for (const auto& v : report.verdicts) {
    x << "    <testcase classname=\"" << xmlEscape(v.rule) << "\" name=\""
      << xmlEscape(v.measurement + ": " + v.bound) << "\">";
    if (!v.pass) {
      x << "\n      <failure message=\"" << xmlEscape(v.bound + " " + v.limit + ", got " + v.value)
        << "\" type=\"" << xmlEscape(v.bound) << "\"/>\n    ";
    }
    x << "</testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace collbench
