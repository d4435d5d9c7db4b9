// best: the choice is the candidate whose slowest rank was fastest, the same on every rank;
// calibration leaves the caller's buffers as they were; without a bootstrap it refuses.
// (Every element of best's results is checked with the other algorithms in test_allreduce.cc
// and test_family.cc.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "collectives/api/check.h"
#include "collectives/registry.h"
#include "collectives/select/best.h"
#include "tests/support/world.h"

namespace collbench {
namespace {

// An all-reduce stand-in that takes `delay_ms[rank]` per call and copies its input (the
// answer of one rank); counts its calls.
class Slow : public Algorithm {
 public:
  Slow(std::string name, std::vector<int> delay_ms, std::atomic<int>* calls)
      : name_(std::move(name)), delay_ms_(std::move(delay_ms)), calls_(calls) {}
  std::string name() const override { return name_; }
  std::string description() const override { return "test stand-in"; }
  std::string collective() const override { return "all_reduce"; }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    ++*calls_;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_[comm.rank()]));
    if (args.send != args.recv) std::memcpy(args.recv, args.send, args.recvBytes());
  }

 private:
  std::string name_;
  std::vector<int> delay_ms_;
  std::atomic<int>* calls_;
};

struct Picked {
  std::string algorithm;
  std::vector<std::pair<std::string, double>> calibration_us;
};

// Two ranks calibrate `a` and `b` (per-rank delays) on 4 floats; each rank's choice.
std::vector<Picked> pick(std::vector<int> a_ms, std::vector<int> b_ms, std::atomic<int>& calls) {
  std::vector<Picked> picked(2);
  testing::runWorld("loopback", 2, [&](Transport& tr, Bootstrap& boot) {
    Communicator comm(tr, CommOptions{});
    comm.setBootstrap(&boot);
    std::vector<std::unique_ptr<Algorithm>> candidates;
    candidates.push_back(std::make_unique<Slow>("a", a_ms, &calls));
    candidates.push_back(std::make_unique<Slow>("b", b_ms, &calls));
    auto best = makeBest(std::move(candidates));
    std::vector<float> send(4, 1.0f), recv(4, 0.0f);
    const CollArgs args = sameShapeArgs(send.data(), recv.data(), 4, DataType::kFloat32);
    EXPECT_EQ(best->choice(comm, args), nullptr);  // nothing chosen before prepare
    best->prepare(comm, args);
    const AlgorithmChoice* c = best->choice(comm, args);
    ASSERT_NE(c, nullptr);
    picked[boot.rank()] = {c->algorithm, c->calibration_us};
  });
  return picked;
}

TEST(Best, ChoosesTheCandidateWhoseSlowestRankIsFastest) {
  std::atomic<int> calls{0};
  // Rank 0 finds a faster (0 ms against 15); rank 1 finds a at 40 ms: b's slowest rank is
  // faster, and both ranks must say b.
  const auto picked = pick({0, 40}, {15, 15}, calls);
  for (const Picked& p : picked) {
    EXPECT_EQ(p.algorithm, "b");
    ASSERT_EQ(p.calibration_us.size(), 2u);
    EXPECT_EQ(p.calibration_us[0].first, "a");
    EXPECT_GE(p.calibration_us[0].second, 40000.0);  // rank 1's a, not rank 0's
    EXPECT_EQ(p.calibration_us[1].first, "b");
    EXPECT_GE(p.calibration_us[1].second, 15000.0);
  }
  EXPECT_EQ(picked[0].calibration_us, picked[1].calibration_us);
  EXPECT_EQ(calls.load(), 2 * 2 * (kCalibrationWarmup + kCalibrationRounds * kCalibrationRuns));
}

TEST(Best, TheFirstCandidateIsNotFavoured) {
  std::atomic<int> calls{0};
  EXPECT_EQ(pick({30, 30}, {0, 0}, calls)[0].algorithm, "b");
  EXPECT_EQ(pick({0, 0}, {30, 30}, calls)[1].algorithm, "a");
}

