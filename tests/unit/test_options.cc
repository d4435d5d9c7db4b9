#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "collectives/registry.h"
#include "harness/job_bootstrap.h"
#include "harness/options.h"

namespace collbench {
namespace {

Options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "collbench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::string help;
  return parseOptions(static_cast<int>(argv.size()), argv.data(), &help);
}

std::string usageError(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parseSize("8"), 8u);
  EXPECT_EQ(parseSize("64K"), 65536u);
  EXPECT_EQ(parseSize("1M"), 1048576u);
  EXPECT_EQ(parseSize("2g"), 2147483648u);
  EXPECT_EQ(parseSize("4KiB"), 4096u);
  EXPECT_EQ(parseSize("16MB"), 16u << 20);
  EXPECT_EQ(parseSize("12B"), 12u);
  EXPECT_THROW(parseSize(""), std::invalid_argument);
  EXPECT_THROW(parseSize("M"), std::invalid_argument);
  EXPECT_THROW(parseSize("3T"), std::invalid_argument);
  EXPECT_THROW(parseSize("-1"), std::invalid_argument);
  EXPECT_THROW(parseSize("99999999999999999999G"), std::invalid_argument);
}

TEST(SweepSizes, StepByFactorInWholeElements) {
  Options o;
  o.min_bytes = 8;
  o.max_bytes = 64;
  o.step_factor = 2;
  EXPECT_EQ(sweepSizes(o, DataType::kFloat32), (std::vector<std::uint64_t>{8, 16, 32, 64}));
  o.min_bytes = 1;
  o.max_bytes = 20;
  o.step_factor = 3;
  // 1 and 3 bytes round up to one element; 9 -> 8; 27 is past the end.
  EXPECT_EQ(sweepSizes(o, DataType::kFloat64), (std::vector<std::uint64_t>{8}));
  EXPECT_EQ(sweepSizes(o, DataType::kUInt8), (std::vector<std::uint64_t>{1, 3, 9}));
}

TEST(ParseOptions, NcclTestsLettersAndLongNames) {
  Options o = parse({"-b",         "1K", "-e",      "4M",         "-f",
                     "4",          "-n", "7",       "-w",         "2",
                     "-c",         "0",  "-o",      "max",        "-d",
                     "half,int32", "-J", "r.json",  "--algo",     "tree",
                     "--in-place", "no", "--label", "acceptance", "--tcp-streams",
                     "4"});
  EXPECT_EQ(o.min_bytes, 1024u);
  EXPECT_EQ(o.max_bytes, 4u << 20);
  EXPECT_EQ(o.step_factor, 4);
  EXPECT_EQ(o.iters, 7);
  EXPECT_EQ(o.warmup, 2);
  EXPECT_EQ(o.check, 0);
  EXPECT_EQ(o.ops, std::vector<ReduceOp>{ReduceOp::kMax});
  EXPECT_EQ(o.dtypes, (std::vector<DataType>{DataType::kFloat16, DataType::kInt32}));
  EXPECT_EQ(o.json_path, "r.json");
  ASSERT_EQ(o.plan.size(), 1u);
  EXPECT_EQ(o.plan[0].collective, "all_reduce");
  EXPECT_EQ(o.plan[0].algorithm, "tree");
  EXPECT_EQ(o.in_place, InPlaceMode::kNo);
  EXPECT_EQ(o.label, "acceptance");
  EXPECT_EQ(o.transport_options.tcp.streams, 4);
  EXPECT_EQ(parse({"-d", "all"}).dtypes.size(), 7u);
  EXPECT_EQ(parse({"-o", "all"}).ops.size(), 5u);
}

// A job script's defaults come first and the user's flags after them: the last one wins.
TEST(ParseOptions, RepeatedFlagTakesTheLastValue) {
  const Options o =
      parse({"-b", "8", "-e", "1G", "-b", "1K", "-e", "4K", "--label", "a", "--label", "b"});
  EXPECT_EQ(o.min_bytes, 1024u);
  EXPECT_EQ(o.max_bytes, 4096u);
  EXPECT_EQ(o.label, "b");
}

