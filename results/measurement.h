// Plain records of what was measured and how. Reporters format them; nothing here knows how
// they were produced.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace collbench {

constexpr int kResultSchemaVersion = 1;

struct TimeStats {
  double min = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  std::size_t samples = 0;
};

// Percentiles by nearest rank on the sorted samples. Empty input gives all zeros.
TimeStats summarize(std::vector<double> samples);

struct Measurement {
  std::string collective = "allreduce";
  std::string algorithm;
  std::string transport;
  int ranks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
  std::string dtype;
  std::string op;
  bool in_place = false;
  int iterations = 0;
  int warmup_iterations = 0;
  TimeStats time_us;      // per iteration, the maximum over ranks
  double algbw_gbps = 0;  // 10^9 bytes per second, from the mean time
  double busbw_gbps = 0;
  std::int64_t wrong = -1;  // elements wrong over all ranks; -1 when not checked
};

struct HostInfo {
  std::string name;
  int ranks = 0;
};

struct RunInfo {
  std::string command_line;
  std::string version;
  std::string git_revision;
  std::string start_time;  // ISO 8601, UTC
  std::string label;
  std::string transport;
  std::string transport_provider;      // e.g. the libfabric provider ("efa", "tcp", "shm")
  double link_gbps = 0;                // nominal, as the transport reports it; 0 when unknown
  std::uint64_t registered_bytes = 0;  // message buffers registered with the transport
  double registration_us = 0;          // time that took, outside every timed loop
  int ranks = 0;
  std::vector<HostInfo> hosts;
  std::map<std::string, std::string> libraries;    // name -> version
  std::map<std::string, std::string> environment;  // FI_*, NCCL_*, OMPI_*, ...
  std::map<std::string, std::string> options;      // effective settings of this run
};

// bytes / seconds in units of 10^9 bytes per second.
double gbps(std::uint64_t bytes, double microseconds);

}  // namespace collbench
