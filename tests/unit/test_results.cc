#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "collectives/registry.h"
#include "harness/job_bootstrap.h"
#include "results/console.h"
#include "results/json.h"
#include "results/model.h"

namespace collbench {
namespace {

TEST(Summarize, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  TimeStats s = summarize(v);
  EXPECT_EQ(s.samples, 100u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 100);
  EXPECT_EQ(s.mean, 50.5);
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p95, 95);
  EXPECT_EQ(s.p99, 99);
  TimeStats one = summarize({7});
  EXPECT_EQ(one.p50, 7);
  EXPECT_EQ(one.p99, 7);
  EXPECT_EQ(summarize({}).samples, 0u);
}

// Times rank-major: times[r * iterations + i].
TEST(RankSkew, NamesTheRankWhoseCallWasShortestMostOften) {
  // 3 ranks, 4 iterations: rank 2 has the shortest call in iterations 0, 1 and 3.
  const std::vector<double> times = {10, 12, 11, 14,  // rank 0
                                     11, 13, 4,  15,  // rank 1
                                     3,  5,  12, 6};  // rank 2
  RankSkew s = rankSkew(times, 3, true);
  EXPECT_EQ(s.slowest_rank, 0);  // the largest mean (11.75) is not who kept the others waiting
  EXPECT_EQ(s.fastest_rank, 2);
  EXPECT_EQ(s.last_arrival_rank, 2);
  EXPECT_EQ(s.last_arrival_count, 3);
  // The others' median (nearest rank: the lower of two) less its own: 10-3, 12-5, 14-6.
  EXPECT_EQ(s.last_arrival_wait_us, 7);
}

TEST(RankSkew, NoLastArrivalWhereRanksDoNotWaitForEachOther) {
  const std::vector<double> times = {1, 2, 3, 4};
  RankSkew s = rankSkew(times, 2, false);
  EXPECT_EQ(s.slowest_rank, 1);
  EXPECT_EQ(s.last_arrival_rank, -1);
  EXPECT_EQ(rankSkew(times, 1, true).last_arrival_rank, -1);  // one rank waits for no one
  EXPECT_EQ(rankSkew({}, 2, true).slowest_rank, -1);
}

TEST(RankSkew, TiesGoToTheLowerRank) {
  RankSkew s = rankSkew({5, 5, 5, 5}, 2, true);
  EXPECT_EQ(s.last_arrival_rank, 0);
  EXPECT_EQ(s.last_arrival_count, 2);
}

Measurement lastArrival(int rank, int count, int iterations, double wait) {
  Measurement m;
  m.iterations = iterations;
  m.skew.last_arrival_rank = rank;
  m.skew.last_arrival_count = count;
  m.skew.last_arrival_wait_us = wait;
  return m;
}

TEST(ConsistentStraggler, NeedsMostIterationsOfMostMeasurements) {
  // Rank 3 was last in most iterations of 3 of the 4 measurements that tell; the fifth
  // measurement (broadcast) tells nothing.
  std::vector<Measurement> ms = {lastArrival(3, 9, 10, 100), lastArrival(3, 6, 10, 300),
                                 lastArrival(1, 4, 10, 50), lastArrival(3, 10, 10, 200),
                                 Measurement{}};
  Straggler s = consistentStraggler(ms);
  EXPECT_EQ(s.rank, 3);
  EXPECT_EQ(s.measurements, 3);
  EXPECT_EQ(s.of, 4);
  EXPECT_EQ(s.wait_us, 200);
  // Half the iterations is not most of them, and half the measurements is not most of them.
  EXPECT_EQ(consistentStraggler({lastArrival(3, 5, 10, 1), lastArrival(3, 5, 10, 1)}).rank, -1);
  EXPECT_EQ(consistentStraggler({lastArrival(3, 9, 10, 1), lastArrival(2, 9, 10, 1)}).rank, -1);
  EXPECT_EQ(consistentStraggler({}).rank, -1);
}

TEST(Gbps, IsDecimalGigabytesPerSecond) {
  EXPECT_DOUBLE_EQ(gbps(1000000000, 1e6), 1.0);  // 10^9 bytes in one second
  EXPECT_DOUBLE_EQ(gbps(1 << 20, 1000), 1.048576);
  EXPECT_EQ(gbps(10, 0), 0);
}

Measurement sample(bool in_place) {
  Measurement m;
  m.algorithm = "ring";
  m.transport = "tcp";
  m.ranks = 4;
  m.bytes = 1048576;
  m.count = 262144;
  m.dtype = "float32";
  m.op = "sum";
  m.in_place = in_place;
  m.iterations = 20;
  m.time_us = summarize({100, 200, 300});
  m.algbw_gbps = gbps(m.bytes, m.time_us.mean);
  m.bus_factor = 1.5;
  m.busbw_gbps = m.algbw_gbps * m.bus_factor;
  m.wrong = 0;
  return m;
}

TEST(ConsoleReporter, RowReadsLikeNcclTests) {
  std::ostringstream out;
  ConsoleReporter table(out);
  Measurement a = sample(false), b = sample(true);
  b.wrong = 3;
  table.add(&a, &b);
  table.note("a note");
  RunStatus done;
  done.state = "complete";
  table.finish(done, 3);
  // The legend and the column heads come above the first row.
  const std::string text = out.str();
  ASSERT_EQ(text.rfind("# time = mean of per-iteration times", 0), 0u) << text;
  EXPECT_EQ(
      text.substr(text.find("# all_reduce")),
      "# all_reduce, 4 ranks: busbw = algbw * 1.5\n"
      " ring                    tcp            1048576       262144  float32    sum     200.00   "
      "5.243   7.864      0     200.00   5.243   7.864      3\n"
      "# a note\n"
      "# Out of bounds values : 3 FAILED\n"
      "# Avg bus bandwidth    : 7.86432 GB/s\n");
}

// best's rows name what it chose, out of place / in place when the two differ.
TEST(ConsoleReporter, BestShowsItsChoice) {
  for (const char* ip_choice : {"tree", "recursive-doubling"}) {
    std::ostringstream out;
    ConsoleReporter table(out);
    Measurement a = sample(false), b = sample(true);
    a.algorithm = b.algorithm = "best";
    a.chosen_algorithm = "tree";
    b.chosen_algorithm = ip_choice;
    table.add(&a, &b);
    const std::string want = ip_choice == std::string("tree")
                                 ? "\n best:tree" + std::string(15, ' ') + "tcp "
                                 : "\n best:tree/recursive-doubling tcp ";
    EXPECT_NE(out.str().find(want), std::string::npos) << out.str();
  }
}

TEST(Json, DocumentCarriesRunAndMeasurements) {
  RunInfo run;
  run.command_line = "collbench -e 1M";
  run.version = "0.1.0";
  run.hosts.resize(2);
  for (int i = 0; i < 2; ++i) {
    HostInfo& h = run.hosts[static_cast<std::size_t>(i)];
    h.name = "node" + std::to_string(i + 1);
    h.ranks = 2;
    h.cpu_model = "cpu";
    h.cpus = 8;
    h.tcp_congestion_control = i == 0 ? "bbr" : "cubic";
  }
  run.hosts[1].rank_nics = {"eth0,eth1", "eth2,eth3"};
  run.hosts[1].tcp_wmem = {1, 2, 3};
  run.hosts[1].tcp_rmem = {4, 5, 6};
  run.libraries["mpi"] = "Open MPI v4.1.4";
  nlohmann::json doc = resultDocument(run, {sample(false)});
  EXPECT_EQ(doc["schema_version"], kResultSchemaVersion);
  EXPECT_EQ(doc["run"]["hosts"][1]["name"], "node2");
  EXPECT_EQ(doc["run"]["hosts"][1]["tcp_congestion_control"], "cubic");
  EXPECT_EQ(doc["run"]["hosts"][1]["tcp_rmem"], nlohmann::json({4, 5, 6}));
  EXPECT_EQ(doc["run"]["hosts"][1]["rank_nics"], nlohmann::json({"eth0,eth1", "eth2,eth3"}));
  EXPECT_EQ(doc["run"]["hosts"][0]["tcp_wmem"], nlohmann::json::array());
  EXPECT_EQ(doc["run"]["libraries"]["mpi"], "Open MPI v4.1.4");
  const auto& m = doc["measurements"][0];
  EXPECT_EQ(m["bytes"], 1048576);
  EXPECT_EQ(m["time_us"]["p50"], 200);
  EXPECT_EQ(m["in_place"], false);
  Measurement unchecked = sample(true);
  unchecked.wrong = -1;
  EXPECT_TRUE(toJson(unchecked)["wrong"].is_null());
}

TEST(Json, AtomicWriteReplacesTheFileWhole) {
  const std::string path = ::testing::TempDir() + "collbench_atomic.json";
  writeJsonAtomically(path, {{"a", 1}});
  writeJsonAtomically(path, {{"b", 2}});
  std::ifstream in(path);
  nlohmann::json back = nlohmann::json::parse(in);
  EXPECT_EQ(back, (nlohmann::json{{"b", 2}}));
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
  std::remove(path.c_str());
  EXPECT_THROW(writeJsonAtomically("/nonexistent-dir/x.json", {}), std::runtime_error);
}

}  // namespace
}  // namespace collbench

