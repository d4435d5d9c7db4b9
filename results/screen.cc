#include "results/screen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "results/csv.h"

namespace collbench {
namespace {

using Matrix = std::vector<std::vector<double>>;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

double at(const Matrix& m, int i, int j) {
  return m[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
}

// One metric's outlier test: bandwidth is worse below the median, latency above it.
struct Judge {
  bool higher_is_better;
  double median, sigma;
  OutlierRule rule;
  bool worse(double v) const {
    if (v < 0) return false;
    if (higher_is_better) {
      return v < median - rule.mads * sigma && v * (1 + rule.min_change) < median;
    }
    return v > median + rule.mads * sigma && v > (1 + rule.min_change) * median;
  }
};

Judge judgeFor(const Matrix& m, bool higher_is_better, const OutlierRule& rule) {
  std::vector<double> all;
  for (const auto& row : m) {
    for (double v : row) {
      if (v >= 0) all.push_back(v);
    }
  }
  const double med = median(all);
  std::vector<double> deviations;
  for (double v : all) deviations.push_back(std::fabs(v - med));
  return {higher_is_better, med, 1.4826 * median(deviations), rule};
}

// A rank's pairs in one direction (out: it sends; in: it receives): values and outliers.
struct Side {
  std::vector<double> values;
  int outliers = 0;
  bool slow() const { return values.size() >= 3 && outliers * 2 > static_cast<int>(values.size()); }
};

Side side(const Matrix& m, const Judge& judge, int rank, bool out) {
  Side s;
  const int n = static_cast<int>(m.size());
  for (int p = 0; p < n; ++p) {
    const double v = out ? at(m, rank, p) : at(m, p, rank);
    if (p == rank || v < 0) continue;
    s.values.push_back(v);
    s.outliers += judge.worse(v);
  }
  return s;
}

// The ranks slow with most of their partners; marks which directions they explain.
void flagRanks(const char* metric, const Matrix& m, const Judge& judge,
               std::vector<PairVerdict>& out, std::vector<bool>& sends,
               std::vector<bool>& receives) {
  const int n = static_cast<int>(m.size());
  for (int r = 0; r < n; ++r) {
    const Side o = side(m, judge, r, true), i = side(m, judge, r, false);
    if (!o.slow() && !i.slow()) continue;
    PairVerdict v;
    v.metric = metric, v.rank = r, v.median = judge.median;
    std::vector<double> values = o.values;
    if (o.slow() && i.slow()) {
      v.what = "rank";
      values.insert(values.end(), i.values.begin(), i.values.end());
      v.agreeing = std::max(o.outliers, i.outliers);
    } else {
      v.what = o.slow() ? "rank sending" : "rank receiving";
      if (!o.slow()) values = i.values;
      v.agreeing = o.slow() ? o.outliers : i.outliers;
    }
    v.measured = median(values);
    v.partners = static_cast<int>(std::max(o.values.size(), i.values.size()));
    sends[static_cast<std::size_t>(r)] = o.slow();
    receives[static_cast<std::size_t>(r)] = i.slow();
    out.push_back(v);
  }
}

// Outlier pairs that no flagged rank explains: a link when both directions are slow, else a
// direction.
void flagPairs(const char* metric, const Matrix& m, const Judge& judge,
               const std::vector<bool>& sends, const std::vector<bool>& receives,
               std::vector<PairVerdict>& out) {
  const int n = static_cast<int>(m.size());
  auto explained = [&](int from, int to) {
    return sends[static_cast<std::size_t>(from)] || receives[static_cast<std::size_t>(to)];
  };
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b || !judge.worse(at(m, a, b)) || explained(a, b)) continue;
      const bool back = judge.worse(at(m, b, a)) && !explained(b, a);
      if (back && b < a) continue;  // the link was named from its other end
      PairVerdict v;
      v.metric = metric, v.what = back ? "link" : "direction", v.rank = a, v.peer = b;
      const double ab = at(m, a, b), ba = at(m, b, a);
      v.measured = !back ? ab : judge.higher_is_better ? std::min(ab, ba) : std::max(ab, ba);
      v.median = judge.median, v.agreeing = 1, v.partners = 1;
      out.push_back(v);
    }
  }
}