// The sweep's warm-up runs every candidate once and chooses nothing: a calibration on cold
// connections would be a worse one.
TEST(Best, WarmUpRunsEveryCandidateOnceAndChoosesNothing) {
  std::atomic<int> calls{0};
  testing::runWorld("loopback", 2, [&](Transport& tr, Bootstrap& boot) {
    Communicator comm(tr, CommOptions{});
    comm.setBootstrap(&boot);
    std::vector<std::unique_ptr<Algorithm>> candidates;
    candidates.push_back(std::make_unique<Slow>("a", std::vector<int>{0, 0}, &calls));
    candidates.push_back(std::make_unique<Slow>("b", std::vector<int>{0, 0}, &calls));
    auto best = makeBest(std::move(candidates));
    std::vector<float> send(4, 1.0f), recv(4, 0.0f);
    const CollArgs args = sameShapeArgs(send.data(), recv.data(), 4, DataType::kFloat32);
    best->warmUp(comm, args);
    EXPECT_EQ(best->choice(comm, args), nullptr);
  });
  EXPECT_EQ(calls.load(), 2 * 2);  // two ranks, two candidates, one call each
}

TEST(Best, CalibratesOncePerShapeAndRunsTheChoice) {
  testing::runWorld("loopback", 3, [&](Transport& tr, Bootstrap& boot) {
    Communicator comm(tr, CommOptions{});
    comm.setBootstrap(&boot);
    auto best = makeAlgorithm("all_reduce", "best");
    ASSERT_TRUE(best);
    for (std::size_t count : {5u, 5000u, 5u}) {
      std::vector<float> buf(count);
      fillInput(DataType::kFloat32, ReduceOp::kSum, comm.rank(), comm.size(), 7, buf.data(), count);
      const std::vector<float> input = buf;
      const CollArgs args = sameShapeArgs(buf.data(), buf.data(), count, DataType::kFloat32);
      best->prepare(comm, args);
      EXPECT_EQ(buf, input) << "calibration must put an in-place input back";
      const std::uint64_t calls_before = comm.calls();
      best->run(comm, args);  // prepared: the chosen algorithm's calls, no calibration's 20+
      EXPECT_LT(comm.calls() - calls_before, 5u);
      comm.releaseRegions();
      EXPECT_EQ(
          checkOutput(DataType::kFloat32, ReduceOp::kSum, comm.size(), 7, buf.data(), count).wrong,
          0u);
      const AlgorithmChoice* c = best->choice(comm, args);
      ASSERT_NE(c, nullptr);
      EXPECT_FALSE(c->cost_form.empty());
      std::vector<std::string> tried;
      for (const auto& [name, us] : c->calibration_us) tried.push_back(name);
      // Every candidate that runs on one host: ring, tree, recursive-doubling, and hier over
      // ring and tree (one host: its inner ring).
      EXPECT_EQ(tried.size(), 5u) << ::testing::PrintToString(tried);
    }
  });
}

TEST(Best, RefusesWithoutABootstrap) {
  testing::runWorld("loopback", 2, [&](Transport& tr, Bootstrap&) {
    Communicator comm(tr, CommOptions{});
    auto best = makeAlgorithm("broadcast", "best");
    ASSERT_TRUE(best);
    std::vector<float> buf(8);
    const CollArgs args = sameShapeArgs(buf.data(), buf.data(), 8, DataType::kFloat32);
    EXPECT_FALSE(best->supports(comm, args));
    try {
      best->run(comm, args);
      ADD_FAILURE() << "best ran without a bootstrap";
    } catch (const std::logic_error& e) {
      EXPECT_STREQ(e.what(), "best: the communicator has no bootstrap to agree on a choice");
    }
  });
}

}  // namespace
}  // namespace collbench
