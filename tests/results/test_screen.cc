// localise(): on synthetic screens, it names exactly what was planted: one slow rank, one
// slow link, one slow direction, a rank slow in one direction, or nothing.
#include <gtest/gtest.h>

#include <sstream>

#include "results/screen.h"

namespace collbench {
namespace {

// n ranks, every pair measured: bandwidth about 1 GB/s and latency about 50 us, with a little
// deterministic spread, as a healthy fabric gives.
PairScreen healthy(int n) {
  PairScreen s;
  s.kind = "pairwise";
  const auto N = static_cast<std::size_t>(n);
  s.latency_us.assign(N, std::vector<double>(N, -1));
  s.bandwidth_gbps.assign(N, std::vector<double>(N, -1));
  for (int i = 0; i < n; ++i) {
    s.hosts.push_back("host" + std::to_string(i));
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      s.bandwidth_gbps[i][j] = 1.0 + 0.01 * ((i * 7 + j * 3) % 5);
      s.latency_us[i][j] = s.latency_us[j][i] = 50 + ((std::min(i, j) * 5 + std::max(i, j)) % 4);
    }
  }
  return s;
}

std::string summary(const PairScreen& s) {
  std::string out;
  for (const auto& v : localise(s)) {
    out += v.metric + " " + v.what + " " + std::to_string(v.rank);
    if (v.peer >= 0) out += "-" + std::to_string(v.peer);
    out += " " + std::to_string(v.agreeing) + "/" + std::to_string(v.partners) + "; ";
  }
  return out;
}

TEST(Localise, HealthyScreenFlagsNothing) {
  EXPECT_EQ(summary(healthy(6)), "");
  EXPECT_EQ(summary(healthy(2)), "");
}

TEST(Localise, SlowRankIsARankNotItsLinks) {
  PairScreen s = healthy(6);
  for (int p = 0; p < 6; ++p) {
    if (p == 3) continue;
    s.bandwidth_gbps[3][p] = s.bandwidth_gbps[p][3] = 0.3;
    s.latency_us[3][p] = s.latency_us[p][3] = 200;
  }
  EXPECT_EQ(summary(s), "bandwidth rank 3 5/5; latency rank 3 5/5; ");
  const auto v = localise(s);
  EXPECT_DOUBLE_EQ(v[0].measured, 0.3);
  EXPECT_NEAR(v[0].median, 1.02, 0.02);
}

TEST(Localise, SlowLinkIsALink) {
  PairScreen s = healthy(6);
  s.bandwidth_gbps[1][4] = 0.4;
  s.bandwidth_gbps[4][1] = 0.35;
  EXPECT_EQ(summary(s), "bandwidth link 1-4 1/1; ");
  EXPECT_DOUBLE_EQ(localise(s)[0].measured, 0.35);
}

TEST(Localise, SlowDirectionIsADirection) {
  PairScreen s = healthy(6);
  s.bandwidth_gbps[2][5] = 0.3;
  EXPECT_EQ(summary(s), "bandwidth direction 2-5 1/1; ");
}

TEST(Localise, RankSlowOnlyToReceive) {
  PairScreen s = healthy(6);
  for (int p = 1; p < 6; ++p) s.bandwidth_gbps[p][0] = 0.5;
  EXPECT_EQ(summary(s), "bandwidth rank receiving 0 5/5; ");
}

TEST(Localise, ASmallDropIsNotAFinding) {
  PairScreen s = healthy(6);
  s.bandwidth_gbps[2][5] = 0.85;  // 1.2 times slower than the median: under the 1.25 floor
  EXPECT_EQ(summary(s), "");
  s.rule.min_change = 0.1;
  EXPECT_EQ(summary(s), "bandwidth direction 2-5 1/1; ");
}

// With fewer than 3 partners a rank cannot be told from its links: a slow pair of 3 ranks is a
// link, not two slow ranks.
TEST(Localise, ThreeRanksNameALinkNotTwoRanks) {
  PairScreen t = healthy(3);
  t.bandwidth_gbps[0][1] = t.bandwidth_gbps[1][0] = 0.2;
  EXPECT_EQ(summary(t), "bandwidth link 0-1 1/1; ");
}

TEST(Localise, ConsoleAndCsvSayIt) {
  PairScreen s = healthy(3);
  s.bandwidth_gbps[0][1] = s.bandwidth_gbps[1][0] = 0.2;
  s.verdicts = localise(s);
  std::ostringstream out;
  printScreen(out, s);
  EXPECT_NE(out.str().find("SLOW   bandwidth  link            host0 (rank 0) <-> host1 (rank 1)"),
            std::string::npos)
      << out.str();
  const std::string csv = screenCsv(s);
  EXPECT_EQ(csv.substr(0, csv.find('\n', csv.find('\n') + 1)),
            "from,to,from_host,to_host,latency_us,bandwidth_gbps\n0,1,host0,host1,51.000,0.200000");
}

}  // namespace
}  // namespace collbench

namespace collbench {
namespace {

// 4 ranks on 2 hosts; rank 1 sends at 0.2 GB/s to everyone, and every latency is 10 us.
TEST(RowMedians, PerRankAndPerHost) {
  PairScreen s = healthy(4);
  s.hosts = {"a", "a", "b", "b"};
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      if (i == j) continue;
      s.latency_us[i][j] = 10;
      s.bandwidth_gbps[i][j] = i == 1 ? 0.2 : 1.0;
    }
  }
  s.latency_us[0][2] = s.latency_us[2][0] = -1;  // not measured: left out
  const auto ranks = rankMedians(s);
  ASSERT_EQ(ranks.size(), 4u);
  EXPECT_EQ(ranks[1].name, "a");
  EXPECT_EQ(ranks[1].send_gbps, 0.2);
  EXPECT_EQ(ranks[1].recv_gbps, 1.0);
  EXPECT_EQ(ranks[0].latency_us, 10);
  const auto hosts = hostMedians(s);
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].name, "a");
  // Host a sends 3 values at 1.0 (rank 0) and 3 at 0.2 (rank 1): the mean of the middle two.
  EXPECT_DOUBLE_EQ(hosts[0].send_gbps, 0.6);
  EXPECT_EQ(hosts[1].send_gbps, 1.0);
  PairScreen empty;
  empty.hosts = {"x"};
  empty.latency_us = empty.bandwidth_gbps = {{-1}};
  EXPECT_EQ(rankMedians(empty)[0].latency_us, -1);
}

}  // namespace
}  // namespace collbench
