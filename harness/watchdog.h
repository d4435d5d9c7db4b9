// A backstop against hangs that no transport deadline covers: MPI's own collectives (the
// baseline, and the bootstrap's gathers) have no timeout. The owner arms it before each
// blocking step; a background thread checks every 200 ms, and when one step has lasted longer
// than the limit it prints what this rank was doing and calls `on_fire` with the task and the
// message (the harness reports the hang to rank 0's failure desk and ends the job there).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace collbench {

class Watchdog {
 public:
  using OnFire = std::function<void(const std::string& task, const std::string& message)>;
  Watchdog(std::chrono::milliseconds limit, std::string who, OnFire on_fire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Sets what the rank is working on, for the message. Not for the timed loop (allocates).
  void setTask(const std::string& task);
  // Starts the clock on one step; `phase` must be a string literal. Wait-free: an atomic store,
  // so it may be called inside timed loops.
  void arm(const char* phase);
  void disarm();

 private:
  void loop();

  const std::chrono::milliseconds limit_;
  const std::string who_;
  const OnFire on_fire_;
  std::atomic<std::int64_t> armed_at_ns_{0};  // 0 when disarmed
  std::atomic<const char*> phase_{""};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string task_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace collbench
