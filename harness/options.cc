#include "harness/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "collectives/api/collective.h"
#include "collectives/reduce/isa.h"
#include "collectives/registry.h"
#include "harness/check.h"
#include "harness/gpu.h"
#include "harness/job_bootstrap.h"
#include "harness/launch.h"
#include "harness/link_screen.h"
#include "results/fabrics.h"
#include "results/measurement.h"

namespace collbench {
namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

template <typename T, typename Parse, typename All>
std::vector<T> parseNames(const std::string& flag, const std::string& text, Parse parse, All all,
                          const std::string& allowed) {
  if (text == "all") return all();
  std::vector<T> out;
  for (const auto& name : splitList(text)) {
    auto v = parse(name);
    if (!v)
      throw UsageError(flag + ": unknown value '" + name + "'; allowed: " + allowed + ", all");
    if (std::find(out.begin(), out.end(), *v) != out.end())
      throw UsageError(flag + ": " + name + " is given twice");
    out.push_back(*v);
  }
  if (out.empty()) throw UsageError(flag + ": empty list");
  return out;
}

void checkRange(const std::string& flag, double v, double lo, double hi) {
  if (v < lo || v > hi) {
    std::ostringstream msg;
    msg << flag << ": " << v << " is out of range [" << lo << ", " << hi << "]";
    throw UsageError(msg.str());
  }
}

std::uint64_t sizeFlag(const std::string& flag, const std::string& text) {
  try {
    return parseSize(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(flag + ": " + e.what());
  }
}

// A size as its flag is written: 65536 -> "64K", 4194304 -> "4M", 1000 -> "1000".
std::string sizeFlagText(std::uint64_t bytes) {
  const char* units = "KMG";
  std::string suffix;
  for (int u = 0; u < 3 && bytes >= 1024 && bytes % 1024 == 0; ++u) {
    bytes /= 1024;
    suffix = std::string(1, units[u]);
  }
  return std::to_string(bytes) + suffix;
}

struct RawOptions {
  std::string min_bytes = "8", max_bytes = "64M", ops = "sum", dtypes = "float32";
  std::string collectives = "all_reduce", algorithms, in_place = "both";
  std::string segment;  // empty: the transport's (TransportInfo::segment_bytes)
  std::string chunk = sizeFlagText(TcpOptions{}.chunk_bytes);
  std::string sockbuf = sizeFlagText(static_cast<std::uint64_t>(TcpOptions{}.socket_buffer_bytes));
  std::string stripe = sizeFlagText(LibfabricOptions{}.stripe_bytes);
  std::string fi_provider;  // empty: not given
  std::string bootstrap = "auto";
  double timeout_s = 300;
  int spin_us = -1;   // auto
  int yield_us = -1;  // auto
};

void addFlags(CLI::App& app, Options& o, RawOptions& raw) {
  app.add_option("-b,--minbytes", raw.min_bytes, "Smallest message size (K/M/G = 1024^n)");
  app.add_option("-e,--maxbytes", raw.max_bytes, "Largest message size");
  app.add_option("-f,--stepfactor", o.step_factor, "Size multiplication factor between steps");
  app.add_option("-n,--iters", o.iters, "Timed iterations per size");
  app.add_option("-w,--warmup_iters", o.warmup, "Warm-up iterations per size");
  app.add_option("--sweep-warmup", o.sweep_warmup,
                 "Untimed calls at the largest size before each algorithm's first size");
  app.add_option("--iter-time", o.iter_time_s,
                 "Seconds of timed iterations per size, instead of -n: the count comes from "
                 "the warm-up's median time (0: use -n)");
  app.add_flag("--iteration-times", o.iteration_times,
               "Write every timed iteration's time (the slowest rank's) into the result file");
  app.add_option("-c,--check", o.check, "Check results (1) or not (0)");
  app.add_option("-o,--op", raw.ops, "Reduction: " + reduceOpNames() + " (comma list or all)");
  app.add_option("-d,--datatype", raw.dtypes, "Type: " + dataTypeNames() + " (comma list or all)");
  app.add_option("-J,--json", o.json_path, "Write results as JSON to this file");
  app.add_option("--csv", o.csv_path, "Write measurements as CSV to this file");
  app.add_option("--spec", o.spec_path, "Acceptance spec (YAML) to judge the results against");
  app.add_option("--junit", o.junit_path, "Write the spec's verdicts as JUnit XML (needs --spec)");
  app.add_option("--link-gbps", o.link_gbps,
                 "Nominal link bandwidth per rank in Gb/s (10^9 bit/s), for link utilisation");
  app.add_option("--fabric", o.fabric,
                 "Built-in fabric profile giving the link bandwidth: " + fabricNames() +
                     " (see --list-fabrics)");
  app.add_option("--transport", o.transport, "Transport: " + transportNames());
  app.add_option("--bootstrap", raw.bootstrap,
                 "How ranks find each other: mpi, env (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT "
                 "or Slurm's SLURM_PROCID/SLURM_NTASKS; docs/LAUNCH.md) or auto (MPI under an MPI "
                 "launcher, else the environment)");
  app.add_option("--collective", raw.collectives,
                 "Collectives, comma list or all (the nccl-tests family): " + collectiveNameList() +
                     " (pingpong pairs ranks 0-1, 2-3, ...); or a link screen, alone: pairwise "
                     "(every pair) or neighbors (ring and XOR partners), docs/SCREEN.md");
  app.add_option("--algo", raw.algorithms,
                 "Algorithms, comma list, each applied to every --collective that has it, or "
                 "all (every one built in that runs on --memory's buffers; --list shows them; "
                 "default: ours and MPI, or NCCL with --memory cuda)");
  app.add_option("--outlier-mads", o.outliers.mads,
                 "Link screens flag a pair worse than the median of all pairs by more than this "
                 "many robust standard deviations, 1.4826 x MAD (default 4) ...");
  app.add_option("--outlier-change", o.outliers.min_change,
                 "... and by more than a factor 1 + this (default 0.25; docs/SCREEN.md)");
  app.add_option("-r,--root", o.root, "Root rank of broadcast and reduce");
  app.add_option("--peers-in-flight", o.comm.peers_in_flight,
                 "Pairwise alltoall: rounds of exchanges posted at once");
  app.add_option("--in-place", raw.in_place, "yes, no or both");
  app.add_option("--ranks", o.ranks,
                 "Rank counts to sweep, each on the first k launched ranks: all, pow2 "
                 "(2,4,8,...,launched) or a list such as 2,4,8");
  app.add_option("--label", o.label, "Free-form label stored in the result file");
  app.add_option("--seed", o.seed, "Seed of the correctness data");
  app.add_option("--timeout", raw.timeout_s, "Seconds one collective may take before failing");
  app.add_option("--segment-bytes", raw.segment,
                 "Pipelining segment of ring and tree (default: 256K, 1M with --transport "
                 "libfabric); tree all-reduce halves it, down to 32K, for a call too short to "
                 "fill its depth");
  app.add_option("--segments-in-flight", o.comm.segments_in_flight,
                 "Receives posted ahead by ring and tree");
  auto& tcp = o.transport_options.tcp;
  app.add_option("--tcp-addr", tcp.address, "IPv4 address or interface to listen on");
  app.add_option("--tcp-streams", tcp.streams, "TCP sockets per peer");
  app.add_option("--tcp-chunk-bytes", raw.chunk, "TCP wire chunk size (bytes, or K/M/G)");
  app.add_option("--tcp-sockbuf", raw.sockbuf, "TCP socket buffer size (0: kernel autotuning)");
  app.add_option("--tcp-spin-us", raw.spin_us,
                 "Microseconds to busy-poll before blocking (default: 50, or 0 when this host "
                 "runs more ranks than it has cores)");
  app.add_option("--tcp-yield-us", raw.yield_us,
                 "Microseconds to poll yielding the core (sched_yield) after the spin, before "
                 "blocking (default: 0, or 5000 when this host runs more ranks than it has cores)");
  app.add_option(
      "--fi-provider", raw.fi_provider,
      "libfabric provider as fi_info names it (efa, tcp, shm, udp;ofi_rxd, ...) or "
      "auto (efa where an EFA device exists, else tcp); default: FI_PROVIDER, else auto");
  app.add_option("--fi-rails", o.transport_options.libfabric.rails,
                 "libfabric endpoints per rank, each on its own NIC where the host has enough "
                 "(local rank i takes NICs i*N .. i*N+N-1), messages striped over them");
  app.add_option("--fi-stripe-bytes", raw.stripe,
                 "With --fi-rails above 1: the pieces messages are dealt over the rails in");
  app.add_option("--progress", o.progress,
                 "libfabric progress: poll, block (sleep on the completion queue), or auto (block "
                 "when this host runs more ranks than it has cores)");
  app.add_option("--memory", o.memory,
                 "Where the buffers live: host, or cuda (one GPU per rank, by local rank)");
  app.add_option("--device", o.device, "CUDA device for every rank (default: the local rank)");
  app.add_option("--timer", o.timer,
                 "host (steady_clock), cuda (CUDA events around each call), or auto (cuda "
                 "with --memory cuda)");
  app.add_option("--inject-wrong-rank", o.inject_wrong_rank)->group("");  // test hooks, hidden
  app.add_option("--inject-exit-rank", o.inject_exit_rank)->group("");
  app.add_option("--inject-stall-rank", o.inject_stall_rank)->group("");
  app.add_option("--inject-late-join-rank", o.inject_late_join_rank)->group("");
  app.add_option("--inject-late-rank", o.inject_late_rank)->group("");
  app.add_option("--inject-gather-stall-rank", o.inject_gather_stall_rank)->group("");
  app.add_flag("--version", o.show_version, "Print version and build configuration");
  app.add_flag("--list", o.show_list, "List transports and algorithms");
  app.add_flag("--list-fabrics", o.show_fabrics, "List the built-in fabric profiles");
}

std::vector<std::string> parseCollectives(const std::string& text) {
  std::vector<std::string> out;
  if (text == "all") {
    for (const auto& d : allCollectives()) {
      if (!d.nccl_tests.empty()) out.push_back(d.name);  // the nccl-tests family
    }
    return out;
  }
  for (const auto& name : splitList(text)) {
    try {
      out.push_back(describeCollective(name).name);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--collective: ") + e.what() + ", all");
    }
    if (std::count(out.begin(), out.end(), out.back()) > 1) {
      throw UsageError("--collective: " + out.back() + " is given twice");
    }
  }
  if (out.empty()) throw UsageError("--collective: empty list");
  return out;
}

// The algorithms of `collective` named in --algo, every one (--algo all), or its defaults.
std::vector<std::string> algorithmsFor(const std::string& collective,
                                       const std::vector<std::string>& named, bool every,
                                       MemoryKind kind) {
  if (every) return allAlgorithms(collective, kind);
  if (named.empty()) return defaultAlgorithms(collective, kind);
  std::vector<std::string> out;
  for (const auto& a : named) {
    if (makeAlgorithm(collective, a)) out.push_back(a);
  }
  if (out.empty()) {
    throw UsageError("--algo: no algorithm given for " + collective +
                     " (--collective); its algorithms: " + algorithmNames(collective));
  }
  return out;
}

// The MPI baselines need MPI's communicators: under the env bootstrap they are left out of the
// defaults and refused by name.
void dropMpiBaselines(Options& o, bool named) {
  if (o.bootstrap == "mpi") return;
  auto is_mpi = [](const Options::Planned& p) {
    return makeAlgorithm(p.collective, p.algorithm)->library() == "mpi";
  };
  auto it = std::find_if(o.plan.begin(), o.plan.end(), is_mpi);
  if (named && it != o.plan.end()) {
    throw UsageError("--algo " + it->algorithm +
                     ": MPI's collectives need --bootstrap mpi (this launch uses the env "
                     "bootstrap, so MPI is not initialised)");
  }
  o.plan.erase(std::remove_if(o.plan.begin(), o.plan.end(), is_mpi), o.plan.end());
}

void resolveBootstrapFlag(Options& o, const RawOptions& raw) {
  if (raw.bootstrap != "mpi" && raw.bootstrap != "env" && raw.bootstrap != "auto") {
    throw UsageError("--bootstrap: '" + raw.bootstrap + "' is not one of mpi, env, auto");
  }
  if (raw.bootstrap == "mpi" && !mpiBuiltIn()) {
    throw UsageError(
        "--bootstrap mpi: collbench was built without MPI (COLLBENCH_WITH_MPI=OFF); use "
        "--bootstrap env");
  }
  o.bootstrap = resolveBootstrap(raw.bootstrap, mpiBuiltIn());
}

// --collective pairwise or neighbors: a screen of links, alone, over every rank.
bool validateScreen(Options& o, const RawOptions& raw) {
  const auto& kinds = screenKinds();
  if (std::find(kinds.begin(), kinds.end(), raw.collectives) == kinds.end()) {
    for (const auto& kind : kinds) {
      if (("," + raw.collectives + ",").find("," + kind + ",") != std::string::npos) {
        throw UsageError("--collective " + kind + ": a screen runs alone, not with " +
                         "collectives (got '" + raw.collectives + "')");
      }
    }
    return false;
  }
  o.screen = raw.collectives;
  o.collectives.clear();
  o.plan.clear();
  if (!raw.algorithms.empty()) {
    throw UsageError("--algo: --collective " + o.screen + " measures pairs, not algorithms");
  }
  if (o.ranks != "all") {
    throw UsageError("--ranks: --collective " + o.screen + " screens every launched rank");
  }
  checkRange("--outlier-mads", o.outliers.mads, 0, 100);
  checkRange("--outlier-change", o.outliers.min_change, 0, 10);
  return true;
}

void validateAlgorithms(Options& o, const RawOptions& raw) {
  if (validateScreen(o, raw)) return;
  o.collectives = parseCollectives(raw.collectives);
  const bool every = raw.algorithms == "all";
  const std::vector<std::string> named =
      every ? std::vector<std::string>{} : splitList(raw.algorithms);
  if (!raw.algorithms.empty() && !every && named.empty()) throw UsageError("--algo: empty list");
  for (const auto& a : named) {
    if (a == "all") throw UsageError("--algo all stands alone (got '" + raw.algorithms + "')");
    if (std::count(named.begin(), named.end(), a) > 1) {
      throw UsageError("--algo: " + a + " is given twice");
    }
    if (a == "mpi" && !mpiBuiltIn()) {
      throw UsageError(
          "--algo mpi: collbench was built without MPI (COLLBENCH_WITH_MPI=OFF), so MPI's "
          "collectives are not in it");
    }
    bool known = false;
    for (const auto& c : o.collectives) known = known || makeAlgorithm(c, a) != nullptr;
    if (!known) {
      std::string available;
      for (const auto& c : o.collectives) available += "; " + c + ": " + algorithmNames(c);
      throw UsageError("--algo: unknown algorithm '" + a + "' for --collective " + raw.collectives +
                       available);
    }
  }
  const MemoryKind kind = o.cudaMemory() ? MemoryKind::kCuda : MemoryKind::kHost;
  o.plan.clear();
  for (const auto& c : o.collectives) {
    for (const auto& a : algorithmsFor(c, named, every, kind)) o.plan.push_back({c, a});
  }
  dropMpiBaselines(o, !named.empty());
  checkRange("-r/--root", o.root, 0, 1 << 24);
  checkRange("--peers-in-flight", o.comm.peers_in_flight, 1, 1 << 16);
}

// A provider name as fi_info prints it: letters, digits, '_', '-', '.', and ';' between the
// layers of a utility-provider chain ("udp;ofi_rxd").
bool isProviderName(const std::string& name) {
  if (name.empty() || name.front() == ';' || name.back() == ';') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ';';
  });
}

