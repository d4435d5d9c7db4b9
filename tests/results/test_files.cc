// The result file round trip, its reader's complaints, the CSV writer, the file reporters and
// fabric profiles.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "results/csv.h"
#include "results/fabrics.h"
#include "results/json.h"

namespace collbench {
namespace {

Measurement sample() {
  Measurement m;
  m.algorithm = "ring";
  m.cost_form = "ring";
  m.transport = "tcp";
  m.ranks = 4;
  m.bytes = 1024;
  m.count = 256;
  m.dtype = "float32";
  m.op = "sum";
  m.iterations = 3;
  m.warmup_iterations = 1;
  m.time_us = summarize({10, 20, 30});
  m.algbw_gbps = gbps(m.bytes, m.time_us.mean);
  m.bus_factor = 1.5;
  m.busbw_gbps = m.algbw_gbps * m.bus_factor;
  m.link_utilization = linkUtilization(m.busbw_gbps, 100);
  m.wrong = 0;
  m.skew = {2, 21.5, 0, 18.5, 2, 3, 7.25};
  return m;
}

RunInfo sampleRun() {
  RunInfo run;
  run.command_line = "collbench";
  run.version = "0.2.0";
  run.git_revision = "abc";
  run.start_time = "2026-11-21T00:00:00Z";
  run.label = "p5 EFA";
  run.transport = "tcp";
  run.link_gbps = 100;
  run.link_source = "--link-gbps";
  run.ranks = 4;
  run.launch = {"srun --mpi=pmix", "12", "0", "n[1-4]", "env", "rendezvous at n1:29500", 0.25};
  HostInfo host;
  host.name = "n1";
  host.ranks = 4;
  host.cpu_model = "EPYC";
  host.cpus = 2;
  host.nics = {{"eth0", 100}};
  host.tcp_congestion_control = "cubic";
  host.tcp_wmem = {4096, 16384, 4194304};
  host.tcp_rmem = {4096, 131072, 33554432};
  host.gpus = {"NVIDIA H100"};
  host.rank_list = {0, 1, 2, 3};
  host.rank_nics = {"rdmap16s27", "rdmap16s27", "rdmap32s27", "rdmap32s27"};
  run.hosts = {host};
  run.libraries["mpi"] = "Open MPI";
  run.status.state = "failed";
  run.status.message = "rank 2 died";
  return run;
}

ResultFormatError readError(const std::string& text) {
  try {
    parseResultFile(text, "r.json");
  } catch (const ResultFormatError& e) {
    return e;
  }
  return ResultFormatError("");
}

TEST(ResultFile, RoundTrips) {
  const std::string text = resultDocument(sampleRun(), {sample()}).dump();
  ResultFile f = parseResultFile(text, "r.json");
  EXPECT_EQ(f.run.label, "p5 EFA");
  EXPECT_EQ(f.run.link_gbps, 100);
  EXPECT_EQ(f.run.link_source, "--link-gbps");
  EXPECT_EQ(f.run.hosts.at(0).cpu_model, "EPYC");
  EXPECT_EQ(f.run.hosts.at(0).tcp_congestion_control, "cubic");
  EXPECT_EQ(f.run.hosts.at(0).tcp_wmem, (std::vector<std::uint64_t>{4096, 16384, 4194304}));
  EXPECT_EQ(f.run.hosts.at(0).tcp_rmem, (std::vector<std::uint64_t>{4096, 131072, 33554432}));
  // Every field of a host comes back (the ranks exchange their hosts in this shape too).
  const HostInfo& h = f.run.hosts.at(0);
  EXPECT_EQ(h.cpus, 2);
  ASSERT_EQ(h.nics.size(), 1u);
  EXPECT_EQ(h.nics[0].name, "eth0");
  EXPECT_EQ(h.nics[0].speed_gbps, 100);
  EXPECT_EQ(h.gpus, (std::vector<std::string>{"NVIDIA H100"}));
  EXPECT_EQ(h.rank_list, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(h.rank_nics[2], "rdmap32s27");
  EXPECT_EQ(f.run.status.state, "failed");
  EXPECT_EQ(f.run.launch.launcher, "srun --mpi=pmix");
  EXPECT_EQ(f.run.launch.slurm_job_id, "12");
  EXPECT_EQ(f.run.launch.slurm_step_id, "0");
  EXPECT_EQ(f.run.launch.slurm_nodelist, "n[1-4]");
  ASSERT_EQ(f.measurements.size(), 1u);
  const Measurement& m = f.measurements[0];
  EXPECT_EQ(m.bytes, 1024u);
  EXPECT_EQ(m.time_us.p99, 30);
  EXPECT_DOUBLE_EQ(m.busbw_gbps, sample().busbw_gbps);
  EXPECT_DOUBLE_EQ(m.link_utilization, sample().link_utilization);
  EXPECT_EQ(m.skew.slowest_rank, 2);
  EXPECT_EQ(m.skew.spread_us(), 3);
  EXPECT_EQ(m.skew.last_arrival_rank, 2);
  EXPECT_EQ(m.skew.last_arrival_count, 3);
  EXPECT_EQ(m.skew.last_arrival_wait_us, 7.25);
  EXPECT_EQ(m.wrong, 0);
}

TEST(ResultFile, BestsChoiceRoundTrips) {
  Measurement best = sample();
  best.algorithm = "best";
  best.chosen_algorithm = "tree";
  best.calibration_us = {{"ring", 12.5}, {"tree", 9.25}};
  const nlohmann::json doc = resultDocument(sampleRun(), {best, sample()});
  EXPECT_EQ(doc["measurements"][0]["choice"]["algorithm"], "tree");
  EXPECT_EQ(doc["measurements"][0]["choice"]["calibration"][1]["time_us"], 9.25);
  EXPECT_TRUE(doc["measurements"][1]["choice"].is_null());
  ResultFile f = parseResultFile(doc.dump(), "r.json");
  EXPECT_EQ(f.measurements[0].chosen_algorithm, "tree");
  EXPECT_EQ(f.measurements[0].calibration_us, best.calibration_us);
  EXPECT_EQ(f.measurements[1].chosen_algorithm, "");
  nlohmann::json bad = doc;
  bad["measurements"][0]["choice"]["calibration"][0].erase("time_us");
  EXPECT_STREQ(readError(bad.dump()).what(),
               "r.json: measurements[0].choice.calibration[0]: missing field 'time_us'");
}

// --iteration-times: the times time_us summarizes, in order, written only when recorded and
// read back; a count that is not time_us.samples is named.
TEST(ResultFile, IterationTimesRoundTrip) {
  Measurement timed = sample();
  timed.iteration_us = {10, 30, 20};
  const nlohmann::json doc = resultDocument(sampleRun(), {timed, sample()});
  EXPECT_EQ(doc["measurements"][0]["iteration_us"], nlohmann::json({10.0, 30.0, 20.0}));
  EXPECT_FALSE(doc["measurements"][1].contains("iteration_us"));
  ResultFile f = parseResultFile(doc.dump(), "r.json");
  EXPECT_EQ(f.measurements[0].iteration_us, timed.iteration_us);
  EXPECT_TRUE(f.measurements[1].iteration_us.empty());
  nlohmann::json bad = doc;
  bad["measurements"][0]["iteration_us"].erase(2);
  EXPECT_STREQ(readError(bad.dump()).what(),
               "r.json: measurements[0].iteration_us: holds 2 times for 3 timed iterations "
               "(time_us.samples)");
  bad["measurements"][0]["iteration_us"] = {10, "slow", 20};
  EXPECT_STREQ(readError(bad.dump()).what(),
               "r.json: measurements[0].iteration_us[1]: expected a number, found string");
}

// The text written during a sweep is the same document as resultDocument(), with zero, one and
// several measurements, and reads back.
TEST(ResultFile, IncrementalTextIsTheSameDocument) {
  const Measurement first = sample();
  Measurement second = sample();
  second.bytes = 2048;
  second.in_place = true;
  ResultText text;
  std::vector<Measurement> added;
  for (const Measurement* m : std::vector<const Measurement*>{nullptr, &first, &second}) {
    if (m) {
      text.add(*m);
      added.push_back(*m);
    }
    const std::string written = text.text(sampleRun());
    EXPECT_EQ(nlohmann::json::parse(written), resultDocument(sampleRun(), added));
    EXPECT_EQ(parseResultFile(written, "r.json").measurements.size(), added.size());
  }
}

TEST(ResultFile, NamesTheBadField) {
  nlohmann::json doc = resultDocument(sampleRun(), {sample(), sample()});
  doc["measurements"][1]["time_us"]["p50"] = "fast";
  EXPECT_STREQ(readError(doc.dump()).what(),
               "r.json: measurements[1].time_us.p50: expected a number, found string");
  doc = resultDocument(sampleRun(), {sample()});
  doc["run"].erase("label");
  EXPECT_STREQ(readError(doc.dump()).what(), "r.json: run: missing field 'label'");
  doc = resultDocument(sampleRun(), {sample()});
  doc["measurements"][0]["ranks"] = 0;
  EXPECT_STREQ(readError(doc.dump()).what(), "r.json: measurements[0].ranks: value out of range");
  doc["measurements"][0]["ranks"] = 4;
  doc["measurements"][0]["cost_form"] = "star";
  EXPECT_STREQ(readError(doc.dump()).what(),
               "r.json: measurements[0].cost_form: unknown cost form 'star' (known: ring, tree, "
               "hier, hier-tree, linear, alltoall, chain, binary-tree, pair, recursive-doubling)");
  doc["schema_version"] = 99;
  EXPECT_STREQ(readError(doc.dump()).what(),
               "r.json: schema_version: unsupported version 99 (this collbench reads 1 to 3)");
  const std::string convert =
      "; results of nccl-tests, OSU or nccom-test convert to one with scripts/collbench-report "
      "--to-collbench OUT.json r.json";
  EXPECT_EQ(readError("{\"schema_version\": 2, ").what(), "r.json: not valid JSON" + convert);
  EXPECT_EQ(readError("[1, 2]").what(),
            "r.json: not a collbench result file (no 'schema_version' at its top level)" + convert);
  EXPECT_EQ(readError("{\"results\": []}").what(),
            "r.json: not a collbench result file (no 'schema_version' at its top level)" + convert);
}

TEST(ResultFile, ReadsSchemaVersionOne) {
  nlohmann::json doc = resultDocument(sampleRun(), {sample()});
  doc["schema_version"] = 1;
  doc["run"].erase("status");
  doc["run"].erase("link_source");
  doc["measurements"][0].erase("skew");
  doc["measurements"][0].erase("link_utilization");
  ResultFile f = parseResultFile(doc.dump(), "old.json");
  EXPECT_EQ(f.run.status.state, "running");
  EXPECT_EQ(f.measurements.at(0).link_utilization, -1);
}

TEST(Csv, HeaderAndOneRowPerMeasurement) {
  Measurement in_place = sample();
  in_place.in_place = true;
  in_place.wrong = -1;
  in_place.link_utilization = -1;
  const std::string doc = csvDocument("p5, \"EFA\"", {sample(), in_place});
  std::istringstream lines(doc);
  std::string header, a, b, extra;
  std::getline(lines, header);
  std::getline(lines, a);
  std::getline(lines, b);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.rfind("label,collective,algorithm,transport,ranks,bytes,count,", 0), 0u);
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 36);
  EXPECT_NE(header.find(",op,root,in_place,"), std::string::npos) << header;
  EXPECT_NE(header.find(",busbw_gbps,bus_factor,cost_form,"), std::string::npos) << header;
  EXPECT_NE(header.find(",rank_spread_us,hosts,inter_host_bytes,last_arrival_rank,"
                        "last_arrival_iterations,last_arrival_wait_us,chosen_algorithm"),
            std::string::npos)
      << header;
  EXPECT_EQ(
      a.rfind("\"p5, \"\"EFA\"\"\",all_reduce,ring,tcp,4,1024,256,float32,sum,,0,3,1,10,20,20,"
              "30,30,30,3,",
              0),
      0u)
      << a;
  EXPECT_NE(a.find(",0.0768,1.5,ring,0.006144,0,2,21.5,0,18.5,3,1,,2,3,7.25"), std::string::npos)
      << a;  // util, wrong, skew, hosts, inter-host bytes unknown, last arrival
  EXPECT_NE(b.find(",,,2,21.5,"), std::string::npos) << b;  // unknown utilisation, unchecked
}

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The JSON file is valid after every call: "running" with the rows so far, then the final
// status; notes are kept in run.notes and read back.
TEST(FileReporters, JsonIsWholeAfterEveryCall) {
  const std::string path = testing::TempDir() + "reporter.json";
  JsonFileReporter json(path);
  RunInfo run = sampleRun();
  run.status = RunStatus{};
  json.begin(run);
  EXPECT_EQ(readResultFile(path).measurements.size(), 0u);
  Measurement in_place = sample();
  in_place.in_place = true;
  json.add(nullptr, &in_place);
  json.note("all_gather mpi: not supported here; skipped");
  ResultFile mid = readResultFile(path);
  EXPECT_EQ(mid.run.status.state, "running");
  ASSERT_EQ(mid.measurements.size(), 1u);
  EXPECT_TRUE(mid.measurements[0].in_place);
  EXPECT_EQ(mid.run.notes, std::vector<std::string>{"all_gather mpi: not supported here; skipped"});
  RunStatus failed;
  failed.state = "failed";
  failed.failed_rank = 3;
  failed.failed_host = "node7";
  failed.verdict = "node7 (rank 3) sent no report";
  failed.reports = {{0, "node0", 3, true, "all_reduce ring 1 MiB", "closed"},
                    {1, "node1", -1, false, "all_reduce ring 1 MiB", "out of memory"}};
  const RunStatus back = parseResultFile(json.textWith(failed), "x").run.status;
  EXPECT_EQ(back.state, "failed");
  EXPECT_EQ(back.failed_rank, 3);
  EXPECT_EQ(back.verdict, failed.verdict);
  ASSERT_EQ(back.reports.size(), 2u);
  EXPECT_EQ(back.reports[0].waited_for, 3);
  EXPECT_TRUE(back.reports[0].connection_lost);
  EXPECT_EQ(back.reports[1].waited_for, -1);  // null in the file
  EXPECT_EQ(back.reports[1].message, "out of memory");
  EXPECT_EQ(readResultFile(path).run.status.state, "running");  // textWith writes nothing
  json.add(&in_place, nullptr);
  RunStatus complete;
  complete.state = "complete";
  json.finish(complete, 0);
  ResultFile done = readResultFile(path);
  EXPECT_EQ(done.run.status.state, "complete");
  EXPECT_EQ(done.measurements.size(), 2u);
}

TEST(FileReporters, CsvHoldsTheHeaderAndEveryRowSoFar) {
  const std::string path = testing::TempDir() + "reporter.csv";
  CsvFileReporter csv(path);
  RunInfo run = sampleRun();
  csv.begin(run);
  EXPECT_EQ(fileText(path), csvHeader());
  Measurement in_place = sample();
  in_place.in_place = true;
  csv.add(&in_place, nullptr);
  csv.add(nullptr, nullptr);
  csv.note("ignored: the CSV file holds measurements only");
  csv.add(&in_place, &in_place);
  EXPECT_EQ(fileText(path), csvDocument(run.label, {in_place, in_place, in_place}));
}

TEST(Fabrics, ProfilesCarryNumbersAndSources) {
  for (const char* name :
       {"p4d.24xlarge", "p5.48xlarge", "p5en.48xlarge", "dgx-h100-ib", "h100-nvlink4"}) {
    const FabricProfile* f = findFabric(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_GT(f->latency_us, 0) << name;
    EXPECT_FALSE(f->source.empty());
  }
  EXPECT_EQ(findFabric("p5.48xlarge")->link_gbps, 3200);
  EXPECT_EQ(findFabric("p4d.24xlarge")->link_gbps, 400);
  EXPECT_EQ(findFabric("h100-nvlink4")->link_gbps, 3600);
  EXPECT_EQ(findFabric("nope"), nullptr);
  // p5.48xlarge is calibrated (docs/MODELS.md); the others are nominal, efficiency 1.
  EXPECT_EQ(findFabric("p5.48xlarge")->efficiency, 0.8817);
  EXPECT_EQ(findFabric("p4d.24xlarge")->efficiency, 1);
  EXPECT_NE(
      fabricTable().find("p5.48xlarge           3200        400     9.45 0.8817  AWS p5.48xlarge"),
      std::string::npos)
      << fabricTable();
}

TEST(LinkUtilization, BusbwInBitsOverLink) {
  EXPECT_DOUBLE_EQ(linkUtilization(50, 400), 1.0);  // 50 GB/s = 400 Gb/s
  EXPECT_DOUBLE_EQ(linkUtilization(10, 100), 0.8);
  EXPECT_EQ(linkUtilization(10, 0), -1);
}

}  // namespace
}  // namespace collbench
