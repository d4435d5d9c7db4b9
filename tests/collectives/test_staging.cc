// Staging of device buffers through host mirrors (transports/staging), with "device" memory
// played by host memory marked kCuda and a copier that counts: ring and tree over TCP must give
// every element right, and every byte they move must go through the mirrors.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <numeric>

#include "collectives/reduce/reduce.h"
#include "collectives/registry.h"
#include "tests/support/world.h"
#include "transports/staging/transport.h"

namespace collbench {
namespace {

// Host memory that calls itself CUDA memory, so that communicators register it as kCuda.
class PretendDeviceOps : public MemoryOps {
 public:
  MemoryKind kind() const override { return MemoryKind::kCuda; }
  std::shared_ptr<std::byte> allocate(std::size_t bytes) const override {
    return hostMemoryOps().allocate(bytes);
  }
  void copy(void* dst, const void* src, std::size_t bytes) const override {
    hostMemoryOps().copy(dst, src, bytes);
  }
  void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
              std::size_t count) const override {
    hostMemoryOps().reduce(t, op, dst, a, b, count);
  }
  void finishAverage(DataType t, void* buf, std::size_t count, int ranks) const override {
    hostMemoryOps().finishAverage(t, buf, count, ranks);
  }
};

class CountingCopier : public StagingCopier {
 public:
  explicit CountingCopier(std::atomic<std::uint64_t>& bytes) : bytes_(bytes) {}
  std::shared_ptr<std::byte> allocateHost(std::size_t bytes) override {
    return hostMemoryOps().allocate(bytes);
  }
  void copy(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
    bytes_ += bytes;
  }

 private:
  std::atomic<std::uint64_t>& bytes_;
};

class StagingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StagingTest, RingAndTreeOverTcpGiveEveryElement) {
  constexpr int kRanks = 3;
  constexpr std::size_t kCount = 100003;
  std::atomic<std::uint64_t> copied{0};
  std::vector<std::int64_t> wrong(kRanks, -1);
  const PretendDeviceOps device;
  testing::runWorld("tcp", kRanks, [&](Transport& tcp, Bootstrap& boot) {
    // The world owns `tcp`; the staging layer borrows it through a non-owning wrapper.
    struct Borrowed : Transport {
      explicit Borrowed(Transport& t) : t(t) {}
      const TransportProps& props() const override { return t.props(); }
      int rank() const override { return t.rank(); }
      int size() const override { return t.size(); }
      std::unique_ptr<MemoryRegion> registerMemory(void* d, std::size_t b, MemoryKind k) override {
        if (k != MemoryKind::kHost) throw TransportError("inner transport saw device memory");
        return t.registerMemory(d, b, k);
      }
      Request postSend(int p, Tag g, const MemoryRegion& r, std::size_t o, std::size_t b) override {
        return t.postSend(p, g, r, o, b);
      }
      Request postRecv(int p, Tag g, MemoryRegion& r, std::size_t o, std::size_t b) override {
        return t.postRecv(p, g, r, o, b);
      }
      void progressUntil(Request* r, std::size_t n, WaitFor u, Deadline d) override {
        t.progressUntil(r, n, u, d);
      }
      Transport& t;
    };
    StagingTransport staged(std::make_unique<Borrowed>(tcp),
                            std::make_unique<CountingCopier>(copied));
    CommOptions opts;
    opts.segment_bytes = 4096;
    opts.memory = &device;
    Communicator comm(staged, opts);
    auto algo = makeAlgorithm("all_reduce", GetParam());
    std::vector<std::int64_t> in(kCount), out(kCount, -1);
    for (std::size_t i = 0; i < kCount; ++i)
      in[i] = static_cast<std::int64_t>(i) * (tcp.rank() + 1);
    CollArgs args = sameShapeArgs(in.data(), out.data(), kCount, DataType::kInt64);
    algo->run(comm, args);
    std::int64_t bad = 0;
    for (std::size_t i = 0; i < kCount; ++i) bad += out[i] != static_cast<std::int64_t>(i) * 6;
    wrong[static_cast<std::size_t>(boot.rank())] = bad;
    comm.releaseRegions();
  });
  for (int r = 0; r < kRanks; ++r) EXPECT_EQ(wrong[static_cast<std::size_t>(r)], 0) << "rank " << r;
  // Each rank sends and receives at least 2(n-1)/n of the buffer, each byte copied once.
  EXPECT_GE(copied.load(), std::uint64_t{kRanks} * 2 * (2 * kCount * 8 * (kRanks - 1) / kRanks));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, StagingTest, ::testing::Values("ring", "tree"));

}  // namespace
}  // namespace collbench
