#include <gtest/gtest.h>

#include <regex>

#include "results/spec.h"

namespace collbench {
namespace {

Measurement measured(const std::string& algo, std::uint64_t bytes, int ranks, double busbw,
                     double p50) {
  Measurement m;
  m.algorithm = algo;
  m.transport = "tcp";
  m.ranks = ranks;
  m.bytes = bytes;
  m.count = bytes / 4;
  m.dtype = "float32";
  m.op = "sum";
  m.busbw_gbps = busbw;
  m.time_us.p50 = p50;
  m.time_us.p99 = p50 * 2;
  m.wrong = 0;
  return m;
}

// The message of the SpecError that parsing `yaml` throws, or "" when it parses.
std::string specError(const std::string& yaml) {
  try {
    parseSpec(yaml, "spec.yaml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, ParsesSelectorsAndBounds) {
  Spec s = parseSpec(R"(
rules:
  - name: big
    collective: all_reduce
    algorithm: ring
    transport: tcp
    min_bytes: 4M
    max_bytes: 64MiB
    ranks: [2, 4]
    min_busbw_gbps: 1.5
    min_link_utilization: 0.8
    max_p50_us: 500
    max_p99_us: 900
    max_wrong: 0
  - name: small
    max_bytes: 4096
    ranks: 8
    max_p50_us: 50
)",
                     "spec.yaml");
  ASSERT_EQ(s.rules.size(), 2u);
  const SpecRule& big = s.rules[0];
  EXPECT_EQ(big.name, "big");
  EXPECT_EQ(big.line, 3);
  EXPECT_EQ(big.algorithm, "ring");
  EXPECT_EQ(big.min_bytes, 4u << 20);
  EXPECT_EQ(big.max_bytes, 64u << 20);
  EXPECT_EQ(big.ranks, (std::vector<int>{2, 4}));
  EXPECT_EQ(*big.min_busbw_gbps, 1.5);
  EXPECT_EQ(*big.min_link_utilization, 0.8);
  EXPECT_EQ(*big.max_p99_us, 900);
  EXPECT_EQ(*big.max_wrong, 0);
  EXPECT_EQ(s.rules[1].ranks, std::vector<int>{8});
  EXPECT_FALSE(s.rules[1].min_busbw_gbps.has_value());
}

TEST(Spec, RejectsUnknownKeyWithLine) {
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_p50_us: 5\n    min_busbw: 3\n"),
            "spec.yaml:4: 'min_busbw': unknown key; a rule takes name, collective, algorithm, "
            "transport, min_bytes, max_bytes, ranks, min_busbw_gbps, min_link_utilization, "
            "max_p50_us, max_p99_us, max_wrong, min_pair_busbw_gbps, max_pair_latency_us");
  EXPECT_EQ(specError("rule:\n  - name: a\n"),
            "spec.yaml:1: 'rule': unknown key; the top level takes rules");
}

TEST(Spec, RejectsWrongTypesWithLineAndKey) {
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_p50_us: fast\n"),
            "spec.yaml:3: 'max_p50_us': expected a number");
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_p50_us: 5\n    ranks: [2, two]\n"),
            "spec.yaml:4: 'ranks': expected a whole number");
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_p50_us: 5\n    min_bytes: 4X\n"),
            "spec.yaml:4: 'min_bytes': '4X' has an unknown unit; use K, M or G (powers of 1024)");
  EXPECT_EQ(specError("rules:\n  - name: a\n    min_busbw_gbps: -1\n"),
            "spec.yaml:3: 'min_busbw_gbps': must be at least 0");
  EXPECT_EQ(specError("rules:\n  - name: [a]\n    max_wrong: 0\n"),
            "spec.yaml:2: 'name': expected a non-empty string");
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_wrong: 0.5\n"),
            "spec.yaml:3: 'max_wrong': expected a whole number");
}

