// Plain records of what was measured and how. Reporters format them; nothing here knows how
// they were produced.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace collbench {

constexpr int kResultSchemaVersion =
    3;  // 3: every collective, root, bus_factor; 2: topology, skew, link utilisation, status

struct TimeStats {
  double min = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  std::size_t samples = 0;
};

// Percentiles by nearest rank on the sorted samples. Empty input gives all zeros.
TimeStats summarize(std::vector<double> samples);

// How evenly the ranks took their time: each rank's mean over the timed iterations, measured
// by that rank's own clock; and the rank the others waited for.
struct RankSkew {
  int slowest_rank = -1;
  double slowest_mean_us = 0;
  int fastest_rank = -1;
  double fastest_mean_us = 0;
  double spread_us() const { return slowest_mean_us - fastest_mean_us; }
  // The rank that arrived last in the most timed iterations, in how many, and the median of how
  // long the other ranks waited for it in those (see rankSkew); -1, 0, 0 when not estimated.
  int last_arrival_rank = -1;
  int last_arrival_count = 0;
  double last_arrival_wait_us = 0;
};

// The skew of one measurement from every rank's time of every timed iteration, rank-major
// (times[r * iterations + i]). With `ends_together` (a collective whose every output needs
// every rank's input, so that every rank's call ends once the last rank's data is in), the
// rank that arrived last in an iteration is the one whose call was shortest: the others were
// waiting for it. Ties go to the lower rank.
RankSkew rankSkew(const std::vector<double>& times, int ranks, bool ends_together);

struct Measurement;

// A rank that the others kept waiting for, over a run: it arrived last in most timed
// iterations (more than half) of more than half of the measurements that tell.
struct Straggler {
  int rank = -1;         // -1: no rank was consistently last
  int measurements = 0;  // where it arrived last in most iterations
  int of = 0;            // measurements that tell who arrived last
  double wait_us = 0;    // median over those of how long the others waited for it
};
Straggler consistentStraggler(const std::vector<Measurement>& measurements);

struct Measurement {
  std::string collective = "all_reduce";  // a name from collectives/api/collectives.json
  std::string algorithm;
  std::string cost_form;  // its cost model (results/model.h); empty in files before schema 3
  // For "best": the algorithm it chose for this call and each candidate's calibration time
  // (microseconds, the slowest rank's median); empty for every other algorithm.
  std::string chosen_algorithm;
  std::vector<std::pair<std::string, double>> calibration_us;
  std::string transport;
  int ranks = 0;
  int hosts = 1;  // distinct hosts among those ranks
  // Ranks on the fullest and on the emptiest of those hosts; 0 when not recorded (files
  // before the field, converted results): an even spread is then assumed.
  int largest_host_ranks = 0, smallest_host_ranks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
  std::string dtype;
  std::string op;
  int root = -1;  // broadcast and reduce: the root; -1 for collectives without one
  bool in_place = false;
  int iterations = 0;
  int warmup_iterations = 0;
  // Per iteration, the maximum over the ranks that time it (collectives.json's timed_by: all,
  // or each pingpong pair's initiator).
  TimeStats time_us;
  // --iteration-times: each timed iteration's time (that maximum), in order; else
  // empty. Where time_us's mean and percentiles come from, to see which calls were slow.
  std::vector<double> iteration_us;
  double algbw_gbps = 0;    // 10^9 bytes per second, from the mean time
  double busbw_gbps = 0;    // algbw * bus_factor
  double bus_factor = 0;    // the collective's nccl-tests factor at these ranks, as applied
  std::int64_t wrong = -1;  // elements wrong over all ranks; -1 when not checked
  RankSkew skew;
  double link_utilization = -1;  // busbw / nominal link bandwidth; -1 when the link is unknown
  // Bytes one call sent to ranks on other hosts, the most of any rank; -1 when unknown (vendor
  // collectives, which do not run over our transports).
  std::int64_t inter_host_bytes = -1;
};

struct NicInfo {
  std::string name;
  double speed_gbps = 0;  // 10^9 bit/s as the OS reports it; 0 when it does not say
};

