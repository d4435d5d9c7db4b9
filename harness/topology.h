// What a host is made of, as the OS tells it: CPU model and count, network interfaces with
// their link speed, NVIDIA GPUs. Read from /proc and /sys; no library needed.
#pragma once

#include <string>
#include <vector>

#include "results/measurement.h"
#include "transports/api/bootstrap.h"

namespace collbench {

// This host, as seen from the calling process (ranks left at 0).
HostInfo describeThisHost(const std::string& hostname);

// Every rank's host as a small integer (0 for rank 0's host, then in order of first rank):
// ranks with equal `host_key` (MpiBootstrap::hostKey) get equal numbers. Collective.
std::vector<int> gatherHostIds(Bootstrap& boot, const std::string& host_key);

// Every rank's host, one entry per distinct host (as gatherHostIds numbers them) in rank order,
// with its ranks. Collective over the bootstrap.
std::vector<HostInfo> gatherHosts(Bootstrap& boot, const std::vector<int>& host_ids);

// MemAvailable of /proc/meminfo in bytes; 0 when unknown.
std::uint64_t availableMemoryBytes();

// Parsers, separate for testing: /proc/cpuinfo text -> model name; the Model line of
// /proc/driver/nvidia/gpus/*/information; /proc/sys/net/ipv4/tcp_wmem or tcp_rmem ("4096
// 16384 4194304") -> its three numbers, or empty when it does not hold three.
std::string cpuModelFromCpuinfo(const std::string& cpuinfo);
std::string gpuModelFromInformation(const std::string& information);
std::vector<std::uint64_t> tcpBufferLimits(const std::string& text);

}  // namespace collbench
