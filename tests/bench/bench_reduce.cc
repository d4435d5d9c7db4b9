// Reduction kernels against memcpy of the same size (Google Benchmark). Both report
// bytes_per_second as the bytes of output produced, so "reduce / memcpy" is the kernel's share
// of the copy bandwidth: a reduce reads two buffers and writes one, memcpy reads one. Sizes:
// one buffer that fits the last-level cache with its two inputs (1 MiB) and one that does not
// (128 MiB). Every kernel build this CPU runs is measured (reduce/float32/sum/generic,
// .../avx2); the context's reduce_kernels names the one collbench uses. scripts/bench-local.sh
// runs this and quotes the ratios.
//   tests/bench/bench_reduce [--benchmark_filter=float32/sum]
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "collectives/api/check.h"
#include "collectives/api/types.h"
#include "collectives/reduce/isa.h"

namespace collbench {
namespace {

constexpr std::size_t kCacheBytes = std::size_t{1} << 20;
constexpr std::size_t kMemoryBytes = std::size_t{128} << 20;

struct Buffers {
  explicit Buffers(std::size_t bytes)
      : a(bytes, std::byte{1}), b(bytes, std::byte{2}), out(bytes) {}
  std::vector<std::byte> a, b, out;
};

void BM_memcpy(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  Buffers buf(bytes);
  for (auto _ : state) {
    std::memcpy(buf.out.data(), buf.a.data(), bytes);
    benchmark::DoNotOptimize(buf.out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_reduce(benchmark::State& state, ReduceIsa isa, DataType dtype, ReduceOp op) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  Buffers buf(bytes);
  const std::size_t count = bytes / dtypeSize(dtype);
  // Small integers, so that float products and sums stay finite and normal.
  for (std::size_t i = 0; i < count; ++i) {
    storeElement(dtype, buf.a.data(), i, 1 + static_cast<double>(i % 3));
    storeElement(dtype, buf.b.data(), i, 1);
  }
  for (auto _ : state) {
    reduceWithIsa(isa, dtype, op, buf.out.data(), buf.a.data(), buf.b.data(), count);
    benchmark::DoNotOptimize(buf.out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

int registerAll() {
  for (std::size_t bytes : {kCacheBytes, kMemoryBytes}) {
    benchmark::RegisterBenchmark("memcpy", BM_memcpy)->Arg(static_cast<std::int64_t>(bytes));
  }
  benchmark::AddCustomContext("reduce_kernels", reduceIsaName(activeReduceIsa()));
  for (DataType t : allDataTypes()) {
    for (ReduceOp op : allReduceOps()) {
      for (ReduceIsa isa : supportedReduceIsas()) {
        const std::string name =
            std::string("reduce/") + dtypeName(t) + "/" + opName(op) + "/" + reduceIsaName(isa);
        for (std::size_t bytes : {kCacheBytes, kMemoryBytes}) {
          benchmark::RegisterBenchmark(name.c_str(), BM_reduce, isa, t, op)
              ->Arg(static_cast<std::int64_t>(bytes));
        }
      }
    }
  }
  return 0;
}

const int registered = registerAll();

}  // namespace
}  // namespace collbench

BENCHMARK_MAIN();
