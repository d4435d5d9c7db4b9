#include "transports/loopback/bootstrap.h"

#include <cstring>
#include <exception>
#include <thread>

namespace collbench {

ThreadGroup::ThreadGroup(int size) : size_(size), slots_(size) {}

void ThreadGroup::barrier() {
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t gen = generation_;
  if (++arrived_ == size_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen; });
}

void ThreadGroup::allgather(int rank, const void* in, std::size_t bytes, void* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto* p = static_cast<const std::byte*>(in);
    slots_[rank].assign(p, p + bytes);
  }
  barrier();  // every slot written
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int r = 0; r < size_; ++r) {
      if (bytes > 0) std::memcpy(static_cast<std::byte*>(out) + r * bytes, slots_[r].data(), bytes);
    }
  }
  barrier();  // every slot read before anyone may write the next round
}

void runThreads(int size, const std::function<void(int rank)>& body) {
  std::vector<std::exception_ptr> errors(size);
  std::vector<std::thread> threads;
  threads.reserve(size);
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      try {
        body(r);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace collbench
