// Cost models: the fit recovers known parameters from exact synthetic times, predictions follow
// the documented formulas, crossovers solve them, and bad model files are named.
#include <gtest/gtest.h>

#include "results/model.h"

namespace collbench {
namespace {

struct FormName {
  ModelForm form;
  const char* name;
};

Measurement point(const std::string& algo, int ranks, int hosts, std::uint64_t bytes, double t) {
  Measurement m;
  m.algorithm = algo;
  m.transport = "tcp";
  m.ranks = ranks;
  m.hosts = hosts;
  m.bytes = bytes;
  m.count = bytes / 4;
  m.dtype = "float32";
  m.op = "sum";
  m.wrong = 0;
  m.time_us.p50 = t;
  return m;
}

TEST(Model, TermsFollowTheDocumentedForms) {
  EXPECT_EQ(costTerms(ModelForm::kRing, 4, 1, 1000), (std::array<double, 4>{6, 1500, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kTree, 5, 1, 1000), (std::array<double, 4>{6, 2000, 0, 0}));
  // 8 ranks on 2 hosts: 4 per host; across hosts a ring of 2 on 1000 / 4 bytes.
  EXPECT_EQ(costTerms(ModelForm::kHierRing, 8, 2, 1000), (std::array<double, 4>{2, 250, 6, 1500}));
  // Across 2 hosts the tree is one exchange of the 250 bytes.
  EXPECT_EQ(costTerms(ModelForm::kHierTree, 8, 2, 1000), (std::array<double, 4>{2, 250, 6, 1500}));
  EXPECT_EQ(costTerms(ModelForm::kHierTree, 16, 4, 1000), (std::array<double, 4>{4, 500, 6, 1500}));
  EXPECT_EQ(costTerms(ModelForm::kRing, 1, 1, 1000), (std::array<double, 4>{0, 0, 0, 0}));
}

TEST(Model, TermsOfTheOtherCollectives) {
  EXPECT_EQ(costTerms(ModelForm::kLinear, 4, 1, 1000), (std::array<double, 4>{3, 750, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kChain, 5, 1, 1000), (std::array<double, 4>{4, 1000, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kBinaryTree, 5, 1, 1000), (std::array<double, 4>{3, 2000, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kBinaryTree, 3, 1, 1000), (std::array<double, 4>{2, 1000, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kPair, 8, 1, 1000), (std::array<double, 4>{1, 1000, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kRecursiveDoubling, 8, 1, 10),
            (std::array<double, 4>{3, 30, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kRecursiveDoubling, 6, 1, 10),  // 2 steps, fold, unfold
            (std::array<double, 4>{4, 40, 0, 0}));
  for (ModelForm f : {ModelForm::kLinear, ModelForm::kChain, ModelForm::kPair}) {
    EXPECT_EQ(costTerms(f, 1, 1, 1000), (std::array<double, 4>{0, 0, 0, 0})) << formName(f);
  }
}

// A measurement's form is the one its algorithm declared; files from before schema 3 imply it
// by the algorithm's name.
TEST(Model, FormOfAMeasurement) {
  Measurement m = point("ring", 4, 1, 8, 1);
  EXPECT_EQ(formOf(m), ModelForm::kRing);
  m.collective = "all_gather";
  m.cost_form = "linear";
  EXPECT_EQ(formOf(m), ModelForm::kLinear);
  EXPECT_EQ(formOf(point("hier-tree", 4, 1, 8, 1)), ModelForm::kHierTree);
  Measurement pp = point("pingpong", 2, 1, 8, 1);
  pp.collective = "pingpong";
  EXPECT_EQ(formOf(pp), ModelForm::kPair);
  EXPECT_EQ(formNamed("binary-tree"), ModelForm::kBinaryTree);
  EXPECT_FALSE(formNamed("star"));
}

// Every form's parameters come back from exact times it generated, one model per
// (collective, algorithm); collectives without an op (recorded "none") are fitted too.
TEST(Model, FitRecoversEveryFlatForm) {
  struct Case {
    const char* collective;
    const char* algorithm;
    ModelForm form;
    const char* op;
  };
  const Case cases[] = {{"all_gather", "ring", ModelForm::kLinear, "none"},
                        {"reduce_scatter", "ring", ModelForm::kLinear, "sum"},
                        {"broadcast", "chain", ModelForm::kChain, "none"},
                        {"broadcast", "tree", ModelForm::kBinaryTree, "none"},
                        {"reduce", "tree", ModelForm::kBinaryTree, "sum"},
                        {"alltoall", "pairwise", ModelForm::kLinear, "none"},
                        {"sendrecv", "ring", ModelForm::kPair, "none"},
                        {"all_reduce", "recursive-doubling", ModelForm::kRecursiveDoubling, "sum"}};
  std::vector<Measurement> ms;
  for (const Case& c : cases) {
    const CostModel truth{"tcp", c.collective, c.algorithm, c.form, {25, 0.002, 0, 0},
                          {},    {},           {},          0,      0};
    for (int n : {2, 3, 4, 8}) {
      for (std::uint64_t s : {8ull, 65536ull, 1ull << 24}) {
        Measurement m = point(c.algorithm, n, 1, s, predictMicroseconds(truth, n, 1, s));
        m.collective = c.collective;
        m.cost_form = formName(c.form);
        m.op = c.op;
        ms.push_back(m);
      }
    }
  }
  const auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), std::size(cases));
  for (std::size_t i = 0; i < models.size(); ++i) {
    EXPECT_EQ(models[i].collective, cases[i].collective);
    EXPECT_EQ(models[i].algorithm, cases[i].algorithm);
    EXPECT_EQ(models[i].form, cases[i].form);
    EXPECT_NEAR(models[i].params[0], 25, 1e-6) << i;
    EXPECT_NEAR(models[i].params[1], 0.002, 1e-12) << i;
  }
}

TEST(Model, FitRecoversRingAndTreeParameters) {
  std::vector<Measurement> ms;
  for (int n : {2, 4, 8}) {
    for (std::uint64_t s : {8ull, 4096ull, 1ull << 20, 1ull << 26}) {
      ms.push_back(point("ring", n, 1, s, 2.0 * (n - 1) * 20 + 2.0 * (n - 1) / n * s * 0.001));
      ms.push_back(point("tree", n, 1, s, 2 * std::log2(n) * 30 + (n == 2 ? 1 : 2.0) * s * 0.0005));
    }
  }
  ms.push_back(point("ring", 4, 1, 4096, 1));  // in-place, wrong dtype: ignored
  ms.back().in_place = true;
  ms.push_back(point("ring", 4, 1, 4096, 1));
  ms.back().dtype = "int32";
  auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].algorithm, "ring");
  EXPECT_NEAR(models[0].params[0], 20, 1e-6);
  EXPECT_NEAR(models[0].params[1], 0.001, 1e-12);
  EXPECT_EQ(models[0].fit.points, 12);
  EXPECT_NEAR(models[0].fit.r2, 1, 1e-9);
  EXPECT_LT(models[0].fit.max_rel_error, 1e-9);
  EXPECT_EQ(models[0].ranks, (std::vector<int>{2, 4, 8}));
  EXPECT_NEAR(models[1].params[0], 30, 1e-6);
  EXPECT_NEAR(models[1].params[1], 0.0005, 1e-12);
  EXPECT_FALSE(models[1].identified[2]);
}

// A fabric profile of `latency_us` and `link_gbps`, nominal unless `efficiency` is given.
FabricProfile profile(double latency_us, double link_gbps, double efficiency = 1) {
  return FabricProfile{"test", "a test fabric", link_gbps, latency_us, efficiency, "this test"};
}

// A hier model with every parameter known: a = 50 us, 500 MB/s across hosts, 5 us and 5 GB/s
// inside them.
CostModel hierTruth() {
  CostModel m =
      fabricModel("all_reduce", "hier", ModelForm::kHierRing, profile(50, 4));  // b = 0.002
  m.transport = "tcp";
  m.params = {50, 0.002, 5, 0.0002};
  return m;
}

TEST(Model, HierSeparatesInsideFromAcrossHosts) {
  std::vector<Measurement> ms;
  const CostModel truth = hierTruth();
  for (auto [n, h] : {std::pair{4, 1}, {4, 2}, {8, 2}, {8, 4}, {6, 3}}) {
    for (std::uint64_t s : {64ull, 1ull << 16, 1ull << 24}) {
      ms.push_back(
          point("hier", n, h, s, predictMicroseconds(truth, n, h, static_cast<double>(s))));
    }
  }
  auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 1u);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(models[0].params[c] / truth.params[c], 1, 1e-6) << c;
}

// alltoall: the L ranks of a host share its link, which carries L(n-L)/n S out; (L-1)/n S of a
// rank's data stays inside its host. One rank per host is the linear form; one host has no
// link term. The fit separates the two levels as hier's does.
TEST(Model, AlltoallRanksShareTheirHostsLink) {
  EXPECT_EQ(costTerms(ModelForm::kAlltoall, 16, 2, 1600), (std::array<double, 4>{8, 6400, 7, 700}));
  EXPECT_EQ(costTerms(ModelForm::kAlltoall, 4, 4, 1000), costTerms(ModelForm::kLinear, 4, 1, 1000));
  EXPECT_EQ(costTerms(ModelForm::kAlltoall, 4, 1, 1000), (std::array<double, 4>{0, 0, 3, 750}));
  EXPECT_EQ(costTerms(ModelForm::kAlltoall, 5, 2, 1000, {4, 1}),
            (std::array<double, 4>{1, 800, 3, 600}));
  EXPECT_EQ(costTerms(ModelForm::kAlltoall, 1, 1, 1000), (std::array<double, 4>{0, 0, 0, 0}));
  CostModel truth = hierTruth();
  truth.form = ModelForm::kAlltoall;
  std::vector<Measurement> ms;
  for (auto [n, h] : {std::pair{4, 1}, {4, 2}, {8, 2}, {8, 4}, {4, 4}, {6, 3}}) {
    for (std::uint64_t s : {64ull, 1ull << 16, 1ull << 24}) {
      Measurement m =
          point("pairwise", n, h, s, predictMicroseconds(truth, n, h, static_cast<double>(s)));
      m.collective = "alltoall", m.cost_form = "alltoall";
      ms.push_back(m);
    }
  }
  const auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].form, ModelForm::kAlltoall);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(models[0].params[c] / truth.params[c], 1, 1e-6) << c;
  EXPECT_EQ(bytesAcrossHosts(ms[6]), 4 * 4 / 8.0 * 64);  // 8 ranks on 2 hosts, 64 B
}

// The busiest rank of the double binary tree sends S at 2 ranks, 1.5 S at 3, 2 S from 4 on
// (collectives/patterns/tree.h: one tree's inner rank is the other's leaf).
TEST(Model, TreeBandwidthTermFollowsTheBusiestRank) {
  EXPECT_EQ(costTerms(ModelForm::kTree, 2, 1, 1000), (std::array<double, 4>{2, 1000, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kTree, 3, 1, 1000), (std::array<double, 4>{4, 1500, 0, 0}));
  EXPECT_EQ(costTerms(ModelForm::kTree, 16, 1, 1000), (std::array<double, 4>{8, 2000, 0, 0}));
}

// With 5% multiplicative noise on every time, every form's a and b come back within 10%, the
// fit's spread covers the noise, and its worst points are the largest errors.
TEST(Model, FitRecoversEveryFormThroughNoise) {
  std::uint64_t state = 12345;
  auto noise = [&state] {  // uniform in [-0.05, 0.05], the same sequence on every run
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5) * 0.1;
  };
  for (const FormName& f : {FormName{ModelForm::kRing, "ring"},
                            {ModelForm::kTree, "tree"},
                            {ModelForm::kLinear, "linear"},
                            {ModelForm::kChain, "chain"},
                            {ModelForm::kBinaryTree, "binary-tree"},
                            {ModelForm::kPair, "pair"},
                            {ModelForm::kRecursiveDoubling, "recursive-doubling"}}) {
    const CostModel truth{"tcp", "all_reduce", f.name, f.form, {25, 0.002, 0, 0}, {}, {}, {}, 0, 0};
    std::vector<Measurement> ms;
    for (int n : {2, 3, 4, 8}) {
      for (std::uint64_t s : {8ull, 4096ull, 65536ull, 1ull << 20, 1ull << 24}) {
        const double t = predictMicroseconds(truth, n, 1, static_cast<double>(s));
        ms.push_back(point(f.name, n, 1, s, t * (1 + noise())));
        ms.back().cost_form = f.name;
      }
    }
    const auto models = fitModels(ms, "float32", "sum");
    ASSERT_EQ(models.size(), 1u) << f.name;
    const CostModel& m = models[0];
    EXPECT_NEAR(m.params[0] / 25, 1, 0.1) << f.name;
    EXPECT_NEAR(m.params[1] / 0.002, 1, 0.1) << f.name;
    EXPECT_GT(m.fit.r2, 0.99) << f.name;
    EXPECT_FALSE(poorFit(m.fit)) << f.name;
    EXPECT_LT(m.fit.rel_error_low, 0) << f.name;
    EXPECT_GT(m.fit.rel_error_high, 0) << f.name;
    ASSERT_EQ(m.fit.worst.size(), 3u);
    EXPECT_NEAR(std::abs(m.fit.worst[0].relError()), m.fit.max_rel_error, 1e-12) << f.name;
    EXPECT_GE(std::abs(m.fit.worst[1].relError()), std::abs(m.fit.worst[2].relError()));
  }
}

// Times that no alpha-beta line describes (a step at 64 KiB, as a token bucket gives) make a
// poor fit, and its worst point is where the model misses most.
TEST(Model, PoorFitIsFlaggedWithItsWorstPoints) {
  std::vector<Measurement> ms;
  for (int n : {2, 4}) {
    for (std::uint64_t s = 1024; s <= (16u << 20); s *= 4) {
      ms.push_back(point("ring", n, n, s, s < 65536 ? 50.0 : 50.0 + s * 0.04));
    }
  }
  const auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 1u);
  EXPECT_TRUE(poorFit(models[0].fit));
  ASSERT_FALSE(models[0].fit.worst.empty());
  const FitPoint& w = models[0].fit.worst[0];
  EXPECT_NEAR(std::abs(w.relError()), models[0].fit.max_rel_error, 1e-12);
  EXPECT_FALSE(poorFit(FitQuality{}));  // no fit (a fabric profile): nothing to flag
}

TEST(Model, SpreadAndExtrapolation) {
  CostModel m = fabricModel("all_reduce", "ring", ModelForm::kRing, profile(10, 8));  // b = 0.001
  m.ranks = {2, 4};
  m.min_bytes = 1024, m.max_bytes = 1 << 20;
  m.fit.points = 8;
  m.fit.rel_error_low = -0.2, m.fit.rel_error_high = 0.25;
  // measured = predicted / (1 + error): 100 / 1.25 and 100 / 0.8.
  EXPECT_EQ(predictionSpread(m, 100), (std::array<double, 2>{80, 125}));
  EXPECT_FALSE(extrapolation(m, 2, 1024).any());
  EXPECT_EQ(extrapolation(m, 8, 4096).describe(), "ranks");
  EXPECT_EQ(extrapolation(m, 4, 8).describe(), "bytes");
  EXPECT_EQ(extrapolation(m, 1024, 1 << 30).describe(), "ranks,bytes");
  const CostModel fabric = fabricModel("all_reduce", "ring", ModelForm::kRing, profile(15, 400));
  EXPECT_EQ(predictionSpread(fabric, 100), (std::array<double, 2>{100, 100}));
  EXPECT_FALSE(extrapolation(fabric, 1024, 1 << 30).any());
}

// netns-hosts.sh records its links; a call that moves less than the bucket per rank across
// hosts is told apart, one that stays inside a host never is.
TEST(Model, TokenBucketOfAnEmulatedLink) {
  RunInfo run;
  EXPECT_EQ(tokenBucketBytes(run), 0u);
  run.environment["COLLBENCH_LINK_EMULATION"] = "tbf rate=200mbit burst=32768";
  EXPECT_EQ(tokenBucketBytes(run), 32768u);
  run.environment["COLLBENCH_LINK_EMULATION"] = "tbf rate=200mbit burst=262144 cc=cubic";
  EXPECT_EQ(tokenBucketBytes(run), 262144u);
  run.environment["COLLBENCH_LINK_EMULATION"] = "netem delay=1ms";
  EXPECT_EQ(tokenBucketBytes(run), 0u);
  EXPECT_EQ(bytesAcrossHosts(point("ring", 4, 4, 1000, 1)), 1500);  // 2(n-1)/n S
  EXPECT_EQ(bytesAcrossHosts(point("ring", 4, 1, 1000, 1)), 0);
  Measurement hier = point("hier", 8, 2, 1000, 1);
  hier.cost_form = "hier";
  EXPECT_EQ(bytesAcrossHosts(hier), 250);  // a ring of 2 hosts on S / 4
}

// Uneven hosts (4 + 1 ranks): the fullest host sets the inner ring, and the lone rank carries
// the whole buffer across; a fit on such runs recovers all four parameters.
TEST(Model, HierOnUnevenHosts) {
  EXPECT_EQ(costTerms(ModelForm::kHierRing, 5, 2, 1000, {4, 1}),
            (std::array<double, 4>{2, 1000, 6, 1500}));
  EXPECT_EQ(costTerms(ModelForm::kHierRing, 5, 2, 1000),  // unrecorded: ceil(5 / 2) = 3 each
            (std::array<double, 4>{2, 1000.0 / 3, 4, 4000.0 / 3}));
  const CostModel truth = hierTruth();
  std::vector<Measurement> ms;
  for (auto [n, h, big, small] :
       {std::array<int, 4>{5, 2, 4, 1}, {6, 2, 4, 2}, {7, 3, 4, 1}, {8, 2, 4, 4}, {6, 3, 2, 2}}) {
    for (std::uint64_t s : {64ull, 1ull << 16, 1ull << 24}) {
      Measurement m = point("hier", n, h, s, 0);
      m.largest_host_ranks = big, m.smallest_host_ranks = small;
      m.time_us.p50 = predictMicroseconds(truth, n, h, static_cast<double>(s), spreadOf(m));
      ms.push_back(m);
    }
  }
  const auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 1u);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(models[0].params[c] / truth.params[c], 1, 1e-6) << c;
  EXPECT_EQ(bytesAcrossHosts(ms[2]), 2 * 0.5 * (1 << 24));  // 5 ranks, 16 MiB: the lone rank
}

