// Command-line options of collbench, parsed and validated before any traffic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives/api/communicator.h"
#include "collectives/api/types.h"
#include "results/screen.h"
#include "results/spec.h"
#include "transports/registry.h"

namespace collbench {

enum class InPlaceMode { kNo, kYes, kBoth };

struct Options {
  std::uint64_t min_bytes = 8;
  std::uint64_t max_bytes = 64ull << 20;
  double step_factor = 2;
  int iters = 20;
  int warmup = 5;
  // Untimed calls at the sweep's largest size before an algorithm's first size (as nccl-tests
  // warms up before its size loop): connections opened, TCP windows grown, lazy buffers made.
  int sweep_warmup = 1;
  double iter_time_s = 0;        // --iter-time: seconds of timed iterations per size; 0: -n counts
  bool iteration_times = false;  // --iteration-times: every timed iteration's time in the file
  // Warm-up calls made: --iter-time needs two (the first, cold, is not its probe).
  int warmupInForce() const { return iter_time_s > 0 ? std::max(warmup, 2) : warmup; }
  int check = 1;
  std::vector<ReduceOp> ops{ReduceOp::kSum};
  std::vector<DataType> dtypes{DataType::kFloat32};
  std::string json_path;
  std::string csv_path;
  std::string spec_path;   // acceptance spec, evaluated after the sweep
  std::string junit_path;  // the verdicts as JUnit XML (needs spec_path)
  std::optional<Spec> spec;
  double link_gbps = 0;  // --link-gbps, 10^9 bit/s per rank; 0 when not given
  std::string fabric;    // --fabric NAME: a built-in profile supplies link_gbps
  std::string transport = "tcp";
  // --bootstrap as resolved for this process: "mpi" or "env" (resolveBootstrap, launch.h).
  std::string bootstrap = "mpi";
  // What to measure, in order: (collective, algorithm) pairs from --collective and --algo.
  struct Planned {
    std::string collective;  // canonical name (collectives.json)
    std::string algorithm;
  };
  std::vector<std::string> collectives{"all_reduce"};  // canonical names, in --collective order
  std::vector<Planned> plan;
  // --collective pairwise or neighbors: a link screen (harness/link_screen.h) instead of
  // collectives (collectives and plan are then empty); "" otherwise.
  std::string screen;
  OutlierRule outliers;       // --outlier-mads, --outlier-change: what a screen flags
  int root = 0;               // -r/--root: the root of broadcast and reduce
  std::string ranks = "all";  // --ranks: all, pow2, or a list of rank counts (see rankCounts)
  InPlaceMode in_place = InPlaceMode::kBoth;
  std::string label;
  std::uint64_t seed = 1;
  TransportOptions transport_options;
  CommOptions comm;
  // Test hooks (hidden flags): corrupt one element of this rank's checked result; make this
  // rank exit abruptly, or stall, when it reaches the second size of the sweep; or never join.
  int inject_wrong_rank = -1;
  int inject_exit_rank = -1;
  int inject_stall_rank = -1;
  int inject_late_join_rank = -1;  // this rank never reaches MPI_Init
  int inject_late_rank = -1;       // this rank sleeps before each timed call (a straggler)
  // This rank hangs before the second size's gather of check results (the bootstrap's gather,
  // which has no deadline per peer: the watchdog catches it).
  int inject_gather_stall_rank = -1;
  bool spin_given = false;        // --tcp-spin-us was on the command line
  bool yield_given = false;       // --tcp-yield-us was on the command line
  std::string progress = "auto";  // libfabric: poll, block, or auto (block when oversubscribed)
  // Where transport_options.libfabric.provider came from: "--fi-provider", "FI_PROVIDER" or
  // "default" (auto), for the result file.
  std::string fi_provider_source = "default";
  // --fi-provider was given: main() removes FI_PROVIDER before libfabric can read it.
  bool fi_provider_flag = false;
  std::string memory = "host";  // --memory: host or cuda (the buffers of every call)
  int device = -1;              // --device: CUDA device of every rank; -1: the local rank's
  std::string timer = "auto";   // --timer: host, cuda (events), or auto (cuda with cuda memory)
  bool show_version = false;
  bool show_list = false;
  bool show_fabrics = false;

  bool cudaMemory() const { return memory == "cuda"; }
  // The timer in force: "cuda" (CUDA events) or "host" (steady_clock).
  std::string timerInForce() const {
    return timer == "auto" ? (cudaMemory() ? "cuda" : "host") : timer;
  }

  // The settings every rank must agree on, name -> canonical text.
  std::map<std::string, std::string> canonical() const;
};

// A bad command line; what() names the flag and the allowed values.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses and validates. Throws UsageError. `help` receives the help text when -h is given
// (and the function then returns with show_list/show_version false and help non-empty).
Options parseOptions(int argc, char** argv, std::string* help);

// "64M" -> 67108864. K, M, G are powers of 1024; an optional trailing B or iB is accepted.
std::uint64_t parseSize(const std::string& text);

// The rank counts of --ranks for a launch of `world` ranks, ascending and without repeats:
// "all" -> {world}; "pow2" -> 2, 4, 8, ... below world, then world; "2,4,8" -> as given.
// Throws UsageError for a malformed list, a count below 1, or one above `world`.
std::vector<int> rankCounts(const std::string& spec, int world);

// "" when the file `path` (given with `flag`) can be written: its directory exists and is
// writable (files are replaced by renaming a temporary file there), and the path is not a
// directory. Else a message naming the flag and the reason.
// Only the rank that writes asks: other hosts need not see that directory.
std::string outputPathProblem(const std::string& flag, const std::string& path);

// The first problem of -J, --csv and --junit, or "".
std::string outputPathsProblem(const Options& o);

// --iter-time: the timed iterations that fill `iter_time_s` seconds when one takes `probe_us`
// (the slowest rank's median warm-up), at least kMinTimedIterations and at most what keeps
// every rank's timings under kMaxTimedSamples in all (they are gathered on every rank).
constexpr int kMinTimedIterations = 5;
constexpr long long kMaxTimedSamples = 10'000'000;
int iterationsFor(double iter_time_s, double probe_us, int ranks);

// The message sizes of the sweep, in bytes, each a whole number of elements of `dtype`
// (at least one element), without repeats.
std::vector<std::uint64_t> sweepSizes(const Options& o, DataType dtype);

}  // namespace collbench
