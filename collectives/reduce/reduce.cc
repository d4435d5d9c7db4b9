#include "collectives/reduce/reduce.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#ifdef COLLBENCH_HAVE_AVX2_KERNELS
#include <cpuid.h>
#endif

#define COLLBENCH_KERNEL_NS generic
#include "collectives/reduce/isa.h"
#include "collectives/reduce/kernels.h"

namespace collbench {

#ifdef COLLBENCH_HAVE_AVX2_KERNELS
namespace avx2 {  // collectives/reduce/reduce_avx2.cc
void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b, std::size_t count);
void finishAverage(DataType t, void* buf, std::size_t count, int ranks);
}  // namespace avx2
#endif

namespace {

#ifdef COLLBENCH_HAVE_AVX2_KERNELS
// CPUID leaf 1, ECX bit 29 (Clang's __builtin_cpu_supports does not know "f16c").
bool cpuHasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}
#endif

bool cpuHas(ReduceIsa isa) {
  switch (isa) {
    case ReduceIsa::kGeneric:
      return true;
    case ReduceIsa::kAvx2:
#ifdef COLLBENCH_HAVE_AVX2_KERNELS
      return __builtin_cpu_supports("avx2") && cpuHasF16c();
#else
      return false;
#endif
  }
  return false;
}

ReduceIsa chooseIsa() {
  const char* forced = std::getenv("COLLBENCH_REDUCE_ISA");
  if (!forced || !*forced) return supportedReduceIsas().back();
  return parseReduceIsa(forced);
}

}  // namespace

const char* reduceIsaName(ReduceIsa isa) { return isa == ReduceIsa::kAvx2 ? "avx2" : "generic"; }

std::vector<ReduceIsa> supportedReduceIsas() {
  std::vector<ReduceIsa> isas;
  for (ReduceIsa isa : {ReduceIsa::kGeneric, ReduceIsa::kAvx2}) {
    if (cpuHas(isa)) isas.push_back(isa);
  }
  return isas;
}

ReduceIsa parseReduceIsa(const std::string& name) {
  std::string names;
  for (ReduceIsa isa : supportedReduceIsas()) {
    if (name == reduceIsaName(isa)) return isa;
    names += std::string(names.empty() ? "" : ", ") + reduceIsaName(isa);
  }
  throw std::invalid_argument("COLLBENCH_REDUCE_ISA=" + name +
                              " is not a kernel build this CPU runs (choose from: " + names + ")");
}

ReduceIsa activeReduceIsa() {
  static const ReduceIsa isa = chooseIsa();
  return isa;
}

void reduceWithIsa(ReduceIsa isa, DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                   std::size_t count) {
#ifdef COLLBENCH_HAVE_AVX2_KERNELS
  if (isa == ReduceIsa::kAvx2) return avx2::reduce(t, op, dst, a, b, count);
#endif
  (void)isa;
  generic::reduceAny(t, op, dst, a, b, count);
}

void finishAverageWithIsa(ReduceIsa isa, DataType t, void* buf, std::size_t count, int ranks) {
  if (ranks == 1) return;
#ifdef COLLBENCH_HAVE_AVX2_KERNELS
  if (isa == ReduceIsa::kAvx2) return avx2::finishAverage(t, buf, count, ranks);
#endif
  (void)isa;
  generic::divideAny(t, buf, count, ranks);
}

void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b, std::size_t count) {
  reduceWithIsa(activeReduceIsa(), t, op, dst, a, b, count);
}

void finishAverage(DataType t, void* buf, std::size_t count, int ranks) {
  finishAverageWithIsa(activeReduceIsa(), t, buf, count, ranks);
}

namespace {

class HostMemoryOps : public MemoryOps {
 public:
  MemoryKind kind() const override { return MemoryKind::kHost; }
  std::shared_ptr<std::byte> allocate(std::size_t bytes) const override {
    return std::shared_ptr<std::byte>(new std::byte[std::max<std::size_t>(bytes, 1)](),
                                      std::default_delete<std::byte[]>());
  }
  void copy(void* dst, const void* src, std::size_t bytes) const override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
              std::size_t count) const override {
    collbench::reduce(t, op, dst, a, b, count);
  }
  void finishAverage(DataType t, void* buf, std::size_t count, int ranks) const override {
    collbench::finishAverage(t, buf, count, ranks);
  }
};

}  // namespace

const MemoryOps& hostMemoryOps() {
  static const HostMemoryOps ops;
  return ops;
}

const MemoryOps& memoryOps(const Communicator& comm) {
  return comm.options().memory ? *comm.options().memory : hostMemoryOps();
}

}  // namespace collbench
