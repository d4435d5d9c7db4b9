// GPU paths, run where a CUDA device is present and skipped with a message elsewhere: the CUDA
// reduction kernels against the CPU kernels for every dtype and op; ring and tree over the
// NCCL transport (two or more devices, one rank per device); ring and tree over TCP with CUDA
// buffers staged through pinned host memory (ranks as threads sharing device 0).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "collectives/api/check.h"
#include "collectives/reduce/cuda.h"
#include "collectives/reduce/reduce.h"
#include "collectives/registry.h"
#include "harness/gpu.h"
#include "tests/support/world.h"
#include "transports/nccl/transport.h"
#include "transports/staging/transport.h"

namespace collbench {
namespace {

// Empty when this host has `needed` CUDA devices, else why the test cannot run.
std::string missingDevices(int needed) {
  std::string why;
  const int n = cudaDevices(&why);
  if (n >= needed) return "";
  return "needs " + std::to_string(needed) + " CUDA device(s); this host has " + std::to_string(n) +
         (why.empty() ? "" : " (" + why + ")");
}

#define SKIP_WITHOUT_DEVICES(needed) \
  if (std::string why = missingDevices(needed); !why.empty()) GTEST_SKIP() << why

std::vector<std::byte> randomElements(DataType t, std::size_t count, unsigned seed) {
  std::vector<std::byte> v(count * dtypeSize(t));
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> small(-20, 20);
  for (std::size_t i = 0; i < count; ++i) storeElement(t, v.data(), i, small(gen) / 4.0);
  return v;
}

TEST(CudaReduce, MatchesTheCpuKernelsBitForBit) {
  SKIP_WITHOUT_DEVICES(1);
  selectCudaDevice(0);
  const MemoryOps& gpu = cudaMemoryOps();
  for (DataType t : allDataTypes()) {
    for (ReduceOp op : allReduceOps()) {
      for (std::size_t offset : {0, 1}) {  // aligned: 16-byte packs; offset by one: scalar path
        const std::size_t count = 100003, esize = dtypeSize(t);
        auto a = randomElements(t, count + offset, 1), b = randomElements(t, count + offset, 2);
        std::vector<std::byte> want(a.size()), got(a.size());
        reduce(t, op, want.data() + offset * esize, a.data() + offset * esize,
               b.data() + offset * esize, count);
        if (op == ReduceOp::kAvg) finishAverage(t, want.data() + offset * esize, count, 3);
        auto da = gpu.allocate(a.size()), db = gpu.allocate(b.size()), dd = gpu.allocate(a.size());
        gpu.copy(da.get(), a.data(), a.size());
        gpu.copy(db.get(), b.data(), b.size());
        gpu.reduce(t, op, dd.get() + offset * esize, da.get() + offset * esize,
                   db.get() + offset * esize, count);
        if (op == ReduceOp::kAvg) gpu.finishAverage(t, dd.get() + offset * esize, count, 3);
        gpu.copy(got.data(), dd.get(), got.size());
        for (std::size_t i = offset; i < count + offset; ++i) {
          ASSERT_EQ(std::memcmp(&want[i * esize], &got[i * esize], esize), 0)
              << dtypeName(t) << " " << opName(op) << " element " << i << ": cpu "
              << loadElement(t, want.data(), i) << ", cuda " << loadElement(t, got.data(), i);
        }
      }
    }
  }
}

// Every rank's input i * (rank + 1) in int64; the sum over n ranks is i * n(n+1)/2.
void checkRingAndTree(Transport& tr, const MemoryOps& device, std::vector<std::string>& failures) {
  CommOptions opts;
  opts.segment_bytes = 64 << 10;
  opts.memory = &device;
  Communicator comm(tr, opts);
  const std::size_t count = 1 << 20;
  const int n = tr.size();
  std::vector<std::int64_t> in(count), out(count);
  for (std::size_t i = 0; i < count; ++i) in[i] = static_cast<std::int64_t>(i) * (tr.rank() + 1);
  auto din = device.allocate(count * 8), dout = device.allocate(count * 8);
  for (const char* name : {"ring", "tree"}) {
    device.copy(din.get(), in.data(), count * 8);
    CollArgs args = sameShapeArgs(din.get(), dout.get(), count, DataType::kInt64);
    makeAlgorithm("all_reduce", name)->run(comm, args);
    device.copy(out.data(), dout.get(), count * 8);
    for (std::size_t i = 0; i < count; ++i) {
      if (out[i] != static_cast<std::int64_t>(i) * n * (n + 1) / 2) {
        failures[static_cast<std::size_t>(tr.rank())] =
            std::string(name) + ": element " + std::to_string(i) + " is " + std::to_string(out[i]);
        break;
      }
    }
  }
  comm.releaseRegions();
}

TEST(NcclTransportOnGpus, RingAndTreeEveryElement) {
  SKIP_WITHOUT_DEVICES(2);
  const int ranks = cudaDevices();
  std::vector<std::string> failures(ranks);
  auto group = std::make_shared<ThreadGroup>(ranks);
  runThreads(ranks, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    selectCudaDevice(rank);
    NcclTransport tr(makeNcclBackend(boot), rank, ranks);
    checkRingAndTree(tr, cudaMemoryOps(), failures);
    boot.barrier();
  });
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

TEST(TcpWithCudaBuffers, RingAndTreeEveryElement) {
  SKIP_WITHOUT_DEVICES(1);
  constexpr int kRanks = 3;
  std::vector<std::string> failures(kRanks);
  auto group = std::make_shared<ThreadGroup>(kRanks);
  runThreads(kRanks, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    selectCudaDevice(0);
    StagingTransport tr(std::make_unique<TcpTransport>(boot, TcpOptions{}),
                        makeCudaStagingCopier());
    checkRingAndTree(tr, cudaMemoryOps(), failures);
    boot.barrier();
  });
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

}  // namespace
}  // namespace collbench
