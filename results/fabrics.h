// Built-in fabric profiles: the nominal bandwidth of well-known interconnects, so that a run
// can report link utilisation (busbw / link bandwidth) and a cost model can predict a fabric
// without measuring it. Every number carries the source it comes from.
//
// What busbw is compared against: nccl-tests defines busbw so that it equals the bandwidth of
// the bottleneck link of a ring. A ring over several nodes crosses each node boundary once per
// channel, and the channels together use every NIC of the node, so multi-node busbw is bounded
// by the node's aggregate network bandwidth (NCCL reaches about 90% of it); within one node it
// is bounded by one GPU's NVLink bandwidth. `link_gbps` is that bound, per rank as busbw is.
#pragma once

#include <string>
#include <vector>

namespace collbench {

struct FabricProfile {
  std::string name;         // what --fabric takes, e.g. "p5.48xlarge"
  std::string description;  // "AWS p5.48xlarge: 8x H100, EFA 32x100 Gb/s"
  double link_gbps;         // the busbw bound, 10^9 bit/s (see above)
  double latency_us;        // a of the cost models: nominal, or fitted where calibrated
  // The share of link_gbps that large calls reach, for the cost models (b = 8 / (link_gbps x
  // 1000 x efficiency) us per byte): 1 for a nominal profile, fitted to published nccl-tests
  // runs where calibrated (docs/MODELS.md). link_utilization is always against link_gbps.
  double efficiency;
  std::string source;
};

const std::vector<FabricProfile>& fabricProfiles();

// The profile named `name`, or nullptr.
const FabricProfile* findFabric(const std::string& name);

// "p4d.24xlarge, p5.48xlarge, ..." for messages.
std::string fabricNames();

// The table printed by `collbench --list-fabrics`.
std::string fabricTable();

}  // namespace collbench
