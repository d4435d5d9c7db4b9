#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/topology.h"

namespace collbench {
namespace {

TEST(Topology, CpuAndGpuModelsFromProcFiles) {
  EXPECT_EQ(cpuModelFromCpuinfo("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\nflags\t: fpu\n"),
            "Intel(R) Xeon(R)");
  EXPECT_EQ(cpuModelFromCpuinfo("processor\t: 0\nModel\t\t: Neoverse-V2\n"), "Neoverse-V2");
  EXPECT_EQ(cpuModelFromCpuinfo(""), "unknown");
  EXPECT_EQ(gpuModelFromInformation("Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 0\n"),
            "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpuModelFromInformation("IRQ: 0\n"), "unknown NVIDIA GPU");
}

// /proc/sys/net/ipv4/tcp_wmem and tcp_rmem: three numbers, tab separated, or nothing usable.
TEST(Topology, TcpBufferLimitsAreThreeNumbersOrNone) {
  EXPECT_EQ(tcpBufferLimits("4096\t16384\t4194304\n"),
            (std::vector<std::uint64_t>{4096, 16384, 4194304}));
  EXPECT_EQ(tcpBufferLimits("4096 131072 33554432"),
            (std::vector<std::uint64_t>{4096, 131072, 33554432}));
  EXPECT_TRUE(tcpBufferLimits("").empty());
  EXPECT_TRUE(tcpBufferLimits("4096 16384").empty());
  EXPECT_TRUE(tcpBufferLimits("four 16384 4194304").empty());
}

}  // namespace
}  // namespace collbench