// --fi-provider wins over FI_PROVIDER, which wins over auto. FI_PROVIDER may also be a list or
// an exclusion ("efa,tcp", "^psm2"): then libfabric's own filter chooses (provider "").
void resolveProvider(Options& o, const RawOptions& raw) {
  const char* env = std::getenv("FI_PROVIDER");
  const std::string from_env = env ? env : "";
  std::string& provider = o.transport_options.libfabric.provider;
  if (!raw.fi_provider.empty()) {
    provider = raw.fi_provider;
    o.fi_provider_flag = true;
    o.fi_provider_source = "--fi-provider";
    if (!from_env.empty()) o.fi_provider_source += " (over FI_PROVIDER=" + from_env + ")";
    if (!isProviderName(provider)) {
      throw UsageError("--fi-provider: '" + provider +
                       "' is not a provider name: fi_info names them with letters, digits, "
                       "'_', '-' and '.', the layers of a chain joined by ';' (udp;ofi_rxd)");
    }
  } else if (!from_env.empty()) {
    provider = isProviderName(from_env) ? from_env : "";
    o.fi_provider_source = "FI_PROVIDER=" + from_env;
  }
}

void validateLibfabric(Options& o, const RawOptions& raw) {
  resolveProvider(o, raw);
  auto& fi = o.transport_options.libfabric;
  checkRange("--fi-rails", fi.rails, 1, 64);
  fi.stripe_bytes = sizeFlag("--fi-stripe-bytes", raw.stripe);
  checkRange("--fi-stripe-bytes", static_cast<double>(fi.stripe_bytes), 4096, 1 << 30);
  if (o.progress != "poll" && o.progress != "block" && o.progress != "auto") {
    throw UsageError("--progress: '" + o.progress + "' is not one of poll, block, auto");
  }
}