TEST(Model, NegativeParametersAreNotFitted) {
  // Times that fall with size would need b < 0: the fit keeps b at 0 instead.
  std::vector<Measurement> ms{point("ring", 2, 1, 8, 30), point("ring", 2, 1, 1 << 20, 20),
                              point("ring", 4, 1, 8, 90)};
  auto models = fitModels(ms, "float32", "sum");
  ASSERT_EQ(models.size(), 1u);
  EXPECT_GE(models[0].params[0], 0);
  EXPECT_EQ(models[0].params[1], 0);
}

TEST(Model, CrossoverWhereTheLinesMeet) {
  CostModel ring{
      "f", "all_reduce", "ring", ModelForm::kRing, {10, 0.001, 0, 0}, {true, true}, {}, {}, 0, 0};
  CostModel tree{
      "f", "all_reduce", "tree", ModelForm::kTree, {10, 0.001, 0, 0}, {true, true}, {}, {}, 0, 0};
  // n = 16: ring 300 + 1.875e-3 S, tree 80 + 2e-3 S: equal at S = 220 / 1.25e-4 = 1.76e6.
  EXPECT_NEAR(crossoverBytes(ring, tree, 16, 1), 1.76e6, 1);
  EXPECT_EQ(crossoverBytes(ring, ring, 16, 1), -1);
}

