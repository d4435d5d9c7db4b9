#include "results/failure.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace collbench {
namespace {

using ReportOf = std::map<int, const FailureReport*>;

// "rank 0", "ranks 0 and 1", "ranks 0, 1 and 3", each rank written by `name`.
std::string listOf(const std::vector<int>& ranks, const std::function<std::string(int)>& name) {
  std::string text = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i > 0) text += i + 1 == ranks.size() ? " and " : ", ";
    text += name(ranks[i]);
  }
  return text;
}

std::string rankList(const std::vector<int>& ranks) {
  return listOf(ranks, [](int r) { return std::to_string(r); });
}

// "rank 2 (h2)", "ranks 2 (h2) and 5 (h3)".
std::string withHosts(const std::vector<int>& ranks, const std::vector<std::string>& rank_hosts) {
  return listOf(ranks, [&](int r) {
    return std::to_string(r) + " (" + rank_hosts[static_cast<std::size_t>(r)] + ")";
  });
}

// Where rank r's waits end: a rank that sent no report, or one that waited for no one; -1 when
// they go round in a circle, whose ranks are then in `circle`.
int chainEnd(int r, const ReportOf& report_of, int ranks, std::vector<int>& circle) {
  std::vector<int> path{r};
  for (int at = r;;) {
    const auto it = report_of.find(at);
    if (it == report_of.end()) return at;
    const int next = it->second->waited_for;
    if (next < 0 || next >= ranks) return at;
    if (std::find(path.begin(), path.end(), next) != path.end()) {
      circle.assign(std::find(path.begin(), path.end(), next), path.end());
      circle.push_back(next);
      return -1;
    }
    path.push_back(next);
    at = next;
  }
}

// A group of culprits on one host, alike in whether they reported.
struct Group {
  std::vector<int> culprits;
  std::set<int> waiters;         // ranks whose waits end at one of them
  std::vector<std::string> via;  // "rank 1 through rank 0"
  bool lost = false;             // a rank's connection to one of them failed
};

std::string describeGroup(const Group& g, const ReportOf& report_of,
                          const std::vector<std::string>& rank_hosts) {
  const int first = g.culprits.front();
  const bool silent = report_of.count(first) == 0;
  const bool one = g.culprits.size() == 1;
  std::string text = rank_hosts[static_cast<std::size_t>(first)] + " (" + rankList(g.culprits) +
                     ")" +
                     (silent ? " sent no report" : " failed without waiting for another rank");
  if (!silent) text += ": " + report_of.at(first)->message;
  if (!g.waiters.empty()) {
    text += "; " + rankList({g.waiters.begin(), g.waiters.end()}) + " waited for " +
            (one ? "it" : "them");
    if (!g.via.empty()) {
      text += " (";
      for (std::size_t i = 0; i < g.via.size(); ++i) text += (i ? ", " : "") + g.via[i];
      text += ")";
    }
  }
  if (silent) {
    text += g.lost ? ": its connections failed (the process ended or crashed, or its host or "
                     "link went down)"
                   : ": hung, or cut off from the others";
  }
  return text;
}

std::string describeCircle(const std::vector<int>& circle) {
  std::string text;
  for (std::size_t i = 0; i < circle.size(); ++i)
    text += (i ? " -> " : "") + std::to_string(circle[i]);
  return text;
}

}  // namespace

FailureVerdict judgeFailure(const std::vector<FailureReport>& reports,
                            const std::vector<std::string>& rank_hosts) {
  const int ranks = static_cast<int>(rank_hosts.size());
  ReportOf report_of;
  for (const auto& r : reports) {
    if (r.rank >= 0 && r.rank < ranks) report_of[r.rank] = &r;
  }
  std::vector<int> silent;
  for (int r = 0; r < ranks; ++r) {
    if (report_of.count(r) == 0) silent.push_back(r);
  }
  // Culprits grouped by host and by whether they reported, in rank order.
  std::map<std::pair<std::string, bool>, Group> groups;
  std::vector<int> circle, stuck;
  for (const auto& [rank, report] : report_of) {
    std::vector<int> found;
    const int end = chainEnd(rank, report_of, ranks, found);
    if (end < 0) {
      if (circle.empty()) circle = found;
      continue;
    }
    // A wait for every rank ends at every rank that did not report.
    const auto at = report_of.find(end);
    const bool for_all = at != report_of.end() && at->second->waited_for_all;
    if (for_all && silent.empty()) {
      stuck.push_back(rank);
      continue;
    }
    for (int culprit : for_all ? silent : std::vector<int>{end}) {
      Group& g =
          groups[{rank_hosts[static_cast<std::size_t>(culprit)], report_of.count(culprit) == 0}];
      if (std::find(g.culprits.begin(), g.culprits.end(), culprit) == g.culprits.end())
        g.culprits.push_back(culprit);
      if (culprit == rank) continue;
      g.waiters.insert(rank);
      g.lost = g.lost || (report->waited_for == culprit && report->connection_lost);
      if (report->waited_for >= 0 && report->waited_for != culprit) {
        g.via.push_back("rank " + std::to_string(rank) + " through rank " +
                        std::to_string(report->waited_for));
      }
    }
  }
  FailureVerdict v;
  for (auto& [key, g] : groups) {
    std::sort(g.culprits.begin(), g.culprits.end());
    v.text += (v.text.empty() ? "" : ". ") + describeGroup(g, report_of, rank_hosts);
    v.culprits.insert(v.culprits.end(), g.culprits.begin(), g.culprits.end());
  }
  if (v.culprits.empty() && circle.empty() && !stuck.empty()) {
    v.text = "every rank reported, " + rankList(stuck) +
             " stuck in a step that waits for every rank and names none: no single rank; "
             "screen the links between them (--collective pairwise)";
  }
  if (v.culprits.empty() && !circle.empty()) {
    v.text = silent.empty()
                 ? "every rank reported, and their waits go round in a circle (" +
                       describeCircle(circle) +
                       "): no single rank; screen the links between them "
                       "(--collective pairwise)"
                 : "the ranks that reported waited on each other (" + describeCircle(circle) +
                       "); " + withHosts(silent, rank_hosts) + " sent no report";
    if (!silent.empty()) v.culprits = silent;
  }
  std::vector<int> also;
  for (int r : silent) {
    if (std::find(v.culprits.begin(), v.culprits.end(), r) == v.culprits.end()) also.push_back(r);
  }
  if (!also.empty()) v.text += ". No report either from " + withHosts(also, rank_hosts);
  std::sort(v.culprits.begin(), v.culprits.end());
  v.text += " (reports from " + std::to_string(report_of.size()) + " of " + std::to_string(ranks) +
            " ranks)";
  return v;
}

}  // namespace collbench