TEST(IterTime, CountFillsTheTimeWithinBounds) {
  EXPECT_EQ(iterationsFor(1.0, 10.0, 2), 100000);
  EXPECT_EQ(iterationsFor(0.5, 3.0, 2), 166667);               // rounded up
  EXPECT_EQ(iterationsFor(1.0, 1e6, 2), kMinTimedIterations);  // one call longer than the time
  EXPECT_EQ(iterationsFor(100.0, 1.0, 2), 1000000);
  EXPECT_EQ(iterationsFor(100.0, 1.0, 1024), 9765);  // 10^7 samples gathered in all
  EXPECT_EQ(iterationsFor(1.0, 0.0, 4), 1000000);    // a call too fast for the clock
  EXPECT_EQ(usageError({"--iter-time", "1", "-n", "50"}),
            "--iter-time and -n/--iters both set the timed iterations; give one");
  EXPECT_EQ(usageError({"--iter-time", "-1"}), "--iter-time: -1 is out of range [0, 3600]");
  const Options o = parse({"--iter-time", "0.25"});
  EXPECT_EQ(o.iter_time_s, 0.25);
  EXPECT_EQ(o.warmupInForce(), 5);
  EXPECT_EQ(parse({"--iter-time", "0.25", "-w", "0"}).warmupInForce(), 2);
  EXPECT_EQ(parse({"-w", "0"}).warmupInForce(), 0);
}

TEST(SweepWarmup, DefaultRangeAndRecord) {
  EXPECT_EQ(parse({}).sweep_warmup, 1);
  const Options o = parse({"--sweep-warmup", "0"});
  EXPECT_EQ(o.sweep_warmup, 0);
  EXPECT_EQ(o.canonical().at("sweep_warmup"), "0");
  EXPECT_EQ(usageError({"--sweep-warmup", "-1"}), "--sweep-warmup: -1 is out of range [0, 1e+06]");
}

TEST(OutputPaths, UnwritablePlacesAreNamed) {
  EXPECT_EQ(outputPathProblem("-J/--json", ""), "");
  EXPECT_EQ(outputPathProblem("-J/--json", "/tmp/collbench-test.json"), "");
  EXPECT_EQ(outputPathProblem("--csv", "/nonexistent/r.csv"),
            "--csv: cannot write /nonexistent/r.csv: directory /nonexistent does not exist");
  EXPECT_EQ(outputPathProblem("--csv", "/tmp"), "--csv: cannot write /tmp: it is a directory");
  EXPECT_EQ(outputPathProblem("--junit", "/etc/hostname/j.xml"),
            "--junit: cannot write /etc/hostname/j.xml: /etc/hostname is not a directory");
  Options o;
  o.csv_path = "/nonexistent/r.csv";
  EXPECT_EQ(outputPathsProblem(o),
            "--csv: cannot write /nonexistent/r.csv: directory /nonexistent does not exist");
  o.json_path = "/nonexistent/r.json";
  EXPECT_EQ(outputPathsProblem(o).rfind("-J/--json: ", 0), 0u);
}

TEST(ParseOptions, BadValuesNameTheFlag) {
  EXPECT_EQ(usageError({"--transport", "udp"}),
            "--transport: unknown transport 'udp'; available: " + transportNames());
  EXPECT_EQ(usageError({"-n", "0"}), "-n/--iters: 0 is out of range [1, 1e+07]");
  EXPECT_EQ(usageError({"-b", "2M", "-e", "1M"}), "-b/--minbytes is larger than -e/--maxbytes");
  EXPECT_EQ(usageError({"--segment-bytes", "8"}),
            "--segment-bytes: 8 is out of range [64, 1.07374e+09]");
  EXPECT_EQ(usageError({"--timeout", "0"}), "--timeout: 0 is out of range [0.001, 604800]");
  EXPECT_NE(usageError({"--no-such-flag"}).find("--no-such-flag"), std::string::npos);
  EXPECT_EQ(usageError({"-d", ""}), "-d/--datatype: empty list");
}