TEST(Spec, RejectsEmptySelectionsAndRulesWithoutBounds) {
  EXPECT_EQ(specError("rules:\n  - name: a\n    min_bytes: 2M\n    max_bytes: 1M\n    "
                      "max_wrong: 0\n"),
            "spec.yaml:4: 'max_bytes': is below min_bytes: the rule selects nothing");
  EXPECT_EQ(specError("rules:\n  - name: a\n    ranks: []\n    max_wrong: 0\n"),
            "spec.yaml:3: 'ranks': an empty list selects nothing");
  EXPECT_EQ(specError("rules:\n  - name: a\n    algorithm: ring\n"),
            "spec.yaml:2: rule 'a' has no bound (min_busbw_gbps, ...)");
  EXPECT_EQ(specError("rules: []\n"), "spec.yaml:1: 'rules': expected a non-empty list of rules");
  EXPECT_EQ(specError("rules:\n  - max_wrong: 0\n"),
            "spec.yaml:2: 'name': missing; every rule needs a name");
  EXPECT_EQ(specError("rules:\n  - name: a\n    max_wrong: 0\n  - name: a\n    max_wrong: 1\n"),
            "spec.yaml:4: 'name': rule 'a' is defined twice");
  EXPECT_EQ(specError("- a\n- b\n"), "spec.yaml:1: expected a mapping with a 'rules:' list");
  // Found by fuzz_spec: a complex key used to escape as yaml-cpp's BadConversion.
  EXPECT_EQ(specError("? [a]\n: 1\n"), "spec.yaml:1: keys must be plain words");
  EXPECT_EQ(specError("rules:\n  - name: a\n    ? [b]\n    : 1\n"),
            "spec.yaml:3: keys must be plain words");
  EXPECT_EQ(specError("rules: [a, b\n").rfind("spec.yaml:2: not valid YAML", 0), 0u);
}

TEST(Spec, LoadNamesMissingFile) {
  EXPECT_THROW(
      {
        try {
          loadSpec("/nonexistent/spec.yaml");
        } catch (const SpecError& e) {
          EXPECT_STREQ(e.what(), "/nonexistent/spec.yaml: cannot open");
          throw;
        }
      },
      SpecError);
}

TEST(Spec, SelectorsMatchEveryField) {
  SpecRule r;
  r.algorithm = "ring";
  r.min_bytes = 1024;
  r.max_bytes = 4096;
  r.ranks = {4};
  EXPECT_TRUE(r.selects(measured("ring", 1024, 4, 1, 1)));
  EXPECT_TRUE(r.selects(measured("ring", 4096, 4, 1, 1)));
  EXPECT_FALSE(r.selects(measured("tree", 2048, 4, 1, 1)));
  EXPECT_FALSE(r.selects(measured("ring", 512, 4, 1, 1)));
  EXPECT_FALSE(r.selects(measured("ring", 8192, 4, 1, 1)));
  EXPECT_FALSE(r.selects(measured("ring", 2048, 2, 1, 1)));
  r.transport = "libfabric";
  EXPECT_FALSE(r.selects(measured("ring", 2048, 4, 1, 1)));
}

TEST(Evaluate, EachBoundOfEachSelectedMeasurement) {
  Spec s = parseSpec(
      "rules:\n"
      "  - name: large\n    min_bytes: 1M\n    min_busbw_gbps: 2\n    max_p99_us: 1000\n"
      "  - name: small\n    max_bytes: 4K\n    max_p50_us: 10\n"
      "  - name: eight\n    ranks: 8\n    max_wrong: 0\n",
      "s.yaml");
  std::vector<Measurement> ms = {measured("ring", 1 << 20, 4, 2.5, 400),
                                 measured("ring", 4 << 20, 4, 1.5, 1200),
                                 measured("tree", 1024, 4, 0.1, 12)};
  SpecReport r = evaluate(s, ms);
  ASSERT_EQ(r.verdicts.size(), 6u);
  EXPECT_EQ(r.verdicts[0].bound, "min_busbw_gbps");
  EXPECT_TRUE(r.verdicts[0].pass);
  EXPECT_EQ(r.verdicts[0].value, "2.5");
  EXPECT_EQ(r.verdicts[0].limit, ">= 2");
  EXPECT_TRUE(r.verdicts[1].pass);   // p99 800 <= 1000
  EXPECT_FALSE(r.verdicts[2].pass);  // 1.5 < 2
  EXPECT_EQ(r.verdicts[2].measurement,
            "all_reduce ring tcp 4 ranks 4194304 B float32 sum out-of-place");
  EXPECT_FALSE(r.verdicts[3].pass);  // p99 2400 > 1000
  EXPECT_EQ(r.verdicts[4].rule, "small");
  EXPECT_FALSE(r.verdicts[4].pass);  // p50 12 > 10
  EXPECT_EQ(r.verdicts[5].rule, "eight");
  EXPECT_EQ(r.verdicts[5].bound, "selection");
  EXPECT_FALSE(r.verdicts[5].pass);
  EXPECT_EQ(r.failures(), 4);
  EXPECT_FALSE(r.passed());
}