// --memory, --device, --timer, and what they allow: NCCL moves only device memory; MPI and
// Gloo here only host memory.
void validateMemory(const Options& o) {
  if (o.memory != "host" && o.memory != "cuda") {
    throw UsageError("--memory: '" + o.memory + "' is not one of host, cuda");
  }
  if (o.timer != "auto" && o.timer != "host" && o.timer != "cuda") {
    throw UsageError("--timer: '" + o.timer + "' is not one of host, cuda, auto");
  }
  checkRange("--device", o.device, -1, 1023);
  if (o.cudaMemory() && !cudaBuiltIn()) {
    throw UsageError(
        "--memory cuda: collbench was built without CUDA (COLLBENCH_WITH_NCCL found "
        "no CUDA toolkit and NCCL)");
  }
  if (!o.cudaMemory() && o.timer == "cuda") throw UsageError("--timer cuda: needs --memory cuda");
  if (!o.cudaMemory() && o.transport == "nccl") {
    throw UsageError("--transport nccl: needs --memory cuda (NCCL moves CUDA memory)");
  }
}

// Every planned algorithm handles the memory kind of --memory.
void validateAlgorithmMemory(const Options& o) {
  const MemoryKind kind = o.cudaMemory() ? MemoryKind::kCuda : MemoryKind::kHost;
  for (const auto& p : o.plan) {
    const auto kinds = makeAlgorithm(p.collective, p.algorithm)->memoryKinds();
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    throw UsageError("--algo " + p.algorithm + " (" + p.collective + "): runs on " +
                     (kind == MemoryKind::kCuda ? "host memory only; drop it or use --memory host"
                                                : "CUDA memory only; it needs --memory cuda"));
  }
}