// --collective takes nccl-tests' names and aliases; --algo applies to every collective that
// has the algorithm; each collective gets ours and MPI by default.
TEST(ParseOptions, CollectivesAndTheirAlgorithms) {
  if (!mpiBuiltIn()) GTEST_SKIP() << "built without MPI: no mpi baselines";
  auto o = parse({"--collective", "allgather,broadcast", "--algo", "ring,tree,mpi", "-r", "1"});
  EXPECT_EQ(o.collectives, (std::vector<std::string>{"all_gather", "broadcast"}));
  std::vector<std::string> plan;
  for (const auto& p : o.plan) plan.push_back(p.collective + ":" + p.algorithm);
  EXPECT_EQ(plan, (std::vector<std::string>{"all_gather:ring", "all_gather:mpi", "broadcast:tree",
                                            "broadcast:mpi"}));
  EXPECT_EQ(o.root, 1);
  EXPECT_EQ(parse({"--collective", "all"}).collectives,
            (std::vector<std::string>{"all_reduce", "all_gather", "reduce_scatter", "broadcast",
                                      "reduce", "alltoall", "sendrecv"}));
  plan.clear();
  for (const auto& p : parse({"--collective", "alltoall"}).plan) plan.push_back(p.algorithm);
  EXPECT_EQ(plan, (std::vector<std::string>{"pairwise", "all-at-once", "mpi"}));
}

TEST(ParseOptions, CollectiveErrorsNameTheProblem) {
  EXPECT_EQ(usageError({"--collective", "allgatherv"}),
            "--collective: unknown collective 'allgatherv'; available: all_reduce, all_gather, "
            "reduce_scatter, broadcast, reduce, alltoall, sendrecv, pingpong, all");
  EXPECT_EQ(usageError({"--collective", "alltoall", "--algo", "ring"}),
            "--algo: unknown algorithm 'ring' for --collective alltoall; alltoall: " +
                algorithmNames("alltoall"));
  EXPECT_EQ(usageError({"--collective", "all_gather,alltoall", "--algo", "ring"}),
            "--algo: no algorithm given for alltoall (--collective); its algorithms: " +
                algorithmNames("alltoall"));
  EXPECT_EQ(usageError({"--collective", "reduce,reduce"}), "--collective: reduce is given twice");
  EXPECT_EQ(usageError({"--algo", "ring,ring"}), "--algo: ring is given twice");
  EXPECT_EQ(usageError({"-r", "-1"}), "-r/--root: -1 is out of range [0, 1.67772e+07]");
}

// --algo all: every algorithm of each collective that runs on the buffers, in the registry's
// order; MPI's only under the MPI bootstrap; "all" inside a list is refused.
TEST(ParseOptions, AlgoAllMeasuresEveryAlgorithmThatRuns) {
  auto planOf = [](const Options& o) {
    std::vector<std::string> plan;
    for (const auto& p : o.plan) plan.push_back(p.collective + ":" + p.algorithm);
    return plan;
  };
  std::vector<std::string> want;
  for (const auto& a : listAlgorithms()) {
    const bool host = std::find(a.memory_kinds.begin(), a.memory_kinds.end(), MemoryKind::kHost) !=
                      a.memory_kinds.end();
    if ((a.collective == "all_reduce" || a.collective == "broadcast") && host && a.library != "mpi")
      want.push_back(a.collective + ":" + a.name);
  }
  std::stable_partition(want.begin(), want.end(),
                        [](const std::string& p) { return p.rfind("all_reduce:", 0) == 0; });
  EXPECT_EQ(planOf(parse(
                {"--bootstrap", "env", "--collective", "all_reduce,broadcast", "--algo", "all"})),
            want);
  for (const char* name : {"all_reduce:hier", "all_reduce:hier-tree", "all_reduce:best",
                           "broadcast:best", "broadcast:chain"}) {
    EXPECT_NE(std::find(want.begin(), want.end(), name), want.end()) << name;
  }
  if (mpiBuiltIn()) {
    const auto plan = planOf(parse({"--collective", "alltoall", "--algo", "all"}));
    EXPECT_NE(std::find(plan.begin(), plan.end(), "alltoall:mpi"), plan.end());
    EXPECT_EQ(plan.front(), "alltoall:pairwise");
  }
  EXPECT_EQ(usageError({"--algo", "ring,all"}), "--algo all stands alone (got 'ring,all')");
}