void localiseMetric(const char* metric, const Matrix& m, bool higher_is_better,
                    const OutlierRule& rule, std::vector<PairVerdict>& out) {
  const Judge judge = judgeFor(m, higher_is_better, rule);
  std::vector<bool> sends(m.size(), false), receives(m.size(), false);
  flagRanks(metric, m, judge, out, sends, receives);
  flagPairs(metric, m, judge, sends, receives, out);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string cell(double v, int digits) { return v < 0 ? "-" : fixed(v, digits); }

std::string who(const PairScreen& s, const PairVerdict& v) {
  const std::string a =
      s.hosts[static_cast<std::size_t>(v.rank)] + " (rank " + std::to_string(v.rank) + ")";
  if (v.peer < 0) return a;
  const std::string b =
      s.hosts[static_cast<std::size_t>(v.peer)] + " (rank " + std::to_string(v.peer) + ")";
  return a + (v.what == "link" ? " <-> " : " -> ") + b;
}

// The medians of the rows of `ranks` (one rank's, or a host's).
RowMedians rowMedians(const PairScreen& s, const std::vector<int>& ranks) {
  const int n = static_cast<int>(s.hosts.size());
  std::vector<double> lat, snd, rcv;
  for (int r : ranks) {
    for (int p = 0; p < n; ++p) {
      if (p == r) continue;
      if (at(s.latency_us, r, p) >= 0) lat.push_back(at(s.latency_us, r, p));
      if (at(s.bandwidth_gbps, r, p) >= 0) snd.push_back(at(s.bandwidth_gbps, r, p));
      if (at(s.bandwidth_gbps, p, r) >= 0) rcv.push_back(at(s.bandwidth_gbps, p, r));
    }
  }
  RowMedians m;
  m.name = s.hosts[static_cast<std::size_t>(ranks.front())];
  if (!lat.empty()) m.latency_us = median(lat);
  if (!snd.empty()) m.send_gbps = median(snd);
  if (!rcv.empty()) m.recv_gbps = median(rcv);
  return m;
}

void printRanks(std::ostream& out, const PairScreen& s) {
  out << "#  rank  host                 latency_us  send_GB/s  recv_GB/s   (medians over its "
         "partners)\n";
  const std::vector<RowMedians> rows = rankMedians(s);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    char line[256];
    std::snprintf(line, sizeof line, "  %5zu  %-20s %10s %10s %10s\n", r, rows[r].name.c_str(),
                  cell(rows[r].latency_us, 2).c_str(), cell(rows[r].send_gbps, 4).c_str(),
                  cell(rows[r].recv_gbps, 4).c_str());
    out << line;
  }
}

}  // namespace

std::vector<RowMedians> rankMedians(const PairScreen& s) {
  std::vector<RowMedians> rows;
  for (int r = 0; r < static_cast<int>(s.hosts.size()); ++r) rows.push_back(rowMedians(s, {r}));
  return rows;
}

std::vector<RowMedians> hostMedians(const PairScreen& s) {
  std::vector<std::string> order;
  std::vector<std::vector<int>> ranks;
  for (int r = 0; r < static_cast<int>(s.hosts.size()); ++r) {
    const auto it = std::find(order.begin(), order.end(), s.hosts[static_cast<std::size_t>(r)]);
    if (it == order.end()) {
      order.push_back(s.hosts[static_cast<std::size_t>(r)]);
      ranks.push_back({r});
    } else {
      ranks[static_cast<std::size_t>(it - order.begin())].push_back(r);
    }
  }
  std::vector<RowMedians> rows;
  for (const auto& host_ranks : ranks) rows.push_back(rowMedians(s, host_ranks));
  return rows;
}

std::vector<PairVerdict> localise(const PairScreen& s) {
  std::vector<PairVerdict> out;
  localiseMetric("bandwidth", s.bandwidth_gbps, true, s.rule, out);
  localiseMetric("latency", s.latency_us, false, s.rule, out);
  return out;
}

void printScreen(std::ostream& out, const PairScreen& s) {
  out << "# " << s.kind << " screen: " << s.hosts.size() << " ranks, " << s.rounds
      << " rounds of disjoint pairs, latency at " << s.latency_bytes << " B, bandwidth at "
      << s.bandwidth_bytes << " B each way at once, median of " << s.iterations << " iterations, "
      << fixed(s.seconds, 2) << " s\n";
  printRanks(out, s);
  const std::string rule = "worse than the median of every pair by more than " +
                           fixed(s.rule.mads, 1) + " robust standard deviations and a factor " +
                           fixed(1 + s.rule.min_change, 2);
  if (s.verdicts.empty()) {
    out << "# verdict: nothing slow (no rank, link or direction " << rule << ")\n";
    return;
  }
  out << "# verdict: " << s.verdicts.size() << " finding(s), each " << rule << "\n";
  out << "#  metric     what            where                                      measured"
         "     median  partners\n";
  for (const auto& v : s.verdicts) {
    char line[512];
    std::snprintf(line, sizeof line, "   %-10s %-15s %-42s %9s %10s  %d/%d\n", v.metric.c_str(),
                  v.what.c_str(), who(s, v).c_str(),
                  fixed(v.measured, v.metric == "latency" ? 2 : 4).c_str(),
                  fixed(v.median, v.metric == "latency" ? 2 : 4).c_str(), v.agreeing, v.partners);
    out << "SLOW" << line;
  }
}

std::string screenCsv(const PairScreen& s) {
  std::string text = "from,to,from_host,to_host,latency_us,bandwidth_gbps\n";
  const int n = static_cast<int>(s.hosts.size());
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b || (at(s.latency_us, a, b) < 0 && at(s.bandwidth_gbps, a, b) < 0)) continue;
      const double lat = at(s.latency_us, a, b), bw = at(s.bandwidth_gbps, a, b);
      text += std::to_string(a) + "," + std::to_string(b) + "," + csvField(s.hosts[a]) + "," +
              csvField(s.hosts[b]) + "," + (lat < 0 ? "" : fixed(lat, 3)) + "," +
              (bw < 0 ? "" : fixed(bw, 6)) + "\n";
    }
  }
  return text;
}

}  // namespace collbench
