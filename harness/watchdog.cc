#include "harness/watchdog.h"

#include <cstdio>

namespace collbench {
namespace {

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Watchdog::Watchdog(std::chrono::milliseconds limit, std::string who, OnFire on_fire)
    : limit_(limit), who_(std::move(who)), on_fire_(std::move(on_fire)) {
  thread_ = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Watchdog::setTask(const std::string& task) {
  std::lock_guard<std::mutex> lock(mu_);
  task_ = task;
}

void Watchdog::arm(const char* phase) {
  phase_.store(phase, std::memory_order_relaxed);
  armed_at_ns_.store(nowNs(), std::memory_order_release);
}

void Watchdog::disarm() { armed_at_ns_.store(0, std::memory_order_release); }

void Watchdog::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
    const std::int64_t since = armed_at_ns_.load(std::memory_order_acquire);
    if (since == 0 || nowNs() - since < std::chrono::nanoseconds(limit_).count()) continue;
    char message[512];
    std::snprintf(message, sizeof message, "no progress for %.1f s in %s (%s)",
                  std::chrono::duration<double>(limit_).count(), task_.c_str(), phase_.load());
    std::fprintf(stderr, "collbench: %s: %s; aborting the job\n", who_.c_str(), message);
    std::fflush(stderr);
    const std::string task = task_;
    lock.unlock();
    on_fire_(task, message);
    return;
  }
}

}  // namespace collbench