// Under the env bootstrap MPI is not initialised: its baselines leave the defaults, and naming
// one is refused before any traffic. A build without MPI cannot be asked for the MPI bootstrap.
TEST(ParseOptions, EnvBootstrapLeavesMpiOut) {
  std::vector<std::string> plan;
  for (const auto& p : parse({"--bootstrap", "env", "--collective", "alltoall"}).plan)
    plan.push_back(p.algorithm);
  EXPECT_EQ(plan, (std::vector<std::string>{"pairwise", "all-at-once"}));
  EXPECT_EQ(parse({"--bootstrap", "env"}).bootstrap, "env");
  if (mpiBuiltIn()) {
    EXPECT_EQ(usageError({"--bootstrap", "env", "--algo", "ring,mpi"}),
              "--algo mpi: MPI's collectives need --bootstrap mpi (this launch uses the env "
              "bootstrap, so MPI is not initialised)");
  } else {
    EXPECT_EQ(usageError({"--algo", "ring,mpi"}),
              "--algo mpi: collbench was built without MPI (COLLBENCH_WITH_MPI=OFF), so MPI's "
              "collectives are not in it");
    EXPECT_EQ(usageError({"--bootstrap", "mpi"}),
              "--bootstrap mpi: collbench was built without MPI (COLLBENCH_WITH_MPI=OFF); use "
              "--bootstrap env");
  }
  EXPECT_EQ(usageError({"--bootstrap", "pmi"}), "--bootstrap: 'pmi' is not one of mpi, env, auto");
}

// A link screen runs alone, over every rank, with no algorithm.
TEST(ParseOptions, ScreensRunAlone) {
  const Options o = parse({"--collective", "neighbors"});
  EXPECT_EQ(o.screen, "neighbors");
  EXPECT_TRUE(o.plan.empty());
  EXPECT_EQ(o.canonical().at("collective"), "neighbors");
  EXPECT_EQ(usageError({"--collective", "pairwise,all_reduce"}),
            "--collective pairwise: a screen runs alone, not with collectives (got "
            "'pairwise,all_reduce')");
  EXPECT_EQ(usageError({"--collective", "pairwise", "--algo", "ring"}),
            "--algo: --collective pairwise measures pairs, not algorithms");
  EXPECT_EQ(usageError({"--collective", "pairwise", "--ranks", "2,4"}),
            "--ranks: --collective pairwise screens every launched rank");
  EXPECT_EQ(usageError({"--collective", "pairwise", "--outlier-mads", "-1"}),
            "--outlier-mads: -1 is out of range [0, 100]");
}

// Each transport brings the segment it ran best with; --segment-bytes wins over it.
TEST(ParseOptions, SegmentDefaultsToTheTransports) {
  EXPECT_EQ(parse({}).comm.segment_bytes, std::size_t{256} << 10);
  EXPECT_EQ(parse({"--segment-bytes", "64K"}).comm.segment_bytes, std::size_t{64} << 10);
  if (!transportExists("libfabric")) GTEST_SKIP() << "built without libfabric";
  EXPECT_EQ(parse({"--transport", "libfabric"}).comm.segment_bytes, std::size_t{1} << 20);
  EXPECT_EQ(parse({"--transport", "libfabric", "--segment-bytes", "256K"}).comm.segment_bytes,
            std::size_t{256} << 10);
}

TEST(ParseOptions, CanonicalFormShowsEveryRunSetting) {
  auto c = parse({"-e", "2K", "--algo", "ring,tree"}).canonical();
  EXPECT_EQ(c.at("maxbytes"), "2048");
  EXPECT_EQ(c.at("algo"), "all_reduce:ring,all_reduce:tree");
  EXPECT_EQ(c.at("datatype"), "float32");
  EXPECT_EQ(c.at("transport"), "tcp");
}

