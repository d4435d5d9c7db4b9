// Bootstrap for ranks that are threads of one process (tests). One ThreadGroup is shared by
// all ranks; each rank owns a ThreadBootstrap.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "transports/api/bootstrap.h"

namespace collbench {

class ThreadGroup {
 public:
  explicit ThreadGroup(int size);
  int size() const { return size_; }
  void barrier();
  void allgather(int rank, const void* in, std::size_t bytes, void* out);

 private:
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  std::vector<std::vector<std::byte>> slots_;
};

class ThreadBootstrap : public Bootstrap {
 public:
  ThreadBootstrap(std::shared_ptr<ThreadGroup> group, int rank)
      : group_(std::move(group)), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }
  void allgather(const void* in, std::size_t bytes, void* out) override {
    group_->allgather(rank_, in, bytes, out);
  }
  void barrier() override { group_->barrier(); }
  std::string hostname() const override { return "localhost"; }

 private:
  std::shared_ptr<ThreadGroup> group_;
  int rank_;
};

// Runs body(rank) on `size` threads and joins them. Rethrows the first exception a rank threw
// (after all threads have ended).
void runThreads(int size, const std::function<void(int rank)>& body);

}  // namespace collbench