struct HostInfo {
  std::string name;
  int ranks = 0;
  std::string cpu_model;
  int cpus = 0;
  std::vector<NicInfo> nics;
  std::vector<std::string> gpus;  // model names, in the driver's order
  std::vector<int> rank_list;     // the launch's ranks on this host
  // NVLink between each pair of this host's GPUs, as NVML reports it ("0000:18:00.0 -
  // 0000:2a:00.0: NVLink" or ": no NVLink"); empty when there is no driver or one GPU.
  std::vector<std::string> gpu_links;
  // With --memory cuda: the device each rank of rank_list used ("NVIDIA H100 (0000:18:00.0)").
  std::vector<std::string> rank_gpus;
  // The NICs each rank of rank_list sent through, its rails joined by ',' ("rdmap16s27" on
  // EFA); empty where the transport does not say (TCP).
  std::vector<std::string> rank_nics;
  // The host's TCP congestion control (net.ipv4.tcp_congestion_control of its network
  // namespace: "cubic", "bbr"); empty where unreadable. It changes loopback and emulated-link
  // figures (docs/PERFORMANCE-NOTES.md, 2026-12-07).
  std::string tcp_congestion_control;
  // net.ipv4.tcp_wmem and tcp_rmem of the same namespace: min, default and max bytes of a
  // socket's send and receive buffers while the kernel sizes them (as for libfabric's tcp
  // provider, which sets none; collbench's TCP transport sets its own, --tcp-sockbuf). Empty
  // where unreadable. Our TCP ring ran 25% slower under bbr with the kernel sizing its buffers
  // (docs/PERFORMANCE-NOTES.md, 2026-12-07, the last section).
  std::vector<std::uint64_t> tcp_wmem, tcp_rmem;
};

// What one rank saw when the job failed, sent to rank 0 for the failure verdict
// (results/failure.h).
struct FailureReport {
  int rank = -1;
  std::string host;
  int waited_for = -1;           // the rank it timed out on or lost; -1 when it named none
  bool connection_lost = false;  // its connection to waited_for failed (closed, reset, error)
  std::string operation;         // what it was running
  std::string message;
  // It was stuck in a step that waits for every rank and has no deadline per peer (the
  // bootstrap's gathers, MPI's collectives) until the watchdog fired, so it names no one rank.
  bool waited_for_all = false;
};

// Where the run stands: "running" while sizes are being measured, then "complete" or "failed".
struct RunStatus {
  std::string state = "running";
  int failed_rank = -1;  // -1 when unknown or not failed
  std::string failed_host;
  std::string operation;  // what was running, e.g. "allreduce ring 1 MiB float32 sum ..."
  std::string message;    // why it failed, as rank 0 saw it
  std::string verdict;    // what every rank's report adds up to; "" before it was made
  std::vector<FailureReport> reports;  // the reports rank 0 received, its own first
};

// How the job was started (harness/launch.cc reads it from the launcher's environment).
struct LaunchInfo {
  std::string launcher;          // "mpirun (Open MPI)", "srun --mpi=pmix", ...
  std::string slurm_job_id;      // "" outside Slurm
  std::string slurm_step_id;     // "" when not started by srun
  std::string slurm_nodelist;    // the job's nodes, in Slurm's notation ("node[1-4]")
  std::string bootstrap;         // "mpi" or "env" (--bootstrap)
  std::string bootstrap_detail;  // how the ranks met: "MPI_Init", "rendezvous at node1:29500 ..."
  double startup_s = 0;          // from the start of main() to every rank having joined
};

// "srun --mpi=pmix, Slurm job 12 (step 0) on node[1-2]": one line for --version and consoles.
std::string describeLaunch(const LaunchInfo& launch);

// "all_reduce ring tcp 4 ranks 1048576 B float32 sum out-of-place": what a measurement measured,
// for verdicts and comparisons.
std::string describeMeasurement(const Measurement& m);

struct RunInfo {
  std::string command_line;
  std::string version;
  std::string git_revision;
  std::string start_time;  // ISO 8601, UTC
  std::string label;
  std::string transport;
  std::string transport_provider;      // e.g. the libfabric provider ("efa", "tcp", "shm")
  double link_gbps = 0;                // nominal link bandwidth per rank, 10^9 bit/s; 0 if unknown
  std::string link_source;             // "transport", "--link-gbps" or "fabric NAME"
  std::uint64_t registered_bytes = 0;  // message buffers registered with the transport
  double registration_us = 0;          // time that took, outside every timed loop
  int ranks = 0;
  LaunchInfo launch;
  std::vector<HostInfo> hosts;
  std::map<std::string, std::string> libraries;    // name -> version
  std::map<std::string, std::string> environment;  // FI_*, NCCL_*, OMPI_*, ...
  std::map<std::string, std::string> options;      // effective settings of this run
  RunStatus status;
  std::vector<std::string> notes;  // the run's commentary: skipped algorithms, rounded sizes
};

// bytes / seconds in units of 10^9 bytes per second.
double gbps(std::uint64_t bytes, double microseconds);

// busbw (10^9 bytes/s) over a link of `link_gbps` (10^9 bit/s); -1 when the link is unknown.
double linkUtilization(double busbw_gbps, double link_gbps);

// "64M" -> 67108864. K, M, G are powers of 1024; an optional trailing B or iB is accepted.
// Throws std::invalid_argument naming the text.
std::uint64_t parseByteSize(const std::string& text);

}  // namespace collbench