void validateResults(Options& o) {
  if (!o.fabric.empty() && !findFabric(o.fabric)) {
    throw UsageError("--fabric: unknown fabric '" + o.fabric + "'; available: " + fabricNames());
  }
  if (!o.fabric.empty() && o.link_gbps != 0) {
    throw UsageError("--link-gbps and --fabric both give the link bandwidth; give one");
  }
  if (o.link_gbps != 0) checkRange("--link-gbps", o.link_gbps, 0.001, 1e6);
  if (!o.junit_path.empty() && o.spec_path.empty()) {
    throw UsageError("--junit: needs --spec (the verdicts come from a spec)");
  }
  if (o.spec_path.empty()) return;
  try {
    o.spec = loadSpecOfCollectives(o.spec_path);
  } catch (const SpecError& e) {
    throw UsageError(std::string("--spec: ") + e.what());
  }
}

void validate(Options& o, const RawOptions& raw) {
  o.min_bytes = sizeFlag("-b/--minbytes", raw.min_bytes);
  o.max_bytes = sizeFlag("-e/--maxbytes", raw.max_bytes);
  checkRange("-b/--minbytes", static_cast<double>(o.min_bytes), 1, 64.0 * (1ull << 30));
  checkRange("-e/--maxbytes", static_cast<double>(o.max_bytes), 1, 64.0 * (1ull << 30));
  if (o.min_bytes > o.max_bytes) throw UsageError("-b/--minbytes is larger than -e/--maxbytes");
  checkRange("-f/--stepfactor", o.step_factor, 1.01, 1024);
  checkRange("-n/--iters", o.iters, 1, 1e7);
  checkRange("-w/--warmup_iters", o.warmup, 0, 1e7);
  checkRange("--sweep-warmup", o.sweep_warmup, 0, 1e6);
  checkRange("--iter-time", o.iter_time_s, 0, 3600);
  checkRange("-c/--check", o.check, 0, 1);
  o.ops = parseNames<ReduceOp>("-o/--op", raw.ops, parseReduceOp, allReduceOps, reduceOpNames());
  o.dtypes = parseNames<DataType>("-d/--datatype", raw.dtypes, parseDataType, allDataTypes,
                                  dataTypeNames());
  if (!transportExists(o.transport)) {
    throw UsageError("--transport: unknown transport '" + o.transport +
                     "'; available: " + transportNames());
  }
  resolveBootstrapFlag(o, raw);
  validateMemory(o);  // --memory first: it picks the default algorithms
  validateAlgorithms(o, raw);
  validateAlgorithmMemory(o);
  validateLibfabric(o, raw);
  if (raw.in_place == "yes")
    o.in_place = InPlaceMode::kYes;
  else if (raw.in_place == "no")
    o.in_place = InPlaceMode::kNo;
  else if (raw.in_place == "both")
    o.in_place = InPlaceMode::kBoth;
  else
    throw UsageError("--in-place: '" + raw.in_place + "' is not one of yes, no, both");
  checkRange("--timeout", raw.timeout_s, 0.001, 7 * 86400);
  o.comm.timeout = std::chrono::milliseconds(static_cast<long long>(raw.timeout_s * 1000));
  o.comm.segment_bytes = raw.segment.empty() ? transportInfo(o.transport).segment_bytes
                                             : sizeFlag("--segment-bytes", raw.segment);
  checkRange("--segment-bytes", static_cast<double>(o.comm.segment_bytes), 64, 1 << 30);
  checkRange("--segments-in-flight", o.comm.segments_in_flight, 1, 64);
  auto& tcp = o.transport_options.tcp;
  checkRange("--tcp-streams", tcp.streams, 1, 64);
  tcp.chunk_bytes = sizeFlag("--tcp-chunk-bytes", raw.chunk);
  checkRange("--tcp-chunk-bytes", static_cast<double>(tcp.chunk_bytes), 1024, 1 << 30);
  const std::uint64_t sockbuf = sizeFlag("--tcp-sockbuf", raw.sockbuf);
  checkRange("--tcp-sockbuf", static_cast<double>(sockbuf), 0, 1 << 30);
  tcp.socket_buffer_bytes = static_cast<int>(sockbuf);
  if (raw.spin_us != -1) {
    checkRange("--tcp-spin-us", raw.spin_us, 0, 1e6);
    tcp.spin = std::chrono::microseconds(raw.spin_us);
    o.spin_given = true;
  }
  if (raw.yield_us != -1) {
    checkRange("--tcp-yield-us", raw.yield_us, 0, 1e7);
    tcp.yield = std::chrono::microseconds(raw.yield_us);
    o.yield_given = true;
  }
  tcp.connect_timeout = std::min(o.comm.timeout, std::chrono::milliseconds(60000));
  validateResults(o);
  try {
    activeReduceIsa();  // COLLBENCH_REDUCE_ISA, read once for the whole run
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (o.ranks != "pow2") rankCounts(o.ranks, INT_MAX);  // the syntax now; sizes once MPI is up
}

int parseRankCount(const std::string& item, int world) {
  std::size_t used = 0;
  long long k = -1;
  try {
    k = std::stoll(item, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != item.size() || k < 1) {
    throw UsageError("--ranks: '" + item +
                     "' is not a rank count (a whole number >= 1), all or pow2");
  }
  if (k > world) {
    throw UsageError("--ranks: " + item + " is more than the " + std::to_string(world) +
                     " ranks launched");
  }
  return static_cast<int>(k);
}

}  // namespace

std::vector<int> rankCounts(const std::string& spec, int world) {
  std::vector<int> counts;
  if (spec == "all") return {world};
  if (spec == "pow2") {
    for (long long k = 2; k < world; k *= 2) counts.push_back(static_cast<int>(k));
    counts.push_back(world);
    return counts;
  }
  for (const auto& item : splitList(spec)) counts.push_back(parseRankCount(item, world));
  if (counts.empty()) throw UsageError("--ranks: empty list");
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

std::uint64_t parseSize(const std::string& text) { return parseByteSize(text); }

std::string outputPathProblem(const std::string& flag, const std::string& path) {
  if (path.empty()) return "";
  const std::string cannot = flag + ": cannot write " + path + ": ";
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return cannot + "directory " + dir + " does not exist";
  if (!S_ISDIR(st.st_mode)) return cannot + dir + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return cannot + "directory " + dir + " is not writable (" + std::strerror(errno) + ")";
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return cannot + "it is a directory";
  return "";
}

std::string outputPathsProblem(const Options& o) {
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string&>{"-J/--json", o.json_path},
        {"--csv", o.csv_path},
        {"--junit", o.junit_path}}) {
    const std::string problem = outputPathProblem(flag, path);
    if (!problem.empty()) return problem;
  }
  return "";
}