// libfabric's rails: how many endpoints each rank opens and the pieces messages are striped in;
// both in the canonical form, so ranks that disagree are refused before any traffic.
TEST(ParseOptions, RailsAndStripeAreCheckedAndRecorded) {
  const Options o =
      parse({"--transport", "libfabric", "--fi-rails", "4", "--fi-stripe-bytes", "1M"});
  EXPECT_EQ(o.transport_options.libfabric.rails, 4);
  EXPECT_EQ(o.transport_options.libfabric.stripe_bytes, 1u << 20);
  EXPECT_EQ(o.canonical().at("fi_rails"), "4");
  EXPECT_EQ(o.canonical().at("fi_stripe_bytes"), "1048576");
  const Options d = parse({});
  EXPECT_EQ(d.transport_options.libfabric.rails, 1);
  EXPECT_EQ(d.transport_options.libfabric.stripe_bytes, 256u << 10);
  EXPECT_EQ(usageError({"--fi-rails", "0"}), "--fi-rails: 0 is out of range [1, 64]");
  EXPECT_EQ(usageError({"--fi-stripe-bytes", "1K"}),
            "--fi-stripe-bytes: 1024 is out of range [4096, 1.07374e+09]");
}

}  // namespace
}  // namespace collbench

namespace collbench {
namespace {

// FI_PROVIDER set for the length of one test, then restored.
struct ProviderEnv {
  explicit ProviderEnv(const char* value) {
    if (const char* old = std::getenv("FI_PROVIDER")) saved = old, had = true;
    if (value) {
      ::setenv("FI_PROVIDER", value, 1);
    } else {
      ::unsetenv("FI_PROVIDER");
    }
  }
  ~ProviderEnv() {
    if (had) {
      ::setenv("FI_PROVIDER", saved.c_str(), 1);
    } else {
      ::unsetenv("FI_PROVIDER");
    }
  }
  std::string saved;
  bool had = false;
};

// --fi-provider takes any name fi_info prints (utility chains included) and wins over
// FI_PROVIDER, which wins over auto; the result file records which one chose.
TEST(Options, ProviderFromFlagEnvironmentOrDefault) {
  {
    ProviderEnv env(nullptr);
    Options o = parse({});
    EXPECT_EQ(o.transport_options.libfabric.provider, "auto");
    EXPECT_EQ(o.fi_provider_source, "default");
  }
  {
    ProviderEnv env("shm");
    Options o = parse({});
    EXPECT_EQ(o.transport_options.libfabric.provider, "shm");
    EXPECT_EQ(o.fi_provider_source, "FI_PROVIDER=shm");
    EXPECT_FALSE(o.fi_provider_flag);
    EXPECT_EQ(o.canonical().at("fi_provider_source"), "FI_PROVIDER=shm");
  }
  {
    ProviderEnv env("efa");
    Options o = parse({"--fi-provider", "udp;ofi_rxd"});
    EXPECT_EQ(o.transport_options.libfabric.provider, "udp;ofi_rxd");
    EXPECT_EQ(o.fi_provider_source, "--fi-provider (over FI_PROVIDER=efa)");
    EXPECT_TRUE(o.fi_provider_flag);
  }
  {
    ProviderEnv env("^psm2,psm3");  // a filter, not a name: libfabric's own filter chooses
    Options o = parse({});
    EXPECT_EQ(o.transport_options.libfabric.provider, "");
    EXPECT_EQ(o.fi_provider_source, "FI_PROVIDER=^psm2,psm3");
  }
  EXPECT_EQ(parse({"--fi-provider", "vendor_x-2.1"}).transport_options.libfabric.provider,
            "vendor_x-2.1");
  EXPECT_EQ(usageError({"--fi-provider", "udp;"}),
            "--fi-provider: 'udp;' is not a provider name: fi_info names them with letters, "
            "digits, '_', '-' and '.', the layers of a chain joined by ';' (udp;ofi_rxd)");
}

}  // namespace
}  // namespace collbench