namespace collbench {
namespace {

// Every algorithm, ours and the vendors', names a cost form that `collbench model` knows, and
// the ones whose form differs from their collective's say so.
TEST(CostForms, EveryAlgorithmDeclaresAKnownForm) {
  for (const AlgorithmInfo& info : listAlgorithms()) {
    const std::string form = makeAlgorithm(info.collective, info.name)->costForm();
    EXPECT_TRUE(formNamed(form)) << info.collective << " " << info.name << ": " << form;
  }
  EXPECT_EQ(makeAlgorithm("all_reduce", "tree")->costForm(), "tree");
  EXPECT_EQ(makeAlgorithm("all_reduce", "hier-tree")->costForm(), "hier-tree");
  EXPECT_EQ(makeAlgorithm("all_gather", "ring")->costForm(), "linear");
  EXPECT_EQ(makeAlgorithm("broadcast", "chain")->costForm(), "chain");
  EXPECT_EQ(makeAlgorithm("reduce", "tree")->costForm(), "binary-tree");
  if (mpiBuiltIn()) {
    EXPECT_EQ(makeAlgorithm("alltoall", "mpi")->costForm(), "alltoall");
  }
  EXPECT_EQ(makeAlgorithm("alltoall", "pairwise")->costForm(), "alltoall");
  EXPECT_EQ(makeAlgorithm("sendrecv", "ring")->costForm(), "pair");
  EXPECT_EQ(makeAlgorithm("all_reduce", "recursive-doubling")->costForm(), "recursive-doubling");
}

}  // namespace
}  // namespace collbench