std::vector<std::uint64_t> sweepSizes(const Options& o, DataType dtype) {
  const std::uint64_t es = dtypeSize(dtype);
  std::vector<std::uint64_t> sizes;
  for (double b = static_cast<double>(o.min_bytes); b <= static_cast<double>(o.max_bytes);) {
    const auto bytes = static_cast<std::uint64_t>(b);
    const std::uint64_t whole = std::max<std::uint64_t>(es, bytes / es * es);
    if (sizes.empty() || sizes.back() != whole) sizes.push_back(whole);
    b = std::max(std::floor(b * o.step_factor), b + 1);
  }
  return sizes;
}

std::map<std::string, std::string> Options::canonical() const {
  std::map<std::string, std::string> m;
  auto join = [](const auto& items, auto name) {
    std::string s;
    for (const auto& x : items) s += (s.empty() ? "" : ",") + std::string(name(x));
    return s;
  };
  m["minbytes"] = std::to_string(min_bytes);
  m["maxbytes"] = std::to_string(max_bytes);
  m["stepfactor"] = std::to_string(step_factor);
  m["iters"] = std::to_string(iters);
  m["warmup_iters"] = std::to_string(warmup);
  m["sweep_warmup"] = std::to_string(sweep_warmup);
  m["iter_time_s"] = std::to_string(iter_time_s);
  m["iteration_times"] = iteration_times ? "1" : "0";
  m["check"] = std::to_string(check);
  m["op"] = join(ops, opName);
  m["datatype"] = join(dtypes, dtypeName);
  m["transport"] = transport;
  m["algo"] = join(plan, [](const Planned& p) { return p.collective + ":" + p.algorithm; });
  m["ranks"] = ranks;
  m["collective"] =
      screen.empty() ? join(collectives, [](const std::string& s) { return s; }) : screen;
  m["root"] = std::to_string(root);
  m["peers_in_flight"] = std::to_string(comm.peers_in_flight);
  m["fi_provider"] = transport_options.libfabric.provider;
  m["fi_provider_source"] = fi_provider_source;
  m["progress"] = progress;
  m["fi_rails"] = std::to_string(transport_options.libfabric.rails);
  m["fi_stripe_bytes"] = std::to_string(transport_options.libfabric.stripe_bytes);
  m["memory"] = memory;
  m["device"] = std::to_string(device);
  m["timer"] = timerInForce();
  m["in_place"] = in_place == InPlaceMode::kBoth  ? "both"
                  : in_place == InPlaceMode::kYes ? "yes"
                                                  : "no";
  m["seed"] = std::to_string(seed);
  m["link_gbps"] = std::to_string(link_gbps);
  m["fabric"] = fabric;
  m["spec"] = spec_path;
  m["timeout_ms"] = std::to_string(comm.timeout.count());
  m["segment_bytes"] = std::to_string(comm.segment_bytes);
  m["segments_in_flight"] = std::to_string(comm.segments_in_flight);
  m["tcp_streams"] = std::to_string(transport_options.tcp.streams);
  m["tcp_chunk_bytes"] = std::to_string(transport_options.tcp.chunk_bytes);
  m["tcp_sockbuf"] = std::to_string(transport_options.tcp.socket_buffer_bytes);
  return m;
}

Options parseOptions(int argc, char** argv, std::string* help) {
  Options o;
  RawOptions raw;
  CLI::App app{
      "collbench: collective-communication benchmark. Launch with mpirun, srun or any launcher "
      "that sets RANK and WORLD_SIZE (docs/LAUNCH.md)."};
  app.set_help_flag("-h,--help", "Print this help and exit");
  // A flag given twice takes its last value, as getopt tools do: a job script's defaults can
  // then be overridden by the flags passed to it.
  app.option_defaults()->always_capture_default()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  addFlags(app, o, raw);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *help = app.help();
    return o;
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  if (o.iter_time_s > 0 && app.count("--iters") > 0)
    throw UsageError("--iter-time and -n/--iters both set the timed iterations; give one");
  validate(o, raw);
  return o;
}

int iterationsFor(double iter_time_s, double probe_us, int ranks) {
  const double most = std::min(1e6, static_cast<double>(kMaxTimedSamples) / std::max(1, ranks));
  const double wanted = probe_us > 0 ? iter_time_s * 1e6 / probe_us : most;
  return static_cast<int>(std::clamp(std::ceil(wanted), double{kMinTimedIterations}, most));
}

}  // namespace collbench
