#include "results/console.h"

#include <cstdarg>
#include <cstdio>
#include <string>

namespace collbench {

namespace {

// Wide enough for the longest algorithm name ("recursive-doubling") as best's choice.
constexpr int kAlgoWidth = 23;

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

std::string half(const Measurement* m) {
  if (!m) return format("  %9s %7s %7s %6s", "-", "-", "-", "-");
  std::string wrong = m->wrong < 0 ? "N/A" : std::to_string(m->wrong);
  return format("  %9.2f %7.3f %7.3f %6s", m->time_us.mean, m->algbw_gbps, m->busbw_gbps,
                wrong.c_str());
}

std::string hostOfRank(const std::vector<HostInfo>& hosts, int rank) {
  for (const auto& h : hosts) {
    for (int r : h.rank_list) {
      if (r == rank) return h.name;
    }
  }
  return "?";
}

// The algorithm column: best shows what it chose ("best:tree"; "best:ring/tree" when out of
// place and in place chose differently).
std::string algorithmLabel(const Measurement* oop, const Measurement* ip) {
  const Measurement* any = oop ? oop : ip;
  if (any->chosen_algorithm.empty()) return any->algorithm;
  std::string label = any->algorithm + ":" + any->chosen_algorithm;
  if (oop && ip && ip->chosen_algorithm != oop->chosen_algorithm)
    label += "/" + ip->chosen_algorithm;
  return label;
}

}  // namespace

void ConsoleReporter::begin(const RunInfo& run) {
  hosts_ = run.hosts;
  out_ << "# collbench " << run.version << " (" << run.git_revision << ")  transport "
       << run.transport << "  ranks " << run.ranks << "  hosts " << run.hosts.size() << "\n";
  for (const auto& h : run.hosts)
    out_ << "#   host " << h.name << ": " << h.ranks << (h.ranks == 1 ? " rank\n" : " ranks\n");
  if (!run.launch.launcher.empty()) out_ << "# launched by: " << describeLaunch(run.launch) << "\n";
  if (!run.transport_provider.empty()) out_ << "# provider: " << run.transport_provider << "\n";
  out_ << format("# memory registration: %llu bytes in %.1f us, before any timed loop\n",
                 static_cast<unsigned long long>(run.registered_bytes), run.registration_us);
  if (!run.label.empty()) out_ << "# label: " << run.label << "\n";
  if (run.link_gbps > 0) {
    out_ << format(
        "# link: %g Gb/s per rank (%s); link_utilization = busbw * 8 / that, in the "
        "result file\n",
        run.link_gbps, run.link_source.c_str());
  }
  out_.flush();
}

// The measurement table's legend and column heads, above its first row (a screen has none).
void ConsoleReporter::printColumns() {
  columns_printed_ = true;
  out_ << "# time = mean of per-iteration times (max over ranks; pingpong: half the round trip);"
          " GB/s = 10^9 bytes/s;\n# busbw = algbw * the collective's factor (nccl-tests'), shown "
          "above each collective's rows\n";
  out_ << format("#%-*s %-9s %12s %12s %8s %6s   %-33s   %-33s\n", kAlgoWidth, "", "", "", "", "",
                 "", "           out-of-place", "             in-place");
  out_ << format("#%-*s %-9s %12s %12s %8s %6s  %9s %7s %7s %6s  %9s %7s %7s %6s\n", kAlgoWidth,
                 "algo", "transport", "size", "count", "type", "redop", "time", "algbw", "busbw",
                 "#wrong", "time", "algbw", "busbw", "#wrong");
  out_ << format("#%-*s %-9s %12s %12s %8s %6s  %9s %7s %7s %6s  %9s %7s %7s %6s\n", kAlgoWidth, "",
                 "", "(B)", "(elements)", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)",
                 "(GB/s)", "");
  out_.flush();
}

void ConsoleReporter::add(const Measurement* oop, const Measurement* ip) {
  const Measurement* any = oop ? oop : ip;
  if (!any) return;
  if (!columns_printed_) printColumns();
  const std::string section =
      any->collective + " " + std::to_string(any->ranks) + " " + std::to_string(any->root);
  if (section != section_) {
    section_ = section;
    out_ << format("# %s, %d %s%s: busbw = algbw * %g\n", any->collective.c_str(), any->ranks,
                   any->ranks == 1 ? "rank" : "ranks",
                   any->root >= 0 ? (", root " + std::to_string(any->root)).c_str() : "",
                   any->bus_factor);
  }
  out_ << format(" %-*s %-9s %12llu %12llu %8s %6s", kAlgoWidth, algorithmLabel(oop, ip).c_str(),
                 any->transport.c_str(), static_cast<unsigned long long>(any->bytes),
                 static_cast<unsigned long long>(any->count), any->dtype.c_str(), any->op.c_str())
       << half(oop) << half(ip) << "\n";
  out_.flush();
  for (const Measurement* m : {oop, ip}) {
    if (!m) continue;
    measured_.push_back(*m);
    busbw_sum_ += m->busbw_gbps;
    ++busbw_rows_;
  }
}

void ConsoleReporter::note(const std::string& line) { out_ << "# " << line << std::endl; }

void ConsoleReporter::screen(const PairScreen& s) {
  screened_ = true;
  printScreen(out_, s);
}

void ConsoleReporter::printStraggler() const {
  const Straggler s = consistentStraggler(measured_);
  if (s.rank < 0) return;
  out_ << format(
      "# Arrived last         : rank %d (host %s), in most timed iterations of %d of %d "
      "measurements; the others waited a median %.1f us for it (skew.last_arrival in the "
      "result file)\n",
      s.rank, hostOfRank(hosts_, s.rank).c_str(), s.measurements, s.of, s.wait_us);
}

void ConsoleReporter::finish(const RunStatus& status, std::int64_t total_wrong) {
  if (status.state != "complete" || screened_) return;
  printStraggler();
  out_ << "# Out of bounds values : " << total_wrong << (total_wrong == 0 ? " OK" : " FAILED")
       << "\n";
  out_ << format("# Avg bus bandwidth    : %g GB/s\n",
                 busbw_rows_ ? busbw_sum_ / busbw_rows_ : 0.0);
  out_.flush();
}

}  // namespace collbench
