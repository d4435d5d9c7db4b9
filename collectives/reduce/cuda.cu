// CUDA reduction kernels: one grid-stride kernel per dtype and op. When the three pointers are
// 16-byte aligned each thread loads and stores whole 16-byte packs (uint4: 4 floats, 8 halves,
// 16 bytes), so that every load is one 128-bit transaction; the tail, and unaligned buffers,
// go element by element. float16 and bfloat16 are widened to float in registers. Semantics
// match the CPU kernels of reduce.cc: integer sum and prod wrap (computed unsigned), min and
// max keep the first operand on ties, avg reduces as a sum and is divided once at the end.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include "collectives/reduce/cuda.h"

namespace collbench {
namespace {

// Compute type C for storage type T under an op: float for the 16-bit floats, unsigned for
// integer sum and prod (defined wrap-around), 32 bits for uint8.
template <typename T, bool kArith>
struct ComputeOf {
  using type = T;
};
template <bool kArith>
struct ComputeOf<__half, kArith> {
  using type = float;
};
template <bool kArith>
struct ComputeOf<__nv_bfloat16, kArith> {
  using type = float;
};
template <>
struct ComputeOf<std::int32_t, true> {
  using type = std::uint32_t;
};
template <>
struct ComputeOf<std::int64_t, true> {
  using type = std::uint64_t;
};
template <bool kArith>
struct ComputeOf<std::uint8_t, kArith> {
  using type = std::uint32_t;
};

template <typename C>
__device__ C toCompute(__half x) {
  return __half2float(x);
}
template <typename C>
__device__ C toCompute(__nv_bfloat16 x) {
  return __bfloat162float(x);
}
template <typename C, typename T>
__device__ C toCompute(T x) {
  return static_cast<C>(x);
}
__device__ __half fromCompute(float x, __half*) { return __float2half_rn(x); }
__device__ __nv_bfloat16 fromCompute(float x, __nv_bfloat16*) { return __float2bfloat16_rn(x); }
template <typename T, typename C>
__device__ T fromCompute(C x, T*) {
  return static_cast<T>(x);
}

struct Sum {
  static constexpr bool kArith = true;
  template <typename C>
  __device__ static C apply(C x, C y) {
    return x + y;
  }
};
struct Prod {
  static constexpr bool kArith = true;
  template <typename C>
  __device__ static C apply(C x, C y) {
    return x * y;
  }
};
struct Min {
  static constexpr bool kArith = false;
  template <typename C>
  __device__ static C apply(C x, C y) {
    return y < x ? y : x;
  }
};
struct Max {
  static constexpr bool kArith = false;
  template <typename C>
  __device__ static C apply(C x, C y) {
    return x < y ? y : x;
  }
};

template <typename T, typename Op>
__device__ T combine(T x, T y) {
  using C = typename ComputeOf<T, Op::kArith>::type;
  return fromCompute(Op::apply(toCompute<C>(x), toCompute<C>(y)), static_cast<T*>(nullptr));
}

template <typename T, typename Op>
__global__ void reduceKernel(T* d, const T* a, const T* b, std::size_t n, bool packed) {
  constexpr std::size_t kPer = 16 / sizeof(T);
  const std::size_t stride = std::size_t{gridDim.x} * blockDim.x;
  const std::size_t first = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x;
  const std::size_t packs = packed ? n / kPer : 0;
  for (std::size_t p = first; p < packs; p += stride) {
    const uint4 va = reinterpret_cast<const uint4*>(a)[p];
    const uint4 vb = reinterpret_cast<const uint4*>(b)[p];
    uint4 vd;
    const T* xa = reinterpret_cast<const T*>(&va);
    const T* xb = reinterpret_cast<const T*>(&vb);
    T* xd = reinterpret_cast<T*>(&vd);
#pragma unroll
    for (std::size_t i = 0; i < kPer; ++i) xd[i] = combine<T, Op>(xa[i], xb[i]);
    reinterpret_cast<uint4*>(d)[p] = vd;
  }
  for (std::size_t i = packs * kPer + first; i < n; i += stride) d[i] = combine<T, Op>(a[i], b[i]);
}

// Divides in D (float for the 16-bit floats, int64 for the integers, as reduce.cc does).
template <typename T, typename D>
__global__ void divideKernel(T* p, std::size_t n, int ranks) {
  const std::size_t stride = std::size_t{gridDim.x} * blockDim.x;
  for (std::size_t i = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    p[i] = fromCompute(toCompute<D>(p[i]) / static_cast<D>(ranks), static_cast<T*>(nullptr));
  }
}

constexpr int kThreads = 256;

unsigned blocksFor(std::size_t work) {
  static const unsigned limit = [] {
    int dev = 0, sms = 0;
    cudaGetDevice(&dev);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    return static_cast<unsigned>(std::max(1, sms) * 8);  // grid-stride beyond this
  }();
  const std::size_t wanted = (work + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, limit)));
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

template <typename T, typename Op>
void launchReduce(void* dst, const void* a, const void* b, std::size_t n, cudaStream_t s) {
  const bool packed = aligned16(dst) && aligned16(a) && aligned16(b);
  const std::size_t work = packed ? n / (16 / sizeof(T)) + 16 : n;
  reduceKernel<T, Op><<<blocksFor(work), kThreads, 0, s>>>(
      static_cast<T*>(dst), static_cast<const T*>(a), static_cast<const T*>(b), n, packed);
}

template <typename Op>
void reduceWith(DataType t, void* dst, const void* a, const void* b, std::size_t n,
                cudaStream_t s) {
  switch (t) {
    case DataType::kFloat32:
      return launchReduce<float, Op>(dst, a, b, n, s);
    case DataType::kFloat64:
      return launchReduce<double, Op>(dst, a, b, n, s);
    case DataType::kFloat16:
      return launchReduce<__half, Op>(dst, a, b, n, s);
    case DataType::kBFloat16:
      return launchReduce<__nv_bfloat16, Op>(dst, a, b, n, s);
    case DataType::kInt32:
      return launchReduce<std::int32_t, Op>(dst, a, b, n, s);
    case DataType::kInt64:
      return launchReduce<std::int64_t, Op>(dst, a, b, n, s);
    case DataType::kUInt8:
      return launchReduce<std::uint8_t, Op>(dst, a, b, n, s);
  }
}

template <typename T, typename D>
void launchDivide(void* buf, std::size_t n, int ranks, cudaStream_t s) {
  divideKernel<T, D><<<blocksFor(n), kThreads, 0, s>>>(static_cast<T*>(buf), n, ranks);
}

void divideAsync(DataType t, void* buf, std::size_t n, int ranks, cudaStream_t s) {
  switch (t) {
    case DataType::kFloat32:
      return launchDivide<float, float>(buf, n, ranks, s);
    case DataType::kFloat64:
      return launchDivide<double, double>(buf, n, ranks, s);
    case DataType::kFloat16:
      return launchDivide<__half, float>(buf, n, ranks, s);
    case DataType::kBFloat16:
      return launchDivide<__nv_bfloat16, float>(buf, n, ranks, s);
    case DataType::kInt32:
      return launchDivide<std::int32_t, std::int64_t>(buf, n, ranks, s);
    case DataType::kInt64:
      return launchDivide<std::int64_t, std::int64_t>(buf, n, ranks, s);
    case DataType::kUInt8:
      return launchDivide<std::uint8_t, std::int64_t>(buf, n, ranks, s);
  }
}

// Kernels run on a stream of their own, made on first use on the current device.
cudaStream_t kernelStream() {
  static cudaStream_t stream = [] {
    cudaStream_t s = nullptr;
    throwIfCudaFailed(cudaStreamCreate(&s), "cudaStreamCreate");
    return s;
  }();
  return stream;
}

void finish(cudaStream_t s, const char* what) {
  throwIfCudaFailed(cudaGetLastError(), what);
  throwIfCudaFailed(cudaStreamSynchronize(s), what);
}

class CudaMemoryOps : public MemoryOps {
 public:
  MemoryKind kind() const override { return MemoryKind::kCuda; }
  std::shared_ptr<std::byte> allocate(std::size_t bytes) const override {
    void* p = nullptr;
    throwIfCudaFailed(cudaMalloc(&p, std::max<std::size_t>(bytes, 1)), "cudaMalloc");
    std::shared_ptr<std::byte> owned(static_cast<std::byte*>(p), [](std::byte* q) { cudaFree(q); });
    throwIfCudaFailed(cudaMemset(p, 0, bytes), "cudaMemset");
    return owned;
  }
  void copy(void* dst, const void* src, std::size_t bytes) const override {
    if (bytes) throwIfCudaFailed(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault), "cudaMemcpy");
  }
  void reduce(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
              std::size_t count) const override {
    if (count == 0) return;
    cudaReduceAsync(t, op, dst, a, b, count, kernelStream());
    finish(kernelStream(), "CUDA reduce kernel");
  }
  void finishAverage(DataType t, void* buf, std::size_t count, int ranks) const override {
    if (count == 0 || ranks == 1) return;
    divideAsync(t, buf, count, ranks, kernelStream());
    finish(kernelStream(), "CUDA average kernel");
  }
};

}  // namespace

void throwIfCudaFailed(int status, const char* what) {
  const auto err = static_cast<cudaError_t>(status);
  if (err == cudaSuccess) return;
  throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(err));
}

void cudaReduceAsync(DataType t, ReduceOp op, void* dst, const void* a, const void* b,
                     std::size_t count, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return reduceWith<Sum>(t, dst, a, b, count, s);
    case ReduceOp::kProd:
      return reduceWith<Prod>(t, dst, a, b, count, s);
    case ReduceOp::kMin:
      return reduceWith<Min>(t, dst, a, b, count, s);
    case ReduceOp::kMax:
      return reduceWith<Max>(t, dst, a, b, count, s);
  }
}

const MemoryOps& cudaMemoryOps() {
  static const CudaMemoryOps ops;
  return ops;
}

}  // namespace collbench
