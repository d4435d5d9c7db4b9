// The env bootstrap: its configuration from the environment, and rendezvous of ranks that are
// threads of this process over loopback (faults included).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "harness/env_bootstrap.h"
#include "harness/launch.h"

namespace collbench {
namespace {

using Env = std::map<std::string, std::string>;
using std::chrono::milliseconds;

EnvLookup lookupIn(const Env& env) {
  return [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

std::string usageMessage(const Env& env) {
  try {
    rendezvousConfig(lookupIn(env));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RendezvousConfig, ReadsTorchrunVariables) {
  const Env env{{"RANK", "2"},
                {"WORLD_SIZE", "4"},
                {"MASTER_ADDR", "node1"},
                {"MASTER_PORT", "1234"},
                {"LOCAL_RANK", "0"},
                {"LOCAL_WORLD_SIZE", "2"},
                {"TORCHELASTIC_RUN_ID", "job7"}};
  const RendezvousConfig c = rendezvousConfig(lookupIn(env));
  EXPECT_EQ(c.rank, 2);
  EXPECT_EQ(c.world_size, 4);
  EXPECT_EQ(c.address, "node1");
  EXPECT_EQ(c.port, 1234);
  EXPECT_EQ(c.local_rank, 0);
  EXPECT_EQ(c.local_world_size, 2);
  EXPECT_EQ(c.token, "job7");
  EXPECT_EQ(c.source, "RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT");
}

TEST(RendezvousConfig, DefaultsThePortAndPrefersTheExplicitToken) {
  const Env env{{"RANK", "0"},
                {"WORLD_SIZE", "2"},
                {"MASTER_ADDR", "10.0.0.1"},
                {"TORCHELASTIC_RUN_ID", "job7"},
                {"COLLBENCH_JOB_TOKEN", "mine"}};
  const RendezvousConfig c = rendezvousConfig(lookupIn(env));
  EXPECT_EQ(c.port, kDefaultRendezvousPort);
  EXPECT_EQ(c.token, "mine");
  EXPECT_EQ(c.local_rank, -1);
}

TEST(RendezvousConfig, ReadsSlurmVariables) {
  const Env env{{"SLURM_PROCID", "1"},  {"SLURM_NTASKS", "3"},
                {"SLURM_LOCALID", "1"}, {"SLURM_LAUNCH_NODE_IPADDR", "10.1.2.3"},
                {"SLURM_JOB_ID", "42"}, {"SLURM_STEP_ID", "0"}};
  const RendezvousConfig c = rendezvousConfig(lookupIn(env));
  EXPECT_EQ(c.rank, 1);
  EXPECT_EQ(c.world_size, 3);
  EXPECT_EQ(c.local_rank, 1);
  EXPECT_EQ(c.address, "10.1.2.3");
  EXPECT_EQ(c.port, 20000 + (42 * 31) % 30000);
  EXPECT_EQ(c.token, "slurm-42.0");
  EXPECT_EQ(c.source, "SLURM_PROCID/SLURM_NTASKS");
}

TEST(RendezvousConfig, NoVariablesIsOneProcess) {
  const RendezvousConfig c = rendezvousConfig(lookupIn({}));
  EXPECT_EQ(c.rank, 0);
  EXPECT_EQ(c.world_size, 1);
}

TEST(RendezvousConfig, BadVariablesAreNamed) {
  EXPECT_EQ(usageMessage({{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}),
            "RANK='x' is not an integer from 0 to 1");
  EXPECT_EQ(usageMessage({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}),
            "RANK='2' is not an integer from 0 to 1");
  EXPECT_EQ(usageMessage({{"RANK", "0"}, {"MASTER_ADDR", "a"}}),
            "WORLD_SIZE='' is not an integer from 1 to 1048576");
  EXPECT_EQ(usageMessage({{"RANK", "0"}, {"WORLD_SIZE", "2"}}),
            "MASTER_ADDR is not set: the env bootstrap needs rank 0's host");
  EXPECT_EQ(usageMessage(
                {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "0"}}),
            "MASTER_PORT='0' is not an integer from 1 to 65535");
}

TEST(ResolveBootstrap, AutoFollowsTheLauncher) {
  const Env mpirun{{"OMPI_COMM_WORLD_SIZE", "2"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}};
  const Env torchrun{{"RANK", "0"}, {"WORLD_SIZE", "2"}};
  const Env srun_pmix{{"SLURM_PROCID", "0"}, {"PMIX_RANK", "0"}};
  const Env srun_plain{{"SLURM_PROCID", "0"}};
  EXPECT_EQ(resolveBootstrap("auto", true, lookupIn(mpirun)), "mpi");
  EXPECT_EQ(resolveBootstrap("auto", true, lookupIn(torchrun)), "env");
  EXPECT_EQ(resolveBootstrap("auto", true, lookupIn(srun_pmix)), "mpi");
  EXPECT_EQ(resolveBootstrap("auto", true, lookupIn(srun_plain)), "env");
  EXPECT_EQ(resolveBootstrap("auto", true, lookupIn({})), "mpi");
  EXPECT_EQ(resolveBootstrap("auto", false, lookupIn({})), "env");
  EXPECT_EQ(resolveBootstrap("auto", false, lookupIn(mpirun)), "env");
  EXPECT_EQ(resolveBootstrap("env", true, lookupIn(mpirun)), "env");
}

// A port nobody listens on now.
std::uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

RendezvousConfig configFor(int rank, int world, std::uint16_t port, std::string token = "t") {
  RendezvousConfig c;
  c.rank = rank;
  c.world_size = world;
  c.address = "127.0.0.1";
  c.port = port;
  c.token = std::move(token);
  c.source = "test";
  return c;
}

// What one rank's rendezvous ended with: "" when it joined, else the error's class and text.
using Outcome = std::string;

Outcome joinAndCheck(const RendezvousConfig& c, milliseconds timeout) {
  try {
    auto boot = rendezvous(c, timeout);
    // Every rank's rank, gathered: 0 .. n-1 in order.
    std::vector<int> all(static_cast<std::size_t>(boot->size()));
    const int mine = boot->rank();
    boot->allgather(&mine, sizeof mine, all.data());
    for (int r = 0; r < boot->size(); ++r) {
      if (all[static_cast<std::size_t>(r)] != r) return "allgather wrong at " + std::to_string(r);
    }
    if (boot->maxOverRanks(static_cast<std::uint64_t>(mine) * 10) !=
        static_cast<std::uint64_t>(boot->size() - 1) * 10) {
      return "maxOverRanks wrong";
    }
    if (boot->localSize() != boot->size()) return "localSize " + std::to_string(boot->localSize());
    if (boot->localRank() != boot->rank()) return "localRank " + std::to_string(boot->localRank());
    boot->barrier();
    return "";
  } catch (const UsageError& e) {
    return std::string("usage: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("runtime: ") + e.what();
  }
}

// Rank 0 joining in a thread of its own, given a moment to listen before the others come.
std::future<Outcome> startRankZero(const RendezvousConfig& c, milliseconds timeout) {
  auto root = std::async(std::launch::async, joinAndCheck, c, timeout);
  std::this_thread::sleep_for(milliseconds(100));
  return root;
}

std::string thisHost() {
  char h[256] = "";
  gethostname(h, sizeof h - 1);
  return h;
}

// Starts one thread per config (the rank-0 config first, the others after `delay`).
std::vector<Outcome> runRanks(const std::vector<RendezvousConfig>& configs, milliseconds timeout) {
  std::vector<std::future<Outcome>> futures;
  for (const auto& c : configs) {
    futures.push_back(std::async(std::launch::async, joinAndCheck, c, timeout));
    std::this_thread::sleep_for(milliseconds(20));
  }
  std::vector<Outcome> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

TEST(EnvRendezvous, OneToFourRanksMeetAndGather) {
  for (int n = 1; n <= 4; ++n) {
    const std::uint16_t port = freePort();
    std::vector<RendezvousConfig> configs;
    for (int r = 0; r < n; ++r) configs.push_back(configFor(r, n, port));
    for (const Outcome& o : runRanks(configs, milliseconds(10000))) EXPECT_EQ(o, "") << n;
  }
}

TEST(EnvRendezvous, RankZeroMayStartLast) {
  const std::uint16_t port = freePort();
  auto late_root = std::async(std::launch::async, [port] {
    std::this_thread::sleep_for(milliseconds(500));
    return joinAndCheck(configFor(0, 2, port), milliseconds(10000));
  });
  EXPECT_EQ(joinAndCheck(configFor(1, 2, port), milliseconds(10000)), "");
  EXPECT_EQ(late_root.get(), "");
}

TEST(EnvRendezvous, FirstRanksIsAStage) {
  const std::uint16_t port = freePort();
  auto rank = [port](int r) {
    auto boot = rendezvous(configFor(r, 3, port), milliseconds(10000));
    auto stage = boot->firstRanks(2);
    std::string seen;
    if (stage) {
      const auto names = allgatherStrings(*stage, "r" + std::to_string(r));
      for (const auto& s : names) seen += s;
    }
    boot->maxOverRanks(0);
    return seen;
  };
  auto r0 = std::async(std::launch::async, rank, 0);
  auto r1 = std::async(std::launch::async, rank, 1);
  auto r2 = std::async(std::launch::async, rank, 2);
  EXPECT_EQ(r0.get(), "r0r1");
  EXPECT_EQ(r1.get(), "r0r1");
  EXPECT_EQ(r2.get(), "");
}

TEST(EnvRendezvous, MissingRankIsNamedByNumber) {
  const std::uint16_t port = freePort();
  const auto out = runRanks({configFor(0, 4, port), configFor(1, 4, port), configFor(3, 4, port)},
                            milliseconds(1500));
  EXPECT_EQ(out[0], "runtime: rank(s) 2 of 4 did not join the rendezvous on " + thisHost() + ":" +
                        std::to_string(port) +
                        " within 1.5 s (never started, or cannot reach 127.0.0.1:" +
                        std::to_string(port) + ")");
  EXPECT_EQ(out[1], "runtime: rank 1: " + out[0].substr(9));
  EXPECT_EQ(out[2], "runtime: rank 3: " + out[0].substr(9));
}

TEST(EnvRendezvous, RankZeroNeverStartingIsSaid) {
  const std::uint16_t port = freePort();
  const Outcome o = joinAndCheck(configFor(1, 2, port), milliseconds(300));
  EXPECT_NE(o.find("runtime: rank 1 ("), std::string::npos) << o;
  EXPECT_NE(o.find(") could not reach rank 0 at 127.0.0.1:" + std::to_string(port) +
                   " within 0.3 s (Connection refused; is MASTER_ADDR rank 0's host"),
            std::string::npos)
      << o;
}

TEST(EnvRendezvous, WrongTokenIsRefusedAndTheJobGoesOn) {
  const std::uint16_t port = freePort();
  auto root = startRankZero(configFor(0, 2, port, "job-a"), milliseconds(10000));
  const Outcome stray = joinAndCheck(configFor(1, 2, port, "job-b"), milliseconds(10000));
  EXPECT_EQ(
      stray,
      "runtime: rank 1: rank 0 on " + thisHost() +
          " belongs to another job (its job token differs); give each job its own MASTER_PORT or "
          "COLLBENCH_JOB_TOKEN");
  EXPECT_EQ(joinAndCheck(configFor(1, 2, port, "job-a"), milliseconds(10000)), "");
  EXPECT_EQ(root.get(), "");
}

TEST(EnvRendezvous, SecondJobOnThePortCannotListen) {
  const std::uint16_t port = freePort();
  auto root = startRankZero(configFor(0, 2, port, "job-a"), milliseconds(3000));
  const Outcome second = joinAndCheck(configFor(0, 2, port, "job-b"), milliseconds(3000));
  EXPECT_EQ(second, "runtime: rank 0 cannot listen on port " + std::to_string(port) +
                        ": Address already in use (another job, or another collbench, uses "
                        "MASTER_PORT " +
                        std::to_string(port) + " on this host; give each job its own)");
  EXPECT_EQ(joinAndCheck(configFor(1, 2, port, "job-a"), milliseconds(3000)), "");
  EXPECT_EQ(root.get(), "");
}

TEST(EnvRendezvous, WorldSizeDisagreementIsAUsageErrorNamingTheRank) {
  const std::uint16_t port = freePort();
  const auto out = runRanks({configFor(0, 3, port), configFor(1, 3, port), configFor(2, 4, port)},
                            milliseconds(10000));
  const std::string expected = "WORLD_SIZE differs between ranks: rank 2 (";
  for (const Outcome& o : out) {
    EXPECT_EQ(o.rfind("usage: " + expected, 0), 0u) << o;
    EXPECT_NE(o.find(") has 4, rank 0 ("), std::string::npos) << o;
    EXPECT_NE(o.find(") has 3"), std::string::npos) << o;
  }
}

TEST(EnvRendezvous, SameRankTwiceIsAUsageError) {
  const std::uint16_t port = freePort();
  const auto out = runRanks({configFor(0, 3, port), configFor(1, 3, port), configFor(1, 3, port)},
                            milliseconds(10000));
  EXPECT_EQ(out[0].rfind("usage: rank 1 joined twice, from ", 0), 0u) << out[0];
  EXPECT_NE(out[0].find("(RANK must differ per process)"), std::string::npos) << out[0];
}

TEST(EnvRendezvous, StrangerWithoutTheProtocolIsIgnoredAndLogged) {
  const std::uint16_t port = freePort();
  testing::internal::CaptureStderr();
  auto root =
      std::async(std::launch::async, joinAndCheck, configFor(0, 2, port), milliseconds(10000));
  std::this_thread::sleep_for(milliseconds(100));
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_GT(::send(fd, junk, sizeof junk, 0), 0);
    ::close(fd);
  }
  EXPECT_EQ(joinAndCheck(configFor(1, 2, port), milliseconds(10000)), "");
  EXPECT_EQ(root.get(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "collbench: rank 0 dropped a connection from 127.0.0.1 to the rendezvous port: not a "
            "collbench rank (it sent no collbench hello)\n");
}

}  // namespace
}  // namespace collbench
