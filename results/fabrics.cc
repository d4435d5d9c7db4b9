#include "results/fabrics.h"

#include <cstdio>

namespace collbench {

const std::vector<FabricProfile>& fabricProfiles() {
  static const std::vector<FabricProfile> profiles = {
      {"p4d.24xlarge", "AWS p4d.24xlarge: 8x A100, EFA 4x100 Gb/s per node", 400, 15, 1,
       "aws.amazon.com/ec2/instance-types/p4/ (400 Gbps EFA per instance); latency: typical "
       "EFA SRD small-message figure, replace with a fitted model"},
      // Calibrated: `collbench model fit docs/published/p5.48xlarge-all_reduce.csv --ranks
      // 32,128 --min-bytes 1G` (nccl-tests on 4 and 16 nodes, published in
      // crazyguitar/aws-gpu-communication-benchmark, data/nccl_all_reduce.csv) gives a = 9.45
      // us and b at 352.694 GB/s busbw: 0.8817 of 400 GB/s. tests/report checks both.
      {"p5.48xlarge", "AWS p5.48xlarge: 8x H100, EFA 32x100 Gb/s per node", 3200, 9.45, 0.8817,
       "aws.amazon.com/ec2/instance-types/p5/ (3200 Gbps EFAv2 per instance); latency and "
       "efficiency: ring form fitted to published nccl-tests all_reduce_perf on 4 and 16 nodes "
       ">= 1 GiB (github.com/crazyguitar/aws-gpu-communication-benchmark, "
       "data/nccl_all_reduce.csv; docs/MODELS.md)"},
      {"p5en.48xlarge", "AWS p5en.48xlarge: 8x H200, EFAv3 16x200 Gb/s per node", 3200, 12, 1,
       "aws.amazon.com/ec2/instance-types/p5/ (p5en: 3200 Gbps EFAv3); latency: assumed 20% "
       "below p5's nominal 15 us, as AWS states EFAv3 lowers latency"},
      {"dgx-h100-ib", "NVIDIA DGX H100: 8x H100, InfiniBand NDR 8x400 Gb/s per node", 3200, 3, 1,
       "NVIDIA DGX H100 datasheet (8 single-port ConnectX-7 at 400 Gb/s InfiniBand); latency: "
       "typical NDR small-message figure through NCCL"},
      {"h100-nvlink4", "NVIDIA H100 SXM within a node: NVLink 4, per GPU and direction", 3600, 2, 1,
       "NVIDIA H100 datasheet (NVLink 900 GB/s bidirectional = 450 GB/s = 3600 Gb/s each "
       "way); latency: typical NVLink peer-to-peer small-message figure"},
  };
  return profiles;
}

const FabricProfile* findFabric(const std::string& name) {
  for (const auto& f : fabricProfiles()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string fabricNames() {
  std::string names;
  for (const auto& f : fabricProfiles()) names += (names.empty() ? "" : ", ") + f.name;
  return names;
}

std::string fabricTable() {
  char line[256];
  std::snprintf(line, sizeof line, "%-15s %10s %10s %8s %6s  %s\n", "fabric", "link Gb/s", "GB/s",
                "lat us", "eff", "description");
  std::string out = line;
  for (const auto& f : fabricProfiles()) {
    std::snprintf(line, sizeof line, "%-15s %10.0f %10.0f %8.2f %6.4f  %s\n", f.name.c_str(),
                  f.link_gbps, f.link_gbps / 8, f.latency_us, f.efficiency, f.description.c_str());
    out += line;
    out += "                source: " + f.source + "\n";
  }
  out +=
      "link Gb/s (10^9 bit/s) bounds busbw: a node's aggregate network bandwidth for runs across "
      "nodes\n(a ring crosses each node once per channel), one GPU's NVLink within a node.\n"
      "link_utilization = busbw (10^9 bytes/s) * 8 / link Gb/s.\n"
      "eff: the share of the link that cost models give large calls (1: nominal, uncalibrated).\n";
  return out;
}

}  // namespace collbench