TEST(Evaluate, UnknownLinkAndUncheckedResultsFail) {
  Spec s = parseSpec("rules:\n  - name: u\n    min_link_utilization: 0.5\n    max_wrong: 0\n", "s");
  Measurement m = measured("ring", 1024, 2, 1, 1);
  m.wrong = -1;
  SpecReport r = evaluate(s, {m});
  ASSERT_EQ(r.verdicts.size(), 2u);
  EXPECT_FALSE(r.verdicts[0].pass);
  EXPECT_EQ(r.verdicts[0].value, "unknown (give --link-gbps or --fabric)");
  EXPECT_FALSE(r.verdicts[1].pass);
  EXPECT_EQ(r.verdicts[1].value, "not checked (-c 0)");
  m.link_utilization = 0.6;
  m.wrong = 0;
  EXPECT_TRUE(evaluate(s, {m}).passed());
}

TEST(Verdicts, TableAndJunit) {
  Spec s = parseSpec("rules:\n  - name: r<&>\n    max_p50_us: 10\n", "p5 \"spec\".yaml");
  SpecReport r = evaluate(s, {measured("ring", 8, 2, 0, 5), measured("ring", 16, 2, 0, 20)});
  std::ostringstream table;
  printVerdicts(table, r);
  EXPECT_NE(table.str().find("max_p50_us           <= 10      20           FAIL"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("# acceptance: 1 passed, 1 failed: FAILED"), std::string::npos);
  const std::string xml = junitXml(s, r);
  EXPECT_NE(xml.find("<testsuites name=\"collbench acceptance\" tests=\"2\" failures=\"1\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"p5 &quot;spec&quot;.yaml\""), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"r&lt;&amp;&gt;\" name=\"all_reduce ring tcp 2 ranks 8 "
                     "B float32 sum out-of-place: max_p50_us\"></testcase>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"max_p50_us &lt;= 10, got 20\" type=\"max_p50_us\"/>"),
            std::string::npos)
      << xml;
}

// Pair rules bound a link screen's worst pair, alone.
TEST(Spec, PairRulesBoundTheWorstPairOfAScreen) {
  const Spec spec = parseSpec(R"(
rules:
  - name: worst
    min_pair_busbw_gbps: 0.5
    max_pair_latency_us: 30
)",
                              "spec.yaml");
  PairScreen screen;
  screen.kind = "pairwise";
  screen.hosts = {"a", "b", "c"};
  screen.bandwidth_gbps = {{-1, 1.0, 0.9}, {1.0, -1, 0.4}, {1.1, 1.0, -1}};
  screen.latency_us = {{-1, 10, 12}, {10, -1, 45}, {12, 45, -1}};
  const SpecReport report = evaluate(spec, {}, &screen);
  ASSERT_EQ(report.verdicts.size(), 2u);
  EXPECT_EQ(report.verdicts[0].measurement, "pairwise screen, worst pair b (rank 1) -> c (rank 2)");
  EXPECT_EQ(report.verdicts[0].value, "0.4");
  EXPECT_FALSE(report.verdicts[0].pass);
  EXPECT_EQ(report.verdicts[1].measurement,
            "pairwise screen, worst pair b (rank 1) <-> c (rank 2)");
  EXPECT_FALSE(report.verdicts[1].pass);
  const SpecReport none = evaluate(spec, {});
  ASSERT_EQ(none.verdicts.size(), 1u);
  EXPECT_EQ(none.verdicts[0].value,
            "this run has no link screen (--collective pairwise or neighbors)");
  EXPECT_EQ(specError("rules:\n  - name: x\n    ranks: 4\n    min_pair_busbw_gbps: 1\n"),
            "spec.yaml:2: rule 'x': min_pair_busbw_gbps and max_pair_latency_us bound a link "
            "screen's pairs, alone: no selectors, no other bounds");
}

}  // namespace
}  // namespace collbench
