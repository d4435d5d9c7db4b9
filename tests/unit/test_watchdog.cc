#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness/watchdog.h"

namespace collbench {
namespace {

using namespace std::chrono_literals;

TEST(Watchdog, FiresWhenOneStepOutlastsTheLimitAndSaysWhat) {
  std::atomic<int> fired{0};
  std::string task, message;
  ::testing::internal::CaptureStderr();
  {
    Watchdog dog(300ms, "rank 3 (node7)", [&](const std::string& t, const std::string& m) {
      task = t, message = m;
      ++fired;
    });
    dog.setTask("allreduce ring 8 MiB");
    dog.arm("timed iterations");
    std::this_thread::sleep_for(900ms);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(fired, 1);
  EXPECT_NE(err.find("rank 3 (node7): no progress for 0.3 s in allreduce ring 8 MiB (timed "
                     "iterations); aborting the job"),
            std::string::npos)
      << err;
  EXPECT_EQ(task, "allreduce ring 8 MiB");
  EXPECT_EQ(message, "no progress for 0.3 s in allreduce ring 8 MiB (timed iterations)");
}

TEST(Watchdog, QuietWhileStepsEndInTimeOrWhenDisarmed) {
  std::atomic<int> fired{0};
  Watchdog dog(400ms, "rank 0", [&](const std::string&, const std::string&) { ++fired; });
  for (int i = 0; i < 8; ++i) {
    dog.arm("step");  // each step is short; the total is longer than the limit
    std::this_thread::sleep_for(100ms);
  }
  dog.disarm();
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace collbench
