// Micro-benchmark: the CUDA reduction kernel against device-to-device cudaMemcpy of the same
// buffers, in memory traffic per second (reduce: read 2S, write S; copy: read S, write S).
// Target: the kernel at 85% or more of the copy. Exits 77 (skipped) without a CUDA device.
#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "collectives/reduce/cuda.h"
#include "harness/gpu.h"

using namespace collbench;

namespace {

template <typename Fn>
double microsecondsPerCall(Fn fn, int iters) {
  CudaEventTimer timer;
  fn();  // warm-up
  timer.start();
  for (int i = 0; i < iters; ++i) fn();
  timer.stop();
  return timer.elapsedMicroseconds() / iters;
}

}  // namespace

int main() {
  std::string why;
  if (cudaDevices(&why) == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  selectCudaDevice(0);
  std::printf("device: %s\n%-9s %-5s %10s %12s %12s %7s\n", currentCudaDevice().c_str(), "dtype",
              "op", "bytes", "reduce GB/s", "memcpy GB/s", "ratio");
  const MemoryOps& gpu = cudaMemoryOps();
  for (std::size_t bytes : {std::size_t{1} << 20, std::size_t{32} << 20, std::size_t{256} << 20}) {
    auto a = gpu.allocate(bytes), b = gpu.allocate(bytes), d = gpu.allocate(bytes);
    const double copy_us = microsecondsPerCall(
        [&] { cudaMemcpyAsync(d.get(), a.get(), bytes, cudaMemcpyDeviceToDevice, nullptr); }, 50);
    const double copy_gbps = 2.0 * static_cast<double>(bytes) / copy_us / 1e3;
    for (DataType t : {DataType::kFloat32, DataType::kBFloat16, DataType::kFloat16}) {
      const std::size_t count = bytes / dtypeSize(t);
      const double us = microsecondsPerCall(
          [&] { cudaReduceAsync(t, ReduceOp::kSum, d.get(), a.get(), b.get(), count, nullptr); },
          50);
      const double gbps = 3.0 * static_cast<double>(bytes) / us / 1e3;
      std::printf("%-9s %-5s %10zu %12.1f %12.1f %6.0f%%\n", dtypeName(t), "sum", bytes, gbps,
                  copy_gbps, 100.0 * gbps / copy_gbps);
    }
  }
  return 0;
}