TEST(Model, FabricProfileGivesLatencyAndLinkTime) {
  // 400 Gb/s = 50 GB/s = 2e-5 us per byte
  CostModel m = fabricModel("all_gather", "ring", ModelForm::kLinear, profile(15, 400));
  EXPECT_EQ(m.params[0], 15);
  EXPECT_NEAR(m.params[1], 2e-5, 1e-15);
  EXPECT_EQ(m.collective, "all_gather");
  EXPECT_EQ(predictMicroseconds(m, 4, 1, 1e6), 3 * 15 + 0.75e6 * 2e-5);
  // A calibrated profile reaches only `efficiency` of its link: 0.8 of 50 GB/s is 2.5e-5 us/B.
  const CostModel calibrated =
      fabricModel("all_reduce", "ring", ModelForm::kRing, profile(9, 400, 0.8));
  EXPECT_EQ(calibrated.params[0], 9);
  EXPECT_NEAR(calibrated.params[1], 2.5e-5, 1e-15);
  EXPECT_NEAR(calibrated.params[3], 2.5e-5, 1e-15);
}

TEST(Model, FileRoundTripsAndBadFilesAreNamed) {
  CostModel m;
  m.transport = "tcp";
  m.algorithm = "hier-tree";
  m.form = ModelForm::kHierTree;
  m.params = {1, 2, 3, 4};
  m.identified = {true, false, true, true};
  m.ranks = {2, 4};
  m.min_bytes = 8, m.max_bytes = 64;
  auto back = parseModelFile(modelDocument({m}, {"a.json"}).dump(), "m.json");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].form, ModelForm::kHierTree);
  EXPECT_EQ(back[0].params, (CostParams{1, 0, 3, 4}));
  EXPECT_FALSE(back[0].identified[1]);
  auto message = [](const std::string& text) {
    try {
      parseModelFile(text, "m.json");
    } catch (const ModelFormatError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("{"), "m.json: file: not JSON");
  EXPECT_EQ(message(R"({"model_version": 2, "models": []})"),
            "m.json: model_version: expected 1 (a file written by collbench model fit)");
  EXPECT_EQ(message(R"({"model_version": 1, "models": [{"transport": "t", "algorithm": "ring",
            "form": "star", "params": {}}]})"),
            "m.json: models[0].form: unknown form 'star' (known: ring, tree, hier, hier-tree, "
            "linear, alltoall, chain, binary-tree, pair, recursive-doubling)");
  EXPECT_EQ(message(R"({"model_version": 1, "models": [{"transport": "t", "algorithm": "ring",
            "form": "ring", "params": {"alpha_us": -1}}]})"),
            "m.json: models[0].params.alpha_us: expected a number >= 0 or null");
}

}  // namespace
}  // namespace collbench
