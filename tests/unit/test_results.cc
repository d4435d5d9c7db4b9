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
  table.finish(RunStatus{"complete", -1, "", "", ""}, 3);
  // The legend and the column heads come above the first row.
  const std::string text = out.str();
  ASSERT_EQ(text.rfind("# time = mean of per-iteration times", 0), 0u) << text;
  EXPECT_EQ(text.substr(text.find("# all_reduce")),
            "# all_reduce, 4 ranks: busbw = algbw * 1.5\n"
            " ring               tcp            1048576       262144  float32    sum     200.00   "
            "5.243   7.864      0     200.00   5.243   7.864      3\n"
            "# a note\n"
            "# Out of bounds values : 3 FAILED\n"
            "# Avg bus bandwidth    : 7.86432 GB/s\n");
}

TEST(Json, DocumentCarriesRunAndMeasurements) {
  RunInfo run;
  run.command_line = "collbench -e 1M";
  run.version = "0.1.0";
  run.hosts = {HostInfo{"node1", 2, "cpu", 8, {}, {}, {}, {}, {}},
               HostInfo{"node2", 2, "cpu", 8, {}, {}, {}, {}, {}}};
  run.libraries["mpi"] = "Open MPI v4.1.4";
  nlohmann::json doc = resultDocument(run, {sample(false)});
  EXPECT_EQ(doc["schema_version"], kResultSchemaVersion);
  EXPECT_EQ(doc["run"]["hosts"][1]["name"], "node2");
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
    EXPECT_EQ(makeAlgorithm("alltoall", "mpi")->costForm(), "linear");
  }
  EXPECT_EQ(makeAlgorithm("sendrecv", "ring")->costForm(), "pair");
  EXPECT_EQ(makeAlgorithm("all_reduce", "recursive-doubling")->costForm(), "recursive-doubling");
}

}  // namespace
}  // namespace collbench
